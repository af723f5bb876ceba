"""``tf.bitwise``: TensorFlow's bitwise names over jtape ops (naming only)."""

from __future__ import annotations

from .. import _bitwise_ops as B
from ._api import tf_api
from ._missing import missing

UNARY = {"invert": B.invert}
BINARY = {
    "bitwise_and": B.bitwise_and,
    "bitwise_or": B.bitwise_or,
    "bitwise_xor": B.bitwise_xor,
    "left_shift": B.left_shift,
    "right_shift": B.right_shift,
}

_API = {
    **{n: tf_api(f, tf_name=n, tensors=("x",), positional=("x",)) for n, f in UNARY.items()},
    **{
        n: tf_api(f, tf_name=n, tensors=("x", "y"), positional=("x", "y"))
        for n, f in BINARY.items()
    },
}
globals().update(_API)
__all__ = sorted(_API)
__getattr__ = missing("tf.bitwise")
