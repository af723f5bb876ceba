"""``tf.dtypes``: TensorFlow's ``DType`` objects (jtape's own, see ``jtape._dtypes``).

``tf.float32`` is a :class:`DType` that compares (and hashes) equal to
``numpy.dtype('float32')``; ``tensor.dtype`` returns these objects, so
``x.dtype == tf.float32`` and ``x.dtype.is_floating`` work, and a ``DType`` can be
passed anywhere numpy or JAX expect a dtype.
"""

from __future__ import annotations

from .. import _dtypes
from .._dtypes import DType as DType
from .._dtypes import as_dtype as as_dtype
from .._math_ops import cast as _cast
from .._math_ops import saturate_cast as _saturate_cast
from ._api import tf_api
from ._missing import missing

float16 = half = _dtypes.float16
bfloat16 = _dtypes.bfloat16
float32 = _dtypes.float32
float64 = double = _dtypes.float64
int8 = _dtypes.int8
int16 = _dtypes.int16
int32 = _dtypes.int32
int64 = _dtypes.int64
uint8 = _dtypes.uint8
uint16 = _dtypes.uint16
uint32 = _dtypes.uint32
uint64 = _dtypes.uint64
bool = _dtypes.bool_  # noqa: A001 - TF's name
complex64 = _dtypes.complex64
complex128 = _dtypes.complex128
string = _dtypes.string

cast = tf_api(_cast, tf_name="cast")
saturate_cast = tf_api(_saturate_cast, tf_name="saturate_cast")

__all__ = [
    "DType",
    "as_dtype",
    "cast",
    "saturate_cast",
    "float16",
    "string",
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
