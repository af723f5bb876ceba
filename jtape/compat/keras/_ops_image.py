"""``keras.ops.image.resize`` on jtape's ``tf.image.resize`` (Keras' TensorFlow backend
calls the same function)."""

from __future__ import annotations

from ... import _array_ops as A
from ..._image_resize import resize as _tf_resize
from ..._tensor import Tensor
from ._ops_dtypes import tensor

_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def resize(
    images,
    size,
    interpolation: str = "bilinear",
    antialias: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    data_format=None,
) -> Tensor:
    """Resize ``(h, w, c)`` or ``(n, h, w, c)`` images to ``size = (height, width)``.

    Example:
        >>> import jtape.compat.keras as keras
        >>> keras.ops.image.resize(keras.ops.ones((1, 2, 2, 3)), (4, 4)).shape
        (1, 4, 4, 3)
    """
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            "Invalid value for argument `interpolation`. Expected of one "
            f"{_INTERPOLATIONS}. Received: interpolation={interpolation}"
        )
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        raise NotImplementedError(
            "keras.ops.image.resize: crop_to_aspect_ratio/pad_to_aspect_ratio are not "
            "supported by jtape; crop or pad the images first"
        )
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers. Received: size={size}")
    x = tensor(images)
    if x.ndim not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of "
            f"images). Received input with shape: images.shape={tuple(x.shape)}"
        )
    channels_first = data_format == "channels_first"
    if channels_first:
        x = A.transpose(x, (0, 2, 3, 1) if x.ndim == 4 else (1, 2, 0))
    out = _tf_resize(x, [int(s) for s in size], method=interpolation, antialias=antialias)
    if channels_first:
        out = A.transpose(out, (0, 3, 1, 2) if out.ndim == 4 else (2, 0, 1))
    return out


_AFFINE_INTERPOLATIONS = ("nearest", "bilinear")
_AFFINE_FILL_MODES = ("constant", "nearest", "wrap", "reflect")  # TF has no "mirror"


def affine_transform(
    images,
    transform,
    interpolation: str = "bilinear",
    fill_mode: str = "constant",
    fill_value: float = 0,
    data_format=None,
) -> Tensor:
    """Warp images by projective transform(s) ``[a0, a1, a2, b0, b1, b2, c0, c1]`` (each
    maps an output point to the input point it reads), with TF's
    ``ImageProjectiveTransformV3`` rules (Keras' TensorFlow backend).

    Example:
        >>> import numpy as np
        >>> import jtape.compat.keras as keras
        >>> x = np.arange(4.0, dtype=np.float32).reshape(1, 4, 1)
        >>> shift = np.array([1, 0, -1, 0, 1, 0, 0, 0], np.float32)  # right by one
        >>> keras.ops.image.affine_transform(x, shift).numpy().ravel().tolist()
        [0.0, 0.0, 1.0, 2.0]
    """
    from ..._image_projective import image_projective_transform_v3

    if interpolation not in _AFFINE_INTERPOLATIONS:
        raise ValueError(
            "Invalid value for argument `interpolation`. Expected of one "
            f"{_AFFINE_INTERPOLATIONS}. Received: interpolation={interpolation}"
        )
    if fill_mode not in _AFFINE_FILL_MODES:
        raise ValueError(
            "Invalid value for argument `fill_mode`. Expected of one "
            f"{_AFFINE_FILL_MODES}. Received: fill_mode={fill_mode}"
        )
    x, t = tensor(images), tensor(transform)
    if x.ndim not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of "
            f"images). Received input with shape: images.shape={tuple(x.shape)}"
        )
    if t.ndim not in (1, 2):
        raise ValueError(
            "Invalid transform rank: expected rank 1 (single transform) or rank 2 (batch "
            f"of transforms). Received input with shape: transform.shape={tuple(t.shape)}"
        )
    unbatched = x.ndim == 3
    if unbatched:
        x = A.expand_dims(x, 0)
    if t.ndim == 1:
        t = A.expand_dims(t, 0)
    channels_first = data_format == "channels_first"
    if channels_first:
        x = A.transpose(x, (0, 2, 3, 1))
    out = image_projective_transform_v3(
        x, t, tuple(x.shape)[1:3], float(fill_value), interpolation.upper(), fill_mode.upper()
    )
    if channels_first:
        out = A.transpose(out, (0, 3, 1, 2))
    return A.squeeze(out, 0) if unbatched else out


def extract_patches(
    images, size, strides=None, dilation_rate=1, padding: str = "valid", data_format=None
) -> Tensor:
    """Patches of ``size`` (2 ints: 2D, 3 ints: 3D) flattened into the channel axis, as
    Keras computes them: a convolution with an identity kernel.

    Example:
        >>> import jtape.compat.keras as keras
        >>> keras.ops.image.extract_patches(keras.ops.ones((1, 4, 4, 3)), 2).shape
        (1, 2, 2, 12)
    """
    import numpy as np

    from ._ops_nn import conv

    three_d = not isinstance(size, int) and len(size) == 3
    n = 3 if three_d else 2
    if isinstance(size, int):
        size = (size,) * n
    elif len(size) != 2 and not three_d:
        raise ValueError(
            "Invalid `size` argument. Expected a tuple of length 2 or 3. "
            f"Received: size={size} with length {len(size)}"
        )
    x = tensor(images)
    first = (data_format or "channels_last") == "channels_first"
    channels = x.shape[-(n + 1)] if first else x.shape[-1]
    out_dim = int(np.prod(size)) * channels
    kernel = tensor(np.eye(out_dim).reshape(tuple(size) + (channels, out_dim)), x.dtype)
    unbatched = x.ndim == n + 1
    if unbatched:
        x = A.expand_dims(x, 0)
    patches = conv(x, kernel, strides or size, padding, data_format, dilation_rate)
    return A.squeeze(patches, [0]) if unbatched else patches


def rgb_to_grayscale(images, data_format=None) -> Tensor:
    """Luma ``0.2989 R + 0.5870 G + 0.1140 B`` as one channel (in the input's dtype)."""
    import numpy as np

    from ._ops_dtypes import float_type
    from ._ops_math import tensordot

    x = tensor(images)
    axis = -3 if (data_format or "channels_last") == "channels_first" else -1
    if x.ndim not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
            f"Received input with shape: images.shape={tuple(x.shape)}"
        )
    if x.shape[axis] not in (1, 3):
        raise ValueError(
            "Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received input with "
            f"shape: images.shape={tuple(x.shape)}"
        )
    if x.shape[axis] == 1:
        return A.identity(x)
    dtype = x.dtype
    x = tensor(x, float_type(x))
    weights = tensor(np.array([0.2989, 0.5870, 0.1140]), x.dtype)
    gray = tensordot(x, weights, axes=([x.ndim + axis], [0]))
    return tensor(A.expand_dims(gray, axis), dtype)
