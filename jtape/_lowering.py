"""Lowering: a recorded subgraph becomes one pure JAX function, cached by structure.

``build_plan`` walks the nodes a tape recorded and keeps those on a path from the
sources to the targets. It numbers every tensor involved with a *slot* and builds a
hashable key from the structure (specs, wiring, shapes and dtypes). A
:class:`Program` for that key holds the pure functions JAX works on:

* ``backward(*input_values, *target_cts)``: reverse mode, chaining each node's VJP at
  its *recorded* input values, so an eager step never recomputes its forward pass.
* ``replay(source_values, captured_values)``: the forward function ``F`` that
  ``jacobian``, ``batch_jacobian`` and forward mode hand to ``jax.jacrev``/``jvp``.

A program runs node by node (each node's VJP is a small jitted function, compiled
once per op and shape) until its key is seen a second time; from then on it runs as
one ``jax.jit`` program. A one-off graph never waits for a compiler, and a training
loop runs its backward pass as one XLA program from its second step on.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from itertools import chain, islice
from operator import attrgetter

import jax.numpy as jnp

from . import _xla_options
from ._op import NodeSpec

#: Counters observable through ``jt.lowering_stats()``.
stats: Counter = Counter()

COMPILE_AFTER = 2  # compile a structure the second time it is seen
_MAX_PROGRAMS = 512


class Plan:
    """The slice of a tape between sources and targets, in slot form."""

    __slots__ = (
        "key",
        "_nodes",
        "_wiring",
        "input_slots",
        "input_tensors",
        "target_slots",
        "source_groups",
        "connected",
        "captured_slots",
        "captured_tensors",
        "source_tensors",
    )

    @property
    def nodes(self) -> tuple:
        """``(spec, input slots, output slots)`` per node, in recording order.

        Built on first use (a new program needs it; a cached one does not).
        """
        nodes = self._nodes
        if nodes is None:
            specs, n_in, n_out, in_slots = self._wiring
            it = iter(in_slots)
            out = []
            pos = 0
            for spec, a, b in zip(specs, n_in, n_out):
                out.append((spec, tuple(islice(it, a)), tuple(range(pos, pos + b))))
                pos += b
            nodes = self._nodes = tuple(out)
        return nodes


def _shape_dtype(t) -> tuple:
    v = t._value
    if type(v) is float:  # an eager op's Python number, a weakly typed input
        return ((), float)
    av = getattr(v, "aval", v)  # jax arrays and tracers; numpy scalars
    return (av.shape, av.dtype)


_inputs_of = attrgetter("inputs")
_outputs_of = attrgetter("outputs")
_spec_of = attrgetter("spec")
_key_of = attrgetter("key")
_concat = chain.from_iterable


def _flat_lists(nodes) -> tuple:
    """Per node specs, input and output lists; all inputs flat; their ids; output ids."""
    specs = tuple(map(_spec_of, nodes))
    in_lists = list(map(_inputs_of, nodes))
    out_lists = list(map(_outputs_of, nodes))
    all_in = list(_concat(in_lists))
    out_ids = list(map(id, _concat(out_lists)))
    return specs, in_lists, out_lists, all_in, list(map(id, all_in)), out_ids


def build_plan(
    nodes: list, targets: list, source_groups: list[list], all_reached: bool = False
) -> Plan:
    """Select the recorded nodes linking ``source_groups`` to ``targets``.

    ``source_groups`` holds, per source, the tensors that stand for it (a Variable has
    one tensor per read inside the tape; a Tensor source is its own group).
    ``all_reached``: the caller knows every node depends on a source (a tape whose
    watched values are all sources), so the forward search is skipped.

    Slots: the outputs of the kept nodes are numbered in recording order, then the
    other tensors their inputs read (sources, captured values) in order of first use,
    then targets not seen yet. The key holds the specs, the input slots of every
    node, the shapes and dtypes of the tensors from outside (those of the values
    computed inside follow from them and the specs), the targets and the sources.
    """
    # Runs on every eager ``gradient`` and visits every recorded node: per-node work is
    # done by C-level ``map``s over flat lists, no Python loop per tensor where avoidable.
    if all_reached:
        forward = nodes
    else:
        reach = {id(t) for group in source_groups for t in group}
        add_reached = reach.update
        forward = []
        for node in nodes:
            for t in node.inputs:
                if id(t) in reach:
                    forward.append(node)
                    add_reached(map(id, node.outputs))
                    break
    specs, in_lists, out_lists, all_in, in_ids, out_ids = _flat_lists(forward)
    target_ids = list(map(id, targets))
    template = _TEMPLATES.get(specs)
    if template is not None:
        plan = template.match(
            all_in, in_ids, out_lists, out_ids, targets, target_ids, source_groups
        )
        if plan is not None:
            return plan
    # Every output read by a node or a target: then every node lies on a path to a
    # target (the last node feeds a target, each earlier one a later node; a recorded
    # output is a fresh tensor, so it can only feed later nodes).
    used = set(in_ids)
    used.update(target_ids)
    if all(map(used.__contains__, out_ids)):
        relevant = forward
    else:
        needed = set(target_ids)
        relevant = []
        for node in reversed(forward):
            for o in node.outputs:
                if id(o) in needed:
                    relevant.append(node)
                    needed.update(map(id, node.inputs))
                    break
        relevant.reverse()
        specs, in_lists, out_lists, all_in, in_ids, out_ids = _flat_lists(relevant)
    slot_of = dict(zip(out_ids, range(len(out_ids))))
    if len(slot_of) != len(out_ids):  # a tensor recorded as the output of two nodes
        return _build_plan_general(relevant, targets, source_groups)
    tensor_of = dict(zip(in_ids, all_in))
    first_use = list(dict.fromkeys(in_ids))  # distinct input ids, in order of first use
    outside = [i for i in first_use if i not in slot_of]
    slot_of.update(zip(outside, range(len(out_ids), len(out_ids) + len(outside))))
    outside_tensors = list(map(tensor_of.__getitem__, outside))
    in_slots = tuple(map(slot_of.__getitem__, in_ids))
    target_slots = []
    for i in target_ids:
        s = slot_of.get(i)
        if s is None:
            s = slot_of[i] = len(slot_of)
        target_slots.append(s)
    target_slots = tuple(target_slots)
    n_in = tuple(map(len, in_lists))
    n_out = tuple(map(len, out_lists))
    groups = []
    connected = []
    get = slot_of.get
    for group in source_groups:
        g = tuple(s for s in map(get, map(id, group)) if s is not None)
        groups.append(g)
        connected.append(bool(g))
    plan = Plan()
    plan._nodes = None
    plan._wiring = (specs, n_in, n_out, in_slots)
    plan.input_slots = tuple(map(slot_of.__getitem__, first_use))
    plan.input_tensors = list(map(tensor_of.__getitem__, first_use))
    plan.target_slots = target_slots
    plan.source_groups = tuple(groups)
    plan.connected = tuple(connected)
    source_slots = {s for g in groups for s in g}
    captured_slots, captured_tensors = [], []
    base = len(out_ids)
    for k, t in enumerate(outside_tensors):
        if base + k not in source_slots:
            captured_slots.append(base + k)
            captured_tensors.append(t)
    plan.captured_slots = tuple(captured_slots)
    plan.captured_tensors = captured_tensors
    plan.source_tensors = [group[0] if group else None for group in source_groups]
    if None in map(_key_of, specs):  # a one-off spec: the program is not cached
        plan.key = None
    else:
        plan.key = (
            specs,
            n_in,
            n_out,
            in_slots,
            tuple(map(_shape_dtype, outside_tensors)),
            target_slots,
            tuple((t._value.shape, t._value.dtype) for t in targets),
            plan.source_groups,
        )
        if relevant is forward:
            # The next recording of these ops is checked against this one instead of
            # being analysed again (_Template.match).
            if len(_TEMPLATES) >= _MAX_PROGRAMS:
                _TEMPLATES.clear()
            first_pos = {}
            for k, i in enumerate(in_ids):
                if i not in first_pos:
                    first_pos[i] = k
            _TEMPLATES[specs] = _Template(
                plan,
                n_out,
                in_slots,
                [first_pos[i] for i in first_use],
                [first_pos[i] for i in outside],
            )
    return plan


class _Template:
    """A plan made from one recording, to check the next recording of the same ops against.

    ``match`` numbers the new recording's tensors as ``build_plan`` would, using the
    positions where the template first met each tensor from outside, and compares the
    result with the template: every node's input slots, the outputs per node, the
    shapes and dtypes from outside, the targets and the sources. Equal, the new plan is
    the template's with the new tensors (same key, same program); anything different
    and ``build_plan`` analyses the recording afresh.
    """

    __slots__ = (
        "plan",
        "n_out",
        "in_slots",
        "first_pos",
        "outside_pos",
        "outside_avals",
        "captured_pos",
        "target_avals",
    )

    def __init__(self, plan: Plan, n_out, in_slots, first_pos, outside_pos) -> None:
        self.plan = plan
        self.n_out = n_out
        self.in_slots = in_slots
        self.first_pos = first_pos
        self.outside_pos = outside_pos
        self.outside_avals = plan.key[4]
        base = sum(n_out)  # outside tensors are numbered after the outputs
        source_slots = {s for g in plan.source_groups for s in g}
        self.captured_pos = [p for k, p in enumerate(outside_pos) if base + k not in source_slots]
        self.target_avals = plan.key[6]

    def match(self, all_in, in_ids, out_lists, out_ids, targets, target_ids, source_groups):
        """The plan for a recording of the template's ops, or None if it differs."""
        if len(in_ids) != len(self.in_slots) or tuple(map(len, out_lists)) != self.n_out:
            return None
        slot_of = dict(zip(out_ids, range(len(out_ids))))
        base = len(slot_of)
        if base != len(out_ids):
            return None
        outside = [in_ids[p] for p in self.outside_pos]
        for i in outside:
            if i in slot_of:  # produced here, from outside in the template
                return None
        slot_of.update(zip(outside, range(base, base + len(outside))))
        if len(slot_of) != base + len(outside):  # two template tensors are one here
            return None
        if tuple(map(slot_of.get, in_ids)) != self.in_slots:
            return None
        tmpl = self.plan
        target_slots = []
        for i in target_ids:
            s = slot_of.get(i)
            if s is None:
                s = slot_of[i] = len(slot_of)
            target_slots.append(s)
        if tuple(target_slots) != tmpl.target_slots:
            return None
        if tuple((t._value.shape, t._value.dtype) for t in targets) != self.target_avals:
            return None
        if tuple(_shape_dtype(all_in[p]) for p in self.outside_pos) != self.outside_avals:
            return None
        get = slot_of.get
        groups = tuple(
            tuple(s for s in map(get, map(id, group)) if s is not None) for group in source_groups
        )
        if groups != tmpl.source_groups:
            return None
        plan = Plan()
        plan.key = tmpl.key
        plan._nodes = tmpl._nodes
        plan._wiring = tmpl._wiring
        plan.input_slots = tmpl.input_slots
        plan.input_tensors = list(map(all_in.__getitem__, self.first_pos))
        plan.target_slots = tmpl.target_slots
        plan.source_groups = groups
        plan.connected = tmpl.connected
        plan.captured_slots = tmpl.captured_slots
        plan.captured_tensors = list(map(all_in.__getitem__, self.captured_pos))
        plan.source_tensors = [group[0] if group else None for group in source_groups]
        return plan


