"""``TensorArray``: a list of equally typed tensors that loops write one step at a time.

Two representations, chosen when the array is created, as TensorFlow does:

* **Eager** (outside any trace): a Python list of Tensors. ``write`` stores the Tensor
  and returns the same object (it mutates, as TF's eager array does); ``stack`` is one
  recorded ``stack`` op, so tapes differentiate through the written values.
* **Traced** (inside ``jt.function``): one buffer Tensor of shape ``(size, *element)``.
  ``write`` is a recorded op returning a *new* TensorArray (``ta = ta.write(i, x)``,
  TF's functional graph semantics). The array is a registered pytree (the buffer is its
  only leaf), so it can be a ``while_loop``/AutoGraph loop variable. XLA needs the
  buffer before the loop starts; when ``element_shape`` is not given, the loop runs its
  body once abstractly (``jax.eval_shape``) to learn it, and a ``dynamic_size`` array is
  sized by running the whole loop in Python on the values known when tracing
  (:func:`allocate_for_loop`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._array_ops import convert_to_tensor
from ._op import op
from ._op_errors import InvalidArgumentError, OutOfRangeError
from ._shape import TensorShape
from ._state import tracing
from ._tensor import Tensor

_XLA_HINT = (
    "XLA compiles one program with fixed shapes, so jtape needs the array's size and "
    "element shape when it traces"
)


# -- the ops on the traced buffer (each one recorded, so tapes differentiate it) ----------


def _fill_value(dtype):
    # An index outside the array inside a compiled program cannot raise (TF raises at
    # run time): reads give NaN where the dtype has one, so the result is visibly wrong.
    return jnp.nan if jnp.issubdtype(dtype, jnp.inexact) else 0


@op(name="tensor_array_write")
def _set(buffer, index, value):
    return buffer.at[index].set(value.astype(buffer.dtype), mode="drop")


@op(name="tensor_array_read")
def _get(buffer, index):
    return jnp.take(buffer, index, axis=0, mode="fill", fill_value=_fill_value(buffer.dtype))


@op(name="tensor_array_grow")
def _grow(buffer, extra):
    return jnp.concatenate([buffer, jnp.zeros((extra, *buffer.shape[1:]), buffer.dtype)])


@op(name="tensor_array_size")
def _extend(live, index):
    return jnp.maximum(live, jnp.max(jnp.asarray(index, jnp.int32)) + 1).astype(jnp.int32)


@op(name="tensor_array_concat")
def _flatten_first(buffer):
    return buffer.reshape((-1, *buffer.shape[2:]))


@op(name="tensor_array_split")
def _split_even(value, n):
    return value.reshape((n, -1, *value.shape[1:]))


# -- argument checks -----------------------------------------------------------------------


def _static_int(x, what: str):
    """``x`` as a Python int when it is known while tracing, else None (a traced index)."""
    if isinstance(x, bool):
        raise TypeError(f"TensorArray: {what} must be an integer, got {x!r}")
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, float):
        raise TypeError(f"TensorArray: {what} must be an integer, got the float {x!r}")
    t = convert_to_tensor(x)
    if not jnp.issubdtype(t.dtype, jnp.integer) or t.ndim != 0:
        raise TypeError(
            f"TensorArray: {what} must be a scalar integer, got dtype {t.dtype.name} and "
            f"shape {t.shape}"
        )
    if isinstance(t._value, jax.core.Tracer):
        return None
    return int(t._value)


def _static_ints(x, what: str):
    """A 1-D index list as Python ints, or None when the values are traced."""
    if isinstance(x, (list, tuple)) and all(isinstance(i, (int, np.integer)) for i in x):
        return [int(i) for i in x]
    t = convert_to_tensor(x)
    if not jnp.issubdtype(t.dtype, jnp.integer) or t.ndim != 1:
        raise TypeError(f"TensorArray: {what} must be a 1-D integer tensor, got shape {t.shape}")
    if isinstance(t._value, jax.core.Tracer):
        return None
    return [int(i) for i in np.asarray(t._value)]


def _shape_text(shape) -> str:
    return "<unknown>" if shape is None else str(tuple(shape))


class _Identity:
    """Pytree aux data of an eager array: equal only to itself (the object is the state)."""

    __slots__ = ("obj",)

    def __init__(self, obj) -> None:
        self.obj = obj

    def __eq__(self, other) -> bool:
        return isinstance(other, _Identity) and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)


class TensorArray:
    """A list of tensors of one dtype, written and read by index (``tf.TensorArray``).

    Write ``ta = ta.write(i, x)`` (always reassign: eagerly ``write`` mutates and returns
    the array, inside ``jt.function`` it returns a new one), then ``ta.stack()``.
    Inside ``jt.function`` XLA needs static shapes: the size must be known when tracing
    (a Python int), all elements share one shape (from ``element_shape``, else learnt
    from the loop body), and a ``dynamic_size`` array written in a compiled loop is sized
    by running the loop in Python on the values known when tracing (a trip count that
    depends on tensor values raises an error asking for ``size=N``). Reading an index
    outside the array inside a compiled program gives NaN (0 for integers) and writing
    there is dropped; TF raises at run time.

    Example:
        >>> import jtape as jt
        >>> ta = jt.TensorArray(jt.float32, size=3)
        >>> for i in range(3):
        ...     ta = ta.write(i, jt.constant([1.0, 2.0]) * i)
        >>> ta.stack().numpy().tolist()
        [[0.0, 0.0], [1.0, 2.0], [2.0, 4.0]]
    """

    def __init__(
        self,
        dtype,
        size=None,
        dynamic_size=None,
        clear_after_read=None,
        tensor_array_name=None,
        handle=None,
        flow=None,
        infer_shape: bool = True,
        element_shape=None,
        colocate_with_first_write_call: bool = True,
        name=None,
    ) -> None:
        if handle is not None or flow is not None:
            raise NotImplementedError(
                "TensorArray: handle= and flow= (TF graph internals) are not supported by "
                "jtape; create the array with dtype, size and element_shape"
            )
        self._dtype = _dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = bool(infer_shape)
        self._element_shape = None if element_shape is None else TensorShape(element_shape)
        self._eager = not tracing()
        if size is None:
            raise ValueError(
                "Size must be declared for TensorArrays when eager execution is enabled."
                if self._eager
                else "Argument `size` must be provided if argument `flow` is not provided."
            )
        n = _static_int(size, "size")
        if n is None:
            raise ValueError(
                f"TensorArray: size is a tensor known only when the program runs; {_XLA_HINT}. "
                "Pass a Python int, e.g. x.shape[0] instead of tf.shape(x)[0]"
            )
        n = max(n, 0)
        self._items: list = [None] * n  # eager storage
        self._cleared: set[int] = set()
        self._size = n  # traced storage: static size, buffer (size, *element) or None
        self._buffer: Tensor | None = None
        # Inside a compiled loop sized for it (allocate_for_loop), a dynamic_size array's
        # logical size is a traced int32 scalar; ``_size`` is then the buffer's capacity.
        self._live: Tensor | None = None
        if not self._eager and self._element_shape is not None:
            if self._element_shape.is_fully_defined():
                self._buffer = self._zeros(n, self._element_shape)

    # -- properties --------------------------------------------------------------------

    @property
    def dtype(self):
        return self._dtype

    @property
    def element_shape(self):
        """The elements' shape (``None`` while unknown: jtape shapes have a known rank)."""
        return self._element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    @property
    def handle(self):
        return None

    @property
    def flow(self) -> Tensor:
        return convert_to_tensor(0)

    def size(self, name=None) -> Tensor:
        """The number of elements, as an int32 scalar tensor."""
        if not self._eager and self._live is not None:
            return self._live
        n = len(self._items) if self._eager else self._size
        with jax.ensure_compile_time_eval():  # known when tracing: a concrete constant
            return Tensor(jnp.asarray(n, jnp.int32))

    def mark_used(self) -> None:
        """Accepted for TF code that silences its unused-array warning; does nothing."""

    def close(self, name=None) -> None:
        if self._eager:
            self._items.clear()

    def identity(self) -> TensorArray:
        """The array itself (eager) or a new array on the same buffer (traced)."""
        return self if self._eager else self._copy(self._buffer, self._size)

    def __repr__(self) -> str:
        n = len(self._items) if self._eager else self._size
        return f"<TensorArray dtype={self._dtype.name} size={n} element_shape=" + (
            f"{_shape_text(self._element_shape)}>"
        )

    # -- shared checks -------------------------------------------------------------------

    def _value(self, value) -> Tensor:
        """``value`` as a Tensor of the array's dtype, by TF's conversion rule."""
        if isinstance(value, Tensor) or hasattr(value, "_jt_read") or isinstance(value, bool):
            t = convert_to_tensor(value)
        else:  # Python numbers and lists take the array's dtype where they fit
            t = convert_to_tensor(value, dtype_hint=self._dtype)
        if t.dtype != self._dtype:
            raise InvalidArgumentError(
                f"TensorArray dtype is {self._dtype.name} but Op is trying to write dtype "
                f"{t.dtype.name} "
            )
        return t

    def _merge_shape(self, shape) -> None:
        shape = TensorShape(shape)
        if self._element_shape is not None and not self._element_shape.is_compatible_with(shape):
            raise ValueError(
                f"Incompatible shape for value ({tuple(shape)}), expected "
                f"({tuple(self._element_shape)})"
            )
        if self._infer_shape or not self._eager:
            old = self._element_shape
            self._element_shape = (
                shape
                if old is None
                else TensorShape([a if a is not None else b for a, b in zip(old, shape)])
            )

    def _zeros(self, n: int, shape) -> Tensor:
        # A concrete constant even inside a trace: a traced zeros made inside a cond
        # branch or loop body would look like a captured outside tensor (and leak).
        with jax.ensure_compile_time_eval():
            return Tensor(jnp.zeros((n, *shape), self._dtype))

    def _traced_copy(self) -> TensorArray:
        """This eager array as a traced one (functional; the eager array is not changed).

        TF converts an array passed into a ``tf.function`` the same way; writes inside
        the function never reach the eager array.
        """
        items = self._items
        new = object.__new__(TensorArray)
        new.__dict__.update(self.__dict__)
        new._eager, new._items, new._cleared, new._live = False, [], set(), None
        new._size, new._buffer = len(items), None
        written = [t for t in items if t is not None]
        if written:
            shapes = {tuple(t.shape) for t in written}
            if len(shapes) > 1:
                raise ValueError(
                    f"TensorArray with elements of shapes {sorted(shapes)} used inside "
                    f"jt.function: {_XLA_HINT}; every element must have one shape"
                )
            shape = TensorShape(shapes.pop())
            with jax.ensure_compile_time_eval():
                zero = jnp.zeros(shape, self._dtype)
                new._buffer = Tensor(jnp.stack([zero if t is None else t._value for t in items]))
            new._element_shape = shape
        elif self._element_shape is not None and self._element_shape.is_fully_defined():
            new._buffer = self._zeros(len(items), self._element_shape)
        return new

    def _copy(self, buffer, size) -> TensorArray:
        new = object.__new__(TensorArray)
        new.__dict__.update(self.__dict__)
        new._items, new._cleared = [], set()
        new._buffer, new._size = buffer, size
        return new

    # -- write side ----------------------------------------------------------------------

    def write(self, index, value, name=None) -> TensorArray:
        """Store ``value`` at ``index``; returns the array (reassign it: ``ta = ta.write(...)``)."""
        if self._eager and tracing():  # an eager array used inside a trace
            return self._traced_copy().write(index, value)
        if self._eager:
            self._eager_write(index, value)
            return self
        return self._traced_write(index, self._value(value))

    def _eager_write(self, index, value) -> None:
        i = _static_int(index, "index")
        if i < 0:
            raise OutOfRangeError(f"Writing to negative indices (index {i}) is not allowed.")
        n = len(self._items)
        if i >= n:
            if not self._dynamic_size:
                raise OutOfRangeError(
                    f"Tried to write to index {i} but array is not resizeable and size is: {n} "
                )
            self._items.extend([None] * (i + 1 - n))
        t = self._value(value)
        self._merge_shape(t.shape)
        self._items[i] = t
        self._cleared.discard(i)

    def _traced_write(self, index, t: Tensor) -> TensorArray:
        i = _static_int(index, "index")
        if self._element_shape is not None and not self._element_shape.is_compatible_with(t.shape):
            raise ValueError(
                f"Inconsistent shapes: saw {tuple(t.shape)} but expected "
                f"{tuple(self._element_shape)}; inside jt.function every element of a "
                f"TensorArray has one shape ({_XLA_HINT})"
            )
        if self._live is not None:  # dynamic, inside the compiled loop sized for it
            if i is not None and not 0 <= i < self._size:
                raise InvalidArgumentError(
                    f"Trying to modify element {i} in a list with {self._size} elements."
                )
            idx = index if i is None else i
            new = self._copy(self._buffer, self._size)
            new._buffer = _set(self._buffer, idx, t)
            new._live = _extend(self._live, idx)
            return new
        size = self._size
        if i is None:
            if self._dynamic_size:
                raise ValueError(
                    "TensorArray(dynamic_size=True).write at an index known only when the "
                    f"program runs (a compiled loop's counter): {_XLA_HINT}. Give the final "
                    "size, TensorArray(dtype, size=N) (dynamic_size=False), or loop over a "
                    "Python range so that the index is a Python int"
                )
        elif i < 0:
            raise InvalidArgumentError(f"Writing to negative indices (index {i}) is not allowed.")
        elif i >= size:
            if not self._dynamic_size:
                raise InvalidArgumentError(
                    f"Trying to modify element {i} in a list with {size} elements."
                )
            size = i + 1
        new = self._copy(self._buffer, size)
        new._merge_shape(t.shape)
        buffer = new._buffer
        if buffer is None:
            buffer = new._zeros(size, t.shape)
        elif buffer.shape[0] < size:
            buffer = _grow(buffer, size - buffer.shape[0])
        new._buffer = _set(buffer, index if i is None else i, t)
        return new

    def scatter(self, indices, value, name=None) -> TensorArray:
        """Write ``value[k]`` at ``indices[k]`` for every k."""
        if self._eager and tracing():  # an eager array used inside a trace
            return self._traced_copy().scatter(indices, value)
        t = self._value(value)
        idx = _static_ints(indices, "indices")
        if self._eager or idx is not None:
            ta = self
            for k, i in enumerate(idx):
                ta = ta.write(i, t[k])
            return ta
        if self._dynamic_size and self._live is None:
            raise ValueError(
                "TensorArray(dynamic_size=True).scatter at indices known only when the "
                f"program runs: {_XLA_HINT}. Give size=N (dynamic_size=False)"
            )
        new = self._copy(self._buffer, self._size)
        if self._live is not None:
            new._live = _extend(self._live, convert_to_tensor(indices))
        new._merge_shape(t.shape[1:])
        buffer = new._buffer if new._buffer is not None else new._zeros(self._size, t.shape[1:])
        new._buffer = _set(buffer, convert_to_tensor(indices), t)
        return new

    def unstack(self, value, name=None) -> TensorArray:
        """The array holding ``value``'s slices along axis 0 (its size becomes their number)."""
        if self._eager and tracing():  # an eager array used inside a trace
            return self._traced_copy().unstack(value)
        self._whole("unstack")
        t = self._value(value)
        if t.ndim == 0:
            raise ValueError("TensorArray.unstack: value must have at least one dimension")
        n = t.shape[0]
        size = len(self._items) if self._eager else self._size
        if n > size and not self._dynamic_size:
            raise (ValueError if self._eager else InvalidArgumentError)(
                f"Cannot unstack {n} tensors into a TensorArray of static size {size} "
            )
        if self._eager:
            from ._array_ops import unstack

            self._merge_shape(t.shape[1:])
            self._items = list(unstack(t)) if n else []
            self._cleared = set()
            return self
        new = self._copy(t, n)
        new._merge_shape(t.shape[1:])
        return new

    def split(self, value, lengths, name=None) -> TensorArray:
        """The array holding consecutive pieces of ``value`` of the given ``lengths``."""
        if self._eager and tracing():  # an eager array used inside a trace
            return self._traced_copy().split(value, lengths)
        self._whole("split")
        t = self._value(value)
        ls = _static_ints(lengths, "lengths")
        if ls is None:
            raise ValueError(f"TensorArray.split: lengths must be known when tracing; {_XLA_HINT}")
        if t.ndim == 0:
            raise InvalidArgumentError(
                f"Expected value to be at least a vector, but received shape: {list(t.shape)} "
            )
        if sum(ls) != t.shape[0]:
            raise InvalidArgumentError(
                "Expected sum of lengths to be equal to values.shape[0], but sum of lengths "
                f"is {sum(ls)} and value's shape is: {list(t.shape)} "
            )
        size = len(self._items) if self._eager else self._size
        if not self._dynamic_size and len(ls) != size:
            raise InvalidArgumentError(
                f"TensorArray's size is not equal to the size of lengths ({size} vs. "
                f"{len(ls)}), and the TensorArray is not marked as dynamically resizeable."
            )
        if self._eager:
            starts = np.cumsum([0, *ls])
            self._items = [t[int(a) : int(b)] for a, b in zip(starts[:-1], starts[1:])]
            self._cleared = set()
            if len(set(ls)) == 1:
                self._merge_shape((ls[0], *t.shape[1:]))
            return self
        if len(set(ls)) > 1:
            raise ValueError(
                f"TensorArray.split into pieces of different lengths {ls} inside jt.function: "
                f"the elements would have different shapes; {_XLA_HINT}"
            )
        new = self._copy(_split_even(t, len(ls)), len(ls))
        new._merge_shape((ls[0] if ls else 0, *t.shape[1:]))
        return new

    # -- read side -----------------------------------------------------------------------

    def _eager_item(self, i: int) -> Tensor:
        item = self._items[i]
        if item is None:
            if self._element_shape is None or not self._element_shape.is_fully_defined():
                shape = _shape_text(self._element_shape)
                raise ValueError(
                    f"Cannot convert a partially known TensorShape {shape} to a Tensor."
                )
            item = self._items[i] = self._zeros(1, self._element_shape)[0]
        return item

    def read(self, index, name=None) -> Tensor:
        """The element at ``index`` (zeros where never written, if the shape is known)."""
        if self._eager and tracing():  # an eager array used inside a trace
            return self._traced_copy().read(index)
        i = _static_int(index, "index")
        n = len(self._items) if self._eager else self._size
        if i is not None and i < 0:
            raise (OutOfRangeError if self._eager else InvalidArgumentError)(
                f"Reading from negative indices (index {i}) is not allowed."
            )
        if i is not None and i >= n:
            raise (OutOfRangeError if self._eager else InvalidArgumentError)(
                f"Tried to read from index {i} but array size is: {n} "
            )
        if self._eager:
            if self._items[i] is None and i in self._cleared:
                raise InvalidArgumentError(
                    f"Could not read index {i} twice because it was cleared after a previous "
                    "read (perhaps try setting clear_after_read = false?)"
                )
            item = self._eager_item(i)
            if self._clear_after_read:
                self._items[i] = None
                self._cleared.add(i)
            return item
        return _get(self._traced_buffer("read"), index if i is None else i)

    def _whole(self, what: str) -> None:
        if not self._eager and self._live is not None:
            raise ValueError(
                f"TensorArray(dynamic_size=True).{what} inside the compiled loop that writes "
                f"the array: its size there is known only when the program runs ({_XLA_HINT}); "
                f"call {what}() after the loop, or give size=N (dynamic_size=False)"
            )

    def _traced_buffer(self, what: str) -> Tensor:
        self._whole(what)
        if self._buffer is not None:
            return self._buffer
        shape = self._element_shape
        if shape is None or not shape.is_fully_defined():
            raise ValueError(
                f"TensorArray.{what}: no element was written and the element shape "
                f"{_shape_text(shape)} is not fully known; pass element_shape= to TensorArray"
            )
        return self._zeros(self._size, shape)

    def stack(self, name=None) -> Tensor:
        """All elements stacked along a new first axis."""
        if self._eager and tracing():  # an eager array used inside a trace
            return self._traced_copy().stack()
        if not self._eager:
            return self._traced_buffer("stack")
        from ._array_ops import stack

        if not self._items:
            shape = self._element_shape
            known = shape is not None and shape.is_fully_defined()
            return self._zeros(0, shape if known else ())
        return stack([self._eager_item(i) for i in range(len(self._items))])

    def gather(self, indices, name=None) -> Tensor:
        """The elements at ``indices``, stacked."""
        if self._eager and tracing():  # an eager array used inside a trace
            return self._traced_copy().gather(indices)
        idx = _static_ints(indices, "indices")
        if self._eager:
            from ._array_ops import stack

            n = len(self._items)
            for i in idx:
                if not 0 <= i < n:
                    raise IndexError("list index out of range")
            return stack([self._eager_item(i) for i in idx])
        if idx is not None:
            for i in idx:
                if not 0 <= i < self._size:
                    raise InvalidArgumentError(
                        f"Trying to gather element {i} in a list with {self._size} elements."
                    )
        return _get(self._traced_buffer("gather"), convert_to_tensor(indices))

    def concat(self, name=None) -> Tensor:
        """All elements joined along their first axis."""
        if self._eager and tracing():  # an eager array used inside a trace
            return self._traced_copy().concat()
        if not self._eager:
            buffer = self._traced_buffer("concat")
            if buffer.ndim < 2:
                raise InvalidArgumentError(
                    "Concat saw a scalar shape at index 0 but requires at least vectors."
                )
            return _flatten_first(buffer)
        from ._array_ops import concat

        items = [self._eager_item(i) for i in range(len(self._items))]
        for k, t in enumerate(items):
            if t.ndim == 0:
                raise InvalidArgumentError(
                    f"Concat saw a scalar shape at index {k} but requires at least vectors."
                )
        if not items:
            return Tensor(jnp.zeros((0,), self._dtype))
        return concat(items, 0)


