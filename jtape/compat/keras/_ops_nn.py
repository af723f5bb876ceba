"""``keras.ops``' neural-network functions: activations, crossentropies, conv, pooling.

Activations and crossentropies are ``jtape.nn``'s (Keras' semantics already, including
the TensorFlow backend's rule that a crossentropy on a softmax/sigmoid output uses its
logits); convolution and pooling are jtape's ``tf.nn`` ops in channels-last layout.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ... import _conv_ops
from ..._nn_ops import moments as _tf_moments
from ..._op import op
from ..._op_errors import InvalidArgumentError
from ..._tensor import Tensor
from ...nn import _pooling
from ...nn import activations as _act
from ...nn import losses as _losses
from ...nn._logits import resolve_logits
from ._ops_dtypes import float_type, floatx, standardize_dtype, tensor
from ._ops_math import _check_kernel


def _no_bool(fn, name: str):
    """``fn`` refusing bool inputs, as Keras' TF backend does (no bool ``Relu`` kernel)."""

    def keras_op(x, *args, **kwargs) -> Tensor:
        x = tensor(x)
        _check_kernel(name, x.dtype, "iufcV")
        return fn(x, *args, **kwargs)

    keras_op.__name__ = keras_op.__qualname__ = name
    keras_op.__doc__ = fn.__doc__
    return keras_op


relu = _no_bool(_act.relu, "relu")
relu6 = _no_bool(_act.relu6, "relu6")
sigmoid = _act.sigmoid
softmax = _act.softmax
log_softmax = _act.log_softmax
silu = _act.silu
swish = _act.silu
elu = _act.elu
selu = _act.selu


def celu(x, alpha: float = 1.0) -> Tensor:
    """CELU; float inputs only (Keras' TF backend raises ``TypeError`` for integers)."""
    x = tensor(x)
    if np.dtype(x.dtype).kind not in "fV":
        raise TypeError(
            f"keras.ops.celu: expected a float input, got {np.dtype(x.dtype).name} (Keras' "
            "TensorFlow backend cannot mix it with the float `alpha`)"
        )
    return _act.celu(x, alpha)


softplus = _act.softplus
softsign = _act.softsign
log_sigmoid = _act.log_sigmoid
hard_sigmoid = _act.hard_sigmoid
hard_silu = _act.hard_silu
hard_swish = _act.hard_silu


def gelu(x, approximate: bool = True) -> Tensor:
    """GELU; the tanh approximation by default (``keras.ops.gelu``; the activation
    ``keras.activations.gelu`` defaults to the exact form)."""
    return _act.gelu(x, approximate=approximate)


def leaky_relu(x, negative_slope: float = 0.2) -> Tensor:
    """Leaky ReLU; bool inputs are refused, as on TensorFlow."""
    x = tensor(x)
    _check_kernel("leaky_relu", x.dtype, "iufcV")
    return _act.leaky_relu(x, negative_slope)


glu = _act.glu
sparsemax = _act.sparsemax


# -- crossentropies (per example, not averaged) ---------------------------------------
def categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    """``-sum(target * log(output), axis)``; probabilities are renormalised and clipped
    to ``[1e-7, 1 - 1e-7]`` first, unless ``from_logits``."""
    return _losses.categorical_crossentropy(target, output, from_logits, 0.0, axis)


def sparse_categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    """``-log(output[target])`` along ``axis`` (integer targets)."""
    return _losses.sparse_categorical_crossentropy(target, output, from_logits, None, axis)


def _bce(target, output, from_logits):
    if from_logits:
        return jnp.maximum(output, 0) - output * target + jnp.log1p(jnp.exp(-jnp.abs(output)))
    eps = 1e-7
    p = jnp.clip(output, eps, 1.0 - eps)
    return -(target * jnp.log(p) + (1 - target) * jnp.log(1 - p))


_bce_op = op(_bce, name="binary_crossentropy")


def binary_crossentropy(target, output, from_logits: bool = False) -> Tensor:
    """Elementwise binary crossentropy (no mean, unlike ``keras.losses``)."""
    target, output = tensor(target), tensor(output)
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={target.shape}, output.shape={output.shape}"
        )
    output, from_logits = resolve_logits(output, from_logits, "Sigmoid", "binary_crossentropy")
    output = tensor(output)
    return _bce_op(tensor(target, output.dtype), output, bool(from_logits))


