"""Keras' top-k accuracy metrics: is the true class among the ``k`` highest scores?

The test is TensorFlow's ``in_top_k``: a label counts when fewer than ``k`` scores are
strictly greater than its own, so classes tied with the ``k``-th score are all in the top
``k``. A row holding a NaN or infinite score, or a label outside ``[0, num_classes)``,
never counts. Importing this module registers the names with ``keras.metrics.get``.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from .._tensor import Tensor
from . import _metrics
from ._fused import fused_op
from ._losses import _t
from ._metrics import MeanMetricWrapper


def _in_top_k(targets, predictions, k):
    """TF's ``in_top_k`` on ``(n,)`` int targets and ``(n, classes)`` scores."""
    n_classes = predictions.shape[-1]
    in_range = (targets >= 0) & (targets < n_classes)
    safe = jnp.clip(targets, 0, max(n_classes - 1, 0))
    target_score = jnp.take_along_axis(predictions, safe[:, None], axis=1)
    greater = jnp.sum(predictions > target_score, axis=1)
    finite = jnp.all(jnp.isfinite(predictions), axis=1)
    return in_range & finite & (greater < k)


def _flat_matches(labels, y_pred, k):
    """Keras' reshaping: scores to ``(-1, classes)``, labels flat, matches as the labels."""
    shape = labels.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    matches = _in_top_k(labels.reshape(-1).astype(jnp.int32), y_pred, k)
    return matches.astype(jnp.float32).reshape(shape)


def _top_k_categorical_accuracy(y_true, y_pred, k):
    if not jnp.issubdtype(y_pred.dtype, jnp.inexact):
        y_pred = y_pred.astype(jnp.float32)
    labels = jnp.argmax(y_true.astype(y_pred.dtype), axis=-1)
    return _flat_matches(labels, y_pred, k)


def _sparse_top_k_categorical_accuracy(y_true, y_pred, k, from_sorted_ids):
    if not from_sorted_ids:
        return _flat_matches(y_true.astype(jnp.int32), y_pred, k)
    # ``y_pred`` holds class ids, best first: is the label among the first k of them?
    shape = y_true.shape
    labels = y_true.astype(y_pred.dtype).reshape(-1)
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    matches = jnp.any(labels[:, None] == y_pred[:, :k], axis=1)
    return matches.astype(jnp.float32).reshape(shape)


_top_k_op = fused_op(
    _top_k_categorical_accuracy, static_argnums=(2,), name="top_k_categorical_accuracy"
)
_sparse_top_k_op = fused_op(
    _sparse_top_k_categorical_accuracy,
    static_argnums=(2, 3),
    name="sparse_top_k_categorical_accuracy",
)


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> Tensor:
    """1.0 where the argmax of one-hot ``y_true`` is in the top ``k`` of ``y_pred``.

    Ties with the ``k``-th score count as in the top ``k`` (TF's ``in_top_k``).

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> y_true, y_pred = [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
        >>> metrics.top_k_categorical_accuracy(y_true, y_pred, k=1).numpy().tolist()
        [0.0, 1.0]
    """
    return _top_k_op(_t(y_true), _t(y_pred), int(k))


def sparse_top_k_categorical_accuracy(
    y_true, y_pred, k: int = 5, from_sorted_ids: bool = False
) -> Tensor:
    """1.0 where the integer label is in the top ``k`` of ``y_pred``, else 0.0.

    With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by decreasing score
    and the label must be among its first ``k`` columns.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> y_pred = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
        >>> metrics.sparse_top_k_categorical_accuracy([2, 1], y_pred, k=1).numpy().tolist()
        [0.0, 1.0]
    """
    return _sparse_top_k_op(_t(y_true), _t(y_pred), int(k), bool(from_sorted_ids))


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the ``k`` highest predictions.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.TopKCategoricalAccuracy(k=1)
        >>> y_true, y_pred = [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
        >>> m.update_state(y_true, y_pred, sample_weight=[0.7, 0.3])
        >>> round(float(m.result()), 4)
        0.3
    """

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest predictions.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.SparseTopKCategoricalAccuracy(k=1)
        >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """

    def __init__(
        self,
        k: int = 5,
        name: str = "sparse_top_k_categorical_accuracy",
        dtype=None,
        from_sorted_ids: bool = False,
    ):
        super().__init__(
            sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=k,
            from_sorted_ids=from_sorted_ids,
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self) -> dict[str, Any]:
        # As Keras: ``from_sorted_ids`` is only written when set.
        config = super().get_config()
        if not self.from_sorted_ids:
            config.pop("from_sorted_ids")
        return config


# Keras' names for ``keras.metrics.get``/``deserialize``.
_metrics._BY_NAME.update(
    {
        "TopKCategoricalAccuracy": TopKCategoricalAccuracy,
        "SparseTopKCategoricalAccuracy": SparseTopKCategoricalAccuracy,
        "top_k_categorical_accuracy": top_k_categorical_accuracy,
        "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    }
)
