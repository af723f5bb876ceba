"""``tf.profiler``: ``tf.profiler.experimental`` on :mod:`jtape.profiler` (jax.profiler).

Example:
    >>> import tempfile
    >>> import jtape.compat as tf
    >>> with tf.profiler.experimental.Profile(tempfile.mkdtemp()):
    ...     with tf.profiler.experimental.Trace("train", step_num=0, _r=1):
    ...         _ = tf.ones(3) * 2
"""

from __future__ import annotations

import types

from .. import profiler as _profiler
from ._missing import missing


def _namespace(name: str, **members) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(members)
    module.__getattr__ = missing(name)  # PEP 562: a module object's __getattr__
    return module


experimental = _namespace(
    "tf.profiler.experimental",
    start=_profiler.start,
    stop=_profiler.stop,
    warmup=_profiler.warmup,
    Profile=_profiler.Profile,
    ProfilerOptions=_profiler.ProfilerOptions,
    Trace=_profiler.Trace,
    server=_namespace("tf.profiler.experimental.server", start=_profiler.start_server),
)

__all__ = ["experimental"]

__getattr__ = missing("tf.profiler")
