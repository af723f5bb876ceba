"""Keras' ``GroupNormalization`` and ``UnitNormalization``.

Each layer's computation is one jtape op (a pure JAX function), as for
``LayerNormalization``. As in Keras, GroupNormalization computes in float32 at least and
UnitNormalization in its input's dtype.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .._op import op
from . import initializers as _initializers
from . import regularizers as _regularizers
from ._layer import Layer


def _upcast(x):
    return x.astype(jnp.promote_types(x.dtype, jnp.float32))


@op(name="l2_normalize_keras")
def _unit_normalize(x, axes, epsilon):
    """Keras' ``ops.normalize(order=2)``: ``x * min(rsqrt(sum(x**2)), 1/epsilon)``, in the
    input's own dtype as Keras (float16 sums of squares can overflow there too)."""
    inv = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axes, keepdims=True))
    return x * jnp.minimum(inv, jnp.asarray(1.0 / epsilon, x.dtype))


def _int_axes(axis) -> tuple[int, ...]:
    return tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)


class UnitNormalization(Layer):
    """Scale each example to unit L2 norm over ``axis`` (``keras.layers.UnitNormalization``).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> print(nn.UnitNormalization()(jt.constant([[3.0, 4.0]])).numpy())
        [[0.6 0.8]]
    """

    def __init__(self, axis=-1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(
            isinstance(a, int) and not isinstance(a, bool) for a in axis
        ):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(
                "Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
                f"Received: axis={axis!r}"
            )
        self.supports_masking = True

    def call(self, inputs):
        rank = inputs.ndim
        for a in _int_axes(self.axis):
            if not -rank <= a < rank:
                raise ValueError(
                    f"Axis {self.axis} is out of bounds for input shape "
                    f"{tuple(inputs.shape)}. Received: axis={self.axis}"
                )
        axes = tuple(sorted(a % rank for a in _int_axes(self.axis)))
        return _unit_normalize(inputs, axes, 1e-12)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


@op(name="group_norm")
def _group_norm(x, gamma, beta, axis, groups, eps, out_dtype):
    xc = _upcast(x)
    shape = xc.shape
    grouped = shape[:axis] + (groups, shape[axis] // groups) + shape[axis + 1 :]
    xg = jnp.reshape(xc, grouped)
    # statistics over every axis but the batch and the group axis
    axes = tuple(i for i in range(1, xg.ndim) if i != axis)
    mean = jnp.mean(xg, axis=axes, keepdims=True)
    var = jnp.mean(jnp.square(xg - mean), axis=axes, keepdims=True)
    inv = jax.lax.rsqrt(var + jnp.asarray(eps, xg.dtype))
    bshape = [1] * xg.ndim
    bshape[axis], bshape[axis + 1] = groups, shape[axis] // groups
    if gamma is not None:
        inv = inv * jnp.reshape(gamma, bshape).astype(xg.dtype)
    shift = -mean * inv
    if beta is not None:
        shift = shift + jnp.reshape(beta, bshape).astype(xg.dtype)
    y = xg * inv + shift
    return jnp.reshape(y.astype(x.dtype), shape).astype(out_dtype)


class GroupNormalization(Layer):
    """Normalize each example over groups of channels (``keras.layers.GroupNormalization``).

    The ``axis`` channels are split into ``groups`` groups (``-1``: one per channel,
    instance normalization); each group is normalized with the mean and variance of its
    channels and every non-batch axis, then scaled by ``gamma`` and shifted by ``beta``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> y = nn.GroupNormalization(groups=1, epsilon=0.0)(jt.constant([[1.0, 3.0]]))
        >>> y.numpy().tolist()
        [[-1.0, 1.0]]
    """

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs: Any,
    ) -> None:
        if (
            isinstance(groups, bool)
            or not isinstance(groups, int)
            or (groups <= 0 and groups != -1)
        ):
            raise ValueError(
                "Received an invalid value for argument `groups`, expected a positive "
                f"integer (or `-1` for instance normalization). Received: groups={groups!r}"
            )
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = _initializers.get(beta_initializer)
        self.gamma_initializer = _initializers.get(gamma_initializer)
        self.beta_regularizer = _regularizers.get(beta_regularizer)
        self.gamma_regularizer = _regularizers.get(gamma_regularizer)
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.gamma = None
        self.beta = None
        self.supports_masking = True
        # As Keras: inputs are normalized in their own dtype (float32 at least), and the
        # output is cast to the compute dtype.
        self.autocast = False

    def build(self, input_shape) -> None:
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Axis {self.axis} is out of bounds for input shape {tuple(input_shape)}."
            )
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but the "
                f"layer received an input with shape {tuple(input_shape)}."
            )
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(
                f"Number of groups ({self.groups}) cannot be more than the number of "
                f"channels ({dim})."
            )
        if dim % self.groups != 0:
            raise ValueError(
                f"Number of groups ({self.groups}) must be a multiple of the number of "
                f"channels ({dim})."
            )
        self._channels = dim
        if self.scale:
            self.gamma = self.add_weight(
                shape=(dim,),
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,  # Keras: normalization weights stay float32
                name="gamma",
            )
        if self.center:
            self.beta = self.add_weight(
                shape=(dim,),
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,  # Keras: normalization weights stay float32
                name="beta",
            )

    def call(self, inputs):
        rank = inputs.ndim
        axis = self.axis % rank
        if inputs.shape[axis] != self._channels:
            raise ValueError(
                f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                f"axis {self.axis} of input shape to have value {self._channels}, but "
                f"received input with shape {tuple(inputs.shape)}"
            )
        return _group_norm(
            inputs,
            self.gamma,
            self.beta,
            axis,
            self.groups,
            float(self.epsilon),
            self.compute_dtype,
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": _initializers.serialize(self.beta_initializer),
            "gamma_initializer": _initializers.serialize(self.gamma_initializer),
            "beta_regularizer": _regularizers.serialize(self.beta_regularizer)
            if self.beta_regularizer is not None
            else None,
            "gamma_regularizer": _regularizers.serialize(self.gamma_regularizer)
            if self.gamma_regularizer is not None
            else None,
            "beta_constraint": None,
            "gamma_constraint": None,
        }
