"""``tf.autodiff``: forward mode and the tape."""

from __future__ import annotations

from .._forward import ForwardAccumulator as ForwardAccumulator
from .._tape import GradientTape as GradientTape
from ._missing import missing

__all__ = ["ForwardAccumulator", "GradientTape"]
__getattr__ = missing("tf.autodiff")
