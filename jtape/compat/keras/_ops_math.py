"""``keras.ops``' numpy-style math: elementwise ops, reductions, einsum.

Each function casts its operands to the dtype Keras 3 gives (``_ops_dtypes``), then
calls one jtape op (``jt.op``), so tapes differentiate it like any other op.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ... import _tf_gradients
from ..._math_ops import _check_divisor, _check_exponent, _check_mod_divisor, _nan_skipping_arg
from ..._op import op
from ..._op_errors import InvalidArgumentError, NotFoundError
from ..._tensor import Tensor, to_value
from ._ops_dtypes import float_type, floatx, promoted, result_type, standardize_dtype, tensor


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _ints(v):
    if isinstance(v, (list, tuple)):
        return tuple(int(e) for e in v)
    return int(v)


# -- elementwise ---------------------------------------------------------------------
def _check_kernel(name: str, dt, kinds: str | None) -> None:
    """Keras' TensorFlow backend calls TF kernels that lack some dtypes (no bool ``add``,
    no integer ``erf``); refuse those as TF does rather than compute a value."""
    if kinds is not None and np.dtype(dt).kind not in kinds:
        raise InvalidArgumentError(
            f"keras.ops.{name}: Value for attr 'T' of {np.dtype(dt).name} is not in the list "
            "of allowed values (Keras' TensorFlow backend has no such kernel)"
        )


def _binary(
    fn,
    name: str,
    floating: bool = False,
    kinds: str | None = None,
    strong: bool = False,
    check=None,
):
    """``strong``: Python numbers become int32/float32 tensors before promotion (Keras'
    ``mod``, ``dot``, comparisons), instead of taking the other operand's dtype.
    ``check(out, x2)``: the eager value check of the TF kernel Keras calls (an integer
    division by zero raises there); jtape's tf-level op shares it."""
    jt_op = op(fn, name=name)

    def keras_op(x1, x2) -> Tensor:
        if strong:
            x1, x2 = tensor(x1), tensor(x2)
        dt = float_type(x1, x2) if floating else result_type(x1, x2)
        _check_kernel(name, dt, kinds)
        x1, x2 = promoted(x1, x2, dtype=dt)
        out = jt_op(x1, x2)
        if check is not None:
            check(out, x2)
        return out

    keras_op.__name__ = name
    keras_op.__doc__ = f"``keras.ops.{name}``: elementwise, with Keras' dtype promotion."
    return keras_op


def _unary(fn, name: str, floating: bool = False, kinds: str | None = None):
    jt_op = op(fn, name=name)

    def keras_op(x) -> Tensor:
        x = tensor(x, float_type(x) if floating else None)
        _check_kernel(name, x.dtype, kinds)
        return jt_op(x)

    keras_op.__name__ = name
    keras_op.__doc__ = f"``keras.ops.{name}``: elementwise" + (
        "; integer and bool inputs give float32." if floating else "."
    )
    return keras_op


add = _binary(jnp.add, "add", kinds="iufcV")
subtract = _binary(jnp.subtract, "subtract", kinds="iufcV")
multiply = _binary(jnp.multiply, "multiply", kinds="iufcV")
divide = _binary(jnp.true_divide, "divide", floating=True)
true_divide = _binary(jnp.true_divide, "true_divide", floating=True)


def _floor_divide(a, b):
    # TF's FloorDiv on floats is floor(a / b) (-0.5 // -3 is 0.0; jnp gives -0.0).
    if jnp.issubdtype(a.dtype, jnp.floating):
        return jnp.floor(a / b)
    return jnp.floor_divide(a, b)


