"""Ops on RaggedTensors: elementwise maps, reductions over rows, concat/stack/gather,
and the dispatch table through which ``jtape.compat`` sends a RaggedTensor argument.

Elementwise ops run on the flat values (``map_flat_values``) and keep the row
partitions. Reductions over the innermost ragged dimension are segment reductions of
the flat values (a recorded op, traceable: the number of rows is static), with TF's
values for empty rows (0, 1, the dtype's lowest/highest finite value, NaN for a mean).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._op import op
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


# -- reductions ------------------------------------------------------------------------


def _counts(ids, nseg: int, ndim: int):
    c = jax.ops.segment_sum(jnp.ones(ids.shape[0], jnp.int32), ids, nseg)
    return c.reshape(c.shape + (1,) * (ndim - 1))


def _segment_by_ids(values, ids, kind: str, nseg: int):
    """Segment reduction of ``values`` by ``ids`` with TF's results for empty segments."""
    v = values.astype(jnp.int8) if values.dtype == jnp.bool_ else values
    count = _counts(ids, nseg, v.ndim)
    if kind in ("sum", "mean", "variance", "std"):
        out = jax.ops.segment_sum(v, ids, nseg)
        if kind == "sum":
            return out
        mean = out / count
        if kind == "mean":
            return mean
        var = jax.ops.segment_sum(jnp.square(v - mean[ids]), ids, nseg) / count
        return var if kind == "variance" else jnp.sqrt(var)
    if kind == "logsumexp":
        m = jax.ops.segment_max(v, ids, nseg)
        m = jnp.where(jnp.isfinite(m), m, 0)
        total = jax.ops.segment_sum(jnp.exp(v - jax.lax.stop_gradient(m)[ids]), ids, nseg)
        return jnp.log(total) + jax.lax.stop_gradient(m)
    if kind in ("max", "any"):
        out = jax.ops.segment_max(v, ids, nseg)
    elif kind in ("min", "all"):
        out = jax.ops.segment_min(v, ids, nseg)
    else:
        out = jax.ops.segment_prod(v, ids, nseg)
    if kind in ("max", "min") and jnp.issubdtype(v.dtype, jnp.floating):
        info = jnp.finfo(v.dtype)
        out = jnp.where(count > 0, out, info.min if kind == "max" else info.max)
    if kind in ("any", "all"):
        out = jnp.where(count > 0, out > 0, kind == "all")
    return out


def _segment(values, splits, kind: str, nrows: int):
    """Per-row reduction (rows given by ``splits``): traceable, the row count is static."""
    s = splits.astype(jnp.int64)
    ids = jnp.searchsorted(s, jnp.arange(values.shape[0]), side="right") - 1
    return _segment_by_ids(values, ids, kind, nrows)


_segment_op = op(_segment, name="ragged_reduce")
_segment_ids_op = op(_segment_by_ids, name="ragged_reduce")

_KINDS = ("sum", "mean", "max", "min", "prod", "any", "all", "logsumexp", "variance", "std")


def _dense_reduce(kind: str):
    from . import _math_ops as M

    return {
        "sum": M.sum,
        "mean": M.mean,
        "max": M.max,
        "min": M.min,
        "prod": M.prod,
        "any": M.any,
        "all": M.all,
        "logsumexp": M.logsumexp,
        "variance": M.variance,
        "std": M.std,
    }[kind]


def reduce(kind: str, rt: RaggedTensor, axis=None, keepdims: bool = False):
    """``tf.reduce_<kind>`` of a RaggedTensor over ``axis`` (None: everything).

    As in TF, the mean of an integer RaggedTensor is float64 (a true division).
    """
    from ._math_ops import cast

    dt = rt.dtype
    if kind in ("any", "all") and dt != _dtypes.bool_:
        raise InvalidArgumentError(f"reduce_{kind}: expected a bool RaggedTensor, got {dt.name}")
    if kind in ("mean", "variance", "std") and dt.is_integer:
        rt = map_flat_values(lambda v: cast(v, _dtypes.float64), rt)
    rank = rt.ndim
    if axis is None:
        axes = list(range(rank))
    else:
        axes = [int(a) for a in (axis if isinstance(axis, (list, tuple)) else [axis])]
        axes = sorted({a + rank if a < 0 else a for a in axes})
        if any(not 0 <= a < rank for a in axes):
            raise ValueError(f"axis {axis} out of range for a RaggedTensor of rank {rank}")
    if axes == list(range(rank)):
        out = _dense_reduce(kind)(rt.flat_values)
        if keepdims:
            from ._array_ops import reshape

            out = reshape(out, (1,) * rank)
        return out
    if len(axes) > 1 and kind not in ("sum", "max", "min", "prod", "any", "all"):
        if kind != "mean":
            raise ValueError(f"jtape computes reduce_{kind} of a RaggedTensor over one axis")
        total = reduce("sum", rt, axes, keepdims)
        count = reduce("sum", map_flat_values(lambda v: v * 0 + 1, rt), axes, keepdims)
        return total / count
    out = rt
    for a in reversed(axes):
        out = _reduce_axis(kind, out, a, keepdims)
    return out


