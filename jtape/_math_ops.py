"""Elementwise math, comparisons, reductions and linear algebra, as jtape ops.

Each public function is a pure ``jax.numpy`` function passed once through
:func:`jtape.op`; the thin Python wrappers only normalise arguments (TF accepts
lists and tensors where JAX wants tuples and ints).
"""

from __future__ import annotations

import builtins

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes, _tf_gradients
from ._dtype_rules import DtypeRule
from ._op import op
from ._op_errors import InvalidArgumentError
from ._tensor import Tensor


def _axis(axis):
    """Static form of an ``axis`` argument: None, an int or a tuple of ints."""
    if axis is None:
        return None
    if isinstance(axis, Tensor) or hasattr(axis, "_jt_read"):
        axis = np.asarray(axis)
    if isinstance(axis, np.ndarray):
        axis = axis.tolist()
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return int(axis)


# -- elementwise ---------------------------------------------------------------
add = op(jnp.add, name="add", same_dtype=2)
subtract = op(jnp.subtract, name="subtract", same_dtype=2)
multiply = op(jnp.multiply, name="multiply", same_dtype=2)


def _truediv(x, y):
    # TF's truediv: integers divide in float32 (8/16-bit) or float64 (32/64-bit);
    # JAX would give float32 for int32.
    dt = jnp.result_type(x, y)
    if jnp.issubdtype(dt, jnp.integer) or dt == jnp.bool_:
        to = jnp.float32 if jnp.dtype(dt).itemsize <= 2 else jnp.float64
        x, y = jnp.asarray(x, to), jnp.asarray(y, to)
    return jnp.true_divide(x, y)


divide = op(_truediv, name="truediv", same_dtype=2)
_floordiv = op(_tf_gradients.floor_divide, name="floor_div", same_dtype=2)
_mod = op(jnp.mod, name="floor_mod", same_dtype=2)
_pow = op(jnp.power, name="pow", same_dtype=2)


def _integer_check(kernel: str, refused, message: str, error=InvalidArgumentError):
    """An integer op that TF refuses eagerly for some ``y`` (a zero divisor, a negative
    exponent): the same error here. A compiled function cannot check values; there XLA's
    result stands (TF on GPU does not check either)."""

    def check(out, y) -> None:
        value = out._value
        if value.dtype.kind not in "iu" or isinstance(value, jax.core.Tracer):
            return
        value = y._value if isinstance(y, Tensor) else getattr(y, "_current", lambda: y)()
        if isinstance(value, jax.core.Tracer):
            return
        if np.any(refused(np.asarray(value))):
            raise error(f"{message} [Op:{kernel}]")

    return check


_check_divisor = _integer_check("FloorDiv", lambda y: y == 0, "Integer division by zero")
_check_mod_divisor = _integer_check("FloorMod", lambda y: y == 0, "Integer division by zero")
_check_exponent = _integer_check(
    "Pow", lambda y: y < 0, "Integers to negative integer powers are not allowed"
)


def floordiv(x, y) -> Tensor:
    """``x // y`` rounding toward -inf; an integer division by zero raises, as in TF."""
    out = _floordiv(x, y)
    _check_divisor(out, y)
    return out


def mod(x, y) -> Tensor:
    """``x % y`` with the divisor's sign (TF's floormod); integer ``y == 0`` raises."""
    out = _mod(x, y)
    _check_mod_divisor(out, y)
    return out


def pow(x, y) -> Tensor:  # noqa: A001 - TF's name
    """``x ** y``; integers to negative integer powers raise, as in TF."""
    out = _pow(x, y)
    _check_exponent(out, y)
    return out


