"""Keras' core layers: Dense, Flatten, Reshape, Dropout, activations, merges, Embedding,
Masking, BatchNormalization and LayerNormalization.

Layers that keep the time axis (Dense, Dropout, activations, normalizations) set
``supports_masking`` and pass a sequence mask on, as Keras does; Flatten and Reshape
drop it (see :mod:`jtape.nn._masking`).

Each layer's computation is one jtape op (a pure JAX function), so a tape records one
node per layer call and differentiates it with JAX's own VJP.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _tf_gradients
from .._array_ops import _check_range
from .._lowering import row_gather
from .._math_ops import cast as _cast
from .._op import op
from .._random import Generator, get_global_generator
from .._variable import init_scope
from . import activations as _activations
from . import initializers as _initializers
from . import regularizers as _regularizers
from ._layer import Layer
from ._logits import attach_logits
from ._masking import set_keras_mask

# Activations that Dense fuses into its own op (one tape node per layer call instead of
# two). Values are the same pure functions the activations module wraps.
_FUSED: dict[Any, Any] = {
    _activations.linear: None,
    _activations.relu: jax.nn.relu,
    _activations.sigmoid: jax.nn.sigmoid,
    _activations.tanh: jnp.tanh,
    _activations.softmax: jax.nn.softmax,
    _activations.silu: jax.nn.silu,
    _activations.softplus: jax.nn.softplus,
    _activations.elu: jax.nn.elu,
    _activations.selu: _tf_gradients.selu,
    _activations.gelu: functools.partial(jax.nn.gelu, approximate=False),
}


def _check_positive_int(value, name: str, who: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"Received an invalid value for `{name}`, expected a positive integer. "
            f"Received: {name}={value!r} (in {who})"
        )
    return value


# -- Dense ------------------------------------------------------------------------------
# Softmax and sigmoid outputs keep their logits (Keras' rule, see _logits.py), so Dense
# computes both in one op for them.
_KEEPS_LOGITS: dict[Any, str] = {
    _activations.softmax: "Softmax",
    _activations.sigmoid: "Sigmoid",
}


def _affine(x, kernel, bias):
    y = jnp.matmul(x, kernel)
    return y if bias is None else y + bias


@op(name="dense")
def _dense(x, kernel, bias, act):
    y = _affine(x, kernel, bias)
    return y if act is None else act(y)


@op(name="dense_with_logits")
def _dense_with_logits(x, kernel, bias, act):
    y = _affine(x, kernel, bias)
    return y, act(y)


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` on the last axis (``keras.layers.Dense``).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.Dense(3, kernel_initializer="ones")
        >>> layer(jt.ones((2, 4))).numpy().tolist()
        [[4.0, 4.0, 4.0], [4.0, 4.0, 4.0]]
    """

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
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
        self.units = _check_positive_int(units, "units", "Dense")
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.kernel = None
        self.bias = None
        self.supports_masking = True

    def build(self, input_shape) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Dense {self.name!r}: the last dimension of the inputs must be known, got "
                f"input_shape={tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )

    def call(self, inputs):
        op_type = _KEEPS_LOGITS.get(self.activation)
        if op_type is not None:
            act = _FUSED[self.activation]
            logits, outputs = _dense_with_logits(inputs, self.kernel, self.bias, act)
            return attach_logits(outputs, logits, op_type)
        if self.activation in _FUSED:
            return _dense(inputs, self.kernel, self.bias, _FUSED[self.activation])
        return self.activation(_dense(inputs, self.kernel, self.bias, None))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": _activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }


# -- shape layers -----------------------------------------------------------------------
@op(name="flatten")
def _flatten(x, channels_first):
    if channels_first and x.ndim > 2:
        x = jnp.moveaxis(x, 1, -1)
    return jnp.reshape(x, (x.shape[0], -1)) if x.ndim > 1 else x[:, None]


