"""``Tensor``: an immutable wrapper of one ``jax.Array`` (or a tracer, inside a trace)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._shape import TensorShape
from ._state import state

# Tensor.shape builds its TensorShape without __new__'s checks (jax shapes are ints).
_tuple_new = tuple.__new__

try:  # the class of concrete jax arrays, for ``type(x) is _ArrayImpl`` on hot paths
    from jax._src.array import ArrayImpl as _ArrayImpl
except ImportError:  # pragma: no cover - a JAX that moved it
    _ArrayImpl = type(jnp.zeros(()))


class Tensor:
    """An immutable value: one ``jax.Array``, or a JAX tracer while being traced.

    Tensors come out of every jtape op and out of ``Variable.value()``. They behave
    like TensorFlow's eager tensors: Python operators, ``numpy()``, indexing,
    iteration over the first axis, and they pass straight into numpy and JAX.

    Example:
        >>> import jtape as jt
        >>> x = jt.constant([1.0, 2.0])
        >>> (x * 3).numpy().tolist()
        [3.0, 6.0]
    """

    __slots__ = ("_value", "__weakref__")
    __array_priority__ = 100  # numpy defers to our reflected operators

    def __init__(self, value) -> None:
        self._value = value

    # -- introspection -------------------------------------------------------
    @property
    def shape(self) -> TensorShape:
        return _tuple_new(TensorShape, self._value.shape)  # no checks: known ints

    @property
    def dtype(self) -> _dtypes.DType:
        return _dtypes.of(self._value)

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def size(self) -> int:
        return int(np.prod(self._value.shape, dtype=np.int64))

    @property
    def value(self):
        """The underlying ``jax.Array`` (or tracer)."""
        return self._value

    def numpy(self) -> np.ndarray:
        """The value as a numpy array of its own (writeable; changing it changes nothing
        here), a numpy scalar for a 0-d tensor, as TF. A value taken out this way leaves
        the tape."""
        _note_escape(self)
        return _own_numpy(self._value)

    def __array__(self, dtype=None, copy=None):
        _note_escape(self)
        arr = np.asarray(self._value)
        return arr.astype(dtype) if dtype is not None else arr

    def __jax_array__(self):
        return self._value

    def __repr__(self) -> str:
        if isinstance(self._value, jax.core.Tracer):
            return f"<jt.Tensor: shape={self.shape}, dtype={self.dtype.name}, traced>"
        return (
            f"<jt.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={_fmt(self._value)}>"
        )

    def __str__(self) -> str:
        if isinstance(self._value, jax.core.Tracer):
            return repr(self)
        return f"jt.Tensor({_fmt(self._value)}, shape={self.shape}, dtype={self.dtype.name})"

    # -- Python protocol -----------------------------------------------------
    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a scalar (0-d) jt.Tensor is undefined")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a scalar (0-d) jt.Tensor is not allowed")
        return (self[i] for i in range(self.shape[0]))

    def __bool__(self) -> bool:
        return bool(_concrete(self, "bool()"))

    def __float__(self) -> float:
        return float(_concrete(self, "float()"))

    def __int__(self) -> int:
        return int(_concrete(self, "int()"))

    def __index__(self) -> int:
        if not jnp.issubdtype(self.dtype, jnp.integer):
            raise TypeError(f"only integer tensors can be used as an index, got {self.dtype.name}")
        return int(_concrete(self, "an index"))

    def __complex__(self) -> complex:
        return complex(_concrete(self, "complex()"))

    def __format__(self, spec: str) -> str:
        if self.ndim == 0 and not isinstance(self._value, jax.core.Tracer):
            return format(np.asarray(self._value).item(), spec)
        return format(str(self), spec)

    __hash__ = object.__hash__  # identity; TF's ``.ref()`` is provided for compatibility

    def ref(self):
        """A hashable reference (TF's ``Tensor.ref()``); ``ref().deref()`` gives it back."""
        return _Ref(self)

    def get_shape(self) -> tuple[int, ...]:
        return self.shape


class _Ref:
    __slots__ = ("_obj",)

    def __init__(self, obj) -> None:
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self) -> int:
        return id(self._obj)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Ref) and other._obj is self._obj


