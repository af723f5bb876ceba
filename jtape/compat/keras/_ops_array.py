"""``keras.ops``' numpy-style array functions: creation, shapes, indexing, sorting.

Each function calls one jtape op (``jt.op``) on Tensors of the dtype Keras 3 gives
(``_ops_dtypes``), so tapes differentiate it like any other op.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..._array_ops import _check_range, out_of_range_if_negative
from ..._indexing_ops import scatter_nd as _scatter_nd
from ..._indexing_ops import tensor_scatter_nd as _tensor_scatter_nd
from ..._op import op
from ..._op_errors import InvalidArgumentError
from ..._tensor import Tensor, to_value
from ._ops_dtypes import float_type, floatx, promoted, result_type, standardize_dtype, tensor
from ._ops_math import _ints, _sum_dtype


def _shape_tuple(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return (
        tuple(int(d) for d in np.asarray(shape).reshape(-1).tolist())
        if isinstance(shape, Tensor)
        else tuple(int(d) for d in shape)
    )


# -- creation ------------------------------------------------------------------------
def _dtype_or(dtype, default) -> np.dtype:
    return np.dtype(standardize_dtype(dtype)) if dtype is not None else np.dtype(default)


def zeros(shape, dtype=None) -> Tensor:
    """Zeros, float32 unless ``dtype`` is given."""
    return Tensor(jnp.zeros(_shape_tuple(shape), _dtype_or(dtype, floatx())))


def ones(shape, dtype=None) -> Tensor:
    """Ones, float32 unless ``dtype`` is given."""
    return Tensor(jnp.ones(_shape_tuple(shape), _dtype_or(dtype, floatx())))


def _fill(value, dt) -> Tensor:
    """A Python fill value as TF's ``fill`` converts it: integers wrap into a narrower
    integer dtype (300 as int8 is 44), floats truncate toward zero (out of range: jtape
    clamps where TF wraps, docs/differences.md)."""
    if isinstance(value, (bool, int, float)) and np.dtype(dt).kind in "iu":
        if isinstance(value, float):
            return tensor(tensor(value, "float64"), dt)
        return tensor(tensor(np.asarray(value, np.int64), "int64"), dt)
    return tensor(value, dt)


def full(shape, fill_value, dtype=None) -> Tensor:
    """``fill_value`` everywhere; float32 unless ``dtype`` is given (Keras' default)."""
    dt = _dtype_or(dtype, floatx())
    return _full(_fill(fill_value, dt), _shape_tuple(shape))


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
    return _full(_fill(fill_value, dt), tuple(x.shape))


def eye(N: int, M: int | None = None, k: int = 0, dtype=None) -> Tensor:  # noqa: N803
    """The identity matrix (float32 unless ``dtype`` is given); a diagonal ``k`` past the
    matrix raises, as on TensorFlow."""
    cols = int(N) if M is None else int(M)
    if int(k) > cols or -int(k) > int(N):
        raise InvalidArgumentError(
            f"Dimension {min(cols - int(k), int(N) + int(k))} must be >= 0 [Op:Fill]"
        )
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
    if vals[2] == 0:
        raise InvalidArgumentError(f"Requires delta != 0: {vals[2]} [Op:Range]")
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
_repeat_each = op(
    lambda x, r, axis, total: jnp.repeat(x, r, axis=axis, total_repeat_length=total),
    name="repeat",
)
_flip = op(lambda x, axis: jnp.flip(x, axis), name="flip")
_roll = op(lambda x, shift, axis: jnp.roll(x, shift, axis), name="roll")
_broadcast = op(lambda x, s: jnp.broadcast_to(x, s), name="broadcast_to")
_swap = op(lambda x, a, b: jnp.swapaxes(x, a, b), name="swapaxes")
_move = op(lambda x, a, b: jnp.moveaxis(x, a, b), name="moveaxis")
_tril = op(lambda x, k: jnp.tril(x, k), name="tril")
_triu = op(lambda x, k: jnp.triu(x, k), name="triu")
_diag = op(lambda x, k: jnp.diag(x, k), name="diag")
_trace = op(lambda x, o, a, b: jnp.trace(x, o, a, b, dtype=x.dtype), name="trace")


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


def _check_counts(counts) -> None:
    flat = np.ravel(counts)
    bad = np.flatnonzero(flat < 0)
    if bad.size:
        raise InvalidArgumentError(
            f"Expected multiples[{bad[0]}] >= 0, but got {flat[bad[0]]} [Op:Tile]"
        )


def tile(x, repeats) -> Tensor:
    """``x`` repeated ``repeats`` times along each axis (negative counts raise)."""
    _check_counts(_ints(repeats))
    return _tile(tensor(x), _ints(repeats))


def repeat(x, repeats, axis=None) -> Tensor:
    """Each element repeated (over the flattened input when ``axis`` is None); negative
    counts raise, as on TensorFlow."""
    if isinstance(repeats, (list, tuple, np.ndarray, Tensor)) and np.ndim(to_value(repeats)):
        # Per-element counts: a negative one repeats nothing (TF's rule).
        value = repeats if isinstance(repeats, (list, tuple, np.ndarray)) else to_value(repeats)
        if isinstance(value, jax.core.Tracer):
            raise ValueError(
                "keras.ops.repeat: per-element `repeats` must be known when the program is "
                "built (the output length depends on them); pass a list or an eager tensor"
            )
        counts = np.maximum(np.asarray(value).ravel().astype(np.int32), 0)
        total = int(counts.sum())
        return _repeat_each(tensor(x), tensor(counts), None if axis is None else int(axis), total)
    _check_counts(_ints(repeats))
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
    """A 1-D ``x`` on diagonal ``k`` of a square matrix, or diagonal ``k`` of a 2-D ``x``
    (which must cross the matrix, as on TensorFlow)."""
    x = tensor(x)
    if x.ndim == 2 and not -x.shape[0] < int(k) < x.shape[1]:
        raise InvalidArgumentError(
            f"lower_diag_index is out of bound: {int(k)}. It must be between "
            f"{-x.shape[0]} and {x.shape[1]} [Op:MatrixDiagPartV3]"
        )
    return _diag(x, int(k))


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
            raise InvalidArgumentError(
                "Number of ways to split should evenly divide the split dimension, but got "
                f"split_dim {axis} (size = {n}) and num_split {indices_or_sections} (no "
                f"{indices_or_sections} equal sections) [Op:Split]"
            )
    return list(_split(x, _ints(indices_or_sections), int(axis)))


def _fix_negative(indices, n: int):
    # Keras wraps negative indices once; one still negative is out of range (moved past
    # the end, so that a compiled gather reads the fill value, as jtape's tf.gather).
    wrapped = jnp.where(indices < 0, indices + n, indices)
    return out_of_range_if_negative(wrapped, n)


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


def _check_wrapped(indices: Tensor, n: int) -> None:
    """TF's eager GatherV2 check on the indices after Keras wraps the negative ones (an
    index still outside ``[0, n)`` raises); a compiled function reads the fill value."""
    value = to_value(indices)
    if isinstance(value, jax.core.Tracer):
        return
    arr = np.asarray(value)
    _check_range(np.where(arr < 0, arr + n, arr), n, "GatherV2")


def take(x, indices, axis=None) -> Tensor:
    """Elements of ``x`` at ``indices`` along ``axis`` (the flattened ``x`` when None);
    negative indices count from the end; others out of range raise, as on TensorFlow."""
    x = tensor(x)
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    indices = _index_tensor(indices)
    _check_wrapped(indices, x.shape[int(axis)])
    return _take(x, indices, int(axis))


def take_along_axis(x, indices, axis=None) -> Tensor:
    """``x``'s entries at ``indices`` along ``axis`` (negative ones count from the end;
    others out of range raise, as on TensorFlow)."""
    x = tensor(x)
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    indices = _index_tensor(indices)
    _check_wrapped(indices, x.shape[int(axis)])
    return _take_along(x, indices, int(axis))


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
    # TF's MirrorPad: a reflected pad must be shorter than the axis, a symmetric one at
    # most as long (numpy would repeat the reflection).
    for n, (before, after) in zip(x.shape, width):
        if mode == "reflect" and (before >= n or after >= n):
            raise InvalidArgumentError(
                f"paddings must be less than the dimension size: {before}, {after} not less "
                f"than {n} [Op:MirrorPad]"
            )
        if mode == "symmetric" and (before > n or after > n):
            raise InvalidArgumentError(
                f"paddings must be no greater than the dimension size: {before}, {after} "
                f"greater than {n} [Op:MirrorPad]"
            )
    return _pad_other(x, width, mode)


_dyn_slice = op(lambda x, start, shape: jax.lax.dynamic_slice(x, start, shape), name="slice")


def slice(inputs, start_indices, shape) -> Tensor:  # noqa: A001 - Keras' name
    """The block of ``shape`` starting at ``start_indices`` (which may be tensors)."""
    start = [
        tensor(s, "int32")
        for s in (start_indices if not isinstance(start_indices, Tensor) else list(start_indices))
    ]
    x, shape = tensor(inputs), _shape_tuple(shape)
    _check_slice(start, shape, tuple(x.shape))
    return _dyn_slice(x, start, shape)


def _check_slice(start, shape, dims) -> None:
    """TF's eager Slice check (a compiled slice clamps the start, as XLA does)."""
    values = [to_value(s) for s in start]
    if any(isinstance(v, jax.core.Tracer) for v in values):
        return
    for i, (b, size, n) in enumerate(zip((int(v) for v in values), shape, dims)):
        if not 0 <= b <= n:
            raise InvalidArgumentError(f"Expected begin[{i}] in [0, {n}], but got {b} [Op:Slice]")
        if not 0 <= size <= n - b:
            raise InvalidArgumentError(
                f"Expected size[{i}] in [0, {n - b}], but got {size} [Op:Slice]"
            )


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


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def dtype(x) -> str:
    """The dtype's name (a string, as Keras' ``ops.dtype``)."""
    return standardize_dtype(tensor(x).dtype)


_slice_update = op(
    lambda x, start, updates: jax.lax.dynamic_update_slice(x, updates, start),
    name="slice_update",
)


def scatter(indices, values, shape) -> Tensor:
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (``(..., rank)``):
    jtape's ``tf.scatter_nd`` (an index out of range, negative too, raises eagerly and is
    dropped when compiled)."""
    return _scatter_nd(_index_tensor(indices), tensor(values), _shape_tuple(shape))


def scatter_update(inputs, indices, updates) -> Tensor:
    """``inputs`` with the entries at ``indices`` replaced by ``updates`` (jtape's
    ``tf.tensor_scatter_nd_update``: indices out of range raise eagerly)."""
    x = tensor(inputs)
    return _tensor_scatter_nd("update", x, _index_tensor(indices), tensor(updates, x.dtype))


def slice_update(inputs, start_indices, updates) -> Tensor:
    """``inputs`` with the block of ``updates``' shape at ``start_indices`` replaced."""
    x = tensor(inputs)
    start = [tensor(s, "int32") for s in start_indices]
    return _slice_update(x, start, tensor(updates, x.dtype))


