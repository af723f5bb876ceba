"""``tf.image`` colour: brightness, contrast, gamma, saturation, hue, colour spaces.

TF's rule for integer images, kept here: convert to float32 in [0, 1]
(:func:`convert_image_dtype`), adjust, convert back with saturation. The HSV formulas
are TF kernels' (the same expression order, so float32 results agree to an ulp).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._image_ops import _convert_image_dtype, convert_image_dtype
from ._op import op
from ._op_errors import FailedPreconditionError, InvalidArgumentError
from ._tensor import Tensor
from ._tf_gradients import no_registered_gradient as no_gradient

_F16_F32 = (np.dtype(np.float16), np.dtype(np.float32))


def _to_float(x):
    """TF's "flt_image": float16/float32 stay, anything else becomes float32 in [0, 1]."""
    if np.dtype(x.dtype) in _F16_F32:
        return x
    return _convert_image_dtype.__jtape_op__(x, np.dtype(np.float32), False)


def _back(x, dtype):
    return _convert_image_dtype.__jtape_op__(x, np.dtype(dtype), True)


def _rgb_to_hsv(rgb):
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    v = jnp.max(rgb, axis=-1)
    rng = v - jnp.min(rgb, axis=-1)
    safe_v = jnp.where(v > 0, v, 1)
    s = jnp.where(v > 0, rng / safe_v, 0)
    norm = (1 / jnp.where(rng > 0, rng, 1)) * (1 / rgb.dtype.type(6))
    h = jnp.where(
        r == v,
        norm * (g - b),
        jnp.where(
            g == v, norm * (b - r) + 2 / rgb.dtype.type(6), norm * (r - g) + 4 / rgb.dtype.type(6)
        ),
    )
    h = jnp.where(rng > 0, h, 0)
    h = jnp.where(h < 0, h + 1, h)
    return jnp.stack([h, s, v], axis=-1)


def _hsv_to_rgb(hsv):
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    dh = h * 6
    dr = jnp.clip(jnp.abs(dh - 3) - 1, 0, 1)
    dg = jnp.clip(-jnp.abs(dh - 2) + 2, 0, 1)
    db = jnp.clip(-jnp.abs(dh - 4) + 2, 0, 1)
    one_s = -s + 1
    return jnp.stack([(one_s + s * dr) * v, (one_s + s * dg) * v, (one_s + s * db) * v], -1)


def _check_rgb(image: Tensor, name: str) -> None:
    if image.shape[-1] != 3:
        # TF's classes: its HSV kernels fail a precondition, the others an argument check
        error = (
            FailedPreconditionError
            if name.endswith("hsv") or name.startswith("hsv")
            else (InvalidArgumentError)
        )
        raise error(
            f"{name}: input must have 3 channels but input only has {image.shape[-1]} channels."
        )


@op
def _rgb_to_hsv_op(x):
    return _rgb_to_hsv(x)


@op
def _hsv_to_rgb_op(x):
    return _hsv_to_rgb(x)


def rgb_to_hsv(images) -> Tensor:
    """RGB in [0, 1] to HSV in [0, 1] (float images, last axis the channels)."""
    images = _tensor(images)
    _check_float(images, "rgb_to_hsv")
    _check_rgb(images, "rgb_to_hsv")
    return _rgb_to_hsv_op(images)


def hsv_to_rgb(images) -> Tensor:
    """HSV in [0, 1] to RGB in [0, 1] (float images, last axis the channels).

    Example:
        >>> import jtape as jt
        >>> hsv_to_rgb(jt.constant([0.0, 1.0, 1.0])).numpy().tolist()
        [1.0, 0.0, 0.0]
    """
    from ._custom_gradient import stop_gradient

    images = _tensor(images)
    _check_float(images, "hsv_to_rgb")
    _check_rgb(images, "hsv_to_rgb")
    return _hsv_to_rgb_op(stop_gradient(images))  # TF: no gradient (None), not an error


def _tensor(x) -> Tensor:
    from ._array_ops import convert_to_tensor

    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _check_float(x: Tensor, name: str, error: type = InvalidArgumentError) -> None:
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise error(f"{name}: images must be a floating-point tensor, got {np.dtype(x.dtype).name}")


@op
def _adjust_brightness(x, delta):
    if jnp.issubdtype(x.dtype, jnp.floating):
        return x + jnp.asarray(delta).astype(x.dtype)
    f = _to_float(x)
    return _back(f + jnp.asarray(delta).astype(f.dtype), x.dtype)


def adjust_brightness(image, delta) -> Tensor:
    """Add ``delta`` to every pixel (integer images: in float, then saturated back).

    Example:
        >>> import jtape as jt
        >>> adjust_brightness(jt.constant([[[0.25]]]), 0.5).numpy().ravel().tolist()
        [0.75]
    """
    return _adjust_brightness(_tensor(image), delta)


@op
def _adjust_contrast(x, factor):
    x, factor = no_gradient(x, "AdjustContrastv2"), no_gradient(factor, "AdjustContrastv2")
    f = _to_float(x)
    mean = jnp.mean(f, axis=(-3, -2), keepdims=True)
    out = (f - mean) * jnp.asarray(factor).astype(f.dtype) + mean
    return _back(out, x.dtype)


def adjust_contrast(images, contrast_factor) -> Tensor:
    """Scale each channel's distance from its mean by ``contrast_factor``."""
    return _adjust_contrast(_tensor(images), contrast_factor)


@op
def _adjust_gamma(x, gamma, gain):
    f = _to_float(x)
    out = jnp.asarray(gain).astype(f.dtype) * f ** jnp.asarray(gamma).astype(f.dtype)
    return _back(out, x.dtype)