def _fmt(value) -> str:
    arr = np.asarray(value)
    return repr(arr.item()) if arr.ndim == 0 else np.array2string(arr, threshold=20)


def _concrete(t: Tensor, what: str):
    value = t._value
    if isinstance(value, jax.core.Tracer):
        from ._errors import tensor_as_python_error

        raise tensor_as_python_error(what)
    _note_escape(t)
    return np.asarray(value)


def _note_escape(t: Tensor) -> None:
    # Remember that a recorded value left jtape (numpy/float) so tape.explain can say
    # why a later gradient is None. One list check when no tape is active.
    for rec in state.recorders:
        rec._note_escape(t)


def to_value(x, dtype=None):
    """The raw JAX value of ``x`` (Tensor, Variable, array or Python value)."""
    if type(x) is Tensor:
        v = x._value
    elif hasattr(x, "_jt_read"):
        v = x._jt_read()._value
    else:
        if type(x) is list or type(x) is tuple:
            packed = _pack_with_tensors(x, dtype)
            if packed is not None:
                return packed
        if dtype is not None:
            dt = _dtypes.as_dtype(dtype)
            if _dtypes.default_dtype_for(x) is not None:  # Python data: must fit (TF)
                from ._dtype_rules import convert_python

                x = convert_python(x, dt)
        else:
            dt = _dtypes.default_dtype_for(x)
        if dt is None:  # numpy/JAX data keeps its dtype, as in TF
            dt = getattr(x, "dtype", None)
            if dt is None:
                x = np.asarray(x)
                dt = x.dtype
                if dt == np.float64 and not _dtypes.X64:
                    dt = _dtypes.float32
        _dtypes.check_supported(dt)
        return jnp.asarray(x, dtype=np.dtype(dt))
    if dtype is not None and v.dtype != _dtypes.as_dtype(dtype):
        v = v.astype(_dtypes.as_dtype(dtype))
    return v


def _is_tensor(x) -> bool:
    return type(x) is Tensor or hasattr(x, "_jt_read")


def _first_tensor_dtype(value):
    """The dtype of the first Tensor/Variable in a nested list, depth first (TF's pick)."""
    for elem in value:
        if _is_tensor(elem):
            return elem.dtype
        if type(elem) is list or type(elem) is tuple:
            found = _first_tensor_dtype(elem)
            if found is not None:
                return found
    return None


def _pack_with_tensors(value, dtype):
    """A nested list holding Tensors, packed as TF packs it: to the given ``dtype``, else
    to the first Tensor's dtype, Python and numpy numbers converted to it (they must fit)
    and any other Tensor dtype refused. None when the list holds no Tensor."""
    first = _first_tensor_dtype(value)
    if first is None:
        return None
    target = _dtypes.as_dtype(dtype if dtype is not None else first)

    def pack(items):
        parts = []
        for i, elem in enumerate(items):
            if _is_tensor(elem):
                v = to_value(elem)
                if v.dtype != target:
                    if dtype is None:
                        from ._dtype_rules import tf_name
                        from ._op_errors import InvalidArgumentError

                        raise InvalidArgumentError(
                            f"cannot compute Pack as input #{i}(zero-based) was expected to "
                            f"be a {tf_name(target)} tensor but is a {tf_name(v.dtype)} tensor "
                            "[Op:Pack]"
                        )
                    v = v.astype(target)
                parts.append(v)
            elif type(elem) is list or type(elem) is tuple:
                parts.append(pack(elem))
            else:
                if isinstance(elem, np.generic):
                    elem = elem.item()
                parts.append(to_value(elem, target))
        return jnp.stack(parts)

    return pack(value)


def _flatten_tensor(t: Tensor):
    return (t._value,), None


def _unflatten_tensor(_aux, children) -> Tensor:
    return Tensor(children[0])


jax.tree_util.register_pytree_node(Tensor, _flatten_tensor, _unflatten_tensor)


def _own_numpy(value):
    """TF's ``numpy()``: a numpy scalar for 0-d values, else a writeable copy (numpy's
    view of a JAX array is read-only and shares its buffer)."""
    arr = np.asarray(value)
    return arr[()] if arr.ndim == 0 else arr.copy()
