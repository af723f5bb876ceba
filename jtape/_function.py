"""``jt.function``: stateful tape-style code compiled into one ``jax.jit`` program.

Calling a :class:`Function` runs its Python function under ``jax.jit`` with a
*trace frame* pushed (see ``_state``). The frame serves every Variable read from the
program's inputs and collects every assignment as an output; after the call the new
values are written back. So the Variables a function touches are functionalized
without the user passing them anywhere.

Which Variables? They are found by tracing. The first trace runs with no known
variables: a read of an unknown Variable returns its current value and marks the
trace as incomplete; at the end of such a trace the found variables join the known
set and the function is traced again, now with them as inputs (TensorFlow traces
twice on a first call that creates variables, too). Variables may be created only
during the first call, as in TensorFlow.
"""

from __future__ import annotations

import functools
import inspect
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np

from . import _debug_ops, _dtypes, _variable, _xla_options
from ._key_order import KeyOrderedTree as _KeyOrderedTree
from ._key_order import key_orders as _key_orders
from ._key_order import reorder as _reorder
from ._op import call_op
from ._shape import TensorShape
from ._state import state, tracing
from ._strings import StringTensor, _ValueRef
from ._tensor import Tensor, _Ref, to_value
from ._variable import Variable

_RUN_EAGERLY = False
# Hooks called after each compiled call as ``observe(function, args, kwargs)``; the
# summary trace (``tf.summary.trace_on``) records the program graphs this way.
call_observers: list = []
# sys.getrefcount of a Variable's array when only the Variable holds it (its attribute,
# the list of values being passed, getrefcount's own argument).
_SOLE_OWNER = 3


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Run every ``jt.function`` as plain Python (for debugging), like TF's switch."""
    global _RUN_EAGERLY
    _RUN_EAGERLY = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    return _RUN_EAGERLY


class TensorSpec:
    """Shape and dtype of a function argument (``tf.TensorSpec``); None dims are free.

    Example:
        >>> import jtape as jt
        >>> spec = jt.TensorSpec(shape=(None, 3), dtype=jt.float32)
        >>> spec.is_compatible_with(jt.zeros((5, 3)))
        True
    """

    def __init__(self, shape=None, dtype=_dtypes.float32, name: str | None = None) -> None:
        self.shape = (
            None if shape is None else TensorShape([None if d is None else int(d) for d in shape])
        )
        self.dtype = _dtypes.as_dtype(dtype)
        self.name = name

    def is_compatible_with(self, value) -> bool:
        shape = tuple(np.shape(value)) if not hasattr(value, "shape") else tuple(value.shape)
        dtype = getattr(value, "dtype", None)
        if dtype is not None and _dtypes.as_dtype(dtype) != self.dtype:
            return False
        if self.shape is None:
            return True
        return len(shape) == len(self.shape) and all(
            s is None or s == d for s, d in zip(self.shape, shape)
        )

    def __repr__(self) -> str:  # TF's text: dtype=tf.float32, an unknown rank <unknown>
        shape = "<unknown>" if self.shape is None else self.shape
        return f"TensorSpec(shape={shape}, dtype=tf.{self.dtype.name}, name={self.name!r})"

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, TensorSpec)
            and other.shape == self.shape
            and other.dtype == self.dtype
        )

    __hash__ = None  # mutable-looking value object, as TF's


def _spec_of(value):
    """A TensorSpec for a Tensor/Variable/array leaf; other leaves as they are."""
    if isinstance(value, TensorSpec):
        return value
    if isinstance(value, (Tensor, Variable, jax.Array, np.ndarray)):
        return TensorSpec(tuple(value.shape), value.dtype)
    return value


def _is_spec(x) -> bool:
    return isinstance(x, TensorSpec)


class ConcreteFunction:
    """A :class:`Function` for one input signature (``f.get_concrete_function(...)``).

    Calls take Tensors compatible with the specs (TypeError otherwise, naming the
    argument), in the positions the specs had; Python values given to
    ``get_concrete_function`` are fixed. The program behind it is the Function's own
    (one XLA program per concrete shape).
    """

    def __init__(self, function: Function, args: tuple, kwargs: dict) -> None:
        self._function = function
        tree = jax.tree_util.tree_map(
            _spec_of, (tuple(args), dict(kwargs)), is_leaf=lambda x: _spec_of(x) is not x
        )
        self.structured_input_signature = tree
        self._outputs = None

    @property
    def name(self) -> str:
        return self._function.__name__

    def __call__(self, *args, **kwargs):
        spec_args, spec_kwargs = self.structured_input_signature
        bound = _bind_specs(self.name, spec_args, spec_kwargs, args, kwargs)
        return self._function(*bound[0], **bound[1])

    @property
    def structured_outputs(self):
        """The outputs as TensorSpecs (Python values as they are), from an abstract trace."""
        if self._outputs is None:
            self._outputs = _output_specs(self._function, self.structured_input_signature)
        return self._outputs

    def __repr__(self) -> str:
        return f"<ConcreteFunction {self.name} {self.structured_input_signature}>"


def _bind_specs(name: str, spec_args, spec_kwargs, args, kwargs):
    """The call's arguments checked against the specs; fixed Python values filled in."""
    tensor_positions = [
        i for i, s in enumerate(spec_args) if jax.tree_util.tree_leaves(s, is_leaf=_is_spec)
    ]
    if len(args) > len(spec_args):
        raise TypeError(
            f"{name}: the concrete function takes {len(spec_args)} positional arguments, got "
            f"{len(args)}"
        )
    out_args = list(spec_args)
    for i, value in enumerate(args):
        out_args[i] = _checked(name, value, spec_args[i], str(i))
    for i in tensor_positions[len(args) :]:
        if any(_is_spec(x) for x in jax.tree_util.tree_leaves(out_args[i], is_leaf=_is_spec)):
            raise TypeError(f"{name}: missing the argument at position {i} (a {spec_args[i]})")
    out_kwargs = dict(spec_kwargs)
    for key, value in kwargs.items():
        if key not in spec_kwargs:
            raise TypeError(f"{name}: unexpected keyword argument {key!r}")
        out_kwargs[key] = _checked(name, value, spec_kwargs[key], key)
    return out_args, out_kwargs


