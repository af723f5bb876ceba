"""Dtypes with TensorFlow's rules: ``DType`` objects, defaults and 64-bit support.

``Tensor.dtype`` and ``Variable.dtype`` are :class:`DType` objects with TensorFlow's API
(``is_floating``, ``as_numpy_dtype``, ``max`` ...) that compare and hash equal to the
numpy dtype, so they work wherever numpy or JAX expect a dtype.

64-bit types: TensorFlow keeps float64/int64 wherever a user asks for them (numpy
float64 data, ``dtype=tf.float64``). JAX can only hold them with its process-wide
``jax_enable_x64`` switch, so importing jtape turns it on (set ``JTAPE_ENABLE_X64=0``
before the import to keep JAX's 32-bit default; then a float64/int64 request raises
instead of being narrowed). jtape picks every dtype explicitly (TF's defaults: Python
floats float32, ints int32), so a float32 program stays float32. What it means for a
user's own JAX code in the same process: JAX's *defaults* become 64-bit
(``jnp.array(1.0)`` is float64, ``jnp.arange(3)`` int64); give dtypes explicitly there.
"""

from __future__ import annotations

import builtins
import os

import jax
import jax.numpy as jnp
import numpy as np

X64 = os.environ.get("JTAPE_ENABLE_X64", "1").lower() not in ("0", "false", "no", "off")
if X64:
    jax.config.update("jax_enable_x64", True)

# TF's DataType enum values, for code that reads ``as_datatype_enum`` or passes them.
_ENUMS = {
    "float32": 1,
    "float64": 2,
    "int32": 3,
    "uint8": 4,
    "int16": 5,
    "int8": 6,
    "string": 7,
    "complex64": 8,
    "int64": 9,
    "bool": 10,
    "bfloat16": 14,
    "uint16": 17,
    "complex128": 18,
    "float16": 19,
    "uint32": 22,
    "uint64": 23,
}
_BY_ENUM = {v: k for k, v in _ENUMS.items()}


class DType:
    """A dtype with TensorFlow's API that is also a numpy/JAX dtype.

    Example:
        >>> import numpy as np, jtape as jt
        >>> jt.float32.name, jt.float32.is_floating, jt.float32.as_numpy_dtype is np.float32
        ('float32', True, True)
        >>> np.dtype("float32") == jt.float32 == "float32"
        True
        >>> jt.constant([1.0]).dtype.is_floating
        True
    """

    __slots__ = ("_np",)

    def __init__(self, dtype) -> None:
        self._np = np.dtype(_np_dtype(dtype))

    # numpy and JAX read ``.dtype`` when converting an object to a dtype.
    @property
    def dtype(self) -> np.dtype:
        return self._np

    @property
    def name(self) -> str:
        return "string" if self._np.kind == "O" else self._np.name  # tf.string: host bytes

    @property
    def as_numpy_dtype(self) -> type:
        return self._np.type

    @property
    def as_datatype_enum(self) -> int:
        return _ENUMS.get(self.name, 0)

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def real_dtype(self) -> DType:
        if self.is_complex:
            return as_dtype(np.finfo(self._np).dtype)
        return self

    @property
    def is_floating(self) -> bool:
        return builtins.bool(jnp.issubdtype(self._np, jnp.floating))

    @property
    def is_integer(self) -> bool:
        return builtins.bool(jnp.issubdtype(self._np, jnp.integer))

    @property
    def is_complex(self) -> bool:
        return builtins.bool(jnp.issubdtype(self._np, jnp.complexfloating))

    @property
    def is_bool(self) -> bool:
        return self._np == np.bool_

    @property
    def is_unsigned(self) -> bool:
        return builtins.bool(jnp.issubdtype(self._np, jnp.unsignedinteger))

    @property
    def is_numeric(self) -> bool:
        return not self.is_bool and self._np.kind != "O"

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def is_numpy_compatible(self) -> bool:
        return True

    @property
    def size(self) -> int:
        return self._np.itemsize

    @property
    def min(self):
        return _limits(self._np).min

    @property
    def max(self):
        return _limits(self._np).max

    @property
    def limits(self) -> tuple:
        return (self.min, self.max)

    def is_compatible_with(self, other) -> bool:
        return self == other

    def __getattr__(self, name: str):
        # The numpy dtype's own attributes (kind, itemsize, type, char ...).
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._np, name)

    def __eq__(self, other) -> bool:
        if isinstance(other, DType):
            return self._np == other._np
        if other is None:
            return False
        try:
            return self._np == _np_dtype(other)
        except (TypeError, ValueError):
            return NotImplemented

    def __ne__(self, other) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self._np)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"

    def __reduce__(self):
        return (as_dtype, (self.name,))


def _limits(dt: np.dtype):
    if dt == np.bool_:
        return _BoolLimits
    return jnp.finfo(dt) if jnp.issubdtype(dt, jnp.inexact) else jnp.iinfo(dt)


class _BoolLimits:
    min = False
    max = True


def _np_dtype(dtype) -> np.dtype:
    if isinstance(dtype, DType):
        return dtype._np
    as_np = getattr(dtype, "as_numpy_dtype", None)
    if as_np is not None:
        dtype = as_np
    if type(dtype) is int:  # TF's DataType enum (``tf.zeros(2, 1)``: 1 is float32)
        if dtype not in _BY_ENUM:
            raise TypeError(f"dtype: {dtype} is not a TensorFlow DataType enum value")
        dtype = _BY_ENUM[dtype]
    if dtype in _STRING_NAMES or getattr(dtype, "kind", None) in ("O", "U", "S"):
        return np.dtype(object)  # tf.string: numpy object arrays of bytes (jtape/_strings.py)
    if dtype is float:  # Python's float means float32 in TF's conversions, not float64
        return np.dtype(np.float32)
    if dtype is int:
        return np.dtype(np.int32)
    try:
        return jnp.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"dtype: expected a dtype such as jt.float32, got {dtype!r}") from e


