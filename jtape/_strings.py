"""String tensors on the host: ``StringTensor`` and a ragged companion, ``RaggedTensor``.

JAX has no string dtype, so ``tf.string`` values live on the host as numpy object arrays
of ``bytes`` (what TF's ``.numpy()`` returns). They flow through eager code, ``tf.data``
pipelines and ``tf.strings`` ops, and become integer ids (``StringLookup``,
``TextVectorization``, ``tf.strings.to_number``) before anything reaches JAX. Inside a
``jt.function`` a string argument is a trace-time value: the function traces once per
distinct string value, and string ops run while it traces. A jtape op (a JAX
computation) given a string tensor raises an error naming the op.
"""

from __future__ import annotations

import numpy as np

from . import _dtypes
from ._shape import TensorShape
from ._tensor import Tensor, _Ref

_HOST_ONLY = (
    "string tensors live on the host (JAX has no string dtype), so a JAX op cannot take "
    "one. Turn strings into numbers first: keras.layers.StringLookup / TextVectorization "
    "for ids, tf.strings.to_number for numerals, tf.strings.length for lengths"
)


def _as_bytes(x, encoding: str = "utf-8") -> bytes:
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode(encoding)
    if isinstance(x, np.bytes_):
        return bytes(x)
    raise TypeError(f"expected a string (str or bytes), got {type(x).__name__}: {x!r}")


def is_string_array(arr: np.ndarray) -> bool:
    """Whether a numpy array holds strings (unicode/bytes dtype, or objects all str/bytes)."""
    if arr.dtype.kind in "US":
        return True
    if arr.dtype.kind != "O":
        return False
    return all(isinstance(v, (bytes, str, np.bytes_)) for v in arr.reshape(-1))


def to_bytes_array(value) -> np.ndarray:
    """``value`` (str, bytes, nested lists, numpy or StringTensor) as an object array of bytes."""
    if isinstance(value, StringTensor):
        return value._np
    if isinstance(value, Tensor) or hasattr(value, "_jt_read"):
        raise TypeError(
            f"expected a string tensor, got a {value.dtype.name} tensor; use "
            "tf.strings.as_string to format numbers"
        )
    arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    if arr.dtype.kind == "S":
        arr = arr.astype(object)
    out = np.empty(arr.shape, dtype=object)
    flat_in = arr.reshape(-1)
    flat_out = out.reshape(-1)
    for i in range(flat_in.size):
        flat_out[i] = _as_bytes(flat_in[i])
    return out


def is_string_value(value) -> bool:
    """Python/numpy data that TF would convert to a ``tf.string`` tensor."""
    if isinstance(value, (str, bytes, StringTensor)):
        return True
    if isinstance(value, np.ndarray):
        return is_string_array(value)
    if isinstance(value, np.generic):
        return isinstance(value, (np.str_, np.bytes_))
    if isinstance(value, (list, tuple)) and value:
        v = value
        while isinstance(v, (list, tuple)) and v:
            v = v[0]
        return isinstance(v, (str, bytes, np.str_, np.bytes_))
    return False


