"""``jt.function``'s steady-state calls (the per-layout call plan) keep every semantic."""

from __future__ import annotations

import numpy as np
import pytest

import jtape as jt
from jtape import _function


def _counter_step():
    w = jt.Variable(np.ones(3, np.float32))

    @jt.function
    def step(x):
        w.assign_add(x)
        return jt.sum(w)

    return step, w


def test_steady_state_calls_take_the_plan(monkeypatch):
    step, w = _counter_step()
    one = jt.ones([3])
    step(one)
    general = []
    original = _function.Function._call
    monkeypatch.setattr(
        _function.Function, "_call", lambda self, a, k: general.append(1) or original(self, a, k)
    )
    for expected in (9.0, 12.0, 15.0):
        assert float(step(one)) == expected
    assert general == []  # no signature, variable partition or output tree computed again
    np.testing.assert_allclose(w.numpy(), [5.0, 5.0, 5.0])
    assert step.tracing_count == 2


def test_new_shapes_after_the_plan_trace_and_alternate():
    v = jt.Variable(0.0)

    @jt.function
    def f(x):
        v.assign_add(jt.sum(x))
        return x * 2.0

    for _ in range(2):
        np.testing.assert_allclose(f(jt.ones([2])).numpy(), [2.0, 2.0])
    np.testing.assert_allclose(f(jt.ones([3])).numpy(), [2.0, 2.0, 2.0])
    assert f.tracing_count == 3
    for n in (2, 3, 2, 3):
        assert f(jt.ones([n])).shape == (n,)
    assert f.tracing_count == 3  # both programs cached
    assert float(v) == 2 + 2 + 3 + 2 + 3 + 2 + 3


def test_new_shape_reading_an_unknown_variable():
    a, b = jt.Variable(1.0), jt.Variable(10.0)

    @jt.function
    def f(x):
        if x.shape[0] == 1:
            a.assign_add(jt.sum(x))
            return a.value()
        return jt.sum(x) * b  # b is first met by this shape's trace

    assert float(f(jt.ones([1]))) == 2.0
    assert float(f(jt.ones([1]))) == 3.0
    assert float(f(jt.ones([2]))) == 20.0
    assert float(f(jt.ones([1]))) == 4.0
    assert float(a) == 4.0 and float(b) == 10.0


def test_error_at_the_call_leaves_variables_unchanged():
    step, w = _counter_step()
    one = jt.ones([3])
    step(one)
    step(one)
    with pytest.raises(jt.errors.InvalidArgumentError, match=r"shape \(3,\).*shape \(4,\)"):
        step(jt.ones([4]))
    np.testing.assert_allclose(w.numpy(), [3.0, 3.0, 3.0])
    assert float(step(one)) == 12.0


def test_outputs_sharing_a_variable_buffer_stay_valid():
    v = jt.Variable(np.zeros(3, np.float32))

    @jt.function
    def f(x):
        v.assign_add(x)
        return v.value(), v

    results = [f(jt.ones([3])) for _ in range(4)]
    for i, (value, var_value) in enumerate(results, start=1):
        np.testing.assert_allclose(value.numpy(), [i] * 3)
        np.testing.assert_allclose(var_value.numpy(), [i] * 3)


def test_values_held_between_planned_calls_stay_valid():
    step, w = _counter_step()
    one = jt.ones([3])
    step(one)
    step(one)
    held = [w.value()]  # shares the Variable's buffer
    step(one)  # copies instead of donating
    held.append(w.value())
    as_numpy = w.numpy()
    step(one)
    np.testing.assert_allclose([t.numpy()[0] for t in held], [3.0, 4.0])
    np.testing.assert_allclose(as_numpy, [4.0] * 3)
    np.testing.assert_allclose(w.numpy(), [5.0] * 3)


def test_eager_assign_between_calls_is_seen():
    step, w = _counter_step()
    one = jt.ones([3])
    step(one)
    step(one)
    w.assign([10.0, 20.0, 30.0])
    assert float(step(one)) == 63.0


def test_batch_tuples_numpy_and_structured_outputs():
    total = jt.Variable(0.0)

    @jt.function
    def f(batch, scale):
        x, y = batch
        total.assign_add(jt.sum(x * scale) + jt.sum(y))
        return {"total": total.value(), "n": 2, "pair": (x[0], y[0])}

    x = np.arange(4, dtype=np.float32)
    y = np.ones(2, np.float32)
    for i in range(1, 4):
        out = f((x, y), jt.constant(2.0))
        assert out["n"] == 2
        assert float(out["total"]) == i * (12.0 + 2.0)
        assert float(out["pair"][0]) == 0.0 and float(out["pair"][1]) == 1.0
    assert f.tracing_count == 2


def test_tape_after_the_plan_records_the_call():
    v = jt.Variable(3.0)

    @jt.function
    def f(x):
        return v * x * x

    x = jt.constant(2.0)
    f(x)
    f(x)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    dv, dx = tape.gradient(y, [v, x])
    assert float(y) == 12.0
    assert float(dv) == 4.0 and float(dx) == 12.0


