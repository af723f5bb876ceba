"""``keras.ops``: Keras 3's backend-neutral op namespace on jtape.

``import jtape.compat.keras as keras; keras.ops.mean(x)`` (also ``tf.keras.ops``).
Every function is a jtape op, so ``GradientTape`` differentiates it and ``jt.function``
compiles it. Dtypes follow Keras 3, not TensorFlow: operands of different dtypes are
promoted (``int32 + float32`` is float32), ``arange(5)`` is int32, the mean of
integers is float32 (see ``_ops_dtypes.py``).

Example:
    >>> import jtape.compat.keras as keras
    >>> x = keras.ops.arange(6)
    >>> x.dtype.name, float(keras.ops.mean(x)), keras.ops.shape(keras.ops.reshape(x, (2, 3)))
    ('int32', 2.5, (2, 3))
"""

from __future__ import annotations

from . import _ops_image as image
from ._ops_core import cond as cond
from ._ops_core import custom_gradient as custom_gradient
from ._ops_core import fori_loop as fori_loop
from ._ops_core import in_top_k as in_top_k
from ._ops_core import map as map
from ._ops_core import scan as scan
from ._ops_core import segment_max as segment_max
from ._ops_core import segment_sum as segment_sum
from ._ops_core import stop_gradient as stop_gradient
from ._ops_core import top_k as top_k
from ._ops_core import vectorized_map as vectorized_map
from ._ops_core import while_loop as while_loop
from ._ops_dtypes import result_type as result_type
from ._ops_nn import average_pool as average_pool
from ._ops_nn import binary_crossentropy as binary_crossentropy
from ._ops_nn import categorical_crossentropy as categorical_crossentropy
from ._ops_nn import celu as celu
from ._ops_nn import conv as conv
from ._ops_nn import dot_product_attention as dot_product_attention
from ._ops_nn import elu as elu
from ._ops_nn import gelu as gelu
from ._ops_nn import glu as glu
from ._ops_nn import hard_sigmoid as hard_sigmoid
from ._ops_nn import hard_silu as hard_silu
from ._ops_nn import hard_swish as hard_swish
from ._ops_nn import leaky_relu as leaky_relu
from ._ops_nn import log_sigmoid as log_sigmoid
from ._ops_nn import log_softmax as log_softmax
from ._ops_nn import max_pool as max_pool
from ._ops_nn import moments as moments
from ._ops_nn import multi_hot as multi_hot
from ._ops_nn import normalize as normalize
from ._ops_nn import one_hot as one_hot
from ._ops_nn import relu as relu
from ._ops_nn import relu6 as relu6
from ._ops_nn import selu as selu
from ._ops_nn import sigmoid as sigmoid
from ._ops_nn import silu as silu
from ._ops_nn import softmax as softmax
from ._ops_nn import softplus as softplus
from ._ops_nn import softsign as softsign
from ._ops_nn import sparse_categorical_crossentropy as sparse_categorical_crossentropy
from ._ops_nn import swish as swish
from ._ops_numpy import abs as abs
from ._ops_numpy import absolute as absolute
from ._ops_numpy import add as add
from ._ops_numpy import all as all
from ._ops_numpy import allclose as allclose
from ._ops_numpy import amax as amax
from ._ops_numpy import amin as amin
from ._ops_numpy import any as any
from ._ops_numpy import arange as arange
from ._ops_numpy import arctan as arctan
from ._ops_numpy import arctan2 as arctan2
from ._ops_numpy import argmax as argmax
from ._ops_numpy import argmin as argmin
from ._ops_numpy import argsort as argsort
from ._ops_numpy import average as average
from ._ops_numpy import broadcast_to as broadcast_to
from ._ops_numpy import cast as cast
from ._ops_numpy import ceil as ceil
from ._ops_numpy import clip as clip
from ._ops_numpy import concatenate as concatenate
from ._ops_numpy import convert_to_numpy as convert_to_numpy
from ._ops_numpy import convert_to_tensor as convert_to_tensor
from ._ops_numpy import copy as copy
from ._ops_numpy import cos as cos
from ._ops_numpy import cosh as cosh
from ._ops_numpy import count_nonzero as count_nonzero
from ._ops_numpy import cumprod as cumprod
from ._ops_numpy import cumsum as cumsum
from ._ops_numpy import diag as diag
from ._ops_numpy import divide as divide
from ._ops_numpy import divide_no_nan as divide_no_nan
from ._ops_numpy import dot as dot
from ._ops_numpy import dtype as dtype
from ._ops_numpy import einsum as einsum
from ._ops_numpy import equal as equal
from ._ops_numpy import erf as erf
from ._ops_numpy import exp as exp
from ._ops_numpy import expand_dims as expand_dims
from ._ops_numpy import expm1 as expm1
from ._ops_numpy import eye as eye
from ._ops_numpy import flip as flip
from ._ops_numpy import floor as floor
from ._ops_numpy import floor_divide as floor_divide
from ._ops_numpy import full as full
from ._ops_numpy import full_like as full_like
from ._ops_numpy import greater as greater
from ._ops_numpy import greater_equal as greater_equal
from ._ops_numpy import identity as identity
from ._ops_numpy import is_tensor as is_tensor
from ._ops_numpy import isclose as isclose
from ._ops_numpy import isfinite as isfinite
from ._ops_numpy import isinf as isinf
from ._ops_numpy import isnan as isnan
from ._ops_numpy import less as less
from ._ops_numpy import less_equal as less_equal
from ._ops_numpy import linspace as linspace
from ._ops_numpy import log as log
from ._ops_numpy import log1p as log1p
from ._ops_numpy import log2 as log2
from ._ops_numpy import log10 as log10
from ._ops_numpy import logaddexp as logaddexp
from ._ops_numpy import logical_and as logical_and
from ._ops_numpy import logical_not as logical_not
from ._ops_numpy import logical_or as logical_or
from ._ops_numpy import logical_xor as logical_xor
from ._ops_numpy import logsumexp as logsumexp
from ._ops_numpy import matmul as matmul
from ._ops_numpy import max as max
from ._ops_numpy import maximum as maximum
from ._ops_numpy import mean as mean
from ._ops_numpy import meshgrid as meshgrid
from ._ops_numpy import min as min
from ._ops_numpy import minimum as minimum
from ._ops_numpy import mod as mod
from ._ops_numpy import moveaxis as moveaxis
from ._ops_numpy import multiply as multiply
from ._ops_numpy import nan_to_num as nan_to_num
from ._ops_numpy import ndim as ndim
from ._ops_numpy import negative as negative
from ._ops_numpy import nonzero as nonzero
from ._ops_numpy import norm as norm
from ._ops_numpy import not_equal as not_equal
from ._ops_numpy import ones as ones
from ._ops_numpy import ones_like as ones_like
from ._ops_numpy import outer as outer
from ._ops_numpy import pad as pad
from ._ops_numpy import power as power
from ._ops_numpy import prod as prod
from ._ops_numpy import ravel as ravel
from ._ops_numpy import reciprocal as reciprocal
from ._ops_numpy import repeat as repeat
from ._ops_numpy import reshape as reshape
from ._ops_numpy import roll as roll
from ._ops_numpy import round as round
from ._ops_numpy import rsqrt as rsqrt
from ._ops_numpy import scatter as scatter
from ._ops_numpy import scatter_update as scatter_update
from ._ops_numpy import shape as shape
from ._ops_numpy import sign as sign
from ._ops_numpy import sin as sin
from ._ops_numpy import sinh as sinh
from ._ops_numpy import size as size
from ._ops_numpy import slice as slice
from ._ops_numpy import slice_update as slice_update
from ._ops_numpy import sort as sort
from ._ops_numpy import split as split
from ._ops_numpy import sqrt as sqrt
from ._ops_numpy import square as square
from ._ops_numpy import squeeze as squeeze
from ._ops_numpy import stack as stack
from ._ops_numpy import std as std
from ._ops_numpy import subtract as subtract
from ._ops_numpy import sum as sum
from ._ops_numpy import swapaxes as swapaxes
from ._ops_numpy import take as take
from ._ops_numpy import take_along_axis as take_along_axis
from ._ops_numpy import tan as tan
from ._ops_numpy import tanh as tanh
from ._ops_numpy import tensordot as tensordot
from ._ops_numpy import tile as tile
from ._ops_numpy import trace as trace
from ._ops_numpy import transpose as transpose
from ._ops_numpy import tri as tri
from ._ops_numpy import tril as tril
from ._ops_numpy import triu as triu
from ._ops_numpy import true_divide as true_divide
from ._ops_numpy import unstack as unstack
from ._ops_numpy import var as var
from ._ops_numpy import where as where
from ._ops_numpy import zeros as zeros
from ._ops_numpy import zeros_like as zeros_like

