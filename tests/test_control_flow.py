"""cond / case / switch_case / while_loop / map_fn / scan / foldl / foldr / vectorized_map.

Values and gradients against closed forms, against ``jax.grad``/``jax.vjp`` of the
same computation written with ``jax.lax``, and against finite differences (via the
shared ``check_grads`` helper), eagerly, inside ``jt.function`` and under tapes.
"""

import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
from jtape import _control_flow as cf


def compiled(fn):
    return jt.function(fn, autograph=False)


def both(fn):
    """The function eagerly and compiled: each test runs on both paths."""
    return [fn, compiled(fn)]


# -- cond --------------------------------------------------------------------------------
def test_cond_eager_runs_only_the_chosen_branch():
    ran = []
    x = jt.constant(2.0)
    out = cf.cond(x > 0, lambda: ran.append("t") or x * 3, lambda: ran.append("f") or x)
    assert float(out) == 6.0 and ran == ["t"]
    assert float(cf.cond(False, lambda: x, lambda: x * 5)) == 10.0


@pytest.mark.parametrize("mode", ["eager", "compiled"])
@pytest.mark.parametrize("x", [1.5, -0.7])
def test_cond_gradient_matches_lax_cond(mode, x):
    def f(x):
        return cf.cond(jt.sum(x) > 0, lambda: jt.sin(x) * x, lambda: jt.exp(x) - x * x)

    def pure(x):
        return lax_cond(jnp.sum(x) > 0, lambda: jnp.sin(x) * x, lambda: jnp.exp(x) - x * x)

    fn = f if mode == "eager" else compiled(f)
    check_grads(fn, pure, [[x, 0.3]], order=2 if (mode, x) == ("compiled", 1.5) else 1)


def lax_cond(p, t, f):
    return jax.lax.cond(p, t, f)


def test_cond_traced_is_one_op_on_the_tape():
    @compiled
    def f(x):
        with jt.GradientTape() as tape:
            tape.watch(x)
            y = cf.cond(x > 1.0, lambda: x**3, lambda: 2.0 * x)
            n = len(tape._nodes)
        return y, tape.gradient(y, x), n

    y, g, n = f(jt.constant(2.0))
    assert (float(y), float(g)) == (8.0, 12.0)
    y, g, n = f(jt.constant(0.5))
    assert (float(y), float(g)) == (1.0, 2.0)
    assert int(n) == 2  # the comparison (x is watched) and the cond: one node each


def test_cond_gradient_wrt_variables_read_in_branches():
    w = jt.Variable(3.0)
    b = jt.Variable(0.5)

    @compiled
    def f(x):
        with jt.GradientTape() as tape:
            y = cf.cond(x > 0, lambda: w * w * x, lambda: b * x)
        return tape.gradient(y, [w, b])

    # Both branches are inputs of the one op, so the untaken branch's variable gets a
    # zero gradient (as TF's graph-mode cond), not None.
    gw, gb = f(jt.constant(2.0))
    assert (float(gw), float(gb)) == (12.0, 0.0)
    gw, gb = f(jt.constant(-2.0))
    assert (float(gw), float(gb)) == (0.0, -2.0)


def test_cond_assigns_variables_in_branches():
    count = jt.Variable(0)
    total = jt.Variable(1.0)

    def count_up():
        count.assign_add(1)

    @compiled
    def f(x):
        def scale():
            total.assign(total * x)

        assert cf.cond(x > 0, count_up, scale) is None
        return count.value(), total.value()

    assert [float(v) for v in f(jt.constant(2.0))] == [1, 1.0]
    assert [float(v) for v in f(jt.constant(-3.0))] == [1, -3.0]
    assert [float(v) for v in f(jt.constant(1.0))] == [2, -3.0]


