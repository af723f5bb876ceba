"""``tf.math``: TensorFlow's math names over jtape's op library (naming only).

Every name is built from a table below by :func:`~jtape.compat._api.tf_api`, which
accepts TF's keyword names (``input_tensor=``, ``name=``) and turns Python lists in
tensor positions into tensors.
"""

from __future__ import annotations

import functools

from .. import _array_ops as A
from .. import _counting_ops as C
from .. import _linalg_ops as L
from .. import _math_ops as M
from .. import _nn_ops as N
from .. import _norm_stats as Z
from .. import _special_math_ops as S
from .._sparse_ops import SPARSE_UNARY, on_values
from .._strings import StringTensor
from ._api import tf_api
from ._missing import missing

# TF name -> jtape op, for functions of one tensor ``x``.
UNARY = {
    "abs": M.abs,
    "acos": M.acos,
    "acosh": M.acosh,
    "asin": M.asin,
    "asinh": M.asinh,
    "atan": M.atan,
    "atanh": M.atanh,
    "bessel_i0e": S.bessel_i0e,
    "bessel_i1e": S.bessel_i1e,
    "ceil": M.ceil,
    "conj": M.conj,
    "cos": M.cos,
    "cosh": M.cosh,
    "digamma": M.digamma,
    "erf": M.erf,
    "erfc": S.erfc,
    "erfcinv": S.erfcinv,
    "erfinv": S.erfinv,
    "exp": M.exp,
    "expm1": M.expm1,
    "floor": M.floor,
    "imag": M.imag,
    "is_finite": M.is_finite,
    "is_non_decreasing": M.is_non_decreasing,
    "is_strictly_increasing": M.is_strictly_increasing,
    "is_inf": M.is_inf,
    "is_nan": M.is_nan,
    "lbeta": S.lbeta,
    "lgamma": M.lgamma,
    "log": M.log,
    "log1p": M.log1p,
    "log_sigmoid": N.log_sigmoid,
    "logical_not": M.logical_not,
    "ndtri": S.ndtri,
    "negative": M.negative,
    "real": M.real,
    "reciprocal": M.reciprocal,
    "reciprocal_no_nan": S.reciprocal_no_nan,
    "rint": S.rint,
    "round": M.round,
    "rsqrt": M.rsqrt,
    "sigmoid": M.sigmoid,
    "sign": M.sign,
    "sin": M.sin,
    "sinh": M.sinh,
    "softplus": N.softplus,
    "softsign": N.softsign,
    "sqrt": M.sqrt,
    "square": M.square,
    "tan": M.tan,
    "tanh": M.tanh,
}


def _add(x, y):
    """``x + y``; string tensors concatenate, as TF's Add kernel does for ``tf.string``."""
    if type(x) is StringTensor or type(y) is StringTensor:
        return x + y if type(x) is StringTensor else y.__radd__(x)
    return M.add(x, y)


# TF name -> jtape op, for functions of two tensors ``x, y``.
BINARY = {
    "add": _add,
    "atan2": M.atan2,
    "divide": M.divide,
    "divide_no_nan": M.divide_no_nan,
    "equal": M.equal,
    "floordiv": M.floordiv,
    "floormod": M.mod,
    "greater": M.greater,
    "greater_equal": M.greater_equal,
    "igamma": S.igamma,
    "igammac": S.igammac,
    "less": M.less,
    "less_equal": M.less_equal,
    "logical_and": M.logical_and,
    "logical_or": M.logical_or,
    "logical_xor": M.logical_xor,
    "maximum": M.maximum,
    "minimum": M.minimum,
    "mod": M.mod,
    "multiply": M.multiply,
    "multiply_no_nan": S.multiply_no_nan,
    "nextafter": S.nextafter,
    "not_equal": M.not_equal,
    "polygamma": S.polygamma,
    "pow": M.pow,
    "squared_difference": M.squared_difference,
    "subtract": M.subtract,
    "truediv": M.divide,
    "truncatediv": S.truncatediv,
    "xdivy": S.xdivy,
    "xlog1py": S.xlog1py,
    "xlogy": S.xlogy,
    "zeta": S.zeta,
}

