"""TFRecord files: ``tf.io.TFRecordWriter``, ``TFRecordOptions`` and the record reader.

A TFRecord file is a sequence of records, each framed as TF 2.21 writes it::

    uint64 length (little-endian) | uint32 masked CRC32C of those 8 bytes
    data (length bytes)           | uint32 masked CRC32C of the data

where ``masked(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8`` (mod 2**32). The whole
stream may be GZIP- or ZLIB-compressed (zlib level 6, as TF). CRC32C (Castagnoli) is
computed here with a 256-entry table; a record whose checksum does not match raises
``DataLossError``, as TF does.

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.tfrecord")
    >>> with TFRecordWriter(path) as w:
    ...     w.write(b"abc")
    >>> list(read_records(path))
    [b'abc']
"""

from __future__ import annotations

import functools
import struct
import zlib

import numpy as np

from ._op_errors import DataLossError, NotFoundError

_POLY = 0x82F63B78  # CRC32C (Castagnoli), reflected


def _table() -> np.ndarray:
    crc = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        crc = np.where(crc & 1, (crc >> 1) ^ np.uint32(_POLY), crc >> 1).astype(np.uint32)
    return crc


_TABLE = _table().tolist()


_NP_TABLE = np.asarray(_TABLE, np.uint32)
_LANES_FROM = 1 << 13  # below this many bytes the byte loop is as fast


def _raw(data: bytes, state: int) -> int:
    """The register after feeding ``data`` from ``state`` (no final inversion)."""
    table = _TABLE
    for b in data:
        state = table[(state ^ b) & 0xFF] ^ (state >> 8)
    return state


@functools.lru_cache(maxsize=8)
def _zeros_operator(length: int) -> np.ndarray:
    """Tables (4, 256) of the linear map "feed ``length`` zero bytes" on each state byte."""
    states = (
        np.arange(256, dtype=np.uint32)[None, :] << (8 * np.arange(4, dtype=np.uint32))[:, None]
    ).reshape(-1)
    for _ in range(length):
        states = _NP_TABLE[states & 0xFF] ^ (states >> 8)
    return states.reshape(4, 256)


def _raw_lanes(data: bytes, state: int) -> int:
    """``_raw`` for long data: equal lanes advanced together with numpy, then chained
    by linearity (raw(s, A + B) = zeros_len(B)(raw(s, A)) ^ raw(0, B))."""
    n = len(data)
    lane = 1 << max(6, (n.bit_length() - 1) // 2)
    count = n // lane
    lanes = np.frombuffer(data, np.uint8, count * lane).reshape(count, lane).astype(np.uint32)
    crcs = np.zeros(count, np.uint32)
    for i in range(lane):
        crcs = _NP_TABLE[(crcs ^ lanes[:, i]) & 0xFF] ^ (crcs >> 8)
    t0, t1, t2, t3 = (t.tolist() for t in _zeros_operator(lane))
    for c in crcs.tolist():
        state = (
            t0[state & 0xFF]
            ^ t1[(state >> 8) & 0xFF]
            ^ t2[(state >> 16) & 0xFF]
            ^ t3[state >> 24]
            ^ c
        )
    return _raw(data[count * lane :], state)


def crc32c(data: bytes, crc: int = 0) -> int:
    """The CRC32C (Castagnoli) checksum of ``data`` (continuing from ``crc``).

    Example:
        >>> hex(crc32c(b"123456789"))
        '0xe3069283'
    """
    data = bytes(data)
    state = crc ^ 0xFFFFFFFF
    state = _raw(data, state) if len(data) < _LANES_FROM else _raw_lanes(data, state)
    return state ^ 0xFFFFFFFF


def masked_crc(data: bytes) -> int:
    """TFRecord's masked CRC32C of ``data``."""
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def frame(data: bytes) -> bytes:
    """One record (header, data, footer) as the bytes TF writes."""
    length = struct.pack("<Q", len(data))
    return (
        length + struct.pack("<I", masked_crc(length)) + data + struct.pack("<I", masked_crc(data))
    )


_KINDS = {"": "", "NONE": "", "GZIP": "GZIP", "ZLIB": "ZLIB"}


def compression_kind(compression_type, what: str = "compression_type") -> str:
    """``''``, ``'GZIP'`` or ``'ZLIB'`` from TF's spellings (None, options, bytes)."""
    if isinstance(compression_type, TFRecordOptions):
        compression_type = compression_type.compression_type
    if hasattr(compression_type, "numpy"):
        compression_type = compression_type.numpy()
    if isinstance(compression_type, bytes):
        compression_type = compression_type.decode()
    if compression_type is None:
        return ""
    if isinstance(compression_type, str) and compression_type.upper() in _KINDS:
        return _KINDS[compression_type.upper()]
    raise ValueError(f"{what} must be None, '', 'GZIP' or 'ZLIB', got {compression_type!r}")


class TFRecordOptions:
    """Options of a TFRecord file (``tf.io.TFRecordOptions``): its compression.

    Only ``compression_type`` and ``compression_level`` change the bytes written; the
    buffer/window/strategy options of TF are accepted and must keep their defaults.

    Example:
        >>> TFRecordOptions(compression_type="GZIP").compression_type
        'GZIP'
    """

    def __init__(
        self,
        compression_type=None,
        flush_mode=None,
        input_buffer_size=None,
        output_buffer_size=None,
        window_bits=None,
        compression_level=None,
        compression_method=None,
        mem_level=None,
        compression_strategy=None,
    ) -> None:
        compression_kind(compression_type)
        for name, value in (
            ("flush_mode", flush_mode),
            ("window_bits", window_bits),
            ("compression_method", compression_method),
            ("mem_level", mem_level),
            ("compression_strategy", compression_strategy),
        ):
            if value is not None:
                raise NotImplementedError(
                    f"TFRecordOptions: {name}={value!r} is not supported by jtape (only "
                    "compression_type and compression_level change what is written)"
                )
        self.compression_type = compression_type
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options) -> str:
        """``''``, ``'GZIP'`` or ``'ZLIB'`` for options (or a type string, or None)."""
        return compression_kind(options)


