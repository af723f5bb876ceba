"""TensorBoard logging (``tf.summary``) without TensorFlow.

Summaries are written with the ``tensorboard`` package's event-file writer and protos,
with TensorFlow 2's plugin metadata, so TensorBoard (and its ``EventAccumulator``)
reads them as it reads TF's. They work eagerly and inside ``jt.function``, where the
values are written when the compiled step runs (see ``docs/tensorboard.md``).

Example:
    >>> import tempfile, jtape as jt
    >>> writer = jt.summary.create_file_writer(tempfile.mkdtemp())
    >>> step = jt.Variable(0, dtype=jt.int64)
    >>> @jt.function
    ... def train_step(x):
    ...     step.assign_add(1)
    ...     jt.summary.scalar("x", jt.sum(x), step=step)
    >>> with writer.as_default():
    ...     train_step(jt.ones(3))
    ...     train_step(jt.ones(3))
"""

from . import experimental as experimental
from ._graph import graph as graph
from ._graph import trace_export as trace_export
from ._graph import trace_off as trace_off
from ._graph import trace_on as trace_on
from ._ops import audio as audio
from ._ops import histogram as histogram
from ._ops import image as image
from ._ops import scalar as scalar
from ._ops import should_record_summaries as should_record_summaries
from ._ops import text as text
from ._ops import write as write
from ._writer import SummaryWriter as SummaryWriter
from ._writer import create_file_writer as create_file_writer
from ._writer import create_noop_writer as create_noop_writer
from ._writer import flush as flush
from ._writer import record_if as record_if
