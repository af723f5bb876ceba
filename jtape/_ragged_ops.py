"""Ops on RaggedTensors: elementwise maps (``map_flat_values``, the Python operators) and
structure (concat, stack, gather, where, expand_dims).

Elementwise ops run on the flat values and keep the row partitions; a dense operand
lines up with them as TF broadcasts (a scalar, the inner dimensions, or ``[nrows, 1]``).
Structural ops work out positions on the host from the row splits and move the values
with recorded ops, so gradients reach the flat values.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._op_errors import InvalidArgumentError
from ._ragged import RaggedTensor, _take, as_splits, as_values, const, host
from ._strings import StringTensor
from ._tensor import Tensor

# -- elementwise -----------------------------------------------------------------------


def _same_partitions(a: RaggedTensor, b: RaggedTensor) -> None:
    sa, sb = a.nested_row_splits, b.nested_row_splits
    if len(sa) != len(sb):
        raise ValueError(f"RaggedTensors of ragged_rank {len(sa)} and {len(sb)} cannot be combined")
    for x, y in zip(sa, sb):
        if x is y:
            continue
        if tuple(x.shape) != tuple(y.shape):
            raise InvalidArgumentError("Inputs must have identical ragged splits")
        if isinstance(x._value, jax.core.Tracer) or isinstance(y._value, jax.core.Tracer):
            continue  # (TF checks at run time; shapes agree)
        if not np.array_equal(np.asarray(x._value), np.asarray(y._value)):
            raise InvalidArgumentError("Inputs must have identical ragged splits")


def _broadcast_dense(ref: RaggedTensor, x):
    """A dense operand lined up with ``ref``'s flat values (TF's ragged broadcasting)."""
    if not isinstance(x, (Tensor, np.ndarray)) and not hasattr(x, "_jt_read"):
        return x  # Python numbers, dtypes, ...
    t = as_values(x)
    rank = len(t.shape)
    inner = len(ref.flat_values.shape) - 1
    if rank <= inner:
        return t
    r = ref.ragged_rank
    nrows = int(ref._rs.shape[0]) - 1
    shape = tuple(t.shape)
    if r == 1 and rank >= 2 and shape[0] in (1, nrows) and shape[1] == 1:
        from ._array_ops import gather, reshape

        rows = (
            ref.value_rowids()
            if shape[0] == nrows
            else Tensor(jnp.zeros(ref.flat_values.shape[0], jnp.int64))
        )
        return reshape(gather(t, rows), (-1, *shape[2:]))
    raise ValueError(
        f"jtape broadcasts a dense tensor against a RaggedTensor of shape {ref.shape} only "
        f"when it is a scalar, matches the inner dimensions, or has shape [nrows, 1]; got "
        f"shape {list(shape)}"
    )


def _ragged_args(args, kwargs) -> list:
    found = []
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, RaggedTensor):
            found.append(a)
        elif isinstance(a, (list, tuple)):
            found.extend(e for e in a if isinstance(e, RaggedTensor))
    return found


def map_flat_values(op, *args, **kwargs):
    """``op`` applied to the flat values of the RaggedTensor arguments; the result has
    their row partitions (which must be identical).

    Example:
        >>> import jtape as jt
        >>> jt.ragged.map_flat_values(jt.square, jt.ragged.constant([[1.0, 2.0], [3.0]])).to_list()
        [[1.0, 4.0], [9.0]]
    """
    ragged = _ragged_args(args, kwargs)
    if not ragged:
        return op(*args, **kwargs)
    ref = ragged[0]
    for other in ragged[1:]:
        _same_partitions(ref, other)

    def flat(a):
        if isinstance(a, RaggedTensor):
            return a.flat_values
        if isinstance(a, (list, tuple)):
            return type(a)(flat(e) for e in a)
        return a

    out = op(*[flat(a) for a in args], **{k: flat(v) for k, v in kwargs.items()})
    n = ref.flat_values.shape[0]
    if not hasattr(out, "shape") or not len(out.shape) or out.shape[0] != n:
        raise ValueError(
            "map_flat_values: the op must keep the flat values' first dimension "
            f"({n}), got shape {getattr(out, 'shape', None)}"
        )
    return ref.with_flat_values(out)


def _elementwise(fn, args, kwargs):
    ref = _ragged_args(args, kwargs)[0]

    def line_up(a):
        return a if isinstance(a, RaggedTensor) else _broadcast_dense(ref, a)

    args = [line_up(a) for a in args]
    kwargs = {k: line_up(v) for k, v in kwargs.items()}
    return map_flat_values(fn, *args, **kwargs)


def operator(name: str, rt: RaggedTensor, *other, reflected: bool = False):
    """``rt <op> other`` (or ``other <op> rt``) on the flat values."""
    if not other:
        return map_flat_values(lambda v: getattr(v, f"__{name}__")(), rt)
    (o,) = other
    if isinstance(o, (list, tuple)):
        o = as_values(o)
    meth = f"__r{name}__" if reflected else f"__{name}__"
    return _elementwise(lambda v, w: getattr(v, meth)(w), (rt, o), {})


# -- structure -------------------------------------------------------------------------


def _to_ragged(x, like: RaggedTensor) -> RaggedTensor:
    if isinstance(x, RaggedTensor):
        return x
    return RaggedTensor.from_tensor(as_values(x), row_splits_dtype=like.row_splits_dtype)


def _concat_rows(parts: list):
    """Parts (all Tensors, StringTensors or RaggedTensors) joined along axis 0."""
    if isinstance(parts[0], StringTensor):
        return StringTensor._wrap(np.concatenate([p._np for p in parts]))
    if not isinstance(parts[0], RaggedTensor):
        from ._array_ops import concat

        return concat(parts, 0)
    from ._array_ops import concat

    values = _concat_rows([p._v for p in parts])
    dtype = parts[0]._rs.dtype
    splits = [as_splits(p._rs, dtype) for p in parts]
    if not any(isinstance(s._value, jax.core.Tracer) for s in splits):
        arrs = [np.asarray(s._value) for s in splits]
        offsets = np.cumsum([0] + [int(a[-1]) for a in arrs[:-1]])
        joined = np.concatenate([arrs[0]] + [a[1:] + o for a, o in zip(arrs[1:], offsets[1:])])
        return RaggedTensor._make(values, const(joined.astype(arrs[0].dtype)))
    pieces, offset = [splits[0]], splits[0][-1]
    for s in splits[1:]:
        pieces.append(s[1:] + offset)
        offset = offset + s[-1]
    return RaggedTensor._make(values, concat(pieces, 0))


def concat(values, axis: int = 0):
    """``tf.concat`` of RaggedTensors (dense ones are made ragged) along axis 0 or 1."""
    values = list(values)
    ref = next(v for v in values if isinstance(v, RaggedTensor))
    parts = [_to_ragged(v, ref) for v in values]
    rank = ref.ndim
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        return _concat_rows(parts)
    if axis != 1:
        raise ValueError(f"jtape concatenates RaggedTensors along axis 0 or 1, got {axis}")
    nrows = {int(p._rs.shape[0]) - 1 for p in parts}
    if len(nrows) != 1:
        raise InvalidArgumentError("Input tensors have incompatible shapes.")
    splits = [p._host_splits("tf.concat(axis=1)") for p in parts]
    joined = _concat_rows([p._v for p in parts])
    offsets = np.cumsum([0] + [int(s[-1]) for s in splits[:-1]])
    idx, lengths = [], np.zeros(nrows.pop(), np.int64)
    for i in range(len(lengths)):
        for s, off in zip(splits, offsets):
            idx.append(np.arange(s[i], s[i + 1]) + off)
            lengths[i] += s[i + 1] - s[i]
    idx = np.concatenate(idx) if idx else np.zeros(0, np.int64)
    new = np.concatenate([[0], np.cumsum(lengths)]).astype(splits[0].dtype)
    return RaggedTensor._make(_take(joined, idx), const(new))


def stack(values, axis: int = 0):
    """``tf.stack`` of RaggedTensors: a new (ragged) dimension at ``axis`` 0 or 1."""
    values = list(values)
    ref = next((v for v in values if isinstance(v, RaggedTensor)), None)
    if ref is None:  # dense tensors as rows (TF's tf.ragged.stack)
        rows = [as_values(v) for v in values]
        if axis not in (0, -len(rows[0].shape) - 1):
            raise ValueError("jtape stacks dense tensors into a RaggedTensor along axis 0 only")
        if len({tuple(r.shape) for r in rows}) == 1:
            from ._array_ops import stack as dense_stack

            return RaggedTensor.from_tensor(dense_stack(rows, 0))
        counts = [int(r.shape[0]) if len(r.shape) else 1 for r in rows]
        splits = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return RaggedTensor._make(_concat_rows(rows), const(splits))
    parts = [_to_ragged(v, ref) for v in values]
    rank = ref.ndim + 1
    axis = axis + rank if axis < 0 else axis
    dtype = ref._rs.dtype.as_numpy_dtype
    if axis == 0:
        counts = [int(p._rs.shape[0]) - 1 for p in parts]
        splits = np.concatenate([[0], np.cumsum(counts)]).astype(dtype)
        return RaggedTensor._make(_concat_rows(parts), const(splits))
    if axis != 1:
        raise ValueError(f"jtape stacks RaggedTensors along axis 0 or 1, got {axis}")
    nrows = {int(p._rs.shape[0]) - 1 for p in parts}
    if len(nrows) != 1:
        raise InvalidArgumentError("Input tensors have incompatible shapes.")
    n, k = nrows.pop(), len(parts)
    joined = _concat_rows(parts)
    order = np.array([j * n + i for i in range(n) for j in range(k)], np.int64)
    splits = (np.arange(n + 1) * k).astype(dtype)
    return RaggedTensor._make(_take(joined, order), const(splits))


def gather(params, indices, validate_indices=None, axis=None, batch_dims: int = 0, name=None):
    """``tf.gather`` of a RaggedTensor's rows (axis 0, 1-D or scalar indices)."""
    if isinstance(indices, RaggedTensor) and not isinstance(params, RaggedTensor):
        from ._array_ops import gather as dense_gather

        return indices.with_flat_values(dense_gather(params, indices.flat_values, axis=axis))
    if axis not in (None, 0) or batch_dims:
        raise ValueError("jtape gathers RaggedTensor rows only (axis=0, batch_dims=0)")
    idx = np.asarray(host(as_values(indices), "tf.gather on a RaggedTensor"))
    n = int(params._rs.shape[0]) - 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)][0]
        raise InvalidArgumentError(f"indices = {bad} is not in [0, {n}) [Op:RaggedGather]")
    if idx.ndim == 0:
        return params[int(idx)]
    if idx.ndim != 1:
        raise ValueError("jtape gathers RaggedTensor rows with 0-D or 1-D indices only")
    return _take(params, idx)


