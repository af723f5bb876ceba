"""``tf.ragged``: the ops of ``jtape.ragged`` under TensorFlow's names."""

from .._ragged_cross import cross as cross
from .._ragged_cross import cross_hashed as cross_hashed
from .._ragged_factory import boolean_mask as boolean_mask
from .._ragged_factory import constant as constant
from .._ragged_factory import ragged_range as range  # noqa: A004 - TF's name
from .._ragged_factory import row_splits_to_segment_ids as row_splits_to_segment_ids
from .._ragged_factory import segment_ids_to_row_splits as segment_ids_to_row_splits
from .._ragged_ops import map_flat_values as map_flat_values
from .._ragged_ops import stack as stack
from ._missing import missing

__all__ = [
    "boolean_mask",
    "constant",
    "cross",
    "cross_hashed",
    "map_flat_values",
    "range",
    "row_splits_to_segment_ids",
    "segment_ids_to_row_splits",
    "stack",
]

__getattr__ = missing("tf.ragged")
