"""Every tf.keras optimizer against Keras 3.15 (recorded by
tests/fixtures/record_optimizers_vs_keras.py): values after several steps on float32
and float64 variables and with IndexedSlices gradients, ``optimizer.variables`` (Keras'
order, paths, shapes, dtypes, values), configs, serialize/get and argument errors."""

import json
import os
import re
import sys

import numpy as np
import pytest

import jtape.compat as tf

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
sys.path.insert(0, HERE)
import optimizer_vs_keras_programs as P  # noqa: E402

with open(os.path.join(HERE, "optimizers_vs_keras.json")) as f:
    TF = json.load(f)


def _close(got, want, dtype):
    tol = 1e-11 if dtype == "float64" else 2e-6  # float32: a few ulps of the values
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def _key(entry):
    # Nadam's u_product is unnamed in Keras: "opt/variable_<process-wide counter>".
    path = re.sub(r"/variable_\d+$", "/variable", entry[0])
    return [path, *entry[1:3]]


def _same_state(got, want, dtype):
    assert [_key(g) for g in got] == [_key(w) for w in want]  # path, shape, dtype in order
    for g, w in zip(got, want):
        _close(g[3], w[3], dtype if w[2] == "float64" else "float32")


@pytest.mark.parametrize("dtype", P.DTYPES)
@pytest.mark.parametrize("rule", list(P.RULES))
def test_dense_steps_and_state_match_keras(rule, dtype):
    got, want = P.dense(tf, rule, dtype), TF[f"dense/{rule}/{dtype}"]
    _close(got["w"], want["w"], dtype)
    _close(got["b"], want["b"], dtype)
    _same_state(got["state"], want["state"], dtype)


@pytest.mark.parametrize("rule", P.SPARSE)
def test_indexed_slices_steps_match_keras(rule):
    got, want = P.sparse(tf, rule), TF[f"sparse/{rule}"]
    assert got["kind"] == want["kind"] == "IndexedSlices"
    _close(got["e"], want["e"], "float32")
    _same_state(got["state"], want["state"], "float32")


def test_adafactor_refuses_indexed_slices_clearly():
    # Keras applies it (densified squares); jtape does not yet: a clear error, nothing changed.
    e = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    g = tf.IndexedSlices(tf.constant([[1.0, 1.0]]), tf.constant([1]), tf.constant([2, 2]))
    with pytest.raises(NotImplementedError, match="Adafactor"):
        tf.keras.optimizers.Adafactor(0.1).apply_gradients([(g, e)])
    np.testing.assert_array_equal(e.numpy(), [[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize("key", sorted(TF["api"]))
def test_api_matches_keras(key):
    assert P.api(tf)[key] == TF["api"][key]
