"""Depthwise and separable convolution layers (Keras ``DepthwiseConv1D``/``2D``,
``SeparableConv1D``/``2D``), with Keras 3's weights.

``DepthwiseConv*`` holds ``kernel`` ``(*kernel_size, in, depth_multiplier)`` and ``bias``
``(in * depth_multiplier,)``; ``SeparableConv*`` holds ``depthwise_kernel`` (the same
layout), ``pointwise_kernel`` ``(*ones, in * depth_multiplier, filters)`` and ``bias``
``(filters,)``. Each call is one jtape op (``jtape/_separable_conv.py``).
"""

from __future__ import annotations

from .. import _separable_conv
from . import activations as _activations
from . import initializers as _initializers
from . import regularizers as _regularizers
from ._conv import (
    check_input_rank,
    conv_output_size,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
    spatial_dims,
)
from ._core_layers import _FUSED, _KEEPS_LOGITS
from ._layer import Layer


def _positive(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a strictly positive value. "
            f"Received {name}={value!r}."
        )
    return value


def _serialize_regularizer(regularizer):
    return None if regularizer is None else _regularizers.serialize(regularizer)


class _DepthwiseBase(Layer):
    """Arguments, checks and the call shared by the depthwise and separable layers."""

    _separable = False

    def __init__(
        self,
        rank: int,
        kernel_size,
        strides,
        padding,
        depth_multiplier,
        data_format,
        dilation_rate,
        activation,
        use_bias,
        depthwise_initializer,
        bias_initializer,
        depthwise_regularizer,
        bias_regularizer,
        activity_regularizer,
        depthwise_constraint,
        bias_constraint,
        **kwargs,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = _positive(depth_multiplier, "depth_multiplier")
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = _initializers.get(depthwise_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.depthwise_regularizer = _regularizers.get(depthwise_regularizer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self.depthwise_constraint = depthwise_constraint
        self.bias_constraint = bias_constraint
        self.bias = None

    @property
    def _channels_last(self) -> bool:
        return self.data_format == "channels_last"

    def _input_channels(self, input_shape) -> int:
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible with "
                f"the layer: expected ndim={self.rank + 2}, found ndim={len(input_shape)}. "
                f"Full shape received: {input_shape}"
            )
        channels = input_shape[-1] if self._channels_last else input_shape[1]
        if channels is None:
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: the channel dimension of the inputs "
                f"must be known, got input_shape={input_shape}"
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
        return int(channels)

    def _add_depthwise(self, name: str, channels: int):
        return self.add_weight(
            name=name,
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )

    def _add_bias(self, size: int) -> None:
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(size,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def _check_channels(self, inputs, expected: int) -> None:
        check_input_rank(self, inputs, self.rank)
        channels = inputs.shape[-1] if self._channels_last else inputs.shape[1]
        if channels != expected:
            axis = -1 if self._channels_last else 1
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible with "
                f"the layer: expected axis {axis} of input shape to have value {expected}, "
                f"but received input with shape {tuple(inputs.shape)}"
            )

    def _run(self, fn, *weights):
        """Call ``fn`` with the activation fused when it can be (one tape node per call).

        Softmax and sigmoid run as their own op, so their output keeps its logits.
        """
        static = dict(
            strides=self.strides,
            padding=self.padding.upper(),
            dilation_rate=self.dilation_rate,
            channels_last=self._channels_last,
        )
        if self.activation in _FUSED and self.activation not in _KEEPS_LOGITS:
            return fn(*weights, act=_FUSED[self.activation], **static)
        return self.activation(fn(*weights, **static))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": _activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": _initializers.serialize(self.depthwise_initializer),
            "bias_initializer": _initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": _serialize_regularizer(self.depthwise_regularizer),
            "bias_regularizer": _serialize_regularizer(self.bias_regularizer),
        }


class _DepthwiseConv(_DepthwiseBase):
    def build(self, input_shape) -> None:
        channels = self._input_channels(input_shape)
        self.kernel = self._add_depthwise("kernel", channels)
        self._add_bias(channels * self.depth_multiplier)
        self.built = True  # also when build() is called directly, as Keras 3 does

    @property
    def depthwise_kernel(self):
        """Keras 2's name of ``kernel``."""
        return self.kernel

    def call(self, inputs):
        self._check_channels(inputs, self.kernel.shape[-2])
        return self._run(_separable_conv.depthwise_conv, inputs, self.kernel, self.bias)


class _SeparableConv(_DepthwiseBase):
    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides,
        padding,
        data_format,
        dilation_rate,
        depth_multiplier,
        activation,
        use_bias,
        depthwise_initializer,
        pointwise_initializer,
        bias_initializer,
        depthwise_regularizer,
        pointwise_regularizer,
        bias_regularizer,
        activity_regularizer,
        depthwise_constraint,
        pointwise_constraint,
        bias_constraint,
        **kwargs,
    ) -> None:
        super().__init__(
            rank,
            kernel_size,
            strides,
            padding,
            depth_multiplier,
            data_format,
            dilation_rate,
            activation,
            use_bias,
            depthwise_initializer,
            bias_initializer,
            depthwise_regularizer,
            bias_regularizer,
            activity_regularizer,
            depthwise_constraint,
            bias_constraint,
            **kwargs,
        )
        self.filters = _positive(filters, "filters")
        self.pointwise_initializer = _initializers.get(pointwise_initializer)
        self.pointwise_regularizer = _regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = pointwise_constraint

    def build(self, input_shape) -> None:
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self._add_depthwise("depthwise_kernel", channels)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(*(1,) * self.rank, channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        self._check_channels(inputs, self.depthwise_kernel.shape[-2])
        return self._run(
            _separable_conv.separable_conv,
            inputs,
            self.depthwise_kernel,
            self.pointwise_kernel,
            self.bias,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "pointwise_initializer": _initializers.serialize(self.pointwise_initializer),
            "pointwise_regularizer": _serialize_regularizer(self.pointwise_regularizer),
        }


class DepthwiseConv1D(_DepthwiseConv):
    """Per-channel 1-D convolution (``keras.layers.DepthwiseConv1D``).

    Each input channel is convolved with its own ``depth_multiplier`` filters; output
    channel ``c * depth_multiplier + m`` comes from input channel ``c``. The kernel has
    shape ``(kernel_size, in_channels, depth_multiplier)``; padding is ``"valid"`` or
    ``"same"``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.DepthwiseConv1D(3, depth_multiplier=2, padding="same")
        >>> layer(jt.ones((2, 5, 3))).shape, layer.kernel.shape
        ((2, 5, 6), (3, 3, 2))
    """

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ) -> None:
        super().__init__(
            1,
            kernel_size,
            strides,
            padding,
            depth_multiplier,
            data_format,
            dilation_rate,
            activation,
            use_bias,
            depthwise_initializer,
            bias_initializer,
            depthwise_regularizer,
            bias_regularizer,
            activity_regularizer,
            depthwise_constraint,
            bias_constraint,
            **kwargs,
        )


