"""``tf.py_function`` / ``tf.numpy_function``: arbitrary Python inside jtape programs.

Eagerly both simply call ``func``: ``py_function`` with Tensors (so a GradientTape sees
its ops and differentiates through it, as in TF), ``numpy_function`` with numpy arrays
(no gradient, as in TF). While ``jt.function`` or ``Dataset.map`` traces, the call
becomes one host callback (``jax.experimental.io_callback``, or ``jax.pure_callback`` for
``numpy_function(stateful=False)``) that runs ``func`` when the program runs;
``py_function``'s callback carries a VJP that re-runs ``func`` under a tape, so its
gradient works inside ``jt.function`` too.

XLA needs output shapes before the program runs and TF does not tell them: give
``Tout`` as ``TensorSpec(shape, dtype)``, or jtape calls ``func`` once at trace time on
zeros of the input shapes to learn them (a jtape difference, see docs/image_signal.md).
"""

from __future__ import annotations

import contextlib

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import io_callback

from . import _dtypes
from ._dtype_rules import tf_name
from ._op import op
from ._op_errors import InvalidArgumentError
from ._state import state, tracing
from ._tensor import Tensor


@contextlib.contextmanager
def _host_context():
    """No tape records and no trace frame serves reads while ``func`` runs on the host."""
    saved = state.recorders, state.frames
    state.recorders, state.frames = [], []
    try:
        yield
    finally:
        state.recorders, state.frames = saved


def _flat_inputs(inp) -> list:
    from ._array_ops import convert_to_tensor

    if inp is None:
        return []
    items = list(inp) if isinstance(inp, (list, tuple)) else [inp]
    out = []
    for x in items:
        if hasattr(x, "_jt_read"):
            x = x._jt_read()
        out.append(x if isinstance(x, Tensor) else convert_to_tensor(x))
    return out


def _tout(Tout):
    """(list of (dtype, shape or None), single?) from TF's ``Tout``."""
    if Tout is None:
        return [], None
    single = not isinstance(Tout, (list, tuple))
    specs = []
    for t in [Tout] if single else Tout:
        dtype, shape = t, None
        if hasattr(t, "shape") and hasattr(t, "dtype") and not _is_dtype(t):  # a TensorSpec
            dtype, shape = t.dtype, tuple(t.shape)
            if any(d is None for d in shape):
                raise ValueError(
                    f"Tout: TensorSpec shape {list(shape)} must be fully known inside jt.function"
                )
        specs.append((np.dtype(_dtypes.as_dtype(dtype)), shape))
    return specs, single


def _is_dtype(t) -> bool:
    try:
        _dtypes.as_dtype(t)
    except (TypeError, ValueError):
        return False
    return True


def _result(outs: list, single):
    if single is None:
        return None
    return outs[0] if single else outs


def _as_outputs(value, specs, func_name: str, strict: bool) -> list:
    """``func``'s return value as numpy arrays of the declared dtypes."""
    if not specs:
        return []
    values = [value] if len(specs) == 1 and not isinstance(value, (list, tuple)) else value
    if not isinstance(values, (list, tuple)) or len(values) != len(specs):
        raise InvalidArgumentError(
            f"{func_name} returned {_count(values)} value(s), but Tout declares {len(specs)}"
        )
    out = []
    for i, (v, (dtype, _)) in enumerate(zip(values, specs)):
        if hasattr(v, "_jt_read"):
            v = v._jt_read()
        arr = np.asarray(v._value if isinstance(v, Tensor) else v)
        if arr.dtype != dtype:
            python = not isinstance(v, (Tensor, np.ndarray, np.generic))
            if strict or (isinstance(v, Tensor) and not python):
                raise InvalidArgumentError(
                    f"{i}-th value returned by {func_name} is {tf_name(arr.dtype)}, "
                    f"but expects {tf_name(dtype)}"
                )
            arr = arr.astype(dtype)
        out.append(arr)
    return out


def _dtype(value) -> np.dtype:
    return np.asarray(getattr(value, "_value", value)).dtype


