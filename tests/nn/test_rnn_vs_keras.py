"""Recurrent layers, masks and wrappers against Keras 3.15 (TensorFlow 2.21 backend).

The cases (``fixtures/rnn_attn_cases.py``) build SimpleRNN/LSTM/GRU, cells in ``RNN``,
stacked cells, Bidirectional and TimeDistributed layers with fixed weights and compare
outputs, final states, output masks, gradients w.r.t. inputs and weights, stateful
behaviour, dropout rates at the edges, masked losses in ``fit``/``evaluate`` and error
classes with Keras' results recorded by ``fixtures/record_rnn_attn_vs_keras.py``.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import jtape.compat as tf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
import rnn_attn_cases as cases  # noqa: E402

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "rnn_attn_vs_keras.npz"))


@pytest.mark.filterwarnings("ignore:.*retracing")
@pytest.mark.parametrize("case", cases.RNN_CASES, ids=lambda c: c.__name__)
def test_matches_keras(case):
    cases.check(case, tf, FIXTURE)


def test_stateful_states_stay_variables():
    # Not weights (as Keras), but still state: listed in `variables` and updated by calls.
    layer = tf.keras.layers.GRU(2, stateful=True)
    layer(tf.ones((2, 3, 1)))
    assert len(layer.weights) == 3
    assert [id(v) for v in layer.variables[-2:]] != [] and layer.states[0] in layer.variables
    assert np.abs(layer.states[0].numpy()).sum() > 0


def test_use_cudnn_true_raises_at_call():
    layer = tf.keras.layers.LSTM(2, use_cudnn=True)
    with pytest.raises(ValueError, match="use_cudnn=True"):
        layer(tf.ones((1, 3, 2)))
    with pytest.raises(ValueError, match="use_cudnn"):
        tf.keras.layers.GRU(2, use_cudnn="yes")


def test_float16_layer_builds_orthogonal_recurrent_kernel():
    # Keras builds LSTM(dtype="float16"); LAPACK has no float16 QR, so jtape's
    # Orthogonal initializer factorizes in float32 and casts.
    layer = tf.keras.layers.LSTM(4, dtype="float16")
    y = layer(tf.ones((2, 3, 5)))
    assert y.dtype == tf.float16 and layer.cell.recurrent_kernel.dtype == tf.float16
    q = layer.cell.recurrent_kernel.numpy().astype(np.float32)  # (4, 16): orthonormal rows
    np.testing.assert_allclose(q @ q.T, np.eye(4), atol=2e-3)