# -- one_hot, normalize, moments ------------------------------------------------------
_one_hot = op(
    lambda x, n, axis, dtype: jax.nn.one_hot(x, n, dtype=dtype, axis=axis), name="one_hot"
)


def one_hot(x, num_classes: int, axis: int = -1, dtype=None, sparse: bool = False) -> Tensor:
    """One-hot rows (float32 by default); negative indices give all-zero rows."""
    if sparse:
        raise ValueError("one_hot: jtape has no sparse tensors (sparse=True)")
    dt = np.dtype(standardize_dtype(dtype)) if dtype is not None else floatx()
    return _one_hot(tensor(x, "int64"), int(num_classes), int(axis), dt)


_multi_hot = op(
    lambda x, n, axis, dtype: jnp.max(
        jax.nn.one_hot(x, n, dtype=dtype, axis=axis), axis=-2 if axis == -1 else axis
    ),
    name="multi_hot",
)


def multi_hot(inputs, num_classes=None, axis: int = -1, dtype=None, sparse: bool = False, **kwargs):
    """Multi-hot rows: 1 at every class an input row names."""
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if sparse:
        raise ValueError("multi_hot: jtape has no sparse tensors (sparse=True)")
    x = tensor(inputs, "int64")
    dt = np.dtype(standardize_dtype(dtype)) if dtype is not None else floatx()
    if x.ndim == 1:
        x = tensor(x)[None]
        return _multi_hot(x, int(num_classes), int(axis), dt)[0]
    return _multi_hot(x, int(num_classes), int(axis), dt)


def _l2_normalize(x, axis, eps):
    inv = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * jnp.minimum(inv, 1.0 / eps)


def _lp_normalize(x, axis, order, eps):
    norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / jnp.maximum(norm, eps)


_normalize2 = op(_l2_normalize, name="normalize")
_normalize = op(_lp_normalize, name="normalize")