_TEMPLATES: dict = {}  # specs of a recording -> the _Template of its last full analysis


def _build_plan_general(relevant: list, targets: list, source_groups: list[list]) -> Plan:
    """``build_plan``'s slots assigned one tensor at a time (any recording)."""
    slot_of: dict[int, int] = {}
    input_slots: list[int] = []
    input_tensors: list = []
    produced: set[int] = set()
    key_parts: list = ["general"]
    plan_nodes = []
    cacheable = True

    def slot(t) -> int:
        s = slot_of.get(id(t))
        if s is None:
            s = slot_of[id(t)] = len(slot_of)
        return s

    seen_inputs: set[int] = set()
    for node in relevant:
        in_slots = []
        avals = []
        for t in node.inputs:
            s = slot(t)
            in_slots.append(s)
            if s not in seen_inputs:
                seen_inputs.add(s)
                input_slots.append(s)
                input_tensors.append(t)
                if s not in produced:
                    avals.append(_shape_dtype(t))
        out_slots = tuple(slot(o) for o in node.outputs)
        produced.update(out_slots)
        spec = node.spec
        if spec.key is None:
            cacheable = False
        wiring = (spec, tuple(in_slots), out_slots)
        key_parts.append(wiring + tuple(avals))
        plan_nodes.append(wiring)

    target_slots = tuple(slot(t) for t in targets)
    groups = []
    connected = []
    for group in source_groups:
        g = tuple(slot_of[id(t)] for t in group if id(t) in slot_of)
        groups.append(g)
        connected.append(bool(g))
    plan = Plan()
    plan._nodes = tuple(plan_nodes)
    plan._wiring = None
    plan.input_slots = tuple(input_slots)
    plan.input_tensors = input_tensors
    plan.target_slots = target_slots
    plan.source_groups = tuple(groups)
    plan.connected = tuple(connected)
    source_slots = {s for g in groups for s in g}
    captured_slots, captured_tensors = [], []
    for s, t in zip(input_slots, input_tensors):
        if s not in produced and s not in source_slots:
            captured_slots.append(s)
            captured_tensors.append(t)
    plan.captured_slots = tuple(captured_slots)
    plan.captured_tensors = captured_tensors
    plan.source_tensors = [group[0] if group else None for group in source_groups]
    key_parts.append(target_slots)
    key_parts.append(tuple((t._value.shape, t._value.dtype) for t in targets))
    key_parts.append(plan.source_groups)
    plan.key = tuple(key_parts) if cacheable else None
    return plan


