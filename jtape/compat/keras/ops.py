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
from . import _ops_linalg as linalg
from ._ops_array import arange as arange
from ._ops_array import argsort as argsort
from ._ops_array import broadcast_to as broadcast_to
from ._ops_array import cast as cast
from ._ops_array import concatenate as concatenate
from ._ops_array import convert_to_numpy as convert_to_numpy
from ._ops_array import convert_to_tensor as convert_to_tensor
from ._ops_array import copy as copy
from ._ops_array import diag as diag
from ._ops_array import diff as diff
from ._ops_array import dsplit as dsplit
from ._ops_array import dstack as dstack
from ._ops_array import dtype as dtype
from ._ops_array import empty as empty
from ._ops_array import empty_like as empty_like
from ._ops_array import expand_dims as expand_dims
from ._ops_array import eye as eye
from ._ops_array import flip as flip
from ._ops_array import fliplr as fliplr
from ._ops_array import flipud as flipud
from ._ops_array import full as full
from ._ops_array import full_like as full_like
from ._ops_array import hsplit as hsplit
from ._ops_array import hstack as hstack
from ._ops_array import identity as identity
from ._ops_array import is_tensor as is_tensor
from ._ops_array import linspace as linspace
from ._ops_array import meshgrid as meshgrid
from ._ops_array import moveaxis as moveaxis
from ._ops_array import ndim as ndim
from ._ops_array import ones as ones
from ._ops_array import ones_like as ones_like
from ._ops_array import pad as pad
from ._ops_array import ravel as ravel
from ._ops_array import repeat as repeat
from ._ops_array import reshape as reshape
from ._ops_array import roll as roll
from ._ops_array import scatter as scatter
from ._ops_array import scatter_update as scatter_update
from ._ops_array import shape as shape
from ._ops_array import size as size
from ._ops_array import slice as slice
from ._ops_array import slice_update as slice_update
from ._ops_array import sort as sort
from ._ops_array import split as split
from ._ops_array import squeeze as squeeze
from ._ops_array import stack as stack
from ._ops_array import swapaxes as swapaxes
from ._ops_array import take as take
from ._ops_array import take_along_axis as take_along_axis
from ._ops_array import tile as tile
from ._ops_array import trace as trace
from ._ops_array import transpose as transpose
from ._ops_array import tri as tri
from ._ops_array import tril as tril
from ._ops_array import triu as triu
from ._ops_array import unstack as unstack
from ._ops_array import vsplit as vsplit
from ._ops_array import vstack as vstack
from ._ops_array import zeros as zeros
from ._ops_array import zeros_like as zeros_like
from ._ops_core import cond as cond
from ._ops_core import custom_gradient as custom_gradient
from ._ops_core import fori_loop as fori_loop
from ._ops_core import in_top_k as in_top_k
from ._ops_core import map as map
from ._ops_core import scan as scan
from ._ops_core import segment_max as segment_max
from ._ops_core import segment_min as segment_min
from ._ops_core import segment_prod as segment_prod
from ._ops_core import segment_sum as segment_sum
from ._ops_core import stop_gradient as stop_gradient
from ._ops_core import top_k as top_k
from ._ops_core import vectorized_map as vectorized_map
from ._ops_core import while_loop as while_loop
from ._ops_core_more import ctc_loss as ctc_loss
from ._ops_core_more import saturate_cast as saturate_cast
from ._ops_core_more import switch as switch
from ._ops_counting import bincount as bincount
from ._ops_counting import digitize as digitize
from ._ops_counting import histogram as histogram
from ._ops_counting import unique as unique
from ._ops_dtypes import result_type as result_type
from ._ops_linalg import cholesky as cholesky
from ._ops_linalg import cholesky_inverse as cholesky_inverse
from ._ops_linalg import det as det
from ._ops_linalg import eig as eig
from ._ops_linalg import eigh as eigh
from ._ops_linalg import inv as inv
from ._ops_linalg import logdet as logdet
from ._ops_linalg import lstsq as lstsq
from ._ops_linalg import lu_factor as lu_factor
from ._ops_linalg import matrix_rank as matrix_rank
from ._ops_linalg import pinv as pinv
from ._ops_linalg import qr as qr
from ._ops_linalg import slogdet as slogdet
from ._ops_linalg import solve as solve
from ._ops_linalg import solve_triangular as solve_triangular
from ._ops_linalg import svd as svd
from ._ops_math import abs as abs
from ._ops_math import absolute as absolute
from ._ops_math import add as add
from ._ops_math import all as all
from ._ops_math import allclose as allclose
from ._ops_math import amax as amax
from ._ops_math import amin as amin
from ._ops_math import any as any
from ._ops_math import arccos as arccos
from ._ops_math import arccosh as arccosh
from ._ops_math import arcsin as arcsin
from ._ops_math import arcsinh as arcsinh
from ._ops_math import arctan as arctan
from ._ops_math import arctan2 as arctan2
from ._ops_math import arctanh as arctanh
from ._ops_math import argmax as argmax
from ._ops_math import argmin as argmin
from ._ops_math import average as average
from ._ops_math import cbrt as cbrt
from ._ops_math import ceil as ceil
from ._ops_math import clip as clip
from ._ops_math import cos as cos
from ._ops_math import cosh as cosh
from ._ops_math import count_nonzero as count_nonzero
from ._ops_math import cumprod as cumprod
from ._ops_math import cumsum as cumsum
from ._ops_math import deg2rad as deg2rad
from ._ops_math import divide as divide
from ._ops_math import divide_no_nan as divide_no_nan
from ._ops_math import dot as dot
from ._ops_math import einsum as einsum
from ._ops_math import equal as equal
from ._ops_math import erf as erf
from ._ops_math import erfc as erfc
from ._ops_math import exp as exp
from ._ops_math import exp2 as exp2
from ._ops_math import expm1 as expm1
from ._ops_math import fabs as fabs
from ._ops_math import floor as floor
from ._ops_math import floor_divide as floor_divide
from ._ops_math import greater as greater
from ._ops_math import greater_equal as greater_equal
from ._ops_math import heaviside as heaviside
from ._ops_math import hypot as hypot
from ._ops_math import inner as inner
from ._ops_math import isclose as isclose
from ._ops_math import isfinite as isfinite
from ._ops_math import isinf as isinf
from ._ops_math import isnan as isnan
from ._ops_math import isneginf as isneginf
from ._ops_math import isposinf as isposinf
from ._ops_math import less as less
from ._ops_math import less_equal as less_equal
from ._ops_math import log as log
from ._ops_math import log1p as log1p
from ._ops_math import log2 as log2
from ._ops_math import log10 as log10
from ._ops_math import logaddexp as logaddexp
from ._ops_math import logaddexp2 as logaddexp2
from ._ops_math import logical_and as logical_and
from ._ops_math import logical_not as logical_not
from ._ops_math import logical_or as logical_or
from ._ops_math import logical_xor as logical_xor
from ._ops_math import logsumexp as logsumexp
from ._ops_math import matmul as matmul
from ._ops_math import max as max
from ._ops_math import maximum as maximum
from ._ops_math import mean as mean
from ._ops_math import min as min
from ._ops_math import minimum as minimum
from ._ops_math import mod as mod
from ._ops_math import multiply as multiply
from ._ops_math import nan_to_num as nan_to_num
from ._ops_math import negative as negative
from ._ops_math import nonzero as nonzero
from ._ops_math import norm as norm
from ._ops_math import not_equal as not_equal
from ._ops_math import outer as outer
from ._ops_math import power as power
from ._ops_math import prod as prod
from ._ops_math import ptp as ptp
from ._ops_math import rad2deg as rad2deg
from ._ops_math import reciprocal as reciprocal
from ._ops_math import round as round
from ._ops_math import rsqrt as rsqrt
from ._ops_math import searchsorted as searchsorted
from ._ops_math import sign as sign
from ._ops_math import signbit as signbit
from ._ops_math import sin as sin
from ._ops_math import sinc as sinc
from ._ops_math import sinh as sinh
from ._ops_math import sqrt as sqrt
from ._ops_math import square as square
from ._ops_math import std as std
from ._ops_math import subtract as subtract
from ._ops_math import sum as sum
from ._ops_math import tan as tan
from ._ops_math import tanh as tanh
from ._ops_math import tensordot as tensordot
from ._ops_math import true_divide as true_divide
from ._ops_math import trunc as trunc
from ._ops_math import var as var
from ._ops_math import vdot as vdot
from ._ops_math import where as where
from ._ops_nn import average_pool as average_pool
from ._ops_nn import binary_crossentropy as binary_crossentropy
from ._ops_nn import categorical_crossentropy as categorical_crossentropy
from ._ops_nn import celu as celu
from ._ops_nn import conv as conv
from ._ops_nn import dot_product_attention as dot_product_attention
from ._ops_nn import elu as elu
from ._ops_nn import gelu as gelu
from ._ops_nn import glu as glu
from ._ops_nn import hard_shrink as hard_shrink
from ._ops_nn import hard_sigmoid as hard_sigmoid
from ._ops_nn import hard_silu as hard_silu
from ._ops_nn import hard_swish as hard_swish
from ._ops_nn import hard_tanh as hard_tanh
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
from ._ops_nn import soft_shrink as soft_shrink
from ._ops_nn import softmax as softmax
from ._ops_nn import softplus as softplus
from ._ops_nn import softsign as softsign
from ._ops_nn import sparse_categorical_crossentropy as sparse_categorical_crossentropy
from ._ops_nn import sparse_plus as sparse_plus
from ._ops_nn import sparse_sigmoid as sparse_sigmoid
from ._ops_nn import sparsemax as sparsemax
from ._ops_nn import squareplus as squareplus
from ._ops_nn import swish as swish
from ._ops_nn import tanh_shrink as tanh_shrink
from ._ops_nn import threshold as threshold
from ._ops_nn_more import batch_normalization as batch_normalization
from ._ops_nn_more import conv_transpose as conv_transpose
from ._ops_nn_more import depth_to_space as depth_to_space
from ._ops_nn_more import depthwise_conv as depthwise_conv
from ._ops_nn_more import layer_normalization as layer_normalization
from ._ops_nn_more import polar as polar
from ._ops_nn_more import psnr as psnr
from ._ops_nn_more import rms_normalization as rms_normalization
from ._ops_nn_more import separable_conv as separable_conv
from ._ops_nn_more import space_to_depth as space_to_depth
from ._ops_numpy_more import angle as angle
from ._ops_numpy_more import append as append
from ._ops_numpy_more import array as array
from ._ops_numpy_more import array_split as array_split
from ._ops_numpy_more import bartlett as bartlett
from ._ops_numpy_more import bitwise_and as bitwise_and
from ._ops_numpy_more import bitwise_invert as bitwise_invert
from ._ops_numpy_more import bitwise_left_shift as bitwise_left_shift
from ._ops_numpy_more import bitwise_not as bitwise_not
from ._ops_numpy_more import bitwise_or as bitwise_or
from ._ops_numpy_more import bitwise_right_shift as bitwise_right_shift
from ._ops_numpy_more import bitwise_xor as bitwise_xor
from ._ops_numpy_more import blackman as blackman
from ._ops_numpy_more import conj as conj
from ._ops_numpy_more import conjugate as conjugate
from ._ops_numpy_more import corrcoef as corrcoef
from ._ops_numpy_more import cross as cross
from ._ops_numpy_more import diagflat as diagflat
from ._ops_numpy_more import diagonal as diagonal
from ._ops_numpy_more import erfinv as erfinv
from ._ops_numpy_more import fmax as fmax
from ._ops_numpy_more import fmin as fmin
from ._ops_numpy_more import fmod as fmod
from ._ops_numpy_more import gcd as gcd
from ._ops_numpy_more import hamming as hamming
from ._ops_numpy_more import hanning as hanning
from ._ops_numpy_more import i0 as i0
from ._ops_numpy_more import imag as imag
from ._ops_numpy_more import isin as isin
from ._ops_numpy_more import isreal as isreal
from ._ops_numpy_more import kaiser as kaiser
from ._ops_numpy_more import kron as kron
from ._ops_numpy_more import lcm as lcm
from ._ops_numpy_more import ldexp as ldexp
from ._ops_numpy_more import left_shift as left_shift
from ._ops_numpy_more import logspace as logspace
from ._ops_numpy_more import median as median
from ._ops_numpy_more import nanargmax as nanargmax
from ._ops_numpy_more import nanargmin as nanargmin
from ._ops_numpy_more import nancumprod as nancumprod
from ._ops_numpy_more import nancumsum as nancumsum
from ._ops_numpy_more import nanmax as nanmax
from ._ops_numpy_more import nanmean as nanmean
from ._ops_numpy_more import nanmedian as nanmedian
from ._ops_numpy_more import nanmin as nanmin
from ._ops_numpy_more import nanpercentile as nanpercentile
from ._ops_numpy_more import nanprod as nanprod
from ._ops_numpy_more import nanquantile as nanquantile
from ._ops_numpy_more import nanstd as nanstd
from ._ops_numpy_more import nansum as nansum
from ._ops_numpy_more import nanvar as nanvar
from ._ops_numpy_more import nextafter as nextafter
from ._ops_numpy_more import percentile as percentile
from ._ops_numpy_more import quantile as quantile
from ._ops_numpy_more import real as real
from ._ops_numpy_more import right_shift as right_shift
from ._ops_numpy_more import rot90 as rot90
from ._ops_numpy_more import select as select
from ._ops_numpy_more import trapezoid as trapezoid
from ._ops_numpy_more import unravel_index as unravel_index
from ._ops_numpy_more import vander as vander

