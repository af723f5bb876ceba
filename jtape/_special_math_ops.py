"""Elementwise special functions and reductions TensorFlow has beyond the basics."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from . import _dtypes, _tf_gradients
from ._math_ops import _axis
from ._op import op
from ._op_errors import InvalidArgumentError
from ._tensor import Tensor

erfc = op(jax.scipy.special.erfc, name="erfc")
erfinv = op(jax.scipy.special.erfinv, name="erfinv")
rint = op(_tf_gradients.rint, name="rint")
xlogy = op(_tf_gradients.xlogy, name="xlogy")
xlog1py = op(jax.scipy.special.xlog1py, name="xlog1py")
bessel_i0e = op(jax.scipy.special.i0e, name="bessel_i0e")
bessel_i1e = op(jax.scipy.special.i1e, name="bessel_i1e")
log_ndtr = op(jax.scipy.special.log_ndtr, name="log_ndtr")
ndtri = op(jax.scipy.special.ndtri, name="ndtri")
igamma = op(jax.scipy.special.gammainc, name="igamma")
igammac = op(jax.scipy.special.gammaincc, name="igammac")
polygamma = op(
    lambda a, x: jax.scipy.special.polygamma(jnp.asarray(a).astype(jnp.int32), x),
    name="polygamma",
)  # TF takes a float order; JAX wants an integer one
zeta = op(jax.scipy.special.zeta, name="zeta")
lbeta = op(
    lambda x: jnp.sum(jax.scipy.special.gammaln(x), -1) - jax.scipy.special.gammaln(jnp.sum(x, -1)),
    name="lbeta",
)
truncatediv = op(
    lambda x, y: (
        jnp.trunc(x / y).astype(jnp.result_type(x, y))
        if jnp.issubdtype(jnp.result_type(x, y), jnp.floating)
        else jax.lax.div(x, y)
    ),
    name="truncatediv",
)


@op
def xdivy(x, y):
    """``x / y``, or 0 where ``x == 0`` (gradient included)."""
    safe = jnp.where(x == 0, jnp.ones_like(y), y)
    return jnp.where(x == 0, jnp.zeros_like(x / safe), x / safe)


@op
def multiply_no_nan(x, y):
    """``x * y``, or 0 where ``y == 0`` even if ``x`` is NaN or Inf."""
    safe_x = jnp.where(y == 0, jnp.zeros_like(x), x)
    return jnp.where(y == 0, jnp.zeros_like(x * y), safe_x * y)


@op
def reciprocal_no_nan(x):
    """``1 / x``, or 0 where ``x == 0``."""
    safe = jnp.where(x == 0, jnp.ones_like(x), x)
    return jnp.where(x == 0, jnp.zeros_like(x), 1 / safe)


@op
def _count_nonzero(x, axis, keepdims, dtype):
    return jnp.sum(x != 0, axis=axis, keepdims=keepdims).astype(dtype)


def count_nonzero(input, axis=None, keepdims: bool = False, dtype=_dtypes.int64) -> Tensor:  # noqa: A002
    """Number of non-zero entries over ``axis`` (int64 by default, as TF)."""
    return _count_nonzero(input, _axis(axis), bool(keepdims), _dtypes.as_dtype(dtype))


@op
def _euclidean_norm(x, axis, keepdims):
    if jnp.issubdtype(x.dtype, jnp.integer):
        # TF keeps an integer input's dtype: the square root of the integer sum, floored.
        total = jnp.sum(jnp.square(x), axis=axis, keepdims=keepdims, dtype=x.dtype)
        return jnp.floor(jnp.sqrt(total.astype(jnp.float64))).astype(x.dtype)
    return jnp.sqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=keepdims))


def reduce_euclidean_norm(input_tensor, axis=None, keepdims: bool = False) -> Tensor:
    """``sqrt(sum(x**2))`` over ``axis``."""
    return _euclidean_norm(input_tensor, _axis(axis), bool(keepdims))


@op
def _cumulative_logsumexp(x, axis, exclusive, reverse):
    if reverse:
        x = jnp.flip(x, axis)
    out = jax.lax.cumlogsumexp(x, axis=axis)
    if exclusive:
        pad = [(0, 0)] * x.ndim
        pad[axis] = (1, 0)
        out = jnp.pad(out, pad, constant_values=-jnp.inf)
        out = jax.lax.slice_in_dim(out, 0, x.shape[axis], axis=axis)
    if reverse:
        out = jnp.flip(out, axis)
    return out


def cumulative_logsumexp(
    x, axis: int = 0, exclusive: bool = False, reverse: bool = False
) -> Tensor:
    """``log(cumsum(exp(x)))`` along ``axis``, computed stably."""
    axis = _axis(axis)
    if axis < 0:
        axis += jnp.ndim(getattr(x, "_value", x)) if not hasattr(x, "_jt_read") else x.ndim
    return _cumulative_logsumexp(x, axis, bool(exclusive), bool(reverse))


# -- segment reductions -----------------------------------------------------------
_SEGMENT = {
    "sum": jax.ops.segment_sum,
    "max": jax.ops.segment_max,
    "min": jax.ops.segment_min,
    "prod": jax.ops.segment_prod,
}
_TF_OP = {"sum": "Sum", "max": "Max", "min": "Min", "prod": "Prod", "mean": "Mean"}


def _true_divide_dtype(dtype):
    # TF's ``/`` on integers (what unsorted_segment_mean does): small ones to float32,
    # 32- and 64-bit ones to float64.
    return jnp.float32 if jnp.dtype(dtype).itemsize <= 2 else jnp.float64


@op
def _segment(data, segment_ids, num_segments, kind, sorted_ids):
    """TF's segment reductions. Empty segments: 0 for sum and mean, 1 for prod; for max
    and min, 0 in the sorted ops and the dtype's lowest/highest finite value in the
    unsorted ones (which start from it: a segment of -inf values has max -FLT_MAX)."""
    integer = jnp.issubdtype(data.dtype, jnp.integer)
    if kind == "mean":
        total = jax.ops.segment_sum(data, segment_ids, num_segments, sorted_ids)
        count = jax.ops.segment_sum(
            jnp.ones(segment_ids.shape, data.dtype), segment_ids, num_segments, sorted_ids
        )
        count = jnp.maximum(count.reshape(count.shape + (1,) * (data.ndim - segment_ids.ndim)), 1)
        if not integer:
            return total / count
        if sorted_ids:  # SegmentMean on integers: integer division, toward zero
            return jax.lax.div(total, count)
        wide = _true_divide_dtype(data.dtype)
        return total.astype(wide) / count.astype(wide)
    out = _SEGMENT[kind](data, segment_ids, num_segments, indices_are_sorted=sorted_ids)
    if kind not in ("max", "min"):
        return out
    if sorted_ids:
        count = jax.ops.segment_sum(
            jnp.ones(segment_ids.shape, jnp.int32), segment_ids, num_segments, True
        )
        empty = count.reshape(count.shape + (1,) * (data.ndim - segment_ids.ndim)) == 0
        return jnp.where(empty, jnp.zeros((), data.dtype), out)
    if integer:
        return out  # JAX starts from the integer extremes, as TF
    limit = jnp.finfo(data.dtype).max
    return jnp.maximum(out, -limit) if kind == "max" else jnp.minimum(out, limit)


def _num_segments(segment_ids) -> int:
    import numpy as np

    ids = np.asarray(getattr(segment_ids, "_value", segment_ids))
    return int(ids.max()) + 1 if ids.size else 0


def _concrete_ids(segment_ids):
    import numpy as np

    value = getattr(segment_ids, "_value", segment_ids)
    if isinstance(value, jax.core.Tracer) or hasattr(segment_ids, "_jt_read"):
        return None
    return np.asarray(value)


def _check_unsorted_ids(segment_ids, num_segments: int, op_name: str) -> None:
    # TF: negative ids are dropped; ids past the count are an error (eagerly; a compiled
    # function cannot check them, and JAX drops them).
    import numpy as np

    ids = _concrete_ids(segment_ids)
    if ids is None or ids.size == 0:
        return
    bad = np.flatnonzero(ids.ravel() >= num_segments)
    if bad.size:
        pos = ",".join(str(int(i)) for i in np.unravel_index(bad[0], ids.shape))
        raise InvalidArgumentError(
            f"segment_ids[{pos}] = {ids.flat[bad[0]]} is out of range [0, {num_segments}) "
            f"[Op:{op_name}]"
        )


def _check_sorted_ids(segment_ids, op_name: str) -> None:
    ids = _concrete_ids(segment_ids)
    if ids is None or ids.size == 0:
        return
    flat = ids.ravel()
    if (flat[1:] < flat[:-1]).any():
        raise InvalidArgumentError(f"segment ids are not increasing [Op:{op_name}]")
    if flat[0] < 0:  # sorted: only the first can be negative, none past the last
        raise InvalidArgumentError(
            f"Segment id {flat[0]} out of range [0, {int(flat[-1]) + 1}), possibly because "
            f"'segment_ids' input is not sorted. [Op:{op_name}]"
        )


def unsorted_segment_reduce(kind: str, data, segment_ids, num_segments) -> Tensor:
    """Reduce the rows of ``data`` that share a segment id (``num_segments`` outputs).

    As TensorFlow: empty segments give 0 for sum/mean, the dtype's lowest/highest finite
    value for max/min, and 1 for prod; negative ids are dropped; an id of
    ``num_segments`` or more raises ``InvalidArgumentError`` (dropped when compiled).
    Integer ``mean`` divides as TF's ``/`` (to float64 for 32- and 64-bit integers).
    """
    op_name = "UnsortedSegment" + ("Sum" if kind == "mean" else _TF_OP[kind])
    _check_unsorted_ids(segment_ids, int(num_segments), op_name)
    return _segment(data, segment_ids, int(num_segments), kind, False)


def segment_reduce(kind: str, data, segment_ids) -> Tensor:
    """Like :func:`unsorted_segment_reduce` for sorted ids; the count is ``max(id) + 1``.

    As TensorFlow: ids must be sorted and non-negative (``InvalidArgumentError``), empty
    segments give 0 (1 for prod), integer ``mean`` divides toward zero. The number of
    segments comes from the ids' values, so this runs eagerly only; inside
    ``jt.function`` use the ``unsorted_`` form with an explicit count.
    """
    _check_sorted_ids(segment_ids, "Segment" + _TF_OP[kind])
    return _segment(data, segment_ids, _num_segments(segment_ids), kind, True)
