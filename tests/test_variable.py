"""jt.Variable: construction, reads, checked assignment, operators and metadata."""

import numpy as np
import pytest

import jtape as jt


def test_construction_and_metadata():
    v = jt.Variable([1.0, 2.0], name="w")
    assert v.name == "w:0"
    assert v.trainable is True
    assert v.shape == (2,)
    assert v.dtype == jt.float32
    assert v.ndim == 1
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    assert jt.Variable(1).dtype == jt.int32
    assert jt.Variable(1.0, trainable=False).trainable is False
    assert jt.Variable(1, dtype=jt.float32).dtype == jt.float32
    assert repr(v) == "<jt.Variable 'w:0' shape=(2,) dtype=float32, numpy=[1. 2.]>"


def test_initial_value_may_be_callable_or_tensor_or_variable():
    assert float(jt.Variable(lambda: jt.constant(3.0))) == 3.0
    t = jt.constant([1.0, 2.0])
    v = jt.Variable(t)
    w = jt.Variable(v)
    v.assign([5.0, 6.0])
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])  # a copy, not an alias


def test_missing_initial_value_and_unknown_kwargs_are_errors():
    with pytest.raises(ValueError, match="initial_value"):
        jt.Variable()
    with pytest.raises(TypeError, match="bogus"):
        jt.Variable(1.0, bogus=True)
    # TF keywords without meaning here are accepted.
    jt.Variable(1.0, validate_shape=False, constraint=None)


def test_shape_argument_allows_unknown_dimensions():
    v = jt.Variable(np.zeros((2, 3), np.float32), shape=(None, 3))
    v.assign(np.ones((5, 3), np.float32))
    assert v.shape == (5, 3)
    with pytest.raises(ValueError, match=r"\(5, 4\)"):
        v.assign(np.ones((5, 4), np.float32))
    with pytest.raises(ValueError, match="shape"):
        jt.Variable(np.zeros(3, np.float32), shape=(4,))


def test_value_and_read_value_return_tensors():
    v = jt.Variable([1.0, 2.0])
    for r in (v.value(), v.read_value()):
        assert isinstance(r, jt.Tensor)
        np.testing.assert_array_equal(r.numpy(), [1.0, 2.0])


