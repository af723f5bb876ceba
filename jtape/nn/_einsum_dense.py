"""``EinsumDense``: a dense layer given as an einsum equation (``keras.layers.EinsumDense``).

The kernel's shape is read off the equation: a kernel axis that also appears in the
input takes the input's size, one that appears in the output takes ``output_shape``'s.
``MultiHeadAttention`` builds its four projections from it, as Keras does.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from .._op import op
from . import activations as _activations
from . import initializers as _initializers
from . import regularizers as _regularizers
from ._layer import Layer


def _split(equation: str) -> tuple[str, str, str]:
    try:
        inputs, out = equation.replace(" ", "").split("->")
        x, kernel = inputs.split(",")
    except ValueError:
        raise ValueError(
            f"EinsumDense: `equation` must be of the form 'ab,bc->ac'. Received: {equation!r}"
        ) from None
    if "." in equation:
        raise NotImplementedError("EinsumDense: equations with '...' are not supported by jtape")
    return x, kernel, out


@op(name="einsum_dense")
def _einsum_dense(x, kernel, bias, equation):
    y = jnp.einsum(equation, x, kernel)
    return y if bias is None else y + bias


class EinsumDense(Layer):
    """``einsum(equation, inputs, kernel) + bias``.

    ``output_shape`` is the output's shape without the batch axis (an int for one
    axis; ``None`` entries are taken from the input). ``bias_axes`` names the output
    axes the bias spans (from the first of them to the last output axis).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de")
        >>> layer(jt.ones((1, 3, 5))).shape, tuple(layer.kernel.shape)
        ((1, 3, 2, 4), (5, 2, 4))
    """

    def __init__(
        self,
        equation: str,
        output_shape,
        activation=None,
        bias_axes: str | None = None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.equation = equation
        _split(equation)
        self.partial_output_shape = (
            (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        )
        self.activation = _activations.get(activation)
        self.bias_axes = bias_axes
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.kernel = None
        self.bias = None
        self.full_output_shape = None

    def build(self, input_shape) -> None:
        x_spec, k_spec, out_spec = _split(self.equation)
        input_shape = tuple(input_shape)
        if len(input_shape) != len(x_spec):
            raise ValueError(
                f"EinsumDense: the equation expects inputs of rank {len(x_spec)}, got shape "
                f"{input_shape}"
            )
        partial = list(self.partial_output_shape)
        if len(partial) == len(out_spec) - 1:
            partial = [None, *partial]
        if len(partial) != len(out_spec):
            raise ValueError(
                f"EinsumDense: `output_shape` {self.partial_output_shape} does not match the "
                f"output spec {out_spec!r}"
            )
        full = []
        for i, ch in enumerate(out_spec):
            full.append(input_shape[x_spec.index(ch)] if ch in x_spec else partial[i])
        self.full_output_shape = tuple(full)
        kernel_shape = []
        for ch in k_spec:
            if ch in x_spec:
                kernel_shape.append(input_shape[x_spec.index(ch)])
            elif ch in out_spec:
                kernel_shape.append(full[out_spec.index(ch)])
            else:
                raise ValueError(f"EinsumDense: kernel axis {ch!r} is in neither input nor output")
        self.kernel = self.add_weight(
            shape=kernel_shape,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if self.bias_axes:
            first = min(out_spec.index(ch) for ch in self.bias_axes)
            bias_shape = [
                full[out_spec.index(ch)] if ch in self.bias_axes else 1 for ch in out_spec[first:]
            ]
            self.bias = self.add_weight(
                shape=bias_shape,
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )

    def call(self, inputs):
        x_spec, k_spec, out_spec = _split(self.equation)
        y = _einsum_dense(inputs, self.kernel, self.bias, f"{x_spec},{k_spec}->{out_spec}")
        return self.activation(y)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "equation": self.equation,
            "output_shape": list(self.partial_output_shape),
            "activation": _activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
        }
