"""Control flow as recorded ops: ``cond``, ``case``, ``switch_case``, ``while_loop``,
``map_fn``, ``scan``, ``foldl``/``foldr`` and ``vectorized_map``.

Eagerly, with a concrete predicate, ``cond``/``case``/``switch_case`` just call the
chosen branch and ``while_loop`` runs a Python loop, as TensorFlow's eager mode does:
the tape records the ops that actually ran. Inside a trace (``jt.function``), and for
the mapping ops always, each call becomes **one op** on ``jax.lax.switch``,
``while_loop``, ``scan`` or ``vmap``. The op's pure function runs the user's Python
functions on Tensors holding tracers, with recording isolated, and everything they
take from outside becomes an explicit input, so tapes differentiate through it:

* Variables read (or assigned) inside: found by a first abstract trace
  (``jax.eval_shape``) through a recording frame; their values become inputs, and
  assigned ones come back as outputs that are assigned after the op.
* Tensors captured by closure that an active tape watches: found by the same trace,
  passed as inputs, and swapped into the captured Tensor objects while the op's
  function traces (TensorFlow captures closed-over tensors the same way).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from ._array_ops import convert_to_tensor
from ._custom_gradient import _isolated
from ._errors import NotDifferentiableError
from ._op import call_op
from ._state import current_frame, state, tracing
from ._tape import Recorder
from ._tensor import Tensor
from ._tensor_array import allocate_for_loop, finish_loop, python_loop
from ._variable import Variable

# -- capturing what user functions take from outside -------------------------------------


def _creation_error(var) -> ValueError:
    return ValueError(
        f"Creating a Variable ('{var.name}') inside a traced cond/while_loop/map_fn/scan "
        "function is not supported; create it once, outside the control flow."
    )


class _DiscoveryFrame:
    """Frame of the abstract first trace: notes Variables read/assigned, keeps writes local."""

    traces = True

    def __init__(self, parent) -> None:
        self.parent = parent
        self.values: dict[int, Any] = {}
        self.variables: dict[int, Variable] = {}
        self.written: dict[int, Variable] = {}

    def read(self, var):
        vid = id(var)
        value = self.values.get(vid)
        if value is None:
            self.variables.setdefault(vid, var)
            value = self.parent.read(var) if self.parent is not None else var._value
            self.values[vid] = value
        return value

    def write(self, var, value) -> None:
        vid = id(var)
        if vid not in self.variables:
            self.read(var)  # its value on entry is an input too (the untaken path keeps it)
        self.written.setdefault(vid, var)
        self.values[vid] = value

    def on_create(self, var, value) -> None:
        raise _creation_error(var)


class _ServeFrame:
    """Frame of the real trace: serves Variables from the op's inputs, collects writes."""

    traces = True

    def __init__(self, variables: Sequence[Variable], values, parent) -> None:
        self.values = {id(v): x for v, x in zip(variables, values)}
        self.parent = parent

    def read(self, var):
        value = self.values.get(id(var))
        if value is None:  # not seen by the first trace (data-dependent Python): as is
            value = self.parent.read(var) if self.parent is not None else var._value
        return value

    def write(self, var, value) -> None:
        if id(var) not in self.values:
            raise RuntimeError(
                f"Variable '{var.name}' was assigned inside control flow on a path the "
                "first trace did not take; assign it unconditionally in the function "
                "(Python `if` on Python values inside a branch can cause this)."
            )
        self.values[id(var)] = value

    def on_create(self, var, value) -> None:
        raise _creation_error(var)

    def collect(self, variables: Sequence[Variable]) -> list:
        return [self.values[id(v)] for v in variables]


class _CaptureLog(Recorder):
    """Sees every op of the first trace; keeps closed-over Tensors that a tape watches."""

    def __init__(self, outer: list) -> None:
        super().__init__(watch_accessed_variables=False)
        self.outer = outer
        self.internal: set[int] = set()
        self.held: list = []  # keeps internal tensors alive so their ids stay unique
        self.tensors: dict[int, Tensor] = {}
        self.own_trace = None  # the discovery trace: its tracers are made inside

    def mark(self, tensors) -> None:
        for t in tensors:
            self.internal.add(id(t))
            self.held.append(t)

    def _wants(self, inputs) -> bool:
        for t in inputs:
            tid = id(t)
            if tid in self.internal or tid in self.tensors:
                continue
            # A closed-over tensor becomes an input if a tape watches it, or if it holds a
            # tracer: an enclosing JAX transformation (a jt.function differentiated from
            # outside) may differentiate with respect to it.
            # A tracer of the discovery's own trace was made inside the function (jt.zeros,
            # jt.constant: no op records it): it is not a capture.
            value = t._value
            outer_tracer = isinstance(value, jax.core.Tracer) and (
                self.own_trace is None or getattr(value, "_trace", None) is not self.own_trace
            )
            if outer_tracer or any(rec._wants((t,)) for rec in self.outer):
                self.tensors[tid] = t
        return True

    def _record(self, node) -> None:
        self.mark(node.outputs)

    def _on_read(self, var, t) -> None:
        self.mark((t,))  # Variables are inputs through the frame, not as tensors


