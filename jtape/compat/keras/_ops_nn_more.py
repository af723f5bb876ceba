"""More of ``keras.ops``' neural-network functions: normalizations, depthwise and
separable convolutions, depth/space rearrangements, PSNR and ``polar``, as Keras 3.15
computes them on its TensorFlow backend (compute dtypes, broadcasting, data formats).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..._op import op
from ..._op_errors import InvalidArgumentError
from ..._tensor import Tensor
from ._ops_dtypes import result_type, standardize_dtype, tensor


def _axes(axis, ndim: int) -> tuple[int, ...]:
    axis = [axis] if isinstance(axis, int) else list(axis)
    return tuple(sorted(int(a) % ndim for a in axis))


# -- normalizations -------------------------------------------------------------------
def _batch_norm_fn(x, mean, variance, offset, scale, axis, epsilon):
    if axis != x.ndim - 1:
        shape = [1] * x.ndim
        shape[axis] = mean.shape[0]
        mean, variance = mean.reshape(shape), variance.reshape(shape)
        offset = None if offset is None else offset.reshape(shape)
        scale = None if scale is None else scale.reshape(shape)
    # TF's batch_normalization: x * inv + (offset - mean * inv)
    inv = jax.lax.rsqrt(variance + jnp.asarray(epsilon, variance.dtype))
    if scale is not None:
        inv = inv * scale
    return x * inv.astype(x.dtype) + (
        offset - mean * inv if offset is not None else -mean * inv
    ).astype(x.dtype)


_batch_norm = op(_batch_norm_fn, name="batch_normalization")


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, the statistics laid
    along ``axis``.

    Example:
        >>> import jtape.compat.keras as keras
        >>> keras.ops.batch_normalization([[1.0, 4.0]], [1.0, 2.0], [1.0, 4.0], -1,
        ...                               epsilon=0.0).numpy().tolist()
        [[0.0, 1.0]]
    """
    x = tensor(x)
    mean, variance = tensor(mean), tensor(variance)
    offset = None if offset is None else tensor(offset)
    scale = None if scale is None else tensor(scale)
    return _batch_norm(x, mean, variance, offset, scale, int(axis) % x.ndim, float(epsilon))


def _layer_norm_fn(x, gamma, beta, axis, epsilon, rms_scaling, dtype):
    shape = [1] * x.ndim
    for a in axis:
        shape[a] = x.shape[a]

    def broadcast(v):
        if v is not None and v.ndim != x.ndim and axis != (x.ndim - 1,):
            return v.reshape(shape)
        return v

    eps = jnp.asarray(epsilon, x.dtype)
    if rms_scaling:
        out = x * jax.lax.rsqrt(jnp.var(x, axis, keepdims=True) + eps)
        if gamma is not None:
            out = out * broadcast(gamma)
        return out.astype(dtype)
    mean = jnp.mean(x, axis, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis, keepdims=True)
    inv = jax.lax.rsqrt(var + eps)
    gamma, beta = broadcast(gamma), broadcast(beta)
    if gamma is not None:
        inv = inv * gamma
    res = -mean * inv
    if beta is not None:
        res = res + beta
    return (x * inv + res).astype(dtype)


_layer_norm = op(_layer_norm_fn, name="layer_normalization")


def _compute(x, *others):
    x = tensor(x)
    dtype = np.dtype(x.dtype)
    compute = result_type(x.dtype, "float32")
    x = tensor(x, compute)
    return x, dtype, [None if v is None else tensor(v, compute) for v in others]


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, rms_scaling=False):
    """Normalizes over ``axis`` (at least float32 inside, ``x``'s dtype out);
    ``epsilon`` defaults to ``keras.config.epsilon()`` (1e-7)."""
    x, dtype, (gamma, beta) = _compute(x, gamma, beta)
    eps = 1e-7 if epsilon is None else float(epsilon)
    return _layer_norm(x, gamma, beta, _axes(axis, x.ndim), eps, bool(rms_scaling), dtype)


def _rms_norm_fn(x, scale, axis, epsilon, dtype):
    if x.ndim == 0:
        x = x[None]
    rrms = jax.lax.rsqrt(jnp.mean(jnp.square(x), axis, keepdims=True) + epsilon)
    out = x * rrms
    if scale is not None:
        out = out * scale
    return out.astype(dtype)