def _checked(name: str, value, spec, path: str):
    if any(_is_spec(x) for x in jax.tree_util.tree_leaves(spec, is_leaf=_is_spec)):
        return _to_spec(name, value, spec, path)
    return value  # a fixed Python value: the call's own is used, as TF's concrete functions


def _output_specs(function: Function, signature):
    """Trace ``function`` abstractly (Variables read, writes kept local) at two sizes for
    every None dim; output dims that differ between the two are None."""
    from ._control_flow import _DiscoveryFrame
    from ._custom_gradient import _isolated
    from ._state import current_frame

    spec_args, spec_kwargs = signature

    def run(size):
        leaves, tree = jax.tree_util.tree_flatten((spec_args, spec_kwargs), is_leaf=_is_spec)
        examples = [
            jax.ShapeDtypeStruct(
                tuple(size if d is None else d for d in leaf.shape), np.dtype(leaf.dtype)
            )
            for leaf in leaves
            if _is_spec(leaf)
        ]
        holder = {}

        def traced(*vals):
            it = iter(vals)
            filled = [Tensor(next(it)) if _is_spec(leaf) else leaf for leaf in leaves]
            a, k = jax.tree_util.tree_unflatten(tree, filled)
            with _isolated([], _DiscoveryFrame(current_frame())):
                result = function.python_function(*a, **k)
            outs, out_tree = jax.tree_util.tree_flatten(
                result, is_leaf=lambda x: isinstance(x, (Tensor, Variable))
            )
            holder["tree"], holder["leaves"] = out_tree, outs
            holder["order"] = _key_orders(result)
            return [to_value(o) for o in outs if isinstance(o, (Tensor, Variable))]

        shapes = jax.eval_shape(traced, *examples)
        return holder, shapes

    first, shapes_a = run(2)
    _, shapes_b = run(3)
    it = iter(zip(shapes_a, shapes_b))
    specs = []
    for leaf in first["leaves"]:
        if isinstance(leaf, (Tensor, Variable)):
            a, b = next(it)
            dims = tuple(x if x == y else None for x, y in zip(a.shape, b.shape))
            specs.append(TensorSpec(dims, a.dtype))
        else:
            specs.append(_output_constant(leaf))
    return _reorder(first["tree"].unflatten(specs), first["order"])


class _Retrace(Exception):
    """Internal: the trace met Variables it did not know; trace again with them."""


class _TraceFrame:
    """Serves Variable reads from program inputs and collects writes as outputs."""

    traces = True

    def __init__(self, function: Function, known: Sequence[Variable], values, allow_create):
        self.function = function
        self.values: dict[int, Any] = {id(v): x for v, x in zip(known, values)}
        self.written: dict[int, Variable] = {}
        self.assigned: set[int] = set()
        self.discovered: dict[int, Variable] = {}
        self.created: list[Variable] = []
        self.pending: list[Variable] = []
        self.allow_create = allow_create
        # At the last creation from a traced value: the created Variables' initial
        # values and the random generators' states (what their initializers consumed).
        self.initial: dict[int, Any] = {}

    def read(self, var: Variable):
        vid = id(var)
        value = self.values.get(vid)
        if value is None:
            # Unknown so far: use its current value for now and trace again with it
            # as an input (or, in a one-shot program, as a constant).
            self.discovered[vid] = var
            value = self.values[vid] = var._value
        return value

    def write(self, var: Variable, value) -> None:
        vid = id(var)
        if vid not in self.values:
            self.discovered[vid] = var
        self.values[vid] = value
        self.written[vid] = var
        self.assigned.add(vid)

    def on_create(self, var: Variable, value) -> None:
        if not self.allow_create:
            if not self.function._created_variables:
                # TF's wording when the first call created none.
                raise ValueError(
                    f"Creating variables on a non-first call to a function decorated with "
                    f"jt.function (here '{var.name}' in {self.function.__name__}). Create "
                    "them on the first call, or outside the function."
                )
            raise ValueError(_singleton_message(var, self.function))
        self.created.append(var)
        self.function._created_variables = True
        self.values[id(var)] = value
        self.written[id(var)] = var
        if isinstance(value, jax.core.Tracer):
            self.pending.append(var)
            self.initial[id(var)] = value
            for vid, written in self.written.items():
                if getattr(written, "_jt_rng_state", False):
                    self.initial[vid] = self.values[vid]


