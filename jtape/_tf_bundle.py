"""Reading TensorFlow's checkpoints: the tensor-bundle format (``prefix.index`` + data shards).

A TF checkpoint ``prefix`` is an index file ``prefix.index`` and data shards
``prefix.data-SSSSS-of-NNNNN``. The index is a LevelDB-format table (an SSTable):

* the last 48 bytes are a footer: two block handles (varint offset, varint size), the
  metaindex's and the index's, zero padding to 40 bytes, then the 8-byte magic number;
* a block holds entries ``varint shared, varint unshared, varint value length, the key's
  unshared tail, value`` (each key shares ``shared`` leading bytes with the previous
  one), then the restart offsets (uint32 each) and their count (uint32); after the block
  come one compression byte (TF writes 0, none) and the masked CRC32C of block + that byte;
* the index block maps each data block's last key to that block's handle.

Keys are tensor names; the empty key holds a ``BundleHeaderProto`` (``num_shards`` 1,
``endianness`` 2, ``version`` 3) and every other value is a ``BundleEntryProto``
(``dtype`` 1, ``shape`` 2, ``shard_id`` 3, ``offset`` 4, ``size`` 5, ``crc32c`` 6 as
fixed32, ``slices`` 7). A numeric tensor is its raw little-endian bytes at
``offset``/``size`` of its shard; a string tensor is the element lengths (uint32 varints),
a masked CRC32C of the lengths as little-endian uint32s, then the bytes of every element.
The entry's ``crc32c`` is the masked CRC32C of the value as stored (for strings: of the
lengths as uint32s, the length checksum, then the bytes). Everything read is verified.

Example:
    >>> import os, tempfile
    >>> is_tf_checkpoint(os.path.join(tempfile.mkdtemp(), "ckpt-1"))
    False
"""

from __future__ import annotations

import os
import struct

import numpy as np

from . import _dtypes
from ._checkpoint_io import (
    KEY_SUFFIX,
    CheckpointDataLossError,
    CheckpointNotFoundError,
    CheckpointReader,
)
from ._tensor_proto import _ENUM, _Reader, _shape, _signed
from ._tfrecord import masked_crc

MAGIC = 0xDB4775248B80FB57  # LevelDB's table magic number (little-endian at the file's end)
FOOTER_SIZE = 48
OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
_STRING = 7


def is_tf_checkpoint(prefix: str) -> bool:
    """Whether ``prefix`` names a TF checkpoint (``prefix.index`` exists, prefix is no dir)."""
    return not os.path.isdir(prefix) and os.path.isfile(prefix + ".index")


def _corrupt(path: str, why: str) -> CheckpointDataLossError:
    return CheckpointDataLossError(
        f"TensorFlow checkpoint file {path} is unreadable or corrupted: {why}"
    )


# -- the SSTable ----------------------------------------------------------------------------
def _varint_at(data: bytes, pos: int) -> tuple[int, int]:
    r = _Reader(data)
    r.pos = pos
    value = r.varint()
    return value, r.pos


def _block(data: bytes, handle: tuple[int, int], path: str) -> bytes:
    """The contents of the block at ``handle`` (offset, size), its trailer verified."""
    offset, size = handle
    end = offset + size
    if end + 5 > len(data):
        raise _corrupt(path, f"a block at {offset} (+{size}) runs past the end of the file")
    contents, kind = data[offset:end], data[end]
    (stored,) = struct.unpack("<I", data[end + 1 : end + 5])
    if masked_crc(data[offset : end + 1]) != stored:
        raise _corrupt(path, f"the checksum of the block at offset {offset} does not match")
    if kind != 0:
        raise NotImplementedError(
            f"{path}: a block is compressed (type {kind}); TensorFlow writes checkpoint "
            "indexes uncompressed and jtape reads only those"
        )
    return contents


def _block_entries(block: bytes, path: str):
    """``(key, value)`` of every entry of a block, in order."""
    if len(block) < 4:
        raise _corrupt(path, "a block is shorter than its restart count")
    (restarts,) = struct.unpack("<I", block[-4:])
    limit = len(block) - 4 - 4 * restarts
    if limit < 0:
        raise _corrupt(path, "a block's restart array is larger than the block")
    key, pos = b"", 0
    while pos < limit:
        shared, pos = _varint_at(block, pos)
        unshared, pos = _varint_at(block, pos)
        length, pos = _varint_at(block, pos)
        if shared > len(key) or pos + unshared + length > limit:
            raise _corrupt(path, "a block entry is malformed")
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        yield key, block[pos : pos + length]
        pos += length


