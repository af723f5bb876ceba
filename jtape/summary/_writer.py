"""Summary writers and the thread's summary state (default writer, step, condition).

A :class:`SummaryWriter` owns one ``tensorboard`` ``EventFileWriter`` (the event-file
writer PyTorch's ``SummaryWriter`` also uses): events are serialized ``Event`` protos in
TFRecord framing, queued and written by a background thread. Which writer, step and
recording condition a summary op uses is thread-local state, as in TensorFlow; inside a
``jt.function`` they are read when the function is traced (so a step that changes
between calls must be a Variable, as in TF).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import jax


class _SummaryState(threading.local):
    def __init__(self) -> None:
        self.writer: SummaryWriter | None = None
        self.step: Any = None
        self.is_recording: Any = None  # None (record), a bool, a Tensor or a callable


state = _SummaryState()


class _SummaryContext:
    """``writer.as_default(step)``: a class, so ``set_as_default`` can enter it for good."""

    def __init__(self, writer: SummaryWriter, step) -> None:
        self._writer = writer
        self._step = step
        self._old_writer = None
        self._old_step = None

    def __enter__(self) -> SummaryWriter:
        self._old_writer = state.writer
        state.writer = self._writer
        if self._step is not None:
            self._old_step = state.step
            state.step = self._step
        return self._writer

    def __exit__(self, *exc) -> bool:
        state.writer.flush()  # as TF: leaving the context flushes the writer
        state.writer = self._old_writer
        if self._step is not None:
            state.step = self._old_step
        return False


class SummaryWriter:
    """The interface of summary writers (``tf.summary.SummaryWriter``)."""

    def as_default(self, step=None) -> _SummaryContext:
        """A context in which summaries go to this writer (and, if given, at ``step``).

        ``step`` may be an int, a Tensor or a Variable; inside a ``jt.function`` only a
        Variable step is read when the step runs (a Python int is fixed at trace time).
        """
        self._check_open()
        return _SummaryContext(self, step)

    def set_as_default(self, step=None) -> None:
        """Make this the thread's default writer (and set the default step if given)."""
        self._check_open()
        self.as_default(step).__enter__()

    def init(self) -> None:
        """Nothing to do: the writer opened its file when it was created."""

    def flush(self) -> None:
        """Write what is queued to disk."""

    def close(self) -> None:
        """Flush and close."""

    def _check_open(self) -> None:
        pass

    def _add_event(self, event) -> None:
        pass


class FileWriter(SummaryWriter):
    """A writer of one TensorBoard event file in ``logdir`` (see ``create_file_writer``)."""

    def __init__(
        self, logdir: str, max_queue: int, flush_millis: int, filename_suffix: str
    ) -> None:
        try:
            from tensorboard.summary.writer.event_file_writer import EventFileWriter
        except ImportError as e:
            raise ImportError(
                "jtape.summary writes event files with the `tensorboard` package: "
                "pip install 'jtape[tensorboard]' (or tensorboard)"
            ) from e

        self.logdir = str(logdir)
        self._writer = EventFileWriter(
            self.logdir,
            max_queue_size=int(max_queue),
            flush_secs=flush_millis / 1000.0,
            filename_suffix=filename_suffix,
        )
        self._closed = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<jtape.summary.FileWriter logdir={self.logdir!r}>"

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"SummaryWriter {self!r} is already closed")

    def _add_event(self, event) -> None:
        if not event.wall_time:
            event.wall_time = time.time()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"SummaryWriter {self!r} is already closed")
            self._writer.add_event(event)

    def flush(self) -> None:
        if _emit_traced(self._flush_now):
            return
        # Compiled steps write from host callbacks that may still be pending.
        jax.effects_barrier()
        self._flush_now()

    def _flush_now(self) -> None:
        with self._lock:
            if not self._closed:
                self._writer.flush()

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        with self._lock:
            self._closed = True
            self._writer.close()


class NoopWriter(SummaryWriter):
    """A writer that writes nothing (``create_noop_writer``)."""

    def __repr__(self) -> str:
        return "<jtape.summary.NoopWriter>"


def _emit_traced(host_fn) -> bool:
    """Inside a trace, schedule ``host_fn()`` to run (in order) when the step runs."""
    from .._state import tracing

    if not tracing():
        return False
    jax.debug.callback(host_fn)
    return True


def create_file_writer(
    logdir,
    max_queue: int | None = None,
    flush_millis: int | None = None,
    filename_suffix: str | None = None,
    name: str | None = None,
    experimental_trackable: bool = False,
    experimental_mesh=None,
) -> SummaryWriter:
    """A writer of TensorBoard event files in ``logdir`` (``tf.summary.create_file_writer``).

    Defaults as TensorFlow: ``max_queue=10`` events queued, flushed every
    ``flush_millis=120000`` ms, file names ending in ``filename_suffix=".v2"``.
    ``logdir=None`` gives a no-op writer, as in TF.

    Example:
        >>> import tempfile, jtape as jt
        >>> writer = jt.summary.create_file_writer(tempfile.mkdtemp())
        >>> with writer.as_default(step=1):
        ...     ok = jt.summary.scalar("loss", 0.5)
        >>> bool(ok)
        True
    """
    if logdir is None:
        return NoopWriter()
    return FileWriter(
        logdir,
        10 if max_queue is None else max_queue,
        120_000 if flush_millis is None else flush_millis,
        ".v2" if filename_suffix is None else filename_suffix,
    )


def create_noop_writer() -> SummaryWriter:
    """A writer that discards everything (``tf.summary.create_noop_writer``)."""
    return NoopWriter()


def get_step():
    """The thread's default summary step (``tf.summary.experimental.get_step``), or None."""
    return state.step


def set_step(step) -> None:
    """Set the thread's default summary step: an int, a Tensor, a Variable, or None."""
    state.step = step


class record_if:  # noqa: N801 - TF's name
    """Record summaries only while ``condition`` holds (``tf.summary.record_if``).

    ``condition`` is a bool, a boolean Tensor, or a callable returning either; a
    callable is called by each summary op, so inside a ``jt.function`` it may read
    Variables (``lambda: step % 100 == 0``) and is decided when the step runs.
    """

    def __init__(self, condition) -> None:
        self._condition = condition
        self._old = None

    def __enter__(self) -> None:
        self._old = state.is_recording
        state.is_recording = self._condition

    def __exit__(self, *exc) -> bool:
        state.is_recording = self._old
        return False


def flush(writer: SummaryWriter | None = None, name: str | None = None) -> None:
    """Flush ``writer`` (default: the default writer), as ``tf.summary.flush``."""
    writer = state.writer if writer is None else writer
    if writer is not None:
        writer.flush()
