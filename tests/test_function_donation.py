"""``jt.function`` donates the buffers of the Variables it writes by default, safely."""

from __future__ import annotations

import numpy as np

import jtape as jt
import jtape.compat as tf


def _step_and_vars():
    w = jt.Variable(np.ones(3, np.float32))
    count = jt.Variable(0)

    @jt.function
    def step(x):
        w.assign_sub(0.5 * x)
        count.assign_add(1)
        return jt.sum(w)

    return step, w, count


def test_written_variables_are_donated_by_default():
    step, w, count = _step_and_vars()
    for _ in range(3):
        step(jt.constant([1.0, 2.0, 3.0]))
    donated, _ = step._partition
    assert {id(v) for v in donated} == {id(w), id(count)}
    np.testing.assert_allclose(w.numpy(), [-0.5, -2.0, -3.5])
    assert int(count) == 3


def test_a_value_read_before_the_call_stays_valid():
    step, w, _ = _step_and_vars()
    step(jt.constant([0.0, 0.0, 0.0]))
    held = w.value()  # a Tensor sharing the variable's buffer
    as_numpy = w.numpy()
    step(jt.constant([1.0, 1.0, 1.0]))
    np.testing.assert_allclose(held.numpy(), [1.0, 1.0, 1.0])  # not invalidated
    np.testing.assert_allclose(as_numpy, [1.0, 1.0, 1.0])
    np.testing.assert_allclose(w.numpy(), [0.5, 0.5, 0.5])


def test_off_switch_and_compat_default():
    w = jt.Variable(np.ones(2, np.float32))

    @jt.function(donate_variables=False)
    def plain(x):
        w.assign_add(x)

    plain(jt.constant([1.0, 1.0]))
    plain(jt.constant([1.0, 1.0]))
    assert plain._partition[0] == []
    np.testing.assert_allclose(w.numpy(), [3.0, 3.0])
    v = tf.Variable(1.0)
    f = tf.function(lambda: v.assign_add(1.0))
    f()
    f()
    assert [id(d) for d in f._partition[0]] == [id(v)]
    assert float(v) == 3.0
