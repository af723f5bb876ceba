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
