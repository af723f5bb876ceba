"""Rescaling, Permute and the merge layers Subtract/Multiply/Average/Maximum/Minimum.

Values are Keras 3.15 on TF 2.21's, printed by
``tests/nn/fixtures/record_merge_rescaling.py``; gradients are checked against jax.grad of
the same pure functions and finite differences.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape.compat as tf

L = tf.keras.layers
A, B = tf.constant([[5.0, 1.0]]), tf.constant([[2.0, 3.0]])
TF_VALUES = {  # name: (run, TF's dtype, TF's value)
    "rescale_uint8": (
        lambda: L.Rescaling(1.0 / 255)(tf.constant([[255, 0]], tf.uint8)),
        "float32",
        [[1.0, 0.0]],
    ),
    "rescale_offset": (
        lambda: L.Rescaling(2.0, offset=-1.0)(tf.constant([[0.5, 1.0]])),
        "float32",
        [[0.0, 1.0]],
    ),
    "rescale_int64": (lambda: L.Rescaling(0.5)(tf.constant([[3]], tf.int64)), "float32", [[1.5]]),
    "rescale_float64": (
        lambda: L.Rescaling(2.0, dtype="float64")(tf.constant([[3.0]])),
        "float64",
        [[6.0]],
    ),
    "permute": (
        lambda: L.Permute((2, 1))(tf.reshape(tf.range(6.0), (1, 2, 3))),
        "float32",
        [[[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]],
    ),
    "subtract": (lambda: L.Subtract()([A, B]), "float32", [[3.0, -2.0]]),
    "multiply": (lambda: L.Multiply()([A, B, tf.constant([[2.0]])]), "float32", [[20.0, 6.0]]),
    "average": (
        lambda: L.Average()([A, B, tf.constant([[2.0, 2.0]])]),
        "float32",
        [[3.0, 2.0]],
    ),
    "maximum": (lambda: L.Maximum()([A, B]), "float32", [[5.0, 3.0]]),
    "minimum": (lambda: L.Minimum()([A, B]), "float32", [[2.0, 1.0]]),
    "multiply_int": (lambda: L.Multiply()([tf.constant([1]), tf.constant([2])]), "int32", [2]),
    "average_int": (lambda: L.Average()([tf.constant([1]), tf.constant([2])]), "float64", [1.5]),
}


@pytest.mark.parametrize("name", list(TF_VALUES))
def test_values_as_keras(name):
    run, dtype, want = TF_VALUES[name]
    out = run()
    assert out.dtype.name == dtype
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)


def test_errors_as_keras():
    message = "exactly 2 inputs. Received: input_shape=\\[\\(1, 2\\)\\]"
    with pytest.raises(ValueError, match=message):
        L.Subtract()([A])
    with pytest.raises(ValueError, match="must be consecutive and start from 1"):
        L.Permute((1, 3))


def test_maximum_tie_gradient_as_tf():
    v = tf.Variable([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(L.Maximum()([v, tf.constant([[1.0, 1.0]])]))
    assert tape.gradient(y, v).numpy().tolist() == [[1.0, 1.0]]  # TF 2.21


PURE = {
    "Subtract": lambda a, b: a - b,
    "Multiply": lambda a, b, c: a * b * c,
    "Average": lambda a, b, c: (a + b + c) / 3,
    "Maximum": lambda a, b, c: functools.reduce(jnp.maximum, (a, b, c)),
    "Minimum": lambda a, b, c: functools.reduce(jnp.minimum, (a, b, c)),
}


@pytest.mark.parametrize("name", list(PURE))
def test_gradients_against_jax_and_finite_differences(name, rng):
    n = 2 if name == "Subtract" else 3
    xs = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(n)]
    layer = getattr(L, name)()
    check_grads(lambda *xs: layer(list(xs)), PURE[name], xs)


def test_rescaling_and_permute_in_a_saved_model(tmp_path):
    model = tf.keras.Sequential(
        [tf.keras.Input((2, 3)), L.Rescaling(0.5, offset=1.0), L.Permute((2, 1)), L.Flatten()]
    )
    x = np.arange(6.0, dtype=np.float32).reshape(1, 2, 3)
    want = (x * 0.5 + 1.0).transpose(0, 2, 1).reshape(1, 6)
    np.testing.assert_allclose(model(x).numpy(), want)
    model.save(str(tmp_path / "m.keras"))
    loaded = tf.keras.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(loaded(x).numpy(), want)
