"""``tf.train.Example`` and its parts, as protobuf bytes written and read by hand.

The messages of TF's ``example.proto`` / ``feature.proto``: ``BytesList`` (repeated
bytes, field 1), ``FloatList`` / ``Int64List`` (packed float / int64, field 1),
``Feature`` (oneof ``bytes_list`` 1, ``float_list`` 2, ``int64_list`` 3), ``Features``
(map<string, Feature> 1), ``FeatureList`` (repeated Feature 1), ``FeatureLists``
(map<string, FeatureList> 1), ``Example`` (features 1) and ``SequenceExample``
(context 1, feature_lists 2). ``SerializeToString`` writes map entries in key order,
which is what TF's ``SerializeToString(deterministic=True)`` writes (its default order
follows a per-process hash, so it differs between runs of TF itself).

Example:
    >>> f = Feature(int64_list=Int64List(value=[1, 2]))
    >>> e = Example(features=Features(feature={"x": f}))
    >>> e.SerializeToString().hex()
    '0a0d0a0b0a017812061a040a020102'
    >>> Example.FromString(e.SerializeToString()).features.feature["x"].int64_list.value
    [1, 2]
"""

from __future__ import annotations

import numbers
import operator

import numpy as np

from ._tensor_proto import _len_field, _Reader, _signed, _varint


class DecodeError(Exception):
    """Bytes that are not a valid message (protobuf's ``DecodeError``)."""


class _Message:
    """Common protobuf-message behaviour: bytes in/out, equality, a text form."""

    _NAME = "Message"

    def SerializeToString(self, deterministic: bool | None = None) -> bytes:  # noqa: N802
        """The message's protobuf wire bytes."""
        return self._encode()

    def SerializePartialToString(self, deterministic: bool | None = None) -> bytes:  # noqa: N802
        return self._encode()

    @classmethod
    def FromString(cls, data: bytes):  # noqa: N802
        """A new message parsed from ``data``."""
        msg = cls()
        msg.ParseFromString(data)
        return msg

    def ParseFromString(self, data) -> int:  # noqa: N802
        """Replaces the contents with the message in ``data``; returns its length."""
        data = _as_bytes(data)
        self.Clear()
        self.MergeFromString(data)
        return len(data)

    def MergeFromString(self, data) -> int:  # noqa: N802
        data = _as_bytes(data)
        try:
            self._decode(data)
        except (ValueError, IndexError, UnicodeDecodeError) as e:
            raise DecodeError(f"Error parsing message with type 'tensorflow.{self._NAME}'") from e
        return len(data)

    def CopyFrom(self, other) -> None:  # noqa: N802
        if type(other) is not type(self):
            raise TypeError(f"CopyFrom: expected {self._NAME}, got {type(other).__name__}")
        self.ParseFromString(other.SerializeToString())

    def MergeFrom(self, other) -> None:  # noqa: N802
        self.MergeFromString(other.SerializeToString())

    def ByteSize(self) -> int:  # noqa: N802
        return len(self._encode())

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other._encode() == self._encode()

    __hash__ = None

    def __repr__(self) -> str:
        return "".join(line + "\n" for line in self._text(0))

    __str__ = __repr__


def _as_bytes(data) -> bytes:
    if hasattr(data, "numpy"):
        data = data.numpy()
    if isinstance(data, np.ndarray) and data.shape == ():
        data = data.item()
    if isinstance(data, (bytes, bytearray, memoryview, np.bytes_)):
        return bytes(data)
    raise TypeError(f"expected bytes, got {type(data).__name__}")


class _ValueList(_Message):
    _CHECK = staticmethod(lambda v: v)

    def __init__(self, value=None) -> None:
        self.value = []
        if value is not None:
            self.value.extend(self._CHECK(v) for v in value)

    def Clear(self) -> None:  # noqa: N802
        self.value = []

    def _values(self) -> list:
        return [self._CHECK(v) for v in self.value]

    def _text(self, indent: int) -> list[str]:
        pad = " " * indent
        return [f"{pad}value: {self._fmt(v)}" for v in self._values()]


def _scalar(v):
    """A scalar tensor's Python value (protobuf takes TF's eager scalars by value)."""
    if hasattr(v, "numpy") and getattr(v, "shape", None) == ():
        return v.numpy().item() if hasattr(v.numpy(), "item") else v.numpy()
    return v


def _check_int(v) -> int:
    v = _scalar(v)
    if isinstance(v, (bool, np.bool_)):
        raise TypeError("Field tensorflow.Int64List.value: Expected an int, got a boolean.")
    v = operator.index(v)  # TypeError "'float' object cannot be interpreted as an integer"
    if not -(1 << 63) <= v < (1 << 63):
        raise ValueError(f"Value out of range: {v}")
    return v


