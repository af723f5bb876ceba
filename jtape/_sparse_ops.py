"""``tf.sparse`` math: ``to_dense``, ``from_dense``, ``add``, ``sparse_dense_matmul``,
reductions, ``sparse * dense`` and ``map_values``, with TF's dtypes, errors and gradients.

The stored values always go through jtape ops (so tapes record them and gradients flow
to ``values`` and to dense operands as TF's do). Where TF's output structure depends on
the index *values* (``from_dense``, sparse + sparse, ``output_is_sparse`` reductions),
the indices are computed on the host from concrete values: those ops run eagerly and in
``tf.data`` functions, and raise a ValueError saying so while ``jt.function`` traces.
Indices are checked as TF checks them where they are concrete (eagerly).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._op import op
from ._op_errors import InvalidArgumentError
from ._sparse import SparseTensor, _concrete, _device
from ._state import state
from ._strings import StringTensor
from ._tensor import Tensor, to_value
from ._tf_gradients import no_registered_gradient as no_gradient

_ORDER_HINT = (
    " is out of order. Many sparse ops require sorted indices.\n"
    "    Use `tf.sparse.reorder` to create a correctly ordered copy.\n\n"
)


# -- shared helpers ---------------------------------------------------------------------
def _sparse(x, what: str, arg: str = "sp_input") -> SparseTensor:
    if not isinstance(x, SparseTensor):
        raise TypeError(f"{what}: `{arg}` must be a SparseTensor, got {type(x).__name__}")
    return x


def _host(x, what: str) -> np.ndarray:
    """Concrete numpy value of ``x``; ValueError while traced (value-dependent output)."""
    value = _concrete(x)
    if value is None:
        raise ValueError(
            f"{what}: the output's number of entries depends on the index values, so "
            "jtape runs it eagerly (or in a tf.data function) only, not inside tf.function"
        )
    return value


def _strides(shape) -> np.ndarray:
    strides = np.ones(len(shape), np.int64)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * max(int(shape[d + 1]), 1)
    return strides


def linear_index(indices, shape):
    """Row-major position of every index row (works on numpy and JAX arrays)."""
    strides = _strides(shape)
    if isinstance(indices, np.ndarray):
        if not len(shape):
            return np.zeros(len(indices), np.int64)
        return indices.astype(np.int64) @ strides
    return jnp.sum(indices.astype(jnp.int64) * jnp.asarray(strides), axis=1)


def _fmt_index(row) -> str:
    return "[" + ",".join(str(int(v)) for v in row) + "]"


def check_indices(sp: SparseTensor, shape, order: bool, what: str = "SparseToDense") -> None:
    """TF's index checks (bounds, then lexicographic order if ``order``) where concrete."""
    idx = _concrete(sp.indices)
    if idx is None or not len(idx):
        return
    dims = np.asarray(shape, np.int64)
    bad = np.any((idx < 0) | (idx >= dims), axis=1)
    if order:
        lin = linear_index(np.where(bad[:, None], 0, idx), shape)
        step = np.diff(lin)
        unordered = np.concatenate([[False], step < 0])
        repeated = np.concatenate([[False], step == 0])
    else:
        unordered = repeated = np.zeros(len(idx), bool)
    problems = bad | unordered | repeated
    if not problems.any():
        return
    i = int(np.argmax(problems))
    head = f"indices[{i}] = {_fmt_index(idx[i])}"
    if not order:
        need = ",".join(str(int(d)) for d in dims)
        raise InvalidArgumentError(f"Indices are not valid (out of bounds).  Shape: [{need}]")
    if bad[i]:
        need = "[" + ",".join(str(int(d)) for d in dims) + "]"
        raise InvalidArgumentError(f"{head} is out of bounds: need 0 <= index < {need}")
    if repeated[i]:
        raise InvalidArgumentError(f"{head} is repeated")
    raise InvalidArgumentError(head + _ORDER_HINT)


def _int64(x) -> Tensor:
    return _device(np.asarray(x, np.int64))


