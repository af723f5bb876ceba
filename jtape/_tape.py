"""``GradientTape``: records ops on watched values; ``gradient`` lowers them to JAX."""

from __future__ import annotations

import contextlib
import enum
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _lowering
from ._errors import UnconnectedGradientError, where
from ._indexed_slices import IndexedSlices
from ._op import _call_fast, call_op
from ._op_errors import InvalidArgumentError
from ._ragged import split_ragged_sources
from ._state import state, tracing
from ._tensor import Tensor
from ._variable import Variable


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def _unconnected(value) -> UnconnectedGradients:
    # As TF: the enum or its exact value ('none'/'zero'); anything else (None, 'ZERO')
    # is a ValueError, so code that runs here also runs on TensorFlow.
    try:
        return UnconnectedGradients(value)
    except ValueError:
        raise ValueError(
            f"Unknown value for unconnected_gradients: {value!r} (expected "
            "'none', 'zero' or a tf.UnconnectedGradients member)"
        ) from None


class NotATensorError(ValueError, TypeError):
    """A non-tensor passed where a tape needs a Tensor or Variable.

    TF raises ``ValueError`` (``tape.watch(3.0)``); it is also a ``TypeError``, which
    is what it is, so either ``except`` catches it.
    """


_warned_persistent_inside = False


class Recorder:
    """What tapes and forward accumulators share: watching and recording."""

    def __init__(self, watch_accessed_variables: bool) -> None:
        self._watch_accessed = watch_accessed_variables
        self._reset_records()

    def _reset_records(self) -> None:
        self._watched: set[int] = set()  # ids of tensors derived from watched values
        self._keep: list = []  # watched tensors, kept alive so their ids stay unique
        self._nodes: list = []
        self._var_reads: dict[int, list[Tensor]] = {}
        self._watched_vars: dict[int, Variable] = {}
        self._escapes: list[tuple[Tensor, str]] = []
        self._assigns: list[tuple[Variable, Any]] = []

    # -- hooks called by ops, tensors and variables ---------------------------
    # (``_op._record_spec`` inlines these two for recorders that keep them as they are.)
    def _wants(self, inputs) -> bool:
        w = self._watched
        for t in inputs:
            if id(t) in w:
                return True
        return False

    def _record(self, node) -> None:
        self._nodes.append(node)
        self._watched.update(map(id, node.outputs))

    def _on_read(self, var: Variable, t: Tensor) -> None:
        vid = id(var)
        if vid in self._watched_vars or (self._watch_accessed and var.trainable):
            self._watched_vars.setdefault(vid, var)
            self._var_reads.setdefault(vid, []).append(t)
            self._watched.add(id(t))

    def _on_assign(self, var: Variable, source) -> None:
        if isinstance(source, Tensor) and id(source) in self._watched:
            self._assigns.append((var, source))

    def _note_escape(self, t: Tensor) -> None:
        if id(t) in self._watched:
            self._escapes.append((t, where()))

    # -- watching ------------------------------------------------------------
    def _watch_one(self, x, what: str = "tensor") -> None:
        if isinstance(x, Variable):
            self._watched_vars.setdefault(id(x), x)
        elif isinstance(x, Tensor):
            if not jnp.issubdtype(x.dtype, jnp.inexact):
                # TF logs this (WARNING, first 5 times); jtape warns the Python way.
                warnings.warn(
                    f"The dtype of the watched {what} must be floating (e.g. float32), got "
                    f"{x.dtype.name}; its gradient will be None.",
                    stacklevel=3,
                )
            self._watched.add(id(x))
            self._keep.append(x)
        else:
            raise NotATensorError(
                f"watch: passed in object {_short(x)} of type {type(x).__name__!r}, not a "
                "Tensor or Variable (or a nested structure of them). Convert it with "
                "constant() first."
            )

    def _roots_in(self, groups: list[list]) -> bool:
        """Whether every watched value (watched tensor, watched read) is in ``groups``.

        Then every recorded node depends on a source: a node is recorded only when an
        input derives from a watched value.
        """
        src = {id(t) for group in groups for t in group}
        for t in self._keep:
            if id(t) not in src:
                return False
        for reads in self._var_reads.values():
            for t in reads:
                if id(t) not in src:
                    return False
        return True

    def _source_group(self, src) -> list[Tensor]:
        if isinstance(src, Variable):
            return list(self._var_reads.get(id(src), ()))
        if isinstance(src, Tensor):
            return [src] if id(src) in self._watched else []
        raise TypeError(
            f"sources: expected jt.Tensor or jt.Variable leaves, got {type(src).__name__}"
        )


