"""``compute_average_loss``: the per-replica share of a global-batch mean."""

from __future__ import annotations

from .. import _math_ops as M
from .._tensor import Tensor
from ._context import _local


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None) -> Tensor:
    """``sum(per_example_loss * sample_weight) / global_batch_size``.

    Summing its gradient over replicas (what ``apply_gradients`` does inside
    ``strategy.run``) gives the gradient of the mean loss over the global batch. Without
    ``global_batch_size`` it is the local batch size times the replicas in sync.

    Example:
        >>> import jtape as jt
        >>> float(jt.distribute.compute_average_loss(jt.constant([1.0, 3.0]), global_batch_size=4))
        1.0
    """
    loss = per_example_loss
    if sample_weight is not None:
        loss = loss * sample_weight
    if global_batch_size is None:
        replicas = (
            _local.replica_contexts[-1].num_replicas_in_sync if _local.replica_contexts else 1
        )
        global_batch_size = (loss.shape[0] if loss.ndim else 1) * replicas
    if isinstance(global_batch_size, (int, float)) and global_batch_size <= 0:
        raise ValueError(f"global_batch_size: expected a positive number, got {global_batch_size}")
    return M.sum(loss) / M.cast(global_batch_size, loss.dtype)
