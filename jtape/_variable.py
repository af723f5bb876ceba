"""``Variable``: the one mutable cell of jtape. Every piece of state is a Variable."""

from __future__ import annotations

import contextlib
import enum
import itertools
import weakref

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import SingleDeviceSharding

from . import _dtypes
from ._indexed_slices import IndexedSlices
from ._op_errors import InvalidArgumentError
from ._shape import TensorShape
from ._state import current_frame, state
from ._tensor import Tensor, _ArrayImpl, _own_numpy, _tuple_new, to_value

_uid = itertools.count()


class Variable:
    """A mutable array, TensorFlow's ``tf.Variable``.

    Reading it (``value()``, an operator, passing it to an op) gives a Tensor that
    tapes can differentiate with respect to; ``assign*`` replace the stored array.
    Inside ``jt.function`` the variable becomes an input and output of the compiled
    program; nothing changes for the code that uses it.

    Example:
        >>> import jtape as jt
        >>> v = jt.Variable(2.0)
        >>> with jt.GradientTape() as tape:
        ...     y = v * v
        >>> float(tape.gradient(y, v))
        4.0
        >>> float(v.assign_add(1.0))
        3.0
    """

    __array_priority__ = 100
    # Layer.add_weight(autocast=True) sets it: inside a mixed-precision layer's call the
    # weight reads as the compute dtype. A plain Variable never autocasts (as tf.Variable).
    _jt_autocast = False

    def __init__(
        self,
        initial_value=None,
        trainable: bool | None = None,
        name: str | None = None,
        dtype=None,
        shape=None,
        **tf_kwargs,
    ) -> None:
        unknown = set(tf_kwargs) - _IGNORED_TF_KWARGS
        if unknown:
            raise TypeError(f"Variable() got unexpected keyword arguments {sorted(unknown)}")
        if initial_value is None:
            raise ValueError("Variable: initial_value must be given")
        constraint = tf_kwargs.get("constraint")
        if constraint is not None and not callable(constraint):
            raise ValueError(
                "Argument `constraint` must be None or a callable. Got a "
                f"{type(constraint)}: {constraint!r}"
            )
        sync = tf_kwargs.get("synchronization") or VariableSynchronization.AUTO
        if trainable is None:  # TF: an ON_READ variable (a metric's state) is not trained
            trainable = getattr(sync, "name", sync) != "ON_READ"
        dtype = _dtypes.as_dtype(dtype)
        if callable(initial_value) and not isinstance(initial_value, (Tensor, Variable)):
            with init_scope():
                initial_value = initial_value()
        if isinstance(initial_value, (Tensor, Variable, jax.Array)):
            value = to_value(initial_value, dtype)
        else:
            # Python/numpy values are constants: keep them concrete even inside a trace.
            with jax.ensure_compile_time_eval():
                value = to_value(initial_value, dtype)
        if dtype is not None and value.dtype != dtype:
            value = value.astype(dtype)
        #: Where the value lives (a strategy's replicated or split sharding, or the
        #: sharding of a committed initial value), kept by every write; None: wherever
        #: JAX puts it (one device, uncommitted).
        self._sharding = None
        if state.placers:
            placer = state.placers[-1]
            value = placer(value, bool(trainable))
            sharding_for = getattr(placer, "sharding_for", None)
            if sharding_for is not None:
                self._sharding = sharding_for(value, bool(trainable))
            elif not isinstance(value, jax.core.Tracer):
                self._sharding = value.sharding
        elif isinstance(value, jax.Array) and not isinstance(value, jax.core.Tracer):
            if getattr(value, "committed", False):  # placed explicitly (device_put)...
                sharding = value.sharding
                if len(sharding.device_set) > 1 and sharding.is_fully_replicated:
                    # ... or computed from replicated state (a generator first used
                    # under a strategy): one device, as an eager write would give.
                    value = _unplaced(value)
                else:
                    self._sharding = sharding
        self._shape = _shape_spec(shape, value.shape)
        #: TF's synchronization and aggregation (a strategy's rule for replica writes).
        self.synchronization = sync
        self._name = name or "Variable"
        self._uid = next(_uid)
        self._value = value
        self.trainable = bool(trainable)
        self.aggregation = tf_kwargs.get("aggregation") or VariableAggregation.NONE
        #: Applied by optimizers after each update (``v.assign(v.constraint(v))``), as Keras.
        self.constraint = constraint
        frame = current_frame()
        if frame is not None:
            frame.on_create(self, value)

    # -- placement -----------------------------------------------------------
    # ``_array`` holds the value; reads on hot paths use it directly, stores go through
    # ``_value`` (or test ``_sharding is None`` first, as ``_write`` does).
    @property
    def _value(self):
        return self._array

    @_value.setter
    def _value(self, value) -> None:
        # Every store goes through here (assign, jt.function write-back, checkpoint
        # restore, strategy.run), so placement is a property of the variable. An
        # unplaced variable stores as is: the common case costs one attribute test.
        sharding = self._sharding
        self._array = value if sharding is None else _place(value, sharding)

    # -- reading -------------------------------------------------------------
    def _jt_read(self) -> Tensor:
        frame = current_frame()
        t = Tensor(frame.read(self) if frame is not None else self._array)
        for rec in state.recorders:
            rec._on_read(self, t)
        cast_to = state.autocast
        if cast_to is not None and self._jt_autocast and t.dtype != cast_to:
            return _autocast(t, cast_to)
        return t

    def value(self) -> Tensor:
        """The current value as a Tensor (a read that tapes can see)."""
        return self._jt_read()

    read_value = value

    def numpy(self) -> np.ndarray:
        """The value as a numpy array of its own (a numpy scalar when 0-d), as TF."""
        return _own_numpy(self._current())

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(self._current())
        return arr.astype(dtype) if dtype is not None else arr

    def __jax_array__(self):
        return self._jt_read()._value

    def _current(self):
        frame = current_frame()
        return frame.read(self) if frame is not None else self._array

    # -- writing -------------------------------------------------------------
    def assign(self, value, use_locking=None, name=None, read_value: bool = True):
        """Replace the value; shape and dtype must match (else TF's error, unchanged)."""
        new = self._convert(value)
        if not _shape_compatible(self._shape, new.shape):
            raise ValueError(
                f"Variable.assign: cannot assign value to variable '{self._name}': Shape "
                f"mismatch. The variable shape {self._shape}, and the assigned value shape "
                f"{tuple(new.shape)} are incompatible. The variable is unchanged."
            )
        self._write(new, value)
        return _UnreadVariable(self) if read_value else None

    def assign_add(self, delta, use_locking=None, name=None, read_value: bool = True):
        """Add ``delta`` (same shape; else InvalidArgumentError, unchanged)."""
        self._write(self._current() + self._delta(delta, "assign_add"), delta)
        return _UnreadVariable(self) if read_value else None

    def assign_sub(self, delta, use_locking=None, name=None, read_value: bool = True):
        """Subtract ``delta`` (same shape; else InvalidArgumentError, unchanged)."""
        self._write(self._current() - self._delta(delta, "assign_sub"), delta)
        return _UnreadVariable(self) if read_value else None

    def _delta(self, delta, method: str):
        raw = self._convert(delta)
        if tuple(raw.shape) != tuple(self._current().shape):
            raise InvalidArgumentError(
                f"Variable.{method}: cannot update variable '{self._name}' of shape "
                f"{tuple(self._current().shape)} using a value of shape {tuple(raw.shape)}; "
                "shapes must be equal. The variable is unchanged."
            )
        return raw

    def _convert(self, value):
        """``value`` as an array of this variable's dtype, by TF's conversion rules.

        Tensors and Variables must already have the dtype (ValueError); numpy data is
        cast; Python numbers must fit (TypeError for ``1.5`` into an int variable).
        """
        dtype = np.dtype(self._value.dtype)
        if isinstance(value, (Tensor, Variable)):
            raw = value._jt_read()._value if isinstance(value, Variable) else value._value
            if raw.dtype != dtype:
                raise ValueError(
                    f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
                    f"{np.dtype(raw.dtype).name}: {value!r} (variable '{self._name}' is "
                    "unchanged; cast the value first)"
                )
            return raw
        if isinstance(value, jax.Array):
            return value if value.dtype == dtype else value.astype(dtype)
        if isinstance(value, (np.ndarray, np.generic)):
            if value.dtype.kind not in "biufc":
                raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
            return jnp.asarray(np.asarray(value).astype(dtype))
        try:
            arr = np.asarray(value)
        except Exception:  # e.g. a list of traced Tensors: JAX packs it
            return jnp.asarray(value, dtype=dtype)
        if arr.dtype == object:
            return jnp.asarray(value, dtype=dtype)
        if not _python_fits(arr.dtype.kind, dtype):
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
        return jnp.asarray(arr.astype(dtype))

    def _write(self, new, source) -> None:
        for rec in state.recorders:
            rec._on_assign(self, source)
        frame = current_frame()
        if frame is not None:
            if self._sharding is not None and isinstance(new, jax.core.Tracer):
                new = _constrain(new, self._sharding)
            frame.write(self, new)
        elif self._sharding is None:
            self._array = _unplaced(new)
        else:
            self._value = new

    # -- sliced assignment and scatter updates ---------------------------------
    def _assign_slice(self, index, value, name=None):
        """``v[index].assign(value)``: TF's strided-slice assign (value broadcasts)."""
        cur = self._current()
        idx = _basic_index(index)
        target = _slice_shape(cur.shape, idx, self._name)
        raw = self._convert(value)
        try:
            fits = np.broadcast_shapes(tuple(raw.shape), target) == target
        except ValueError:
            fits = False
        if not fits:
            raise InvalidArgumentError(
                f"Cannot broadcast input shape {list(raw.shape)} into final shape "
                f"{list(target)} (sliced assign to variable '{self._name}', unchanged)"
            )
        self._write(cur.at[idx].set(jnp.broadcast_to(raw, target)), value)
        return _UnreadVariable(self)

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        """Set rows: ``v[indices] = values`` (a repeated index: the last one wins, as TF).

        Example:
            >>> import jtape as jt
            >>> v = jt.Variable([1.0, 2.0, 3.0])
            >>> v.scatter_update(jt.IndexedSlices(jt.constant([9.0]), jt.constant([2]))).numpy()
            array([1., 2., 9.], dtype=float32)
        """
        return self._scatter("update", sparse_delta)

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        """Add ``values`` to the rows at ``indices`` (repeated indices accumulate)."""
        return self._scatter("add", sparse_delta)

    def scatter_sub(self, sparse_delta, use_locking=False, name=None):
        """Subtract ``values`` from the rows at ``indices``."""
        return self._scatter("sub", sparse_delta)

    def scatter_mul(self, sparse_delta, use_locking=False, name=None):
        """Multiply the rows at ``indices`` by ``values``."""
        return self._scatter("mul", sparse_delta)

    def scatter_div(self, sparse_delta, use_locking=False, name=None):
        """Divide the rows at ``indices`` by ``values`` (integers: truncating, no zeros)."""
        return self._scatter("div", sparse_delta)

    def scatter_max(self, sparse_delta, use_locking=False, name=None):
        """Elementwise maximum of the rows at ``indices`` and ``values``."""
        return self._scatter("max", sparse_delta)

    def scatter_min(self, sparse_delta, use_locking=False, name=None):
        """Elementwise minimum of the rows at ``indices`` and ``values``."""
        return self._scatter("min", sparse_delta)

    def sparse_read(self, indices, name=None) -> Tensor:
        """The rows at ``indices`` (``tf.gather(self, indices)``; the gradient is an
        ``IndexedSlices``).

        Example:
            >>> import jtape as jt
            >>> jt.Variable([[1.0, 2.0], [3.0, 4.0]]).sparse_read([1]).numpy().tolist()
            [[3.0, 4.0]]
        """
        from ._array_ops import gather

        return gather(self, indices)

    def batch_scatter_update(self, sparse_delta, use_locking=False, name=None):
        """Per-batch ``scatter_update``: ``indices[b..., n]`` index axis ``indices.ndim - 1``.

        Example:
            >>> import jtape as jt
            >>> v = jt.Variable([[0.0, 0.0], [0.0, 0.0]])
            >>> d = jt.IndexedSlices(jt.constant([[1.0], [2.0]]), jt.constant([[0], [1]]))
            >>> v.batch_scatter_update(d).numpy().tolist()
            [[1.0, 0.0], [0.0, 2.0]]
        """
        _need_slices(sparse_delta)
        idx = self._int_indices(sparse_delta.indices)
        batch = idx.shape[:-1] if idx.ndim else ()
        if idx.ndim == 0 or tuple(self.shape[: len(batch)]) != tuple(batch):
            raise InvalidArgumentError(
                f"batch_scatter_update: indices of shape {tuple(idx.shape)} need the batch "
                f"dimensions of variable '{self._name}' of shape {tuple(self.shape)}"
            )
        grids = jnp.meshgrid(*[jnp.arange(n) for n in batch], indexing="ij") if batch else []
        comps = [jnp.broadcast_to(g[..., None], idx.shape) for g in grids] + [idx]
        return self._scatter_nd("update", jnp.stack(comps, -1), sparse_delta.values)

    def scatter_nd_update(self, indices, updates, name=None):
        """Set the elements/slices at ``indices[..., k]`` (``tf.Variable.scatter_nd_update``).

        Example:
            >>> import jtape as jt
            >>> v = jt.Variable([1.0, 2.0, 3.0])
            >>> v.scatter_nd_update([[0], [2]], [7.0, 9.0]).numpy()
            array([7., 2., 9.], dtype=float32)
        """
        return self._scatter_nd("update", indices, updates)

    def scatter_nd_add(self, indices, updates, name=None):
        """Add ``updates`` at ``indices[..., k]``."""
        return self._scatter_nd("add", indices, updates)

    def scatter_nd_sub(self, indices, updates, name=None):
        """Subtract ``updates`` at ``indices[..., k]``."""
        return self._scatter_nd("sub", indices, updates)

    def scatter_nd_max(self, indices, updates, name=None):
        """Elementwise maximum with ``updates`` at ``indices[..., k]``."""
        return self._scatter_nd("max", indices, updates)

    def scatter_nd_min(self, indices, updates, name=None):
        """Elementwise minimum with ``updates`` at ``indices[..., k]``."""
        return self._scatter_nd("min", indices, updates)

    def _int_indices(self, indices):
        raw = indices._value if isinstance(indices, Tensor) else jnp.asarray(indices)
        if not jnp.issubdtype(raw.dtype, jnp.integer):
            raise InvalidArgumentError(
                f"Value for attr 'Tindices' of {np.dtype(raw.dtype).name} is not in the list "
                "of allowed values: int32, int64"
            )
        return raw

    def _scatter(self, kind: str, sparse_delta):
        _need_slices(sparse_delta)
        idx = self._int_indices(sparse_delta.indices)
        if self.ndim == 0:
            raise InvalidArgumentError(f"scatter_{kind}: variable '{self._name}' is a scalar")
        values = self._convert(sparse_delta.values)
        if values.ndim and tuple(values.shape[: idx.ndim]) != tuple(idx.shape):
            raise InvalidArgumentError(
                f"The shape of indices ({list(idx.shape)}) must be a prefix of the shape of "
                f"updates ({list(values.shape)})"
            )
        return self._scatter_apply(kind, idx[..., None], values, nd=False)

    def _scatter_nd(self, kind: str, indices, updates):
        idx = self._int_indices(indices)
        if idx.ndim == 0 or idx.shape[-1] > self.ndim:
            raise InvalidArgumentError(
                f"scatter_nd_{kind}: indices of shape {tuple(idx.shape)} do not index into "
                f"variable '{self._name}' of shape {tuple(self.shape)}"
            )
        return self._scatter_apply(kind, idx, self._convert(updates), nd=True)

    def _scatter_apply(self, kind: str, idx, values, nd: bool):
        cur = self._current()
        k = idx.shape[-1]
        want = tuple(idx.shape[:-1]) + tuple(cur.shape[k:])
        if tuple(values.shape) != want and (nd or values.ndim):
            raise InvalidArgumentError(
                f"Updates of shape {list(values.shape)} do not fit indices of shape "
                f"{list(idx.shape[:-1] if not nd else idx.shape)} into variable "
                f"'{self._name}' of shape {list(cur.shape)} (expected {list(want)})"
            )
        _check_in_range(idx, cur.shape[:k], nd)
        integer = jnp.issubdtype(cur.dtype, jnp.integer)
        if kind == "div" and integer and not isinstance(values, jax.core.Tracer):
            if bool(np.any(np.asarray(values) == 0)):
                raise InvalidArgumentError("updates must not contain 0")
        values = jnp.broadcast_to(values, want)
        # Negative (traced) indices must not wrap around: they are dropped, like any
        # out-of-range index that could not be checked while tracing.
        comps = tuple(jnp.where(idx[..., j] < 0, cur.shape[j], idx[..., j]) for j in range(k))
        if kind == "update":
            comps = _last_wins(comps, cur.shape[:k])
        ref = cur.at[comps]
        if kind == "update":
            new = ref.set(values, mode="drop")
        elif kind == "add":
            new = ref.add(values, mode="drop")
        elif kind == "sub":
            new = ref.subtract(values, mode="drop")
        elif kind == "mul":
            new = ref.multiply(values, mode="drop")
        elif kind == "div" and integer:
            divisor = jnp.ones_like(cur).at[comps].multiply(values, mode="drop")
            new = jax.lax.div(cur, divisor)  # truncates toward zero, as TF
        elif kind == "div":
            new = ref.divide(values, mode="drop")
        elif kind == "max":
            new = ref.max(values, mode="drop")
        else:
            new = ref.min(values, mode="drop")
        self._write(new, values)
        return _UnreadVariable(self)

    # -- metadata ------------------------------------------------------------
    @property
    def shape(self) -> TensorShape:
        return _tuple_new(TensorShape, self._current().shape)

    @property
    def dtype(self) -> _dtypes.DType:
        return _dtypes.of(self._array)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def name(self) -> str:
        """TF's ``"<scope>/<name>:0"`` (a Keras 3 weight's ``name`` is its own name alone,
        ``"kernel"``: see ``path`` and docs/differences.md)."""
        return f"{self._name}:0"

    @property
    def path(self) -> str:
        """A Keras weight's path (``"dense/kernel"``), as Keras 3's ``Variable.path``.

        Example:
            >>> from jtape import nn
            >>> layer = nn.Dense(2, name="dense")
            >>> layer.build((None, 3))
            >>> layer.kernel.path
            'dense/kernel'
        """
        keras_path = self.__dict__.get("_keras_path")
        if keras_path is None:
            raise AttributeError("'Variable' object has no attribute 'path' (not a Keras weight)")
        return keras_path

    @property
    def device(self) -> str:
        """TF's device string, e.g. ``/job:localhost/replica:0/task:0/device:CPU:0``."""
        value = self._value
        devs = value.devices() if not isinstance(value, jax.core.Tracer) else ()
        dev = next(iter(devs)) if devs else jax.devices()[0]
        kind = {"cuda": "GPU", "rocm": "GPU", "gpu": "GPU"}.get(dev.platform, dev.platform.upper())
        return f"/job:localhost/replica:0/task:0/device:{kind}:{dev.id}"

    @property
    def initial_value(self):
        """Not available eagerly, as in TF 2 (RuntimeError)."""
        raise RuntimeError(
            "This property is not supported when eager execution is enabled. (jtape always "
            "runs eagerly: keep the initial value yourself, e.g. `init = v.numpy()`.)"
        )

    def get_shape(self) -> tuple[int, ...]:
        return self.shape

    def ref(self):
        from ._tensor import _Ref

        return _Ref(self)

    def __repr__(self) -> str:
        value = self._current()
        shown = "traced" if isinstance(value, jax.core.Tracer) else _fmt(value)
        return (
            f"<jt.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, numpy={shown}>"
        )

    def __len__(self) -> int:
        return len(self.value())

    def __iter__(self):
        return iter(self.value())

    def __bool__(self) -> bool:
        return bool(self.value())

    def __float__(self) -> float:
        return float(self.value())

    def __int__(self) -> int:
        return int(self.value())

    def __index__(self) -> int:
        return self.value().__index__()

    def __format__(self, spec: str) -> str:
        return format(self.value(), spec)


