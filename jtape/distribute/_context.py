"""Replica and cross-replica contexts, and the current strategy."""

from __future__ import annotations

import enum
import threading

import jax

from .._op import op


class ReduceOp(enum.Enum):
    """How values from several replicas combine (``tf.distribute.ReduceOp``)."""

    SUM = "SUM"
    MEAN = "MEAN"


def _reduce_op(value) -> ReduceOp:
    if isinstance(value, ReduceOp):
        return value
    name = getattr(value, "value", getattr(value, "name", value))
    try:
        return ReduceOp(str(name).upper())
    except ValueError:
        raise ValueError(
            f"reduce_op: expected ReduceOp.SUM or ReduceOp.MEAN, got {value!r}"
        ) from None


class _Local(threading.local):
    def __init__(self) -> None:
        self.strategies: list = []
        self.replica_contexts: list = []


_local = _Local()


@op
def _psum(x, axis_name):
    return jax.lax.psum(x, axis_name)


@op
def _pmean(x, axis_name):
    return jax.lax.pmean(x, axis_name)


class ReplicaContext:
    """The view of one replica while ``strategy.run`` executes ``fn``."""

    def __init__(self, strategy, axis_name: str | None, num_replicas: int) -> None:
        self.strategy = strategy
        self._axis = axis_name
        self.num_replicas_in_sync = num_replicas

    @property
    def replica_id_in_sync_group(self):
        from .._tensor import Tensor

        if self._axis is None:
            return Tensor(jax.numpy.asarray(0, jax.numpy.int32))
        return Tensor(jax.lax.axis_index(self._axis))

    def all_reduce(self, reduce_op, value):
        """Sum or average ``value`` (a nested structure of tensors) over all replicas."""
        kind = _reduce_op(reduce_op)
        if self._axis is None:
            return value
        fn = _psum if kind is ReduceOp.SUM else _pmean
        return jax.tree_util.tree_map(
            lambda v: fn(v, self._axis), value, is_leaf=lambda x: hasattr(x, "dtype")
        )

    def merge_call(self, merge_fn, args=(), kwargs=None):
        return merge_fn(self.strategy, *args, **(kwargs or {}))


def get_replica_context() -> ReplicaContext | None:
    """The replica context inside ``strategy.run``; a default one outside any strategy.

    In cross-replica context (inside ``strategy.scope()`` but outside ``run``) it is
    None, as in TensorFlow.
    """
    if _local.replica_contexts:
        return _local.replica_contexts[-1]
    if _local.strategies:
        return None
    return ReplicaContext(get_strategy(), None, 1)


def in_cross_replica_context() -> bool:
    return bool(_local.strategies) and not _local.replica_contexts


def get_cross_replica_context():
    return get_strategy() if in_cross_replica_context() else None


def get_strategy():
    """The strategy running ``strategy.run`` or whose ``scope()`` is active, or the
    default one-device strategy."""
    if _local.replica_contexts:
        return _local.replica_contexts[-1].strategy
    if _local.strategies:
        return _local.strategies[-1]
    from ._strategy import _default_strategy

    return _default_strategy()


def has_strategy() -> bool:
    return bool(_local.strategies)


def sum_over_replicas(arrays: list) -> list:
    """Sum raw gradient arrays over replicas inside ``strategy.run`` (TF's default).

    ``Optimizer.apply`` calls this, so per-replica gradients of
    ``compute_average_loss`` add up to the global-batch gradient. Outside ``run`` it
    returns ``arrays`` unchanged.
    """
    ctx = _local.replica_contexts[-1] if _local.replica_contexts else None
    if ctx is None or ctx._axis is None:
        return arrays
    return [jax.lax.psum(a, ctx._axis) for a in arrays]
