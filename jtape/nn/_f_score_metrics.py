"""Keras' ``FBetaScore``/``F1Score`` and ``R2Score``: per-column sums, scored at the end.

Both create their state on the first ``update_state`` (its size is the number of
columns of ``y_pred``), as Keras does. Importing this module registers the names with
``keras.metrics.get``.
"""

from __future__ import annotations

import warnings
from typing import Any

import jax.numpy as jnp
import numpy as np

from .._state import tracing
from .._tensor import Tensor
from . import _metrics
from ._fused import fused_op
from ._losses import _t, squeeze_or_expand_to_same_rank
from ._metrics import Metric, _sw

_EPSILON = 1e-7


def _check_2d(cls: str, y_true_shape, y_pred_shape) -> None:
    if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
        raise ValueError(
            f"{cls} expects 2D inputs with shape (batch_size, output_dim). Received input "
            f"shapes: y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
        )


# -- F-beta --------------------------------------------------------------------------------
def _fbeta_increments(y_true, y_pred, sample_weight, threshold, axis, dtype):
    y_true, y_pred = y_true.astype(dtype), y_pred.astype(dtype)
    if threshold is None:
        # The row's largest score (all of them when tied) is the predicted class.
        top = jnp.max(y_pred, axis=-1, keepdims=True)
        y_pred = (y_pred >= top) & (jnp.abs(y_pred) > 1e-9)
    else:
        y_pred = y_pred > threshold
    y_pred = y_pred.astype(dtype)

    def weighted_sum(v):
        if sample_weight is not None:
            v = v * jnp.expand_dims(sample_weight.astype(dtype), 1)
        return jnp.sum(v, axis=axis)

    return (
        weighted_sum(y_pred * y_true),
        weighted_sum(y_pred * (1 - y_true)),
        weighted_sum((1 - y_pred) * y_true),
        weighted_sum(y_true),
    )


def _fbeta_result(tp, fp, fn, weights, beta, average):
    precision = tp / (tp + fp + _EPSILON)
    recall = tp / (tp + fn + _EPSILON)
    b2 = beta**2
    score = precision * recall / (b2 * precision + recall + _EPSILON) * (1 + b2)
    if average == "weighted":
        return jnp.sum(score * weights / (jnp.sum(weights) + _EPSILON))
    if average is not None:
        return jnp.mean(score)
    return score


_fbeta_update_op = fused_op(_fbeta_increments, static_argnums=(3, 4, 5), name="fbeta_update")
_fbeta_result_op = fused_op(_fbeta_result, static_argnums=(5,), name="fbeta_result")


