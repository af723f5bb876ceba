"""MultiHeadAttention, GroupQueryAttention, Attention, AdditiveAttention vs Keras 3.15.

The cases (``fixtures/rnn_attn_cases.py``) cover masks (attention, Keras, causal),
returned scores, key != value, ``output_shape``, ``attention_axes`` on 4-D and 5-D
inputs, float64 layers, configs, and gradients w.r.t. inputs and weights; Keras' results
come from ``fixtures/record_rnn_attn_vs_keras.py``.
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
@pytest.mark.filterwarnings("ignore:.*does not support masking")  # Keras warns the same
@pytest.mark.parametrize("case", cases.ATTENTION_CASES, ids=lambda c: c.__name__)
def test_matches_keras(case):
    cases.check(case, tf, FIXTURE)


def test_weights_are_named_under_the_layer():
    layer = tf.keras.layers.MultiHeadAttention(2, 3, name="mha_named")
    x = tf.ones((1, 2, 3))
    layer(x, x)
    names = [w.name.split(":")[0] for w in layer.weights]
    assert names[:2] == ["mha_named/query/kernel", "mha_named/query/bias"]
    assert names[-1] == "mha_named/attention_output/bias"


def test_mixed_precision_sublayers_follow_the_policy():
    layer = tf.keras.layers.MultiHeadAttention(2, 3, dtype="mixed_float16")
    x = tf.ones((1, 2, 3))
    y, scores = layer(x, x, return_attention_scores=True)
    assert y.dtype == tf.float16 and scores.dtype == tf.float16
    assert all(w.dtype == tf.float32 for w in layer.weights)


@pytest.mark.filterwarnings("ignore:.*retracing")
def test_keras_model_files_load_with_keras_outputs():
    # Saved by Keras 3.15: gated and 4-D MultiHeadAttention (weights under Keras' paths
    # "query_dense", "_gate_dense"), GroupQueryAttention, Bidirectional and
    # TimeDistributed from their serialized configs, and a stateful LSTM whose states
    # are not weights.
    here = os.path.join(os.path.dirname(__file__), "fixtures")
    x = FIXTURE["model_file/x"]
    model = tf.keras.models.load_model(os.path.join(here, "rnn_attn_model.keras"))
    for got, i in zip(model(x), range(2)):
        np.testing.assert_allclose(got.numpy(), FIXTURE[f"model_file/y{i}"], atol=2e-6)
    stateful = tf.keras.models.load_model(os.path.join(here, "rnn_attn_stateful.keras"))
    assert len(stateful.get_weights()) == 3
    np.testing.assert_allclose(stateful(x).numpy(), FIXTURE["model_file/stateful"], atol=2e-6)


@pytest.mark.filterwarnings("ignore:.*retracing")
def test_model_file_round_trip_writes_keras_names(tmp_path):
    # What jtape writes is what Keras 3.15 wrote for the same model (checked by loading
    # jtape's file with Keras): GroupQueryAttention's class name and the attention
    # layers' shapes_dict build configs.
    import json
    import zipfile

    here = os.path.join(os.path.dirname(__file__), "fixtures")
    x = FIXTURE["model_file/x"]
    model = tf.keras.models.load_model(os.path.join(here, "rnn_attn_model.keras"))
    path = str(tmp_path / "again.keras")
    model.save(path)
    with zipfile.ZipFile(path) as z:
        layers = json.loads(z.read("config.json"))["config"]["layers"]
    by_class = {layer["class_name"]: layer for layer in layers}
    assert by_class["GroupQueryAttention"]["build_config"] == {
        "shapes_dict": {"query_shape": [None, 5, 3], "value_shape": [None, 5, 3]}
    }
    assert "shapes_dict" in by_class["MultiHeadAttention"]["build_config"]
    again = tf.keras.models.load_model(path)
    for got, i in zip(again(x), range(2)):
        np.testing.assert_allclose(got.numpy(), FIXTURE[f"model_file/y{i}"], atol=2e-6)
