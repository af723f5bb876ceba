"""``SparseTensor``: a tensor stored as its non-zero entries, TF's ``tf.sparse.SparseTensor``.

Three tensors: ``indices`` (int64 ``[N, rank]``), ``values`` (``[N]``) and
``dense_shape`` (int64 ``[rank]``). The dense shape is also kept as Python ints
wherever it is known (always eagerly, and inside ``jt.function`` when the traced
SparseTensor came in as an argument or was built from a Python shape), so the ops in
``_sparse_ops.py`` compile with static shapes. A SparseTensor is a registered pytree
(its three tensors; the static shape is the tree's auxiliary data), so it passes
through ``jt.function``, ``jax.jit`` and the other JAX transformations.
"""

from __future__ import annotations

import jax
import numpy as np

from . import _dtypes
from ._shape import TensorShape
from ._strings import StringTensor, is_string_value, to_bytes_array
from ._tensor import Tensor, to_value


def _device(x) -> Tensor:
    """A host array as a Tensor (``jax.device_put``: ``jnp.asarray`` of a numpy array
    compiles a small program per shape, and sparse shapes change with every batch)."""
    return Tensor(jax.device_put(np.asarray(x)))


def _concrete(x) -> np.ndarray | None:
    """The numpy value of a Tensor / array, or None while it is traced."""
    if isinstance(x, StringTensor):
        return x._np
    value = x._value if isinstance(x, Tensor) else x
    if isinstance(value, jax.core.Tracer):
        return None
    return np.asarray(value)


def _as_int64(x, what: str) -> Tensor:
    """``x`` as an int64 Tensor; a Tensor of another dtype is refused as TF refuses it."""
    if isinstance(x, Tensor) or hasattr(x, "_jt_read"):
        t = x if isinstance(x, Tensor) else x._jt_read()
        if t.dtype != _dtypes.int64:
            raise ValueError(
                f"{what}: Tensor conversion requested dtype int64 for Tensor with dtype "
                f"{t.dtype.name}: {t!r}"
            )
        return t
    arr = np.asarray(x)
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"Cannot convert {x!r} to EagerTensor of dtype int64")
    return _device(arr.astype(np.int64))


def _as_values(x):
    if isinstance(x, (Tensor, StringTensor)):
        return x
    if hasattr(x, "_jt_read"):
        return x._jt_read()
    if is_string_value(x):
        return StringTensor._wrap(to_bytes_array(x))
    return Tensor(to_value(x))


