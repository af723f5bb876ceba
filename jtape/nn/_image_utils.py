"""Keras' image file helpers: ``load_img``, ``img_to_array``, ``array_to_img``,
``save_img``, ``smart_resize`` and the decoder used by ``image_dataset_from_directory``.

PNG files decode with jtape's own PNG reader. JPEG, BMP and GIF need Pillow (``pip
install pillow``); without it decoding them raises an ImportError that says so. Like
Keras, ``load_img`` and ``array_to_img`` return PIL images and so always need Pillow;
``save_img`` writes PNG without it.

Example:
    >>> import numpy as np
    >>> from jtape.nn.utils import img_to_array, smart_resize
    >>> img_to_array(np.zeros((2, 3), "uint8")).shape
    (2, 3, 1)
    >>> smart_resize(np.ones((4, 8, 3), "float32"), (2, 2)).shape
    (2, 2, 3)
"""

from __future__ import annotations

import io
import os
import pathlib
import warnings

import numpy as np

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]

_PIL_HINT = "Install Pillow (`pip install pillow`); jtape itself decodes PNG only."


def _pil():
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def _require_pil(what: str):
    image = _pil()
    if image is None:
        raise ImportError(
            f"Could not import PIL.Image. The use of `{what}` requires PIL. {_PIL_HINT}"
        )
    return image


def _data_format(data_format) -> str:
    if data_format is None:
        from ..compat.keras.backend import image_data_format

        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return data_format


def _floatx() -> str:
    from ..compat.keras.backend import floatx

    return floatx()


# The channel counts tf.io.decode_image accepts per format (0 = the file's own).
_CHANNELS = {"BMP": (3, 4), "GIF": (3,), "JPEG": (1, 3), "PNG": (1, 2, 3, 4)}


def _kind(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "PNG"
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:3] == b"GIF":
        return "GIF"
    if data[:2] == b"BM":
        return "BMP"
    return "unknown"


_JPEG_WARNED = [False]


def _warn_jpeg_once() -> None:
    if not _JPEG_WARNED[0]:
        _JPEG_WARNED[0] = True
        warnings.warn(
            "JPEG images are decoded by Pillow with libjpeg's accurate integer IDCT (as "
            "tf.io.decode_jpeg(dct_method='INTEGER_ACCURATE')); TensorFlow's decode_image, "
            "used by Keras' image_dataset_from_directory, uses the fast IDCT, so pixel values "
            "can differ by a few levels (out of 255).",
            stacklevel=3,
        )


def decode_image_file(data: bytes, num_channels: int) -> np.ndarray:
    """``(h, w, num_channels)`` uint8 pixels of PNG/JPEG/BMP/GIF bytes (first GIF frame),
    as ``tf.io.decode_image(..., channels=num_channels, expand_animations=False)``,
    including its refusals (a grayscale BMP/GIF, an RGBA JPEG/GIF)."""
    from .._op_errors import InvalidArgumentError

    kind = _kind(data)
    if kind == "unknown":
        raise InvalidArgumentError(
            None, None, "Unknown image file format. One of JPEG, PNG, GIF, BMP required."
        )
    if num_channels not in _CHANNELS[kind]:
        allowed = ", ".join(str(c) for c in (0, *_CHANNELS[kind]))
        raise InvalidArgumentError(
            None, None, f"`channels` must be {allowed} for {kind}, but got {num_channels}"
        )
    if kind == "PNG":
        from .._io import decode_png

        return np.asarray(decode_png(data, num_channels).numpy())
    image = _pil()
    if image is None:
        raise ImportError(f"Decoding a {kind} image needs Pillow. {_PIL_HINT}")
    img = image.open(io.BytesIO(data))
    img.seek(0)
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[num_channels]
    if kind == "JPEG":
        _warn_jpeg_once()
    if kind == "JPEG" and mode == "L":
        img.draft("L", img.size)  # the decoder's own luma output, as TensorFlow's libjpeg
    return np.asarray(img.convert(mode)).reshape(img.size[1], img.size[0], num_channels)


