"""``tf.keras.backend``: the few helpers tape-style scripts use."""

from __future__ import annotations

from ...nn import clear_session as clear_session
from .._missing import missing

_FLOATX = "float32"


def floatx() -> str:
    return _FLOATX


def epsilon() -> float:
    return 1e-7


__all__ = ["clear_session", "epsilon", "floatx"]
__getattr__ = missing("tf.keras.backend")
