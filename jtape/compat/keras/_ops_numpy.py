"""``keras.ops``' numpy-style functions: math, reductions, creation and shape ops.

Each function casts its operands to the dtype Keras 3 gives (``_ops_dtypes``), then
calls one jtape op (``jt.op``), so tapes differentiate it like any other op.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..._op import op
from ..._op_errors import InvalidArgumentError
from ..._tensor import Tensor, to_value
from ._ops_dtypes import float_type, floatx, promoted, result_type, standardize_dtype, tensor


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _shape_tuple(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return (
        tuple(int(d) for d in np.asarray(shape).reshape(-1).tolist())
        if isinstance(shape, Tensor)
        else tuple(int(d) for d in shape)
    )


# -- elementwise ---------------------------------------------------------------------
def _check_kernel(name: str, dt, kinds: str | None) -> None:
    """Keras' TensorFlow backend calls TF kernels that lack some dtypes (no bool ``add``,
    no integer ``erf``); refuse those as TF does rather than compute a value."""
    if kinds is not None and np.dtype(dt).kind not in kinds:
        raise InvalidArgumentError(
            f"keras.ops.{name}: Value for attr 'T' of {np.dtype(dt).name} is not in the list "
            "of allowed values (Keras' TensorFlow backend has no such kernel)"
        )


def _binary(fn, name: str, floating: bool = False, kinds: str | None = None, strong: bool = False):
    """``strong``: Python numbers become int32/float32 tensors before promotion (Keras'
    ``mod``, ``dot``, comparisons), instead of taking the other operand's dtype."""
    jt_op = op(fn, name=name)

    def keras_op(x1, x2) -> Tensor:
        if strong:
            x1, x2 = tensor(x1), tensor(x2)
        dt = float_type(x1, x2) if floating else result_type(x1, x2)
        _check_kernel(name, dt, kinds)
        return jt_op(*promoted(x1, x2, dtype=dt))

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
floor_divide = _binary(jnp.floor_divide, "floor_divide")
mod = _binary(jnp.mod, "mod", strong=True)
power = _binary(jnp.power, "power")
maximum = _binary(jnp.maximum, "maximum")
minimum = _binary(jnp.minimum, "minimum")
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
sign = _unary(jnp.sign, "sign", kinds="iufcV")
logical_not = _unary(jnp.logical_not, "logical_not")
isnan = _unary(jnp.isnan, "isnan")
isinf = _unary(jnp.isinf, "isinf")
isfinite = _unary(jnp.isfinite, "isfinite")
sqrt = _unary(jnp.sqrt, "sqrt", floating=True)
rsqrt = _unary(jax.lax.rsqrt, "rsqrt", floating=True)
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
reciprocal = _unary(jnp.reciprocal, "reciprocal", floating=True)

_round = op(lambda x, decimals: jnp.round(x, decimals), name="round")


def round(x, decimals: int = 0) -> Tensor:  # noqa: A001 - Keras' name
    """Round half to even (``keras.ops.round``); integers keep their dtype."""
    x = tensor(x)
    _check_kernel("round", x.dtype, "iufcV")
    return _round(x, int(decimals))


_clip = op(jnp.clip, name="clip")


def clip(x, x_min, x_max) -> Tensor:
    """``x`` limited to ``[x_min, x_max]``; keeps ``x``'s dtype (bool becomes int32)."""
    x = tensor(x)
    dt = np.dtype("int32") if x.dtype == np.bool_ else np.dtype(x.dtype)
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


_argmax = op(lambda x, axis, keepdims: jnp.argmax(x, axis, keepdims=keepdims).astype(jnp.int32))
_argmin = op(lambda x, axis, keepdims: jnp.argmin(x, axis, keepdims=keepdims).astype(jnp.int32))


