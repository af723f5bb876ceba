"""``jt.ragged``: TensorFlow's ``tf.ragged`` ops on :class:`~jtape.RaggedTensor`.

A RaggedTensor holds rows of different lengths as flat values and row splits (jtape
Tensors), so elementwise ops, reductions and ``map_flat_values`` are recorded ops that
tapes differentiate and ``jt.function`` compiles. See ``jtape/_ragged.py``.

Example:
    >>> import jtape as jt
    >>> rt = jt.ragged.constant([[1.0, 2.0], [3.0]])
    >>> jt.ragged.map_flat_values(jt.square, rt).to_list()
    [[1.0, 4.0], [9.0]]
"""

from ._ragged import RaggedTensor as RaggedTensor
from ._ragged import is_ragged as is_ragged
from ._ragged_cross import cross as cross
from ._ragged_cross import cross_hashed as cross_hashed
from ._ragged_factory import boolean_mask as boolean_mask
from ._ragged_factory import constant as constant
from ._ragged_factory import ragged_range as range  # noqa: A004 - TF's name
from ._ragged_factory import row_splits_to_segment_ids as row_splits_to_segment_ids
from ._ragged_factory import segment_ids_to_row_splits as segment_ids_to_row_splits
from ._ragged_ops import map_flat_values as map_flat_values
from ._ragged_ops import stack as stack

__all__ = [
    "RaggedTensor",
    "boolean_mask",
    "constant",
    "cross",
    "cross_hashed",
    "is_ragged",
    "map_flat_values",
    "range",
    "row_splits_to_segment_ids",
    "segment_ids_to_row_splits",
    "stack",
]
