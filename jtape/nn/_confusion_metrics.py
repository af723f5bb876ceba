"""Keras' confusion-count metrics and the "X at fixed Y" metrics.

``TruePositives`` & co. accumulate one confusion count at each threshold;
``SensitivityAtSpecificity`` & co. accumulate all four counts at ``num_thresholds``
evenly spaced thresholds and report the best value of one rate among the thresholds
where the other rate reaches the requested value. The counting is the confusion-matrix
update that ``Precision``, ``Recall`` and ``AUC`` use (``_metrics._confusion_op``).
Importing this module registers the names with ``keras.metrics.get``.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from .._tensor import Tensor
from . import _metrics
from ._fused import fused_op
from ._losses import _t
from ._metrics import Metric, _confusion_op, _is_evenly_distributed, _parse_thresholds, _sw

_NAMES = {"tp": "true_positives", "fp": "false_positives", "tn": "true_negatives"}
_NAMES["fn"] = "false_negatives"


def _update(metric, state, kinds, y_true, y_pred, sample_weight, class_id=None) -> None:
    thresholds = metric.thresholds
    increments = _confusion_op(
        _t(y_true),
        _t(y_pred),
        _sw(sample_weight),
        np.asarray(thresholds, np.float32),
        None,
        kinds,
        metric._evenly,
        thresholds[0] < 0.0 or thresholds[-1] > 1.0,
        None,
        class_id,
        False,
    )
    for var, inc in zip(state, increments):
        var.assign_add(inc)


class _ConditionCount(Metric):
    """One confusion count (``_kind``) per threshold."""

    _kind = "tp"

    def __init__(self, thresholds=None, name: str | None = None, dtype=None) -> None:
        super().__init__(dtype=dtype, name=name)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self._evenly = _is_evenly_distributed(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        _update(self, [self.accumulator], (self._kind,), y_true, y_pred, sample_weight)

    def result(self) -> Tensor:
        value = self.accumulator.value()
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConditionCount):
    """Weighted count of positive labels predicted above each threshold (0.5).

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.TruePositives()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> float(m.result())
        2.0
    """

    _kind = "tp"


class FalsePositives(_ConditionCount):
    """Weighted count of negative labels predicted above each threshold (0.5).

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.FalsePositives(thresholds=[0.0, 0.5])
        >>> m.update_state([0, 1, 0, 0], [0.1, 0, 0.7, 1])
        >>> m.result().numpy().tolist()
        [3.0, 2.0]
    """

    _kind = "fp"


class TrueNegatives(_ConditionCount):
    """Weighted count of negative labels predicted at or below each threshold (0.5)."""

    _kind = "tn"


class FalseNegatives(_ConditionCount):
    """Weighted count of positive labels predicted at or below each threshold (0.5)."""

    _kind = "fn"


def _at_constraint(tp, fp, tn, fn, kind, value):
    """Best ``dependent`` rate over the thresholds where ``constrained >= value``."""

    def rate(a, b):
        return jnp.where(a + b == 0, 0.0, a / jnp.where(a + b == 0, 1.0, a + b))

    sensitivity = rate(tp, fn)  # also the recall
    specificity = rate(tn, fp)
    precision = rate(tp, fp)
    constrained, dependent = {
        "sensitivity": (specificity, sensitivity),
        "specificity": (sensitivity, specificity),
        "precision": (sensitivity, precision),
        "recall": (precision, sensitivity),
    }[kind]
    return jnp.max(jnp.where(constrained >= value, dependent, 0.0), initial=0.0)


# ``value`` is traced: one compiled program per reported rate, whatever the constraint.
_at_constraint_op = fused_op(_at_constraint, static_argnums=(4,), name="rate_at_constraint")


class _RateAtConstraint(Metric):
    """All four confusion counts at ``num_thresholds`` thresholds spread over [0, 1]."""

    _arg = "specificity"  # the constructor argument holding the constrained value
    _kind = "sensitivity"  # the reported rate

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(
                f"Argument `{self._arg}` must be in the range [0, 1]. Received: {self._arg}={value}"
            )
        if num_thresholds <= 0:
            raise ValueError(
                "Argument `num_thresholds` must be an integer > 0. "
                f"Received: num_thresholds={num_thresholds}"
            )
        super().__init__(dtype=dtype, name=name)
        setattr(self, self._arg, value)
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._evenly = [0.0, *inner, 1.0], True
        n = len(self.thresholds)
        for kind in ("tp", "fp", "tn", "fn"):
            setattr(self, _NAMES[kind], self.add_variable((n,), "zeros", name=_NAMES[kind]))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        state = [getattr(self, _NAMES[k]) for k in ("tp", "fp", "tn", "fn")]
        kinds = ("tp", "fp", "tn", "fn")
        _update(self, state, kinds, y_true, y_pred, sample_weight, self.class_id)

    def result(self) -> Tensor:
        return _at_constraint_op(
            self.true_positives,
            self.false_positives,
            self.true_negatives,
            self.false_negatives,
            self._kind,
            np.float32(self.value),
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._arg: self.value,
        }


class SensitivityAtSpecificity(_RateAtConstraint):
    """The best sensitivity (recall) among thresholds whose specificity is >= ``specificity``.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.SensitivityAtSpecificity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> float(m.result())
        0.5
    """

    _arg, _kind = "specificity", "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_RateAtConstraint):
    """The best specificity among thresholds whose sensitivity is >= ``sensitivity``.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.SpecificityAtSensitivity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> round(float(m.result()), 4)
        0.6667
    """

    _arg, _kind = "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_RateAtConstraint):
    """The best precision among thresholds whose recall is >= ``recall``.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.PrecisionAtRecall(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> float(m.result())
        0.5
    """

    _arg, _kind = "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_RateAtConstraint):
    """The best recall among thresholds whose precision is >= ``precision``.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.RecallAtPrecision(0.8)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> float(m.result())
        0.5
    """

    _arg, _kind = "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


_CLASSES = (
    TruePositives,
    FalsePositives,
    TrueNegatives,
    FalseNegatives,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    PrecisionAtRecall,
    RecallAtPrecision,
)
_metrics._BY_NAME.update({c.__name__: c for c in _CLASSES})
_metrics._BY_NAME.update({_metrics._snake(c.__name__): c for c in _CLASSES})