negative = op(jnp.negative, name="negative")
abs = op(_tf_gradients.abs, name="abs")  # noqa: A001
sign = op(lambda x: jnp.where(x == 0, jnp.zeros_like(x), jnp.sign(x)), name="sign")  # -0.0 -> 0.0
square = op(jnp.square, name="square")
sqrt = op(jnp.sqrt, name="sqrt", allowed="float")
rsqrt = op(jax.lax.rsqrt, name="rsqrt", allowed="float")
exp = op(jnp.exp, name="exp", allowed="float")
expm1 = op(jnp.expm1, name="expm1", allowed="float")
log = op(jnp.log, name="log", allowed="float")
log1p = op(jnp.log1p, name="log1p", allowed="float")
sin = op(jnp.sin, name="sin", allowed="float")
cos = op(jnp.cos, name="cos", allowed="float")
tan = op(jnp.tan, name="tan", allowed="float")
asin = op(jnp.arcsin, name="asin", allowed="float")
acos = op(jnp.arccos, name="acos", allowed="float")
atan = op(jnp.arctan, name="atan", allowed="float")
atan2 = op(jnp.arctan2, name="atan2", same_dtype=2)
sinh = op(jnp.sinh, name="sinh", allowed="float")
cosh = op(jnp.cosh, name="cosh", allowed="float")
tanh = op(jnp.tanh, name="tanh", allowed="float")
asinh = op(jnp.arcsinh, name="asinh", allowed="float")
acosh = op(jnp.arccosh, name="acosh", allowed="float")
atanh = op(jnp.arctanh, name="atanh", allowed="float")
sigmoid = op(jax.nn.sigmoid, name="sigmoid", allowed="float")
maximum = op(_tf_gradients.maximum, name="maximum", same_dtype=2)
minimum = op(_tf_gradients.minimum, name="minimum", same_dtype=2)
floor = op(_tf_gradients.floor, name="floor", allowed="real_float")
ceil = op(_tf_gradients.ceil, name="ceil", allowed="real_float")
round = op(_tf_gradients.round, name="round")  # noqa: A001
reciprocal = op(jnp.reciprocal, name="reciprocal")
erf = op(jax.scipy.special.erf, name="erf", allowed="real_float")
lgamma = op(jax.scipy.special.gammaln, name="lgamma", allowed="real_float")
digamma = op(jax.scipy.special.digamma, name="digamma", allowed="real_float")
squared_difference = op(lambda x, y: jnp.square(x - y), name="squared_difference", same_dtype=2)
real = op(jnp.real, name="real")
imag = op(jnp.imag, name="imag")
_complex = op(jax.lax.complex, name="complex")


def complex(real, imag) -> Tensor:  # noqa: A001 - TF's name
    """``real + 1j * imag`` from two float32 (complex64) or float64 (complex128) tensors."""
    from ._array_ops import convert_to_tensor

    real, imag = (x if hasattr(x, "dtype") else convert_to_tensor(x) for x in (real, imag))
    dr, di = np.dtype(real.dtype).name, np.dtype(imag.dtype).name
    if dr != di or dr not in ("float32", "float64"):
        raise TypeError(
            f"The `real` and `imag` components have incorrect types: {dr} {di}. They must be "
            "consistent, and one of [tf.float32, tf.float64]"
        )
    return _complex(real, imag)


conj = op(jnp.conj, name="conj")
invert = op(jnp.invert, name="invert")

equal = op(jnp.equal, name="equal", same_dtype=2)
not_equal = op(jnp.not_equal, name="not_equal", same_dtype=2)
less = op(jnp.less, name="less", same_dtype=2)
less_equal = op(jnp.less_equal, name="less_equal", same_dtype=2)
greater = op(jnp.greater, name="greater", same_dtype=2)
greater_equal = op(jnp.greater_equal, name="greater_equal", same_dtype=2)
logical_and = op(jnp.logical_and, name="logical_and", same_dtype=2, allowed="bool")
logical_or = op(jnp.logical_or, name="logical_or", same_dtype=2, allowed="bool")
logical_not = op(jnp.logical_not, name="logical_not", allowed="bool")
logical_xor = op(jnp.logical_xor, name="logical_xor", same_dtype=2, allowed="bool")
is_nan = op(jnp.isnan, name="is_nan")
is_inf = op(jnp.isinf, name="is_inf")
is_finite = op(jnp.isfinite, name="is_finite")

_cast = op(lambda x, dtype: jnp.asarray(x).astype(dtype), name="cast")
_clip = op(_tf_gradients.clip, name="clip_by_value", same_dtype=3)


def cast(x, dtype) -> Tensor:
    """``x`` converted to ``dtype``; gradients flow between floating dtypes only."""
    dtype = _dtypes.as_dtype(dtype)
    if dtype == _dtypes.string or getattr(x, "dtype", None) == _dtypes.string:
        from ._strings import cast_string  # host strings: only string -> string

        return cast_string(x, dtype)
    if type(x) is not Tensor and getattr(x, "_jt_sparse", False):  # a SparseTensor's values
        return x.with_values(_cast(x.values, dtype))
    return _cast(x, dtype)


