"""``MultiHeadAttention`` (``keras.layers.MultiHeadAttention``), Keras 3's layout.

Four ``EinsumDense`` sub-layers named ``query``, ``key``, ``value`` and
``attention_output`` hold the weights, with Keras' shapes: the projections' kernels are
``(dim, num_heads, key_dim)`` (``value_dim`` for ``value``) with biases
``(num_heads, key_dim)``; the output kernel is ``(num_heads, value_dim, output_dim)``.
``get_weights``/``set_weights`` use Keras' order, so Keras weights load as they are.
Attention runs over the sequence axis of ``(batch, seq, dim)`` inputs.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._op import op
from .._tensor import Tensor
from . import _masking
from ._core_layers import Dropout
from ._einsum_dense import EinsumDense
from ._layer import Layer


@op(name="attention_scores")
def _scores(query, key, mask, scale, zero_masked):
    # query (B, T, N, H), key (B, S, N, H) -> softmax weights (B, N, T, S)
    logits = jnp.einsum("aecd,abcd->acbe", key, query * jnp.asarray(scale, query.dtype))
    if mask is not None:
        # Keras' Softmax(mask=...): masked logits become a large negative number.
        big = -1e9 if logits.dtype == jnp.float32 or logits.dtype == jnp.float64 else -3e4
        logits = jnp.where(mask[:, None, :, :], logits, jnp.asarray(big, logits.dtype))
    probs = jax.nn.softmax(logits, axis=-1)
    if mask is not None and zero_masked:
        # Keras' Softmax layer zeroes masked weights (a query that may attend to nothing
        # gets all-zero weights); its fused dot_product_attention path does not
        # (uniform weights). Keras takes the first path when scores are returned or
        # dropout is on, the second otherwise; so does jtape.
        probs = jnp.where(mask[:, None, :, :], probs, jnp.zeros((), probs.dtype))
    return probs


@op(name="attention_combine")
def _combine(scores, value):
    return jnp.einsum("acbe,aecd->abcd", scores, value)


def _causal(t: int, s: int) -> Tensor:
    """Keras' causal mask ``(1, T, S)``: query ``i`` attends to keys ``j <= i``."""
    return Tensor(jnp.asarray(np.tril(np.ones((1, t, s), bool))))


_and = op(jnp.logical_and, name="logical_and")
_as_bool = op(lambda m: m.astype(bool), name="cast")
_expand = op(jnp.expand_dims, name="expand_dims")