def test_cond_nested_and_structures():
    @compiled
    def f(x):
        def outer():
            return cf.cond(x > 2, lambda: {"a": x, "b": (x, x * 2)}, lambda: {"a": -x, "b": (x, x)})

        return cf.cond(x > 0, outer, lambda: {"a": x * 0, "b": (x, x * 3)})

    out = f(jt.constant(3.0))
    assert (float(out["a"]), float(out["b"][1])) == (3.0, 6.0)
    out = f(jt.constant(1.0))
    assert (float(out["a"]), float(out["b"][1])) == (-1.0, 1.0)
    out = f(jt.constant(-1.0))
    assert (float(out["a"]), float(out["b"][1])) == (0.0, -3.0)


def test_cond_branch_mismatch_errors():
    @compiled
    def dtype_mismatch(x):
        return cf.cond(x > 0, lambda: x, lambda: jt.cast(x, jt.int32))

    @compiled
    def shape_mismatch(x):
        return cf.cond(x > 0, lambda: x, lambda: jt.stack([x, x]))

    @compiled
    def structure_mismatch(x):
        return cf.cond(x > 0, lambda: (x, x), lambda: x)

    with pytest.raises(TypeError, match="dtype float32 in false_fn but int32 in true_fn|dtype"):
        dtype_mismatch(jt.constant(1.0))
    with pytest.raises(ValueError, match="one shape for both"):
        shape_mismatch(jt.constant(1.0))
    with pytest.raises(TypeError, match="same structure"):
        structure_mismatch(jt.constant(1.0))
    with pytest.raises(TypeError, match="bool scalar"):
        cf.cond(jt.constant(1.0), lambda: 1, lambda: 2)
    with pytest.raises(ValueError, match="scalar"):
        cf.cond(jt.constant([True, False]), lambda: 1, lambda: 2)
    with pytest.raises(TypeError, match="callables"):
        cf.cond(True, lambda: 1)


# -- switch_case / case ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "index,value,grad", [(0, 2, 1), (1, 8, 8), (2, 8, 12), (5, 8, 12), (-1, 8, 12)]
)
def test_switch_case_values_and_gradients(index, value, grad):
    # Branches x, 2x^2, x^3 at x = 2; out of range runs the last branch (TF's default).
    def f(i, x):
        return cf.switch_case(i, [lambda: x, lambda: x * x * 2.0, lambda: x**3])

    for fn in both(f):
        x = jt.constant(2.0)
        with jt.GradientTape() as tape:
            tape.watch(x)
            y = fn(jt.constant(index), x)
        assert (float(y), float(tape.gradient(y, x))) == (value, grad)


def test_switch_case_dict_default_and_errors():
    fns = {1: lambda: jt.constant(10), 0: lambda: jt.constant(20)}
    f = compiled(lambda i: cf.switch_case(i, fns, default=lambda: jt.constant(-1)))
    assert [int(f(jt.constant(i))) for i in (0, 1, 2, -3)] == [20, 10, -1, -1]
    with pytest.raises(ValueError, match="range"):
        cf.switch_case(jt.constant(0), {0: lambda: 1, 2: lambda: 2})
    with pytest.raises(TypeError, match="integer scalar"):
        cf.switch_case(jt.constant(0.0), [lambda: 1])


def test_case_first_true_default_and_errors():
    def f(x):
        return cf.case(
            [(x < 0.0, lambda: x * -1.0), (x > 10.0, lambda: x * 0.5), (x > 5.0, lambda: x * 2)],
            default=lambda: x * 0.0 + 7.0,
        )

    for fn in both(f):
        got = [float(fn(jt.constant(v))) for v in (-2.0, 20.0, 6.0, 1.0)]
        assert got == [2.0, 10.0, 12.0, 7.0]
    # Without default the last pair is the default.
    g = compiled(lambda x: cf.case([(x < 0.0, lambda: -x), (x >= 0.0, lambda: x * 3.0)]))
    assert [float(g(jt.constant(v))) for v in (-2.0, 2.0)] == [2.0, 6.0]
    x = jt.constant(1.0)
    with pytest.raises(ValueError, match="none of the conditions"):
        cf.case([(x < 0.0, lambda: x)])
    with pytest.raises(ValueError, match="exclusive"):
        cf.case([(x > 0.0, lambda: x), (x > 0.5, lambda: x)], exclusive=True)