class Function:
    """A Python function compiled by XLA, with Variables turned into program state.

    Create with :func:`function`.
    """

    def __init__(
        self,
        fn: Callable,
        input_signature: Sequence[TensorSpec] | None = None,
        jit_compile: bool | None = None,
        reduce_retracing: bool = False,
        autograph: bool = True,
        donate_variables: bool = True,
        name: str | None = None,
    ) -> None:
        functools.update_wrapper(self, fn)
        self.python_function = fn
        if input_signature is not None:
            _check_input_signature(input_signature)
        self.input_signature = None if input_signature is None else list(input_signature)
        self._jit_compile = jit_compile
        self._reduce_retracing = reduce_retracing
        self._autograph = autograph
        self._donate = donate_variables
        self.__name__ = name or getattr(fn, "__name__", "function")
        self._known: list[Variable] = []
        self._known_ids: set[int] = set()
        self._creation_closed = False
        self._created_variables = False
        self._tracing_count = 0
        self._value_checks = False  # a trace staged tf.debugging value checks
        self._tracing_detector = _detector_for(fn)
        self._signature_params = None
        self._jitted = None
        # Ids of the Variables every trace so far assigns: the ones safe to donate.
        self._written_ids: frozenset | None = None
        self._out_meta: dict = {}  # (static key, shapes and dtypes) -> how to read outputs
        # Per static key: the first trace's output description, and the static keys whose
        # traces for different shapes differ in it (their call plans must check shapes).
        self._first_meta: dict = {}
        self._meta_varies: set = set()
        self._positional_keys: dict = {}
        # Per argument layout: what a call with it needs (``_CallPlan``), once it has run.
        self._plans: dict = {}
        self._partition: tuple = ([], [])
        self._bound: dict[int, Function] = {}

    # -- descriptor: methods ------------------------------------------------------------
    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        try:
            cache = instance.__dict__.setdefault("_jt_functions", {})
        except AttributeError:  # no __dict__: bind afresh (no cache across calls)
            return self._bind(instance)
        bound = cache.get(id(self))
        if bound is None:
            bound = cache[id(self)] = self._bind(instance)
        return bound

    def _bind(self, instance) -> Function:
        f = Function(
            functools.partial(self.python_function, instance),
            self.input_signature,
            self._jit_compile,
            self._reduce_retracing,
            self._autograph,
            self._donate,
            name=self.__name__,
        )
        f.python_function = self.python_function.__get__(instance)
        return f

    # -- introspection -----------------------------------------------------------------
    def experimental_get_tracing_count(self) -> int:
        """How many times the Python function was traced (TF's tracing counter)."""
        return self._tracing_count

    @property
    def tracing_count(self) -> int:
        return self._tracing_count

    @property
    def variables(self) -> tuple[Variable, ...]:
        """The Variables this function reads or writes, as found by tracing."""
        return tuple(self._known)

    def get_concrete_function(self, *args, **kwargs) -> ConcreteFunction:
        """This function for arguments like ``args`` (TensorSpecs or Tensors; none: the
        ``input_signature``): a callable that accepts only compatible Tensors, with the
        outputs' ``structured_outputs`` (TensorSpecs; a dim that follows a None input dim
        is None).

        Example:
            >>> import jtape as jt
            >>> f = jt.function(lambda x: x * 2.0)
            >>> c = f.get_concrete_function(jt.TensorSpec([None], jt.float32))
            >>> c.structured_outputs
            TensorSpec(shape=(None,), dtype=tf.float32, name=None)
            >>> c(jt.constant([1.0, 2.0])).numpy().tolist()
            [2.0, 4.0]
        """
        if not args and not kwargs:
            if self.input_signature is None:
                raise TypeError(
                    f"{self.__name__}: get_concrete_function() needs arguments (TensorSpecs or "
                    "Tensors) when the function has no input_signature"
                )
            args = tuple(self.input_signature)
        return ConcreteFunction(self, args, kwargs)

    # -- calling -----------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if self._plans and not kwargs:
            result = self._call_planned(args)
            if result is not _NO_PLAN:
                if self._value_checks:
                    _debug_ops.raise_failed_checks()
                return result
        if _RUN_EAGERLY or (state.frames and tracing()):
            # Inside another trace: inline (one program for the outer function).
            return self.python_function(*args, **kwargs)
        count = self._tracing_count
        checks = _debug_ops.staged_checks[0]
        result = self._call(args, kwargs)
        if _debug_ops.staged_checks[0] != checks:
            self._value_checks = True  # its program holds tf.debugging value checks
        if self._value_checks:
            _debug_ops.raise_failed_checks()
        if self._tracing_count == count:
            self._tracing_detector.called_without_tracing()
        else:
            self._tracing_detector.called_with_tracing(self.python_function)
        if call_observers:  # tf.summary.trace_on, TensorBoard(write_graph=True)
            for observe in list(call_observers):  # an observer may remove itself
                observe(self, args, kwargs)
        return result

    def _call(self, args, kwargs):
        if self.input_signature is not None:
            args, kwargs = self._apply_signature(args, kwargs)
        fast = None if kwargs else self._positional_signature(args)
        if fast is None:
            static_key, dyn = _signature(args, kwargs)
        else:
            static_key, dyn, _ = fast
        if state.recorders:
            return self._call_recorded(static_key, dyn, args, kwargs)
        while True:
            jitted = self._get_jitted()
            donated, kept = self._partition
            donated_values = [v._array for v in donated]
            if donated_values and max(map(sys.getrefcount, donated_values)) > _SOLE_OWNER:
                # Something besides its Variable holds one of these arrays (a Tensor read
                # earlier, another Variable): donating would invalidate it, so copy.
                jitted = self._jitted_plain
            try:
                written, outs = jitted(static_key, donated_values, [v._array for v in kept], dyn)
            except _Retrace:
                continue
            break
        meta_key = (static_key, _avals(dyn))
        if (
            fast is not None
            and self._jitted is not None  # None: a creating program, traced again next
            and not self._out_meta[meta_key][3]
            # With an input_signature: only arguments converted to one Tensor per spec.
            # A later call with Tensors of exactly these shapes and dtypes converts to
            # itself and matches the signature, so the plan skips the conversion.
            and (self.input_signature is None or type(fast[2]) is int)
        ):
            self._plans[fast[2]] = _CallPlan(self, static_key, meta_key, dyn)
        return self._finish(meta_key, outs, written)

    def _call_planned(self, args):
        """A steady-state call, with what ``_call`` would look up taken from a plan.

        Per call this only gathers the arrays, checks that the donated ones are not
        shared, runs the program and stores the new values: a few microseconds of Python
        on a step of tens. ``_NO_PLAN`` (nothing ran) when ``__call__``'s general path
        must take the call: a trace or tape is active, an observer listens, there is no
        plan for this argument layout yet, or the program was replaced since.
        """
        if _RUN_EAGERLY or state.frames or state.recorders or call_observers:
            return _NO_PLAN
        # All-Tensor arguments (the usual step call) are keyed by their count alone.
        dyn = []
        for a in args:
            if type(a) is not Tensor:
                layout, dyn = _positional_layout(args)
                break
            dyn.append(a._value)
        else:
            layout = len(args)
        plan = self._plans.get(layout)
        if plan is None:
            return _NO_PLAN
        if plan.avals is not None:
            # Only the shapes and dtypes the plan was made for: traces for other shapes
            # wrote other Variables (or returned other Python values), or, with an
            # input_signature, these are the Tensors that need no conversion.
            for value, (shape, dtype) in zip(dyn, plan.avals):
                d = value.dtype
                if value.shape != shape or (d is not dtype and d != dtype):
                    return _NO_PLAN
        if plan.jitted is not self._jitted:  # traced again since (new Variables, donation)
            self._plans.clear()
            return _NO_PLAN
        jitted = plan.run
        if jitted is not plan.jitted and not _xla_options.trace_state_clean():
            return _NO_PLAN  # inside a JAX trace: the options wrapper picks the program
        donated_values = [v._array for v in plan.donated]
        if donated_values and max(map(sys.getrefcount, donated_values)) > _SOLE_OWNER:
            jitted = plan.plain  # a shared buffer: copy, as in ``_call``
        count = self._tracing_count
        try:
            written, outs = jitted(
                plan.static_key, donated_values, [v._array for v in plan.kept], dyn
            )
        except _Retrace:  # new shapes met new Variables: nothing ran, start over
            self._plans.clear()
            return _NO_PLAN
        if self._tracing_count != count:
            # New shapes made a new program; its outputs may differ from the plan's.
            self._plans.clear()
            result = self._finish((plan.static_key, _avals(dyn)), outs, written)
            self._tracing_detector.called_with_tracing(self.python_function)
            return result
        if plan.placed:
            for var, value in zip(plan.written, written):
                var._value = value  # placed with the variable's sharding, if it has one
        else:
            for var, value in zip(plan.written, written):
                var._array = value  # Variable._value's setter without a call per Variable
        self._tracing_detector.untraced += 1  # what called_without_tracing does, inline
        if plan.single:  # one Tensor out: no tree to rebuild
            return Tensor(outs[0])
        tensors = [Tensor(o) for o in outs]
        if plan.statics is not None:
            it = iter(tensors)
            tensors = [next(it) if s is _DYNAMIC else s for s in plan.statics]
        return plan.out_tree.unflatten(tensors)

    def _positional_signature(self, args):
        """``_signature`` without a pytree flatten, for the common calls: every argument
        an array (Tensor, numpy, jax) or a flat tuple/list of arrays (a ``fit`` batch).
        Then the static key depends on the layout only. ``(static key, arrays, layout)``,
        or None for anything else.
        """
        layout, dyn = _positional_layout(args)
        if layout is None:
            return None
        static_key = self._positional_keys.get(layout)
        if static_key is None:
            static_key = self._positional_keys[layout] = _signature(args, {})[0]
        return static_key, dyn, layout

    def _call_recorded(self, static_key, dyn, args, kwargs):
        """Under an eager tape: the whole call is one differentiable recorded op."""
        while True:
            jitted = self._get_jitted()
            donated, kept = self._partition
            try:
                jax.eval_shape(
                    functools.partial(jitted, static_key),
                    [v._array for v in donated],
                    [v._array for v in kept],
                    dyn,
                )
            except _Retrace:
                continue
            break
        meta_key = (static_key, _avals(dyn))
        initialized = self._out_meta[meta_key][3]
        if initialized:
            return self._initialize_then_record(static_key, dyn, args, kwargs, initialized)
        call = _RecordedCall(self, self._jitted_plain, static_key)
        reads_d = [v.value() for v in donated]
        reads_k = [v.value() for v in kept]
        dyn_tensors = [d if isinstance(d, Tensor) else Tensor(d) for d in _dyn_inputs(args, kwargs)]
        written, outs = call_op(call, (reads_d, reads_k, dyn_tensors), {})
        written = [w._value for w in written]
        return self._finish(meta_key, [o._value for o in outs], written, wrap=outs)

    def _initialize_then_record(self, static_key, dyn, args, kwargs, initialized):
        """A first call under a tape that creates Variables from traced values.

        As TF lifts initializers out of the function, the creating program runs once
        (unrecorded) only for the new Variables' initial values and the generator states
        right after them; its other effects are dropped. Then the function is traced
        again with the new Variables as inputs, and that call is the recorded one: the
        tape watches the new Variables on this first call, as in TF.
        """
        donated, kept = self._partition
        saved, state.recorders = state.recorders, []
        try:
            _, outs = self._jitted_plain(
                static_key, [v._array for v in donated], [v._array for v in kept], dyn
            )
        finally:
            state.recorders = saved
        for var, value in zip(initialized, outs[len(outs) - len(initialized) :]):
            var._value = value
        return self._call_recorded(static_key, dyn, args, kwargs)

    def _finish(self, meta_key, outs, written, wrap=None):
        out_tree, statics, written_vars, initialized = self._out_meta[meta_key]
        if initialized:  # drop the initial values a creating program appends
            outs = outs[: len(outs) - len(initialized)]
        for var, value in zip(written_vars, written):
            if var._sharding is None:
                var._array = value  # Variable._value's setter, minus a call per Variable
            else:
                var._value = value  # placed with the variable's sharding
        tensors = wrap if wrap is not None else [Tensor(o) for o in outs]
        if statics is not None:  # some outputs are Python values
            it = iter(tensors)
            tensors = [next(it) if s is _DYNAMIC else s for s in statics]
        return out_tree.unflatten(tensors)

    # -- tracing -----------------------------------------------------------------------
    def _get_jitted(self):
        if self._jitted is None:
            known = list(self._known)
            if self._donate and self._written_ids:
                donated = [v for v in known if id(v) in self._written_ids]
            else:
                donated = []
            kept = [v for v in known if id(v) not in {id(d) for d in donated}]
            self._partition = (donated, kept)
            pure = functools.partial(_traced_program, self, donated, kept)
            # Buffer donation lets XLA write the new values of the Variables the
            # function assigns into their old buffers: one copy of the state, not two,
            # and no allocation per output (on CPU that is most of a small step).
            self._jitted = _xla_options.jit(
                pure, static_argnums=(0,), donate_argnums=(1,) if donated else ()
            )
            # Under a tape the inputs are also recorded for the backward pass, and a
            # buffer that is shared must survive the call: no donation then.
            self._jitted_plain = (
                _xla_options.jit(pure, static_argnums=(0,)) if donated else self._jitted
            )
        return self._jitted

    def _apply_signature(self, args, kwargs):
        spec = self.input_signature
        if kwargs or len(args) != len(spec):
            args = self._bind_signature(args, kwargs)
        converted = [
            _to_spec(self.__name__, a, s, str(i)) for i, (a, s) in enumerate(zip(args, spec))
        ]
        return tuple(converted), {}

    def _bind_signature(self, args, kwargs) -> tuple:
        """Arguments given by keyword (or left to defaults), in input_signature order."""
        spec = self.input_signature
        params = self._signature_params
        if params is None:
            try:
                sig = inspect.signature(self.python_function)
            except (TypeError, ValueError):
                sig = None
            self._signature_params = params = (sig,)
        (sig,) = params
        kinds = () if sig is None else [p.kind for p in sig.parameters.values()]
        if sig is None or inspect.Parameter.VAR_POSITIONAL in kinds:
            if kwargs:
                raise TypeError(
                    f"{self.__name__}: keyword arguments cannot be matched to input_signature"
                )
            raise TypeError(
                f"Binding inputs to {self.__name__} failed: input_signature has {len(spec)} "
                f"entries but the call passed {len(args)} arguments"
            )
        names = [
            p.name
            for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if len(spec) > len(names):
            raise TypeError(
                f"input_signature contains {len(spec) - len(names)} extra type constraints."
            )
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(
                f"Binding inputs to {self.__name__} failed due to `{e}`. Received args: "
                f"{len(args)} and kwargs: {sorted(kwargs)}."
            ) from None
        covered = names[: len(spec)]
        extra = [n for n in bound.arguments if n not in covered]
        if extra:
            raise TypeError(
                f"Binding inputs to {self.__name__} failed: argument(s) {extra} are not "
                "covered by input_signature (only their default values can be used)."
            )
        bound.apply_defaults()
        return tuple(bound.arguments[n] for n in covered)


def _check_input_signature(signature) -> None:
    if not isinstance(signature, (list, tuple)):
        raise TypeError(f"input_signature must be either a tuple or a list, got {type(signature)}.")
    bad = [x for x in _spec_leaves(signature) if not isinstance(x, (TensorSpec, _SparseSpec()))]
    if bad:
        raise TypeError(
            "input_signature must be a possibly nested sequence of TensorSpec objects, got "
            f"invalid args {bad} with types {[type(x) for x in bad]}."
        )


def _SparseSpec() -> tuple:  # noqa: N802 - classes, imported late (no import cycle)
    from ._ragged import RaggedTensorSpec
    from ._sparse import SparseTensorSpec

    return (SparseTensorSpec, RaggedTensorSpec)  # composite tensors: passed as they are


def _spec_leaves(signature) -> list:
    if isinstance(signature, (list, tuple)):
        return [leaf for s in signature for leaf in _spec_leaves(s)]
    if isinstance(signature, dict):
        return [leaf for s in signature.values() for leaf in _spec_leaves(s)]
    return [signature]


def _to_spec(name: str, value, spec, path: str):
    """``value`` converted to a Tensor matching ``spec`` (nested like it), or TypeError."""
    if isinstance(spec, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(spec):
            raise TypeError(
                f"{name}: argument {path} should be a sequence of {len(spec)} values to match "
                f"input_signature {spec}, got {type(value).__name__}"
            )
        return type(spec)(
            _to_spec(name, v, s, f"{path}[{i}]") for i, (v, s) in enumerate(zip(value, spec))
        )
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            raise TypeError(
                f"{name}: argument {path} should be a dict with keys {sorted(spec)} to match "
                "input_signature"
            )
        return {k: _to_spec(name, value[k], s, f"{path}[{k!r}]") for k, s in spec.items()}
    if isinstance(spec, _SparseSpec()):  # a SparseTensor (traced per dense shape and size)
        if not spec.is_compatible_with(value):
            raise TypeError(
                f"{name}: argument {path} ({type(value).__name__}) does not match "
                f"input_signature {spec}"
            )
        return value
    t = value.value() if isinstance(value, Variable) else value
    if spec.dtype == _dtypes.string:  # host strings: trace-time values (docs/strings.md)
        from ._strings import constant as string_constant

        t = string_constant(t)
    elif not isinstance(t, Tensor):
        t = Tensor(jax.numpy.asarray(t, dtype=spec.dtype))
    if not spec.is_compatible_with(t):
        raise TypeError(
            f"{name}: argument {path} has shape {t.shape} and dtype {t.dtype.name}, which "
            f"does not match input_signature {spec}"
        )
    return t


def _singleton_message(var: Variable, function) -> str:
    return (
        f"jt.function only supports singleton Variables created on the first call "
        f"(here '{var.name}' in {function.__name__}). Make sure the Variable is only "
        "created once (for example `if self.v is None: self.v = jt.Variable(...)`; a layer "
        "built outside the function) or created outside jt.function."
    )


# -- frequent retracing warning (TF's, same thresholds) -------------------------------------
_RETRACE_HISTORY = 10  # calls looked back at
_RETRACE_THRESHOLD = 5  # traced calls among them that warn
_RETRACE_MAX_WARNINGS = 2  # per Python function


class _TracingDetector:
    """Counts recent calls that traced; warns when most of them did, as TF logs."""

    __slots__ = ("calls_per_tracing", "call_count", "warnings", "untraced")

    def __init__(self) -> None:
        self.calls_per_tracing: list[int] = []  # per traced call: it and the calls after it
        self.call_count = 0
        self.warnings = 0
        # Calls without tracing not yet added above (a steady-state call only counts here).
        self.untraced = 0

    def called_without_tracing(self) -> None:
        self.untraced += 1

    def called_with_tracing(self, python_function) -> None:
        if self.untraced:
            if not self.calls_per_tracing:
                self.calls_per_tracing = [0]
            self.calls_per_tracing[-1] += self.untraced
            self.call_count += self.untraced
            self.untraced = 0
        self.call_count += 1
        self.calls_per_tracing.append(1)
        while self.calls_per_tracing:
            if self.call_count - self.calls_per_tracing[0] > _RETRACE_HISTORY:
                self.call_count -= self.calls_per_tracing.pop(0)
            else:
                break
        if self.warnings >= _RETRACE_MAX_WARNINGS:
            return
        if len(self.calls_per_tracing) >= _RETRACE_THRESHOLD:
            self.warnings += 1
            warnings.warn(
                f"{len(self.calls_per_tracing)} out of the last {self.call_count} calls to "
                f"{python_function!r} triggered jt.function retracing. Tracing is expensive; "
                "frequent retracing comes from (1) creating a jt.function repeatedly in a "
                "loop (define it once, outside the loop), (2) passing tensors with "
                "different shapes (jtape compiles one XLA program per shape), or (3) "
                "passing Python values instead of tensors (each new value is a new trace).",
                stacklevel=3,
            )


# Keyed by the Python function's code, as TF: a jt.function created in a loop around the
# same function shares one detector.
_detectors: dict = {}


def _detector_for(fn) -> _TracingDetector:
    target = fn
    while hasattr(target, "__wrapped__"):
        target = target.__wrapped__
    target = getattr(target, "__func__", target)
    if isinstance(target, functools.partial):
        target = getattr(target.func, "__func__", target.func)
    key = getattr(target, "__code__", None)
    if key is None:
        return _TracingDetector()  # no stable key: one per Function
    detector = _detectors.get(key)
    if detector is None:
        if len(_detectors) > 4096:
            _detectors.clear()
        detector = _detectors[key] = _TracingDetector()
    return detector


def _traced_program(
    function: Function, donated: list, kept: list, static_key, donated_vals, kept_vals, dyn
):
    """The pure function handed to ``jax.jit``: runs at trace time only."""
    function._tracing_count += 1
    # Whatever this trace finds (Variables, donation, outputs that differ per shape) may
    # change how calls must run: their plans are made again after the next call.
    function._plans.clear()
    known = donated + kept
    var_values = list(donated_vals) + list(kept_vals)
    treedef, statics = static_key[0], static_key[1]
    dyn_iter = iter(dyn)
    leaves = [
        Tensor(next(dyn_iter)) if s is _DYNAMIC else (s.deref() if isinstance(s, _Ref) else s)
        for s in statics
    ]
    args, kwargs = treedef.unflatten(leaves)  # dicts in the caller's key order, as TF
    frame = _TraceFrame(function, known, var_values, allow_create=not function._creation_closed)
    closed_before = function._creation_closed
    first_uid = next(_variable._uid)  # Variables numbered above it are made by this trace
    saved_recorders = state.recorders
    state.recorders = []
    state.frames.append(frame)
    try:
        python_function = function.python_function
        if function._autograph:  # converted once (cached), or as written with a warning
            from ._autograph import converted

            python_function = converted(python_function)
        result = python_function(*args, **kwargs)
    finally:
        state.frames.pop()
        state.recorders = saved_recorders
    if function._donate:
        _learn_donation(function, frozenset(frame.assigned), donated)
    if frame.created or frame.discovered:
        if closed_before:
            # A Variable made on a later trace (in init_scope, e.g. a layer built inside
            # the function on every call) would be found anew on each trace: TF refuses it.
            fresh = [v for v in frame.discovered.values() if v._uid > first_uid]
            if fresh:
                raise ValueError(_singleton_message(fresh[0], function))
        function._creation_closed = True
        new = [
            v
            for v in list(frame.discovered.values()) + frame.created
            if id(v) not in function._known_ids
        ]
        function._known.extend(new)
        function._known_ids.update(id(v) for v in new)
        function._jitted = None
        if not frame.pending:
            raise _Retrace()
        # Variables created from traced values: this program computes their initial
        # values, so it runs once (its constants are the current values) and the next
        # call traces again with them as inputs.
    function._creation_closed = True
    out_leaves, out_tree = jax.tree_util.tree_flatten(
        result, is_leaf=lambda x: isinstance(x, (Tensor, Variable))
    )
    outs, out_statics = [], []
    for leaf in out_leaves:
        if isinstance(leaf, Variable):
            # Its value at the function's end, as TF (also for what assign returned).
            var = getattr(leaf, "_jt_var", leaf)
            value = frame.values.get(id(var))
            leaf = Tensor(value) if value is not None else leaf.value()
        if isinstance(leaf, Tensor):
            outs.append(leaf._value)
            out_statics.append(_DYNAMIC)
        elif isinstance(leaf, (jax.Array, np.ndarray)):
            outs.append(leaf)
            out_statics.append(_DYNAMIC)
        else:
            out_statics.append(_output_constant(leaf))
    out_tree = _KeyOrderedTree.wrap(out_tree, result)
    # The new values of the written Variables come back as a list, first and in the
    # order of the donated inputs: jax pairs donated inputs with outputs of the same
    # shape in output order, so each Variable's new value lands in its own old buffer
    # (any other order makes XLA copy).
    donated_ids = [id(v) for v in donated]
    order = donated_ids + [vid for vid in frame.written if vid not in set(donated_ids)]
    written_vars = [frame.written[vid] for vid in order]
    if all(s is _DYNAMIC for s in out_statics):
        out_statics = None  # the common case: every output is a Tensor
    # A program that creates Variables from traced values also returns what they (and
    # the generators their initializers used) held right after creation, after ``outs``.
    initial = [(v, frame.initial[id(v)]) for v in frame.written.values() if id(v) in frame.initial]
    meta = (out_tree, out_statics, written_vars, [v for v, _ in initial])
    # Keyed by the arrays' shapes and dtypes too: jax keeps one program per shape, and a
    # trace for other shapes may write other Variables or return other Python values.
    function._out_meta[(static_key, _avals(dyn))] = meta
    if not initial:  # (a creating program runs once: its outputs differ, no matter)
        first = function._first_meta.setdefault(static_key, meta)
        if first is not meta and not _same_meta(first, meta):
            function._meta_varies.add(static_key)  # call plans check shapes from now on
    return [frame.values[vid] for vid in order], outs + [x for _, x in initial]


def _output_constant(leaf):
    """A Python number or string returned from a function: a constant Tensor, as TF (which
    returns a Tensor for every output but None); other Python objects as they are."""
    if isinstance(leaf, (bool, int, float, complex, str, bytes, np.generic)):
        from ._array_ops import convert_to_tensor

        with jax.ensure_compile_time_eval():
            return convert_to_tensor(leaf)
    return leaf


def _same_meta(a: tuple, b: tuple) -> bool:
    """Whether two traces' outputs are read back the same way (Variables by identity)."""
    (tree_a, statics_a, written_a, init_a), (tree_b, statics_b, written_b, init_b) = a, b
    if tree_a != tree_b or [id(v) for v in written_a + init_a] != [
        id(v) for v in written_b + init_b
    ]:
        return False
    if statics_a is None or statics_b is None:
        return statics_a is statics_b
    try:
        return len(statics_a) == len(statics_b) and all(
            x is y or (type(x) is type(y) and bool(x == y)) for x, y in zip(statics_a, statics_b)
        )
    except Exception:  # noqa: BLE001 - a Python output without a plain ==: assume it differs
        return False


def _learn_donation(function: Function, assigned: frozenset, donated: list) -> None:
    """Keep ``function._written_ids`` to the Variables that every trace assigns.

    Usually learnt by the first (discovery) trace, whose retrace then builds the donating
    program: no extra trace. Created-only Variables (a layer building its weights) are
    not written by later traces, so only assignments count. A trace that leaves a
    donated Variable unassigned must not run (its Variable would keep a deleted buffer):
    the set shrinks and the call traces again; it only ever shrinks, so this converges.
    """
    if function._written_ids is None:
        function._written_ids = assigned
        if assigned:
            function._jitted = None
    elif not {id(v) for v in donated} <= assigned:
        function._written_ids = function._written_ids & assigned
        function._jitted = None
        raise _Retrace()


class _CallPlan:
    """What a call with one argument layout needs, taken once from the program it runs:
    the Variables in and out, the two programs (donating or not) and how to build the
    outputs. Valid while ``function._jitted`` is the program it was made for.
    """

    __slots__ = (
        "static_key",
        "jitted",
        "plain",
        "donated",
        "kept",
        "written",
        "out_tree",
        "statics",
        "single",
        "placed",
        "avals",
        "run",
    )

    def __init__(self, function: Function, static_key, meta_key, dyn) -> None:
        self.static_key = static_key
        # Each array argument's (shape, dtype) as given, when the plan holds only for
        # them; None when every shape's program reads its outputs back the same way.
        self.avals = (
            tuple([(x.shape, x.dtype) for x in dyn])
            if function.input_signature is not None or static_key in function._meta_varies
            else None
        )
        self.jitted = function._jitted
        # At top level, the jax.jit object ``_xla_options.jit``'s wrapper would call (built
        # by the call that made this plan): saves the wrapper's dispatch, ~1 us a call.
        self.run = _xla_options.top_level(function._jitted)
        self.plain = function._jitted_plain
        self.donated, self.kept = function._partition
        out_tree, statics, self.written, _ = function._out_meta[meta_key]
        self.out_tree = out_tree
        self.statics = statics
        self.single = statics is None and out_tree == _LEAF
        # A Variable's sharding is fixed when it is created (``Variable.__init__``), so
        # whether any written one needs placing is known once, here.
        self.placed = any(v._sharding is not None for v in self.written)


_NO_PLAN = object()  # ``_call_planned``'s "no plan for this call"


_LEAF = jax.tree_util.tree_structure(0)


class _RecordedCall:
    """A Function call as an op: ``(variable values, tensor args) -> (writes, outputs)``."""

    __slots__ = ("function", "jitted", "static_key")

    def __init__(self, function: Function, jitted, static_key) -> None:
        self.function = function
        self.jitted = jitted
        self.static_key = static_key

    def __call__(self, donated_values, kept_values, dyn):
        return self.jitted(self.static_key, donated_values, kept_values, dyn)

    def __hash__(self) -> int:
        return hash((id(self.function), id(self.jitted), self.static_key))

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, _RecordedCall)
            and other.function is self.function
            and other.jitted is self.jitted
            and other.static_key == self.static_key
        )


