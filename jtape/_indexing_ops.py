"""Slicing, scattering and rearranging ops TensorFlow has at top level (``tf.roll`` ...)."""

from __future__ import annotations

import builtins
import collections

import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._array_ops import _static_shape, check_nd_indices, out_of_range_if_negative
from ._math_ops import _axis
from ._op import op
from ._tensor import Tensor, to_value

_roll = op(jnp.roll, name="roll")


def roll(input, shift, axis) -> Tensor:  # noqa: A002 - TF's name
    """Rotate entries along ``axis`` by ``shift`` (both may be lists)."""
    return _roll(input, _axis(shift), _axis(axis))


@op
def _repeat(x, repeats, axis):
    if isinstance(repeats, tuple):  # per-entry counts: static, so the size is known
        return jnp.repeat(x, np.asarray(repeats), axis=axis, total_repeat_length=sum(repeats))
    return jnp.repeat(x, repeats, axis=axis)


def repeat(input, repeats, axis=None) -> Tensor:  # noqa: A002
    """Repeat entries (flattened first when ``axis`` is None), as ``tf.repeat``."""
    reps = np.asarray(to_value(repeats)).tolist()
    return _repeat(input, reps if isinstance(reps, int) else tuple(reps), _axis(axis))


@op
def _slice(x, begin, size):
    size = tuple(x.shape[i] - b if s == -1 else s for i, (b, s) in enumerate(zip(begin, size)))
    return x[tuple(builtins.slice(b, b + s) for b, s in zip(begin, size))]


def slice(input_, begin, size) -> Tensor:  # noqa: A001
    """The block of ``size`` starting at ``begin`` (``-1`` in size: to the end)."""
    return _slice(input_, _static_shape(begin), _static_shape(size))


@op
def _strided_slice(x, begin, end, strides):
    return x[tuple(builtins.slice(b, e, s) for b, e, s in zip(begin, end, strides))]


def strided_slice(input_, begin, end, strides=None) -> Tensor:
    """``input_[begin:end:strides]`` per axis (without TF's mask arguments)."""
    begin, end = _static_shape(begin), _static_shape(end)
    strides = (1,) * len(begin) if strides is None else _static_shape(strides)
    return _strided_slice(input_, begin, end, strides)


@op
def _scatter(tensor, indices, updates, mode):
    # An index out of range (negative too: no wrapping) is dropped: in a compiled
    # function it cannot be checked, eagerly it was.
    idx = tuple(
        out_of_range_if_negative(indices[..., j], tensor.shape[j])
        for j in builtins.range(indices.shape[-1])
    )
    ref = tensor.at[idx]
    return {
        "update": ref.set,
        "add": ref.add,
        "sub": lambda u, mode: ref.add(-u, mode=mode),
        "max": ref.max,
        "min": ref.min,
    }[mode](updates, mode="drop")


_SCATTER_OPS = {
    "update": "TensorScatterUpdate",
    "add": "TensorScatterAdd",
    "sub": "TensorScatterSub",
    "max": "TensorScatterMax",
    "min": "TensorScatterMin",
}


def tensor_scatter_nd(mode: str, tensor, indices, updates) -> Tensor:
    """``tensor`` with ``updates`` written (``mode``: update/add/sub/max/min) at ``indices``.

    Out-of-range indices raise ``InvalidArgumentError`` eagerly, as TF on CPU; inside a
    compiled function they are dropped.
    """
    check_nd_indices(indices, jnp.shape(to_value(tensor)), _SCATTER_OPS[mode])
    return _scatter(tensor, indices, updates, mode)


def scatter_nd(indices, updates, shape) -> Tensor:
    """Zeros of ``shape`` with ``updates`` added at ``indices`` (duplicates add up)."""
    shape = _static_shape(shape)
    dtype = to_value(updates).dtype
    check_nd_indices(indices, shape, "ScatterNd")
    return _scatter(Tensor(jnp.zeros(shape, dtype)), indices, updates, "add")


@op
def _sequence_mask(lengths, maxlen, dtype):
    return (jnp.arange(maxlen) < lengths[..., None]).astype(dtype)


def sequence_mask(lengths, maxlen=None, dtype=_dtypes.bool_) -> Tensor:
    """``mask[..., j] = j < lengths[...]``; ``maxlen`` defaults to ``max(lengths)``."""
    if maxlen is None:
        maxlen = int(np.max(np.asarray(to_value(lengths))))
    return _sequence_mask(lengths, int(maxlen), _dtypes.as_dtype(dtype))


_meshgrid = op(lambda xs, indexing: jnp.meshgrid(*xs, indexing=indexing), name="meshgrid")


def meshgrid(*args, indexing: str = "xy") -> list[Tensor]:
    """Coordinate grids from 1-D coordinate vectors (``"xy"`` or ``"ij"`` indexing)."""
    from ._array_ops import constant

    xs = [constant(a) if isinstance(a, (list, tuple)) else a for a in args]
    return list(_meshgrid(xs, indexing))


@op
def _searchsorted(sorted_sequence, values, side, dtype):
    fn = lambda s, v: jnp.searchsorted(s, v, side=side)  # noqa: E731
    for _ in range(sorted_sequence.ndim - 1):
        from jax import vmap

        fn = vmap(fn)
    return fn(sorted_sequence, values).astype(dtype)


def searchsorted(sorted_sequence, values, side: str = "left", out_type=_dtypes.int32) -> Tensor:
    """Insertion indices of ``values`` into the innermost axis of ``sorted_sequence``."""
    return _searchsorted(sorted_sequence, values, side, _dtypes.as_dtype(out_type))


Unique = collections.namedtuple("Unique", ["y", "idx"])


def unique(x, out_idx=_dtypes.int32) -> Unique:
    """Unique values in order of first appearance, and each entry's index into them
    (``.y``, ``.idx``, as TF's ``Unique``).

    The output's size depends on the values, so this runs eagerly only (not under
    ``jt.function``) and is not differentiable.
    """
    arr = np.asarray(to_value(x))
    _, first, inverse = np.unique(arr, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    values = arr[np.sort(first)]
    idx = rank[inverse.reshape(-1)]
    return Unique(Tensor(jnp.asarray(values)), Tensor(jnp.asarray(idx, _dtypes.as_dtype(out_idx))))
