"""Keras' categorical hinge, focal crossentropies, Dice and Tversky losses.

Built like the losses of ``_losses.py``: a pure ``jax.numpy`` function per loss, wrapped
once with ``fused_op`` (so tapes differentiate it with JAX), a function form returning
per-sample values and a :class:`LossFunctionWrapper` class that weights and reduces them.
Importing this module registers the names with ``keras.losses.get``.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp

from .. import _tf_gradients
from .._tensor import Tensor
from . import _losses
from ._fused import fused_op
from ._logits import resolve_logits
from ._losses import EPSILON, LossFunctionWrapper, _floatx, _int_axis, _sigmoid_xent, _t


def _float_pair(y_true, y_pred):
    """Keras' preamble of these losses: ``y_pred`` as floatx, ``y_true`` cast to it."""
    y_pred = _floatx(y_pred)
    return y_true.astype(y_pred.dtype), y_pred


# -- pure functions ----------------------------------------------------------------------
def _categorical_hinge(y_true, y_pred):
    y_true, y_pred = _float_pair(y_true, y_pred)
    pos = jnp.sum(y_true * y_pred, axis=-1)
    neg = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    margin = neg - pos + 1.0
    return _tf_gradients.maximum(margin, jnp.zeros((), margin.dtype))


def _binary_focal_crossentropy(
    y_true, y_pred, logits, mode, apply_class_balancing, alpha, gamma, label_smoothing, axis
):
    """``mode``: "probs" (``y_pred`` are probabilities), "logits" (``y_pred`` are logits)
    or "attached" (``y_pred`` a sigmoid's output, ``logits`` its input: Keras' TF backend
    computes the crossentropy from the logits and the focal factor from ``y_pred``)."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if mode == "logits":
        logits, y_pred = y_pred, jax.nn.sigmoid(y_pred)
    if mode == "probs":
        p = jnp.clip(y_pred, EPSILON, 1.0 - EPSILON)
        bce = -(y_true * jnp.log(p) + (1.0 - y_true) * jnp.log(1.0 - p))
    else:
        bce = _sigmoid_xent(y_true, logits.astype(y_pred.dtype))
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal_bce = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal_bce
    return jnp.mean(focal_bce, axis=axis)


def _categorical_focal_crossentropy(
    y_true, y_pred, alpha, gamma, from_logits, label_smoothing, axis
):
    y_true, y_pred = _float_pair(y_true, y_pred)
    if label_smoothing:
        # As in Keras, smoothed over the last axis whatever ``axis`` is.
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = jax.nn.softmax(y_pred, axis=axis)
    output = y_pred / jnp.sum(y_pred, axis=axis, keepdims=True)
    output = jnp.clip(output, EPSILON, 1.0 - EPSILON)
    cce = -y_true * jnp.log(output)
    weight = jnp.power(1.0 - output, gamma) * jnp.asarray(alpha, y_pred.dtype)
    return jnp.sum(weight * cce, axis=axis)


def _dice(y_true, y_pred, axis):
    y_true, y_pred = _float_pair(y_true, y_pred)
    intersection = jnp.sum(y_true * y_pred, axis=axis)
    total = jnp.sum(y_true, axis=axis) + jnp.sum(y_pred, axis=axis) + EPSILON
    return 1.0 - 2.0 * intersection / total


def _tversky(y_true, y_pred, alpha, beta, axis):
    y_true, y_pred = _float_pair(y_true, y_pred)
    intersection = jnp.sum(y_true * y_pred, axis=axis)
    fp = jnp.sum((1.0 - y_pred) * y_true, axis=axis)
    fn = jnp.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - intersection / (intersection + alpha * fp + beta * fn + EPSILON)


_categorical_hinge_op = fused_op(_categorical_hinge, name="categorical_hinge")
_bfce_op = fused_op(
    _binary_focal_crossentropy,
    static_argnums=(3, 4, 5, 6, 7, 8),
    name="binary_focal_crossentropy",
)
_cfce_op = fused_op(
    _categorical_focal_crossentropy,
    static_argnums=(2, 3, 4, 5, 6),
    name="categorical_focal_crossentropy",
)
_dice_op = fused_op(_dice, static_argnums=(2,), name="dice")
_tversky_op = fused_op(_tversky, static_argnums=(2, 3, 4), name="tversky")


def _axes(axis):
    """``None``, an int or a tuple of ints, hashable (a static argument)."""
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return tuple(_int_axis(a) for a in axis)
    return _int_axis(axis)


def _alpha(alpha):
    if isinstance(alpha, (list, tuple)):
        return tuple(float(a) for a in alpha)
    if hasattr(alpha, "shape") and len(alpha.shape) > 0:
        return tuple(float(a) for a in jnp.ravel(jnp.asarray(alpha)))
    return float(alpha)


# -- function forms ----------------------------------------------------------------------
def categorical_hinge(y_true, y_pred) -> Tensor:
    """``max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis.

    Example:
        >>> import jtape.nn.losses as losses
        >>> [round(float(v), 4) for v in losses.categorical_hinge([[0.0, 1.0]], [[0.3, 0.8]])]
        [0.5]
    """
    return _categorical_hinge_op(_t(y_true), _t(y_pred))


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Binary crossentropy scaled by ``(1 - p_t) ** gamma``, averaged over ``axis``.

    ``p_t`` is the predicted probability of the true class; with
    ``apply_class_balancing`` class 1 is also weighted by ``alpha`` and class 0 by
    ``1 - alpha``. As in Keras on TensorFlow, the output of a sigmoid activation has its
    crossentropy computed from the sigmoid's logits (no clipping).

    Example:
        >>> import jtape.nn.losses as losses
        >>> y_true, y_pred = [[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]]
        >>> [round(float(v), 3) for v in losses.binary_focal_crossentropy(y_true, y_pred)]
        [0.33, 0.206]
    """
    y_true, y_pred = _t(y_true), _t(y_pred)
    if from_logits:
        mode, logits = "logits", y_pred
    else:
        logits, attached = resolve_logits(y_pred, False, "Sigmoid", "binary_crossentropy")
        mode = "attached" if attached else "probs"
    return _bfce_op(
        y_true,
        y_pred,
        _t(logits),
        mode,
        bool(apply_class_balancing),
        float(alpha),
        float(gamma),
        float(label_smoothing),
        _int_axis(axis),
    )


def categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Categorical crossentropy with each class term scaled by ``alpha * (1 - p) ** gamma``.

    The probabilities are renormalised to sum to one and clipped to ``[1e-7, 1 - 1e-7]``
    (after a softmax when ``from_logits``); ``alpha`` may be one float per class.

    Example:
        >>> import jtape.nn.losses as losses
        >>> y_true, y_pred = [[0, 1, 0]], [[0.05, 0.9, 0.05]]
        >>> float(losses.categorical_focal_crossentropy(y_true, y_pred)[0]) < 3e-4
        True
    """
    if isinstance(axis, bool):
        _int_axis(axis)
    y_pred = _t(y_pred)
    if y_pred.shape and y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_focal_crossentropy, expected y_pred.shape to be "
            f"(batch_size, num_classes) with num_classes > 1. Received: y_pred.shape="
            f"{y_pred.shape}. Consider using 'binary_crossentropy' if you only have 2 "
            "classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    return _cfce_op(
        _t(y_true),
        y_pred,
        _alpha(alpha),
        float(gamma),
        bool(from_logits),
        float(label_smoothing),
        _int_axis(axis),
    )


def dice(y_true, y_pred, axis=None) -> Tensor:
    """``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + 1e-7)`` over ``axis``.

    ``axis=None`` (the default) sums over every axis, so the loss is a scalar.

    Example:
        >>> import jtape.nn.losses as losses
        >>> round(float(losses.dice([[1.0, 0.0]], [[1.0, 1.0]])), 4)
        0.3333
    """
    return _dice_op(_t(y_true), _t(y_pred), _axes(axis))


def tversky(y_true, y_pred, alpha: float = 0.5, beta: float = 0.5, axis=None) -> Tensor:
    """``1 - tp / (tp + alpha * fp + beta * fn + 1e-7)`` with soft counts over ``axis``.

    Keras' naming: ``fp = sum((1 - y_pred) * y_true)`` and ``fn = sum(y_pred * (1 - y_true))``.
    With ``alpha = beta = 0.5`` this is the Dice loss.

    Example:
        >>> import jtape.nn.losses as losses
        >>> round(float(losses.tversky([[1.0, 0.0]], [[1.0, 1.0]], alpha=0.0, beta=1.0)), 4)
        0.5
    """
    return _tversky_op(_t(y_true), _t(y_pred), float(alpha), float(beta), _axes(axis))


# -- classes -----------------------------------------------------------------------------
class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss of one-hot (or -1/1) labels, then the reduction.

    Example:
        >>> import jtape.nn.losses as losses
        >>> round(float(losses.CategoricalHinge()([[0.0, 1.0]], [[0.3, 0.8]])), 4)
        0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary focal crossentropy (see :func:`binary_focal_crossentropy`), then the reduction.

    Example:
        >>> import jtape.nn.losses as losses
        >>> loss = losses.BinaryFocalCrossentropy(gamma=2.0)
        >>> round(float(loss([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])), 3)
        0.268
    """

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction="sum_over_batch_size",
        name="binary_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(
            binary_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical focal crossentropy (see :func:`categorical_focal_crossentropy`).

    Example:
        >>> import jtape.nn.losses as losses
        >>> loss = losses.CategoricalFocalCrossentropy(from_logits=True)
        >>> round(float(loss([[0.0, 1.0]], [[0.0, 0.0]])), 4)
        0.0433
    """

    def __init__(
        self,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction="sum_over_batch_size",
        name="categorical_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(
            categorical_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class Dice(LossFunctionWrapper):
    """Dice loss over ``axis`` (default: all axes, one scalar), then the reduction.

    Example:
        >>> import jtape.nn.losses as losses
        >>> round(float(losses.Dice(axis=1)([[1.0, 0.0], [1.0, 1.0]], [[1.0, 1.0]] * 2)), 4)
        0.1667
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(LossFunctionWrapper):
    """Tversky loss with false-positive weight ``alpha`` and false-negative weight ``beta``.

    Example:
        >>> import jtape.nn.losses as losses
        >>> round(float(losses.Tversky(alpha=0.0, beta=1.0)([[1.0, 0.0]], [[1.0, 1.0]])), 4)
        0.5
    """

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction="sum_over_batch_size",
        name="tversky",
        axis=None,
        dtype=None,
    ):
        super().__init__(
            tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta, axis=axis
        )
        self.alpha = alpha
        self.beta = beta
        self.axis = axis


# Keras' names for ``keras.losses.get``/``deserialize``: each class and function by name.
_losses._BY_NAME.update(
    {
        obj.__name__: obj
        for obj in (
            CategoricalHinge,
            BinaryFocalCrossentropy,
            CategoricalFocalCrossentropy,
            Dice,
            Tversky,
            categorical_hinge,
            binary_focal_crossentropy,
            categorical_focal_crossentropy,
            dice,
            tversky,
        )
    }
)
