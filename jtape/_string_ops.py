"""``tf.strings`` ops, run on the host over numpy object arrays of bytes.

Every op here works on concrete values: eagerly, in ``tf.data`` functions (which run
eagerly once they meet a string), and inside ``jt.function`` on string arguments (trace
time values). A numeric input computed inside a ``jt.function`` has no value yet; the ops
that read numbers (``as_string``, ``unicode_encode``, ``substr``'s positions) then raise
an error naming the op. Batched results whose rows differ in length are a
:class:`~jtape.RaggedTensor` (one ragged dimension per split), as TF returns.
"""

from __future__ import annotations

import builtins
import functools
import re
from collections.abc import Callable, Sequence

import jax
import numpy as np

from . import _dtypes
from ._fingerprint import fingerprint64
from ._op_errors import InvalidArgumentError, OutOfRangeError
from ._string_format import summarize as summarize_tensor
from ._string_regex import translate
from ._strings import (
    RaggedTensor,
    StringTensor,
    _as_bytes,
    _tf_name,
    is_string_value,
    to_bytes_array,
)
from ._tensor import Tensor


# -- inputs and outputs -------------------------------------------------------------
class NotStringsError(InvalidArgumentError, TypeError):
    """A number where a string op needs strings: TF's InvalidArgumentError (a TypeError too,
    as jtape raised before it matched TF's class)."""


def _strings_in(x, op: str):
    """``x`` as an object array of bytes, or a RaggedTensor of strings."""
    if isinstance(x, RaggedTensor):
        if x._values.dtype != object:
            raise TypeError(f"tf.strings.{op}: expected string values, got {x.dtype.name}")
        return x
    if isinstance(x, StringTensor):
        return x._np
    if isinstance(x, Tensor) or hasattr(x, "_jt_read"):
        raise NotStringsError(
            f"tf.strings.{op}: expected a string tensor, got a {x.dtype.name} tensor "
            "(tf.strings.as_string formats numbers)"
        )
    if not is_string_value(x) and not (isinstance(x, (list, tuple)) and len(x) == 0):
        raise TypeError(f"tf.strings.{op}: expected strings, got {type(x).__name__}: {x!r}")
    return to_bytes_array(x)


def _numbers_in(x, op: str) -> np.ndarray:
    """A numeric input's concrete value (clear error when it is traced)."""
    if isinstance(x, RaggedTensor):
        return x
    if hasattr(x, "_jt_read"):
        x = x._jt_read()
    if isinstance(x, Tensor):
        if isinstance(x._value, jax.core.Tracer):
            raise TypeError(
                f"tf.strings.{op} needs the value of a tensor computed inside jt.function, "
                "which is not known while it traces: string ops run on the host at trace "
                "time. Call it outside the function (or in a tf.data map), or pass the "
                "value in as a Python number or string argument."
            )
        return np.asarray(x._value)
    if isinstance(x, StringTensor):
        raise TypeError(f"tf.strings.{op}: expected a numeric tensor, got a string tensor")
    return np.asarray(x)


def _out(arr: np.ndarray, like=None):
    """A host result: StringTensor for bytes, a jt.Tensor for numbers; ragged kept."""
    if isinstance(like, RaggedTensor):
        return RaggedTensor(arr, like._splits)
    if arr.dtype == object:
        return StringTensor._wrap(arr)
    return Tensor(jax.device_put(arr))


def _map(x, fn: Callable, dtype=object):
    """``fn`` on every string of ``x`` (dense or ragged), results in a ``dtype`` array."""
    flat_in = x._values if isinstance(x, RaggedTensor) else x
    out = np.empty(flat_in.shape, dtype=object)
    flat = flat_in.reshape(-1)
    res = out.reshape(-1)
    for i in range(flat.size):
        res[i] = fn(flat[i])
    if dtype is not object:
        out = out.astype(dtype)
    return _out(out, x)


def _rows_out(rows: list, shape: tuple, dtype):
    """Per-string results (lists): 1-D for a scalar input, ragged for a 1-D input."""
    if len(shape) == 0:
        row = rows[0]
        if dtype == _dtypes.string:
            arr = np.empty(len(row), dtype=object)
            arr[:] = row
            return StringTensor._wrap(arr)
        return Tensor(jax.device_put(np.asarray(row, dtype=dtype)))
    if len(shape) > 1:
        raise NotImplementedError(
            f"input of rank {len(shape)}: jtape's string splitting takes a scalar or a 1-D "
            "batch of strings; reshape to 1-D first"
        )
    return RaggedTensor.from_rows(rows, dtype)