def read_table(path: str) -> dict[bytes, bytes]:
    """Every ``key: value`` of the LevelDB-format table in the file at ``path``."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        msg = f"cannot read TensorFlow checkpoint index {path}: {e}"
        raise CheckpointNotFoundError(msg) from None
    if len(data) < FOOTER_SIZE:
        raise _corrupt(path, f"{len(data)} bytes, shorter than a table footer")
    footer = data[-FOOTER_SIZE:]
    if struct.unpack("<Q", footer[-8:])[0] != MAGIC:
        raise _corrupt(path, "the table magic number is missing (not a checkpoint index?)")
    try:
        pos = 0
        handles = []
        for _ in range(4):  # metaindex offset, size; index offset, size
            value, pos = _varint_at(footer, pos)
            handles.append(value)
    except ValueError:
        raise _corrupt(path, "the footer's block handles are malformed") from None
    index_handle = (handles[2], handles[3])
    table: dict[bytes, bytes] = {}
    try:
        for _, handle_bytes in _block_entries(_block(data, index_handle, path), path):
            offset, p = _varint_at(handle_bytes, 0)
            size, _ = _varint_at(handle_bytes, p)
            for key, value in _block_entries(_block(data, (offset, size), path), path):
                table[key] = value
    except ValueError as e:  # a truncated varint
        raise _corrupt(path, str(e)) from None
    return table


# -- the bundle ---------------------------------------------------------------------------
class BundleEntry:
    """One tensor's ``BundleEntryProto``: where its bytes are and what they hold."""

    __slots__ = ("name", "code", "shape", "shard_id", "offset", "size", "crc32c", "slices")

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self.code, self.shape, self.shard_id = 0, (), 0
        self.offset = self.size = self.crc32c = 0
        self.slices: list[list[tuple[int, int]]] = []  # per slice: (start, length or -1)
        for number, wire, value in _Reader(data).fields():
            if number == 1 and wire == 0:
                self.code = value
            elif number == 2 and wire == 2:
                self.shape = _shape(value)
            elif number == 3 and wire == 0:
                self.shard_id = value
            elif number == 4 and wire == 0:
                self.offset = value
            elif number == 5 and wire == 0:
                self.size = value
            elif number == 6 and wire == 5:
                (self.crc32c,) = struct.unpack("<I", value)
            elif number == 7 and wire == 2:
                self.slices.append(_extents(value))

    @property
    def dtype(self) -> np.dtype:
        if self.code not in _ENUM:
            raise NotImplementedError(
                f"tensor '{self.name}' of the TensorFlow checkpoint has DataType enum "
                f"{self.code}, which jtape cannot read (numeric, bool and string tensors only)"
            )
        return np.dtype(_ENUM[self.code])