_STRING_NAMES = ("string", object, np.object_, np.str_, np.bytes_, str, bytes)
_CACHE: dict = {}


def as_dtype(dtype) -> DType | None:
    """The :class:`DType` for a DType, numpy/JAX dtype, Python type, name or TF enum.

    Example:
        >>> import numpy as np, jtape as jt
        >>> jt.as_dtype(np.float64) is jt.float64
        True
    """
    if dtype is None:
        return None
    if type(dtype) is DType:
        return dtype
    try:
        found = _CACHE.get(dtype)
    except TypeError:
        found = None
    if found is not None:
        return found
    np_dt = _np_dtype(dtype)
    found = _CACHE.get(np_dt)
    if found is None:
        found = _CACHE[np_dt] = DType(np_dt)
    try:
        _CACHE[dtype] = found
    except TypeError:
        pass
    return found


def of(value) -> DType:
    """The :class:`DType` of a JAX/numpy array (the fast path of ``Tensor.dtype``)."""
    dt = value.dtype
    found = _CACHE.get(dt)
    return found if found is not None else as_dtype(dt)


float16 = as_dtype("float16")
bfloat16 = as_dtype("bfloat16")
float32 = as_dtype("float32")
float64 = as_dtype("float64")
int8 = as_dtype("int8")
int16 = as_dtype("int16")
int32 = as_dtype("int32")
int64 = as_dtype("int64")
uint8 = as_dtype("uint8")
uint16 = as_dtype("uint16")
uint32 = as_dtype("uint32")
uint64 = as_dtype("uint64")
bool_ = as_dtype("bool")
complex64 = as_dtype("complex64")
complex128 = as_dtype("complex128")
string = as_dtype("string")

_WIDE = {"float64", "int64", "uint64", "complex128"}


def check_supported(dtype) -> None:
    """Raise if ``dtype`` is 64-bit while JAX's x64 mode is off (never narrow silently)."""
    if not jax.config.jax_enable_x64 and np.dtype(dtype).name in _WIDE:
        raise TypeError(
            f"dtype {np.dtype(dtype).name} needs JAX's 64-bit mode, which is off "
            "(JTAPE_ENABLE_X64=0 or jax_enable_x64 was turned off); unset JTAPE_ENABLE_X64 "
            "or cast the data to a 32-bit dtype explicitly"
        )


def is_floating(dtype) -> bool:
    return jnp.issubdtype(dtype, jnp.inexact)


_INT32 = np.iinfo(np.int32)


def default_dtype_for(value) -> DType | None:
    """TF's dtype for a Python value: floats float32, ints int32 (int64 past int32).

    numpy arrays and scalars keep their own dtype (None here: no conversion needed).
    """
    if isinstance(value, (np.ndarray, np.generic)):
        return None
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int32 if _INT32.min <= value <= _INT32.max else int64
    if isinstance(value, float):
        return float32
    if isinstance(value, complex):
        return complex128
    if isinstance(value, (list, tuple)):
        leaves = _python_leaves(value)
        if not leaves:
            return float32  # an empty list ([], [[]]): TF's float32, not numpy's float64
        if any(isinstance(v, np.generic) for v in leaves):
            return _scalar_list_dtype(_leaves_in_order(value))
        if all(isinstance(v, (bool, int, float, complex)) for v in leaves):
            if any(isinstance(v, complex) for v in leaves):
                return complex128
            if any(isinstance(v, float) for v in leaves):
                return float32
            if all(isinstance(v, bool) for v in leaves):
                return bool_
            if all(_INT32.min <= v <= _INT32.max for v in leaves):
                return int32
            return int64
    return None


def _scalar_list_dtype(leaves: list) -> DType | None:
    """TF's dtype for a list holding numpy scalars: set by the first element. A numpy
    float keeps its dtype (the rest conform); an int (numpy's or Python's) gives int32
    (int64 past its range), float32 if a float follows; a Python float gives float32; a
    complex, complex128. None (numpy's rule) for anything else."""
    kinds = []
    for v in leaves:
        if isinstance(v, (np.bool_, bool)):
            kinds.append("b")
        elif isinstance(v, (np.integer, int)):
            kinds.append("i")
        elif isinstance(v, (np.floating, float)):
            kinds.append("f")
        elif isinstance(v, (np.complexfloating, complex)):
            kinds.append("c")
        else:
            return None
    first = leaves[0]
    if kinds[0] == "f":
        return as_dtype(first.dtype) if isinstance(first, np.floating) else float32
    if kinds[0] == "i" and "c" not in kinds and "b" not in kinds:
        if "f" in kinds:
            return float32
        ints = [int(v) for v in leaves]
        return int32 if all(_INT32.min <= v <= _INT32.max for v in ints) else int64
    if kinds[0] == "c" and set(kinds) <= {"c", "f", "i"}:
        return complex128
    if set(kinds) == {"b"}:
        return bool_
    return None


def _leaves_in_order(value) -> list:
    out = []
    for v in value:
        if isinstance(v, (list, tuple)):
            out.extend(_leaves_in_order(v))
        else:
            out.append(v)
    return out


def _python_leaves(value) -> list:
    out = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(v)
        else:
            out.append(v)
    return out