def _check_dense(x, op: str) -> np.ndarray:
    if isinstance(x, RaggedTensor):
        raise NotImplementedError(
            f"tf.strings.{op} on a RaggedTensor: jtape splits a scalar or a 1-D batch of "
            "strings; call .to_tensor() first or split the flat strings"
        )
    return x


# -- conversions --------------------------------------------------------------------
def as_string(
    input,  # noqa: A002 - TF's name
    precision: int = -1,
    scientific: bool = False,
    shortest: bool = False,
    width: int = -1,
    fill: str = "",
    name=None,
) -> StringTensor:
    """Each number formatted as a string (C's printf rules, as TF).

    Example:
        >>> import jtape as jt
        >>> jt.strings.as_string(jt.constant([1.5, 2.0]), precision=2).numpy().tolist()
        [b'1.50', b'2.00']
    """
    if isinstance(input, StringTensor):  # TF formats strings too: only the width applies
        w = str(width) if width >= 0 else ""
        return _map(input._np, lambda s: (f"%{w}s" % s.decode("latin-1")).encode("latin-1"))
    arr = _numbers_in(input, "as_string")
    if fill not in ("", " ", "0"):
        raise InvalidArgumentError(f'Fill argument not supported: "{fill}" [Op:AsString]')
    if scientific and shortest:
        raise InvalidArgumentError("Cannot select both scientific and shortest notation")
    flags = "0" if fill == "0" else ""
    w = str(width) if width >= 0 else ""
    kind = arr.dtype.kind
    if arr.dtype.name == "bfloat16":
        arr, kind = arr.astype(np.float32), "f"
    if kind == "b":
        spec = None
    elif kind in "iu":
        if precision >= 0 or scientific or shortest:
            raise InvalidArgumentError(
                f"precision/scientific/shortest not supported for {arr.dtype.name} [Op:AsString]"
            )
        spec = f"%{flags}{w}d"
    elif kind in "fc":
        p = f".{precision}" if precision >= 0 else ""
        spec = f"%{flags}{w}{p}{'e' if scientific else 'g' if shortest else 'f'}"
    else:
        raise NotImplementedError(f"tf.strings.as_string: {arr.dtype.name} is not supported")
    out = np.empty(arr.shape, dtype=object)
    for i in np.ndindex(arr.shape):
        v = arr[i]
        if spec is None:
            text = "true" if v else "false"  # TF ignores the width for booleans
        elif kind == "c":
            text = f"({spec % float(v.real)},{spec % float(v.imag)})"
        else:
            text = spec % (int(v) if kind in "iu" else float(v))
        out[i] = text.encode()
    return StringTensor._wrap(out)


_FLOAT_RE = re.compile(
    rb"^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan|nan\(\w*\)"
    rb"|0x([0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(p[+-]?\d+)?)\s*$",
    re.I,
)
_INT_RE = re.compile(rb"^\s*[+-]?\d+\s*$")
_HALF = {"float16": "half"}
_NUMBER_TYPES = ("float32", "float64", "int32", "int64", "uint32", "uint64")


def _parse_float(s: bytes) -> float:
    """C's strtod grammar, as TF's parser: hex floats and ``nan(chars)`` included."""
    text = s.strip().lower()
    if b"x" in text:
        return float.fromhex(text.decode())
    if text.lstrip(b"+-").startswith(b"nan"):
        return float("nan")
    return float(text)


def to_number(string_tensor, out_type=_dtypes.float32, name=None):
    """Parse each string as a number of ``out_type`` (float32 by default).

    Example:
        >>> import jtape as jt
        >>> jt.strings.to_number(["1.5", "-2"]).numpy().tolist()
        [1.5, -2.0]
    """
    x = _strings_in(string_tensor, "to_number")
    dtype = _dtypes.as_dtype(out_type)
    if dtype.name not in _NUMBER_TYPES:
        raise InvalidArgumentError(
            f"Value for attr 'out_type' of {_HALF.get(dtype.name) or _tf_name(dtype)} is not "
            "in the list of allowed values: float, double, int32, int64, uint32, uint64"
        )
    pattern = _FLOAT_RE if dtype.is_floating else _INT_RE
    info = None if dtype.is_floating else np.iinfo(dtype.as_numpy_dtype)

    def parse(s: bytes):
        if not pattern.match(s):
            text = s.decode(errors="replace")
            raise InvalidArgumentError(
                f"StringToNumberOp could not correctly convert string: {text} [Op:StringToNumber]"
            )
        if info is None:
            return _parse_float(s)
        v = int(s)
        if not info.min <= v <= info.max:
            raise InvalidArgumentError(
                f"StringToNumberOp could not correctly convert string: {s.decode()} "
                "[Op:StringToNumber]"
            )
        return v

    return _map(x, parse, dtype.as_numpy_dtype)


