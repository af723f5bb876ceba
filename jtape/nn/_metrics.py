"""Keras metrics: state in non-trainable Variables, updates computed by jtape ops.

A metric only reads and assigns its Variables, so ``update_state``, ``result`` and
``reset_state`` work unchanged inside ``jt.function`` (the variables become inputs and
outputs of the compiled program).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtypes
from .._math_ops import divide_no_nan
from .._tensor import Tensor
from .._variable import Variable
from . import _initializers as initializers
from . import _losses as losses
from ._fused import fused_op
from ._losses import _t, squeeze_or_expand_to_same_rank
from ._masking import get_keras_mask
from ._registry import Registry

_EPSILON = losses.EPSILON
NEG_INF = -1e10


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@functools.lru_cache(maxsize=256)
def _zeros_program(layout: tuple) -> Callable[[], list]:
    """A compiled function returning fresh zero arrays of the given shapes and dtypes."""
    return jax.jit(lambda: [jnp.zeros(shape, dtype) for shape, dtype in layout])


def _zero(variables: list) -> None:
    # One compiled dispatch for all of them (fit resets the metrics every epoch).
    if not variables:
        return
    zeros = _zeros_program(tuple((tuple(v.shape), np.dtype(v.dtype)) for v in variables))()
    for v, z in zip(variables, zeros):
        v.assign(z)


def reset_all(metrics) -> None:
    """``m.reset_state()`` for each metric, zeroing all default-reset ones in one dispatch.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> a, b = metrics.Mean(), metrics.Sum()
        >>> a.update_state([2.0]); b.update_state([3.0])
        >>> reset_all([a, b]); float(a.count), float(b.result())
        (0.0, 0.0)
    """
    zeroed = []
    for m in metrics:
        if type(m).reset_state is Metric.reset_state:
            zeroed.extend(m._variables)
        else:
            m.reset_state()
    _zero(zeroed)


class Metric:
    """Base class of stateful metrics (``keras.metrics.Metric``).

    Subclasses create their state with :meth:`add_variable` in ``__init__`` and
    implement ``update_state`` and ``result``.

    Example:
        >>> import jtape as jt, jtape.nn.metrics as metrics
        >>> class Count(metrics.Metric):
        ...     def __init__(self, name="count"):
        ...         super().__init__(name=name)
        ...         self.n = self.add_variable((), "zeros", name="n")
        ...     def update_state(self, values):
        ...         self.n.assign_add(jt.cast(jt.size(values), "float32"))
        ...     def result(self):
        ...         return self.n.value()
        >>> c = Count()
        >>> c.update_state([1, 2, 3])
        >>> float(c.result())
        3.0
    """

    def __init__(self, dtype=None, name: str | None = None) -> None:
        self.name = name or _snake(type(self).__name__)
        self._dtype = _dtypes.as_dtype(dtype) or _dtypes.float32
        self._variables: list[Variable] = []

    @property
    def dtype(self):
        """The dtype of the metric's state and result."""
        return self._dtype

    @property
    def variables(self) -> list[Variable]:
        """The metric's state variables (all non-trainable)."""
        return list(self._variables)

    @property
    def trainable_variables(self) -> list[Variable]:
        """Always empty: metric state is not trained."""
        return []

    @property
    def non_trainable_variables(self) -> list[Variable]:
        """The metric's state Variables."""
        return self.variables

    def add_variable(
        self, shape, initializer, dtype=None, aggregation: str = "sum", name: str | None = None
    ) -> Variable:
        """A new non-trainable state Variable of ``shape`` filled by ``initializer``."""
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}: call super().__init__() before add_variable()"
            )
        init = initializers.get(initializer)
        dtype = _dtypes.as_dtype(dtype) or self.dtype
        shape = tuple(int(d) for d in shape)
        variable = Variable(
            lambda: init(shape, dtype),
            trainable=False,
            name=name,
            dtype=dtype,
            aggregation=aggregation,
        )
        variable._keras_name = name or "variable"  # Keras 3's ``name`` (``"total"``)
        variable._keras_path = f"{self.name}/{variable._keras_name}"
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name: str | None = None):
        """Alias of :meth:`add_variable` (Keras 2 name)."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    def update_state(self, *args, **kwargs) -> None:
        """Accumulate one batch into the state (subclasses implement it)."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self) -> Tensor:
        """The metric's value from the current state (subclasses implement it)."""
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def reset_state(self) -> None:
        """Set every state variable back to zeros."""
        _zero(self._variables)

    def reset_states(self) -> None:
        """Keras 2 name of :meth:`reset_state` (still common in TF 2 scripts)."""
        self.reset_state()

    def __call__(self, *args, **kwargs) -> Tensor:
        """Update the state with one batch, then return :meth:`result`."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, for :meth:`from_config`."""
        return {"name": self.name, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        """Rebuild a metric from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


# -- Sum, Mean and wrapped per-sample functions ------------------------------------------
def _samplewise(values, sample_weight, reduce_fn, dtype):
    """Keras' reduce_to_samplewise_values: weight, then reduce to one value per sample."""
    values = values.astype(dtype)
    if sample_weight is not None:
        sample_weight = sample_weight.astype(dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        w_ndim, v_ndim = sample_weight.ndim, values.ndim
        if v_ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, v_ndim)))
        sample_weight = jnp.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if w_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, w_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


