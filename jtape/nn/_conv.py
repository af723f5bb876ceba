"""Convolution layers (Keras ``Conv1D``/``2D``/``3D``, ``Conv1D``/``2D``/``3DTranspose``).

Each layer call is one jtape op (convolution plus bias), so a tape records one node and
its gradient is JAX's own VJP of the convolution (``jtape/_conv_math.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from jax import lax

from .. import _conv_math
from .._op import op
from . import activations as _activations
from . import initializers as _initializers
from . import regularizers as _regularizers
from ._core_layers import _FUSED, _KEEPS_LOGITS
from ._layer import Layer

# ----------------------------------------------------------------------------- pure math


def _dimension_numbers(rank: int, channels_last: bool) -> tuple[str, str, str]:
    spatial = "DHW"[-rank:] if rank <= 3 else None
    if spatial is None:
        raise ValueError(f"convolution rank must be 1, 2 or 3, got {rank}")
    data = f"N{spatial}C" if channels_last else f"NC{spatial}"
    # Keras stores kernels as (*spatial, in, out): lax's "HWIO".
    return data, f"{spatial}IO", data


def _add_bias(y, bias, channels_last: bool):
    if bias is None:
        return y
    if channels_last:
        return y + bias
    return y + bias.reshape((1, -1) + (1,) * (y.ndim - 2))


@op(name="conv")
def conv(
    x, kernel, bias=None, *, strides, padding, dilation_rate, groups=1, channels_last=True, act=None
):
    """N-d convolution with Keras' layout: ``kernel`` is ``(*spatial, in // groups, out)``.

    ``padding`` is ``"VALID"``, ``"SAME"`` (TensorFlow's rule) or explicit
    ``((lo, hi), ...)`` pairs, one per spatial dimension.
    """
    rank = kernel.ndim - 2
    y = _conv_math.convolution(
        x,
        kernel,
        strides,
        padding,
        dilation_rate,
        _dimension_numbers(rank, channels_last),
        groups,
    )
    y = _add_bias(y, bias, channels_last)
    return y if act is None else act(y)


def conv_transpose_padding(
    kernel_size: int, stride: int, dilation: int, padding: str, output_padding: int | None
) -> tuple[int, int]:
    """``lax.conv_transpose`` padding giving Keras' (and TF's) output size for one dim.

    Output size: ``valid``: ``(n-1)*s + max(k, s)``; ``same``: ``n*s``; with
    ``output_padding`` p: ``(n-1)*s + k + p`` (valid) or ``(n-1)*s + k%2 + p`` (same),
    where ``k`` is the dilated kernel size. Same rule as Keras' JAX backend.
    """
    k = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return k - 1, k - 1 + extra
    if output_padding is None:
        total = stride + k - 2
    else:
        total = k + k % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, k - 1)
    return left, total - left


def conv_transpose_output_size(
    n: int, kernel_size: int, stride: int, dilation: int, padding: str, output_padding
) -> int:
    k = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return (n - 1) * stride + k + extra
    if output_padding is None:
        return n * stride
    return (n - 1) * stride + k % 2 + output_padding


@op(name="conv_transpose")
def conv_transpose(
    x, kernel, bias=None, *, strides, padding, dilation_rate, channels_last=True, act=None
):
    """Transposed convolution; ``kernel`` is ``(*spatial, out, in)`` as in Keras.

    ``padding`` is the explicit ``((lo, hi), ...)`` from :func:`conv_transpose_padding`.
    """
    rank = kernel.ndim - 2
    y = lax.conv_transpose(
        x,
        kernel,
        strides=strides,
        padding=padding,
        rhs_dilation=dilation_rate,
        dimension_numbers=_dimension_numbers(rank, channels_last),
        # The gradient-of-conv form: flips the kernel and swaps its two channel axes,
        # which is what makes (*spatial, out, in) the right storage layout.
        transpose_kernel=True,
    )
    y = _add_bias(y, bias, channels_last)
    return y if act is None else act(y)


# ----------------------------------------------------------------------------- arguments


def normalize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple[int, ...]:
    """``value`` as a tuple of ``n`` positive ints (Keras' ``standardize_tuple``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        out = (value,) * n
    else:
        try:
            out = tuple(value)
        except TypeError:
            out = None
        if (
            out is None
            or len(out) != n
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in out)
        ):
            raise ValueError(
                f"The `{name}` argument must be an int or a tuple of {n} ints. "
                f"Received: {name}={value!r}"
            )
    low = 0 if allow_zero else 1
    if any(v < low for v in out):
        qualifier = "non-negative" if allow_zero else "positive"
        raise ValueError(f"The `{name}` argument must be {qualifier}. Received: {name}={value!r}")
    return out


