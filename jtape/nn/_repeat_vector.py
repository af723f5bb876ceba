"""``RepeatVector``: ``(batch, features) -> (batch, n, features)``, as in Keras."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from .._op import op
from ._layer import Layer

_repeat = op(lambda x, n: jnp.repeat(x[:, None, :], n, axis=1), name="repeat_vector")


class RepeatVector(Layer):
    """Repeat a 2-D input ``n`` times along a new axis 1.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.RepeatVector(3)(jt.constant([[1.0, 2.0]])).numpy().tolist()
        [[[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]]
    """

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = n

    def call(self, inputs):
        if inputs.ndim != 2:
            raise ValueError(
                f"Input {self.name!r} of layer RepeatVector: expected ndim=2, found "
                f"ndim={inputs.ndim}. Full shape received: {tuple(inputs.shape)}"
            )
        return _repeat(inputs, self.n)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n": self.n}
