"""SparseTensor elements of ``tf.data`` pipelines: host form, batching and specs.

Inside a pipeline an element's SparseTensor holds numpy arrays (``to_host``); it becomes
one of Tensors when handed to the user (``to_tensors``). ``batch`` stacks SparseTensors
of one rank into a SparseTensor of rank + 1 whose dense shape is the batch size and the
largest of each dimension, as TF does.
"""

from __future__ import annotations

import numpy as np

from ._sparse import SparseTensor, SparseTensorSpec, _device
from ._strings import StringTensor
from ._tensor import Tensor


def _np(x) -> np.ndarray:
    if isinstance(x, StringTensor):
        return x._np
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(x._value if isinstance(x, Tensor) else x)


def to_host(sp: SparseTensor) -> SparseTensor:
    """``sp`` with numpy arrays inside (values an object array of bytes for strings)."""
    shape = sp.static_shape("tf.data")
    return SparseTensor._make(
        _np(sp.indices).astype(np.int64), _np(sp.values), np.asarray(shape, np.int64), shape
    )


def to_tensors(sp: SparseTensor) -> SparseTensor:
    """A host SparseTensor as the user sees it: Tensors (StringTensor values for strings)."""
    values = _np(sp.values)
    if values.dtype == object:
        values = StringTensor._wrap(values)
    else:
        values = _device(values)
    return SparseTensor._make(
        _device(_np(sp.indices)),
        values,
        _device(np.asarray(sp._static, np.int64)),
        sp._static,
    )


def stack(column: list, what: str) -> SparseTensor:
    """SparseTensors of one rank batched into one of rank + 1 (TF's ``batch``)."""
    for x in column:
        if not isinstance(x, SparseTensor):
            raise ValueError(f"{what}: elements mix SparseTensors and dense tensors")
    shapes = [x._static for x in column]
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        raise ValueError(
            f"{what}: cannot batch SparseTensors of different ranks: {shapes[0]} and "
            f"{next(s for s in shapes if len(s) != rank)}"
        )
    parts = []
    for i, x in enumerate(column):
        idx = _np(x.indices).reshape(-1, rank)
        parts.append(np.concatenate([np.full((len(idx), 1), i, np.int64), idx], axis=1))
    values = [_np(x.values) for x in column]
    if values[0].dtype == object:
        flat = np.empty(sum(len(v) for v in values), object)
        if len(flat):
            flat[:] = [b for v in values for b in v]
    else:
        flat = np.concatenate(values)
    dense = (len(column), *(int(max(s[d] for s in shapes)) for d in range(rank)))
    return SparseTensor._make(np.concatenate(parts), flat, np.asarray(dense, np.int64), dense)


def spec(sp: SparseTensor) -> SparseTensorSpec:
    values = _np(sp.values)
    dtype = "string" if values.dtype == object else values.dtype
    return SparseTensorSpec(sp._static, dtype)


def batched_spec(s: SparseTensorSpec, n) -> SparseTensorSpec:
    """The spec of a batch of ``s`` elements (``n`` None when the last batch is smaller)."""
    dims = None if s.shape is None else [n, *s.shape]
    return SparseTensorSpec(dims, s.dtype)


def placeholder(s: SparseTensorSpec, unknown: int) -> SparseTensor:
    """An element of spec ``s`` for tf.data's output-spec probes: ``unknown`` entries
    (at the first positions), unknown dimensions ``unknown`` long."""
    shape = tuple(unknown if d is None else int(d) for d in (s.shape or ()))
    n = min(unknown, int(np.prod(shape)))
    dtype = np.dtype(object) if s.dtype.name == "string" else np.dtype(s.dtype.as_numpy_dtype)
    values = np.full(n, b"" if dtype.kind == "O" else 0, dtype)
    indices = np.stack(np.unravel_index(np.arange(n), shape), axis=1).astype(np.int64)
    return SparseTensor._make(indices, values, np.asarray(shape, np.int64), shape)


def row(sp: SparseTensor, i: int) -> SparseTensor:
    """Element ``i`` along the first dimension of a host SparseTensor (from_tensor_slices,
    unbatch): its entries in row ``i``, without the first index column."""
    idx = _np(sp.indices)
    keep = idx[:, 0] == i
    shape = tuple(sp._static[1:])
    values = _np(sp.values)[keep]
    return SparseTensor._make(idx[keep, 1:], values, np.asarray(shape, np.int64), shape)


def unbatched_spec(s) -> SparseTensorSpec:
    """The spec of one row of ``s`` (a SparseTensorSpec, or a host SparseTensor)."""
    if isinstance(s, SparseTensor):
        s = spec(s)
    return SparseTensorSpec(None if s.shape is None else list(s.shape)[1:], s.dtype)


def to_numpy(sp: SparseTensor) -> np.ndarray:
    """A host SparseTensor as its dense numpy array (TF's ``as_numpy_iterator``)."""
    values = _np(sp.values)
    out = np.full(sp._static, b"" if values.dtype.kind == "O" else 0, values.dtype)
    idx = _np(sp.indices)
    if len(idx):
        out[tuple(idx.T)] = values
    return out