class _Captured:
    """What a control-flow call takes from outside its arguments."""

    def __init__(self, variables, written, tensors) -> None:
        self.variables: list[Variable] = variables
        self.written: list[Variable] = written
        self.tensors: list[Tensor] = tensors

    def inputs(self) -> tuple[tuple, tuple]:
        # Reading through the current frame and recorders: tapes see these reads.
        return tuple(v.value() for v in self.variables), tuple(self.tensors)

    def assign_written(self, values) -> None:
        for var, value in zip(self.written, values):
            var.assign(value)


def _discover(run: Callable, *example) -> _Captured:
    """Trace ``run(log, *example)`` abstractly to find Variables and watched captures."""
    log = _CaptureLog(list(state.recorders))
    frame = _DiscoveryFrame(current_frame())

    def traced(*vals):
        log.own_trace = _current_trace()
        with _isolated([log], frame):
            run(log, *vals)
        return ()

    jax.eval_shape(traced, *example)
    written = list(frame.written.values())
    return _Captured(list(frame.variables.values()), written, list(log.tensors.values()))


def _current_trace():
    """The innermost JAX trace (None where this jax has no such record)."""
    from jax._src import core as jax_core

    ctx = getattr(jax_core, "trace_ctx", None)
    return getattr(ctx, "trace", None)


@contextlib.contextmanager
def _inside(cap: _Captured, var_vals, cap_vals):
    """Run user code with Variables served from ``var_vals`` and captures swapped in."""
    frame = _ServeFrame(cap.variables, var_vals, current_frame())
    saved = [t._value for t in cap.tensors]
    try:
        for t, v in zip(cap.tensors, cap_vals):
            t._value = v
        with _isolated([], frame):
            yield frame
    finally:
        for t, v in zip(cap.tensors, saved):
            t._value = v


# -- converting user values ----------------------------------------------------------------


def _is_tensorlike(x) -> bool:
    return isinstance(x, (Tensor, Variable))


def _flatten(structure):
    return jax.tree_util.tree_flatten(structure, is_leaf=_is_tensorlike)


def _as_tensor(x, dtype=None) -> Tensor:
    if isinstance(x, Variable):
        return x.value()
    if isinstance(x, Tensor):
        return x
    return convert_to_tensor(x, dtype=dtype)


def _raw_leaves(structure) -> tuple[list, Any]:
    leaves, tree = _flatten(structure)
    return [_as_tensor(x)._value for x in leaves], tree


def _wrap(log: _CaptureLog | None, values) -> list[Tensor]:
    ts = [Tensor(v) for v in values]
    if log is not None:
        log.mark(ts)
    return ts


def _concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


def _describe(tree, leaves) -> str:
    if tree.num_leaves == 1 and tree.num_nodes == 1:
        v = leaves[0]
        return f"a tensor of shape {tuple(v.shape)} and dtype {jnp.dtype(v.dtype).name}"
    specs = [(tuple(v.shape), jnp.dtype(v.dtype).name) for v in leaves]
    return f"{tree} with leaves {specs}"


def _check_same(what: str, names: tuple[str, str], a, b) -> None:
    """Both outputs ``(leaves, tree)`` must agree in structure, dtype and shape."""
    (la, ta), (lb, tb) = a, b
    if ta != tb:
        raise TypeError(
            f"{what}: {names[0]} returned {_describe(ta, la)} but {names[1]} returned "
            f"{_describe(tb, lb)}; they must return the same structure"
        )
    for i, (x, y) in enumerate(zip(la, lb)):
        if x.dtype != y.dtype:
            raise TypeError(
                f"{what}: output {i} has dtype {jnp.dtype(x.dtype).name} in {names[0]} but "
                f"{jnp.dtype(y.dtype).name} in {names[1]}"
            )
        if tuple(x.shape) != tuple(y.shape):
            raise ValueError(
                f"{what}: output {i} has shape {tuple(x.shape)} in {names[0]} but "
                f"{tuple(y.shape)} in {names[1]}; XLA needs one shape for both (pad or "
                "reshape one of them)"
            )


