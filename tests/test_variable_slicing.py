"""Variable writes as TF has them: sliced assign, the scatter family, metadata, errors.

Expected values are worked out by hand; each case was checked against TF 2.21.
"""

import numpy as np
import pytest

import jtape as jt
from jtape.errors import InvalidArgumentError


def _slices(values, indices):
    return jt.IndexedSlices(jt.constant(values), jt.constant(indices))


# -- sliced assignment ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("index", "value", "expected"),
    [
        (slice(1, 3), [9.0, 9.0], [1, 9, 9, 4, 5]),
        (slice(None, None, 2), [0.0, 0.0, 0.0], [0, 2, 0, 4, 0]),
        (slice(None, None, -1), [1.0, 2.0, 3.0, 4.0, 5.0], [5, 4, 3, 2, 1]),
        (-1, 7.0, [1, 2, 3, 4, 7]),
        (slice(1, 4), 0.0, [1, 0, 0, 0, 5]),  # a scalar broadcasts
    ],
)
def test_sliced_assign_on_a_vector(index, value, expected):
    v = jt.Variable([1.0, 2.0, 3.0, 4.0, 5.0])
    out = v[index].assign(value)
    np.testing.assert_array_equal(v.numpy(), expected)
    np.testing.assert_array_equal(out.numpy(), expected)  # TF returns the whole variable


def test_sliced_assign_on_a_matrix_with_newaxis_ellipsis_and_tensor_index():
    m = jt.Variable(np.zeros((3, 4), np.float32))
    m[:, 2].assign([1.0, 2.0, 3.0])
    m[None, 1].assign([[1.0, 2.0, 3.0, 4.0]])
    m[..., 1].assign([5.0, 5.0, 5.0])
    m[jt.constant(2), 0].assign(8.0)
    np.testing.assert_array_equal(m.numpy(), [[0, 5, 1, 0], [1, 5, 3, 4], [8, 5, 3, 0]])


def test_sliced_assign_casts_numpy_and_checks_tensor_dtype():
    v = jt.Variable([1.0, 2.0, 3.0])
    v[0:2].assign(np.array([7, 8], np.int32))  # numpy data is cast, as TF
    np.testing.assert_array_equal(v.numpy(), [7.0, 8.0, 3.0])
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype int32"):
        v[0:2].assign(jt.constant([1, 2]))
    iv = jt.Variable([1, 2, 3])
    with pytest.raises(TypeError, match="Cannot convert 1.5"):
        iv[0].assign(1.5)
    np.testing.assert_array_equal(v.numpy(), [7.0, 8.0, 3.0])
    np.testing.assert_array_equal(iv.numpy(), [1, 2, 3])


@pytest.mark.parametrize(
    ("index", "value", "match"),
    [
        ((slice(None), 2), [1.0, 2.0], r"Cannot broadcast input shape \[2\] into final shape"),
        ((5, 0), 1.0, "out of bounds"),
    ],
)
def test_failed_sliced_assign_raises_tf_error_and_leaves_state(index, value, match):
    m = jt.Variable(np.arange(12, dtype=np.float32).reshape(3, 4))
    with pytest.raises(InvalidArgumentError, match=match):
        m[index].assign(value)
    np.testing.assert_array_equal(m.numpy(), np.arange(12).reshape(3, 4))


def test_slice_of_a_tensor_has_no_assign_and_only_slices_have_it():
    v = jt.Variable([1.0, 2.0])
    assert not hasattr(jt.constant([1.0]), "assign")
    assert not hasattr(v[0:1] + 1.0, "assign")  # TF: only the slice itself
    assert not hasattr(v[0:1], "assign_add")  # TF has no assign_add on slices
    with pytest.raises(TypeError, match="scatter_nd_update"):
        v[jt.constant([0, 1])].assign([3.0, 4.0])


# -- the scatter family ------------------------------------------------------------------
SCATTER = {
    # method: (result for indices [1, 3], result for the repeated index [1, 1])
    "scatter_update": ([1, 10, 3, 20], [1, 20, 3, 4]),  # last one wins
    "scatter_add": ([1, 12, 3, 24], [1, 32, 3, 4]),
    "scatter_sub": ([1, -8, 3, -16], [1, -28, 3, 4]),
    "scatter_mul": ([1, 20, 3, 80], [1, 400, 3, 4]),
    "scatter_div": ([1, 0.2, 3, 0.2], [1, 0.01, 3, 4]),
    "scatter_max": ([1, 10, 3, 20], [1, 20, 3, 4]),
    "scatter_min": ([1, 2, 3, 4], [1, 2, 3, 4]),
}


