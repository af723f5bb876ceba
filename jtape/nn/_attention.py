"""``MultiHeadAttention`` (``keras.layers.MultiHeadAttention``), Keras 3's layout.

Four ``EinsumDense`` sub-layers named ``query``, ``key``, ``value`` and
``attention_output`` hold the weights, with Keras' shapes: the projections' kernels are
``(dim, num_heads, key_dim)`` (``value_dim`` for ``value``) with biases
``(num_heads, key_dim)``; the output kernel is ``(num_heads, value_dim, output_dim)``.
``get_weights``/``set_weights`` use Keras' order, so Keras weights load as they are.
Attention runs over ``attention_axes`` (default: every axis between the batch and the
feature axis), as Keras: the other axes act as batch axes, and the scores are laid out
``(batch, <other axes>, num_heads, <query attention axes>, <key attention axes>)``.
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
from . import initializers as _initializers
from . import regularizers as _regularizers
from ._core_layers import Dropout
from ._einsum_dense import EinsumDense
from ._layer import Layer


def _letters(n: int, start: int = 0) -> str:
    return "".join(chr(ord("a") + i) for i in range(start, start + n))


def _projection_equation(free: int, bound: int, out: int) -> tuple[str, str]:
    """``(equation, bias axes)`` of a dense map from ``bound`` trailing axes to ``out`` new ones."""
    x, k, o = _letters(free), _letters(bound, free), _letters(out, free + bound)
    return f"{x}{k},{k}{o}->{x}{o}", o


def _attention_equations(rank: int, axes: tuple) -> tuple[str, str, int]:
    """Einsum equations for scores and combination over projected rank-``rank`` tensors.

    Query/key/value are ``(batch, ..., num_heads, channels)``; the axes not in ``axes``
    (heads included) are batch axes of the scores, followed by the query's then the
    key's attention axes.
    """
    q = _letters(rank)
    k = list(q)
    for j, axis in enumerate(axes):
        k[axis] = chr(ord("a") + rank + j)
    k = "".join(k)
    batch = [i for i in range(rank - 1) if i not in axes]
    scores = "".join([q[i] for i in batch] + [q[i] for i in axes] + [k[i] for i in axes])
    return f"{k},{q}->{scores}", f"{scores},{k}->{q}", len(scores)


@op(name="attention_scores")
def _scores(query, key, mask, scale, zero_masked, equation="aecd,abcd->acbe", axes=1):
    # query (B, T, N, H), key (B, S, N, H) -> softmax weights (B, N, T, S); in general
    # the softmax runs over the last `axes` (the key's attention axes).
    logits = jnp.einsum(equation, key, query * jnp.asarray(scale, query.dtype))
    norm = tuple(range(logits.ndim - axes, logits.ndim))
    if mask is not None:
        # Keras' Softmax(mask=...): masked logits become a large negative number. The
        # mask gains axes in front of the attention axes until it has the scores' rank.
        while mask.ndim < logits.ndim:
            mask = jnp.expand_dims(mask, -2 * axes - 1)
        big = -1e9 if logits.dtype == jnp.float32 or logits.dtype == jnp.float64 else -3e4
        logits = jnp.where(mask, logits, jnp.asarray(big, logits.dtype))
    probs = jax.nn.softmax(logits, axis=norm)
    if mask is not None and zero_masked:
        # Keras' Softmax layer zeroes masked weights (a query that may attend to nothing
        # gets all-zero weights); its fused dot_product_attention path does not
        # (uniform weights). Keras takes the first path when scores are returned or
        # dropout is on, the second otherwise; so does jtape.
        probs = jnp.where(mask, probs, jnp.zeros((), probs.dtype))
    return probs


@op(name="attention_combine")
def _combine(scores, value, equation="acbe,aecd->abcd"):
    return jnp.einsum(equation, scores, value)


def _causal(t: int, s: int) -> Tensor:
    """Keras' causal mask ``(1, T, S)``: query ``i`` attends to keys ``j <= i``."""
    return Tensor(jnp.asarray(np.tril(np.ones((1, t, s), bool))))


def _band(t: int, s: int, width: int) -> Tensor:
    """Keras' sliding-window mask ``(1, T, S)``: ``|i - j| < width``."""
    i, j = np.arange(t)[:, None], np.arange(s)[None, :]
    return Tensor(jnp.asarray((np.abs(i - j) < width)[None]))


_and = op(jnp.logical_and, name="logical_and")
_as_bool = op(lambda m: m.astype(bool), name="cast")
_expand = op(jnp.expand_dims, name="expand_dims")


