"""Thread-local state shared by tapes, variables and compiled functions.

Two stacks live here, one per thread:

* ``recorders``: the active GradientTapes and ForwardAccumulators. Every op checks it
  once; an empty list means nothing is recorded.
* ``frames``: the stack of variable *frames*. A frame intercepts Variable reads,
  writes and creations; ``jt.function`` pushes one while it traces, so Variables are
  turned into explicit inputs and outputs of the compiled program. A frame's
  ``traces`` attribute says whether it is part of a JAX trace.
* ``placers``: hooks that place a new Variable's value (a strategy's ``scope()``
  replicates it over the devices).
"""

from __future__ import annotations

import threading


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.recorders: list = []
        self.frames: list = []
        # Variable placement hooks (a distribution strategy's scope); the last one wins.
        self.placers: list = []
        # A layer's compute dtype while its `call` runs under a mixed dtype policy:
        # reads of its autocast weights are cast to it (Keras' AutocastScope).
        self.autocast = None


state = _ThreadState()


def active_recorders() -> list:
    return state.recorders


def tracing() -> bool:
    """True while a frame that traces (jt.function, a replica program) is active."""
    return any(getattr(f, "traces", True) for f in state.frames)


def current_frame():
    frames = state.frames
    return frames[-1] if frames else None