# -- programs ------------------------------------------------------------------


def row_gather(fn):
    """Mark ``fn(params, indices, ...)`` as a row lookup of ``params`` (TF's sparse gradient).

    ``rule(spec)`` (default: always) says whether a call looks up whole rows (axis 0,
    no batch dims). A source used only by such calls gets an ``IndexedSlices`` gradient.
    """

    def mark(rule=None):
        raw = getattr(fn, "__jtape_op__", fn)  # an ``op``: mark the function it wraps
        raw._jt_row_gather = rule or (lambda spec: True)
        return fn

    return mark


def _sparse_plan(nodes, source_groups, target_slots) -> tuple:
    """Per connected group: None (dense gradient) or the node numbers that look it up.

    As TF: sparse only when every use of the source is a row lookup of it (any other
    use, or the source as a target, makes the gradient dense).
    """
    uses: dict[int, list] = {}
    for k, (spec, in_slots, _out) in enumerate(nodes):
        for pos, s in enumerate(in_slots):
            uses.setdefault(s, []).append((k, pos, spec))
    produced = {s for _spec, _in, outs in nodes for s in outs}
    out = []
    for group in source_groups:
        lookups = []
        for s in group:
            if s in target_slots or s in produced:
                lookups = None
                break
            for k, pos, spec in uses.get(s, ()):
                rule = getattr(spec.fn, "_jt_row_gather", None)
                if pos != 0 or rule is None or len(nodes[k][1]) != 2 or not rule(spec):
                    lookups = None
                    break
                lookups.append(k)
            if lookups is None:
                break
        out.append(tuple(lookups) if lookups else None)
    return tuple(out)


