"""Convolution and pooling with TensorFlow's layouts (NHWC inputs, HWIO filters)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _conv_math, _pooling_math
from ._op import op
from ._op_errors import InvalidArgumentError
from ._tensor import Tensor


def _tuple(value, n: int, what: str, channels_last: bool = True) -> tuple[int, ...]:
    """TF accepts an int, a list of ``n`` ints, or a list of ``n + 2`` ints (N, ..., C)."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = [int(v) for v in value]
    if len(value) == 1:
        return (value[0],) * n
    if len(value) == n:
        return tuple(value)
    if len(value) == n + 2:
        return tuple(value[1:-1]) if channels_last else tuple(value[2:])
    raise ValueError(f"{what}: expected an int or a list of {n} or {n + 2} ints, got {value}")


def _padding(padding, n: int, channels_last: bool):
    if isinstance(padding, str):
        p = padding.upper()
        if p not in ("SAME", "VALID"):
            raise ValueError(f"padding: expected 'SAME', 'VALID' or explicit pairs, got {padding}")
        return p
    pairs = [tuple(int(v) for v in pair) for pair in padding]
    if len(pairs) == n + 2:
        pairs = pairs[1:-1] if channels_last else pairs[2:]
    return tuple(pairs)


def _layout(n: int, data_format: str | None) -> tuple[str, bool]:
    spatial = "DHW"[3 - n :] if n > 1 else "W"
    default = "N" + spatial + "C"
    fmt = (data_format or default).upper()
    if fmt in ("NWC", "NHWC", "NDHWC"):
        return "N" + spatial + "C", True
    if fmt in ("NCW", "NCHW", "NCDHW"):
        return "NC" + spatial, False
    raise ValueError(f"data_format: expected {default} or NC{spatial}, got {data_format}")


@op
def _conv(x, w, strides, padding, dilations, lhs_spec, rhs_spec, groups):
    return _conv_math.convolution(
        x, w, strides, padding, dilations, (lhs_spec, rhs_spec, lhs_spec), groups
    )


def convolution(
    input,
    filters,
    strides=None,
    padding="VALID",
    data_format=None,  # noqa: A002
    dilations=None,
) -> Tensor:
    """N-D convolution (``tf.nn.convolution``); filters are ``[*spatial, in, out]``."""
    n = jnp.ndim(filters) - 2
    lhs, channels_last = _layout(n, data_format)
    rhs = ("W" if n == 1 else "DHW"[3 - n :]) + "IO"
    in_ch = jnp.shape(input)[-1 if channels_last else 1]
    groups = int(in_ch) // int(jnp.shape(filters)[-2])
    return _conv(
        input,
        filters,
        _tuple(1 if strides is None else strides, n, "strides", channels_last),
        _padding(padding, n, channels_last),
        _tuple(1 if dilations is None else dilations, n, "dilations", channels_last),
        lhs,
        rhs,
        groups,
    )


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None) -> Tensor:  # noqa: A002
    """2-D convolution, as ``tf.nn.conv2d`` (input NHWC, filters HWIO).

    Example:
        >>> import jtape as jt
        >>> x = jt.ones((1, 3, 3, 1)); w = jt.ones((2, 2, 1, 1))
        >>> conv2d(x, w, strides=1, padding="VALID").numpy()[0, :, :, 0].tolist()
        [[4.0, 4.0], [4.0, 4.0]]
    """
    return convolution(input, filters, strides, padding, data_format, dilations)


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None) -> Tensor:  # noqa: A002
    """1-D convolution, as ``tf.nn.conv1d`` (input NWC, filters WIO)."""
    return convolution(input, filters, stride, padding, data_format, dilations)


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None) -> Tensor:  # noqa: A002
    return convolution(input, filters, strides, padding, data_format, dilations)


@op
def _conv_transpose(x, w, output_shape, strides, padding, lhs_spec, spatial):
    # The gradient of a convolution with respect to its input is the transposed
    # convolution; computing it with jax.vjp gives TF's exact output shape and padding.
    out_zero = jnp.zeros(output_shape, x.dtype)
    rhs_spec = spatial + "IO"

    def fwd(y):
        return jax.lax.conv_general_dilated(
            y, w, strides, padding, dimension_numbers=(lhs_spec, rhs_spec, lhs_spec)
        )

    _, pullback = jax.vjp(fwd, out_zero)
    return pullback(x)[0]


def conv2d_transpose(
    input,
    filters,
    output_shape,
    strides,
    padding="SAME",  # noqa: A002
    data_format="NHWC",
    dilations=None,
) -> Tensor:
    """Transposed 2-D convolution (filters ``[h, w, out, in]``, as ``tf.nn.conv2d_transpose``)."""
    lhs, channels_last = _layout(2, data_format)
    shape = tuple(int(d) for d in np.asarray(output_shape).tolist())
    return _conv_transpose(
        input,
        filters,
        shape,
        _tuple(strides, 2, "strides", channels_last),
        _padding(padding, 2, channels_last),
        lhs,
        "HW",
    )


