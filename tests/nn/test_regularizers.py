"""Keras regularizers: penalty values, gradients under a tape, lookup and errors."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
from jtape.nn import regularizers

W = np.array([[0.5, -1.5], [2.0, -0.25], [0.1, 0.3]], np.float32)


def test_penalty_values():
    np.testing.assert_allclose(regularizers.L1(0.1)(W).numpy(), 0.1 * np.abs(W).sum(), 1e-6)
    np.testing.assert_allclose(regularizers.L2(0.2)(W).numpy(), 0.2 * (W**2).sum(), 1e-6)
    np.testing.assert_allclose(
        regularizers.L1L2(l1=0.1, l2=0.2)(W).numpy(),
        0.1 * np.abs(W).sum() + 0.2 * (W**2).sum(),
        rtol=1e-6,
    )
    # Keras defaults: L1/L2 0.01; L1L2 (and its alias l1_l2) 0 and 0.
    assert regularizers.L2().l2 == 0.01 and regularizers.L1().l1 == 0.01
    assert regularizers.l1_l2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert float(regularizers.L1L2()(W)) == 0.0
    assert regularizers.Regularizer()(W) == 0.0


def test_gradients_vs_jax_and_finite_differences():
    check_grads(
        regularizers.L1L2(l1=0.1, l2=0.2),
        lambda w: 0.1 * jnp.sum(jnp.abs(w)) + 0.2 * jnp.sum(w**2),
        [W],
    )
    v = jt.Variable(W)
    with jt.GradientTape() as tape:
        penalty = regularizers.L2(0.5)(v)
    np.testing.assert_allclose(tape.gradient(penalty, v).numpy(), W, rtol=1e-6)


def test_get_and_errors():
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    assert isinstance(regularizers.get("L1"), regularizers.L1)
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    assert regularizers.get(None) is None
    reg = regularizers.L1L2(l1=0.3)
    restored = regularizers.get(regularizers.serialize(reg))
    assert restored.get_config() == {"l1": 0.3, "l2": 0.0}
    with pytest.raises(ValueError, match="l2"):
        regularizers.L2(-1.0)
    with pytest.raises(ValueError, match="l1"):
        regularizers.L1(float("nan"))
    with pytest.raises(ValueError, match="interpret"):
        regularizers.get("l3")


def test_docstring_examples():
    import doctest

    from jtape.nn import regularizers

    for module in (regularizers,):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
