"""tf.custom_gradient's whole protocol: variables=, counts, structures, kwargs, methods.

Expected values are worked out by hand (and were checked against TF 2.21).
"""

import jax
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt


def _grads(fn, *xs):
    with jt.GradientTape() as tape:
        tape.watch(list(xs))
        y = fn(*xs)
    return tape.gradient(y, list(xs))


def test_variables_kwarg_gets_the_variables_and_their_gradients():
    v = jt.Variable(2.0)

    @jt.custom_gradient
    def f(x):
        def grad(dy, variables=None):
            assert variables == [v] or variables[0] is v
            return dy * v, [dy * x * 10.0]

        return x * v, grad

    a = jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch(a)
        y = f(a)
    ga, gv = tape.gradient(y, [a, v])
    assert float(ga) == 2.0 and float(gv) == 20.0


def test_grad_fn_without_variables_kwarg_is_a_type_error_when_f_runs():
    v = jt.Variable(2.0)

    @jt.custom_gradient
    def f(x):
        return x * v, lambda dy: dy * v

    with pytest.raises(TypeError, match="grad_fn must accept keyword argument 'variables'"):
        f(jt.constant(1.0))  # even without a tape, as TF


def test_non_trainable_and_input_variables_are_not_variables():
    frozen = jt.Variable(2.0, trainable=False)

    @jt.custom_gradient
    def f(x):
        return x * frozen, lambda dy: dy * frozen

    assert float(f(jt.constant(2.0))) == 4.0
    w = jt.Variable(2.0)

    @jt.custom_gradient
    def g(x, w):
        return x * w, lambda dy: (dy * w, dy * x)

    a = jt.constant(3.0)
    with jt.GradientTape() as tape:
        tape.watch(a)
        y = g(a, w)
    ga, gw = tape.gradient(y, [a, w])
    assert float(ga) == 2.0 and float(gw) == 3.0


def test_variable_gradient_count_and_none_entries():
    v = jt.Variable(2.0)

    @jt.custom_gradient
    def wrong(x):
        return x * v, lambda dy, variables=None: (dy * v, [])

    @jt.custom_gradient
    def none_for_var(x):
        return x * v, lambda dy, **kw: (dy * v, [None])

    a = jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch(a)
        y = wrong(a)
    with pytest.raises(ValueError, match="Must return gradient for each variable"):
        tape.gradient(y, [a, v])
    with jt.GradientTape() as tape:
        tape.watch(a)
        y = none_for_var(a)
    ga, gv = tape.gradient(y, [a, v])
    # As TF: the variable grad_fn answered None for gets None.
    assert float(ga) == 2.0 and gv is None


def test_one_gradient_per_positional_argument_python_ones_included():
    @jt.custom_gradient
    def two(a, b, scale):
        return a * b * scale, lambda dy: (dy * b * scale, dy * a * scale)

    @jt.custom_gradient
    def three(a, b, scale):
        return a * b * scale, lambda dy: (dy * b * scale, dy * a * scale, None)

    a, b = jt.constant(2.0), jt.constant(3.0)
    ga, gb = _grads(lambda a, b: three(a, b, 0.5), a, b)
    assert float(ga) == 1.5 and float(gb) == 1.0
    assert float(two(a, b, 0.5)) == 3.0  # the count is checked only when differentiating
    with pytest.raises(ValueError, match="expected to return 3 gradients, but returned 2"):
        _grads(lambda a, b: two(a, b, 0.5), a, b)


def test_python_arguments_are_not_cached_across_calls():
    @jt.custom_gradient
    def scaled(x, s):
        return x * s, lambda dy: (dy * s, None)

    x = jt.constant(1.0)
    assert float(_grads(lambda x: scaled(x, 2.0), x)[0]) == 2.0
    assert float(_grads(lambda x: scaled(x, 5.0), x)[0]) == 5.0