def keras_attention_mask(query, value, query_mask, value_mask, key_mask, attention_mask,
                         use_causal_mask, sliding_window=None):  # fmt: skip
    """Keras' attention mask: ``attention_mask & query_mask[..., None] & value/key masks``
    ``& causal & sliding window`` (None where nothing masks)."""
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
    if sliding_window is not None:
        auto = join(auto, _band(int(query.shape[1]), int(value.shape[1]), sliding_window))
    if attention_mask is not None:
        attention_mask = _as_bool(attention_mask)
        if attention_mask.ndim == 2:
            attention_mask = _expand(attention_mask, 0)
    if auto is None:
        return attention_mask
    return auto if attention_mask is None else _and(attention_mask, auto)


def build_shapes(query_shape, value_shape, key_shape=None) -> dict:
    """Keras' ``build_config`` of an attention layer (its model files record it)."""
    # The batch size is not recorded (a functional model builds with a stand-in batch).
    shapes = {"query_shape": [None, *query_shape[1:]], "value_shape": [None, *value_shape[1:]]}
    if key_shape is not None:
        shapes["key_shape"] = [None, *key_shape[1:]]
    return {"shapes_dict": shapes}


def check_sliding_window(sliding_window):
    if sliding_window is not None and (
        isinstance(sliding_window, bool)
        or not isinstance(sliding_window, int)
        or sliding_window <= 0
    ):
        raise ValueError(
            "`sliding_window` must be `None` or a positive integer. "
            f"Received: sliding_window={sliding_window}"
        )
    return sliding_window


def make_projection(owner: Layer, equation, output_shape, bias_axes, name, input_shape,
                    activation=None, **kwargs) -> EinsumDense:  # fmt: skip
    """A built EinsumDense sub-layer in ``owner``'s dtype policy, its weights named
    ``<owner>/<name>/kernel`` as Keras'."""
    layer = EinsumDense(
        equation, output_shape, bias_axes=bias_axes, name=name, dtype=owner.dtype_policy,
        activation=activation, **kwargs,
    )  # fmt: skip
    layer._scope_name = f"{owner._scope_name}{name}/"
    layer.build(tuple(input_shape))
    layer.built = True
    return layer


