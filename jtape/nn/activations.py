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
from .._op_errors import InvalidArgumentError, NotFoundError
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


# -- Keras 3's piecewise activations: Keras' TF-backend formulas (``where`` on x's dtype) --
# The dtype lists of the TF kernels these formulas call, as TF's errors print them.
_CMP_KERNEL = (
    "float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, uint64"
)
_ABS_KERNEL = "bfloat16, half, float, double, int8, int16, int32, int64"
_CLIP_KERNEL = (
    "bfloat16, half, float, double, int8, uint8, int16, uint16, int32, uint32, int64, uint64"
)
_SQUARE_KERNEL = (
    "bfloat16, half, float, double, int8, int16, int32, int64, uint8, uint16, uint32, uint64, "
    "complex64, complex128"
)
_TF_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def _tf_name(dtype) -> str:
    name = jnp.dtype(dtype).name
    return _TF_NAMES.get(name, name)


def _kernel(x, allowed: str):
    """``x``, or TF's ``InvalidArgumentError`` for a dtype the kernel lacks."""
    name = _tf_name(x.dtype)
    if name not in allowed.split(", "):
        raise InvalidArgumentError(
            f"Value for attr 'T' of {name} is not in the list of allowed values: {allowed}"
        )
    return x


def _constants(x, *values):
    """``x``, or the ``TypeError`` TF raises converting a Python constant of the formula to
    ``x``'s dtype: a float for an integer ``x``, any number for a bool ``x``."""
    kind = np.dtype(x.dtype).kind
    for v in values:
        if (kind in "iu" and isinstance(v, float)) or (
            kind == "b" and isinstance(v, (int, float)) and not isinstance(v, bool)
        ):
            raise TypeError(f"Cannot convert {v} to EagerTensor of dtype {_tf_name(x.dtype)}")
    return x


def _no_list(x, op: str, constant):
    # Keras' formula compares its input with a Python number before converting it
    if isinstance(x, (list, tuple)):
        raise TypeError(
            f"'{op}' not supported between instances of 'list' and '{type(constant).__name__}'"
        )
    return _t(x)


def _number(v):
    """A static Python number: ints stay ints (an integer ``x`` keeps its dtype)."""
    return v if isinstance(v, (bool, int)) else float(v)


def _zero(x):
    return jnp.zeros((), x.dtype)


# TF's clip_by_value: NaN passes through, and its gradient is 1 at the bounds (not
# JAX's 0.5 at a tie of minimum/maximum).
_hard_tanh = fused_op(
    lambda x: jnp.where(x < -1, -jnp.ones((), x.dtype), jnp.where(x > 1, jnp.ones((), x.dtype), x)),
    name="hard_tanh",
)
_hard_shrink = fused_op(
    lambda x, t: jnp.where(jnp.abs(x) > t, x, _zero(x)), static_argnums=(1,), name="hard_shrink"
)
_soft_shrink = fused_op(
    lambda x, t: jnp.where(x > t, x - t, jnp.where(x < -t, x + t, _zero(x))),
    static_argnums=(1,),
    name="soft_shrink",
)
_tanh_shrink = fused_op(lambda x: x - jnp.tanh(x), name="tanh_shrink")
_sparse_plus = fused_op(
    lambda x: jnp.where(x <= -1, _zero(x), jnp.where(x < 1, 0.25 * jnp.square(x + 1), x)),
    name="sparse_plus",
)
_sparse_sigmoid = fused_op(
    lambda x: jnp.where(x <= -1, _zero(x), jnp.where(x >= 1, jnp.ones((), x.dtype), 0.5 * (x + 1))),
    name="sparse_sigmoid",
)
_squareplus = fused_op(
    lambda x, b: (x + jnp.sqrt(jnp.square(x) + jnp.asarray(b, x.dtype))) / 2,
    static_argnums=(1,),
    name="squareplus",
)
_threshold = fused_op(
    lambda x, t, v: jnp.where(x > t, x, jnp.asarray(v).astype(x.dtype)),
    static_argnums=(1, 2),
    name="threshold",
)


def _glu_fn(x, axis):
    a, b = jnp.split(x, 2, axis=axis)
    return a * jax.nn.sigmoid(b)


_glu = fused_op(_glu_fn, static_argnums=(1,), name="glu")