_rms_norm = op(_rms_norm_fn, name="rms_normalization")


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x / sqrt(mean(x ** 2, axis) + epsilon) * scale`` (``epsilon`` 1e-7)."""
    x, dtype, (scale,) = _compute(x, scale)
    eps = 1e-7 if epsilon is None else float(epsilon)
    axis = _axes(axis, max(x.ndim, 1))
    return _rms_norm(x, scale, axis, eps, dtype)


# -- depth <-> space ------------------------------------------------------------------
def _depth_to_space_fn(x, b):
    n, h, w, c = x.shape
    x = x.reshape(n, h, w, b, b, c // (b * b))
    return x.transpose(0, 1, 3, 2, 4, 5).reshape(n, h * b, w * b, c // (b * b))


def _space_to_depth_fn(x, b):
    n, h, w, c = x.shape
    x = x.reshape(n, h // b, b, w // b, b, c)
    return x.transpose(0, 1, 3, 2, 4, 5).reshape(n, h // b, w // b, b * b * c)


_depth_to_space = op(_depth_to_space_fn, name="depth_to_space")
_space_to_depth = op(_space_to_depth_fn, name="space_to_depth")


def _nhwc(x, data_format, fn, block_size, check):
    x = tensor(x)
    first = (data_format or "channels_last") == "channels_first"
    if first:
        x = _transpose(x, (0, 2, 3, 1))
    check(x.shape, int(block_size))
    out = fn(x, int(block_size))
    return _transpose(out, (0, 3, 1, 2)) if first else out


_transpose_op = op(lambda x, perm: jnp.transpose(x, perm), name="transpose")


def _transpose(x, perm):
    return _transpose_op(x, tuple(perm))


def depth_to_space(x, block_size: int, data_format: str = "channels_last") -> Tensor:
    """Moves channel blocks into ``block_size x block_size`` spatial blocks (4-D ``x``)."""

    def check(shape, b):
        if len(shape) != 4:
            raise InvalidArgumentError(f"input rank should be 4 instead of {len(shape)}")
        if shape[3] % (b * b):
            raise InvalidArgumentError(
                f"Input depth dimension {shape[3]} should be divisible by: {b * b}"
            )

    return _nhwc(x, data_format, _depth_to_space, block_size, check)


def space_to_depth(x, block_size: int, data_format: str = "channels_last") -> Tensor:
    """Moves ``block_size x block_size`` spatial blocks into channels (4-D ``x``)."""

    def check(shape, b):
        if len(shape) != 4:
            raise InvalidArgumentError(f"input rank should be 4 instead of {len(shape)}")
        if shape[1] % b or shape[2] % b:
            raise InvalidArgumentError(
                f"Image width {shape[2]} and height {shape[1]} should be divisible by "
                f"block_size: {b}"
            )

    return _nhwc(x, data_format, _space_to_depth, block_size, check)


# -- depthwise and separable convolution ----------------------------------------------
def _tuple(v, n: int) -> tuple[int, ...]:
    return (int(v),) * n if isinstance(v, (int, np.integer)) else tuple(int(e) for e in v)


def _depthwise_fn(x, kernel, strides, padding, dilation, first):
    n = x.ndim - 2
    spatial = "DHW"[3 - n :] if n > 1 else "W"
    fmt = ("NC" + spatial) if first else ("N" + spatial + "C")
    c, m = kernel.shape[-2], kernel.shape[-1]
    k = kernel.reshape(kernel.shape[:-2] + (1, c * m))
    return jax.lax.conv_general_dilated(
        x, k, strides, padding, rhs_dilation=dilation,
        dimension_numbers=(fmt, spatial + "IO", fmt), feature_group_count=c,
    )  # fmt: skip


_depthwise = op(_depthwise_fn, name="depthwise_conv")


def _pointwise_fn(x, kernel, first):
    axis = 1 if first else -1
    out = jnp.tensordot(jnp.moveaxis(x, axis, -1), kernel.reshape(kernel.shape[-2:]), 1)
    return jnp.moveaxis(out, -1, axis)


_pointwise = op(_pointwise_fn, name="separable_conv")


def _conv_args(inputs, kernel, strides, padding, data_format, dilation_rate, what):
    x, k = tensor(inputs), tensor(kernel)
    n = x.ndim - 2
    if n not in (1, 2):
        raise ValueError(f"`inputs` rank must be 3 (1D conv) or 4 (2D conv). Received: {x.ndim}.")
    first = (data_format or "channels_last") == "channels_first"
    channels = x.shape[1] if first else x.shape[-1]
    if k.shape[-2] != channels:
        raise ValueError(
            f"The number of input channels must match the {what} kernel's in-channels. "
            f"Received: input channels={channels}, kernel.shape={k.shape}"
        )
    if padding.lower() not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    dt = result_type(x.dtype, k.dtype)
    return (
        tensor(x, dt), tensor(k, dt), _tuple(strides, n), padding.upper(),
        _tuple(dilation_rate, n), first,
    )  # fmt: skip


def depthwise_conv(
    inputs, kernel, strides=1, padding: str = "valid", data_format=None, dilation_rate=1
) -> Tensor:
    """Each input channel convolved with its own ``channel_multiplier`` filters;
    ``kernel`` is ``(*spatial, in_channels, channel_multiplier)``."""
    x, k, s, p, d, first = _conv_args(
        inputs, kernel, strides, padding, data_format, dilation_rate, "depthwise"
    )
    return _depthwise(x, k, s, p, d, first)


def separable_conv(
    inputs, depthwise_kernel, pointwise_kernel, strides=1, padding: str = "valid",
    data_format=None, dilation_rate=1,
) -> Tensor:  # fmt: skip
    """``depthwise_conv`` followed by a 1x1 convolution with ``pointwise_kernel``
    (``(*ones, in_channels * channel_multiplier, filters)``)."""
    x, k, s, p, d, first = _conv_args(
        inputs, depthwise_kernel, strides, padding, data_format, dilation_rate, "depthwise"
    )
    y = _depthwise(x, k, s, p, d, first)
    return _pointwise(y, tensor(pointwise_kernel, y.dtype), first)


# -- metrics and complex construction -------------------------------------------------
_psnr = op(
    lambda a, b, m: 20 * jnp.log10(m) - 10 * jnp.log10(jnp.mean(jnp.square(a - b))),
    name="psnr",
)


def psnr(x1, x2, max_val) -> Tensor:
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mse)`` over all entries."""
    x1, x2 = tensor(x1), tensor(x2)
    if tuple(x1.shape) != tuple(x2.shape):
        raise ValueError(
            f"Input shapes {tuple(x1.shape)} and {tuple(x2.shape)} must match for PSNR "
            "calculation. "
        )
    return _psnr(x1, x2, tensor(max_val, x2.dtype))