def _no_writes(cap: _Captured, what: str) -> None:
    if cap.written:
        names = ", ".join(f"'{v.name}'" for v in cap.written)
        raise NotImplementedError(
            f"{what}: assigning Variables ({names}) inside the function is not supported; "
            "carry the value in the accumulator (scan/foldl) or use while_loop."
        )


# -- cond / case / switch_case ---------------------------------------------------------


def _switch(index: Tensor, fns: list[Callable], names: list[str], what: str, to_index=None):
    """One op: ``fns[to_index(index)]()`` on ``lax.switch``; all return one structure."""
    shapes: list = [None] * len(fns)

    def run(log):
        for k, fn in enumerate(fns):
            shapes[k] = _raw_leaves(fn())
        for k in range(1, len(fns)):
            _check_same(what, (names[0], names[k]), shapes[0], shapes[k])

    cap = _discover(run)
    tree = shapes[0][1]

    def branch(fn):
        def b(operands):
            var_vals, cap_vals = operands
            with _inside(cap, var_vals, cap_vals) as frame:
                out = fn()
                written = frame.collect(cap.written)
            return _raw_leaves(out)[0], written

        return b

    def pure(i, var_vals, cap_vals):
        if to_index is not None:
            i = to_index(i)
        return lax.switch(i, [branch(fn) for fn in fns], (var_vals, cap_vals))

    var_reads, captured = cap.inputs()
    outs, written = call_op(pure, (index, var_reads, captured), {})
    cap.assign_written(written)
    return jax.tree_util.tree_unflatten(tree, list(outs))


def _scalar(x, what: str, kind: str) -> Tensor:
    t = _as_tensor(x)
    if t.ndim != 0:
        raise ValueError(f"{what}: expected a scalar, got a tensor of shape {t.shape}")
    ok = t.dtype == jnp.bool_ if kind == "bool" else jnp.issubdtype(t.dtype, jnp.integer)
    if not ok:
        raise TypeError(f"{what}: expected a {kind} scalar, got dtype {t.dtype.name}")
    return t


def cond(pred, true_fn: Callable | None = None, false_fn: Callable | None = None, name=None):
    """``true_fn()`` if ``pred`` else ``false_fn()``, as ``tf.cond``.

    With a concrete ``pred`` (eager code, or a Python bool) only the chosen branch runs.
    Inside ``jt.function`` it is one ``lax.cond`` op: both branches are traced and
    must return the same structure, dtypes and shapes. Variables assigned in a branch
    are assigned after the op (unchanged where the other branch ran). Differentiable.

    Example:
        >>> import jtape as jt
        >>> x = jt.constant(3.0)
        >>> with jt.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = jt.cond(x > 0, lambda: x * x, lambda: -x)
        >>> float(y), float(tape.gradient(y, x))
        (9.0, 6.0)
    """
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("cond: true_fn and false_fn must both be callables")
    if isinstance(pred, bool):
        return true_fn() if pred else false_fn()
    p = _scalar(pred, "cond: pred", "bool")
    if _concrete(p._value):
        return true_fn() if bool(p._value) else false_fn()
    return _switch(p, [false_fn, true_fn], ["false_fn", "true_fn"], "cond", _bool_index)


def switch_case(branch_index, branch_fns, default: Callable | None = None, name=None):
    """``branch_fns[branch_index]()``, as ``tf.switch_case``.

    ``branch_fns`` is a list of callables, a dict ``{int: fn}`` or a list of
    ``(int, fn)`` pairs with keys ``0..n-1``. An index out of range runs ``default``,
    or the last branch when there is no default (TF's rule).

    Example:
        >>> import jtape as jt
        >>> fns = [lambda: jt.constant(10), lambda: jt.constant(20)]
        >>> int(jt.switch_case(jt.constant(1), fns)), int(jt.switch_case(jt.constant(7), fns))
        (20, 20)
    """
    fns = _indexed_fns(branch_fns, default)
    if isinstance(branch_index, int) and not isinstance(branch_index, bool):
        i = branch_index
        return fns[i if 0 <= i < len(fns) else -1]()
    idx = _scalar(branch_index, "switch_case: branch_index", "integer")
    n = len(fns)
    if _concrete(idx._value):
        i = int(idx._value)
        return fns[i if 0 <= i < n else n - 1]()
    names = [f"branch {k}" for k in range(len(fns))]
    if default is not None:
        names[-1] = "default"

    def clamp(i):  # out of range runs the default (last), not lax.switch's clamping
        return jnp.where((i < 0) | (i >= n), n - 1, i).astype(jnp.int32)

    return _switch(idx, fns, names, "switch_case", clamp)