def _sparsemax_fn(x, axis):
    # Keras' formula: sort descending, find the support {k : 1 + k z_k > sum_{j<=k} z_j},
    # then subtract Keras' threshold tau (see ``sparsemax``) and clamp at 0.
    z = -jnp.sort(-x, axis=axis)
    cumsum = jnp.cumsum(z, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    r = jnp.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
    support = z - (cumsum - 1) / r > 0
    k = jnp.sum(support.astype(x.dtype), axis=axis, keepdims=True)
    tau = (jnp.sum(jnp.where(support, cumsum, _zero(x)), axis=axis, keepdims=True) - 1) / k
    y = x - tau
    return jnp.where(y < 0, _zero(x), y)  # TF's Maximum: the gradient passes at a tie


_sparsemax = fused_op(_sparsemax_fn, static_argnums=(1,), name="sparsemax")


def hard_tanh(x) -> Tensor:
    """``x`` clipped to ``[-1, 1]``; the gradient is 1 at the bounds, as TF's clip.

    Example:
        >>> import jtape.nn.activations as activations
        >>> activations.hard_tanh([-3.0, 0.5, 2.0]).numpy().tolist()
        [-1.0, 0.5, 1.0]
    """
    return _hard_tanh(_kernel(_constants(_t(x), 1.0), _CLIP_KERNEL))


def hard_shrink(x, threshold: float = 0.5) -> Tensor:
    """``x`` where ``|x| > threshold``, else 0.

    Example:
        >>> import jtape.nn.activations as activations
        >>> activations.hard_shrink([-1.0, 0.25, 0.75]).numpy().tolist()
        [-1.0, 0.0, 0.75]
    """
    x = _constants(_kernel(_t(x), _ABS_KERNEL), threshold)
    return _hard_shrink(x, _number(threshold))


def soft_shrink(x, threshold: float = 0.5) -> Tensor:
    """``x`` moved ``threshold`` toward 0, and 0 within ``[-threshold, threshold]``.

    Example:
        >>> import jtape as jt, jtape.nn.activations as activations
        >>> activations.soft_shrink(jt.constant([-1.0, 0.25, 0.75])).numpy().tolist()
        [-0.5, 0.0, 0.25]
    """
    x = _kernel(_constants(_no_list(x, ">", threshold), threshold), _CMP_KERNEL)
    return _soft_shrink(x, _number(threshold))


def tanh_shrink(x) -> Tensor:
    """``x - tanh(x)``.

    Example:
        >>> import jtape.nn.activations as activations
        >>> activations.tanh_shrink([0.0]).numpy().tolist()
        [0.0]
    """
    return _tanh_shrink(_kernel(_t(x), _COMPLEX_FLOATS))


def sparse_plus(x) -> Tensor:
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, else ``x``.

    Example:
        >>> import jtape as jt, jtape.nn.activations as activations
        >>> activations.sparse_plus(jt.constant([-2.0, 0.0, 2.0])).numpy().tolist()
        [0.0, 0.25, 2.0]
    """
    x = _constants(_no_list(x, "<=", -1), -1, 1, 0.25)
    return _sparse_plus(_kernel(x, _CMP_KERNEL))


def sparse_sigmoid(x) -> Tensor:
    """0 for ``x <= -1``, ``(x + 1) / 2`` for ``-1 < x < 1``, else 1.

    Example:
        >>> import jtape.nn.activations as activations
        >>> activations.sparse_sigmoid([-2.0, 0.0, 2.0]).numpy().tolist()
        [0.0, 0.5, 1.0]
    """
    return _sparse_sigmoid(_kernel(_constants(_t(x), -1, 0.0), _CMP_KERNEL))


def squareplus(x, b: float = 4) -> Tensor:
    """``(x + sqrt(x**2 + b)) / 2``.

    Example:
        >>> import jtape.nn.activations as activations
        >>> activations.squareplus([0.0]).numpy().tolist()
        [1.0]
    """
    x = _kernel(_kernel(_t(x), _SQUARE_KERNEL), _COMPLEX_FLOATS)  # Square, then Sqrt
    return _squareplus(x, float(b))


def threshold(x, threshold, default_value) -> Tensor:  # noqa: A002 - Keras' name
    """``x`` where ``x > threshold``, else ``default_value`` (in ``x``'s dtype).

    Example:
        >>> import jtape.nn.activations as activations
        >>> activations.threshold([0.5, 2.0], 1.0, -1.0).numpy().tolist()
        [-1.0, 2.0]
    """
    x = _kernel(_constants(_t(x), threshold, default_value), _CMP_KERNEL)
    return _threshold(x, _number(threshold), _number(default_value))


def glu(x, axis: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` for the two halves ``a, b`` of ``axis``.

    Example:
        >>> import jtape.nn.activations as activations
        >>> activations.glu([2.0, 0.0]).numpy().tolist()
        [1.0]
    """
    x = _t(x)
    axis = int(axis)
    if x.shape[axis] % 2:
        raise ValueError(
            f"axis size must be divisible by 2. Received: x.shape={tuple(x.shape)} with axis={axis}"
        )
    return _glu(_kernel(x, _COMPLEX_FLOATS), axis)  # TF's Sigmoid


def sparsemax(x, axis: int = -1) -> Tensor:
    """Sparsemax along ``axis`` as Keras 3.15 computes it: ``max(x - tau, 0)`` with
    ``tau = (sum over the support of the sorted cumulative sums - 1) / |support|``.

    Keras' ``tau`` sums the cumulative sums instead of taking the last one, so where the
    support has two or more entries the result is not the simplex projection of Martins
    et al. (``[0.5, 0.4, 0.3]`` gives zeros); jtape gives Keras' (and TF's) numbers.

    Example:
        >>> import jtape.nn.activations as activations
        >>> activations.sparsemax([1.0, 3.0, 0.0]).numpy().tolist()
        [0.0, 1.0, 0.0]
    """
    x = _kernel(_t(x), _CMP_KERNEL)  # TF's sort
    axis = _axis(axis)
    if not -x.ndim <= axis < x.ndim:
        raise InvalidArgumentError(f"slice index {axis} of dimension 0 out of bounds.")
    dtype = np.dtype(x.dtype)
    if dtype.kind in "iu":
        # Keras' TF formula divides by an integer range: TF's true division gives a float
        # that its Sub cannot mix with the integer input (no integer range below int32).
        if dtype.name not in ("int32", "int64"):
            raise NotFoundError(
                "Could not find device for node: {{node Range}} = "
                f"Range[Tidx=DT_{dtype.name.upper()}]"
            )
        raise InvalidArgumentError(
            "cannot compute Sub as input #1(zero-based) was expected to be a "
            f"{dtype.name} tensor but is a double tensor"
        )
    return _sparsemax(x, axis % x.ndim)


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
        hard_tanh,
        hard_shrink,
        soft_shrink,
        tanh_shrink,
        sparse_plus,
        sparse_sigmoid,
        squareplus,
        threshold,
        glu,
        sparsemax,
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