def test_case_gradient_vs_lax_switch():
    def f(x):
        s = jt.sum(x)
        return cf.case(
            [(s < 0.0, lambda: jt.tanh(x)), (s > 2.0, lambda: x * x)], default=lambda: jt.sin(x)
        )

    def pure(x):
        s = jnp.sum(x)
        i = jnp.where(s < 0, 0, jnp.where(s > 2, 1, 2))
        return jax.lax.switch(i, [lambda: jnp.tanh(x), lambda: x * x, lambda: jnp.sin(x)])

    for args in ([[-1.0, 0.2]], [[0.4, 0.3]]):
        check_grads(compiled(f), pure, args)


# -- while_loop ------------------------------------------------------------------------------
def power_loop(x, n):
    """x**n by repeated multiplication: i, y = 0, 1; while i < n: y *= x."""
    return cf.while_loop(
        lambda i, y: i < n, lambda i, y: (i + 1, y * x), (jt.constant(0), jt.ones_like(x))
    )


def test_while_loop_eager_is_a_python_loop_and_differentiates():
    x = jt.constant(1.5)
    with jt.GradientTape() as tape:
        tape.watch(x)
        i, y = power_loop(x, 4)
    assert int(i) == 4 and float(y) == pytest.approx(1.5**4)
    assert float(tape.gradient(y, x)) == pytest.approx(4 * 1.5**3)
    # maximum_iterations caps it, as in TF.
    i, y = cf.while_loop(
        lambda i, y: i < 100, lambda i, y: (i + 1, y), (0, 1.0), maximum_iterations=7
    )
    assert int(i) == 7


# [1.2, 0.5] runs 4 iterations (cut to 3 by maximum_iterations=3); [3.0, 2.0] exits early
# on the sum, well before maximum_iterations=12.
@pytest.mark.parametrize("max_iter,x,order", [(3, [1.2, 0.5], 2), (12, [3.0, 2.0], 1)])
def test_while_loop_traced_gradient_with_maximum_iterations(max_iter, x, order):
    def f(x):
        _, y = cf.while_loop(
            lambda i, y: jt.logical_and(i < 4, jt.sum(y) < 50.0),
            lambda i, y: (i + 1, y * x + jt.sin(y)),
            (jt.constant(0), x),
            maximum_iterations=max_iter,
        )
        return y

    def pure(x):
        # The same loop in plain JAX: a fori_loop with the early exit as a cond.
        def body(_, c):
            i, y, done = c
            go = (~done) & (i < 4) & (jnp.sum(y) < 50.0)
            return (
                jnp.where(go, i + 1, i),
                jax.lax.cond(go, lambda: y * x + jnp.sin(y), lambda: y),
                ~go,
            )

        return jax.lax.fori_loop(0, max_iter, body, (0, x, False))[1]

    check_grads(compiled(f), pure, [x], order=order)


def test_while_loop_tape_inside_function_and_closed_forms():
    @compiled
    def f(x):
        with jt.GradientTape() as tape:
            tape.watch(x)
            i, y = cf.while_loop(
                lambda i, y: i < 3,
                lambda i, y: (i + 1, y * x),
                (jt.constant(0), jt.constant(1.0)),
                maximum_iterations=10,
            )
        return i, y, tape.gradient(y, x)

    i, y, g = f(jt.constant(2.0))
    assert (int(i), float(y), float(g)) == (3, 8.0, 12.0)  # x**3, 3x**2


def test_while_loop_unbounded_gradient_raises_naming_maximum_iterations():
    w = jt.Variable(1.5)

    @compiled
    def f(x):
        with jt.GradientTape() as tape:
            _, y = cf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * w), (0, x))
        return y, tape.gradient(y, w)

    with pytest.raises(jt.NotDifferentiableError, match="maximum_iterations"):
        f(jt.constant(2.0))

    # The forward value needs no bound.
    g = compiled(lambda x: cf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * w), (0, x)))
    assert float(g(jt.constant(2.0))[1]) == pytest.approx(2.0 * 1.5**3)


