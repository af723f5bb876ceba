"""Error types and messages shared across jtape."""

from __future__ import annotations

import os
import traceback

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


class UnconnectedGradientError(ValueError):
    """Raised in strict mode when a gradient would be None; the message says why."""


class NotDifferentiableError(ValueError):
    """Raised when a gradient cannot be computed (for example an unbounded loop)."""


def user_frame() -> traceback.FrameSummary | None:
    """The innermost stack frame outside jtape and JAX: the user's line."""
    for frame in reversed(traceback.extract_stack()):
        path = os.path.abspath(frame.filename)
        if path.startswith(_PKG_DIR) or f"{os.sep}jax{os.sep}" in path:
            continue
        if f"{os.sep}jaxlib{os.sep}" in path or "contextlib" in path:
            continue
        return frame
    return None


def where() -> str:
    frame = user_frame()
    if frame is None:
        return ""
    return f' at {frame.filename}:{frame.lineno} ("{(frame.line or "").strip()}")'


def tensor_as_python_error(what: str) -> TypeError:
    from ._op_errors import OperatorNotAllowedInGraphError

    return OperatorNotAllowedInGraphError(
        f"A jt.Tensor was used as a Python value ({what}){where()} while jt.function was "
        "tracing it, so its value is not known yet. Python `if`/`while` on a tensor need "
        "jt.cond / jt.while_loop, or AutoGraph (jt.function(autograph=True), the default, "
        "which needs the function's source file); for a value known ahead of time, pass it "
        "as a Python number instead of a tensor."
    )
