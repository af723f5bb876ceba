"""Elementwise special functions and reductions TensorFlow has beyond the basics."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes, _tf_gradients
from ._math_ops import _axis, _integer_check
from ._op import op
from ._op_errors import InternalError, InvalidArgumentError
from ._tensor import Tensor

# TF's float-only kernels, with the dtype lists of their messages
_REAL = "real_float"  # bfloat16, half, float, double
_F32_64 = ("floating", "float, double")
_F64_32 = ("floating", "double, float")
_XLOGY = ("inexact", "half, bfloat16, float, double, complex64, complex128")

erfc = op(jax.scipy.special.erfc, name="erfc", allowed=_REAL)
erfinv = op(jax.scipy.special.erfinv, name="erfinv", allowed=_REAL)
rint = op(_tf_gradients.rint, name="rint", allowed=_REAL)
bessel_i0e = op(jax.scipy.special.i0e, name="bessel_i0e", allowed=_REAL)
bessel_i1e = op(jax.scipy.special.i1e, name="bessel_i1e", allowed=_REAL)


@jax.custom_jvp
def _i0(x):
    return jax.scipy.special.i0(x)


@_i0.defjvp
def _i0_jvp(primals, tangents):
    # TF's BesselI0Grad: i1 (JAX's derivative at 0 is 1, through |x|)
    (x,), (t,) = primals, tangents
    return _i0(x), jax.scipy.special.i1(x) * t


@jax.custom_jvp
def _i1(x):
    return jax.scipy.special.i1(x)


@_i1.defjvp
def _i1_jvp(primals, tangents):
    # TF's BesselI1Grad: i0 - i1 / x, with x == 0 read as 1 in the division (so 1 at 0)
    (x,), (t,) = primals, tangents
    y = _i1(x)
    safe = jnp.where(x == 0, jnp.ones_like(x), x)
    return y, (jax.scipy.special.i0(x) - y / safe) * t


bessel_i0 = op(_i0, name="bessel_i0", allowed=_REAL)
bessel_i1 = op(_i1, name="bessel_i1", allowed=_REAL)


@op(name="expint", allowed=_REAL)
def expint(x):
    """The exponential integral ``Ei(x)`` for ``x >= 0`` (``-inf`` at 0; NaN below, as TF)."""
    out = jax.scipy.special.expi(x)
    out = jnp.where(x < 0, jnp.full_like(out, jnp.nan), out)
    return jnp.where(x == 0, jnp.full_like(out, -jnp.inf), out)


spence = op(jax.scipy.special.spence, name="spence", allowed=_REAL)
log_ndtr = op(jax.scipy.special.log_ndtr, name="log_ndtr", allowed=_REAL)
ndtri = op(jax.scipy.special.ndtri, name="ndtri", allowed=_REAL)


@jax.custom_jvp
def _nextafter(x1, x2):
    return jnp.nextafter(x1, x2)


_nextafter.defjvp(lambda p, t: (_nextafter(*p), t[0]))  # TF: 1 for x1, 0 for x2
nextafter = op(_nextafter, name="next_after", same_dtype=2, allowed=_F64_32)


@op(name="igamma", same_dtype=2, allowed=_REAL)
def igamma(a, x):
    """The regularized lower incomplete gamma function ``P(a, x)``, with TF's edge values
    (``a == 0``: 0 at ``x == 0``, else NaN; ``a == inf``: 0)."""
    out = jax.scipy.special.gammainc(a, x)
    out = jnp.where(a == 0, jnp.where(x == 0, 0.0, jnp.nan).astype(out.dtype), out)
    return jnp.where(jnp.isposinf(a) & ~jnp.isnan(x), jnp.zeros_like(out), out)


@op(name="igammac", same_dtype=2, allowed=_REAL)
def igammac(a, x):
    """The regularized upper incomplete gamma function ``Q(a, x)``, with TF's edge values
    (``a == 0``: NaN; ``a == inf``: 1, or 0 where ``x == inf``)."""
    out = jax.scipy.special.gammaincc(a, x)
    out = jnp.where(a == 0, jnp.full_like(out, jnp.nan), out)
    edge = jnp.where(jnp.isposinf(x), 0.0, 1.0).astype(out.dtype)
    return jnp.where(jnp.isposinf(a) & ~jnp.isnan(x), edge, out)


def _polygamma(a, x):
    # TF: NaN for a non-integer order; no gradient for the order
    whole = jnp.floor(a) == a
    order = jnp.where(whole, a, 0).astype(jnp.int32)
    out = jax.scipy.special.polygamma(order, x)
    return jnp.where(whole, out, jnp.full_like(out, jnp.nan))


_polygamma._jt_none_grads = frozenset({0})  # TF registers no gradient for the order
polygamma = op(_polygamma, name="polygamma", same_dtype=2, allowed=_F32_64)


def _zeta(x, q):
    return jax.scipy.special.zeta(jax.lax.stop_gradient(x), q)


_zeta._jt_none_grads = frozenset({0})  # TF: no gradient for x
zeta = op(_zeta, name="zeta", same_dtype=2, allowed=_F32_64)


@jax.custom_jvp
def _betainc_of_x(a, b, x):
    return jax.scipy.special.betainc(a, b, x)


@_betainc_of_x.defjvp
def _betainc_of_x_jvp(primals, tangents):
    # d/dx: the beta density, as TF's BetaincGrad (xlogy/xlog1py keep x == 0, 1 finite)
    (a, b, x), (_, _, tx) = primals, tangents
    gammaln = jax.scipy.special.gammaln
    log_beta = gammaln(a) + gammaln(b) - gammaln(a + b)
    density = jnp.exp(
        jax.scipy.special.xlogy(a - 1, x) + jax.scipy.special.xlog1py(b - 1, -x) - log_beta
    )
    return _betainc_of_x(a, b, x), density * tx


def _betainc(a, b, x):
    a, b = jax.lax.stop_gradient(a), jax.lax.stop_gradient(b)
    out = _betainc_of_x(a, b, x)
    bad = (a <= 0) | (b <= 0) | (x < 0) | (x > 1) | jnp.isinf(a) | jnp.isinf(b)
    return jnp.where(bad, jnp.full_like(out, jnp.nan), out)


_betainc._jt_none_grads = frozenset({0, 1})  # TF: a gradient for x only
_betainc_op = op(_betainc, name="betainc", same_dtype=3, allowed=_F32_64)


def betainc(a, b, x) -> Tensor:
    """The regularized incomplete beta function ``I_x(a, b)``; NaN outside its domain
    (``a, b <= 0``, ``x`` outside ``[0, 1]``), and gradients for ``x`` only, as TF.

    Example:
        >>> import jtape as jt
        >>> float(betainc(jt.constant(1.0), jt.constant(1.0), jt.constant(0.25)))
        0.25
    """
    shapes = [tuple(getattr(v, "shape", ())) for v in (a, b, x)]
    full = [s for s in shapes if s]
    if any(s != full[0] for s in full):
        names = ("a", "b", "x")
        i = next(i for i, s in enumerate(shapes) if s and s != full[0])
        j = next(k for k, s in enumerate(shapes) if s == full[0])
        raise InvalidArgumentError(
            f"Shapes of {names[j]} and {names[i]} are inconsistent: "
            f"[{','.join(map(str, full[0]))}] vs. [{','.join(map(str, shapes[i]))}] [Op:Betainc]"
        )
    return _betainc_op(a, b, x)


def erfcinv(x) -> Tensor:
    """The inverse of ``erfc``: ``-ndtri(x / 2) / sqrt(2)``."""
    from ._math_ops import multiply, negative

    return multiply(negative(ndtri(multiply(x, 0.5))), np.sqrt(0.5))


def polyval(coeffs, x) -> Tensor:
    """``coeffs[0] * x**(n-1) + ... + coeffs[-1]`` by Horner's rule, as TF (an empty
    ``coeffs`` gives zeros like ``x``)."""
    from ._array_ops import convert_to_tensor, zeros_like
    from ._math_ops import add, multiply

    x = convert_to_tensor(x)
    if not coeffs:
        return zeros_like(x)
    coeffs = [convert_to_tensor(c) for c in coeffs]  # as TF: a Python int is int32
    out = coeffs[0]
    for c in coeffs[1:]:
        out = add(c, multiply(out, x))
    return out


lbeta = op(
    lambda x: jnp.sum(jax.scipy.special.gammaln(x), -1) - jax.scipy.special.gammaln(jnp.sum(x, -1)),
    name="lgamma",  # TF's lbeta runs Lgamma: its dtype message
    allowed=_REAL,
)
_truncatemod = op(jnp.fmod, name="truncate_mod", same_dtype=2)
_truncatediv = op(
    lambda x, y: (
        jnp.trunc(x / y).astype(jnp.result_type(x, y))
        if jnp.issubdtype(jnp.result_type(x, y), jnp.floating)
        else jax.lax.div(x, y)
    ),
    name="truncatediv",
)
_ZERO_DIVISION = (
    "Unexpected error in binary operator (only integer div and mod should have errors): "
    "Integer division by zero"
)
_check_truncatediv = _integer_check(
    "TruncateDiv", lambda y: y == 0, _ZERO_DIVISION, error=InternalError
)
_check_truncatemod = _integer_check(
    "TruncateMod", lambda y: y == 0, _ZERO_DIVISION, error=InternalError
)


def truncatediv(x, y) -> Tensor:
    """``x / y`` rounded toward zero; an integer division by zero raises TF's InternalError.

    Example:
        >>> import jtape.compat as tf
        >>> tf.truncatediv([7, -7], [2, 2]).numpy().tolist()
        [3, -3]
    """
    out = _truncatediv(x, y)
    _check_truncatediv(out, y)
    return out


def truncatemod(x, y) -> Tensor:
    """The remainder of :func:`truncatediv` (C's ``fmod``); integer ``y == 0`` raises."""
    out = _truncatemod(x, y)
    _check_truncatemod(out, y)
    return out


@op(name="xlogy", same_dtype=2, allowed=_XLOGY)
def xlogy(x, y):
    """``x * log(y)``, 0 wherever ``x == 0`` (even for NaN ``y``), TF's partials there."""
    out = _tf_gradients.xlogy(x, y)
    return jnp.where(x == 0, jnp.zeros_like(out), out)


@jax.custom_jvp
def _xlog1py(x, y):
    out = jax.scipy.special.xlog1py(x, y)
    return jnp.where(x == 0, jnp.zeros_like(out), out)


@_xlog1py.defjvp
def _xlog1py_jvp(primals, tangents):
    # TF's Xlog1pyGrad: both partials are 0 where x == 0
    (x, y), (tx, ty) = primals, tangents
    nonzero = x != 0
    safe_y = jnp.where(nonzero, y, jnp.zeros_like(y))
    dx = jnp.where(nonzero, jnp.log1p(safe_y), jnp.zeros_like(y))
    dy = jnp.where(nonzero, x / (1 + safe_y), jnp.zeros_like(x))
    return _xlog1py(x, y), dx * tx + dy * ty


xlog1py = op(_xlog1py, name="xlog1py", same_dtype=2, allowed=_XLOGY)


@op(name="xdivy", same_dtype=2, allowed=_XLOGY)
def xdivy(x, y):
    """``x / y``, or 0 where ``x == 0`` (gradient included)."""
    safe = jnp.where(x == 0, jnp.ones_like(y), y)
    return jnp.where(x == 0, jnp.zeros_like(x / safe), x / safe)


@jax.custom_jvp
def _multiply_no_nan(x, y):
    """``x * y``, or 0 where ``y == 0`` even if ``x`` is NaN or Inf."""
    safe_x = jnp.where(y == 0, jnp.zeros_like(x), x)
    return jnp.where(y == 0, jnp.zeros_like(x * y), safe_x * y)


@_multiply_no_nan.defjvp
def _multiply_no_nan_jvp(primals, tangents):
    # TF's MulNoNanGrad: mul_no_nan(grad, y) for x, x * grad for y (inf x gives inf)
    (x, y), (tx, ty) = primals, tangents
    return _multiply_no_nan(x, y), _multiply_no_nan(tx, y) + x * ty


multiply_no_nan = op(_multiply_no_nan, name="mul_no_nan", same_dtype=2, allowed="float")


@op(allowed=("inexact", "half, float, bfloat16, double, complex64, complex128"))
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


@op(allowed=_REAL)
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


def segment_values(data, segment_ids, num_segments, kind, sorted_ids):
    """TF's segment reductions (a pure function; ``_segment`` is its op). Empty segments:
    0 for sum, mean and sqrt_n, 1 for prod; for max and min, 0 in the sorted ops and the
    dtype's lowest/highest finite value in the unsorted ones (which start from it: a
    segment of -inf values has max -FLT_MAX)."""
    integer = jnp.issubdtype(data.dtype, jnp.integer)
    if kind in ("mean", "sqrt_n"):
        total = jax.ops.segment_sum(data, segment_ids, num_segments, sorted_ids)
        count = jax.ops.segment_sum(
            jnp.ones(segment_ids.shape, data.dtype), segment_ids, num_segments, sorted_ids
        )
        count = jnp.maximum(count.reshape(count.shape + (1,) * (data.ndim - segment_ids.ndim)), 1)
        if kind == "sqrt_n":  # the sum over the square root of the count
            return total / jnp.sqrt(count)
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


_segment = op(segment_values, name="_segment")


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
    op_name = "UnsortedSegment" + ("Sum" if kind in ("mean", "sqrt_n") else _TF_OP[kind])
    if kind == "sqrt_n":
        _float_data(data, "Sqrt")
    _check_unsorted_ids(segment_ids, int(num_segments), op_name)
    return _segment(data, segment_ids, int(num_segments), kind, False)


def _float_data(data, op_name: str) -> None:
    from ._dtypes import as_dtype

    dtype = as_dtype(getattr(data, "dtype", None) or jnp.result_type(data))
    if not (dtype.is_floating or dtype.is_complex):  # TF's Sqrt of the counts refuses it
        raise InvalidArgumentError(
            f"Value for attr 'T' of {dtype.name} is not in the list of allowed values: "
            f"bfloat16, half, float, double, complex64, complex128 [Op:{op_name}]"
        )


def segment_reduce(kind: str, data, segment_ids) -> Tensor:
    """Like :func:`unsorted_segment_reduce` for sorted ids; the count is ``max(id) + 1``.

    As TensorFlow: ids must be sorted and non-negative (``InvalidArgumentError``), empty
    segments give 0 (1 for prod), integer ``mean`` divides toward zero. The number of
    segments comes from the ids' values, so this runs eagerly only; inside
    ``jt.function`` use the ``unsorted_`` form with an explicit count.
    """
    _check_sorted_ids(segment_ids, "Segment" + _TF_OP[kind])
    return _segment(data, segment_ids, _num_segments(segment_ids), kind, True)
