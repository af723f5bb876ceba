"""``tf.sparse.segment_sum`` / ``segment_mean`` / ``segment_sqrt_n``: rows ``data[indices]``
summed (averaged, divided by the root of the count) into the segments ``segment_ids``.

The inputs are dense; "sparse" refers to the selected rows. Without ``num_segments`` the
output has ``max(segment_ids) + 1`` rows, which needs concrete ids (eagerly, or in a
``tf.data`` function); inside ``jt.function`` pass ``num_segments``. TF's checks (sorted
ids, indices in range) run where the values are concrete.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ._op import op
from ._op_errors import InvalidArgumentError
from ._sparse import _concrete
from ._sparse_ops import _c_name
from ._special_math_ops import segment_values
from ._tensor import Tensor, to_value


@op(name="sparse_segment_reduce")
def _segment_fn(data, indices, segment_ids, n, kind):
    rows = jnp.take(data, indices.astype(jnp.int32), axis=0)
    return segment_values(rows, segment_ids.astype(jnp.int32), n, kind, False)


def _int_tensor(x) -> Tensor:
    t = x if isinstance(x, Tensor) else Tensor(to_value(x))
    if not t.dtype.is_integer:
        raise TypeError(f"segment ids and indices must be int32 or int64, got {t.dtype.name}")
    return t


def _segment(data, indices, segment_ids, num_segments, kind: str, what: str):
    from ._array_ops import convert_to_tensor

    data = convert_to_tensor(data)  # a Variable is read (recorded), not copied
    if kind != "sum" and data.dtype.name not in ("bfloat16", "float16", "float32", "float64"):
        raise InvalidArgumentError(
            f"Value for attr 'T' of {_c_name(data.dtype)} is not in the list of allowed "
            "values: bfloat16, half, float, double"
        )
    indices, segment_ids = _int_tensor(indices), _int_tensor(segment_ids)
    if indices.shape != segment_ids.shape:
        raise InvalidArgumentError("segment_ids and indices should have same size.")
    ids, idx = _concrete(segment_ids), _concrete(indices)
    if idx is not None:
        rows = int(data.shape[0])
        bad = np.flatnonzero((idx < 0) | (idx >= rows))
        if len(bad):
            i = int(bad[0])
            raise InvalidArgumentError(f"Bad: indices[{i}] == {idx[i]} out of range [0, {rows})")
    if num_segments is None:
        if ids is None:
            raise ValueError(
                f"{what}: without num_segments the output size depends on the values of "
                "segment_ids; pass num_segments inside tf.function"
            )
        n = int(ids.max()) + 1 if len(ids) else 0
    else:
        n = int(np.asarray(to_value(num_segments)))
    if ids is not None and len(ids):
        if np.any(np.diff(ids) < 0):
            raise InvalidArgumentError("segment ids are not increasing")
        if ids[0] < 0:
            raise InvalidArgumentError(
                f"Segment id {ids[0]} out of range [0, {n}), possibly because 'segment_ids' "
                "input is not sorted."
            )
        if num_segments is not None and ids[-1] >= n:
            raise InvalidArgumentError("segment ids must be < num_segments")
    return _segment_fn(data, indices, segment_ids, n, kind)


def segment_sum(data, indices, segment_ids, num_segments=None, name=None, sparse_gradient=False):
    """The sum of the rows ``data[indices[i]]`` per ``segment_ids[i]`` (sorted ids).

    Example:
        >>> import jtape as jt
        >>> segment_sum(jt.constant([1.0, 2.0, 3.0]), [0, 2], [0, 0]).numpy().tolist()
        [4.0]
    """
    del name, sparse_gradient
    return _segment(data, indices, segment_ids, num_segments, "sum", "sparse.segment_sum")


def segment_mean(data, indices, segment_ids, num_segments=None, name=None, sparse_gradient=False):
    """The mean of the rows ``data[indices[i]]`` per segment (0 for an empty segment).

    Example:
        >>> import jtape as jt
        >>> segment_mean(jt.constant([1.0, 2.0, 3.0]), [0, 2], [0, 0]).numpy().tolist()
        [2.0]
    """
    del name, sparse_gradient
    return _segment(data, indices, segment_ids, num_segments, "mean", "sparse.segment_mean")


def segment_sqrt_n(data, indices, segment_ids, num_segments=None, name=None, sparse_gradient=False):
    """The sum of the rows ``data[indices[i]]`` per segment over the root of its count.

    Example:
        >>> import jtape as jt
        >>> segment_sqrt_n(jt.constant([1.0, 3.0]), [0, 1], [0, 0]).numpy().tolist()
        [2.8284270763397217]
    """
    del name, sparse_gradient
    return _segment(data, indices, segment_ids, num_segments, "sqrt_n", "sparse.segment_sqrt_n")
