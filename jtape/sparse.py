"""``jt.sparse``: TensorFlow's ``tf.sparse`` ops on :class:`~jtape.SparseTensor`.

A SparseTensor holds ``indices`` (int64 ``[N, rank]``), ``values`` (``[N]``) and
``dense_shape`` (int64 ``[rank]``). Ops whose output has a fixed number of entries run
eagerly and inside ``jt.function``; those that select entries by their index values
(``from_dense``, sparse + sparse ``add``, ``retain``, ``slice``, ``split``,
``fill_empty_rows``, ``maximum``/``minimum``, ``output_is_sparse`` reductions) run eagerly
(and in ``tf.data`` functions). Gradients reach ``values`` and dense operands as in TF.
"""

from ._sparse import SparseTensor as SparseTensor
from ._sparse import SparseTensorSpec as SparseTensorSpec
from ._sparse_ops import add as add
from ._sparse_ops import from_dense as from_dense
from ._sparse_ops import map_values as map_values
from ._sparse_ops import reduce_max as reduce_max
from ._sparse_ops import reduce_sum as reduce_sum
from ._sparse_ops import softmax as softmax
from ._sparse_ops import sparse_dense_matmul as sparse_dense_matmul
from ._sparse_ops import to_dense as to_dense
from ._sparse_segment import segment_mean as segment_mean
from ._sparse_segment import segment_sqrt_n as segment_sqrt_n
from ._sparse_segment import segment_sum as segment_sum
from ._sparse_structure import concat as concat
from ._sparse_structure import expand_dims as expand_dims
from ._sparse_structure import eye as eye
from ._sparse_structure import fill_empty_rows as fill_empty_rows
from ._sparse_structure import mask as mask
from ._sparse_structure import maximum as maximum
from ._sparse_structure import minimum as minimum
from ._sparse_structure import reorder as reorder
from ._sparse_structure import reset_shape as reset_shape
from ._sparse_structure import reshape as reshape
from ._sparse_structure import retain as retain
from ._sparse_structure import slice as slice  # noqa: A004 - TF's name
from ._sparse_structure import split as split
from ._sparse_structure import to_indicator as to_indicator
from ._sparse_structure import transpose as transpose
