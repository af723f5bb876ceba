"""tf.TensorArray / jt.TensorArray: TF 2.21's numbers and errors, eagerly and compiled.

The programs are in tests/fixtures/tensor_array_programs.py; TensorFlow's results were
recorded by tests/fixtures/record_tensor_array.py (run with /work/tfvenv/bin/python).
"""

from __future__ import annotations

import json
import os
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from tests.gradcheck import check_grads

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
from tensor_array_programs import MODES, PROGRAMS, run  # noqa: E402

with open(os.path.join(os.path.dirname(__file__), "fixtures", "tensor_array_tf.json")) as _f:
    RECORDED = json.load(_f)["cases"]

# Where jtape cannot do what TF's graph mode does under XLA, it raises a clear error
# instead (class, and a phrase of the message that says what to change).
DIFFERS = {
    ("split_uneven", "function"): ("ValueError", "different lengths"),
    ("dynamic_traced_trip_count", "function"): ("ValueError", "size=N"),
    ("element_shapes_differ", "function"): ("ValueError", "one shape"),
    ("dynamic_size_data_dependent_break", "function"): ("ValueError", "size=N"),
    ("dynamic_size_staged_counter", "function"): ("ValueError", "size=N"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_matches_tensorflow(program, mode):
    got = run(tf, program, mode)
    key = (program.__name__, mode)
    if key in DIFFERS:
        cls, phrase = DIFFERS[key]
        assert isinstance(got, dict), got
        assert got["error"] == cls and phrase in got["message"], got
        assert not isinstance(RECORDED[program.__name__][mode], dict)  # TF computes it
        return
    expected = RECORDED[program.__name__][mode]
    if isinstance(expected, dict):
        assert isinstance(got, dict), f"TF raised {expected}, jtape returned {got}"
        assert got["error"] == expected["error"], (got, expected)
        return
    assert not isinstance(got, dict), f"jtape raised {got}, TF returned {expected}"
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert (g["dtype"], g["shape"]) == (e["dtype"], e["shape"])
        np.testing.assert_allclose(g["values"], e["values"], rtol=1e-5, atol=1e-5)


def test_public_names():
    assert tf.TensorArray is jt.TensorArray
    assert "TensorArray" in tf.__all__


def test_eager_write_mutates_and_returns_the_array():
    ta = tf.TensorArray(tf.float32, size=2)
    assert ta.write(0, 1.0) is ta
    ta.write(1, 2.0)  # result ignored: the array still changed (TF's eager semantics)
    np.testing.assert_array_equal(ta.stack().numpy(), [1.0, 2.0])
    assert ta.element_shape == () and ta.dtype == tf.float32 and not ta.dynamic_size
    assert ta.identity() is ta and ta.mark_used() is None
    ta.close()
    assert int(ta.size()) == 0


def test_traced_write_is_functional():
    @jt.function
    def f(x):
        ta = jt.TensorArray(jt.float32, size=2)
        ta2 = ta.write(0, x)
        return ta2.stack(), ta.size(), ta2.size()

    s, n1, n2 = f(jt.constant([1.0, 2.0]))
    np.testing.assert_array_equal(s.numpy(), [[1.0, 2.0], [0.0, 0.0]])
    assert int(n1) == int(n2) == 2


def test_returned_from_function_is_a_tensor_array():
    # TF returns the array's variant handle; jtape returns a usable TensorArray.
    @jt.function
    def f(x):
        ta = jt.TensorArray(jt.float32, size=3)
        for i in jt.range(3):
            ta = ta.write(i, x * jt.cast(i, jt.float32))
        return ta

    ta = f(jt.constant(2.0))
    assert isinstance(ta, jt.TensorArray)
    np.testing.assert_array_equal(ta.stack().numpy(), [0.0, 2.0, 4.0])
    assert f.experimental_get_tracing_count() == 1


def test_loop_traces_once_and_element_shape_is_discovered():
    traces = []

    @jt.function
    def f(x):
        traces.append(1)
        ta = jt.TensorArray(jt.float32, size=x.shape[0])
        for i in jt.range(x.shape[0]):
            ta = ta.write(i, jt.stack([x[i], x[i] ** 2]))
        return ta.stack()

    out = f(jt.constant([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(out.numpy(), [[1, 1], [2, 4], [3, 9]])
    f(jt.constant([4.0, 5.0, 6.0]))
    assert f.experimental_get_tracing_count() == 1


def _rnn_pure(w, x):
    h, outs = jnp.zeros(2, jnp.float32), []
    for k in range(3):
        h = jnp.tanh(w * x[k] + h)
        outs.append(h)
    return jnp.sum(jnp.stack(outs) ** 2)


def _rnn_tape(loop):
    def f(w, x):
        ta = jt.TensorArray(jt.float32, size=3)
        h = jt.zeros([2])
        steps = jt.range(3) if loop else range(3)
        for k in steps:
            h = jt.tanh(w * x[k] + h)
            ta = ta.write(k, h)
        return jt.sum(ta.stack() ** 2)

    return f


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "jt.function"])
def test_gradient_through_writes_and_stack(compiled):
    x = np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 0.3]], np.float32)
    f = jt.function(_rnn_tape(loop=True)) if compiled else _rnn_tape(loop=False)
    check_grads(f, _rnn_pure, [[0.5, -1.5], x])