@pytest.mark.parametrize("method", sorted(SCATTER))
def test_scatter_methods(method):
    distinct, repeated = SCATTER[method]
    v = jt.Variable([1.0, 2.0, 3.0, 4.0])
    out = getattr(v, method)(_slices([10.0, 20.0], [1, 3]))
    np.testing.assert_allclose(out.numpy(), distinct, rtol=1e-6)
    np.testing.assert_allclose(v.numpy(), distinct, rtol=1e-6)
    w = jt.Variable([1.0, 2.0, 3.0, 4.0])
    out = getattr(w, method)(_slices([10.0, 20.0], [1, 1]))
    np.testing.assert_allclose(out.numpy(), repeated, rtol=1e-6)


@pytest.mark.parametrize("method", sorted(SCATTER))
def test_scatter_errors_are_tfs_and_leave_state(method):
    v = jt.Variable([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = 7 is not in \[0, 4\)"):
        getattr(v, method)(_slices([10.0, 20.0], [1, 7]))
    with pytest.raises(InvalidArgumentError, match=r"indices\[0\] = -1 is not in \[0, 4\)"):
        getattr(v, method)(_slices([10.0], [-1]))
    with pytest.raises(InvalidArgumentError, match="must be a prefix of the shape of updates"):
        getattr(v, method)(_slices([1.0, 1.0, 1.0], [0, 1]))
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype int32"):
        getattr(v, method)(_slices([10], [0]))
    with pytest.raises(TypeError, match="must be a `tf.IndexedSlices`"):
        getattr(v, method)(([10.0], [0]))
    with pytest.raises(InvalidArgumentError, match="Tindices"):
        getattr(v, method)(jt.IndexedSlices(jt.constant([1.0]), np.array([0.0])))
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0, 3.0, 4.0])


