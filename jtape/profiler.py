"""Profiling (``tf.profiler.experimental``) on ``jax.profiler``.

``start(logdir)`` ... ``stop()`` records a trace of the host and the devices (XLA
programs, transfers, annotations) into ``logdir/plugins/profile/<run>/<host>.xplane.pb``
(plus a ``.trace.json.gz``), where TensorBoard's profile plugin (``tensorboard-plugin-profile``
/ xprof) finds it, the layout TensorFlow's profiler writes too.

Example:
    >>> import tempfile, jtape as jt
    >>> logdir = tempfile.mkdtemp()
    >>> jt.profiler.start(logdir)
    >>> with jt.profiler.Trace("train", step_num=1):
    ...     _ = jt.ones(3) * 2
    >>> jt.profiler.stop()
"""

from __future__ import annotations

import collections
import os
import shutil
import tempfile
import threading

import jax

from ._op_errors import AlreadyExistsError, UnavailableError

_lock = threading.Lock()
_session: dict | None = None


class ProfilerOptions(
    collections.namedtuple(
        "ProfilerOptions",
        ["host_tracer_level", "python_tracer_level", "device_tracer_level", "delay_ms"],
    )
):
    """Tracer levels (``tf.profiler.experimental.ProfilerOptions``), as TF's defaults.

    ``host_tracer_level`` and ``python_tracer_level`` go to ``jax.profiler.ProfileOptions``;
    ``device_tracer_level`` and ``delay_ms`` have no JAX counterpart and are ignored.
    """

    def __new__(
        cls, host_tracer_level=2, python_tracer_level=0, device_tracer_level=1, delay_ms=None
    ):
        return super().__new__(
            cls, host_tracer_level, python_tracer_level, device_tracer_level, delay_ms
        )


def _runs(logdir: str) -> set[str]:
    root = os.path.join(logdir, "plugins", "profile")
    return set(os.listdir(root)) if os.path.isdir(root) else set()


def _start(logdir: str, options: ProfilerOptions | None = None) -> None:
    global _session
    with _lock:
        if _session is not None:
            raise AlreadyExistsError("Another profiler is running.")
        logdir = str(logdir) if logdir else tempfile.mkdtemp(prefix="jtape_profile_")
        jax_options = None
        if options is not None:
            jax_options = jax.profiler.ProfileOptions()
            jax_options.host_tracer_level = int(options.host_tracer_level)
            jax_options.python_tracer_level = int(options.python_tracer_level)
        before = _runs(logdir)
        jax.profiler.start_trace(logdir, profiler_options=jax_options)
        _session = {"logdir": logdir, "before": before}


def _stop(save: bool = True) -> None:
    global _session
    with _lock:
        if _session is None:
            raise UnavailableError("Cannot export profiling results. No profiler is running.")
        session, _session = _session, None
        jax.effects_barrier()
        jax.profiler.stop_trace()
    if not save:  # jax.profiler always writes: remove this session's run
        root = os.path.join(session["logdir"], "plugins", "profile")
        for run in _runs(session["logdir"]) - session["before"]:
            shutil.rmtree(os.path.join(root, run), ignore_errors=True)


def start(logdir: str, options: ProfilerOptions | None = None) -> None:
    """Start profiling into ``logdir`` (``AlreadyExistsError`` if a profile is running)."""
    _start(logdir, options)


def stop(save: bool = True) -> None:
    """Stop profiling and write the trace (``UnavailableError`` if none is running).

    ``save=False`` discards it (jax writes it, and it is removed again).
    """
    _stop(save)


def warmup() -> None:
    """Start and stop a profile once, so the next one starts quickly (as TF's)."""
    _start("")
    _stop(save=False)


class Profile:
    """Profile the block into ``logdir``: ``with Profile(logdir): ...``."""

    def __init__(self, logdir: str, options: ProfilerOptions | None = None) -> None:
        self._logdir = logdir
        self._options = options

    def __enter__(self) -> Profile:
        start(self._logdir, self._options)
        return self

    def __exit__(self, *exc) -> bool:
        stop()
        return False


class Trace:
    """Name a span of host time in the profile (``tf.profiler.experimental.Trace``).

    With ``step_num`` (and ``_r=1``, TF's marker) the span is a training step: the
    profile plugin's step views group by it. Other keyword arguments become the
    span's metadata. Costs nearly nothing while no profile is running.
    """

    def __init__(self, name: str, **kwargs) -> None:
        kwargs.pop("_r", None)
        if "step_num" in kwargs:
            self._annotation = jax.profiler.StepTraceAnnotation(name, **kwargs)
        else:
            self._annotation = jax.profiler.TraceAnnotation(name, **kwargs)

    def __enter__(self) -> Trace:
        self._annotation.__enter__()
        return self

    def __exit__(self, *exc) -> bool:
        self._annotation.__exit__(*exc)
        return False


def start_server(port: int) -> None:
    """Start a profiler server on ``port`` for on-demand captures (``server.start``)."""
    jax.profiler.start_server(int(port))
