"""jtape: tape-style TensorFlow code (GradientTape, Variable, tf.function) on JAX/XLA.

The public API, in one place. Implementation lives in the ``_``-prefixed modules.
"""

from . import _compilation_cache as _compilation_cache  # turns on the XLA cache first
from . import _dtypes as _dtypes  # first: turns on JAX 64-bit types before any array
from . import _operators as _operators  # installs Python operators on Tensor/Variable
from . import _variable as _variable
from . import autograph as autograph
from . import data as data
from . import distribute as distribute
from . import errors as errors
from . import image as image
from . import linalg as linalg
from . import nn as nn
from . import optimizers as optimizers
from . import random as random
from . import sparse as sparse
from . import test as test
from . import train as train
from ._array_ops import argsort as argsort
from ._array_ops import boolean_mask as boolean_mask
from ._array_ops import broadcast_to as broadcast_to
from ._array_ops import concat as concat
from ._array_ops import constant as constant
from ._array_ops import convert_to_tensor as convert_to_tensor
from ._array_ops import diag as diag
from ._array_ops import diag_part as diag_part
from ._array_ops import expand_dims as expand_dims
from ._array_ops import eye as eye
from ._array_ops import fill as fill
from ._array_ops import gather as gather
from ._array_ops import gather_nd as gather_nd
from ._array_ops import identity as identity
from ._array_ops import linspace as linspace
from ._array_ops import one_hot as one_hot
from ._array_ops import ones as ones
from ._array_ops import ones_like as ones_like
from ._array_ops import pad as pad
from ._array_ops import range as range
from ._array_ops import rank as rank
from ._array_ops import reshape as reshape
from ._array_ops import reverse as reverse
from ._array_ops import shape as shape
from ._array_ops import size as size
from ._array_ops import sort as sort
from ._array_ops import split as split
from ._array_ops import squeeze as squeeze
from ._array_ops import stack as stack
from ._array_ops import tile as tile
from ._array_ops import top_k as top_k
from ._array_ops import trace as trace
from ._array_ops import transpose as transpose
from ._array_ops import unstack as unstack
from ._array_ops import where as where
from ._array_ops import zeros as zeros
from ._array_ops import zeros_like as zeros_like
from ._clip_ops import clip_by_global_norm as clip_by_global_norm
from ._clip_ops import clip_by_norm as clip_by_norm
from ._clip_ops import global_norm as global_norm
from ._control_flow import case as case
from ._control_flow import cond as cond
from ._control_flow import foldl as foldl
from ._control_flow import foldr as foldr
from ._control_flow import map_fn as map_fn
from ._control_flow import scan as scan
from ._control_flow import switch_case as switch_case
from ._control_flow import vectorized_map as vectorized_map
from ._control_flow import while_loop as while_loop
from ._counting_ops import bincount as bincount
from ._counting_ops import confusion_matrix as confusion_matrix
from ._counting_ops import histogram_fixed_width as histogram_fixed_width
from ._counting_ops import in_top_k as in_top_k
from ._counting_ops import unique_with_counts as unique_with_counts
from ._custom_gradient import custom_gradient as custom_gradient
from ._custom_gradient import stop_gradient as stop_gradient
from ._debug_ops import check_numerics as check_numerics
from ._debug_ops import print_ as print  # noqa: F401 - TF's name, shadows the builtin
from ._dtypes import DType as DType
from ._dtypes import as_dtype as as_dtype
from ._dtypes import bfloat16 as bfloat16
from ._dtypes import bool_ as bool_
from ._dtypes import complex64 as complex64
from ._dtypes import complex128 as complex128
from ._dtypes import float16 as float16
from ._dtypes import float32 as float32
from ._dtypes import float64 as float64
from ._dtypes import int8 as int8
from ._dtypes import int16 as int16
from ._dtypes import int32 as int32
from ._dtypes import int64 as int64
from ._dtypes import string as string
from ._dtypes import uint8 as uint8
from ._dtypes import uint16 as uint16
from ._dtypes import uint32 as uint32
from ._dtypes import uint64 as uint64
from ._errors import NotDifferentiableError as NotDifferentiableError
from ._errors import UnconnectedGradientError as UnconnectedGradientError
from ._forward import ForwardAccumulator as ForwardAccumulator
from ._function import Function as Function
from ._function import TensorSpec as TensorSpec
from ._function import function as function
from ._function import functions_run_eagerly as functions_run_eagerly
from ._function import run_functions_eagerly as run_functions_eagerly
from ._indexing_ops import meshgrid as meshgrid
from ._indexing_ops import repeat as repeat
from ._indexing_ops import roll as roll
from ._indexing_ops import scatter_nd as scatter_nd
from ._indexing_ops import searchsorted as searchsorted
from ._indexing_ops import sequence_mask as sequence_mask
from ._indexing_ops import slice as slice
from ._indexing_ops import strided_slice as strided_slice
from ._indexing_ops import tensor_scatter_nd as tensor_scatter_nd
from ._indexing_ops import unique as unique
from ._lowering import stats as _lowering_stats
from ._math_ops import abs as abs
from ._math_ops import acos as acos
from ._math_ops import acosh as acosh
from ._math_ops import add as add
from ._math_ops import add_n as add_n
from ._math_ops import all as all
from ._math_ops import any as any
from ._math_ops import argmax as argmax
from ._math_ops import argmin as argmin
from ._math_ops import asin as asin
from ._math_ops import asinh as asinh
from ._math_ops import atan as atan
from ._math_ops import atan2 as atan2
from ._math_ops import atanh as atanh
from ._math_ops import cast as cast
from ._math_ops import ceil as ceil
from ._math_ops import clip_by_value as clip_by_value
from ._math_ops import conj as conj
from ._math_ops import cos as cos
from ._math_ops import cosh as cosh
from ._math_ops import cumprod as cumprod
from ._math_ops import cumsum as cumsum
from ._math_ops import digamma as digamma
from ._math_ops import divide as divide
from ._math_ops import divide_no_nan as divide_no_nan
from ._math_ops import einsum as einsum
from ._math_ops import equal as equal
from ._math_ops import erf as erf
from ._math_ops import exp as exp
from ._math_ops import expm1 as expm1
from ._math_ops import floor as floor
from ._math_ops import floordiv as floordiv
from ._math_ops import greater as greater
from ._math_ops import greater_equal as greater_equal
from ._math_ops import imag as imag
from ._math_ops import is_finite as is_finite
from ._math_ops import is_inf as is_inf
from ._math_ops import is_nan as is_nan
from ._math_ops import less as less
from ._math_ops import less_equal as less_equal
from ._math_ops import lgamma as lgamma
from ._math_ops import log as log
from ._math_ops import log1p as log1p
from ._math_ops import logical_and as logical_and
from ._math_ops import logical_not as logical_not
from ._math_ops import logical_or as logical_or
from ._math_ops import logical_xor as logical_xor
from ._math_ops import logsumexp as logsumexp
from ._math_ops import matmul as matmul
from ._math_ops import max as max
from ._math_ops import maximum as maximum
from ._math_ops import mean as mean
from ._math_ops import min as min
from ._math_ops import minimum as minimum
from ._math_ops import mod as mod
from ._math_ops import multiply as multiply
from ._math_ops import negative as negative
from ._math_ops import norm as norm
from ._math_ops import not_equal as not_equal
from ._math_ops import pow as pow
from ._math_ops import prod as prod
from ._math_ops import real as real
from ._math_ops import reciprocal as reciprocal
from ._math_ops import round as round
from ._math_ops import rsqrt as rsqrt
from ._math_ops import saturate_cast as saturate_cast
from ._math_ops import sigmoid as sigmoid
from ._math_ops import sign as sign
from ._math_ops import sin as sin
from ._math_ops import sinh as sinh
from ._math_ops import sqrt as sqrt
from ._math_ops import square as square
from ._math_ops import squared_difference as squared_difference
from ._math_ops import std as std
from ._math_ops import subtract as subtract
from ._math_ops import sum as sum
from ._math_ops import tan as tan
from ._math_ops import tanh as tanh
from ._math_ops import tensordot as tensordot
from ._math_ops import variance as variance
from ._module import Module as Module
from ._module import name_scope as name_scope
from ._nn_ops import crelu as crelu
from ._nn_ops import elu as elu
from ._nn_ops import gelu as gelu
from ._nn_ops import l2_loss as l2_loss
from ._nn_ops import leaky_relu as leaky_relu
from ._nn_ops import log_poisson_loss as log_poisson_loss
from ._nn_ops import log_sigmoid as log_sigmoid
from ._nn_ops import log_softmax as log_softmax
from ._nn_ops import moments as moments
from ._nn_ops import relu as relu
from ._nn_ops import relu6 as relu6
from ._nn_ops import selu as selu
from ._nn_ops import sigmoid_cross_entropy_with_logits as sigmoid_cross_entropy_with_logits
from ._nn_ops import silu as silu
from ._nn_ops import softmax as softmax
from ._nn_ops import softmax_cross_entropy_with_logits as softmax_cross_entropy_with_logits
from ._nn_ops import softplus as softplus
from ._nn_ops import softsign as softsign
from ._nn_ops import (
    sparse_softmax_cross_entropy_with_logits as sparse_softmax_cross_entropy_with_logits,
)
from ._nn_ops import swish as swish
from ._op import op as op
from ._py_function import numpy_function as numpy_function
from ._py_function import py_function as py_function
from ._ragged import RaggedTensorSpec as RaggedTensorSpec
from ._sparse import SparseTensor as SparseTensor
from ._sparse import SparseTensorSpec as SparseTensorSpec
from ._strings import RaggedTensor as RaggedTensor
from ._strings import StringTensor as StringTensor
from ._tape import GradientTape as GradientTape
from ._tape import UnconnectedGradients as UnconnectedGradients
from ._tensor import Tensor as Tensor
from ._tensor_array import TensorArray as TensorArray
from ._variable import IndexedSlices as IndexedSlices
from ._variable import Variable as Variable
from ._variable import VariableAggregation as VariableAggregation
from ._variable import VariableSynchronization as VariableSynchronization
from ._variable import init_scope as init_scope

__version__ = "0.1.0"


def lowering_stats() -> dict[str, int]:
    """Counters of the tape's lowering cache (compiled traces, eager runs, ...).

    ``compiled_traces`` grows only when a new graph structure is compiled, so a
    repeated eager training step leaves it unchanged after its second step.
    """
    return dict(_lowering_stats)


_variable.install_tf_protocol()  # after _operators: ``v[i].assign``, unhashable Variables

# Namespaces imported on first use (``jt.summary``, ``import jtape.summary``): few scripts
# need them and they cost start-up time (tf.summary's graph export loads jax.extend).
_LAZY = ("profiler", "ragged", "saved_model", "signal", "strings", "summary")


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