class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product attention (``keras.layers.MultiHeadAttention``).

    ``call(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
    attention_mask=None, return_attention_scores=False, training=None,
    use_causal_mask=False)``: ``attention_mask`` is a boolean ``(B, T, S)`` (True
    attends); the Keras masks of ``query``/``value``/``key`` and the causal mask are
    combined with it by logical and, as in Keras. ``return_attention_scores`` also
    returns the ``(B, num_heads, T, S)`` weights. Inputs of higher rank attend over
    ``attention_axes`` (default: all axes but the batch and feature ones) as Keras does;
    ``use_gate``/``sliding_window``/``flash_attention`` are not supported by jtape and
    raise.

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
        if flash_attention:
            raise NotImplementedError(
                "MultiHeadAttention: flash_attention is not supported by jtape; leave it at "
                "None or False (the same numbers without the fused kernel)"
            )
        self.use_gate = bool(use_gate)
        self.sliding_window = check_sliding_window(sliding_window)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                "`attention_axes` must be an int, list, or tuple."
                f"Received: attention_axes={attention_axes}"
            )
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        if output_shape:  # Keras keeps a tuple: 4 -> (4,)
            output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
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
        # Keras' weight order: query, key, gate, value, attention_output; the attribute
        # names are the paths of Keras' weight files (query_dense, _gate_dense, ...).
        self.query_dense = self.key_dense = self._gate_dense = None
        self.value_dense = self.output_dense = None
        self._dropout_layer = None

    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        """Create the four projections (called on the first call with all input shapes)."""
        if value_shape is None:
            return  # the framework passes only the query's shape; call() builds
        self._jt_shapes = build_shapes(query_shape, value_shape, key_shape)
        key_shape = value_shape if key_shape is None else key_shape
        query_shape, value_shape, key_shape = map(tuple, (query_shape, value_shape, key_shape))
        rank = len(query_shape)
        for what, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) < 3 or len(shape) != rank:
                raise ValueError(
                    f"MultiHeadAttention: query, value and key must have the same rank, at "
                    f"least 3 (batch, ..., features); {what} has shape {shape} and query "
                    f"{query_shape}"
                )
        # Keras' axes index the projected tensors, one rank higher: -1 is (rank - 1) - 1.
        axes = self.attention_axes or tuple(range(1, rank - 1))
        self._attention_axes = tuple(a if a >= 0 else rank + a for a in axes)
        self.attention_axes = self._attention_axes  # Keras reports the resolved axes
        self._dot_equation, self._combine_equation, _ = _attention_equations(
            rank + 1, self._attention_axes
        )
        free = rank - 1
        heads = [(self.key_dim, query_shape, "query"), (self.key_dim, key_shape, "key")]
        if self.use_gate:  # Keras builds the gate between the key and the value
            heads.append((self.value_dim, query_shape, "gate"))
        heads.append((self.value_dim, value_shape, "value"))
        dense = []
        for size, shape, name in heads:
            equation, bias = _projection_equation(free, 1, 2)
            dense.append(self._sublayer(
                equation, (None,) * (free - 1) + (self.num_heads, size),
                bias if self.use_bias else None, name, shape,
                "sigmoid" if name == "gate" else None,
            ))  # fmt: skip
        self._gate_dense = dense.pop(2) if self.use_gate else None
        self.query_dense, self.key_dense, self.value_dense = dense
        out = self._output_shape
        if not out:
            out_dims = (query_shape[-1],)
        else:
            out_dims = (out,) if isinstance(out, int) else tuple(out)
        equation, bias = _projection_equation(free, 2, len(out_dims))
        self.output_dense = self._sublayer(
            equation, (None,) * (free - 1) + out_dims, bias if self.use_bias else None,
            "attention_output", query_shape[:-1] + (self.num_heads, self.value_dim),
        )  # fmt: skip
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed, dtype=self.dtype_policy)
        self.built = True

    def _sublayer(self, equation, output_shape, bias_axes, name, input_shape,
                  activation=None) -> EinsumDense:  # fmt: skip
        return make_projection(
            self, equation, output_shape, bias_axes, name, input_shape, activation,
            **self._sub_kwargs,
        )  # fmt: skip

    def _jt_build_config(self):
        return getattr(self, "_jt_shapes", None)

    def compute_output_shape(self, query_shape, value_shape, key_shape=None) -> tuple:
        """``query_shape`` with its last axis replaced by ``output_shape`` (or kept)."""
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        if key_shape is not None and tuple(key_shape)[1:-1] != value_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={tuple(key_shape)}"
            )
        out = self._output_shape
        if not out:
            return query_shape
        return query_shape[:-1] + ((out,) if isinstance(out, int) else tuple(out))

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
        if self.query_dense is None:
            self.build(query.shape, value.shape, key.shape if has_key else None)
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
        q = self.query_dense(query)
        k = self.key_dense(key)
        v = self.value_dense(value)
        # (B, T, S) masks, or ones broadcasting to it, apply to every head.
        if mask is not None and mask.ndim == 2:
            mask = _expand(mask, 0)
        # Keras' fused path (uniform weights for a fully masked query) serves rank-3
        # inputs without returned scores or dropout; otherwise its Softmax zeroes them.
        zero_masked = bool(return_attention_scores) or self.dropout > 0 or query.ndim != 3
        axes = len(self._attention_axes)
        scale = self._inverse_sqrt_key_dim
        scores = _scores(q, k, mask, scale, zero_masked, self._dot_equation, axes)
        dropped = self._dropout_layer(scores, training=training) if self.dropout else scores
        combined = _combine(dropped, v, self._combine_equation)
        if self._gate_dense is not None:
            combined = combined * self._gate_dense(query)
        out = self.output_dense(combined)
        if return_attention_scores:
            return out, scores
        return out

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):  # fmt: skip
        return keras_attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
            self.sliding_window,
        )  # fmt: skip

    def get_config(self) -> dict[str, Any]:
        kw = self._sub_kwargs

        def reg(value):
            value = _regularizers.get(value)
            return _regularizers.serialize(value) if value else None

        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self._output_shape,
            "attention_axes": self.attention_axes,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "kernel_initializer": _initializers.serialize(
                _initializers.get(kw["kernel_initializer"])
            ),
            "bias_initializer": _initializers.serialize(_initializers.get(kw["bias_initializer"])),
            "kernel_regularizer": reg(kw["kernel_regularizer"]),
            "bias_regularizer": reg(kw["bias_regularizer"]),
            "activity_regularizer": reg(self.activity_regularizer),
            "kernel_constraint": kw["kernel_constraint"],
            "bias_constraint": kw["bias_constraint"],
            "seed": self.seed,
        }
