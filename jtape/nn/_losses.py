"""Keras losses: pure ``jax.numpy`` functions, each wrapped once as a jtape op.

A function form (``mean_squared_error(y_true, y_pred)``) returns the per-sample loss;
a class form (``MeanSquaredError()``) also applies ``sample_weight`` and a reduction.
Both are recorded by tapes like any other op, so their gradients are JAX's.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from .. import _dtypes, _tf_gradients
from .._array_ops import convert_to_tensor, expand_dims, squeeze
from .._math_ops import cast, logical_and
from .._nn_ops import check_labels, labels_survive_cast, take_labels, vouch_cast_labels
from .._tensor import Tensor
from ._fused import fused_op
from ._logits import resolve_logits
from ._masking import get_keras_mask
from ._registry import Registry

# keras.backend.epsilon(): probabilities are clipped to [EPSILON, 1 - EPSILON].
EPSILON = 1e-7

_REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")


class Reduction:
    """The reduction names (``tf.keras.losses.Reduction`` of TF 2 / Keras 2).

    ``AUTO`` is accepted as an alias of ``SUM_OVER_BATCH_SIZE``; Keras 3 dropped it.
    """

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key) -> None:
        standardize_reduction(key)


def standardize_reduction(reduction):
    """Check ``reduction``; ``"auto"`` becomes ``"sum_over_batch_size"``."""
    if reduction == "auto":
        return "sum_over_batch_size"
    if reduction not in _REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. Expected one of "
            f"{['auto', *_REDUCTIONS]}. Received: reduction={reduction!r}"
        )
    return reduction


def _t(x):
    """Tensors and Variables pass through (so tapes see them); other values convert."""
    if isinstance(x, Tensor) or hasattr(x, "_jt_read"):
        return x
    return convert_to_tensor(x)


def _floatx(x):
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(jnp.float32)


# -- shape alignment -------------------------------------------------------------------
def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Keras' rule: if the ranks differ by one and the longer ends in 1, align them.

    Works on jax arrays (inside ops) and on Tensors (through the reshape ops).
    """
    on_tensors = isinstance(x1, Tensor) or hasattr(x1, "_jt_read")
    sq = squeeze if on_tensors else jnp.squeeze
    ex = expand_dims if on_tensors else jnp.expand_dims
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ex(x2, -1)
        else:
            x1 = sq(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ex(x1, -1)
        else:
            x2 = sq(x2, -1)
    return x1, x2


def _check_same_shape(y_true, y_pred, fn: str) -> None:
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{fn}: arguments `y_true` and `y_pred` must have the same shape. "
            f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )


# -- per-sample losses, as pure functions ----------------------------------------------
def _same_rank_float(y_true, y_pred):
    """Keras' preamble: ``y_pred`` as floatx, ``y_true`` in its dtype, ranks matched."""
    y_pred = _floatx(y_pred)
    return squeeze_or_expand_to_same_rank(y_true.astype(y_pred.dtype), y_pred)


def _mean_squared_error(y_true, y_pred):
    y_true, y_pred = _same_rank_float(y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def _mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _same_rank_float(y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def _huber(y_true, y_pred, delta):
    y_true, y_pred = _same_rank_float(y_true, y_pred)
    error = y_pred - y_true
    abs_error = jnp.abs(error)
    delta = jnp.asarray(delta, y_pred.dtype)
    return jnp.mean(
        jnp.where(abs_error <= delta, 0.5 * jnp.square(error), delta * abs_error - 0.5 * delta**2),
        axis=-1,
    )


def _mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _same_rank_float(y_true, y_pred)
    diff = jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), EPSILON))
    return 100.0 * jnp.mean(diff, axis=-1)


def _mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _same_rank_float(y_true, y_pred)
    first = jnp.log(jnp.maximum(y_pred, EPSILON) + 1.0)
    second = jnp.log(jnp.maximum(y_true, EPSILON) + 1.0)
    return jnp.mean(jnp.square(first - second), axis=-1)


def _hinge_labels(y_true):
    # Keras: labels that are all 0 or 1 become -1/1; any other labels are used as given.
    binary = jnp.all((y_true == 0) | (y_true == 1))
    return jnp.where(binary, 2.0 * y_true - 1.0, y_true)