def new_sparse(indices, values, shape) -> SparseTensor:
    """A SparseTensor from int64 indices (numpy or Tensor), values and a static shape."""
    if not isinstance(indices, Tensor):
        indices = np.asarray(indices, np.int64)
        indices = _int64(indices if indices.ndim == 2 else indices.reshape(-1, len(shape)))
    return SparseTensor._make(indices, values, _int64(list(shape)), tuple(int(d) for d in shape))


@op(name="sparse_gather")
def _gather_fn(values, positions):
    return jnp.take(values, positions, axis=0)


def host_only(*tensors) -> list | None:
    """The numpy values of ``tensors`` when nothing can record or trace them (no tape, no
    trace: an input pipeline, plain eager code), else None.

    Sparse shapes change with every batch, and each new shape would compile the op anew
    (tenths of a second each); with nothing to record, numpy computes the same values.
    """
    if state.recorders or state.frames:
        return None
    out = []
    for t in tensors:
        value = _concrete(t)
        if value is None:
            return None
        out.append(value)
    return out


def gather_values(values, positions):
    """``values[positions]`` recorded (StringTensor values: on the host)."""
    positions = np.asarray(positions, np.int64)
    if isinstance(values, StringTensor):
        return StringTensor._wrap(values._np[positions])
    host = host_only(values)
    if host is not None:
        return _device(host[0][positions])
    return _gather_fn(values, _int64(positions))


def _same_dtype(what: str, values, other_dtype, input_no: int = 3) -> None:
    """TF's kernel dtype check: an operand must have the SparseTensor's value dtype."""
    if _dtypes.as_dtype(values.dtype) != _dtypes.as_dtype(other_dtype):
        raise InvalidArgumentError(
            f"cannot compute {what} as input #{input_no}(zero-based) was expected to be a "
            f"{_c_name(values.dtype)} tensor but is a {_c_name(other_dtype)} tensor"
        )


def _dense_operand(x, dtype, what: str, arg: str) -> Tensor:
    """A dense operand: a Tensor of ``dtype`` (Python data converted to it)."""
    if isinstance(x, SparseTensor):
        raise TypeError(f"{what}: `{arg}` must be a dense tensor, got a SparseTensor")
    if isinstance(x, Tensor) or hasattr(x, "_jt_read"):
        return x if isinstance(x, Tensor) else x._jt_read()
    return Tensor(to_value(x, dtype))


def _c_name(dtype) -> str:
    """A dtype as TF's kernel messages spell it (``float``, ``double``, ``half``)."""
    name = _dtypes.as_dtype(dtype).name
    return {"float32": "float", "float64": "double", "float16": "half"}.get(name, name)


# -- to_dense ---------------------------------------------------------------------------
@functools.partial(jax.custom_vjp, nondiff_argnums=(3,))
def _scatter_set(values, default, lin, shape):
    size = int(np.prod(shape)) if shape else 1
    flat = jnp.full((size,), default, values.dtype).at[lin].set(values, mode="drop")
    return flat.reshape(shape)


def _scatter_set_fwd(values, default, lin, shape):
    return _scatter_set(values, default, lin, shape), (lin, values.shape[0])


def _scatter_set_bwd(_shape, res, g):
    lin, _ = res
    # TF's SparseToDense gradient: each value gets its position's gradient, the default
    # the rest of the total.
    flat = g.reshape(-1)
    dvalues = jnp.take(flat, lin, mode="fill", fill_value=0)
    ddefault = jnp.sum(flat) - jnp.sum(dvalues)
    return dvalues, ddefault, None


_scatter_set.defvjp(_scatter_set_fwd, _scatter_set_bwd)


@op(name="sparse_to_dense")
def _to_dense_fn(indices, values, default, shape):
    lin = linear_index(indices, shape)
    if not jnp.issubdtype(values.dtype, jnp.inexact):
        size = int(np.prod(shape)) if shape else 1
        flat = jnp.full((size,), default, values.dtype).at[lin].set(values, mode="drop")
        return flat.reshape(shape)
    return _scatter_set(values, default.astype(values.dtype), lin, tuple(shape))


