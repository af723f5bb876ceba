"""User functions of a pipeline (``map``, ``filter``, ...), run on host Tensors.

``tf.data`` traces a ``map`` function once into a graph and runs that graph for
every element. jtape does the same with ``jax.jit``: the function is called once on
Tensors holding tracers, on the host CPU, and the compiled program then runs per
element (or per batch, after ``batch``). Python side effects therefore happen once
per input signature, exactly as in TensorFlow.

A function that cannot be traced (it reads or assigns a Variable, draws from
``jt.random``'s global generator, or calls ``.numpy()`` on its input) falls back to
running eagerly on every element, which is always correct, only slower.
"""

from __future__ import annotations

import functools
import itertools
import threading

import jax
import jax.numpy as jnp
import numpy as np

from .._custom_gradient import _isolated
from .._key_order import KeyOrderedTree, key_orders, reorder
from .._tensor import Tensor
from . import _structure

#: Elements per compiled call when ``map`` can vectorize its function.
CHUNK = 64


class _NeedsEager(Exception):
    """Raised inside a trace when the function touches state."""


class _StatelessFrame:
    """A variable frame that refuses every Variable access (so the trace is pure)."""

    def read(self, var):
        raise _NeedsEager

    def write(self, var, value):
        raise _NeedsEager

    def on_create(self, var, value):
        raise _NeedsEager


@functools.lru_cache(maxsize=1)
def host_device():
    """The CPU device: input pipelines run on the host, as in TensorFlow."""
    return jax.devices("cpu")[0]


def _to_raw(x):
    if isinstance(x, Tensor):
        return x._value
    if hasattr(x, "_jt_read"):
        return x._jt_read()._value
    return jnp.asarray(_structure.to_host(x))


def _call(fn, element):
    # tf.data unpacks a tuple element into positional arguments, and nothing else.
    if type(element) is tuple:
        return fn(*element)
    return fn(element)


class StructuredFunction:
    """``fn`` applied to host elements, traced and compiled once per element signature."""

    def __init__(self, fn, what: str) -> None:
        if not callable(fn):
            raise TypeError(f"{what}: expected a callable, got {type(fn).__name__}")
        self.fn = fn
        self.what = what
        self.eager = False
        self._jitted = jax.jit(self._pure)
        self._vmapped = jax.jit(jax.vmap(self._pure))
        self.vectorize = True
        self._out_order = None  # the key order of fn's returned dicts (see _pure)

    def _pure(self, element):
        wrapped = _structure.map_structure(Tensor, element)
        with _isolated([], _StatelessFrame()):
            out = _call(self.fn, wrapped)
        out = _structure.lists_to_tuples(out)
        # JAX rebuilds the returned dicts in sorted key order: note the function's own
        # order, which outputs get back (as TF keeps it)
        self._out_order = key_orders(out)
        return _structure.map_structure(_to_raw, out)

    def _run_eager(self, element):
        wrapped = _structure.to_tensors(element)
        with _isolated([]):
            out = _call(self.fn, wrapped)
        return _structure.lists_to_tuples(out)

    def __call__(self, element):
        """``fn(element)`` with a host element in and a host element out."""
        element = _structure.materialize(element)
        with jax.default_device(host_device()):
            if not self.eager:
                leaves, _ = _structure.flatten(element)
                if all(_structure.is_numeric(x) for x in leaves):
                    try:
                        out = self._jitted(element)
                        return reorder(_structure.map_structure(np.asarray, out), self._out_order)
                    except (_NeedsEager, TypeError, jax.errors.JAXTypeError):
                        pass
                self.eager = True
            out = self._run_eager(element)
            return _structure.map_structure(_structure.to_host, out)

    def map_stream(self, elements):
        """``fn`` over a stream, :data:`CHUNK` elements per compiled call where possible.

        A traced function is pure, so applying ``jax.vmap`` of it to a stack of
        elements equals applying it to each one; that replaces a compiled call per
        element (dispatch costs dominate small elements) by one per chunk. Chunks are
        padded to a fixed size so one program serves them all. Elements whose shapes
        differ, and eager functions, go one at a time.
        """
        it = iter(elements)
        while True:
            chunk = list(itertools.islice(it, CHUNK))
            if not chunk:
                return
            out = self._map_chunk(chunk) if self.vectorize and not self.eager else None
            if out is None:
                yield from (self(e) for e in chunk)
            else:
                yield from out

    def _map_chunk(self, chunk):
        n = len(chunk)
        try:
            padded = chunk + [chunk[-1]] * (CHUNK - n) if n > 1 else chunk
            stacked = _structure.stack(padded, self.what)
        except ValueError:
            return None  # different shapes: per element
        leaves, _ = _structure.flatten(stacked)
        if n == 1 or not all(_structure.is_numeric(x) for x in leaves):
            return None
        try:
            with jax.default_device(host_device()):
                out = self._vmapped(stacked)
        except (_NeedsEager, TypeError, jax.errors.JAXTypeError):
            self.vectorize = False
            return None
        out_leaves, treedef = jax.tree_util.tree_flatten(out)
        if self._out_order is not None:
            treedef = KeyOrderedTree(treedef, self._out_order)
        host = [np.asarray(x) for x in out_leaves]
        return [_structure.Row(host, treedef, i) for i in range(n)]

    def output_spec(self, input_spec):
        """The spec of ``fn``'s output, found by running it on placeholder elements.

        Two probes: unknown dimensions set to 1 and values 0, then dimensions 2 and
        values 1. An output dimension that differs between them is unknown (None), which
        also catches eager functions whose output shape depends on values
        (``jt.fill([n], n)``). Under the trace only shapes matter, so that costs nothing.
        """
        probes = []
        for unknown in (1, 2):
            element = _structure.zeros_for(input_spec, unknown, fill=unknown - 1)
            if not self.eager:
                try:
                    with jax.default_device(host_device()):
                        out = jax.eval_shape(self._pure, element)
                    out = reorder(out, self._out_order)
                    probes.append(_structure.map_structure(_spec_of_shaped, out))
                    continue
                except (_NeedsEager, TypeError, jax.errors.JAXTypeError):
                    self.eager = True
            _PROBE.unknown = unknown
            try:
                probes.append(_structure.spec_of(self(element)))
            finally:
                _PROBE.unknown = 0
        spec = jax.tree_util.tree_map(
            lambda a, b: a.most_specific_compatible(b), probes[0], probes[1]
        )
        return reorder(spec, key_orders(probes[0]))


_PROBE = threading.local()


def probing() -> int:
    """While ``output_spec`` runs a function eagerly on a placeholder element: the size
    (1 or 2) it gives unknown dimensions; else 0. Host ops that cannot run on a
    placeholder (``tf.io.parse_example``) answer with outputs of their declared spec."""
    return getattr(_PROBE, "unknown", 0)


def _spec_of_shaped(x) -> _structure.TensorSpec:
    return _structure.TensorSpec(x.shape, x.dtype)
