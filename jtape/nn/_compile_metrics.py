"""The metrics given to ``compile()``, held as one metric: Keras 3's ``compile_metrics``.

``model.metrics`` lists it after the loss tracker (``metrics_names`` is then
``["loss", "compile_metrics"]``, as in Keras 3). It builds its metrics on the first
``update_state(y_true, y_pred)``, when the outputs' shapes are known (``"accuracy"``
becomes the binary, sparse or categorical one), and its ``result()`` is a dict by log
name: an output's name is prefixed for a model with several outputs, a repeated name gets
``_1``, ``_2``, and a weighted metric whose name is taken gets ``weighted_``.

Example:
    >>> import numpy as np, jtape.nn as nn
    >>> m = nn.Sequential([nn.Input((2,)), nn.Dense(1, kernel_initializer="ones")])
    >>> m.compile(optimizer="sgd", loss="mse", metrics=["mae"], weighted_metrics=["mae"])
    >>> m.metrics_names
    ['loss', 'compile_metrics']
    >>> m.evaluate(np.ones((2, 2)), np.zeros((2, 1)), verbose=0, return_dict=True)
    {'loss': 4.0, 'mae': 2.0, 'weighted_mae': 2.0}
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import numpy as np

from .._tensor import Tensor
from .._variable import Variable
from . import metrics as _metrics
from ._metrics import Metric, reset_all


def output_keys(y_pred) -> list | None:
    """The keys of a model's outputs when it has several (a list/tuple or a dict), else None."""
    if isinstance(y_pred, dict):
        return list(y_pred)
    if isinstance(y_pred, (list, tuple)) and len(y_pred) > 1:
        return list(range(len(y_pred)))
    return None


def metric_spec(metrics, argument: str):
    """``compile``'s metrics as given: a list (nested per output) or a dict by output name."""
    if metrics is None:
        return []
    if isinstance(metrics, dict):
        return dict(metrics)
    if isinstance(metrics, (list, tuple)):
        return list(metrics)
    raise TypeError(
        f"compile: `{argument}` must be a list or a dict (by output name), got "
        f"{type(metrics).__name__}: {metrics!r}"
    )


def resolve_metric(identifier, y_true, y_pred) -> Metric:
    """A metric object for ``identifier`` (a name, a function or a Metric)."""
    if isinstance(identifier, _metrics.Metric):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        # Keras' choice from the shapes: binary, sparse or one-hot labels.
        t_shape, p_shape = tuple(np.shape(y_true)), tuple(np.shape(y_pred))
        if p_shape and p_shape[-1] == 1:
            obj = _metrics.binary_accuracy
        elif len(t_shape) < len(p_shape) or (t_shape and t_shape[-1] == 1 and p_shape[-1] > 1):
            obj = _metrics.sparse_categorical_accuracy
        else:
            obj = _metrics.categorical_accuracy
    else:
        obj = _metrics.get(identifier)
    if not isinstance(obj, _metrics.Metric):
        obj = _metrics.MeanMetricWrapper(obj, name=getattr(obj, "__name__", "metric"))
    if isinstance(identifier, str):
        obj.name = identifier  # Keras logs a metric under the name it was asked by
    return obj


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _is_spec_list(value) -> bool:
    return value is None or isinstance(value, (list, tuple))


def _leaves(tree) -> list:
    return jax.tree_util.tree_leaves(tree, is_leaf=lambda v: isinstance(v, (Tensor, Variable)))


class CompileMetrics(Metric):
    """``compile(metrics=..., weighted_metrics=...)`` as one metric named ``compile_metrics``.

    ``output_names(y_pred)`` gives each output's log name (by output key) for a model
    with several outputs.
    """

    def __init__(self, metrics, weighted_metrics, output_names: Callable) -> None:
        super().__init__(name="compile_metrics")
        self._specs = metric_spec(metrics, "metrics")
        self._weighted_specs = metric_spec(weighted_metrics, "weighted_metrics")
        self._output_names = output_names
        # (output key or None, output log name or None, metric), built on the first batch
        self._plain: list | None = None
        self._weighted: list | None = None

    @property
    def built(self) -> bool:
        return self._plain is not None

    @property
    def metrics(self) -> list[Metric]:
        """The metrics it holds, unweighted then weighted (none before the first batch)."""
        if not self.built:
            return []
        return [m for _, _, m in self._plain + self._weighted]

    @property
    def variables(self) -> list:
        return [v for m in self.metrics for v in m.variables]

    def build(self, y_true, y_pred) -> None:
        keys = output_keys(y_pred)
        names = self._output_names(y_pred) if keys is not None else None
        self._plain = self._resolve(self._specs, keys, names, y_true, y_pred, "metrics")
        self._weighted = self._resolve(
            self._weighted_specs, keys, names, y_true, y_pred, "weighted_metrics"
        )

    def _resolve(self, specs, keys, names, y, y_pred, argument: str) -> list:
        if keys is None:
            if isinstance(specs, dict):
                specs = [m for v in specs.values() for m in _as_list(v)]
            first_y = _leaves(y)[0] if y is not None else None
            first_p = _leaves(y_pred)[0]
            return [(None, None, resolve_metric(m, first_y, first_p)) for m in specs]
        if isinstance(specs, dict):
            by_name = {name: k for k, name in names.items()}
            unknown = [name for name in specs if name not in by_name]
            if unknown:
                raise ValueError(
                    f"compile: `{argument}` names outputs {unknown} the model does not have; "
                    f"its outputs are {list(by_name)}."
                )
            per_output = {by_name[name]: _as_list(v) for name, v in specs.items()}
        elif not specs:
            per_output = {}
        elif len(specs) == len(keys) and all(_is_spec_list(v) for v in specs):
            per_output = {k: _as_list(v) for k, v in zip(keys, specs)}
        else:
            raise ValueError(
                f"compile: for a model with {len(keys)} outputs, `{argument}` must be a list "
                f"of {len(keys)} lists (one per output, as Keras 3) or a dict by output name "
                f"({list(names.values())}); got {specs!r}."
            )
        return [
            (k, names[k], resolve_metric(spec, y[k], y_pred[k]))
            for k, metrics in per_output.items()
            for spec in metrics
        ]

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if not self.built:
            self.build(y_true, y_pred)
        for k, _, m in self._plain:
            if k is None:
                m.update_state(y_true, y_pred)
            else:
                m.update_state(y_true[k], y_pred[k])
        for k, _, m in self._weighted:
            if k is None:
                m.update_state(y_true, y_pred, sample_weight=sample_weight)
            else:
                sw = sample_weight
                if isinstance(sw, (list, tuple, dict)):
                    sw = sw[k]
                m.update_state(y_true[k], y_pred[k], sample_weight=sw)

    def reset_state(self) -> None:
        reset_all(self.metrics)

    def result(self) -> dict:
        """Each metric's result by log name (Keras 3's naming, see the module docstring)."""
        if not self.built:
            raise ValueError("Cannot get result() since the metric has not yet been built.")
        results: dict = {}
        counts: dict[str, int] = {}

        def unique(name: str) -> str:
            if name not in counts:
                counts[name] = 1
                return name
            counts[name] += 1
            return f"{name}_{counts[name] - 1}"

        for _, prefix, m in self._plain:
            results[unique(f"{prefix}_{m.name}" if prefix else m.name)] = m.result()
        for _, prefix, m in self._weighted:
            name = f"{prefix}_{m.name}" if prefix else m.name
            if name in counts:
                name = f"{prefix}_weighted_{m.name}" if prefix else f"weighted_{m.name}"
            results[unique(name)] = m.result()
        return results