def _hinge(y_true, y_pred):
    y_true, y_pred = _same_rank_float(y_true, y_pred)
    margin = 1.0 - _hinge_labels(y_true) * y_pred
    return jnp.mean(_tf_gradients.maximum(margin, jnp.zeros((), margin.dtype)), axis=-1)


def _squared_hinge(y_true, y_pred):
    y_true, y_pred = _same_rank_float(y_true, y_pred)
    margin = 1.0 - _hinge_labels(y_true) * y_pred
    return jnp.mean(jnp.square(_tf_gradients.maximum(margin, jnp.zeros((), margin.dtype))), axis=-1)


def _poisson(y_true, y_pred):
    y_true, y_pred = _same_rank_float(y_true, y_pred)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + EPSILON), axis=-1)


def _log_cosh(y_true, y_pred):
    y_true, y_pred = _same_rank_float(y_true, y_pred)
    x = y_pred - y_true
    return jnp.mean(x + jax.nn.softplus(-2.0 * x) - jnp.log(2.0).astype(x.dtype), axis=-1)


def _l2_normalize(x, axis):
    # Keras' ops.normalize: x * min(rsqrt(sum(x^2)), 1 / epsilon).
    inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * jnp.minimum(inv_norm, 1.0 / EPSILON)


def _cosine_similarity(y_true, y_pred, axis):
    y_true, y_pred = _same_rank_float(y_true, y_pred)
    return -jnp.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def _kl_divergence(y_true, y_pred):
    y_pred = _floatx(y_pred)
    y_true = jnp.clip(y_true.astype(y_pred.dtype), EPSILON, 1.0)
    y_pred = jnp.clip(y_pred, EPSILON, 1.0)
    return jnp.sum(y_true * jnp.log(y_true / y_pred), axis=-1)


def _categorical_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis):
    y_pred = _floatx(y_pred)
    y_true = y_true.astype(y_pred.dtype)
    _check_same_shape(y_true, y_pred, "categorical_crossentropy")
    if y_pred.ndim < 1:
        raise ValueError("categorical_crossentropy: `y_pred` must be at least rank 1")
    if label_smoothing:
        # Keras smooths over the last axis whatever `axis` is.
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        log_prob = jax.nn.log_softmax(y_pred, axis=axis)
    else:
        # Renormalise, then clip away log(0), as Keras does for probabilities.
        y_pred = y_pred / jnp.sum(y_pred, axis=axis, keepdims=True)
        log_prob = jnp.log(jnp.clip(y_pred, EPSILON, 1.0 - EPSILON))
    return -jnp.sum(y_true * log_prob, axis=axis)