# -- per-string ops -----------------------------------------------------------------
def length(input, unit: str = "BYTE", name=None):  # noqa: A002
    """Length of each string in bytes (``unit="BYTE"``) or characters (``"UTF8_CHAR"``).

    Example:
        >>> import jtape as jt
        >>> jt.strings.length(["ab", "é"], unit="UTF8_CHAR").numpy().tolist()
        [2, 1]
    """
    x = _strings_in(input, "length")
    count = _unit(unit, "length")
    return _map(x, count, np.int32)


def _unit(unit: str, op: str) -> Callable[[bytes], int]:
    if unit == "BYTE":
        return len
    if unit == "UTF8_CHAR":
        return lambda s: len(s.decode("utf-8", errors="replace"))
    raise InvalidArgumentError(
        f"Value for attr 'unit' of \"{unit}\" is not in the list of allowed values: "
        '"BYTE", "UTF8_CHAR"'
    )


def lower(input, encoding: str = "", name=None):  # noqa: A002
    """Lowercase: ASCII letters only unless ``encoding="utf-8"`` (as TF).

    Example:
        >>> import jtape as jt
        >>> jt.strings.lower("HeLLo").numpy()
        b'hello'
    """
    return _case(input, encoding, "lower")


def upper(input, encoding: str = "", name=None):  # noqa: A002
    """Uppercase: ASCII letters only unless ``encoding="utf-8"`` (as TF).

    Example:
        >>> import jtape as jt
        >>> jt.strings.upper("abc").numpy()
        b'ABC'
    """
    return _case(input, encoding, "upper")


def _case(input, encoding: str, how: str):  # noqa: A002
    x = _strings_in(input, how)
    if encoding == "":
        return _map(x, getattr(bytes, how))
    if encoding.lower().replace("-", "") != "utf8":
        raise InvalidArgumentError(
            f"only utf-8 or '' (no encoding) is supported, received {encoding} [Op:String"
            f"{how.capitalize()}]"
        )
    return _map(x, lambda s: getattr(s.decode("utf-8", errors="replace"), how)().encode("utf-8"))


def strip(input, name=None):  # noqa: A002
    """Leading and trailing ASCII whitespace removed.

    Example:
        >>> import jtape as jt
        >>> jt.strings.strip("  hi \\n").numpy()
        b'hi'
    """
    return _map(_strings_in(input, "strip"), bytes.strip)


def _compile(pattern, op: str) -> re.Pattern:
    if isinstance(pattern, StringTensor):
        pattern = pattern._np[()]
    text = pattern.decode() if isinstance(pattern, bytes) else str(pattern)
    try:
        return re.compile(translate(text, op))
    except re.error as e:
        raise InvalidArgumentError(f"Invalid pattern: {text}, error: {e}") from e


def _rewrite(rewrite) -> tuple[Callable[[re.Match], str], int]:
    """RE2's rewrite (``\\0``-``\\9``, ``\\\\``) as a match function, and its highest group."""
    if isinstance(rewrite, StringTensor):
        rewrite = rewrite._np[()]
    text = rewrite.decode() if isinstance(rewrite, bytes) else str(rewrite)
    parts: list = []  # literal strings and group numbers (RE2's \0-\9, \\)
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt.isdigit():
                parts.append(int(nxt))
            elif nxt == "\\":
                parts.append("\\")
            else:
                raise InvalidArgumentError(f"Invalid rewrite pattern: {text}")
            i += 2
        else:
            parts.append(c)
            i += 1
    top = max([p for p in parts if isinstance(p, int)], default=0)
    return lambda m: "".join(p if isinstance(p, str) else (m.group(p) or "") for p in parts), top


def _decode(s: bytes) -> str:
    return s.decode("utf-8", errors="surrogateescape")


def _encode(s: str) -> bytes:
    return s.encode("utf-8", errors="surrogateescape")


def regex_replace(input, pattern, rewrite, replace_global: bool = True, name=None):  # noqa: A002
    """Replace matches of ``pattern`` (RE2 syntax) with ``rewrite`` (``\\1`` is group 1).

    Example:
        >>> import jtape as jt
        >>> jt.strings.regex_replace("a1b22", r"\\d+", "#").numpy()
        b'a#b#'
    """
    x = _strings_in(input, "regex_replace")
    regex = _compile(pattern, "regex_replace")
    repl, top = _rewrite(rewrite)
    if top > regex.groups:  # RE2 refuses such a rewrite and TF returns the input
        return _map(x, lambda s: s)
    count = 0 if replace_global else 1
    return _map(x, lambda s: _encode(regex.sub(repl, _decode(s), count=count)))


