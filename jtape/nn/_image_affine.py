"""Keras' legacy numpy image transforms (``keras.preprocessing.image.apply_affine_transform``
and friends) with ``scipy.ndimage.affine_transform``'s resampling written in numpy.

The resampling follows scipy's rules for ``order`` 0 (nearest, ``floor(c + 0.5)``) and 1
(bilinear, in float64, cast back to the input dtype): ``constant`` gives ``cval`` for any
point outside ``[0, size - 1]`` (no blending with ``cval``), ``nearest`` clamps, ``reflect``
is half-sample symmetric, and ``wrap`` repeats with period ``size - 1`` as scipy's 'wrap'
does (not TF's). Only ``order`` 0 and 1 are provided (higher orders need scipy's spline
prefilter): other values raise ValueError.

Example:
    >>> import numpy as np
    >>> x = np.arange(9.0).reshape(3, 3, 1)
    >>> # as in Keras, with rows before columns ``tx`` moves along the columns
    >>> apply_affine_transform(x, tx=1, row_axis=0, col_axis=1, channel_axis=2)[..., 0].tolist()
    [[1.0, 2.0, 2.0], [4.0, 5.0, 5.0], [7.0, 8.0, 8.0]]
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "affine_resample",
    "apply_affine_transform",
    "apply_brightness_shift",
    "apply_channel_shift",
    "flip_axis",
    "random_brightness",
    "random_channel_shift",
    "random_rotation",
    "random_shear",
    "random_shift",
    "random_zoom",
    "transform_matrix_offset_center",
]

FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def _map_coordinate(c: np.ndarray, n: int, mode: str) -> np.ndarray:
    """scipy's out-of-range coordinate mapping (float64); ``-1`` marks 'use cval'."""
    lo, hi = c < 0, c > n - 1
    out = c.copy()
    if mode == "constant":
        out[lo | hi] = -1.0
        return out
    if n <= 1:
        out[lo | hi] = 0.0
        return out
    trunc = lambda v: np.trunc(v)  # noqa: E731  C's (npy_intp) cast
    if mode == "reflect":
        sz2 = 2 * n
        v = c[lo]
        far = v < -sz2
        v = np.where(far, sz2 * trunc(-v / sz2) + v, v)
        v = np.where(v < -n, v + sz2, np.where(v > -1e-15, 1e-15, -v) - 1)
        out[lo] = v
        v = c[hi]
        v = v - sz2 * trunc(v / sz2)
        out[hi] = np.where(v >= n, sz2 - v - 1, v)
    else:  # wrap: scipy's period is size - 1
        sz = n - 1
        v = c[lo]
        out[lo] = v + sz * (trunc(-v / sz) + 1)
        v = c[hi]
        out[hi] = v - sz * trunc(v / sz)
    return out


def _index(i: np.ndarray, n: int, mode: str) -> np.ndarray:
    """scipy's border mapping of integer neighbour indices (mirror for constant/wrap)."""
    if mode == "nearest" or n <= 1:
        return np.clip(i, 0, n - 1)
    if mode == "reflect":
        period = 2 * n
        i = np.mod(i, period)
        return np.where(i >= n, period - i - 1, i)
    period = 2 * n - 2  # mirror
    i = np.mod(np.abs(i), period)
    return np.where(i >= n, period - i, i)


def affine_resample(
    image: np.ndarray, matrix, offset, order: int = 1, mode: str = "constant", cval=0.0
) -> np.ndarray:
    """``scipy.ndimage.affine_transform(image, matrix, offset, order, mode, cval)`` for one
    2-D image: output pixel ``o`` reads the input at ``matrix @ o + offset``."""
    if order not in (0, 1):
        raise ValueError(
            f"jtape's affine resampling supports interpolation order 0 or 1 (scipy's "
            f"spline orders 2-5 are not provided); received order={order}"
        )
    if mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}; received {mode!r}")
    image = np.asarray(image)
    h, w = image.shape
    m = np.asarray(matrix, np.float64)
    off = np.asarray(offset, np.float64)
    r = np.arange(h, dtype=np.float64)[:, None]
    c = np.arange(w, dtype=np.float64)[None, :]
    coords = []
    for k, n in enumerate((h, w)):
        t = off[k] + r * m[k, 0]  # scipy's accumulation order
        t = t + c * m[k, 1]
        t = np.broadcast_to(t, (h, w))
        if mode != "nearest":
            t = _map_coordinate(t, n, mode)
        coords.append(t)
    cy, cx = coords
    outside = np.zeros((h, w), bool) if mode == "nearest" else (cy <= -1.0) | (cx <= -1.0)
    cy, cx = np.where(outside, 0.0, cy), np.where(outside, 0.0, cx)
    src = image.astype(np.float64)
    if order == 0:
        iy = _index(np.floor(cy + 0.5).astype(np.int64), h, mode)
        ix = _index(np.floor(cx + 0.5).astype(np.int64), w, mode)
        t = src[iy, ix]
    else:
        y0, x0 = np.floor(cy), np.floor(cx)
        wy1, wx1 = cy - y0, cx - x0
        wy0, wx0 = 1.0 - wy1, 1.0 - wx1
        y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
        iy0, iy1 = _index(y0, h, mode), _index(y0 + 1, h, mode)
        ix0, ix1 = _index(x0, w, mode), _index(x0 + 1, w, mode)
        t = 0.0 + src[iy0, ix0] * wy0 * wx0
        t = t + src[iy0, ix1] * wy0 * wx1
        t = t + src[iy1, ix0] * wy1 * wx0
        t = t + src[iy1, ix1] * wy1 * wx1
    t = np.where(outside, float(cval), t)
    if np.issubdtype(image.dtype, np.integer):
        info = np.iinfo(image.dtype)
        t = np.where(t > 0, t + 0.5, t - 0.5 if info.min < 0 else 0.0)
        return np.clip(t, info.min, info.max).astype(image.dtype)
    return t.astype(image.dtype)