def _sparse_categorical_crossentropy(y_true, y_pred, from_logits, ignore_class, axis):
    y_pred = _floatx(y_pred)
    if y_pred.ndim < 1:
        raise ValueError("sparse_categorical_crossentropy: `y_pred` must be at least rank 1")
    axis = axis % y_pred.ndim
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = jnp.squeeze(y_true, axis=axis)
    expected = y_pred.shape[:axis] + y_pred.shape[axis + 1 :]
    if y_true.shape != expected:
        raise ValueError(
            "sparse_categorical_crossentropy: `y_true` must have the shape of `y_pred` "
            f"without its class axis. Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    valid = None
    if ignore_class is not None:
        valid = y_true != ignore_class
        y_true = jnp.where(valid, y_true, 0)
        y_pred = jnp.where(jnp.expand_dims(valid, axis), y_pred, 0.0)
    if from_logits:
        res = -take_labels(jax.nn.log_softmax(y_pred, axis=axis), y_true, axis)
    else:
        # TF backend: clip the probabilities, then a softmax crossentropy on their log:
        # -log(clip(p)[label] / sum(clip(p))). Written out directly (the clipped values
        # are bounded, so no max-shift is needed): two logs on the batch, not a full
        # log-softmax over the classes.
        clipped = jnp.clip(y_pred, EPSILON, 1.0 - EPSILON)
        picked = take_labels(clipped, y_true, axis)
        res = jnp.log(jnp.sum(clipped, axis=axis)) - jnp.log(picked)
    if valid is not None:
        res = jnp.where(valid, res, 0.0)
    return res


def _sigmoid_xent(labels, logits):
    # TF's stable form of sigmoid_cross_entropy_with_logits.
    return jnp.maximum(logits, 0) - logits * labels + jnp.log1p(jnp.exp(-jnp.abs(logits)))


def _binary_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis):
    y_pred = _floatx(y_pred)
    y_true = y_true.astype(y_pred.dtype)
    _check_same_shape(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = _sigmoid_xent(y_true, y_pred)
    else:
        p = jnp.clip(y_pred, EPSILON, 1.0 - EPSILON)
        bce = -(y_true * jnp.log(p) + (1.0 - y_true) * jnp.log(1.0 - p))
    return jnp.mean(bce, axis=axis)


_mse_op = fused_op(_mean_squared_error, name="mean_squared_error")
_mae_op = fused_op(_mean_absolute_error, name="mean_absolute_error")
_huber_op = fused_op(_huber, static_argnums=(2,), name="huber")
_cosine_op = fused_op(_cosine_similarity, static_argnums=(2,), name="cosine_similarity")
_mape_op = fused_op(_mean_absolute_percentage_error, name="mean_absolute_percentage_error")
_msle_op = fused_op(_mean_squared_logarithmic_error, name="mean_squared_logarithmic_error")
_hinge_op = fused_op(_hinge, name="hinge")
_squared_hinge_op = fused_op(_squared_hinge, name="squared_hinge")
_poisson_op = fused_op(_poisson, name="poisson")
_log_cosh_op = fused_op(_log_cosh, name="log_cosh")
_kld_op = fused_op(_kl_divergence, name="kl_divergence")
_cce_op = fused_op(
    _categorical_crossentropy, static_argnums=(2, 3, 4), name="categorical_crossentropy"
)
_scce_op = fused_op(
    _sparse_categorical_crossentropy,
    static_argnums=(2, 3, 4),
    name="sparse_categorical_crossentropy",
)
_bce_op = fused_op(_binary_crossentropy, static_argnums=(2, 3, 4), name="binary_crossentropy")


# -- function forms ----------------------------------------------------------------------
def mean_squared_error(y_true, y_pred) -> Tensor:
    """``mean(square(y_true - y_pred), axis=-1)``.

    Example:
        >>> import jtape.nn.losses as losses
        >>> losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy().tolist()
        [0.5]
    """
    return _mse_op(_t(y_true), _t(y_pred))


def mean_absolute_error(y_true, y_pred) -> Tensor:
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    return _mae_op(_t(y_true), _t(y_pred))


def huber(y_true, y_pred, delta: float = 1.0) -> Tensor:
    """Quadratic for errors up to ``delta``, linear beyond; averaged over the last axis."""
    return _huber_op(_t(y_true), _t(y_pred), float(delta))


def mean_absolute_percentage_error(y_true, y_pred) -> Tensor:
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), 1e-7)), axis=-1)``."""
    return _mape_op(_t(y_true), _t(y_pred))


def mean_squared_logarithmic_error(y_true, y_pred) -> Tensor:
    """``mean(square(log(max(y_pred, 1e-7) + 1) - log(max(y_true, 1e-7) + 1)), axis=-1)``."""
    return _msle_op(_t(y_true), _t(y_pred))


def hinge(y_true, y_pred) -> Tensor:
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)``; 0/1 labels are taken as -1/1.

    Example:
        >>> import jtape.nn.losses as losses
        >>> losses.hinge([[1.0, 0.0]], [[0.5, 0.5]]).numpy().tolist()
        [1.0]
    """
    return _hinge_op(_t(y_true), _t(y_pred))


def squared_hinge(y_true, y_pred) -> Tensor:
    """``mean(square(max(1 - y_true * y_pred, 0)), axis=-1)``; 0/1 labels as -1/1."""
    return _squared_hinge_op(_t(y_true), _t(y_pred))


def poisson(y_true, y_pred) -> Tensor:
    """``mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)``."""
    return _poisson_op(_t(y_true), _t(y_pred))


