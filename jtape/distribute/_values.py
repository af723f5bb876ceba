"""Per-replica values: one global array holding every replica's part."""

from __future__ import annotations

import jax

from .._tensor import Tensor


class PerReplica:
    """A value with one part per replica (``tf.distribute.DistributedValues``).

    The parts live in one global ``jax.Array`` sharded over the replicas. ``"split"``
    values (input batches) are the replicas' parts concatenated along axis 0;
    ``"stacked"`` values (results of ``strategy.run``) have a new leading replica axis.
    """

    def __init__(self, value: Tensor, layout: str, num_replicas: int) -> None:
        if layout not in ("split", "stacked"):
            raise ValueError(f"layout: expected 'split' or 'stacked', got {layout!r}")
        self._value = value
        self._layout = layout
        self._num = num_replicas

    @property
    def values(self) -> tuple[Tensor, ...]:
        """Each replica's part, as a tuple of Tensors."""
        v = self._value
        if self._layout == "stacked":
            return tuple(v[i] for i in range(self._num))
        size = v.shape[0] // self._num
        return tuple(v[i * size : (i + 1) * size] for i in range(self._num))

    def __repr__(self) -> str:
        return f"PerReplica({self._layout}, replicas={self._num}, value={self._value!r})"

    def _jt_read(self):
        # An op reading it (jt.sum(per_replica), convert_to_tensor): TF's refusal, not a
        # silent op over every replica's part at once.
        raise ValueError(
            "It looks like you are using a PerReplica object while not inside a replica "
            "context, which is not supported. Try running your op or function inside a "
            "replica context by using `strategy.run`, or combine the parts first with "
            "`strategy.reduce` / `strategy.gather` / `strategy.experimental_local_results`."
        )

    __jax_array__ = _jt_read


def _flatten(p: PerReplica):
    return (p._value,), (p._layout, p._num)


def _unflatten(aux, children) -> PerReplica:
    return PerReplica(children[0], *aux)


jax.tree_util.register_pytree_node(PerReplica, _flatten, _unflatten)