def _autocast(t: Tensor, dtype) -> Tensor:
    """``t`` cast to ``dtype`` when it is a float (a recorded op: the gradient flows back)."""
    if not jnp.issubdtype(t.dtype, jnp.floating):
        return t
    from ._math_ops import cast

    return cast(t, dtype)


_IGNORED_TF_KWARGS = {
    "validate_shape",
    "caching_device",
    "variable_def",
    "import_scope",
    "constraint",
    "synchronization",
    "aggregation",
    "experimental_enable_variable_lifting",
}


class _UnreadVariable(Variable):
    """What ``assign``/``assign_add``/``assign_sub`` return, as TF: the variable itself,
    read when used (so it shows later assigns too, and chains: ``v.assign(1).assign_add(2)``).

    Every attribute is the variable's, so reads, writes, tapes and ``jt.function``
    see the variable; only ``is`` and the repr (TF's ``'UnreadVariable'``) tell them apart.

    Example:
        >>> import jtape as jt
        >>> v = jt.Variable(0.0)
        >>> r = v.assign(1.0)
        >>> _ = v.assign(5.0)
        >>> float(r), isinstance(r, jt.Variable)
        (5.0, True)
    """

    __slots__ = ("_jt_var",)

    def __init__(self, var: Variable) -> None:  # noqa: D107 - no Variable.__init__
        object.__setattr__(self, "_jt_var", var)

    def __getattribute__(self, name: str):
        if name == "_jt_var":
            return object.__getattribute__(self, name)
        return getattr(object.__getattribute__(self, "_jt_var"), name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self._jt_var, name, value)

    def __repr__(self) -> str:
        text = repr(self._jt_var)
        return text.replace(f"'{self._jt_var.name}'", "'UnreadVariable'", 1)


