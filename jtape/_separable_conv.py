"""Depthwise and separable convolutions (Keras ``ops.depthwise_conv``/``separable_conv``).

A depthwise convolution is a grouped convolution with one group per input channel:
Keras' kernel ``(*spatial, in, multiplier)`` viewed as ``(*spatial, 1, in * multiplier)``
puts output channel ``c * multiplier + m`` on input channel ``c``, TensorFlow's order.
A separable convolution follows it with a 1x1 (pointwise) convolution. Both run through
``_conv_math.convolution`` as one jtape op each, so the tape records one node per call.

``tf.nn.separable_conv2d`` translates TensorFlow's arguments onto the same op.
"""

from __future__ import annotations

from ._conv_math import convolution
from ._op import op
from ._tensor import Tensor


def _dimension_numbers(rank: int, channels_last: bool) -> tuple[str, str, str]:
    spatial = "DHW"[3 - rank :]
    data = f"N{spatial}C" if channels_last else f"NC{spatial}"
    return data, f"{spatial}IO", data


def _add_bias(y, bias, channels_last: bool):
    if bias is None:
        return y
    if channels_last:
        return y + bias
    return y + bias.reshape((1, -1) + (1,) * (y.ndim - 2))


def _depthwise(x, kernel, strides, padding, dilation_rate, channels_last):
    *spatial, cin, mult = kernel.shape
    grouped = kernel.reshape((*spatial, 1, cin * mult))
    dn = _dimension_numbers(len(spatial), channels_last)
    return convolution(x, grouped, strides, padding, dilation_rate, dn, cin)


@op(name="depthwise_conv")
def depthwise_conv(
    x, kernel, bias=None, *, strides, padding, dilation_rate, channels_last=True, act=None
):
    """Per-channel convolution; ``kernel`` is ``(*spatial, in, multiplier)`` (Keras' layout).

    ``padding`` is ``"VALID"`` or ``"SAME"`` (TensorFlow's rule). Strides and dilations
    greater than one may be combined (Keras 3 allows it).

    Example:
        >>> import jtape as jt
        >>> y = depthwise_conv(jt.ones((1, 3, 3, 2)), jt.ones((2, 2, 2, 1)),
        ...                    strides=(1, 1), padding="VALID", dilation_rate=(1, 1))
        >>> y.shape, float(y.numpy()[0, 0, 0, 0])
        ((1, 2, 2, 2), 4.0)
    """
    y = _depthwise(x, kernel, strides, padding, dilation_rate, channels_last)
    y = _add_bias(y, bias, channels_last)
    return y if act is None else act(y)


@op(name="separable_conv")
def separable_conv(
    x,
    depthwise_kernel,
    pointwise_kernel,
    bias=None,
    *,
    strides,
    padding,
    dilation_rate,
    channels_last=True,
    act=None,
):
    """Depthwise convolution, then a 1x1 convolution with ``pointwise_kernel``.

    ``depthwise_kernel`` is ``(*spatial, in, multiplier)``; ``pointwise_kernel`` is
    ``(*ones, in * multiplier, filters)``. Strides, dilation and padding apply to the
    depthwise step; the pointwise step is a stride-1 ``VALID`` convolution.

    Example:
        >>> import jtape as jt
        >>> y = separable_conv(jt.ones((1, 3, 3, 2)), jt.ones((2, 2, 2, 1)),
        ...                    jt.ones((1, 1, 2, 3)), strides=(1, 1), padding="VALID",
        ...                    dilation_rate=(1, 1))
        >>> y.shape, float(y.numpy()[0, 0, 0, 0])
        ((1, 2, 2, 3), 8.0)
    """
    rank = depthwise_kernel.ndim - 2
    y = _depthwise(x, depthwise_kernel, strides, padding, dilation_rate, channels_last)
    dn = _dimension_numbers(rank, channels_last)
    ones = (1,) * rank
    y = convolution(y, pointwise_kernel, ones, "VALID", ones, dn, 1)
    y = _add_bias(y, bias, channels_last)
    return y if act is None else act(y)


def _tf_spatial(value, what: str, channels_last: bool) -> tuple[int, int]:
    """TF's ``strides``/``dilations``: an int, 2 ints, or 4 ints with unit N and C entries."""
    if value is None:
        return (1, 1)
    if isinstance(value, int):
        return (value, value)
    value = [int(v) for v in value]
    if len(value) == 1:
        return (value[0], value[0])
    if len(value) == 2:
        return tuple(value)
    if len(value) == 4:
        batch, channel = (value[0], value[3]) if channels_last else (value[0], value[1])
        if batch != 1 or channel != 1:
            raise ValueError(f"{what}: the batch and channel entries must be 1, got {what}={value}")
        return tuple(value[1:3]) if channels_last else tuple(value[2:])
    raise ValueError(f"{what}: expected an int or a list of 1, 2 or 4 ints, got {value}")


def separable_conv2d(
    input,  # noqa: A002
    depthwise_filter,
    pointwise_filter,
    strides,
    padding,
    data_format=None,
    dilations=None,
) -> Tensor:
    """``tf.nn.separable_conv2d``: depthwise ``[h, w, in, mult]`` then pointwise
    ``[1, 1, in * mult, out]`` filters, NHWC (or NCHW) input.

    Example:
        >>> import jtape as jt
        >>> y = separable_conv2d(jt.ones((1, 4, 4, 2)), jt.ones((3, 3, 2, 2)),
        ...                      jt.ones((1, 1, 4, 5)), [1, 1, 1, 1], "SAME")
        >>> y.shape, float(y.numpy()[0, 1, 1, 0])
        ((1, 4, 4, 5), 36.0)
    """
    fmt = "NHWC" if data_format is None else str(data_format).upper()
    if fmt not in ("NHWC", "NCHW"):
        raise ValueError(f"data_format: expected 'NHWC' or 'NCHW', got {data_format!r}")
    channels_last = fmt == "NHWC"
    pad = str(padding).upper()
    if pad not in ("SAME", "VALID"):
        raise ValueError(f"padding: expected 'SAME' or 'VALID', got {padding!r}")
    pw_shape = tuple(pointwise_filter.shape)
    if len(pw_shape) != 4 or pw_shape[:2] != (1, 1):
        raise ValueError(
            f"pointwise_filter: expected shape [1, 1, in * multiplier, out], got {list(pw_shape)}"
        )
    return separable_conv(
        input,
        depthwise_filter,
        pointwise_filter,
        strides=_tf_spatial(strides, "strides", channels_last),
        padding=pad,
        dilation_rate=_tf_spatial(dilations, "dilations", True),
        channels_last=channels_last,
    )
