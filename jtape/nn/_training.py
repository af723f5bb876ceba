"""``compile``/``fit``/``evaluate``/``predict``: Keras' training loop on ``jt.function``.

Each of ``train_step``, ``test_step`` and ``predict_step`` is ordinary tape-style code
(a GradientTape, ``optimizer.apply_gradients``, metric updates). ``fit`` compiles it
with ``jt.function``, so one step is one XLA program whose inputs and outputs include
the weights, optimizer slots, metric state and random keys. Override a step (a GAN, a
gradient penalty with nested tapes) and the override is what gets compiled.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import jax
import numpy as np

from .._autograph import converted
from .._function import function as jt_function
from .._math_ops import add_n
from .._random import get_global_generator
from .._tape import GradientTape
from .._tensor import Tensor
from .._variable import Variable, init_scope
from . import losses as _losses
from . import metrics as _metrics
from ._callbacks import CallbackList, History, pythonify
from ._compile_metrics import CompileMetrics, metric_spec, output_keys
from ._metrics import reset_all
from ._py_dataset import PyDataset, PyDatasetAdapter


# -- data ---------------------------------------------------------------------------------
def unpack_x_y_sample_weight(data):
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> the three (missing: None)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found a tuple of {len(data)} elements"
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The inverse of :func:`unpack_x_y_sample_weight`."""
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _is_array(x) -> bool:
    return isinstance(x, (np.ndarray, jax.Array, Tensor, Variable, list)) or np.isscalar(x)


def _tree_leaves(x) -> list:
    return jax.tree_util.tree_leaves(x, is_leaf=lambda v: isinstance(v, (Tensor, Variable)))


def _to_numpy(x):
    def one(v):
        arr = np.asarray(v)
        return arr.astype(np.float32) if arr.dtype == np.float64 else arr

    return jax.tree_util.tree_map(one, x, is_leaf=lambda v: isinstance(v, (Tensor, Variable)))


class _Arrays:
    """In-memory arrays cut into batches; shuffled by one permutation per epoch."""

    def __init__(self, x, y, sample_weight, batch_size: int | None, shuffle: bool) -> None:
        self.data = _to_numpy(pack_x_y_sample_weight(x, y, sample_weight))
        sizes = {int(np.shape(v)[0]) for v in _tree_leaves(self.data)}
        if len(sizes) != 1:
            raise ValueError(
                "Data cardinality is ambiguous: the arrays of x, y and sample_weight have "
                f"different numbers of samples {sorted(sizes)}. Make sure all arrays contain "
                "the same number of samples."
            )
        self.num_samples = sizes.pop()
        self.batch_size = int(batch_size or 32)
        self.shuffle = shuffle

    @property
    def steps(self) -> int:
        return max(1, math.ceil(self.num_samples / self.batch_size))

    def split(self, fraction: float) -> tuple[_Arrays, _Arrays]:
        """Keras' ``validation_split``: the last ``fraction`` of the samples, unshuffled."""
        cut = int(self.num_samples * (1.0 - fraction))
        if cut <= 0 or cut >= self.num_samples:
            raise ValueError(
                f"validation_split={fraction} leaves no training or no validation samples "
                f"out of {self.num_samples}"
            )
        head = jax.tree_util.tree_map(lambda v: v[:cut], self.data)
        tail = jax.tree_util.tree_map(lambda v: v[cut:], self.data)
        return (
            _Arrays(*unpack_x_y_sample_weight(head), self.batch_size, self.shuffle),
            _Arrays(*unpack_x_y_sample_weight(tail), self.batch_size, False),
        )

    def batches(self, rng: np.random.Generator | None = None):
        leaves, treedef = jax.tree_util.tree_flatten(self.data)
        if self.shuffle and rng is not None:
            perm = rng.permutation(self.num_samples)
            leaves = [v[perm] for v in leaves]
        bs = self.batch_size
        for start in range(0, self.num_samples, bs):
            yield treedef.unflatten([v[start : start + bs] for v in leaves])


