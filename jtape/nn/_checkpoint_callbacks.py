"""``ModelCheckpoint`` and ``BackupAndRestore``: saving during ``fit`` (``keras.callbacks``).

Both write Keras 3 files (``.keras``, ``.weights.h5``). ``BackupAndRestore`` also keeps
jtape's random-number states (the global generator that shuffles each epoch, and the
layers' dropout generators) next to the weights, so a resumed ``fit`` continues with
the numbers the interrupted one would have drawn: it equals uninterrupted training
bit for bit. Keras saves only the weights, optimizer and epoch.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings

import numpy as np

from ._callbacks import Callback


def _monitor_maximizes(callback, model) -> bool:
    """Keras' ``mode="auto"``: losses and errors go down; accuracy, AUC, ... go up."""
    if callback.mode != "auto":
        return callback.mode == "max"
    name = callback.monitor.removeprefix("val_")
    if name == "loss" or "loss" in name or "error" in name:
        return False
    if any(k in name for k in ("acc", "auc", "precision", "recall")):
        return True
    raise ValueError(
        f"{type(callback).__name__} callback received monitor={callback.monitor}, but jtape "
        "isn't able to automatically determine whether that metric should be maximized or "
        "minimized. Pass `mode='max'` in order to monitor based on the highest metric value, "
        "or pass `mode='min'` in order to use the lowest value."
    )


class ModelCheckpoint(Callback):
    """Save the model (``.keras``) or its weights (``.weights.h5``) during ``fit``.

    ``filepath`` may hold ``{epoch}`` (1-based) and any log entry, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``. With ``save_best_only`` a file is
    written only when ``monitor`` improved (``mode``: ``"auto"``, ``"min"``,
    ``"max"``). ``save_freq`` is ``"epoch"`` or a number of batches.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from jtape import nn
        >>> model = nn.Sequential([nn.Input((2,)), nn.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> d = tempfile.mkdtemp()
        >>> cb = nn.callbacks.ModelCheckpoint(os.path.join(d, "m-{epoch:02d}.weights.h5"),
        ...                                   save_weights_only=True)
        >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0, callbacks=[cb])
        >>> sorted(os.listdir(d))
        ['m-01.weights.h5', 'm-02.weights.h5']
    """

    def __init__(
        self,
        filepath,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq="epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"ModelCheckpoint mode '{mode}' is unknown, fallback to auto mode.", stacklevel=2
            )
            mode = "auto"
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = mode
        self.save_freq = save_freq
        self.best = initial_value_threshold
        self._maximize: bool | None = None
        self._current_epoch = 0
        self._batches_since_save = 0
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or "
                "integer values"
            )
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                "provided must end in `.weights.h5` (Keras weights format). Received: "
                f"filepath={self.filepath}"
            )
        if not save_weights_only and not self.filepath.endswith(".keras"):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format). Received: "
                f"filepath={self.filepath}"
            )

    def _uses_hook(self, hook: str) -> bool:
        if hook == "on_train_batch_end":
            return self.save_freq != "epoch"
        return super()._uses_hook(hook)

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None) -> None:
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            logs = {k: float(np.asarray(v)) for k, v in (logs or {}).items()}
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _path(self, epoch: int, batch, logs: dict) -> str:
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}'
            ) from None

    def _should_save(self, epoch: int, logs: dict, path: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {path}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            return True
        if self._maximize is None:
            self._maximize = _monitor_maximizes(self, self.model)
        current = float(current)
        best = "None" if self.best is None else f"{self.best:.5f}"
        better = self.best is None or (
            current > self.best if self._maximize else current < self.best
        )
        if better:
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                    f"{current:.5f}, saving model to {path}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save(self, epoch: int, batch, logs: dict) -> None:
        path = self._path(epoch, batch, logs)
        if not self._should_save(epoch, logs, path):
            return
        if os.path.isdir(path):
            raise OSError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used is "
                f"an existing directory: {path}"
            )
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class BackupAndRestore(Callback):
    """Back up training after every epoch; a later ``fit`` resumes where it stopped.

    If ``fit`` is interrupted (an exception, a killed job), calling ``fit`` again with a
    ``BackupAndRestore`` on the same ``backup_dir`` restores the weights, optimizer
    state, random-number states and epoch of the last backup and continues from
    there. A ``fit`` that completes deletes the backup (``delete_checkpoint=True``).

    Example:
        >>> import tempfile
        >>> from jtape import nn
        >>> backup = nn.callbacks.BackupAndRestore(tempfile.mkdtemp())
    """

    def __init__(
        self,
        backup_dir,
        save_freq="epoch",
        double_checkpoint: bool = False,
        delete_checkpoint: bool = True,
    ) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(
                f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. "
                "Expected either 'epoch' or an integer value."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._rng_path = os.path.join(self.backup_dir, "jtape_rng_states.npz")
        self._current_epoch = 0
        self._batches_since_save = 0
        self._last_batch = 0

    def _files(self) -> list[str]:
        return [self._weights_path, self._metadata_path, self._rng_path]

    def _uses_hook(self, hook: str) -> bool:
        if hook == "on_train_batch_end":
            return self.save_freq != "epoch"
        return super()._uses_hook(hook)

    # -- state ---------------------------------------------------------------------------
    def _rng_states(self) -> list:
        from .._random import get_global_generator

        weights = {id(v) for v in self.model.weights}
        states = [v for v in self.model.variables if id(v) not in weights]
        return [get_global_generator().state, *states]

    def on_train_begin(self, logs=None) -> None:
        try:
            self._load()
        except OSError:
            backups = [f"{p}.bkp" for p in self._files()]
            if not all(os.path.exists(p) for p in backups[:2]):
                raise
            for src, dst in zip(backups, self._files()):
                if os.path.exists(src):
                    shutil.copyfile(src, dst)
            self._load()

    def _load(self) -> None:
        model = self.model
        if not model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built before you "
                f"call `fit()`. Model {model} is unbuilt. You can build it beforehand by "
                "calling it on a batch of data."
            )
        if not os.path.exists(self._weights_path):
            return
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        model.load_weights(self._weights_path)
        if os.path.exists(self._rng_path):
            with np.load(self._rng_path) as saved:
                states = self._rng_states()
                if len(saved.files) == len(states):
                    for i, v in enumerate(states):
                        v.assign(saved[f"s{i}"])
        if os.path.exists(self._metadata_path):
            with open(self._metadata_path) as f:
                model._initial_epoch = json.load(f)["epoch"]

    def on_epoch_end(self, epoch, logs=None) -> None:
        self._current_epoch = epoch + 1
        self._last_batch = 0
        if self.save_freq == "epoch":
            self._save()

    def on_train_batch_end(self, batch, logs=None) -> None:
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        self._last_batch = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save()

    def _save(self) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path in self._files():
                if os.path.exists(path):
                    shutil.copyfile(path, f"{path}.bkp")
        self.model.save_weights(self._weights_path, overwrite=True)
        tmp = f"{self._rng_path}.tmp.npz"
        np.savez(tmp, **{f"s{i}": np.asarray(v.numpy()) for i, v in enumerate(self._rng_states())})
        os.replace(tmp, self._rng_path)
        # The metadata last: a backup with it names a complete set of files.
        tmp = f"{self._metadata_path}.tmp"
        with open(tmp, "w") as f:
            json.dump({"epoch": self._current_epoch, "batch": self._last_batch}, f)
        os.replace(tmp, self._metadata_path)

    def on_train_end(self, logs=None) -> None:
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