class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product attention (``keras.layers.MultiHeadAttention``).

    ``call(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
    attention_mask=None, return_attention_scores=False, training=None,
    use_causal_mask=False)``: ``attention_mask`` is a boolean ``(B, T, S)`` (True
    attends); the Keras masks of ``query``/``value``/``key`` and the causal mask are
    combined with it by logical and, as in Keras. ``return_attention_scores`` also
    returns the ``(B, num_heads, T, S)`` weights. Only ``(batch, seq, dim)`` inputs
    (``attention_axes=None`` or ``(1,)``); ``use_gate``/``sliding_window``/
    ``flash_attention`` are not supported by jtape and raise.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> mha = nn.MultiHeadAttention(num_heads=2, key_dim=4)
        >>> x = jt.ones((1, 3, 8))
        >>> out, scores = mha(x, x, return_attention_scores=True)
        >>> out.shape, scores.shape, tuple(mha.weights[0].shape)
        ((1, 3, 8), (1, 2, 3, 3), (8, 2, 4))
    """

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape=None,
        attention_axes=None,
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
        if use_gate or sliding_window is not None or flash_attention:
            raise NotImplementedError(
                "MultiHeadAttention: use_gate, sliding_window and flash_attention are not "
                "supported by jtape (Keras 3.15 options); leave them at their defaults"
            )
        if attention_axes is not None:
            axes = (attention_axes,) if isinstance(attention_axes, int) else tuple(attention_axes)
            if axes not in ((1,), (-2,)):
                raise NotImplementedError(
                    "MultiHeadAttention: jtape attends over the sequence axis of "
                    f"(batch, seq, dim) inputs only; got attention_axes={attention_axes!r}"
                )
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self._output_shape = output_shape
        self.attention_axes = attention_axes
        self.seed = seed
        self._sub_kwargs = dict(
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
        )
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self.key_dim))
        self.supports_masking = True
        self._query_dense = self._key_dense = self._value_dense = self._output_dense = None
        self._dropout_layer = None

    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        """Create the four projections (called on the first call with all input shapes)."""
        if value_shape is None:
            return  # the framework passes only the query's shape; call() builds
        key_shape = value_shape if key_shape is None else key_shape
        for what, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise NotImplementedError(
                    f"MultiHeadAttention: jtape supports (batch, seq, dim) inputs; {what} has "
                    f"shape {tuple(shape)}"
                )
        bias = "de" if self.use_bias else None
        self._query_dense = EinsumDense(
            "abc,cde->abde", (None, self.num_heads, self.key_dim), bias_axes=bias,
            name="query", **self._sub_kwargs,
        )  # fmt: skip
        self._query_dense.build(tuple(query_shape))
        self._query_dense.built = True
        self._key_dense = EinsumDense(
            "abc,cde->abde", (None, self.num_heads, self.key_dim), bias_axes=bias,
            name="key", **self._sub_kwargs,
        )  # fmt: skip
        self._key_dense.build(tuple(key_shape))
        self._key_dense.built = True
        self._value_dense = EinsumDense(
            "abc,cde->abde", (None, self.num_heads, self.value_dim), bias_axes=bias,
            name="value", **self._sub_kwargs,
        )  # fmt: skip
        self._value_dense.build(tuple(value_shape))
        self._value_dense.built = True
        out = self._output_shape
        if out is None:
            out_dims = (query_shape[-1],)
        else:
            out_dims = (out,) if isinstance(out, int) else tuple(out)
        self._output_dense = EinsumDense(
            "abcd,cde->abe" if len(out_dims) == 1 else "abcd,cdef->abef",
            (None, *out_dims),
            bias_axes=("e" if len(out_dims) == 1 else "ef") if self.use_bias else None,
            name="attention_output",
            **self._sub_kwargs,
        )
        self._output_dense.build((query_shape[0], query_shape[1], self.num_heads, self.value_dim))
        self._output_dense.built = True
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed)
        self.built = True

    @property
    def query_dense(self):
        return self._query_dense

    @property
    def key_dense(self):
        return self._key_dense

    @property
    def value_dense(self):
        return self._value_dense

    @property
    def output_dense(self):
        return self._output_dense

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
            self.build(tuple(query.shape), tuple(value.shape), tuple(key.shape))
        # Keras 3 fills `<arg>_mask` from each argument's mask; the query's own always wins.
        query_mask = _masking.mask_of(query)
        if value_mask is None:
            value_mask = _masking.mask_of(value)
        if key_mask is None and has_key:
            key_mask = _masking.mask_of(key)
        # As Keras, the inputs' masks are consumed here (removed from the tensors), so
        # the projections do not see them; the output gets the query's mask back.
        for x in (query, value, key):
            _masking.set_keras_mask(x, None)
        mask = self._attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        # (B, T, S) masks, or ones broadcasting to it, apply to every head.
        if mask is not None and mask.ndim == 2:
            mask = _expand(mask, 0)
        zero_masked = bool(return_attention_scores) or self.dropout > 0
        scores = _scores(q, k, mask, self._inverse_sqrt_key_dim, zero_masked)
        dropped = self._dropout_layer(scores, training=training) if self.dropout else scores
        out = self._output_dense(_combine(dropped, v))
        if return_attention_scores:
            return out, scores
        return out

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):  # fmt: skip
        """Keras' mask: attention_mask & query_mask[..., None] & value/key masks & causal."""
        auto = None

        def join(a, b):
            return b if a is None else _and(a, b)

        if query_mask is not None:
            auto = _expand(_as_bool(query_mask), -1)
        if value_mask is not None:
            auto = join(auto, _expand(_as_bool(value_mask), -2))
        if key_mask is not None:
            auto = join(auto, _expand(_as_bool(key_mask), -2))
        if use_causal_mask:
            auto = join(auto, _causal(int(query.shape[1]), int(value.shape[1])))
        if attention_mask is not None:
            attention_mask = _as_bool(attention_mask)
            if attention_mask.ndim == 2:
                attention_mask = _expand(attention_mask, 0)
        if auto is None:
            return attention_mask
        return auto if attention_mask is None else _and(attention_mask, auto)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self._output_shape,
            "attention_axes": self.attention_axes,
            "seed": self.seed,
        }