@op(name="saturate_cast")
def _saturate_cast(x, dtype):
    src = np.dtype(x.dtype)
    if dtype == np.bool_ or src == np.bool_ or src.kind == "c" or np.dtype(dtype).kind == "c":
        return x.astype(dtype)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else np.finfo(dtype)
    src_info = np.iinfo(src) if src.kind in "iu" else np.finfo(src)
    lo = builtins.max(float(info.min), float(src_info.min))
    hi = builtins.min(float(info.max), float(src_info.max))
    if src.kind == "f":  # the bounds in the source dtype, rounded toward zero (TF's rule)
        lo_s, hi_s = np.asarray(lo, src), np.asarray(hi, src)
        lo_s = np.nextafter(lo_s, np.zeros((), src)) if float(lo_s) < lo else lo_s
        hi_s = np.nextafter(hi_s, np.zeros((), src)) if float(hi_s) > hi else hi_s
    else:
        lo_s, hi_s = np.asarray(int(lo), src), np.asarray(int(hi), src)
    clipped = jnp.clip(x, lo_s, hi_s)
    y = clipped.astype(dtype)
    if src.kind == "f" and np.dtype(dtype).kind == "i":  # NaN: the lowest value, as TF on x86
        y = jnp.where(jnp.isnan(x), np.asarray(info.min, dtype), y)
        # TF's upper bound for int64 is float(2**63 - 1) == 2**63, itself out of range:
        # its CPU cast then gives the minimum (x86), where XLA's cast saturates.
        y = jnp.where(clipped >= -float(info.min), np.asarray(info.min, dtype), y)
    elif src.kind == "f" and np.dtype(dtype) == np.uint64:
        # Likewise float(2**64 - 1) == 2**64: TF's cast gives 2**63 there.
        y = jnp.where(clipped >= 2.0**64, np.asarray(2**63, np.uint64), y)
    return y


def saturate_cast(value, dtype) -> Tensor:
    """``value`` clamped to the range of ``dtype``, then cast (no wrap-around).

    Example:
        >>> import jtape as jt
        >>> jt.saturate_cast([-200, 100, 300], jt.int8).numpy().tolist()
        [-128, 100, 127]
    """
    return _saturate_cast(value, _dtypes.as_dtype(dtype))


def clip_by_value(t, clip_value_min, clip_value_max) -> Tensor:
    """Elementwise clip of ``t`` to ``[clip_value_min, clip_value_max]``."""
    return _clip(t, clip_value_min, clip_value_max)


def divide_no_nan(x, y) -> Tensor:
    """``x / y``, with 0 where ``y == 0`` (gradient included)."""
    return _divide_no_nan(x, y)


@op
def _divide_no_nan(x, y):
    safe = jnp.where(y == 0, jnp.ones_like(y), y)
    out = _truediv(x, safe)  # integers divide in float64/float32, as TF's truediv
    return jnp.where(y == 0, jnp.zeros_like(out), out)


# -- reductions ----------------------------------------------------------------
def _reduction(fn, name: str):
    # Positional (x, axis, keepdims) so calls take the op fast path (no pytree flatten).
    return op(lambda x, axis, keepdims: fn(x, axis=axis, keepdims=keepdims), name=name)


def _same_int_dtype(fn):
    """``fn`` (a numpy-style sum/prod/cumsum/cumprod) keeping an integer input's dtype.

    TF keeps it; numpy (and JAX in x64 mode) would widen int32 to int64.
    """

    def keep(x, **kwargs):
        dtype = x.dtype if jnp.issubdtype(x.dtype, jnp.integer) else None
        return fn(x, **kwargs, dtype=dtype)

    keep.__name__ = fn.__name__
    return keep


_sum = _reduction(_same_int_dtype(jnp.sum), "sum")
_mean = _reduction(jnp.mean, "mean")