def _bool_index(b):
    return b.astype(jnp.int32)


def _indexed_fns(branch_fns, default) -> list[Callable]:
    if not branch_fns:
        raise ValueError("switch_case: branch_fns must contain at least one branch")
    if isinstance(branch_fns, dict):
        pairs = list(branch_fns.items())
    elif isinstance(branch_fns, (list, tuple)):
        pairs = (
            list(enumerate(branch_fns))
            if all(callable(f) for f in branch_fns)
            else list(branch_fns)
        )
    else:
        raise TypeError("switch_case: branch_fns must be a list, tuple or dict")
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2 or not callable(pair[1]):
            raise TypeError(
                f"switch_case: each entry of branch_fns must be a callable or an (int, "
                f"callable) pair, got {pair!r}"
            )
    keys = sorted(k for k, _ in pairs)
    if keys != list(range(len(keys))):
        raise ValueError(
            f"switch_case: branch indices (keys) must form the range [0, {len(keys)}), got {keys}"
        )
    fns = [f for _, f in sorted(pairs, key=lambda p: p[0])]
    if default is not None:
        if not callable(default):
            raise TypeError("switch_case: default must be callable")
        fns.append(default)
    return fns


def case(
    pred_fn_pairs,
    default: Callable | None = None,
    exclusive: bool = False,
    strict: bool = False,
    name: str = "case",
):
    """The fn of the first ``(pred, fn)`` pair whose ``pred`` is true, as ``tf.case``.

    Without ``default``, the last pair acts as default: eagerly, no true predicate is
    an error (as TF); traced, the last fn runs (TF would fail at run time).
    ``exclusive=True`` checks, eagerly, that at most one predicate is true.

    Example:
        >>> import jtape as jt
        >>> x = jt.constant(5)
        >>> r = jt.case([(x < 0, lambda: jt.constant(-1)), (x > 3, lambda: jt.constant(1))],
        ...             default=lambda: jt.constant(0))
        >>> int(r)
        1
    """
    if isinstance(pred_fn_pairs, dict):
        pred_fn_pairs = list(pred_fn_pairs.items())
    if not isinstance(pred_fn_pairs, (list, tuple)) or not pred_fn_pairs:
        raise TypeError("case: pred_fn_pairs must be a non-empty list of (pred, fn) pairs")
    preds, fns = [], []
    for pair in pred_fn_pairs:
        if not isinstance(pair, tuple) or len(pair) != 2 or not callable(pair[1]):
            raise TypeError(f"case: each entry must be a (pred, callable) pair, got {pair!r}")
        p = pair[0]
        preds.append(p if isinstance(p, bool) else _scalar(p, "case: pred", "bool"))
        fns.append(pair[1])
    if default is not None and not callable(default):
        raise TypeError("case: default must be callable")
    values = [p if isinstance(p, bool) else p._value for p in preds]
    if all(isinstance(v, bool) or _concrete(v) for v in values):
        truth = [bool(v) for v in values]
        if exclusive and sum(truth) > 1:
            raise ValueError(f"case: exclusive=True but {sum(truth)} predicates are true")
        for t, fn in zip(truth, fns):
            if t:
                return fn()
        if default is None:
            raise ValueError("case: none of the conditions evaluated as True (no default)")
        return default()
    if default is None:
        default, preds, fns = fns[-1], preds[:-1], fns[:-1]
    n = len(fns)
    stacked = [p if isinstance(p, Tensor) else convert_to_tensor(p) for p in preds]

    def first_true(*ps):
        ps = jnp.stack(ps) if ps else jnp.zeros((0,), bool)
        return jnp.where(jnp.any(ps), jnp.argmax(ps), n).astype(jnp.int32)

    index = call_op(first_true, tuple(stacked), {})
    names = [f"fn {k}" for k in range(n)] + ["default"]
    return _switch(index, [*fns, default], names, "case")


