"""Keras' image preprocessing layers: ``Resizing``, ``CenterCrop``, ``RandomFlip``,
``RandomBrightness`` and ``RandomContrast`` (images of rank 3 or 4; Resizing and
CenterCrop take channels-last images only, the random layers either layout).

Resizing is ``tf.image.resize`` (``jtape.image.resize``, TF's half-pixel kernels) after
Keras' optional crop or pad to the target aspect ratio. The random layers are the
identity at inference, as Keras; in training their draws come from the layer's
``jt.random.Generator`` (so they differ from TF's numbers) but the transformation rules
are Keras' (one flip decision per image; brightness and contrast factors per image;
integer images keep their dtype in RandomBrightness and RandomContrast). The geometric
layers are in ``_random_geometric.py`` and ``RandomCrop`` in ``_random_crop.py``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._array_ops import convert_to_tensor
from .._image_ops import saturate_cast_value
from .._image_resize import resize
from .._math_ops import cast
from .._op import op
from .._op_errors import InvalidArgumentError
from ._conv import normalize_data_format
from ._core_layers import _layer_generator
from ._layer import Layer


def _check_format(data_format) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"data_format={data_format!r}: jtape's image preprocessing layers take "
            "channels_last images only."
        )


def _hw(shape) -> tuple[int, int]:
    if len(shape) not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
            f"Received input with shape: images.shape={tuple(shape)}"
        )
    return int(shape[-3]), int(shape[-2])


@op(name="crop_hw")
def _crop(x, top, left, height, width):
    return x[..., top : top + height, left : left + width, :]


@op(name="pad_hw")
def _pad(x, top, left, value):
    pads = [(0, 0)] * (x.ndim - 3) + [(top, top), (left, left), (0, 0)]
    return jnp.pad(x, pads, constant_values=jnp.asarray(value, x.dtype))


def _aspect_box(h: int, w: int, th: int, tw: int) -> tuple[int, int]:
    """Keras' ``int(float32(w * th) / tw)``, ``int(float32(h * tw) / th)`` sizes."""
    f32 = np.float32
    return int(f32(w * th) / f32(tw)), int(f32(h * tw) / f32(th))


def _crop_to_aspect(images, th: int, tw: int):
    h, w = _hw(images.shape)
    crop_h, crop_w = _aspect_box(h, w, th, tw)
    crop_h, crop_w = max(min(h, crop_h), 1), max(min(w, crop_w), 1)
    top, left = int((h - crop_h) / 2), int((w - crop_w) / 2)
    return _crop(images, top, left, crop_h, crop_w)


@op(name="round_saturate")
def _round_saturate(x, dtype):
    return saturate_cast_value(jnp.round(x), dtype)


class Resizing(Layer):
    """Resize images to ``(height, width)`` with ``tf.image.resize``'s ``interpolation``.

    ``crop_to_aspect_ratio`` first crops the largest centred box of the target aspect
    ratio; ``pad_to_aspect_ratio`` pads both sides with ``fill_value`` instead. Integer
    images come back rounded in their own dtype, as Keras.

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> nn.Resizing(4, 6)(np.zeros((2, 8, 8, 3), np.float32)).shape
        (2, 4, 6, 3)
    """

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        antialias: bool = False,
        data_format=None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _check_format(data_format)
        if fill_mode != "constant":
            raise ValueError(
                "Invalid value for argument `fill_mode`. Only `'constant'` is supported. "
                f"Received: fill_mode={fill_mode}"
            )
        if pad_to_aspect_ratio and crop_to_aspect_ratio:
            raise ValueError(
                "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`."
            )
        self.height = int(height)
        self.width = int(width)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        self.data_format = "channels_last"

    def call(self, inputs):
        images = inputs
        th, tw = self.height, self.width
        if self.crop_to_aspect_ratio:
            images = _crop_to_aspect(images, th, tw)
        elif self.pad_to_aspect_ratio:
            h, w = _hw(images.shape)
            pad_h, pad_w = _aspect_box(h, w, th, tw)
            top, left = int((max(h, pad_h) - h) / 2), int((max(w, pad_w) - w) / 2)
            if top or left:
                images = _pad(images, top, left, self.fill_value)
        _hw(images.shape)
        out = resize(images, (th, tw), method=self.interpolation, antialias=self.antialias)
        if out.dtype == inputs.dtype:
            return out
        if jnp.issubdtype(inputs.dtype, jnp.integer):
            return _round_saturate(out, np.dtype(inputs.dtype))
        return cast(out, inputs.dtype)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[-3], shape[-2] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
            "data_format": self.data_format,
        }