# -- numpy-style stacking, splitting and flips ----------------------------------------------
def fliplr(x) -> Tensor:
    """``x`` reversed along axis 1."""
    return flip(x, 1)


def flipud(x) -> Tensor:
    """``x`` reversed along axis 0."""
    return flip(x, 0)


def hstack(xs) -> Tensor:
    """Joined along axis 1 (axis 0 for 1-D inputs), with Keras' dtype promotion."""
    return concatenate(xs, axis=0 if len(tensor(xs[0]).shape) == 1 else 1)


def vstack(xs) -> Tensor:
    """Joined along axis 0 (1-D inputs are concatenated, as Keras on TF does)."""
    return concatenate(xs, axis=0)


def dstack(xs) -> Tensor:
    """Joined along axis 2; 0-D, 1-D and 2-D inputs are first made 3-D (numpy's rule)."""

    def as_3d(x):
        x = tensor(x)
        if x.ndim == 0:
            return reshape(x, (1, 1, 1))
        if x.ndim == 1:
            return reshape(x, (1, x.shape[0], 1))
        return expand_dims(x, 2) if x.ndim == 2 else x

    return concatenate([as_3d(x) for x in promoted(*xs)], axis=2)


def hsplit(x, indices_or_sections) -> list[Tensor]:
    x = tensor(x)
    return split(x, indices_or_sections, axis=0 if x.ndim == 1 else 1)