def _need_slices(sparse_delta) -> None:
    if not isinstance(sparse_delta, IndexedSlices):
        raise TypeError(
            f"Argument `sparse_delta` must be a `tf.IndexedSlices`. Received arg: {sparse_delta!r}"
        )


def _python_fits(kind: str, dtype: np.dtype) -> bool:
    """Whether TF converts Python data of numpy kind ``kind`` to ``dtype`` (TF's rule)."""
    target = dtype.kind
    if kind == "b":
        return True
    if kind in "iu":
        return target in "iufcV"
    if kind == "f":
        return target in "fcV"
    return kind == "c" and target == "c"


def _basic_index(index) -> tuple:
    """``index`` as ints, slices, ``None`` and ``...`` (TF's strided-slice assign)."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for item in items:
        if item is None or item is Ellipsis:
            out.append(item)
        elif isinstance(item, slice):
            out.append(slice(*(_static_int(b) for b in (item.start, item.stop, item.step))))
        elif isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_)):
            out.append(int(item))
        else:
            raw = item._value if isinstance(item, Tensor) else np.asarray(item)
            if raw.ndim != 0 or not jnp.issubdtype(raw.dtype, jnp.integer):
                raise TypeError(
                    "Sliced assignment takes ints, slices, `...` and tf.newaxis (like TF's "
                    f"strided slice), got {item!r}; use scatter_nd_update for other indices"
                )
            out.append(raw if isinstance(raw, jax.core.Tracer) else int(raw))
    return tuple(out)


def _static_int(bound):
    if bound is None or isinstance(bound, int):
        return bound
    raw = bound._value if isinstance(bound, Tensor) else bound
    if isinstance(raw, jax.core.Tracer):
        raise TypeError("Sliced assignment needs slice bounds known when tracing")
    return int(raw)


def _slice_shape(shape, index: tuple, name: str) -> tuple:
    """The shape ``x[index]`` has, or InvalidArgumentError for an out-of-range int."""
    probe = np.broadcast_to(np.zeros((), np.int8), tuple(shape))  # a view: no memory
    concrete = tuple(0 if isinstance(i, jax.core.Tracer) else i for i in index)
    try:
        return probe[concrete].shape
    except IndexError as e:
        raise InvalidArgumentError(f"{e} (sliced assign to variable '{name}', unchanged)") from None


def _check_in_range(idx, dims, nd: bool) -> None:
    """TF's error for an index outside ``dims`` (only where indices are concrete)."""
    if isinstance(idx, jax.core.Tracer):
        return
    arr = np.asarray(idx).reshape(-1, len(dims))
    bad = np.nonzero(((arr < 0) | (arr >= np.asarray(dims))).any(axis=1))[0]
    if bad.size:
        i = int(bad[0])
        if nd:
            msg = f"indices[{i}] = {arr[i].tolist()} does not index into shape {list(dims)}"
        else:
            msg = f"indices[{i}] = {int(arr[i, 0])} is not in [0, {dims[0]})"
        raise InvalidArgumentError(msg + "; the variable is unchanged")


