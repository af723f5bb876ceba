"""Local response normalization and TF's moment helpers (``sufficient_statistics``,
``normalize_moments``, ``weighted_moments``) and ``zero_fraction``."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ._math_ops import _axis
from ._op import op
from ._op_errors import InvalidArgumentError
from ._tensor import Tensor, to_value

_LRN_DTYPES = ("float16", "bfloat16", "float32")


@op(name="lrn")
def _lrn(x, radius, bias, alpha, beta):
    dtype, x = x.dtype, x.astype(jnp.float32)  # TF's half kernels compute in float32
    depth = x.shape[-1]
    sq = jnp.pad(x * x, ((0, 0), (0, 0), (0, 0), (radius, radius)))
    sqr_sum = sum(sq[..., i : i + depth] for i in range(2 * radius + 1))
    return (x / (bias + alpha * sqr_sum) ** beta).astype(dtype)


def local_response_normalization(
    input,
    depth_radius: int = 5,
    bias: float = 1.0,
    alpha: float = 1.0,
    beta: float = 0.5,  # noqa: A002
) -> Tensor:
    """``input / (bias + alpha * sum(input[..., d-r:d+r+1] ** 2)) ** beta`` over the last
    axis of a 4-D tensor (also ``tf.nn.lrn``).

    Example:
        >>> import jtape as jt
        >>> out = local_response_normalization(jt.ones((1, 1, 1, 1)), bias=0.0, beta=1.0)
        >>> float(out[0, 0, 0, 0])
        1.0
    """
    value = to_value(input)
    name = jnp.dtype(value.dtype).name
    if name not in _LRN_DTYPES:
        pretty = {"float64": "double", "float16": "half"}.get(name, name)
        raise InvalidArgumentError(
            f"Value for attr 'T' of {pretty} is not in the list of allowed values: "
            "half, bfloat16, float"
        )
    if value.ndim != 4:
        raise InvalidArgumentError("in must be 4-dimensional [Op:LRN]")
    if int(depth_radius) < 0:
        raise InvalidArgumentError(f"depth_radius = {int(depth_radius)} must be >= 0 [Op:LRN]")
    return _lrn(input, int(depth_radius), float(bias), float(alpha), float(beta))


def _axes(x, axes) -> tuple[int, ...]:
    ax = _axis(axes)
    ax = ax if isinstance(ax, tuple) else (ax,)
    return tuple(int(a) % jnp.ndim(x) for a in ax)


@op(name="sufficient_statistics")
def _suff(x, shift, axes, keepdims):
    count = jnp.asarray(np.prod([x.shape[a] for a in axes]), x.dtype)
    d = x if shift is None else x - shift
    m_ss = jnp.sum(d, axes, keepdims=keepdims, dtype=x.dtype)
    return count, m_ss, jnp.sum(d * d, axes, keepdims=keepdims, dtype=x.dtype)


def sufficient_statistics(x, axes, shift=None, keepdims: bool = False):
    """``(count, sum(x - shift), sum((x - shift)**2), shift)`` over ``axes``; ``shift``
    None gives plain sums and a None fourth entry.

    Example:
        >>> import jtape as jt
        >>> [float(v) for v in sufficient_statistics(jt.constant([1.0, 3.0]), [0])[:3]]
        [2.0, 4.0, 10.0]
    """
    if isinstance(axes, int):  # TF iterates over axes
        raise TypeError("'int' object is not iterable")
    if shift is not None and not (isinstance(shift, Tensor) or hasattr(shift, "_jt_read")):
        shift = Tensor(jnp.asarray(shift, to_value(x).dtype))
    count, m_ss, v_ss = _suff(x, shift, _axes(x, axes), bool(keepdims))
    return count, m_ss, v_ss, shift


@op(name="normalize_moments")
def _normalize(counts, mean_ss, variance_ss, shift):
    divisor = 1 / counts  # TF multiplies by the reciprocal
    shifted_mean = mean_ss * divisor
    mean = shifted_mean if shift is None else shifted_mean + shift
    return mean, variance_ss * divisor - shifted_mean * shifted_mean


def normalize_moments(counts, mean_ss, variance_ss, shift):
    """Mean and variance from :func:`sufficient_statistics`' sums.

    Example:
        >>> import jtape as jt
        >>> [float(v) for v in normalize_moments(jt.constant(2.0), jt.constant(4.0),
        ...                                      jt.constant(10.0), None)]
        [2.0, 1.0]
    """
    return _normalize(counts, mean_ss, variance_ss, shift)


@op(name="weighted_moments")
def _weighted(x, w, axes, keepdims):
    dtype = x.dtype
    if dtype == jnp.float16:  # TF computes half-precision moments in float32
        x, w = x.astype(jnp.float32), w.astype(jnp.float32)
    w = w.astype(x.dtype)
    total = jnp.sum(w * x, axes, keepdims=True)
    divisor = 1 / jnp.sum(w + jnp.zeros_like(x), axes, keepdims=True)
    mean = total * divisor
    variance = jnp.sum(w * jnp.square(x - mean), axes, keepdims=True)
    variance = variance * divisor
    if not keepdims:
        mean, variance = jnp.squeeze(mean, axes), jnp.squeeze(variance, axes)
    return mean.astype(dtype), variance.astype(dtype)


def weighted_moments(x, axes, frequency_weights, keepdims: bool = False):
    """Frequency-weighted mean and variance of ``x`` over ``axes``.

    Example:
        >>> import jtape as jt
        >>> mean, var = weighted_moments(jt.constant([0.0, 3.0]), [0], jt.constant([2.0, 1.0]))
        >>> [float(mean), float(var)]
        [1.0, 2.0]
    """
    if isinstance(frequency_weights, (list, tuple, int, float)):  # TF converts it
        w = np.asarray(frequency_weights)
        frequency_weights = jnp.asarray(w, np.float32 if w.dtype == np.float64 else w.dtype)
    return _weighted(x, frequency_weights, _axes(x, axes), bool(keepdims))


@op(name="zero_fraction")
def _zero_fraction(x):
    zeros = jnp.sum(x == jnp.zeros((), x.dtype), dtype=jnp.int64)
    return (zeros.astype(jnp.float32) / jnp.float32(x.size)).astype(jnp.float32)


def zero_fraction(value) -> Tensor:
    """The fraction of entries of ``value`` that are zero, as float32.

    Example:
        >>> import jtape as jt
        >>> float(zero_fraction(jt.constant([0.0, 1.0])))
        0.5
    """
    return _zero_fraction(value)