class Program:
    """Pure functions for one graph structure, compiled once the structure repeats."""

    __slots__ = (
        "nodes",
        "input_slots",
        "target_slots",
        "source_groups",
        "captured_slots",
        "uses",
        "sparse",
        "custom",
        "_jitted",
        "__weakref__",
    )

    def __init__(self, plan: Plan) -> None:
        self.nodes = plan.nodes
        self.input_slots = plan.input_slots
        self.target_slots = plan.target_slots
        self.source_groups = tuple(g for g in plan.source_groups if g)
        self.captured_slots = plan.captured_slots
        self.uses = 0
        self._jitted: dict = {}
        # Per connected source: None, or the row lookups giving it an IndexedSlices
        # gradient (two outputs: values, indices). None altogether when all are dense.
        sparse = _sparse_plan(self.nodes, self.source_groups, self.target_slots)
        self.sparse = sparse if any(x is not None for x in sparse) else None
        # custom_gradient nodes: their grad_fn may answer None for an input
        self.custom = tuple(
            k for k, (spec, _i, _o) in enumerate(self.nodes) if hasattr(spec.fn, "_jt_none_grads")
        )

    def cut_by_none(self) -> list[bool]:
        """Per connected source: whether every path to a target passes an input that a
        ``custom_gradient``'s grad_fn answered None for (TF: a None gradient).

        Valid after ``backward`` ran (or was traced) for this program.
        """
        cut = {(k, p) for k in self.custom for p in self.nodes[k][0].fn._jt_none_grads}
        if not cut:
            return [False] * len(self.source_groups)
        targets = set(self.target_slots)
        out = []
        for group in self.source_groups:
            reach = set(group)
            for k, (_spec, in_slots, out_slots) in enumerate(self.nodes):
                if any(s in reach and (k, p) not in cut for p, s in enumerate(in_slots)):
                    reach.update(out_slots)
            out.append(not (reach & targets))
        return out

    # reverse mode ------------------------------------------------------------
    def backward(self, *flat):
        """``(*input_values, *target_cts) -> grads`` for each connected source.

        A sparse source (see ``sparse``) gives two arrays: the rows' cotangents and
        their indices, later uses first (TF's order).
        """
        if self.sparse is not None:
            return self._backward_sparse(flat)
        n = len(self.input_slots)
        vals = dict(zip(self.input_slots, flat[:n]))
        cts: dict = {}
        for s, c in zip(self.target_slots, flat[n:]):
            cts[s] = cts[s] + c if s in cts else c
        for spec, in_slots, out_slots in reversed(self.nodes):
            out_cts = tuple(cts.get(s) for s in out_slots)
            if all(c is None for c in out_cts):
                continue
            in_cts = spec.vjp(tuple(vals[s] for s in in_slots), out_cts)
            for s, c in zip(in_slots, in_cts):
                if c is not None:
                    cts[s] = cts[s] + c if s in cts else c
        out = []
        for group in self.source_groups:
            total = None
            for s in group:
                c = cts.get(s)
                if c is not None:
                    total = c if total is None else total + c
            out.append(total)
        return tuple(out)

    def _backward_sparse(self, flat):
        n = len(self.input_slots)
        vals = dict(zip(self.input_slots, flat[:n]))
        cts: dict = {}
        for s, c in zip(self.target_slots, flat[n:]):
            cts[s] = cts[s] + c if s in cts else c
        lookup_of: dict[int, list] = {}
        for i, ks in enumerate(self.sparse):
            for k in ks or ():
                lookup_of.setdefault(k, []).append(i)
        rows: list[list] = [[] for _ in self.sparse]
        for k in range(len(self.nodes) - 1, -1, -1):
            spec, in_slots, out_slots = self.nodes[k]
            out_cts = tuple(cts.get(s) for s in out_slots)
            if all(c is None for c in out_cts):
                continue
            owners = lookup_of.get(k)
            if owners is not None:  # a row lookup of a sparse source: keep its rows
                params, ids = (vals[s] for s in in_slots)
                if not jnp.issubdtype(ids.dtype, jnp.integer):
                    ids = ids.astype(jnp.int32)
                found = (out_cts[0].reshape((-1, *params.shape[1:])), ids.reshape(-1))
                for i in owners:
                    rows[i].append(found)
                continue
            in_cts = spec.vjp(tuple(vals[s] for s in in_slots), out_cts)
            for s, c in zip(in_slots, in_cts):
                if c is not None:
                    cts[s] = cts[s] + c if s in cts else c
        out = []
        for group, lookups, found in zip(self.source_groups, self.sparse, rows):
            if lookups is not None:
                params = vals[group[0]]
                if not found:
                    empty = jnp.zeros((0, *params.shape[1:]), params.dtype)
                    found = [(empty, jnp.zeros(0, jnp.int32))]
                out.append(jnp.concatenate([v for v, _ in found]))
                out.append(jnp.concatenate([ix for _, ix in found]))
                continue
            total = None
            for s in group:
                c = cts.get(s)
                if c is not None:
                    total = c if total is None else total + c
            out.append(total)
        return tuple(out)

    # forward replay ------------------------------------------------------------
    def replay(self, source_values, captured_values):
        """``F(sources, captured) -> targets``: the recorded forward computation."""
        vals = dict(zip(self.captured_slots, captured_values))
        for group, v in zip(self.source_groups, source_values):
            for s in group:
                vals[s] = v
        for spec, in_slots, out_slots in self.nodes:
            outs = spec(*[vals[s] for s in in_slots])
            for s, o in zip(out_slots, outs):
                vals[s] = o
        return tuple(vals[s] for s in self.target_slots)

    def jitted(self, name: str, fn):
        """``fn`` (a method of this program) under ``jax.jit``, built once."""
        j = self._jitted.get(name)
        if j is None:

            def traced(*args):
                stats["compiled_traces"] += 1
                return fn(*args)

            j = self._jitted[name] = _xla_options.jit(traced)
        return j