def _last_wins(comps: tuple, dims: tuple) -> tuple:
    """Drop all but the last of repeated indices, so ``set`` is deterministic (TF's order)."""
    valid = jnp.ones(comps[0].shape, bool)
    for c, d in zip(comps, dims):
        valid &= (c >= 0) & (c < d)
    flat = jnp.ravel_multi_index(comps, dims, mode="clip")
    pos = jnp.arange(flat.size).reshape(flat.shape)
    winner = jnp.full(int(np.prod(dims)), -1).at[flat].max(jnp.where(valid, pos, -1))
    keep = valid & (winner[flat] == pos)
    return (jnp.where(keep, comps[0], dims[0]),) + tuple(comps[1:])


# Slices of Variables, by id of the Tensor that ``v[index]`` returned: TF gives those
# tensors an ``assign`` method that writes the slice back into the variable.
_SLICES: dict[int, tuple] = {}


def _getitem(var: Variable, index) -> Tensor:
    from ._array_ops import getitem

    t = getitem(var, index)
    key = id(t)
    _SLICES[key] = (weakref.ref(t, lambda _, key=key: _SLICES.pop(key, None)), var, index)
    return t


def _slice_assign(t: Tensor):
    entry = _SLICES.get(id(t))
    if entry is None or entry[0]() is not t:
        raise AttributeError("'Tensor' object has no attribute 'assign'")
    var, index = entry[1], entry[2]

    def assign(val, name=None):
        """Write ``val`` into the slice of the variable (returns the variable's value)."""
        return var._assign_slice(index, val, name)

    return assign


