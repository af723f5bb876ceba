"""Keras' elementwise merge layers besides ``Add``: ``Subtract``, ``Multiply``, ``Average``,
``Maximum``, ``Minimum``.

Each takes a list of tensors (shapes broadcast) and, like ``Add``, passes on the OR of
the input masks. ``Maximum``/``Minimum`` give a tie's gradient to the earlier input, as
TF's ``maximum``/``minimum`` do.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp

from .. import _tf_gradients
from .._math_ops import _truediv
from .._op import op
from ._core_layers import Add


@op(name="subtract")
def _subtract(xs):
    return xs[0] - xs[1]


@op(name="multiply_n")
def _multiply_n(xs):
    return functools.reduce(jnp.multiply, xs)


@op(name="average_n")
def _average_n(xs):
    total = functools.reduce(jnp.add, xs)
    return _truediv(total, jnp.asarray(len(xs), total.dtype))  # integers: TF's `/` dtype


@op(name="maximum_n")
def _maximum_n(xs):
    return functools.reduce(_tf_gradients.maximum, xs)


@op(name="minimum_n")
def _minimum_n(xs):
    return functools.reduce(_tf_gradients.minimum, xs)


class Subtract(Add):
    """``inputs[0] - inputs[1]`` (exactly two inputs).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Subtract()([jt.ones((1, 2)), jt.ones((1, 2))]).numpy().tolist()
        [[0.0, 0.0]]
    """

    def _combine(self, xs):
        if len(xs) != 2:
            raise ValueError(
                "A `Subtract` layer should be called on exactly 2 inputs. Received: "
                f"input_shape={[tuple(x.shape) for x in xs]}"
            )
        return _subtract(xs)


class Multiply(Add):
    """Elementwise product of a list of tensors.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Multiply()([jt.fill([1, 2], 2.0), jt.fill([1, 2], 3.0)]).numpy().tolist()
        [[6.0, 6.0]]
    """

    def _combine(self, xs):
        return _multiply_n(xs)


class Average(Add):
    """Elementwise mean of a list of tensors.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Average()([jt.ones((1, 2)), jt.zeros((1, 2))]).numpy().tolist()
        [[0.5, 0.5]]
    """

    def _combine(self, xs):
        return _average_n(xs)


class Maximum(Add):
    """Elementwise maximum of a list of tensors."""

    def _combine(self, xs):
        return _maximum_n(xs)


class Minimum(Add):
    """Elementwise minimum of a list of tensors."""

    def _combine(self, xs):
        return _minimum_n(xs)