def _with_identity(fn, lowest: bool):
    """``jnp.max``/``jnp.min`` that reduce an empty axis to TF's identity (-inf/+inf for
    floats, the integer extremes) instead of refusing it."""

    def reduce(x, **kwargs):
        if x.size == 0:
            dtype = x.dtype
            if jnp.issubdtype(dtype, jnp.floating):
                identity = -jnp.inf if lowest else jnp.inf
            elif jnp.issubdtype(dtype, jnp.integer):
                identity = jnp.iinfo(dtype).min if lowest else jnp.iinfo(dtype).max
            else:
                identity = not lowest  # bool: any/all-like
            kwargs["initial"] = jnp.array(identity, dtype)
        return fn(x, **kwargs)

    reduce.__name__ = fn.__name__
    return reduce


def _nan_skipping_arg(fn, largest: bool):
    """``jnp.argmax``/``jnp.argmin`` with TF's comparison: a NaN never wins over another
    value (numpy's rule makes the first NaN the answer); all-NaN gives the first index."""

    def arg(x, axis):
        if jnp.issubdtype(x.dtype, jnp.floating):
            x = jnp.where(jnp.isnan(x), -jnp.inf if largest else jnp.inf, x)
        return fn(x, axis=axis)

    arg.__name__ = fn.__name__
    return arg


_max = _reduction(_with_identity(jnp.max, lowest=True), "max")
_min = _reduction(_with_identity(jnp.min, lowest=False), "min")
_prod = _reduction(_same_int_dtype(jnp.prod), "prod")
_any = _reduction(jnp.any, "any")
_all = _reduction(jnp.all, "all")
_logsumexp = _reduction(jax.scipy.special.logsumexp, "logsumexp")
_std = _reduction(jnp.std, "std")
_var = _reduction(jnp.var, "variance")
_argmax = op(_nan_skipping_arg(jnp.argmax, largest=True), name="argmax")
_argmin = op(_nan_skipping_arg(jnp.argmin, largest=False), name="argmin")
_cumsum = op(_same_int_dtype(jnp.cumsum), name="cumsum")
_cumprod = op(_same_int_dtype(jnp.cumprod), name="cumprod")


def sum(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (all axes when None), as ``tf.reduce_sum``."""
    return _sum(x, _axis(axis), keepdims)


def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis``; for integer ``x`` the result stays integer, as in TF."""
    if hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.integer):
        return cast(_mean(x, _axis(axis), keepdims), x.dtype)
    return _mean(x, _axis(axis), keepdims)