def _is_leaf(x) -> bool:
    return x is None or isinstance(x, (Tensor, Variable))


_LEAF_TREEDEF = jax.tree_util.tree_structure(0)


def _short(x) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


_FLAT_TREEDEFS: dict = {}  # (list or tuple, n) -> the treedef of a flat sequence of n leaves


def _flatten(structure, what: str) -> tuple[list, Any]:
    # The usual arguments first: one Tensor or Variable, or a flat list or tuple of them.
    cls = type(structure)
    if cls is Tensor or cls is Variable:
        return [structure], _LEAF_TREEDEF
    if cls is list or cls is tuple:
        for leaf in structure:
            if type(leaf) is not Variable and type(leaf) is not Tensor:
                break
        else:
            key = (cls, len(structure))
            treedef = _FLAT_TREEDEFS.get(key)
            if treedef is None:
                if len(_FLAT_TREEDEFS) > 256:
                    _FLAT_TREEDEFS.clear()
                treedef = _FLAT_TREEDEFS[key] = jax.tree_util.tree_structure(
                    cls([0] * len(structure))
                )
            return list(structure), treedef
    # None is a leaf (and an error), as in TF: jax would drop it from the structure and
    # ``gradient(y, [x, None])`` would quietly answer for x alone.
    leaves, treedef = jax.tree_util.tree_flatten(structure, is_leaf=_is_leaf)
    for leaf in leaves:
        if not isinstance(leaf, (Tensor, Variable)):
            raise TypeError(
                f"{what}: expected jt.Tensor or jt.Variable leaves, got "
                f"{_short(leaf)} of type {type(leaf).__name__}"
            )
    return leaves, treedef