def log_cosh(y_true, y_pred) -> Tensor:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed without overflow."""
    return _log_cosh_op(_t(y_true), _t(y_pred))


def cosine_similarity(y_true, y_pred, axis: int = -1) -> Tensor:
    """Negative cosine similarity along ``axis`` (-1 means same direction)."""
    return _cosine_op(_t(y_true), _t(y_pred), _int_axis(axis))


def kl_divergence(y_true, y_pred) -> Tensor:
    """``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to ``[1e-7, 1]``."""
    return _kld_op(_t(y_true), _t(y_pred))


def categorical_crossentropy(
    y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """Crossentropy between one-hot (or soft) labels and predicted class probabilities.

    With ``from_logits=False`` the predictions are renormalised to sum to one and
    clipped to ``[1e-7, 1 - 1e-7]``, as in Keras. The output of a softmax activation is
    taken from its logits instead (Keras' rule on TensorFlow, see ``_logits.py``).

    Example:
        >>> import jtape.nn.losses as losses
        >>> round(float(losses.categorical_crossentropy([[0, 1]], [[0.5, 0.5]])[0]), 4)
        0.6931
    """
    y_pred = _t(y_pred)
    if y_pred.shape and y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be "
            f"(batch_size, num_classes) with num_classes > 1. Received: y_pred.shape="
            f"{y_pred.shape}. Consider using 'binary_crossentropy' if you only have 2 "
            "classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    y_pred, from_logits = resolve_logits(y_pred, from_logits, "Softmax", "categorical_crossentropy")
    return _cce_op(_t(y_true), y_pred, bool(from_logits), float(label_smoothing), _int_axis(axis))


def sparse_categorical_crossentropy(
    y_true, y_pred, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1
) -> Tensor:
    """Crossentropy between integer labels and predicted class probabilities (or logits).

    The output of a softmax activation is taken from its logits (Keras' rule on
    TensorFlow, see ``_logits.py``), unless ``ignore_class`` is set.

    Example:
        >>> import jtape.nn.losses as losses
        >>> round(float(losses.sparse_categorical_crossentropy([1], [[0.5, 0.5]])[0]), 4)
        0.6931
    """
    ignore = None if ignore_class is None else int(ignore_class)
    check_labels(y_true, y_pred, _int_axis(axis), ignore)
    if ignore is None:
        # With ignore_class, Keras masks y_pred first: a new tensor, without logits.
        y_pred, from_logits = resolve_logits(
            y_pred, from_logits, "Softmax", "sparse_categorical_crossentropy"
        )
    return _scce_op(_t(y_true), _t(y_pred), bool(from_logits), ignore, _int_axis(axis))


def binary_crossentropy(
    y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """Elementwise binary crossentropy, averaged over ``axis``.

    The output of a sigmoid activation is taken from its logits (Keras' rule on
    TensorFlow, see ``_logits.py``).

    Example:
        >>> import jtape.nn.losses as losses
        >>> round(float(losses.binary_crossentropy([[1.0]], [[0.5]])[0]), 4)
        0.6931
    """
    y_pred, from_logits = resolve_logits(y_pred, from_logits, "Sigmoid", "binary_crossentropy")
    return _bce_op(
        _t(y_true), _t(y_pred), bool(from_logits), float(label_smoothing), _int_axis(axis)
    )


def _int_axis(axis) -> int:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis!r}")
    return axis


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence


# -- reduction ---------------------------------------------------------------------------
def _reduce_values(values, sample_weight, reduction):
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    loss = jnp.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = jnp.sum(sample_weight).astype(loss.dtype)
            loss = jnp.where(divisor == 0, 0.0, loss / jnp.where(divisor == 0, 1.0, divisor))
        elif values.size > 0:
            loss = loss / values.size
        else:
            loss = jnp.zeros_like(loss)
    return loss


def apply_mask(sample_weight, mask, dtype, reduction):
    """Keras' ``apply_mask`` (jax arrays): fold a mask into the sample weights.

    With a mean reduction the valid entries weigh ``total / valid``, so the mean is over
    them only; otherwise the mask multiplies the weights.
    """
    if mask is None:
        return sample_weight
    mask = mask.astype(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = jnp.sum(mask)
        mask = mask * jnp.where(valid == 0, 0.0, mask.size / jnp.where(valid == 0, 1.0, valid))
    if sample_weight is None:
        return mask
    mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight.astype(dtype))
    return sample_weight * mask


def _reduce_weighted(values, sample_weight, mask, reduction, dtype):
    values = values.astype(dtype)
    sample_weight = apply_mask(sample_weight, mask, dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(
            values, sample_weight.astype(values.dtype)
        )
        values = values * sample_weight
    return _reduce_values(values, sample_weight, reduction)


_reduce_op = fused_op(_reduce_weighted, static_argnums=(3, 4), name="reduce_weighted_loss")


def reduce_weighted_values(
    values, sample_weight=None, mask=None, reduction="sum_over_batch_size", dtype=None
) -> Tensor:
    """Weight per-sample ``values`` by ``sample_weight`` and reduce them as Keras does.

    ``"sum_over_batch_size"`` divides the weighted sum by the number of loss values
    (not by the sum of the weights); ``"mean_with_sample_weight"`` by the weights' sum.

    Example:
        >>> float(reduce_weighted_values([1.0, 3.0], sample_weight=[1.0, 0.0]))
        0.5
    """
    reduction = standardize_reduction(reduction)
    dtype = _dtypes.as_dtype(dtype) or _dtypes.float32
    values = _t(values)
    sample_weight = None if sample_weight is None else _t(sample_weight)
    mask = None if mask is None else _t(mask)
    return _reduce_op(values, sample_weight, mask, reduction, dtype)


# -- classes -----------------------------------------------------------------------------
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Loss:
    """Base class of losses: subclasses implement ``call(y_true, y_pred)`` with jtape ops.

    Calling a loss converts both inputs to ``dtype`` (float32), computes the per-sample
    losses, weights them by ``sample_weight`` and applies ``reduction``. A mask carried
    by ``y_pred`` (see ``Embedding(mask_zero=True)``) also weights them, as in Keras 3:
    the default reduction then averages over the unmasked entries only.

    Example:
        >>> import jtape as jt, jtape.nn.losses as losses
        >>> class MyMSE(losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return jt.mean(jt.square(y_pred - y_true), axis=-1)
        >>> float(MyMSE()([[0.0], [0.0]], [[1.0], [3.0]]))
        5.0
    """

    def __init__(self, name: str | None = None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = _dtypes.as_dtype(dtype) or _dtypes.float32

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        # Keras 3: the mask carried by y_pred (e.g. from Embedding(mask_zero=True)
        # through an LSTM) weights the reduction, so padded steps do not count.
        in_mask = get_keras_mask(y_pred)
        y_true = self._convert_labels(y_true, y_pred)
        y_pred = self._convert(y_pred)
        losses = self.call(y_true, y_pred)
        out_mask = get_keras_mask(losses)
        if out_mask is None:
            out_mask = self._mask(y_true, y_pred)
        if in_mask is None:
            mask = out_mask
        elif out_mask is None:
            mask = in_mask
        else:
            mask = logical_and(cast(in_mask, "bool"), cast(out_mask, "bool"))
        return reduce_weighted_values(
            losses,
            sample_weight=sample_weight,
            mask=mask,
            reduction=self.reduction,
            dtype=self.dtype,
        )

    def _convert(self, x):
        x = x.value() if hasattr(x, "_jt_read") else _t(x)
        return x if x.dtype == self.dtype else cast(x, self.dtype)

    def _convert_labels(self, y_true, y_pred):
        """``y_true`` converted to ``dtype`` (a hook for losses that check labels)."""
        return self._convert(y_true)

    def _mask(self, y_true, y_pred):
        """Entries that count in the reduction (None: all); Keras' loss mask."""
        return None

    def call(self, y_true, y_pred) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A :class:`Loss` made from a per-sample loss function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(
        self,
        fn: Callable,
        reduction="sum_over_batch_size",
        name: str | None = None,
        dtype=None,
        **kwargs,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred) -> Tensor:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self._fn_kwargs}

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({getattr(self.fn, '__name__', self.fn)}, {self._fn_kwargs})>"


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors over the last axis, then the reduction.

    Example:
        >>> import jtape.nn.losses as losses
        >>> float(losses.MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]))
        0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors over the last axis, then the reduction."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error over the last axis, then the reduction."""

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None
    ):
        super().__init__(
            mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype
        )


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error over the last axis, then the reduction."""

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None
    ):
        super().__init__(
            mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype
        )


class Hinge(LossFunctionWrapper):
    """Hinge loss (0/1 labels taken as -1/1), then the reduction."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss (0/1 labels taken as -1/1), then the reduction."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Poisson loss ``y_pred - y_true * log(y_pred)``, then the reduction."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the error, then the reduction."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class Huber(LossFunctionWrapper):
    """Huber loss with threshold ``delta``."""

    def __init__(
        self, delta: float = 1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None
    ):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred))``."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along ``axis``."""

    def __init__(
        self, axis: int = -1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None
    ):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy of labels in {0, 1} against probabilities or logits.

    Example:
        >>> import jtape.nn.losses as losses
        >>> round(float(losses.BinaryCrossentropy(from_logits=True)([[1.0]], [[0.0]])), 4)
        0.6931
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy of one-hot labels against class probabilities or logits."""

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy of integer labels against class probabilities or logits.

    Labels equal to ``ignore_class`` contribute nothing, and the default reduction
    then averages over the remaining labels only.

    Example:
        >>> import jtape.nn.losses as losses
        >>> loss = losses.SparseCategoricalCrossentropy(from_logits=True)
        >>> round(float(loss([0, 1], [[0.0, 0.0], [0.0, 0.0]])), 4)
        0.6931
    """

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction="sum_over_batch_size",
        axis: int = -1,
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def _convert_labels(self, y_true, y_pred):
        # Keras casts the labels to the loss dtype, and the loss casts them back to
        # integers. Integer labels are checked first: in range and exact in the loss
        # dtype, the round trip gives them back, so this loss (as defined here, not a
        # subclass that reads them itself) skips it; otherwise the cast labels are
        # remembered as checked, so their check needs no device sync.
        labels = y_true.value() if hasattr(y_true, "_jt_read") else _t(y_true)
        if labels.dtype == self.dtype:
            return labels
        ignore = None if self.ignore_class is None else int(self.ignore_class)
        axis = _int_axis(self.axis)
        if (
            self.fn is sparse_categorical_crossentropy
            and type(self).call is LossFunctionWrapper.call
            and type(self)._mask is SparseCategoricalCrossentropy._mask
            and labels_survive_cast(labels, y_pred, axis, ignore, self.dtype)
        ):
            return labels
        converted = self._convert(labels)
        vouch_cast_labels(labels, converted, y_pred, axis, ignore)
        return converted

    def _mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        return _valid_labels(y_true, y_pred, int(self.ignore_class), self.axis)


