"""ForwardAccumulator: jvp of the recorded graph, nested with GradientTape both ways."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape as jt

R = np.random.default_rng(3)
XV = R.standard_normal(4).astype(np.float32)
TV = R.standard_normal(4).astype(np.float32)


def _f(x):
    return jt.tanh(x) * jt.exp(x * 0.5)


def _pure(x):
    return jnp.tanh(x) * jnp.exp(x * 0.5)


def test_jvp_matches_jax_jvp():
    x = jt.constant(XV)
    with jt.ForwardAccumulator(x, jt.constant(TV)) as acc:
        y = _f(x)
    _, want = jax.jvp(_pure, (XV,), (TV,))
    np.testing.assert_allclose(acc.jvp(y).numpy(), want, rtol=1e-6)


def test_jvp_of_several_primals_and_nested_targets():
    a, b = jt.constant(XV), jt.constant(2.0)
    with jt.ForwardAccumulator([a, b], [jt.constant(TV), jt.constant(0.5)]) as acc:
        y = jt.sum(a * b)
        z = a**2
    out = acc.jvp({"y": y, "z": [z]})
    np.testing.assert_allclose(float(out["y"]), TV.sum() * 2.0 + XV.sum() * 0.5, rtol=1e-5)
    np.testing.assert_allclose(out["z"][0].numpy(), 2 * XV * TV, rtol=1e-6)


def test_jvp_with_python_tangent_and_variable_primal():
    v = jt.Variable(3.0)
    with jt.ForwardAccumulator(v, 1.0) as acc:
        y = v * v * v
    assert float(acc.jvp(y)) == 27.0


def test_unconnected_jvp_is_none_or_zero():
    x = jt.constant(XV)
    other = jt.constant([1.0, 2.0])
    with jt.ForwardAccumulator(x, jt.constant(TV)) as acc:
        y = other * 2.0
    assert acc.jvp(y) is None
    z = acc.jvp(y, unconnected_gradients="zero")
    np.testing.assert_array_equal(z.numpy(), [0.0, 0.0])


def test_tangent_shape_and_count_are_checked():
    with pytest.raises(ValueError, match="tangents.*shape"):
        jt.ForwardAccumulator(jt.constant(XV), jt.constant([1.0]))
    with pytest.raises(ValueError, match="tangents.*2"):
        jt.ForwardAccumulator([jt.constant(1.0), jt.constant(2.0)], [jt.constant(1.0)])


def test_forward_over_backward_hessian_vector_product():
    x = jt.constant(XV)
    with jt.ForwardAccumulator(x, jt.constant(TV)) as acc:
        with jt.GradientTape() as tape:
            tape.watch(x)
            y = jt.sum(_f(x))
        g = tape.gradient(y, x)
    want = jax.jvp(jax.grad(lambda x: jnp.sum(_pure(x))), (XV,), (TV,))[1]
    np.testing.assert_allclose(acc.jvp(g).numpy(), want, rtol=1e-5)


def test_backward_over_forward_hessian_vector_product():
    x = jt.constant(XV)
    with jt.GradientTape() as tape:
        tape.watch(x)
        with jt.ForwardAccumulator(x, jt.constant(TV)) as acc:
            y = jt.sum(_f(x))
        jvp = acc.jvp(y)
    want = jax.grad(lambda x: jax.jvp(lambda x: jnp.sum(_pure(x)), (x,), (TV,))[1])(XV)
    np.testing.assert_allclose(tape.gradient(jvp, x).numpy(), want, rtol=1e-5)


def test_jvp_through_matmul_matches_jacobian_times_tangent():
    w = R.standard_normal((3, 4)).astype(np.float32)
    x = jt.constant(XV)
    with jt.ForwardAccumulator(x, jt.constant(TV)) as acc:
        y = jt.sigmoid(jt.matmul(jt.constant(w), jt.reshape(x, [4, 1])))
    jac = jax.jacrev(lambda x: jax.nn.sigmoid(w @ x.reshape(4, 1)))(XV)
    np.testing.assert_allclose(acc.jvp(y).numpy(), jac @ TV, rtol=1e-5, atol=1e-6)
