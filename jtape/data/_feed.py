"""Datasets inside ``jt.function``: the compiled program pulls each element from the host.

``for x in dataset`` (and ``iter``/``next``) in a function being traced does not unroll
the dataset. AutoGraph turns the loop into one ``while_loop`` per element shape (the
full batches, then the partial last batch), and every iteration asks the host for the
next element through an ordered ``io_callback``: the body is traced and compiled once
per element shape whatever the number of elements, the data is fed when the program
runs (never embedded in it), and each call of the function iterates the dataset
afresh, as TensorFlow's graph loop does. ``docs/function.md`` explains the choice.

A :class:`Feed` has two sides. At trace time it walks a *shadow* iterator of the
dataset on the host to learn the shapes of the elements (the loop's *plan*); when the
program runs, its callbacks open a fresh host iterator and serve the elements one by
one, checking each against the shape the program was compiled for.
"""

from __future__ import annotations

import collections
import weakref
from collections.abc import Callable, Iterator

import jax
import numpy as np
from jax.experimental import io_callback

from .._tensor import Tensor
from . import _structure

_END = object()


class HostElement:
    """One element as numpy leaves, with the signature (structure, shapes, dtypes)."""

    __slots__ = ("leaves", "treedef", "signature")

    def __init__(self, element) -> None:
        leaves, self.treedef = _structure.flatten(element)
        self.leaves = [_structure.to_host(x) for x in leaves]
        for x in self.leaves:
            if not _structure.is_numeric(x):
                raise TypeError(
                    "a dataset iterated inside jt.function must have numeric elements "
                    f"(got a component of dtype {x.dtype}); iterate it outside the function"
                )
        self.signature = (self.treedef, tuple((x.shape, x.dtype.str) for x in self.leaves))


def describe(signature) -> str:
    return ", ".join(f"{tuple(s)} {np.dtype(d).name}" for s, d in signature[1])


class HostStream:
    """Host elements with a look-ahead buffer (``peek(i)`` does not consume)."""

    def __init__(self, elements: Iterator) -> None:
        self._it = elements
        self._ahead: collections.deque = collections.deque()

    def peek(self, i: int = 0):
        while len(self._ahead) <= i:
            if self._ahead and self._ahead[-1] is _END:
                return _END
            try:
                # The pipeline's own functions (map, filter, ...) run on concrete host
                # values even when a trace pulls the element (the feed's plan).
                with jax.ensure_compile_time_eval():
                    element = next(self._it)
                self._ahead.append(HostElement(element))
            except StopIteration:
                self._ahead.append(_END)
        return self._ahead[i]

    def take(self):
        e = self.peek()
        if e is not _END:
            self._ahead.popleft()
        return e