def regex_full_match(input, pattern, name=None):  # noqa: A002
    """Whether each whole string matches ``pattern`` (RE2 syntax).

    Example:
        >>> import jtape as jt
        >>> jt.strings.regex_full_match(["ab", "abc"], "a.").numpy().tolist()
        [True, False]
    """
    x = _strings_in(input, "regex_full_match")
    regex = _compile(pattern, "regex_full_match")
    return _map(x, lambda s: regex.fullmatch(_decode(s)) is not None, np.bool_)


def substr(input, pos, len, unit: str = "BYTE", name=None):  # noqa: A002
    """``len`` bytes (or UTF-8 characters) of each string from ``pos`` (negative: from the end).

    Example:
        >>> import jtape as jt
        >>> jt.strings.substr(["hello", "world"], 1, 3).numpy().tolist()
        [b'ell', b'orl']
    """
    x = _strings_in(input, "substr")
    p = _numbers_in(pos, "substr")
    n = _numbers_in(len, "substr")
    if isinstance(x, RaggedTensor) and np.ndim(p) == 0 and np.ndim(n) == 0:
        flat = substr(StringTensor._wrap(x._values), pos, len, unit)
        return RaggedTensor(flat._np, x._splits)
    x = _check_dense(x, "substr")
    if unit not in ("BYTE", "UTF8_CHAR"):
        _unit(unit, "substr")
    chars = unit == "UTF8_CHAR"
    if np.shape(p) != np.shape(n):
        raise InvalidArgumentError(
            f"pos and len should have the same shape, got: {list(np.shape(p))} vs. "
            f"{list(np.shape(n))} [Op:Substr]"
        )
    try:
        xs, ps, ns = np.broadcast_arrays(x, p, n)
    except ValueError as e:
        shapes = f"{x.shape}, {p.shape}, {n.shape}"
        raise InvalidArgumentError(f"Substr: incompatible shapes {shapes}") from e
    out = np.empty(xs.shape, dtype=object)
    for flat, i in enumerate(np.ndindex(xs.shape)):
        s = xs[i]
        seq = s.decode("utf-8", errors="replace") if chars else s
        k, m = int(ps[i]), int(ns[i])
        size = builtins.len(seq)
        if not -size <= k <= size:
            raise InvalidArgumentError(
                f"pos {k} out of range for string {s!r} at index {flat} [Op:Substr]"
            )
        if k < 0:
            k += size
        if m < 0:  # TF: to the end of the bytes, nothing of the characters
            m = 0 if chars else size
        piece = seq[k : k + m]
        out[i] = piece.encode("utf-8") if chars else piece
    return StringTensor._wrap(out)


# -- splitting ------------------------------------------------------------------------
def _per_string(x, fn, dtype, op: str):
    x = _check_dense(x, op)
    rows = [fn(s) for s in x.reshape(-1)]
    return _rows_out(rows, x.shape, dtype)


def split(input, sep=None, maxsplit: int = -1, name=None):  # noqa: A002
    """Split each string at ``sep`` (runs of whitespace when None): 1-D, or ragged for a batch.

    Example:
        >>> import jtape as jt
        >>> jt.strings.split("a  b c").numpy().tolist()
        [b'a', b'b', b'c']
    """
    x = _strings_in(input, "split")
    if sep is not None:
        sep = _as_bytes(sep._np[()] if isinstance(sep, StringTensor) else sep)
        if sep == b"":
            sep = None  # TF: an empty separator splits on whitespace too
    return _per_string(x, lambda s: s.split(sep, maxsplit), _dtypes.string, "split")


def _utf8_chars(s: bytes, errors: str, replacement_char: int) -> list[str]:
    if errors == "strict":
        try:
            return list(s.decode("utf-8"))
        except UnicodeDecodeError as e:
            raise InvalidArgumentError(f"Invalid formatting on input string: {e}") from e
    text = s.decode("utf-8", errors="replace")
    if errors == "ignore":
        return [c for c in text if c != "\ufffd" or "\ufffd".encode() in s]
    return [chr(replacement_char) if c == "\ufffd" else c for c in text]


def _check_encoding(encoding: str, op: str) -> None:
    if encoding.upper().replace("-", "") != "UTF8":
        raise NotImplementedError(f"tf.strings.{op}: only UTF-8 is supported, got {encoding!r}")


