"""``custom_gradient`` and ``stop_gradient``."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp

from ._op import NodeSpec, record_node
from ._state import current_frame, state, tracing
from ._tape import Recorder
from ._tensor import Tensor
from ._variable import Variable


def stop_gradient(input, name=None) -> Tensor:  # noqa: A002 - TF's name
    # Not recorded: a source reached only through stop_gradient gets None, as in TF
    # (a recorded op with a zero VJP would give 0). lax.stop_gradient keeps JAX-level
    # differentiation of an enclosing compiled function right too.
    from ._tensor import to_value

    return Tensor(jax.lax.stop_gradient(to_value(input)))


stop_gradient.__doc__ = """Treat ``x`` as a constant for differentiation (``tf.stop_gradient``).

Example:
    >>> import jtape as jt
    >>> x = jt.constant(3.0)
    >>> with jt.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * jt.stop_gradient(x)
    >>> float(tape.gradient(y, x))
    3.0
"""


class _ReadLog(Recorder):
    """Collects the Variables read while a custom-gradient function runs."""

    def __init__(self) -> None:
        super().__init__(watch_accessed_variables=False)
        self.variables: dict[int, Variable] = {}

    def _wants(self, inputs) -> bool:
        return False

    def _on_read(self, var, t) -> None:
        if var.trainable:
            self.variables.setdefault(id(var), var)


class _OverrideFrame:
    """A variable frame that serves given values for some variables."""

    traces = True  # it only ever runs inside JAX transformations

    def __init__(self, values: dict[int, object]) -> None:
        self.values = values
        self.parent = current_frame()

    def read(self, var):
        v = self.values.get(id(var))
        if v is not None:
            return v
        return self.parent.read(var) if self.parent is not None else var._value

    def write(self, var, value):
        if self.parent is not None:
            self.parent.write(var, value)
        else:
            var._value = value

    def on_create(self, var, value):
        if self.parent is not None:
            self.parent.on_create(var, value)


@contextlib.contextmanager
def _isolated(recorders: list, frame=None):
    saved = state.recorders
    state.recorders = recorders
    if frame is not None:
        state.frames.append(frame)
    try:
        yield
    finally:
        state.recorders = saved
        if frame is not None:
            state.frames.pop()


def _is_tensorlike(x) -> bool:
    return isinstance(x, (Tensor, Variable))


def custom_gradient(f: Callable | None = None):
    """Define a function's gradient yourself, as ``tf.custom_gradient``.

    ``f(*x)`` returns ``(y, grad_fn)``; ``grad_fn(*dy)`` returns the gradients for
    ``x``. If ``f`` reads trainable Variables, ``grad_fn`` must accept a
    ``variables=`` keyword and return ``(grads_for_x, grads_for_variables)``.

    Example:
        >>> import jtape as jt
        >>> @jt.custom_gradient
        ... def clip_grad(x):
        ...     def grad(dy):
        ...         return jt.clip_by_value(dy, -1.0, 1.0)
        ...     return jt.identity(x), grad
        >>> x = jt.constant(2.0)
        >>> with jt.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = clip_grad(x * 5.0)
        >>> float(tape.gradient(y, x))
        5.0
    """
    if f is None:
        return custom_gradient
    cache: dict = {}

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        leaves, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_tensorlike)
        pos = tuple(i for i, leaf in enumerate(leaves) if _is_tensorlike(leaf))
        log = _ReadLog()
        with _isolated([log]):
            result, _ = f(*args, **kwargs)
        outer = state.recorders
        # Inside a trace (jt.function, control flow) JAX itself may differentiate the
        # program later, e.g. when the function is called under an eager tape: the
        # outputs must then come from the custom_vjp function, not from f directly.
        traced = tracing()
        if not outer and not traced:
            return result
        inputs = tuple(
            leaves[i].value() if isinstance(leaves[i], Variable) else leaves[i] for i in pos
        )
        variables = list(log.variables.values())
        var_reads = tuple(v.value() for v in variables)
        all_inputs = inputs + var_reads
        if not traced and not any(rec._wants(all_inputs) for rec in outer):
            return result
        template = tuple(None if i in pos else leaf for i, leaf in enumerate(leaves))
        key = (treedef, pos, len(variables), tuple(map(id, variables)))
        spec = cache.get(key)
        if spec is None:
            pure = _make_pure(f, treedef, template, pos, variables)
            n = len(all_inputs)
            spec = cache[key] = NodeSpec(
                pure,
                jax.tree_util.tree_structure((tuple(range(n)), {})),
                (None,) * n,
                tuple(range(n)),
                (wrapped, key),
            )
        out_leaves, out_tree = jax.tree_util.tree_flatten(result, is_leaf=_is_tensorlike)
        # Fresh Tensors: f may return an input itself (an identity with a custom
        # gradient), and that tensor must not also keep its own path on the tape.
        if traced:
            outputs = tuple(Tensor(v) for v in spec(*[t._value for t in all_inputs]))
        else:
            outputs = tuple(
                Tensor(o._value) if isinstance(o, Tensor) else o.value() for o in out_leaves
            )
        record_node(spec, all_inputs, outputs)
        return jax.tree_util.tree_unflatten(out_tree, outputs)

    return wrapped


def _make_pure(f, treedef, template, pos, variables):
    n_in = len(pos)

    def call_f(vals):
        leaves = list(template)
        for i, v in zip(pos, vals[:n_in]):
            leaves[i] = Tensor(v)
        frame = _OverrideFrame({id(var): v for var, v in zip(variables, vals[n_in:])})
        args, kwargs = jax.tree_util.tree_unflatten(treedef, leaves)
        with _isolated([], frame):
            result, grad_fn = f(*args, **kwargs)
        return result, grad_fn

    def primal(*vals):
        result, _ = call_f(vals)
        return tuple(_raw(o) for o in jax.tree_util.tree_leaves(result, is_leaf=_is_tensorlike))

    fn = jax.custom_vjp(primal)

    def fwd(*vals):
        return primal(*vals), vals

    def bwd(vals, cts):
        _, grad_fn = call_f(vals)
        dys = [Tensor(c) for c in cts]
        with _isolated([], _OverrideFrame({id(v): x for v, x in zip(variables, vals[n_in:])})):
            if variables:
                grads = grad_fn(*dys, variables=variables)
                input_grads, var_grads = grads
            else:
                input_grads, var_grads = grad_fn(*dys), []
        if not isinstance(input_grads, (list, tuple)):
            input_grads = [input_grads]
        input_grads = list(input_grads)
        if len(input_grads) != n_in:
            raise ValueError(
                f"custom_gradient: grad_fn returned {len(input_grads)} gradients for {n_in} inputs"
            )
        out = []
        for g, v in zip(list(input_grads) + list(var_grads), vals):
            if g is None or not jnp.issubdtype(v.dtype, jnp.inexact):
                out.append(None)
            else:
                out.append(jnp.broadcast_to(_raw(g), v.shape).astype(v.dtype))
        return tuple(out)

    fn.defvjp(fwd, bwd)
    return fn


def _raw(x):
    if isinstance(x, Tensor):
        return x._value
    if isinstance(x, Variable):
        return x.value()._value
    return jnp.asarray(x)