__all__ = [
    "conv_transpose",
    "switch",
    "saturate_cast",
    "ctc_loss",
    "nanquantile",
    "nanpercentile",
    "nanmedian",
    "erfinv",
    "nextafter",
    "gcd",
    "lcm",
    "logspace",
    "batch_normalization",
    "layer_normalization",
    "rms_normalization",
    "depth_to_space",
    "space_to_depth",
    "depthwise_conv",
    "separable_conv",
    "psnr",
    "polar",
    "linalg",
    "cholesky",
    "cholesky_inverse",
    "det",
    "eig",
    "eigh",
    "inv",
    "lu_factor",
    "solve",
    "solve_triangular",
    "qr",
    "svd",
    "slogdet",
    "logdet",
    "lstsq",
    "matrix_rank",
    "pinv",
    "angle",
    "append",
    "array",
    "bartlett",
    "bitwise_and",
    "bitwise_invert",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "blackman",
    "conj",
    "conjugate",
    "corrcoef",
    "array_split",
    "cross",
    "diagflat",
    "diagonal",
    "isin",
    "median",
    "nanargmax",
    "nanargmin",
    "nanmax",
    "nanmean",
    "nanmin",
    "nanprod",
    "nanstd",
    "nansum",
    "nanvar",
    "percentile",
    "quantile",
    "rot90",
    "trapezoid",
    "vander",
    "fmax",
    "fmin",
    "fmod",
    "hamming",
    "hanning",
    "i0",
    "imag",
    "isreal",
    "kaiser",
    "kron",
    "ldexp",
    "left_shift",
    "nancumprod",
    "nancumsum",
    "real",
    "right_shift",
    "select",
    "unravel_index",
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
    "bincount",
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
    "digitize",
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
    "histogram",
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
    "segment_min",
    "segment_prod",
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
    "unique",
    "fabs",
    "erfc",
    "ptp",
    "heaviside",
    "sinc",
    "inner",
    "vdot",
    "searchsorted",
    "fliplr",
    "flipud",
    "hstack",
    "vstack",
    "dstack",
    "hsplit",
    "vsplit",
    "dsplit",
    "empty",
    "empty_like",
    "diff",
    "hard_tanh",
    "hard_shrink",
    "soft_shrink",
    "tanh_shrink",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "threshold",
    "arcsin",
    "arccos",
    "arcsinh",
    "arccosh",
    "arctanh",
    "exp2",
    "cbrt",
    "deg2rad",
    "rad2deg",
    "trunc",
    "signbit",
    "isposinf",
    "isneginf",
    "logaddexp2",
    "hypot",
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
    "image", "linalg", "switch", "cond", "while_loop", "fori_loop", "scan", "map", "vectorized_map",
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


def _namespace(name: str, names: tuple[str, ...]):
    """``keras.ops.<name>``: the listed ``keras.ops`` functions that jtape provides."""
    import types

    from .._missing import NotProvidedError, message

    module = types.ModuleType(f"{__name__}.{name}")
    namespace = globals()
    for n in names:
        if n in namespace:
            setattr(module, n, namespace[n])

    def missing(attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise NotProvidedError(message(f"keras.ops.{name}", attr))

    module.__getattr__ = missing
    return module


def _namespaces() -> None:
    from . import _ops_namespaces

    globals()["nn"] = _namespace("nn", _ops_namespaces.NN)
    globals()["numpy"] = _namespace("numpy", _ops_namespaces.NUMPY)


_namespaces()


def __getattr__(name: str):
    from .._missing import NotProvidedError, message

    if name.startswith("__"):
        raise AttributeError(name)
    raise NotProvidedError(message("keras.ops", name))
