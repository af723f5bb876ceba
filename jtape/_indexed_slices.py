"""``IndexedSlices``: rows of a dense tensor, TF's sparse gradient of a row lookup."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._shape import TensorShape
from ._tensor import Tensor, to_value


def _densify_fn(values, indices, num_rows):
    # Repeated indices add up, as TF's conversion (an unsorted segment sum).
    return jax.ops.segment_sum(values, indices.astype(jnp.int32), num_segments=num_rows)


_densify_op = None


def _densify(values, indices, num_rows: int) -> Tensor:
    global _densify_op
    if _densify_op is None:
        from ._op import op

        _densify_op = op(_densify_fn, name="indexed_slices_to_dense")
    return _densify_op(values, indices, num_rows)


class IndexedSlices:
    """Rows ``values`` of a dense tensor at ``indices`` (TF's ``tf.IndexedSlices``).

    ``tape.gradient`` returns one for a variable (or watched tensor) used only through
    row lookups (``gather`` on axis 0, ``nn.embedding_lookup``, ``Embedding``), as TF:
    one row of ``values`` per looked-up id, ids repeated as looked up. Optimizers
    apply it as Keras does; ``convert_to_tensor`` (and any op taking it) adds the
    rows of repeated indices into a dense tensor of ``dense_shape``. It is also the
    sparse update that the Variable ``scatter_*`` methods take.

    Example:
        >>> import jtape as jt
        >>> v = jt.Variable([1.0, 2.0, 3.0])
        >>> v.scatter_add(jt.IndexedSlices(jt.constant([10.0]), jt.constant([1]))).numpy()
        array([ 1., 12.,  3.], dtype=float32)
        >>> g = jt.IndexedSlices(jt.constant([1.0, 2.0]), jt.constant([0, 0]), jt.constant([3]))
        >>> jt.convert_to_tensor(g).numpy()
        array([3., 0., 0.], dtype=float32)
    """

    def __init__(self, values, indices, dense_shape=None, *, _static_shape=None) -> None:
        self._values, self._indices, self._dense_shape = values, indices, dense_shape
        self._static = _static_shape  # dense_shape as ints, known also inside a trace

    def _static_shape(self) -> tuple | None:
        """``dense_shape`` as a tuple of ints (None where unknown)."""
        if self._static is None and self._dense_shape is not None:
            try:
                value = np.asarray(to_value(self._dense_shape))
            except jax.errors.TracerArrayConversionError:
                return None
            self._static = tuple(int(d) for d in value.tolist())
        return self._static

    @property
    def values(self):
        return self._values

    @property
    def indices(self):
        return self._indices

    @property
    def dense_shape(self):
        return self._dense_shape

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        """The dense tensor's shape (from ``dense_shape``, else unknown rows)."""
        static = self._static_shape()
        if static is not None:
            return TensorShape(list(static))
        return TensorShape([None, *tuple(jnp.shape(to_value(self._values)))[1:]])

    def _num_rows(self) -> int:
        static = self._static_shape()
        if static is None:
            raise ValueError(
                "IndexedSlices without a known dense_shape cannot be converted to a dense "
                "tensor (the number of rows is unknown)"
            )
        return static[0]

    def _jt_read(self) -> Tensor:
        """The dense tensor (repeated indices summed), as TF's ``convert_to_tensor``."""
        return _densify(self._values, self._indices, self._num_rows())

    def __neg__(self) -> IndexedSlices:
        return IndexedSlices(
            -self._values, self._indices, self._dense_shape, _static_shape=self._static_shape()
        )

    def __repr__(self) -> str:
        return f"IndexedSlices(indices={self._indices!r}, values={self._values!r}" + (
            f", dense_shape={self._dense_shape!r})" if self._dense_shape is not None else ")"
        )


# A pytree of its three tensors, so a ``jt.function`` can return one (as TF's can).
jax.tree_util.register_pytree_node(
    IndexedSlices,
    lambda s: ((s._values, s._indices, s._dense_shape), s._static_shape()),
    lambda aux, children: IndexedSlices(*children, _static_shape=aux),
)