def to_dense(sp_input: SparseTensor, default_value=None, validate_indices: bool = True, name=None):
    """The dense tensor: ``values`` at ``indices``, ``default_value`` (0) elsewhere.

    With ``validate_indices`` the indices must be in row-major order without repeats
    (``InvalidArgumentError`` otherwise, checked eagerly); out-of-bounds indices are
    always an error. Gradients flow to ``values`` and ``default_value`` as in TF.

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor([[0, 1], [1, 0]], [5, 6], [2, 2])
        >>> jt.sparse.to_dense(s, default_value=-1).numpy().tolist()
        [[-1, 5], [6, -1]]
    """
    del name
    sp = _sparse(sp_input, "sparse.to_dense")
    shape = sp.static_shape("sparse.to_dense")
    check_indices(sp, shape, validate_indices)
    if isinstance(sp.values, StringTensor):
        idx = _host(sp.indices, "sparse.to_dense")
        fill = b"" if default_value is None else _string_default(default_value)
        out = np.full(shape, fill, dtype=object)
        if len(idx):
            out[tuple(idx.T)] = sp.values._np
        return StringTensor._wrap(out)
    dtype = sp.dtype
    if default_value is None:
        default = Tensor(jnp.zeros((), dtype))
    elif isinstance(default_value, Tensor) or hasattr(default_value, "_jt_read"):
        default = default_value if isinstance(default_value, Tensor) else default_value._jt_read()
        _same_dtype("SparseToDense", sp.values, default.dtype)
    else:
        default = Tensor(to_value(default_value, dtype))
    host = host_only(sp.indices, sp.values, default)
    if host is not None:
        idx, values, fill = host
        out = np.full(shape, fill, values.dtype)
        if len(idx):
            out[tuple(idx.T)] = values  # last of repeated indices wins, as TF
        return _device(out)
    return _to_dense_fn(sp.indices, sp.values, default, tuple(shape))


def _string_default(value) -> bytes:
    if isinstance(value, StringTensor):
        return value._np[()]
    return value.encode() if isinstance(value, str) else bytes(value)


# -- from_dense -------------------------------------------------------------------------
def from_dense(tensor, name=None) -> SparseTensor:
    """The non-zero entries of a dense ``tensor`` (row-major order) as a SparseTensor.

    Example:
        >>> import jtape as jt
        >>> s = jt.sparse.from_dense([[0, 3], [4, 0]])
        >>> s.indices.numpy().tolist(), s.values.numpy().tolist()
        ([[0, 1], [1, 0]], [3, 4])
    """
    del name
    if isinstance(tensor, StringTensor):
        arr = tensor._np
        idx = np.argwhere(arr != b"")
        return new_sparse(idx, StringTensor._wrap(arr[tuple(idx.T)]), arr.shape)
    from ._array_ops import convert_to_tensor

    t = convert_to_tensor(tensor)
    if t.ndim == 0:
        raise InvalidArgumentError("WhereOp : Unhandled input dimensions: 0")
    arr = _host(t, "sparse.from_dense")
    idx = np.argwhere(arr != 0).astype(np.int64)
    flat = t if t.ndim == 1 else _reshape_flat(t)
    values = gather_values(flat, linear_index(idx, arr.shape))
    return new_sparse(idx, values, arr.shape)


@op(name="sparse_flatten")
def _flat_fn(x):
    return x.reshape(-1)


def _reshape_flat(t):
    return _flat_fn(t)


# -- elementwise with a dense operand -------------------------------------------------------
@op(name="sparse_dense_cwise")
def _cwise_fn(indices, values, dense, shape, kind):
    dense = jnp.broadcast_to(dense, shape)
    other = dense.reshape(-1)[linear_index(indices, shape)] if shape else dense.reshape(-1)[0:1]
    if kind == "mul":
        return values * other
    if kind == "truediv":
        return values / other
    return jnp.floor_divide(values, other)


@op(name="sparse_cast")
def _cast_fn(x, dtype):
    return x.astype(dtype)