# -- pytree: a traced array is its buffer plus static facts ------------------------------


def _flatten(ta: TensorArray):
    if ta._eager:
        return (), (True, _Identity(ta))
    es = None if ta._element_shape is None else tuple(ta._element_shape)
    aux = (
        False,
        (
            ta._dtype,
            ta._size,
            ta._dynamic_size,
            ta._clear_after_read,
            ta._infer_shape,
            es,
            ta._buffer is not None,
            ta._live is not None,
        ),
    )
    children = (ta._buffer,) if ta._buffer is not None else ()
    return (children + (ta._live,) if ta._live is not None else children), aux


def _unflatten(aux, children) -> TensorArray:
    eager, facts = aux
    if eager:
        return facts.obj
    dtype, size, dynamic, clear, infer, es, has_buffer, has_live = facts
    ta = object.__new__(TensorArray)
    ta._dtype, ta._size, ta._dynamic_size = dtype, size, dynamic
    ta._clear_after_read, ta._infer_shape = clear, infer
    ta._element_shape = None if es is None else TensorShape(es)
    ta._eager, ta._items, ta._cleared = False, [], set()
    # Children may be raw arrays (rebuilt by a jax transformation): wrapped again.
    children = [c if isinstance(c, Tensor) or c is None else Tensor(c) for c in children]
    ta._buffer = children[0] if has_buffer else None
    ta._live = children[-1] if has_live else None
    return ta


