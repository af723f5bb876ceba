"""Keras' intersection-over-union metrics: a running ``num_classes``-square confusion matrix.

The state is Keras' ``total_confusion_matrix`` (rows: true class, columns: predicted
class), by default in ``int64``: as in Keras, labels, predictions and sample weights are
cast to the metric's dtype first, so float predictions and weights are truncated unless
``dtype`` is a float type. Entries outside ``[0, num_classes)`` and entries whose label
is ``ignore_class`` are left out. Importing this module registers the names with
``keras.metrics.get``.
"""

from __future__ import annotations

import warnings
from typing import Any

import jax
import jax.numpy as jnp

from .._tensor import Tensor
from . import _metrics
from ._fused import fused_op
from ._losses import _t
from ._metrics import Metric, _sw

_EPSILON = 1e-7


def _cm_increment(y_true, y_pred, sample_weight, num_classes, ignore_class, dtype):
    y_true = y_true.astype(dtype).reshape(-1)
    y_pred = y_pred.astype(dtype).reshape(-1)
    if sample_weight is None:
        sample_weight = jnp.ones((), dtype)
    sample_weight = sample_weight.astype(dtype)
    if sample_weight.ndim > 1:
        sample_weight = sample_weight.reshape(-1)
    sample_weight = jnp.broadcast_to(sample_weight, y_true.shape)
    valid = (y_true >= 0) & (y_true < num_classes) & (y_pred >= 0) & (y_pred < num_classes)
    if ignore_class is not None:
        valid = valid & (y_true != ignore_class)
    cell = jnp.where(valid, y_true, 0).astype(jnp.int32) * num_classes
    cell = cell + jnp.where(valid, y_pred, 0).astype(jnp.int32)
    weights = jnp.where(valid, sample_weight, 0).astype(dtype)
    counts = jax.ops.segment_sum(weights, cell, num_segments=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def _iou_result(total_cm, target_class_ids):
    predicted = jnp.sum(total_cm, axis=0)
    actual = jnp.sum(total_cm, axis=1)
    tp = jnp.diagonal(total_cm)
    ids = jnp.asarray(target_class_ids, jnp.int32)
    denominator = (predicted + actual - tp)[ids].astype(jnp.float32)
    tp = tp[ids].astype(jnp.float32)
    valid = denominator > 1e-9
    iou = jnp.where(valid, tp / (denominator + _EPSILON), 0.0)
    return jnp.sum(iou) / (jnp.sum(valid.astype(jnp.float32)) + _EPSILON)


def _argmax_unless_sparse(y, sparse, axis):
    return y if sparse else jnp.argmax(y, axis=axis)


_cm_op = fused_op(_cm_increment, static_argnums=(3, 4, 5), name="iou_confusion_matrix")
_iou_result_op = fused_op(_iou_result, static_argnums=(1,), name="iou_result")
_argmax_op = fused_op(_argmax_unless_sparse, static_argnums=(1, 2), name="argmax")
_at_least_op = fused_op(
    lambda y, threshold, dtype: (y.astype(jnp.float32) >= threshold).astype(dtype),
    static_argnums=(1, 2),
    name="binary_iou_threshold",
)


class IoU(Metric):
    """Mean intersection-over-union of the classes ``target_class_ids``.

    ``IoU = TP / (TP + FP + FN)`` per class, from a running confusion matrix; classes
    never seen (empty denominator) are left out of the mean.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids,
        name: str | None = None,
        dtype=None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(dtype=dtype or "int64", name=name)
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(
            (num_classes, num_classes), "zeros", name="total_confusion_matrix"
        )
        if max(target_class_ids) >= num_classes:
            raise ValueError(
                f"Target class id {max(target_class_ids)} is out of range, which is "
                f"[0, {num_classes})."
            )
        self.target_class_ids = list(target_class_ids)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = _argmax_op(_t(y_true), bool(self.sparse_y_true), int(self.axis))
        y_pred = _argmax_op(_t(y_pred), bool(self.sparse_y_pred), int(self.axis))
        sample_weight = _sw(sample_weight)
        if sample_weight is not None and sample_weight.dtype.is_floating and self.dtype.is_integer:
            warnings.warn(
                "You are passing weight as `float`, but dtype is `int`. This may result in an "
                "incorrect weight due to type casting Consider using integer weights.",
                stacklevel=2,
            )
        increment = _cm_op(
            y_true, y_pred, sample_weight, int(self.num_classes), self.ignore_class, self.dtype
        )
        self.total_cm.assign_add(increment)

    def result(self) -> Tensor:
        return _iou_result_op(self.total_cm, tuple(int(i) for i in self.target_class_ids))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """IoU of two classes, predicting class 1 where ``y_pred >= threshold``.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self, target_class_ids=(0, 1), threshold: float = 0.5, name: str | None = None, dtype=None
    ) -> None:
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = _at_least_op(_t(y_pred), float(self.threshold), self.dtype)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype.name,
        }


class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes (those seen).

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.MeanIoU(num_classes=2)
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype=None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes=num_classes,
            target_class_ids=list(range(num_classes)),
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """``IoU`` for one-hot labels (and, unless ``sparse_y_pred``, per-class scores).

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
        >>> m.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
        ...                [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
        >>> round(float(m.result()), 4)
        0.1667
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids,
        name: str | None = None,
        dtype=None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes=num_classes,
            target_class_ids=target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """``MeanIoU`` for one-hot labels (and, unless ``sparse_y_pred``, per-class scores).

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.OneHotMeanIoU(num_classes=3)
        >>> m.update_state([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]],
        ...                [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
        >>> round(float(m.result()), 4)
        0.1111
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype=None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes=num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


_CLASSES = (IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU)
_metrics._BY_NAME.update({c.__name__: c for c in _CLASSES})
_metrics._BY_NAME.update({_metrics._snake(c.__name__): c for c in _CLASSES})
