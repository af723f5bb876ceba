"""Building RaggedTensors: ``tf.ragged.constant``, ``range``, ``boolean_mask`` and the
row-splits / segment-ids conversions.

``constant`` walks the nested list on the host: the outer ``ragged_rank`` levels become
row splits, the rest must be uniform and become the flat values (through
``jt.constant``, so Python numbers get TF's dtypes: int32, float32).
"""

from __future__ import annotations

import numpy as np

from . import _dtypes
from ._ragged import RaggedTensor, _take, as_splits, as_values, const, host
from ._strings import StringTensor, is_string_value
from ._tensor import Tensor


def _depth(x) -> int | None:
    """Nesting depth of the scalars in ``x`` (None for an empty list: no scalar below)."""
    if isinstance(x, (list, tuple)):
        depths = {d for d in (_depth(e) for e in x) if d is not None}
        if len(depths) > 1:
            raise ValueError("all scalar values must have the same nesting depth")
        return (depths.pop() + 1) if depths else None
    if isinstance(x, np.ndarray):
        return x.ndim
    return 0


def constant(
    pylist,
    dtype=None,
    ragged_rank: int | None = None,
    inner_shape=None,
    name=None,
    row_splits_dtype=_dtypes.int64,
) -> RaggedTensor:
    """A RaggedTensor from a nested Python list (TF's ``tf.ragged.constant``).

    Example:
        >>> import jtape as jt
        >>> rt = jt.ragged.constant([[1, 2], [3]])
        >>> rt.dtype, rt.row_splits.numpy().tolist()
        (tf.int32, [0, 2, 3])
    """
    if isinstance(pylist, RaggedTensor):
        return pylist
    inner_shape = tuple(inner_shape) if inner_shape is not None else None
    depth = _depth(pylist)
    if depth is None:  # only empty lists: one level per nesting
        probe, depth = pylist, 0
        while isinstance(probe, (list, tuple)):
            depth += 1
            probe = probe[0] if len(probe) else None
        depth += len(inner_shape) if inner_shape else 0
    if ragged_rank is None:
        ragged_rank = max(0, depth - 1 - (len(inner_shape) if inner_shape else 0))
    if ragged_rank == 0:  # nothing ragged: TF gives a dense tensor
        return _flat_values([pylist], dtype, inner_shape, depth - 1)[0]
    if not 0 < ragged_rank < depth:
        raise ValueError(
            f"pylist has scalar values depth {depth}, but ragged_rank={ragged_rank} "
            f"requires scalar value depth greater than {ragged_rank}"
        )
    sdt = np.dtype(_dtypes.as_dtype(row_splits_dtype).as_numpy_dtype)
    splits = []
    level = _lists(pylist)
    for _ in range(ragged_rank):
        lengths = [len(x) for x in level]
        splits.append(np.concatenate([[0], np.cumsum(lengths)]).astype(sdt))
        level = [e for x in level for e in _lists(x)]
    flat = _flat_values(level, dtype, inner_shape, depth - ragged_rank - 1)
    out = flat
    for s in reversed(splits[1:]):
        out = RaggedTensor._make(out, const(s))
    return RaggedTensor._make(out, const(splits[0]))


def _lists(x) -> list:
    # numpy arrays count as lists of Python values (TF: ints become int32 as in a list)
    return x.tolist() if isinstance(x, np.ndarray) else list(x)


def _flat_values(items: list, dtype, inner_shape, inner_rank: int):
    from ._array_ops import constant as dense

    items = [e.tolist() if isinstance(e, np.ndarray) else e for e in items]

    if inner_shape is not None and not items:
        shape = (0, *inner_shape)
    elif not items:
        shape = (0,) + (0,) * max(inner_rank, 0)
    else:
        shape = None
    is_str = (dtype is not None and _dtypes.as_dtype(dtype) == _dtypes.string) or (
        items and is_string_value(_first_scalar(items))
    )
    if is_str:
        from ._strings import constant as sconst

        return sconst(items if shape is None else np.zeros(shape, object), _dtypes.string)
    if shape is not None:
        dt = _dtypes.as_dtype(dtype or _dtypes.float32).as_numpy_dtype
        return const(np.zeros(shape, dt))
    try:
        arr = np.asarray(items, dtype=object)
        if arr.dtype == object and any(isinstance(e, (list, tuple)) for e in arr.reshape(-1)):
            raise ValueError
    except ValueError:
        raise ValueError(
            "inner values have inconsistent shape (tf.ragged.constant: pass a larger ragged_rank)"
        ) from None
    if inner_shape is not None and tuple(arr.shape[1:]) != inner_shape:
        raise ValueError(
            f"tf.ragged.constant: inner values have shape {tuple(arr.shape[1:])}, "
            f"inner_shape is {inner_shape}"
        )
    return dense(items, dtype=dtype)


def _first_scalar(items):
    x = items[0]
    while isinstance(x, (list, tuple)) and x:
        x = x[0]
    return x


