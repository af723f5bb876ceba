"""``Attention`` (Luong) and ``AdditiveAttention`` (Bahdanau): Keras 3's parameter-light
attention layers over ``[query, value]`` or ``[query, value, key]`` lists.

Scores ``(batch, Tq, Tv)`` come from the query and key; masked scores have 1e9 (65504 in
float16) subtracted before the softmax, as Keras does, so a query whose keys are all
masked attends uniformly. The softmax weights (after dropout, when training) combine
the value; a query mask zeroes the output rows. Two jtape ops per call: the weights,
and their product with the value.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .._op import op
from ._core_layers import Dropout
from ._layer import Layer

_SCORE_MODES = ("dot", "concat")


def _scores(mode: str, query, key, scale, concat_weight):
    if mode == "dot":
        scores = jnp.matmul(query, jnp.swapaxes(key, -2, -1))
        return scores if scale is None else scores * scale
    pair = query[..., :, None, :] + key[..., None, :, :]
    if mode == "concat":
        inner = pair if scale is None else scale * pair
        return concat_weight * jnp.sum(jnp.tanh(inner), axis=-1)
    # additive
    return jnp.sum((1.0 if scale is None else scale) * jnp.tanh(pair), axis=-1)


@op(name="attention_weights")
def attention_weights(query, key, scale=None, concat_weight=None, mask=None, *, mode="dot"):
    """Softmax attention weights ``(..., Tq, Tv)``; ``mask`` (True attends) broadcasts to it.

    ``mode``: ``"dot"`` (``q @ k^T``, times ``scale``), ``"concat"``
    (``concat_weight * sum(tanh(scale * (q + k)))``) or ``"additive"``
    (``sum(scale * tanh(q + k))``).
    """
    scores = _scores(mode, query, key, scale, concat_weight)
    if mask is not None:
        big = 65504.0 if scores.dtype == jnp.float16 else 1.0e9
        scores = jnp.where(mask, scores, scores - jnp.asarray(big, scores.dtype))
    return jax.nn.softmax(scores, axis=-1)


@op(name="attention_apply")
def attention_apply(weights, value, query_mask=None):
    """``weights @ value``, with the rows of masked queries set to zero."""
    out = jnp.matmul(weights, value)
    if query_mask is not None:
        out = jnp.where(query_mask[..., None], out, jnp.zeros((), out.dtype))
    return out


@op(name="attention_mask")
def _score_mask(value_mask, tq: int, tv: int, causal: bool):
    """Keras' score mask: the value mask ``(B, 1, Tv)`` and'ed with the causal one."""
    mask = None if value_mask is None else value_mask.astype(bool)[..., None, :]
    if causal:
        tril = jnp.tril(jnp.ones((1, tq, tv), bool))
        mask = tril if mask is None else jnp.logical_and(mask, tril)
    return mask


_as_bool = op(lambda m: m.astype(bool), name="cast")


class Attention(Layer):
    """Dot-product (Luong-style) attention (``keras.layers.Attention``).

    Called on ``[query, value]`` or ``[query, value, key]`` with ``query``
    ``(batch, Tq, dim)`` and ``value``/``key`` ``(batch, Tv, dim)`` (``key`` defaults to
    ``value``). ``score_mode="dot"`` scores ``query @ key^T`` (times the trainable scalar
    ``scale`` when ``use_scale``); ``"concat"`` scores
    ``concat_score_weight * sum(tanh(scale * (query + key)))``. ``mask=[query_mask,
    value_mask]`` (taken from Keras masks of the inputs when not given),
    ``use_causal_mask`` and ``return_attention_scores`` (the weights after softmax and
    dropout) behave as in Keras. Dropout draws from jtape's random streams, not TF's.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> q, v = jt.ones((2, 3, 4)), jt.ones((2, 5, 4))
        >>> out, scores = nn.Attention()([q, v], return_attention_scores=True)
        >>> out.shape, scores.shape, round(float(scores.numpy()[0, 0, 0]), 6)
        ((2, 3, 4), (2, 3, 5), 0.2)
    """

    _mode = "dot"

    def __init__(
        self,
        use_scale: bool = False,
        score_mode: str = "dot",
        dropout: float = 0.0,
        seed=None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if score_mode not in _SCORE_MODES:
            raise ValueError(
                "Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                f"Received: score_mode={score_mode}"
            )
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.scale = None
        self.concat_score_weight = None
        self._dropout_layer = Dropout(self.dropout, seed=seed) if self.dropout > 0 else None

    def build(self, input_shape) -> None:
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones"
            )
        self.built = True

    def _weights_mode(self) -> str:
        return self.score_mode

    def call(
        self,
        inputs,
        mask=None,
        training=False,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
    ):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        score_mask = None
        if value_mask is not None or use_causal_mask:
            score_mask = _score_mask(
                value_mask, int(query.shape[-2]), int(key.shape[-2]), bool(use_causal_mask)
            )
        weights = attention_weights(
            query,
            key,
            self.scale,
            self.concat_score_weight,
            score_mask,
            mode=self._weights_mode(),
        )
        if training and self._dropout_layer is not None:
            weights = self._dropout_layer(weights, training=True)
        if query_mask is not None:
            query_mask = _as_bool(query_mask)
        out = attention_apply(weights, value, query_mask)
        if return_attention_scores:
            return out, weights
        return out

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def _validate_inputs(self, inputs, mask=None) -> None:
        who = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(
                f"{who} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: inputs={inputs}."
            )
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{who} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                f"[query, value, key]. Received length: {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, list):
                raise ValueError(
                    f"{who} layer mask must be a list, namely [query_mask, value_mask]. "
                    f"Received: mask={mask}."
                )
            if not 2 <= len(mask) <= 3:
                raise ValueError(
                    f"{who} layer accepts mask list of length 2 or 3. "
                    f"Received: inputs={inputs}, mask={mask}."
                )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention (``keras.layers.AdditiveAttention``).

    Scores are ``sum(scale * tanh(query[:, :, None] + key[:, None]), -1)`` with a
    trainable ``scale`` of shape ``(dim,)`` (glorot-uniform initialised) when
    ``use_scale`` (the default); otherwise as :class:`Attention`.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.AdditiveAttention()
        >>> layer([jt.ones((2, 3, 4)), jt.ones((2, 5, 4))]).shape, layer.scale.shape
        ((2, 3, 4), (4,))
    """

    def __init__(
        self, use_scale: bool = True, dropout: float = 0.0, seed=None, **kwargs: Any
    ) -> None:
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)

    def build(self, input_shape) -> None:
        self._validate_inputs(input_shape)
        if self.use_scale:
            dim = input_shape[0][-1]
            self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform")
        self.built = True

    def _weights_mode(self) -> str:
        return "additive"

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["score_mode"]
        return config