def _unhashable(self) -> int:
    raise TypeError(
        f"Variable is unhashable. Instead, use variable.ref() as the key. (Variable: {self!r})"
    )


def install_tf_protocol() -> None:
    """Give Variables TF's ``v[...].assign`` and unhashability (after ``_operators``)."""
    Variable.__getitem__ = _getitem
    Variable.__hash__ = _unhashable
    if "assign" not in Tensor.__dict__:
        Tensor.assign = property(_slice_assign)


def write_arrays(variables, values) -> None:
    """``v._write(x, x)`` for each pair: computed arrays stored back (an optimizer step).

    Eagerly, with no tape or frame to tell, the stores are done here directly.
    """
    if state.recorders or current_frame() is not None:
        for v, x in zip(variables, values):
            v._write(x, x)
        return
    for v, x in zip(variables, values):
        if v._sharding is None:
            v._array = _unplaced(x)
        else:
            v._value = x


def _unplaced(value):
    """An eager write into an unplaced variable: a concrete value spread over several
    devices (computed from replicated variables) comes back to one device, so the
    variable stays usable next to other unplaced ones."""
    if type(value) is _ArrayImpl and type(value.sharding) is SingleDeviceSharding:
        return value  # the common case, first (an optimizer step writes ~10 of these)
    if isinstance(value, jax.Array) and not isinstance(value, jax.core.Tracer):
        if type(value.sharding) is not SingleDeviceSharding:
            if value.is_fully_addressable and len(value.sharding.device_set) > 1:
                return jnp.asarray(np.asarray(value))
    return value