def where(condition, x=None, y=None, name=None):
    """``tf.where(condition, x, y)`` elementwise over RaggedTensors of one partition."""
    if x is None and y is None:
        raise ValueError("tf.where(condition) on a RaggedTensor: jtape needs x and y")
    from ._array_ops import where as dense_where

    return _elementwise(dense_where, (condition, x, y), {})


def size(input, out_type=_dtypes.int32, name=None) -> Tensor:  # noqa: A002
    n = int(np.prod(input.flat_values.shape))
    return const(n, _dtypes.as_dtype(out_type).as_numpy_dtype)


def rank(input, name=None) -> Tensor:  # noqa: A002
    return const(input.ndim, jnp.int32)


def expand_dims(input, axis, name=None):  # noqa: A002
    """``tf.expand_dims`` of a RaggedTensor: a new dimension of size 1 at ``axis``."""
    rt = input
    rank = rt.ndim + 1
    axis = axis + rank if axis < 0 else axis
    r = rt.ragged_rank
    if axis > r:
        from ._array_ops import expand_dims as dense_expand

        return map_flat_values(lambda v: dense_expand(v, axis - r), rt)
    if axis == 0:
        n = int(rt._rs.shape[0]) - 1
        splits = np.asarray([0, n], rt.row_splits_dtype.as_numpy_dtype)
        return RaggedTensor._make(rt, const(splits), n)
    if axis == 1:
        n = int(rt._rs.shape[0]) - 1
        splits = np.arange(n + 1, dtype=rt.row_splits_dtype.as_numpy_dtype)
        return RaggedTensor._make(rt, const(splits), 1)
    return rt.with_values(expand_dims(rt._v, axis - 1))


def map_rows(fn, rt: RaggedTensor, fn_output_signature=None):
    """``tf.map_fn`` over the rows of a RaggedTensor (eager: the rows differ in size).

    The results are stacked into a Tensor, or into a RaggedTensor when
    ``fn_output_signature`` is a ``RaggedTensorSpec`` (TF's rule).
    """
    from ._array_ops import stack as dense_stack
    from ._ragged import RaggedTensorSpec

    n = int(rt._rs.shape[0]) - 1
    host(rt._rs, "tf.map_fn over a RaggedTensor")
    outs = [fn(rt[i]) for i in range(n)]
    if isinstance(fn_output_signature, RaggedTensorSpec):
        return stack(outs, 0) if outs else rt.with_values(rt.values[:0])
    if not outs:
        raise ValueError("tf.map_fn over an empty RaggedTensor: jtape needs at least one row")
    return dense_stack(outs, 0)