@op
def _pool(x, kind, window, strides, padding, channels_last):
    if channels_last:
        dims, strd = (1, *window, 1), (1, *strides, 1)
    else:
        dims, strd = (1, 1, *window), (1, 1, *strides)
    if kind == "max":
        return _pooling_math.max_pool(x, dims, strd, padding)
    return _pooling_math.avg_pool(x, dims, strd, padding)


def pool(
    input,
    window_shape,
    pooling_type,
    strides=None,
    padding="VALID",  # noqa: A002
    data_format=None,
) -> Tensor:
    """Max or average pooling over the spatial axes (``tf.nn.pool``)."""
    n = jnp.ndim(input) - 2
    _, channels_last = _layout(n, data_format)
    kind = {"MAX": "max", "AVG": "avg"}.get(str(pooling_type).upper())
    if kind is None:
        raise ValueError(f"pooling_type: expected 'MAX' or 'AVG', got {pooling_type!r}")
    window = _tuple(window_shape, n, "ksize", channels_last)
    strides = window if strides is None else _tuple(strides, n, "strides", channels_last)
    pad = _padding(padding, n, channels_last)
    if not isinstance(pad, str):
        pad = ((0, 0), *pad, (0, 0)) if channels_last else ((0, 0), (0, 0), *pad)
    return _pool(input, kind, window, strides, pad, channels_last)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC") -> Tensor:  # noqa: A002
    """2-D max pooling, as ``tf.nn.max_pool2d``.

    Example:
        >>> import jtape as jt
        >>> x = jt.reshape(jt.range(16.0), (1, 4, 4, 1))
        >>> max_pool2d(x, 2, 2, "VALID").numpy()[0, :, :, 0].tolist()
        [[5.0, 7.0], [13.0, 15.0]]
    """
    return pool(input, ksize, "MAX", strides, padding, data_format)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC") -> Tensor:  # noqa: A002
    """2-D average pooling (padding entries are not counted, as in TF)."""
    return pool(input, ksize, "AVG", strides, padding, data_format)


def max_pool1d(input, ksize, strides, padding, data_format="NWC") -> Tensor:  # noqa: A002
    return pool(input, ksize, "MAX", strides, padding, data_format)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC") -> Tensor:  # noqa: A002
    return pool(input, ksize, "AVG", strides, padding, data_format)


def _pool3d_dtype(input, allowed: tuple[str, ...]) -> None:  # noqa: A002
    name = jnp.dtype(getattr(input, "dtype", None) or jnp.result_type(input)).name
    if name not in allowed:  # TF's MaxPool3D / AvgPool3D kernels are float only
        tf_names = {"float16": "half", "float32": "float", "float64": "double"}
        raise InvalidArgumentError(
            f"Value for attr 'T' of {tf_names.get(name, name)} is not in the list of allowed "
            "values: " + ", ".join(tf_names.get(a, a) for a in allowed)
        )


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC") -> Tensor:  # noqa: A002
    _pool3d_dtype(input, ("float16", "bfloat16", "float32"))
    return pool(input, ksize, "MAX", strides, padding, data_format)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC") -> Tensor:  # noqa: A002
    """3-D average pooling (padding entries are not counted, as in TF)."""
    _pool3d_dtype(input, ("float16", "bfloat16", "float32", "float64"))
    return pool(input, ksize, "AVG", strides, padding, data_format)


def atrous_conv2d(value, filters, rate, padding) -> Tensor:
    """2-D convolution with the filter taps ``rate`` apart (``conv2d`` with dilations).

    Example:
        >>> import jtape as jt
        >>> atrous_conv2d(jt.ones((1, 3, 3, 1)), jt.ones((2, 2, 1, 1)), 2, "VALID").shape
        (1, 1, 1, 1)
    """
    if int(rate) < 1:
        raise ValueError(
            "all values of `dilation_rate` must be positive. "
            f"Received: dilation_rate=[{int(rate)} {int(rate)}]"
        )
    return conv2d(value, filters, 1, padding, "NHWC", int(rate))


def max_pool(input, ksize, strides, padding, data_format=None) -> Tensor:  # noqa: A002
    return pool(input, ksize, "MAX", strides, padding, data_format)


def avg_pool(input, ksize, strides, padding, data_format=None) -> Tensor:  # noqa: A002
    return pool(input, ksize, "AVG", strides, padding, data_format)


@op
def _bias_add(value, bias, channels_last):
    if channels_last or value.ndim < 3:
        return value + bias
    return value + bias.reshape((1, -1) + (1,) * (value.ndim - 2))


def bias_add(value, bias, data_format=None) -> Tensor:
    """``value + bias`` along the channel axis (last, or axis 1 for ``NC...`` formats)."""
    channels_last = data_format is None or not str(data_format).upper().startswith("NC")
    return _bias_add(value, bias, channels_last)