def _place(value, sharding):
    """``value`` on ``sharding`` (a variable's placement); cheap when it already is.

    Host data and arrays placed elsewhere are moved with ``jax.device_put`` (with
    several processes, each process supplies its addressable shards from the same
    host value).
    """
    if isinstance(value, jax.core.Tracer):
        return value
    if isinstance(value, jax.Array):
        have = value.sharding
        if have is sharding or have == sharding:
            return value
        try:
            if have.is_equivalent_to(sharding, value.ndim):
                return value
        except (TypeError, ValueError, AttributeError):
            pass
        if jax.process_count() == 1 or not value.is_fully_addressable:
            return jax.device_put(value, sharding)
    if jax.process_count() > 1:
        host = np.asarray(value)
        return jax.make_array_from_callback(host.shape, sharding, lambda idx: host[idx])
    return jax.device_put(value, sharding)


def _constrain(value, sharding):
    """A traced write keeps the variable's sharding, except inside a per-replica program
    (``strategy.run``'s shard_map), whose frame collects replica-local values."""
    if any(getattr(f, "per_replica", False) for f in state.frames):
        return value
    try:
        return jax.lax.with_sharding_constraint(value, sharding)
    except (ValueError, TypeError):  # e.g. under vmap with a rank-changing batch axis
        return value