class GradientTape(Recorder):
    """Record operations to differentiate them, as TensorFlow's ``tf.GradientTape``.

    Args:
        persistent: allow several ``gradient``/``jacobian`` calls on this tape.
        watch_accessed_variables: watch every trainable Variable read while recording.
        strict: (jtape only) raise :class:`UnconnectedGradientError`, saying why,
            instead of returning a None gradient.

    Example:
        >>> import jtape as jt
        >>> x = jt.constant(3.0)
        >>> with jt.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = x ** 2
        >>> float(tape.gradient(y, x))
        6.0
    """

    def __init__(
        self,
        persistent: bool = False,
        watch_accessed_variables: bool = True,
        *,
        strict: bool = False,
    ) -> None:
        super().__init__(watch_accessed_variables)
        self._persistent = persistent
        self._strict = strict
        # TF's ``tape._tape is not None``: entered, and not yet released by the one
        # gradient/jacobian call a non-persistent tape allows.
        self._has_tape = False
        self._released = False

    # -- context -------------------------------------------------------------
    def __enter__(self) -> GradientTape:
        if self._recording:
            raise ValueError(
                "Tape is still recording, This can happen if you try to re-enter an "
                "already-active tape."
            )
        if self._released:
            # As TF: entering a used non-persistent tape starts a new, empty recording.
            self._reset_records()
            self._released = False
        self._has_tape = True
        state.recorders.append(self)
        return self

    def __exit__(self, *exc) -> None:
        self._pop()

    def _pop(self) -> None:
        recs = state.recorders
        for i in range(len(recs) - 1, -1, -1):
            if recs[i] is self:
                del recs[i]
                return

    @property
    def _recording(self) -> bool:
        return any(r is self for r in state.recorders)

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily pause recording on this tape (other tapes keep recording).

        Raises (as TF): RuntimeError on a tape that was never entered or was released
        by its one gradient call; ValueError on one that is not recording now.
        """
        if not self._has_tape:
            raise RuntimeError("Trying to stop recording a tape which is not recording.")
        if not self._recording:
            raise ValueError("Tape is not recording.")
        recs = state.recorders
        index = next(i for i in range(len(recs) - 1, -1, -1) if recs[i] is self)
        del recs[index]
        try:
            yield
        finally:
            recs.insert(min(index, len(recs)), self)

    def reset(self) -> None:
        """Clear everything recorded so far and go on recording, as if the ``with``
        block were left and entered again with a new tape. Only while recording
        (ValueError otherwise, as TF)."""
        if not self._recording:
            raise ValueError("Tape is not recording.")
        self._reset_records()

    def watch(self, tensor) -> None:
        """Watch a Tensor or Variable (or a nested structure of them).

        Anything else (a Python number, a numpy array, None) is an error, as in TF.
        """
        tensor, _ = split_ragged_sources(tensor)  # a RaggedTensor: its flat values
        for leaf in jax.tree_util.tree_leaves(tensor, is_leaf=_is_leaf):
            self._watch_one(leaf)

    def watched_variables(self) -> tuple[Variable, ...]:
        """The Variables this tape watched, in the order they were first watched."""
        return tuple(self._watched_vars.values())

    # -- differentiation -------------------------------------------------------
    def _check_usable(self) -> None:
        if self._released:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of "
                "gradients (or jacobians). Use GradientTape(persistent=True) to call "
                "gradient/jacobian several times."
            )
        if not self._has_tape:
            # TF says the same as for a used tape here; jtape says what happened.
            raise RuntimeError(
                "This GradientTape was never entered, so it recorded nothing: record "
                "with `with tape:` before calling gradient/jacobian."
            )

    def _leave_if_recording(self) -> None:
        """``gradient`` inside the tape's own ``with`` block, as TF: a non-persistent
        tape stops recording (its one gradient is being taken); a persistent one goes
        on, recording the gradient computation too, with a one-time warning."""
        global _warned_persistent_inside
        if not self._recording:
            return
        if not self._persistent:
            self._pop()
        elif not _warned_persistent_inside:
            _warned_persistent_inside = True
            warnings.warn(
                "Calling GradientTape.gradient on a persistent tape inside its context is "
                "significantly less efficient than calling it outside the context (the "
                "gradient computation is recorded on the tape too). Only do so to take "
                "higher-order derivatives.",
                stacklevel=3,
            )

    def _done(self) -> None:
        if not self._persistent:
            self._released = True
            self._has_tape = False
            watched = self._watched_vars
            self._reset_records()
            self._watched_vars = watched  # TF still answers watched_variables() after release

    def gradient(
        self,
        target,
        sources,
        output_gradients=None,
        unconnected_gradients=UnconnectedGradients.NONE,
    ):
        """d(sum of ``target``)/d``sources``, with ``sources``' structure.

        Targets may be nested (their gradients add up, as in TF); non-scalar targets
        are summed unless ``output_gradients`` gives the cotangent to start from.
        A source the target does not depend on gets None (or zeros, with
        ``unconnected_gradients='zero'``); :meth:`explain` says why.
        """
        self._check_usable()
        self._leave_if_recording()
        mode = (
            unconnected_gradients
            if unconnected_gradients is UnconnectedGradients.NONE
            else _unconnected(unconnected_gradients)
        )
        if target is None:
            raise TypeError(
                "Argument `target` should be a list or nested structure of Tensors or "
                "Variables to be differentiated, but received None."
            )
        targets, _ = _flatten(target, "target")
        targets = [self._read_target(t) for t in targets]
        sources, ragged = split_ragged_sources(sources)  # RaggedTensor: its flat values
        src_leaves, src_tree = _flatten(sources, "sources")
        cts = [_tf_convention(c) for c in self._output_gradients(targets, output_gradients)]
        # Only floating (and complex) values carry gradients, as in TF: an integer
        # target contributes nothing and an integer source gets None, silently (TF
        # only logs this at verbosity 1). explain()/strict=True say why.
        keep = [_differentiable(t) for t in targets]
        all_targets = targets
        targets = [t for t, k in zip(targets, keep) if k]
        cts = [c for c, k in zip(cts, keep) if k]
        groups = []
        for src in src_leaves:
            group = self._source_group(src)
            if group and not _differentiable(group[0]):
                group = []
            groups.append(group)
        watched = self._watched
        for t in targets:
            if id(t) in watched:
                plan = _lowering.build_plan(self._nodes, targets, groups, self._roots_in(groups))
                grads, program = self._run_backward(plan, targets, cts)
                connected_sources = plan.connected
                break
        else:
            # No target came from a watched value (each recorded op's outputs and every
            # source are watched): nothing connects, whatever was recorded.
            grads, program = (), None
            connected_sources = (False,) * len(src_leaves)
        sparse = program.sparse if program is not None else None
        cut = iter(program.cut_by_none() if program is not None and program.custom else ())
        results = []
        it = iter(grads)
        sp = iter(sparse or ())
        for src, connected in zip(src_leaves, connected_sources):
            g = next(it) if connected else None
            none_from_grad_fn = connected and next(cut, False)
            if none_from_grad_fn:
                g = None  # a custom_gradient answered None for it, as TF
            if sparse is not None and connected and next(sp) is not None:
                shape = tuple(src.shape)
                dense_shape = Tensor(np.asarray(shape, np.int32))
                g = IndexedSlices(_tf_convention(g), next(it), dense_shape, _static_shape=shape)
            elif g is not None:
                g = _tf_convention(g)
            if g is None:
                if mode is UnconnectedGradients.ZERO:
                    g = Tensor(jnp.zeros(src.shape, src.dtype))
                elif self._strict:
                    reason = (
                        "a custom_gradient's grad_fn returned None for it on every path to "
                        "the target"
                        if none_from_grad_fn
                        else self._explain_one(all_targets, src)
                    )
                    raise UnconnectedGradientError(f"gradient is None: {reason}")
            results.append(g)
        self._done()
        out = jax.tree_util.tree_unflatten(src_tree, results)
        return out if ragged is None else ragged(out)

    def _read_target(self, t):
        # A Variable target (``result = v0``) is read now, as a read this tape saw,
        # so d(v0)/d(v0) = 1 as in TF.
        if not isinstance(t, Variable):
            return t
        value = t.value()
        self._on_read(t, value)
        return value

    def _output_gradients(self, targets, output_gradients) -> list[Tensor]:
        if output_gradients is None:
            return [_ones(t) for t in targets]
        given, _ = jax.tree_util.tree_flatten(
            output_gradients, is_leaf=lambda x: x is None or isinstance(x, (Tensor, Variable))
        )
        if len(given) != len(targets):
            raise ValueError(
                f"output_gradients: expected {len(targets)} entries (one per target), "
                f"got {len(given)}"
            )
        cts = []
        for t, g in zip(targets, given):
            if g is None:
                cts.append(_ones(t))
                continue
            g = g.value() if isinstance(g, Variable) else g
            g = g if isinstance(g, Tensor) else Tensor(jnp.asarray(g, t.dtype))
            if tuple(g.shape) != tuple(t.shape):
                # TF does not check: it broadcasts, or returns a gradient shaped like
                # the mismatched output gradient. A wrong shape is an error here.
                raise ValueError(
                    f"output_gradients: shape {g.shape} does not match its target's shape {t.shape}"
                )
            if g.dtype != t.dtype:
                raise InvalidArgumentError(
                    f"output_gradients: dtype {g.dtype.name} does not match its target's "
                    f"dtype {t.dtype.name}"
                )
            cts.append(g)
        return cts

    def _run_backward(self, plan, targets, cts) -> tuple:
        """The connected sources' gradients (two tensors for a sparse one, see
        ``Program.sparse``) and the program (None when nothing is connected)."""
        if not any(plan.connected):
            return (), None
        program, compiled = _lowering.programs.get(plan)
        st = state
        if compiled and not st.recorders and not st.frames:
            # The usual eager call (no outer tape to record it on, no trace): the
            # compiled program on the arrays, without call_op's analysis.
            values = [t._value for t in plan.input_tensors]
            values.extend([c._value for c in cts])
            out = program.jitted("backward", program.backward)(*values)
            return [None if g is None else Tensor(g) for g in out], program
        fn = _lowering.BoundCall(program, "backward", compiled)
        args = (*plan.input_tensors, *cts)
        if set(map(type, args)) == {Tensor}:  # as always: call_op's fast path directly
            return _call_fast(fn, args, None, False, None), program
        return call_op(fn, args, {}), program

    # -- jacobians ---------------------------------------------------------------
    def jacobian(
        self,
        target,
        sources,
        unconnected_gradients=UnconnectedGradients.NONE,
        parallel_iterations=None,
        experimental_use_pfor: bool = True,
    ):
        """The full Jacobian ``d target / d source`` (shape ``target.shape + source.shape``).

        Computed by ``jax.jacrev`` or ``jax.jacfwd`` (whichever is cheaper for the
        shapes) of the lowered function, vectorised, not row by row.
        ``parallel_iterations`` and ``experimental_use_pfor`` are accepted for TF
        compatibility and have no effect.
        """
        self._check_usable()
        mode = _unconnected(unconnected_gradients)
        target = target.value() if isinstance(target, Variable) else target
        if not isinstance(target, Tensor):
            raise TypeError(f"target: expected a jt.Tensor, got {type(target).__name__}")
        src_leaves, src_tree = _flatten(sources, "sources")
        self._check_loop_fallback(experimental_use_pfor, "jacobian")
        self._leave_if_recording()
        jacs = self._jacobian(target, src_leaves, batch=False)
        results = []
        for src, j in zip(src_leaves, jacs):
            if j is None and mode is UnconnectedGradients.ZERO:
                j = Tensor(jnp.zeros(target.shape + src.shape, target.dtype))
            results.append(j)
        self._done()
        return jax.tree_util.tree_unflatten(src_tree, results)

    def batch_jacobian(
        self,
        target,
        source,
        unconnected_gradients=UnconnectedGradients.NONE,
        parallel_iterations=None,
        experimental_use_pfor: bool = True,
    ):
        """Per-example Jacobians: ``result[b] = d target[b] / d source[b]``.

        Assumes, as TF does, that ``target[b]`` depends on ``source[b]`` only.
        """
        self._check_usable()
        _unconnected(unconnected_gradients)  # checked; TF answers zeros either way
        target = target.value() if isinstance(target, Variable) else target
        for name, x in (("target", target), ("source", source)):
            if not isinstance(x, (Tensor, Variable)):
                raise TypeError(
                    f"batch_jacobian: {name} must be a jt.Tensor, got {type(x).__name__}"
                )
            if len(x.shape) < 2:
                raise ValueError(
                    f"batch_jacobian: the {name}'s shape {tuple(x.shape)} must have rank at "
                    "least 2 (a batch axis, then the example's axes)"
                )
        if target.shape[0] != source.shape[0]:
            raise ValueError(
                f"batch_jacobian: need first dimension of target shape {tuple(target.shape)} "
                f"and source shape {tuple(source.shape)} to match (the batch size)"
            )
        self._check_loop_fallback(experimental_use_pfor, "batch_jacobian")
        self._leave_if_recording()
        (j,) = self._jacobian(target, [source], batch=True)
        if j is None:
            # As TF, whatever unconnected_gradients says: a batch Jacobian of a target
            # that does not depend on the source is zeros (of the target's dtype).
            j = Tensor(jnp.zeros(tuple(target.shape) + tuple(source.shape[1:]), target.dtype))
        self._done()
        return j

    def _check_loop_fallback(self, use_pfor: bool, what: str) -> None:
        # TF's sequential fallback takes one gradient per row, so eagerly it needs a
        # persistent tape; inside a function it does not. jtape never loops (the flag
        # has no other effect), but the same code must fail here as it does on TF.
        if not use_pfor and not self._persistent and not tracing():
            raise RuntimeError(
                f"GradientTape must be created with persistent=True to compute the {what} "
                "with eager execution enabled and with experimental_use_pfor set to False."
            )

    def _jacobian(self, target: Tensor, src_leaves: list, batch: bool) -> list:
        if not _differentiable(target):
            return [None] * len(src_leaves)  # an integer target: no gradient, as TF
        groups = [self._source_group(s) for s in src_leaves]
        groups = [g if g and _differentiable(g[0]) else [] for g in groups]
        plan = _lowering.build_plan(self._nodes, [target], groups)
        if not any(plan.connected):
            return [None] * len(src_leaves)
        connected_src = [t for t, c in zip(plan.source_tensors, plan.connected) if c]
        src_size = sum(t.size for t in connected_src)
        out_size = target.size // target.shape[0] if batch else target.size
        mode = "jacfwd" if src_size < out_size else "jacrev"
        if any(t._value.dtype.kind == "c" for t in (target, *connected_src)):
            mode = "jaccomplex"  # TF's convention, see _complex_jacobian
        program, compiled = _lowering.programs.get(plan)
        name = f"{'batch_' if batch else ''}{mode}"
        fn = _JacobianCall(program, name, compiled)
        outs = call_op(fn, (tuple(connected_src), tuple(plan.captured_tensors)), {})
        it = iter(outs)
        return [next(it) if c else None for c in plan.connected]

    # -- explaining None -------------------------------------------------------------
    def explain(self, target, sources):
        """Why each source's gradient would be None (None where a gradient exists).

        TensorFlow answers a broken chain with a silent None; jtape can say what it
        saw: an unwatched tensor, a non-trainable or unread variable, an integer
        dtype, a value that left through ``.numpy()``, or an ``assign`` in between.
        """
        targets, _ = _flatten(target, "target")
        targets = [t.value() if isinstance(t, Variable) else t for t in targets]
        src_leaves, src_tree = _flatten(sources, "sources")
        groups = [self._source_group(s) for s in src_leaves]
        # As in gradient(): an integer source never gets a gradient.
        groups = [g if g and _differentiable(g[0]) else [] for g in groups]
        plan = _lowering.build_plan(self._nodes, [t for t in targets if _differentiable(t)], groups)
        reasons = [
            None if c else self._explain_one(targets, s) for s, c in zip(src_leaves, plan.connected)
        ]
        return jax.tree_util.tree_unflatten(src_tree, reasons)

    def _explain_one(self, targets, src) -> str:
        return explain_none(self, targets, src)


def _differentiable(t) -> bool:
    dtype = t._value.dtype if type(t) is Tensor else t.dtype
    found = _INEXACT.get(dtype)
    if found is None:
        found = _INEXACT[dtype] = bool(jnp.issubdtype(dtype, jnp.inexact))
    return found


_INEXACT: dict = {}  # dtype -> whether it carries gradients (floating or complex)


_ONES: dict = {}


def _ones(t: Tensor) -> Tensor:
    """The default cotangent ``ones_like(t)``, cached: an eager ``ones_like`` costs
    about as much as a whole small compiled backward pass."""
    v = t._value
    if isinstance(v, jax.core.Tracer):
        return Tensor(jnp.ones_like(v))  # inside a trace: never cache tracers
    key = (v.shape, v.dtype, v.sharding)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 256:
            _ONES.clear()
        ones = _ONES[key] = Tensor(jnp.ones_like(v))
    return ones


class _JacobianCall(_lowering.BoundCall):
    """``(sources, captured) -> jacobians`` for one program, jacrev or jacfwd."""

    __slots__ = ()

    def __call__(self, sources, captured):
        prog = self.program
        name = self.name
        batch = name.startswith("batch_")
        transform = jax.jacfwd if name.endswith("jacfwd") else jax.jacrev
        if name.endswith("jaccomplex"):
            transform = _complex_jacobian

        def jac(sources, captured):
            def f(*s):
                (out,) = prog.replay(s, captured)
                return out.sum(axis=0) if batch else out

            js = transform(f, argnums=tuple(range(len(sources))))(*sources)
            if batch:
                # d(sum_b y[b])/dx has shape y[1:] + x.shape; put x's batch axis first.
                js = tuple(jnp.moveaxis(j, j.ndim - s.ndim, 0) for j, s in zip(js, sources))
            return js

        if self.compiled:
            return prog.jitted(name, jac)(sources, captured)
        _lowering.stats["eager_runs"] += 1
        return jac(sources, captured)


def _complex_jacobian(f, argnums):
    """``jax.jacrev``'s form for TF's Jacobian where a source or the target is complex:
    row ``i`` is TF's gradient of ``target[i]`` (JAX's cotangent for the one-hot ``e_i``,
    conjugated: see ``_tf_convention``). ``jax.jacrev`` refuses complex targets that are
    not holomorphic."""
    return lambda *sources: _complex_rows(f, sources)


def _complex_rows(f, sources) -> tuple:
    out, pullback = jax.vjp(f, *sources)
    n = out.size
    basis = jnp.eye(n, dtype=out.dtype).reshape((n, *out.shape))
    rows = jax.vmap(pullback)(basis)
    return tuple(jnp.conj(r).reshape(out.shape + s.shape) for r, s in zip(rows, sources))


def explain_none(rec: Recorder, targets, src) -> str:
    """A sentence saying why ``src`` does not reach ``targets`` on ``rec``."""
    if isinstance(src, Variable):
        name = f"Variable '{src.name}'"
        if not jnp.issubdtype(src.dtype, jnp.inexact):
            return (
                f"{name} has integer dtype {src.dtype.name}; only floating values have gradients."
            )
        if id(src) not in rec._watched_vars:
            if not src.trainable:
                return (
                    f"{name} is not trainable (trainable=False), so the tape did not watch "
                    "it; call tape.watch(v) to differentiate with respect to it."
                )
            if rec._watch_accessed:
                return (
                    f"{name} was never read while the tape was recording; a value read "
                    "before the `with` block started is a constant to the tape."
                )
            return (
                f"{name} was not watched: the tape has watch_accessed_variables=False; "
                "call tape.watch(v)."
            )
        if not rec._var_reads.get(id(src)):
            return (
                f"{name} was never read while the tape was recording; a value read before "
                "the `with` block started is a constant to the tape."
            )
        label = name
    else:
        label = f"the source tensor (shape {src.shape}, {src.dtype.name})"
        if not jnp.issubdtype(src.dtype, jnp.inexact):
            return (
                f"{label} has integer dtype {src.dtype.name}; only floating values have "
                "gradients (cast with jt.cast before watching)."
            )
        if id(src) not in rec._watched:
            return (
                f"{label} was not watched. Call tape.watch(x) before using it, or make it "
                "a jt.Variable. If it came from a Variable, an expression like `v = v + 1` "
                "replaced the Variable by a Tensor; use v.assign_add(1) instead."
            )
    if targets and not any(_differentiable(t) for t in targets):
        kinds = ", ".join(sorted({t.dtype.name for t in targets}))
        return (
            f"the target has integer dtype {kinds}; only floating values have gradients "
            "(an integer result, e.g. from a cast, cuts the chain)."
        )
    if not any(id(t) in rec._watched for t in targets):
        msg = (
            f"{label} is watched, but the target was not computed from any watched value "
            "on this tape"
        )
        if rec._escapes:
            spots = "; ".join(w or "?" for _, w in rec._escapes[:3])
            msg += (
                f". Watched values left jtape through numpy()/float() ({spots}); "
                "computations outside jtape ops are invisible to the tape"
            )
        return msg + "."
    for var, _value in rec._assigns:
        return (
            f"{label} does not reach the target; a watched value flowed into "
            f"Variable '{var.name}'.assign(...), and assignments are not differentiable, "
            "so later reads of that variable do not depend on it."
        )
    if rec._escapes:
        spots = "; ".join(w or "?" for _, w in rec._escapes[:3])
        return (
            f"{label} does not reach the target through recorded ops; watched values "
            f"left jtape through numpy()/float() ({spots})."
        )
    return f"the target does not depend on {label} in the recorded computation."


def _tf_convention(g):
    """A complex gradient in TF's convention, from JAX's or back (the conjugate: TF's
    gradient of a real loss is ``dL/dx + i dL/dy``, JAX's cotangent ``dL/dx - i dL/dy``).
    Recorded like any op, so a tape around this one differentiates through it."""
    if g is None or g._value.dtype.kind != "c":  # numpy's kind: cheap on the eager path
        return g
    from ._math_ops import conj

    return conj(g)
