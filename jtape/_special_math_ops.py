"""Elementwise special functions and reductions TensorFlow has beyond the basics."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from . import _dtypes
from ._math_ops import _axis
from ._op import op
from ._tensor import Tensor

erfc = op(jax.scipy.special.erfc, name="erfc")
erfinv = op(jax.scipy.special.erfinv, name="erfinv")
rint = op(jnp.rint, name="rint")
xlogy = op(jax.scipy.special.xlogy, name="xlogy")
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


@op
def _segment(data, segment_ids, num_segments, kind, sorted_ids):
    if kind == "mean":
        total = jax.ops.segment_sum(data, segment_ids, num_segments, sorted_ids)
        count = jax.ops.segment_sum(
            jnp.ones(segment_ids.shape, data.dtype), segment_ids, num_segments, sorted_ids
        )
        count = count.reshape(count.shape + (1,) * (data.ndim - segment_ids.ndim))
        return total / jnp.maximum(count, 1)
    return _SEGMENT[kind](data, segment_ids, num_segments, indices_are_sorted=sorted_ids)


def _num_segments(segment_ids) -> int:
    import numpy as np

    ids = np.asarray(getattr(segment_ids, "_value", segment_ids))
    return int(ids.max()) + 1 if ids.size else 0


def unsorted_segment_reduce(kind: str, data, segment_ids, num_segments) -> Tensor:
    """Reduce the rows of ``data`` that share a segment id (``num_segments`` outputs).

    Empty segments give 0 for sum/mean, the dtype's lowest/highest value for max/min,
    and 1 for prod, as in TensorFlow.
    """
    return _segment(data, segment_ids, int(num_segments), kind, False)


def segment_reduce(kind: str, data, segment_ids) -> Tensor:
    """Like :func:`unsorted_segment_reduce` for sorted ids; the count is ``max(id) + 1``.

    The number of segments comes from the ids' values, so this runs eagerly only;
    inside ``jt.function`` use the ``unsorted_`` form with an explicit count.
    """
    return _segment(data, segment_ids, _num_segments(segment_ids), kind, True)