def ragged_range(
    starts, limits=None, deltas=1, dtype=None, name=None, row_splits_dtype=_dtypes.int64
):
    """Row ``i`` is ``range(starts[i], limits[i], deltas[i])`` (scalars broadcast).

    Example:
        >>> import jtape as jt
        >>> jt.ragged.range([1, 3], [4, 4]).to_list()
        [[1, 2, 3], [3]]
    """
    if limits is None:
        starts, limits = 0, starts
    vals = [as_values(v) for v in (starts, limits, deltas)]
    dt = _dtypes.as_dtype(dtype) if dtype is not None else _result_dtype(vals)
    arrs = np.broadcast_arrays(*[np.asarray(host(v, "tf.ragged.range")) for v in vals])
    npdt = dt.as_numpy_dtype
    rows = []
    for a, b, d in zip(*[x.reshape(-1) for x in arrs]):
        if d == 0:
            from ._op_errors import InvalidArgumentError

            raise InvalidArgumentError("Requires delta != 0 [Op:RaggedRange]")
        rows.append(np.arange(a, b, d, dtype=npdt))
    sdt = np.dtype(_dtypes.as_dtype(row_splits_dtype).as_numpy_dtype)
    splits = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(sdt)
    flat = np.concatenate(rows) if rows else np.zeros(0, npdt)
    return RaggedTensor._make(const(flat.astype(npdt)), const(splits))


def _result_dtype(vals) -> _dtypes.DType:
    dts = [v.dtype for v in vals]
    for cand in (_dtypes.float64, _dtypes.float32, _dtypes.int64):
        if cand in dts:
            return cand
    return dts[0]


def boolean_mask(data, mask, name=None):
    """The items of ``data`` where ``mask`` is True, keeping rows: ``mask`` of rank 1
    selects rows; of rank 2 (dense or ragged like ``data``) items within each row.

    Example:
        >>> import jtape as jt
        >>> d = jt.constant([[1, 2, 3], [4, 5, 6]])
        >>> m = jt.constant([[True, False, True], [False, False, True]])
        >>> jt.ragged.boolean_mask(d, m).to_list()
        [[1, 3], [6]]
    """
    m = mask if isinstance(mask, RaggedTensor) else as_values(mask)
    if m.dtype != _dtypes.bool_:
        raise ValueError(f"mask must have dtype bool, got {m.dtype.name}")
    d = data if isinstance(data, RaggedTensor) else as_values(data)
    mrank = len(m.shape)
    if mrank == 1:
        keep = np.nonzero(host(m, "tf.ragged.boolean_mask"))[0]
        return _take(d, keep)
    if mrank != 2:
        raise ValueError(f"tf.ragged.boolean_mask: jtape takes masks of rank 1 or 2, got {mrank}")
    if isinstance(m, RaggedTensor):
        flat_mask = host(m.values, "tf.ragged.boolean_mask")
        s = m._host_splits("tf.ragged.boolean_mask")
        counts = np.add.reduceat(flat_mask.astype(np.int64), s[:-1]) if len(flat_mask) else None
        if counts is not None:
            counts = np.where(np.diff(s) > 0, counts, 0)
        else:
            counts = np.zeros(len(s) - 1, np.int64)
        values = d.values if isinstance(d, RaggedTensor) else None
        if values is None:
            raise ValueError("tf.ragged.boolean_mask: a ragged mask needs ragged data")
        sdt = s.dtype
    else:
        mm = host(m, "tf.ragged.boolean_mask")
        flat_mask = mm.reshape(-1)
        counts = mm.sum(axis=1)
        if isinstance(d, RaggedTensor):
            raise ValueError("tf.ragged.boolean_mask: a dense mask needs dense data")
        from ._array_ops import reshape

        shape = tuple(d.shape)
        values = (
            StringTensor._wrap(d._np.reshape((-1, *shape[2:])))
            if isinstance(d, StringTensor)
            else reshape(d, (shape[0] * shape[1], *shape[2:]))
        )
        sdt = np.int64
    splits = np.concatenate([[0], np.cumsum(counts)]).astype(sdt)
    kept = _take(values, np.nonzero(flat_mask)[0])
    return RaggedTensor._make(kept, const(splits))


def row_splits_to_segment_ids(splits, name=None, out_type=None) -> Tensor:
    """For each value, the row it falls in (TF's ``tf.ragged.row_splits_to_segment_ids``)."""
    s = as_splits(splits, what="splits")
    out = RaggedTensor._make(const(np.zeros(int(host(s, "row_splits_to_segment_ids")[-1]))), s)
    ids = out.value_rowids()
    if out_type is not None:
        from ._math_ops import cast

        ids = cast(ids, out_type)
    return ids


def segment_ids_to_row_splits(segment_ids, num_segments=None, out_type=None, name=None) -> Tensor:
    """Row splits of sorted ``segment_ids`` (TF's ``tf.ragged.segment_ids_to_row_splits``)."""
    ids = as_values(segment_ids)
    arr = host(ids, "segment_ids_to_row_splits").astype(np.int64)
    n = int(num_segments) if num_segments is not None else (int(arr.max()) + 1 if arr.size else 0)
    counts = np.bincount(arr, minlength=n)[:n]
    dt = _dtypes.as_dtype(out_type or _dtypes.int64).as_numpy_dtype
    return const(np.concatenate([[0], np.cumsum(counts)]).astype(dt))
