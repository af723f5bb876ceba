"""jt.Tensor: construction, dtype defaults, Python protocol, operators and indexing."""

import operator

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape as jt

A = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], np.float32)
B = np.array([[0.5, 2.0, -1.5], [3.0, -0.25, 2.0]], np.float32)


# -- construction and dtypes -------------------------------------------------------
@pytest.mark.parametrize(
    "value, dtype",
    [
        (1.0, jt.float32),
        (1, jt.int32),
        (True, jt.bool_),
        ([1.0, 2], jt.float32),
        ([1, 2], jt.int32),
        ([[True], [False]], jt.bool_),
        (np.array([1.0, 2.0]), jt.float64),  # numpy keeps its dtype, as in TF
        (np.array([1, 2], np.int64), jt.int64),
        (np.float32(2.0), jt.float32),
    ],
)
def test_constant_default_dtypes_follow_tf(value, dtype):
    t = jt.constant(value)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(value).astype(dtype))


def test_constant_dtype_and_shape_arguments():
    t = jt.constant(1, dtype=jt.float32, shape=(2, 3))
    assert t.dtype == jt.float32 and t.shape == (2, 3)
    np.testing.assert_array_equal(t.numpy(), np.ones((2, 3), np.float32))
    r = jt.constant([1, 2, 3, 4, 5, 6], shape=[2, 3])
    np.testing.assert_array_equal(r.numpy(), np.arange(1, 7).reshape(2, 3))
    assert jt.constant(2.0, dtype="float16").dtype == jt.float16


def test_constant_bad_dtype_names_the_argument():
    with pytest.raises(TypeError, match="dtype"):
        jt.constant(1.0, dtype="not-a-dtype")


def test_convert_to_tensor_passes_tensors_and_reads_variables():
    t = jt.constant([1.0, 2.0])
    assert jt.convert_to_tensor(t) is t
    v = jt.Variable([3.0, 4.0])
    r = jt.convert_to_tensor(v)
    assert isinstance(r, jt.Tensor)
    np.testing.assert_array_equal(r.numpy(), [3.0, 4.0])
    assert jt.convert_to_tensor([1, 2]).dtype == jt.int32
    assert jt.convert_to_tensor([1, 2], dtype_hint=jt.float32).dtype == jt.float32
    with pytest.raises(ValueError, match="dtype"):
        jt.convert_to_tensor(t, dtype=jt.int32)


def test_introspection():
    t = jt.constant(A)
    assert t.shape == (2, 3)
    assert t.ndim == 2
    assert t.size == 6
    assert t.dtype == jt.float32
    assert t.get_shape() == (2, 3)
    assert isinstance(t.value, jax.Array)


def test_numpy_array_and_jax_interop():
    t = jt.constant(A)
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(np.asarray(t), A)
    np.testing.assert_array_equal(np.asarray(t, dtype=np.float64), A.astype(np.float64))
    np.testing.assert_allclose(np.asarray(jnp.sin(t)), np.sin(A), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(jnp.asarray(t)), A)
    # A Tensor is a pytree of one array, so it passes through jax transformations.
    out = jax.jit(lambda x: x * 2)(t)
    assert isinstance(out, jt.Tensor)
    np.testing.assert_array_equal(out.numpy(), 2 * A)
    assert jax.tree_util.tree_leaves(t)[0] is t.value


def test_repr_and_str_show_value_shape_and_dtype():
    t = jt.constant([1.0, 2.0])
    assert repr(t) == "<jt.Tensor: shape=(2,), dtype=float32, numpy=[1. 2.]>"
    assert str(t) == "jt.Tensor([1. 2.], shape=(2,), dtype=float32)"
    assert repr(jt.constant(3)) == "<jt.Tensor: shape=(), dtype=int32, numpy=3>"
    assert f"{jt.constant(2.5):.2f}" == "2.50"


# -- Python protocol --------------------------------------------------------------------
def test_scalar_conversions():
    assert float(jt.constant(2.5)) == 2.5
    assert int(jt.constant(7)) == 7
    assert bool(jt.constant(True)) is True
    assert bool(jt.constant(0.0)) is False
    assert complex(jt.constant(1.5)) == 1.5
    assert [10, 20, 30][jt.constant(1)] == 20  # __index__
    with pytest.raises(TypeError, match="integer"):
        [1, 2][jt.constant(1.0)]


def test_len_and_iteration_over_first_axis():
    t = jt.constant(A)
    assert len(t) == 2
    rows = list(t)
    assert all(isinstance(r, jt.Tensor) for r in rows)
    np.testing.assert_array_equal(np.stack([r.numpy() for r in rows]), A)
    with pytest.raises(TypeError):
        len(jt.constant(1.0))
    with pytest.raises(TypeError):
        iter(jt.constant(1.0))


def test_hash_is_identity_and_ref_round_trips():
    a, b = jt.constant(1.0), jt.constant(1.0)
    assert len({a, b}) == 2
    assert a.ref() == a.ref() and a.ref() != b.ref()
    assert a.ref().deref() is a
    assert {a.ref(): 1}[a.ref()] == 1


def test_tensor_is_immutable_value_holder():
    t = jt.constant([1.0, 2.0])
    with pytest.raises(TypeError):
        t[0] = 5.0
    with pytest.raises(AttributeError):
        t.other = 1


# -- operators ----------------------------------------------------------------------------
BINARY = [
    operator.add,
    operator.sub,
    operator.mul,
    operator.truediv,
    operator.floordiv,
    operator.mod,
    operator.pow,
]