def unicode_split(
    input,  # noqa: A002
    input_encoding: str,
    errors: str = "replace",
    replacement_char: int = 65533,
    name=None,
):
    """Each string split into its UTF-8 characters (as strings).

    Example:
        >>> import jtape as jt
        >>> jt.strings.unicode_split("hé", "UTF-8").numpy().tolist()
        [b'h', b'\\xc3\\xa9']
    """
    _check_encoding(input_encoding, "unicode_split")
    x = _strings_in(input, "unicode_split")
    return _per_string(
        x,
        lambda s: [c.encode("utf-8") for c in _utf8_chars(s, errors, replacement_char)],
        _dtypes.string,
        "unicode_split",
    )


def unicode_decode(
    input,  # noqa: A002
    input_encoding: str,
    errors: str = "replace",
    replacement_char: int = 65533,
    replace_control_characters: bool = False,
    name=None,
):
    """Each string as its int32 Unicode code points.

    Example:
        >>> import jtape as jt
        >>> jt.strings.unicode_decode("hé", "UTF-8").numpy().tolist()
        [104, 233]
    """
    _check_encoding(input_encoding, "unicode_decode")
    x = _strings_in(input, "unicode_decode")

    def points(s: bytes) -> list[int]:
        cps = [ord(c) for c in _utf8_chars(s, errors, replacement_char)]
        if replace_control_characters:
            cps = [replacement_char if c < 32 or 127 <= c < 160 else c for c in cps]
        return cps

    return _per_string(x, points, np.int32, "unicode_decode")


def unicode_encode(
    input,  # noqa: A002
    output_encoding: str,
    errors: str = "replace",
    replacement_char: int = 65533,
    name=None,
) -> StringTensor:
    """Code points to UTF-8 strings: a 1-D input gives one string, a batch one per row.

    Example:
        >>> import jtape as jt
        >>> jt.strings.unicode_encode([104, 233], "UTF-8").numpy()
        b'h\\xc3\\xa9'
    """
    _check_encoding(output_encoding, "unicode_encode")

    def encode(points) -> bytes:
        chars = []
        for c in np.asarray(points).tolist():
            if 0 <= c <= 0x10FFFF and not 0xD800 <= c <= 0xDFFF:
                chars.append(chr(c))
            elif errors == "strict":
                raise InvalidArgumentError(f"Invalid code point: {c}")
            elif errors == "replace":
                chars.append(chr(replacement_char))
        return "".join(chars).encode("utf-8")

    if isinstance(input, RaggedTensor):
        rows = input.rows()
        shape: tuple = (len(rows),)
    else:
        arr = _numbers_in(input, "unicode_encode")
        if arr.ndim == 0:
            raise ValueError("tf.strings.unicode_encode: input must have rank >= 1")
        rows = list(arr.reshape(-1, arr.shape[-1]))
        shape = arr.shape[:-1]
    out = np.empty(len(rows), dtype=object)
    for i, r in enumerate(rows):
        out[i] = encode(r)
    return StringTensor._wrap(out.reshape(shape))


def bytes_split(input, name=None):  # noqa: A002
    """Each string split into single bytes.

    Example:
        >>> import jtape as jt
        >>> jt.strings.bytes_split("abc").numpy().tolist()
        [b'a', b'b', b'c']
    """
    x = _strings_in(input, "bytes_split")
    return _per_string(
        x, lambda s: [s[i : i + 1] for i in range(len(s))], _dtypes.string, "bytes_split"
    )


# -- joining ------------------------------------------------------------------------
def reduce_join(inputs, axis=None, keepdims: bool = False, separator: str = "", name=None):
    """Join strings along ``axis`` (all of them when None) with ``separator``.

    Example:
        >>> import jtape as jt
        >>> jt.strings.reduce_join([["a", "b"], ["c", "d"]], axis=1).numpy().tolist()
        [b'ab', b'cd']
    """
    x = _strings_in(inputs, "reduce_join")
    sep = _as_bytes(separator)
    if isinstance(x, RaggedTensor):
        if axis in (-1, 1):
            out = np.empty(len(x._splits) - 1, dtype=object)
            for i, row in enumerate(x.rows()):
                out[i] = sep.join(row.tolist())
            return StringTensor._wrap(out[:, None] if keepdims else out)
        if axis is None:
            return StringTensor._wrap(np.asarray(sep.join(x._values.tolist()), dtype=object))
        x = x.to_tensor()._np  # axis 0 of a ragged batch: TF joins per column
    if axis is None:
        joined = sep.join(x.reshape(-1).tolist())
        out = np.empty((1,) * x.ndim if keepdims else (), dtype=object)
        out[...] = joined
        return StringTensor._wrap(out)
    listed = [int(a) for a in np.atleast_1d(np.asarray(axis)).tolist()]
    for a in listed:
        if not -x.ndim <= a < x.ndim:
            raise OutOfRangeError(
                f"Invalid reduction dimension {a} for input with {x.ndim} dimension(s) "
                "[Op:ReduceJoin]"
            )
    seen: set = set()
    for a in listed:
        if a % x.ndim in seen:
            raise InvalidArgumentError(f"Duplicate reduction dimension {a} [Op:ReduceJoin]")
        seen.add(a % x.ndim)
    axes = [a % x.ndim for a in listed]
    rest = [d for d in range(x.ndim) if d not in seen]
    # TF joins with the first listed axis varying fastest (axis=[0, 1] of [[a, b], [c, d]]
    # is "acbd"), so the listed axes go last in reverse order.
    moved = np.transpose(x, rest + axes[::-1])
    kept_shape = moved.shape[: len(rest)]
    flat = moved.reshape(kept_shape + (-1,))
    out = np.empty(kept_shape, dtype=object)
    for i in np.ndindex(kept_shape):
        out[i] = sep.join(flat[i].tolist())
    if keepdims:
        out = np.expand_dims(out, tuple(sorted(seen)))
    return StringTensor._wrap(out)


