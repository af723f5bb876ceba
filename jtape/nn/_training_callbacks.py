"""Keras' training-control callbacks: ReduceLROnPlateau, CSVLogger, TerminateOnNaN,
RemoteMonitor (``keras.callbacks``), with Keras 3's arguments, defaults and behaviour."""

from __future__ import annotations

import collections
import csv
import json
import os
import urllib.parse
import urllib.request
import warnings

import numpy as np

from ._callbacks import Callback

_MAXIMIZED = ("acc", "auc", "precision", "recall", "iou")


def _current_lr(optimizer) -> float:
    return float(np.asarray(optimizer.learning_rate))


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    After ``patience`` epochs without an improvement larger than ``min_delta`` the
    rate becomes ``max(lr * factor, min_lr)``; then ``cooldown`` epochs pass before
    waiting starts again. The rate is assigned to the optimizer's learning-rate
    Variable (no retrace). ``logs["learning_rate"]`` is added at each epoch end.

    ``mode="auto"`` minimizes losses and maximizes accuracy-like metrics (Keras asks
    the metric for its direction; jtape decides by the name) and raises Keras'
    ``ValueError`` for other names.

    Example:
        >>> from jtape import nn
        >>> reduce_lr = nn.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs,
    ) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"ReduceLROnPlateau mode '{mode}' is unknown, fallback to auto mode.",
                stacklevel=2,
            )
            mode = "auto"
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        self.monitor = monitor
        self.mode = mode
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = None
        self._maximize: bool | None = None

    def _direction(self) -> bool:
        if self.mode != "auto":
            return self.mode == "max"
        name = self.monitor.removeprefix("val_")
        if name == "loss" or name.endswith("loss") or "error" in name:
            return False
        if any(k in name for k in _MAXIMIZED):
            return True
        raise ValueError(
            f"ReduceLROnPlateau callback received monitor={self.monitor}, but Keras isn't "
            "able to automatically determine whether that metric should be maximized or "
            "minimized. Pass `mode='max'` in order to monitor based on the highest metric "
            "value, or pass `mode='min'` in order to use the lowest value."
        )

    def _is_improvement(self, value: float, reference) -> bool:
        if reference is None:
            return True
        if self._maximize:
            return value - self.min_delta > reference
        return value + self.min_delta < reference

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None) -> None:
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def _reduce(self, optimizer, epoch: int, name: str = "") -> bool:
        old_lr = _current_lr(optimizer)
        if old_lr > np.float32(self.min_lr):
            new_lr = max(old_lr * self.factor, self.min_lr)
            optimizer.learning_rate = new_lr
            if self.verbose > 0:
                label = f" {name}" if name else ""
                print(
                    f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{label} learning rate "
                    f"to {new_lr}."
                )
            return True
        return False

    def on_epoch_end(self, epoch, logs=None) -> None:
        if self._maximize is None:
            self._maximize = self._direction()
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        optimizers = getattr(optimizer, "optimizers", None)
        if optimizers is not None:
            for opt in optimizers:
                logs[f"learning_rate_{opt.name}"] = _current_lr(opt)
        else:
            logs["learning_rate"] = _current_lr(optimizer)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(logs)}.",
                stacklevel=2,
            )
            return
        current = float(np.asarray(current))
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                if optimizers is not None:
                    reduced = any([self._reduce(o, epoch, o.name) for o in optimizers])
                else:
                    reduced = self._reduce(optimizer, epoch)
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class CSVLogger(Callback):
    """Append one CSV row per epoch (``epoch`` then the logs' keys, sorted) to ``filename``.

    As Keras 3: without validation data the header still lists ``val_*`` columns,
    filled with ``NA``; ``append=True`` continues a file (no second header).

    Example:
        >>> import os, tempfile
        >>> from jtape import nn
        >>> logger = nn.callbacks.CSVLogger(os.path.join(tempfile.mkdtemp(), "log.csv"))
    """

    def __init__(self, filename, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None) -> None:
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")  # noqa: SIM115 - kept open
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None) -> None:
        logs = logs or {}

        def handle_value(v):
            if isinstance(v, str):
                return v
            if isinstance(v, collections.abc.Iterable) and not (
                isinstance(v, np.ndarray) and v.ndim == 0
            ):
                return f'"[{", ".join(map(str, v))}]"'
            return v

        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if not self.writer:
            sep = self.sep

            class Dialect(csv.excel):
                delimiter = sep

            self.writer = csv.DictWriter(
                self.csv_file, fieldnames=["epoch", *self.keys], dialect=Dialect
            )
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((k, handle_value(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None) -> None:
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite.

    ``raise_error=True`` raises ``RuntimeError`` instead of stopping gracefully. It
    reads every batch's loss, so ``fit`` runs its step with per-batch logs.
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(np.asarray(loss))
        if np.isnan(loss) or np.isinf(loss):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                    "Terminating training immediately."
                )
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class RemoteMonitor(Callback):
    """POST each epoch's logs to ``root + path`` (with the standard library's urllib).

    As Keras: a form field ``field`` holding the JSON of ``{"epoch": ..., **logs}``, or
    the JSON itself with ``send_as_json=True``; an unreachable server only warns.
    """

    def __init__(
        self,
        root: str = "http://localhost:9000",
        path: str = "/publish/epoch/end/",
        field: str = "data",
        headers: dict | None = None,
        send_as_json: bool = False,
    ) -> None:
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None) -> None:
        send = {"epoch": epoch}
        for k, v in (logs or {}).items():
            send[k] = np.asarray(v).item() if hasattr(v, "__array__") else v
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers)
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except OSError:
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)
