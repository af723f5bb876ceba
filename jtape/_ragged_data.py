"""RaggedTensor components of ``tf.data`` pipelines: host rows and ``ragged_batch``.

Inside a pipeline a RaggedTensor stands as ``HostRows``: its rows as host numpy arrays,
sliced like any component (element ``i`` is row ``i``, a dense tensor, as in TF).
``batch_rows`` batches host elements as TF's ``Dataset.ragged_batch`` does.
"""

from __future__ import annotations

import numpy as np

from . import _dtypes
from ._ragged import RaggedTensor, RaggedTensorSpec


class HostRows:
    """A RaggedTensor inside a ``tf.data`` pipeline: its rows as host numpy arrays.

    It stands where the pipeline keeps a numpy array (``shape[0]`` rows, ``x[i]`` one
    row), so ``from_tensor_slices`` slices it like any component: element ``i`` is row
    ``i``, a dense tensor, as in TF.
    """

    def __init__(self, rt: RaggedTensor) -> None:
        if rt.ragged_rank != 1:
            raise TypeError(
                "tf.data: jtape slices RaggedTensors of ragged_rank 1 only (each row a "
                f"dense tensor), got ragged_rank {rt.ragged_rank}"
            )
        self._jt_ragged = rt  # the whole RaggedTensor, for an unsliced element
        self.rows = [r.copy() for r in rt.rows()]
        self.dtype = np.dtype(object) if rt.dtype == _dtypes.string else rt._values.dtype
        self.shape = (len(self.rows), None, *tuple(rt.shape)[2:])
        self.ndim = len(self.shape)

    def spec(self) -> RaggedTensorSpec:
        return RaggedTensorSpec.from_value(self._jt_ragged)

    def __getitem__(self, index):
        if isinstance(index, tuple) and index[1:] == (Ellipsis,):
            index = index[0]
        if isinstance(index, (int, np.integer)):
            return self.rows[int(index)]
        from ._op_errors import InvalidArgumentError

        raise InvalidArgumentError(
            "batch: elements sliced from a RaggedTensor have different shapes; use "
            "ragged_batch (or padded_batch)"
        )


def batch_rows(rows: list, row_splits_dtype=_dtypes.int64, ragged: bool = True):
    """Host elements (numpy arrays) batched as TF's ``ragged_batch``: a RaggedTensor whose
    first element dimension is ragged, or a numpy array when the element spec has a
    static shape (``ragged`` False), as TF decides by the spec."""
    shapes = {np.shape(r) for r in rows}
    if not ragged and len(shapes) == 1:
        return np.stack([np.asarray(r) for r in rows])
    inner = {np.shape(r)[1:] for r in rows}
    if len(inner) != 1 or any(np.ndim(r) == 0 for r in rows):
        raise ValueError(
            "ragged_batch: jtape batches elements that differ in their first dimension "
            f"only, got shapes {sorted(shapes)}"
        )
    dtype = _dtypes.string if np.asarray(rows[0]).dtype == object else np.asarray(rows[0]).dtype
    return RaggedTensor.from_rows(rows, dtype).with_row_splits_dtype(row_splits_dtype)


def is_ragged_leaf(x) -> bool:
    """Whether a pipeline leaf is a RaggedTensor (whole, or as host rows)."""
    return isinstance(x, (RaggedTensor, HostRows))


def spec(x) -> RaggedTensorSpec:
    return RaggedTensorSpec.from_value(x._jt_ragged if isinstance(x, HostRows) else x)


def stack(column: list) -> RaggedTensor:
    """RaggedTensor elements batched: one more (ragged) outer dimension, as TF's ``batch``."""
    from ._ragged_ops import stack as ragged_stack

    return ragged_stack([x._jt_ragged if isinstance(x, HostRows) else x for x in column], 0)
