"""``tf.summary``: TensorBoard logging, on :mod:`jtape.summary` (no TensorFlow needed).

Example:
    >>> import tempfile
    >>> import jtape.compat as tf
    >>> writer = tf.summary.create_file_writer(tempfile.mkdtemp())
    >>> with writer.as_default(step=0):
    ...     ok = tf.summary.scalar("loss", 0.5)
"""

from __future__ import annotations

import types

from ..summary import SummaryWriter as SummaryWriter
from ..summary import audio as audio
from ..summary import create_file_writer as create_file_writer
from ..summary import create_noop_writer as create_noop_writer
from ..summary import experimental as _experimental
from ..summary import flush as flush
from ..summary import graph as graph
from ..summary import histogram as histogram
from ..summary import image as image
from ..summary import record_if as record_if
from ..summary import scalar as scalar
from ..summary import should_record_summaries as should_record_summaries
from ..summary import text as text
from ..summary import trace_export as trace_export
from ..summary import trace_off as trace_off
from ..summary import trace_on as trace_on
from ..summary import write as write
from ._missing import missing

# tf.summary.experimental: a namespace whose unknown names raise NotProvidedError.
experimental = types.ModuleType("tf.summary.experimental")
experimental.get_step = _experimental.get_step
experimental.set_step = _experimental.set_step
experimental.summary_scope = _experimental.summary_scope
experimental.__getattr__ = missing("tf.summary.experimental")

__all__ = [
    "SummaryWriter",
    "audio",
    "create_file_writer",
    "create_noop_writer",
    "experimental",
    "flush",
    "graph",
    "histogram",
    "image",
    "record_if",
    "scalar",
    "should_record_summaries",
    "text",
    "trace_export",
    "trace_off",
    "trace_on",
    "write",
]

__getattr__ = missing("tf.summary")