def adjust_gamma(image, gamma=1, gain=1) -> Tensor:
    """``gain * image ** gamma`` on [0, 1]-scaled values (integer images convert back).

    Example:
        >>> import jtape as jt
        >>> adjust_gamma(jt.constant([[[0.5]]]), 2.0).numpy().ravel().tolist()
        [0.25]
    """
    if isinstance(gamma, (int, float)) and gamma < 0:
        raise ValueError("Gamma should be a non-negative real number.")
    return _adjust_gamma(_tensor(image), gamma, gain)


@op
def _adjust_saturation(x, factor):
    x, factor = no_gradient(x, "AdjustSaturation"), no_gradient(factor, "AdjustSaturation")
    f = _to_float(x)
    hsv = _rgb_to_hsv(f.astype(jnp.float32))
    s = jnp.clip(hsv[..., 1] * jnp.asarray(factor, jnp.float32), 0.0, 1.0)
    rgb = _hsv_to_rgb(hsv.at[..., 1].set(s)).astype(f.dtype)
    return _back(rgb, x.dtype)


def adjust_saturation(image, saturation_factor) -> Tensor:
    """Multiply the HSV saturation by ``saturation_factor`` (clipped to [0, 1])."""
    image = _tensor(image)
    _check_rgb(image, "adjust_saturation")
    return _adjust_saturation(image, saturation_factor)


@op
def _adjust_hue(x, delta):
    x, delta = no_gradient(x, "AdjustHue"), no_gradient(delta, "AdjustHue")
    f = _to_float(x)
    hsv = _rgb_to_hsv(f.astype(jnp.float32))
    # TF's kernel works with hue in [0, 6) and wraps it once each way.
    h = hsv[..., 0] * 6 + jnp.asarray(delta, jnp.float32) * 6
    h = jnp.where(h < 0, h + 6, h)
    h = jnp.where(h >= 6, h - 6, h)
    rgb = _hsv_to_rgb(hsv.at[..., 0].set(h / 6)).astype(f.dtype)
    return _back(rgb, x.dtype)


def adjust_hue(image, delta) -> Tensor:
    """Rotate the hue by ``delta`` (a fraction of a turn, in [-1, 1])."""
    if isinstance(delta, (int, float)) and not -1 <= delta <= 1:
        raise ValueError("delta must be in the interval [-1, 1]")
    image = _tensor(image)
    _check_rgb(image, "adjust_hue")
    return _adjust_hue(image, delta)


@op
def _per_image_standardization(x):
    x = x.astype(jnp.float32)
    n = np.prod(x.shape[-3:])
    mean = jnp.mean(x, axis=(-3, -2, -1), keepdims=True)
    std = jnp.std(x, axis=(-3, -2, -1), keepdims=True)
    return (x - mean) / jnp.maximum(std, jax.lax.rsqrt(jnp.float32(n)))


def per_image_standardization(image) -> Tensor:
    """``(x - mean) / max(std, 1/sqrt(N))`` per image, as float32 (TF's rule)."""
    image = _tensor(image)
    if image.shape.rank is not None and image.shape.rank < 3:
        raise ValueError(f"'image' (shape {image.shape}) must be at least three-dimensional.")
    return _per_image_standardization(image)


_GRAY = np.array([0.2989, 0.5870, 0.1140])


@op
def _rgb_to_grayscale(x):
    f = _convert_image_dtype.__jtape_op__(x, np.dtype(np.float32), False)
    gray = jnp.tensordot(f, jnp.asarray(_GRAY, f.dtype), axes=[[-1], [-1]])[..., None]
    return _convert_image_dtype.__jtape_op__(gray, np.dtype(x.dtype), False)


def rgb_to_grayscale(images) -> Tensor:
    """Luma ``0.2989 R + 0.5870 G + 0.1140 B``, keeping a channel axis of size 1."""
    images = _tensor(images)
    _check_rgb(images, "rgb_to_grayscale")
    return _rgb_to_grayscale(images)


@op
def _grayscale_to_rgb(x):
    return jnp.concatenate([x, x, x], axis=-1)


def grayscale_to_rgb(images) -> Tensor:
    """Repeat the single channel three times."""
    images = _tensor(images)
    if images.shape[-1] != 1:
        raise ValueError(
            f"Last dimension of a grayscale image should be size 1, got {images.shape}"
        )
    return _grayscale_to_rgb(images)


_RGB_TO_YUV = np.array(
    [
        [0.299, -0.14714119, 0.61497538],
        [0.587, -0.28886916, -0.51496512],
        [0.114, 0.43601035, -0.10001026],
    ]
)
_YUV_TO_RGB = np.array([[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]])


@op
def _color_matrix(x, which):
    m = _RGB_TO_YUV if which == "yuv" else _YUV_TO_RGB
    return jnp.tensordot(x, jnp.asarray(m, x.dtype), axes=[[-1], [0]])


def rgb_to_yuv(images) -> Tensor:
    """RGB to YUV (float images)."""
    images = _tensor(images)
    _check_float(images, "rgb_to_yuv", TypeError)  # TF: a TypeError from its float matmul
    _check_rgb(images, "rgb_to_yuv")
    return _color_matrix(images, "yuv")


def yuv_to_rgb(images) -> Tensor:
    """YUV to RGB (float images)."""
    images = _tensor(images)
    _check_float(images, "yuv_to_rgb", TypeError)  # TF: a TypeError from its float matmul
    _check_rgb(images, "yuv_to_rgb")
    return _color_matrix(images, "rgb")


__all__ = [
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "adjust_hue",
    "adjust_saturation",
    "convert_image_dtype",
    "grayscale_to_rgb",
    "hsv_to_rgb",
    "per_image_standardization",
    "rgb_to_grayscale",
    "rgb_to_hsv",
    "rgb_to_yuv",
    "yuv_to_rgb",
]
