"""``Variable``: the one mutable cell of jtape. Every piece of state is a Variable."""

from __future__ import annotations

import contextlib
import itertools

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._shape import TensorShape
from ._state import current_frame, state
from ._tensor import Tensor, _tuple_new, to_value

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

    def __init__(
        self,
        initial_value=None,
        trainable: bool = True,
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
        if state.placers:
            value = state.placers[-1](value, bool(trainable))
        self._shape = _shape_spec(shape, value.shape)
        self.trainable = bool(trainable) and tf_kwargs.get("synchronization") != "ON_READ"
        self._name = name or "Variable"
        self._uid = next(_uid)
        self._value = value
        self.aggregation = tf_kwargs.get("aggregation")
        frame = current_frame()
        if frame is not None:
            frame.on_create(self, value)

    # -- reading -------------------------------------------------------------
    def _jt_read(self) -> Tensor:
        frame = current_frame()
        t = Tensor(frame.read(self) if frame is not None else self._value)
        for rec in state.recorders:
            rec._on_read(self, t)
        return t

    def value(self) -> Tensor:
        """The current value as a Tensor (a read that tapes can see)."""
        return self._jt_read()

    read_value = value

    def numpy(self) -> np.ndarray:
        return np.asarray(self._current())

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(self._current())
        return arr.astype(dtype) if dtype is not None else arr

    def __jax_array__(self):
        return self._jt_read()._value

    def _current(self):
        frame = current_frame()
        return frame.read(self) if frame is not None else self._value

    # -- writing -------------------------------------------------------------
    def assign(self, value, use_locking=None, name=None, read_value: bool = True):
        """Replace the value; shape and dtype must match (else ValueError, unchanged)."""
        new = self._checked(value, "assign")
        self._write(new, value)
        return self.value() if read_value else None

    def assign_add(self, delta, use_locking=None, name=None, read_value: bool = True):
        new = self._current() + self._checked(delta, "assign_add")
        self._write(new, delta)
        return self.value() if read_value else None

    def assign_sub(self, delta, use_locking=None, name=None, read_value: bool = True):
        new = self._current() - self._checked(delta, "assign_sub")
        self._write(new, delta)
        return self.value() if read_value else None

    def _checked(self, value, method: str):
        if isinstance(value, (Tensor, Variable, np.ndarray, jax.Array)):
            if isinstance(value, Variable):
                raw = value._jt_read()._value
            elif isinstance(value, Tensor):
                raw = value._value
            elif isinstance(value, jax.Array):
                raw = value  # already a device array: no conversion dispatch
            else:
                raw = jnp.asarray(value)
            if raw.dtype != self.dtype:
                if isinstance(value, np.ndarray) and not isinstance(value, jax.Array):
                    if np.can_cast(raw.dtype, self.dtype, "same_kind"):
                        raw = raw.astype(self.dtype)
                if raw.dtype != self.dtype:
                    raise ValueError(
                        f"Variable.{method}: value has dtype {raw.dtype.name} but variable "
                        f"'{self._name}' has dtype {self.dtype.name}; cast it first "
                        "(jt.cast). The variable is unchanged."
                    )
        else:
            try:
                raw = jnp.asarray(value, dtype=self.dtype)
            except (TypeError, ValueError) as e:
                raise ValueError(
                    f"Variable.{method}: cannot convert {type(value).__name__} to "
                    f"{self.dtype.name} for variable '{self._name}': {e}"
                ) from None
        if not _shape_compatible(self._shape, raw.shape):
            raise ValueError(
                f"Variable.{method}: shape {tuple(raw.shape)} does not match variable "
                f"'{self._name}' of shape {self._shape}. The variable is unchanged."
            )
        return raw

    def _write(self, new, source) -> None:
        for rec in state.recorders:
            rec._on_assign(self, source)
        frame = current_frame()
        if frame is not None:
            frame.write(self, new)
        else:
            self._value = new

    # -- metadata ------------------------------------------------------------
    @property
    def shape(self) -> TensorShape:
        return _tuple_new(TensorShape, self._current().shape)

    @property
    def dtype(self) -> np.dtype:
        return self._value.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def name(self) -> str:
        return f"{self._name}:0"

    @property
    def device(self) -> str:
        devs = getattr(self._value, "devices", None)
        return str(next(iter(devs()))) if devs else ""

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

    __hash__ = object.__hash__

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