class CenterCrop(Layer):
    """Crop the centre ``(height, width)`` of images (cast to the compute dtype).

    An image smaller than the target on either side is instead cropped to the target's
    aspect ratio and resized bilinearly to it (Keras' ``smart_resize``).

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> nn.CenterCrop(2, 2)(np.arange(16.0).reshape(4, 4, 1))[..., 0].numpy().tolist()
        [[5.0, 6.0], [9.0, 10.0]]
    """

    def __init__(self, height: int, width: int, data_format=None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_format(data_format)
        self.height = int(height)
        self.width = int(width)
        self.data_format = "channels_last"

    def call(self, inputs):
        images = cast(inputs, self.compute_dtype)
        h, w = _hw(images.shape)
        th, tw = self.height, self.width
        if h >= th and w >= tw:
            return _crop(images, (h - th) // 2, (w - tw) // 2, th, tw)
        return resize(_crop_to_aspect(images, th, tw), (th, tw), method="bilinear")

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[-3], shape[-2] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "data_format": self.data_format,
        }


# -- random layers ------------------------------------------------------------------------
def _per_image_shape(x) -> tuple:
    return (1, 1, 1) if x.ndim == 3 else (x.shape[0], 1, 1, 1)


def _check_rank(shape, message: str) -> None:
    if len(shape) not in (3, 4):
        raise ValueError(message.format(shape=tuple(shape)))


def check_images_only(layer: Layer, inputs) -> None:
    """A clear error for Keras' dict inputs, which jtape's augmentation layers lack."""
    if isinstance(inputs, dict):
        raise NotImplementedError(
            f"{type(layer).__name__} got a dict with keys {sorted(inputs)}: jtape's image "
            "augmentation layers take an images tensor only (Keras also transforms "
            "labels, bounding boxes and segmentation masks passed in a dict); call the "
            "layer on the images and handle the rest separately"
        )


# Keras' two rank messages: the base layer's, and RandomBrightness/RandomContrast's own.
_RANK = (
    "Expected image tensor to have rank 3 (single image) or 4 (batch of images). "
    "Received: data.shape={shape}"
)
_COLOR_RANK = "Expected the input image to be rank 3 or 4. Received inputs.shape={shape}"


@op(name="random_flip")
def _random_flip(x, key_data, horizontal, vertical, channels_first):
    key = jax.random.wrap_key_data(key_data)
    # One decision per image flips it along every axis of the mode (Keras' rule).
    flips = jax.random.uniform(key, _per_image_shape(x)) <= 0.5
    w_axis, h_axis = (-1, -2) if channels_first else (-2, -3)
    if horizontal:
        x = jnp.where(flips, jnp.flip(x, axis=w_axis), x)
    if vertical:
        x = jnp.where(flips, jnp.flip(x, axis=h_axis), x)
    return x


_FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class _RandomImageLayer(Layer):
    """The seed, generator and config shared by the random image layers."""

    def __init__(self, seed=None, data_format=None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.seed = seed
        self.generator = _layer_generator(seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed, "data_format": self.data_format}


class RandomFlip(_RandomImageLayer):
    """In training, flip each image with probability 1/2 (``mode``: ``"horizontal"``,
    ``"vertical"`` or both, with one decision per image); at inference, the identity.

    Keras accepts an unknown ``mode`` and then never flips; jtape refuses it.

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> x = np.arange(4.0).reshape(1, 1, 4, 1)
        >>> y = nn.RandomFlip("horizontal", seed=1)(x, training=True).numpy().ravel().tolist()
        >>> y in ([0.0, 1.0, 2.0, 3.0], [3.0, 2.0, 1.0, 0.0])
        True
    """

    def __init__(
        self, mode: str = "horizontal_and_vertical", seed=None, data_format=None, **kwargs: Any
    ) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in _FLIP_MODES:
            raise ValueError(
                f"RandomFlip layer {self.name} received an unknown mode argument {mode}"
            )
        self.mode = mode

    def call(self, inputs, training=True):
        check_images_only(self, inputs)
        images = cast(inputs, self.compute_dtype)
        _check_rank(images.shape, _RANK)
        if not training:
            return images
        return _random_flip(
            images,
            self.generator.next_key_data(),
            self.mode != "vertical",
            self.mode != "horizontal",
            self.data_format == "channels_first",
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}


def _factor(factor, bounds: tuple[int, int]) -> tuple[float, float]:
    """Keras' factor rule: ``f`` is ``(max(-|f|, lower bound), |f|)``; a pair is sorted."""
    msg = (
        "The `factor` argument should be a number (or a list of two numbers) in the range "
        f"[{bounds[0]}, {bounds[1]}]. Received: factor={factor}"
    )
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(msg)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(msg)
        factor = abs(factor)
        return max(-factor, bounds[0]), factor
    raise ValueError(msg)


def _value_range(value_range) -> list:
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(
            "The `value_range` argument should be a list of two numbers. "
            f"Received: value_range={value_range}"
        )
    return sorted(value_range)


def _color_images(layer: Layer, inputs):
    """Keras' input rule for RandomBrightness/RandomContrast: floats are cast to the
    compute dtype, integer images keep their dtype (these layers never cast them)."""
    check_images_only(layer, inputs)
    images = convert_to_tensor(inputs)
    if not jnp.issubdtype(images.dtype, jnp.integer):
        images = cast(images, layer.compute_dtype)
    _check_rank(images.shape, _COLOR_RANK)
    return images


@op(name="random_brightness")
def _random_brightness(x, key_data, lo, hi, value_range):
    key = jax.random.wrap_key_data(key_data)
    delta = jax.random.uniform(key, _per_image_shape(x), minval=lo, maxval=hi)
    delta = delta * (value_range[1] - value_range[0])
    if jnp.issubdtype(x.dtype, jnp.integer):
        # TF's float -> integer cast truncates toward zero, and a negative delta wraps
        # around in an unsigned dtype (as does the sum): Keras' numbers for uint8 images.
        delta = delta.astype(jnp.int64)
    return jnp.clip(x + delta.astype(x.dtype), value_range[0], value_range[1]).astype(x.dtype)


class RandomBrightness(_RandomImageLayer):
    """In training, add ``U(factor) * (value_range[1] - value_range[0])`` to each image
    and clip to ``value_range``; at inference, the identity.

    Integer images keep their dtype, as in Keras: the delta is truncated to it, and in
    an unsigned dtype a negative delta or an overflowing sum wraps around (Keras' TF
    backend does the same).

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> layer = nn.RandomBrightness((0.5, 0.5), value_range=(0, 1))
        >>> layer(np.full((1, 1, 1, 1), 0.25, np.float32), training=True).numpy().item()
        0.75
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor(factor, (-1, 1))
        self.value_range = _value_range(value_range)

    def call(self, inputs, training=True):
        images = _color_images(self, inputs)
        if not training:
            return images
        lo, hi = (float(f) for f in self.factor)
        vr = tuple(float(v) for v in self.value_range)
        return _random_brightness(images, self.generator.next_key_data(), lo, hi, vr)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


@op(name="random_contrast")
def _random_contrast(x, key_data, lo, hi, value_range, channels_first):
    key = jax.random.wrap_key_data(key_data)
    factor = jax.random.uniform(key, _per_image_shape(x), x.dtype, minval=1.0 - lo, maxval=1.0 + hi)
    h_axis, w_axis = (-2, -1) if channels_first else (-3, -2)
    mean = jnp.mean(jnp.mean(x, axis=h_axis, keepdims=True), axis=w_axis, keepdims=True)
    return jnp.clip((x - mean) * factor + mean, value_range[0], value_range[1])


class RandomContrast(_RandomImageLayer):
    """In training, scale each image's deviation from its per-channel mean by a factor
    drawn from ``[1 - factor[0], 1 + factor[1]]`` and clip to ``value_range``.

    As in Keras 3, a single number ``f`` gives ``factor = (0, f)``: contrast is only
    raised (``[1, 1 + f]``). Integer images pass through unchanged at inference and are
    refused in training (Keras' TF backend fails on them too).

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> x = np.array([[[[0.0], [2.0]]]], np.float32)
        >>> nn.RandomContrast(0.5)(x, training=False).numpy().ravel().tolist()
        [0.0, 2.0]
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor(factor, (0, 1))
        self.value_range = value_range

    def call(self, inputs, training=True):
        images = _color_images(self, inputs)
        if not training:
            return images
        if jnp.issubdtype(images.dtype, jnp.integer):
            raise InvalidArgumentError(
                f"RandomContrast got {np.dtype(images.dtype).name} images in training: "
                "expected floating-point images (Keras' TensorFlow backend fails on "
                "integer ones too); cast them to float first"
            )
        lo, hi = (float(f) for f in self.factor)
        vr = tuple(float(v) for v in self.value_range)
        return _random_contrast(
            images,
            self.generator.next_key_data(),
            lo,
            hi,
            vr,
            self.data_format == "channels_first",
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}
