"""Keras' parametric activation layers beyond ``ReLU``/``LeakyReLU``/``Softmax``: ``ELU``
and ``PReLU`` (a learned slope for negative inputs)."""

from __future__ import annotations

from typing import Any

import jax

from .._op import op
from . import activations as _activations
from . import initializers as _initializers
from . import regularizers as _regularizers
from ._layer import Layer


class ELU(Layer):
    """``x`` if positive else ``alpha * (exp(x) - 1)``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> round(float(nn.ELU()(jt.constant([-1.0]))[0]), 5)
        -0.63212
    """

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return _activations.elu(inputs, alpha=self.alpha)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha}


@op(name="prelu")
def _prelu(x, alpha):
    return jax.nn.relu(x) - alpha * jax.nn.relu(-x)


class PReLU(Layer):
    """``max(x, 0) - alpha * max(-x, 0)`` with a learned ``alpha`` per input entry
    (shared along ``shared_axes``, counted from 1 as in Keras).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.PReLU(alpha_initializer=jt.nn.initializers.Constant(0.5))(
        ...     jt.constant([[-2.0, 3.0]])).numpy().tolist()
        [[-1.0, 3.0]]
    """

    def __init__(
        self,
        alpha_initializer="Zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer = _initializers.get(alpha_initializer)
        self.alpha_regularizer = _regularizers.get(alpha_regularizer)
        self.alpha_constraint = alpha_constraint
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = tuple(int(a) for a in shared_axes)
        else:
            self.shared_axes = (int(shared_axes),)

    def build(self, input_shape) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(
                f"PReLU {self.name!r}: every non-shared axis must be known, got "
                f"input_shape={tuple(input_shape)}"
            )
        self.alpha = self.add_weight(
            shape=tuple(shape),
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
            name="alpha",
        )

    def call(self, inputs):
        return _prelu(inputs, self.alpha)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "alpha_initializer": _initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": _regularizers.serialize(self.alpha_regularizer)
            if self.alpha_regularizer is not None
            else None,
            "alpha_constraint": None,
            "shared_axes": self.shared_axes,
        }