def vsplit(x, indices_or_sections) -> list[Tensor]:
    return split(x, indices_or_sections, axis=0)


def dsplit(x, indices_or_sections) -> list[Tensor]:
    return split(x, indices_or_sections, axis=2)


def empty(shape, dtype=None) -> Tensor:
    """Zeros (as Keras on TensorFlow: an "uninitialised" array is zero-filled)."""
    return zeros(shape, dtype)


def empty_like(x, dtype=None) -> Tensor:
    return zeros_like(x, dtype)


_diff = op(lambda x, n, axis: jnp.diff(x, n, axis), name="diff")


def _diff_bool_fn(x, n, axis):
    for _ in range(n):
        later = jax.lax.slice_in_dim(x, 1, None, axis=axis)
        x = jnp.not_equal(later, jax.lax.slice_in_dim(x, 0, x.shape[axis] - 1, axis=axis))
    return x


_diff_bool = op(_diff_bool_fn, name="diff")


def diff(a, n: int = 1, axis: int = -1) -> Tensor:
    """The ``n``-th difference along ``axis`` (bool: "not equal" to the previous entry)."""
    a = tensor(a)
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"Order `n` must be non-negative. Received n={n}")
    if a.ndim == 0:
        raise ValueError(f"`diff` requires input that is at least one dimensional. Received: a={a}")
    axis = int(axis) % a.ndim
    if a.dtype == np.bool_:
        return _diff_bool(a, int(n), axis)
    return _diff(a, int(n), axis)