floor_divide = _binary(_floor_divide, "floor_divide", check=_check_divisor)
mod = _binary(jnp.mod, "mod", strong=True, check=_check_mod_divisor)
power = _binary(jnp.power, "power", check=_check_exponent)
# TF's gradients: at a tie the derivative goes to x1 (jtape's tf.maximum/minimum rule).
maximum = _binary(_tf_gradients.maximum, "maximum")
minimum = _binary(_tf_gradients.minimum, "minimum")
equal = _binary(jnp.equal, "equal", strong=True)
not_equal = _binary(jnp.not_equal, "not_equal", strong=True)
greater = _binary(jnp.greater, "greater", strong=True)
greater_equal = _binary(jnp.greater_equal, "greater_equal", strong=True)
less = _binary(jnp.less, "less", strong=True)
less_equal = _binary(jnp.less_equal, "less_equal", strong=True)
logical_and = _binary(lambda a, b: jnp.logical_and(a, b), "logical_and")
logical_or = _binary(lambda a, b: jnp.logical_or(a, b), "logical_or")
logical_xor = _binary(lambda a, b: jnp.logical_xor(a, b), "logical_xor")
# Keras multiplies int8 matrices with int32 accumulation (an int32 result).
matmul = _binary(
    lambda a, b: jnp.matmul(
        a, b, preferred_element_type=jnp.int32 if a.dtype == jnp.int8 else None
    ),
    "matmul",
)
dot = _binary(jnp.dot, "dot", strong=True)
outer = _binary(jnp.outer, "outer", strong=True)

abs = _unary(jnp.abs, "abs")  # noqa: A001 - Keras' name
absolute = abs
negative = _unary(jnp.negative, "negative", kinds="ifcV")
square = _unary(jnp.square, "square")
# TF's Sign gives 0.0 for -0.0 (jnp keeps the sign).
sign = _unary(
    lambda x: jnp.where(x == 0, jnp.zeros((), x.dtype), jnp.sign(x)), "sign", kinds="iufcV"
)
logical_not = _unary(jnp.logical_not, "logical_not")
isnan = _unary(jnp.isnan, "isnan")
isinf = _unary(jnp.isinf, "isinf")
isfinite = _unary(jnp.isfinite, "isfinite")
sqrt = _unary(jnp.sqrt, "sqrt", floating=True)
rsqrt = _unary(jax.lax.rsqrt, "rsqrt", kinds="fcV")  # TF has no integer Rsqrt
exp = _unary(jnp.exp, "exp", floating=True)
log = _unary(jnp.log, "log", floating=True)
log1p = _unary(jnp.log1p, "log1p", floating=True)
expm1 = _unary(jnp.expm1, "expm1", floating=True)
log2 = _unary(jnp.log2, "log2", floating=True)
log10 = _unary(jnp.log10, "log10", floating=True)
sin = _unary(jnp.sin, "sin", floating=True)
cos = _unary(jnp.cos, "cos", floating=True)
tan = _unary(jnp.tan, "tan", floating=True)
sinh = _unary(jnp.sinh, "sinh", floating=True)
cosh = _unary(jnp.cosh, "cosh", floating=True)
tanh = _unary(jnp.tanh, "tanh", floating=True)
arctan = _unary(jnp.arctan, "arctan", floating=True)
erf = _unary(jax.scipy.special.erf, "erf", kinds="fV")
floor = _unary(jnp.floor, "floor", floating=True)
ceil = _unary(jnp.ceil, "ceil", floating=True)
_reciprocal = _unary(jnp.reciprocal, "reciprocal", kinds="fcV")


def reciprocal(x) -> Tensor:
    """``1 / x`` for float inputs; TF has no integer ``Reciprocal`` kernel (it raises)."""
    x = tensor(x)
    if np.dtype(x.dtype).kind == "i":
        raise NotFoundError(
            f"keras.ops.reciprocal: Could not find device for node: Reciprocal = "
            f"Reciprocal[T={np.dtype(x.dtype).name}] (Keras' TensorFlow backend has no "
            "integer kernel)"
        )
    return _reciprocal(x)


