"""``jtape.compat``: TensorFlow's namespace over jtape, for ``import jtape.compat as tf``.

This package only names and translates: every function here is a jtape op or object
under TensorFlow's name and argument names. A TF name jtape lacks raises
:class:`NotProvidedError` (an ``AttributeError``) naming the alternative. The list of
what is covered, generated from this code, is ``docs/compat.md``.

Example:
    >>> import jtape.compat as tf
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x ** 2
    >>> float(tape.gradient(y, x))
    6.0
"""

from __future__ import annotations

import contextlib
import functools

import jax

from .. import _array_ops as A
from .. import _clip_ops as C
from .. import _counting_ops as K
from .. import _indexing_ops as I
from .. import _math_ops as M
from .._control_flow import case as case
from .._control_flow import cond as cond
from .._control_flow import foldl as foldl
from .._control_flow import foldr as foldr
from .._control_flow import map_fn as map_fn
from .._control_flow import scan as scan
from .._control_flow import switch_case as switch_case
from .._control_flow import vectorized_map as vectorized_map
from .._control_flow import while_loop as while_loop
from .._custom_gradient import custom_gradient as custom_gradient
from .._custom_gradient import stop_gradient as _stop_gradient
from .._debug_ops import print_ as _print
from .._function import TensorSpec as TensorSpec
from .._function import function as function
from .._module import Module as Module
from .._module import name_scope as name_scope
from .._py_function import numpy_function as numpy_function
from .._py_function import py_function as py_function
from .._ragged import RaggedTensorSpec as RaggedTensorSpec
from .._shape import TensorShape as TensorShape
from .._sparse import SparseTensor as SparseTensor
from .._sparse import SparseTensorSpec as SparseTensorSpec
from .._state import tracing as _tracing
from .._strings import RaggedTensor as RaggedTensor
from .._tape import GradientTape as GradientTape
from .._tape import UnconnectedGradients as UnconnectedGradients
from .._tensor import Tensor as Tensor
from .._tensor_array import TensorArray as TensorArray
from .._variable import IndexedSlices as IndexedSlices
from .._variable import Variable as Variable
from .._variable import VariableAggregation as VariableAggregation
from .._variable import VariableSynchronization as VariableSynchronization
from .._variable import init_scope as init_scope
from . import autodiff as autodiff
from . import config as config
from . import debugging as debugging
from . import dtypes as dtypes
from . import errors as errors
from . import linalg as linalg
from . import math as math
from . import nest as nest
from . import nn as nn
from . import random as random
from . import test as test
from ._api import tf_api
from ._missing import NotProvidedError as NotProvidedError
from ._missing import missing
from .config import device as device
from .dtypes import DType as DType
from .dtypes import as_dtype as as_dtype
from .dtypes import bfloat16 as bfloat16
from .dtypes import bool as bool  # noqa: A004 - TF's name
from .dtypes import complex64 as complex64
from .dtypes import complex128 as complex128
from .dtypes import double as double
from .dtypes import float16 as float16
from .dtypes import float32 as float32
from .dtypes import float64 as float64
from .dtypes import half as half
from .dtypes import int8 as int8
from .dtypes import int16 as int16
from .dtypes import int32 as int32
from .dtypes import int64 as int64
from .dtypes import string as string
from .dtypes import uint8 as uint8
from .dtypes import uint16 as uint16
from .dtypes import uint32 as uint32
from .dtypes import uint64 as uint64

__version__ = "2.16.0"  # the TensorFlow API level this namespace follows
newaxis = None

# tf.math names TensorFlow also exports at top level.
MATH_AT_TOP = (
    "abs",
    "acos",
    "acosh",
    "add",
    "add_n",
    "argmax",
    "argmin",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "cos",
    "cosh",
    "cumsum",
    "divide",
    "equal",
    "exp",
    "floor",
    "floordiv",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "maximum",
    "minimum",
    "multiply",
    "negative",
    "not_equal",
    "pow",
    "reduce_all",
    "reduce_any",
    "reduce_logsumexp",
    "reduce_max",
    "reduce_mean",
    "reduce_min",
    "reduce_prod",
    "reduce_sum",
    "round",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "square",
    "subtract",
    "tan",
    "tanh",
    "truediv",
    "truncatediv",
)


