"""``tf.image`` geometry and dtype conversion: flips, rotations, crops, pads, dtypes.

Images are ``[height, width, channels]`` or ``[batch, height, width, channels]``, as
in TF; every function accepts both. Each is a jtape op (or a composition of them), so
tapes and ``jt.function`` handle it; offsets and sizes are static Python ints.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._array_ops import convert_to_tensor
from ._image_resize import image_rank, resize
from ._op import op
from ._tensor import Tensor


def as_image(images) -> Tensor:
    """``images`` as a Tensor of rank 3 or 4 (TF's ValueError otherwise)."""
    images = images if isinstance(images, Tensor) else convert_to_tensor(images)
    image_rank(images)
    return images


def _static_int(value, name: str) -> int:
    value = getattr(value, "_value", value)
    try:
        return int(np.asarray(value))
    except Exception as e:  # a tracer: jtape needs static shapes
        raise ValueError(
            f"{name} must be a Python int or a concrete tensor (jtape compiles static shapes)"
        ) from e


@op
def _reverse(x, axis):
    return jnp.flip(x, axis)


def flip_left_right(image) -> Tensor:
    """Mirror images horizontally (the width axis).

    Example:
        >>> import jtape as jt
        >>> flip_left_right(jt.constant([[[1.0], [2.0]]])).numpy().ravel().tolist()
        [2.0, 1.0]
    """
    return _reverse(as_image(image), -2)


def flip_up_down(image) -> Tensor:
    """Mirror images vertically (the height axis)."""
    return _reverse(as_image(image), -3)


@op
def _transpose(x):
    return jnp.swapaxes(x, -3, -2)


def transpose(image) -> Tensor:
    """Swap height and width."""
    return _transpose(as_image(image))


@op
def _rot90(x, k):
    return jnp.rot90(x, k, axes=(x.ndim - 3, x.ndim - 2))


def rot90(image, k: int = 1) -> Tensor:
    """Rotate images counter-clockwise by ``k`` quarter turns.

    Example:
        >>> import jtape as jt
        >>> rot90(jt.constant([[[1], [2]], [[3], [4]]])).numpy()[..., 0].tolist()
        [[2, 4], [1, 3]]
    """
    return _rot90(as_image(image), _static_int(k, "k") % 4)


@op
def _slice_hw(x, top, left, height, width):
    return x[..., top : top + height, left : left + width, :]


def central_crop(image, central_fraction: float) -> Tensor:
    """The central ``central_fraction`` of each image (TF's rounding of the border).

    Example:
        >>> import jtape as jt
        >>> central_crop(jt.zeros([4, 6, 1]), 0.5).shape.as_list()
        [2, 4, 1]
    """
    image = as_image(image)
    f = float(central_fraction)
    if f <= 0.0 or f > 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    if f == 1.0:
        return image
    h, w = image.shape[-3], image.shape[-2]
    top = int((h - h * f) / 2)
    left = int((w - w * f) / 2)
    return _slice_hw(image, top, left, h - 2 * top, w - 2 * left)


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width) -> Tensor:
    """The ``target_height x target_width`` window at ``(offset_height, offset_width)``."""
    image = as_image(image)
    oh, ow = _static_int(offset_height, "offset_height"), _static_int(offset_width, "offset_width")
    th, tw = _static_int(target_height, "target_height"), _static_int(target_width, "target_width")
    h, w = image.shape[-3], image.shape[-2]
    if ow < 0:
        raise ValueError("offset_width must be >= 0.")
    if oh < 0:
        raise ValueError("offset_height must be >= 0.")
    if tw <= 0:
        raise ValueError("target_width must be > 0.")
    if th <= 0:
        raise ValueError("target_height must be > 0.")
    if w < tw + ow:
        raise ValueError("width must be >= target + offset.")
    if h < th + oh:
        raise ValueError("height must be >= target + offset.")
    return _slice_hw(image, oh, ow, th, tw)


@op
def _pad_hw(x, top, bottom, left, right):
    pads = [(0, 0)] * (x.ndim - 3) + [(top, bottom), (left, right), (0, 0)]
    return jnp.pad(x, pads)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width) -> Tensor:
    """Zero-pad images to ``target_height x target_width``, placed at the offsets."""
    image = as_image(image)
    oh, ow = _static_int(offset_height, "offset_height"), _static_int(offset_width, "offset_width")
    th, tw = _static_int(target_height, "target_height"), _static_int(target_width, "target_width")
    h, w = image.shape[-3], image.shape[-2]
    after_w, after_h = tw - ow - w, th - oh - h
    if oh < 0:
        raise ValueError("offset_height must be >= 0")
    if ow < 0:
        raise ValueError("offset_width must be >= 0")
    if after_w < 0:
        raise ValueError("width must be <= target - offset")
    if after_h < 0:
        raise ValueError("height must be <= target - offset")
    return _pad_hw(image, oh, after_h, ow, after_w)