def test_while_loop_variables_read_and_assigned_in_body():
    w = jt.Variable(2.0)
    acc = jt.Variable(0.0)

    @compiled
    def f(x):
        def body(i, y):
            acc.assign_add(y)
            return i + 1, y * w

        with jt.GradientTape() as tape:
            _, y = cf.while_loop(lambda i, y: i < 3, body, (0, x), maximum_iterations=3)
        return y, tape.gradient(y, w), acc.value()

    y, gw, a = f(jt.constant(1.0))
    # y = x w^3; dy/dw = 3 x w^2; acc = x + x w + x w^2
    assert (float(y), float(gw), float(a)) == (8.0, 12.0, 7.0)
    assert float(acc.numpy()) == 7.0


def test_while_loop_structures_and_single_tensor():
    f = compiled(lambda x: cf.while_loop(lambda v: v < 100, lambda v: v * 3, x))
    assert int(f(jt.constant(1))) == 243
    f = compiled(lambda x: cf.while_loop(lambda v: v < 100, lambda v: v * 3, [x]))
    out = f(jt.constant(2))
    assert isinstance(out, list) and int(out[0]) == 162
    f = compiled(
        lambda x: cf.while_loop(
            lambda s: s["i"] < 3,
            lambda s: {"i": s["i"] + 1, "v": (s["v"][0] * 2, s["v"][1] + 1.0)},
            ({"i": 0, "v": (x, x)},),
        )
    )
    (out,) = f(jt.constant(1.0))
    assert (int(out["i"]), float(out["v"][0]), float(out["v"][1])) == (3, 8.0, 4.0)


def test_while_loop_errors_point_at_the_loop_variable():
    @compiled
    def grows(x):
        return cf.while_loop(lambda v: jt.size(v) < 4, lambda v: jt.concat([v, v], 0), [x])

    with pytest.raises(ValueError, match="shape_invariants cannot relax"):
        grows(jt.constant([1.0]))

    @compiled
    def wrong_dtype(x):
        return cf.while_loop(lambda v: v < 4, lambda v: jt.cast(v, jt.float32), [x])

    with pytest.raises(TypeError, match="loop variable 0 has dtype int32"):
        wrong_dtype(jt.constant(1))

    with pytest.raises(ValueError, match="same structure"):  # TF's class
        cf.while_loop(lambda a, b: a < 3, lambda a, b: a + 1, (jt.constant(0), jt.constant(0)))


def test_while_loop_back_prop_false_stops_gradient():
    x = jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        _, y = cf.while_loop(
            lambda i, y: i < 2, lambda i, y: (i + 1, y * x), (0, x), back_prop=False
        )
    g = tape.gradient(y, x)
    assert float(y) == 8.0 and (g is None or float(g) == 0.0)


def test_jt_function_under_outer_tape_differentiates_bounded_loop():
    @compiled
    def f(x):
        _, y = cf.while_loop(
            lambda i, y: i < 3, lambda i, y: (i + 1, y * x), (0, x), maximum_iterations=3
        )
        return y

    x = jt.constant(1.5)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    assert float(tape.gradient(y, x)) == pytest.approx(4 * 1.5**3, rel=1e-5)


# -- map_fn / vectorized_map ------------------------------------------------------------------
@pytest.mark.parametrize("mapper", ["map_fn", "vectorized_map"])
def test_map_values_and_gradients(mapper):
    op = getattr(cf, mapper)

    def f(x):
        return op(lambda r: jt.sum(jt.sin(r) * r) * r, x)

    def pure(x):
        return jax.vmap(lambda r: jnp.sum(jnp.sin(r) * r) * r)(x)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    for fn in both(f):
        check_grads(fn, pure, [x])