def _scatter(mode: str):
    return functools.partial(I.tensor_scatter_nd, mode)


# TF name -> (jtape callable, TF keyword -> jtape keyword, tensor params).
TABLE = {
    "argsort": (A.argsort, {}, ("values",)),
    "boolean_mask": (A.boolean_mask, {}, ("tensor", "mask")),
    "broadcast_to": (A.broadcast_to, {}, ("input",)),
    "cast": (M.cast, {}, ("x",)),
    "clip_by_global_norm": (C.clip_by_global_norm, {}, ()),
    "clip_by_norm": (C.clip_by_norm, {}, ("t",)),
    "clip_by_value": (M.clip_by_value, {}, ("t",)),
    "complex": (M.complex, {}, ("real", "imag")),
    "concat": (A.concat, {}, ("*values",)),
    "constant": (A.constant, {}, ()),
    "convert_to_tensor": (A.convert_to_tensor, {}, ()),
    "einsum": (M.einsum, {}, ()),
    "expand_dims": (A.expand_dims, {}, ("input",)),
    "eye": (linalg._eye, {}, ()),
    "fill": (A.fill, {}, ()),
    "gather": (A.gather, {}, ("params", "indices")),
    "gather_nd": (A.gather_nd, {}, ("params", "indices")),
    "histogram_fixed_width": (K.histogram_fixed_width, {}, ()),
    "identity": (A.identity, {"input": "x"}, ("input",)),
    "linspace": (A.linspace, {}, ()),
    "matmul": (M.matmul, {}, ("a", "b")),
    "meshgrid": (I.meshgrid, {}, ()),
    "norm": (linalg.L.norm, {}, ("tensor",)),
    "one_hot": (A.one_hot, {}, ("indices",)),
    "ones": (A.ones, {}, ()),
    "ones_like": (A.ones_like, {"input": "x"}, ("input",)),
    "pad": (A.pad, {}, ("tensor",)),
    "range": (A.range, {}, ()),
    "rank": (A.rank, {"input": "x"}, ("input",)),
    "realdiv": (M.divide, {}, ("x", "y")),
    "repeat": (I.repeat, {}, ("input",)),
    "reshape": (A.reshape, {}, ("tensor",)),
    "reverse": (A.reverse, {}, ("tensor",)),
    "saturate_cast": (M.saturate_cast, {}, ("value",)),
    "roll": (I.roll, {}, ("input",)),
    "scatter_nd": (I.scatter_nd, {}, ("indices", "updates")),
    "searchsorted": (I.searchsorted, {}, ("sorted_sequence", "values")),
    "sequence_mask": (I.sequence_mask, {}, ("lengths",)),
    "shape": (A.shape, {"input": "x"}, ("input",)),
    "size": (A.size, {"input": "x"}, ("input",)),
    "slice": (I.slice, {}, ("input_",)),
    "sort": (A.sort, {}, ("values",)),
    "split": (A.split, {}, ("value",)),
    "squeeze": (A.squeeze, {}, ("input",)),
    "stack": (A.stack, {}, ("*values",)),
    "stop_gradient": (_stop_gradient, {"input": "x"}, ("input",)),
    "strided_slice": (I.strided_slice, {}, ("input_",)),
    "tensor_scatter_nd_add": (_scatter("add"), {}, ("tensor", "indices", "updates")),
    "tensor_scatter_nd_max": (_scatter("max"), {}, ("tensor", "indices", "updates")),
    "tensor_scatter_nd_min": (_scatter("min"), {}, ("tensor", "indices", "updates")),
    "tensor_scatter_nd_sub": (_scatter("sub"), {}, ("tensor", "indices", "updates")),
    "tensor_scatter_nd_update": (_scatter("update"), {}, ("tensor", "indices", "updates")),
    "tensordot": (M.tensordot, {}, ("a", "b")),
    "tile": (A.tile, {}, ("input",)),
    "transpose": (A.transpose, {}, ("a",)),
    "truncatemod": (math.S.truncatemod, {}, ("x", "y")),
    "unique": (I.unique, {}, ("x",)),
    "unique_with_counts": (K.unique_with_counts, {}, ("x",)),
    "unstack": (A.unstack, {}, ("value",)),
    "where": (A.where, {}, ("condition", "x", "y")),
    "zeros": (A.zeros, {}, ()),
    "zeros_like": (A.zeros_like, {"input": "x"}, ("input",)),
}