# -- while_loop ---------------------------------------------------------------------------

_grad_message = (
    "while_loop: reverse-mode gradients need a bound on the number of iterations. JAX "
    "cannot differentiate a loop of unknown length backwards (TensorFlow keeps a stack of "
    "every iteration). Pass maximum_iterations=N to while_loop: jtape then runs it as a "
    "masked lax.scan of N steps, whose gradient works."
)


def while_loop(
    cond: Callable,
    body: Callable,
    loop_vars,
    shape_invariants=None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    maximum_iterations=None,
    name=None,
):
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``, as ``tf.while_loop``.

    Returns the final ``loop_vars`` in their structure. Eagerly it is a Python loop
    (as in TF), and tapes differentiate it like any eager code. Inside ``jt.function``
    it is one ``lax.while_loop`` op: loop variables keep their shapes and dtypes
    (``shape_invariants`` cannot relax shapes on XLA), and Variables assigned in
    ``body`` are carried through the loop. Reverse-mode gradients of a traced loop
    need ``maximum_iterations``: the loop then differentiates as a masked
    ``lax.scan`` of that many steps (the forward pass still stops early); without it
    ``tape.gradient`` raises :class:`jt.NotDifferentiableError`.
    ``parallel_iterations`` and ``swap_memory`` are accepted and ignored.

    Example:
        >>> import jtape as jt
        >>> i, x = jt.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, x * 2.0),
        ...                      (jt.constant(0), jt.constant(1.0)))
        >>> int(i), float(x)
        (3, 8.0)
    """
    if not callable(cond) or not callable(body):
        raise TypeError("while_loop: cond and body must be callables")
    single = not isinstance(loop_vars, (list, tuple))
    if maximum_iterations is not None:
        maximum_iterations = _max_iterations(maximum_iterations)
    # TensorArrays carried by a traced loop need their buffer before it starts.
    loop_vars, sized = allocate_for_loop(
        loop_vars,
        lambda lv: body(lv) if single else body(*lv),
        lambda lv: python_loop(
            lv,
            lambda v: cond(v) if single else cond(*v),
            lambda v: body(v) if single else body(*v),
            maximum_iterations,
        ),
    )
    leaves, tree = _flatten(loop_vars)
    loose_tree = _flatten(_lists_as_tuples(loop_vars))[1]
    init = [_as_tensor(x) for x in leaves]

    def args(flat) -> tuple:
        structure = jax.tree_util.tree_unflatten(tree, list(flat))
        return (structure,) if single else tuple(structure)

    def step(flat, what: str) -> list[Tensor]:
        out = body(*args(flat))
        if not single and len(loop_vars) == 1 and not isinstance(out, (list, tuple)):
            out = type(loop_vars)([out])  # TF packs a lone result
        out_leaves, _ = _flatten(out)
        # TF compares structures without types: lists, tuples, namedtuples are alike.
        out_tree = _flatten(_lists_as_tuples(out))[1]
        if out_tree != loose_tree:
            raise ValueError(
                f"while_loop: body returned {out_tree}, but loop_vars have structure "
                f"{loose_tree}; body must return the loop variables in the same structure "
                "(lists and tuples may stand for each other)"
            )
        new = []
        for k, (x, t0) in enumerate(zip(out_leaves, init)):
            py = isinstance(x, (bool, int, float))
            t = _as_tensor(x, t0.dtype if py else None)
            if t.dtype != t0.dtype:
                raise TypeError(
                    f"while_loop: loop variable {k} has dtype {t0.dtype.name} on entry but "
                    f"{t.dtype.name} after one iteration{what}"
                )
            if what and t.shape != t0.shape:
                raise ValueError(
                    f"while_loop: loop variable {k} has shape {t0.shape} on entry but "
                    f"{t.shape} after one iteration. XLA loops keep every loop variable's "
                    "shape fixed (shape_invariants cannot relax it on JAX): give it its "
                    "final shape before the loop, e.g. by padding"
                )
            new.append(t)
        return new

    def predicate(flat) -> Tensor:
        c = cond(*args(flat))
        return c if isinstance(c, bool) else _scalar(c, "while_loop: cond's result", "bool")

    if not tracing() and all(_concrete(t._value) for t in init):
        # Eager: a Python loop, as TF's eager while_loop.
        flat, n = init, 0
        while maximum_iterations is None or n < maximum_iterations:
            c = predicate(flat)
            if not bool(c if isinstance(c, bool) else c._value):
                break
            flat = step(flat, "")
            n += 1
        return _result(loop_vars, tree, flat, single, back_prop)

    def run(log, *vals):
        flat = _wrap(log, vals)
        predicate(flat)
        step(flat, " (inside jt.function)")

    cap = _discover(run, *[t._value for t in init])
    wpos = [k for k, v in enumerate(cap.variables) if any(v is w for w in cap.written)]
    # The carried writes in wpos order (first read), whatever order they were written in.
    cap.written = [cap.variables[k] for k in wpos]

    def loop_fns(var_vals, cap_vals):
        def with_vars(written_vals):
            vv = list(var_vals)
            for k, v in zip(wpos, written_vals):
                vv[k] = v
            return vv

        def cond_raw(carry):
            flat, written = carry
            with _inside(cap, with_vars(written), cap_vals):
                c = predicate(_wrap(None, flat))
            return jnp.asarray(c if isinstance(c, bool) else c._value)

        def body_raw(carry):
            flat, written = carry
            with _inside(cap, with_vars(written), cap_vals) as frame:
                new = step(_wrap(None, flat), " (inside jt.function)")
                new_written = frame.collect(cap.written)
            return [t._value for t in new], new_written

        return cond_raw, body_raw

    def initial(loop_vals, var_vals):
        return list(loop_vals), [var_vals[k] for k in wpos]

    def run_while(loop_vals, var_vals, cap_vals):
        cond_raw, body_raw = loop_fns(var_vals, cap_vals)
        carry = initial(loop_vals, var_vals)
        if maximum_iterations is None:
            return lax.while_loop(cond_raw, body_raw, carry)

        def bounded_cond(c):
            n, inner = c
            return (n < maximum_iterations) & cond_raw(inner)

        def bounded_body(c):
            n, inner = c
            return n + 1, body_raw(inner)

        return lax.while_loop(bounded_cond, bounded_body, (jnp.int32(0), carry))[1]

    def run_scan(loop_vals, var_vals, cap_vals):
        # Masked scan of maximum_iterations steps: reverse-differentiable, and the
        # lax.cond inside makes finished steps identities (no NaN from dead bodies).
        cond_raw, body_raw = loop_fns(var_vals, cap_vals)

        def scan_step(c, _):
            inner, done = c
            active = jnp.logical_and(jnp.logical_not(done), cond_raw(inner))
            inner = lax.cond(active, body_raw, lambda s: s, inner)
            return (inner, jnp.logical_not(active)), None

        start = (initial(loop_vals, var_vals), jnp.bool_(False))
        (final, _), _ = lax.scan(scan_step, start, None, length=maximum_iterations)
        return final

    pure = jax.custom_vjp(run_while)
    if maximum_iterations is None:

        def fwd(*a):
            return run_while(*a), None

        def bwd(_res, _ct):
            raise NotDifferentiableError(_grad_message)

    else:

        def fwd(*a):
            return jax.vjp(run_scan, *a)

        def bwd(pullback, ct):
            return pullback(ct)

    pure.defvjp(fwd, bwd)
    var_reads, captured = cap.inputs()
    flat, written = call_op(_LoopOp(pure), (tuple(init), var_reads, captured), {})
    cap.assign_written(written)
    return finish_loop(_result(loop_vars, tree, list(flat), single, back_prop), sized)


class _LoopOp:
    """The loop's pure function under a readable name (shows in tape.explain and errors)."""

    __slots__ = ("fn", "__weakref__")
    __name__ = "while_loop"

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)


