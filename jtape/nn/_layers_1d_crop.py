"""Keras' 1-D padding/upsampling layers and the cropping layers: ``ZeroPadding1D``,
``UpSampling1D``, ``Cropping1D``, ``Cropping2D``."""

from __future__ import annotations

import jax.numpy as jnp

from .._op import op
from ._conv import check_input_rank, normalize_data_format, normalize_tuple
from ._layer import Layer
from ._pooling import zero_pad


def _pair(value, name: str) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    return normalize_tuple(value, 2, name, allow_zero=True)


class ZeroPadding1D(Layer):
    """Pad the steps axis with zeros: ``padding`` is an int or ``(left, right)``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.ZeroPadding1D(1)(jt.ones((1, 2, 1))).numpy()[0, :, 0].tolist()
        [0.0, 1.0, 1.0, 0.0]
    """

    def __init__(self, padding=1, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pair(padding, "padding")
        self.data_format = normalize_data_format(data_format)

    def call(self, inputs):
        check_input_rank(self, inputs, 1)
        if self.data_format == "channels_last":
            pad_width = ((0, 0), self.padding, (0, 0))
        else:
            pad_width = ((0, 0), (0, 0), self.padding)
        return zero_pad(inputs, pad_width=pad_width)

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


@op(name="upsample_1d")
def _repeat_steps(x, size):
    return jnp.repeat(x, size, axis=1)


class UpSampling1D(Layer):
    """Repeat each step ``size`` times.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.UpSampling1D(2)(jt.constant([[[1.0], [2.0]]])).numpy()[0, :, 0].tolist()
        [1.0, 1.0, 2.0, 2.0]
    """

    def __init__(self, size: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def call(self, inputs):
        check_input_rank(self, inputs, 1)
        return _repeat_steps(inputs, self.size)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size}


@op(name="crop")
def _crop(x, bounds):
    return x[tuple(slice(lo, hi) for lo, hi in bounds)]


def _crop_bounds(shape, axes, croppings, layer) -> tuple:
    bounds = [(None, None)] * len(shape)
    for axis, (lo, hi) in zip(axes, croppings):
        if lo + hi >= shape[axis]:
            raise ValueError(
                f"{type(layer).__name__} {layer.name!r}: cropping {(lo, hi)} leaves nothing of "
                f"an axis of length {shape[axis]} (input shape {tuple(shape)})"
            )
        bounds[axis] = (lo, shape[axis] - hi)
    return tuple(bounds)


class Cropping1D(Layer):
    """Remove ``cropping = (start, end)`` steps (an int: both) from the steps axis.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Cropping1D(1)(jt.constant([[[1.0], [2.0], [3.0]]])).numpy()[0, :, 0].tolist()
        [2.0]
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pair(cropping, "cropping")

    def call(self, inputs):
        check_input_rank(self, inputs, 1)
        return _crop(inputs, _crop_bounds(inputs.shape, (1,), (self.cropping,), self))

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": self.cropping}


class Cropping2D(Layer):
    """Remove rows and columns: ``cropping`` is an int, ``(symmetric_height,
    symmetric_width)`` or ``((top, bottom), (left, right))``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Cropping2D(((1, 0), (0, 1)))(jt.ones((1, 3, 3, 2))).shape
        (1, 2, 2, 2)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cropping, int) and not isinstance(cropping, bool):
            self.cropping = ((cropping, cropping), (cropping, cropping))
        elif hasattr(cropping, "__len__") and len(cropping) == 2:
            self.cropping = (_pair(cropping[0], "cropping"), _pair(cropping[1], "cropping"))
        else:
            raise ValueError(
                "`cropping` should be either an int, a tuple of 2 ints (symmetric_height_crop, "
                "symmetric_width_crop), or a tuple of 2 tuples of 2 ints ((top_crop, "
                f"bottom_crop), (left_crop, right_crop)). Received: cropping={cropping}"
            )
        self.data_format = normalize_data_format(data_format)

    def call(self, inputs):
        check_input_rank(self, inputs, 2)
        axes = (1, 2) if self.data_format == "channels_last" else (2, 3)
        return _crop(inputs, _crop_bounds(inputs.shape, axes, self.cropping, self))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "cropping": self.cropping,
            "data_format": self.data_format,
        }