class Feed:
    """One iteration over a dataset in a program being traced.

    ``opener`` makes a fresh host stream (each program run calls it through the open
    callback); a feed over a stream that outlives the program (an iterator created
    outside the function) has no opener and consumes that stream.
    ``distribute(leaf_tensor)`` turns each fed leaf into what the user sees (a
    ``PerReplica`` for a distributed dataset).
    """

    def __init__(
        self,
        opener: Callable[[], HostStream] | None,
        stream: HostStream | None = None,
        distribute: Callable | None = None,
        check: Callable | None = None,
    ) -> None:
        self._opener = opener
        self._distribute = distribute
        self._check = check or (lambda e: None)
        # Trace time: the shadow the plan is read from (own stream, or a cursor
        # into the persistent one).
        self._shadow = opener() if opener is not None else stream
        self._cursor = 0
        self._stream = stream  # run time: the stream the callbacks serve

    # -- trace time -------------------------------------------------------------------
    def _shadow_next(self):
        if self._opener is not None:
            e = self._shadow.take()
        else:
            e = self._shadow.peek(self._cursor)
            if e is not _END:
                self._cursor += 1
        if e is not _END:
            self._check(e)
        return e

    def plan(self) -> list:
        """The signatures of the remaining elements, one per run of equal ones."""
        if self._opener is None:  # cannot look further without consuming: one run
            e = self._shadow.peek(self._cursor)
            if e is _END:
                return []
            self._check(e)
            return [e]
        runs: list = []
        while True:
            e = self._shadow_next()
            if e is _END:
                return runs
            if not runs or runs[-1].signature != e.signature:
                runs.append(e)

    def begin(self) -> None:
        """Emit the callback that opens a fresh host iterator for this program run."""
        if self._opener is not None:
            io_callback(self._host_open, None, ordered=True)

    def peek(self, example: HostElement) -> Tensor:
        """A traced bool: the next element exists and has ``example``'s signature."""
        sig = example.signature
        has = Tensor(
            io_callback(
                lambda: np.bool_(self._host_matches(sig)),
                jax.ShapeDtypeStruct((), np.bool_),
                ordered=True,
            )
        )
        _made_here([has])
        return has

    def take(self, example: HostElement):
        """The next element (traced), shaped like ``example``."""
        shapes = [jax.ShapeDtypeStruct(x.shape, x.dtype) for x in example.leaves]
        sig = example.signature
        leaves = io_callback(lambda: self._host_take(sig), shapes, ordered=True)
        tensors = [Tensor(x) for x in leaves]
        _made_here(tensors)
        if self._distribute is not None:
            tensors = [self._distribute(t) for t in tensors]
            _made_here(jax.tree_util.tree_leaves(tensors, is_leaf=lambda x: type(x) is Tensor))
        return _structure.unflatten(example.treedef, tensors)

    def next(self):
        """``next(iterator)`` in a trace: the next element, or StopIteration."""
        e = self._shadow_next()
        if e is _END:
            raise StopIteration
        return self.take(e)

    def finish(self, more) -> None:
        """After a loop that ran to its end: the dataset must be exhausted too."""
        if self._opener is None:
            return  # an outside iterator keeps its remaining elements
        if isinstance(more, bool) or more is None:
            if more is False:
                return
            io_callback(self._host_finish, None, np.bool_(True), ordered=True)
            return
        io_callback(self._host_finish, None, more._value, ordered=True)

    # -- run time (host callbacks) ---------------------------------------------------------
    def _host_open(self) -> None:
        self._stream = self._opener()

    def _host_matches(self, sig) -> bool:
        e = self._stream.peek()
        return e is not _END and e.signature == sig

    def _host_take(self, sig):
        e = self._stream.take()
        if e is _END:
            from .._op_errors import OutOfRangeError

            raise OutOfRangeError("End of sequence: the dataset iterator is exhausted")
        if e.signature != sig:
            raise ValueError(
                f"the dataset gave an element of {describe(e.signature)} where the compiled "
                f"program expects {describe(sig)}: its element shapes changed since the "
                "function was traced (call it with a new dataset object to trace again)"
            )
        return e.leaves

    def _host_finish(self, more) -> None:
        if not bool(more):
            return  # the loop was left by `break`/`return`
        e = self._stream.peek()
        if e is not _END:
            raise ValueError(
                f"the dataset gave an element of {describe(e.signature)} that the loop "
                "compiled when the function was traced does not expect (its element "
                "shapes changed since then; call the function with a new dataset object)"
            )


def _made_here(tensors) -> None:
    # Tell the control-flow capture log (a recorder) that these tensors are produced
    # inside the loop body, not closed over from outside it.
    from .._state import state

    for rec in state.recorders:
        mark = getattr(rec, "mark", None)
        if mark is not None:
            mark(tensors)


def tracing() -> bool:
    from .._state import state, tracing

    return bool(state.frames) and tracing()


class TracedIterator:
    """``iter(dataset)`` inside a trace: ``next`` pulls the next element at run time."""

    def __init__(self, feed: Feed) -> None:
        self._feed = feed
        feed.begin()

    def __iter__(self) -> TracedIterator:
        return self

    def __next__(self):
        return self._feed.next()

    def get_next(self):
        return next(self)

    def _jt_traced_feed(self) -> Feed:
        return self._feed


# Per trace (the outermost frame), the feed of an iterator created outside the function.
_OUTSIDE_FEEDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def outside_feed(owner, stream: HostStream, distribute=None, check=None) -> Feed:
    """The feed of an iterator made outside the function, shared by one trace's ``next``s."""
    from .._state import state

    per_trace = _OUTSIDE_FEEDS.setdefault(state.frames[0], {})
    feed = per_trace.get(id(owner))
    if feed is None:
        feed = per_trace[id(owner)] = Feed(None, stream, distribute, check)
    return feed