def transform_matrix_offset_center(matrix, x, y) -> np.ndarray:
    """``matrix`` conjugated by a shift to the image centre (``x``, ``y``: the sizes)."""
    ox, oy = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    to_center = np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]])
    back = np.array([[1, 0, -ox], [0, 1, -oy], [0, 0, 1]])
    return np.dot(np.dot(to_center, matrix), back)


def apply_affine_transform(
    x,
    theta=0,
    tx=0,
    ty=0,
    shear=0,
    zx=1,
    zy=1,
    row_axis=1,
    col_axis=2,
    channel_axis=0,
    fill_mode="nearest",
    cval=0.0,
    order=1,
):
    """Rotate (``theta`` degrees), shift (``tx`` rows, ``ty`` columns), shear (degrees) and
    zoom (``zx``, ``zy``) one rank-3 image about its centre, as Keras' legacy function."""
    if np.unique([row_axis, col_axis, channel_axis]).size != 3:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be distinct")
    actual = {row_axis, col_axis, channel_axis}
    if actual != {0, 1, 2}:
        raise ValueError(f"Invalid axis' indices: {actual - {0, 1, 2}}")
    if x.ndim != 3:
        raise ValueError("Input arrays must be multi-channel 2D images.")
    if channel_axis not in [0, 2]:
        raise ValueError("Channels are allowed and the first and last dimensions.")
    parts = []
    if theta != 0:
        a = np.deg2rad(theta)
        parts.append(np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        parts.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if not parts:
        return x
    matrix = parts[0]
    for p in parts[1:]:
        matrix = np.dot(matrix, p)
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(matrix, h, w)
    x = np.rollaxis(x, channel_axis, 0)
    if col_axis > row_axis:
        matrix[:, [0, 1]] = matrix[:, [1, 0]]
        matrix[[0, 1]] = matrix[[1, 0]]
    channels = [
        affine_resample(ch, matrix[:2, :2], matrix[:2, 2], order, fill_mode, cval) for ch in x
    ]
    return np.rollaxis(np.stack(channels, axis=0), 0, channel_axis + 1)


def flip_axis(x, axis):
    """``x`` reversed along ``axis``."""
    return np.flip(np.asarray(x), axis)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel, clipped to the image's own min and max."""
    x = np.rollaxis(x, channel_axis, 0)
    lo, hi = np.min(x), np.max(x)
    x = np.stack([np.clip(ch + intensity, lo, hi) for ch in x], axis=0)
    return np.rollaxis(x, 0, channel_axis + 1)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """:func:`apply_channel_shift` by ``np.random.uniform(-range, range)``."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness, scale=True):
    """PIL's ``ImageEnhance.Brightness`` on a channels-last image (needs Pillow, as Keras):
    the image is quantised to uint8 first, and mapped back to its range when ``scale`` is
    False and it lies outside [0, 255]."""
    from ._image_utils import _require_pil, array_to_img, img_to_array

    _require_pil("apply_brightness_shift")
    from PIL import ImageEnhance

    lo, hi = np.min(x), np.max(x)
    local_scale = (lo < 0) or (hi > 255)
    img = array_to_img(x, scale=local_scale or scale)
    img = ImageEnhance.Brightness(img).enhance(brightness)
    out = img_to_array(img)
    if not scale and local_scale:
        out = out / 255 * (hi - lo) + lo
    return out


def random_brightness(x, brightness_range, scale=True):
    """:func:`apply_brightness_shift` by ``np.random.uniform(*brightness_range)``."""
    if len(brightness_range) != 2:
        raise ValueError(
            f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}"
        )
    u = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, u, scale)


def random_rotation(
    x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
    interpolation_order=1,
):  # fmt: skip
    """Rotate by ``np.random.uniform(-rg, rg)`` degrees."""
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(
        x, theta=theta, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
        fill_mode=fill_mode, cval=cval, order=interpolation_order,
    )  # fmt: skip


def random_shift(
    x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
    interpolation_order=1,
):  # fmt: skip
    """Shift by uniform fractions of the height (``hrg``) and width (``wrg``)."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(
        x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
        fill_mode=fill_mode, cval=cval, order=interpolation_order,
    )  # fmt: skip


def random_shear(
    x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
    interpolation_order=1,
):  # fmt: skip
    """Shear by ``np.random.uniform(-intensity, intensity)`` degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(
        x, shear=shear, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
        fill_mode=fill_mode, cval=cval, order=interpolation_order,
    )  # fmt: skip


def random_zoom(
    x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
    interpolation_order=1,
):  # fmt: skip
    """Zoom rows and columns by two uniform draws from ``zoom_range``."""
    if len(zoom_range) != 2:
        raise ValueError(
            f"`zoom_range` should be a tuple or list of two floats. Received: {zoom_range}"
        )
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(
        x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
        fill_mode=fill_mode, cval=cval, order=interpolation_order,
    )  # fmt: skip