class _Dynamic:
    def __repr__(self) -> str:
        return "<dynamic>"


_DYNAMIC = _Dynamic()


def _is_arg_leaf(x) -> bool:
    return isinstance(x, (Tensor, Variable))


def _signature(args, kwargs):
    """Split call arguments into a hashable static key and the list of array inputs."""
    leaves, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_arg_leaf)
    statics = []
    dyn = []
    for leaf in leaves:
        if type(leaf) is Tensor:
            dyn.append(leaf._value)
            statics.append(_DYNAMIC)
        elif isinstance(leaf, (jax.Array, np.ndarray)):
            dyn.append(leaf)
            statics.append(_DYNAMIC)
        elif isinstance(leaf, Tensor):
            dyn.append(leaf._value)
            statics.append(_DYNAMIC)
        elif isinstance(leaf, Variable):
            statics.append(_Ref(leaf))  # by identity: Variable == is elementwise
        elif isinstance(leaf, StringTensor):
            statics.append(_ValueRef(leaf))  # by value: TF retraces per string value
        else:
            # Python values specialise the trace, as in TF.
            try:
                hash(leaf)
            except TypeError:
                raise TypeError(
                    f"jt.function: argument of type {type(leaf).__name__} is not hashable; "
                    "pass tensors/arrays or hashable Python values"
                ) from None
            statics.append(leaf)
    # A dict argument reaches the function in its own key order (JAX's treedef sorts
    # keys; TF keeps the caller's order, so ``list(features.values())`` matches).
    treedef = _KeyOrderedTree.wrap(treedef, (args, kwargs))
    key = (treedef, tuple(statics), tuple(type(s) for s in statics))
    return key, dyn


