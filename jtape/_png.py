"""PNG encoding and decoding with zlib and numpy (``tf.io.encode_png`` / ``decode_png``).

Encoding writes 8- or 16-bit grey, grey+alpha, RGB or RGBA images, unfiltered rows at
TF's ``compression`` level; the bytes differ from TF's (libpng picks row filters) but
decode to the same pixels. Decoding reads every non-interlaced PNG: bit depths 1-16,
palettes (with ``tRNS`` transparency), all five row filters, and converts channels and
depth as TF's libpng settings do.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode(image: np.ndarray, compression: int = -1) -> bytes:
    """``[h, w, c]`` uint8/uint16 pixels (c in 1-4) as PNG bytes."""
    if image.ndim != 3 or image.shape[-1] not in _COLOR_TYPES:
        raise ValueError(f"encode_png: image must be [height, width, 1-4], got {image.shape}")
    if image.dtype not in (np.uint8, np.uint16):
        raise TypeError(f"encode_png: image must be uint8 or uint16, got {image.dtype.name}")
    if not -1 <= int(compression) <= 9:
        raise ValueError(f"encode_png: compression must be in [-1, 9], got {compression}")
    h, w, c = image.shape
    depth = 8 * image.dtype.itemsize
    header = struct.pack(">IIBBBBB", w, h, depth, _COLOR_TYPES[c], 0, 0, 0)
    rows = image.astype(image.dtype.newbyteorder(">")).reshape(h, -1).view(np.uint8)
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rows], axis=1).tobytes()
    return (
        _SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, int(compression)))
        + _chunk(b"IEND", b"")
    )


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(data: bytes, h: int, stride: int, bpp: int) -> np.ndarray:
    out = np.zeros((h, stride), np.uint8)
    prior = np.zeros(stride, np.int64)
    pos = 0
    for y in range(h):
        kind = data[pos]
        raw = np.frombuffer(data, np.uint8, stride, pos + 1).astype(np.int64)
        pos += stride + 1
        if kind == 0:
            row = raw
        elif kind == 2:
            row = (raw + prior) & 0xFF
        elif kind == 1:  # Sub: a running sum within each byte position of a pixel
            row = raw.copy()
            for i in range(bpp):
                row[i::bpp] = np.cumsum(row[i::bpp]) & 0xFF
        elif kind in (3, 4):
            row = raw.copy()
            up = prior
            for i in range(stride):
                left = int(row[i - bpp]) if i >= bpp else 0
                if kind == 3:
                    pred = (left + int(up[i])) >> 1
                else:
                    pred = _paeth(left, int(up[i]), int(up[i - bpp]) if i >= bpp else 0)
                row[i] = (int(raw[i]) + pred) & 0xFF
        else:
            raise ValueError(f"decode_png: invalid row filter {kind}")
        out[y] = row
        prior = row
    return out


def _read_chunks(data: bytes):
    if not data.startswith(_SIGNATURE):
        raise ValueError("decode_png: the contents are not a PNG image (bad signature)")
    pos = len(_SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        yield kind, data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IEND":
            return


def decode_native(data: bytes) -> tuple[np.ndarray, int]:
    """PNG bytes as ``[h, w, c]`` pixels in the file's own channels, and its bit depth."""
    idat, palette, trns, header = [], None, None, None
    for kind, body in _read_chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = np.frombuffer(body, np.uint8).reshape(-1, 3)
        elif kind == b"tRNS":
            trns = body
        elif kind == b"IDAT":
            idat.append(body)
    if header is None:
        raise ValueError("decode_png: missing IHDR chunk")
    w, h, depth, color, _, _, interlace = header
    if interlace:
        raise NotImplementedError("decode_png: interlaced (Adam7) PNGs are not supported")
    samples = _CHANNELS[color]
    bits = samples * depth
    stride = (w * bits + 7) // 8
    rows = _unfilter(zlib.decompress(b"".join(idat)), h, stride, max(1, bits // 8))
    if depth == 16:
        px = rows.view(">u2").astype(np.uint16).reshape(h, w, samples)
    elif depth == 8:
        px = rows.reshape(h, w, samples)
    else:
        px = np.unpackbits(rows, axis=1).reshape(h, -1, depth)[:, : w * samples]
        px = (px * (1 << np.arange(depth - 1, -1, -1))).sum(-1).astype(np.uint8)
        px = px.reshape(h, w, samples)
    if color == 3:
        if palette is None:
            raise ValueError("decode_png: palette image without PLTE chunk")
        idx = px[..., 0]
        rgb = palette[idx]
        if trns is not None:
            alpha = np.full(len(palette), 255, np.uint8)
            alpha[: len(trns)] = np.frombuffer(trns, np.uint8)
            return np.concatenate([rgb, alpha[idx][..., None]], axis=-1), 8
        return rgb, 8
    if depth < 8:  # grey: scale 1/2/4-bit samples to the 8-bit range, as libpng
        px = (px.astype(np.uint32) * 255 // ((1 << depth) - 1)).astype(np.uint8)
        depth = 8
    return px, depth


def _to_gray(rgb: np.ndarray, top: int) -> np.ndarray:
    # TF asks libpng for weights 0.299/0.587: 15-bit fixed point, truncated.
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    y = (9797 * r + 19234 * g + 3737 * b) >> 15
    return np.minimum(y, top)[..., None]


def convert_channels(px: np.ndarray, channels: int, top: int) -> np.ndarray:
    """Grey/RGB with or without alpha to ``channels`` (0 keeps them)."""
    have = px.shape[-1]
    if channels in (0, have):
        return px
    color = px[..., :3] if have >= 3 else px[..., :1]
    alpha = px[..., have - 1 :] if have in (2, 4) else None
    if channels in (1, 2):
        color = _to_gray(color, top).astype(px.dtype) if color.shape[-1] == 3 else color
    else:
        color = np.repeat(color, 3, axis=-1) if color.shape[-1] == 1 else color
    if channels in (2, 4):
        if alpha is None:
            alpha = np.full(px.shape[:-1] + (1,), top, px.dtype)
        return np.concatenate([color, alpha], axis=-1)
    return color