def test_assign_family_returns_new_value():
    v = jt.Variable([1.0, 2.0])
    out = v.assign([3.0, 4.0])
    # As TF: the variable itself, read lazily (TF 2.21's _UnreadVariable).
    assert isinstance(out, jt.Variable) and out is not v
    np.testing.assert_array_equal(out.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(v.assign_add([1.0, 1.0]).numpy(), [4.0, 5.0])
    np.testing.assert_array_equal(v.assign_sub(jt.constant([2.0, 2.0])).numpy(), [2.0, 3.0])
    assert v.assign([0.0, 0.0], read_value=False) is None
    np.testing.assert_array_equal(v.numpy(), [0.0, 0.0])
    v.assign(jt.Variable([7.0, 8.0]))
    np.testing.assert_array_equal(v.numpy(), [7.0, 8.0])
    v.assign(np.array([1.0, 1.0]))  # numpy float64 is cast to the variable's float32
    assert v.dtype == jt.float32


@pytest.mark.parametrize("method", ["assign", "assign_add", "assign_sub"])
def test_shape_mismatch_raises_and_leaves_variable_unchanged(method):
    v = jt.Variable([1.0, 2.0], name="w")
    with pytest.raises(ValueError) as err:
        getattr(v, method)([1.0, 2.0, 3.0])
    msg = str(err.value)
    assert "(3,)" in msg and "(2,)" in msg and "'w'" in msg and method in msg
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


@pytest.mark.parametrize("method", ["assign", "assign_add", "assign_sub"])
def test_dtype_mismatch_raises_and_leaves_variable_unchanged(method):
    v = jt.Variable([1.0, 2.0], name="w")
    with pytest.raises(ValueError) as err:
        getattr(v, method)(jt.constant([1, 2]))
    assert "int32" in str(err.value) and "float32" in str(err.value)
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_unconvertible_assignment_is_a_type_error():
    v = jt.Variable([1.0, 2.0])
    with pytest.raises(TypeError, match="Cannot convert 'nope'"):  # TF's class and words
        v.assign("nope")
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


def test_operators_read_the_current_value():
    v = jt.Variable([[1.0, 2.0], [3.0, 4.0]])
    m = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    np.testing.assert_array_equal((v + 1).numpy(), m + 1)
    np.testing.assert_array_equal((2 * v).numpy(), 2 * m)
    np.testing.assert_array_equal((v @ v).numpy(), m @ m)
    np.testing.assert_array_equal((-v).numpy(), -m)
    np.testing.assert_array_equal((v > 2).numpy(), m > 2)
    np.testing.assert_array_equal(v[1, ::-1].numpy(), m[1, ::-1])
    np.testing.assert_allclose(jt.exp(v).numpy(), np.exp(m), rtol=1e-6)
    v.assign(m * 10)
    np.testing.assert_array_equal((v + 1).numpy(), m * 10 + 1)
    assert isinstance(+v, jt.Tensor)


def test_python_protocol_through_reads():
    v = jt.Variable([1.0, 2.0, 3.0])
    assert len(v) == 3
    assert [float(x) for x in v] == [1.0, 2.0, 3.0]
    assert float(jt.Variable(2.5)) == 2.5
    assert int(jt.Variable(4)) == 4
    assert bool(jt.Variable(True))
    np.testing.assert_array_equal(np.asarray(v), [1.0, 2.0, 3.0])
    assert f"{jt.Variable(1.25):.1f}" == "1.2"


def test_variables_are_unhashable_and_ref_is_the_key():
    a, b = jt.Variable(1.0), jt.Variable(1.0)
    with pytest.raises(TypeError, match="Variable is unhashable. Instead, use variable.ref"):
        hash(a)
    assert len({a.ref(), b.ref()}) == 2
    assert a.ref().deref() is a


def test_tape_sees_reads_and_not_assignments():
    v = jt.Variable(3.0)
    with jt.GradientTape() as tape:
        y = v * v
    assert float(tape.gradient(y, v)) == 6.0
    assert [id(x) for x in tape.watched_variables()] == [id(v)]


def test_init_scope_gives_concrete_values():
    with jt.init_scope():
        t = jt.constant(2.0) * 3
    assert float(t) == 6.0


def test_sparse_read_is_a_gather_with_a_sparse_gradient():
    v = jt.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_array_equal(v.sparse_read([2, 0]).numpy(), [[5.0, 6.0], [1.0, 2.0]])
    with jt.GradientTape() as tape:
        y = jt.sum(v.sparse_read([2, 0, 2]) * 2.0)
    g = tape.gradient(y, v)
    assert isinstance(g, jt.IndexedSlices)
    # d/dv of 2 * (row2 + row0 + row2): rows 0 and 2 get 2 and 4, by hand
    np.testing.assert_array_equal(jt.convert_to_tensor(g).numpy(), [[2, 2], [0, 0], [4, 4]])


def test_numpy_gives_a_writeable_copy_and_scalars_as_tf():
    # TF 2.21: numpy() is writeable and changing it leaves the Variable/Tensor as it was;
    # a 0-d value comes back as a numpy scalar (np.float32), not a 0-d array.
    import jtape.compat as tf

    v = tf.Variable([1.0, 2.0])
    arr = v.numpy()
    arr[0] = 100.0
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    t = tf.constant([3.0, 4.0])
    out = t.numpy()
    out[1] = 0.0
    np.testing.assert_array_equal(t.numpy(), [3.0, 4.0])
    assert type(tf.Variable(1.0).numpy()) is np.float32
    assert type(tf.reduce_sum([1.0, 2.0]).numpy()) is np.float32
    assert type(tf.constant(True).numpy()) is np.bool_


def test_synchronization_and_aggregation_as_tf():
    import jtape.compat as tf

    v = tf.Variable(1.0)
    assert v.synchronization is tf.VariableSynchronization.AUTO
    assert v.aggregation is tf.VariableAggregation.NONE
    on_read = tf.Variable(
        1.0,
        synchronization=tf.VariableSynchronization.ON_READ,
        aggregation=tf.VariableAggregation.MEAN,
    )
    assert not on_read.trainable  # TF's default for ON_READ
    assert on_read.aggregation is tf.VariableAggregation.MEAN
    assert tf.Variable(1.0, synchronization="ON_READ", trainable=True).trainable
    assert [a.value for a in tf.VariableAggregation] == [0, 1, 2, 3]