class TFRecordWriter:
    """Writes records to a TFRecord file (``tf.io.TFRecordWriter``), byte-for-byte as TF.

    ``options`` is None, ``'GZIP'``, ``'ZLIB'`` or a :class:`TFRecordOptions`.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "a.tfrecord")
        >>> w = TFRecordWriter(path)
        >>> w.write(b"x"); w.close()
        >>> len(open(path, "rb").read())
        17
    """

    def __init__(self, path, options=None) -> None:
        kind = compression_kind(options, "options")
        level = getattr(options, "compression_level", None)
        level = 6 if level is None or level == -1 else int(level)
        path = _path(path)
        try:
            self._file = open(path, "wb")  # noqa: SIM115 - closed by close()
        except FileNotFoundError:
            raise NotFoundError(None, None, f"{path}; No such file or directory") from None
        self._zip = None
        if kind:
            wbits = 31 if kind == "GZIP" else 15
            self._zip = zlib.compressobj(level, zlib.DEFLATED, wbits)

    def write(self, record) -> None:
        """Appends one record (bytes, str or a scalar string tensor)."""
        if self._file is None:
            raise RuntimeError("TFRecordWriter: write() after close()")
        data = frame(_record_bytes(record))
        self._file.write(self._zip.compress(data) if self._zip else data)

    def flush(self) -> None:
        """Flushes the file; a compressed stream gets a zlib partial flush, as in TF."""
        if self._file is not None:
            if self._zip is not None:
                self._file.write(self._zip.flush(zlib.Z_PARTIAL_FLUSH))
            self._file.flush()

    def close(self) -> None:
        """Finishes the file; further writes raise."""
        if self._file is None:
            return
        if self._zip is not None:
            self._file.write(self._zip.flush())
            self._zip = None
        self._file.close()
        self._file = None

    def __enter__(self) -> TFRecordWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _path(path) -> str:
    if hasattr(path, "numpy"):
        path = path.numpy()
    if isinstance(path, bytes):
        path = path.decode()
    return str(path)


def _record_bytes(record) -> bytes:
    if hasattr(record, "numpy"):
        record = record.numpy()
    if isinstance(record, np.ndarray) and record.shape == ():
        record = record.item()
    if isinstance(record, str):
        return record.encode()
    if isinstance(record, (bytes, bytearray, memoryview, np.bytes_)):
        return bytes(record)
    raise TypeError(f"TFRecordWriter.write: expected bytes or str, got {type(record).__name__}")


def _decompress(data: bytes, kind: str, path: str) -> bytes:
    try:
        if kind == "GZIP":
            return zlib.decompress(data, 31)
        if kind == "ZLIB":
            return zlib.decompress(data)
    except zlib.error as e:
        raise DataLossError(None, None, f"{path}: corrupted {kind} stream ({e})") from None
    return data


def read_records(path, compression_type=None):
    """Yields the records (bytes) of one TFRecord file; ``DataLossError`` on corruption."""
    path = _path(path)
    kind = compression_kind(compression_type)
    try:
        with open(path, "rb") as f:
            data = _decompress(f.read(), kind, path)
    except FileNotFoundError:
        raise NotFoundError(None, None, f"{path}; No such file or directory") from None
    pos, n = 0, len(data)
    while pos < n:
        if n - pos < 12:
            raise DataLossError(None, None, f"truncated record at {pos} in {path}")
        header = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (crc,) = struct.unpack("<I", data[pos + 8 : pos + 12])
        if crc != masked_crc(header):
            raise DataLossError(None, None, f"corrupted record at {pos} in {path}")
        end = pos + 12 + length
        if end + 4 > n:
            raise DataLossError(None, None, f"truncated record at {pos} in {path}")
        record = data[pos + 12 : end]
        (crc,) = struct.unpack("<I", data[end : end + 4])
        if crc != masked_crc(record):
            raise DataLossError(None, None, f"corrupted record at {pos} in {path}")
        yield record
        pos = end + 4