arcsin = _unary(jnp.arcsin, "arcsin", floating=True)
arccos = _unary(jnp.arccos, "arccos", floating=True)
arcsinh = _unary(jnp.arcsinh, "arcsinh", floating=True)
arccosh = _unary(jnp.arccosh, "arccosh", floating=True)
arctanh = _unary(jnp.arctanh, "arctanh", floating=True)
exp2 = _unary(lambda x: jnp.power(jnp.asarray(2.0, x.dtype), x), "exp2", floating=True)
# Keras' TF cbrt: sign(x) * |x| ** (1/3) (not a correctly rounded cube root).
cbrt = _unary(
    lambda x: jnp.where(x == 0, jnp.zeros((), x.dtype), jnp.sign(x)) * jnp.power(jnp.abs(x), 1 / 3),
    "cbrt",
    floating=True,
)
deg2rad = _unary(jnp.deg2rad, "deg2rad", floating=True)
rad2deg = _unary(jnp.rad2deg, "rad2deg", floating=True)
_trunc = _unary(lambda x: jnp.where(x < 0, jnp.ceil(x), jnp.floor(x)), "trunc")
_signbit = op(lambda x: jnp.signbit(x.astype(jnp.float32)), name="signbit")
_isposinf = op(jnp.isposinf, name="isposinf")
_isneginf = op(jnp.isneginf, name="isneginf")


def trunc(x) -> Tensor:
    """Rounded toward zero; integer and bool inputs are returned as they are."""
    x = tensor(x)
    return x if np.dtype(x.dtype).kind in "biu" else _trunc(x)


def signbit(x) -> Tensor:
    """Whether the sign bit is set (True for ``-0.0`` and negative NaN); bool for all."""
    x = tensor(x)
    kind = np.dtype(x.dtype).kind
    if kind in "biu":
        return less(x, 0) if kind == "i" else _zeros_like_bool(x)
    return _signbit(x)


def _zeros_like_bool(x) -> Tensor:
    return Tensor(jnp.zeros(tuple(x.shape), jnp.bool_))


def isposinf(x) -> Tensor:
    """Whether each entry is ``+inf`` (False for integers)."""
    x = tensor(x)
    return _zeros_like_bool(x) if np.dtype(x.dtype).kind in "biu" else _isposinf(x)


def isneginf(x) -> Tensor:
    """Whether each entry is ``-inf`` (False for integers)."""
    x = tensor(x)
    return _zeros_like_bool(x) if np.dtype(x.dtype).kind in "biu" else _isneginf(x)


_round = op(lambda x, decimals: jnp.round(x, decimals), name="round")


def round(x, decimals: int = 0) -> Tensor:  # noqa: A001 - Keras' name
    """Round half to even (``keras.ops.round``); integers keep their dtype."""
    x = tensor(x)
    _check_kernel("round", x.dtype, "iufcV")
    decimals = int(decimals)
    if decimals < 0 and np.dtype(x.dtype).kind in "iu":
        # Keras on TF: integers scaled in floatx, rounded half to even, cast back.
        factor = 10.0**decimals
        scaled = _round(multiply(tensor(x, floatx()), factor), 0)
        return tensor(divide(scaled, factor), x.dtype)
    if decimals > 0 and np.dtype(x.dtype).kind in "iu":
        return x
    return _round(x, decimals)


# TF's clip_by_value: min(max(x, lo), hi) would give hi for lo > hi; Keras' TF backend
# gives lo (maximum of the minimum).
# At x == a bound the derivative is 1 (TF's tie rule for Maximum/Minimum).
_clip = op(lambda x, lo, hi: _tf_gradients.maximum(_tf_gradients.minimum(x, hi), lo), name="clip")


def clip(x, x_min, x_max) -> Tensor:
    """``x`` limited to ``[x_min, x_max]``; keeps ``x``'s dtype (bool becomes int32)."""
    x = tensor(x)
    dt = np.dtype("int32") if x.dtype == np.bool_ else np.dtype(x.dtype)
    if dt.kind in "iu":  # Python bounds convert as TF converts them to x's dtype
        bounds = []
        for v in (x_min, x_max):
            if isinstance(v, float):
                raise TypeError(f"Cannot convert {v} to EagerTensor of dtype {dt.name}")
            bounds.append(np.asarray(v, np.int64).astype(dt) if isinstance(v, int) else v)
        x_min, x_max = bounds
    return _clip(*promoted(x, x_min, x_max, dtype=dt))


_where = op(jnp.where, name="where")


def where(condition, x1=None, x2=None):
    """Elementwise choice; with only ``condition``, the tuple of its nonzero indices."""
    if x1 is None and x2 is None:
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("`x1` and `x2` either both should be `None` or both should have values.")
    return _where(tensor(condition, "bool"), *promoted(x1, x2))


