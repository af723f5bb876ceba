"""SparseTensor outputs of ``tf.io.parse_example``: ``VarLenFeature`` and ``SparseFeature``.

``_example_parse.py`` parses the Examples; these functions turn each Example's values
into the SparseTensor TF returns: for a batch, indices ``[example, position]`` (or
``[example, index...]``) with dense shape ``[batch, longest]`` (``[batch] + size``);
for one Example the same without the batch column.
"""

from __future__ import annotations

import numpy as np

from . import _dtypes
from ._sparse import SparseTensor, _device
from ._strings import StringTensor


def _values_tensor(values: np.ndarray, name: str):
    if name == "string":
        return StringTensor._wrap(np.asarray(values, object))
    return _device(np.asarray(values, name))


def _build(indices: np.ndarray, values: np.ndarray, shape: list[int], name: str) -> SparseTensor:
    idx = _device(indices.astype(np.int64).reshape(-1, len(shape)))
    return SparseTensor._make(
        idx,
        _values_tensor(values, name),
        _device(np.asarray(shape, np.int64)),
        tuple(int(d) for d in shape),
    )


def _empty(name: str) -> np.ndarray:
    return np.empty(0, object if name == "string" else name)


def _concat(rows: list[np.ndarray], name: str) -> np.ndarray:
    if name == "string":
        out = np.empty(sum(len(r) for r in rows), object)
        if len(out):
            out[:] = [v for r in rows for v in r]
        return out
    return np.concatenate(rows) if rows else _empty(name)


def var_len(rows: list[np.ndarray], name: str, batched: bool) -> SparseTensor:
    """A VarLenFeature: each Example's values at positions ``0 .. len - 1``."""
    lengths = [len(r) for r in rows]
    longest = max(lengths, default=0)
    example = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    position = np.concatenate([np.arange(n, dtype=np.int64) for n in lengths] or [_int(0)])
    values = _concat(rows, name)
    if not batched:
        return _build(position[:, None], values, [longest], name)
    return _build(np.stack([example, position], axis=1), values, [len(rows), longest], name)


def _int(n: int) -> np.ndarray:
    return np.zeros(n, np.int64)


def sparse_feature(
    index_rows: list[list[np.ndarray]],
    value_rows: list[np.ndarray],
    size: list[int],
    name: str,
    already_sorted: bool,
    batched: bool,
) -> SparseTensor:
    """A SparseFeature: per Example, one index array per dimension and the values,
    sorted by index (row-major) unless ``already_sorted``; indices are not range-checked,
    as in TF."""
    all_idx, all_vals = [], []
    for i, (idx_cols, values) in enumerate(zip(index_rows, value_rows)):
        for col in idx_cols:
            if len(col) != len(values):
                raise ValueError(f"Dimensions {len(col)} and {len(values)} are not compatible")
        idx = np.stack(idx_cols, axis=1) if idx_cols else np.zeros((len(values), 0), np.int64)
        if not already_sorted and len(idx):
            order = np.lexsort(idx.T[::-1])
            idx, values = idx[order], values[order]
        if batched:
            idx = np.concatenate([np.full((len(idx), 1), i, np.int64), idx], axis=1)
        all_idx.append(idx)
        all_vals.append(values)
    rank = len(size) + (1 if batched else 0)
    indices = np.concatenate(all_idx) if all_idx else np.zeros((0, rank), np.int64)
    shape = [len(value_rows), *size] if batched else list(size)
    return _build(indices, _concat(all_vals, name), shape, name)


def placeholder(spec_size, n_examples: int, unknown: int, name: str, batched: bool):
    """A SparseTensor of ``unknown`` entries per Example (tf.data's output-spec probe)."""
    fill = b"" if name == "string" else 0
    rows = [np.full(unknown, fill, object if name == "string" else name)] * n_examples
    if spec_size is None:
        return var_len(rows, name, batched)
    zeros = [[_int(unknown) for _ in spec_size] for _ in range(n_examples)]
    return sparse_feature(zeros, rows, list(spec_size), name, True, batched)


def size_of(spec) -> list[int]:
    """A SparseFeature's ``size`` as a list of ints."""
    size = spec.size
    if isinstance(size, (int, np.integer)):
        return [int(size)]
    return [int(d) for d in size]


def index_keys(spec) -> list[str]:
    keys = spec.index_key
    return [keys] if isinstance(keys, str) else list(keys)


def dtype_name(dtype) -> str:
    d = _dtypes.as_dtype(dtype)
    return "string" if d == _dtypes.string else d.name