def test_map_fn_nested_structures_and_variable_reads():
    w = jt.Variable([1.0, 2.0])

    def f(a, b):
        out = cf.map_fn(lambda e: {"s": e[0] * w + e[1]["c"], "n": e[1]["c"] * 2.0}, (a, {"c": b}))
        return out

    a = jt.constant([[1.0, 1.0], [2.0, 3.0]])
    b = jt.constant([10.0, 20.0])
    for fn in both(f):
        with jt.GradientTape() as tape:
            out = fn(a, b)
            loss = jt.sum(out["s"])
        np.testing.assert_allclose(out["s"].numpy(), [[11.0, 12.0], [22.0, 26.0]])
        np.testing.assert_allclose(out["n"].numpy(), [20.0, 40.0])
        np.testing.assert_allclose(tape.gradient(loss, w).numpy(), [3.0, 4.0])


def test_map_fn_captured_tensor_gradient_and_errors():
    x = jt.constant([1.0, 2.0, 3.0])
    c = jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch(c)
        y = jt.sum(cf.map_fn(lambda e: e * c * c, x))
    assert float(tape.gradient(y, c)) == pytest.approx(2 * 2.0 * 6.0)  # d/dc sum(x c^2)
    v = jt.Variable(0.0)
    with pytest.raises(NotImplementedError, match="assigning Variables"):
        cf.map_fn(lambda e: v.assign_add(e), x)
    with pytest.raises(ValueError, match="same first dimension"):
        cf.map_fn(lambda e: e, (x, jt.constant([1.0])))
    with pytest.raises(ValueError, match="first axis"):
        cf.map_fn(lambda e: e, jt.constant(1.0))


# -- scan / foldl / foldr -------------------------------------------------------------------------
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("with_init", [False, True])
def test_scan_values_and_gradients_vs_lax_scan(reverse, with_init):
    def step(a, x):
        return a * jt.tanh(x) + x

    def f(x, *a0):
        return cf.scan(step, x, initializer=a0[0] if with_init else None, reverse=reverse)

    def pure(x, *a0):
        a0 = a0[0] if a0 else None

        def body(a, e):
            n = a * jnp.tanh(e) + e
            return n, n

        if with_init:
            return jax.lax.scan(body, a0, x, reverse=reverse)[1]
        if reverse:
            ys = jax.lax.scan(body, x[-1], x[:-1], reverse=True)[1]
            return jnp.concatenate([ys, x[-1:]])
        ys = jax.lax.scan(body, x[0], x[1:])[1]
        return jnp.concatenate([x[:1], ys])

    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 2)).astype(np.float32)
    a0 = rng.standard_normal((2,)).astype(np.float32)
    for fn in both(f):
        check_grads(fn, pure, [x, a0] if with_init else [x])


def test_scan_tf_documented_examples():
    elems = jt.constant([1, 2, 3, 4, 5, 6])
    assert cf.scan(lambda a, x: a + x, elems).numpy().tolist() == [1, 3, 6, 10, 15, 21]
    assert cf.scan(lambda a, x: a + x, elems, reverse=True).numpy().tolist() == [
        21,
        20,
        18,
        15,
        11,
        6,
    ]
    # Multiple accumulators (TF's Fibonacci example).
    fib = cf.scan(
        lambda a, _: (a[1], a[0] + a[1]), elems, initializer=(jt.constant(0), jt.constant(1))
    )
    assert fib[0].numpy().tolist() == [1, 1, 2, 3, 5, 8]
    assert fib[1].numpy().tolist() == [1, 2, 3, 5, 8, 13]


def test_foldl_foldr_values_and_gradient():
    elems = jt.constant([1, 2, 3, 4, 5, 6])
    assert int(cf.foldl(lambda a, x: a + x, elems)) == 21
    assert int(cf.foldr(lambda a, x: a + x, elems)) == 21
    assert int(cf.foldl(lambda a, x: a - x, elems, initializer=jt.constant(0))) == -21
    assert int(cf.foldr(lambda a, x: a * 10 + x, jt.constant([1, 2, 3]))) == 321

    def f(x):
        return cf.foldl(lambda a, e: a * e + 1.0, x, initializer=jt.constant(0.5))

    def pure(x):
        return jax.lax.scan(lambda a, e: (a * e + 1.0, None), jnp.asarray(0.5, x.dtype), x)[0]

    for fn in both(f):
        check_grads(fn, pure, [[0.5, -1.2, 2.0]])