class _Iterable:
    """Batches from a dataset or any iterable of ``(x, y[, sample_weight])`` batches."""

    def __init__(self, data, steps: int | None) -> None:
        self.data = data
        self._steps = steps
        self._iterator = None
        cardinality = getattr(data, "cardinality", None)
        known = None
        if callable(cardinality):
            try:
                known = int(np.asarray(cardinality()))
            except (TypeError, ValueError):
                known = None
        elif hasattr(data, "__len__"):
            known = len(data)
        self._known = known if known is not None and known >= 0 else None

    @property
    def steps(self) -> int | None:
        return self._steps or self._known

    def batches(self, rng=None):
        if self._steps is None:
            yield from iter(self.data)
            return
        # A fixed number of steps per epoch continues one iterator across epochs.
        for _ in range(self._steps):
            if self._iterator is None:
                self._iterator = iter(self.data)
            try:
                yield next(self._iterator)
            except StopIteration:
                self._iterator = iter(self.data)
                try:
                    yield next(self._iterator)
                except StopIteration:
                    return


def _adapter(x, y, sample_weight, batch_size, shuffle, steps):
    if x is None:
        raise ValueError("fit/evaluate/predict: `x` must be given")
    if isinstance(x, PyDataset):  # keras.utils.PyDataset: batches by index, on_epoch_end
        if y is not None or sample_weight is not None:
            raise ValueError("`y` and `sample_weight` are not supported with a PyDataset `x`")
        return PyDatasetAdapter(x, shuffle, steps)
    if _is_array(x) or isinstance(x, (dict, tuple)) and all(_is_array(v) for v in _tree_leaves(x)):
        return _Arrays(x, y, sample_weight, batch_size, shuffle)
    if y is not None:
        raise ValueError(
            "`y` argument is not supported when using a dataset or generator as input: it "
            "must yield (x, y) batches itself."
        )
    if isinstance(x, Iterable):
        return _Iterable(x, steps)
    raise ValueError(f"Unrecognized data type: x={type(x).__name__}")


def _epoch_rng() -> np.random.Generator:
    # Shuffling is reproducible from jt.random.set_seed, like everything random in jtape.
    with init_scope():
        words = get_global_generator().next_key_data()
    return np.random.default_rng(np.asarray(words))


# -- compiled losses and metrics ----------------------------------------------------------
def _resolve_loss(loss):
    if loss is None:
        return None
    if isinstance(loss, (list, tuple)):
        return [_resolve_loss(v) for v in loss]
    if isinstance(loss, dict):
        return {k: _resolve_loss(v) for k, v in loss.items()}
    obj = _losses.get(loss)
    if isinstance(obj, _losses.Loss):
        return obj
    name = loss if isinstance(loss, str) else getattr(obj, "__name__", "loss")
    return _losses.LossFunctionWrapper(obj, name=name)


def _batch_size_of(x) -> int:
    leaves = _tree_leaves(x)
    return int(leaves[0].shape[0]) if leaves and getattr(leaves[0], "shape", ()) else 1


def _structure_losses(compiled, y, y_pred, sample_weight, loss_weights):
    """The compiled loss summed over the outputs, and each output's unweighted loss by key.

    As Keras 3: one loss for a model with several outputs applies to each of them; a list
    or dict of losses gives one per output; ``loss_weights`` weight the sum only.
    """
    keys = output_keys(y_pred)
    if keys is None:
        if isinstance(compiled, (list, dict)):  # one output, a one-entry structure
            (compiled,) = compiled.values() if isinstance(compiled, dict) else compiled
        return compiled(y, y_pred, sample_weight), {}
    if not isinstance(compiled, (list, dict)):
        compiled = dict.fromkeys(keys, compiled)
    elif isinstance(compiled, list):
        if len(compiled) != len(keys):
            raise ValueError(
                f"compile: `loss` has {len(compiled)} entries but the model has "
                f"{len(keys)} outputs; give one loss per output (or one loss for all)."
            )
        compiled = dict(zip(keys, compiled))
    if isinstance(loss_weights, dict):
        weights = loss_weights
    else:
        weights = dict(zip(keys, loss_weights or [1.0] * len(keys)))
    terms, per_output = [], {}
    for k in keys:
        if compiled.get(k) is None:
            continue
        sw = sample_weight[k] if isinstance(sample_weight, (list, tuple, dict)) else sample_weight
        term = compiled[k](y[k], y_pred[k], sw)
        per_output[k] = term
        w = weights.get(k, 1.0)
        terms.append(term if w == 1.0 else term * float(w))
    return add_n(terms), per_output