@fused_op(static_argnums=(2, 3))
def _valid_labels(y_true, y_pred, ignore_class, axis):
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    axis = axis % y_pred.ndim
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = jnp.squeeze(y_true, axis=axis)
    return y_true != ignore_class


# -- lookup and serialization ------------------------------------------------------------
_CLASSES = (
    Loss,
    LossFunctionWrapper,
    MeanSquaredError,
    MeanAbsoluteError,
    Huber,
    KLDivergence,
    CosineSimilarity,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    Hinge,
    SquaredHinge,
    Poisson,
    LogCosh,
)
_FUNCTIONS = (
    mean_squared_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    hinge,
    squared_hinge,
    poisson,
    log_cosh,
    huber,
    kl_divergence,
    cosine_similarity,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
_BY_NAME: dict[str, Any] = {c.__name__: c for c in _CLASSES}
_BY_NAME.update({f.__name__: f for f in _FUNCTIONS})
_BY_NAME.update(
    {
        "mse": mean_squared_error,
        "MSE": mean_squared_error,
        "mae": mean_absolute_error,
        "MAE": mean_absolute_error,
        "kld": kl_divergence,
        "KLD": kl_divergence,
        "kullback_leibler_divergence": kl_divergence,
        "bce": binary_crossentropy,
        "BCE": binary_crossentropy,
        "huber_loss": huber,
        "mape": mean_absolute_percentage_error,
        "MAPE": mean_absolute_percentage_error,
        "msle": mean_squared_logarithmic_error,
        "MSLE": mean_squared_logarithmic_error,
        "logcosh": log_cosh,
    }
)


_REGISTRY = Registry("loss", "keras.losses", Loss, _BY_NAME)
serialize = _REGISTRY.serialize
deserialize = _REGISTRY.deserialize


def get(identifier):
    """A loss from a name (function or class name), config dict, class or callable.

    Example:
        >>> get("mse") is mean_squared_error
        True
        >>> type(get("SparseCategoricalCrossentropy")).__name__
        'SparseCategoricalCrossentropy'
    """
    return _REGISTRY.get(identifier)
