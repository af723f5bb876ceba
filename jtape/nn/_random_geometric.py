"""Keras' geometric augmentation layers: ``RandomRotation``, ``RandomZoom`` and
``RandomTranslation``.

Each draws one transform per image from the layer's ``jt.random.Generator`` (JAX's stream,
so the draws differ from TF's), builds Keras' affine matrix from it and warps the images
with TF's ``ImageProjectiveTransformV3`` rules (``jtape._image_projective``): the fill
modes, interpolations and the matrices are Keras', so a pinned factor such as
``factor=(0.25, 0.25)`` gives Keras' numbers. At inference they are the identity (after
the cast to the compute dtype, as Keras). Images are rank 3 or 4, channels last or first.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from .._image_projective import warp
from .._math_ops import cast
from .._op import op
from ._conv import normalize_data_format
from ._core_layers import _layer_generator
from ._image_preprocessing import check_images_only
from ._layer import Layer

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


def _check_modes(fill_mode, interpolation) -> None:
    if fill_mode not in _FILL_MODES:
        raise NotImplementedError(
            f"Unknown `fill_mode` {fill_mode}. Expected of one {_FILL_MODES}."
        )
    if interpolation not in _INTERPOLATIONS:
        raise NotImplementedError(
            f"Unknown `interpolation` {interpolation}. Expected of one {_INTERPOLATIONS}."
        )


def _images_rank(shape) -> None:
    if len(shape) not in (3, 4):
        raise ValueError(
            "Expected image tensor to have rank 3 (single image) or 4 (batch of images). "
            f"Received: data.shape={tuple(shape)}"
        )


def _pair_factor(factor, name: str, check, message: str) -> tuple[float, float]:
    """Keras' ``_set_factor`` of RandomZoom/RandomTranslation: ``f`` is ``(-|f|, |f|)``."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)):
        check(factor)
        return -abs(factor), abs(factor)
    raise ValueError(message + f"Received: {name}={factor}")


def _warp_images(x, matrix_fn, channels_first: bool, fill_value, interpolation, fill_mode):
    """Warp rank-3/4 images with ``matrix_fn(n, h, w) -> (n, 8)`` (channels moved last)."""
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    if channels_first:
        x = jnp.transpose(x, (0, 2, 3, 1))
    n, h, w, _c = x.shape
    out = warp(x, matrix_fn(n, h, w), fill_value, (h, w), interpolation, fill_mode)
    if channels_first:
        out = jnp.transpose(out, (0, 3, 1, 2))
    return out[0] if unbatched else out


def _uniform(key, shape, lo: float, hi: float):
    return jax.random.uniform(key, shape, jnp.float32, lo, hi)


@op(name="random_rotation")
def _random_rotation(x, key_data, lo, hi, fill_value, channels_first, interpolation, fill_mode):
    def matrix(n, h, w):
        # Keras' _compute_affine_matrix with no shear, translation or scaling (float32).
        angle = _uniform(jax.random.wrap_key_data(key_data), (n,), lo, hi)
        angle = angle * jnp.float32(math.pi / 180.0)
        cx = 0.5 * (jnp.float32(w) - 1)
        cy = 0.5 * (jnp.float32(h) - 1)
        cos, sin = jnp.cos(angle), jnp.sin(angle)
        a2 = cx - cx * cos - cy * -sin
        b2 = cy - cx * sin - cy * cos
        zero = jnp.zeros_like(angle)
        return jnp.stack([cos, -sin, a2, sin, cos, b2, zero, zero], axis=1)

    return _warp_images(x, matrix, channels_first, fill_value, interpolation, fill_mode)


@op(name="random_zoom")
def _random_zoom(x, key_data, height, width, fill_value, channels_first, interpolation, fill_mode):
    def matrix(n, h, w):
        kh, kw = jax.random.split(jax.random.wrap_key_data(key_data))
        zy = _uniform(kh, (n, 1), 1.0 + height[0], 1.0 + height[1])
        zx = zy if width is None else _uniform(kw, (n, 1), 1.0 + width[0], 1.0 + width[1])
        x_off = ((jnp.float32(w) - 1.0) / 2.0) * (1.0 - zx)
        y_off = ((jnp.float32(h) - 1.0) / 2.0) * (1.0 - zy)
        zero = jnp.zeros_like(zx)
        return jnp.concatenate([zx, zero, x_off, zero, zy, y_off, zero, zero], axis=1)

    return _warp_images(x, matrix, channels_first, fill_value, interpolation, fill_mode)


@op(name="random_translation")
def _random_translation(
    x, key_data, height, width, fill_value, channels_first, interpolation, fill_mode
):
    def matrix(n, h, w):
        kh, kw = jax.random.split(jax.random.wrap_key_data(key_data))
        ty = _uniform(kh, (n, 1), *height) * jnp.float32(h)
        tx = _uniform(kw, (n, 1), *width) * jnp.float32(w)
        one, zero = jnp.ones_like(tx), jnp.zeros_like(tx)
        return jnp.concatenate([one, zero, -tx, zero, one, -ty, zero, zero], axis=1)

    return _warp_images(x, matrix, channels_first, fill_value, interpolation, fill_mode)