class StringTensor:
    """A ``tf.string`` tensor: an immutable numpy object array of ``bytes`` on the host.

    It has a Tensor's surface (``shape``, ``dtype``, ``numpy()``, indexing, iteration,
    ``==``/``!=`` giving bool Tensors, ``+`` concatenating) but is not a JAX value:
    passing it to a jtape op raises an error naming the op. ``isinstance(x, jt.Tensor)``
    is False for it; ``tf.is_tensor`` is True, as in TF.

    Example:
        >>> import jtape as jt
        >>> s = jt.constant(["a", "bc"])
        >>> s.dtype, s.shape, s.numpy().tolist()
        (tf.string, (2,), [b'a', b'bc'])
        >>> (s == "a").numpy().tolist()
        [True, False]
    """

    __slots__ = ("_np", "__weakref__")
    __array_priority__ = 200  # numpy defers to our reflected operators

    def __init__(self, value) -> None:
        self._np = to_bytes_array(value)

    @classmethod
    def _wrap(cls, arr: np.ndarray) -> StringTensor:
        """An already-converted object array of bytes, without copying or checks."""
        t = object.__new__(cls)
        t._np = arr
        return t

    # -- introspection -----------------------------------------------------------
    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._np.shape)

    @property
    def dtype(self) -> _dtypes.DType:
        return _dtypes.string

    @property
    def ndim(self) -> int:
        return self._np.ndim

    @property
    def size(self) -> int:
        return int(self._np.size)

    def get_shape(self) -> TensorShape:
        return self.shape

    def numpy(self):
        """``bytes`` for a scalar, else a numpy object array of ``bytes`` (as TF)."""
        return self._np[()] if self._np.ndim == 0 else self._np.copy()

    def __array__(self, dtype=None, copy=None):
        return self._np if dtype is None else self._np.astype(dtype)

    def __jax_array__(self):
        raise TypeError(f"A string tensor was given to a JAX computation: {_HOST_ONLY}.")

    def ref(self):
        """A hashable reference (TF's ``Tensor.ref()``)."""
        return _Ref(self)

    # -- Python protocol ---------------------------------------------------------
    def __repr__(self) -> str:
        return f"<jt.Tensor: shape={self.shape}, dtype=string, numpy={_fmt(self._np)}>"

    def __str__(self) -> str:
        return f"jt.Tensor({_fmt(self._np)}, shape={self.shape}, dtype=string)"

    def __len__(self) -> int:
        if self._np.ndim == 0:
            raise TypeError("len() of a scalar (0-d) jt.Tensor is undefined")
        return self._np.shape[0]

    def __iter__(self):
        if self._np.ndim == 0:
            raise TypeError("iteration over a scalar (0-d) jt.Tensor is not allowed")
        return (StringTensor._wrap(np.asarray(row, dtype=object)) for row in self._np)

    def __getitem__(self, index) -> StringTensor:
        return StringTensor._wrap(np.asarray(self._np[_np_index(index)], dtype=object))

    def __bool__(self) -> bool:
        raise TypeError(
            "The truth value of a string tensor is ambiguous; compare it (s == b'...') or "
            "take s.numpy()"
        )

    __hash__ = object.__hash__  # identity, like jt.Tensor

    def __eq__(self, other):
        return _compare(self, other, np.equal, False)

    def __ne__(self, other):
        return _compare(self, other, np.not_equal, True)

    def __add__(self, other) -> StringTensor:
        return _concat(self, other)

    def __radd__(self, other) -> StringTensor:
        return _concat(other, self)


def host_only_error(spec) -> Exception | None:
    """TF's error for a jtape op given a string tensor (None when it was not given one).

    A StringTensor is not a JAX value, so ``call_op`` passes it on as a static argument
    and JAX fails; this names the op and says what to do instead.
    """
    if not any(isinstance(x, (StringTensor, RaggedTensor)) for x in spec.template):
        return None
    from ._op_errors import InvalidArgumentError

    name = getattr(spec.fn, "__name__", "op")
    return InvalidArgumentError(f"{name}: an input is a string tensor; {_HOST_ONLY}.")


def cast_string(x, dtype: _dtypes.DType):
    """``tf.cast`` where a string is involved: identity string -> string, else TF's error."""
    src = _dtypes.as_dtype(getattr(x, "dtype", None) or np.asarray(x).dtype)
    if src == dtype:
        return x if isinstance(x, StringTensor) else constant(x)
    from ._op_errors import UnimplementedError

    raise UnimplementedError(
        f"Cast {_tf_name(src)} to {_tf_name(dtype)} is not supported [Op:Cast]; use "
        "tf.strings.to_number (string -> number) or tf.strings.as_string (number -> string)"
    )


def _tf_name(dtype: _dtypes.DType) -> str:
    return {"float32": "float", "float64": "double"}.get(dtype.name, dtype.name)


def _fmt(arr: np.ndarray) -> str:
    return repr(arr[()]) if arr.ndim == 0 else np.array2string(arr, threshold=20)


def _np_index(index):
    if isinstance(index, tuple):
        return tuple(_np_index(i) for i in index)
    if isinstance(index, Tensor) or hasattr(index, "_jt_read"):
        return np.asarray(index)
    return index


def _operand(x) -> np.ndarray | None:
    try:
        return to_bytes_array(x)
    except TypeError:
        return None


def _compare(a: StringTensor, other, fn, differs: bool):
    if other is None:
        return differs
    b = _operand(other)
    if b is None:
        raise TypeError(f"Cannot convert {other!r} to EagerTensor of dtype string")
    try:
        out = fn(a._np, b)
    except ValueError as e:
        from ._op_errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"Incompatible shapes: {list(a._np.shape)} vs. {list(b.shape)} [Op:Equal]"
        ) from e
    return Tensor(np.asarray(out, dtype=bool))


