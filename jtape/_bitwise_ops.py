"""Bitwise ops on integer tensors (``tf.bitwise``).

As TensorFlow: integer dtypes only, both operands of one dtype, and a shift amount
outside ``[0, bits - 1]`` is clamped to that range (``1 << 32`` on int32 is ``1 << 31``,
a negative shift is 0), where numpy and XLA would give 0 or an unspecified value.
"""

from __future__ import annotations

import jax.numpy as jnp

from ._op import op

_INTEGERS = ("integer", "int8, int16, int32, int64, uint8, uint16, uint32, uint64")

bitwise_and = op(jnp.bitwise_and, name="bitwise_and", same_dtype=2, allowed=_INTEGERS)
bitwise_or = op(jnp.bitwise_or, name="bitwise_or", same_dtype=2, allowed=_INTEGERS)
bitwise_xor = op(jnp.bitwise_xor, name="bitwise_xor", same_dtype=2, allowed=_INTEGERS)
invert = op(jnp.invert, name="invert", allowed=_INTEGERS)


def _clamped(y, x):
    bits = jnp.iinfo(x.dtype).bits
    return jnp.clip(y, 0, bits - 1).astype(y.dtype)


@op(name="left_shift", same_dtype=2, allowed=_INTEGERS)
def left_shift(x, y):
    """``x << y``, the shift clamped to ``[0, bits - 1]`` as in TF.

    Example:
        >>> import jtape as jt
        >>> left_shift(jt.constant([1, 1]), jt.constant([3, 40])).numpy().tolist()
        [8, -2147483648]
    """
    return jnp.left_shift(x, _clamped(y, x))


@op(name="right_shift", same_dtype=2, allowed=_INTEGERS)
def right_shift(x, y):
    """``x >> y`` (arithmetic for signed types), the shift clamped to ``[0, bits - 1]``."""
    return jnp.right_shift(x, _clamped(y, x))
