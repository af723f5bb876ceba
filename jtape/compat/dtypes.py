"""``tf.dtypes``: TensorFlow's ``DType`` objects over numpy/JAX dtypes.

``tf.float32`` is a :class:`DType` that compares (and hashes) equal to
``numpy.dtype('float32')``, which is what ``tensor.dtype`` returns in jtape, so
``x.dtype == tf.float32`` holds either way round, and a ``DType`` can be passed
anywhere numpy or JAX expect a dtype.
"""

from __future__ import annotations

import builtins

import jax.numpy as jnp
import numpy as np

from .. import _dtypes
from .._math_ops import cast as _cast
from ._api import tf_api
from ._missing import missing

# TF's DataType enum values, for code that reads ``as_datatype_enum``.
_ENUMS = {
    "float32": 1,
    "float64": 2,
    "int32": 3,
    "uint8": 4,
    "int16": 5,
    "int8": 6,
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


class DType:
    """A TensorFlow dtype: ``.name``, ``.is_floating``, ``.as_numpy_dtype`` ...

    Example:
        >>> import numpy as np
        >>> float32.name, float32.is_floating, float32.as_numpy_dtype is np.float32
        ('float32', True, True)
        >>> np.dtype("float32") == float32 == "float32"
        True
    """

    __slots__ = ("_np",)

    def __init__(self, dtype) -> None:
        self._np = np.dtype(_dtypes.as_dtype(dtype))

    # numpy and JAX read ``.dtype`` when converting an object to a dtype.
    @property
    def dtype(self) -> np.dtype:
        return self._np

    @property
    def name(self) -> str:
        return self._np.name

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
            return DType(np.finfo(self._np).dtype)
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
        return not self.is_bool

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

    def __eq__(self, other) -> bool:
        if isinstance(other, DType):
            return self._np == other._np
        if other is None:
            return False
        try:
            return self._np == np.dtype(_dtypes.as_dtype(other))
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
        return (DType, (self.name,))


def _limits(dt: np.dtype):
    if dt == np.bool_:
        return _BoolLimits
    return jnp.finfo(dt) if jnp.issubdtype(dt, jnp.inexact) else jnp.iinfo(dt)


class _BoolLimits:
    min = False
    max = True


float16 = half = DType("float16")
bfloat16 = DType("bfloat16")
float32 = DType("float32")
float64 = double = DType("float64")
int8 = DType("int8")
int16 = DType("int16")
int32 = DType("int32")
int64 = DType("int64")
uint8 = DType("uint8")
uint16 = DType("uint16")
uint32 = DType("uint32")
uint64 = DType("uint64")
bool = DType("bool")  # noqa: A001 - TF's name
complex64 = DType("complex64")
complex128 = DType("complex128")


def as_dtype(type_value) -> DType:
    """The :class:`DType` for a DType, numpy/JAX dtype, Python type or name.

    Example:
        >>> import numpy as np
        >>> as_dtype(np.float32) is float32
        True
    """
    if isinstance(type_value, DType):
        return type_value
    if type_value is float:  # Python's float means float32 in TF's conversions, not float64
        return float32
    if type_value is int:
        return int32
    np_dt = np.dtype(_dtypes.as_dtype(type_value))
    return _BY_NAME.get(np_dt.name) or DType(np_dt)


_BY_NAME = {
    d.name: d
    for d in (
        float16,
        bfloat16,
        float32,
        float64,
        int8,
        int16,
        int32,
        int64,
        uint8,
        uint16,
        uint32,
        uint64,
        bool,
        complex64,
        complex128,
    )
}

cast = tf_api(_cast, tf_name="cast")

__all__ = [
    "DType",
    "as_dtype",
    "cast",
    "float16",
    "half",
    "bfloat16",
    "float32",
    "float64",
    "double",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "complex64",
    "complex128",
]

__getattr__ = missing("tf.dtypes")
