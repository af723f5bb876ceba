"""Keras activation functions (``keras.activations``), each one jtape op.

Defaults follow Keras 3: ``gelu`` is exact (``approximate=False``), ``leaky_relu`` has
slope 0.2, ``elu`` has ``alpha=1``. ``get(None)`` is ``linear``.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtypes, _tf_gradients
from .._array_ops import convert_to_tensor
from .._math_ops import _axis
from .._op_errors import InvalidArgumentError
from .._tensor import Tensor
from ._fused import fused_op
from ._logits import attach_logits


def _t(x):
    """Tensors and Variables pass through; Python and numpy values become Tensors."""
    if isinstance(x, Tensor) or hasattr(x, "_jt_read"):
        return x
    return convert_to_tensor(x)


def _float(x):
    # Keras (TF backend) converts integer inputs to floatx for leaky_relu, tanh and
    # exponential; relu and relu6 keep them; the others refuse them (_float_only).
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(jnp.float32)


def _is_float(dtype) -> bool:
    # numpy's kind test: cheaper than jnp.issubdtype on a per-call path
    dtype = np.dtype(dtype)
    return dtype.kind in "fc" or dtype == jnp.bfloat16


_REAL_FLOATS = "half, bfloat16, float, double"
_COMPLEX_FLOATS = "bfloat16, half, float, double, complex64, complex128"


def _no_integer_constant(x):
    # Keras' hard_sigmoid adds the float 3.0 to x, which TF cannot convert to an integer x.
    x = _t(x)
    if not _is_float(x.dtype):
        raise TypeError(f"Cannot convert 3.0 to EagerTensor of dtype {x.dtype.name}")
    return x


def _float_only(x, kernel: str, allowed: str = _REAL_FLOATS):
    """``x``, or TF's error for an integer or bool input of a float-only kernel."""
    x = _t(x)
    dtype = x.dtype
    if not _is_float(dtype):
        name = {"float32": "float", "float64": "double"}.get(jnp.dtype(dtype).name)
        raise InvalidArgumentError(
            f"Value for attr 'T' of {name or jnp.dtype(dtype).name} is not in the list of "
            f"allowed values: {allowed} [Op:{kernel}]"
        )
    return x


@fused_op(static_argnums=(1, 2, 3))
def _relu(x, negative_slope, max_value, threshold):
    if negative_slope != 0.0 or not jnp.issubdtype(x.dtype, jnp.integer):
        x = _float(x)  # TF keeps an integer input's dtype unless there is a slope
    elif max_value is not None:
        max_value = int(max_value)
    # Keras' ReLU.static_call, in one pure function.
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return _tf_gradients.leaky_relu(x, negative_slope)
    if negative_slope != 0.0:
        negative_part = jax.nn.relu(-x + threshold) if threshold != 0 else jax.nn.relu(-x)
    if threshold != 0:
        y = jnp.where(x > threshold, x, jnp.zeros_like(x))
    else:
        y = jax.nn.relu(x)
    if max_value is not None:
        y = jnp.clip(y, jnp.zeros((), y.dtype), jnp.asarray(max_value, y.dtype))
    if negative_slope != 0.0:
        y = y - negative_slope * negative_part
    return y


def relu(x, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0):
    """``max(x, 0)``, with Keras' optional slope below ``threshold`` and cap ``max_value``.

    Example:
        >>> import jtape.nn.activations as activations
        >>> activations.relu([-1.0, 0.5, 8.0], max_value=6.0).numpy().tolist()
        [0.0, 0.5, 6.0]
    """
    return _relu(
        _t(x),
        float(negative_slope),
        None if max_value is None else float(max_value),
        float(threshold),
    )


_leaky_relu = fused_op(
    lambda x, s: _tf_gradients.leaky_relu(_float(x), s), static_argnums=(1,), name="leaky_relu"
)
_relu6 = fused_op(
    lambda x: jnp.clip(x, 0, 6) if jnp.issubdtype(x.dtype, jnp.integer) else jax.nn.relu6(x),
    name="relu6",
)
_elu = fused_op(lambda x, a: jax.nn.elu(_float(x), a), static_argnums=(1,), name="elu")
_celu = fused_op(lambda x, a: jax.nn.celu(_float(x), a), static_argnums=(1,), name="celu")
_selu = fused_op(lambda x: _tf_gradients.selu(_float(x)), name="selu")
_softplus = fused_op(lambda x: jax.nn.softplus(_float(x)), name="softplus")
_softsign = fused_op(lambda x: jax.nn.soft_sign(_float(x)), name="softsign")
_silu = fused_op(lambda x: jax.nn.silu(_float(x)), name="silu")
_gelu = fused_op(
    lambda x, approximate: jax.nn.gelu(_float(x), approximate=approximate),
    static_argnums=(1,),
    name="gelu",
)
_tanh = fused_op(lambda x: jnp.tanh(_float(x)), name="tanh")
_sigmoid = fused_op(lambda x: jax.nn.sigmoid(_float(x)), name="sigmoid")
_hard_sigmoid = fused_op(lambda x: jax.nn.hard_sigmoid(_float(x)), name="hard_sigmoid")
_hard_silu = fused_op(lambda x: jax.nn.hard_silu(_float(x)), name="hard_silu")
_log_sigmoid = fused_op(lambda x: jax.nn.log_sigmoid(_float(x)), name="log_sigmoid")
_exp = fused_op(lambda x: jnp.exp(_float(x)), name="exponential")
_mish = fused_op(lambda x: _float(x) * jnp.tanh(jax.nn.softplus(_float(x))), name="mish")
_softmax = fused_op(
    lambda x, axis: jax.nn.softmax(_float(x), axis=axis), static_argnums=(1,), name="softmax"
)
_log_softmax = fused_op(
    lambda x, axis: jax.nn.log_softmax(_float(x), axis=axis),
    static_argnums=(1,),
    name="log_softmax",
)