def _cwise(sp: SparseTensor, other, kind: str):
    if isinstance(other, SparseTensor):
        return NotImplemented
    what = {"mul": "SparseDenseCwiseMul", "truediv": "SparseDenseCwiseDiv"}.get(
        kind, "SparseDenseCwiseDiv"
    )
    if isinstance(other, StringTensor) or isinstance(sp.values, StringTensor):
        return NotImplemented
    shape = sp.static_shape(what)
    dense = _dense_operand(other, sp.dtype, what, "dense")
    if dense.dtype != sp.dtype:
        raise ValueError(
            f"y: Tensor conversion requested dtype {sp.dtype.name} for Tensor with dtype "
            f"{dense.dtype.name}: {dense!r}"
        )
    dshape = tuple(dense.shape)
    if len(dshape) > len(shape) or any(
        d not in (1, s) for d, s in zip(dshape[::-1], tuple(shape)[::-1])
    ):
        raise InvalidArgumentError(
            "SparseDenseBinaryOpShared broadcasts dense to sparse only; got incompatible "
            f"shapes: [{','.join(map(str, shape))}] vs. [{','.join(map(str, dshape))}]"
        )
    if kind == "truediv":
        found = _concrete(dense)
        if found is not None and np.any(found == 0):
            raise InvalidArgumentError(
                "SparseDenseCwiseDiv cannot divide by zero,but input dense tensor contains zero "
            )
    values = sp.values
    if kind == "truediv" and (sp.dtype.is_integer or sp.dtype.is_bool):
        # TF's truediv of integers: float32 for 8/16-bit ones, float64 otherwise.
        wide = sp.dtype.size >= 4
        target = _dtypes.float64 if wide else _dtypes.float32
        values, dense = _cast_fn(values, target), _cast_fn(dense, target)
    values = _cwise_fn(sp.indices, values, dense, tuple(shape), kind)
    return SparseTensor._make(sp.indices, values, sp.dense_shape, sp._static)


def map_values(op_fn, *args, **kwargs):
    """Apply ``op_fn`` to the ``values`` of the SparseTensors in ``args``/``kwargs``.

    All SparseTensors must have the same indices (checked eagerly); the result keeps them.

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor([[0, 1]], [4.0], [2, 2])
        >>> jt.sparse.map_values(jt.sqrt, s).values.numpy().tolist()
        [2.0]
    """
    found: list[SparseTensor] = []

    def swap(x):
        if isinstance(x, SparseTensor):
            found.append(x)
            return x.values
        return x

    new_args = [swap(a) for a in args]
    new_kwargs = {k: swap(v) for k, v in kwargs.items()}
    if not found:
        raise ValueError("map_values: no SparseTensor in the arguments")
    first = found[0]
    for other in found[1:]:
        a, b = _concrete(first.indices), _concrete(other.indices)
        if a is not None and b is not None and (a.shape != b.shape or np.any(a != b)):
            raise InvalidArgumentError("map_values: SparseTensors have different indices")
    return first.with_values(op_fn(*new_args, **new_kwargs))


# -- add --------------------------------------------------------------------------------
@op(name="sparse_dense_add")
def _sparse_dense_add_fn(indices, values, dense, shape):
    lin = linear_index(indices, shape)
    flat = dense.reshape(-1).at[lin].add(values.astype(dense.dtype), mode="drop")
    return flat.reshape(shape)


@op(name="sparse_add_values")
def _merge_fn(a_values, b_values, a_pos, b_pos, n):
    # Dropped entries (a sum under the threshold) go to segment n, sliced off.
    both = jnp.concatenate([a_values, b_values])
    pos = jnp.concatenate([a_pos, b_pos])
    return jax.ops.segment_sum(both, pos, num_segments=n + 1)[:n]


def _merge_sorted(a_lin, b_lin, a_val, b_val, thresh):
    """``_merge`` for inputs in strictly increasing row-major order, vectorized: output
    linear positions and each input entry's output position (-1: dropped)."""
    both = np.intersect1d(a_lin, b_lin, assume_unique=True)
    sums = a_val[np.searchsorted(a_lin, both)] + b_val[np.searchsorted(b_lin, both)]
    dropped = both[np.abs(sums) < thresh]
    out = np.setdiff1d(np.union1d(a_lin, b_lin), dropped, assume_unique=True)
    a_pos = np.searchsorted(out, a_lin)
    b_pos = np.searchsorted(out, b_lin)
    a_pos = np.where(np.isin(a_lin, dropped), -1, a_pos)
    b_pos = np.where(np.isin(b_lin, dropped), -1, b_pos)
    return out, a_pos, b_pos


