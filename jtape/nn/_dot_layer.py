"""Keras' ``Dot`` merge layer: a batchwise dot product of two tensors along one axis each."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .._op import op
from ._layer import Layer

# Keras' backend epsilon: ``Dot(normalize=True)`` caps 1/||x|| at 1/epsilon.
_EPSILON = 1e-7


def _l2_normalize(x, axis):
    inv = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    cap = 1.0 / _EPSILON
    if cap > float(jnp.finfo(x.dtype).max):  # float16: the cap is inf, as TF's cast makes it
        cap = float("inf")
    return x * jnp.minimum(inv, jnp.asarray(cap, x.dtype))


@op(name="batch_dot")
def _batch_dot(x, y, axes, normalize):
    a0, a1 = axes
    if normalize:
        x, y = _l2_normalize(x, a0), _l2_normalize(y, a1)
    # per example: x's remaining axes, then y's remaining axes
    out = jax.vmap(lambda u, v: jnp.tensordot(u, v, axes=(a0 - 1, a1 - 1)))(x, y)
    return out[:, None] if out.ndim == 1 else out


class Dot(Layer):
    """``sum(x * y)`` along ``axes`` for each example of two inputs (``keras.layers.Dot``).

    ``axes`` is one axis for both inputs or a pair ``(axis_of_x, axis_of_y)``; the batch
    axis 0 cannot be one. The output has ``x``'s remaining axes, then ``y``'s (at least
    ``(batch, 1)``). With ``normalize=True`` both inputs are first L2-normalized along
    their axis, so the result is the cosine similarity.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> x = jt.constant([[1.0, 2.0]])
        >>> nn.Dot(axes=1)([x, x]).numpy().tolist()
        [[5.0]]
    """

    def __init__(self, axes, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    "Invalid type for argument `axes`: it should be a list or an int. "
                    f"Received: axes={axes!r}"
                )
            if len(axes) != 2:
                raise ValueError(
                    "Invalid format for argument `axes`: it should contain two elements. "
                    f"Received: axes={axes!r}"
                )
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError(
                    "Invalid format for argument `axes`: list elements should be integers. "
                    f"Received: axes={axes!r}"
                )
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _resolved_axes(self, shape1, shape2) -> tuple[int, int]:
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        return pair[0] % len(shape1), pair[1] % len(shape2)

    def compute_mask(self, inputs, mask=None):
        return None

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={inputs!r}"
            )
        x, y = inputs
        shape1, shape2 = tuple(x.shape), tuple(y.shape)
        if len(shape1) < 2 or len(shape2) < 2:
            raise ValueError(
                "Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes "
                f"{shape1} and {shape2}."
            )
        if shape1[0] != shape2[0]:
            raise ValueError(
                "Cannot do batch_dot on inputs with different batch sizes. Received inputs "
                f"with shapes {shape1} and {shape2}."
            )
        a0, a1 = self._resolved_axes(shape1, shape2)
        if 0 in (a0, a1):
            raise ValueError(
                "Cannot perform batch_dot over axis 0. If your inputs are not batched, add a "
                "dummy batch dimension to your inputs using keras.ops.expand_dims(x, 0)"
            )
        if shape1[a0] != shape2[a1]:
            raise ValueError(
                f"Incompatible input shapes: axis values {shape1[a0]} (at axis {a0}) != "
                f"{shape2[a1]} (at axis {a1}). Full input shapes: {shape1}, {shape2}"
            )
        return _batch_dot(x, y, (a0, a1), bool(self.normalize))

    def compute_output_shape(self, input_shape):
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        a0, a1 = self._resolved_axes(shape1, shape2)
        shape1.pop(a0)
        shape2.pop(a1)
        shape2.pop(0)
        out = shape1 + shape2
        return tuple(out + [1] if len(out) == 1 else out)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}
