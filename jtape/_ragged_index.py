"""``rt[...]``: indexing a RaggedTensor as TF does.

``rt[i]`` is row ``i`` (a Tensor, or a RaggedTensor when more ragged dimensions
follow), ``rt[a:b]`` a RaggedTensor of rows, and ``rt[:, j]`` / ``rt[:, a:b]`` index
inside each row. The positions are worked out on the host from the row splits (eager
only: the result's size depends on them) and the values are gathered by a recorded op,
so gradients reach the flat values.
"""

from __future__ import annotations

import numpy as np

from ._op_errors import InvalidArgumentError
from ._ragged import RaggedTensor, _take, const
from ._tensor import Tensor


def _as_index(k):
    if isinstance(k, Tensor) and len(k.shape) == 0:
        return int(np.asarray(k))
    if isinstance(k, (np.integer,)):
        return int(k)
    return k


def _rows_of(rt: RaggedTensor, key):
    """Axis 0: an int gives one row's items, a slice the rows kept (as a RaggedTensor)."""
    n = int(rt._rs.shape[0]) - 1
    if isinstance(key, int):
        if not -n <= key < n:
            raise IndexError(f"Row key {key} out of bounds")
        key %= n
        s = rt._host_splits("rt[i]")
        return _take(rt._v, np.arange(s[key], s[key + 1]))
    if isinstance(key, slice):
        return _take(rt, np.arange(n)[key])
    raise TypeError(
        f"RaggedTensor indices must be ints or slices on the row dimension, got {key!r}"
    )


def _within_rows(rt: RaggedTensor, key):
    """Axis 1 (the ragged one): an int picks one item of every row, a slice cuts rows."""
    s = rt._host_splits("rt[:, j]")
    starts, lengths = s[:-1], np.diff(s)
    if isinstance(key, int):
        pos = np.where(key < 0, lengths + key, key)
        if np.any(pos < 0) or np.any(pos >= lengths):
            raise InvalidArgumentError(
                f"slice index {key} of dimension 1 out of bounds for a row. [Op:RaggedGather]"
            )
        return _take(rt._v, starts + pos)
    if isinstance(key, slice):
        parts = [np.arange(a, a + ln)[key] for a, ln in zip(starts.tolist(), lengths.tolist())]
        idx = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        new_splits = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(s.dtype)

        return RaggedTensor._make(_take(rt._v, idx), const(new_splits))
    raise TypeError(f"RaggedTensor: index {key!r} on the ragged dimension is not supported")


def getitem(rt: RaggedTensor, key):
    if not isinstance(key, tuple):
        key = (key,)
    key = tuple(_as_index(k) for k in key)
    if not key:
        return rt
    first, rest = key[0], key[1:]
    if isinstance(first, int):
        row = _rows_of(rt, first)
        return row[rest] if rest else row
    out = rt if first == slice(None) else _rows_of(rt, first)
    if not rest:
        return out
    if isinstance(rest[0], int):
        raise ValueError("Cannot index into an inner ragged dimension.")
    if rest[0] != slice(None):
        out = _within_rows(out, rest[0])
    if len(rest) > 1:
        out = out.with_values(out.values[(slice(None), *rest[1:])])
    return out