def _reduce_axis(kind: str, rt, axis: int, keepdims: bool):
    if not isinstance(rt, RaggedTensor):
        return _dense_reduce(kind)(rt, axis=axis, keepdims=keepdims)
    r = rt.ragged_rank
    if axis > r:  # a dense inner axis of the flat values
        return map_flat_values(
            lambda v: _dense_reduce(kind)(v, axis=axis - r, keepdims=keepdims), rt
        )
    if axis == r:
        inner = rt
        for _ in range(r - 1):
            inner = inner._v
        nrows = int(inner._rs.shape[0]) - 1
        out = _segment_op(inner._v, inner._rs, kind, nrows)
        out = out if r == 1 else _replace_depth(rt, r - 1, out)
    else:
        if kind in ("logsumexp", "variance", "std"):
            raise ValueError(
                f"jtape computes reduce_{kind} of a RaggedTensor over its innermost ragged "
                f"axis ({r}) only, got axis={axis}"
            )
        out = _reduce_outer(kind, rt, axis)
    if not keepdims:
        return out
    from ._array_ops import expand_dims

    if not isinstance(out, RaggedTensor):
        return expand_dims(out, axis)
    flat_axis = axis - out.ragged_rank
    if flat_axis < 1:
        raise ValueError(
            f"jtape keeps the reduced dimension (keepdims=True) of a RaggedTensor for its "
            f"innermost ragged axis or a dense one, got axis={axis}"
        )
    return out.with_flat_values(expand_dims(out.flat_values, flat_axis))


def _node_coords(rt: RaggedTensor) -> list:
    """Coordinates (one row per element) of the elements at each depth 0..ragged_rank."""
    splits = [rt._host_splits("reducing a RaggedTensor over an outer axis")]
    v = rt._v
    while isinstance(v, RaggedTensor):
        splits.append(v._host_splits("reducing a RaggedTensor over an outer axis"))
        v = v._v
    coords = [np.arange(len(splits[0]) - 1, dtype=np.int64)[:, None]]
    for s in splits:
        n = int(s[-1])
        parent = np.searchsorted(s, np.arange(n), side="right") - 1
        pos = np.arange(n) - s[parent]
        coords.append(np.concatenate([coords[-1][parent], pos[:, None]], axis=1))
    return coords


def _reduce_outer(kind: str, rt: RaggedTensor, k: int):
    """Reduction over ragged axis ``k`` < ragged_rank: elements at equal positions in the
    other coordinates combine (TF pads the shorter rows out of the way). Eager only."""
    r = rt.ragged_rank
    coords = _node_coords(rt)
    # Depths below k keep their elements; depth d > k elements move to depth d - 1, keyed
    # by their coordinates without coordinate k.
    levels = [coords[d] for d in range(k)]
    inverse = None
    for d in range(k + 1, r + 1):
        keys = np.delete(coords[d], k, axis=1)
        uniq, inv = np.unique(keys, axis=0, return_inverse=True)
        levels.append(uniq)
        inverse = inv.reshape(-1)
    out = _segment_ids_op(rt.flat_values, const(inverse), kind, len(levels[-1]))
    if r == 1:
        return out
    for d in range(r - 1, 0, -1):  # partition between new depths d-1 and d
        parents, children = levels[d - 1], levels[d]
        parent_of = {tuple(p): i for i, p in enumerate(parents.tolist())}
        counts = np.zeros(len(parents), np.int64)
        for c in children[:, :-1].tolist():
            counts[parent_of[tuple(c)]] += 1
        splits = np.concatenate([[0], np.cumsum(counts)]).astype(rt.row_splits_dtype.as_numpy_dtype)
        out = RaggedTensor._make(out, const(splits))
    return out


def _row_softmax(values, splits, nrows: int, log: bool):
    ids = jnp.searchsorted(splits.astype(jnp.int64), jnp.arange(values.shape[0]), side="right")
    ids = ids - 1
    m = jax.lax.stop_gradient(jax.ops.segment_max(values, ids, nrows))[ids]
    z = values - m
    total = jax.ops.segment_sum(jnp.exp(z), ids, nrows)[ids]
    return z - jnp.log(total) if log else jnp.exp(z) / total


_row_softmax_op = op(_row_softmax, name="ragged_softmax")