def leaky_relu(x, negative_slope: float = 0.2) -> Tensor:
    """``x`` if positive else ``negative_slope * x``."""
    return _leaky_relu(_t(x), float(negative_slope))


def relu6(x) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return _relu6(_t(x))


def elu(x, alpha: float = 1.0) -> Tensor:
    """``x`` if positive else ``alpha * (exp(x) - 1)``."""
    return _elu(_float_only(x, "Elu"), float(alpha))


def celu(x, alpha: float = 1.0) -> Tensor:
    """Continuously differentiable ELU: ``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _celu(_t(x), float(alpha))


def selu(x) -> Tensor:
    """Scaled ELU with the self-normalising constants."""
    return _selu(_float_only(x, "Selu"))


def softplus(x) -> Tensor:
    """``log(exp(x) + 1)``, computed stably."""
    return _softplus(_float_only(x, "Softplus"))


def softsign(x) -> Tensor:
    """``x / (abs(x) + 1)``."""
    return _softsign(_float_only(x, "Softsign"))


def silu(x) -> Tensor:
    """``x * sigmoid(x)`` (also named ``swish``).

    Example:
        >>> import jtape.nn.activations as activations
        >>> float(activations.swish(0.0))
        0.0
    """
    return _silu(_float_only(x, "Sigmoid", _COMPLEX_FLOATS))


swish = silu


def gelu(x, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit; exact (erf) by default as in Keras 3."""
    x = _t(x)
    if not _is_float(x.dtype):
        raise ValueError(
            "`features.dtype` must be a floating point tensor.Received:features.dtype="
            f"{_dtypes.as_dtype(x.dtype)}"
        )
    return _gelu(x, bool(approximate))


def tanh(x) -> Tensor:
    """Hyperbolic tangent."""
    return _tanh(_t(x))


def sigmoid(x) -> Tensor:
    """``1 / (1 + exp(-x))``.

    As in Keras on TensorFlow, the output remembers ``x`` as its logits: a
    crossentropy on it is computed from ``x`` (see ``_logits.py``).
    """
    x = _float_only(x, "Sigmoid", _COMPLEX_FLOATS)
    return attach_logits(_sigmoid(x), x, "Sigmoid")


def hard_sigmoid(x) -> Tensor:
    """``relu6(x + 3) / 6`` (Keras 3's definition)."""
    return _hard_sigmoid(_no_integer_constant(x))


def hard_silu(x) -> Tensor:
    """``x * hard_sigmoid(x)`` (also named ``hard_swish``)."""
    return _hard_silu(_no_integer_constant(x))


hard_swish = hard_silu


def log_sigmoid(x) -> Tensor:
    """``log(sigmoid(x))``, computed stably."""
    return _log_sigmoid(_float_only(x, "Softplus"))


def exponential(x) -> Tensor:
    """``exp(x)``."""
    return _exp(_t(x))


def mish(x) -> Tensor:
    """``x * tanh(softplus(x))``."""
    return _mish(_float_only(x, "Softplus"))


def softmax(x, axis: int = -1) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis``.

    Example:
        >>> import jtape.nn.activations as activations
        >>> activations.softmax([0.0, 0.0]).numpy().tolist()
        [0.5, 0.5]

    As in Keras on TensorFlow, the output remembers ``x`` as its logits: a
    crossentropy on it is computed from ``x`` (see ``_logits.py``).
    """
    x = _float_only(x, "Softmax")
    return attach_logits(_softmax(x, _axis(axis)), x, "Softmax")


def log_softmax(x, axis: int = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``."""
    return _log_softmax(_float_only(x, "LogSoftmax"), _axis(axis))


def linear(x):
    """The identity: returns ``x`` unchanged."""
    return x


_BY_NAME: dict[str, Callable] = {
    f.__name__: f
    for f in (
        relu,
        leaky_relu,
        relu6,
        elu,
        celu,
        selu,
        softplus,
        softsign,
        silu,
        gelu,
        tanh,
        sigmoid,
        hard_sigmoid,
        hard_silu,
        log_sigmoid,
        exponential,
        mish,
        softmax,
        log_softmax,
        linear,
    )
}
_BY_NAME["swish"] = silu
_BY_NAME["hard_swish"] = hard_silu


def get(identifier) -> Callable:
    """The activation named ``identifier``, or ``identifier`` itself if callable.

    Example:
        >>> import jtape.nn.activations as activations
        >>> activations.get("relu") is activations.relu
        True
        >>> activations.get(None) is activations.linear
        True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        identifier = identifier.get("config", identifier.get("class_name"))
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            raise ValueError(
                f"Unknown activation function: {identifier!r}. Known: {sorted(_BY_NAME)}"
            )
        return fn
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation: Callable) -> str:
    """The name of a built-in activation (the inverse of :func:`get`)."""
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return name
    name = getattr(activation, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize activation {activation!r}: it has no name")
    return name


def deserialize(config, custom_objects: dict | None = None) -> Callable:
    """Inverse of :func:`serialize`."""
    if isinstance(config, str) and custom_objects and config in custom_objects:
        return custom_objects[config]
    return get(config)