@fused_op(static_argnums=(2,))
def _sum_increment(values, sample_weight, dtype):
    values, _ = _samplewise(values, sample_weight, jnp.sum, dtype)
    return jnp.sum(values)


@fused_op(static_argnums=(2,))
def _mean_increments(values, sample_weight, dtype):
    values, sample_weight = _samplewise(values, sample_weight, jnp.mean, dtype)
    if sample_weight is not None:
        count = jnp.sum(sample_weight)
    else:
        count = values.shape[0] if values.ndim >= 1 else 1
    return jnp.sum(values), jnp.asarray(count, dtype)


def _sw(sample_weight):
    return None if sample_weight is None else _t(sample_weight)


class Sum(Metric):
    """The weighted sum of all values seen.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.Sum()
        >>> m.update_state([1.0, 3.0, 5.0], sample_weight=[1.0, 0.0, 1.0])
        >>> float(m.result())
        6.0
    """

    def __init__(self, name: str = "sum", dtype=None) -> None:
        super().__init__(dtype=dtype, name=name)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None) -> None:
        self.total.assign_add(_sum_increment(_t(values), _sw(sample_weight), self.dtype))

    def result(self) -> Tensor:
        return self.total.value()


class Mean(Metric):
    """The weighted mean of all values seen: ``sum(w * v) / sum(w)``.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.Mean()
        >>> m.update_state([1.0, 3.0, 5.0, 7.0])
        >>> float(m.result())
        4.0
    """

    def __init__(self, name: str = "mean", dtype=None) -> None:
        super().__init__(dtype=dtype, name=name)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None) -> None:
        total, count = _mean_increments(_t(values), _sw(sample_weight), self.dtype)
        self.total.assign_add(total)
        self.count.assign_add(count)

    def result(self) -> Tensor:
        return divide_no_nan(self.total, self.count)


