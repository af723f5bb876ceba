"""jtape's on-disk form of dataset elements (``Dataset.save``/``load`` and ``cache(filename)``).

A file holds a stream of elements; each element is its flattened leaves, each leaf a
record: dtype name, shape, then the raw little-endian bytes (strings: one length-prefixed
byte string per item). The element spec is written as JSON next to it, so a round trip
restores dtypes, shapes (``None`` dims included) and the nesting of tuples and dicts.
This is not TensorFlow's snapshot format; TF-written files are detected and refused.
"""

from __future__ import annotations

import gzip
import json
import struct
from collections.abc import Iterator

import jax.numpy as jnp
import numpy as np

from .. import _dtypes
from .._op_errors import DataLossError
from . import _structure
from ._structure import TensorSpec

MAGIC = b"JTDS1\n"


# -- element specs as JSON ----------------------------------------------------------
def spec_to_json(spec):
    """An element spec (tuples/dicts of TensorSpec) as JSON-able data."""
    if isinstance(spec, dict):
        return {"dict": {k: spec_to_json(v) for k, v in spec.items()}}
    if isinstance(spec, tuple):
        return {"tuple": [spec_to_json(v) for v in spec]}
    if type(spec) not in (TensorSpec, _structure._BaseTensorSpec):
        raise TypeError(
            f"jtape writes datasets of dense tensors only; got an element component of "
            f"spec {spec!r}"
        )
    shape = None if spec.shape is None else [None if d is None else int(d) for d in spec.shape]
    return {"shape": shape, "dtype": _dtypes.as_dtype(spec.dtype).name}


def spec_from_json(data):
    if "dict" in data:
        return {k: spec_from_json(v) for k, v in data["dict"].items()}
    if "tuple" in data:
        return tuple(spec_from_json(v) for v in data["tuple"])
    shape = None if data["shape"] is None else tuple(data["shape"])
    return TensorSpec(shape, _dtypes.as_dtype(data["dtype"]))


# -- element records ------------------------------------------------------------------
def _write_leaf(f, x) -> None:
    arr = np.asarray(x)
    is_string = arr.dtype == object
    name = "string" if is_string else arr.dtype.name  # native (little-endian) order
    head = name.encode()
    f.write(struct.pack("<B", len(head)) + head)
    f.write(struct.pack("<B", arr.ndim) + struct.pack(f"<{arr.ndim}q", *arr.shape))
    if is_string:
        items = [bytes(v) for v in arr.reshape(-1)]
        f.write(struct.pack(f"<{len(items)}q", *(len(v) for v in items)))
        f.write(b"".join(items))
    else:
        data = np.ascontiguousarray(arr).tobytes()
        f.write(struct.pack("<q", len(data)) + data)


def _read_exact(f, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise DataLossError("jtape dataset file: truncated record (the file is corrupted)")
    return data


def _read_leaf(f):
    (n,) = struct.unpack("<B", _read_exact(f, 1))
    name = _read_exact(f, n).decode()
    (rank,) = struct.unpack("<B", _read_exact(f, 1))
    shape = struct.unpack(f"<{rank}q", _read_exact(f, 8 * rank))
    if name == "string":
        count = int(np.prod(shape, dtype=np.int64))
        lengths = struct.unpack(f"<{count}q", _read_exact(f, 8 * count))
        out = np.empty(count, dtype=object)
        for i, k in enumerate(lengths):
            out[i] = _read_exact(f, k)
        return out.reshape(shape)
    (size,) = struct.unpack("<q", _read_exact(f, 8))
    dtype = np.dtype(jnp.dtype(name))  # jnp knows bfloat16 by name
    return np.frombuffer(_read_exact(f, size), dtype=dtype).reshape(shape).copy()


def _open(path: str, mode: str, compression: str | None):
    if compression in (None, ""):
        return open(path, mode)
    if compression == "GZIP":
        return gzip.open(path, mode)
    raise ValueError(f"compression must be None, '' or 'GZIP' in jtape, got {compression!r}")


class StreamWriter:
    """Writes elements one at a time (``cache`` writes while the pass runs)."""

    def __init__(self, path: str, compression: str | None = None) -> None:
        self._f = _open(path, "wb", compression)
        self._f.write(MAGIC)

    def write(self, element) -> None:
        leaves, _ = _structure.flatten(element)
        self._f.write(b"E")
        for x in leaves:
            _write_leaf(self._f, x)

    def close(self) -> None:
        self._f.write(b"Z")
        self._f.close()


def write_elements(path: str, elements, compression: str | None = None) -> int:
    """Write host ``elements``; returns how many were written."""
    writer = StreamWriter(path, compression)
    count = 0
    try:
        for element in elements:
            writer.write(element)
            count += 1
    finally:
        writer.close()
    return count


def read_elements(path: str, treedef, compression: str | None = None) -> Iterator:
    """The host elements a :func:`write_elements` file holds, rebuilt with ``treedef``."""
    n = treedef.num_leaves
    with _open(path, "rb", compression) as f:
        try:
            head = f.read(len(MAGIC))
        except OSError as e:  # gzip reading a plain file
            raise DataLossError(f"{path}: not a {compression} file ({e})") from None
        if head != MAGIC:
            raise DataLossError(
                f"{path}: not a jtape dataset file (written by TensorFlow, or with another "
                "compression than the one given?)"
            )
        while True:
            tag = _read_exact(f, 1)
            if tag == b"Z":
                return
            if tag != b"E":
                raise DataLossError(f"{path}: corrupted record")
            yield _structure.unflatten(treedef, [_read_leaf(f) for _ in range(n)])


def write_meta(path: str, spec, cardinality: int, compression: str | None) -> None:
    meta = {
        "format": "jtape.data element file",
        "version": 1,
        "element_spec": spec_to_json(spec),
        "cardinality": cardinality,
        "compression": compression or "",
    }
    with open(path, "w") as f:
        json.dump(meta, f)


def read_meta(path: str) -> dict | None:
    """The metadata at ``path``, or None when it is not jtape's (a TF-written file)."""
    try:
        with open(path, "rb") as f:
            meta = json.loads(f.read().decode())
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != "jtape.data element file":
        return None
    return meta