def _is_float(value) -> bool:
    return isinstance(value, Tensor) and jnp.issubdtype(value.dtype, jnp.inexact)


def _count(values) -> int:
    return len(values) if isinstance(values, (list, tuple)) else 1


def _is_traced(tensors) -> bool:
    return any(isinstance(t._value, jax.core.Tracer) for t in tensors)


def _run_host(func, arrays, specs, numpy_args: bool, name: str) -> list:
    """``func`` on host values, outside every tape and trace; outputs as numpy."""
    with _host_context():
        args = [np.asarray(a) for a in arrays]
        if not numpy_args:
            args = [Tensor(jnp.asarray(a)) for a in args]
        return _as_outputs(func(*args), specs, name, strict=numpy_args)


def _shapes(func, tensors, specs, numpy_args: bool, name: str) -> list:
    if all(shape is not None for _, shape in specs):
        return [jax.ShapeDtypeStruct(shape, dtype) for dtype, shape in specs]
    zeros = [np.zeros(t.shape, np.dtype(t.dtype)) for t in tensors]
    with jax.ensure_compile_time_eval():  # run func now, on concrete zeros
        probe = _run_host(func, zeros, specs, numpy_args, name)
    return [
        jax.ShapeDtypeStruct(shape if shape is not None else p.shape, dtype)
        for (dtype, shape), p in zip(specs, probe)
    ]


def _callback(func, tensors, specs, numpy_args: bool, name: str, stateful: bool = True):
    """A pure function of the input values that calls ``func`` on the host."""
    out_shapes = _shapes(func, tensors, specs, numpy_args, name)

    def host(*arrays):
        outs = _run_host(func, arrays, specs, numpy_args, name)
        for o, s in zip(outs, out_shapes):
            if o.shape != s.shape:
                raise InvalidArgumentError(
                    f"{name} returned shape {list(o.shape)} where its traced call returned "
                    f"{list(s.shape)}; give Tout as TensorSpec(shape, dtype) with the shape"
                )
        return tuple(outs)

    def call(*values):
        if stateful:  # runs on every call even if its outputs go unused, as TF's stateful ops
            return io_callback(host, tuple(out_shapes), *values, ordered=False)
        return jax.pure_callback(host, tuple(out_shapes), *values, vmap_method="sequential")

    if numpy_args:
        # No gradient, as TF's numpy_function: cut the inputs off any derivative.
        return lambda *values: call(*[jax.lax.stop_gradient(v) for v in values])
    return _differentiable(func, call, tensors, specs, out_shapes, name)


@op
def _run_callback(*values, runner):
    return tuple(runner(*values))


def _differentiable(func, call, tensors, specs, out_shapes, name):
    """``call`` with a VJP that re-runs ``func`` under a tape on the host."""
    in_shapes = [jax.ShapeDtypeStruct(t.shape, np.dtype(t.dtype)) for t in tensors]
    floats = [jnp.issubdtype(s.dtype, jnp.inexact) for s in in_shapes]

    def host_vjp(*arrays):
        from ._tape import GradientTape

        n = len(in_shapes)
        with _host_context():
            inputs = [Tensor(jnp.asarray(np.asarray(a))) for a in arrays[:n]]
            sources = [x for x, f in zip(inputs, floats) if f]
            with GradientTape() as tape:
                tape.watch(sources)
                outs = func(*inputs)
            outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
            pairs = [(o, c) for o, c in zip(outs, arrays[n:]) if _is_float(o)]
            grads = [None] * len(sources)
            if pairs and sources:
                targets = [o for o, _ in pairs]
                cts = [Tensor(jnp.asarray(np.asarray(c), _dtype(o))) for o, c in pairs]
                grads = tape.gradient(targets, sources, output_gradients=cts)
        return tuple(
            np.zeros(x.shape, np.dtype(x.dtype)) if g is None else np.asarray(g._value, x.dtype)
            for x, g in zip(sources, grads)
        )

    @jax.custom_vjp
    def fn(*values):
        return call(*values)

    def fwd(*values):
        return call(*values), values

    def bwd(values, cts):
        float_shapes = tuple(s for s, f in zip(in_shapes, floats) if f)
        cts = [
            c if jnp.issubdtype(s.dtype, jnp.inexact) else jnp.zeros(s.shape, jnp.float32)
            for c, s in zip(cts, out_shapes)
        ]
        grads = iter(
            jax.pure_callback(host_vjp, float_shapes, *values, *cts, vmap_method="sequential")
        )
        return tuple(
            next(grads) if f else np.zeros(s.shape, jax.dtypes.float0)
            for s, f in zip(in_shapes, floats)
        )

    fn.defvjp(fwd, bwd)
    return fn


