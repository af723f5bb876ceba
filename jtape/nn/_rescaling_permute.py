"""``Rescaling`` (``x * scale + offset`` in the compute dtype) and ``Permute`` (reorder the
non-batch axes), as Keras defines them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp

from .._op import op
from ._layer import Layer


@op(name="rescale")
def _rescale(x, scale, offset, dtype):
    x = x.astype(dtype)
    return x * jnp.asarray(scale, dtype) + jnp.asarray(offset, dtype)


class Rescaling(Layer):
    """``inputs * scale + offset``, cast to the layer's compute dtype first (an image's
    uint8 pixels become float32).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Rescaling(1 / 255)(jt.constant([[255]], jt.uint8)).numpy().tolist()
        [[1.0]]
    """

    def __init__(self, scale, offset=0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset

    def call(self, inputs):
        return _rescale(inputs, self.scale, self.offset, self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


@op(name="permute")
def _permute(x, axes):
    return jnp.transpose(x, axes)


class Permute(Layer):
    """Reorder the non-batch axes: ``dims`` is a permutation of ``1..rank-1``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Permute((2, 1))(jt.zeros((4, 2, 3))).shape
        (4, 3, 2)
    """

    def __init__(self, dims: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={dims}"
            )

    def call(self, inputs):
        if len(inputs.shape) != len(self.dims) + 1:
            raise ValueError(
                f"Permute {self.name!r}: expected inputs of rank {len(self.dims) + 1} "
                f"(dims={self.dims}), got shape {tuple(inputs.shape)}"
            )
        return _permute(inputs, (0, *self.dims))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": self.dims}