__all__ = [
    "logaddexp",
    "arctan2",
    "nan_to_num",
    "divide_no_nan",
    "scatter",
    "scatter_update",
    "slice_update",
    "dot_product_attention",
    "custom_gradient",
    "image",
    "abs",
    "absolute",
    "add",
    "all",
    "allclose",
    "amax",
    "amin",
    "any",
    "arange",
    "arctan",
    "argmax",
    "argmin",
    "argsort",
    "average",
    "average_pool",
    "binary_crossentropy",
    "broadcast_to",
    "cast",
    "categorical_crossentropy",
    "ceil",
    "celu",
    "clip",
    "concatenate",
    "cond",
    "conv",
    "convert_to_numpy",
    "convert_to_tensor",
    "copy",
    "cos",
    "cosh",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "diag",
    "divide",
    "dot",
    "dtype",
    "einsum",
    "elu",
    "equal",
    "erf",
    "exp",
    "expand_dims",
    "expm1",
    "eye",
    "flip",
    "floor",
    "floor_divide",
    "fori_loop",
    "full",
    "full_like",
    "gelu",
    "glu",
    "greater",
    "greater_equal",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "identity",
    "in_top_k",
    "is_tensor",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "leaky_relu",
    "less",
    "less_equal",
    "linspace",
    "log",
    "log10",
    "log1p",
    "log2",
    "log_sigmoid",
    "log_softmax",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "logsumexp",
    "map",
    "matmul",
    "max",
    "max_pool",
    "maximum",
    "mean",
    "meshgrid",
    "min",
    "minimum",
    "mod",
    "moments",
    "moveaxis",
    "multi_hot",
    "multiply",
    "ndim",
    "negative",
    "nonzero",
    "norm",
    "normalize",
    "not_equal",
    "one_hot",
    "ones",
    "ones_like",
    "outer",
    "pad",
    "power",
    "prod",
    "ravel",
    "reciprocal",
    "relu",
    "relu6",
    "repeat",
    "reshape",
    "result_type",
    "roll",
    "round",
    "rsqrt",
    "scan",
    "segment_max",
    "segment_sum",
    "selu",
    "shape",
    "sigmoid",
    "sign",
    "silu",
    "sin",
    "sinh",
    "size",
    "slice",
    "softmax",
    "softplus",
    "softsign",
    "sort",
    "sparse_categorical_crossentropy",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "stop_gradient",
    "subtract",
    "sum",
    "swapaxes",
    "swish",
    "take",
    "take_along_axis",
    "tan",
    "tanh",
    "tensordot",
    "tile",
    "top_k",
    "trace",
    "transpose",
    "tri",
    "tril",
    "triu",
    "true_divide",
    "unstack",
    "var",
    "vectorized_map",
    "where",
    "while_loop",
    "zeros",
    "zeros_like",
]

# Every tensor function also accepts keras.Input's KerasTensors (a functional-graph node);
# functions taking callables or returning Python values are left as they are.
_NOT_SYMBOLIC = {
    "image", "cond", "while_loop", "fori_loop", "scan", "map", "vectorized_map",
    "custom_gradient", "shape", "ndim", "size", "dtype", "is_tensor", "convert_to_numpy",
    "result_type",
}  # fmt: skip


def _wrap_all() -> None:
    from ._ops_symbolic import symbolic

    namespace = globals()
    for name in __all__:
        if name not in _NOT_SYMBOLIC:
            namespace[name] = symbolic(namespace[name])


_wrap_all()