def normalize_padding(padding, allow_causal: bool = False) -> str:
    value = padding.lower() if isinstance(padding, str) else padding
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if value not in allowed:
        raise ValueError(
            f"The `padding` argument must be one of {', '.join(map(repr, allowed))}. "
            f"Received: padding={padding!r}"
        )
    return value


def normalize_data_format(data_format) -> str:
    value = "channels_last" if data_format is None else str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            "The `data_format` argument must be one of 'channels_first', 'channels_last'. "
            f"Received: data_format={data_format!r}"
        )
    return value


def conv_output_size(n, kernel_size: int, stride: int, dilation: int, padding: str):
    """Spatial output size of a forward convolution along one dimension."""
    if n is None:
        return None
    k = (kernel_size - 1) * dilation + 1
    if padding == "same":
        return math.ceil(n / stride)
    if padding == "causal":
        return math.ceil(n / stride)
    return max((n - k) // stride + 1, 0)


def spatial_dims(shape: Sequence, rank: int, channels_last: bool) -> tuple:
    return tuple(shape[1 : 1 + rank]) if channels_last else tuple(shape[2 : 2 + rank])


def check_input_rank(layer, inputs, rank: int) -> None:
    ndim = len(inputs.shape)
    if ndim != rank + 2:
        raise ValueError(
            f"Input 0 of layer {layer.name!r} ({type(layer).__name__}) is incompatible with "
            f"the layer: expected ndim={rank + 2}, found ndim={ndim}. "
            f"Full shape received: {tuple(inputs.shape)}"
        )


# ----------------------------------------------------------------------------- layers


class _BaseConv(Layer):
    """Shared arguments, weights and checks of the convolution layers."""

    _transpose = False

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        output_padding=None,
        data_format: str | None = None,
        dilation_rate=1,
        groups: int = 1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = type(self).__name__
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(
                "Invalid value for argument `filters`. Expected a strictly positive value. "
                f"Received filters={filters!r} (in {who})."
            )
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(
                f"The number of groups must be a positive integer. Received: groups={groups!r}."
            )
        if filters % groups:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={groups}, filters={filters}."
            )
        self.rank = rank
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = normalize_padding(padding, allow_causal=rank == 1 and not self._transpose)
        self.output_padding = (
            None
            if output_padding is None
            else normalize_tuple(output_padding, rank, "output_padding", allow_zero=True)
        )
        self.data_format = normalize_data_format(data_format)
        self.groups = groups
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        if self.output_padding is not None:
            for i, (p, s) in enumerate(zip(self.output_padding, self.strides)):
                if p >= s:
                    raise ValueError(
                        "`output_padding` must be strictly less than `strides` for all "
                        f"dimensions. At dimension {i}, `output_padding` is {p} but `strides` "
                        f"is {s}. Received: output_padding={self.output_padding}, "
                        f"strides={self.strides}"
                    )
        self.kernel = None
        self.bias = None

    @property
    def _channels_last(self) -> bool:
        return self.data_format == "channels_last"

    def _input_channels(self, input_shape) -> int:
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible with "
                f"the layer: expected ndim={self.rank + 2}, found ndim={len(input_shape)}. "
                f"Full shape received: {tuple(input_shape)}"
            )
        channels = input_shape[-1] if self._channels_last else input_shape[1]
        if channels is None:
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: the channel dimension of the inputs "
                f"must be known, got input_shape={tuple(input_shape)}"
            )
        return int(channels)

    def _add_weights(self, kernel_shape) -> None:
        self.kernel = self.add_weight(
            name="kernel",
            shape=kernel_shape,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def _check_call_input(self, inputs) -> None:
        check_input_rank(self, inputs, self.rank)
        channels = inputs.shape[-1] if self._channels_last else inputs.shape[1]
        expected = self.kernel.shape[-1 if self._transpose else -2] * (
            1 if self._transpose else self.groups
        )
        if channels != expected:
            axis = -1 if self._channels_last else 1
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible with "
                f"the layer: expected axis {axis} of input shape to have value {expected}, "
                f"but received input with shape {tuple(inputs.shape)}"
            )

    def _finish(self, fn, inputs, **kwargs):
        """Run the op, fusing a known activation into it (one tape node per call).

        Softmax and sigmoid run as their own op, so their output keeps its logits.
        """
        if self.activation in _FUSED and self.activation not in _KEEPS_LOGITS:
            return fn(inputs, self.kernel, self.bias, act=_FUSED[self.activation], **kwargs)
        return self.activation(fn(inputs, self.kernel, self.bias, **kwargs))

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": _activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }
        if self._transpose:
            config["output_padding"] = self.output_padding
        else:
            config["groups"] = self.groups
        return config