def argmax(x, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the maximum as int32 (over the flattened input when ``axis`` is None)."""
    return _argmax(tensor(x), axis, bool(keepdims))


def argmin(x, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the minimum as int32."""
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


# -- creation ------------------------------------------------------------------------
def _dtype_or(dtype, default) -> np.dtype:
    return np.dtype(standardize_dtype(dtype)) if dtype is not None else np.dtype(default)


def zeros(shape, dtype=None) -> Tensor:
    """Zeros, float32 unless ``dtype`` is given."""
    return Tensor(jnp.zeros(_shape_tuple(shape), _dtype_or(dtype, floatx())))


def ones(shape, dtype=None) -> Tensor:
    """Ones, float32 unless ``dtype`` is given."""
    return Tensor(jnp.ones(_shape_tuple(shape), _dtype_or(dtype, floatx())))


def full(shape, fill_value, dtype=None) -> Tensor:
    """``fill_value`` everywhere; float32 unless ``dtype`` is given (Keras' default)."""
    dt = _dtype_or(dtype, floatx())
    return _full(tensor(fill_value, dt), _shape_tuple(shape))


_full = op(lambda v, shape: jnp.broadcast_to(v, shape), name="full")
_like = op(lambda x, value, dtype: jnp.full_like(x, value, dtype=dtype), name="full_like")


def zeros_like(x, dtype=None) -> Tensor:
    x = tensor(x)
    return Tensor(jnp.zeros(x.shape, _dtype_or(dtype, x.dtype)))


def ones_like(x, dtype=None) -> Tensor:
    x = tensor(x)
    return Tensor(jnp.ones(x.shape, _dtype_or(dtype, x.dtype)))


def full_like(x, fill_value, dtype=None) -> Tensor:
    """``fill_value`` in ``x``'s shape and (unless ``dtype`` is given) dtype."""
    x = tensor(x)
    dt = _dtype_or(dtype, x.dtype)
    return _full(tensor(fill_value, dt), tuple(x.shape))


def eye(N: int, M: int | None = None, k: int = 0, dtype=None) -> Tensor:  # noqa: N803
    """The identity matrix (float32 unless ``dtype`` is given)."""
    return Tensor(
        jnp.eye(int(N), None if M is None else int(M), int(k), _dtype_or(dtype, floatx()))
    )


def identity(n: int, dtype=None) -> Tensor:
    return eye(n, dtype=dtype)


def _static_number(v, what: str):
    """A Python number from ``v`` (a number or a concrete scalar tensor)."""
    if isinstance(v, (bool, int, float, np.number)):
        return v.item() if isinstance(v, np.number) else v
    value = v._value if isinstance(v, Tensor) else getattr(v, "_jt_read", lambda: None)()
    value = value._value if isinstance(value, Tensor) else value if value is not None else v
    if isinstance(value, jax.core.Tracer):
        raise ValueError(
            f"keras.ops.{what}: its bounds must be known when the program is built (a "
            "Python number or an eager tensor); got a traced tensor. XLA needs static shapes."
        )
    return np.asarray(value).item()


def arange(start, stop=None, step=None, dtype=None) -> Tensor:
    """``[start, stop)`` by ``step``: int32 for integer arguments, float32 for floats."""
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    dt = (
        np.dtype(standardize_dtype(dtype))
        if dtype is not None
        else result_type(*[v for v in (start, stop, step)])
    )
    vals = [_static_number(v, "arange") for v in (start, stop, step)]
    return Tensor(jnp.arange(*vals, dtype=dt))


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values (float32 unless ``dtype`` is given)."""
    dt = _dtype_or(dtype, float_type(start, stop))
    out = jnp.linspace(
        to_value(start), to_value(stop), int(num), endpoint=endpoint, retstep=retstep, axis=axis
    )
    if retstep:
        return Tensor(out[0].astype(dt)), Tensor(jnp.asarray(out[1], dt))
    return Tensor(out.astype(dt))


def tri(N, M=None, k=0, dtype=None) -> Tensor:  # noqa: N803
    return Tensor(
        jnp.tri(int(N), None if M is None else int(M), int(k), _dtype_or(dtype, floatx()))
    )


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None) -> Tensor:
    """``x`` as a Tensor (Python ints int32, floats float32, numpy keeps its dtype)."""
    if sparse or ragged:
        raise ValueError("convert_to_tensor: jtape has no sparse or ragged tensors")
    return tensor(x, None if dtype is None else standardize_dtype(dtype))


def convert_to_numpy(x) -> np.ndarray:
    return np.asarray(to_value(x))


def cast(x, dtype) -> Tensor:
    """``x`` converted to ``dtype`` (a recorded op: float-to-float casts differentiate)."""
    return tensor(x, standardize_dtype(dtype))


_copy = op(lambda x: jnp.array(x, copy=True), name="copy")


def copy(x) -> Tensor:
    return _copy(tensor(x))


# -- shape ---------------------------------------------------------------------------
def shape(x) -> tuple[int, ...]:
    """The static shape as a tuple of ints (jtape shapes are always known)."""
    return tuple(tensor(x).shape) if not hasattr(x, "shape") else tuple(x.shape)


def ndim(x) -> int:
    return len(shape(x))


def size(x) -> int:
    return int(np.prod(shape(x), dtype=np.int64))


_reshape = op(lambda x, s: jnp.reshape(x, s), name="reshape")
_transpose = op(lambda x, axes: jnp.transpose(x, axes), name="transpose")
_expand = op(lambda x, axis: jnp.expand_dims(x, axis), name="expand_dims")
_squeeze = op(lambda x, axis: jnp.squeeze(x, axis), name="squeeze")
_tile = op(lambda x, reps: jnp.tile(x, reps), name="tile")
_repeat = op(lambda x, r, axis: jnp.repeat(x, r, axis=axis), name="repeat")
_flip = op(lambda x, axis: jnp.flip(x, axis), name="flip")
_roll = op(lambda x, shift, axis: jnp.roll(x, shift, axis), name="roll")
_broadcast = op(lambda x, s: jnp.broadcast_to(x, s), name="broadcast_to")
_swap = op(lambda x, a, b: jnp.swapaxes(x, a, b), name="swapaxes")
_move = op(lambda x, a, b: jnp.moveaxis(x, a, b), name="moveaxis")
_tril = op(lambda x, k: jnp.tril(x, k), name="tril")
_triu = op(lambda x, k: jnp.triu(x, k), name="triu")
_diag = op(lambda x, k: jnp.diag(x, k), name="diag")
_trace = op(lambda x, o, a, b: jnp.trace(x, o, a, b, dtype=x.dtype), name="trace")


def _ints(v):
    if isinstance(v, (list, tuple)):
        return tuple(int(e) for e in v)
    return int(v)


def reshape(x, newshape) -> Tensor:
    return _reshape(
        tensor(x), _ints(newshape) if not isinstance(newshape, Tensor) else _shape_tuple(newshape)
    )


def transpose(x, axes=None) -> Tensor:
    return _transpose(tensor(x), None if axes is None else _ints(axes))


def expand_dims(x, axis) -> Tensor:
    return _expand(tensor(x), _ints(axis))


def squeeze(x, axis=None) -> Tensor:
    return _squeeze(tensor(x), None if axis is None else _ints(axis))


def tile(x, repeats) -> Tensor:
    return _tile(tensor(x), _ints(repeats))


def repeat(x, repeats, axis=None) -> Tensor:
    """Each element repeated (over the flattened input when ``axis`` is None)."""
    return _repeat(tensor(x), _ints(repeats), axis)


def flip(x, axis=None) -> Tensor:
    return _flip(tensor(x), None if axis is None else _ints(axis))


def roll(x, shift, axis=None) -> Tensor:
    return _roll(tensor(x), _ints(shift), None if axis is None else _ints(axis))


def broadcast_to(x, shape) -> Tensor:
    return _broadcast(tensor(x), _shape_tuple(shape))


def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    return _swap(tensor(x), int(axis1), int(axis2))


def moveaxis(x, source, destination) -> Tensor:
    return _move(tensor(x), _ints(source), _ints(destination))


def ravel(x) -> Tensor:
    return reshape(x, (-1,))


def tril(x, k: int = 0) -> Tensor:
    return _tril(tensor(x), int(k))


def triu(x, k: int = 0) -> Tensor:
    return _triu(tensor(x), int(k))


def diag(x, k: int = 0) -> Tensor:
    return _diag(tensor(x), int(k))


def trace(x, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    x = tensor(x)
    return _trace(tensor(x, _sum_dtype(x)), int(offset), int(axis1), int(axis2))


_concat = op(lambda xs, axis: jnp.concatenate(xs, axis=axis), name="concatenate")
_stack = op(lambda xs, axis: jnp.stack(xs, axis=axis), name="stack")


def concatenate(xs, axis: int | None = 0) -> Tensor:
    """Join along ``axis``, promoting the inputs' dtypes as Keras does."""
    return _concat(promoted(*xs), axis)


def stack(x, axis: int = 0) -> Tensor:
    return _stack(promoted(*x), int(axis))


_unstack = op(lambda x, axis: tuple(jnp.moveaxis(x, axis, 0)), name="unstack")


def unstack(x, num=None, axis: int = 0) -> list[Tensor]:
    return list(_unstack(tensor(x), int(axis)))


_split = op(lambda x, idx, axis: tuple(jnp.split(x, idx, axis=axis)), name="split")


def split(x, indices_or_sections, axis: int = 0) -> list[Tensor]:
    """numpy's ``split``: a number of equal sections, or the indices to split at."""
    x = tensor(x)
    if isinstance(indices_or_sections, (int, np.integer)):
        n = x.shape[axis]
        if n % int(indices_or_sections):
            raise ValueError(
                f"split: axis {axis} of size {n} cannot be split into "
                f"{indices_or_sections} equal sections"
            )
    return list(_split(x, _ints(indices_or_sections), int(axis)))


def _fix_negative(indices, n: int):
    return jnp.where(indices < 0, indices + n, indices)


_take = op(
    lambda x, i, axis: jnp.take(
        x, _fix_negative(i, x.size if axis is None else x.shape[axis]), axis=axis
    ),
    name="take",
)
_take_along = op(
    lambda x, i, axis: jnp.take_along_axis(
        x, _fix_negative(i, x.size if axis is None else x.shape[axis]), axis=axis
    ),
    name="take_along_axis",
)


def _index_tensor(indices) -> Tensor:
    t = tensor(indices)
    if not np.issubdtype(np.dtype(t.dtype), np.integer):
        t = tensor(t, "int32")
    return t


def take(x, indices, axis=None) -> Tensor:
    """Elements of ``x`` at ``indices`` along ``axis`` (the flattened ``x`` when None);
    negative indices count from the end."""
    x = tensor(x)
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    return _take(x, _index_tensor(indices), int(axis))


def take_along_axis(x, indices, axis=None) -> Tensor:
    x = tensor(x)
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    return _take_along(x, _index_tensor(indices), int(axis))


_pad = op(lambda x, w, mode, v: jnp.pad(x, w, mode=mode, constant_values=v), name="pad")
_pad_other = op(lambda x, w, mode: jnp.pad(x, w, mode=mode), name="pad")


def pad(x, pad_width, mode: str = "constant", constant_values=None) -> Tensor:
    """numpy's ``pad`` (modes ``constant``, ``reflect``, ``symmetric``)."""
    x = tensor(x)
    width = tuple(tuple(int(v) for v in w) for w in np.asarray(pad_width).reshape(-1, 2).tolist())
    if len(width) == 1 and x.ndim > 1:
        width = width * x.ndim
    if mode == "constant":
        value = 0 if constant_values is None else constant_values
        return _pad(x, width, mode, tensor(value, x.dtype))
    if constant_values is not None:
        raise ValueError(
            "Argument `constant_values` can only be provided when `mode == 'constant'`. "
            f"Received: mode={mode}"
        )
    if mode not in ("reflect", "symmetric"):
        raise ValueError(f"pad: unsupported mode {mode!r}")
    return _pad_other(x, width, mode)


_dyn_slice = op(lambda x, start, shape: jax.lax.dynamic_slice(x, start, shape), name="slice")


def slice(inputs, start_indices, shape) -> Tensor:  # noqa: A001 - Keras' name
    """The block of ``shape`` starting at ``start_indices`` (which may be tensors)."""
    start = [
        tensor(s, "int32")
        for s in (start_indices if not isinstance(start_indices, Tensor) else list(start_indices))
    ]
    return _dyn_slice(tensor(inputs), start, _shape_tuple(shape))


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


_meshgrid = op(lambda xs, indexing: tuple(jnp.meshgrid(*xs, indexing=indexing)), name="meshgrid")


def meshgrid(*x, indexing: str = "xy") -> list[Tensor]:
    return list(_meshgrid([tensor(v) for v in x], indexing))


_sort = op(lambda x, axis: jnp.sort(x, axis=axis), name="sort")
_argsort = op(lambda x, axis: jnp.argsort(x, axis=axis).astype(jnp.int32), name="argsort")


def sort(x, axis: int = -1) -> Tensor:
    return _sort(tensor(x), axis)


def argsort(x, axis: int = -1) -> Tensor:
    """Indices that sort ``x`` (int32; over the flattened input when ``axis`` is None)."""
    return _argsort(tensor(x), axis)


_average = op(lambda x, w, axis: jnp.average(x, axis=axis, weights=w), name="average")


def average(x, axis=None, weights=None) -> Tensor:
    """(Weighted) mean; integer inputs give float32."""
    if weights is None:
        return mean(x, axis=axis)
    dt = float_type(x, weights)
    return _average(tensor(x, dt), tensor(weights, dt), _axis(axis))


_isclose = op(lambda a, b, rtol, atol, nan: jnp.isclose(a, b, rtol, atol, nan), name="isclose")


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    return _isclose(*promoted(x1, x2), rtol, atol, bool(equal_nan))


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    return all(isclose(x1, x2, rtol, atol, equal_nan))


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def dtype(x) -> str:
    """The dtype's name (a string, as Keras' ``ops.dtype``)."""
    return standardize_dtype(tensor(x).dtype)


logaddexp = _binary(jnp.logaddexp, "logaddexp", floating=True)
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


_scatter = op(
    lambda idx, values, shape: (
        jnp.zeros(shape, values.dtype).at[tuple(jnp.moveaxis(idx, -1, 0))].add(values)
    ),
    name="scatter",
)
_scatter_update = op(
    lambda x, idx, updates: x.at[tuple(jnp.moveaxis(idx, -1, 0))].set(updates),
    name="scatter_update",
)
_slice_update = op(
    lambda x, start, updates: jax.lax.dynamic_update_slice(x, updates, start),
    name="slice_update",
)


def scatter(indices, values, shape) -> Tensor:
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (``(..., rank)``)."""
    return _scatter(_index_tensor(indices), tensor(values), _shape_tuple(shape))


def scatter_update(inputs, indices, updates) -> Tensor:
    """``inputs`` with the entries at ``indices`` replaced by ``updates``."""
    x = tensor(inputs)
    return _scatter_update(x, _index_tensor(indices), tensor(updates, x.dtype))


def slice_update(inputs, start_indices, updates) -> Tensor:
    """``inputs`` with the block of ``updates``' shape at ``start_indices`` replaced."""
    x = tensor(inputs)
    start = [tensor(s, "int32") for s in start_indices]
    return _slice_update(x, start, tensor(updates, x.dtype))
