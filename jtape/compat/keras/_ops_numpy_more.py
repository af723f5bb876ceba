"""More of ``keras.ops``' numpy-style functions: NaN-skipping reductions, quantiles,
complex parts, bitwise ops, windows, and array builders (``append``, ``kron``,
``rot90`` ...).

Each follows Keras 3.15's TensorFlow backend: the same dtype rules (operands promoted
with Keras' ``result_type``; integer inputs of a float computation become float32) and
the same errors, then one jtape op (``jt.op``) so tapes differentiate it.
"""

from __future__ import annotations

import builtins

import jax
import jax.numpy as jnp
import numpy as np

from ..._op import op
from ..._op_errors import FailedPreconditionError, InvalidArgumentError
from ..._tensor import Tensor
from ._ops_array import concatenate, diag, reshape, split
from ._ops_dtypes import float_type, floatx, result_type, standardize_dtype, tensor
from ._ops_math import _axis, _sum_dtype, argmax, argmin, cumprod, cumsum, nan_to_num, prod


def _kind(x) -> str:
    return np.dtype(x.dtype).kind


def _is_floating(x) -> bool:
    return _kind(x) == "f" or np.dtype(x.dtype) == jnp.bfloat16


# -- array builders -------------------------------------------------------------------
def append(x1, x2, axis=None) -> Tensor:
    """``x2`` appended to ``x1`` (both flattened when ``axis`` is None).

    Example:
        >>> import jtape.compat.keras as keras
        >>> keras.ops.append([1, 2], [[3]]).numpy().tolist()
        [1, 2, 3]
    """
    x1, x2 = tensor(x1), tensor(x2)
    dt = result_type(x1.dtype, x2.dtype)
    x1, x2 = tensor(x1, dt), tensor(x2, dt)
    if axis is None:
        return concatenate([reshape(x1, [-1]), reshape(x2, [-1])], axis=0)
    return concatenate([x1, x2], axis=axis)


def array(x, dtype=None) -> Tensor:
    """``x`` as a tensor (``keras.ops.array``)."""
    return tensor(x, None if dtype is None else standardize_dtype(dtype))