class _Conv(_BaseConv):
    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        groups: int = 1,
        **kwargs,
    ) -> None:
        super().__init__(
            rank,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            groups=groups,
            **kwargs,
        )

    def build(self, input_shape) -> None:
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of "
                f"groups. Received groups={self.groups}, but the input has {channels} "
                f"channels (full input shape is {tuple(input_shape)})."
            )
        spatial = spatial_dims(input_shape, self.rank, self._channels_last)
        out = [
            conv_output_size(n, k, s, d, self.padding)
            for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        ]
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: computed output size would be "
                f"negative or zero: input spatial shape {spatial}, kernel_size "
                f"{self.kernel_size}, strides {self.strides}, dilation_rate "
                f"{self.dilation_rate}, padding {self.padding!r}."
            )
        self._add_weights((*self.kernel_size, channels // self.groups, self.filters))
        self.built = True  # also when build() is called directly, as Keras 3 does

    def call(self, inputs):
        self._check_call_input(inputs)
        if self.padding == "causal":
            # Keras pads (k - 1) * dilation zeros on the left: output t sees inputs <= t.
            padding = (((self.kernel_size[0] - 1) * self.dilation_rate[0], 0),)
        else:
            padding = self.padding.upper()
        return self._finish(
            conv,
            inputs,
            strides=self.strides,
            padding=padding,
            dilation_rate=self.dilation_rate,
            groups=self.groups,
            channels_last=self._channels_last,
        )


class Conv1D(_Conv):
    """1-D convolution over ``(batch, steps, channels)`` (``keras.layers.Conv1D``).

    The kernel has shape ``(kernel_size, in_channels // groups, filters)``. ``padding`` is
    ``"valid"``, ``"same"`` (TensorFlow's rule) or ``"causal"``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.Conv1D(2, 3, padding="causal", kernel_initializer="ones")
        >>> layer(jt.ones((1, 4, 1))).numpy()[0, :, 0].tolist()
        [1.0, 2.0, 3.0, 3.0]
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        groups: int = 1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ) -> None:
        super().__init__(
            1,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            groups,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )


class Conv2D(_Conv):
    """2-D convolution over ``(batch, height, width, channels)`` (``keras.layers.Conv2D``).

    The kernel has shape ``(kh, kw, in_channels // groups, filters)``; ``data_format=
    "channels_first"`` takes ``(batch, channels, height, width)`` inputs.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.Conv2D(4, 3, strides=2, padding="same", activation="relu")
        >>> layer(jt.ones((2, 9, 8, 3))).shape
        (2, 5, 4, 4)
        >>> layer.kernel.shape
        (3, 3, 3, 4)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=(1, 1),
        groups: int = 1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ) -> None:
        super().__init__(
            2,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            groups,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )


class _ConvTranspose(_BaseConv):
    _transpose = True

    def __init__(self, rank: int, filters: int, kernel_size, **kwargs) -> None:
        if "groups" in kwargs:  # Keras' transposed convolutions take no `groups`
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{{'groups': {kwargs['groups']!r}}}"
            )
        super().__init__(rank, filters, kernel_size, **kwargs)

    def build(self, input_shape) -> None:
        channels = self._input_channels(input_shape)
        self._add_weights((*self.kernel_size, self.filters, channels))
        self.built = True

    def _padding(self) -> tuple:
        return tuple(
            conv_transpose_padding(
                k, s, d, self.padding, None if self.output_padding is None else p
            )
            for k, s, d, p in zip(
                self.kernel_size,
                self.strides,
                self.dilation_rate,
                self.output_padding or (None,) * self.rank,
            )
        )

    def call(self, inputs):
        self._check_call_input(inputs)
        return self._finish(
            conv_transpose,
            inputs,
            strides=self.strides,
            padding=self._padding(),
            dilation_rate=self.dilation_rate,
            channels_last=self._channels_last,
        )


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution (``keras.layers.Conv2DTranspose``).

    The kernel has shape ``(kh, kw, filters, in_channels)`` (output channels first, as in
    Keras). Output size per spatial dimension ``n``: ``n * stride`` for ``"same"``,
    ``(n - 1) * stride + max(kernel, stride)`` for ``"valid"``; ``output_padding`` ``p``
    gives ``(n - 1) * stride + kernel + p`` (valid) or ``(n - 1) * stride + kernel % 2 + p``
    (same), with the kernel size dilated.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.Conv2DTranspose(3, 3, strides=2, padding="same")
        >>> layer(jt.ones((1, 4, 5, 2))).shape
        (1, 8, 10, 3)
        >>> layer.kernel.shape
        (3, 3, 3, 2)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        output_padding=None,
        data_format: str | None = None,
        dilation_rate=(1, 1),
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ) -> None:
        super().__init__(
            2,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )


