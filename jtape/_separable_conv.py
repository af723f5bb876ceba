"""Depthwise and separable convolutions (Keras ``ops.depthwise_conv``/``separable_conv``).

A depthwise convolution is a grouped convolution with one group per input channel:
Keras' kernel ``(*spatial, in, multiplier)`` viewed as ``(*spatial, 1, in * multiplier)``
puts output channel ``c * multiplier + m`` on input channel ``c``, TensorFlow's order.
A separable convolution follows it with a 1x1 (pointwise) convolution. Both run through
``_conv_math.convolution`` as one jtape op each, so the tape records one node per call.

``tf.nn.separable_conv2d`` translates TensorFlow's arguments onto the same op.
"""

from __future__ import annotations

import jax.numpy as jnp

from ._conv_math import convolution
from ._conv_ops import _strides_error, _tuple
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
    return _tuple(1 if value is None else value, 2, what, channels_last, _strides_error(what))


def _space_to_batch_depthwise(x, kernel, strides, padding, rates):
    """TF's ``with_space_to_batch`` form of a dilated depthwise convolution (NHWC).

    TF pads ``x`` for the dilated kernel (and up to a multiple of the rate), splits it
    into ``rate`` interleaved phases, runs the undilated kernel with ``strides`` on each
    phase, and interleaves the results again. With unit strides that is the ordinary
    dilated convolution; with strides > 1 too it is not (each phase is subsampled on its
    own), and ``tf.nn.depthwise_conv2d``/``separable_conv2d`` return exactly this.
    """
    pads, extra = [], []
    for n, k, r in zip(x.shape[1:3], kernel.shape[:2], rates):
        total = (k - 1) * r if padding == "SAME" else 0
        lo, hi = total // 2, total - total // 2
        e = -(n + lo + hi) % r
        pads.append((lo, hi + e))
        extra.append(e)
    xp = jnp.pad(x, ((0, 0), *pads, (0, 0)))
    n, hp, wp, c = xp.shape
    rh, rw = rates
    phases = xp.reshape(n, hp // rh, rh, wp // rw, rw, c).transpose(2, 4, 0, 1, 3, 5)
    phases = phases.reshape(rh * rw * n, hp // rh, wp // rw, c)
    y = _depthwise(phases, kernel, strides, "VALID", (1, 1), True)
    _, ho, wo, co = y.shape
    y = y.reshape(rh, rw, n, ho, wo, co).transpose(2, 3, 0, 4, 1, 5)
    y = y.reshape(n, ho * rh, wo * rw, co)
    return y[:, : ho * rh - extra[0], : wo * rw - extra[1]]


def _tf_depthwise(x, kernel, strides, padding, rates, channels_last):
    if max(rates) == 1 or max(strides) == 1:
        return _depthwise(x, kernel, strides, padding, rates, channels_last)
    if not channels_last:
        x = jnp.moveaxis(x, 1, -1)
    y = _space_to_batch_depthwise(x, kernel, strides, padding, rates)
    return y if channels_last else jnp.moveaxis(y, -1, 1)


@op(name="tf_depthwise_conv2d")
def _tf_depthwise_op(x, kernel, *, strides, padding, rates, channels_last):
    return _tf_depthwise(x, kernel, strides, padding, rates, channels_last)


@op(name="tf_separable_conv2d")
def _tf_separable_op(x, depthwise_filter, pointwise_filter, *, strides, padding, rates,
                     channels_last):  # fmt: skip
    y = _tf_depthwise(x, depthwise_filter, strides, padding, rates, channels_last)
    dn = _dimension_numbers(2, channels_last)
    return convolution(y, pointwise_filter, (1, 1), "VALID", (1, 1), dn, 1)


def _tf_arguments(input, strides, padding, data_format, dilations) -> dict:  # noqa: A002
    fmt = "NHWC" if data_format is None else str(data_format).upper()
    if fmt not in ("NHWC", "NCHW"):
        raise ValueError(f"data_format: expected 'NHWC' or 'NCHW', got {data_format!r}")
    channels_last = fmt == "NHWC"
    pad = str(padding).upper()
    if pad not in ("SAME", "VALID"):
        raise ValueError(f"padding: expected 'SAME' or 'VALID', got {padding!r}")
    if len(input.shape) != 4:
        raise ValueError(f"input: expected a 4-D tensor, got shape {list(input.shape)}")
    return dict(
        strides=_tf_spatial(strides, "strides", channels_last),
        padding=pad,
        rates=_tf_spatial(dilations, "dilations", channels_last),
        channels_last=channels_last,
    )


def depthwise_conv2d(
    input,  # noqa: A002
    filter,  # noqa: A002
    strides,
    padding,
    data_format=None,
    dilations=None,
) -> Tensor:
    """``tf.nn.depthwise_conv2d``: a ``[h, w, in, mult]`` filter per input channel.

    Strides and dilations above one together give TF's space-to-batch result (each
    dilation phase strided on its own), not a strided dilated convolution; TF warns
    about that combination, jtape computes the same numbers.

    Example:
        >>> import jtape as jt
        >>> y = depthwise_conv2d(jt.ones((1, 3, 3, 2)), jt.ones((2, 2, 2, 3)), 1, "VALID")
        >>> y.shape, float(y.numpy()[0, 0, 0, 0])
        ((1, 2, 2, 6), 4.0)
    """
    return _tf_depthwise_op(
        input, filter, **_tf_arguments(input, strides, padding, data_format, dilations)
    )


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

    Strides and dilations above one together follow TF (see :func:`depthwise_conv2d`).

    Example:
        >>> import jtape as jt
        >>> y = separable_conv2d(jt.ones((1, 4, 4, 2)), jt.ones((3, 3, 2, 2)),
        ...                      jt.ones((1, 1, 4, 5)), [1, 1, 1, 1], "SAME")
        >>> y.shape, float(y.numpy()[0, 1, 1, 0])
        ((1, 4, 4, 5), 36.0)
    """
    pw_shape = tuple(pointwise_filter.shape)
    if len(pw_shape) != 4 or pw_shape[:2] != (1, 1):
        raise ValueError(
            f"pointwise_filter: expected shape [1, 1, in * multiplier, out], got {list(pw_shape)}"
        )
    return _tf_separable_op(
        input,
        depthwise_filter,
        pointwise_filter,
        **_tf_arguments(input, strides, padding, data_format, dilations),
    )