def _merge(a_idx, b_idx, a_val, b_val, thresh):
    """TF's SparseAdd merge of two index lists (each assumed row-major): output indices
    and, per input entry, its output position (``-1`` when a small sum is dropped)."""
    out, a_pos, b_pos = [], np.full(len(a_idx), -1), np.full(len(b_idx), -1)
    i = j = 0
    a_list, b_list = a_idx.tolist(), b_idx.tolist()
    while i < len(a_list) and j < len(b_list):
        if a_list[i] < b_list[j]:
            a_pos[i] = len(out)
            out.append(a_list[i])
            i += 1
        elif a_list[i] == b_list[j]:
            if abs(a_val[i] + b_val[j]) >= thresh:
                a_pos[i] = b_pos[j] = len(out)
                out.append(a_list[i])
            i += 1
            j += 1
        else:
            b_pos[j] = len(out)
            out.append(b_list[j])
            j += 1
    for k in range(i, len(a_list)):
        a_pos[k] = len(out)
        out.append(a_list[k])
    for k in range(j, len(b_list)):
        b_pos[k] = len(out)
        out.append(b_list[k])
    return out, a_pos, b_pos


def add(a, b, threshold=0, name=None):
    """``a + b`` where at least one is a SparseTensor.

    Sparse + dense is a dense Tensor. Sparse + sparse (same dense shape) merges the two
    index lists as TF does (inputs in row-major order); an entry present in both is the
    sum, dropped when its magnitude is below ``threshold``. Gradients flow to both.

    Example:
        >>> import jtape as jt
        >>> a = jt.SparseTensor([[0, 0]], [1.0], [2, 2])
        >>> b = jt.SparseTensor([[0, 0], [1, 1]], [2.0, 3.0], [2, 2])
        >>> jt.sparse.to_dense(jt.sparse.add(a, b)).numpy().tolist()
        [[3.0, 0.0], [0.0, 3.0]]
    """
    del name
    a_sparse, b_sparse = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if not (a_sparse or b_sparse):
        raise TypeError("sparse.add: at least one of `a` and `b` must be a SparseTensor")
    if a_sparse != b_sparse:
        sp, dense = (a, b) if a_sparse else (b, a)
        shape = sp.static_shape("sparse.add")
        dense = _dense_operand(dense, sp.dtype, "SparseTensorDenseAdd", "b" if a_sparse else "a")
        _same_dtype("SparseTensorDenseAdd", sp.values, dense.dtype)
        if tuple(dense.shape) != tuple(shape):
            dshape = tuple(dense.shape)
            d = next((i for i, (x, y) in enumerate(zip(shape, dshape)) if x != y), len(shape))
            raise InvalidArgumentError(
                f"Dimension {d} does not equal (no broadcasting is supported): sparse side "
                f"{shape[d] if d < len(shape) else 1} vs dense side "
                f"{dshape[d] if d < len(dshape) else 1}"
            )
        check_indices(sp, shape, order=False, what="SparseTensorDenseAdd")
        return _sparse_dense_add_fn(sp.indices, sp.values, dense, tuple(shape))
    shape_a = a.static_shape("sparse.add")
    shape_b = b.static_shape("sparse.add")
    if shape_a != shape_b:
        if len(shape_a) != len(shape_b):
            raise InvalidArgumentError(
                f"Operands' ranks do not match: got {len(shape_a)} and {len(shape_b)}"
            )
        d = next(i for i, (x, y) in enumerate(zip(shape_a, shape_b)) if x != y)
        raise InvalidArgumentError(
            f"Operands' shapes do not match: got {shape_a[d]} and {shape_b[d]} for dimension {d}"
        )
    _same_dtype("SparseAdd", a.values, b.dtype, 4)
    a_idx, b_idx = _host(a.indices, "sparse.add"), _host(b.indices, "sparse.add")
    a_val, b_val = _host(a.values, "sparse.add"), _host(b.values, "sparse.add")
    thresh = float(np.abs(np.asarray(to_value(threshold))))
    a_lin, b_lin = linear_index(a_idx, shape_a), linear_index(b_idx, shape_a)
    if np.all(np.diff(a_lin) > 0) and np.all(np.diff(b_lin) > 0):  # the usual case
        lin, a_pos, b_pos = _merge_sorted(a_lin, b_lin, a_val, b_val, thresh)
        out = np.stack(np.unravel_index(lin, shape_a), axis=1) if len(shape_a) else lin[:, None]
    else:  # TF's merge, entry by entry
        out, a_pos, b_pos = _merge(a_idx, b_idx, a_val, b_val, thresh)
    n = len(out)
    a_pos = np.where(a_pos < 0, n, a_pos)
    b_pos = np.where(b_pos < 0, n, b_pos)
    values = _merge_fn(a.values, b.values, _int64(a_pos), _int64(b_pos), n)
    return new_sparse(np.asarray(out, np.int64).reshape(n, len(shape_a)), values, shape_a)