def test_none_gradient_single_tuple_and_nested_structures():
    @jt.custom_gradient
    def none_first(x, y):
        return x * y, lambda dy: (None, dy)

    @jt.custom_gradient
    def tuple_of_one(x):
        return x * 1.0, lambda dy: (dy * 5.0,)

    @jt.custom_gradient
    def dict_in(d):
        return d["p"] * 2.0 + d["q"] * 3.0, lambda dy: [dy * 2.0, dy * 3.0]

    @jt.custom_gradient
    def two_out(x, y):
        return (x * 2.0, y * 3.0), lambda d1, d2: (d1 * 2.0, d2 * 3.0)

    @jt.custom_gradient
    def nested_out(x):
        return {"u": x * 2.0, "w": [x * 3.0]}, lambda d1, d2: d1 * 2.0 + d2 * 3.0

    a, b = jt.constant(2.0), jt.constant(3.0)
    ga, gb = _grads(none_first, a, b)
    assert ga is None and float(gb) == 1.0  # as TF: None
    assert float(_grads(tuple_of_one, a)[0]) == 5.0
    ga, gb = _grads(lambda a, b: dict_in({"p": a, "q": b}), a, b)
    assert (float(ga), float(gb)) == (2.0, 3.0)
    ga, gb = _grads(lambda a, b: (lambda o: o[0] + o[1] * 10.0)(two_out(a, b)), a, b)
    assert (float(ga), float(gb)) == (2.0, 30.0)
    out = _grads(lambda a: (lambda o: o["u"] + 10.0 * o["w"][0])(nested_out(a)), a)
    assert float(out[0]) == 32.0


def test_keyword_tensors_get_no_gradient_as_in_tf():
    @jt.custom_gradient
    def f(x, y=None):
        return x * y, lambda dy: dy * 7.0

    a, b = jt.constant(2.0), jt.constant(3.0)
    ga, gb = _grads(lambda a, b: f(a, y=b), a, b)
    assert float(ga) == 7.0 and gb is None


def test_second_order_through_grad_fn_and_inside_jt_function():
    @jt.custom_gradient
    def cube(x):
        return x * x * x, lambda dy: dy * 3.0 * x * x

    a = jt.constant(2.0)
    with jt.GradientTape() as outer:
        outer.watch(a)
        with jt.GradientTape() as inner:
            inner.watch(a)
            z = cube(a)
        g = inner.gradient(z, a)
    assert float(g) == 12.0 and float(outer.gradient(g, a)) == 12.0

    @jt.function
    def grad_in_function(x):
        with jt.GradientTape() as tape:
            tape.watch(x)
            z = cube(x)
        return tape.gradient(z, x)

    assert float(grad_in_function(a)) == 12.0
    check_grads(cube, lambda x: x**3, [np.array([0.5, -1.5])])


def test_decorated_method_binds_self():
    class Scale(jt.Module):
        def __init__(self):
            super().__init__()
            self.w = jt.Variable(3.0)

        @jt.custom_gradient
        def __call__(self, x):
            def grad(dy, variables=None):
                return dy * 100.0, [dy * 1000.0]

            return x * self.w, grad

    m = Scale()
    a = jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch(a)
        y = m(a)
    ga, gw = tape.gradient(y, [a, m.w])
    assert float(y) == 6.0 and float(ga) == 100.0 and float(gw) == 1000.0


def test_matches_jax_grad_of_the_pure_function_with_variables():
    v = jt.Variable(np.array([0.5, -1.0], np.float32))

    @jt.custom_gradient
    def f(x):
        def grad(dy, variables):
            return dy * v, [dy * x]

        return x * v, grad

    x = jt.constant(np.array([2.0, 3.0], np.float32))
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = jt.sum(f(x) ** 2)
    gx, gv = tape.gradient(y, [x, v])
    jx, jv = jax.grad(lambda x, w: ((x * w) ** 2).sum(), (0, 1))(x.numpy(), v.numpy())
    np.testing.assert_allclose(gx.numpy(), jx, rtol=1e-6)
    np.testing.assert_allclose(gv.numpy(), jv, rtol=1e-6)


def test_f_must_return_a_pair():
    @jt.custom_gradient
    def f(x):
        return x * 2.0

    with pytest.raises(TypeError, match="must return a pair"):
        f(jt.constant(1.0))
