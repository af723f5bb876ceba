"""String tensors on the host: ``StringTensor`` (``RaggedTensor`` is in ``_ragged.py``).

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


# The ragged companion of the string ops lives in _ragged.py (imported last: it uses
# StringTensor).
from ._ragged import RaggedTensor as RaggedTensor  # noqa: E402