# -- sparse_dense_matmul --------------------------------------------------------------------
@op(name="sparse_dense_matmul")
def _matmul_fn(indices, values, b, shape, trans_a, conj_a, trans_b, conj_b):
    rows, cols = indices[:, 0], indices[:, 1]
    m = shape[0]
    if trans_a:
        rows, cols, m = cols, rows, shape[1]
    if conj_a:
        values = jnp.conj(values)
    if trans_b:
        b = b.T
    if conj_b:
        b = jnp.conj(b)
    picked = values[:, None] * jnp.take(b, cols, axis=0, mode="fill", fill_value=0)
    return jax.ops.segment_sum(picked, rows, num_segments=m)


@op(name="sparse_transpose_2d")
def _t_fn(x):
    return x.T


def sparse_dense_matmul(sp_a, b, adjoint_a: bool = False, adjoint_b: bool = False, name=None):
    """``op(sp_a) @ op(b)`` for a rank-2 SparseTensor and a dense matrix (or a dense
    matrix times a SparseTensor), ``op`` the adjoint where asked. A dense result.

    Repeated indices add up. Gradients flow to the sparse values and the dense operand.

    Example:
        >>> import jtape as jt
        >>> a = jt.SparseTensor([[0, 0], [1, 1]], [2.0, 3.0], [2, 2])
        >>> jt.sparse.sparse_dense_matmul(a, [[1.0, 1.0], [1.0, 1.0]]).numpy().tolist()
        [[2.0, 2.0], [3.0, 3.0]]
    """
    del name
    if isinstance(b, SparseTensor) and not isinstance(sp_a, SparseTensor):
        # op(A) @ op(S) == (op(S)^T @ op(A)^T)^T
        sp, dense = b, sp_a
        dense = _dense_operand(dense, sp.dtype, "SparseTensorDenseMatMul", "sp_a")
        out = _matmul(sp, dense, not adjoint_b, adjoint_b, not adjoint_a, adjoint_a)
        return _t_fn(out)
    sp = _sparse(sp_a, "sparse.sparse_dense_matmul", "sp_a")
    dense = _dense_operand(b, sp.dtype, "SparseTensorDenseMatMul", "b")
    return _matmul(sp, dense, adjoint_a, adjoint_a, adjoint_b, adjoint_b)


def _matmul(sp, dense, trans_a, conj_a, trans_b, conj_b):
    what = "SparseTensorDenseMatMul"
    if isinstance(sp.values, StringTensor):
        raise TypeError(f"{what}: string values cannot be multiplied")
    if sp.dtype != dense.dtype:
        raise InvalidArgumentError(
            f"cannot compute {what} as input #3(zero-based) was expected to be a "
            f"{_c_name(sp.dtype)} tensor but is a {_c_name(dense.dtype)} tensor"
        )
    shape = sp.static_shape("sparse.sparse_dense_matmul")
    if len(shape) != 2 or dense.ndim != 2:
        raise ValueError(
            f"{what}: both operands must be rank 2, got a SparseTensor of rank {len(shape)} "
            f"and a dense tensor of rank {dense.ndim}"
        )
    m, k = (shape[1], shape[0]) if trans_a else shape
    bk = dense.shape[1] if trans_b else dense.shape[0]
    if bk != k:
        raise InvalidArgumentError(
            f"Cannot multiply A and B because inner dimension does not match: {k} vs. {bk}.  "
            "Did you forget a transpose?  Dimensions of A: "
            f"[{shape[0]}, {shape[1]}).  Dimensions of B: [{','.join(map(str, dense.shape))}]"
        )
    idx = _concrete(sp.indices)
    if idx is not None and len(idx):
        rows, cols = (idx[:, 1], idx[:, 0]) if trans_a else (idx[:, 0], idx[:, 1])
        bad = (cols < 0) | (cols >= k) | (rows < 0) | (rows >= m)
        if bad.any():
            i = int(np.argmax(bad))
            r, c = int(rows[i]), int(cols[i])
            if not 0 <= c < k:
                raise InvalidArgumentError(
                    f"k ({c}) from index[{i},{0 if trans_a else 1}] out of bounds (>={k})"
                )
            raise InvalidArgumentError(
                f"m ({r}) from index[{i},{1 if trans_a else 0}] out of bounds (>={m})"
            )
    return _matmul_fn(sp.indices, sp.values, dense, tuple(shape), trans_a, conj_a, trans_b, conj_b)