def array_split(x, indices_or_sections: int, axis: int = 0) -> list[Tensor]:
    """``indices_or_sections`` nearly equal parts; the first ``size % n`` are one longer."""
    x = tensor(x)
    n = int(indices_or_sections)
    total = x.shape[axis]
    sizes = [total // n + 1] * (total % n) + [total // n] * (n - total % n)
    return split(x, list(np.cumsum(sizes)[:-1]), axis=axis)


_diagonal = op(lambda x, k, a1, a2: jnp.diagonal(x, k, a1, a2), name="diagonal")


def diagonal(x, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Diagonal ``offset`` of the ``(axis1, axis2)`` planes, as the last axis."""
    x = tensor(x)
    offset = int(offset)
    rows, cols = x.shape[axis1], x.shape[axis2]
    if offset <= -rows or offset >= cols:
        raise InvalidArgumentError(
            f"diagonal: offset {offset} is out of bounds for a ({rows}, {cols}) plane "
            "(Keras' TF backend fails in MatrixDiagPartV3)"
        )
    return _diagonal(x, offset, int(axis1), int(axis2))


def diagflat(x, k: int = 0) -> Tensor:
    """The flattened ``x`` on diagonal ``k`` of a square matrix."""
    return diag(reshape(tensor(x), [-1]), k)


_kron = op(jnp.kron, name="kron")


def kron(x1, x2) -> Tensor:
    """Kronecker product (Keras' promoted dtype)."""
    x1, x2 = tensor(x1), tensor(x2)
    dt = result_type(x1.dtype, x2.dtype)
    return _kron(tensor(x1, dt), tensor(x2, dt))


def _rot90_fn(x, k, axes):
    # Keras' TF backend, step by step: the plane moved last, one quarter turn, and for
    # k > 1 a reshape to the final (h, w) before the further turns. For k = 2 or 3 on a
    # non-square plane that reshape reorders the entries, unlike numpy; jtape keeps
    # Keras' result.
    perm = [i for i in range(x.ndim) if i not in axes] + list(axes)
    y = jnp.transpose(x, perm)
    rest, (h, w) = y.shape[:-2], y.shape[-2:]
    y = jnp.swapaxes(jnp.flip(y.reshape(-1, h, w), 2), 1, 2)
    fh, fw = (w, h) if k % 2 else (h, w)
    if k > 1:
        y = y.reshape(-1, fh, fw)
        for _ in range(k - 1):
            y = jnp.swapaxes(jnp.flip(y, 2), 1, 2)
    y = y.reshape(rest + (fh, fw))
    return jnp.transpose(y, np.argsort(perm))


_rot90 = op(_rot90_fn, name="rot90")


def rot90(array, k: int = 1, axes=(0, 1)) -> Tensor:
    """``array`` rotated ``k`` quarter turns in the plane of ``axes``."""
    x = tensor(array)
    if x.ndim < 2:
        raise ValueError(
            f"Input array must have at least 2 dimensions. Received: array.ndim={x.ndim}"
        )
    if len(axes) != 2 or axes[0] == axes[1]:
        raise ValueError(f"Invalid axes: {axes}. Axes must be a tuple of two different dimensions.")
    k = int(k) % 4
    if k == 0:
        return x
    return _rot90(x, k, tuple(int(a) % x.ndim for a in axes))


def _cross_fn(a, b, axisa, axisb, axisc):
    return jnp.cross(a, b, axisa=axisa, axisb=axisb, axisc=axisc)


_cross = op(_cross_fn, name="cross")


def cross(x1, x2, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis=None) -> Tensor:
    """Cross product of 2- or 3-vectors along the given axes."""
    x1, x2 = tensor(x1), tensor(x2)
    dt = result_type(x1.dtype, x2.dtype)
    if axis is not None:
        axisa = axisb = axisc = axis
    for v, ax in ((x1, axisa), (x2, axisb)):
        if v.shape[ax] not in (2, 3):
            raise FailedPreconditionError(
                "Cross-products are only defined for 3-element vectors "
                f"(2-element ones are padded). Received: x1.shape={x1.shape}, "
                f"x2.shape={x2.shape}"
            )
    return _cross(tensor(x1, dt), tensor(x2, dt), int(axisa), int(axisb), int(axisc))


def _vander_fn(x, n, increasing, compute):
    powers = jnp.arange(n) if increasing else jnp.arange(n - 1, -1, -1)
    return jnp.power(x[..., None].astype(compute), powers.astype(compute)).astype(x.dtype)


_vander = op(_vander_fn, name="vander")


def vander(x, N=None, increasing: bool = False) -> Tensor:
    """Columns of powers of the 1-D ``x`` (computed in float, returned in ``x``'s dtype)."""
    x = tensor(x)
    if x.ndim != 1:
        raise ValueError(f"Input tensor must be 1-dimensional. Received: x.ndim={x.ndim}")
    n = x.shape[0] if N is None else int(N)
    compute = result_type(x.dtype, "float32")
    return _vander(x, n, bool(increasing), compute)


def _select_fn(conds, choices, default):
    out = jnp.broadcast_to(default, jnp.broadcast_shapes(*[c.shape for c in choices]))
    for c, v in zip(reversed(conds), reversed(choices)):
        out = jnp.where(c, v, out)
    return out


_select = op(_select_fn, name="select")


def select(condlist, choicelist, default=0) -> Tensor:
    """The first ``choicelist[i]`` whose ``condlist[i]`` holds, else ``default``."""
    if len(condlist) != len(choicelist):
        raise ValueError(
            "condlist must have the same length as choicelist. Received: "
            f"len(condlist)={len(condlist)}, len(choicelist)={len(choicelist)}"
        )
    conds = [tensor(c, "bool") for c in condlist]
    choices = [tensor(c) for c in choicelist]
    dt = result_type(*[c.dtype for c in choices])
    choices = [tensor(c, dt) for c in choices]
    return _select(conds, choices, tensor(default, dt))


def _unravel_fn(indices, shape):
    coords = []
    # Keras' TF backend: 1-D indices peel the dimensions from the last, as numpy; any
    # other rank peels them from the first (coordinates differ from numpy's there).
    for dim in reversed(shape) if indices.ndim == 1 else shape:
        coords.append(jnp.remainder(indices, dim).astype(indices.dtype))
        indices = jnp.floor_divide(indices, dim)
    return tuple(reversed(coords))


_unravel = op(_unravel_fn, name="unravel_index")


def unravel_index(indices, shape) -> tuple[Tensor, ...]:
    """The coordinates of flat ``indices`` in an array of ``shape`` (indices' dtype)."""
    if None in tuple(shape):
        raise ValueError(f"`shape` argument cannot contain `None`. Received: shape={shape}")
    return _unravel(tensor(indices), tuple(int(d) for d in shape))


# -- NaN-skipping reductions ----------------------------------------------------------
_nansum = op(
    lambda x, axis, keepdims, dt: jnp.sum(
        jnp.where(jnp.isnan(x.astype(jnp.float32)) if x.dtype.kind != "c" else jnp.isnan(x),
                  jnp.zeros((), x.dtype), x).astype(dt),
        axis, dt, keepdims=keepdims,
    ),
    name="nansum",
)  # fmt: skip


def nansum(x, axis=None, keepdims: bool = False) -> Tensor:
    """Sum with NaN as 0 (narrow integers and bool accumulate in int32, as ``sum``)."""
    x = tensor(x)
    return _nansum(x, _axis(axis), bool(keepdims), _sum_dtype(x))


def _nanmean_fn(x, axis, keepdims):
    valid = ~jnp.isnan(x)
    total = jnp.sum(jnp.where(valid, x, jnp.zeros((), x.dtype)), axis, keepdims=keepdims)
    return total / jnp.sum(valid.astype(x.dtype), axis, keepdims=keepdims)


_nanmean = op(_nanmean_fn, name="nanmean")
_mean = op(lambda x, axis, keepdims: jnp.mean(x, axis, keepdims=keepdims), name="nanmean")


def nanmean(x, axis=None, keepdims: bool = False) -> Tensor:
    """Mean of the non-NaN entries (NaN where all are NaN); integers give float32."""
    x = tensor(x)
    if axis == () or axis == []:
        return x
    if not _is_floating(x):
        return _mean(tensor(x, "float32"), _axis(axis), bool(keepdims))
    return _nanmean(x, _axis(axis), bool(keepdims))


def _nan_extreme(reduce, fill):
    def fn(x, axis, keepdims):
        nan = jnp.isnan(x)
        clean = jnp.where(nan, jnp.asarray(fill, x.dtype), x)
        out = reduce(clean, axis, keepdims=keepdims)
        return jnp.where(jnp.all(nan, axis, keepdims=keepdims), jnp.asarray(np.nan, x.dtype), out)

    return fn


_nanmax = op(_nan_extreme(jnp.max, -np.inf), name="nanmax")
_nanmin = op(_nan_extreme(jnp.min, np.inf), name="nanmin")
_int_max = op(lambda x, axis, keepdims: jnp.max(x, axis, keepdims=keepdims), name="nanmax")
_int_min = op(lambda x, axis, keepdims: jnp.min(x, axis, keepdims=keepdims), name="nanmin")


def nanmax(x, axis=None, keepdims: bool = False) -> Tensor:
    """Maximum ignoring NaN (NaN where all are NaN); bool is ``any``."""
    x = tensor(x)
    if not _is_floating(x):
        return _int_max(x, _axis(axis), bool(keepdims))  # bool: any, as Keras
    return _nanmax(x, _axis(axis), bool(keepdims))


def nanmin(x, axis=None, keepdims: bool = False) -> Tensor:
    """Minimum ignoring NaN (NaN where all are NaN); bool is ``all``."""
    x = tensor(x)
    if not _is_floating(x):
        return _int_min(x, _axis(axis), bool(keepdims))
    return _nanmin(x, _axis(axis), bool(keepdims))


_nan_as_one = op(lambda x: jnp.where(jnp.isnan(x), jnp.ones((), x.dtype), x), name="nanprod")


def nanprod(x, axis=None, keepdims: bool = False) -> Tensor:
    """Product with NaN as 1 (``prod``'s accumulation dtypes)."""
    x = tensor(x)
    if _is_floating(x):
        x = _nan_as_one(x)
    return prod(x, axis=axis, keepdims=keepdims)


def _nanvar_fn(x, axis, keepdims):
    valid = ~jnp.isnan(x)
    zero = jnp.zeros((), x.dtype)
    mean = jnp.sum(jnp.where(valid, x, zero), axis, keepdims=True) / jnp.sum(
        valid.astype(x.dtype), axis, keepdims=True
    )
    centered = jnp.square(jnp.where(valid, x - mean, zero))
    count = jnp.sum(valid.astype(x.dtype), axis, keepdims=keepdims)
    return jnp.sum(centered, axis, keepdims=keepdims) / count


_nanvar = op(_nanvar_fn, name="nanvar")
_nanstd = op(lambda x, axis, keepdims: jnp.sqrt(_nanvar_fn(x, axis, keepdims)), name="nanstd")


def nanvar(x, axis=None, keepdims: bool = False) -> Tensor:
    """Population variance of the non-NaN entries; integers give float32."""
    return _nanvar(tensor(x, float_type(x)), _axis(axis), bool(keepdims))


def nanstd(x, axis=None, keepdims: bool = False) -> Tensor:
    """Population standard deviation of the non-NaN entries; integers give float32."""
    return _nanstd(tensor(x, float_type(x)), _axis(axis), bool(keepdims))


_nan_as = op(lambda x, fill: jnp.where(jnp.isnan(x), jnp.asarray(fill, x.dtype), x), name="nan_as")
_all_nan_to = op(
    lambda i, x, axis, keepdims: jnp.where(
        jnp.all(jnp.isnan(x), axis, keepdims=keepdims), jnp.int32(-1), i
    ),
    name="nanargmax",
)


def _nanarg(x, axis, keepdims, arg, fill):
    x = tensor(x)
    if not _is_floating(x):
        return arg(x, axis=axis, keepdims=keepdims)
    i = arg(_nan_as(x, fill), axis=axis, keepdims=keepdims)
    return _all_nan_to(i, x, axis, bool(keepdims))


def nanargmax(x, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the maximum ignoring NaN (int32; -1 where all are NaN)."""
    return _nanarg(x, axis, keepdims, argmax, -np.inf)


def nanargmin(x, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the minimum ignoring NaN (int32; -1 where all are NaN)."""
    return _nanarg(x, axis, keepdims, argmin, np.inf)


def nancumsum(x, axis=None, dtype=None) -> Tensor:
    """Running sum with NaN as 0."""
    return cumsum(nan_to_num(x), axis=axis, dtype=dtype)


def nancumprod(x, axis=None, dtype=None) -> Tensor:
    """Running product with NaN as 1."""
    x = tensor(x)
    if _is_floating(x):
        x = _nan_as(x, 1.0)
    return cumprod(x, axis=axis, dtype=dtype)


# -- quantiles ------------------------------------------------------------------------
_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_fn(x, q, axis, method, keepdims):
    # Keras' TF path: the reduced axes moved last and flattened, one ascending sort, the
    # positions (n - 1) * q in float64 (``nearest`` rounds half to even, as tf.round),
    # NaN for any batch member holding a NaN, then q's axes rotated to the front.
    ndim = x.ndim
    if axis is None:
        y = x.reshape(-1)
    else:
        axes = [a % ndim for a in axis]
        other = [i for i in range(ndim) if i not in axes]
        y = jnp.transpose(x, other + axes)
        y = y.reshape([x.shape[i] for i in other] + [-1])
    s = jnp.sort(y, axis=-1)
    n = y.shape[-1]
    pos = (n - 1) * q.astype(jnp.float64)

    def take(index):
        i = jnp.clip(index.astype(jnp.int32), 0, n - 1)
        return jnp.take(s, i, axis=-1)

    if method == "lower":
        out = take(jnp.floor(pos))
    elif method == "higher":
        out = take(jnp.ceil(pos))
    elif method == "nearest":
        out = take(jnp.round(pos))
    elif method == "midpoint":
        out = 0.5 * (take(jnp.floor(pos)) + take(jnp.ceil(pos)))
    else:
        hi = jnp.clip(jnp.ceil(pos).astype(jnp.int32), 0, n - 1)
        lo = jnp.maximum(hi - 1, 0)
        hi = jnp.minimum(lo + 1, n - 1)
        frac = (hi.astype(jnp.float64) - pos).astype(x.dtype)
        out = take(hi) * (1 - frac) + take(lo) * frac
    if jnp.issubdtype(x.dtype, jnp.floating):
        nan = jnp.any(jnp.isnan(x), axis=None if axis is None else tuple(axis))
        nan = nan.reshape(nan.shape + (1,) * q.ndim)
        out = jnp.where(nan, jnp.asarray(np.nan, x.dtype), out)
    if keepdims:
        if axis is None:
            out = out.reshape((1,) * ndim + out.shape)
        else:
            for i in sorted(a % ndim for a in axis):
                out = jnp.expand_dims(out, i)
    if out.ndim >= 2 and q.ndim % out.ndim:
        shift = q.ndim % out.ndim
        out = jnp.transpose(out, [(i - shift) % out.ndim for i in range(out.ndim)])
    return out.astype(x.dtype)


_quantile = op(_quantile_fn, name="quantile")


def quantile(x, q, axis=None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """The ``q``-th quantiles (``q`` in [0, 1]) along ``axis``; integers give float32.

    Example:
        >>> import jtape.compat.keras as keras
        >>> float(keras.ops.quantile([1.0, 2.0, 3.0, 4.0], 0.5))
        2.5
    """
    if method not in _METHODS:
        raise ValueError(f"Invalid value for method argument. Received: method={method}")
    x = tensor(x)
    x = tensor(x, float_type(x))
    q = tensor(q, x.dtype)
    if axis is not None:
        axis = tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else (int(axis),)
    return _quantile(x, q, axis, method, bool(keepdims))


def percentile(x, q, axis=None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """The ``q``-th percentiles (``q`` in [0, 100]); ``quantile(x, q / 100)``."""
    x = tensor(x)
    return quantile(x, tensor(q, float_type(x)) / 100.0, axis, method, keepdims)


def median(x, axis=None, keepdims: bool = False) -> Tensor:
    """``quantile(x, 0.5)``."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


# -- complex parts --------------------------------------------------------------------
_real = op(jnp.real, name="real")
_imag = op(jnp.imag, name="imag")
_conj = op(jnp.conj, name="conj")
_angle = op(jnp.angle, name="angle")


def real(x) -> Tensor:
    """The real part (``x`` itself for real inputs)."""
    return _real(tensor(x))


def imag(x) -> Tensor:
    """The imaginary part (zeros of ``x``'s dtype for real inputs)."""
    return _imag(tensor(x))


def conj(x) -> Tensor:
    """The complex conjugate."""
    return _conj(tensor(x))


conjugate = conj


def angle(x) -> Tensor:
    """The complex argument; real and integer inputs give float32 (float64 stays)."""
    x = tensor(x)
    dt = floatx() if np.dtype(x.dtype) == np.int64 else float_type(x)
    return _angle(tensor(x, dt))


_isreal = op(lambda x: jnp.imag(x) == 0, name="isreal")


def isreal(x) -> Tensor:
    """True where the imaginary part is 0 (everywhere for real inputs)."""
    return _isreal(tensor(x))


# -- elementwise ----------------------------------------------------------------------
def _fmod_fn(a, b, dt):
    return (jnp.sign(a) * jnp.mod(jnp.abs(a), jnp.abs(b))).astype(dt)


_fmod = op(_fmod_fn, name="fmod")


def fmod(x1, x2) -> Tensor:
    """C's remainder: the sign of ``x1`` (bool gives int32)."""
    x1, x2 = tensor(x1), tensor(x2)
    dt = result_type(x1.dtype, x2.dtype)
    if dt == np.bool_:
        dt = np.dtype("int32")
    compute = np.dtype("int32") if dt.name in ("uint8", "uint16", "uint32") else dt
    return _fmod(tensor(x1, compute), tensor(x2, compute), dt)


def _f_extreme(pick):
    def fn(a, b):
        out = pick(a, b)
        if not jnp.issubdtype(out.dtype, jnp.floating):
            return out
        out = jnp.where(jnp.isnan(a) & ~jnp.isnan(b), b, out)
        return jnp.where(jnp.isnan(b) & ~jnp.isnan(a), a, out)

    return fn


_fmax = op(_f_extreme(jnp.maximum), name="fmax")
_fmin = op(_f_extreme(jnp.minimum), name="fmin")


def _two(x1, x2):
    dt = result_type(x1, x2)
    if dt == np.bool_:  # TF's Maximum/Minimum have no bool kernel
        raise InvalidArgumentError(
            "Value for attr 'T' of bool is not in the list of allowed values: bfloat16, half, "
            "float, double, int8, uint8, int16, uint16, int32, uint32, int64, uint64"
        )
    return tensor(x1, dt), tensor(x2, dt)


def fmax(x1, x2) -> Tensor:
    """Elementwise maximum that ignores a NaN operand."""
    return _fmax(*_two(x1, x2))


def fmin(x1, x2) -> Tensor:
    """Elementwise minimum that ignores a NaN operand."""
    return _fmin(*_two(x1, x2))


_ldexp = op(
    lambda a, e: jnp.where(jnp.isinf(a) | (a == 0), a, a * jnp.power(jnp.asarray(2, a.dtype), e)),
    name="ldexp",
)


def ldexp(x1, x2) -> Tensor:
    """``x1 * 2 ** x2`` for an integer ``x2``."""
    x1, x2 = tensor(x1), tensor(x2)
    if _kind(x2) not in "iu":
        raise TypeError(
            "ldexp exponent must be an integer type. "
            f"Received: x2 dtype={standardize_dtype(x2.dtype)}"
        )
    dt = result_type(x1.dtype, x2.dtype, float)
    return _ldexp(tensor(x1, dt), tensor(x2, dt))


_i0 = op(jax.scipy.special.i0, name="i0")


def i0(x) -> Tensor:
    """The modified Bessel function of order 0 (int64/float64 give float64)."""
    x = tensor(x)
    name = np.dtype(x.dtype).name
    dt = (
        "float64"
        if name in ("int64", "float64")
        else name
        if name in ("bfloat16", "float16")
        else floatx()
    )
    return _i0(tensor(x, dt))


# -- bitwise --------------------------------------------------------------------------
_INT_KERNEL = "int8, int16, int32, int64, uint8, uint16, uint32, uint64"


def _integers(x):
    if _kind(x) not in "iu":
        name = {"float32": "float", "float64": "double", "float16": "half"}.get(
            np.dtype(x.dtype).name, np.dtype(x.dtype).name
        )
        raise InvalidArgumentError(
            f"Value for attr 'T' of {name} is not in the list of allowed values: {_INT_KERNEL}"
        )
    return x


def _bitwise(fn, name, python_int_is_weak=False):
    jt_op = op(fn, name=name)

    def keras_op(x, y) -> Tensor:
        x = tensor(x)
        if python_int_is_weak and isinstance(y, int) and not isinstance(y, bool):
            # Keras' shifts pass a Python int straight to TF, which gives it x's dtype
            return jt_op(_integers(x), tensor(y, x.dtype))
        y = tensor(y)
        dt = result_type(x.dtype, y.dtype)
        return jt_op(_integers(tensor(x, dt)), tensor(y, dt))

    keras_op.__name__ = keras_op.__qualname__ = name
    keras_op.__doc__ = f"``keras.ops.{name}`` on integers (Keras' promoted dtype)."
    return keras_op


bitwise_and = _bitwise(jnp.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(jnp.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(jnp.bitwise_xor, "bitwise_xor")
bitwise_left_shift = _bitwise(jnp.left_shift, "bitwise_left_shift", True)
bitwise_right_shift = _bitwise(jnp.right_shift, "bitwise_right_shift", True)
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift
_invert = op(jnp.invert, name="bitwise_invert")


def bitwise_invert(x) -> Tensor:
    """Bitwise NOT of an integer ``x``."""
    return _invert(_integers(tensor(x)))


bitwise_not = bitwise_invert


# -- windows and integration ----------------------------------------------------------
def _window(fn, name):
    def keras_op(x) -> Tensor:
        n = int(tensor(x, "int32").numpy())
        return Tensor(jnp.asarray(fn(n), jnp.float32))

    keras_op.__name__ = keras_op.__qualname__ = name
    keras_op.__doc__ = f"numpy's ``{name}`` window of ``x`` points (float32)."
    return keras_op


bartlett = _window(np.bartlett, "bartlett")
blackman = _window(np.blackman, "blackman")
hamming = _window(np.hamming, "hamming")
hanning = _window(np.hanning, "hanning")


def kaiser(x, beta) -> Tensor:
    """numpy's Kaiser window of ``x`` points with shape ``beta`` (float32)."""
    n = int(tensor(x, "int32").numpy())
    return Tensor(jnp.asarray(np.kaiser(n, float(beta)), jnp.float32))


def _trapezoid_fn(y, x, dx, axis):
    return jnp.trapezoid(y, x, dx=dx, axis=axis)


_trapezoid = op(_trapezoid_fn, name="trapezoid")


def trapezoid(y, x=None, dx: float = 1.0, axis: int = -1) -> Tensor:
    """The trapezoidal-rule integral of ``y`` along ``axis`` (integers give float32)."""
    y = tensor(y)
    dt = float_type(y)
    return _trapezoid(
        tensor(y, dt), None if x is None else tensor(x, dt), builtins.float(dx), int(axis)
    )


def _corrcoef_fn(x):
    mean = jnp.mean(x, axis=-1, keepdims=True)
    c = x - mean
    n = jnp.asarray(x.shape[-1], x.dtype)
    cov = jnp.matmul(c, jnp.conj(c).T) / (n - 1)
    std = jnp.sqrt(jnp.real(jnp.diagonal(cov)))
    corr = cov / jnp.outer(std, std).astype(cov.dtype)
    return jnp.clip(jnp.real(corr), -1.0, 1.0).astype(x.dtype)


_corrcoef = op(_corrcoef_fn, name="corrcoef")


def corrcoef(x) -> Tensor:
    """Pearson correlation coefficients of the rows of ``x`` (integers give float32)."""
    x = tensor(x)
    dt = floatx() if np.dtype(x.dtype).name in (
        "bool", "int8", "int16", "int32", "uint8", "uint16", "uint32"
    ) else x.dtype  # fmt: skip
    x = tensor(x, dt)
    if x.ndim == 0:
        return tensor(np.nan, floatx())
    return _corrcoef(x)


_isin = op(
    lambda a, b, invert: jnp.isin(a, b, invert=invert),
    name="isin",
)


def isin(x1, x2, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """True where an element of ``x1`` occurs in ``x2`` (shape of ``x1``)."""
    x1, x2 = tensor(x1), tensor(x2)
    dt = result_type(x1.dtype, x2.dtype)
    return _isin(tensor(x1, dt), tensor(x2, dt), bool(invert))


# -- NaN-skipping quantiles -----------------------------------------------------------
def _nanquantile_fn(x, q, axis, method, keepdims):
    # Keras' TF path: each batch row's non-NaN values, quantile of those (NaN for an
    # all-NaN row); the reduced axes flattened last, q's axis first in the result.
    ndim = x.ndim
    if axis is None:
        y, other_shape = x.reshape(1, -1), ()
    else:
        other = [i for i in range(ndim) if i not in axis]
        other_shape = tuple(x.shape[i] for i in other)
        y = jnp.transpose(x, other + list(axis)).reshape(int(np.prod(other_shape)), -1)
    s = jnp.sort(y, axis=-1)  # NaN sorts last
    nv = jnp.sum(~jnp.isnan(y), axis=-1)[:, None]
    pos = (nv - 1).astype(jnp.float64) * q.reshape(1, -1).astype(jnp.float64)

    def take(index):
        i = jnp.clip(index.astype(jnp.int32), 0, jnp.maximum(nv - 1, 0))
        return jnp.take_along_axis(s, i, axis=-1)

    if method == "lower":
        out = take(jnp.floor(pos))
    elif method == "higher":
        out = take(jnp.ceil(pos))
    elif method == "nearest":
        out = take(jnp.round(pos))
    elif method == "midpoint":
        out = 0.5 * (take(jnp.floor(pos)) + take(jnp.ceil(pos)))
    else:
        hi = jnp.clip(jnp.ceil(pos).astype(jnp.int32), 0, jnp.maximum(nv - 1, 0))
        lo = jnp.maximum(hi - 1, 0)
        hi = jnp.minimum(lo + 1, jnp.maximum(nv - 1, 0))
        frac = (hi.astype(jnp.float64) - pos).astype(x.dtype)
        out = take(hi) * (1 - frac) + take(lo) * frac
    out = jnp.where(nv == 0, jnp.asarray(np.nan, x.dtype), out).astype(x.dtype)
    if q.ndim > 0:
        out = out.T.reshape(q.shape + other_shape)
    else:
        out = out.reshape(other_shape)
    if keepdims:
        if axis is None:
            out = out.reshape(out.shape + (1,) * ndim)
        else:
            for a in sorted(axis):
                out = jnp.expand_dims(out, a + q.ndim)
    return out


_nanquantile = op(_nanquantile_fn, name="nanquantile")


def nanquantile(x, q, axis=None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """``quantile`` of the non-NaN entries (NaN where a row has none); float inputs."""
    if method not in _METHODS:
        raise ValueError(f"Invalid value for method argument. Received: method={method}")
    x = tensor(x)
    if not _is_floating(x):
        if axis is not None:
            # Keras' TF map_fn expects x's dtype per row and gets the float quantile
            raise InvalidArgumentError(
                f"TensorArray dtype is {np.dtype(x.dtype).name} but Op is trying to write "
                "dtype float32 (keras.ops.nanquantile along an axis needs a float input)"
            )
        x = tensor(x, float_type(x))  # over all entries Keras computes in float32
    q = tensor(q, floatx())
    if axis is not None:
        axis = [axis] if isinstance(axis, int) else list(axis)
        axis = tuple(int(a) % x.ndim for a in axis)
    return _nanquantile(x, q, axis, method, bool(keepdims))


def nanpercentile(x, q, axis=None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """``nanquantile(x, q / 100)``."""
    return nanquantile(x, tensor(q, floatx()) / 100.0, axis, method, keepdims)


def nanmedian(x, axis=None, keepdims: bool = False) -> Tensor:
    """The median of the non-NaN entries."""
    if axis == () or axis == []:
        return tensor(x)
    return nanquantile(x, 0.5, axis=axis, keepdims=keepdims)


# -- special functions, integer arithmetic, spaces -------------------------------------
_erfinv = op(jax.scipy.special.erfinv, name="erfinv")


def erfinv(x) -> Tensor:
    """The inverse error function (float16/bfloat16 computed in float32)."""
    x = tensor(x)
    name = np.dtype(x.dtype).name
    if name in ("float16", "bfloat16"):
        return tensor(_erfinv(tensor(x, "float32")), name)
    if not _is_floating(x):
        raise InvalidArgumentError(
            f"Value for attr 'T' of {name} is not in the list of allowed values: "
            "bfloat16, half, float, double"
        )
    return _erfinv(x)


_nextafter = op(lambda a, b, dt: jnp.nextafter(a, b).astype(dt), name="nextafter")


def nextafter(x1, x2) -> Tensor:
    """The next float64 after ``x1`` toward ``x2``, cast to Keras' float result dtype
    (so float32 results round back to ``x1`` itself, as on TensorFlow)."""
    x1, x2 = tensor(x1), tensor(x2)
    dt = result_type(x1.dtype, x2.dtype, float)
    return _nextafter(tensor(x1, "float64"), tensor(x2, "float64"), dt)


def _gcd_fn(a, b):
    if not jnp.issubdtype(a.dtype, jnp.unsignedinteger):
        a, b = jnp.abs(a), jnp.abs(b)
    return jnp.gcd(a, b)


def _lcm_fn(a, b):
    if not jnp.issubdtype(a.dtype, jnp.unsignedinteger):
        a, b = jnp.abs(a), jnp.abs(b)
    d = jnp.gcd(a, b)
    safe = jnp.where(d == 0, jnp.ones((), d.dtype), d)
    return jnp.where(d == 0, jnp.zeros((), d.dtype), a * (b // safe))


_gcd = op(_gcd_fn, name="gcd")
_lcm = op(_lcm_fn, name="lcm")


def gcd(x1, x2) -> Tensor:
    """Greatest common divisor of integers (``|x1|``, ``|x2|`` for signed ones)."""
    x1, x2 = tensor(x1), tensor(x2)
    dt = result_type(x1.dtype, x2.dtype)
    if np.dtype(dt).kind not in "iu":
        raise TypeError("Arguments to gcd must be integers.")
    return _gcd(tensor(x1, dt), tensor(x2, dt))


def lcm(x1, x2) -> Tensor:
    """Least common multiple of integers (0 where both are 0)."""
    x1, x2 = tensor(x1), tensor(x2)
    if _kind(x1) not in "iu" or _kind(x2) not in "iu":
        raise TypeError(
            "Arguments to lcm must be integers. Received: "
            f"x1.dtype={np.dtype(x1.dtype).name}, x2.dtype={np.dtype(x2.dtype).name}"
        )
    dt = result_type(x1.dtype, x2.dtype)
    return _lcm(tensor(x1, dt), tensor(x2, dt))


_power_of = op(lambda base, e: jnp.power(base.astype(e.dtype), e), name="logspace")


def logspace(start, stop, num: int = 50, endpoint: bool = True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``."""
    from ._ops_array import linspace

    result = linspace(start, stop, num=num, endpoint=endpoint, dtype=dtype, axis=axis)
    return _power_of(tensor(base), result)
