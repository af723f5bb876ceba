"""Keras 3's piecewise activations (hard_tanh, hard_shrink, soft_shrink, tanh_shrink,
sparse_plus, sparse_sigmoid, squareplus, threshold, glu, sparsemax).

Values, dtypes, errors and GradientTape gradients (at the kinks too) replay the cases
``tests/fixtures/record_activations_more.py`` recorded from Keras 3.15 on TF 2.21;
gradients away from the kinks are also checked against ``jax.vjp`` and finite
differences (``tests/gradcheck.py``).
"""

from __future__ import annotations

import functools
import importlib.util
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads
from recorded_cases import FIXTURES, check, load

import jtape as jt
import jtape.compat as tf
from jtape.compat.keras import ops
from jtape.nn import activations
from jtape.nn.activations import _sparsemax_fn

RECORDED = load("activations_more_tf.json")
_spec = importlib.util.spec_from_file_location(
    "record_activations_more", os.path.join(FIXTURES, "record_activations_more.py")
)
_rec = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_rec)


def test_recorder_cases_are_the_fixture():
    assert list(RECORDED) == _rec.CASES


@pytest.mark.parametrize("case", list(RECORDED))
def test_against_keras(case):
    nan, inf = float("nan"), float("inf")
    # float16 and the kinks' neighbours round the same way; float32 values to 1e-6
    check(case, RECORDED[case], {"nan": nan, "inf": inf}, rtol=1e-6, atol=1e-7)


NAMES = ["hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "sparse_plus",
         "sparse_sigmoid", "squareplus", "threshold", "glu", "sparsemax"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_names_and_keras_ops(name):
    fn = getattr(activations, name)
    assert activations.get(name) is fn
    assert activations.serialize(fn) == name
    assert activations.deserialize(name) is fn
    # keras.activations.X is keras.ops.X, as in Keras (ops wrap it for KerasTensors)
    assert getattr(ops, name).__wrapped__ is fn


# pure functions of the definitions, for jax.vjp and finite differences (away from kinks)
PURE = {
    "hard_tanh": (activations.hard_tanh, lambda x: jnp.clip(x, -1, 1)),
    "hard_shrink": (activations.hard_shrink, lambda x: jnp.where(jnp.abs(x) > 0.5, x, 0.0)),
    "soft_shrink": (
        lambda x: activations.soft_shrink(x, 0.3),
        lambda x: jnp.sign(x) * jnp.maximum(jnp.abs(x) - 0.3, 0.0),
    ),
    "tanh_shrink": (activations.tanh_shrink, lambda x: x - jnp.tanh(x)),
    "sparse_plus": (
        activations.sparse_plus,
        lambda x: jnp.where(x <= -1, 0.0, jnp.where(x < 1, (x + 1) ** 2 / 4, x)),
    ),
    "sparse_sigmoid": (activations.sparse_sigmoid, lambda x: jnp.clip((x + 1) / 2, 0, 1)),
    "squareplus": (
        lambda x: activations.squareplus(x, 2.0),
        lambda x: (x + jnp.sqrt(x * x + 2.0)) / 2,
    ),
    "threshold": (
        lambda x: activations.threshold(x, 0.2, -4.0),
        lambda x: jnp.where(x > 0.2, x, -4.0),
    ),
}
AWAY_FROM_KINKS = [[-2.3, -1.1, -0.8, -0.35, 0.1, 0.42, 0.9, 1.6]]


@pytest.mark.parametrize("name", sorted(PURE))
def test_gradients_away_from_kinks(name):
    f_jt, f_pure = PURE[name]
    check_grads(f_jt, f_pure, AWAY_FROM_KINKS, order=2, atol=1e-3, rtol=1e-3)


def _np_keras_sparsemax(z):
    # Keras 3.15's definition, row by row: the support is {k : 1 + k s_k > cumsum(s)_k}
    # of the descending sort s, and tau sums the cumulative sums over the support (not
    # the simplex projection's last cumulative sum; see jtape's docstring).
    s = np.sort(z)[::-1]
    c = np.cumsum(s)
    support = 1 + np.arange(1, z.size + 1) * s > c
    tau = (c[support].sum() - 1) / support.sum()
    return np.maximum(z - tau, 0)


def test_sparsemax_keras_definition_on_random_rows():
    rng = np.random.default_rng(0)
    z = (rng.normal(size=(6, 7)) * rng.choice([0.05, 0.3, 2.0], size=(6, 1))).astype(np.float32)
    got = activations.sparsemax(z).numpy()
    np.testing.assert_allclose(got, np.stack([_np_keras_sparsemax(r) for r in z]), atol=2e-6)
    np.testing.assert_allclose(activations.sparsemax(z.T, axis=0).numpy(), got.T, atol=1e-6)


def test_sparsemax_and_glu_gradients():
    z = [[0.5, 0.4, 0.3, -1.0], [0.1, 0.25, 0.15, -0.4], [2.0, 0.1, -0.3, 0.05]]
    pure = functools.partial(_sparsemax_fn, axis=-1)
    check_grads(activations.sparsemax, pure, [z], atol=1e-3, rtol=1e-3)
    check_grads(
        activations.glu,
        lambda x: x[:, :2] * jax.nn.sigmoid(x[:, 2:]),
        [[[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0]]],
        order=2,
        atol=1e-3,
        rtol=1e-3,
    )


def test_complex_inputs_as_tf_kernels_allow():
    z = np.array([1 + 1j, -0.5 + 2j], np.complex64)
    np.testing.assert_allclose(activations.tanh_shrink(z).numpy(), z - np.tanh(z), rtol=1e-6)
    np.testing.assert_allclose(
        activations.squareplus(z).numpy(), (z + np.sqrt(z * z + 4)) / 2, rtol=1e-6
    )
    np.testing.assert_allclose(activations.glu(z).numpy(), z[:1] / (1 + np.exp(-z[1:])), rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match="complex64 is not in the list"):
        activations.hard_tanh(z)


def test_layers_take_the_names_and_compile():
    layer = tf.keras.layers.Dense(2, activation="soft_shrink", kernel_initializer="ones")
    y = layer(tf.constant([[0.3, 0.1], [1.0, -2.0]]))
    np.testing.assert_allclose(y.numpy(), [[0.0, 0.0], [-0.5, -0.5]], atol=1e-7)
    assert layer.get_config()["activation"] == "soft_shrink"
    f = jt.function(lambda x: activations.sparsemax(x) + activations.hard_tanh(x))
    x = jt.constant([[0.2, 3.0, -2.0]])
    np.testing.assert_allclose(f(x).numpy(), [[0.2, 2.0, -1.0]], atol=1e-6)