# -- reductions -------------------------------------------------------------------------
def _axes(axis, rank: int, what: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(rank))
    axes = (
        [axis] if isinstance(axis, (int, np.integer)) else list(np.asarray(to_value(axis)).ravel())
    )
    out = []
    for a in axes:
        a = int(a)
        if not -rank <= a < rank:
            raise InvalidArgumentError(
                f"{what}: Invalid reduction dimension {a}, for input with {rank} dimensions."
            )
        out.append(a % rank)
    return tuple(sorted(set(out)))


@op(name="sparse_reduce_sum")
def _reduce_sum_fn(indices, values, shape, axes, keepdims):
    lin = linear_index(indices, shape)
    size = int(np.prod(shape)) if shape else 1
    dense = jnp.zeros((size,), values.dtype).at[lin].add(values, mode="drop").reshape(shape)
    return jnp.sum(dense, axis=axes, keepdims=keepdims, dtype=values.dtype)


@op(name="sparse_no_gradient")
def no_gradient_op(values, kernel: str):
    """An op passing ``values`` through; a gradient through it raises LookupError."""
    if not jnp.issubdtype(values.dtype, jnp.inexact):
        return values
    return no_gradient(values, kernel)


@op(name="sparse_reduce_max")
def _reduce_max_fn(indices, values, shape, axes, keepdims):
    if jnp.issubdtype(values.dtype, jnp.inexact):
        values = no_gradient(values, "SparseReduceMax")
        low = -jnp.inf
    else:
        low = jnp.iinfo(values.dtype).min
    lin = linear_index(indices, shape)
    size = int(np.prod(shape)) if shape else 1
    best = jnp.full((size,), low, values.dtype).at[lin].max(values, mode="drop").reshape(shape)
    count = jnp.zeros((size,), jnp.int32).at[lin].add(1, mode="drop").reshape(shape)
    best = jnp.max(best, axis=axes, keepdims=keepdims)
    count = jnp.sum(count, axis=axes, keepdims=keepdims)
    # Only the stored values count; a group without any is 0, as TF.
    return jnp.where(count > 0, best, jnp.zeros((), values.dtype))


@op(name="sparse_reduce_count")
def _reduce_count_fn(indices, shape, axes, keepdims):
    lin = linear_index(indices, shape)
    size = int(np.prod(shape)) if shape else 1
    count = jnp.zeros((size,), jnp.int32).at[lin].add(1, mode="drop").reshape(shape)
    return jnp.sum(count, axis=axes, keepdims=keepdims)


def _reduce(fn, what, sp_input, axis, keepdims, output_is_sparse):
    sp = _sparse(sp_input, what)
    if isinstance(sp.values, StringTensor):
        raise TypeError(f"{what}: string values cannot be reduced")
    shape = sp.static_shape(what)
    axes = _axes(axis, len(shape), what)
    keepdims = bool(keepdims)
    check_indices(sp, shape, order=False, what=what)
    if not output_is_sparse:
        return fn(sp.indices, sp.values, tuple(shape), axes, keepdims)
    kernel = "SparseReduceSumSparse" if fn is _reduce_sum_fn else "SparseReduceMaxSparse"
    out = fn(sp.indices, no_gradient_op(sp.values, kernel), tuple(shape), axes, keepdims)
    # The groups holding at least one stored value, in row-major order.
    count = _host(_reduce_count_fn(sp.indices, tuple(shape), axes, keepdims), what)
    idx = np.argwhere(count > 0).astype(np.int64)
    flat = out if out.ndim == 1 else _flat_fn(out)
    return new_sparse(idx, gather_values(flat, linear_index(idx, count.shape)), count.shape)