def test_inner_function_inlines_after_its_own_plan():
    v = jt.Variable(1.0)

    @jt.function
    def inner(x):
        v.assign_add(x)
        return v.value()

    @jt.function
    def outer(x):
        return inner(x) * 10.0

    x = jt.constant(1.0)
    inner(x)
    inner(x)  # inner has a plan now
    assert float(outer(x)) == 40.0
    assert float(outer(x)) == 50.0
    assert float(v) == 5.0


def test_plan_of_a_replaced_program_is_not_used():
    a, b = jt.Variable(1.0), jt.Variable(2.0)

    @jt.function
    def f(x, both=True):
        a.assign_add(x)
        if both:
            b.assign_add(x)
        return a + b

    x = jt.constant(1.0)
    f(x)
    assert float(f(x)) == 7.0  # planned; a and b donated
    # A trace that leaves b unassigned: b is no longer donated, the program is rebuilt.
    assert float(f(x, both=False)) == 8.0
    assert float(f(x)) == 10.0
    assert float(f(x)) == 12.0
    assert (float(a), float(b)) == (6.0, 6.0)


def test_input_signature_calls_plan_and_still_check(monkeypatch):
    v = jt.Variable(np.zeros(3, np.float32))

    @jt.function(input_signature=[jt.TensorSpec([None, 3], jt.float32)])
    def f(x):
        v.assign_add(jt.sum(x, axis=0))
        return v.value()

    f(np.ones((2, 3), np.float32))  # converted by the signature
    general = []
    original = _function.Function._call
    monkeypatch.setattr(
        _function.Function, "_call", lambda self, a, k: general.append(1) or original(self, a, k)
    )
    np.testing.assert_allclose(f(jt.ones([2, 3])).numpy(), [4.0] * 3)
    assert general == []  # matching Tensors: planned, no conversion
    np.testing.assert_allclose(f(jt.ones([5, 3])).numpy(), [9.0] * 3)  # None dim: allowed
    with pytest.raises(TypeError, match="input_signature"):
        f(jt.ones([2, 3], dtype=jt.float64))  # TF's error, at the call
    with pytest.raises(TypeError, match="input_signature"):
        f(jt.ones([2, 4]))
    np.testing.assert_allclose(f([[1.0, 1.0, 1.0]]).numpy(), [10.0] * 3)  # a list converts
    np.testing.assert_allclose(v.numpy(), [10.0] * 3)
    assert len(general) == 4  # each call above that needed the signature's conversion


def test_shapes_whose_traces_write_different_variables():
    # jax keeps one program per shape; each call must store what *its* program wrote
    # (a former bug: the last trace's outputs were used for every shape, so the value
    # meant for ``a`` landed in ``b``).
    a, b = jt.Variable(0.0), jt.Variable(0.0)

    @jt.function
    def f(x):
        if x.shape[0] == 1:
            a.assign_add(10.0)
        else:
            b.assign_add(1.0)
        return jt.sum(x), x.shape[0]

    for n in (2, 1, 2, 1, 1, 2):
        total, count = f(jt.ones([n]))
        assert float(total) == n and count == n
    assert (float(a), float(b)) == (30.0, 3.0)


def test_numpy_batches_of_new_shapes():
    total = jt.Variable(0.0)

    @jt.function
    def f(batch):
        x, y = batch
        total.assign_add(jt.sum(x) + jt.sum(y))
        return x.shape[0]

    for n in (4, 4, 3, 4, 3):
        assert f((np.ones(n, np.float32), np.ones(n, np.float32))) == n
    assert float(total) == 2 * (4 + 4 + 3 + 4 + 3)


def test_a_shape_first_traced_under_a_tape():
    a, b = jt.Variable(0.0), jt.Variable(0.0)

    @jt.function
    def f(x):
        if x.shape[0] == 1:
            a.assign_add(10.0)
        else:
            b.assign_add(1.0)
        return jt.sum(x)

    f(jt.ones([2]))
    f(jt.ones([2]))  # planned from here
    x = jt.ones([1])
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = f(x)  # shape [1] traced (and run) as a recorded op
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [1.0])
    assert float(f(jt.ones([1]))) == 1.0  # not run with the plan made for shape [2]
    assert float(f(jt.ones([2]))) == 2.0
    assert (float(a), float(b)) == (20.0, 3.0)


def test_planned_function_called_inside_a_jax_trace():
    import jax

    v = jt.Variable(1.5)

    @jt.function
    def f(x):
        return x * v

    f(jt.constant(2.0))
    f(jt.constant(2.0))  # planned; its top-level program must not run inside jax.jit
    assert float(jax.jit(lambda: f(jt.constant(3.0))._value)()) == 4.5
    assert float(jax.jit(lambda y: f(jt.Tensor(y))._value)(np.float32(4.0))) == 6.0
    assert float(f(jt.constant(2.0))) == 3.0
