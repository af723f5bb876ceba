"""``tf.math.special``: TensorFlow's special functions that JAX provides (naming only).

Missing here (no JAX counterpart): the Bessel J/Y/K families, ``dawsn``, ``fresnel_*``.
"""

from __future__ import annotations

from .. import _special_math_ops as S
from ._api import tf_api
from ._missing import missing

UNARY = {
    "bessel_i0": S.bessel_i0,
    "bessel_i0e": S.bessel_i0e,
    "bessel_i1": S.bessel_i1,
    "bessel_i1e": S.bessel_i1e,
    "expint": S.expint,
    "spence": S.spence,
}

_API = {n: tf_api(f, tf_name=n, tensors=("x",), positional=("x",)) for n, f in UNARY.items()}
globals().update(_API)
__all__ = sorted(_API)
__getattr__ = missing("tf.math.special")
