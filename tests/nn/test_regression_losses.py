"""Hinge, SquaredHinge, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Poisson
and LogCosh: Keras 3.15 / TF 2.21's values (printed by
``tests/nn/fixtures/record_regression_losses.py``), gradients against jax.grad of the same
formulas and finite differences."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape.compat as tf

K = tf.keras.losses
TF_VALUES = {
    "hinge_signed": (lambda: K.Hinge()([1.0, -1.0], [0.5, 0.5]), 1.0),
    "hinge_binary": (lambda: K.Hinge()([[1.0, 0.0]], [[0.5, 0.5]]), 1.0),
    "squared_hinge": (lambda: K.SquaredHinge()([[1.0, 0.0]], [[0.5, -2.0]]), 0.125),
    "mape_zero_true": (lambda: K.MeanAbsolutePercentageError()([0.0, 1.0], [1.0, 1.0]), 5e8),
    "mape": (lambda: K.MeanAbsolutePercentageError()([[2.0, 4.0]], [[1.0, 5.0]]), 37.5),
    "msle_negative": (
        lambda: K.MeanSquaredLogarithmicError()([-1.0], [1.0]),
        0.48045286536216736,
    ),
    "msle": (
        lambda: K.MeanSquaredLogarithmicError()([[1.0, 2.0]], [[2.0, 2.0]]),
        0.08220098167657852,
    ),
    "poisson_zero_pred": (lambda: K.Poisson()([1.0], [0.0]), 16.11809539794922),
    "poisson": (lambda: K.Poisson()([[1.0, 2.0]], [[2.0, 1.0]]), 1.1534262895584106),
    "log_cosh_large": (lambda: K.LogCosh()([0.0], [100.0]), 99.30685424804688),
    "log_cosh_none": (
        lambda: K.LogCosh(reduction=None)([[0.0, 1.0], [1.0, 1.0]], [[0.5, -1.0], [1.0, 2.0]]),
        [0.7225586175918579, 0.2168903946876526],
    ),
    "poisson_sum": (
        lambda: K.Poisson(reduction="sum")([[1.0, 2.0], [3.0, 4.0]], [[2.0, 1.0], [1.0, 1.0]]),
        2.153425931930542,
    ),
}


@pytest.mark.parametrize("name", list(TF_VALUES))
def test_values_as_keras(name):
    run, want = TF_VALUES[name]
    np.testing.assert_allclose(run().numpy(), want, rtol=1e-6)


def test_names_and_configs():
    assert K.get("mape") is K.mean_absolute_percentage_error
    assert K.get("MSLE") is K.mean_squared_logarithmic_error
    assert K.get("logcosh") is K.log_cosh
    assert K.Hinge().get_config() == {"name": "hinge", "reduction": "sum_over_batch_size"}
    loss = K.deserialize(K.serialize(K.Poisson(reduction="sum")))
    assert type(loss) is K.Poisson and loss.get_config()["reduction"] == "sum"


EPS = 1e-7
PURE = {
    "hinge": lambda t, p: jnp.mean(jnp.maximum(1.0 - t * p, 0.0), axis=-1),
    "squared_hinge": lambda t, p: jnp.mean(jnp.square(jnp.maximum(1.0 - t * p, 0.0)), axis=-1),
    "mean_absolute_percentage_error": lambda t, p: (
        100.0 * jnp.mean(jnp.abs((t - p) / jnp.maximum(jnp.abs(t), EPS)), axis=-1)
    ),
    "mean_squared_logarithmic_error": lambda t, p: jnp.mean(
        jnp.square(jnp.log(jnp.maximum(p, EPS) + 1.0) - jnp.log(jnp.maximum(t, EPS) + 1.0)),
        axis=-1,
    ),
    "poisson": lambda t, p: jnp.mean(p - t * jnp.log(p + EPS), axis=-1),
    "log_cosh": lambda t, p: jnp.mean(jnp.log(jnp.cosh(p - t)), axis=-1),
}


@pytest.mark.parametrize("name", list(PURE))
def test_gradients_against_jax_and_finite_differences(name, rng):
    # Signed labels (not all 0/1) for the hinges; positive values away from every kink.
    y_true = rng.uniform(0.5, 2.0, (3, 4)).astype(np.float32)
    if "hinge" in name:
        y_true = np.where(rng.random((3, 4)) < 0.5, -1.0, 1.0).astype(np.float32) * 2.0
    y_pred = rng.uniform(0.5, 2.0, (3, 4)).astype(np.float32)
    fn = getattr(K, name)
    check_grads(lambda t, p: fn(t, p), PURE[name], [y_true, y_pred])
    assert jax.grad(lambda p: jnp.sum(PURE[name](y_true, p)))(y_pred).shape == y_pred.shape
