"""Tensor creation, shape manipulation, indexing and gathering, as jtape ops."""

from __future__ import annotations

import builtins
import collections

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes, _lowering, _strings
from ._math_ops import _axis
from ._op import op
from ._op_errors import InvalidArgumentError
from ._tensor import Tensor, to_value


def _static_shape(shape) -> tuple[int, ...]:
    if isinstance(shape, Tensor) or hasattr(shape, "_jt_read"):
        shape = np.asarray(shape).tolist()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(-1 if d is None else int(d) for d in shape)


# -- creation --------------------------------------------------------------------
def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """A Tensor holding ``value`` (Python floats become float32, ints int32, as in TF).

    Example:
        >>> import jtape as jt
        >>> jt.constant([1, 2]).dtype
        dtype('int32')
        >>> jt.constant(0.0, shape=(2, 2)).shape
        (2, 2)
    """
    if _strings.is_string_value(value) or dtype is _dtypes.string:  # host strings
        return _strings.constant(value, dtype, shape)
    v = to_value(value, dtype)
    if shape is not None:
        shape = _static_shape(shape)
        if v.size == 1 or v.ndim == 0:
            v = jnp.broadcast_to(v.reshape(()), shape)
        else:
            v = v.reshape(shape)
    return Tensor(v)


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None) -> Tensor:
    """``value`` as a Tensor; Tensors pass through, Variables are read."""
    if _strings.is_string_value(value) or dtype is _dtypes.string:  # host strings
        return _strings.constant(value, dtype)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != _dtypes.as_dtype(dtype):
            raise ValueError(
                f"convert_to_tensor: tensor has dtype {value.dtype.name}, requested "
                f"{_dtypes.as_dtype(dtype).name}"
            )
        return value
    if hasattr(value, "_jt_read"):
        return value._jt_read()
    if dtype is None and dtype_hint is not None and _dtypes.default_dtype_for(value) is not None:
        try:
            return Tensor(to_value(value, dtype_hint))
        except (TypeError, ValueError):
            pass
    return Tensor(to_value(value, dtype))


def zeros(shape, dtype=_dtypes.float32) -> Tensor:
    return Tensor(jnp.zeros(_static_shape(shape), _dtypes.as_dtype(dtype)))


def ones(shape, dtype=_dtypes.float32) -> Tensor:
    return Tensor(jnp.ones(_static_shape(shape), _dtypes.as_dtype(dtype)))


def fill(dims, value) -> Tensor:
    return Tensor(jnp.full(_static_shape(dims), to_value(value)))


def eye(num_rows, num_columns=None, dtype=_dtypes.float32) -> Tensor:
    return Tensor(jnp.eye(num_rows, num_columns, dtype=_dtypes.as_dtype(dtype)))


_zeros_like = op(lambda x, dtype: jnp.zeros_like(x, dtype=dtype), name="zeros_like")
_ones_like = op(lambda x, dtype: jnp.ones_like(x, dtype=dtype), name="ones_like")


def zeros_like(x, dtype=None) -> Tensor:
    return _zeros_like(x, _dtypes.as_dtype(dtype))


def ones_like(x, dtype=None) -> Tensor:
    return _ones_like(x, _dtypes.as_dtype(dtype))


def range(start, limit=None, delta=1, dtype=None) -> Tensor:  # noqa: A001
    """Like Python's ``range`` but a Tensor.

    Without ``dtype``, TF's rule: the widest of the arguments' dtypes in the order int32,
    int64, float16, bfloat16, float32, float64 (a Python int counts as int32, a float as
    float32; a tensor or numpy value as its dtype).
    """
    if limit is None:
        start, limit = 0, start
    if dtype is None:
        dtype = _range_dtype((start, limit, delta))
    start, limit, delta = (np.asarray(v).item() for v in (start, limit, delta))
    return Tensor(jnp.arange(start, limit, delta, dtype=_dtypes.as_dtype(dtype)))


_RANGE_DTYPES = ("int32", "int64", "float16", "bfloat16", "float32", "float64")


def _range_dtype(values) -> _dtypes.DType:
    names = []
    for v in values:
        dt = getattr(v, "dtype", None)
        if dt is None:
            dt = _dtypes.float32 if isinstance(v, float) else _dtypes.int32
        name = _dtypes.as_dtype(dt).name
        if name not in _RANGE_DTYPES:
            raise TypeError(
                f"range: arguments of dtype {name} are not supported; TF's range takes "
                f"{', '.join(_RANGE_DTYPES)} (pass dtype= or cast)"
            )
        names.append(name)
    return _dtypes.as_dtype(builtins.max(names, key=_RANGE_DTYPES.index))