def test_variable_gradient_in_compiled_loop():
    w = jt.Variable([0.5, -1.5])
    x = np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 0.3]], np.float32)

    @jt.function
    def step(x):
        with jt.GradientTape() as tape:
            loss = _rnn_tape(loop=True)(w, x)
        return loss, tape.gradient(loss, w)

    loss, g = step(jt.constant(x))
    v, expected = jax.value_and_grad(_rnn_pure)(jnp.array([0.5, -1.5], jnp.float32), x)
    np.testing.assert_allclose(float(loss), v, rtol=1e-6)
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-5)


def test_dynamic_size_with_a_run_time_trip_count_says_what_to_change():
    @jt.function
    def f(x):
        ta = jt.TensorArray(jt.float32, size=0, dynamic_size=True)
        _, ta = jt.while_loop(
            lambda i, ta: jt.cast(i, jt.float32) < x, lambda i, ta: (i + 1, ta.write(i, x)), (0, ta)
        )
        return ta.stack()

    with pytest.raises(ValueError, match=r"number of iterations depends on values.*size=N"):
        f(jt.constant(3.0))


def test_dynamic_size_stack_inside_its_loop_is_refused():
    @jt.function
    def f(x):
        ta = jt.TensorArray(jt.float32, size=0, dynamic_size=True)
        total = jt.constant(0.0)
        for i in jt.range(3):
            ta = ta.write(i, x)
            total = jt.sum(ta.stack())
        return total

    with pytest.raises(ValueError, match=r"stack inside the compiled loop"):
        f(jt.constant(1.0))


def test_dynamic_size_loop_gradient():
    w = jt.Variable(2.0)

    @jt.function
    def f():
        with jt.GradientTape() as tape:
            ta = jt.TensorArray(jt.float32, size=0, dynamic_size=True)
            for i in jt.range(3):
                ta = ta.write(i, w * jt.cast(i + 1, jt.float32))
            loss = jt.sum(ta.stack() ** 2)
        return loss, tape.gradient(loss, w)

    loss, g = f()
    assert (float(loss), float(g)) == (56.0, 56.0)  # 14 w**2 at w=2; d/dw = 28 w


def test_traced_size_is_refused():
    @jt.function
    def f(n):
        return jt.TensorArray(jt.float32, size=n).stack()

    with pytest.raises(ValueError, match="known only when the program runs"):
        f(jt.constant(3))


def test_traced_out_of_range_read_is_nan_not_a_clamped_value():
    # TF raises at run time; a compiled XLA program cannot, so the read is visibly wrong.
    @jt.function
    def f(i):
        ta = jt.TensorArray(jt.float32, size=2).unstack(jt.constant([1.0, 2.0]))
        return ta.read(i)

    assert float(f(jt.constant(1))) == 2.0
    assert np.isnan(float(f(jt.constant(5))))


def test_handle_and_flow_are_refused():
    with pytest.raises(NotImplementedError, match="handle"):
        jt.TensorArray(jt.float32, size=1, flow=jt.constant(0.0))


def test_autograph_while_and_if_write_arrays():
    @jt.function
    def f(x):
        ta = jt.TensorArray(jt.float32, size=3)
        i = jt.constant(0)
        while i < 3:
            ta = ta.write(i, x * jt.cast(i, jt.float32))
            i += 1
        first = jt.TensorArray(jt.float32, size=2)
        if jt.sum(x) > 0:  # only one branch writes: the buffer exists before the cond
            first = first.write(1, x)
        return ta.stack(), first.stack()

    s, t = f(jt.constant([1.0, 2.0]))
    np.testing.assert_array_equal(s.numpy(), [[0, 0], [1, 2], [2, 4]])
    np.testing.assert_array_equal(t.numpy(), [[0, 0], [1, 2]])
    _, t = f(jt.constant([-1.0, -2.0]))
    np.testing.assert_array_equal(t.numpy(), [[0, 0], [0, 0]])


def test_eager_while_loop_carries_the_same_array():
    ta = jt.TensorArray(jt.float32, size=3)
    _, out = jt.while_loop(
        lambda i, ta: i < 3, lambda i, ta: (i + 1, ta.write(i, jt.cast(i, jt.float32))), (0, ta)
    )
    assert out is ta
    np.testing.assert_array_equal(ta.stack().numpy(), [0.0, 1.0, 2.0])


def test_eager_array_used_inside_a_function_is_not_changed():
    ta = jt.TensorArray(jt.float32, size=2)
    ta.write(0, 1.0)

    @jt.function
    def f(ta, x):
        return ta.write(1, x).stack(), ta.read(0)

    s, r = f(ta, jt.constant(2.0))
    np.testing.assert_array_equal(s.numpy(), [1.0, 2.0])
    assert float(r) == 1.0
    np.testing.assert_array_equal(ta.stack().numpy(), [1.0, 0.0])  # writes stay inside