class Conv3D(_Conv):
    """3-D convolution over ``(batch, depth, height, width, channels)`` (``keras.layers.Conv3D``).

    The kernel has shape ``(kd, kh, kw, in_channels // groups, filters)``; ``data_format=
    "channels_first"`` takes ``(batch, channels, depth, height, width)`` inputs.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.Conv3D(4, 3, strides=2, padding="same")
        >>> layer(jt.ones((1, 5, 6, 7, 2))).shape
        (1, 3, 3, 4, 4)
        >>> layer.kernel.shape
        (3, 3, 3, 2, 4)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=(1, 1, 1),
        groups: int = 1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ) -> None:
        super().__init__(
            3,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            groups,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution (``keras.layers.Conv1DTranspose``).

    The kernel has shape ``(kernel_size, filters, in_channels)``; output sizes follow the
    rule of :class:`Conv2DTranspose`.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.Conv1DTranspose(2, 3, strides=2, padding="same")
        >>> layer(jt.ones((1, 4, 3))).shape
        (1, 8, 2)
        >>> layer.kernel.shape
        (3, 2, 3)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        output_padding=None,
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ) -> None:
        super().__init__(
            1,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution (``keras.layers.Conv3DTranspose``).

    The kernel has shape ``(kd, kh, kw, filters, in_channels)``; output sizes follow the
    rule of :class:`Conv2DTranspose`. As in Keras, ``data_format`` comes before
    ``output_padding`` in the positional order here.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.Conv3DTranspose(2, 2, strides=2)
        >>> layer(jt.ones((1, 2, 3, 4, 1))).shape
        (1, 4, 6, 8, 2)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        output_padding=None,
        dilation_rate=(1, 1, 1),
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ) -> None:
        super().__init__(
            3,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