def reduce_sum(sp_input, axis=None, keepdims=None, output_is_sparse: bool = False, name=None):
    """The sum of a SparseTensor's entries over ``axis`` (all axes when None), dense
    (or a SparseTensor of the groups holding values with ``output_is_sparse``).

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor([[0, 0], [0, 2], [1, 1]], [1, 1, 1], [2, 3])
        >>> jt.sparse.reduce_sum(s, axis=1).numpy().tolist()
        [2, 1]
    """
    del name
    return _reduce(_reduce_sum_fn, "sparse.reduce_sum", sp_input, axis, keepdims, output_is_sparse)


def reduce_max(sp_input, axis=None, keepdims=None, output_is_sparse: bool = False, name=None):
    """The maximum of the *stored* values over ``axis`` (implicit zeros do not count; a
    group without stored values is 0), as TF. TF defines no gradient for it, so
    ``tape.gradient`` through it raises ``LookupError`` as TF's does.

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor([[0, 0], [1, 0], [1, 1]], [-7, 4, 3], [3, 2])
        >>> jt.sparse.reduce_max(s, axis=1).numpy().tolist()
        [-7, 4, 0]
    """
    del name
    return _reduce(_reduce_max_fn, "sparse.reduce_max", sp_input, axis, keepdims, output_is_sparse)


# -- softmax ----------------------------------------------------------------------------
@op(name="sparse_softmax")
def _softmax_fn(indices, values, shape):
    # One group per index without its last column; implicit entries do not take part.
    groups = linear_index(indices[:, :-1], shape[:-1]) if len(shape) > 1 else indices[:, 0] * 0
    n = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    top = jax.ops.segment_max(values, groups, num_segments=n)
    e = jnp.exp(values - jax.lax.stop_gradient(top)[groups])
    return e / jax.ops.segment_sum(e, groups, num_segments=n)[groups]


def softmax(sp_input: SparseTensor, name=None) -> SparseTensor:
    """Softmax over the stored values of each innermost row (implicit zeros take no part),
    as ``tf.sparse.softmax``. Same indices (expected in row-major order).

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor([[0, 0], [0, 2], [1, 1]], [1.0, 1.0, 5.0], [2, 3])
        >>> jt.sparse.softmax(s).values.numpy().tolist()
        [0.5, 0.5, 1.0]
    """
    del name
    sp = _sparse(sp_input, "sparse.softmax")
    shape = sp.static_shape("sparse.softmax")
    if len(shape) < 2:
        raise InvalidArgumentError(
            f"Input should have rank >= 2, but received shape: {','.join(map(str, shape))}"
        )
    if sp.dtype.name not in ("float16", "float32", "float64"):
        raise InvalidArgumentError(
            f"Value for attr 'T' of {_c_name(sp.dtype)} is not in the list of allowed values: "
            "half, float, double"
        )
    values = _softmax_fn(sp.indices, sp.values, tuple(shape))
    return SparseTensor._make(sp.indices, values, sp.dense_shape, sp._static)


# The unary ops TF dispatches to a SparseTensor's values (they keep zeros zero).
SPARSE_UNARY = (
    "abs",
    "negative",
    "asinh",
    "sin",
    "tan",
    "atan",
    "asin",
    "atanh",
    "sign",
    "square",
    "sqrt",
    "erf",
    "tanh",
    "bessel_i0e",
    "bessel_i1e",
)


def on_values(fn):
    """``fn`` that, given a SparseTensor, applies to its values and keeps its indices
    (``tf.abs(sparse)``), as TF dispatches its zero-preserving unary ops."""

    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        if type(x) is SparseTensor:
            return x.with_values(fn(x.values, *args, **kwargs))
        return fn(x, *args, **kwargs)

    return wrapper