# Keras 3 MeanMetricWrapper: y_pred's mask multiplies the sample weights ("sum" rule).
_masked_weight = fused_op(
    lambda sample_weight, mask, dtype: losses.apply_mask(sample_weight, mask, dtype, "sum"),
    static_argnums=(2,),
    name="masked_weight",
)


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen.

    A mask carried by ``y_pred`` (see ``Embedding(mask_zero=True)``) multiplies the
    sample weights, as in Keras 3, so padded time steps do not count.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> y_pred = nn.Embedding(3, 2, mask_zero=True)(jt.constant([[1, 2, 0]]))
        >>> m = nn.metrics.MeanMetricWrapper(lambda t, p: p[..., 0] * 0 + t)
        >>> m.update_state(jt.constant([[1.0, 3.0, 100.0]]), y_pred)
        >>> float(m.result())  # the padded step (100.0) is left out
        2.0
    """

    def __init__(self, fn, name: str | None = None, dtype=None, **kwargs) -> None:
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        mask = get_keras_mask(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            sample_weight = _masked_weight(_sw(sample_weight), _t(mask), self.dtype)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self._fn_kwargs}


# -- accuracy functions ------------------------------------------------------------------
def _as_float(x):
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(jnp.float32)


@fused_op
def _accuracy(y_true, y_pred):
    y_true = y_true.astype(y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (y_true == y_pred).astype(jnp.float32)


@fused_op(static_argnums=(2,))
def _binary_accuracy(y_true, y_pred, threshold):
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = (y_pred > threshold).astype(y_true.dtype)
    return (y_true == y_pred).astype(jnp.float32)


@fused_op
def _categorical_accuracy(y_true, y_pred):
    y_true = jnp.argmax(y_true, axis=-1)
    y_pred = _as_float(y_pred)
    y_true = y_true.astype(y_pred.dtype)
    org_shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim
    if reshape:
        y_true = jnp.squeeze(y_true, -1)
    matches = (y_true == jnp.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype(jnp.float32)
    return matches.reshape(org_shape) if reshape else matches


@fused_op
def _sparse_categorical_accuracy(y_true, y_pred):
    y_pred = _as_float(y_pred)
    y_true = y_true.astype(y_pred.dtype)
    org_shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1
    if reshape:
        y_true = jnp.squeeze(y_true, -1)
    matches = (y_true == jnp.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype(jnp.float32)
    if reshape:
        matches = matches.reshape(org_shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = jnp.squeeze(matches, -1)
    return matches


def accuracy(y_true, y_pred) -> Tensor:
    """1.0 where ``y_true == y_pred`` elementwise, else 0.0.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> metrics.accuracy([1, 2, 3], [1, 2, 4]).numpy().tolist()
        [1.0, 1.0, 0.0]
    """
    return _accuracy(_t(y_true), _t(y_pred))


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> Tensor:
    """1.0 where ``(y_pred > threshold) == y_true``; not averaged over the last axis.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> metrics.binary_accuracy([[1.0], [0.0]], [[0.7], [0.6]]).numpy().tolist()
        [[1.0], [0.0]]
    """
    return _binary_accuracy(_t(y_true), _t(y_pred), float(threshold))


def categorical_accuracy(y_true, y_pred) -> Tensor:
    """1.0 where ``argmax(y_true) == argmax(y_pred)`` along the last axis.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> y_pred = [[0.2, 0.8], [0.3, 0.7]]
        >>> metrics.categorical_accuracy([[0, 1], [1, 0]], y_pred).numpy().tolist()
        [1.0, 0.0]
    """
    return _categorical_accuracy(_t(y_true), _t(y_pred))


def sparse_categorical_accuracy(y_true, y_pred) -> Tensor:
    """1.0 where the integer label equals ``argmax(y_pred)`` along the last axis.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> metrics.sparse_categorical_accuracy([1, 0], [[0.2, 0.8], [0.3, 0.7]]).numpy().tolist()
        [1.0, 0.0]
    """
    return _sparse_categorical_accuracy(_t(y_true), _t(y_pred))


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true`` (weighted by ``sample_weight``)."""

    def __init__(self, name: str = "accuracy", dtype=None) -> None:
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches binary labels.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.BinaryAccuracy()
        >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
        >>> float(m.result())
        0.75
    """

    def __init__(self, name: str = "binary_accuracy", dtype=None, threshold: float = 0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the predictions matches the argmax of one-hot labels."""

    def __init__(self, name: str = "categorical_accuracy", dtype=None) -> None:
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the predictions matches integer labels.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.SparseCategoricalAccuracy()
        >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype=None) -> None:
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of ``mean(square(y_true - y_pred), axis=-1)`` over samples."""

    def __init__(self, name: str = "mean_squared_error", dtype=None) -> None:
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of ``mean(abs(y_true - y_pred), axis=-1)`` over samples."""

    def __init__(self, name: str = "mean_absolute_error", dtype=None) -> None:
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary crossentropy over samples."""

    def __init__(
        self,
        name: str = "binary_crossentropy",
        dtype=None,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(
            losses.binary_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical crossentropy over samples."""

    def __init__(
        self,
        name: str = "categorical_crossentropy",
        dtype=None,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
    ) -> None:
        super().__init__(
            losses.categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean sparse categorical crossentropy over samples."""

    def __init__(
        self,
        name: str = "sparse_categorical_crossentropy",
        dtype=None,
        from_logits: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(
            losses.sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            axis=axis,
        )


# -- confusion-matrix metrics -----------------------------------------------------------
_KINDS = ("tp", "fp", "tn", "fn")


def _filter_top_k(x, k):
    _, idx = jax.lax.top_k(x, k)
    mask = jnp.sum(jax.nn.one_hot(idx, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * mask + NEG_INF * (1 - mask)


def _confusion(
    y_true,
    y_pred,
    sample_weight,
    thresholds,
    label_weights,
    kinds,
    evenly,
    with_epsilon,
    top_k,
    class_id,
    multi_label,
):
    """Increments of the confusion counts ``kinds`` (Keras' update_confusion_matrix_variables)."""
    dtype = jnp.float32
    y_true = y_true.astype(dtype)
    y_pred = y_pred.astype(dtype)
    thresholds = thresholds.astype(dtype)
    num_thresholds = thresholds.shape[0]
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = jnp.expand_dims(sample_weight.astype(dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(
            y_true, sample_weight, expand_rank_1=False
        )
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}"
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]

    weights = jnp.ones(y_pred.shape, dtype)
    if sample_weight is not None:
        weights = weights * jnp.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None:
        weights = weights * jnp.broadcast_to(label_weights[None].astype(dtype), y_pred.shape)
    is_true = y_true.astype(bool)
    if not multi_label:
        is_true, y_pred, weights = is_true.reshape(-1), y_pred.reshape(-1), weights.reshape(-1)

    if evenly:
        # Thresholds i/(T-1): bucket each prediction once, then a reverse cumulative
        # sum gives the counts above every threshold in O(N + T) instead of O(N * T).
        y_pred = jnp.clip(y_pred, 0.0, 1.0)
        buckets = jnp.ceil(y_pred * (num_thresholds - 1)) - 1
        if with_epsilon:
            buckets = jnp.maximum(buckets, 0)
        buckets = buckets.astype(jnp.int32)
        true_w = jnp.where(is_true, weights, 0.0)
        false_w = jnp.where(is_true, 0.0, weights)

        def above(w, b):
            per_bucket = jax.ops.segment_sum(w, b, num_segments=num_thresholds)
            return jnp.flip(jnp.cumsum(jnp.flip(per_bucket)))

        if multi_label:
            tp = jax.vmap(above, in_axes=1, out_axes=1)(true_w, buckets)
            fp = jax.vmap(above, in_axes=1, out_axes=1)(false_w, buckets)
            total_true, total_false = jnp.sum(true_w, axis=0), jnp.sum(false_w, axis=0)
        else:
            tp, fp = above(true_w, buckets), above(false_w, buckets)
            total_true, total_false = jnp.sum(true_w), jnp.sum(false_w)
        counts = {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}
        return tuple(counts[k] for k in kinds)

    # General thresholds: compare every prediction with every threshold.
    t_shape = (num_thresholds,) + (1,) * y_pred.ndim
    pred_pos = y_pred[None] > thresholds.reshape(t_shape)
    label_pos = is_true[None]
    w = weights[None]

    def count(label, pred):
        return jnp.sum(jnp.where(label & pred, w, 0.0), axis=1)

    counts = {
        "tp": lambda: count(label_pos, pred_pos),
        "fp": lambda: count(~label_pos, pred_pos),
        "tn": lambda: count(~label_pos, ~pred_pos),
        "fn": lambda: count(label_pos, ~pred_pos),
    }
    return tuple(counts[k]() for k in kinds)


_confusion_op = fused_op(
    _confusion, static_argnums=(5, 6, 7, 8, 9, 10), name="confusion_matrix_update"
)


def _is_evenly_distributed(thresholds) -> bool:
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=_EPSILON))


