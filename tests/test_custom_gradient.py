"""custom_gradient (TF's contract, including variables=) and stop_gradient."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt


@jt.custom_gradient
def log1pexp(x):
    e = jt.exp(x)

    def grad(dy):
        return dy * (1 - 1 / (1 + e))

    return jt.log(1 + e), grad


def test_tf_docs_log1pexp_is_stable_at_100():
    x = jt.constant(100.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    assert np.isinf(float(y))  # exp(100) overflows float32, in TF too
    assert float(tape.gradient(y, x)) == 1.0  # the plain formula gives nan here


def test_custom_gradient_value_and_gradient_match_the_true_derivative():
    check_grads(log1pexp, jax.nn.softplus, [np.array([-2.0, 0.0, 3.0])])


def test_custom_gradient_replaces_the_gradient():
    @jt.custom_gradient
    def clip_grad(x):
        def grad(dy):
            return jt.clip_by_value(dy, -1.0, 1.0)

        return jt.identity(x), grad

    x = jt.constant([1.0, 2.0])
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = clip_grad(x) * 5.0
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1.0, 1.0])


def test_several_inputs_and_python_arguments():
    @jt.custom_gradient
    def scaled_mul(a, b, scale):
        def grad(dy):  # TF: one gradient per positional argument, the Python one too
            return dy * b * scale * 10.0, dy * a * scale, None

        return a * b * scale, grad

    a, b = jt.constant(2.0), jt.constant(3.0)
    with jt.GradientTape() as tape:
        tape.watch([a, b])
        y = scaled_mul(a, b, 0.5)
    ga, gb = tape.gradient(y, [a, b])
    assert float(y) == 3.0
    assert float(ga) == 15.0 and float(gb) == 1.0


def test_grad_fn_may_return_none_for_an_input():
    @jt.custom_gradient
    def f(a, b):
        def grad(dy):
            return dy * 2.0, None

        return a * 2.0 + b, grad

    a, b = jt.constant(1.0), jt.constant(1.0)
    with jt.GradientTape() as tape:
        tape.watch([a, b])
        y = f(a, b)
    ga, gb = tape.gradient(y, [a, b], unconnected_gradients="zero")
    assert float(ga) == 2.0 and float(gb) == 0.0


def test_variables_keyword_gets_gradients_for_variables_used_inside():
    w = jt.Variable(2.0, name="w")

    @jt.custom_gradient
    def f(x):
        y = x * w

        def grad(dy, variables=None):
            assert variables is not None and len(variables) == 1 and variables[0] is w
            return dy * w, [dy * x * 10.0]  # deliberately 10x the true dy/dw

        return y, grad

    x = jt.constant(3.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    gx, gw = tape.gradient(y, [x, w])
    assert float(y) == 6.0
    assert float(gx) == 2.0 and float(gw) == 30.0


def test_wrong_number_of_gradients_is_an_error():
    @jt.custom_gradient
    def f(a, b):
        return a * b, lambda dy: dy

    a, b = jt.constant(1.0), jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch([a, b])
        y = f(a, b)
    with pytest.raises(ValueError, match="expected to return 2 gradients, but returned 1"):
        tape.gradient(y, [a, b])


def test_without_a_tape_only_the_value_is_computed():
    assert float(log1pexp(jt.constant(0.0))) == pytest.approx(np.log(2.0))


def test_second_order_through_custom_gradient():
    @jt.custom_gradient
    def cube(x):
        def grad(dy):
            return dy * 3.0 * x**2

        return x**3, grad

    x = jt.constant(2.0)
    with jt.GradientTape() as t2:
        t2.watch(x)
        with jt.GradientTape() as t1:
            t1.watch(x)
            y = cube(x)
        g = t1.gradient(y, x)
    assert float(g) == 12.0
    assert float(t2.gradient(g, x)) == 12.0  # d/dx 3x^2 from the custom rule


def test_custom_gradient_inside_jacobian():
    x = jt.constant([0.0, 1.0, -1.0])
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    want = jax.jacrev(jax.nn.softplus)(jnp.array([0.0, 1.0, -1.0]))
    np.testing.assert_allclose(tape.jacobian(y, x).numpy(), want, rtol=1e-6)


def test_stop_gradient():
    x = jt.constant(3.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = x * jt.stop_gradient(x * x)
    assert float(tape.gradient(y, x)) == 9.0


def test_custom_gradient_inside_function_called_under_eager_tape():
    # The jt.function is one recorded op; JAX differentiates its program, which must
    # carry the custom rule (cotangent clipped to [-0.5, 0.5]) rather than f's own math.
    @jt.custom_gradient
    def clip_gradient(y):
        def backward(dy):
            return jt.clip_by_value(dy, -0.5, 0.5)

        return jt.identity(y), backward

    @jt.function
    def f(y):
        return clip_gradient(y)

    v = jt.Variable(2.0)
    with jt.GradientTape() as tape:
        out = f(v * v)
    assert float(out) == 4.0
    assert float(tape.gradient(out, v)) == 2.0  # clipped 0.5 times d(v*v)/dv = 4
