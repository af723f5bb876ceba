"""Keras' 3-D resampling layers: ``UpSampling3D``, ``ZeroPadding3D``, ``Cropping3D``.

They reuse the ops of their 1-D/2-D siblings (``upsample``, ``zero_pad``, ``crop``), so
each call is one tape node with JAX's own gradient.
"""

from __future__ import annotations

from ._conv import check_input_rank, normalize_data_format, normalize_tuple
from ._layer import Layer
from ._layers_1d_crop import _crop, _crop_bounds
from ._pooling import upsample, zero_pad

_ORDINALS = ("1st", "2nd", "3rd")


def _three_pairs(value, name: str) -> tuple:
    """An int, 3 ints or 3 ``(lo, hi)`` pairs (or a mix) as 3 pairs, as Keras reads them."""
    if isinstance(value, int) and not isinstance(value, bool):
        return ((value, value),) * 3
    if not hasattr(value, "__len__") or len(value) != 3:
        raise ValueError(f"`{name}` should have 3 elements. Received: {value!r}.")
    return tuple(
        normalize_tuple(v, 2, f"{_ORDINALS[i]} entry of {name}", allow_zero=True)
        for i, v in enumerate(value)
    )


def _spatial_axes(data_format: str) -> tuple[int, int, int]:
    return (1, 2, 3) if data_format == "channels_last" else (2, 3, 4)


_BASE_KEYS = frozenset({"name", "trainable", "dtype", "data_format"})


class UpSampling3D(Layer):
    """Repeat each voxel ``size`` times along depth, height and width
    (``keras.layers.UpSampling3D``; nearest neighbour only, as in Keras).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.UpSampling3D((1, 2, 3))(jt.ones((1, 2, 2, 2, 1))).shape
        (1, 2, 4, 6, 1)
    """

    _jt_config_keys = _BASE_KEYS | {"size"}  # Keras' keys: no activity_regularizer

    def __init__(self, size=(2, 2, 2), data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, 3, "size")
        self.data_format = normalize_data_format(data_format)

    def call(self, inputs):
        check_input_rank(self, inputs, 3)
        return upsample(inputs, size=self.size, axes=_spatial_axes(self.data_format))

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}


class ZeroPadding3D(Layer):
    """Pad depth, height and width with zeros (``keras.layers.ZeroPadding3D``).

    ``padding`` is an int, 3 ints (symmetric per axis) or 3 ``(before, after)`` pairs.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.ZeroPadding3D(((1, 0), 2, (0, 1)))(jt.ones((1, 2, 2, 2, 3))).shape
        (1, 3, 6, 3, 3)
    """

    _jt_config_keys = _BASE_KEYS | {"padding"}  # Keras' keys: no activity_regularizer

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _three_pairs(padding, "padding")
        self.data_format = normalize_data_format(data_format)

    def call(self, inputs):
        check_input_rank(self, inputs, 3)
        pad_width = [(0, 0)] * 5
        for axis, pair in zip(_spatial_axes(self.data_format), self.padding):
            pad_width[axis] = pair
        return zero_pad(inputs, pad_width=tuple(pad_width))

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class Cropping3D(Layer):
    """Remove voxels from the ends of depth, height and width (``keras.layers.Cropping3D``).

    ``cropping`` is an int, 3 ints (symmetric per axis) or 3 ``(start, end)`` pairs.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Cropping3D(((1, 0), 1, (0, 2)))(jt.ones((1, 3, 4, 5, 2))).shape
        (1, 2, 2, 3, 2)
    """

    _jt_config_keys = _BASE_KEYS | {"cropping"}  # Keras' keys: no activity_regularizer

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _three_pairs(cropping, "cropping")
        self.data_format = normalize_data_format(data_format)

    def call(self, inputs):
        check_input_rank(self, inputs, 3)
        axes = _spatial_axes(self.data_format)
        return _crop(inputs, _crop_bounds(inputs.shape, axes, self.cropping, self))

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}