def _check_float(v) -> float:
    v = _scalar(v)
    if isinstance(v, (str, bytes)) or not isinstance(v, numbers.Real):
        raise TypeError(f"must be real number, not {type(v).__name__}")
    return float(np.float32(v))


def _check_bytes(v) -> bytes:
    # A scalar string tensor too: TF scripts call .numpy() after an isinstance check
    # against type(tf.constant(0)), which a jtape StringTensor does not pass.
    v = _scalar(v)
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v)
    raise TypeError(f"expected bytes, {type(v).__name__} found")


_ESCAPES = {10: "\\n", 13: "\\r", 9: "\\t", 34: '\\"', 39: "\\'", 92: "\\\\"}


def _char(b: int) -> str:
    return chr(b) if 32 <= b < 127 else f"\\{b:03o}"


class BytesList(_ValueList):
    """``tf.train.BytesList``: ``value`` is a list of bytes (str raises TypeError, as TF).

    Example:
        >>> BytesList(value=[b"a", b"b"]).value
        [b'a', b'b']
    """

    _NAME = "BytesList"
    _CHECK = staticmethod(_check_bytes)

    @staticmethod
    def _fmt(v: bytes) -> str:
        return '"' + "".join(_ESCAPES.get(b) or _char(b) for b in v) + '"'

    def _encode(self) -> bytes:
        return b"".join(_len_field(1, v) for v in self._values())

    def _decode(self, data: bytes) -> None:
        for number, wire, value in _Reader(data).fields():
            if number == 1 and wire == 2:
                self.value.append(value)


class FloatList(_ValueList):
    """``tf.train.FloatList``: ``value`` is a list of floats (float32 on the wire).

    Example:
        >>> FloatList(value=[0.5, 1]).SerializeToString().hex()
        '0a080000003f0000803f'
    """

    _NAME = "FloatList"
    _CHECK = staticmethod(_check_float)

    @staticmethod
    def _fmt(v: float) -> str:
        f = np.float32(v)
        if not np.isfinite(f):
            return "nan" if f != f else ("inf" if f > 0 else "-inf")
        for digits in range(1, 10):  # the shortest form that reads back to the float32
            text = f"{float(f):.{digits}g}"
            if np.float32(text) == f:
                return text
        return text

    def _encode(self) -> bytes:
        values = self._values()
        if not values:
            return b""
        return _len_field(1, np.asarray(values, "<f4").tobytes())

    def _decode(self, data: bytes) -> None:
        for number, wire, value in _Reader(data).fields():
            if number != 1:
                continue
            if wire == 2:
                self.value.extend(float(x) for x in np.frombuffer(value, "<f4"))
            elif wire == 5:
                self.value.append(float(np.frombuffer(value, "<f4")[0]))


class Int64List(_ValueList):
    """``tf.train.Int64List``: ``value`` is a list of ints (packed varints on the wire).

    Example:
        >>> Int64List(value=[1, -1]).SerializeToString().hex()
        '0a0b01ffffffffffffffffff01'
    """

    _NAME = "Int64List"
    _CHECK = staticmethod(_check_int)

    @staticmethod
    def _fmt(v: int) -> str:
        return str(v)

    def _encode(self) -> bytes:
        values = self._values()
        if not values:
            return b""
        return _len_field(1, b"".join(_varint(v) for v in values))

    def _decode(self, data: bytes) -> None:
        for number, wire, value in _Reader(data).fields():
            if number != 1:
                continue
            if wire == 2:
                r = _Reader(value)
                while r.pos < len(r.data):
                    self.value.append(_signed(r.varint(), 64))
            elif wire == 0:
                self.value.append(_signed(value, 64))


_KINDS = (("bytes_list", 1, BytesList), ("float_list", 2, FloatList), ("int64_list", 3, Int64List))