jax.tree_util.register_pytree_node(TensorArray, _flatten, _unflatten)


# -- loops: the buffer must exist before the loop ------------------------------------------


def _unallocated(x) -> bool:
    return isinstance(x, TensorArray) and not x._eager and x._buffer is None


def _arrays(structure) -> list:
    return jax.tree_util.tree_leaves(
        structure, is_leaf=lambda x: isinstance(x, (TensorArray, Tensor))
    )


_SIMULATION_LIMIT = 100_000

_UNKNOWN_TRIP = (
    "a TensorArray(dynamic_size=True) is written in a compiled loop whose number of "
    "iterations depends on values known only when the program runs (a tensor loop "
    "bound, or a break on a tensor condition): {hint}. Give the number of elements, "
    "TensorArray(dtype, size=N) (dynamic_size=False), or bound the loop by a Python int"
)


def known_bool(c) -> bool:
    """A loop predicate's value while sizing an array, if it is known when tracing."""
    if isinstance(c, Tensor):
        if isinstance(c._value, jax.core.Tracer):
            raise ValueError(_UNKNOWN_TRIP.format(hint=_XLA_HINT))
        return bool(c._value)
    return bool(c)


def python_loop(state, test, step, maximum_iterations=None):
    """Run a loop in Python (``while test(state): state = step(state)``) to size arrays.

    Used by :func:`allocate_for_loop`'s ``simulate``: every predicate must be known when
    tracing, else the error says what to change.
    """
    limit = _SIMULATION_LIMIT if maximum_iterations is None else maximum_iterations
    for _ in range(limit):
        if not known_bool(test(state)):
            return state
        state = step(state)
    if maximum_iterations is not None:
        return state
    raise ValueError(
        f"a TensorArray(dynamic_size=True) is written in a compiled loop of more than "
        f"{_SIMULATION_LIMIT} iterations, too many for jtape to size it when tracing; "
        "give size=N (dynamic_size=False)"
    )


