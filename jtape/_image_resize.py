"""``tf.image.resize``: TF's eight methods as one separable linear map per axis.

Every TF resize method except nearest is linear along each spatial axis, so one
``[out, in]`` weight matrix per axis (built on the host with numpy from the static
shapes, then applied with two ``einsum``s) reproduces it, and JAX differentiates it.
The matrices follow TF's kernels: the legacy ``ResizeBilinear``/``ResizeBicubic``/
``ResizeArea`` ops (half-pixel centres; bicubic's 1024-entry coefficient table) when
``antialias=False``, and ``ScaleAndTranslate``'s kernels (triangle, Keys cubic,
Lanczos, Gaussian, Mitchell) otherwise.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from ._op import op
from ._op_errors import InvalidArgumentError
from ._tensor import Tensor

METHODS = (
    "bilinear",
    "nearest",
    "bicubic",
    "area",
    "lanczos3",
    "lanczos5",
    "gaussian",
    "mitchellcubic",
)


class ResizeMethod:
    """TF's method names for :func:`resize` (``tf.image.ResizeMethod``)."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


def _keys_cubic(x):
    x = np.abs(x)
    return np.where(
        x >= 2.0,
        0.0,
        np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, (1.5 * x - 2.5) * x * x + 1.0),
    )


def _mitchell(x):
    x = np.abs(x)
    return np.where(
        x >= 2.0,
        0.0,
        np.where(
            x >= 1.0,
            ((-7.0 / 18.0 * x + 2.0) * x - 10.0 / 3.0) * x + 16.0 / 9.0,
            (7.0 / 6.0 * x - 2.0) * x * x + 8.0 / 9.0,
        ),
    )


def _lanczos(radius: float):
    def kernel(x):
        x = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius) / (np.pi * np.pi * x * x)
        return np.where(x > radius, 0.0, np.where(x <= 1e-3, 1.0, v))

    return kernel, radius


def _gaussian(x):
    x = np.abs(x)
    sigma = 0.5  # TF: radius 1.5 = 3 sigma
    return np.where(x >= 1.5, 0.0, np.exp(-x * x / (2.0 * sigma * sigma)))


# ScaleAndTranslate's kernels: (function of |x|, radius).
_KERNELS = {
    "bilinear": (lambda x: np.maximum(1.0 - np.abs(x), 0.0), 1.0),
    "bicubic": (_keys_cubic, 2.0),
    "lanczos3": _lanczos(3.0),
    "lanczos5": _lanczos(5.0),
    "gaussian": (_gaussian, 1.5),
    "mitchellcubic": (_mitchell, 2.0),
}


def _scale_translate_weights(n_in: int, n_out: int, method: str, antialias: bool) -> np.ndarray:
    """TF's ScaleAndTranslate spans as a dense ``[n_out, n_in]`` matrix.

    Positions are computed in float32 as TF does: the kernels' cut-offs (Gaussian's
    is at 1.5, where it is far from 0) make rounding differences visible.
    """
    f32 = np.float32
    kernel, radius = _KERNELS[method]
    inv_scale = f32(1.0 / (f32(n_out) / f32(n_in)))
    kscale = max(inv_scale, f32(1.0)) if antialias else f32(1.0)
    reach = f32(f32(radius) * kscale)
    w = np.zeros((n_out, n_in))
    for o in range(n_out):
        sample = f32(f32(o + 0.5) * inv_scale)
        if sample < 0 or sample > n_in:
            continue
        start = min(max(math.ceil(f32(sample - reach) - f32(0.5)), 0), n_in - 1)
        end = min(max(math.floor(f32(sample + reach) - f32(0.5)), 0), n_in - 1) + 1
        pos = (np.arange(start, end, dtype=f32) + f32(0.5) - sample) * (f32(1.0) / kscale)
        row = kernel(np.abs(pos).astype(np.float64))
        total = row.sum()
        if abs(total) >= 1000.0 * np.finfo(np.float32).tiny:
            row = row / total
        w[o, start:end] = row
    return w


def _legacy_scale(n_in: int, n_out: int) -> np.float32:
    return np.float32(n_in) / np.float32(n_out)


def _bilinear_weights(n_in: int, n_out: int) -> np.ndarray:
    """TF's ResizeBilinear with half-pixel centres (float32 source positions)."""
    scale = _legacy_scale(n_in, n_out)
    pos = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    low = np.floor(pos)
    lerp = (pos - low).astype(np.float64)
    lo = np.maximum(low, 0).astype(int)
    hi = np.minimum(np.ceil(pos), n_in - 1).astype(int)
    w = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    np.add.at(w, (rows, lo), 1.0 - lerp)
    np.add.at(w, (rows, hi), lerp)
    return w


def _bicubic_weights(n_in: int, n_out: int) -> np.ndarray:
    """TF's ResizeBicubic with half-pixel centres: Keys' kernel sampled from a table."""
    scale = _legacy_scale(n_in, n_out)
    pos = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    base = np.floor(pos)
    # TF reads the kernel from a 1024-entry table, i.e. at the rounded-off fraction.
    frac = np.round((pos - base).astype(np.float64) * 1024.0) / 1024.0
    w = np.zeros((n_out, n_in))
    for o in range(n_out):
        idx = int(base[o]) + np.arange(-1, 3)
        coef = _keys_cubic(np.array([1.0 + frac[o], frac[o], 1.0 - frac[o], 2.0 - frac[o]]))
        inside = (idx >= 0) & (idx < n_in)
        coef = np.where(inside, coef, 0.0)
        total = coef.sum()
        if abs(total) >= 1000.0 * np.finfo(np.float32).tiny:
            coef = coef / total
        np.add.at(w[o], np.clip(idx, 0, n_in - 1), coef)
    return w


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """TF's ResizeArea: each output averages the input cells its footprint overlaps."""
    scale = float(_legacy_scale(n_in, n_out))
    w = np.zeros((n_out, n_in))
    for o in range(n_out):
        a, b = o * scale, (o + 1) * scale
        for i in range(int(math.floor(a)), min(int(math.ceil(b)), n_in)):
            w[o, i] = (min(i + 1.0, b) - max(float(i), a)) / scale
    return w