def nonzero(x) -> tuple[Tensor, ...]:
    """The indices of nonzero elements, one int32 tensor per axis (eager values only)."""
    value = to_value(x)
    if isinstance(value, jax.core.Tracer):
        raise ValueError(
            "keras.ops.nonzero (and where(condition) alone): the number of results is data "
            "dependent, which a compiled program cannot have; call it eagerly, or use "
            "where(condition, x1, x2) / a boolean mask in the loss instead"
        )
    arr = np.asarray(value)
    return tuple(Tensor(jnp.asarray(i, dtype=jnp.int32)) for i in np.nonzero(arr))


# -- reductions ----------------------------------------------------------------------
def _sum_dtype(x) -> np.dtype:
    d = np.dtype(x.dtype)
    if d.kind == "b" or (d.kind == "i" and d.itemsize < 4):
        return np.dtype("int32")
    if d.kind == "u" and d.itemsize < 4:
        return np.dtype("uint32")
    return d


def _reducer(fn, name):
    return op(lambda x, axis, keepdims: fn(x, axis=axis, keepdims=keepdims), name=name)


# ``dtype=x.dtype``: in JAX's 64-bit mode a sum of uint32 would otherwise widen to uint64.
_sum = op(lambda x, axis, keepdims: jnp.sum(x, axis, x.dtype, keepdims=keepdims), name="sum")
_prod = op(lambda x, axis, keepdims: jnp.prod(x, axis, x.dtype, keepdims=keepdims), name="prod")
_mean = _reducer(jnp.mean, "mean")
_var = _reducer(jnp.var, "var")
_std = _reducer(jnp.std, "std")
_any = _reducer(jnp.any, "any")
_all = _reducer(jnp.all, "all")
_logsumexp = _reducer(jax.scipy.special.logsumexp, "logsumexp")
_max = op(lambda x, axis, keepdims, initial: jnp.max(x, axis, keepdims=keepdims, initial=initial))
_min = op(lambda x, axis, keepdims, initial: jnp.min(x, axis, keepdims=keepdims, initial=initial))


