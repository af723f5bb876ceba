"""Tape plans and cached backward programs never answer for another recording.

``build_plan`` keys the backward program by the recording's structure (specs, which
slot feeds each input, the shapes and dtypes of the values from outside); a key seen
twice runs one compiled program. Each test repeats a step until its program is
compiled, then changes one thing and compares with ``jax.grad`` of the same function.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape as jt
from jtape import _lowering, _nn_ops


def _grad(f, *args):
    return jax.grad(f, argnums=tuple(range(len(args))))(*args)


def _steps(n=3):
    return range(n)  # the second run of a structure is compiled; a third reuses it


def test_same_ops_other_wiring_get_their_own_gradient():
    x0 = np.array([0.3, -1.2, 2.0], np.float32)
    x = jt.Variable(x0)

    def chained():  # sin(sin(x)) * x
        with jt.GradientTape() as tape:
            h = jt.sin(x)
            h = jt.sin(h)
            y = jt.sum(h * x)
        return tape.gradient(y, x)

    def fanned():  # sin(x) * sin(x): the same op sequence, the second sin reads x
        with jt.GradientTape() as tape:
            h = jt.sin(x)
            h2 = jt.sin(x)
            y = jt.sum(h * h2)
        return tape.gradient(y, x)

    want_chained = _grad(lambda v: jnp.sum(jnp.sin(jnp.sin(v)) * v), x0)[0]
    want_fanned = _grad(lambda v: jnp.sum(jnp.sin(v) * jnp.sin(v)), x0)[0]
    for _ in _steps():
        np.testing.assert_allclose(chained().numpy(), want_chained, rtol=1e-6)
    for _ in _steps():
        np.testing.assert_allclose(fanned().numpy(), want_fanned, rtol=1e-6)
    np.testing.assert_allclose(chained().numpy(), want_chained, rtol=1e-6)


def test_a_variable_of_another_shape_or_dtype_gets_its_own_program():
    def step(v):
        with jt.GradientTape() as tape:
            y = jt.sum(jt.tanh(v) * 0.5)
        return tape.gradient(y, v)

    def want(a):
        return _grad(lambda v: jnp.sum(jnp.tanh(v) * 0.5), a)[0]

    a = np.linspace(-1, 1, 4).astype(np.float32)
    v = jt.Variable(a)
    for _ in _steps():
        np.testing.assert_allclose(step(v).numpy(), want(a), rtol=1e-6)
    b = np.linspace(-2, 2, 6).astype(np.float32)
    v2 = jt.Variable(b)
    np.testing.assert_allclose(step(v2).numpy(), want(b), rtol=1e-6)
    c = np.linspace(-1, 1, 4)  # float64
    v3 = jt.Variable(c)
    g = step(v3)
    assert g.dtype == jt.float64
    np.testing.assert_allclose(g.numpy(), want(c), rtol=1e-12)


def test_new_values_each_step_are_used_not_the_first_ones():
    v = jt.Variable(np.zeros(3, np.float32))
    for k in range(4):
        a = np.array([0.1, -0.4, 1.5], np.float32) * (k + 1)
        v.assign(a)
        w = jt.constant(np.array([2.0, -1.0, 0.5], np.float32) + k)
        with jt.GradientTape() as tape:
            y = jt.sum(jt.sin(v) * w)
        g = tape.gradient(y, v)
        w_np = w.numpy()
        want = _grad(lambda p, w_np=w_np: jnp.sum(jnp.sin(p) * w_np), a)[0]
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-6)


def test_watched_tensor_source_and_which_source_is_asked_for():
    a = jt.constant(np.array([0.5, 1.0], np.float32))
    b = jt.constant(np.array([-1.0, 2.0], np.float32))

    def grads(sources_ab):
        with jt.GradientTape() as tape:
            tape.watch(a)
            tape.watch(b)
            y = jt.sum(jt.exp(a) * b)
        return tape.gradient(y, [a, b] if sources_ab else [b, a])

    ga, gb = _grad(lambda p, q: jnp.sum(jnp.exp(p) * q), a.numpy(), b.numpy())
    for _ in _steps():
        out = grads(True)
        np.testing.assert_allclose(out[0].numpy(), ga, rtol=1e-6)
        np.testing.assert_allclose(out[1].numpy(), gb, rtol=1e-6)
    out = grads(False)
    np.testing.assert_allclose(out[0].numpy(), gb, rtol=1e-6)
    np.testing.assert_allclose(out[1].numpy(), ga, rtol=1e-6)


def test_recorded_ops_off_the_path_are_left_out():
    # moments has two outputs; only the mean reaches the target, and another op
    # recorded on the tape does not reach it at all.
    x0 = np.array([1.0, 2.0, 4.0], np.float32)
    x = jt.Variable(x0)
    for _ in _steps():
        with jt.GradientTape() as tape:
            mean, _var = _nn_ops.moments(x, axes=[0])
            _unused = jt.exp(x)
            y = mean * mean
        g = tape.gradient(y, x)
        np.testing.assert_allclose(g.numpy(), _grad(lambda v: jnp.mean(v) ** 2, x0)[0], rtol=1e-6)


def test_target_that_is_the_source_and_a_tensor_read_twice():
    x0 = np.array([0.2, 0.7], np.float32)
    x = jt.Variable(x0)
    for _ in _steps():
        with jt.GradientTape(persistent=True) as tape:
            r = x.value()
            y = jt.sum(r * r * r)
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), 3 * x0**2, rtol=1e-6)
        np.testing.assert_allclose(tape.gradient(r, x).numpy(), np.ones(2), rtol=1e-6)


def test_a_repeated_structure_reuses_its_compiled_program():
    x = jt.Variable(np.ones(5, np.float32))

    def step():
        with jt.GradientTape() as tape:
            h = x
            for i in range(6):
                h = jt.sin(h) * 0.5 if i % 2 else jt.tanh(h) + 0.1
            y = jt.sum(h)
        return tape.gradient(y, x)

    for _ in range(3):  # a structure compiles on its second run (the first step differs:
        step()  # its Python floats are not yet cached device scalars)
    before = _lowering.stats["compiled_traces"]
    for _ in range(3):
        g = step()
    assert _lowering.stats["compiled_traces"] == before

    def f(v):
        h = v
        for i in range(6):
            h = jnp.sin(h) * 0.5 if i % 2 else jnp.tanh(h) + 0.1
        return jnp.sum(h)

    np.testing.assert_allclose(g.numpy(), jax.grad(f)(np.ones(5, np.float32)), rtol=1e-6)


@pytest.mark.parametrize("outer", [False, True])
def test_second_order_through_the_backward_program(outer):
    # With an outer tape the backward program is recorded as one op (not the direct
    # call): the second derivative must still come out.
    x = jt.Variable(np.array([0.3, 1.1], np.float32))
    for _ in _steps():
        with jt.GradientTape() as t2:
            with jt.GradientTape() as t1:
                y = jt.sum(jt.sin(x) * x)
            g = t1.gradient(y, x)
            z = jt.sum(g * g) if outer else jt.sum(g)
        h = t2.gradient(z, x)

    def f(v):
        gv = jax.grad(lambda u: jnp.sum(jnp.sin(u) * u))(v)
        return jnp.sum(gv * gv) if outer else jnp.sum(gv)

    np.testing.assert_allclose(h.numpy(), jax.grad(f)(x.numpy()), rtol=1e-5)


def test_a_value_from_outside_becoming_a_computed_one_is_not_mistaken():
    # The same four ops; the second sin reads a constant in one step and the first
    # sin's output in the other (a template's outside input now computed inside).
    x0 = np.array([0.4, -0.9, 1.3], np.float32)
    c0 = np.array([0.2, 0.5, -0.7], np.float32)
    x, c = jt.Variable(x0), jt.constant(c0)

    def step(chained):
        with jt.GradientTape() as tape:
            y1 = jt.sin(x)
            y2 = jt.sin(y1) if chained else jt.sin(c)
            loss = jt.sum(y1 * y2)
        return tape.gradient(loss, x).numpy()

    want = {
        True: _grad(lambda v: jnp.sum(jnp.sin(v) * jnp.sin(jnp.sin(v))), x0)[0],
        False: _grad(lambda v: jnp.sum(jnp.sin(v) * jnp.sin(c0)), x0)[0],
    }
    for chained in (False, False, False, True, True, False, True):
        np.testing.assert_allclose(step(chained), want[chained], rtol=1e-6)


def test_two_outside_values_becoming_one_are_not_mistaken():
    t0 = np.array([1.5, -2.0], np.float32)
    c0 = np.array([3.0, 0.25], np.float32)
    t, c = jt.constant(t0), jt.constant(c0)

    def step(square):
        with jt.GradientTape() as tape:
            tape.watch(t)
            loss = jt.sum(t * (t if square else c))
        return tape.gradient(loss, t).numpy()

    for square in (False, False, False, True, True, False):
        np.testing.assert_allclose(step(square), 2 * t0 if square else c0, rtol=1e-6)


def test_another_target_on_the_same_recording_gets_its_own_plan():
    x0 = np.array([0.3, 0.8], np.float32)
    x = jt.Variable(x0)
    for _ in _steps():
        with jt.GradientTape(persistent=True) as tape:
            y1 = jt.tanh(x)
            y2 = jt.exp(y1)
            loss = y2 * 3.0  # the shape of y1: only the target's slot tells them apart
        np.testing.assert_allclose(
            tape.gradient(loss, x).numpy(),
            _grad(lambda v: jnp.sum(jnp.exp(jnp.tanh(v)) * 3.0), x0)[0],
            rtol=1e-6,
        )
        np.testing.assert_allclose(
            tape.gradient(y1, x).numpy(), _grad(lambda v: jnp.sum(jnp.tanh(v)), x0)[0], rtol=1e-6
        )


def test_a_constant_of_another_shape_gets_its_own_program():
    x0 = np.array([[0.5, -1.0], [2.0, 0.1]], np.float32)
    x = jt.Variable(x0)
    for c0 in (np.float32(2.0), np.array([1.0, 3.0], np.float32), np.ones((2, 2), np.float32)):
        c = jt.constant(c0)
        for _ in _steps():
            with jt.GradientTape() as tape:
                loss = jt.sum(jt.sin(x) * c)
            g = tape.gradient(loss, x).numpy()
            np.testing.assert_allclose(
                g, _grad(lambda v, c0=c0: jnp.sum(jnp.sin(v) * c0), x0)[0], rtol=1e-6
            )


def test_a_target_from_no_watched_value_connects_nothing():
    # As TF: a loss computed after the tape's block is not recorded; every source gets
    # None (or zeros when asked), without analysing what the tape recorded.
    x = jt.Variable(np.array([0.5, 1.5], np.float32))
    c = jt.constant(np.array([2.0, 3.0], np.float32))
    with jt.GradientTape(persistent=True) as tape:
        tape.watch(c)
        h = jt.sin(x) * c
    loss = jt.sum(h)  # outside the block
    assert tape.gradient(loss, [x, c]) == [None, None]
    zeros = tape.gradient(loss, [x, c], unconnected_gradients="zero")
    np.testing.assert_array_equal(zeros[0].numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(zeros[1].numpy(), [0.0, 0.0])
    # a watched source as its own target is connected (d c / d c = 1)
    np.testing.assert_array_equal(tape.gradient(c, c).numpy(), [1.0, 1.0])
    np.testing.assert_allclose(
        tape.gradient(h, x).numpy(), np.cos([0.5, 1.5]) * np.array([2.0, 3.0]), rtol=1e-6
    )
    strict = jt.GradientTape(strict=True)
    with strict:
        strict.watch(c)
        jt.sin(c)
    import pytest

    from jtape import errors

    with pytest.raises(errors.UnconnectedGradientError, match="not computed from any watched"):
        strict.gradient(jt.sum(c * 2.0), c)