def _replace(structure, new: dict):
    """``structure`` with the leaves at the given ``_arrays`` positions replaced."""
    leaves, tree = jax.tree_util.tree_flatten(
        structure, is_leaf=lambda x: isinstance(x, (TensorArray, Tensor))
    )
    return jax.tree_util.tree_unflatten(tree, [new.get(k, x) for k, x in enumerate(leaves)])


def _abstract(run: Callable[[], Any]) -> list:
    """``run()``'s final state, per ``_arrays`` leaf: (size, element shape) of each array.

    ``run`` runs in an abstract trace (``jax.eval_shape``) with Variables and tapes
    isolated, as control-flow discovery does; values known when tracing stay concrete
    (``jax.ensure_compile_time_eval``), so loop predicates and indices that do not depend
    on tensor values are Python-visible.
    """
    from ._control_flow import _discover

    found: list = []

    def traced(log):
        with jax.ensure_compile_time_eval():
            out = _arrays(run())
        found.append(
            [(x._size, x._element_shape) if isinstance(x, TensorArray) else None for x in out]
        )

    _discover(traced)
    return found[0]


def allocate_for_loop(state, run_body: Callable[[Any], Any], simulate=None):
    """``(state, positions)``: ``state`` ready to be carried by a compiled loop.

    A compiled loop carries each TensorArray's buffer, so it must exist with its final
    shape before the loop:

    * an array without a buffer gets one; where ``element_shape`` did not give the
      element shape, ``run_body(state)`` (the body on the entry state) runs once
      abstractly and its writes give it;
    * a ``dynamic_size`` array is sized by ``simulate(state)``, the whole loop run in
      Python on the values known when tracing (see :func:`python_loop`): its final size is
      the buffer's capacity, and its logical size is carried through the loop as a traced
      scalar. ``positions`` lists those arrays; :func:`finish_loop` makes their size static
      again after the loop. Without ``simulate`` (or when the trip count depends on run
      time values) a write inside the loop raises an error saying to give ``size=N``.
    """
    leaves = _arrays(state)
    traced = [isinstance(x, TensorArray) and not x._eager for x in leaves]
    unallocated = [t and x._buffer is None for t, x in zip(traced, leaves)]
    dynamic = [
        t and x._dynamic_size and x._live is None and simulate is not None
        for t, x in zip(traced, leaves)
    ]
    if not any(unallocated) and not any(dynamic):
        return state, []
    if any(dynamic):
        final = _abstract(lambda: simulate(state))
    else:
        final = _abstract(lambda: run_body(state))
    if len(final) != len(leaves):
        return state, []  # the body changes the state's structure: the loop reports it
    new, positions = {}, []
    for k, (ta, out) in enumerate(zip(leaves, final)):
        if not (unallocated[k] or dynamic[k]) or out is None:
            continue
        size, shape = out
        if shape is None:
            continue  # never written in the loop: stays unallocated (the loop checks)
        if not shape.is_fully_defined():
            raise ValueError(
                "TensorArray written in a loop has elements of shape "
                f"{_shape_text(shape)}; {_XLA_HINT}: pass a fully known element_shape= "
                "to TensorArray"
            )
        capacity = max(size, ta._size) if dynamic[k] else ta._size
        buffer = ta._buffer
        if buffer is None:
            buffer = ta._zeros(capacity, shape)
        elif buffer.shape[0] < capacity:
            buffer = _grow(buffer, capacity - buffer.shape[0])
        arr = ta._copy(buffer, capacity)
        arr._element_shape = shape
        if dynamic[k]:
            with jax.ensure_compile_time_eval():
                arr._live = Tensor(jnp.asarray(ta._size, jnp.int32))
            positions.append(k)
        new[k] = arr
    return _replace(state, new), positions