class TFBundle:
    """A TensorFlow checkpoint, read from its index; values read (and verified) on demand.

    Example:
        >>> import os
        >>> prefix = os.path.join("tests", "fixtures", "tf_bundle", "keras", "ckpt")
        >>> bundle = TFBundle(prefix)  # doctest: +SKIP
        >>> bundle.read("optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE")  # doctest: +SKIP
        array(1)
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        index = prefix + ".index"
        table = read_table(index)
        self.num_shards = 1
        header = table.pop(b"", None)
        if header is None:
            raise _corrupt(index, "it has no bundle header (the empty key)")
        try:
            for number, wire, value in _Reader(header).fields():
                if number == 1 and wire == 0:
                    self.num_shards = value
                elif number == 2 and wire == 0 and value != 0:
                    raise NotImplementedError(
                        f"{prefix} was written on a big-endian machine; jtape reads only "
                        "little-endian TensorFlow checkpoints"
                    )
            # keys starting with a 0 byte hold the slices of a sliced tensor (see read)
            self._slice_keys = sorted(k for k in table if k.startswith(b"\x00"))
            self._table = table
            self.entries = {
                k.decode("utf-8"): BundleEntry(k.decode("utf-8"), v)
                for k, v in table.items()
                if not k.startswith(b"\x00")
            }
        except (ValueError, UnicodeDecodeError) as e:
            raise _corrupt(index, f"a bundle entry cannot be decoded ({e})") from None

    def entry(self, name: str) -> BundleEntry:
        try:
            return self.entries[name]
        except KeyError:
            raise CheckpointNotFoundError(f"Key {name} not found in checkpoint") from None

    def _shard(self, shard_id: int) -> str:
        return f"{self.prefix}.data-{shard_id:05d}-of-{self.num_shards:05d}"

    def _bytes(self, entry: BundleEntry) -> bytes:
        path = self._shard(entry.shard_id)
        try:
            with open(path, "rb") as f:
                f.seek(entry.offset)
                data = f.read(entry.size)
        except OSError as e:
            raise CheckpointDataLossError(
                f"TensorFlow checkpoint {self.prefix}: cannot read data file {path} ({e})"
            ) from None
        if len(data) != entry.size:
            raise _corrupt(path, f"'{entry.name}' runs past the end of the file (truncated?)")
        # a string's checksum covers its lengths as uint32s, not as stored: _strings checks it
        if entry.code != _STRING and masked_crc(data) != entry.crc32c:
            raise _corrupt(path, f"the value of '{entry.name}' does not match its checksum")
        return data

    def read(self, name: str):
        """The value of tensor ``name``: a numpy array (a ``bytes`` for a string scalar)."""
        entry = self.entry(name)
        if entry.slices:
            return self._read_sliced(entry)
        return self._read_entry(entry)

    def _read_entry(self, entry: BundleEntry):
        name = entry.name
        dtype = entry.dtype
        count = int(np.prod(entry.shape, dtype=np.int64))
        data = self._bytes(entry)
        if entry.code == _STRING:
            value = _strings(data, count, entry.crc32c, self._shard(entry.shard_id), name)
            return value[0] if entry.shape == () else value.reshape(entry.shape)
        if len(data) != count * dtype.itemsize:
            raise _corrupt(
                self._shard(entry.shard_id),
                f"'{name}' has {len(data)} bytes for shape {list(entry.shape)} of {dtype.name}",
            )
        return np.frombuffer(data, dtype.newbyteorder("<")).astype(dtype).reshape(entry.shape)

    def _read_sliced(self, entry: BundleEntry) -> np.ndarray:
        """A tensor saved in slices (partitioned variables, a shard-size policy).

        Each slice is an entry of its own whose key is a 0 byte, the name and the slice's
        extents in an order-preserving encoding, so the keys of one tensor sort as its
        extents do numerically: pair them in that order and check every slice's shape.
        """
        name = entry.name
        if entry.code == _STRING:
            raise NotImplementedError(f"'{name}' is a string tensor saved in slices")
        dtype = entry.dtype
        prefix = b"\x00" + name.encode("utf-8") + b"\x00\x01"
        keys = [k for k in self._slice_keys if k.startswith(prefix)]
        extents = sorted(entry.slices, key=lambda ext: [x for pair in ext for x in pair])
        index = self.prefix + ".index"
        if len(keys) != len(extents):
            raise _corrupt(index, f"'{name}' lists {len(extents)} slices, {len(keys)} are saved")
        out = np.zeros(entry.shape, dtype)
        covered = 0
        for key, ext in zip(keys, extents):
            if len(ext) != len(entry.shape):
                raise _corrupt(index, f"a slice of '{name}' has {len(ext)} dimensions")
            region = tuple(
                slice(start, start + (size if length < 0 else length))
                for (start, length), size in zip(ext, entry.shape)
            )
            part = BundleEntry(f"{name} (slice {ext})", self._table[key])
            want = tuple(r.stop - r.start for r in region)
            if part.code != entry.code or tuple(part.shape) != want:
                raise _corrupt(index, f"a slice of '{name}' is not the one its key names")
            out[region] = self._read_entry(part)
            covered += int(np.prod(want, dtype=np.int64))
        if covered != out.size:
            raise _corrupt(index, f"the slices of '{name}' do not cover it exactly")
        return out


def _extents(data: bytes) -> list[tuple[int, int]]:
    """A ``TensorSliceProto``: ``extent`` 1 = ``{start 1, length 2}``; no length = all."""
    out = []
    for number, wire, value in _Reader(data).fields():
        if number == 1 and wire == 2:
            start, length = 0, -1
            for n, _, v in _Reader(value).fields():
                if n == 1:
                    start = _signed(v, 64)
                elif n == 2:
                    length = _signed(v, 64)
            out.append((start, length))
    return out


def _strings(data: bytes, count: int, crc: int, path: str, name: str) -> np.ndarray:
    """A string tensor's elements: uint32 varint lengths, their checksum, the bytes."""
    lengths, pos = [], 0
    try:
        for _ in range(count):
            n, pos = _varint_at(data, pos)
            lengths.append(n)
    except ValueError:
        raise _corrupt(path, f"the element lengths of '{name}' are truncated") from None
    packed = struct.pack(f"<{count}I", *lengths) if all(n < 2**32 for n in lengths) else None
    if packed is None or pos + 4 > len(data):
        raise _corrupt(path, f"the element lengths of '{name}' are malformed")
    (stored,) = struct.unpack("<I", data[pos : pos + 4])
    if masked_crc(packed) != stored:
        raise _corrupt(path, f"the element lengths of '{name}' do not match their checksum")
    if masked_crc(packed + data[pos:]) != crc:
        raise _corrupt(path, f"the value of '{name}' does not match its checksum")
    pos += 4
    if pos + sum(lengths) != len(data):
        raise _corrupt(path, f"'{name}' holds {len(data) - pos} bytes, not {sum(lengths)}")
    out = np.empty(count, object)
    for i, n in enumerate(lengths):
        out[i] = data[pos : pos + n]
        pos += n
    return out