@functools.lru_cache(maxsize=256)
def weights(n_in: int, n_out: int, method: str, antialias: bool) -> np.ndarray:
    """The ``[n_out, n_in]`` matrix TF's ``method`` applies along one axis."""
    if method == "area":
        return _area_weights(n_in, n_out)
    if not antialias and method == "bilinear":
        return _bilinear_weights(n_in, n_out)
    if not antialias and method == "bicubic":
        return _bicubic_weights(n_in, n_out)
    return _scale_translate_weights(n_in, n_out, method, antialias)


def _nearest_index(n_in: int, n_out: int) -> np.ndarray:
    pos = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * _legacy_scale(n_in, n_out)
    return np.clip(np.floor(pos).astype(int), 0, n_in - 1)


@op
def _resize(images, size, method, antialias):
    h, w = images.shape[1], images.shape[2]
    if method == "nearest":
        out = jnp.take(images, _nearest_index(h, size[0]), axis=1)
        return jnp.take(out, _nearest_index(w, size[1]), axis=2)
    dtype = jnp.float64 if images.dtype == jnp.float64 else jnp.float32
    x = images.astype(dtype)
    if method == "area":
        from ._tf_gradients import no_registered_gradient as no_gradient

        x = no_gradient(x, "ResizeArea")
    wh = jnp.asarray(weights(h, size[0], method, antialias), dtype)
    ww = jnp.asarray(weights(w, size[1], method, antialias), dtype)
    hi = jax.lax.Precision.HIGHEST
    x = jnp.einsum("oh,nhwc->nowc", wh, x, precision=hi)
    x = jnp.einsum("pw,nowc->nopc", ww, x, precision=hi)
    return x.astype(jnp.float32)


def static_size(size, name: str = "size") -> tuple[int, int]:
    """``size`` as two Python ints (jtape needs static output shapes)."""
    value = getattr(size, "_value", size)
    if isinstance(value, jax.core.Tracer):
        raise ValueError(
            f"{name} must be known when the program is traced (jtape compiles static "
            "shapes); pass Python ints or a concrete tensor"
        )
    arr = np.asarray(value).reshape(-1)
    if arr.shape != (2,):
        raise ValueError(f"'{name}' must be a 1-D Tensor of 2 elements: new_height, new_width")
    if arr.dtype.kind not in "iu":
        raise ValueError(f"'{name}' must be a 1-D int32 Tensor")
    for d in arr.tolist():
        if d < 0:
            raise ValueError(f"Dimension {d} must be >= 0")
    return int(arr[0]), int(arr[1])


_RESIZABLE = {"int8", "uint8", "int16", "uint16", "int32", "int64", "bfloat16"}
_RESIZABLE |= {"float16", "float32", "float64"}


def image_rank(images) -> int:
    rank = len(getattr(images, "shape", np.shape(images)))
    if rank not in (3, 4):
        raise ValueError("'images' must have either 3 or 4 dimensions.")
    return rank


def resize(
    images,
    size,
    method: str = ResizeMethod.BILINEAR,
    preserve_aspect_ratio: bool = False,
    antialias: bool = False,
) -> Tensor:
    """Resize ``[h, w, c]`` or ``[n, h, w, c]`` images to ``size`` with TF's ``method``.

    The result is float32 except for ``"nearest"``, which keeps the input dtype (TF's
    rule). ``antialias`` widens the kernel when downsampling (ignored by ``"nearest"``
    and ``"area"``, as in TF).

    Example:
        >>> import jtape as jt
        >>> x = jt.reshape(jt.range(4.0), [2, 2, 1])
        >>> resize(x, [4, 4]).numpy()[..., 0][0].tolist()
        [0.0, 0.25, 0.75, 1.0]
    """
    from ._array_ops import convert_to_tensor

    images = images if isinstance(images, Tensor) else convert_to_tensor(images)
    rank = image_rank(images)
    method = str(getattr(method, "value", method)).lower()
    if method not in METHODS:
        raise ValueError(f"Resize method is not implemented: {method}")
    new_h, new_w = static_size(size)
    h, w = images.shape[-3], images.shape[-2]
    if np.dtype(images.dtype).name not in _RESIZABLE:
        raise InvalidArgumentError(
            f"Value for attr 'T' of {np.dtype(images.dtype).name} is not in the list of allowed "
            "values: int8, uint8, int16, uint16, int32, int64, bfloat16, half, float, double"
        )
    if preserve_aspect_ratio:
        f32 = np.float32
        factor = min(f32(new_h) / f32(h), f32(new_w) / f32(w))
        new_h = int(np.round(f32(factor) * f32(h)))
        new_w = int(np.round(f32(factor) * f32(w)))
    if 0 in (h, w):
        raise InvalidArgumentError("input image must be of non-zero size")
    if 0 in (new_h, new_w):
        raise InvalidArgumentError("output dimensions must be positive")
    if rank == 3:
        from ._array_ops import expand_dims, squeeze

        return squeeze(_resize(expand_dims(images, 0), (new_h, new_w), method, bool(antialias)), 0)
    return _resize(images, (new_h, new_w), method, bool(antialias))