def _concat(a, b) -> StringTensor:
    for i, v in enumerate((a, b)):
        if not is_string_value(v):
            from ._op_errors import InvalidArgumentError

            dt = getattr(v, "dtype", None) or _dtypes.default_dtype_for(v) or np.asarray(v).dtype
            raise InvalidArgumentError(
                f"cannot compute Add as input #{i}(zero-based) was expected to be a string "
                f"tensor but is a {_dtypes.as_dtype(dt).name} tensor [Op:Add]"
            )
    x, y = to_bytes_array(a), to_bytes_array(b)
    x, y = np.broadcast_arrays(x, y)
    out = np.empty(x.shape, dtype=object)
    for i in np.ndindex(x.shape):
        out[i] = x[i] + y[i]
    return StringTensor._wrap(out)


def constant(value, dtype=None, shape=None) -> StringTensor:
    """``value`` (str/bytes data) as a StringTensor; TF's error for a numeric ``dtype``."""
    if dtype is not None and _dtypes.as_dtype(dtype) != _dtypes.string:
        raise TypeError(
            f"Cannot convert {value!r} to EagerTensor of dtype {_dtypes.as_dtype(dtype).name}"
        )
    if isinstance(value, StringTensor) and shape is None:
        return value
    arr = to_bytes_array(value)
    if shape is not None:
        shape = tuple(int(d) for d in ([shape] if isinstance(shape, int) else shape))
        if arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), shape).copy()
        else:
            arr = arr.reshape(shape)
    return StringTensor._wrap(arr)