_polar = op(lambda r, t: jax.lax.complex(r * jnp.cos(t), r * jnp.sin(t)), name="polar")


def polar(abs_, angle) -> Tensor:
    """The complex numbers ``abs_ * exp(1j * angle)``."""
    r = tensor(abs_)
    t = tensor(angle)
    dt = "float64" if standardize_dtype(result_type(r.dtype, t.dtype)) == "float64" else "float32"
    return _polar(tensor(r, dt), tensor(t, dt))


# -- transposed convolution -----------------------------------------------------------
def _conv_transpose_fn(x, w, out_shape, strides, padding, dilation, fmt, spatial):
    # TF's conv_transpose is the input-gradient of the forward convolution from an
    # output of ``out_shape``; jax.vjp of that convolution gives its shape and padding.
    def forward(y):
        return jax.lax.conv_general_dilated(
            y, w, strides, padding, rhs_dilation=dilation,
            dimension_numbers=(fmt, spatial + "IO", fmt),
        )  # fmt: skip

    _, pullback = jax.vjp(forward, jnp.zeros(out_shape, x.dtype))
    return pullback(x)[0]


_conv_transpose = op(_conv_transpose_fn, name="conv_transpose")


def _transpose_size(size, kernel, stride, padding, output_padding, dilation):
    kernel = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(kernel, stride) - kernel if output_padding is None else output_padding
        return (size - 1) * stride + kernel + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + kernel % 2 + output_padding


def conv_transpose(
    inputs, kernel, strides=1, padding: str = "valid", output_padding=None,
    data_format=None, dilation_rate=1,
) -> Tensor:  # fmt: skip
    """Transposed N-D convolution; ``kernel`` is ``(*spatial, filters, in_channels)``
    and the output size follows Keras' rule for ``padding`` and ``output_padding``."""
    x, k = tensor(inputs), tensor(kernel)
    n = x.ndim - 2
    if padding.lower() not in ("valid", "same"):
        raise ValueError(
            f"The `padding` argument must be one of 'valid', 'same'. Received: padding={padding}"
        )
    first = (data_format or "channels_last") == "channels_first"
    channels = x.shape[1] if first else x.shape[-1]
    if k.shape[-1] != channels:
        raise ValueError(
            "The number of input channels must match the transposed kernel's last axis. "
            f"Received: input channels={channels}, kernel.shape={k.shape}"
        )
    strides, dilation = _tuple(strides, n), _tuple(dilation_rate, n)
    pads = [None] * n if output_padding is None else list(_tuple(output_padding, n))
    spatial_in = x.shape[2:] if first else x.shape[1:-1]
    sizes = tuple(
        _transpose_size(s, k.shape[i], strides[i], padding.lower(), pads[i], dilation[i])
        for i, s in enumerate(spatial_in)
    )
    filters = k.shape[-2]
    out_shape = (x.shape[0], filters, *sizes) if first else (x.shape[0], *sizes, filters)
    spatial = "DHW"[3 - n :] if n > 1 else "W"
    fmt = ("NC" + spatial) if first else ("N" + spatial + "C")
    dt = result_type(x.dtype, k.dtype)
    return _conv_transpose(
        tensor(x, dt), tensor(k, dt), out_shape, strides, padding.upper(), dilation, fmt, spatial
    )