def resize_with_crop_or_pad(image, target_height, target_width) -> Tensor:
    """Centrally crop and/or zero-pad images to the target size (no resampling)."""
    image = as_image(image)
    th, tw = _static_int(target_height, "target_height"), _static_int(target_width, "target_width")
    if tw <= 0:
        raise ValueError("target_width must be > 0.")
    if th <= 0:
        raise ValueError("target_height must be > 0.")
    h, w = image.shape[-3], image.shape[-2]
    dw, dh = tw - w, th - h
    cropped = crop_to_bounding_box(
        image, max(-dh // 2, 0), max(-dw // 2, 0), min(th, h), min(tw, w)
    )
    return pad_to_bounding_box(cropped, max(dh // 2, 0), max(dw // 2, 0), th, tw)


def resize_with_pad(
    image, target_height, target_width, method: str = "bilinear", antialias: bool = False
) -> Tensor:
    """Resize keeping the aspect ratio, then zero-pad to the target size (float32 out)."""
    image = as_image(image)
    th, tw = _static_int(target_height, "target_height"), _static_int(target_width, "target_width")
    if tw <= 0:
        raise ValueError("target_width must be > 0.")
    if th <= 0:
        raise ValueError("target_height must be > 0.")
    f32 = np.float32
    h, w = f32(image.shape[-3]), f32(image.shape[-2])
    ratio = max(w / f32(tw), h / f32(th))
    rh, rw = f32(h / ratio), f32(w / ratio)
    pad_h = max(0, int(np.floor(f32((f32(th) - rh) / f32(2)))))
    pad_w = max(0, int(np.floor(f32((f32(tw) - rw) / f32(2)))))
    resized = resize(image, (int(np.floor(rh)), int(np.floor(rw))), method, antialias=antialias)
    return pad_to_bounding_box(resized, pad_h, pad_w, th, tw)


# --- dtype conversion ---------------------------------------------------------------


def _limits(dtype: np.dtype):
    if jnp.issubdtype(dtype, np.integer):
        info = jnp.iinfo(dtype)
    else:
        info = jnp.finfo(dtype)
    return info.min, info.max


def saturate_limits(in_dtype, out_dtype) -> tuple:
    """TF's ``saturate_cast`` clamp bounds, representable in ``in_dtype``."""
    in_dtype, out_dtype = np.dtype(in_dtype), np.dtype(out_dtype)
    in_min, in_max = _limits(in_dtype)
    out_min, out_max = _limits(out_dtype)
    lo = in_dtype.type(max(in_min, out_min))
    if float(lo) < float(out_min):
        lo = np.nextafter(lo, in_dtype.type(0))
    hi = in_dtype.type(min(float(in_max), float(out_max)))
    if float(hi) > float(out_max):
        hi = np.nextafter(hi, in_dtype.type(0))
    return lo, hi


def saturate_cast_value(x, dtype):
    """Clamp ``x`` to ``dtype``'s range (as TF's ``saturate_cast``), then cast."""
    lo, hi = saturate_limits(x.dtype, dtype)
    clipped = jnp.clip(x, lo, hi)
    if jnp.issubdtype(x.dtype, jnp.floating) and jnp.issubdtype(dtype, jnp.integer):
        # TF's limit for int64 is float(2**63), itself out of range: its CPU cast then
        # gives the minimum (x86), where XLA's cast would saturate to the maximum.
        return _unchecked_cast(clipped, np.dtype(dtype))
    return clipped.astype(dtype)


@op
def _convert_image_dtype(x, dtype, saturate):
    src = np.dtype(x.dtype)
    if src == dtype:
        return x
    src_int, dst_int = jnp.issubdtype(src, np.integer), jnp.issubdtype(dtype, np.integer)
    if src_int and dst_int:
        in_max, out_max = int(jnp.iinfo(src).max), int(jnp.iinfo(dtype).max)
        if in_max > out_max:
            scaled = jnp.floor_divide(x, src.type((in_max + 1) // (out_max + 1)))
            return saturate_cast_value(scaled, dtype) if saturate else scaled.astype(dtype)
        cast = saturate_cast_value(x, dtype) if saturate else x.astype(dtype)
        return cast * dtype.type((out_max + 1) // (in_max + 1))
    if not src_int and not dst_int:
        return x.astype(dtype)
    if src_int:
        return x.astype(dtype) * dtype.type(1.0 / jnp.iinfo(src).max)
    scaled = x * src.type(jnp.iinfo(dtype).max + 0.5)
    return saturate_cast_value(scaled, dtype) if saturate else _unchecked_cast(scaled, dtype)


def _unchecked_cast(x, dtype: np.dtype):
    """Float to integer as TF's CPU kernel casts: out-of-range values wrap (narrow types)
    or become the minimum (int32/int64, like x86's conversion), where XLA would clamp."""
    if dtype.itemsize < 4:
        return _unchecked_cast(x, np.dtype(np.int32)).astype(dtype)
    if dtype.kind == "i":
        low = jnp.iinfo(dtype).min
        inside = (x >= float(low)) & (x < -float(low))
        return jnp.where(inside, x.astype(dtype), dtype.type(low))
    return x.astype(dtype)


def convert_image_dtype(image, dtype, saturate: bool = False) -> Tensor:
    """Convert between image dtypes, rescaling: floats span [0, 1], integers [0, max].

    Integer to integer shifts bits (``uint8`` 255 becomes ``int16`` 32640), float to
    integer multiplies by ``max + 0.5`` and truncates; ``saturate=True`` clamps first.

    Example:
        >>> import jtape as jt
        >>> convert_image_dtype(jt.constant([0.0, 0.5, 1.0]), jt.uint8).numpy().tolist()
        [0, 127, 255]
    """
    image = image if isinstance(image, Tensor) else convert_to_tensor(image)
    dtype = _dtypes.as_dtype(dtype)
    for d in (image.dtype, dtype):
        if not (jnp.issubdtype(d, np.integer) or jnp.issubdtype(d, np.floating)):
            raise AttributeError(f"convert_image_dtype: {np.dtype(d).name} is not an image dtype")
    return _convert_image_dtype(image, np.dtype(dtype), bool(saturate))