class Feature(_Message):
    """``tf.train.Feature``: one of ``bytes_list``, ``float_list`` or ``int64_list``.

    Example:
        >>> f = Feature(float_list=FloatList(value=[1.5]))
        >>> f.WhichOneof("kind"), f.float_list.value
        ('float_list', [1.5])
    """

    _NAME = "Feature"

    def __init__(self, bytes_list=None, float_list=None, int64_list=None) -> None:
        self.Clear()
        for name, value in (
            ("bytes_list", bytes_list),
            ("float_list", float_list),
            ("int64_list", int64_list),
        ):
            if value is not None:
                setattr(self, name, value)

    def Clear(self) -> None:  # noqa: N802
        self._kind = None
        self._lists = {name: cls() for name, _, cls in _KINDS}

    def __getattr__(self, name: str):
        lists = self.__dict__.get("_lists")
        if lists is not None and name in lists:
            self._settle()
            return lists[name]
        raise AttributeError(f"Feature has no attribute {name!r}")

    def _settle(self) -> None:
        """A list filled after another kind was chosen becomes the kind (as protobuf's oneof)."""
        for name, _, _ in _KINDS:
            if name != self._kind and self._lists[name].value:
                for other, _, c in _KINDS:
                    if other != name:
                        self._lists[other] = c()
                self._kind = name
                return

    def __setattr__(self, name: str, value) -> None:
        for kind, _, cls in _KINDS:
            if name == kind:
                if not isinstance(value, cls):
                    raise TypeError(f"Feature.{name} must be a {cls.__name__}, got {value!r}")
                self._lists = {k: c() for k, _, c in _KINDS}
                self._lists[name] = value
                self._kind = name
                return
        object.__setattr__(self, name, value)

    def WhichOneof(self, group: str):  # noqa: N802
        if group != "kind":
            raise ValueError(f'Protocol message has no oneof "{group}" field.')
        self._settle()
        return self._kind

    def HasField(self, name: str) -> bool:  # noqa: N802
        return self.WhichOneof("kind") == name

    def _encode(self) -> bytes:
        kind = self.WhichOneof("kind")
        if kind is None:
            return b""
        number = {k: n for k, n, _ in _KINDS}[kind]
        return _len_field(number, self._lists[kind]._encode())

    def _decode(self, data: bytes) -> None:
        for number, wire, value in _Reader(data).fields():
            for name, n, cls in _KINDS:
                if number == n and wire == 2:
                    current = self._lists[name] if self._kind == name else cls()
                    current._decode(value)
                    setattr(self, name, current)

    def _text(self, indent: int) -> list[str]:
        kind = self.WhichOneof("kind")
        if kind is None:
            return []
        pad = " " * indent
        return [f"{pad}{kind} {{", *self._lists[kind]._text(indent + 2), f"{pad}}}"]


class _MessageMap(dict):
    """A protobuf map<string, message>: a missing key reads as a new empty message."""

    def __init__(self, cls, items=None) -> None:
        super().__init__()
        self._cls = cls
        for k, v in (items or {}).items():
            self[k] = v

    def __missing__(self, key):
        value = self._cls()
        dict.__setitem__(self, key, value)
        return value

    def __setitem__(self, key, value) -> None:
        if not isinstance(value, self._cls):
            raise TypeError(f"map values must be {self._cls.__name__}, got {value!r}")
        super().__setitem__(key.decode() if isinstance(key, bytes) else str(key), value)


def _encode_map(items: dict) -> bytes:
    out = bytearray()
    for key in sorted(items, key=lambda k: k.encode()):
        entry = _len_field(1, key.encode()) + _len_field(2, items[key]._encode())
        out += _len_field(1, entry)
    return bytes(out)


def _decode_map(data: bytes, cls, target: dict) -> None:
    key, value = "", cls()
    for number, wire, payload in _Reader(data).fields():
        if number == 1 and wire == 2:
            key = payload.decode("utf-8")
        elif number == 2 and wire == 2:
            value = cls()
            value._decode(payload)
    target[key] = value


def _map_text(name: str, items: dict, indent: int) -> list[str]:
    pad, lines = " " * indent, []
    for key in sorted(items):
        lines += [
            f"{pad}{name} {{",
            f"{pad}  key: {BytesList._fmt(key.encode())}",
            f"{pad}  value {{",
        ]
        lines += items[key]._text(indent + 4)
        lines += [f"{pad}  }}", f"{pad}}}"]
    return lines


class Features(_Message):
    """``tf.train.Features``: ``feature`` maps names to :class:`Feature`.

    Example:
        >>> Features(feature={"a": Feature()}).SerializeToString().hex()
        '0a050a01611200'
    """

    _NAME = "Features"

    def __init__(self, feature=None) -> None:
        self.feature = _MessageMap(Feature, feature)

    def Clear(self) -> None:  # noqa: N802
        self.feature = _MessageMap(Feature)

    def _encode(self) -> bytes:
        return _encode_map(self.feature)

    def _decode(self, data: bytes) -> None:
        for number, wire, value in _Reader(data).fields():
            if number == 1 and wire == 2:
                _decode_map(value, Feature, self.feature)

    def _text(self, indent: int) -> list[str]:
        return _map_text("feature", self.feature, indent)