def _fmt(value) -> str:
    arr = np.asarray(value)
    return repr(arr.item()) if arr.ndim == 0 else np.array2string(arr, threshold=20)


def _shape_spec(shape, actual) -> tuple:
    if shape is None:
        return tuple(actual)
    dims = getattr(shape, "dims", shape)
    if dims is None:
        return None  # fully unknown shape: any assignment allowed
    spec = tuple(None if d is None else int(d) for d in dims)
    if not _shape_compatible(spec, actual):
        raise ValueError(f"Variable: shape {spec} does not match initial value shape {actual}")
    return spec


def _shape_compatible(spec, actual) -> bool:
    if spec is None:
        return True
    if len(spec) != len(actual):
        return False
    return all(s is None or s == a for s, a in zip(spec, actual))


@contextlib.contextmanager
def init_scope():
    """Run code outside any ``jt.function`` trace, as TensorFlow's ``tf.init_scope``.

    Variable initializers run here: reads see the real stored values, writes go to
    them, and JAX computes concrete arrays even while a function is being traced.
    """
    saved_frames, saved_recorders = state.frames, state.recorders
    state.frames, state.recorders = [], []
    try:
        with jax.ensure_compile_time_eval():
            yield
    finally:
        state.frames, state.recorders = saved_frames, saved_recorders


class VariableSynchronization(enum.Enum):
    """When a distributed Variable's replicas are synchronized (``tf.VariableSynchronization``)."""

    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregationV2(enum.Enum):
    """How replica writes of a Variable combine (``tf.VariableAggregation``)."""

    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


VariableAggregation = VariableAggregationV2