def test_scan_accumulator_must_keep_dtype_and_shape():
    with pytest.raises(TypeError, match="keep its dtype and shape"):
        cf.scan(
            lambda a, x: jt.stack([a, a]), jt.constant([1.0, 2.0]), initializer=jt.constant(0.0)
        )
    with pytest.raises(TypeError, match="accumulator's structure"):
        cf.scan(lambda a, x: (a, a), jt.constant([1.0, 2.0]), initializer=jt.constant(0.0))
    with pytest.raises(ValueError, match="empty"):
        cf.foldl(lambda a, x: a, jt.zeros([0]))


def test_forward_accumulator_through_cond():
    x = jt.constant(2.0)

    @compiled
    def f(x):
        return cf.cond(x > 0, lambda: x**3, lambda: x)

    with jt.ForwardAccumulator(x, jt.constant(1.0)) as acc:
        y = cf.cond(x > 0, lambda: x**3, lambda: x)
    assert float(acc.jvp(y)) == pytest.approx(12.0)
    assert float(f(x)) == 8.0


def test_docstring_examples(monkeypatch):
    # The examples use the public names (jt.cond, ...); until jtape/__init__.py exports
    # them, provide them here.
    for name in cf.__all__:
        if not hasattr(jt, name):
            monkeypatch.setattr(jt, name, getattr(cf, name), raising=False)
    result = doctest.testmod(cf, extraglobs={"jt": jt}, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_bounded_loop_gradient_is_not_poisoned_by_finished_steps():
    # After the loop stops (y <= 1.5), body(y) = log(y - 1) would be NaN; the masked scan
    # must not evaluate it into the gradient. y1 = log(x - 1), y2 = log(y1 - 1).
    @compiled
    def f(x):
        with jt.GradientTape() as tape:
            tape.watch(x)
            y = cf.while_loop(
                lambda y: y > 1.5, lambda y: jt.log(y - 1.0), [x], maximum_iterations=6
            )[0]
        return y, tape.gradient(y, x)

    y, g = f(jt.constant(10.0))
    y1 = np.log(9.0)
    assert float(y) == pytest.approx(np.log(y1 - 1.0), rel=1e-5)
    assert float(g) == pytest.approx(1.0 / (y1 - 1.0) / 9.0, rel=1e-4)


def test_tensors_made_inside_a_branch_are_not_captures():
    # jt.zeros/jt.ones inside a branch of a compiled cond were taken for closed-over
    # tensors (their values are tracers of the branch's own trace): UnexpectedTracerError.
    @jt.function
    def f(x):
        return jt.cond(x > 0, lambda: jt.zeros([2]) + x, lambda: x * jt.ones([2]) * 3.0)

    np.testing.assert_array_equal(f(jt.constant(2.0)).numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(f(jt.constant(-1.0)).numpy(), [-3.0, -3.0])
    x = jt.Variable(-2.0)
    with jt.GradientTape() as tape:
        out = f(x)
        y = out[0] + out[1]
    pure = jax.grad(lambda v: jnp.sum(jnp.where(v > 0, jnp.zeros(2) + v, v * jnp.ones(2) * 3.0)))
    np.testing.assert_allclose(float(tape.gradient(y, x)), float(pure(-2.0)))

    @jt.function
    def g(n):
        def body(i, s):
            return i + 1, s + jt.ones([2]) * jt.cast(i, "float32")

        return jt.while_loop(lambda i, s: i < n, body, [jt.constant(0), jt.zeros([2])])[1]

    np.testing.assert_array_equal(g(jt.constant(4)).numpy(), [6.0, 6.0])
