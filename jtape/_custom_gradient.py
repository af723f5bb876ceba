"""``custom_gradient`` and ``stop_gradient``."""

from __future__ import annotations

import contextlib
import functools
import inspect
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

    ``f(*x)`` returns ``(y, grad_fn)``; ``grad_fn(*dy)`` gets one upstream gradient per
    (flattened) output and returns one gradient per flattened positional argument
    (None for "no gradient"). If ``f`` reads trainable Variables it was not given,
    ``grad_fn`` must accept ``variables=`` (else TypeError when ``f`` runs) and return
    ``(grads_for_x, grads_for_variables)``. Tensors passed by keyword get no gradient,
    as in TF. On a method, ``self`` is bound and is not an input.

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
    return _CustomGradient(f)


class _CustomGradient:
    """The decorated function; a descriptor, so that on a method ``self`` is bound."""

    def __init__(self, f: Callable) -> None:
        functools.update_wrapper(self, f)
        self._f = f
        self._cache: dict = {}

    def __call__(self, *args, **kwargs):
        return _call(self, self._f, None, args, kwargs)

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        bound = functools.partial(_call, self, self._f, obj)

        def method(*args, **kwargs):
            return bound(args, kwargs)

        return functools.update_wrapper(method, self._f)


def _is_arg_leaf(x) -> bool:
    return x is None or isinstance(x, (Tensor, Variable))  # None is a leaf, as tf.nest


def _accepts_variables(grad_fn) -> bool:
    try:
        spec = inspect.getfullargspec(grad_fn)
    except TypeError:
        return True  # not introspectable: let the call decide
    return "variables" in spec.args or "variables" in spec.kwonlyargs or spec.varkw is not None


def _call(owner: _CustomGradient, f: Callable, obj, args: tuple, kwargs: dict):
    call_f = f if obj is None else functools.partial(f, obj)
    arg_leaves, arg_tree = jax.tree_util.tree_flatten(args, is_leaf=_is_arg_leaf)
    kw_leaves, kw_tree = jax.tree_util.tree_flatten(kwargs, is_leaf=_is_tensorlike)
    leaves = arg_leaves + kw_leaves
    pos = tuple(i for i, leaf in enumerate(leaves) if _is_tensorlike(leaf))
    log = _ReadLog()
    with _isolated([log]):
        out = call_f(*args, **kwargs)
    if not isinstance(out, (tuple, list)) or len(out) != 2 or not callable(out[1]):
        raise TypeError(
            f"@custom_gradient: {getattr(f, '__name__', 'f')} must return a pair "
            f"(outputs, grad_fn), got {type(out).__name__}"
        )
    result, grad_fn = out
    given = [leaves[i] for i in pos if isinstance(leaves[i], Variable)]
    variables = [v for v in log.variables.values() if all(v is not g for g in given)]
    if variables and not _accepts_variables(grad_fn):
        raise TypeError(
            "@tf.custom_gradient grad_fn must accept keyword argument 'variables', since "
            f"function uses variables: {variables}"
        )
    outer = state.recorders
    # Inside a trace (jt.function, control flow) JAX itself may differentiate the
    # program later, e.g. when the function is called under an eager tape: the
    # outputs must then come from the custom_vjp function, not from f directly.
    traced = tracing()
    if not outer and not traced:
        return result
    n_args = len(arg_leaves)
    inputs = tuple(
        leaves[i].value()
        if isinstance(leaves[i], Variable)
        # Tensors given by keyword are constants for the tape (TF: no gradient).
        else (leaves[i] if i < n_args else Tensor(leaves[i]._value))
        for i in pos
    )
    var_reads = tuple(v.value() for v in variables)
    all_inputs = inputs + var_reads
    if not traced and not any(rec._wants(all_inputs) for rec in outer):
        return result
    template = tuple(None if i in pos else leaf for i, leaf in enumerate(leaves))
    key = (obj is not None, id(obj), arg_tree, kw_tree, pos, _static_key(template))
    key += (tuple(map(id, variables)),)
    spec = owner._cache.get(key)
    if spec is None:
        layout = (arg_tree, kw_tree, n_args, template, pos)
        pure = _make_pure(call_f, layout, variables)
        n = len(all_inputs)
        spec = owner._cache[key] = NodeSpec(
            pure,
            jax.tree_util.tree_structure((tuple(range(n)), {})),
            (None,) * n,
            tuple(range(n)),
            (owner, key),
        )
    out_leaves, out_tree = jax.tree_util.tree_flatten(result, is_leaf=_is_tensorlike)
    # Fresh Tensors: f may return an input itself (an identity with a custom
    # gradient), and that tensor must not also keep its own path on the tape.
    if traced:
        outputs = tuple(Tensor(v) for v in spec(*[t._value for t in all_inputs]))
    else:
        outputs = tuple(
            Tensor(o._value) if isinstance(o, Tensor) else _as_tensor(o) for o in out_leaves
        )
    record_node(spec, all_inputs, outputs)
    return jax.tree_util.tree_unflatten(out_tree, outputs)