# TF name -> jtape reduction taking (x, axis, keepdims).
REDUCE = {
    "reduce_all": M.all,
    "reduce_any": M.any,
    "reduce_logsumexp": M.logsumexp,
    "reduce_max": M.max,
    "reduce_mean": M.mean,
    "reduce_min": M.min,
    "reduce_prod": M.prod,
    "reduce_std": M.std,
    "reduce_sum": M.sum,
    "reduce_variance": M.variance,
}

_SEG = ("data", "segment_ids")

# Everything else: TF name -> (jtape callable, TF keyword -> jtape keyword, tensor params).
OTHER = {
    "accumulate_n": (M.add_n, {}, ("*inputs",)),
    "add_n": (M.add_n, {}, ("*inputs",)),
    "argmax": (M.argmax, {"input": "x"}, ("input",)),
    "argmin": (M.argmin, {"input": "x"}, ("input",)),
    "betainc": (S.betainc, {}, ("a", "b", "x")),
    "bincount": (C.bincount, {}, ()),
    "confusion_matrix": (C.confusion_matrix, {}, ()),
    "count_nonzero": (S.count_nonzero, {}, ("input",)),
    "zero_fraction": (Z.zero_fraction, {}, ("value",)),
    "cumprod": (M.cumprod, {}, ("x",)),
    "cumsum": (M.cumsum, {}, ("x",)),
    "cumulative_logsumexp": (S.cumulative_logsumexp, {}, ("x",)),
    "in_top_k": (C.in_top_k, {}, ()),
    "l2_normalize": (L.l2_normalize, {}, ("x",)),
    "log_softmax": (N.log_softmax, {}, ("logits",)),
    "polyval": (S.polyval, {}, ()),
    "reduce_euclidean_norm": (S.reduce_euclidean_norm, {}, ("input_tensor",)),
    "scalar_mul": (lambda scalar, x: M.multiply(scalar, x), {}, ()),
    "segment_max": (functools.partial(S.segment_reduce, "max"), {}, _SEG),
    "segment_mean": (functools.partial(S.segment_reduce, "mean"), {}, _SEG),
    "segment_min": (functools.partial(S.segment_reduce, "min"), {}, _SEG),
    "segment_prod": (functools.partial(S.segment_reduce, "prod"), {}, _SEG),
    "segment_sum": (functools.partial(S.segment_reduce, "sum"), {}, _SEG),
    "softmax": (N.softmax, {}, ("logits",)),
    "top_k": (A.top_k, {}, ("input",)),
    "unsorted_segment_max": (functools.partial(S.unsorted_segment_reduce, "max"), {}, _SEG),
    "unsorted_segment_mean": (functools.partial(S.unsorted_segment_reduce, "mean"), {}, _SEG),
    "unsorted_segment_min": (functools.partial(S.unsorted_segment_reduce, "min"), {}, _SEG),
    "unsorted_segment_prod": (functools.partial(S.unsorted_segment_reduce, "prod"), {}, _SEG),
    "unsorted_segment_sqrt_n": (
        functools.partial(S.unsorted_segment_reduce, "sqrt_n"),
        {},
        _SEG,
    ),
    "unsorted_segment_sum": (functools.partial(S.unsorted_segment_reduce, "sum"), {}, _SEG),
}


def _build() -> dict:
    out = {}
    for name, fn in UNARY.items():
        fn = on_values(fn) if name in SPARSE_UNARY else fn  # TF takes a SparseTensor there
        out[name] = tf_api(fn, tf_name=name, tensors=("x",), positional=("x",))
    for name, fn in BINARY.items():
        out[name] = tf_api(fn, tf_name=name, tensors=("x", "y"), positional=("x", "y"))
    for name, fn in REDUCE.items():
        out[name] = tf_api(fn, {"input_tensor": "x"}, tf_name=name, tensors=("input_tensor",))
    for name, (fn, renames, tensors) in OTHER.items():
        out[name] = tf_api(fn, renames, tf_name=name, tensors=tensors)
    return out


_API = _build()
globals().update(_API)
__all__ = sorted(_API)
from . import _math_special as special  # noqa: E402, F401 - tf.math.special

__getattr__ = missing("tf.math")
