"""``Variable.assign*`` return the variable, read lazily, as TF 2.21's ``_UnreadVariable``.

Checked against TF 2.21: eagerly the result shows later assigns and chains
(``v.assign(1.0).assign_add(2.0)`` leaves 3.0); a tf.function returning it gives the
variable's value at the function's end.
"""

import numpy as np

import jtape as jt


def test_result_is_the_variable_read_when_used():
    v = jt.Variable(0.0)
    r = v.assign(1.0)
    assert isinstance(r, jt.Variable) and r is not v and float(r) == 1.0
    v.assign(5.0)
    assert float(r) == 5.0 and r.numpy() == 5.0
    r2 = v.assign(1.0).assign_add(2.0)
    assert float(v) == 3.0 and float(r2) == 3.0
    assert float(r + 1.0) == 4.0 and isinstance(r + 1.0, jt.Tensor)
    assert r.dtype == jt.float32 and tuple(r.shape) == ()
    assert "'UnreadVariable'" in repr(r)
    assert v.assign(3.0, read_value=False) is None


def test_scatter_and_sliced_assign_return_it_too():
    v = jt.Variable([1.0, 2.0])
    r = v.scatter_add(jt.IndexedSlices(jt.constant([1.0]), jt.constant([0])))
    s = v[1].assign(7.0)
    assert isinstance(r, jt.Variable) and isinstance(s, jt.Variable)
    np.testing.assert_array_equal(r.numpy(), [2.0, 7.0])


def test_in_function_the_value_at_the_end_is_returned():
    v = jt.Variable(0.0)

    def f():
        r = v.assign(7.0)
        v.assign(8.0)
        return r, v, r.assign_add(1.0)

    a, b, c = jt.function(f, autograph=False)()
    assert float(a) == float(b) == float(c) == 9.0 == float(v)


def test_tape_sees_reads_through_it():
    x = jt.Variable(2.0)
    with jt.GradientTape() as tape:
        y = x.assign_add(1.0) * x
    assert float(tape.gradient(y, x)) == 6.0
