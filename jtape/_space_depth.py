"""``depth_to_space`` / ``space_to_depth``: blocks of pixels moved to and from channels.

Channel ``(i * block + j) * C + c`` of an input pixel is output pixel ``(i, j)`` of its
block, channel ``c``, as in TF (NHWC, and NCHW as TF's GPU kernel; TF's CPU has no
NCHW kernel).
"""

from __future__ import annotations

import jax.numpy as jnp

from ._op import op
from ._op_errors import InvalidArgumentError
from ._tensor import Tensor


def _check(x, block_size, data_format: str, op_name: str) -> tuple[int, bool]:
    block = int(block_size)
    if block < 2:
        raise InvalidArgumentError(
            f"Value for attr 'block_size' of {block} must be at least minimum 2"
        )
    fmt = str(data_format).upper()
    if fmt == "NCHW_VECT_C":
        raise InvalidArgumentError(
            f"{op_name}: data_format 'NCHW_VECT_C' is not supported by jtape"
        )
    if fmt not in ("NHWC", "NCHW"):
        raise InvalidArgumentError(
            f"Value for attr 'data_format' of \"{data_format}\" is not in the list of allowed "
            'values: "NHWC", "NCHW", "NCHW_VECT_C"'
        )
    if jnp.ndim(x) != 4:
        raise InvalidArgumentError(
            f"Input rank should be: 4 instead of: {jnp.ndim(x)} [Op:{op_name}]"
        )
    return block, fmt == "NHWC"


@op(name="depth_to_space")
def _d2s(x, block, nhwc):
    if nhwc:
        b, h, w, c = x.shape
        c2 = c // (block * block)
        y = x.reshape(b, h, w, block, block, c2).transpose(0, 1, 3, 2, 4, 5)
        return y.reshape(b, h * block, w * block, c2)
    b, c, h, w = x.shape
    c2 = c // (block * block)
    y = x.reshape(b, block, block, c2, h, w).transpose(0, 3, 4, 1, 5, 2)
    return y.reshape(b, c2, h * block, w * block)


@op(name="space_to_depth")
def _s2d(x, block, nhwc):
    if nhwc:
        b, h, w, c = x.shape
        y = x.reshape(b, h // block, block, w // block, block, c).transpose(0, 1, 3, 2, 4, 5)
        return y.reshape(b, h // block, w // block, c * block * block)
    b, c, h, w = x.shape
    y = x.reshape(b, c, h // block, block, w // block, block).transpose(0, 3, 5, 1, 2, 4)
    return y.reshape(b, c * block * block, h // block, w // block)


def depth_to_space(input, block_size: int, data_format: str = "NHWC") -> Tensor:  # noqa: A002
    """Move ``block_size x block_size`` groups of channels into spatial blocks.

    Example:
        >>> import jtape as jt
        >>> depth_to_space(jt.reshape(jt.range(4.0), (1, 1, 1, 4)), 2).numpy()[0, :, :, 0].tolist()
        [[0.0, 1.0], [2.0, 3.0]]
    """
    block, nhwc = _check(input, block_size, data_format, "DepthToSpace")
    depth = jnp.shape(input)[3 if nhwc else 1]
    if depth % (block * block):
        raise InvalidArgumentError(
            f"Input depth dimension {depth} should be divisible by: {block * block} "
            "[Op:DepthToSpace]"
        )
    return _d2s(input, block, nhwc)


def space_to_depth(input, block_size: int, data_format: str = "NHWC") -> Tensor:  # noqa: A002
    """Move ``block_size x block_size`` spatial blocks into channels (inverse of
    :func:`depth_to_space`).

    Example:
        >>> import jtape as jt
        >>> space_to_depth(jt.reshape(jt.range(4.0), (1, 2, 2, 1)), 2).numpy().ravel().tolist()
        [0.0, 1.0, 2.0, 3.0]
    """
    block, nhwc = _check(input, block_size, data_format, "SpaceToDepth")
    shape = jnp.shape(input)
    h, w = shape[1:3] if nhwc else shape[2:4]
    if h % block or w % block:
        raise InvalidArgumentError(
            f"Image width {w} and height {h} should be divisible by block_size: {block} "
            "[Op:SpaceToDepth]"
        )
    return _s2d(input, block, nhwc)
