"""Keras activations: values vs numpy closed forms, gradients vs ``jax.vjp`` and finite
differences (``tests/gradcheck.py``), Keras' relu options, and ``get``/``serialize``."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
from jtape.nn import activations

X = np.array([[-3.0, -1.2, -0.3, 0.4], [0.9, 1.7, 2.5, -0.05]], np.float32)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_erf = np.vectorize(math.erf)

CLOSED_FORMS = {
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "silu": lambda x: x * _np_sigmoid(x),
    "swish": lambda x: x * _np_sigmoid(x),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))),
    "tanh": np.tanh,
    "sigmoid": _np_sigmoid,
    "hard_sigmoid": lambda x: np.clip(x + 3, 0, 6) / 6,
    "exponential": np.exp,
    "log_sigmoid": lambda x: -np.log1p(np.exp(-x)),
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
    "softmax": _np_softmax,
    "log_softmax": lambda x: np.log(_np_softmax(x)),
    "linear": lambda x: x,
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_values_vs_closed_form(name):
    fn = activations.get(name)
    got = fn(jt.constant(X))
    assert isinstance(got, jt.Tensor) and got.shape == X.shape and got.dtype == np.float32
    np.testing.assert_allclose(
        got.numpy(), CLOSED_FORMS[name](X.astype(np.float64)), rtol=1e-5, atol=1e-6
    )


# Pure JAX versions written independently of jtape's, for gradient checks.
PURE = {
    "relu": lambda x: jnp.maximum(x, 0),
    "leaky_relu": lambda x: jnp.where(x > 0, x, 0.2 * x),
    "elu": lambda x: jnp.where(x > 0, x, jnp.expm1(x)),
    "selu": lambda x: SELU_SCALE * jnp.where(x > 0, x, SELU_ALPHA * jnp.expm1(x)),
    "softplus": lambda x: jnp.log1p(jnp.exp(x)),
    "softsign": lambda x: x / (1 + jnp.abs(x)),
    "silu": lambda x: x / (1 + jnp.exp(-x)),
    "gelu": lambda x: 0.5 * x * (1 + jax.scipy.special.erf(x / jnp.sqrt(2.0))),
    "tanh": jnp.tanh,
    "sigmoid": lambda x: 1 / (1 + jnp.exp(-x)),
    "exponential": jnp.exp,
    "mish": lambda x: x * jnp.tanh(jnp.log1p(jnp.exp(x))),
    "softmax": lambda x: jnp.exp(x) / jnp.sum(jnp.exp(x), -1, keepdims=True),
    "log_softmax": lambda x: x - jnp.log(jnp.sum(jnp.exp(x), -1, keepdims=True)),
}


@pytest.mark.parametrize("name", sorted(PURE))
def test_gradients_vs_jax_and_finite_differences(name):
    check_grads(activations.get(name), PURE[name], [X])


def test_gelu_default_is_exact_and_approximate_is_tanh():
    x = jt.constant(X)
    exact = 0.5 * X * (1 + _erf(X / math.sqrt(2)))
    tanh_form = 0.5 * X * (1 + np.tanh(math.sqrt(2 / math.pi) * (X + 0.044715 * X**3)))
    np.testing.assert_allclose(activations.gelu(x).numpy(), exact, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        activations.gelu(x, approximate=True).numpy(), tanh_form, rtol=1e-5, atol=1e-6
    )
    assert not np.allclose(exact, tanh_form, rtol=1e-6, atol=1e-7)


def test_relu_options_follow_keras():
    x = np.array([-10.0, -5.0, 0.0, 5.0, 10.0], np.float32)
    # The examples of keras.activations.relu's docstring.
    assert activations.relu(x).numpy().tolist() == [0, 0, 0, 5, 10]
    np.testing.assert_allclose(
        activations.relu(x, negative_slope=0.5).numpy(), [-5, -2.5, 0, 5, 10]
    )
    assert activations.relu(x, max_value=5.0).numpy().tolist() == [0, 0, 0, 5, 5]
    assert activations.relu(x, threshold=5.0).numpy().tolist() == [-0, -0, 0, 0, 10]
    np.testing.assert_allclose(
        activations.relu(x, negative_slope=0.1, max_value=6.0, threshold=1.0).numpy(),
        [-1.1, -0.6, -0.1, 5.0, 6.0],
        rtol=1e-6,
    )
    check_grads(
        lambda x: activations.relu(x, negative_slope=0.1, max_value=1.0),
        lambda x: jnp.where(x > 0, jnp.minimum(x, 1.0), 0.1 * x),
        [X],
    )


def test_softmax_axis_and_leaky_relu_slope():
    np.testing.assert_allclose(
        activations.softmax(X, axis=0).numpy(), _np_softmax(X, axis=0), rtol=1e-6
    )
    np.testing.assert_allclose(
        activations.leaky_relu(X, negative_slope=0.01).numpy(),
        np.where(X > 0, X, 0.01 * X),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        activations.elu(X, alpha=0.5).numpy(), np.where(X > 0, X, 0.5 * np.expm1(X)), rtol=1e-6
    )


# Keras 3.15 on TF 2.21 with an int32 input (printed by
# tests/fixtures/record_edge_semantics.py): relu and relu6 keep int32,
# tanh/exponential/leaky_relu compute in float32, the float-only kernels refuse it.
INT_KEPT = {"relu": [0, 2], "relu6": [0, 2]}
INT_TO_FLOAT = {"tanh": np.tanh([-1.0, 2.0]), "exponential": np.exp([-1.0, 2.0])}
INT_REFUSED = {
    "elu": "Elu",
    "selu": "Selu",
    "softplus": "Softplus",
    "softsign": "Softsign",
    "silu": "Sigmoid",
    "sigmoid": "Sigmoid",
    "log_sigmoid": "Softplus",
    "mish": "Softplus",
    "softmax": "Softmax",
    "log_softmax": "LogSoftmax",
}


def test_integer_inputs_as_keras_on_tf():
    x = jt.constant([-1, 2])
    for name, want in INT_KEPT.items():
        out = getattr(activations, name)(x)
        assert out.dtype == np.int32 and out.numpy().tolist() == want
    assert activations.relu(x, max_value=1).numpy().tolist() == [0, 1]
    for name, want in INT_TO_FLOAT.items():
        out = getattr(activations, name)(x)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)
    for name, kernel in INT_REFUSED.items():
        with pytest.raises(jt.errors.InvalidArgumentError, match=f"of int32 .*Op:{kernel}"):
            getattr(activations, name)(x)
    with pytest.raises(ValueError, match="must be a floating point tensor"):
        activations.gelu(x)
    with pytest.raises(TypeError, match="Cannot convert 3.0 to EagerTensor of dtype int32"):
        activations.hard_sigmoid(x)


def test_tape_through_variable_and_jt_function():
    v = jt.Variable(X)

    def f():
        with jt.GradientTape() as tape:
            y = jt.sum(activations.swish(v))
        return tape.gradient(y, v)

    s = _np_sigmoid(X)
    want = s + X * s * (1 - s)
    np.testing.assert_allclose(f().numpy(), want, rtol=1e-5)
    np.testing.assert_allclose(jt.function(f)().numpy(), want, rtol=1e-5)


def test_get_and_serialize():
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu
    assert activations.get("relu") is activations.relu
    custom = lambda x: x * 2
    assert activations.get(custom) is custom
    for name in ["relu", "softmax", "gelu", "tanh", "silu"]:
        fn = activations.get(name)
        assert activations.get(activations.serialize(fn)) is fn
    with pytest.raises(ValueError, match="Unknown activation"):
        activations.get("relu7")
    with pytest.raises(ValueError, match="interpret"):
        activations.get(3)


def test_docstring_examples():
    import doctest

    from jtape.nn import _fused, activations

    for module in (_fused, activations):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