def _dims_text(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


class SparseTensor:
    """A sparse tensor: ``values[i]`` sits at ``indices[i]`` of a ``dense_shape`` tensor.

    Every other entry is zero (or the ``default_value`` of ``tf.sparse.to_dense``).
    ``indices`` is an int64 ``[N, rank]`` tensor, ``values`` a ``[N]`` tensor of any dtype
    (strings too), ``dense_shape`` an int64 ``[rank]`` tensor. Most ops expect the indices
    in row-major order (``tf.sparse.reorder`` sorts them). ``sparse * dense`` and
    ``sparse / dense`` multiply/divide the stored values by the dense tensor broadcast
    to ``dense_shape`` and return a SparseTensor, as in TF.

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[2, 3])
        >>> s.shape, s.dtype
        ((2, 3), tf.float32)
        >>> jt.sparse.to_dense(s).numpy().tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]]
    """

    __slots__ = ("_indices", "_values", "_dense_shape", "_static", "__weakref__")
    _jt_sparse = True  # lets core ops (cast, shape, size, rank) see one without importing

    def __init__(self, indices, values, dense_shape) -> None:
        # The shape's Python/numpy value (a constant made inside a trace is traced).
        static = None if isinstance(dense_shape, Tensor) else np.asarray(dense_shape)
        indices = _as_int64(indices, "indices")
        values = _as_values(values)
        dense_shape = _as_int64(dense_shape, "dense_shape")
        ishape, vshape, sshape = tuple(indices.shape), tuple(values.shape), tuple(dense_shape.shape)
        for shape, rank in ((ishape, 2), (vshape, 1), (sshape, 1)):
            if len(shape) != rank:
                raise ValueError(f"Shape {_dims_text(shape)} must have rank {rank}")
        if ishape[0] != vshape[0]:
            raise ValueError(f"Dimensions {ishape[0]} and {vshape[0]} are not compatible")
        if ishape[1] != sshape[0]:
            raise ValueError(f"Dimensions {ishape[1]} and {sshape[0]} are not compatible")
        self._indices, self._values, self._dense_shape = indices, values, dense_shape
        static = _concrete(dense_shape) if static is None else static
        self._static = None if static is None else tuple(int(d) for d in static.tolist())

    @classmethod
    def _make(cls, indices, values, dense_shape, static) -> SparseTensor:
        """From parts already converted (no checks); ``static`` the shape as ints or None."""
        s = object.__new__(cls)
        s._indices, s._values, s._dense_shape, s._static = indices, values, dense_shape, static
        return s

    @classmethod
    def from_value(cls, sparse_tensor_value) -> SparseTensor:
        """A SparseTensor from a SparseTensor or ``tf.compat.v1.SparseTensorValue``-like
        object (anything with ``indices``, ``values`` and ``dense_shape``)."""
        if isinstance(sparse_tensor_value, SparseTensor):
            return sparse_tensor_value
        v = sparse_tensor_value
        return cls(v.indices, v.values, v.dense_shape)

    # -- introspection -----------------------------------------------------------
    @property
    def indices(self) -> Tensor:
        """int64 ``[N, rank]``: where each stored value sits."""
        return self._indices

    @property
    def values(self):
        """``[N]``: the stored values."""
        return self._values

    @property
    def dense_shape(self) -> Tensor:
        """int64 ``[rank]``: the shape of the dense tensor."""
        return self._dense_shape

    @property
    def dtype(self) -> _dtypes.DType:
        return _dtypes.as_dtype(self._values.dtype)

    @property
    def shape(self) -> TensorShape:
        """The dense shape as a TensorShape (dimensions None where not known statically)."""
        if self._static is not None:
            return TensorShape(list(self._static))
        return TensorShape([None] * int(self._indices.shape[1]))

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return int(self._indices.shape[1])

    def static_shape(self, what: str) -> tuple[int, ...]:
        """The dense shape as ints; ValueError naming ``what`` while it is unknown."""
        if self._static is None:
            raise ValueError(
                f"{what}: the SparseTensor's dense_shape is not known while tracing (jtape "
                "compiles sparse ops for a static dense shape); build it from Python ints, "
                "e.g. `x.shape` rather than `tf.shape(x)`, or pass the SparseTensor into "
                "the tf.function as an argument"
            )
        return self._static

    def with_values(self, new_values) -> SparseTensor:
        """The same indices and dense_shape with other ``values`` (same length)."""
        new_values = _as_values(new_values)
        if tuple(new_values.shape) != tuple(self._values.shape):
            raise ValueError(
                f"Dimensions {self._values.shape[0]} and {new_values.shape[0]} are not compatible"
            )
        return SparseTensor._make(self._indices, new_values, self._dense_shape, self._static)

    def consumers(self) -> list:
        return []

    def __repr__(self) -> str:
        return (
            f"SparseTensor(indices={self._indices!r}, values={self._values!r}, "
            f"dense_shape={self._dense_shape!r})"
        )

    # -- operators (TF defines only *, / and // with a dense operand) --------------
    def __mul__(self, other):
        from ._sparse_ops import _cwise

        return _cwise(self, other, "mul")

    def __truediv__(self, other):
        from ._sparse_ops import _cwise

        return _cwise(self, other, "truediv")

    def __div__(self, other):  # TF's name for the same
        return self.__truediv__(other)

    def _not_dense(self, *args, **kwargs):
        raise ValueError(
            f"Attempt to convert a value ({self!r}) with an unsupported type "
            f"({type(self)}) to a Tensor. Use tf.sparse.to_dense for the dense tensor."
        )

    __array__ = _not_dense
    __jax_array__ = _not_dense

    def __bool__(self) -> bool:
        raise TypeError("A SparseTensor has no truth value; compare its values instead")

    __array_priority__ = 200  # numpy defers to our operators


def _flatten(s: SparseTensor):
    return (s._indices, s._values, s._dense_shape), s._static


def _unflatten(static, children) -> SparseTensor:
    return SparseTensor._make(*children, static)


jax.tree_util.register_pytree_node(SparseTensor, _flatten, _unflatten)


def is_sparse(x) -> bool:
    """``tf.sparse.is_sparse``-like check: whether ``x`` is a SparseTensor."""
    return isinstance(x, SparseTensor)


class SparseTensorSpec:
    """The type of a SparseTensor: its dense ``shape`` (dims may be None) and ``dtype``.

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor([[0, 1]], [1.0], [2, 3])
        >>> jt.SparseTensorSpec.from_value(s)
        SparseTensorSpec(TensorShape([2, 3]), tf.float32)
    """

    def __init__(self, shape=None, dtype=_dtypes.float32) -> None:
        self.shape = None if shape is None else TensorShape(list(shape))
        self.dtype = _dtypes.as_dtype(dtype)

    @classmethod
    def from_value(cls, value: SparseTensor) -> SparseTensorSpec:
        return cls(value.shape, value.dtype)

    @property
    def value_type(self) -> type:
        return SparseTensor

    def is_compatible_with(self, other) -> bool:
        """Whether ``other`` (a spec or SparseTensor) fits this spec."""
        if isinstance(other, SparseTensor):
            other = SparseTensorSpec.from_value(other)
        if not isinstance(other, SparseTensorSpec) or other.dtype != self.dtype:
            return False
        if self.shape is None or other.shape is None:
            return True
        return self.shape.is_compatible_with(other.shape)

    def most_specific_compatible(self, other: SparseTensorSpec) -> SparseTensorSpec:
        """The spec both fit: dimensions that differ become None."""
        a, b = self.shape, other.shape
        if a is None or b is None or len(a) != len(b):
            return SparseTensorSpec(None, self.dtype)
        return SparseTensorSpec([x if x == y else None for x, y in zip(a, b)], self.dtype)

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, SparseTensorSpec)
            and self.dtype == other.dtype
            and self.shape == other.shape
        )

    def __hash__(self) -> int:
        return hash((self.dtype, self.shape))

    def __repr__(self) -> str:
        dims = None if self.shape is None else list(self.shape)
        return f"SparseTensorSpec(TensorShape({dims}), {self.dtype!r})"