def _parse_thresholds(thresholds, default):
    values = [default] if thresholds is None else thresholds
    values = [float(v) for v in np.atleast_1d(np.asarray(values, dtype=np.float64))]
    if thresholds is not None and any(not 0.0 <= v <= 1.0 for v in values):
        raise ValueError(f"Threshold values must be in [0, 1]. Received: thresholds={thresholds!r}")
    return values


class _ConfusionMetric(Metric):
    """Shared state handling of Precision and Recall."""

    _kinds: tuple[str, str] = ("tp", "fp")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = _parse_thresholds(thresholds, default)
        self._evenly = _is_evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        names = {"tp": "true_positives", "fp": "false_positives", "fn": "false_negatives"}
        self._state = [self.add_variable((n,), "zeros", name=names[k]) for k in self._kinds]

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        increments = _confusion_op(
            _t(y_true),
            _t(y_pred),
            _sw(sample_weight),
            np.asarray(self.thresholds, np.float32),
            None,
            self._kinds,
            self._evenly,
            self.thresholds[0] < 0.0 or self.thresholds[-1] > 1.0,
            self.top_k,
            self.class_id,
            False,
        )
        for var, inc in zip(self._state, increments):
            var.assign_add(inc)

    def result(self) -> Tensor:
        tp, other = self._state
        out = divide_no_nan(tp, tp + other)
        return out[0] if len(self.thresholds) == 1 else out

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_ConfusionMetric):
    """``true_positives / (true_positives + false_positives)`` at ``thresholds`` (0.5).

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.Precision()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(float(m.result()), 4)
        0.6667
    """

    _kinds = ("tp", "fp")

    @property
    def true_positives(self) -> Variable:
        return self._state[0]

    @property
    def false_positives(self) -> Variable:
        return self._state[1]


