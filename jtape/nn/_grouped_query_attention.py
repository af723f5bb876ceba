"""``GroupedQueryAttention`` (``keras.layers.GroupQueryAttention``), Keras 3's layout.

Multi-head attention whose keys and values have fewer heads than the queries: each of
``num_key_value_heads`` key/value heads serves ``num_query_heads // num_key_value_heads``
query heads (one head is multi-query attention). Weights are Keras': ``query``
``(dim, num_query_heads, head_dim)``, ``key``/``value`` ``(dim, num_key_value_heads,
head_dim)``, ``attention_output`` ``(num_query_heads, head_dim, dim)``, each with a bias.
The scores, masks and softmax are :class:`MultiHeadAttention`'s.
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp

from .._op import op
from . import _masking
from . import initializers as _initializers
from . import regularizers as _regularizers
from ._attention import (
    _combine,
    _expand,
    _scores,
    build_shapes,
    check_sliding_window,
    keras_attention_mask,
    make_projection,
)
from ._core_layers import Dropout
from ._layer import Layer


@op(name="repeat_heads")
def _repeat_heads(x, repeats: int):
    return jnp.repeat(x, repeats, axis=2)


class GroupedQueryAttention(Layer):
    """Grouped-query attention (``keras.layers.GroupQueryAttention``).

    ``call(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
    attention_mask=None, return_attention_scores=False, training=None,
    use_causal_mask=False)`` on ``(batch, seq, dim)`` inputs; the output has the query's
    shape, the scores are ``(batch, num_query_heads, T, S)``. Masks combine as in
    :class:`MultiHeadAttention` (Keras masks of the inputs, ``attention_mask``, causal
    and ``sliding_window`` masks, by logical and). ``flash_attention`` is not supported.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> gqa = nn.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2)
        >>> x = jt.ones((1, 3, 5))
        >>> out, scores = gqa(x, x, return_attention_scores=True)
        >>> out.shape, scores.shape, tuple(gqa.weights[2].shape)
        ((1, 3, 5), (1, 4, 3, 3), (5, 2, 2))
    """

    # Keras' class is GroupedQueryAttention (its weight-file paths and default names),
    # exported and serialized as GroupQueryAttention.
    _jt_keras_class_name = "GroupQueryAttention"

    def __init__(
        self,
        head_dim: int,
        num_query_heads: int,
        num_key_value_heads: int,
        dropout: float = 0.0,
        use_bias: bool = True,
        sliding_window=None,
        flash_attention=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_gate: bool = False,
        seed=None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if flash_attention:
            raise NotImplementedError(
                "GroupQueryAttention: flash_attention is not supported by jtape; leave it "
                "at None or False (the same numbers without the fused kernel)"
            )
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        self.supports_masking = True
        self.head_dim = int(head_dim)
        self.num_query_heads = int(num_query_heads)
        self.num_key_value_heads = int(num_key_value_heads)
        self.num_repeats = self.num_query_heads // self.num_key_value_heads
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.use_gate = bool(use_gate)
        self.sliding_window = check_sliding_window(sliding_window)
        self.seed = seed
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(self.head_dim))
        # Keras' weight order: query, key, gate, value, attention_output.
        self._query_dense = self._key_dense = self._gate_dense = None
        self._value_dense = self._output_dense = self._dropout_layer = None

    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        """Create the projections (called on the first call with all input shapes)."""
        if value_shape is None:
            return  # the framework passes only the query's shape; call() builds
        self._jt_shapes = build_shapes(query_shape, value_shape, key_shape)
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        for what, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(
                    f"GroupQueryAttention: {what} must be (batch, seq, dim), got shape {shape}"
                )
        kw = dict(
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
        )

        def project(heads, name, shape, activation=None):
            bias = "uh" if self.use_bias else None
            return make_projection(
                self, "bqm,muh->bquh", (None, heads, self.head_dim), bias, name, shape,
                activation, **kw,
            )  # fmt: skip

        self._query_dense = project(self.num_query_heads, "query", query_shape)
        self._key_dense = project(self.num_key_value_heads, "key", key_shape)
        if self.use_gate:  # Keras builds the gate between the key and the value
            self._gate_dense = project(self.num_query_heads, "gate", query_shape, "sigmoid")
        self._value_dense = project(self.num_key_value_heads, "value", value_shape)
        self._output_dense = make_projection(
            self, "bquh,uhm->bqm", (None, query_shape[-1]), "m" if self.use_bias else None,
            "attention_output", (None, None, self.num_query_heads, self.head_dim), **kw,
        )  # fmt: skip
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed, dtype=self.dtype_policy)
        self.built = True

    def _jt_build_config(self):
        return getattr(self, "_jt_shapes", None)

    def compute_output_shape(self, query_shape, value_shape, key_shape=None) -> tuple:
        """The query's shape."""
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                "The last dimension of `query_shape` and `value_shape` must be equal, but are "
                f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                f"value_shape={value_shape}"
            )
        return tuple(query_shape)

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores: bool = False,
        training=None,
        use_causal_mask: bool = False,
    ):
        has_key = key is not None
        if key is None:
            key = value
        if self._query_dense is None:
            self.build(query.shape, value.shape, key.shape if has_key else None)
        # Keras' Layer fills `<arg>_mask` from each argument's mask when not given.
        if query_mask is None:
            query_mask = _masking.mask_of(query)
        if value_mask is None:
            value_mask = _masking.mask_of(value)
        if key_mask is None and has_key:
            key_mask = _masking.mask_of(key)
        mask = keras_attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
            self.sliding_window,
        )  # fmt: skip
        if mask is not None and mask.ndim == 2:
            mask = _expand(mask, 0)
        q = self._query_dense(query)
        k = _repeat_heads(self._key_dense(key), self.num_repeats)
        v = _repeat_heads(self._value_dense(value), self.num_repeats)
        # Keras' fused path (uniform weights for a fully masked query) serves calls
        # without returned scores or dropout; otherwise its Softmax zeroes them.
        zero_masked = bool(return_attention_scores) or self.dropout > 0
        scores = _scores(q, k, mask, self._inverse_sqrt_head_dim, zero_masked)
        dropped = self._dropout_layer(scores, training=training) if self.dropout else scores
        combined = _combine(dropped, v)
        if self._gate_dense is not None:
            combined = combined * self._gate_dense(query)
        out = self._output_dense(combined)
        if return_attention_scores:
            return out, scores
        return out

    def get_config(self) -> dict[str, Any]:
        def reg(value):
            return _regularizers.serialize(value) if value else None

        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "dropout": self.dropout,
            "sliding_window": self.sliding_window,
            "kernel_initializer": _initializers.serialize(self.kernel_initializer),
            "bias_initializer": _initializers.serialize(self.bias_initializer),
            "kernel_regularizer": reg(self.kernel_regularizer),
            "bias_regularizer": reg(self.bias_regularizer),
            "activity_regularizer": reg(self.activity_regularizer),
            "kernel_constraint": self.kernel_constraint,
            "bias_constraint": self.bias_constraint,
            "seed": self.seed,
        }


GroupQueryAttention = GroupedQueryAttention  # Keras' exported name