def max(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _max(x, _axis(axis), keepdims)


def min(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _min(x, _axis(axis), keepdims)


def prod(x, axis=None, keepdims: bool = False) -> Tensor:
    return _prod(x, _axis(axis), keepdims)


def any(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _any(x, _axis(axis), keepdims)


def all(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _all(x, _axis(axis), keepdims)


def logsumexp(x, axis=None, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``axis``, computed stably."""
    return _logsumexp(x, _axis(axis), keepdims)


def std(x, axis=None, keepdims: bool = False) -> Tensor:
    return _std(x, _axis(axis), keepdims)


def variance(x, axis=None, keepdims: bool = False) -> Tensor:
    return _var(x, _axis(axis), keepdims)


def argmax(x, axis=None, output_type=_dtypes.int64) -> Tensor:
    """Index of the largest value along ``axis`` (axis 0 when None, as TF)."""
    out = _argmax(x, axis=0 if axis is None else _axis(axis))
    return cast(out, output_type)


def argmin(x, axis=None, output_type=_dtypes.int64) -> Tensor:
    out = _argmin(x, axis=0 if axis is None else _axis(axis))
    return cast(out, output_type)


def cumsum(x, axis=0, exclusive: bool = False, reverse: bool = False) -> Tensor:
    return _scan_like(_cumsum, x, _axis(axis), exclusive, reverse, 0)


def cumprod(x, axis=0, exclusive: bool = False, reverse: bool = False) -> Tensor:
    return _scan_like(_cumprod, x, _axis(axis), exclusive, reverse, 1)


def _scan_like(fn, x, axis, exclusive, reverse, identity):
    if not exclusive and not reverse:
        return fn(x, axis=axis)
    return _exclusive_scan(
        x, fn=fn.__jtape_op__, axis=axis, exclusive=exclusive, reverse=reverse, identity=identity
    )


@op
def _exclusive_scan(x, fn, axis, exclusive, reverse, identity):
    if reverse:
        x = jnp.flip(x, axis)
    out = fn(x, axis=axis)
    if exclusive:
        pad = [(0, 0)] * x.ndim
        pad[axis] = (1, 0)
        out = jnp.pad(out, pad, constant_values=identity)
        out = jax.lax.slice_in_dim(out, 0, x.shape[axis], axis=axis)
    if reverse:
        out = jnp.flip(out, axis)
    return out


def add_n(inputs) -> Tensor:
    """Elementwise sum of a list of tensors of the same shape."""
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors")
    return _add_n(list(inputs))


@op
def _add_n(xs):
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


# -- linear algebra --------------------------------------------------------------
def _matrices(a, b) -> None:
    # TF's MatMul takes matrices only (jnp.matmul would take vectors); checked at trace time
    for i, x in enumerate((a, b)):
        if x.ndim < 2:
            raise ValueError(f"In[{i}] ndims must be >= 2")


@op(name="mat_mul", same_dtype=2)
def _matmul(a, b, transpose_a, transpose_b, adjoint_a, adjoint_b):
    _matrices(a, b)
    if transpose_a or adjoint_a:
        a = jnp.swapaxes(a, -1, -2)
        a = jnp.conj(a) if adjoint_a else a
    if transpose_b or adjoint_b:
        b = jnp.swapaxes(b, -1, -2)
        b = jnp.conj(b) if adjoint_b else b
    return jnp.matmul(a, b)


def matmul(
    a,
    b,
    transpose_a: bool = False,
    transpose_b: bool = False,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
    **_sparse_hints,
) -> Tensor:
    """Matrix product of the last two axes (batched over leading axes), as ``tf.matmul``."""
    if not (transpose_a or transpose_b or adjoint_a or adjoint_b):
        return _matmul_plain(a, b)  # all-tensor call: the op's fast path
    for side, (t, adj) in (("a", (transpose_a, adjoint_a)), ("b", (transpose_b, adjoint_b))):
        if t and adj:
            raise ValueError(
                f"Only one of `transpose_{side}` and `adjoint_{side}` can be True. Received "
                f"`transpose_{side}`={t}, `adjoint_{side}`={adj}."
            )
    return _matmul(a, b, transpose_a, transpose_b, adjoint_a, adjoint_b)


def _matmul_2d(a, b):
    _matrices(a, b)
    return jnp.matmul(a, b)


_matmul_plain = op(_matmul_2d, name="mat_mul", same_dtype=2)


_einsum = op(jnp.einsum, name="einsum")


def einsum(equation: str, *inputs, **kwargs) -> Tensor:
    """Einstein summation, as ``tf.einsum``/``jnp.einsum``."""
    if len(inputs) > 1:
        inputs = DtypeRule("Einsum", len(inputs))(inputs)
    return _einsum(equation, *inputs)


tensordot = op(jnp.tensordot, name="mat_mul", same_dtype=2)


@op
def _norm(x, ord, axis, keepdims):
    if ord in ("euclidean", "fro", 2, 2.0) and (axis is None or isinstance(axis, int)):
        return jnp.sqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=keepdims))
    return jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def norm(tensor, ord="euclidean", axis=None, keepdims: bool = False) -> Tensor:
    """Vector or matrix norm; the default is the Euclidean norm over all elements."""
    return _norm(tensor, ord, _axis(axis), keepdims)


@op
def _ordered(x, strict):
    flat = x.reshape(-1)
    steps = flat[1:] > flat[:-1] if strict else flat[1:] >= flat[:-1]
    return jnp.all(steps)


def _check_numeric(x, name: str):
    from ._array_ops import convert_to_tensor

    x = convert_to_tensor(x)
    if x.dtype.name in ("string", "bool"):
        raise TypeError(f"Expected {name} to be numeric, instead found: {x}")
    return x


def is_non_decreasing(x, name=None) -> Tensor:
    """Whether ``x``'s elements (flattened, row-major) never decrease; True for fewer than
    two elements, False where NaN is compared (``tf.math.is_non_decreasing``).

    Example:
        >>> bool(is_non_decreasing([1, 1, 2]))
        True
    """
    del name
    return _ordered(_check_numeric(x, "x"), False)


def is_strictly_increasing(x, name=None) -> Tensor:
    """Whether ``x``'s elements (flattened, row-major) always increase
    (``tf.math.is_strictly_increasing``).

    Example:
        >>> bool(is_strictly_increasing([1, 2, 2]))
        False
    """
    del name
    return _ordered(_check_numeric(x, "x"), True)