class FBetaScore(Metric):
    """F-beta score per class, or averaged (``"micro"``, ``"macro"``, ``"weighted"``).

    With ``threshold=None`` the highest score of each row is the prediction.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.FBetaScore(beta=2.0, threshold=0.5)
        >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
        ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
        >>> [round(float(v), 4) for v in m.result().numpy()]
        [0.3846, 0.9091, 0.8333]
    """

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float | None = None,
        name: str = "fbeta_score",
        dtype=None,
    ) -> None:
        super().__init__(dtype=dtype, name=name)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                "Invalid `average` argument value. Expected one of: "
                f"{{None, 'micro', 'macro', 'weighted'}}. Received: average={average}"
            )
        if not isinstance(beta, float):
            raise ValueError(
                "Invalid `beta` argument value. It should be a Python float. "
                f"Received: beta={beta} of type '{type(beta)}'"
            )
        if beta <= 0.0:
            raise ValueError(
                f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}"
            )
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    "Invalid `threshold` argument value. It should be a Python float. "
                    f"Received: threshold={threshold} of type '{type(threshold)}'"
                )
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(
                    "Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                    f"Received: threshold={threshold}"
                )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape) -> None:
        _check_2d("FBetaScore", y_true_shape, y_pred_shape)
        shape = () if self.average == "micro" else (int(y_pred_shape[-1]),)
        for name in ("true_positives", "false_positives", "false_negatives"):
            setattr(self, name, self.add_variable(shape, "zeros", name=name))
        self.intermediate_weights = self.add_variable(shape, "zeros", name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _t(y_true), _t(y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        increments = _fbeta_update_op(
            y_true, y_pred, _sw(sample_weight), self.threshold, self.axis, self.dtype
        )
        state = (
            self.true_positives,
            self.false_positives,
            self.false_negatives,
            self.intermediate_weights,
        )
        for var, inc in zip(state, increments):
            var.assign_add(inc)

    def result(self) -> Tensor:
        if not self._built:
            raise ValueError(f"{type(self).__name__}.result() called before any update_state()")
        return _fbeta_result_op(
            self.true_positives,
            self.false_positives,
            self.false_negatives,
            self.intermediate_weights,
            np.float32(self.beta),
            self.average,
        )

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    """F1 score (``FBetaScore`` with ``beta=1``), per class or averaged.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.F1Score(threshold=0.5)
        >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
        ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
        >>> [round(float(v), 4) for v in m.result().numpy()]
        [0.5, 0.8, 0.6667]
    """

    def __init__(
        self,
        average: str | None = None,
        threshold: float | None = None,
        name: str = "f1_score",
        dtype=None,
    ) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["beta"]
        return config


# -- R2 ------------------------------------------------------------------------------------
def _aligned_shapes(a: tuple, b: tuple) -> tuple[tuple, tuple]:
    """The shapes ``squeeze_or_expand_to_same_rank`` would give the two arrays."""
    if len(a) == len(b) + 1 and a[-1] == 1:
        return (a, b + (1,)) if len(b) == 1 else (a[:-1], b)
    if len(b) == len(a) + 1 and b[-1] == 1:
        return (a + (1,), b) if len(a) == 1 else (a, b[:-1])
    return a, b


def _r2_increments(y_true, y_pred, sample_weight, dtype):
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true.astype(dtype), y_pred.astype(dtype))
    if sample_weight is None:
        sample_weight = jnp.ones((), dtype)
    sample_weight = sample_weight.astype(dtype)
    if sample_weight.ndim == 1:
        sample_weight = sample_weight[:, None]
    sample_weight = jnp.broadcast_to(sample_weight, y_true.shape)
    weighted = y_true * sample_weight
    return (
        jnp.sum(weighted, axis=0),
        jnp.sum(y_true * weighted, axis=0),
        jnp.sum(jnp.square(y_true - y_pred) * sample_weight, axis=0),
        jnp.sum(sample_weight, axis=0),
        jnp.asarray(y_true.size, dtype),
    )


def _r2_result(total_sum, squared_sum, residual, count, num_samples, aggregation, p):
    mean = total_sum / count
    total = squared_sum - total_sum * mean
    raw = 1 - residual / total
    raw = jnp.where(jnp.isinf(raw), 0.0, raw)
    if aggregation == "uniform_average":
        score = jnp.mean(raw)
    elif aggregation == "variance_weighted_average":
        score = jnp.sum(total * raw) / jnp.sum(total)
    else:
        score = raw
    if p == 0:
        return score
    # Adjusted R2 needs more samples than regressors + 1; otherwise the plain score.
    n = num_samples.astype(jnp.float32)
    adjusted = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
    return jnp.where(p < n - 1, adjusted, score)


_r2_update_op = fused_op(_r2_increments, static_argnums=(3,), name="r2_update")
_r2_result_op = fused_op(_r2_result, static_argnums=(5, 6), name="r2_result")


class R2Score(Metric):
    """Coefficient of determination ``1 - SS_res / SS_tot`` per output column, aggregated.

    ``class_aggregation`` is ``"uniform_average"`` (default), ``"variance_weighted_average"``
    or ``None`` (one score per column); ``num_regressors > 0`` gives the adjusted R2.
    With too few samples the adjusted score falls back to the plain one with Keras'
    warning (silently inside a compiled step).

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.R2Score()
        >>> m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
        >>> round(float(m.result()), 4)
        0.5714
    """

    def __init__(
        self,
        class_aggregation: str | None = "uniform_average",
        num_regressors: int = 0,
        name: str = "r2_score",
        dtype=None,
    ) -> None:
        super().__init__(dtype=dtype, name=name)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(
                f"Invalid value for argument `class_aggregation`. Expected one of {valid}. "
                f"Received: class_aggregation={class_aggregation}"
            )
        if num_regressors < 0:
            raise ValueError(
                "Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape) -> None:
        _check_2d("R2Score", y_true_shape, y_pred_shape)
        n = (int(y_pred_shape[-1]),)
        self.squared_sum = self.add_variable(n, "zeros", name="squared_sum")
        self.sum = self.add_variable(n, "zeros", name="sum")
        self.total_mse = self.add_variable(n, "zeros", name="residual")
        self.count = self.add_variable(n, "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _t(y_true), _t(y_pred)
        if not self._built:
            self._build(*_aligned_shapes(tuple(y_true.shape), tuple(y_pred.shape)))
        total, squared, residual, count, size = _r2_update_op(
            y_true, y_pred, _sw(sample_weight), self.dtype
        )
        self.sum.assign_add(total)
        self.squared_sum.assign_add(squared)
        self.total_mse.assign_add(residual)
        self.count.assign_add(count)
        self.num_samples.assign_add(size)

    def result(self) -> Tensor:
        if not self._built:
            raise ValueError("R2Score.result() called before any update_state()")
        if self.num_regressors and not tracing():
            # Keras' warnings; inside a compiled step the fallback is silent.
            n = float(self.num_samples.numpy())
            if self.num_regressors > n - 1:
                warnings.warn(
                    "More independent predictors than datapoints in adjusted R2 score. "
                    "Falling back to standard R2 score.",
                    stacklevel=2,
                )
            elif self.num_regressors == n - 1:
                warnings.warn(
                    "Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                    stacklevel=2,
                )
        return _r2_result_op(
            self.sum,
            self.squared_sum,
            self.total_mse,
            self.count,
            self.num_samples,
            self.class_aggregation,
            int(self.num_regressors),
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }


_metrics._BY_NAME.update(
    {
        "FBetaScore": FBetaScore,
        "F1Score": F1Score,
        "R2Score": R2Score,
        "f_beta_score": FBetaScore,
        "f1_score": F1Score,
        "r2_score": R2Score,
    }
)