def linspace(start, stop, num, axis=0) -> Tensor:
    return Tensor(jnp.linspace(to_value(start), to_value(stop), int(num), axis=axis))


@op
def _one_hot(indices, depth, on_value, off_value, axis, dtype):
    hot = jax.nn.one_hot(indices, depth, axis=-1 if axis is None else axis, dtype=dtype)
    return jnp.where(hot > 0, jnp.asarray(on_value, dtype), jnp.asarray(off_value, dtype))


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None) -> Tensor:
    """One-hot encoding along a new ``axis`` (last by default); -1 gives all-off rows."""
    if dtype is None:
        # TF: the dtype of on_value (else off_value) as convert_to_tensor gives it (a
        # Python int: int32), float32 without either; the two must agree.
        given = [
            _dtypes.as_dtype(getattr(v, "dtype", None) or _dtypes.default_dtype_for(v))
            for v in (on_value, off_value)
            if v is not None
        ]
        if len(given) == 2 and given[0] != given[1]:
            raise TypeError(
                f"dtype {given[0]} of on_value does not match dtype {given[1]} of off_value"
            )
        dtype = given[0] if given else _dtypes.float32
    dtype = _dtypes.as_dtype(dtype)
    index_dtype = np.dtype(getattr(indices, "dtype", None) or np.asarray(indices).dtype)
    if index_dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"Value for attr 'TI' of {index_dtype.name} is not in the list of allowed "
            "values: uint8, int8, int32, int64 [Op:OneHot]"
        )
    on = 1 if on_value is None else np.asarray(on_value).item()
    off = 0 if off_value is None else np.asarray(off_value).item()
    return _one_hot(indices, int(depth), on, off, axis, dtype)


# -- shape ---------------------------------------------------------------------------
def shape(x, out_type=_dtypes.int32) -> Tensor:
    """The shape of ``x`` as an int32 Tensor."""
    if getattr(x, "_jt_sparse", False):  # a SparseTensor: its dense shape
        return Tensor(x.dense_shape._value.astype(_dtypes.as_dtype(out_type)))
    return Tensor(jnp.asarray(jnp.shape(to_value(x)), dtype=_dtypes.as_dtype(out_type)))


def rank(x) -> Tensor:
    if getattr(x, "_jt_sparse", False):  # a SparseTensor
        return Tensor(jnp.asarray(x.ndim, dtype=_dtypes.int32))
    return Tensor(jnp.asarray(jnp.ndim(to_value(x)), dtype=_dtypes.int32))


def size(x, out_type=_dtypes.int32) -> Tensor:
    if getattr(x, "_jt_sparse", False):  # a SparseTensor: its dense size
        return Tensor(jnp.prod(x.dense_shape._value).astype(_dtypes.as_dtype(out_type)))
    return Tensor(jnp.asarray(jnp.size(to_value(x)), dtype=_dtypes.as_dtype(out_type)))


_reshape = op(jnp.reshape, name="reshape")
_transpose = op(jnp.transpose, name="transpose")
_expand_dims = op(jnp.expand_dims, name="expand_dims")
_squeeze = op(jnp.squeeze, name="squeeze")
_broadcast_to = op(jnp.broadcast_to, name="broadcast_to")
_tile = op(jnp.tile, name="tile")
_reverse = op(jnp.flip, name="reverse")
identity = op(lambda x: x + jnp.zeros((), x.dtype) if x.dtype != jnp.bool_ else x, name="identity")


def reshape(tensor, shape) -> Tensor:
    return _reshape(tensor, _static_shape(shape))


def transpose(a, perm=None, conjugate: bool = False) -> Tensor:
    """Permute axes (reverse them when ``perm`` is None)."""
    out = _transpose(a, None if perm is None else _axis(perm))
    return op(jnp.conj)(out) if conjugate else out


def expand_dims(input, axis) -> Tensor:  # noqa: A002 - TF's name
    return _expand_dims(input, _axis(axis))


def squeeze(input, axis=None) -> Tensor:  # noqa: A002
    return _squeeze(input, _axis(axis))


def broadcast_to(input, shape) -> Tensor:  # noqa: A002
    return _broadcast_to(input, _static_shape(shape))


def tile(input, multiples) -> Tensor:  # noqa: A002
    return _tile(input, _static_shape(multiples))


def reverse(tensor, axis) -> Tensor:
    return _reverse(tensor, _axis(axis))


# TF's one-dtype rule (a Tensor of another dtype is refused, Python values must fit).
_concat = op(lambda values, axis: jnp.concatenate(values, axis=axis), name="concat", same_dtype=1)
_stack = op(lambda values, axis: jnp.stack(values, axis=axis), name="stack", same_dtype=1)