class Recall(_ConfusionMetric):
    """``true_positives / (true_positives + false_negatives)`` at ``thresholds`` (0.5).

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.Recall()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(float(m.result()), 4)
        0.6667
    """

    _kinds = ("tp", "fn")

    @property
    def true_positives(self) -> Variable:
        return self._state[0]

    @property
    def false_negatives(self) -> Variable:
        return self._state[1]


def _auc_result(tp, fp, tn, fn, curve, summation, multi_label, label_weights):
    """Keras' AUC.result as one pure function of the four confusion counts."""

    def nn_div(a, b):
        return jnp.where(b == 0, 0.0, a / jnp.where(b == 0, 1.0, b))

    def average(by_label):
        if not multi_label:
            return by_label
        if label_weights is None:
            return jnp.mean(by_label)
        return nn_div(jnp.sum(by_label * label_weights), jnp.sum(label_weights))

    if curve == "PR" and summation == "interpolation":
        # Davis & Goadrich (2006) interpolation of precision between thresholds.
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = nn_div(dtp, jnp.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = jnp.where(
            (p[:-1] > 0) & (p[1:] > 0), nn_div(p[:-1], jnp.maximum(p[1:], 0)), 1.0
        )
        increments = nn_div(
            prec_slope * (dtp + intercept * jnp.log(safe_p_ratio)),
            jnp.maximum(tp[1:] + fn[1:], 0),
        )
        return average(jnp.sum(increments, axis=0))

    recall = nn_div(tp, tp + fn)
    if curve == "ROC":
        x, y = nn_div(fp, fp + tn), recall
    elif curve == "PR":
        x, y = recall, nn_div(tp, tp + fp)
    else:  # PRGAIN
        scale = nn_div(tp + fn, tn + fp)
        recall_gain = jnp.where(tp == 0, 0.0, 1.0 - scale * nn_div(fn, tp))
        precision_gain = jnp.where(tp == 0, 1.0, 1.0 - scale * nn_div(fp, tp))
        x, y = jnp.maximum(recall_gain, 0.0), precision_gain
    if summation == "interpolation":
        heights = (y[:-1] + y[1:]) / 2.0
    elif summation == "minoring":
        heights = jnp.minimum(y[:-1], y[1:])
    else:
        heights = jnp.maximum(y[:-1], y[1:])
    return average(jnp.sum((x[:-1] - x[1:]) * heights, axis=0))


_auc_result_op = fused_op(_auc_result, static_argnums=(4, 5, 6), name="auc_result")


class AUC(Metric):
    """Area under the ROC or PR curve, from counts at ``num_thresholds`` thresholds.

    The thresholds are ``i / (num_thresholds - 1)`` (plus ``-1e-7`` and ``1 + 1e-7``
    at the ends) and the area is summed with Keras' interpolation rules.

    Example:
        >>> import jtape.nn.metrics as metrics
        >>> m = metrics.AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> round(float(m.result()), 4)
        0.75
    """

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype=None,
        thresholds=None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights=None,
        from_logits: bool = False,
    ) -> None:
        curve_key = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}.get(str(curve).lower())
        if curve_key is None:
            raise ValueError(
                f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PRGAIN"]'
            )
        summation = str(summation_method).lower()
        if summation not in ("interpolation", "majoring", "minoring"):
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". Expected values '
                'are ["interpolation", "majoring", "minoring"]'
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
            self._evenly = _is_evenly_distributed([0.0, *inner, 1.0])
        else:
            if int(num_thresholds) <= 1:
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = int(num_thresholds)
            inner = [
                (i + 1) * 1.0 / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)
            ]
            self._evenly = True
        # End points just outside [0, 1] absorb floating point imprecision.
        self._thresholds = np.array([0.0 - _EPSILON, *inner, 1.0 + _EPSILON])
        self.curve = curve_key
        self.summation_method = summation
        super().__init__(dtype=dtype, name=name)
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = (
            None if label_weights is None else np.asarray(label_weights, np.float32)
        )
        self._from_logits = bool(from_logits)
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build((None, int(num_labels)))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self) -> list[float]:
        return [float(t) for t in self._thresholds]

    def _build(self, shape) -> None:
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. "
                    f"Found rank {len(shape)}. Full shape received for `y_pred`: {shape}"
                )
            self._num_labels = int(shape[1])
            var_shape = (self.num_thresholds, self._num_labels)
        else:
            var_shape = (self.num_thresholds,)
        self.true_positives = self.add_variable(var_shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(var_shape, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(var_shape, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(var_shape, "zeros", name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = _t(y_pred)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = _sigmoid(y_pred)
        kinds = ("tp", "fp", "tn", "fn")
        increments = _confusion_op(
            _t(y_true),
            y_pred,
            _sw(sample_weight),
            self._thresholds.astype(np.float32),
            None if self.multi_label else self.label_weights,
            kinds,
            self._evenly,
            True,
            None,
            None,
            self.multi_label,
        )
        state = (
            self.true_positives,
            self.false_positives,
            self.true_negatives,
            self.false_negatives,
        )
        for var, inc in zip(state, increments):
            var.assign_add(inc)

    def result(self) -> Tensor:
        return _auc_result_op(
            self.true_positives,
            self.false_positives,
            self.true_negatives,
            self.false_negatives,
            self.curve,
            self.summation_method,
            self.multi_label,
            self.label_weights if self.multi_label else None,
        )

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


_sigmoid = fused_op(jax.nn.sigmoid, name="sigmoid")


# -- lookup ------------------------------------------------------------------------------
_CLASSES = (
    Metric,
    Mean,
    Sum,
    MeanMetricWrapper,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    MeanSquaredError,
    MeanAbsoluteError,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Precision,
    Recall,
    AUC,
)
_FUNCTIONS = (
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    losses.mean_squared_error,
    losses.mean_absolute_error,
    losses.binary_crossentropy,
    losses.categorical_crossentropy,
    losses.sparse_categorical_crossentropy,
    losses.kl_divergence,
)
_BY_NAME: dict[str, Any] = {c.__name__: c for c in _CLASSES}
_BY_NAME.update({_snake(c.__name__): c for c in _CLASSES if c.__name__ != "AUC"})
_BY_NAME.update({f.__name__: f for f in _FUNCTIONS})
_BY_NAME.update(
    {
        "auc": AUC,
        "mse": MeanSquaredError,
        "MSE": MeanSquaredError,
        "mae": MeanAbsoluteError,
        "MAE": MeanAbsoluteError,
        "bce": BinaryCrossentropy,
        "BCE": BinaryCrossentropy,
    }
)


_REGISTRY = Registry("metric", "keras.metrics", Metric, _BY_NAME)
serialize = _REGISTRY.serialize
deserialize = _REGISTRY.deserialize


def get(identifier):
    """A metric from a name (function or class), config dict, class, instance or callable.

    Example:
        >>> get("sparse_categorical_accuracy") is sparse_categorical_accuracy
        True
        >>> type(get("AUC")).__name__
        'AUC'
    """
    return _REGISTRY.get(identifier)
