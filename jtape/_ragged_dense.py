"""RaggedTensor <-> dense and sparse: ``to_tensor`` and ``to_sparse``.

Every flat value gets its dense position (row ids and column offsets through each
ragged partition, computed from the row splits by a traceable function), and one
scatter writes the values into a tensor filled with the default value. Positions past
a fixed ``shape`` are dropped, which cuts longer rows as TF does. The scatter is a
recorded op, so gradients reach the flat values.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._op import op
from ._ragged import RaggedTensor, host
from ._strings import StringTensor, _as_bytes
from ._tensor import Tensor, to_value


def dense_index(splits: list, nvals: int) -> list:
    """Dense index arrays ``[row, col_1, ..., col_r]`` of each flat value (JAX, traceable)."""
    cols = []
    j = jnp.arange(nvals)
    for s in reversed(splits):
        s = jnp.asarray(s).astype(jnp.int64)
        row = jnp.searchsorted(s, j, side="right") - 1
        cols.append(j - s[row])
        j = row
    return [j, *reversed(cols)]


def _scatter(flat, default, *splits, out_shape):
    idx = dense_index(list(splits), flat.shape[0])
    out = jnp.full(out_shape, default, dtype=flat.dtype)
    return out.at[tuple(idx)].set(flat, mode="drop")


_scatter_op = op(_scatter, name="ragged_to_tensor")


def _out_shape(rt: RaggedTensor, shape) -> tuple:
    bound = list(rt.shape)
    if shape is not None:
        shape = list(shape) if not isinstance(shape, Tensor) else np.asarray(shape).tolist()
        if len(shape) != len(bound):
            raise ValueError(
                f"to_tensor: shape {shape} has rank {len(shape)}, the RaggedTensor rank "
                f"{len(bound)}"
            )
    else:
        shape = [None] * len(bound)
    missing = [i for i, (d, b) in enumerate(zip(shape, bound)) if d is None and b is None]
    if missing:
        full = host(rt.bounding_shape(), "to_tensor without a shape").tolist()
        shape = [
            full[i] if shape[i] is None and bound[i] is None else shape[i]
            for i in range(len(shape))
        ]
    return tuple(int(d if d is not None else b) for d, b in zip(shape, bound))


def to_tensor(rt: RaggedTensor, default_value=None, shape=None):
    out_shape = _out_shape(rt, shape)
    flat = rt.flat_values
    splits = list(rt.nested_row_splits)
    if isinstance(flat, StringTensor):
        fill = (
            b""
            if default_value is None
            else _as_bytes(
                default_value._np[()] if isinstance(default_value, StringTensor) else default_value
            )
        )
        idx = dense_index([host(s, "to_tensor") for s in splits], flat._np.shape[0])
        idx = tuple(np.asarray(i) for i in idx)
        out = np.empty(out_shape, dtype=object)
        out[...] = fill
        keep = np.ones(len(idx[0]), bool)
        for i, d in zip(idx, out_shape):
            keep &= i < d
        vals = flat._np[keep]
        out[tuple(i[keep] for i in idx)] = vals
        return StringTensor._wrap(out)
    dt = flat.dtype
    default = 0 if default_value is None else default_value
    if isinstance(default, Tensor) or hasattr(default, "_jt_read"):
        default = np.asarray(to_value(default))
    default = np.asarray(default).astype(dt.as_numpy_dtype)
    if default.ndim:
        raise ValueError("to_tensor: jtape takes a scalar default_value only")
    return _scatter_op(flat, default.item(), *splits, out_shape=out_shape)


def to_sparse(rt: RaggedTensor):
    """The RaggedTensor as a SparseTensor (indices of every flat value)."""
    from ._sparse import SparseTensor

    flat = rt.flat_values
    if len(flat.shape) != 1:
        raise ValueError("to_sparse: jtape supports flat values of rank 1 only")
    splits = [host(s, "to_sparse") for s in rt.nested_row_splits]
    idx = np.stack([np.asarray(i) for i in dense_index(splits, flat.shape[0])], axis=1)
    shape = host(rt.bounding_shape(out_type=_dtypes.int64), "to_sparse")
    return SparseTensor(idx.astype(np.int64), flat, shape)