class _RandomAffineLayer(Layer):
    """Seed, generator, fill and interpolation settings shared by the three layers."""

    _fn = None  # the op: (images, key, <two layer parameters>, fill_value, statics...)

    def __init__(
        self,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed=None,
        fill_value: float = 0.0,
        data_format=None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _check_modes(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.seed = seed
        self.generator = _layer_generator(seed)
        self.data_format = normalize_data_format(data_format)

    def _parameters(self) -> tuple:
        raise NotImplementedError

    def call(self, inputs, training=True):
        check_images_only(self, inputs)
        images = cast(inputs, self.compute_dtype)
        _images_rank(images.shape)
        if not training:
            return images
        return type(self)._fn(
            images,
            self.generator.next_key_data(),
            *self._parameters(),
            float(self.fill_value),
            self.data_format == "channels_first",
            self.interpolation,
            self.fill_mode,
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "data_format": self.data_format,
        }


class RandomRotation(_RandomAffineLayer):
    """In training, rotate each image about its centre by ``U(factor) * 360`` degrees
    (counter-clockwise for positive angles), filling by ``fill_mode``; at inference, the
    identity.

    ``factor`` is a fraction of a full turn: ``f`` means ``(-|f|, |f|)``, a pair is sorted.

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> x = np.arange(4.0, dtype=np.float32).reshape(1, 2, 2, 1)
        >>> y = nn.RandomRotation((0.25, 0.25))(x, training=True)
        >>> np.round(y.numpy()[0, :, :, 0], 4).tolist()
        [[1.0, 3.0], [0.0, 2.0]]
    """

    _fn = staticmethod(_random_rotation)

    def __init__(
        self,
        factor,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed=None,
        fill_value: float = 0.0,
        data_format=None,
        **kwargs: Any,
    ) -> None:
        factor = _rotation_factor(factor or 0.0)
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor

    def _parameters(self) -> tuple:
        return float(self.factor[0]) * 360.0, float(self.factor[1]) * 360.0

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


def _rotation_factor(factor) -> tuple:
    """Keras' base ``_set_factor`` with bounds ``[-1, 1]`` (a pair is checked loosely)."""
    msg = (
        "The `factor` argument should be a number (or a list of two numbers) in the range "
        f"[-1, 1]. Received: factor={factor}"
    )
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > 1 or factor[1] < -1:
            raise ValueError(msg)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)):
        if factor < -1 or factor > 1:
            raise ValueError(msg)
        return max(-abs(factor), -1), abs(factor)
    raise ValueError(msg)


_ZOOM_MESSAGE = (
    "The `height_factor` and `width_factor` arguments should be a number (or a list of two "
    "numbers) in the range (-1.0, 1.0]. "
)


def _zoom_check(number) -> None:
    if number > 1.0 or number <= -1.0:
        raise ValueError(_ZOOM_MESSAGE + f"Received: input_number={number}")


class RandomZoom(_RandomAffineLayer):
    """In training, zoom each image about its centre by ``1 + U(height_factor)``
    vertically and ``1 + U(width_factor)`` horizontally (positive: zoom out; no
    ``width_factor``: the same draw for both, keeping the aspect ratio); at inference,
    the identity.

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> x = np.arange(9.0, dtype=np.float32).reshape(1, 3, 3, 1)
        >>> layer = nn.RandomZoom((1.0, 1.0), fill_mode="constant")
        >>> layer(x, training=True).numpy()[0, :, :, 0].tolist()
        [[0.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 0.0]]
    """

    _fn = staticmethod(_random_zoom)

    def __init__(
        self,
        height_factor,
        width_factor=None,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed=None,
        fill_value: float = 0.0,
        data_format=None,
        **kwargs: Any,
    ) -> None:
        height = _pair_factor(height_factor, "height_factor", _zoom_check, _ZOOM_MESSAGE)
        width = None
        if width_factor is not None:
            width = _pair_factor(width_factor, "width_factor", _zoom_check, _ZOOM_MESSAGE)
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self.height_lower, self.height_upper = height
        if width is not None:
            self.width_lower, self.width_upper = width

    def _parameters(self) -> tuple:
        height = (float(self.height_lower), float(self.height_upper))
        if self.width_factor is None:
            return height, None
        return height, (float(self.width_lower), float(self.width_upper))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
        }


_TRANSLATION_MESSAGE = (
    "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. "
)


def _translation_check(number) -> None:
    if number > 1.0 or number < -1.0:
        raise ValueError(_TRANSLATION_MESSAGE + f"Received: input_number={number}")


class RandomTranslation(_RandomAffineLayer):
    """In training, shift each image down by ``U(height_factor) * height`` and right by
    ``U(width_factor) * width`` pixels (negative: up / left), filling by ``fill_mode``;
    at inference, the identity.

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> x = np.arange(4.0, dtype=np.float32).reshape(1, 1, 4, 1)
        >>> layer = nn.RandomTranslation(0.0, (0.25, 0.25), fill_mode="constant")
        >>> layer(x, training=True).numpy().ravel().tolist()
        [0.0, 0.0, 1.0, 2.0]
    """

    _fn = staticmethod(_random_translation)

    def __init__(
        self,
        height_factor,
        width_factor,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed=None,
        fill_value: float = 0.0,
        data_format=None,
        **kwargs: Any,
    ) -> None:
        data_format = normalize_data_format(data_format)
        msg = _TRANSLATION_MESSAGE
        height = _pair_factor(height_factor, "height_factor", _translation_check, msg)
        width = _pair_factor(width_factor, "width_factor", _translation_check, msg)
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self.height_lower, self.height_upper = height
        self.width_lower, self.width_upper = width

    def _parameters(self) -> tuple:
        return (
            (float(self.height_lower), float(self.height_upper)),
            (float(self.width_lower), float(self.width_upper)),
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
        }