def _avals(dyn) -> tuple:
    """Shapes and dtypes of a call's arrays as its program sees them (jax's dtypes)."""
    return tuple(
        [
            (
                x.shape,
                x.dtype if type(x) is not np.ndarray else jax.dtypes.canonicalize_dtype(x.dtype),
            )
            for x in dyn
        ]
    )


def _positional_layout(args):
    """``(layout, arrays)`` of positional arguments that are all arrays or flat
    tuples/lists of arrays; ``(None, None)`` otherwise. All Tensors, the usual step call,
    is tested first and keyed by the count alone (no tuple built).
    """
    dyn = []
    for a in args:
        if type(a) is not Tensor:
            break
        dyn.append(a._value)
    else:
        return len(args), dyn
    layout = []
    dyn = []
    for a in args:
        kind = type(a)
        if kind is tuple or kind is list:
            for e in a:
                value = _array_value(e)
                if value is None:
                    return None, None
                dyn.append(value)
            layout.append((kind, len(a)))
        else:
            value = _array_value(a)
            if value is None:
                return None, None
            dyn.append(value)
            layout.append(None)
    return tuple(layout), dyn


def _array_value(x):
    """The array behind a Tensor, numpy or jax array argument; None for anything else."""
    kind = type(x)
    if kind is Tensor:
        return x._value
    if kind is np.ndarray or isinstance(x, jax.Array):
        return x
    return None