class _FeatureSeq(list):
    """A repeated Feature field: a list with protobuf's ``add()``."""

    def add(self, **fields) -> Feature:
        feature = Feature(**fields)
        self.append(feature)
        return feature


class FeatureList(_Message):
    """``tf.train.FeatureList``: ``feature`` is a list of :class:`Feature`.

    Example:
        >>> fl = FeatureList()
        >>> fl.feature.add().int64_list.value.append(3)
        >>> fl.SerializeToString().hex()
        '0a051a030a0103'
    """

    _NAME = "FeatureList"

    def __init__(self, feature=None) -> None:
        self.feature = _FeatureSeq(feature or [])

    def Clear(self) -> None:  # noqa: N802
        self.feature = _FeatureSeq()

    def _encode(self) -> bytes:
        return b"".join(_len_field(1, f._encode()) for f in self.feature)

    def _decode(self, data: bytes) -> None:
        for number, wire, value in _Reader(data).fields():
            if number == 1 and wire == 2:
                f = Feature()
                f._decode(value)
                self.feature.append(f)

    def _text(self, indent: int) -> list[str]:
        pad, lines = " " * indent, []
        for f in self.feature:
            lines += [f"{pad}feature {{", *f._text(indent + 2), f"{pad}}}"]
        return lines


class FeatureLists(_Message):
    """``tf.train.FeatureLists``: ``feature_list`` maps names to :class:`FeatureList`."""

    _NAME = "FeatureLists"

    def __init__(self, feature_list=None) -> None:
        self.feature_list = _MessageMap(FeatureList, feature_list)

    def Clear(self) -> None:  # noqa: N802
        self.feature_list = _MessageMap(FeatureList)

    def _encode(self) -> bytes:
        return _encode_map(self.feature_list)

    def _decode(self, data: bytes) -> None:
        for number, wire, value in _Reader(data).fields():
            if number == 1 and wire == 2:
                _decode_map(value, FeatureList, self.feature_list)

    def _text(self, indent: int) -> list[str]:
        return _map_text("feature_list", self.feature_list, indent)


class _Composite(_Message):
    """A message of sub-message fields: ``_FIELDS`` = ((name, number, class), ...)."""

    _FIELDS: tuple = ()

    def __init__(self, **fields) -> None:
        self.Clear()
        for name, value in fields.items():
            if value is not None:
                setattr(self, name, value)

    def Clear(self) -> None:  # noqa: N802
        for name, _, cls in self._FIELDS:
            object.__setattr__(self, name, cls())
        object.__setattr__(self, "_present", set())

    def __setattr__(self, name: str, value) -> None:
        for field, _, cls in self._FIELDS:
            if name == field:
                if not isinstance(value, cls):
                    raise TypeError(f"{self._NAME}.{name} must be a {cls.__name__}, got {value!r}")
                self._present.add(name)
        object.__setattr__(self, name, value)

    def HasField(self, name: str) -> bool:  # noqa: N802
        return name in self._present or bool(getattr(self, name)._encode())

    def _encode(self) -> bytes:
        out = bytearray()
        for name, number, _ in self._FIELDS:
            if self.HasField(name):
                out += _len_field(number, getattr(self, name)._encode())
        return bytes(out)

    def _decode(self, data: bytes) -> None:
        for number, wire, value in _Reader(data).fields():
            for name, n, _ in self._FIELDS:
                if number == n and wire == 2:
                    getattr(self, name)._decode(value)
                    self._present.add(name)

    def _text(self, indent: int) -> list[str]:
        pad, lines = " " * indent, []
        for name, _, _ in self._FIELDS:
            if self.HasField(name):
                lines += [f"{pad}{name} {{", *getattr(self, name)._text(indent + 2), f"{pad}}}"]
        return lines


class Example(_Composite):
    """``tf.train.Example``: one record's named features.

    Example:
        >>> f = Feature(float_list=FloatList(value=[2.0]))
        >>> e = Example(features=Features(feature={"y": f}))
        >>> Example.FromString(e.SerializeToString()) == e
        True
    """

    _NAME = "Example"
    _FIELDS = (("features", 1, Features),)

    def __init__(self, features=None) -> None:
        super().__init__(features=features)


class SequenceExample(_Composite):
    """``tf.train.SequenceExample``: ``context`` features and per-step ``feature_lists``."""

    _NAME = "SequenceExample"
    _FIELDS = (("context", 1, Features), ("feature_lists", 2, FeatureLists))

    def __init__(self, context=None, feature_lists=None) -> None:
        super().__init__(context=context, feature_lists=feature_lists)