class Trainer:
    """Keras' training API for :class:`~jtape.nn.Model` (mixed into it)."""

    compiled = False
    optimizer = None
    stop_training = False
    train_function = None
    test_function = None
    predict_function = None

    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile="auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Set the optimizer, loss and metrics that ``fit`` and ``evaluate`` use.

        Example:
            >>> from jtape import nn
            >>> model = nn.Sequential([nn.Dense(1, input_shape=(2,))])
            >>> model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        """
        from .. import distribute, optimizers

        # As Keras: a model compiled inside `strategy.scope()` trains data-parallel on it.
        self.distribute_strategy = distribute.get_strategy()
        self.optimizer = optimizers.get(optimizer)
        if (
            auto_scale_loss
            and self.dtype_policy.name == "mixed_float16"
            and not isinstance(self.optimizer, optimizers.LossScaleOptimizer)
        ):
            # As Keras: float16 training gets dynamic loss scaling.
            self.optimizer = optimizers.LossScaleOptimizer(
                self.optimizer, name="loss_scale_optimizer"
            )
        self.loss = loss
        self._compiled_loss = _resolve_loss(loss)
        self._loss_weights = loss_weights
        # As Keras 3: one `compile_metrics` metric when `metrics` or `weighted_metrics` is
        # given (even empty), built on the first batch.
        self._metric_specs = metric_spec(metrics, "metrics")  # as given, for the config
        self._weighted_metric_specs = metric_spec(weighted_metrics, "weighted_metrics")
        self._compile_metrics = None
        if metrics is not None or weighted_metrics is not None:
            self._compile_metrics = CompileMetrics(
                metrics, weighted_metrics, self._output_log_names
            )
        self._loss_tracker = _metrics.Mean(name="loss")
        self._output_loss_trackers: dict = {}  # several outputs: each one's loss, by key
        self.run_eagerly = bool(run_eagerly)
        if isinstance(steps_per_execution, bool) or not (
            isinstance(steps_per_execution, int) and steps_per_execution >= 1
        ):
            raise ValueError(
                "compile: `steps_per_execution` must be an integer >= 1, got "
                f"{steps_per_execution!r}"
            )
        self.steps_per_execution = steps_per_execution
        self.compiled = True
        self.stop_training = False
        self.train_function = self.test_function = self.predict_function = None
        self._quiet_functions: dict[str, Callable] = {}

    def _assert_compiled(self) -> None:
        if not self.compiled:
            raise ValueError(
                "You must call `compile()` before using the model (fit/evaluate/train_on_batch)."
            )

    # -- losses and metrics -------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of ``(y, y_pred)`` plus the model's ``losses`` (regularizers)."""
        terms = []
        compiled = getattr(self, "_compiled_loss", None)
        if compiled is not None:
            total, per_output = _structure_losses(
                compiled, y, y_pred, sample_weight, self._loss_weights
            )
            terms.append(total)
            self._track_output_losses(per_output, y_pred)
        terms.extend(self.losses)
        if not terms:
            raise ValueError(
                "No loss to compute. Provide a `loss` argument in `compile()`, or add losses "
                "with `add_loss()`."
            )
        return terms[0] if len(terms) == 1 else add_n(terms)

    def _output_log_names(self, y_pred) -> dict:
        """Each output's name in the logs (``a_loss``, ``a_mae``): a dict output's key, else
        the model's ``output_names``."""
        if isinstance(y_pred, dict):
            return {k: str(k) for k in y_pred}
        names = list(getattr(self, "output_names", None) or [])
        return {i: names[i] if i < len(names) else f"output_{i + 1}" for i in range(len(y_pred))}

    def _track_output_losses(self, per_output: dict, y_pred) -> None:
        if not per_output:
            return
        if not self._output_loss_trackers:
            names = self._output_log_names(y_pred)
            for k in per_output:
                self._output_loss_trackers[k] = _metrics.Mean(name=f"{names[k]}_loss")
        for k, value in per_output.items():
            batch = _batch_size_of(y_pred[k])
            self._output_loss_trackers[k].update_state(value, sample_weight=batch)

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict[str, Tensor]:
        """Update the compiled metrics with one batch; return every metric's result."""
        compiled = getattr(self, "_compile_metrics", None)
        if compiled is not None and y is not None:
            compiled.update_state(y, y_pred, sample_weight=sample_weight)
        return self.get_metrics_result()

    # Keras 2 names that TF 2 `train_step` overrides call; Keras 3 keeps them as shims.
    @property
    def compiled_metrics(self) -> _CompiledMetricsShim:
        """Deprecated (Keras 2): ``compiled_metrics.update_state(y, y_pred)``.

        As Keras 3's shim it updates every metric of :attr:`metrics`, and a ``Mean`` (the
        loss tracker too) with ``y_pred``: prefer updating ``self.metrics`` yourself.
        """
        return _CompiledMetricsShim(self)

    def compiled_loss(self, y, y_pred, sample_weight=None, regularization_losses=None):
        """Deprecated (Keras 2): :meth:`compute_loss` of ``(y, y_pred)`` (regularization
        losses included, whatever ``regularization_losses`` says, as Keras 3)."""
        warnings.warn(
            "`model.compiled_loss()` is deprecated. Instead, use "
            "`model.compute_loss(x, y, y_pred, sample_weight, training)`.",
            stacklevel=2,
        )
        return self.compute_loss(x=None, y=y, y_pred=y_pred, sample_weight=sample_weight)

    def get_metrics_result(self) -> dict[str, Tensor]:
        """Every metric's current result, by name (a dict result is merged in)."""
        out: dict[str, Tensor] = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[m.name] = result
        return out

    @property
    def metrics(self) -> list:
        """As Keras 3: the loss tracker, ``compile_metrics`` (the metrics given to
        ``compile``), then each output's loss tracker (several outputs)."""
        if not getattr(self, "compiled", False):
            return []
        compiled = getattr(self, "_compile_metrics", None)
        return (
            [self._loss_tracker]
            + ([compiled] if compiled is not None else [])
            + list(getattr(self, "_output_loss_trackers", {}).values())
        )

    @property
    def metrics_names(self) -> list[str]:
        """The names of :attr:`metrics` (Keras 3: ``["loss", "compile_metrics"]``); the logs
        hold each compiled metric under its own name."""
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        """Reset the loss tracker and every compiled metric (``fit`` does it each epoch)."""
        reset_all(self.metrics)

    # -- steps --------------------------------------------------------------------------
    def train_step(self, data) -> dict[str, Tensor]:
        """One optimization step on one batch, in tape style; returns the metric results.

        Override it for custom training (it is compiled by ``fit`` as written).
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
            scaled_loss = self.optimizer.scale_loss(loss)  # recorded: its gradient is scaled
        self._loss_tracker.update_state(loss, sample_weight=_batch_size_of(x))
        variables = self.trainable_variables
        if variables:
            grads = tape.gradient(scaled_loss, variables)
            self.optimizer.apply_gradients(zip(grads, variables))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data) -> dict[str, Tensor]:
        """Loss and metric updates on one batch, in inference mode."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False
        )
        self._loss_tracker.update_state(loss, sample_weight=_batch_size_of(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """The model's output on one batch, in inference mode."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _compiled(self, method: Callable, base: Callable, steps: int = 1) -> Callable:
        """``method`` compiled by jt.function; with ``steps > 1`` the compiled function
        takes a tuple of up to ``steps`` batches and runs ``method`` on each in one
        program (Keras' ``steps_per_execution``), returning the last batch's logs.
        """
        if getattr(self, "run_eagerly", False):
            return method if steps == 1 else _run_each(method)
        # AutoGraph only for user overrides: the built-in steps have no tensor control flow.
        overridden = getattr(type(self), base.__name__) is not base
        if steps > 1:
            step = converted(method) if overridden else method
            method, overridden = _run_each(step), False
        # Donation (as Keras' JAX trainer does) lets XLA update weights, slots and metric
        # state in place; jt.function skips it for any array still referenced elsewhere.
        return jt_function(method, autograph=overridden, donate_variables=True)

    def _batch_placer(self) -> Callable:
        """Shard each batch over the strategy's replicas (GSPMD then splits the step).

        Batches whose size does not divide by the replica count (a last partial batch)
        stay whole: every replica computes them, with the same result. Without a
        multi-replica strategy batches pass through as they are.
        """
        strategy = getattr(self, "distribute_strategy", None)
        if strategy is None or strategy.num_replicas_in_sync == 1:
            return _unchanged
        return self._place_batch

    def _place_batch(self, batch):
        strategy = self.distribute_strategy
        n = strategy.num_replicas_in_sync

        def place(a):
            if getattr(a, "ndim", 0) >= 1 and a.shape[0] % n == 0:
                return strategy._distribute_batch(a, per_process=False)._value._value
            return a

        return jax.tree_util.tree_map(place, batch)

    def make_train_function(self, force: bool = False) -> Callable:
        """The compiled ``train_step`` that ``fit`` calls per batch (built once, cached).

        With ``steps_per_execution=N`` it takes a tuple of up to N batches instead.
        """
        if self.train_function is None or force:
            self.train_function = self._compiled(
                self.train_step, Trainer.train_step, self._steps_per_execution()
            )
        return self.train_function

    def make_test_function(self, force: bool = False) -> Callable:
        """The compiled ``test_step`` that ``evaluate`` calls per batch (built once, cached).

        With ``steps_per_execution=N`` it takes a tuple of up to N batches instead.
        """
        if self.test_function is None or force:
            self.test_function = self._compiled(
                self.test_step, Trainer.test_step, self._steps_per_execution()
            )
        return self.test_function

    def _quiet_function(self, kind: str) -> Callable | None:
        """The compiled built-in ``train_step``/``test_step`` (``kind``) without its logs;
        None when the model overrides that step (its logs are whatever it returns) or the
        ``make_*_function`` that compiles it.

        The built-in steps' logs are the metrics' results after the update, so when
        nothing reads a batch's logs (no batch-end callback) ``fit`` and ``evaluate`` run
        this and read the results once, after the last batch: the same values, and each
        step program has two fewer outputs per metric to compute and hand back (on CPU a
        small output costs several microseconds of a ~100 us step).
        """
        base = Trainer.train_step if kind == "train" else Trainer.test_step
        maker = Trainer.make_train_function if kind == "train" else Trainer.make_test_function
        cls = type(self)
        if getattr(cls, base.__name__) is not base or getattr(cls, maker.__name__) is not maker:
            return None
        functions = self.__dict__.setdefault("_quiet_functions", {})
        if kind not in functions:
            step = getattr(self, base.__name__)

            def quiet_step(data) -> None:
                step(data)  # the logs it returns are dead code, dropped by XLA

            quiet_step.__name__ = f"quiet_{base.__name__}"
            functions[kind] = self._compiled(quiet_step, base, self._steps_per_execution())
        return functions[kind]

    def _metrics_results(self) -> dict[str, Tensor]:
        """``get_metrics_result()`` as one compiled call (after a quiet epoch)."""
        functions = self.__dict__.setdefault("_quiet_functions", {})
        if "results" not in functions:
            functions["results"] = (
                self.get_metrics_result
                if getattr(self, "run_eagerly", False)
                else jt_function(self.get_metrics_result, autograph=False)
            )
        return functions["results"]()

    def _steps_per_execution(self) -> int:
        return getattr(self, "steps_per_execution", 1) or 1

    def _one_execution(self, batch):
        # The compiled steps take a tuple of batches when steps_per_execution > 1.
        return batch if self._steps_per_execution() == 1 else (batch,)

    def make_predict_function(self, force: bool = False) -> Callable:
        """The compiled ``predict_step`` that ``predict`` calls per batch (built once, cached)."""
        if self.predict_function is None or force:
            self.predict_function = self._compiled(self.predict_step, Trainer.predict_step)
        return self.predict_function

    # -- loops --------------------------------------------------------------------------
    def fit(
        self,
        x=None,
        y=None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose="auto",
        callbacks=None,
        validation_split: float = 0.0,
        validation_data=None,
        shuffle: bool = True,
        class_weight: dict | None = None,
        sample_weight=None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
    ):
        """Train for ``epochs`` epochs; returns the ``History`` (also ``model.history``).

        Example:
            >>> import numpy as np
            >>> from jtape import nn
            >>> model = nn.Sequential([nn.Dense(1, input_shape=(2,))])
            >>> model.compile(optimizer="sgd", loss="mse")
            >>> x = np.ones((8, 2), "float32")
            >>> history = model.fit(x, x[:, :1], epochs=2, verbose=0)
            >>> len(history.history["loss"])
            2
        """
        self._assert_compiled()
        if class_weight is not None:
            if y is None or sample_weight is not None:
                raise ValueError("class_weight needs array labels `y` and no sample_weight")
            labels = np.asarray(y)
            labels = labels.argmax(-1) if labels.ndim > 1 and labels.shape[-1] > 1 else labels
            sample_weight = np.vectorize(lambda c: class_weight.get(int(c), 1.0))(
                labels.reshape(len(labels), -1)[:, 0]
            ).astype(np.float32)
        train = _adapter(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        val = None
        if validation_split and validation_data is None:
            if not isinstance(train, _Arrays):
                raise ValueError("validation_split is only supported for array inputs")
            train, val = train.split(float(validation_split))
        elif validation_data is not None:
            if isinstance(validation_data, tuple) and all(
                _is_array(v) for v in _tree_leaves(validation_data)
            ):
                vx, vy, vsw = unpack_x_y_sample_weight(validation_data)
                val = _Arrays(vx, vy, vsw, validation_batch_size or batch_size, False)
            elif isinstance(validation_data, PyDataset):
                val = PyDatasetAdapter(validation_data, False, validation_steps)
            else:
                val = _Iterable(validation_data, validation_steps)
        verbose = _verbosity(verbose)
        cbs = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=train.steps,
        )
        self.stop_training = False
        self.history = next(c for c in cbs.callbacks if isinstance(c, History))
        place = self._batch_placer()
        per_execution = self._steps_per_execution()
        batch_begin = cbs.implements("on_train_batch_begin")
        batch_end = cbs.implements("on_train_batch_end")
        quiet = None if batch_end else self._quiet_function("train")
        train_fn = quiet or self.make_train_function()
        self._initial_epoch = None
        cbs.on_train_begin()
        # As Keras: a callback (BackupAndRestore) may set the epoch training resumes at.
        initial_epoch = self._initial_epoch or initial_epoch
        epoch_logs: dict[str, Any] = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            logs: dict | None = {}
            batches = train.batches(_epoch_rng())
            for first, last, data in _executions(batches, per_execution, place):
                if batch_begin:
                    cbs.on_train_batch_begin(first)
                logs = train_fn(data)
                if batch_end:
                    cbs.on_train_batch_end(last, logs=logs)
                if self.stop_training:
                    break
            if logs is None:  # quiet steps ran: their logs are the metrics' results
                logs = self._metrics_results()
            epoch_logs = dict(logs)  # callbacks get them sorted and flattened, once
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_adapter(val, cbs=cbs)  # test hooks fire, as Keras
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs=epoch_logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs=epoch_logs)
        return self.history

    def _evaluate_adapter(self, data, cbs) -> dict[str, float]:
        quiet = None
        if cbs is None or not cbs.implements("on_test_batch_end"):
            quiet = self._quiet_function("test")
        test_fn = quiet or self.make_test_function()
        place = self._batch_placer()
        per_execution = self._steps_per_execution()
        self.reset_metrics()
        logs: dict | None = {}
        if cbs is not None:
            cbs.on_test_begin()
        for first, last, batch in _executions(data.batches(), per_execution, place):
            if cbs is not None:
                cbs.on_test_batch_begin(first)
            logs = test_fn(batch)
            if cbs is not None:
                cbs.on_test_batch_end(last, logs=logs)
        if logs is None:
            logs = self._metrics_results()
        logs = pythonify(logs)
        if cbs is not None:
            cbs.on_test_end(logs=logs)
        return logs

    def _in_metrics_order(self, logs: dict):
        """Keras' list form of the logs: the values of ``metrics``' names (a compiled metric
        container's own metrics' names) in that order, then the other keys' values sorted by
        key; a single value alone."""
        names = []
        for m in self.metrics:
            names += [sub.name for sub in m.metrics] if isinstance(m, CompileMetrics) else [m.name]
        values = [logs[n] for n in names if n in logs]
        values += [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size: int | None = None,
        verbose="auto",
        sample_weight=None,
        steps: int | None = None,
        callbacks=None,
        return_dict: bool = False,
        **kwargs: Any,
    ):
        """Loss and metrics on ``x, y``: a float, a list ``[loss, *metrics]`` or a dict."""
        self._assert_compiled()
        data = _adapter(x, y, sample_weight, batch_size, False, steps)
        cbs = CallbackList(callbacks, model=self, verbose=_verbosity(verbose), steps=data.steps)
        logs = self._evaluate_adapter(data, cbs)
        return logs if return_dict else self._in_metrics_order(logs)

    def predict(
        self,
        x,
        batch_size: int | None = None,
        verbose="auto",
        steps: int | None = None,
        callbacks=None,
    ):
        """The model's outputs on ``x``, batch by batch, concatenated as numpy arrays."""
        data = _adapter(x, None, None, batch_size, False, steps)
        predict_fn = self.make_predict_function()
        place = self._batch_placer()
        cbs = CallbackList(callbacks, model=self, verbose=_verbosity(verbose), steps=data.steps)
        cbs.on_predict_begin()
        outputs = []
        for step, batch in enumerate(data.batches()):
            cbs.on_predict_batch_begin(step)
            out = predict_fn(place(batch))
            outputs.append(out)
            cbs.on_predict_batch_end(step, logs={"outputs": out})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("predict: the input produced no batches")
        return jax.tree_util.tree_map(
            lambda *xs: np.concatenate([np.asarray(v) for v in xs], axis=0),
            *outputs,
            is_leaf=lambda v: isinstance(v, Tensor),
        )

    # -- single batches -----------------------------------------------------------------
    def train_on_batch(
        self, x, y=None, sample_weight=None, class_weight=None, return_dict: bool = False
    ):
        """One ``train_step`` on one batch; the metrics accumulate until reset_metrics()."""
        self._assert_compiled()
        batch = _to_numpy(pack_x_y_sample_weight(x, y, sample_weight))
        logs = pythonify(self.make_train_function()(self._one_execution(batch)))
        return logs if return_dict else self._in_metrics_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        """Loss and metrics of one batch, in inference mode (metrics reset first)."""
        self._assert_compiled()
        self.reset_metrics()
        batch = _to_numpy(pack_x_y_sample_weight(x, y, sample_weight))
        logs = pythonify(self.make_test_function()(self._one_execution(batch)))
        return logs if return_dict else self._in_metrics_order(logs)

    def predict_on_batch(self, x):
        """The model's output on one batch, as numpy arrays."""
        out = self.make_predict_function()((_to_numpy(x),))
        return jax.tree_util.tree_map(np.asarray, out, is_leaf=lambda v: isinstance(v, Tensor))


class _CompiledMetricsShim:
    """What Keras 3 returns for ``model.compiled_metrics``: only ``update_state``."""

    def __init__(self, model) -> None:
        self._model = model

    def update_state(self, y, y_pred, sample_weight=None) -> None:
        warnings.warn(
            "`model.compiled_metrics()` is deprecated. Instead, use e.g.:\n"
            "```\nfor metric in self.metrics:\n    metric.update_state(y, y_pred)\n```\n",
            stacklevel=2,
        )
        for metric in self._model.metrics:
            if isinstance(metric, _metrics.Mean):
                metric.update_state(y_pred, sample_weight=sample_weight)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)


def _unchanged(batch):
    return batch


def _run_each(step: Callable) -> Callable:
    """``step`` applied to each batch of a tuple, in order; the last logs are returned."""

    def run_each(batches):
        logs = None
        for data in batches:
            logs = step(data)
        return logs

    return run_each


def _executions(batches, per_execution: int, place: Callable):
    """``(first step, last step, input)`` per compiled call: one placed batch, or a
    tuple of up to ``per_execution`` of them (the last group of an epoch may be shorter).
    """
    if per_execution == 1:
        for step, batch in enumerate(batches):
            yield step, step, place(batch)
        return
    group: list = []
    first = 0
    for step, batch in enumerate(batches):
        group.append(place(batch))
        if len(group) == per_execution:
            yield first, step, tuple(group)
            group, first = [], step + 1
    if group:
        yield first, first + len(group) - 1, tuple(group)


def _verbosity(verbose) -> int:
    if verbose == "auto":
        return 1
    return int(verbose)