class DepthwiseConv2D(_DepthwiseConv):
    """Per-channel 2-D convolution (``keras.layers.DepthwiseConv2D``).

    The kernel has shape ``(kh, kw, in_channels, depth_multiplier)`` and the output
    ``in_channels * depth_multiplier`` channels, as ``tf.nn.depthwise_conv2d``.
    ``data_format="channels_first"`` takes ``(batch, channels, height, width)`` inputs.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2)
        >>> layer(jt.ones((1, 7, 6, 3))).shape, layer.kernel.shape
        ((1, 4, 3, 6), (3, 3, 3, 2))
    """

    def __init__(
        self,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate=(1, 1),
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ) -> None:
        super().__init__(
            2,
            kernel_size,
            strides,
            padding,
            depth_multiplier,
            data_format,
            dilation_rate,
            activation,
            use_bias,
            depthwise_initializer,
            bias_initializer,
            depthwise_regularizer,
            bias_regularizer,
            activity_regularizer,
            depthwise_constraint,
            bias_constraint,
            **kwargs,
        )


class SeparableConv1D(_SeparableConv):
    """Depthwise 1-D convolution followed by a pointwise one (``keras.layers.SeparableConv1D``).

    Weights: ``depthwise_kernel`` ``(kernel_size, in, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, in * depth_multiplier, filters)`` and ``bias``
    ``(filters,)``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.SeparableConv1D(4, 3, depth_multiplier=2)
        >>> layer(jt.ones((2, 6, 3))).shape, layer.pointwise_kernel.shape
        ((2, 4, 4), (1, 6, 4))
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        depth_multiplier: int = 1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
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
            depth_multiplier,
            activation,
            use_bias,
            depthwise_initializer,
            pointwise_initializer,
            bias_initializer,
            depthwise_regularizer,
            pointwise_regularizer,
            bias_regularizer,
            activity_regularizer,
            depthwise_constraint,
            pointwise_constraint,
            bias_constraint,
            **kwargs,
        )


class SeparableConv2D(_SeparableConv):
    """Depthwise 2-D convolution followed by a pointwise one (``keras.layers.SeparableConv2D``).

    Weights: ``depthwise_kernel`` ``(kh, kw, in, depth_multiplier)``, ``pointwise_kernel``
    ``(1, 1, in * depth_multiplier, filters)`` and ``bias`` ``(filters,)``, as
    ``tf.nn.separable_conv2d`` takes them.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.SeparableConv2D(8, 3, padding="same", activation="relu")
        >>> layer(jt.ones((1, 5, 5, 3))).shape, layer.depthwise_kernel.shape
        ((1, 5, 5, 8), (3, 3, 3, 1))
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=(1, 1),
        depth_multiplier: int = 1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
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
            depth_multiplier,
            activation,
            use_bias,
            depthwise_initializer,
            pointwise_initializer,
            bias_initializer,
            depthwise_regularizer,
            pointwise_regularizer,
            bias_regularizer,
            activity_regularizer,
            depthwise_constraint,
            pointwise_constraint,
            bias_constraint,
            **kwargs,
        )
