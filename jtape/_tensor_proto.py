"""TensorFlow's ``TensorProto`` bytes (``tf.io.serialize_tensor`` / ``parse_tensor``).

The protobuf wire format of the few fields a tensor needs, written and read directly
(no protobuf dependency): ``dtype`` (1), ``tensor_shape`` (2, its ``dim`` 2 with
``size`` 1), ``tensor_content`` (4, raw little-endian values, what TF writes for
numbers) and the typed ``*_val`` fields TF also reads (``float_val`` 5 ... ``half_val``
13, packed or not; a short list is padded with its last value, as TF does).
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

# TF DataType enum <-> numpy dtype.
_ENUM = {
    1: np.float32,
    2: np.float64,
    3: np.int32,
    4: np.uint8,
    5: np.int16,
    6: np.int8,
    7: object,
    8: np.complex64,
    9: np.int64,
    10: np.bool_,
    14: ml_dtypes.bfloat16,
    17: np.uint16,
    18: np.complex128,
    19: np.float16,
    22: np.uint32,
    23: np.uint64,
}
_CODE = {np.dtype(v): k for k, v in _ENUM.items()}

# typed value fields: field number -> (numpy dtype of one packed element, wire kind)
_VALUE_FIELDS = {
    5: ("<f4", "fixed32"),
    6: ("<f8", "fixed64"),
    7: ("int32", "varint"),
    9: ("<f4", "fixed32"),
    10: ("int64", "varint"),
    11: ("bool", "varint"),
    12: ("<f8", "fixed64"),
    13: ("int32", "varint"),
    16: ("uint32", "varint"),
    17: ("uint64", "varint"),
}


def dtype_code(dtype) -> int:
    try:
        return _CODE[np.dtype(dtype)]
    except KeyError:
        raise TypeError(f"serialize_tensor: unsupported dtype {np.dtype(dtype).name}") from None


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number: int, wire: int) -> bytes:
    return _varint((number << 3) | wire)


def _len_field(number: int, payload: bytes) -> bytes:
    return _field(number, 2) + _varint(len(payload)) + payload


def serialize(arr: np.ndarray) -> bytes:
    """``arr`` (numeric, bool or an object array of bytes) as TensorProto bytes."""
    out = bytearray()
    code = dtype_code(arr.dtype)
    out += _field(1, 0) + _varint(code)
    shape = b"".join(_len_field(2, (_field(1, 0) + _varint(d)) if d else b"") for d in arr.shape)
    out += _len_field(2, shape)
    if code == 7:
        for s in arr.reshape(-1):
            out += _len_field(8, bytes(s))
    elif arr.size:
        out += _len_field(
            4, np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        )
    return bytes(out)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = memoryview(data), 0

    def varint(self) -> int:
        shift = result = 0
        while True:
            if self.pos >= len(self.data):
                raise ValueError("truncated varint")
            b = self.data[self.pos]
            self.pos += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def fields(self):
        while self.pos < len(self.data):
            key = self.varint()
            number, wire = key >> 3, key & 7
            if wire == 0:
                yield number, wire, self.varint()
            elif wire == 1:
                yield number, wire, bytes(self.data[self.pos : self.pos + 8])
                self.pos += 8
            elif wire == 2:
                n = self.varint()
                yield number, wire, bytes(self.data[self.pos : self.pos + n])
                self.pos += n
            elif wire == 5:
                yield number, wire, bytes(self.data[self.pos : self.pos + 4])
                self.pos += 4
            else:
                raise ValueError(f"unsupported protobuf wire type {wire}")
            if self.pos > len(self.data):
                raise ValueError("truncated message")


def _signed(n: int, bits: int) -> int:
    return n - (1 << bits) if n >= 1 << (bits - 1) else n


def _shape(payload: bytes) -> tuple[int, ...]:
    dims = []
    for number, _, value in _Reader(payload).fields():
        if number == 2:
            size = 0
            for n, _, v in _Reader(value).fields():
                if n == 1:
                    size = _signed(v, 64)
            dims.append(size)
        elif number == 3 and value:
            raise ValueError("parse_tensor: the TensorProto has an unknown rank")
    return tuple(dims)


def _values(number: int, wire: int, value) -> list:
    elem, kind = _VALUE_FIELDS[number]
    if kind == "varint":
        if wire == 0:
            raw = [value]
        else:
            r = _Reader(value)
            raw = []
            while r.pos < len(r.data):
                raw.append(r.varint())
        if elem in ("int32", "int64"):
            return [_signed(v, 64) for v in raw]
        return raw
    return list(np.frombuffer(value, elem))  # packed (wire 2) or one fixed-size value


def parse(data: bytes) -> np.ndarray:
    """TensorProto bytes as a numpy array (bytes objects for strings)."""
    code, shape, content = 0, (), None
    strings: list = []
    vals: dict[int, list] = {}
    for number, wire, value in _Reader(data).fields():
        if number == 1:
            code = value
        elif number == 2:
            shape = _shape(value)
        elif number == 4:
            content = value
        elif number == 8:
            strings.append(value)
        elif number in _VALUE_FIELDS:
            vals.setdefault(number, []).extend(_values(number, wire, value))
    if code not in _ENUM:
        raise ValueError(f"parse_tensor: unsupported TensorProto dtype enum {code}")
    dtype = np.dtype(_ENUM[code])
    size = int(np.prod(shape)) if shape else 1
    if code == 7:
        arr = np.empty(len(strings), object)
        arr[:] = strings
        return _fill(arr, size).reshape(shape)
    if content is not None:
        return np.frombuffer(content, dtype.newbyteorder("<")).astype(dtype).reshape(shape)
    flat = next(iter(vals.values()), [])
    if code in (8, 18):  # complex: interleaved real/imaginary parts
        pairs = np.asarray(flat, np.float64).reshape(-1, 2)
        arr = (pairs[:, 0] + 1j * pairs[:, 1]).astype(dtype)
    elif code in (14, 19):  # bfloat16/half: the values' bit patterns in int_val
        arr = np.asarray(flat, np.uint16).view(dtype)
    else:
        arr = np.asarray(flat).astype(dtype)
    return _fill(arr, size).reshape(shape)


def _fill(arr: np.ndarray, size: int) -> np.ndarray:
    if arr.size == size:
        return arr
    if arr.size == 0:
        return np.zeros(size, arr.dtype) if arr.dtype != object else np.full(size, b"", object)
    if arr.size > size:
        raise ValueError(f"parse_tensor: {arr.size} values for {size} elements")
    return np.concatenate([arr, np.repeat(arr[-1:], size - arr.size)])