def normalize(x, axis: int = -1, order: int = 2, epsilon=None) -> Tensor:
    """``x`` divided by its ``order``-norm along ``axis`` (at least ``epsilon``, 1e-7)."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = tensor(x)
    _check_kernel("normalize", x.dtype, "fcV")  # Keras' TF backend: no integer norm
    x = tensor(x, float_type(x))
    if x.ndim == 0:
        x = x[None]
    eps = 1e-7 if epsilon is None else float(epsilon)
    if order == 2:
        return _normalize2(x, int(axis), eps)
    return _normalize(x, int(axis), order, eps)


def _int_moments_fn(x, axes, keepdims):
    # TF's moments on integers: integer means (sums wrap, division truncates toward 0).
    n = jnp.asarray(int(np.prod([x.shape[a] for a in axes])), x.dtype)
    mean = jax.lax.div(jnp.sum(x, axes, x.dtype, keepdims=True), n)
    var = jax.lax.div(jnp.sum(jnp.square(x - mean), axes, x.dtype, keepdims=True), n)
    if not keepdims:
        mean, var = jnp.squeeze(mean, axes), jnp.squeeze(var, axes)
    return mean, var


_int_moments = op(_int_moments_fn, name="moments")


def moments(x, axes, keepdims: bool = False, synchronized: bool = False):
    """``(mean, variance)`` over ``axes``; float16 is computed in float32; integers stay
    integers (TF's integer mean, as Keras on TensorFlow)."""
    x = tensor(x)
    if np.dtype(x.dtype).kind in "iub":
        if np.dtype(x.dtype).name not in ("int32", "int64"):
            raise InvalidArgumentError(
                f"keras.ops.moments: Value for attr 'T' of {np.dtype(x.dtype).name} is not "
                "in the list of allowed values (TF's SquaredDifference) [Op:SquaredDifference]"
            )
        axes = [axes] if isinstance(axes, int) else list(axes)
        axes = tuple(sorted(int(a) % x.ndim for a in axes))
        mean, var = _int_moments(x, axes, bool(keepdims))
        return mean, var
    x = tensor(x, float_type(x))
    dt = x.dtype
    if dt in (np.float16, jnp.bfloat16):
        x = tensor(x, "float32")
    axes = [axes] if isinstance(axes, int) else list(axes)
    mean, var = _tf_moments(x, axes, keepdims=keepdims)
    return tensor(mean, dt), tensor(var, dt)


# -- convolution and pooling (channels_last) -----------------------------------------
def _data_format(data_format, n: int) -> str:
    fmt = data_format or "channels_last"
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {fmt!r}")
    spatial = "DHW"[3 - n :] if n > 1 else "W"
    return "N" + spatial + "C" if fmt == "channels_last" else "NC" + spatial


def conv(inputs, kernel, strides=1, padding: str = "valid", data_format=None, dilation_rate=1):
    """N-D convolution; ``kernel`` is ``(*spatial, in_channels // groups, out_channels)``."""
    x = tensor(inputs)
    w = tensor(kernel, x.dtype)
    n = x.ndim - 2
    return _conv_ops.convolution(
        x, w, strides, padding.upper(), _data_format(data_format, n), dilation_rate
    )


def _ntuple(v, n: int) -> tuple[int, ...]:
    return (int(v),) * n if isinstance(v, (int, np.integer)) else tuple(int(e) for e in v)


def _pool(inputs, fn, pool_size, strides, padding, data_format):
    x = tensor(inputs)
    n = x.ndim - 2
    size = _ntuple(pool_size, n)
    strides = size if strides is None else _ntuple(strides, n)
    channels_last = _data_format(data_format, n).endswith("C")
    return fn(
        x, pool_size=size, strides=strides, padding=padding.upper(), channels_last=channels_last
    )


def max_pool(inputs, pool_size, strides=None, padding: str = "valid", data_format=None):
    """Max pooling over the spatial axes (``strides`` default to ``pool_size``)."""
    return _pool(inputs, _pooling.max_pool, pool_size, strides, padding, data_format)


def average_pool(inputs, pool_size, strides=None, padding: str = "valid", data_format=None):
    """Average pooling; padded positions are not counted, as on TensorFlow."""
    return _pool(inputs, _pooling.avg_pool, pool_size, strides, padding, data_format)


def _attention(q, k, v, bias, mask, scale, is_causal):
    logits = jnp.einsum("BTNH,BSNH->BNTS", q, k) * jnp.asarray(scale, q.dtype)
    if bias is not None:
        logits = logits + bias
    allowed = None if mask is None else mask.astype(bool)
    if is_causal:
        t, s = logits.shape[-2], logits.shape[-1]
        causal = jnp.tril(jnp.ones((t, s), bool))
        allowed = causal if allowed is None else allowed & causal
    if allowed is not None:
        big = jnp.asarray(-0.7 * float(jnp.finfo(logits.dtype).max), logits.dtype)
        logits = jnp.where(allowed, logits, big)
    probs = jax.nn.softmax(logits.astype(jnp.float32), axis=-1).astype(q.dtype)
    return jnp.einsum("BNTS,BSNH->BTNH", probs, v)


_attention_op = op(_attention, name="dot_product_attention")


def dot_product_attention(
    query, key, value, bias=None, mask=None, scale=None, is_causal: bool = False,
    flash_attention=None, attn_logits_soft_cap=None,
):  # fmt: skip
    """Softmax attention of ``(B, T, N, H)`` queries over ``(B, S, N, H)`` keys/values.

    ``mask`` (broadcasting to ``(B, N, T, S)``) is True where attending is allowed;
    ``scale`` defaults to ``1 / sqrt(H)``. A query with nothing to attend to gets
    uniform weights, as on Keras' TensorFlow backend.
    """
    if flash_attention or attn_logits_soft_cap is not None:
        raise NotImplementedError(
            "dot_product_attention: flash_attention and attn_logits_soft_cap are not "
            "supported by jtape"
        )
    q, k, v = tensor(query), tensor(key), tensor(value)
    squeeze = q.ndim == 3
    if squeeze:
        q, k, v = q[None], k[None], v[None]
    if q.ndim != 4:
        raise ValueError(
            f"dot_product_attention: expected 3D or 4D inputs, got query.shape={q.shape}"
        )
    scale = 1.0 / float(np.sqrt(q.shape[-1])) if scale is None else float(scale)
    out = _attention_op(
        q, k, v, None if bias is None else tensor(bias, q.dtype),
        None if mask is None else tensor(mask), scale, bool(is_causal),
    )  # fmt: skip
    return out[0] if squeeze else out


# -- piecewise activations: Keras' keras.activations are these ops ---------------------
hard_tanh = _act.hard_tanh
hard_shrink = _act.hard_shrink
soft_shrink = _act.soft_shrink
tanh_shrink = _act.tanh_shrink
sparse_plus = _act.sparse_plus
sparse_sigmoid = _act.sparse_sigmoid
squareplus = _act.squareplus
threshold = _act.threshold
