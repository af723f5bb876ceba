"""Keras' ``RandomCrop`` layer (Keras 3.15 semantics, including its inference rule)."""

from __future__ import annotations

from typing import Any

import jax

from .._array_ops import convert_to_tensor, transpose
from .._image_resize import resize
from .._math_ops import cast
from .._op import op
from ._image_preprocessing import _RANK, _check_rank, _crop, _RandomImageLayer, check_images_only


@op(name="random_crop")
def _random_crop(x, key_data, height, width, h_axis):
    kh, kw = jax.random.split(jax.random.wrap_key_data(key_data))
    # One window for the whole batch, each offset uniform over the valid starts (Keras).
    top = jax.random.randint(kh, (), 0, x.shape[h_axis] - height + 1)
    left = jax.random.randint(kw, (), 0, x.shape[h_axis + 1] - width + 1)
    starts = [0] * x.ndim
    starts[h_axis], starts[h_axis + 1] = top, left
    sizes = list(x.shape)
    sizes[h_axis], sizes[h_axis + 1] = height, width
    return jax.lax.dynamic_slice(x, starts, sizes)


@op(name="crop_hw_first")
def _crop_first(x, top, left, height, width):
    return x[..., top : top + height, left : left + width]


class RandomCrop(_RandomImageLayer):
    """In training, crop a random ``(height, width)`` window (the same for every image
    of the batch), cast to the compute dtype. An image not larger than the target on both
    sides is instead centre-cropped to the target's aspect ratio and resized bilinearly.

    As Keras 3.15, at inference (``training=False``) the images pass through unchanged:
    not cropped, not even cast (a model that feeds the crop to a ``Dense`` layer then fails
    at ``predict``, in Keras too). Unlike Keras, ``seed=None`` stays None in the config.

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> x = np.arange(16.0, dtype=np.float32).reshape(1, 4, 4, 1)
        >>> nn.RandomCrop(2, 2, seed=0)(x, training=True).shape
        (1, 2, 2, 1)
        >>> nn.RandomCrop(2, 2)(x, training=False).shape
        (1, 4, 4, 1)
    """

    def __init__(self, height: int, width: int, seed=None, data_format=None, **kwargs: Any):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.autocast = False  # Keras turns input conversion off: float64 passes at inference
        self.height = height
        self.width = width

    def call(self, inputs, training=True):
        check_images_only(self, inputs)
        images = convert_to_tensor(inputs)
        _check_rank(images.shape, _RANK)
        if not training:
            return images
        images = cast(images, self.compute_dtype)
        first = self.data_format == "channels_first"
        h_axis = images.ndim - (2 if first else 3)
        in_h, in_w = int(images.shape[h_axis]), int(images.shape[h_axis + 1])
        th, tw = int(self.height), int(self.width)
        if in_h > th and in_w > tw:
            return _random_crop(images, self.generator.next_key_data(), th, tw, h_axis)
        # Keras' offsets centre a box of the target's aspect ratio, but it then slices
        # ``height x width`` from there (clamped at the far edges) and resizes that.
        crop_h = max(min(in_h, int(float(in_w * th) / tw)), 1)
        crop_w = max(min(in_w, int(float(in_h * tw) / th)), 1)
        top, left = int(float(in_h - crop_h) / 2), int(float(in_w - crop_w) / 2)
        out_h, out_w = min(th, in_h - top), min(tw, in_w - left)
        if first:
            images = _crop_first(images, top, left, out_h, out_w)
        else:
            images = _crop(images, top, left, out_h, out_w)
        if (out_h, out_w) == (th, tw):
            return images
        if first:  # resize works channels-last
            perm = (0, 2, 3, 1) if images.ndim == 4 else (1, 2, 0)
            back = (0, 3, 1, 2) if images.ndim == 4 else (2, 0, 1)
            return cast(
                transpose(resize(transpose(images, perm), (th, tw)), back), self.compute_dtype
            )
        return cast(resize(images, (th, tw)), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axis = len(shape) - (2 if self.data_format == "channels_first" else 3)
        shape[axis], shape[axis + 1] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width}