_API = {
    name: tf_api(fn, renames, tf_name=name, tensors=tensors)
    for name, (fn, renames, tensors) in TABLE.items()
}
_API.update({name: getattr(math, name) for name in MATH_AT_TOP})
_API["print"] = _print
_API["Assert"] = debugging.Assert
globals().update(_API)


def executing_eagerly() -> bool:
    """False while a ``tf.function`` is being traced, True otherwise."""
    return not _tracing()


def is_tensor(x) -> bool:
    """True for jtape Tensors and Variables (TF's "tensor-like"), string tensors included."""
    from .._strings import RaggedTensor, StringTensor

    return isinstance(x, (Tensor, Variable, StringTensor, RaggedTensor, SparseTensor))


def get_static_value(tensor, partial: bool = False):
    """The value as a numpy array if it is known now (eagerly), else None."""
    value = getattr(tensor, "_value", None) if isinstance(tensor, Tensor) else tensor
    if isinstance(tensor, Variable):
        return None  # a variable's value can change: not static, as in TF
    if isinstance(value, jax.core.Tracer):
        return None
    import numpy as np

    return np.asarray(value)


def ensure_shape(x, shape):
    """``x`` unchanged if its shape matches ``shape`` (None dims match anything)."""
    spec = TensorShape(shape)
    if not spec.is_compatible_with(TensorShape(x.shape)):
        raise ValueError(
            f"ensure_shape: shape of tensor {tuple(x.shape)} is not compatible "
            f"with expected shape {tuple(spec)}"
        )
    return x


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """A no-op context: eager code and traced jtape code already run in program order."""
    yield


def no_op(name=None) -> None:
    return None


__all__ = sorted(
    [
        *_API,
        "DType",
        "GradientTape",
        "IndexedSlices",
        "Module",
        "NotProvidedError",
        "Tensor",
        "TensorArray",
        "TensorShape",
        "TensorSpec",
        "UnconnectedGradients",
        "Variable",
        "VariableAggregation",
        "VariableSynchronization",
        "as_dtype",
        "autodiff",
        "bfloat16",
        "bool",
        "case",
        "complex128",
        "complex64",
        "cond",
        "config",
        "control_dependencies",
        "custom_gradient",
        "debugging",
        "device",
        "double",
        "dtypes",
        "ensure_shape",
        "errors",
        "executing_eagerly",
        "float16",
        "float32",
        "float64",
        "foldl",
        "foldr",
        "function",
        "get_static_value",
        "half",
        "init_scope",
        "int16",
        "int32",
        "int64",
        "int8",
        "is_tensor",
        "linalg",
        "map_fn",
        "math",
        "name_scope",
        "nest",
        "newaxis",
        "nn",
        "no_op",
        "numpy_function",
        "py_function",
        "random",
        "scan",
        "switch_case",
        "test",
        "uint16",
        "uint32",
        "uint64",
        "uint8",
        "vectorized_map",
        "while_loop",
    ]
)

# Packages imported on first use: they are big (keras) or optional (data, distribute).
LAZY = {
    "data": "jtape.data",
    "distribute": "jtape.distribute",
    "keras": "jtape.compat.keras",
    "train": "jtape.train",
    "saved_model": "jtape.saved_model",
    "optimizers": "jtape.optimizers",
    "losses": "jtape.nn.losses",
    "metrics": "jtape.nn.metrics",
    "initializers": "jtape.nn.initializers",
    "summary": "jtape.compat.summary",
    "profiler": "jtape.compat.profiler",
    "image": "jtape.compat.image",
    "signal": "jtape.compat.signal",
    "bitwise": "jtape.compat.bitwise",
    "io": "jtape.compat.io",
    "strings": "jtape.compat.strings",
    "sparse": "jtape.compat.sparse",
    "ragged": "jtape.compat.ragged",
}

__getattr__ = missing("tf", lazy=LAZY)
