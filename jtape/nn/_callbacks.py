"""Callbacks of ``fit``/``evaluate``/``predict`` (``keras.callbacks``).

Batch-level ``logs`` hold Tensors (pulling them to the host every step would stall the
compiled training loop); epoch-level ``logs`` hold Python floats.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


class Callback:
    """Base class: override any of the ``on_*`` hooks; ``self.model`` is the model.

    Example:
        >>> from jtape import nn
        >>> class CountEpochs(nn.callbacks.Callback):
        ...     def on_train_begin(self, logs=None):
        ...         self.n = 0
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         self.n += 1
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self._model = None

    def set_params(self, params: dict[str, Any]) -> None:
        """Receive the loop's parameters (``epochs``, ``steps``, ``verbose``)."""
        self.params = params

    def set_model(self, model) -> None:
        """Receive the model being trained (``fit`` calls it before any hook)."""
        self._model = model

    @property
    def model(self):
        """The model being trained, evaluated or run."""
        return self._model

    def _uses_hook(self, hook: str) -> bool:
        # Whether ``hook`` does anything here: ``fit`` skips the batch hooks that no
        # callback uses, and then runs its quieter step (no per-batch logs).
        return _implements(self, hook)

    def on_batch_begin(self, batch, logs=None):
        """Keras 2 alias of :meth:`on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """Keras 2 alias of :meth:`on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each training epoch."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch; ``logs`` has the epoch's metrics (and val_*)."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training step (skipped by ``fit`` if no callback has it)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training step; ``logs`` holds Tensors (reading one waits)."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each ``evaluate`` (or validation) step."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each ``evaluate`` (or validation) step."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each ``predict`` step."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each ``predict`` step; ``logs["outputs"]`` is the batch's output."""

    def on_train_begin(self, logs=None):
        """Called once when ``fit`` starts."""

    def on_train_end(self, logs=None):
        """Called once when ``fit`` ends, with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """Called when ``evaluate`` starts."""

    def on_test_end(self, logs=None):
        """Called when ``evaluate`` ends, with its logs."""

    def on_predict_begin(self, logs=None):
        """Called when ``predict`` starts."""

    def on_predict_end(self, logs=None):
        """Called when ``predict`` ends."""


_HOOKS = [
    f"on_{stage}_{when}"
    for stage in ("train", "test", "predict")
    for when in ("begin", "end", "batch_begin", "batch_end")
] + ["on_epoch_begin", "on_epoch_end"]


class CallbackList(Callback):
    """Several callbacks called in order; adds History and the progress bar like Keras."""

    def __init__(
        self,
        callbacks: Iterable[Callback] | None = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model=None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"callbacks: expected keras-style Callback instances, got {type(cb).__name__}"
                )
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        if add_history:
            # Last, as Keras: entries that other callbacks add to the logs are recorded.
            if not any(isinstance(c, History) for c in self.callbacks):
                self.callbacks.append(History())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def set_model(self, model) -> None:
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        for cb in self.callbacks:
            cb.set_params(params)

    def _call(self, hook: str, *args) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def implements(self, hook: str) -> bool:
        """Whether any callback does something on ``hook`` (``fit`` skips batch hooks if not)."""
        return any(cb._uses_hook(hook) for cb in self.callbacks)


# A batch hook that inherits the base class's no-op (directly, or through the Keras 2
# `on_batch_*` aliases) does nothing: skipping it saves a Python call per step per callback.
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def _implements(cb: Callback, hook: str) -> bool:
    for name in (hook, _ALIASES.get(hook)):
        if name is None:
            continue
        method = getattr(cb, name)
        if getattr(method, "__func__", None) is not getattr(Callback, name):
            return True
    return False


def _dispatcher(hook: str) -> Callable:
    def dispatch(self, *args, logs=None):
        self._call(hook, *args, pythonify(logs))  # as Keras: every hook gets floats

    dispatch.__name__ = hook
    return dispatch


for _hook in _HOOKS:
    setattr(CallbackList, _hook, _dispatcher(_hook))


class History(Callback):
    """Records the epoch logs: ``history.history["loss"]`` is the list of epoch losses.

    ``fit`` adds one automatically and returns it (also as ``model.history``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None) -> None:
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self


def _to_float(v) -> float:
    try:
        return float(np.asarray(v))
    except (TypeError, ValueError):
        return v


def pythonify(logs: dict | None) -> dict[str, Any]:
    """Keras' form of the logs callbacks and ``History`` see: sorted by key, a dict value
    (a metric container's results) merged in, every scalar converted to a Python float."""
    out: dict[str, Any] = {}
    for k, v in sorted((logs or {}).items()):
        if isinstance(v, dict):
            out.update(pythonify(v))
        else:
            out[k] = _to_float(v)
    return out


class ProgbarLogger(Callback):
    """Prints progress: an updating bar on a terminal, one line per epoch otherwise.

    ``verbose=1`` draws the bar (with step time and the running metrics) when stdout
    is a terminal and falls back to the one-line summary when it is not (a file, a
    CI log); ``verbose=2`` always prints one line per epoch.
    """

    def __init__(self, stream=None, interval: float = 0.05) -> None:
        super().__init__()
        self.stream = stream
        self.interval = interval

    def _out(self):
        return self.stream or sys.stdout

    def _live(self) -> bool:
        out = self._out()
        return self.params.get("verbose", 1) == 1 and hasattr(out, "isatty") and out.isatty()

    def _write(self, text: str) -> None:
        out = self._out()
        out.write(text)
        out.flush()

    def _uses_hook(self, hook: str) -> bool:
        if hook == "on_train_batch_end" and not self._live() and self.params.get("steps"):
            return False  # one line per epoch, with the known step count: no batch logs
        return super()._uses_hook(hook)

    def on_train_begin(self, logs=None) -> None:
        self._epochs = self.params.get("epochs", 1)

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._seen = 0
        if self.params.get("verbose", 1):
            self._write(f"Epoch {epoch + 1}/{self._epochs}\n")

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._seen = batch + 1
        if not self._live():
            return
        now = time.perf_counter()
        steps = self.params.get("steps")
        if now - self._last_draw < self.interval and (steps is None or batch + 1 < steps):
            return
        self._last_draw = now
        self._draw(batch + 1, pythonify(logs), final=False)

    def _draw(self, done: int, logs: dict, final: bool) -> None:
        steps = self.params.get("steps")
        elapsed = time.perf_counter() - self._start
        per_step = elapsed / max(done, 1)
        if steps:
            width = 30
            filled = int(width * min(done, steps) / steps)
            bar = (
                "=" * max(filled - 1, 0) + (">" if filled < width else "=") + "." * (width - filled)
            )
            head = f"{done}/{steps} [{bar}]"
        else:
            head = f"{done}/Unknown"
        timing = f"{elapsed:.0f}s {_fmt_time(per_step)}/step"
        metrics = " - ".join(f"{k}: {_fmt(v)}" for k, v in logs.items())
        line = f"{head} - {timing}" + (f" - {metrics}" if metrics else "")
        self._write(("\r" if self._live() else "") + line + ("\n" if final else ""))

    def on_epoch_end(self, epoch, logs=None) -> None:
        if not self.params.get("verbose", 1):
            return
        if self._live():
            self._write("\r")
        self._draw(self._seen or self.params.get("steps") or 0, pythonify(logs), final=True)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}" if 1e-3 <= abs(v) < 1e4 or v == 0 else f"{v:.4e}"
    return str(v)


def _fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms"
    return f"{seconds * 1e6:.0f}us"


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has stopped improving for ``patience`` epochs.

    Example:
        >>> from jtape import nn
        >>> stop = nn.callbacks.EarlyStopping(monitor="loss", patience=2)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"EarlyStopping mode {mode} is unknown, fallback to auto mode.", stacklevel=2
            )
            mode = "auto"
        self.monitor = monitor
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.mode = mode
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def _maximize(self) -> bool:
        if self.mode != "auto":
            return self.mode == "max"
        name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
        if name == "loss" or "loss" in name or "error" in name:
            return False
        return any(k in name for k in ("acc", "auc", "precision", "recall"))

    def _is_improvement(self, value, reference) -> bool:
        if reference is None:
            return True
        if self._maximize():
            return value - self.min_delta > reference
        return value + self.min_delta < reference

    def on_train_begin(self, logs=None) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(logs or {})}",
                stacklevel=2,
            )
            return
        current = float(current)
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose > 0:
                    print(
                        "Restoring model weights from the end of the best epoch: "
                        f"{self.best_epoch + 1}."
                    )
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at each epoch to ``schedule(epoch, lr)``.

    ``schedule`` may also take the epoch only. The rate is assigned to the
    optimizer's learning-rate Variable, so the compiled train step is not retraced.

    Example:
        >>> from jtape import nn
        >>> halve = nn.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    """

    def __init__(self, schedule: Callable, verbose: int = 0) -> None:
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None) -> None:
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        lr = float(np.asarray(optimizer.learning_rate))
        try:
            lr = self.schedule(epoch, lr)
        except TypeError:  # a schedule of the epoch only (Keras 1 style)
            lr = self.schedule(epoch)
        lr = float(np.asarray(lr))
        if not math.isfinite(lr):
            raise ValueError(
                f'The output of the "schedule" function should be a finite float. Got: {lr}'
            )
        optimizer.learning_rate = lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. ``LambdaCallback(on_epoch_end=f)``."""

    def __init__(self, **hooks: Callable) -> None:
        super().__init__()
        for name, fn in hooks.items():
            if name not in _HOOKS and name not in ("on_batch_begin", "on_batch_end"):
                raise ValueError(f"LambdaCallback: unknown hook {name!r}")
            setattr(self, name, fn)
