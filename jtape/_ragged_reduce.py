"""Reductions of RaggedTensors: ``tf.reduce_*`` over ragged and dense axes, and the
softmax over rows.

Reductions over the innermost ragged dimension are segment reductions of the flat values
(one recorded op, traceable: the number of rows is static) with TF's values for empty
rows (0, 1, the dtype's lowest/highest finite value, NaN for a mean). Reductions over an
outer ragged axis combine the elements at equal positions (eager: the result's shape
depends on the row lengths).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._op import op
from ._op_errors import InvalidArgumentError
from ._ragged import RaggedTensor, const
from ._ragged_ops import map_flat_values

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