# -- the `checkpoint` state file ------------------------------------------------------------
def parse_checkpoint_state(text: str) -> dict:
    """TF's ``checkpoint`` file (a text ``CheckpointState`` proto) as a dict.

    Example:
        >>> parse_checkpoint_state('model_checkpoint_path: "ckpt-2"\\n')["model_checkpoint_path"]
        'ckpt-2'
    """
    state: dict = {"all_model_checkpoint_paths": []}
    for line in text.splitlines():
        field, sep, value = line.partition(":")
        value = value.strip()
        if not sep or len(value) < 2 or value[0] != '"' or value[-1] != '"':
            continue
        value = value[1:-1].encode("latin-1").decode("unicode_escape")
        field = field.strip()
        if field == "all_model_checkpoint_paths":
            state[field].append(value)
        elif field == "model_checkpoint_path":
            state[field] = value
    return state


# -- the reader (tf.train.load_checkpoint) ----------------------------------------------------
_DT_NAMES = {
    1: "DT_FLOAT",
    2: "DT_DOUBLE",
    3: "DT_INT32",
    4: "DT_UINT8",
    5: "DT_INT16",
    6: "DT_INT8",
    7: "DT_STRING",
    8: "DT_COMPLEX64",
    9: "DT_INT64",
    10: "DT_BOOL",
    14: "DT_BFLOAT16",
    17: "DT_UINT16",
    18: "DT_COMPLEX128",
    19: "DT_HALF",
    22: "DT_UINT32",
    23: "DT_UINT64",
}


class TFCheckpointReader(CheckpointReader):
    """``tf.train.load_checkpoint``'s reader for a checkpoint TensorFlow wrote.

    Names are the checkpoint's keys as TF lists them, ``_CHECKPOINTABLE_OBJECT_GRAPH``
    included; ``get_tensor`` returns what TF's returns (numpy arrays, a numpy scalar for a
    0-d number, ``bytes`` for a string scalar).

    Example:
        >>> import jtape as jt
        >>> reader = jt.train.load_checkpoint("tests/fixtures/tf_bundle/vars")  # doctest: +SKIP
        >>> reader.get_tensor("i32/.ATTRIBUTES/VARIABLE_VALUE")  # doctest: +SKIP
        np.int32(-5)
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._bundle = TFBundle(path)

    def has_tensor(self, name: str) -> bool:
        return name in self._bundle.entries

    def get_tensor(self, name: str):
        """The saved value (numpy; ``bytes`` for a string scalar)."""
        if name not in self._bundle.entries:
            hint = ""
            if name + KEY_SUFFIX in self._bundle.entries:
                hint = f" (the key of that variable is '{name + KEY_SUFFIX}')"
            raise CheckpointNotFoundError(f"Key {name} not found in checkpoint{hint}")
        value = self._bundle.read(name)
        return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {n: list(e.shape) for n, e in self._bundle.entries.items()}

    def get_variable_to_dtype_map(self) -> dict:
        return {n: _dtypes.as_dtype(e.dtype) for n, e in self._bundle.entries.items()}

    def debug_string(self) -> bytes:
        # as TF's: a tensor saved in slices is listed as its slices, under their raw keys
        bundle = self._bundle
        rows = [(n.encode(), e) for n, e in bundle.entries.items() if not e.slices]
        rows += [(k, BundleEntry(repr(k), bundle._table[k])) for k in bundle._slice_keys]
        out = []
        for key, e in sorted(rows, key=lambda row: row[0]):
            kind = _DT_NAMES.get(e.code, f"DataType({e.code})")
            out.append(key + f" ({kind}) [{','.join(str(d) for d in e.shape)}]\n".encode())
        return b"".join(out)
