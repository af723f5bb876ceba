"""``keras.callbacks.TensorBoard`` on :mod:`jtape.summary` and :mod:`jtape.profiler`.

What it writes, where and when follows Keras 3: ``<log_dir>/train`` holds ``epoch_*``
scalars (with ``epoch_learning_rate``), ``batch_*`` scalars every ``update_freq``
batches, weight histograms (``<model>/<layer>/<weight>/histogram``) and images, and
``<log_dir>/validation`` holds the validation ``epoch_*`` scalars and
``evaluation_*_vs_iterations`` at the optimizer's iteration count. Keras' recording
rule is kept too: with an integer ``update_freq`` every summary, the epoch ones
included, is written only when the batch count is a multiple of it.

Unlike Keras 3 (which writes no op graph), ``write_graph=True`` also writes the
compiled train step's program (its jaxpr, as a ``GraphDef``; see ``docs/tensorboard.md``)
as the ``train`` run's graph, next to Keras' conceptual model graph.
"""

from __future__ import annotations

import logging
import os
import sys
import time

import numpy as np

from .. import _function, summary
from .. import profiler as _profiler
from ._callbacks import Callback

_log = logging.getLogger("jtape.nn")


class TensorBoard(Callback):
    """Log metrics, weight histograms, the step's graph and profiles for TensorBoard.

    Example:
        >>> import tempfile
        >>> import numpy as np
        >>> from jtape import nn
        >>> model = nn.Sequential([nn.Input((2,)), nn.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> tb = nn.callbacks.TensorBoard(tempfile.mkdtemp(), histogram_freq=1)
        >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, callbacks=[tb], verbose=0)
    """

    def __init__(
        self,
        log_dir="logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq: int = 0,
        embeddings_metadata=None,
    ) -> None:
        super().__init__()
        if embeddings_freq:
            raise ValueError(
                "TensorBoard: embeddings_freq is not supported by jtape (Keras writes "
                f"projector checkpoints); got embeddings_freq={embeddings_freq}, use 0"
            )
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._init_profile_batch(profile_batch)
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._previous_epoch_iterations = 0.0
        self._batch_start_time = 0.0
        self._writers: dict[str, summary.SummaryWriter] = {}
        self._prev_summary_state: list = []
        self._graph_written = True

    # -- writers ------------------------------------------------------------------------
    def set_model(self, model) -> None:
        super().set_model(model)
        self._log_write_dir = self.log_dir
        self._train_dir = os.path.join(self._log_write_dir, "train")
        self._val_dir = os.path.join(self._log_write_dir, "validation")
        self._writers = {}
        self._graph_written = not self.write_graph
        if self.write_graph:
            self._write_keras_model_summary()

    @property
    def _train_writer(self) -> summary.SummaryWriter:
        if "train" not in self._writers:
            self._writers["train"] = summary.create_file_writer(self._train_dir)
        return self._writers["train"]

    @property
    def _val_writer(self) -> summary.SummaryWriter:
        if "val" not in self._writers:
            self._writers["val"] = summary.create_file_writer(self._val_dir)
        return self._writers["val"]

    def _push_writer(self, writer, step: int) -> None:
        # Batch-level summaries (Keras' and the user's own) go to ``writer`` at the
        # global batch, recorded every ``update_freq`` batches.
        if self.update_freq == "epoch":
            return
        contexts = (writer.as_default(step), summary.record_if(step % self.update_freq == 0))
        self._prev_summary_state.append(contexts)
        contexts[0].__enter__()
        contexts[1].__enter__()

    def _pop_writer(self) -> None:
        if self.update_freq == "epoch":
            return
        contexts = self._prev_summary_state.pop()
        contexts[1].__exit__(*sys.exc_info())
        contexts[0].__exit__(*sys.exc_info())

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()

    def _uses_hook(self, hook: str) -> bool:
        # Batch hooks only when batch summaries or a profile are wanted: otherwise
        # ``fit`` keeps its quieter compiled step.
        if hook in ("on_train_batch_begin", "on_train_batch_end"):
            return self.update_freq != "epoch" or self._should_trace or self.write_steps_per_second
        if hook in ("on_test_batch_begin", "on_test_batch_end"):
            return self.update_freq != "epoch"
        return super()._uses_hook(hook)

    # -- graphs -------------------------------------------------------------------------
    def _write_keras_model_summary(self) -> None:
        from ._model import Sequential

        model = self.model
        if not (isinstance(model, Sequential) or getattr(model, "_functional", False)):
            return
        if not hasattr(model, "to_json"):
            return
        from tensorboard.compat.proto import summary_pb2

        try:
            config = model.to_json()
        except Exception as e:  # as Keras: a model that cannot be serialized is skipped
            _log.warning("Model failed to serialize as JSON. Ignoring... %s", e)
            return
        md = summary_pb2.SummaryMetadata()
        md.plugin_data.plugin_name = "graph_keras_model"
        md.plugin_data.content = b"1"
        md.data_class = summary_pb2.DATA_CLASS_BLOB_SEQUENCE
        with self._train_writer.as_default():
            summary.write("keras", np.array([config], dtype=object), step=0, metadata=md)

    def _observe_call(self, function, args, kwargs) -> None:
        model = self.model
        steps = [getattr(model, "train_function", None)]
        steps += list(model.__dict__.get("_quiet_functions", {}).values())
        if not any(function is s for s in steps if s is not None):
            return
        self._stop_observing()
        from ..summary._graph import function_graph_def

        try:
            graph_def = function_graph_def(function, args, kwargs)
        except Exception as e:  # a graph we cannot draw must not stop training
            _log.warning("TensorBoard: could not write the train step's graph: %s", e)
            return
        with self._train_writer.as_default(), summary.record_if(True):
            summary.graph(graph_def)
        self._graph_written = True

    def _stop_observing(self) -> None:
        if self._observe_call in _function.call_observers:
            _function.call_observers.remove(self._observe_call)

    # -- profiling ----------------------------------------------------------------------
    def _init_profile_batch(self, profile_batch) -> None:
        message = (
            "profile_batch must be a non-negative integer or 2-tuple of positive "
            "integers. A pair of positive integers signifies a range of batches "
            f"to profile. Found: {profile_batch}"
        )
        if isinstance(profile_batch, str):
            profile_batch = [int(p) for p in profile_batch.split(",")]
        if isinstance(profile_batch, int) and not isinstance(profile_batch, bool):
            self._start_batch = self._stop_batch = profile_batch
        elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
            self._start_batch, self._stop_batch = profile_batch
        else:
            raise ValueError(message)
        if self._start_batch < 0 or self._stop_batch < self._start_batch:
            raise ValueError(message)
        self._profiler_started = False
        self._batch_trace_context = None
        self._is_tracing = False
        self._should_trace = not (self._start_batch == 0 and self._stop_batch == 0)

    def _start_profiler(self, logdir: str) -> None:
        if self._profiler_started:
            return
        try:
            _profiler.start(logdir)
            self._profiler_started = True
        except Exception as e:  # as Keras: profiler errors are not fatal
            _log.error("Failed to start profiler: %s", e)

    def _stop_profiler(self, save: bool = True) -> None:
        if not self._profiler_started:
            return
        try:
            _profiler.stop(save=save)
        except Exception as e:
            _log.error("Failed to stop profiler: %s", e)
        finally:
            self._profiler_started = False

    def _start_trace(self) -> None:
        summary.trace_on(graph=True, profiler=False)
        self._start_profiler(self._train_dir)
        self._is_tracing = True

    def _stop_trace(self, batch: int | None = None) -> None:
        batch = self._stop_batch if batch is None else batch
        with self._train_writer.as_default():
            summary.trace_export(name=f"batch_{batch}", step=batch)
        self._stop_profiler()
        self._is_tracing = False

    # -- hooks --------------------------------------------------------------------------
    def on_train_begin(self, logs=None) -> None:
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0.0
        self._push_writer(self._train_writer, self._global_train_batch)
        if not self._graph_written and self._observe_call not in _function.call_observers:
            _function.call_observers.append(self._observe_call)

    def on_train_end(self, logs=None) -> None:
        self._stop_observing()
        self._pop_writer()
        if self._is_tracing:
            self._stop_trace()
        self._close_writers()

    def on_test_begin(self, logs=None) -> None:
        self._push_writer(self._val_writer, self._global_test_batch)

    def on_test_end(self, logs=None) -> None:
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "iterations"):
            step = int(np.asarray(optimizer.iterations))
            with self._val_writer.as_default():
                for name, value in (logs or {}).items():
                    summary.scalar(f"evaluation_{name}_vs_iterations", value, step=step)
        self._pop_writer()

    def on_train_batch_begin(self, batch, logs=None) -> None:
        self._global_train_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer(self._train_writer, self._global_train_batch)
        if self.write_steps_per_second:
            self._batch_start_time = time.time()
        if not self._should_trace:
            return
        if self._global_train_batch == self._start_batch:
            self._start_trace()
        if self._profiler_started:
            self._batch_trace_context = _profiler.Trace(
                "TraceContext", graph_type="train", step_num=batch
            )
            self._batch_trace_context.__enter__()

    def on_train_batch_end(self, batch, logs=None) -> None:
        if self.write_steps_per_second:
            summary.scalar(
                "batch_steps_per_second",
                1.0 / max(time.time() - self._batch_start_time, 1e-9),
                step=self._global_train_batch,
            )
        if isinstance(logs, dict):
            for name, value in logs.items():
                summary.scalar(f"batch_{name}", value, step=self._global_train_batch)
        if not self._should_trace:
            return
        if self._is_tracing:
            if self._profiler_started and self._batch_trace_context is not None:
                self._batch_trace_context.__exit__(None, None, None)
                self._batch_trace_context = None
            if self._global_train_batch >= self._stop_batch:
                self._stop_trace()

    def on_test_batch_begin(self, batch, logs=None) -> None:
        self._global_test_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer(self._val_writer, self._global_test_batch)

    def on_epoch_begin(self, epoch, logs=None) -> None:
        if self.write_steps_per_second:
            self._previous_epoch_iterations = float(np.asarray(self.model.optimizer.iterations))
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None) -> None:
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    # -- what is logged -----------------------------------------------------------------
    def _collect_learning_rate(self, logs: dict) -> dict:
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if hasattr(optimizer, "optimizers"):
            for opt in optimizer.optimizers:
                logs[f"learning_rate_{opt.name}"] = float(np.asarray(opt.learning_rate))
        elif optimizer is not None and hasattr(optimizer, "learning_rate"):
            logs["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        return logs

    def _log_epoch_metrics(self, epoch: int, logs) -> None:
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k: v for k, v in logs.items() if k.startswith("val_")}
        train_logs = self._collect_learning_rate(train_logs)
        if self.write_steps_per_second:
            iterations = float(np.asarray(self.model.optimizer.iterations))
            elapsed = time.time() - self._epoch_start_time
            train_logs["steps_per_second"] = (
                iterations - self._previous_epoch_iterations
            ) / elapsed
        if train_logs:
            with self._train_writer.as_default():
                for name, value in train_logs.items():
                    summary.scalar(f"epoch_{name}", value, step=epoch)
        if val_logs:
            with self._val_writer.as_default():
                for name, value in val_logs.items():
                    summary.scalar(f"epoch_{name[4:]}", value, step=epoch)

    def _log_weights(self, epoch: int) -> None:
        model = self.model
        with self._train_writer.as_default():
            for layer in model.layers:
                for weight in layer.weights:
                    name = _weight_path(model, weight).replace(":", "_")
                    summary.histogram(f"{name}/histogram", weight, step=epoch)
                    if self.write_images:
                        self._log_weight_as_image(weight, f"{name}/image", epoch)
            self._train_writer.flush()

    def _log_weight_as_image(self, weight, name: str, epoch: int) -> None:
        w = np.squeeze(np.asarray(weight))
        if w.ndim == 1:  # a bias
            w = w.reshape(1, w.shape[0], 1, 1)
        elif w.ndim == 2:  # a dense kernel, wide side horizontal
            if w.shape[0] > w.shape[1]:
                w = w.T
            w = w.reshape(1, w.shape[0], w.shape[1], 1)
        elif w.ndim == 3:  # a conv kernel: one image per input channel (channels_last)
            w = np.transpose(w, (2, 0, 1))
            w = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
        if w.ndim == 4 and w.shape[-1] in (1, 3, 4):
            summary.image(name, w, step=epoch)


def _weight_path(model, weight) -> str:
    """Keras 3's ``weight.path`` (``<model>/<layer>/<weight>``) for a jtape weight."""
    keras_path = weight.__dict__.get("_keras_path")  # "<layer>/<weight>"
    if keras_path:
        return f"{model.name}/{keras_path}"
    return f"{model.name}/{str(weight.name).split(':')[0]}"