def join(inputs: Sequence, separator: str = "", name=None) -> StringTensor:
    """Elementwise join of several string tensors (broadcast) with ``separator``.

    Example:
        >>> import jtape as jt
        >>> jt.strings.join([["a", "b"], "x"], separator="-").numpy().tolist()
        [b'a-x', b'b-x']
    """
    arrays = [_check_dense(_strings_in(t, "join"), "join") for t in inputs]
    sep = _as_bytes(separator)
    if not arrays:
        return StringTensor._wrap(np.asarray(b"", dtype=object))
    shapes = {a.shape for a in arrays if a.ndim}
    if len(shapes) > 1:  # TF broadcasts scalars only
        a, b = sorted(shapes, key=[x.shape for x in arrays].index)[:2]
        raise InvalidArgumentError(
            f"Input shapes do not match: [{','.join(map(str, a))}] vs. "
            f"[{','.join(map(str, b))}] [Op:StringJoin]"
        )
    arrays = np.broadcast_arrays(*arrays)
    out = np.empty(arrays[0].shape, dtype=object)
    for i in np.ndindex(out.shape):
        out[i] = sep.join(a[i] for a in arrays)
    return StringTensor._wrap(out)


def ngrams(
    data,
    ngram_width,
    separator: str = " ",
    pad_values=None,
    padding_width=None,
    preserve_short_sequences: bool = False,
    name=None,
):
    """Joined runs of ``ngram_width`` consecutive strings (several widths: all, in order).

    Example:
        >>> import jtape as jt
        >>> jt.strings.ngrams(jt.constant(["a", "b", "c"]), 2).numpy().tolist()
        [b'a b', b'b c']
    """
    widths = [int(ngram_width)] if np.ndim(ngram_width) == 0 else [int(w) for w in ngram_width]
    for w in widths:
        if w <= 0:
            raise ValueError(f"All ngram_widths must be greater than 0. Got {w}")
    if padding_width is not None:
        if pad_values is None:
            raise ValueError("pad_values must be provided if padding_width is set.")
        if int(padding_width) <= 0:
            raise ValueError("padding_width must be greater than 0.")
    sep = _as_bytes(separator)
    if pad_values is not None:
        if isinstance(pad_values, (tuple, list)):
            left, right = (_as_bytes(v) for v in pad_values)
        else:
            left = right = _as_bytes(pad_values)

    def grams(row: list) -> list:
        out = []
        for w in widths:
            seq = row
            if pad_values is not None:
                k = w - 1 if padding_width is None else min(int(padding_width), w - 1)
                seq = [left] * k + row + [right] * k
            out.extend(sep.join(seq[i : i + w]) for i in range(len(seq) - w + 1))
        if not out and preserve_short_sequences and row:
            out.append(sep.join(row))
        return out

    x = _strings_in(data, "ngrams")
    if isinstance(x, RaggedTensor):
        return RaggedTensor.from_rows([grams(r.tolist()) for r in x.rows()], _dtypes.string)
    if x.ndim == 0:
        raise ValueError("tf.strings.ngrams: data must have rank >= 1")
    if x.ndim == 1:
        g = grams(x.tolist())
        arr = np.empty(len(g), dtype=object)
        arr[:] = g
        return StringTensor._wrap(arr)
    if x.ndim == 2:
        rows = [grams(r.tolist()) for r in x]
        if len({len(r) for r in rows}) <= 1:
            out = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
            for i, r in enumerate(rows):
                out[i, :] = r
            return StringTensor._wrap(out)
    raise NotImplementedError("tf.strings.ngrams: jtape takes rank 1, rank 2 or ragged data")