def _lists_as_tuples(structure):
    """``structure`` with every list and namedtuple (at any depth) a plain tuple."""
    if isinstance(structure, (list, tuple)):
        return tuple(_lists_as_tuples(x) for x in structure)
    if type(structure) is dict:
        return {k: _lists_as_tuples(v) for k, v in structure.items()}
    return structure


def _max_iterations(m) -> int:
    if isinstance(m, int) and not isinstance(m, bool):
        if m < 0:
            raise ValueError(f"while_loop: maximum_iterations must be >= 0, got {m}")
        return m
    t = _as_tensor(m)
    if not jnp.issubdtype(t.dtype, jnp.integer) or t.ndim != 0:
        raise TypeError(f"while_loop: maximum_iterations must be a scalar integer, got {m!r}")
    if not _concrete(t._value):
        raise ValueError(
            "while_loop: maximum_iterations must be known when tracing (a Python int or a "
            "concrete tensor), since it sets the length of the differentiable scan"
        )
    value = int(t._value)
    if value < 0:
        raise ValueError(f"while_loop: maximum_iterations must be >= 0, got {value}")
    return value


def _result(loop_vars, tree, flat, single, back_prop):
    if not back_prop:
        from ._custom_gradient import stop_gradient

        flat = [stop_gradient(t) for t in flat]
    return jax.tree_util.tree_unflatten(tree, list(flat))