def _dyn_inputs(args, kwargs) -> list:
    leaves = jax.tree_util.tree_leaves((args, kwargs), is_leaf=_is_arg_leaf)
    return [x for x in leaves if isinstance(x, (Tensor, jax.Array, np.ndarray))]


def function(
    func: Callable | None = None,
    input_signature: Sequence[TensorSpec] | None = None,
    autograph: bool = True,
    jit_compile: bool | None = None,
    reduce_retracing: bool = False,
    experimental_implements=None,
    experimental_autograph_options=None,
    experimental_attributes=None,
    experimental_relax_shapes=None,
    experimental_compile=None,
    experimental_follow_type_hints=None,
    *,
    donate_variables: bool = True,
):
    """Compile ``func`` into one XLA program per input signature (``tf.function``).

    Variables the function reads, assigns or creates become inputs and outputs of the
    program; tapes, optimizers and layers inside it work unchanged. A new trace is made
    for each new signature: shapes and dtypes of tensor arguments, values of Python
    arguments. Python side effects (``print``) run when tracing, not on every call.

    ``jit_compile``, ``reduce_retracing`` and the ``experimental_*`` arguments are
    accepted for TF compatibility: on JAX every function is XLA-compiled.
    ``donate_variables`` (on by default) lets XLA reuse the buffers of the Variables the
    function writes (one copy of the state, no allocation per step); an array still
    referenced elsewhere (a Tensor read earlier) is not donated, so nothing is invalidated.
    ``donate_variables=False`` turns it off.

    Example:
        >>> import jtape as jt
        >>> v = jt.Variable(1.0)
        >>> @jt.function
        ... def step(x):
        ...     v.assign_add(x)
        ...     return v * 2
        >>> float(step(jt.constant(2.0)))
        6.0
        >>> float(v)
        3.0
    """
    if experimental_compile is not None and jit_compile is None:
        jit_compile = experimental_compile

    def decorate(fn: Callable) -> Function:
        return Function(
            fn,
            input_signature=input_signature,
            jit_compile=jit_compile,
            reduce_retracing=reduce_retracing or bool(experimental_relax_shapes),
            autograph=autograph,
            donate_variables=donate_variables,
        )

    if func is None:
        return decorate
    return decorate(func)


def _silence_donation_warning() -> None:
    warnings.filterwarnings("ignore", message="Some donated buffers were not usable")


_silence_donation_warning()