def test_scatter_rows_scalar_updates_and_integer_division():
    m = jt.Variable(np.arange(6, dtype=np.float32).reshape(3, 2))
    m.scatter_update(_slices([[9.0, 9.0]], [2]))
    m.scatter_add(_slices([[[1.0, 1.0]], [[2.0, 2.0]]], [[0], [1]]))  # 2-d indices
    np.testing.assert_array_equal(m.numpy(), [[1, 2], [4, 5], [9, 9]])
    v = jt.Variable([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(v.scatter_add(_slices(10.0, [0, 1])), [11, 12, 3, 4])
    iv = jt.Variable([1, 2, 3, 4])
    np.testing.assert_array_equal(iv.scatter_div(_slices([-3], [3])), [1, 2, 3, -1])  # truncates
    with pytest.raises(InvalidArgumentError, match="updates must not contain 0"):
        iv.scatter_div(_slices([2, 0], [1, 2]))
    np.testing.assert_array_equal(iv.numpy(), [1, 2, 3, -1])


SCATTER_ND = {
    "scatter_nd_update": ([1, 10, 3, 20], [1, 20, 3, 4]),
    "scatter_nd_add": ([1, 12, 3, 24], [1, 32, 3, 4]),
    "scatter_nd_sub": ([1, -8, 3, -16], [1, -28, 3, 4]),
    "scatter_nd_max": ([1, 10, 3, 20], [1, 20, 3, 4]),
    "scatter_nd_min": ([1, 2, 3, 4], [1, 2, 3, 4]),
}


@pytest.mark.parametrize("method", sorted(SCATTER_ND))
def test_scatter_nd_methods_and_errors(method):
    distinct, repeated = SCATTER_ND[method]
    v = jt.Variable([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(getattr(v, method)([[1], [3]], [10.0, 20.0]), distinct)
    w = jt.Variable([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(getattr(w, method)([[1], [1]], [10.0, 20.0]), repeated)
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = \[9\] does not index"):
        getattr(w, method)([[1], [9]], [10.0, 20.0])
    with pytest.raises(InvalidArgumentError, match=r"indices\[0\] = \[-1\] does not index"):
        getattr(w, method)([[-1]], [10.0])
    with pytest.raises(TypeError, match="Cannot convert"):
        jt.Variable([1, 2]).__getattribute__(method)([[0]], [1.5])
    np.testing.assert_array_equal(w.numpy(), repeated)


def test_scatter_nd_on_a_matrix_and_batch_scatter_update():
    m = jt.Variable(np.zeros((2, 3), np.float32))
    m.scatter_nd_update([[0, 1], [1, 2]], [1.0, 2.0])
    m.scatter_nd_add([[1]], [[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(m.numpy(), [[0, 1, 0], [1, 2, 5]])
    with pytest.raises(InvalidArgumentError):
        m.scatter_nd_add([[1]], [[1.0, 2.0]])
    np.testing.assert_array_equal(m.numpy(), [[0, 1, 0], [1, 2, 5]])
    b = jt.Variable(np.zeros((2, 3), np.float32))
    b.batch_scatter_update(_slices([[1.0], [2.0]], [[0], [2]]))
    np.testing.assert_array_equal(b.numpy(), [[1, 0, 0], [0, 0, 2]])


# -- under tapes and inside jt.function ---------------------------------------------------
def test_gradients_flow_through_reads_after_a_write_as_tf():
    v = jt.Variable([1.0, 2.0, 3.0])
    x = jt.constant([5.0, 6.0])
    with jt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        r = v.scatter_update(jt.IndexedSlices(x * 2.0, jt.constant([0, 2])))
        y = jt.sum(r * r)
    np.testing.assert_array_equal(tape.gradient(y, v), [20.0, 4.0, 24.0])  # 2 * new value
    assert tape.gradient(y, x) is None  # a write is not differentiable, as in TF
    w = jt.Variable([1.0, 2.0, 3.0])
    with jt.GradientTape() as tape:
        a = w * 1.0  # read before the write
        w.scatter_add(_slices([10.0], [1]))
        y = jt.sum(a * w)
    np.testing.assert_array_equal(tape.gradient(y, w), [2.0, 14.0, 6.0])  # after + before
    u = jt.Variable([1.0, 2.0, 3.0])
    with jt.GradientTape() as tape:
        y = jt.sum(jt.square(u[0:2].assign([5.0, 6.0])))
    np.testing.assert_array_equal(tape.gradient(y, u), [10.0, 12.0, 6.0])


def test_writes_inside_jt_function_are_program_outputs():
    v = jt.Variable([1.0, 2.0, 3.0])

    @jt.function
    def step(x):
        v[1:].assign(x)
        v.scatter_add(jt.IndexedSlices(jt.constant([1.0]), jt.constant([0])))
        return v.scatter_nd_max([[2]], [0.0])

    np.testing.assert_array_equal(step(jt.constant([7.0, 8.0])), [2.0, 7.0, 8.0])
    np.testing.assert_array_equal(v.numpy(), [2.0, 7.0, 8.0])
    np.testing.assert_array_equal(step(jt.constant([-1.0, -2.0])), [3.0, -1.0, 0.0])
    np.testing.assert_array_equal(v.numpy(), [3.0, -1.0, 0.0])


def test_traced_indices_out_of_range_are_dropped_not_wrapped():
    v = jt.Variable([1.0, 2.0, 3.0])

    @jt.function
    def f(i):
        return v.scatter_add(jt.IndexedSlices(jt.constant([10.0, 10.0]), i))

    # Indices only known at run time cannot raise: they are skipped (TF on GPU).
    np.testing.assert_array_equal(f(jt.constant([-1, 1])), [1.0, 12.0, 3.0])


# -- metadata, constraint, hashing ----------------------------------------------------------
def test_device_initial_value_and_hash_as_tf():
    v = jt.Variable(1.0)
    assert v.device.startswith("/job:localhost/replica:0/task:0/device:")
    with pytest.raises(RuntimeError, match="not supported when eager execution is enabled"):
        _ = v.initial_value
    with pytest.raises(TypeError, match="Variable is unhashable"):
        hash(v)
    assert {v.ref(): 1}[v.ref()] == 1


def test_constraint_is_kept_validated_and_applied_by_optimizers():
    nonneg = lambda x: jt.maximum(x, 0.0)  # noqa: E731
    v = jt.Variable([1.0, -2.0], constraint=nonneg)
    assert v.constraint is nonneg and jt.Variable(1.0).constraint is None
    v.assign([-1.0, -1.0])  # assign does not apply it (TF)
    np.testing.assert_array_equal(v.numpy(), [-1.0, -1.0])
    with pytest.raises(ValueError, match="`constraint` must be None or a callable"):
        jt.Variable(1.0, constraint=3)
    w = jt.Variable([1.0, -2.0], constraint=nonneg)
    jt.optimizers.SGD(0.1).apply_gradients([(jt.constant([1.0, 1.0]), w)])
    np.testing.assert_allclose(w.numpy(), [0.9, 0.0], rtol=1e-6)  # Keras: [0.9, 0.]


def test_assign_conversions_and_errors_follow_tf():
    v = jt.Variable([1.0, 2.0])
    v.assign(np.array([3, 4]))  # numpy ints are cast
    v.assign([True, False])  # Python bools convert to floats
    np.testing.assert_array_equal(v.numpy(), [1.0, 0.0])
    iv = jt.Variable([1, 2])
    with pytest.raises(TypeError, match=r"Cannot convert \[2.0, 3.0\] to EagerTensor"):
        iv.assign([2.0, 3.0])
    with pytest.raises(TypeError, match="Cannot convert"):
        jt.Variable([True]).assign([1])
    with pytest.raises(ValueError, match="Shape mismatch"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(InvalidArgumentError, match="shapes must be equal"):
        v.assign_add([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(iv.numpy(), [1, 2])
