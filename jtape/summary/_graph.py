"""Program graphs for TensorBoard: ``trace_on``/``trace_export`` and ``graph``.

A ``jt.function`` is one XLA program; its jaxpr (the program JAX traces, before XLA
optimizes it) is what the graph dashboard shows. :func:`jaxpr_to_graph_def` writes it
as a ``GraphDef``: one node per jaxpr equation (``op`` is the JAX primitive, e.g.
``dot_general``), a ``Placeholder`` per argument, a ``VarHandleOp`` per Variable read
(named after the Variable), an ``AssignVariableOp`` per Variable written, a ``Const``
per literal and a ``_Retval`` per output; edges carry ``_output_shapes`` and dtypes.
Calls (``jit``, custom derivatives, ``remat``) are inlined under a name scope named
after the called function; ``cond``/``while``/``scan`` are single nodes.

``trace_export`` writes the graphs of the functions run since ``trace_on`` as TF does:
a ``RunMetadata`` with one ``function_graphs`` entry each, in a tensor summary of the
``graph_run_metadata_graph`` plugin.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from jax.extend.core import Literal

from .._state import tracing
from ._writer import state

_log = logging.getLogger("jtape.summary")
_CALLS = (
    "pjit",
    "jit",
    "closed_call",
    "core_call",
    "remat",
    "checkpoint",
    "custom_jvp_call",
    "custom_vjp_call",
    "custom_vjp_call_jaxpr",
)
_lock = threading.Lock()
_trace: dict | None = None


def _dtype_enum(dtype) -> int | None:
    from tensorboard.compat.tensorflow_stub import dtypes

    try:
        return dtypes.as_dtype(np.dtype(dtype)).as_datatype_enum
    except (TypeError, KeyError, ValueError):
        return None


class _GraphBuilder:
    def __init__(self) -> None:
        from tensorboard.compat.proto import graph_pb2

        self.graph = graph_pb2.GraphDef()
        self.graph.versions.producer = 1
        self._used: dict[str, int] = {}

    def unique(self, name: str) -> str:
        n = self._used.get(name, 0)
        self._used[name] = n + 1
        return name if n == 0 else f"{name}_{n}"

    def node(self, name: str, op: str, inputs: list[str], avals: list, **attrs) -> str:
        from tensorboard.compat.proto import attr_value_pb2, tensor_shape_pb2

        node = self.graph.node.add(name=self.unique(name), op=op)
        node.input.extend(inputs)
        shapes = []
        for aval in avals:
            dims = [
                tensor_shape_pb2.TensorShapeProto.Dim(size=int(d))
                for d in getattr(aval, "shape", ())
            ]
            shapes.append(tensor_shape_pb2.TensorShapeProto(dim=dims))
        if shapes:
            node.attr["_output_shapes"].list.shape.extend(shapes)
        if avals and hasattr(avals[0], "dtype"):
            enum = _dtype_enum(avals[0].dtype)
            if enum is not None:
                node.attr["T"].type = enum
        for key, value in attrs.items():
            node.attr[key].CopyFrom(attr_value_pb2.AttrValue(s=str(value).encode()[:1000]))
        return node.name

    def jaxpr(self, jaxpr, scope: str, inputs: list[str]) -> list[str]:
        """Add ``jaxpr``'s equations under ``scope``; ``inputs`` name its invars' producers."""
        env: dict[Any, str] = dict(zip(jaxpr.invars, inputs))
        for var in jaxpr.constvars:
            env[var] = self.node(f"{scope}const", "Const", [], [var.aval])

        def read(atom) -> str:
            if isinstance(atom, Literal):
                return self.node(f"{scope}Const", "Const", [], [atom.aval], value=atom.val)
            if atom not in env:  # a constvar of an open jaxpr
                env[atom] = self.node(f"{scope}const", "Const", [], [atom.aval])
            return env[atom]

        for eqn in jaxpr.eqns:
            name = eqn.primitive.name
            args = [read(a) for a in eqn.invars]
            inner = (
                eqn.params.get("jaxpr")
                or eqn.params.get("call_jaxpr")
                or eqn.params.get("fun_jaxpr")
            )
            if name in _CALLS and inner is not None:
                inner_jaxpr = getattr(inner, "jaxpr", inner)
                sub = f"{scope}{self.unique(str(eqn.params.get('name', name)))}/"
                consts = getattr(inner, "consts", [])
                const_names = [
                    self.node(f"{sub}const", "Const", [], [np.asarray(c)]) for c in consts
                ]
                cv = list(inner_jaxpr.constvars)
                outs = (
                    self.jaxpr(_Open(inner_jaxpr, cv), sub, const_names + args)
                    if cv
                    else self.jaxpr(inner_jaxpr, sub, args)
                )
                for var, out in zip(eqn.outvars, outs):
                    env[var] = out
                continue
            stack = str(eqn.source_info.name_stack)
            node = self.node(
                f"{scope}{stack + '/' if stack else ''}{name}",
                name,
                args,
                [v.aval for v in eqn.outvars],
            )
            for i, var in enumerate(eqn.outvars):
                env[var] = node if i == 0 else f"{node}:{i}"
        return [read(v) for v in jaxpr.outvars]


class _Open:
    """A jaxpr whose constvars are taken as leading inputs."""

    def __init__(self, jaxpr, constvars) -> None:
        self.invars = list(constvars) + list(jaxpr.invars)
        self.constvars = []
        self.eqns = jaxpr.eqns
        self.outvars = jaxpr.outvars


def jaxpr_to_graph_def(closed_jaxpr, input_names=None, output_names=None):
    """A TensorBoard ``GraphDef`` of a (closed) jaxpr; see the module docstring."""
    jaxpr = getattr(closed_jaxpr, "jaxpr", closed_jaxpr)
    builder = _GraphBuilder()
    input_names = list(input_names or [])
    inputs = []
    for i, var in enumerate(jaxpr.invars):
        label = input_names[i] if i < len(input_names) else None
        if label and label[0] == "var":
            inputs.append(builder.node(label[1], "VarHandleOp", [], [var.aval]))
        else:
            inputs.append(
                builder.node(label[1] if label else f"args_{i}", "Placeholder", [], [var.aval])
            )
    consts = list(getattr(closed_jaxpr, "consts", []))
    const_names = [builder.node("const", "Const", [], [v.aval]) for v in jaxpr.constvars]
    del consts
    outs = builder.jaxpr(
        _Open(jaxpr, jaxpr.constvars) if jaxpr.constvars else jaxpr, "", const_names + inputs
    )
    output_names = list(output_names or [])
    for i, (var, out) in enumerate(zip(jaxpr.outvars, outs)):
        label = output_names[i] if i < len(output_names) else None
        if label and label[0] == "var":
            builder.node(f"{label[1]}/Assign", "AssignVariableOp", [out], [var.aval])
        else:
            builder.node(f"output_{i}" if not label else label[1], "_Retval", [out], [var.aval])
    return builder.graph


def _var_name(v) -> str:
    return str(getattr(v, "name", "variable")).split(":")[0]


def function_graph_def(function, args: tuple, kwargs: dict):
    """The ``GraphDef`` of the program ``function(*args, **kwargs)`` runs (jt.function)."""
    from .._function import _avals, _signature

    if function.input_signature is not None:
        args, kwargs = function._apply_signature(args, kwargs)
    static_key, dyn = _signature(args, kwargs)
    jitted = function._get_jitted()
    donated, kept = function._partition
    traced = jitted.trace(static_key, [v._value for v in donated], [v._value for v in kept], dyn)
    inputs = [("var", _var_name(v)) for v in donated + kept]
    inputs += [("arg", f"args_{i}") for i in range(len(dyn))]
    written = function._out_meta.get((static_key, _avals(dyn)), (None, None, []))[2]
    outputs = [("var", _var_name(v)) for v in written]
    return jaxpr_to_graph_def(traced.jaxpr, inputs, outputs)


def _observe(function, args, kwargs) -> None:
    trace = _trace
    if trace is None:
        return
    key = (id(function), len(args), tuple(sorted(kwargs)))
    try:
        graph_def = function_graph_def(function, args, kwargs)
    except Exception as e:  # a graph we cannot draw must not stop the program
        _log.warning("trace_on: could not record the graph of %s: %s", function, e)
        return
    with _lock:
        trace["graphs"].setdefault(key, (function.__name__, graph_def))


def trace_on(
    graph: bool = True, profiler: bool = False, profiler_outdir: str | None = None
) -> None:
    """Start recording the programs of the ``jt.function`` calls that follow.

    ``trace_export`` writes them to the default writer. ``profiler=True`` also runs
    ``jax.profiler`` into ``profiler_outdir`` until export (see ``docs/tensorboard.md``).
    """
    global _trace
    from .. import _function

    if tracing():
        _log.warning("Cannot enable trace inside a tf.function.")
        return
    with _lock:
        if _trace is not None:
            _log.warning("Trace already enabled")
            return
        _trace = {"graph": graph, "profiler": False, "graphs": {}}
    if graph or profiler:
        _function.call_observers.append(_observe)
    if profiler:
        if profiler_outdir is None:
            _log.warning("No `profiler_outdir` passed to trace_on(). Profiler won't be enabled.")
        else:
            from ..profiler import _start

            _start(profiler_outdir)
            _trace["profiler"] = True


def trace_export(name: str, step=None, profiler_outdir: str | None = None) -> None:
    """Stop the trace and write the recorded program graphs under ``name``.

    Written like TF's: a ``RunMetadata`` with one ``function_graphs`` entry per
    function run (its ``pre_optimization_graph`` is the jaxpr as a ``GraphDef``), in a
    tensor summary of TensorBoard's ``graph_run_metadata_graph`` plugin.
    """
    from tensorboard.compat.proto import config_pb2

    from ._ops import BLOB_SEQUENCE, _metadata, _record, _strings_proto

    if tracing():
        _log.warning("Cannot export trace inside a tf.function.")
        return
    with _lock:
        if _trace is None:
            raise ValueError("Must enable trace before export through tf.summary.trace_on.")
        graphs = list(_trace["graphs"].values())
    run_metadata = config_pb2.RunMetadata()
    for _, graph_def in graphs:
        run_metadata.function_graphs.add().pre_optimization_graph.CopyFrom(graph_def)
    blob = run_metadata.SerializeToString()
    md = _metadata("graph_run_metadata_graph", BLOB_SEQUENCE, None, b"1")
    try:
        _record(name, step, md, [], lambda: _strings_proto([blob], [1]))
    finally:
        trace_off()


def trace_off() -> None:
    """Stop the trace and discard what it recorded."""
    global _trace
    from .. import _function

    with _lock:
        trace, _trace = _trace, None
    if trace is None:
        return
    if _observe in _function.call_observers:
        _function.call_observers.remove(_observe)
    if trace["profiler"]:
        from ..profiler import _stop

        try:
            _stop()
        except Exception as e:  # as TF: a profiler error only warns
            _log.warning("Error while stopping profiler: %s", e)


def graph(graph_data) -> bool:
    """Write a run-level graph (``tf.summary.graph``): a ``GraphDef`` or a jaxpr.

    Eager only. Returns whether it was written (False without a default writer).
    """
    from tensorboard.compat.proto import event_pb2, graph_pb2

    from ._ops import _recording

    if tracing():
        raise ValueError("graph() cannot be invoked inside a graph context.")
    writer = state.writer
    if writer is None:
        return False
    if not isinstance(graph_data, graph_pb2.GraphDef):
        graph_data = jaxpr_to_graph_def(graph_data)
    if _recording() is None:
        return False
    writer._add_event(event_pb2.Event(graph_def=graph_data.SerializeToString()))
    return True
