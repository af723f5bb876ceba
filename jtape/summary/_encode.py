"""Host-side encodings of summary data, in numpy: histogram buckets, PNG, WAV.

These run on concrete arrays (eagerly, or in the host callback of a compiled step), and
compute what TensorFlow's summary ops compute, so that the event files hold the same
tensors: histograms as float64 ``[k, 3]`` (left edge, right edge, count), images as
PNG strings (jtape's ``tf.io.encode_png``) and audio as 16-bit PCM WAV strings.
"""

from __future__ import annotations

import struct

import numpy as np

from .. import _png


def histogram_buckets(data, buckets: int) -> np.ndarray:
    """``[buckets, 3]`` float64 rows ``(left, right, count)`` as ``tf.summary.histogram``.

    Equal-width buckets from the minimum to the maximum; the maximum falls in the last
    bucket. All-equal data gives ``buckets`` zero-width buckets with every count in the
    last; empty data gives all zeros.
    """
    k = int(buckets)
    x = np.asarray(data, np.float64).reshape(-1)
    if k == 0:
        return np.zeros((0, 3), np.float64)
    if x.size == 0:
        return np.zeros((k, 3), np.float64)
    lo, hi = x.min(), x.max()
    if lo == hi:
        out = np.zeros((k, 3), np.float64)
        out[:, :2] = lo
        out[-1, 2] = x.size
        return out
    width = (hi - lo) / k
    index = np.minimum(np.floor((x - lo) / width).astype(np.int64), k - 1)
    counts = np.bincount(index, minlength=k).astype(np.float64)
    edges = np.linspace(lo, hi, k + 1)
    edges[-1] = hi
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def to_uint8_images(data) -> np.ndarray:
    """Images as uint8, as ``tf.image.convert_image_dtype(data, uint8, saturate=True)``.

    Floats are taken in ``[0, 1]``: scaled by 255.5, clipped and truncated; uint8 passes.
    """
    x = np.asarray(data)
    if x.dtype == np.uint8:
        return x
    if np.issubdtype(x.dtype, np.floating):
        return np.clip(x.astype(np.float64) * 255.5, 0, 255).astype(np.uint8)
    if np.issubdtype(x.dtype, np.integer):
        bits = np.iinfo(x.dtype).bits - (1 if np.issubdtype(x.dtype, np.signedinteger) else 0)
        wide = x.astype(np.int64)
        wide = wide >> (bits - 8) if bits >= 8 else wide << (8 - bits)
        return np.clip(wide, 0, 255).astype(np.uint8)
    raise TypeError(f"image: data must be a float or integer image, got dtype {x.dtype}")


def encode_png(image: np.ndarray) -> bytes:
    """One ``[height, width, channels]`` uint8 image as PNG bytes (``tf.io.encode_png``'s)."""
    return _png.encode(image)


def encode_wav(samples, sample_rate: int) -> bytes:
    """``[frames, channels]`` floats in [-1, 1] as 16-bit PCM WAV bytes (``tf.audio.encode_wav``).

    Samples are scaled by 32768, rounded half away from zero and clipped to int16.
    """
    x = np.asarray(samples, np.float32).astype(np.float64) * 32768.0
    rounded = np.sign(x) * np.floor(np.abs(x) + 0.5)
    pcm = np.clip(rounded, -32768, 32767).astype("<i2")
    frames, channels = pcm.shape
    data = pcm.tobytes()
    fmt = struct.pack(
        "<HHIIHH", 1, channels, sample_rate, sample_rate * channels * 2, channels * 2, 16
    )
    return (
        b"RIFF"
        + struct.pack("<I", 36 + len(data))
        + b"WAVEfmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