def sum(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum; bool and narrow integers accumulate in int32 (uint8/16 in uint32), as Keras."""
    x = tensor(x)
    return _sum(tensor(x, _sum_dtype(x)), _axis(axis), bool(keepdims))


def prod(x, axis=None, keepdims: bool = False, dtype=None) -> Tensor:
    """Product, with ``sum``'s accumulation dtypes (or ``dtype``)."""
    x = tensor(x)
    return _prod(tensor(x, dtype or _sum_dtype(x)), _axis(axis), bool(keepdims))


def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    """Mean; integer and bool inputs give float32 (Keras), not an integer mean (TF)."""
    return _mean(tensor(x, float_type(x)), _axis(axis), bool(keepdims))


def var(x, axis=None, keepdims: bool = False) -> Tensor:
    """Population variance; integer inputs give float32."""
    return _var(tensor(x, float_type(x)), _axis(axis), bool(keepdims))


def std(x, axis=None, keepdims: bool = False) -> Tensor:
    """Population standard deviation; integer inputs give float32."""
    return _std(tensor(x, float_type(x)), _axis(axis), bool(keepdims))


def max(x, axis=None, keepdims: bool = False, initial=None) -> Tensor:  # noqa: A001
    """Maximum, keeping ``x``'s dtype."""
    return _max(tensor(x), _axis(axis), bool(keepdims), initial)


def min(x, axis=None, keepdims: bool = False, initial=None) -> Tensor:  # noqa: A001
    """Minimum, keeping ``x``'s dtype."""
    return _min(tensor(x), _axis(axis), bool(keepdims), initial)


amax = max
amin = min


def any(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _any(tensor(x), _axis(axis), bool(keepdims))


def all(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _all(tensor(x), _axis(axis), bool(keepdims))


def logsumexp(x, axis=None, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(x)))``, computed stably (float inputs only, as on TensorFlow)."""
    x = tensor(x)
    _check_kernel("logsumexp", x.dtype, "fV")
    return _logsumexp(x, _axis(axis), bool(keepdims))


def _arg_extreme(fn, largest: bool):
    """Keras' TF ``argmax``/``argmin``: TF's NaN rule (jtape's ``tf.math.argmax``: a NaN
    never wins) and ``-0.0`` ranked just below ``0.0`` (Keras moves it to ``-tiny``)."""
    pick = _nan_skipping_arg(fn, largest)

    def arg(x, axis, keepdims):
        flat = x.reshape(-1) if axis is None else x
        if jnp.issubdtype(x.dtype, jnp.floating) and x.ndim:
            flat = flat.astype(jnp.promote_types(flat.dtype, jnp.float32))
            tiny = jnp.finfo(flat.dtype).tiny
            flat = jnp.where((flat == 0) & jnp.signbit(flat), -tiny, flat)
        out = pick(flat, 0 if axis is None else axis).astype(jnp.int32)
        if keepdims:
            out = out.reshape((1,) * x.ndim) if axis is None else jnp.expand_dims(out, axis)
        return out

    return arg


_argmax = op(_arg_extreme(jnp.argmax, largest=True), name="argmax")
_argmin = op(_arg_extreme(jnp.argmin, largest=False), name="argmin")


def argmax(x, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the maximum as int32 (over the flattened input when ``axis`` is None);
    NaN never wins, as on TensorFlow."""
    return _argmax(tensor(x), axis, bool(keepdims))


def argmin(x, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the minimum as int32; NaN never wins, ``-0.0`` is below ``0.0``."""
    return _argmin(tensor(x), axis, bool(keepdims))


_count_nonzero = op(
    lambda x, axis: jnp.count_nonzero(x, axis=axis).astype(jnp.int32), name="count_nonzero"
)


def count_nonzero(x, axis=None) -> Tensor:
    """The number of nonzero elements (int32)."""
    return _count_nonzero(tensor(x), _axis(axis))


def _scan_dtype(x, dtype) -> np.dtype:
    if dtype is not None:
        return np.dtype(standardize_dtype(dtype))
    d = np.dtype(x.dtype)
    return np.dtype("int32") if d.kind == "b" else d


_cumsum = op(lambda x, axis, dtype: jnp.cumsum(x, axis=axis, dtype=dtype), name="cumsum")
_cumprod = op(lambda x, axis, dtype: jnp.cumprod(x, axis=axis, dtype=dtype), name="cumprod")


def cumsum(x, axis=None, dtype=None) -> Tensor:
    """Running sum (over the flattened input when ``axis`` is None, as numpy)."""
    x = tensor(x)
    dt = _scan_dtype(x, dtype)
    return _cumsum(tensor(x, dt), axis, dt)


def cumprod(x, axis=None, dtype=None) -> Tensor:
    """Running product (over the flattened input when ``axis`` is None)."""
    x = tensor(x)
    dt = _scan_dtype(x, dtype)
    return _cumprod(tensor(x, dt), axis, dt)


_norm = op(lambda x, ord, axis, keepdims: jnp.linalg.norm(x, ord, axis, keepdims), name="norm")


def norm(x, ord=None, axis=None, keepdims: bool = False) -> Tensor:
    """Vector or matrix norm, with numpy's ``ord``/``axis`` rules; ints give float32."""
    return _norm(tensor(x, float_type(x)), ord, _axis(axis), bool(keepdims))


_einsum = op(lambda sub, ops: jnp.einsum(sub, *ops), name="einsum")


def einsum(subscripts: str, *operands, **kwargs) -> Tensor:
    """Einstein summation, promoting operand dtypes as Keras does (int8 operands give an
    int32 result; bool operands are refused, as on TensorFlow)."""
    xs = promoted(*operands)
    dt = np.dtype(xs[0].dtype) if xs else None
    _check_kernel("einsum", dt, "iufcV")
    if dt == np.int8:
        xs = [tensor(x, "int32") for x in xs]
    return _einsum(subscripts, xs)


_tensordot = op(lambda a, b, axes: jnp.tensordot(a, b, axes), name="tensordot")


def tensordot(x1, x2, axes=2) -> Tensor:
    x1, x2 = tensor(x1), tensor(x2)
    if isinstance(axes, (list, tuple)):
        axes = tuple(_ints(a) if isinstance(a, (list, tuple)) else int(a) for a in axes)
    return _tensordot(*promoted(x1, x2), axes)


_average = op(lambda x, w, axis: jnp.average(x, axis=axis, weights=w), name="average")


def average(x, axis=None, weights=None) -> Tensor:
    """(Weighted) mean; integer inputs give float32."""
    if weights is None:
        return mean(x, axis=axis)
    dt = float_type(x, weights)
    return _average(tensor(x, dt), tensor(weights, dt), _axis(axis))


def _isclose_fn(a, b, rtol, atol, equal_nan):
    # Keras' TF rule, without numpy's care for infinities: |a - b| <= atol + rtol * |b|
    # (so 1.5 is close to inf); integers compare equal.
    if not jnp.issubdtype(a.dtype, jnp.inexact):
        return a == b
    out = jnp.abs(a - b) <= atol + rtol * jnp.abs(b)
    return out | (jnp.isnan(a) & jnp.isnan(b)) if equal_nan else out


_isclose = op(_isclose_fn, name="isclose")


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    return _isclose(*promoted(x1, x2), rtol, atol, bool(equal_nan))


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    """Whether all entries are close; unlike ``isclose``, infinities count only when
    equal (Keras' TF rule)."""
    x1, x2 = promoted(x1, x2)
    close = isclose(x1, x2, rtol, atol, equal_nan)
    if np.dtype(x1.dtype).kind in "fcV":
        finite = logical_and(isfinite(x1), isfinite(x2))
        close = logical_or(logical_and(close, finite), equal(x1, x2))
        if equal_nan:
            close = logical_or(close, logical_and(isnan(x1), isnan(x2)))
    return all(close)


logaddexp = _binary(jnp.logaddexp, "logaddexp", floating=True)


def _logaddexp2(a, b):
    # Keras' TF formula: max + log1p(2 ** -|a - b|) / log(2); NaN differences give a + b.
    delta = a - b
    ln2 = jnp.log(jnp.asarray(2.0, a.dtype))
    stable = jnp.maximum(a, b) + jnp.log1p(jnp.exp(-jnp.abs(delta) * ln2)) / ln2
    return jnp.where(jnp.isnan(delta), a + b, stable)


logaddexp2 = _binary(_logaddexp2, "logaddexp2", floating=True)


def _hypot(a, b):
    # Keras' TF formula: max * sqrt(1 + (min / max) ** 2), 0 / 0 taken as 0 (so
    # hypot(inf, inf) is NaN there, unlike numpy).
    hi, lo = jnp.maximum(jnp.abs(a), jnp.abs(b)), jnp.minimum(jnp.abs(a), jnp.abs(b))
    ratio = jnp.where(hi == 0, jnp.zeros((), hi.dtype), lo / jnp.where(hi == 0, 1, hi))
    return hi * jnp.sqrt(1 + jnp.square(ratio))


hypot = _binary(_hypot, "hypot", floating=True)
arctan2 = _binary(jnp.arctan2, "arctan2", floating=True)
_nan_to_num = op(
    lambda x, nan, posinf, neginf: jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf),
    name="nan_to_num",
)


def nan_to_num(x, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:
    """NaN as ``nan`` and infinities as ``posinf``/``neginf`` (the dtype's extremes)."""
    return _nan_to_num(tensor(x), nan, posinf, neginf)


_divide_no_nan = op(
    lambda a, b: jnp.where(b == 0, jnp.zeros((), a.dtype), a / jnp.where(b == 0, 1, b)),
    name="divide_no_nan",
)


def divide_no_nan(x1, x2) -> Tensor:
    """``x1 / x2``, and 0 where ``x2`` is 0 (with a zero gradient there)."""
    dt = float_type(x1, x2)
    return _divide_no_nan(*promoted(x1, x2, dtype=dt))


# -- more numpy-style math (Keras' TF formulas) ---------------------------------------------
def _int_to_float(x) -> Tensor:
    """Keras' rule for heaviside/fabs-like ops: 8- to 32-bit integers and bool give floatx,
    int64 gives float64."""
    x = tensor(x)
    name = np.dtype(x.dtype).name
    if name == "int64":
        return tensor(x, "float64")
    if np.dtype(x.dtype).kind in "biu":
        return tensor(x, floatx())
    return x


_fabs = op(jnp.abs, name="fabs")


def fabs(x) -> Tensor:
    """``|x|``; integer and bool inputs give floatx."""
    x = tensor(x)
    return _fabs(tensor(x, floatx()) if np.dtype(x.dtype).kind in "biu" else x)


erfc = _unary(jax.scipy.special.erfc, "erfc", kinds="fV")


def ptp(x, axis=None, keepdims: bool = False) -> Tensor:
    """``max - min`` along ``axis``, in ``x``'s dtype (integers wrap)."""
    from ..._math_ops import max as _tf_max
    from ..._math_ops import min as _tf_min

    x = tensor(x)
    _check_kernel("ptp", x.dtype, "iufV")
    # jtape's tf reductions: an empty axis gives -inf - inf, as TF's reduce_max/min.
    return subtract(
        _tf_max(x, _axis(axis), bool(keepdims)), _tf_min(x, _axis(axis), bool(keepdims))
    )


def _heaviside_fn(a, b):
    zero, one = jnp.zeros((), a.dtype), jnp.ones((), a.dtype)
    return jnp.where(a < 0, zero, jnp.where(a > 0, one, b))


_heaviside = op(_heaviside_fn, name="heaviside")


def heaviside(x1, x2) -> Tensor:
    """0 where ``x1 < 0``, 1 where ``x1 > 0``, ``x2`` where ``x1 == 0`` (NaN: ``x2``)."""
    dt = result_type(x1, x2)
    if np.dtype(dt).kind in "biu":
        dt = np.dtype("float64") if np.dtype(dt).name == "int64" else floatx()
    return _heaviside(*promoted(x1, x2, dtype=dt))


sinc = _unary(
    lambda x: jnp.where(x == 0, jnp.ones((), x.dtype), jnp.sin(np.pi * x) / (np.pi * x)),
    "sinc",
    floating=True,
)
_inner = op(
    lambda a, b: a * b if a.ndim == 0 or b.ndim == 0 else jnp.tensordot(a, b, [[-1], [-1]]),
    name="inner",
)
_vdot = op(lambda a, b: jnp.dot(a.reshape(-1), b.reshape(-1)), name="vdot")


def _float_compute(fn, x1, x2) -> Tensor:
    dt = np.dtype(result_type(x1, x2))
    compute = float_type(tensor(np.zeros((), dt)))
    return tensor(fn(*promoted(x1, x2, dtype=compute)), dt)


def inner(x1, x2) -> Tensor:
    """Sum of products over the last axes (computed in float, cast to the operands' type)."""
    return _float_compute(_inner, x1, x2)


def vdot(x1, x2) -> Tensor:
    """Dot product of the flattened operands (computed in float)."""
    return _float_compute(_vdot, x1, x2)


def searchsorted(sorted_sequence, values, side: str = "left") -> Tensor:
    """Insertion indices of ``values`` into the 1-D ``sorted_sequence`` (int32)."""
    from ..._indexing_ops import searchsorted as _searchsorted

    seq = tensor(sorted_sequence)
    if seq.ndim != 1:
        raise ValueError(
            "`searchsorted` only supports 1-D sorted sequences. You can use "
            "`keras.ops.vectorized_map` to extend it to N-D sequences. Received: "
            f"sorted_sequence.shape={tuple(seq.shape)}"
        )
    seq, vals = promoted(seq, values)
    out = _searchsorted(seq, vals, side=side, out_type="int32")
    if np.dtype(vals.dtype).kind not in "fV":
        return out
    # TF's binary search: NaN is below everything for side="left" (index 0) and not
    # below anything for side="right" (the end); numpy's order puts it last for both.
    end = 0 if side == "left" else seq.shape[0]
    return where(isnan(vals), Tensor(jnp.asarray(end, jnp.int32)), out)
