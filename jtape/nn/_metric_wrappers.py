"""Keras' regression, hinge and probabilistic metrics: running means of per-sample losses.

Each class is a :class:`MeanMetricWrapper` around the per-sample function of the loss
of the same name (``jtape/nn/_losses.py``), with Keras' default names. Two are not plain
wrappers: :class:`RootMeanSquaredError` is the square root of the mean squared
*element* error, and :class:`CosineSimilarity` averages the positive cosine (the loss is
its negation). Importing this module registers the names with ``keras.metrics.get``.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from .._math_ops import sqrt
from .._tensor import Tensor
from . import _losses as losses
from . import _metrics
from ._fused import fused_op
from ._losses import _l2_normalize, _same_rank_float, _t, squeeze_or_expand_to_same_rank
from ._metrics import Mean, MeanMetricWrapper
from ._more_losses import categorical_hinge


# -- per-sample functions that the losses modules do not provide ------------------------
def _positive_cosine(y_true, y_pred, axis):
    y_true, y_pred = _same_rank_float(y_true, y_pred)
    return jnp.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


@fused_op(static_argnums=(2,))
def _squared_error(y_true, y_pred, dtype):
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true.astype(dtype), y_pred.astype(dtype))
    return jnp.square(y_pred - y_true)


_positive_cosine_op = fused_op(_positive_cosine, static_argnums=(2,), name="cosine_similarity")


def _cosine(y_true, y_pred, axis: int = -1) -> Tensor:
    """Cosine similarity along ``axis`` (1 = same direction), the negated cosine loss."""
    return _positive_cosine_op(_t(y_true), _t(y_pred), int(axis))


# -- the metric classes -------------------------------------------------------------------
class _NameDtypeConfig:
    """Keras writes only ``name`` and ``dtype`` in these metrics' configs."""

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype.name}


class RootMeanSquaredError(Mean):
    """``sqrt(mean(square(y_pred - y_true)))`` over all elements seen (weighted).

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.RootMeanSquaredError()
        >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
        >>> round(float(m.result()), 4)
        0.7071
    """

    def __init__(self, name: str = "root_mean_squared_error", dtype=None) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        error_sq = _squared_error(_t(y_true), _t(y_pred), self.dtype)
        super().update_state(error_sq, sample_weight=sample_weight)

    def result(self) -> Tensor:
        return sqrt(super().result())


class MeanAbsolutePercentageError(_NameDtypeConfig, MeanMetricWrapper):
    """Mean of ``100 * mean(abs((y_true - y_pred) / y_true), axis=-1)`` over samples.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.MeanAbsolutePercentageError()
        >>> m.update_state([[1.0, 2.0]], [[1.5, 2.0]])
        >>> float(m.result())
        25.0
    """

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype=None) -> None:
        super().__init__(losses.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_NameDtypeConfig, MeanMetricWrapper):
    """Mean of ``mean(square(log1p(y_pred) - log1p(y_true)), axis=-1)`` over samples."""

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype=None) -> None:
        super().__init__(losses.mean_squared_logarithmic_error, name=name, dtype=dtype)


class CosineSimilarity(_NameDtypeConfig, MeanMetricWrapper):
    """Mean cosine similarity of ``y_true`` and ``y_pred`` along ``axis``.

    Keras leaves ``axis`` out of the config, so a deserialized metric uses ``axis=-1``.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.CosineSimilarity(axis=1)
        >>> m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
        >>> round(float(m.result()), 4)
        0.5
    """

    def __init__(self, name: str = "cosine_similarity", dtype=None, axis: int = -1) -> None:
        super().__init__(_cosine, name=name, dtype=dtype, axis=axis)


class LogCoshError(_NameDtypeConfig, MeanMetricWrapper):
    """Mean of ``mean(log(cosh(y_pred - y_true)), axis=-1)``; Keras' default name "logcosh"."""

    def __init__(self, name: str = "logcosh", dtype=None) -> None:
        super().__init__(losses.log_cosh, name=name, dtype=dtype)


class Poisson(_NameDtypeConfig, MeanMetricWrapper):
    """Mean of ``mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)`` over samples."""

    def __init__(self, name: str = "poisson", dtype=None) -> None:
        super().__init__(losses.poisson, name=name, dtype=dtype)


class KLDivergence(_NameDtypeConfig, MeanMetricWrapper):
    """Mean Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred), axis=-1)``."""

    def __init__(self, name: str = "kl_divergence", dtype=None) -> None:
        super().__init__(losses.kl_divergence, name=name, dtype=dtype)


class Hinge(_NameDtypeConfig, MeanMetricWrapper):
    """Mean hinge loss; 0/1 labels are taken as -1/1.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.Hinge()
        >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
        >>> round(float(m.result()), 4)
        1.3
    """

    def __init__(self, name: str = "hinge", dtype=None) -> None:
        super().__init__(losses.hinge, name=name, dtype=dtype)


class SquaredHinge(_NameDtypeConfig, MeanMetricWrapper):
    """Mean squared hinge loss; 0/1 labels are taken as -1/1."""

    def __init__(self, name: str = "squared_hinge", dtype=None) -> None:
        super().__init__(losses.squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(_NameDtypeConfig, MeanMetricWrapper):
    """Mean categorical hinge loss of one-hot ``y_true``.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.CategoricalHinge()
        >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
        >>> round(float(m.result()), 4)
        1.4
    """

    def __init__(self, name: str = "categorical_hinge", dtype=None) -> None:
        super().__init__(categorical_hinge, name=name, dtype=dtype)


# Keras' names for ``keras.metrics.get``/``deserialize`` (classes win over functions, as
# in Keras: ``get("hinge")`` is a ``Hinge`` metric).
_CLASSES = (
    RootMeanSquaredError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCoshError,
    Poisson,
    KLDivergence,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
)
_metrics._BY_NAME.update({c.__name__: c for c in _CLASSES})
_metrics._BY_NAME.update(
    {
        "root_mean_squared_error": RootMeanSquaredError,
        "mean_absolute_percentage_error": MeanAbsolutePercentageError,
        "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
        "cosine_similarity": CosineSimilarity,
        "log_cosh_error": LogCoshError,
        "poisson": Poisson,
        "kl_divergence": KLDivergence,
        "hinge": Hinge,
        "squared_hinge": SquaredHinge,
        "categorical_hinge": CategoricalHinge,
        "mape": MeanAbsolutePercentageError,
        "MAPE": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError,
        "MSLE": MeanSquaredLogarithmicError,
    }
)