# -- ragged ---------------------------------------------------------------------------
class RaggedTensor:
    """Rows of different lengths: ``tf.RaggedTensor`` with one ragged dimension.

    ``flat_values`` (a StringTensor or a numeric Tensor) holds every row's items one after
    another and ``row_splits`` (int64) where each row starts and ends. It is what
    ``tf.strings.split``/``unicode_split``/``unicode_decode`` return for a batch of
    strings and what ``StringLookup`` returns for one. Only one ragged dimension (rank 2)
    is supported; ``to_tensor`` pads it into a dense tensor.

    Example:
        >>> import jtape as jt
        >>> r = jt.strings.split(jt.constant(["a b", "c"]))
        >>> r.to_list()
        [[b'a', b'b'], [b'c']]
        >>> r.to_tensor().numpy().tolist()
        [[b'a', b'b'], [b'c', b'']]
    """

    __slots__ = ("_values", "_splits", "__weakref__")

    def __init__(self, values, row_splits) -> None:
        self._values = np.asarray(values) if not _is_str(values) else to_bytes_array(values)
        self._splits = np.asarray(row_splits, dtype=np.int64)

    @staticmethod
    def _is_string(x) -> bool:
        return _is_str(x)

    @classmethod
    def from_rows(cls, rows: list, dtype=None) -> RaggedTensor:
        """A RaggedTensor from a list of 1-D numpy arrays (one per row)."""
        splits = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=splits[1:])
        if dtype is not None and _dtypes.as_dtype(dtype) == _dtypes.string:
            values = np.empty(int(splits[-1]), dtype=object)
            if len(values):
                values[:] = [v for r in rows for v in r]
        else:
            parts = [np.asarray(r, dtype=dtype) for r in rows]
            values = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
            values = values.astype(dtype) if dtype is not None else values
        return cls(values, splits)

    @classmethod
    def from_row_splits(cls, values, row_splits, validate: bool = True) -> RaggedTensor:
        return cls(_host(values), np.asarray(row_splits))

    @classmethod
    def from_row_lengths(cls, values, row_lengths, validate: bool = True) -> RaggedTensor:
        lengths = np.asarray(row_lengths, dtype=np.int64)
        return cls(_host(values), np.concatenate([[0], np.cumsum(lengths)]))

    # -- introspection -----------------------------------------------------------
    @property
    def flat_values(self):
        return _wrap_values(self._values)

    values = flat_values

    @property
    def dtype(self) -> _dtypes.DType:
        return _dtypes.as_dtype(self._values.dtype)

    @property
    def shape(self) -> TensorShape:
        return TensorShape([len(self._splits) - 1, None])

    @property
    def ragged_rank(self) -> int:
        return 1

    @property
    def ndim(self) -> int:
        return 2

    def row_splits(self):
        return Tensor(self._splits)

    def row_lengths(self):
        return Tensor(np.diff(self._splits))

    def nrows(self):
        return Tensor(np.int64(len(self._splits) - 1))

    def rows(self) -> list[np.ndarray]:
        """The rows as numpy arrays (host values, jtape only)."""
        return [self._values[a:b] for a, b in zip(self._splits[:-1], self._splits[1:])]

    def with_flat_values(self, new_values) -> RaggedTensor:
        return RaggedTensor(_host(new_values), self._splits)

    # -- conversions -------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """An object array of per-row numpy arrays (TF's ``RaggedTensor.numpy()``)."""
        out = np.empty(len(self._splits) - 1, dtype=object)
        for i, row in enumerate(self.rows()):
            out[i] = row.copy()
        return out

    def to_list(self) -> list:
        return [row.tolist() for row in self.rows()]

    def to_tensor(self, default_value=None, name=None, shape=None):
        """Rows padded (or cut) to one length with ``default_value`` (b'' or 0 by default).

        ``shape`` (``[rows, width]``, either may be None) fixes the width, cutting longer
        rows, as TF does.
        """
        rows = self.rows()
        width = max((len(r) for r in rows), default=0)
        if shape is not None:
            shape = list(shape)
            if shape[-1] is not None:
                width = int(shape[-1])
        is_str = self._values.dtype == object
        if default_value is None:
            default_value = b"" if is_str else 0
        if is_str:
            out = np.empty((len(rows), width), dtype=object)
            out[...] = _as_bytes(_scalar(default_value))
        else:
            out = np.full((len(rows), width), _scalar(default_value), dtype=self._values.dtype)
        for i, row in enumerate(rows):
            n = min(len(row), width)
            out[i, :n] = row[:n]
        return _wrap_values(out)

    # -- Python protocol ---------------------------------------------------------
    def __len__(self) -> int:
        return len(self._splits) - 1

    def __iter__(self):
        return (_wrap_values(r) for r in self.rows())

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)) or (isinstance(index, Tensor) and index.ndim == 0):
            i = int(index)
            n = len(self)
            if not -n <= i < n:
                raise IndexError(f"row index {i} out of range for {n} rows")
            return _wrap_values(self.rows()[i])
        if isinstance(index, slice):
            return RaggedTensor.from_rows(self.rows()[index], self._values.dtype)
        raise TypeError(
            "RaggedTensor: only a row index or a slice of rows is supported, got "
            f"{index!r}; use .to_tensor() for dense indexing"
        )

    def __repr__(self) -> str:
        return f"<jt.RaggedTensor {self.to_list()}>"

    def __eq__(self, other):
        raise TypeError("RaggedTensor: == is not supported; compare .to_list() or .to_tensor()")

    __hash__ = object.__hash__


def _is_str(x) -> bool:
    if isinstance(x, StringTensor):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind in "OUS"


def _scalar(x):
    if isinstance(x, StringTensor):
        return x._np[()]
    arr = np.asarray(x)
    return arr.item() if arr.dtype != object else arr[()]


def _host(x) -> np.ndarray:
    """A StringTensor, Tensor or array as a host numpy array (bytes for strings)."""
    if isinstance(x, StringTensor):
        return x._np
    if isinstance(x, Tensor) or hasattr(x, "_jt_read"):
        return np.asarray(x)
    if is_string_value(x):
        return to_bytes_array(x)
    return np.asarray(x)


def _wrap_values(arr: np.ndarray):
    """A host array as the user sees it: StringTensor for strings, else a jt.Tensor."""
    if arr.dtype == object:
        return StringTensor._wrap(arr)
    from ._tensor import to_value

    return Tensor(to_value(arr))


class _ValueRef(_Ref):
    """A StringTensor as a ``jt.function`` signature entry: equal and hashed by value.

    TF traces a ``tf.function`` once per distinct string value it is called with.
    """

    __slots__ = ("_key",)

    def __init__(self, obj: StringTensor) -> None:
        super().__init__(obj)
        self._key = (obj._np.shape, tuple(obj._np.reshape(-1).tolist()))

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other) -> bool:
        return isinstance(other, _ValueRef) and other._key == self._key