def allocate_for_cond(state, branches: list):
    """``state`` ready for a compiled ``cond`` whose ``branches`` (functions of the state)
    may write its TensorArrays: each branch must return arrays of one shape.

    An array without a buffer gets one of the shape a branch writes; a ``dynamic_size``
    array that a branch grows is grown before the cond when every branch gives it the
    same size, and otherwise refused (its size would be known only at run time).
    """
    leaves = _arrays(state)
    traced = [isinstance(x, TensorArray) and not x._eager and x._live is None for x in leaves]
    if not any(t and (x._buffer is None or x._dynamic_size) for t, x in zip(traced, leaves)):
        return state
    finals = [_abstract(lambda branch=branch: branch(state)) for branch in branches]
    if any(len(f) != len(leaves) for f in finals):
        return state  # a branch changes the state's structure: the cond reports it
    new = {}
    for k, ta in enumerate(leaves):
        if not traced[k]:
            continue
        outs = [f[k] for f in finals if f[k] is not None]
        shapes = [shape for _, shape in outs if shape is not None]
        sizes = {size for size, _ in outs}
        if ta._dynamic_size and len(sizes) > 1:
            raise ValueError(
                "a TensorArray(dynamic_size=True) grows to different sizes "
                f"{sorted(sizes)} in the branches of a compiled cond (a tensor `if`): its "
                f"size would be known only when the program runs; {_XLA_HINT}. Give "
                "size=N (dynamic_size=False)"
            )
        size = max([ta._size, *sizes])
        if (ta._buffer is not None or not shapes) and size == ta._size:
            continue
        shape = shapes[0] if ta._buffer is None else ta._element_shape
        if not shape.is_fully_defined():
            raise ValueError(
                f"TensorArray written in a cond has elements of shape {_shape_text(shape)}; "
                f"{_XLA_HINT}: pass a fully known element_shape= to TensorArray"
            )
        buffer = ta._buffer
        if buffer is None:
            buffer = ta._zeros(size, shape)
        elif buffer.shape[0] < size:
            buffer = _grow(buffer, size - buffer.shape[0])
        arr = ta._copy(buffer, size)
        arr._element_shape = shape
        new[k] = arr
    return _replace(state, new)


def finish_loop(state, positions: list):
    """After the loop: the arrays sized by :func:`allocate_for_loop` have a static size."""
    if not positions:
        return state
    leaves = _arrays(state)
    new = {}
    for k in positions:
        arr = leaves[k]._copy(leaves[k]._buffer, leaves[k]._size)
        arr._live = None  # the loop ran as simulated: its size is the capacity
        new[k] = arr
    return _replace(state, new)


__all__ = [
    "TensorArray",
    "allocate_for_cond",
    "allocate_for_loop",
    "finish_loop",
    "known_bool",
    "python_loop",
]