def img_to_array(img, data_format: str | None = None, dtype=None) -> np.ndarray:
    """A PIL image (or array) as a rank-3 numpy array of ``floatx()`` (or ``dtype``)."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or _floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[..., None]
    raise ValueError(f"Unsupported image shape: {x.shape}")


def _scaled_hwc(x, data_format, scale: bool, dtype) -> np.ndarray:
    x = np.asarray(x, dtype=dtype or _floatx())
    if x.ndim != 3:
        raise ValueError(
            f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}"
        )
    if _data_format(data_format) == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x /= top
        x *= 255
    if x.shape[2] not in (1, 3, 4):
        raise ValueError(f"Unsupported channel number: {x.shape[2]}")
    return x


def array_to_img(x, data_format: str | None = None, scale: bool = True, dtype=None):
    """A rank-3 array as a PIL image (min-max scaled to [0, 255] when ``scale``)."""
    image = _require_pil("array_to_img")
    x = _scaled_hwc(x, data_format, scale, dtype)
    if x.shape[2] == 4:
        return image.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[2] == 3:
        return image.fromarray(x.astype("uint8"), "RGB")
    if np.max(x) > 255:
        return image.fromarray(x[:, :, 0].astype("int32"), "I")
    return image.fromarray(x[:, :, 0].astype("uint8"), "L")


def save_img(
    path, x, data_format: str | None = None, file_format=None, scale: bool = True, **kwargs
):
    """Write a rank-3 array as an image file (format from ``file_format`` or the suffix).

    Without Pillow only PNG can be written (jtape's encoder; ``kwargs`` unused then).
    """
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    if _pil() is None and str(file_format).lower() == "png":
        from .._io import encode_png

        pixels = _scaled_hwc(x, data_format, scale, None)
        if pixels.shape[2] == 1 and np.max(pixels) > 255:
            raise ImportError(f"Saving a 32-bit grayscale image needs Pillow. {_PIL_HINT}")
        data = encode_png(pixels.astype("uint8")).numpy()
        with open(os.fspath(path), "wb") as f:
            f.write(data)
        return
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn(
            "The JPEG format does not support RGBA images, converting to RGB.", stacklevel=2
        )
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


_PIL_METHODS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def load_img(
    path,
    color_mode: str = "rgb",
    target_size=None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
):
    """An image file as a PIL image (needs Pillow, as in Keras)."""
    image = _require_pil("load_img")
    if isinstance(path, io.BytesIO):
        img = image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    wanted = {"grayscale": ("L", "I;16", "I"), "rgba": ("RGBA",), "rgb": ("RGB",)}
    if color_mode not in wanted:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if img.mode not in wanted[color_mode]:
        img = img.convert(wanted[color_mode][0])
    if target_size is None:
        return img
    size = (target_size[1], target_size[0])
    if img.size == size:
        return img
    if interpolation not in _PIL_METHODS:
        raise ValueError(
            f"Invalid interpolation method {interpolation} specified. Supported methods are "
            + ", ".join(_PIL_METHODS)
        )
    resample = getattr(image.Resampling, interpolation.upper())
    if not keep_aspect_ratio:
        return img.resize(size, resample)
    width, height = img.size
    crop_h = min(height, (width * size[1]) // size[0])
    crop_w = min(width, (height * size[0]) // size[1])
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return img.resize(size, resample, box=[left, top, left + crop_w, top + crop_h])


def smart_resize(
    x, size, interpolation: str = "bilinear", data_format: str = "channels_last", **kwargs
):
    """Center-crop ``x`` to the aspect ratio of ``size``, then resize to ``size``.

    ``x`` is ``(h, w, c)`` or ``(n, h, w, c)`` (channels first with ``data_format``);
    numpy in, float32 numpy out (a tensor in, a tensor out).
    """
    from .. import image as _image
    from .._tensor import Tensor
    from .._variable import Variable

    kwargs.pop("backend_module", None)
    if kwargs:
        raise TypeError(f"smart_resize() got unexpected keyword arguments: {list(kwargs.keys())}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    tensor_in = isinstance(x, (Tensor, Variable))
    img = np.asarray(x.numpy() if tensor_in else x)
    if img.ndim not in (3, 4):
        raise ValueError(
            "Expected an image array with shape `(height, width, channels)`, or "
            "`(batch_size, height, width, channels)`, but got input with incorrect rank, of "
            f"shape {img.shape}."
        )
    last = data_format == "channels_last"
    height, width = (img.shape[-3], img.shape[-2]) if last else (img.shape[-2], img.shape[-1])
    th, tw = size
    crop_h = max(min(height, int(float(width * th) / tw)), 1)
    crop_w = max(min(width, int(float(height * tw) / th)), 1)
    h0, w0 = int(float(height - crop_h) / 2), int(float(width - crop_w) / 2)
    rows, cols = slice(h0, h0 + crop_h), slice(w0, w0 + crop_w)
    img = img[..., rows, cols, :] if last else img[..., rows, cols]
    if not last:
        img = np.moveaxis(img, -3, -1)
    out = _image.resize(img, size, method=interpolation)
    if not last:
        from .._array_ops import transpose

        out = transpose(out, (0, 3, 1, 2) if out.ndim == 4 else (2, 0, 1))
    return out if tensor_in else np.array(out.numpy())