class Flatten(Layer):
    """Flatten all but the batch axis: ``(batch, ...) -> (batch, prod(...))``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Flatten()(jt.zeros((2, 3, 4))).shape
        (2, 12)
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)

    def call(self, inputs):
        return _flatten(inputs, self.data_format == "channels_first")


def _data_format(value) -> str:
    value = "channels_last" if value is None else str(value).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"The `data_format` argument must be one of 'channels_first', 'channels_last'. "
            f"Received: {value!r}"
        )
    return value


_reshape = op(lambda x, shape: jnp.reshape(x, shape), name="reshape")


class Reshape(Layer):
    """Reshape the non-batch axes to ``target_shape`` (one entry may be -1).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Reshape((3, 2))(jt.zeros((5, 6))).shape
        (5, 3, 2)
    """

    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        try:
            target = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise ValueError(
                f"Reshape: `target_shape` must be a tuple of ints, got {target_shape!r}"
            ) from None
        if sum(d == -1 for d in target) > 1 or any(d < -1 or d == 0 for d in target):
            raise ValueError(
                f"Reshape: `target_shape` must hold positive ints and at most one -1, got {target}"
            )
        self.target_shape = target

    def _resolved(self, input_shape) -> tuple:
        size = math.prod(input_shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if size % known:
                raise ValueError(
                    f"Reshape {self.name!r}: cannot reshape input of shape {tuple(input_shape)}"
                    f" to (batch,) + {self.target_shape}"
                )
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known != size:
            raise ValueError(
                f"Reshape {self.name!r}: total size of new array must be unchanged, "
                f"input_shape = {tuple(input_shape[1:])}, output_shape = {self.target_shape}"
            )
        return self.target_shape

    def call(self, inputs):
        return _reshape(inputs, (inputs.shape[0],) + self._resolved(inputs.shape))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": self.target_shape}


# -- Dropout ----------------------------------------------------------------------------
@op(name="dropout")
def _dropout(x, key_data, rate, noise_shape):
    keep_prob = 1.0 - rate
    shape = tuple(x.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    keep = jax.random.bernoulli(jax.random.wrap_key_data(key_data), keep_prob, shape)
    return jnp.where(keep, x / jnp.asarray(keep_prob, x.dtype), jnp.zeros((), x.dtype))


def _layer_generator(seed) -> Generator:
    """A generator for one layer: from ``seed``, or split off the global generator."""
    with init_scope():  # a layer created inside jt.function still gets concrete state
        if seed is None:
            return get_global_generator().split(1)[0]
        return Generator(int(seed))


class Dropout(Layer):
    """Zero a ``rate`` fraction of inputs in training, scaling the rest by ``1/(1-rate)``.

    The random keys come from a ``jt.random.Generator`` held by the layer, so a seeded
    layer is reproducible and works inside ``jt.function`` (each call advances the
    generator's state Variable). Unseeded layers split a generator off
    ``jt.random.get_global_generator()`` when created, so ``jt.random.set_seed`` makes
    them reproducible too.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.Dropout(0.5, seed=0)
        >>> x = jt.ones((1, 4))
        >>> layer(x).numpy().tolist()  # inference: the identity
        [[1.0, 1.0, 1.0, 1.0]]
        >>> set(layer(x, training=True).numpy().ravel().tolist()) <= {0.0, 2.0}
        True
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate`. Expected a float value between "
                f"0 and 1. Received: rate={rate!r}"
            )
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.generator = _layer_generator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            from .._array_ops import zeros_like

            return zeros_like(inputs)
        noise_shape = self.noise_shape or (None,) * inputs.ndim
        if len(noise_shape) != inputs.ndim:
            raise ValueError(
                f"Dropout {self.name!r}: noise_shape {self.noise_shape} must have rank "
                f"{inputs.ndim}, the rank of the inputs"
            )
        key = self.generator.next_key_data()
        return _dropout(inputs, key, self.rate, tuple(noise_shape))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rate": self.rate,
            "noise_shape": self.noise_shape,
            "seed": self.seed,
        }


# -- activation layers ------------------------------------------------------------------
class Activation(Layer):
    """Apply an activation function (a name such as ``"relu"`` or a callable).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Activation("relu")(jt.constant([-1.0, 2.0])).numpy().tolist()
        [0.0, 2.0]
    """

    def __init__(self, activation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = _activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": _activations.serialize(self.activation)}


class ReLU(Layer):
    """Keras' ReLU layer: ``max_value`` cap, ``negative_slope`` below ``threshold``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.ReLU(max_value=1.0)(jt.constant([-1.0, 0.5, 2.0])).numpy().tolist()
        [0.0, 0.5, 1.0]
    """

    def __init__(
        self, max_value=None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(
                f"max_value of a ReLU layer cannot be a negative value. Received: {max_value}"
            )
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                "negative_slope of a ReLU layer cannot be a negative value. Received: "
                f"{negative_slope}"
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(
                f"threshold of a ReLU layer cannot be a negative value. Received: {threshold}"
            )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True

    def call(self, inputs):
        return _activations.relu(
            inputs,
            negative_slope=self.negative_slope,
            max_value=self.max_value,
            threshold=self.threshold,
        )


class LeakyReLU(Layer):
    """``x`` if positive, else ``negative_slope * x`` (Keras 3 default slope 0.3).

    Keras 2's argument name ``alpha`` is accepted as well.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> print(nn.LeakyReLU()(jt.constant([-1.0, 2.0])).numpy())
        [-0.3  2. ]
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative "
                f"value. Expected a float. Received: negative_slope={negative_slope}"
            )
        self.negative_slope = float(negative_slope)
        self.supports_masking = True

    def call(self, inputs):
        return _activations.leaky_relu(inputs, negative_slope=self.negative_slope)


@op(name="masked_softmax")
def _softmax(x, mask, axis):
    if mask is not None:
        big_negative = -3e4 if x.dtype == jnp.float16 else -1e9
        x = x + (1.0 - mask.astype(x.dtype)) * big_negative
    y = jax.nn.softmax(x, axis=axis)
    return y if mask is None else y * mask.astype(y.dtype)


class Softmax(Layer):
    """Softmax along ``axis`` (an int or a tuple); masked positions get probability 0.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Softmax()(jt.constant([[0.0, 0.0]])).numpy().tolist()
        [[0.5, 0.5]]
    """

    def __init__(self, axis=-1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        outputs = _softmax(inputs, mask, self.axis)
        # Keras' layer keeps the logits where it calls activations.softmax: one axis and
        # no mask (a mask rewrites the output).
        if mask is None and (isinstance(self.axis, int) or len(self.axis) == 1):
            attach_logits(outputs, inputs, "Softmax")
        return outputs


# -- merge layers -----------------------------------------------------------------------
def _check_merge_inputs(layer: Layer, inputs) -> list:
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(
            f"A merge layer ({type(layer).__name__}) should be called on a list of inputs. "
            f"Received: inputs={inputs!r} (not a list of tensors)"
        )
    if len(inputs) < 1:
        raise ValueError(
            f"A merge layer should be called on a list of at least 1 input. Got {len(inputs)}"
        )
    return list(inputs)


@op(name="add_n")
def _add_n(xs):
    return functools.reduce(jnp.add, xs)


def _check_mask_list(inputs, mask) -> None:
    if not isinstance(mask, (tuple, list)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask}")
    if not isinstance(inputs, (tuple, list)):
        raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
    if len(mask) != len(inputs):
        raise ValueError(
            "The lists `inputs` and `mask` should have the same length. Received: inputs of "
            f"length {len(inputs)}, and mask of length {len(mask)}"
        )


@op(name="merge_masks_or")
def _or_masks(masks):
    return functools.reduce(jnp.logical_or, [m.astype(bool) for m in masks])


@op(name="concatenate_masks")
def _concatenate_masks(inputs, masks, axis):
    full = []
    for x, m in zip(inputs, masks):
        if m is None:
            full.append(jnp.ones(x.shape, bool))
        elif m.ndim < x.ndim:
            full.append(jnp.broadcast_to(m.astype(bool)[..., None], x.shape))
        else:
            full.append(m.astype(bool))
    return jnp.any(jnp.concatenate(full, axis=axis), axis=-1)


class Add(Layer):
    """Elementwise sum of a list of tensors (shapes broadcast).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Add()([jt.ones((1, 2)), jt.ones((1, 2))]).numpy().tolist()
        [[2.0, 2.0]]
    """

    def compute_mask(self, inputs, mask=None):
        """Keras' merge rule: the OR of the input masks, None if any input has none."""
        if mask is None:
            return None
        _check_mask_list(inputs, mask)
        if any(m is None for m in mask):
            return None
        return _or_masks(list(mask))

    def call(self, inputs):
        xs = _check_merge_inputs(self, inputs)
        try:
            jnp.broadcast_shapes(*[tuple(x.shape) for x in xs])
        except ValueError:
            raise ValueError(
                f"Inputs have incompatible shapes. Received shapes {[tuple(x.shape) for x in xs]}"
            ) from None
        return self._combine(xs)

    def _combine(self, xs):
        """The merge itself, on inputs already checked (the other merge layers' hook)."""
        return _add_n(xs)


@op(name="concatenate")
def _concatenate(xs, axis):
    return jnp.concatenate(xs, axis=axis)


class Concatenate(Layer):
    """Concatenate a list of tensors along ``axis`` (default: the last).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Concatenate()([jt.ones((2, 1)), jt.zeros((2, 3))]).shape
        (2, 4)
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)

    def compute_mask(self, inputs, mask=None):
        """The masks, broadcast to their inputs, concatenated and reduced over the last axis."""
        if mask is None:
            return None
        _check_mask_list(inputs, mask)
        if all(m is None for m in mask):
            return None
        return _concatenate_masks(list(inputs), list(mask), self.axis)

    def call(self, inputs):
        xs = _check_merge_inputs(self, inputs)
        shapes = [tuple(x.shape) for x in xs]
        rank = len(shapes[0])
        axis = self.axis % rank if rank else 0
        for s in shapes:
            if len(s) != rank or any(
                a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != axis
            ):
                raise ValueError(
                    "A `Concatenate` layer requires inputs with matching shapes except for "
                    f"the concatenation axis. Received: input_shape={shapes}"
                )
        return _concatenate(xs, self.axis)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


# -- Embedding --------------------------------------------------------------------------
@op(name="embedding_lookup")
def _embedding(table, ids):
    if not jnp.issubdtype(ids.dtype, jnp.integer):
        ids = ids.astype(jnp.int32)
    return jnp.take(table, ids, axis=0)


row_gather(_embedding)()  # the table's gradient is an IndexedSlices, as in TF


def _check_ids(ids, input_dim: int) -> None:
    """Keras' lookup eagerly: negative ids count from the end (as ``ops.take``), then every
    id must be in ``[0, input_dim)`` (TF's GatherV2 error). Traced ids are not checked:
    a compiled lookup gives NaN rows for ids out of range.
    """
    value = getattr(ids, "_value", ids)
    if isinstance(value, jax.core.Tracer) or not hasattr(value, "dtype"):
        return
    if not jnp.issubdtype(value.dtype, jnp.integer):
        value = np.asarray(value).astype(np.int32)  # as _embedding casts float ids
    value = np.asarray(value)
    _check_range(np.where(value < 0, value + input_dim, value), input_dim, "GatherV2")


class Embedding(Layer):
    """Look up rows of an ``(input_dim, output_dim)`` table for integer ids.

    Negative ids count from the end (Keras 3's ``ops.take``). Ids out of range raise
    ``InvalidArgumentError`` eagerly, as TF does; inside a compiled program, where JAX
    cannot raise, they give NaN rows. With ``mask_zero=True`` id 0 is padding: the output
    carries the mask ``inputs != 0``, which recurrent layers and losses then honour (so
    ``input_dim`` must count the padding id).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.Embedding(10, 3)
        >>> layer(jt.constant([[1, 2]])).shape
        (1, 2, 3)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("input_length", None)
        super().__init__(**kwargs)
        self.input_dim = _check_positive_int(input_dim, "input_dim", "Embedding")
        self.output_dim = _check_positive_int(output_dim, "output_dim", "Embedding")
        self.embeddings_initializer = _initializers.get(embeddings_initializer)
        self.embeddings_regularizer = _regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = bool(mask_zero)
        self.autocast = False  # ids are never cast to the weights' dtype
        self.embeddings = None

    def build(self, input_shape=None) -> None:
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
            name="embeddings",
        )

    def call(self, inputs):
        _check_ids(inputs, self.input_dim)
        out = _embedding(self.embeddings, inputs)
        # Keras casts the looked-up rows to the compute dtype (bfloat16 under
        # "mixed_bfloat16"), also when the table was not autocast.
        return out if out.dtype == self.compute_dtype else _cast(out, self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return _not_zero(inputs)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "mask_zero": self.mask_zero,
        }


_not_zero = op(lambda ids: ids != 0, name="not_equal_zero")


# -- Masking ----------------------------------------------------------------------------
@op(name="masking")
def _masking(x, mask_value):
    keep = jnp.any(x != jnp.asarray(mask_value, x.dtype), axis=-1, keepdims=True)
    return jnp.where(keep, x, jnp.zeros((), x.dtype)), keep[..., 0]


class Masking(Layer):
    """Mask the time steps whose features all equal ``mask_value`` (``keras.layers.Masking``).

    The output is the input with masked steps set to 0, and carries a ``(batch, time)``
    boolean mask that the following layers (LSTM, GRU, losses...) receive.

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> x = np.array([[[1.0], [0.0], [2.0]]], "float32")
        >>> y = nn.Masking(mask_value=0.0)(x)
        >>> y._keras_mask.numpy().tolist()
        [[True, False, True]]
    """

    def __init__(self, mask_value=0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)):
            raise ValueError(
                f"Masking: `mask_value` must be a number, got {mask_value!r} "
                f"({type(mask_value).__name__})"
            )
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, mask=None):
        return _masking(inputs, self.mask_value)[1]

    def call(self, inputs):
        outputs, mask = _masking(inputs, self.mask_value)
        set_keras_mask(outputs, mask)  # computed with the outputs, as Keras does
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mask_value": self.mask_value}


# -- normalization ----------------------------------------------------------------------
def _axes(axis) -> tuple[int, ...]:
    return tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else (int(axis),)


def _normalize(x, mean, variance, gamma, beta, epsilon):
    # Keras 3's batch_normalization: x * inv + (beta - mean * inv), inv = gamma/sqrt(var+eps).
    inv = jax.lax.rsqrt(variance + epsilon)
    if gamma is not None:
        inv = inv * gamma
    res = -mean * inv
    if beta is not None:
        res = res + beta
    return x * inv + res


def _bshape(param, shape):
    return None if param is None else jnp.reshape(param, shape)


def _masked_moments(x, mask, reduce):
    # Keras 3's BatchNormalization._moments with a mask: statistics of the kept entries.
    keep = jnp.broadcast_to(mask.astype(bool)[..., None], x.shape)
    weight = jnp.sum(keep.astype(x.dtype), axis=reduce, keepdims=True) + 1e-7
    mean = jnp.sum(jnp.where(keep, x, 0), axis=reduce, keepdims=True) / weight
    var = jnp.sum(jnp.square(jnp.where(keep, x - mean, 0)), axis=reduce, keepdims=True) / weight
    return mean, var


def _upcast(x):
    # Keras normalizes half-precision inputs in float32 (they overflow otherwise).
    return x.astype(jnp.float32) if x.dtype in (jnp.float16, jnp.bfloat16) else x


@op(name="batch_norm_train")
def _batch_norm_train(
    x, gamma, beta, moving_mean, moving_var, mask, axes, shape, momentum, eps, out_dtype
):
    reduce = tuple(i for i in range(x.ndim) if i not in axes)
    xc = _upcast(x)
    if mask is None:
        mean = jnp.mean(xc, axis=reduce, keepdims=True)
        var = jnp.var(xc, axis=reduce, keepdims=True)
    else:
        mean, var = _masked_moments(xc, mask, reduce)
    y = _normalize(xc, mean, var, _bshape(gamma, shape), _bshape(beta, shape), eps)
    mean_v, var_v = mean.reshape(moving_mean.shape), var.reshape(moving_var.shape)
    new_mean = moving_mean * momentum + mean_v.astype(moving_mean.dtype) * (1.0 - momentum)
    new_var = moving_var * momentum + var_v.astype(moving_var.dtype) * (1.0 - momentum)
    return y.astype(out_dtype), new_mean, new_var


@op(name="batch_norm_inference")
def _batch_norm_infer(x, gamma, beta, moving_mean, moving_var, shape, eps, out_dtype):
    xc = _upcast(x)
    y = _normalize(
        xc,
        jnp.reshape(moving_mean, shape).astype(xc.dtype),
        jnp.reshape(moving_var, shape).astype(xc.dtype),
        _bshape(gamma, shape),
        _bshape(beta, shape),
        eps,
    )
    return y.astype(out_dtype)


class _Normalization(Layer):
    def _param_shape(self, input_shape) -> tuple[tuple[int, ...], tuple[int, ...]]:
        rank = len(input_shape)
        axes = tuple(sorted(a % rank for a in _axes(self.axis)))
        for a in axes:
            if input_shape[a] is None:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: axis {a} of input shape "
                    f"{tuple(input_shape)} must be known"
                )
        self._norm_axes = axes
        self._bcast = tuple(input_shape[i] if i in axes else 1 for i in range(rank))
        return axes, tuple(input_shape[a] for a in axes)


class BatchNormalization(_Normalization):
    """Normalize with batch statistics in training, moving averages in inference.

    In training (``training=True`` and the layer trainable) the output uses the mean and
    variance of the batch, and the non-trainable ``moving_mean``/``moving_variance``
    are updated by ``assign`` to ``moving * momentum + batch * (1 - momentum)``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> bn = nn.BatchNormalization()
        >>> y = bn(jt.constant([[0.0], [2.0]]), training=True)
        >>> print(bn.moving_mean.numpy().round(3))
        [0.01]
    """

    def __init__(
        self,
        axis=-1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        synchronized: bool = False,
        **kwargs: Any,
    ) -> None:
        for key in ("fused", "renorm", "virtual_batch_size", "adjustment"):
            if kwargs.pop(key, None):
                raise ValueError(f"BatchNormalization: `{key}` is not supported by jtape.")
        kwargs.pop("renorm_clipping", None)
        kwargs.pop("renorm_momentum", None)
        super().__init__(**kwargs)
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = _initializers.get(beta_initializer)
        self.gamma_initializer = _initializers.get(gamma_initializer)
        self.moving_mean_initializer = _initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = _initializers.get(moving_variance_initializer)
        self.beta_regularizer = _regularizers.get(beta_regularizer)
        self.gamma_regularizer = _regularizers.get(gamma_regularizer)
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.synchronized = synchronized
        self.gamma = None
        self.beta = None
        self.supports_masking = True

    def build(self, input_shape) -> None:
        _, shape = self._param_shape(input_shape)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,  # Keras: normalization weights stay float32
                name="gamma",
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,  # Keras: normalization weights stay float32
                name="beta",
            )
        self.moving_mean = self.add_weight(
            shape=shape,
            initializer=self.moving_mean_initializer,
            trainable=False,
            autocast=False,  # Keras: normalization weights stay float32
            name="moving_mean",
        )
        self.moving_variance = self.add_weight(
            shape=shape,
            initializer=self.moving_variance_initializer,
            trainable=False,
            autocast=False,  # Keras: normalization weights stay float32
            name="moving_variance",
        )

    def call(self, inputs, training=None, mask=None):
        if mask is not None and len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError(
                "The mask provided should be one dimension less than the inputs. Received: "
                f"mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}"
            )
        if training and self.trainable:
            # With a mask, the batch statistics use only the unmasked steps (Keras 3).
            y, new_mean, new_var = _batch_norm_train(
                inputs,
                self.gamma,
                self.beta,
                self.moving_mean,
                self.moving_variance,
                mask,
                self._norm_axes,
                self._bcast,
                self.momentum,
                self.epsilon,
                self.compute_dtype,
            )
            self.moving_mean.assign(new_mean)
            self.moving_variance.assign(new_var)
            return y
        return _batch_norm_infer(
            inputs,
            self.gamma,
            self.beta,
            self.moving_mean,
            self.moving_variance,
            self._bcast,
            self.epsilon,
            self.compute_dtype,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
        }


@op(name="layer_norm")
def _layer_norm(x, gamma, beta, axes, shape, eps, rms, out_dtype):
    xc = _upcast(x)
    var = jnp.var(xc, axis=axes, keepdims=True)
    if rms:
        y = xc * jax.lax.rsqrt(var + eps) * jnp.reshape(gamma, shape)
    else:
        mean = jnp.mean(xc, axis=axes, keepdims=True)
        y = _normalize(xc, mean, var, _bshape(gamma, shape), _bshape(beta, shape), eps)
    return y.astype(out_dtype)


class LayerNormalization(_Normalization):
    """Normalize each example over ``axis`` (default: the last), then scale and shift.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> y = nn.LayerNormalization(epsilon=0.0)(jt.constant([[1.0, 3.0]]))
        >>> y.numpy().tolist()
        [[-1.0, 1.0]]
    """

    def __init__(
        self,
        axis=-1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        rms_scaling: bool = False,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer = _initializers.get(beta_initializer)
        self.gamma_initializer = _initializers.get(gamma_initializer)
        self.beta_regularizer = _regularizers.get(beta_regularizer)
        self.gamma_regularizer = _regularizers.get(gamma_regularizer)
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.gamma = None
        self.beta = None
        self.supports_masking = True
        # As Keras: inputs are normalized in their own dtype (float32 at least), and
        # the output is cast to the compute dtype.
        self.autocast = False

    def build(self, input_shape) -> None:
        _, shape = self._param_shape(input_shape)
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,  # Keras: normalization weights stay float32
                name="gamma",
            )
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,  # Keras: normalization weights stay float32
                name="beta",
            )

    def call(self, inputs):
        return _layer_norm(
            inputs,
            self.gamma,
            self.beta,
            self._norm_axes,
            self._bcast,
            self.epsilon,
            self.rms_scaling,
            self.compute_dtype,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
        }