def concat(values, axis) -> Tensor:
    """Join tensors along an existing ``axis``."""
    return _concat(list(values), _axis(axis))


def stack(values, axis: int = 0) -> Tensor:
    """Join tensors along a new ``axis``."""
    return _stack(list(values), _axis(axis))


@op
def _unstack(value, num, axis):
    return [jnp.take(value, i, axis=axis) for i in builtins.range(num)]


def unstack(value, num=None, axis: int = 0) -> list[Tensor]:
    """Split ``value`` into a list of tensors along ``axis`` (removing it)."""
    n = jnp.shape(to_value(value))[axis]
    if num is not None and num != n:
        raise ValueError(f"unstack: num={num} but axis {axis} has size {n}")
    return _unstack(value, n, _axis(axis))


@op
def _split(value, sizes, axis):
    idx = np.cumsum(sizes)[:-1].tolist()
    return jnp.split(value, idx, axis=axis)


def split(value, num_or_size_splits, axis: int = 0, num=None) -> list[Tensor]:
    """Split along ``axis`` into equal parts (an int) or parts of given sizes (a list)."""
    axis = _axis(axis)
    n = jnp.shape(to_value(value))[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if n % k:
            from ._op_errors import shape_error

            raise shape_error(
                f"Number of ways to split should evenly divide the split dimension, but got "
                f"split_dim {axis} (size = {n}) and num_split {k} [Op:Split]"
            )
        sizes = (n // k,) * k
    else:
        sizes = list(_static_shape(num_or_size_splits))
        if -1 in sizes:
            sizes[sizes.index(-1)] = n - (builtins.sum(sizes) + 1)
        if builtins.sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to axis size {n}")
        sizes = tuple(sizes)
    return _split(value, sizes, axis)


@op
def _pad(tensor, paddings, mode, constant_values):
    mode = mode.lower()
    if mode == "constant":
        return jnp.pad(tensor, paddings, mode="constant", constant_values=constant_values)
    return jnp.pad(tensor, paddings, mode={"reflect": "reflect", "symmetric": "symmetric"}[mode])


def pad(tensor, paddings, mode: str = "CONSTANT", constant_values=0) -> Tensor:
    """Pad ``tensor``; ``paddings[i] = (before, after)`` for axis i."""
    paddings = tuple(tuple(int(p) for p in row) for row in np.asarray(paddings).tolist())
    return _pad(tensor, paddings, mode, np.asarray(constant_values).item())


# -- indexing and gathering ------------------------------------------------------
def _indices(indices):
    # TF accepts Python lists as indices; as a static argument a list would reach JAX
    # as a list (rejected by jnp.take), so make it an int32 tensor.
    if isinstance(indices, (Tensor, np.ndarray, jax.Array)) or hasattr(indices, "_jt_read"):
        return indices
    return Tensor(to_value(indices, _dtypes.int32))


def _gather_fn(params, indices, axis, batch_dims):
    if batch_dims == 0:
        # An index out of range (negative too: no wrapping) reads the fill value (NaN for
        # floats): in a compiled function it cannot be checked, eagerly it was.
        return jnp.take(params, out_of_range_if_negative(indices, params.shape[axis]), axis=axis)
    return jax.vmap(lambda p, i: _gather_fn(p, i, axis - 1, batch_dims - 1))(params, indices)


_gather = op(_gather_fn, name="gather")
# Whole rows (axis 0, no batch dims): the gradient is an IndexedSlices, as in TF.
_lowering.row_gather(_gather_fn)(lambda spec: spec.template[2:] == (0, 0))


def gather(params, indices, validate_indices=None, axis=None, batch_dims: int = 0) -> Tensor:
    """Slices of ``params`` at ``indices`` along ``axis`` (``batch_dims`` leading axes shared).

    Out-of-range indices raise ``InvalidArgumentError`` eagerly, as TF on CPU; inside a
    compiled function they cannot be checked and read NaN (floats; integers: their
    lowest value), negative ones too.
    """
    axis = batch_dims if axis is None else _axis(axis)
    if axis < 0:
        axis += len(jnp.shape(to_value(params)))
    indices = _indices(indices)
    _check_range(indices, jnp.shape(to_value(params))[axis], "GatherV2")
    return _gather(params, indices, axis, int(batch_dims))


def _check_range(indices, n: int, op_name: str) -> None:
    """TF's eager index check: every index in ``[0, n)`` (skipped for traced indices)."""
    value = indices._value if isinstance(indices, Tensor) else indices
    if isinstance(value, jax.core.Tracer):
        return
    arr = np.asarray(value)
    bad = np.flatnonzero((arr < 0) | (arr >= n))
    if bad.size:
        pos = np.unravel_index(bad[0], arr.shape) if arr.ndim else ()
        where = f"[{','.join(str(int(p)) for p in pos)}]" if arr.ndim else ""
        raise InvalidArgumentError(
            f"indices{where} = {arr.flat[bad[0]]} is not in [0, {n}) [Op:{op_name}]"
        )


def out_of_range_if_negative(index, n):
    """``index`` with negative entries moved past the end (``n``), so that JAX's gather
    fills and its scatter drops them instead of counting from the end as Python does.
    """
    return jnp.where(index < 0, n, index)


def check_nd_indices(indices, shape, op_name: str, batch_dims: int = 0, node: str = "") -> None:
    """TF's eager check of ``gather_nd``/``scatter_nd`` indices (skipped when traced):
    each index (the last axis of ``indices``) must address ``shape`` after its
    ``batch_dims`` leading axes.
    """
    value = indices._value if isinstance(indices, Tensor) else indices
    if isinstance(value, jax.core.Tracer):
        return
    arr = np.asarray(value)
    if arr.ndim == 0 or arr.dtype.kind not in "iu":
        return
    k = arr.shape[-1]
    dims = np.asarray(shape[batch_dims : batch_dims + k])
    if k > len(dims):
        return  # a rank error, reported by the op itself
    flat = arr.reshape(-1, k)
    bad = np.flatnonzero(((flat < 0) | (flat >= dims)).any(axis=1))
    if bad.size:
        row = bad[0]
        batch = list(np.unravel_index(row, arr.shape[:-1])[:batch_dims]) if batch_dims else []
        coords = ", ".join(str(int(c)) for c in [*batch, *flat[row]])
        where = "param shape" if node else "shape"
        raise InvalidArgumentError(
            f"indices[{row}] = [{coords}] does not index into {where} "
            f"[{','.join(str(d) for d in shape)}]{node} [Op:{op_name}]"
        )


@op
def _gather_nd(params, indices, batch_dims):
    def one(p, i):
        k = i.shape[-1]
        idx = tuple(out_of_range_if_negative(i[..., j], p.shape[j]) for j in builtins.range(k))
        return p.at[idx].get(mode="fill")

    fn = one
    for _ in builtins.range(batch_dims):
        fn = jax.vmap(fn)
    return fn(params, indices)


def gather_nd(params, indices, batch_dims: int = 0) -> Tensor:
    """Gather slices of ``params`` addressed by the last axis of ``indices``.

    Out-of-range indices raise ``InvalidArgumentError`` eagerly, as TF on CPU; inside a
    compiled function they read NaN (floats; integers: their lowest value).
    """
    indices = _indices(indices)
    check_nd_indices(
        indices, jnp.shape(to_value(params)), "GatherNd", int(batch_dims), ", node name: GatherNd"
    )
    return _gather_nd(params, indices, int(batch_dims))


# x and y share TF's one dtype (SelectV2's T); the condition comes last for the rule.
_where3 = op(lambda x, y, condition: jnp.where(condition, x, y), name="where", same_dtype=2)


def where(condition, x=None, y=None) -> Tensor:
    """Elementwise choice (with ``x``, ``y``), or the indices where ``condition`` holds."""
    if x is None and y is None:
        cond = np.asarray(to_value(condition))
        return Tensor(jnp.asarray(np.argwhere(cond), dtype=_dtypes.int64))
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither")
    return _where3(x, y, condition)


def boolean_mask(tensor, mask, axis=None) -> Tensor:
    """The entries of ``tensor`` where ``mask`` is True (eager only: dynamic shape)."""
    m = to_value(mask)
    if isinstance(m, jax.core.Tracer):
        raise TypeError(
            "boolean_mask: the result's shape depends on the mask's values, which are not "
            "known while jt.function traces; use jt.where(mask, x, 0) instead"
        )
    m = np.asarray(m)
    axis = 0 if axis is None else _axis(axis)
    shape = jnp.shape(to_value(tensor))
    flat_idx = np.flatnonzero(m.reshape(-1))
    lead = int(np.prod(shape[axis : axis + m.ndim]))
    merged = reshape(tensor, shape[:axis] + (lead,) + shape[axis + m.ndim :])
    return gather(merged, Tensor(jnp.asarray(flat_idx, dtype=jnp.int32)), axis=axis)


@op
def _getitem(x, spec, *tensor_indices):
    it = iter(tensor_indices)
    idx = tuple(next(it) if s == "T" else _decode(s) for s in spec)
    return x[idx]


def _decode(s):
    if isinstance(s, tuple) and s and s[0] == "slice":
        return slice(*s[1:])
    return s


def getitem(x, index) -> Tensor:
    """``x[index]`` with slices, ``...``, ``None``, ints and int/bool tensor indices."""
    if not isinstance(index, tuple):
        index = (index,)
    spec, tensors = [], []
    for item in index:
        if isinstance(item, slice):
            spec.append(
                (
                    "slice",
                    _int_or_none(item.start),
                    _int_or_none(item.stop),
                    _int_or_none(item.step),
                )
            )
        elif item is None or item is Ellipsis or isinstance(item, (int, np.integer)):
            spec.append(item if not isinstance(item, np.integer) else int(item))
        else:
            arr = to_value(item)
            if arr.dtype == jnp.bool_:
                if isinstance(arr, jax.core.Tracer):
                    raise TypeError(
                        "boolean indexing needs concrete values; inside jt.function use "
                        "jt.where instead"
                    )
                for axis_idx in np.nonzero(np.asarray(arr)):
                    spec.append("T")
                    tensors.append(Tensor(jnp.asarray(axis_idx, dtype=jnp.int32)))
                continue
            if arr.ndim == 0 and not isinstance(arr, jax.core.Tracer):
                spec.append(int(arr))
                continue
            spec.append("T")
            tensors.append(item if isinstance(item, Tensor) else Tensor(arr))
    _check_int_indices(jnp.shape(to_value(x)), spec)
    return _getitem(x, tuple(spec), *tensors)


def _check_int_indices(shape: tuple, spec: list) -> None:
    """TF's strided-slice checks: no more indices than axes, ints within their axis."""
    from ._op_errors import shape_error

    consumed = builtins.sum(1 for s in spec if s is not None and s is not Ellipsis)
    if consumed > len(shape):
        raise shape_error(
            f"Index out of range using input dim {len(shape)}; input has only "
            f"{len(shape)} dims [Op:StridedSlice]"
        )
    if Ellipsis in spec:
        at = spec.index(Ellipsis)
        before = builtins.sum(1 for s in spec[:at] if s is not None)
        after = builtins.sum(1 for s in spec[at + 1 :] if s is not None)
        axes = list(builtins.range(before)) + list(builtins.range(len(shape) - after, len(shape)))
        items = [s for s in spec[:at] if s is not None] + [
            s for s in spec[at + 1 :] if s is not None
        ]
    else:
        items = [s for s in spec if s is not None]
        axes = list(builtins.range(len(items)))
    for axis, item in zip(axes, items):
        if type(item) is int and not -shape[axis] <= item < shape[axis]:
            raise shape_error(
                f"slice index {item} of dimension {axis} out of bounds. [Op:StridedSlice]"
            )


def _int_or_none(v):
    if v is None:
        return None
    return int(v)


@op
def _sort(values, axis, descending):
    out = jnp.sort(values, axis=axis)
    return jnp.flip(out, axis) if descending else out


@op
def _argsort(values, axis, descending):
    return jnp.argsort(-values if descending else values, axis=axis, stable=True).astype(jnp.int32)


def sort(values, axis: int = -1, direction: str = "ASCENDING") -> Tensor:
    return _sort(values, _axis(axis), direction.upper() == "DESCENDING")


def argsort(values, axis: int = -1, direction: str = "ASCENDING", stable: bool = False) -> Tensor:
    return _argsort(values, _axis(axis), direction.upper() == "DESCENDING")


@op
def _top_k(x, k):
    values, indices = jax.lax.top_k(x, k)
    return values, indices.astype(jnp.int32)


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k: int = 1, sorted: bool = True) -> TopKV2:  # noqa: A002
    """The ``k`` largest entries of the last axis and their indices (``.values``,
    ``.indices``, as TF's ``TopKV2``)."""
    return TopKV2(*_top_k(input, int(k)))


diag = op(
    lambda x: jnp.diag(x) if x.ndim == 1 else jnp.vectorize(jnp.diag, signature="(n)->(n,n)")(x),
    name="diag",
)
diag_part = op(lambda x: jnp.diagonal(x, axis1=-2, axis2=-1), name="diag_part")
trace = op(lambda x: jnp.trace(x, axis1=-2, axis2=-1), name="trace")


# String tensors live on the host: these shape ops also take them, run by numpy there.
def _also_strings() -> None:
    from ._string_ops import _HOST_SHAPE_OPS, host_shape_op

    for name in _HOST_SHAPE_OPS:
        globals()[name] = host_shape_op(globals()[name], name)


_also_strings()