def _as_tensor(o) -> Tensor:
    return o.value() if isinstance(o, Variable) else Tensor(jnp.asarray(o))


def _static_key(template: tuple) -> tuple:
    """Hashable stand-in for the non-tensor arguments (by identity where unhashable)."""
    out = []
    for x in template:
        try:
            hash(x)
            out.append((type(x), x))
        except TypeError:
            out.append(("id", id(x)))  # the cached closure keeps x alive: ids stay unique
    return tuple(out)


def _make_pure(f, layout, variables):
    arg_tree, kw_tree, n_args, template, pos = layout
    n_in = len(pos)
    n_kw_tensors = sum(1 for i in pos if i >= n_args)

    def call_f(vals):
        leaves = list(template)
        for i, v in zip(pos, vals[:n_in]):
            leaves[i] = Tensor(v)
        frame = _OverrideFrame({id(var): v for var, v in zip(variables, vals[n_in:])})
        args = jax.tree_util.tree_unflatten(arg_tree, leaves[:n_args])
        kwargs = jax.tree_util.tree_unflatten(kw_tree, leaves[n_args:])
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
        # grad_fn speaks TF's convention for complex values (the conjugate of JAX's).
        dys = [Tensor(_conj_complex(c)) for c in cts]
        with _isolated([], _OverrideFrame({id(v): x for v, x in zip(variables, vals[n_in:])})):
            if variables:
                input_grads, var_grads = grad_fn(*dys, variables=variables)
                if len(var_grads) != len(variables):
                    raise ValueError(
                        "Must return gradient for each variable from @custom_gradient grad_fn."
                    )
            else:
                input_grads, var_grads = grad_fn(*dys), []
        flat = jax.tree_util.tree_leaves(input_grads, is_leaf=_is_arg_leaf)
        if len(flat) != n_args:
            raise ValueError(
                f"custom_gradient function expected to return {n_args} gradients, but "
                f"returned {len(flat)} instead."
            )
        # One gradient per flattened positional argument; keep those of the tensors.
        grads = [flat[i] for i in pos if i < n_args] + [None] * n_kw_tensors + list(var_grads)
        # The inputs grad_fn answered None for: the tape gives them None, as TF, when
        # nothing else connects them (see Program.cut_by_none).
        fn._jt_none_grads = frozenset(i for i, g in enumerate(grads) if g is None)
        return tuple(_conj_complex(_cotangent(g, v)) for g, v in zip(grads, vals))

    fn.defvjp(fwd, bwd)
    fn._jt_none_grads = frozenset()
    return fn


def _conj_complex(x):
    if x is None or not jnp.issubdtype(x.dtype, jnp.complexfloating):
        return x
    return jnp.conj(x)


def _cotangent(g, v):
    if g is None or not jnp.issubdtype(v.dtype, jnp.inexact):
        return None
    raw = _raw(g)
    try:
        return jnp.broadcast_to(raw, v.shape).astype(v.dtype)
    except ValueError:
        raise ValueError(
            f"custom_gradient: grad_fn returned a gradient of shape {tuple(raw.shape)} for "
            f"an input of shape {tuple(v.shape)}"
        ) from None


def _raw(x):
    if isinstance(x, Tensor):
        return x._value
    if isinstance(x, Variable):
        return x.value()._value
    return jnp.asarray(x)
