"""Convolution and pooling with TensorFlow's layouts (NHWC inputs, HWIO filters)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _conv_math, _pooling_math
from ._op import op
from ._op_errors import InvalidArgumentError, UnimplementedError
from ._tensor import Tensor


def _full(value, n: int, what: str) -> list[int] | None:
    """``value`` as a list of ``n + 2`` ints (N, ..., C) when given so, else None."""
    if isinstance(value, (int, np.integer)):
        return None
    value = [int(v) for v in value]
    if len(value) in (1, n):
        return None
    if len(value) == n + 2:
        return value
    raise ValueError(f"{what}: expected an int or a list of {n} or {n + 2} ints, got {value}")


def _outer(full: list, channels_last: bool) -> tuple:
    """The (batch, channel) entries of an ``n + 2`` list."""
    return (full[0], full[-1]) if channels_last else (full[0], full[1])


def _tuple(value, n: int, what: str, channels_last: bool = True, error=None) -> tuple[int, ...]:
    """TF accepts an int, a list of ``n`` ints, or a list of ``n + 2`` ints (N, ..., C).

    The batch and channel entries of an ``n + 2`` list must be 1: otherwise ``error``
    (TF's exception for the op) is raised, never dropped.
    """
    full = _full(value, n, what)
    if full is not None:
        if _outer(full, channels_last) != (1, 1):
            raise error or ValueError(
                f"{what}: the batch and channel entries must be 1, got {full}"
            )
        return tuple(full[1:-1]) if channels_last else tuple(full[2:])
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = [int(v) for v in value]
    return (value[0],) * n if len(value) == 1 else tuple(value)


def _padding(padding, n: int, channels_last: bool):
    if isinstance(padding, str):
        p = padding.upper()
        if p not in ("SAME", "VALID"):
            raise ValueError(f"padding: expected 'SAME', 'VALID' or explicit pairs, got {padding}")
        return p
    pairs = [tuple(int(v) for v in pair) for pair in padding]
    if len(pairs) == n + 2:
        if any(_outer(pairs, channels_last)[i] != (0, 0) for i in (0, 1)):
            raise InvalidArgumentError(
                "Nonzero explicit padding in the batch or depth dimensions is not supported"
            )
        pairs = pairs[1:-1] if channels_last else pairs[2:]
    return tuple(pairs)


def _strides_error(what: str, transpose: bool = False) -> Exception:
    """TF's error for batch/depth entries of a convolution's strides or dilations."""
    message = (
        f"Current implementation does not yet support {what} in the batch and depth dimensions."
    )
    forward_strides = what == "strides" and not transpose
    return (UnimplementedError if forward_strides else InvalidArgumentError)(message)


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
        _tuple(
            1 if strides is None else strides,
            n,
            "strides",
            channels_last,
            _strides_error("strides"),
        ),
        _padding(padding, n, channels_last),
        _tuple(
            1 if dilations is None else dilations,
            n,
            "dilations",
            channels_last,
            _strides_error("dilations"),
        ),
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
    """1-D convolution, as ``tf.nn.conv1d`` (input NWC, filters WIO).

    TF runs it as a 2-D convolution over an inserted unit axis, where the batch entry of a
    3-entry ``stride`` or ``dilations`` lands (so it has no effect): it is dropped here.
    """
    channels_last = _layout(1, data_format)[1]
    stride, dilations = (_unit_axis_entry(v, channels_last) for v in (stride, dilations))
    return convolution(input, filters, stride, padding, data_format, dilations)


def _unit_axis_entry(value, channels_last: bool):
    full = None if value is None or not channels_last else _full(value, 1, "stride")
    return value if full is None else [1, *full[1:]]


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None) -> Tensor:  # noqa: A002
    return convolution(input, filters, strides, padding, data_format, dilations)


@op
def _conv_transpose(x, w, output_shape, strides, padding, dilations, lhs_spec, spatial):
    # The gradient of a convolution with respect to its input is the transposed
    # convolution; computing it with jax.vjp gives TF's exact output shape and padding.
    out_zero = jnp.zeros(output_shape, x.dtype)
    rhs_spec = spatial + "IO"

    def fwd(y):
        return jax.lax.conv_general_dilated(
            y,
            w,
            strides,
            padding,
            rhs_dilation=dilations,
            dimension_numbers=(lhs_spec, rhs_spec, lhs_spec),
        )

    expected = jax.eval_shape(fwd, out_zero).shape
    if tuple(expected) != tuple(x.shape):
        raise InvalidArgumentError(
            f"Conv{len(spatial)}DBackpropInput: input has shape {tuple(x.shape)}, but a "
            f"convolution of output_shape {tuple(output_shape)} with these filters, strides, "
            f"padding and dilations gives {tuple(expected)}"
        )
    _, pullback = jax.vjp(fwd, out_zero)
    return pullback(x)[0]


def conv_transpose(
    input,
    filters,
    output_shape,
    strides,
    padding="SAME",  # noqa: A002
    data_format=None,
    dilations=None,
) -> Tensor:
    """Transposed N-D convolution (filters ``[*spatial, out, in]``, ``tf.nn.conv_transpose``).

    Example:
        >>> import jtape as jt
        >>> x = jt.ones((1, 2, 2, 1)); w = jt.ones((2, 2, 1, 1))
        >>> conv_transpose(x, w, [1, 4, 4, 1], strides=2).numpy()[0, :, :, 0].tolist()[0]
        [1.0, 1.0, 1.0, 1.0]
    """
    n = jnp.ndim(filters) - 2
    lhs, channels_last = _layout(n, data_format)
    shape = tuple(int(d) for d in np.asarray(output_shape).tolist())
    return _conv_transpose(
        input,
        filters,
        shape,
        _tuple(strides, n, "strides", channels_last, _strides_error("strides", transpose=True)),
        _padding(padding, n, channels_last),
        _tuple(
            1 if dilations is None else dilations,
            n,
            "dilations",
            channels_last,
            _strides_error("dilations"),
        ),
        lhs,
        "W" if n == 1 else "DHW"[3 - n :],
    )


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
    return conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations)


def conv1d_transpose(
    input,
    filters,
    output_shape,
    strides,
    padding="SAME",  # noqa: A002
    data_format="NWC",
    dilations=None,
) -> Tensor:
    """Transposed 1-D convolution (filters ``[w, out, in]``, as ``tf.nn.conv1d_transpose``)."""
    return conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations)


def conv3d_transpose(
    input,
    filters,
    output_shape,
    strides,
    padding="SAME",  # noqa: A002
    data_format="NDHWC",
    dilations=None,
) -> Tensor:
    """Transposed 3-D convolution (filters ``[d, h, w, out, in]``, ``tf.nn.conv3d_transpose``)."""
    return conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations)


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
    depth = _depth_window(window_shape, strides, n, channels_last, kind, jnp.shape(input))
    if depth is not None:
        return _depth_max_pool(input, depth)
    if strides is not None and (full := _full(strides, n, "strides")) is not None:
        strides = full[1:-1] if channels_last else full[2:]  # TF ignores the channel stride
    window = _tuple(window_shape, n, "ksize", channels_last)
    strides = window if strides is None else _tuple(strides, n, "strides", channels_last)
    pad = _padding(padding, n, channels_last)
    if not isinstance(pad, str):
        pad = ((0, 0), *pad, (0, 0)) if channels_last else ((0, 0), (0, 0), *pad)
    return _pool(input, kind, window, strides, pad, channels_last)


def _depth_window(ksize, strides, n, channels_last, kind, shape) -> int | None:
    """TF's rules for the batch and channel entries of a pooling's ``n + 2`` ksize and
    strides: the batch entries must be 1; a channel window > 1 (max pooling over channels
    only, channels last, 1-D or 2-D) is returned; otherwise None (spatial pooling, where
    TF ignores the channel stride)."""
    full_k = _full(ksize, n, "ksize")
    full_s = None if strides is None else _full(strides, n, "strides")
    if full_k is None and full_s is None:
        return None
    batch = [f[0] for f in (full_k, full_s) if f is not None]
    if any(b != 1 for b in batch):
        raise UnimplementedError("Pooling is not yet supported on the batch dimension.")
    if full_k is None or _outer(full_k, channels_last)[1] == 1:
        return None
    window = _outer(full_k, channels_last)[1]
    if n == 3:
        raise UnimplementedError("Pooling is not yet supported on the depth dimension.")
    if kind != "max":  # (TF's oneDNN kernel returns an empty array, its Eigen one raises)
        raise UnimplementedError("Non-spatial average pooling is not yet supported.")
    if not channels_last:
        raise UnimplementedError("Depthwise max pooling needs channels-last data (NHWC).")
    if any(k != 1 for k in full_k[1:-1]):
        raise UnimplementedError(
            "MaxPooling supports exactly one of pooling across depth or pooling across "
            "width/height."
        )
    if full_s is None or full_s[-1] != window:
        raise UnimplementedError(
            "Depthwise max pooling requires the depth window to equal the depth stride"
        )
    if shape[-1] % window:
        raise UnimplementedError(
            "Depthwise max pooling requires the depth window to evenly divide the input depth"
        )
    return window


@op
def _depth_max_pool(x, window):
    # TF's depthwise max pooling: each run of ``window`` channels gives its maximum (the
    # gradient goes to the first maximum, as TF's spatial max pooling); spatial strides
    # and padding do not apply (TF ignores them here).
    groups = x.reshape(*x.shape[:-1], x.shape[-1] // window, window)
    first = jnp.argmax(groups, axis=-1)[..., None]
    return jnp.take_along_axis(groups, first, axis=-1)[..., 0]


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
