"""Thread-local state shared by tapes, variables and compiled functions.

Two stacks live here, one per thread:

* ``recorders``: the active GradientTapes and ForwardAccumulators. Every op checks it
  once; an empty list means nothing is recorded.
* ``frames``: the stack of variable *frames*. A frame intercepts Variable reads,
  writes and creations; ``jt.function`` pushes one while it traces, so Variables are
  turned into explicit inputs and outputs of the compiled program.
"""

from __future__ import annotations

import threading


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.recorders: list = []
        self.frames: list = []


state = _ThreadState()


def active_recorders() -> list:
    return state.recorders


def current_frame():
    frames = state.frames
    return frames[-1] if frames else None