def to_hash_bucket_fast(input, num_buckets: int, name=None):  # noqa: A002
    """Each string's bucket in ``[0, num_buckets)``: FarmHash Fingerprint64 modulo, as TF.

    Example:
        >>> import jtape as jt
        >>> jt.strings.to_hash_bucket_fast(["a", "hello"], 10).numpy().tolist()
        [9, 6]
    """
    n = int(num_buckets)
    if n <= 0:
        raise InvalidArgumentError(
            f"Value for attr 'num_buckets' of {n} must be at least minimum 1"
        )
    x = _strings_in(input, "to_hash_bucket_fast")
    return _map(x, lambda s: fingerprint64(s) % n, np.int64)


def to_hash_bucket_strong(input, num_buckets: int, key, name=None):  # noqa: A002
    """Each string's bucket in ``[0, num_buckets)``: SipHash-2-4 keyed by ``key`` (two
    integers) modulo ``num_buckets``, as TF.

    Example:
        >>> import jtape as jt
        >>> jt.strings.to_hash_bucket_strong(["a", "b"], 10, [1, 2]).numpy().tolist()
        [6, 4]
    """
    from .nn._preprocessing import siphash24  # the one SipHash (Keras' salted Hashing)

    n = int(num_buckets)
    if n <= 0:
        raise InvalidArgumentError(
            f"Value for attr 'num_buckets' of {n} must be at least minimum 1"
        )
    key = [int(k) for k in np.asarray(key).reshape(-1).tolist()]
    if builtins.len(key) != 2:
        raise InvalidArgumentError("Key must have 2 elements [Op:StringToHashBucketStrong]")
    k0, k1 = (k & 0xFFFFFFFFFFFFFFFF for k in key)
    x = _strings_in(input, "to_hash_bucket_strong")
    return _map(x, lambda s: siphash24(k0, k1, s) % n, np.int64)


def unsorted_segment_join(inputs, segment_ids, num_segments, separator: str = "", name=None):
    """Join the strings of each segment (in input order) with ``separator``: segment ``k``
    collects the rows whose id is ``k``; segments with no row are empty strings.

    Example:
        >>> import jtape as jt
        >>> out = jt.strings.unsorted_segment_join(["a", "b", "c"], [1, 0, 1], 2, separator=":")
        >>> out.numpy().tolist()
        [b'b', b'a:c']
    """
    x = _check_dense(_strings_in(inputs, "unsorted_segment_join"), "unsorted_segment_join")
    ids = np.asarray(_numbers_in(segment_ids, "unsorted_segment_join"))
    n = int(np.asarray(_numbers_in(num_segments, "unsorted_segment_join")))
    if x.shape[: ids.ndim] != ids.shape:
        raise InvalidArgumentError(
            f"segment_ids.shape = {list(ids.shape)} is not a prefix of inputs.shape = "
            f"{list(x.shape)} [Op:UnsortedSegmentJoin]"
        )
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        raise InvalidArgumentError(
            "segment_ids are not allowed to exceed num_segments or to have negative values. "
            "[Op:UnsortedSegmentJoin]"
        )
    sep = _as_bytes(separator)
    rows = x.reshape((ids.size,) + x.shape[ids.ndim :])
    parts: list = [[] for _ in range(n)]
    for j, k in enumerate(ids.reshape(-1).tolist()):
        parts[k].append(j)
    out = np.empty((n,) + x.shape[ids.ndim :], dtype=object)
    for k in range(n):
        for i in np.ndindex(out.shape[1:]):
            out[(k,) + i] = sep.join(rows[(j,) + i] for j in parts[k])
    return StringTensor._wrap(out)


def format(template: str, inputs, placeholder: str = "{}", summarize: int = 3, name=None):  # noqa: A001
    """``template`` with each ``placeholder`` replaced by one input, written as TF does.

    Tensors are summarized (``summarize`` entries at each end of a long dimension, all when
    negative); strings are quoted and booleans written 1/0.

    Example:
        >>> import jtape as jt
        >>> jt.strings.format("x={} y={}", (1, jt.constant([0.5, 2.0]))).numpy()
        b'x=1 y=[0.5 2]'
    """
    if isinstance(inputs, (Tensor, StringTensor, RaggedTensor)) or hasattr(inputs, "_jt_read"):
        inputs = [inputs]
    elif not isinstance(inputs, (list, tuple)):
        if not hasattr(inputs, "__len__"):
            raise TypeError(f"object of type '{type(inputs).__name__}' has no len()")
        inputs = list(inputs)
    pieces = template.split(placeholder)
    if len(pieces) - 1 != len(inputs):
        raise ValueError(
            f"The template expects {len(pieces) - 1} tensors, but the inputs only has "
            f"{len(inputs)}. Please ensure the number of placeholders in template matches "
            "inputs length."
        )
    texts = []
    for v in inputs:
        if isinstance(v, RaggedTensor):  # TF writes its rows as Python lists
            rows = [[_plain(e) for e in row.tolist()] for row in v.rows()]
            texts.append(str(rows))
            continue
        if isinstance(v, (StringTensor, str, bytes)):
            arr = to_bytes_array(v)
        elif isinstance(v, (list, tuple)) and is_string_value(v):
            arr = to_bytes_array(v)
        else:
            arr = _numbers_in(v, "format")
            if arr.dtype.kind not in "biufc":
                arr = np.asarray(arr, np.float32)
        texts.append(summarize_tensor(arr, summarize))
    out = pieces[0] + "".join(t + p for t, p in zip(texts, pieces[1:]))
    return StringTensor._wrap(np.asarray(out.encode(), dtype=object))