def softmax(logits, axis=None, name=None, log: bool = False):
    """``tf.nn.softmax`` / ``log_softmax`` of a RaggedTensor over its last (ragged) axis."""
    rt = logits
    r, rank = rt.ragged_rank, rt.ndim
    axis = rank - 1 if axis is None else (axis + rank if axis < 0 else axis)
    if axis != r or axis != rank - 1:
        raise ValueError(
            "jtape computes softmax of a RaggedTensor over its last axis when that axis is "
            f"the innermost ragged one, got axis={axis} for shape {rt.shape}"
        )
    inner = rt
    for _ in range(r - 1):
        inner = inner._v
    nrows = int(inner._rs.shape[0]) - 1
    out = _row_softmax_op(inner._v, inner._rs, nrows, log)
    return _replace_depth(rt, r, out) if r > 1 else rt.with_values(out)


def _replace_depth(rt: RaggedTensor, depth: int, values):
    if depth == 1:
        return rt.with_values(values)
    return rt.with_values(_replace_depth(rt._v, depth - 1, values))


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


# -- dispatch from jtape.compat ------------------------------------------------------

ELEMENTWISE = frozenset(
    """abs acos acosh asin asinh atan atanh bessel_i0e bessel_i1e ceil conj cos cosh digamma
    erf erfc erfcinv erfinv exp expm1 floor imag is_finite is_inf is_nan lbeta lgamma log
    log1p log_sigmoid logical_not ndtri negative real reciprocal reciprocal_no_nan rint
    round rsqrt sigmoid sign sin sinh softplus softsign sqrt square tan tanh add atan2
    divide divide_no_nan equal floordiv floormod greater greater_equal igamma igammac less
    less_equal logical_and logical_or logical_xor maximum minimum mod multiply
    multiply_no_nan nextafter not_equal polygamma pow squared_difference subtract truediv
    truncatediv truncatemod xdivy xlog1py xlogy zeta cast saturate_cast identity zeros_like
    ones_like stop_gradient clip_by_value realdiv add_n accumulate_n relu relu6 elu selu
    gelu softplus softsign silu swish leaky_relu""".split()
)


# Ops that map the flat values of a RaggedTensor argument to new flat values.
MAP = frozenset(["one_hot", "embedding_lookup"])
ON_FLAT = frozenset(
    ["reshape"] + [f"unsorted_segment_{k}" for k in ("sum", "max", "min", "prod", "mean")]
)


def _reduction(kind: str):
    def fn(input_tensor, axis=None, keepdims=False, name=None):
        return reduce(kind, input_tensor, axis, bool(keepdims))

    return fn


def _on_flat(fn):
    """An op whose ragged arguments (of one partition) stand for their flat values and
    whose result is not ragged (``reshape``, the unsorted segment reductions)."""

    def call(*args, **kwargs):
        ragged = _ragged_args(args, kwargs)
        for other in ragged[1:]:
            _same_partitions(ragged[0], other)

        def flat(a):
            return a.flat_values if isinstance(a, RaggedTensor) else a

        return fn(*[flat(a) for a in args], **{k: flat(v) for k, v in kwargs.items()})

    return call


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


SPECIAL = {
    **{f"reduce_{k}": _reduction(k) for k in _KINDS},
    "expand_dims": expand_dims,
    "softmax": softmax,
    "concat": lambda values, axis, name=None: concat(values, axis),
    "stack": lambda values, axis=0, name="stack": stack(values, axis),
    "gather": gather,
    "where": where,
    "size": size,
    "rank": rank,
}


def dispatch(tf_name: str, fn, args: tuple, kwargs: dict):
    """A compat op called with a RaggedTensor: TF's ragged version of ``tf_name``."""
    kwargs = {k: v for k, v in kwargs.items() if k != "name"}
    if tf_name in ELEMENTWISE:
        return _elementwise(fn, args, kwargs)
    if tf_name in MAP:
        return map_flat_values(fn, *args, **kwargs)
    if tf_name in ON_FLAT:
        return _on_flat(fn)(*args, **kwargs)
    special = SPECIAL.get(tf_name)
    if special is not None:
        return special(*args, **kwargs)
    raise TypeError(
        f"tf.{tf_name} does not take a RaggedTensor in jtape; jtape dispatches elementwise "
        "ops, reductions, concat/stack/gather/where, size and rank. Use .to_tensor() or "
        "tf.ragged.map_flat_values"
    )


def has_ragged(args, kwargs) -> bool:
    for a in args:
        if type(a) is RaggedTensor or (
            type(a) in (list, tuple) and any(type(e) is RaggedTensor for e in a)
        ):
            return True
    return any(type(v) is RaggedTensor for v in kwargs.values())