@pytest.mark.parametrize("opfn", BINARY, ids=lambda f: f.__name__)
def test_binary_operators_match_numpy(opfn):
    a = np.abs(A) + 0.5  # positive base for pow
    want = opfn(a, B)
    for x, y in [(jt.constant(a), jt.constant(B)), (jt.constant(a), B), (a, jt.constant(B))]:
        got = opfn(x, y)
        assert isinstance(got, jt.Tensor)
        assert got.dtype == jt.float32
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("opfn", BINARY, ids=lambda f: f.__name__)
def test_binary_operators_with_python_scalars(opfn):
    a = np.abs(A) + 0.5
    np.testing.assert_allclose(
        opfn(jt.constant(a), 2.0).numpy(), opfn(a, np.float32(2.0)), rtol=1e-5
    )
    np.testing.assert_allclose(
        opfn(3.0, jt.constant(a)).numpy(), opfn(np.float32(3.0), a), rtol=1e-5
    )
    # A Python scalar does not promote a float32 tensor (TF keeps the tensor's dtype).
    assert opfn(jt.constant(a), 2).dtype == jt.float32


def test_integer_arithmetic_keeps_int32():
    i = jt.constant([7, -7, 9])
    assert (i + 1).dtype == jt.int32
    np.testing.assert_array_equal((i // 2).numpy(), np.array([7, -7, 9]) // 2)
    np.testing.assert_array_equal((i % 4).numpy(), np.array([7, -7, 9]) % 4)  # floor mod, as TF


def test_matmul_operator():
    m = jt.constant(A) @ jt.constant(B.T)
    np.testing.assert_allclose(m.numpy(), A @ B.T, rtol=1e-6)
    np.testing.assert_allclose((A @ jt.constant(B.T)).numpy(), A @ B.T, rtol=1e-6)


def test_unary_operators():
    t = jt.constant(A)
    np.testing.assert_array_equal((-t).numpy(), -A)
    np.testing.assert_array_equal(abs(t).numpy(), np.abs(A))
    assert (+t) is t
    np.testing.assert_array_equal((~jt.constant([True, False])).numpy(), [False, True])
    np.testing.assert_array_equal((~jt.constant([0, 5])).numpy(), ~np.array([0, 5]))


@pytest.mark.parametrize(
    "opfn",
    [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne],
    ids=lambda f: f.__name__,
)
def test_comparisons_are_elementwise(opfn):
    got = opfn(jt.constant(A), jt.constant(B))
    assert got.dtype == jt.bool_
    np.testing.assert_array_equal(got.numpy(), opfn(A, B))
    np.testing.assert_array_equal(opfn(jt.constant(A), 3.0).numpy(), opfn(A, 3.0))


def test_eq_with_incomparable_object_falls_back_to_identity():
    assert (jt.constant(1.0) == object()) is False
    assert (jt.constant(1.0) != "x") is True


def test_logical_operators_on_bool_tensors():
    p, q = jt.constant([True, True, False]), jt.constant([True, False, False])
    np.testing.assert_array_equal((p & q).numpy(), [True, False, False])
    np.testing.assert_array_equal((p | q).numpy(), [True, True, False])
    np.testing.assert_array_equal((p ^ q).numpy(), [False, True, False])


def test_numpy_array_on_the_left_defers_to_tensor():
    got = np.ones(3, np.float32) + jt.constant([1.0, 2.0, 3.0])
    assert isinstance(got, jt.Tensor)
    np.testing.assert_array_equal(got.numpy(), [2.0, 3.0, 4.0])


# -- indexing ------------------------------------------------------------------------
X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


@pytest.mark.parametrize(
    "index",
    [
        0,
        -1,
        (1, 2),
        (1, 2, 3),
        slice(None),
        slice(1, None),
        (slice(None), slice(None, None, -1)),
        (slice(None), 1, slice(0, 4, 2)),
        Ellipsis,
        (Ellipsis, 1),
        (0, Ellipsis, slice(1, 3)),
        None,
        (None, 0),
        (slice(None), None, 1),
        (Ellipsis, None),
    ],
    ids=repr,
)
def test_getitem_static_indices_match_numpy(index):
    got = jt.constant(X)[index]
    assert isinstance(got, jt.Tensor)
    np.testing.assert_array_equal(got.numpy(), X[index])


def test_getitem_with_tensor_indices():
    t = jt.constant(X)
    np.testing.assert_array_equal(t[jt.constant([1, 0, 1])].numpy(), X[[1, 0, 1]])
    np.testing.assert_array_equal(t[:, jt.constant([2, 0])].numpy(), X[:, [2, 0]])
    np.testing.assert_array_equal(t[jt.constant(1)].numpy(), X[1])
    mask = np.array([False, True])
    np.testing.assert_array_equal(t[jt.constant(mask)].numpy(), X[mask])
    mask2 = X[0] > 5
    np.testing.assert_array_equal(t[1][jt.constant(mask2)].numpy(), X[1][mask2])
    np.testing.assert_array_equal(t[np.int64(1), 2].numpy(), X[1, 2])


def test_getitem_gradient_scatters_back():
    x = jt.constant(X)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = jt.sum(x[:, 1:, ::2] * 2.0) + jt.sum(x[jt.constant(X > 20)])
    want = np.zeros_like(X)
    want[:, 1:, ::2] = 2.0
    want[X > 20] += 1.0
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), want)