def _call(func, inp, Tout, numpy_args: bool, name: str, stateful: bool = True):
    tensors = _flat_inputs(inp)
    specs, single = _tout(Tout)
    name = name or getattr(func, "__name__", "func")
    if not (tracing() or _is_traced(tensors)):
        if numpy_args:
            outs = _run_host(func, [t._value for t in tensors], specs, True, name)
            return _result([Tensor(jnp.asarray(o)) for o in outs], single)
        value = func(*tensors)  # eager: the tape sees func's ops
        return _result(_eager_outputs(value, specs, name), single)
    if not specs:
        _callback_no_outputs(func, tensors, numpy_args, name)
        return _result([], single)
    runner = _callback(func, tensors, specs, numpy_args, name, stateful)
    return _result(list(_run_callback(*tensors, runner=runner)), single)


def _eager_outputs(value, specs, name: str) -> list:
    from ._array_ops import convert_to_tensor

    if not specs:
        return []
    values = [value] if len(specs) == 1 and not isinstance(value, (list, tuple)) else value
    if not isinstance(values, (list, tuple)) or len(values) != len(specs):
        raise InvalidArgumentError(
            f"{name} returned {_count(values)} value(s), but Tout declares {len(specs)}"
        )
    out = []
    for i, (v, (dtype, _)) in enumerate(zip(values, specs)):
        if hasattr(v, "_jt_read"):
            v = v._jt_read()
        if isinstance(v, Tensor):
            if np.dtype(v.dtype) != dtype:
                raise InvalidArgumentError(
                    f"{i}-th value returned by {name} is {tf_name(v.dtype)}, but expects "
                    f"{tf_name(dtype)}"
                )
            out.append(v)
        elif dtype == np.dtype(object):  # strings: a numpy "S" array drops trailing NULs
            out.append(convert_to_tensor(np.asarray(v, dtype=object)))
        else:
            out.append(convert_to_tensor(np.asarray(v).astype(dtype)))
    return out


def _callback_no_outputs(func, tensors, numpy_args: bool, name: str) -> None:
    def host(*arrays):
        _run_host(func, arrays, [], numpy_args, name)
        return ()

    io_callback(host, (), *[t._value for t in tensors], ordered=False)


def py_function(func, inp, Tout, name=None):  # noqa: N803 - TF's argument name
    """Run the Python function ``func`` on Tensors, also inside ``jt.function``.

    Eagerly it just calls ``func(*inp)`` (tapes see its ops). While tracing it becomes
    a host callback; its gradient re-runs ``func`` under a tape.

    Example:
        >>> import jtape as jt
        >>> @jt.function
        ... def f(x):
        ...     return py_function(lambda t: t * 2.0, [x], jt.float32)
        >>> f(jt.constant([1.0, 2.0])).numpy().tolist()
        [2.0, 4.0]
    """
    return _call(func, inp, Tout, False, name)


def numpy_function(func, inp, Tout, stateful=True, name=None):  # noqa: N803 - TF's names
    """Run ``func`` on numpy arrays (eagerly and inside ``jt.function``); no gradient.

    ``func``'s results must have exactly the ``Tout`` dtypes, as in TF.

    Example:
        >>> import numpy as np, jtape as jt
        >>> numpy_function(np.sort, [jt.constant([3, 1, 2])], jt.int32).numpy().tolist()
        [1, 2, 3]
    """
    return _call(func, inp, Tout, True, name, bool(stateful))