class _ProgramCache:
    def __init__(self) -> None:
        self._programs: OrderedDict = OrderedDict()

    def get(self, plan: Plan) -> tuple[Program, bool]:
        """The program for ``plan`` and whether it should run compiled."""
        if plan.key is None:
            stats["uncacheable"] += 1
            return Program(plan), False
        prog = self._programs.get(plan.key)
        if prog is None:
            prog = Program(plan)
            self._programs[plan.key] = prog
            if len(self._programs) > _MAX_PROGRAMS:
                self._programs.popitem(last=False)
        else:
            self._programs.move_to_end(plan.key)
        prog.uses += 1
        return prog, prog.uses >= COMPILE_AFTER

    def clear(self) -> None:
        self._programs.clear()


programs = _ProgramCache()


class BoundCall:
    """A program's function, bound to one mode; a stable object for use as an op.

    Calling it through :func:`jtape._op.call_op` makes the whole backward pass (or
    jacobian, or jvp) *one recorded node* on any outer tape, whose own lowering then
    differentiates it with ``jax.vjp``: higher-order derivatives need nothing else.
    """

    __slots__ = ("program", "name", "compiled", "__weakref__")

    def __init__(self, program: Program, name: str, compiled: bool) -> None:
        self.program = program
        self.name = name
        self.compiled = compiled

    def __call__(self, *args):
        fn = getattr(self.program, self.name)
        if self.compiled:
            fn = self.program.jitted(self.name, fn)
        else:
            stats["eager_runs"] += 1
        return fn(*args)

    def __hash__(self) -> int:
        return hash((id(self.program), self.name, self.compiled))

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, BoundCall)
            and other.program is self.program
            and other.name == self.name
            and other.compiled == self.compiled
        )


__all__ = [
    "BoundCall",
    "NodeSpec",
    "Plan",
    "Program",
    "build_plan",
    "programs",
    "row_gather",
    "stats",
]