def _plain(v):
    return v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v


# -- shape ops on string tensors ---------------------------------------------------------
def _np_of(x):
    return x._np if isinstance(x, StringTensor) else to_bytes_array(x)


def _static(shape) -> tuple:
    shape = np.asarray(shape).reshape(-1).tolist() if not isinstance(shape, int) else [shape]
    return tuple(-1 if d is None else int(d) for d in shape)


def _axis_of(axis):
    if axis is None:
        return None
    arr = np.asarray(axis)
    return int(arr) if arr.ndim == 0 else tuple(int(a) for a in arr.tolist())


def _gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    if batch_dims:
        raise NotImplementedError("tf.gather on strings: batch_dims is not supported by jtape")
    arr = _np_of(params)
    ax = _axis_of(axis) or 0
    idx = np.asarray(indices)
    n = arr.shape[ax]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)].reshape(-1)[0]
        raise InvalidArgumentError(f"indices = {bad} is not in [0, {n}) [Op:GatherV2]")
    return StringTensor._wrap(np.take(arr, idx, axis=ax))


def _host(fn):
    return lambda *args, **kwargs: StringTensor._wrap(np.asarray(fn(*args, **kwargs), object))


_HOST_SHAPE_OPS: dict[str, Callable] = {
    "shape": lambda x, out_type=_dtypes.int32, name=None: Tensor(
        jax.device_put(np.asarray(x._np.shape, _dtypes.as_dtype(out_type).as_numpy_dtype))
    ),
    "rank": lambda x, name=None: Tensor(jax.device_put(np.int32(x._np.ndim))),
    "size": lambda x, out_type=_dtypes.int32, name=None: Tensor(
        jax.device_put(np.asarray(x._np.size, _dtypes.as_dtype(out_type).as_numpy_dtype))
    ),
    "reshape": _host(lambda t, shape, name=None: t._np.reshape(_static(shape))),
    "expand_dims": _host(lambda t, axis, name=None: np.expand_dims(t._np, _axis_of(axis))),
    "squeeze": _host(lambda t, axis=None, name=None: np.squeeze(t._np, _axis_of(axis))),
    "transpose": _host(
        lambda a, perm=None, conjugate=False, name=None: np.transpose(a._np, _axis_of(perm))
    ),
    "tile": _host(lambda t, multiples, name=None: np.tile(t._np, _static(multiples))),
    "broadcast_to": _host(lambda t, shape, name=None: np.broadcast_to(t._np, _static(shape))),
    "reverse": _host(lambda t, axis, name=None: np.flip(t._np, _axis_of(axis))),
    "concat": _host(
        lambda values, axis, name=None: np.concatenate([_np_of(v) for v in values], _axis_of(axis))
    ),
    "stack": _host(
        lambda values, axis=0, name=None: np.stack([_np_of(v) for v in values], _axis_of(axis))
    ),
    "gather": _gather,
    "identity": lambda t, name=None: t,
}


def host_shape_op(fn: Callable, name: str) -> Callable:
    """``fn`` (an array op) that also takes string tensors, running numpy on the host.

    Only the first argument (or, for ``concat``/``stack``, the list of values) is
    checked, so numeric calls pay one ``isinstance``.
    """
    host = _HOST_SHAPE_OPS[name]
    listed = name in ("concat", "stack")

    def wrapped(*args, **kwargs):
        first = args[0] if args else next(iter(kwargs.values()), None)
        if isinstance(first, StringTensor) or (
            listed
            and isinstance(first, (list, tuple))
            and any(isinstance(v, StringTensor) for v in first)
        ):
            return host(*args, **kwargs)
        return fn(*args, **kwargs)

    return functools.update_wrapper(wrapped, fn)