# -- map_fn / scan / foldl / foldr / vectorized_map -----------------------------------------


def _elems(elems, what: str) -> tuple[list[Tensor], Any, int]:
    leaves, tree = _flatten(elems)
    if not leaves:
        raise ValueError(f"{what}: elems must contain at least one tensor")
    ts = [_as_tensor(x) for x in leaves]
    for t in ts:
        if t.ndim == 0:
            raise ValueError(f"{what}: elems must have a first axis to iterate over; got a scalar")
    n = ts[0].shape[0]
    for t in ts:
        if t.shape[0] != n:
            raise ValueError(
                f"{what}: all elems must have the same first dimension, got "
                f"{[t.shape[0] for t in ts]}"
            )
    return ts, tree, n


def _slice_avals(ts: list[Tensor]):
    return [jax.ShapeDtypeStruct(t.shape[1:], t.dtype) for t in ts]


def map_fn(
    fn: Callable,
    elems,
    dtype=None,
    parallel_iterations=None,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    name=None,
    fn_output_signature=None,
):
    """``fn`` applied to each slice of ``elems`` along axis 0, stacked, as ``tf.map_fn``.

    ``elems`` may be a nested structure; ``fn`` receives the same structure of slices.
    One ``lax.map`` op (sequential, like TF); the output structure is found by
    tracing ``fn``, so ``fn_output_signature``/``dtype`` are not needed (accepted).

    Example:
        >>> import jtape as jt
        >>> jt.map_fn(lambda r: jt.sum(r), jt.constant([[1.0, 2.0], [3.0, 4.0]])).numpy()
        array([3., 7.], dtype=float32)
    """
    from ._ragged import RaggedTensor

    if isinstance(elems, RaggedTensor):  # fn gets each row, as in TF
        from ._ragged_ops import map_rows

        return map_rows(fn, elems, fn_output_signature)
    return _mapped(fn, elems, back_prop, "map_fn", lax.map)


def vectorized_map(fn: Callable, elems, fallback_to_while_loop: bool = True, warn: bool = True):
    """``map_fn`` computed with ``jax.vmap``, as ``tf.vectorized_map`` (pfor).

    Example:
        >>> import jtape as jt
        >>> x = jt.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> jt.vectorized_map(lambda r: r * jt.sum(r), x).numpy().tolist()
        [[3.0, 6.0], [21.0, 28.0]]
    """
    return _mapped(fn, elems, True, "vectorized_map", lambda f, xs: jax.vmap(f)(xs))


def _mapped(fn, elems, back_prop, what, mapper):
    if not callable(fn):
        raise TypeError(f"{what}: fn must be callable")
    ts, tree, _ = _elems(elems, what)
    out_tree: list = []

    def call(log, slices):
        out = fn(jax.tree_util.tree_unflatten(tree, _wrap(log, slices)))
        raw, t = _raw_leaves(out)
        if not out_tree:
            out_tree.append(t)
        return raw

    cap = _discover(lambda log, *vals: call(log, vals), *_slice_avals(ts))
    _no_writes(cap, what)

    def pure(elem_vals, var_vals, cap_vals):
        def f(slices):
            with _inside(cap, var_vals, cap_vals):
                return call(None, slices)

        return mapper(f, list(elem_vals))

    var_reads, captured = cap.inputs()
    outs = call_op(pure, (tuple(ts), var_reads, captured), {})
    return _result(None, out_tree[0], list(outs), False, back_prop)


def scan(
    fn: Callable,
    elems,
    initializer=None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    reverse: bool = False,
    name=None,
):
    """Every intermediate ``acc = fn(acc, x)`` over ``elems``' first axis, as ``tf.scan``.

    Without ``initializer`` the first element (last, with ``reverse``) starts the
    accumulator and is the first output, as in TF. One ``lax.scan`` op.

    Example:
        >>> import jtape as jt
        >>> jt.scan(lambda a, x: a + x, jt.constant([1, 2, 3, 4])).numpy().tolist()
        [1, 3, 6, 10]
        >>> jt.scan(lambda a, x: a + x, jt.constant([1, 2, 3]), reverse=True).numpy().tolist()
        [6, 5, 3]
    """
    return _scan(fn, elems, initializer, back_prop, reverse, True, "scan")


def foldl(
    fn: Callable,
    elems,
    initializer=None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name=None,
):
    """The final ``acc = fn(acc, x)`` over ``elems`` from first to last, as ``tf.foldl``.

    Example:
        >>> import jtape as jt
        >>> int(jt.foldl(lambda a, x: a * 10 + x, jt.constant([1, 2, 3])))
        123
    """
    return _scan(fn, elems, initializer, back_prop, False, False, "foldl")


def foldr(
    fn: Callable,
    elems,
    initializer=None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name=None,
):
    """The final ``acc = fn(acc, x)`` over ``elems`` from last to first, as ``tf.foldr``.

    Example:
        >>> import jtape as jt
        >>> int(jt.foldr(lambda a, x: a * 10 + x, jt.constant([1, 2, 3])))
        321
    """
    return _scan(fn, elems, initializer, back_prop, True, False, "foldr")


def _scan(fn, elems, initializer, back_prop, reverse, stacked, what):
    if not callable(fn):
        raise TypeError(f"{what}: fn must be callable")
    ts, tree, n = _elems(elems, what)
    if initializer is None:
        if n == 0:
            raise ValueError(f"{what}: elems is empty and there is no initializer")
        k = n - 1 if reverse else 0
        init_leaves = [t[k] for t in ts]
        init_tree = tree
        rest = [t[:-1] if reverse else t[1:] for t in ts]
    else:
        leaves, init_tree = _flatten(initializer)
        init_leaves = [_as_tensor(x) for x in leaves]
        rest = ts

    def call(log, acc_vals, x_vals):
        acc = jax.tree_util.tree_unflatten(init_tree, _wrap(log, acc_vals))
        x = jax.tree_util.tree_unflatten(tree, _wrap(log, x_vals))
        out = fn(acc, x)
        out_leaves, out_tree = _flatten(out)
        if out_tree != init_tree:
            raise TypeError(
                f"{what}: fn returned {out_tree} but the accumulator has structure "
                f"{init_tree}; fn must return the accumulator's structure"
            )
        raw = []
        for k, (o, a) in enumerate(zip(out_leaves, acc_vals)):
            py = isinstance(o, (bool, int, float))
            v = _as_tensor(o, a.dtype if py else None)._value
            if v.dtype != a.dtype or tuple(v.shape) != tuple(a.shape):
                raise TypeError(
                    f"{what}: accumulator {k} is {jnp.dtype(a.dtype).name}{tuple(a.shape)} "
                    f"but fn returned {jnp.dtype(v.dtype).name}{tuple(v.shape)}; it must "
                    "keep its dtype and shape"
                )
            raw.append(v)
        return raw

    acc_avals = [jax.ShapeDtypeStruct(t.shape, t.dtype) for t in init_leaves]
    cap = _discover(
        lambda log, *vals: call(log, vals[: len(acc_avals)], vals[len(acc_avals) :]),
        *acc_avals,
        *_slice_avals(ts),
    )
    _no_writes(cap, what)

    def pure(init_vals, xs, var_vals, cap_vals):
        def step(acc, x):
            with _inside(cap, var_vals, cap_vals):
                new = call(None, acc, x)
            return new, (new if stacked else None)

        final, ys = lax.scan(step, list(init_vals), list(xs), reverse=reverse)
        if not stacked:
            return final
        if initializer is None:  # the initial element is the first (last) output
            join = (lambda y, i: [*y, i[None]]) if reverse else (lambda y, i: [i[None], *y])
            ys = [jnp.concatenate(join([y], i)) for y, i in zip(ys, init_vals)]
        return ys

    var_reads, captured = cap.inputs()
    outs = call_op(pure, (tuple(init_leaves), tuple(rest), var_reads, captured), {})
    return _result(None, init_tree, list(outs), False, back_prop)


__all__ = [
    "case",
    "cond",
    "foldl",
    "foldr",
    "map_fn",
    "scan",
    "switch_case",
    "vectorized_map",
    "while_loop",
]
