"""Summary ops: ``write`` and the typed summaries built on it (scalar, histogram, ...).

Every op resolves the default writer, step and recording condition now (eagerly, or
at trace time inside ``jt.function``), and hands the values to one host function that
builds the ``Summary`` proto and adds the ``Event``. Eagerly that function runs at
once. When any value is traced (a Tensor computed in the step, a Variable step, a
condition that reads a Variable), it runs as a ``jax.debug.callback``: the compiled
step calls back into Python with the concrete values each time it runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from .._module import current_name_scope
from .._tensor import Tensor
from .._variable import Variable
from . import _encode
from ._writer import NoopWriter, state

SCALAR, TENSOR, BLOB_SEQUENCE = 1, 2, 3  # tensorboard's DataClass values
DEFAULT_BUCKETS = 30


def _value(x):
    """A jax/numpy array for ``x`` (a Variable is read, through a trace's frame)."""
    if isinstance(x, Variable):
        return x.value()._value
    if isinstance(x, Tensor):
        return x._value
    if isinstance(x, jax.Array):
        return x
    return np.asarray(x)


def _is_traced(x) -> bool:
    return isinstance(x, jax.core.Tracer)


def _recording():
    """The recording condition now (a bool array, or a traced one); None when nothing
    can be recorded (no default writer, or ``record_if`` is statically False)."""
    if state.writer is None:
        return None
    cond = state.is_recording
    if callable(cond):
        cond = cond()
    cond = np.asarray(True) if cond is None else _value(cond)
    if not _is_traced(cond) and not bool(np.asarray(cond)):
        return None
    return cond


def should_record_summaries() -> Tensor:
    """Whether summary ops record now: a default writer exists and ``record_if`` holds.

    Example:
        >>> import jtape as jt
        >>> bool(jt.summary.should_record_summaries())  # no default writer
        False
    """
    cond = _recording()
    if cond is None:
        return Tensor(np.asarray(False))
    return Tensor(jax.numpy.asarray(cond, bool) if _is_traced(cond) else np.asarray(True))


def _metadata(
    plugin: str, data_class: int, description: str | None, content: bytes = b""
) -> Callable[[], Any]:
    """A maker of the ``SummaryMetadata`` (built only when a file is written, so that
    summary ops without a writer need no ``tensorboard``)."""

    def make():
        from tensorboard.compat.proto import summary_pb2

        md = summary_pb2.SummaryMetadata()
        md.plugin_data.plugin_name = plugin
        md.plugin_data.content = content
        md.data_class = data_class
        if description:
            md.summary_description = description
        return md

    return make


def _record(
    tag: str, step, metadata, arrays: list, to_proto: Callable[..., Any], cond=None
) -> Tensor:
    """Write ``to_proto(*concrete arrays)`` under ``tag`` at ``step`` if recording.

    Returns the recording condition as a boolean Tensor (TF's return value).
    """
    writer = state.writer
    cond = _recording() if cond is None else cond
    if cond is None:
        return Tensor(np.asarray(False))
    if step is None:
        step = state.step
    if step is None:
        raise ValueError(
            "No step set. Please specify one either through the `step` argument or "
            "through tf.summary.experimental.set_step()"
        )
    step_value = _value(step)
    if np.size(step_value) != 1:
        raise ValueError(
            f"Argument `step` must be a scalar. Received step with shape {np.shape(step_value)}."
        )
    if isinstance(writer, NoopWriter):  # nothing to build (and no tensorboard needed)
        return Tensor(np.asarray(True))
    if callable(metadata):
        metadata = metadata()
    values = [cond, step_value, *(_value(a) for a in arrays)]

    def host(cond, step, *arrays) -> None:
        if not bool(np.asarray(cond)):
            return
        from tensorboard.compat.proto import event_pb2, summary_pb2

        value = summary_pb2.Summary.Value(tag=tag, metadata=metadata)
        value.tensor.CopyFrom(to_proto(*(np.asarray(a) for a in arrays)))
        event = event_pb2.Event(
            step=int(np.asarray(step)), summary=summary_pb2.Summary(value=[value])
        )
        writer._add_event(event)

    if any(_is_traced(v) for v in values):
        replica = _replica_axis()
        if replica is not None:  # as TF: in strategy.run only replica 0 records
            values[0] = jax.numpy.logical_and(cond, jax.lax.axis_index(replica) == 0)
        # Unordered: JAX refuses ordered effects in programs over several devices. Each
        # event carries its step, so TensorBoard does not depend on the write order.
        jax.debug.callback(host, *values)
        return Tensor(jax.numpy.asarray(values[0], bool))
    host(*values)
    return Tensor(np.asarray(True))


def _replica_axis() -> str | None:
    """The mesh axis of the ``strategy.run`` replica program being traced, if any."""
    context = sys.modules.get("jtape.distribute._context")
    replica = context.get_replica_context() if context is not None else None
    return getattr(replica, "_axis", None) if replica is not None else None


def _tensor_proto(array: np.ndarray):
    from tensorboard.util import tensor_util

    return tensor_util.make_tensor_proto(array)


def _strings_proto(strings, shape) -> Any:
    from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2, types_pb2

    proto = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING)
    proto.tensor_shape.CopyFrom(
        tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=int(d)) for d in shape]
        )
    )
    proto.string_val.extend(s if isinstance(s, bytes) else str(s).encode() for s in strings)
    return proto


def _tag(name: str) -> str:
    return f"{current_name_scope()}{name}"


def write(tag: str, tensor, step=None, metadata=None, name: str | None = None) -> Tensor:
    """Write ``tensor`` (or ``tensor()``, called only when recording) under ``tag``.

    ``metadata`` is a ``SummaryMetadata`` proto or its serialized bytes. Returns whether
    a summary was written, as ``tf.summary.write``.
    """

    def md():
        from tensorboard.compat.proto import summary_pb2

        if metadata is None:
            return summary_pb2.SummaryMetadata()
        if isinstance(metadata, bytes):
            return summary_pb2.SummaryMetadata.FromString(metadata)
        return metadata

    cond = _recording()
    if cond is None:
        return Tensor(np.asarray(False))
    if callable(tensor):  # called only when recording, as in TF
        tensor = tensor()
    value = _value(tensor)
    if value.dtype.kind in "USO":
        strings = np.asarray(value)
        return _record(
            tag, step, md, [], lambda: _strings_proto(strings.reshape(-1), strings.shape), cond
        )
    return _record(tag, step, md, [value], _tensor_proto, cond)


def scalar(name: str, data, step=None, description: str | None = None) -> Tensor:
    """Log a scalar (a float32 tensor summary of TensorBoard's ``scalars`` plugin).

    Example:
        >>> import tempfile, jtape as jt
        >>> with jt.summary.create_file_writer(tempfile.mkdtemp()).as_default():
        ...     ok = jt.summary.scalar("loss", 0.25, step=3)
    """
    value = _value(data)
    if np.ndim(value) != 0:
        raise ValueError(f"scalar: `data` must be a scalar, got shape {np.shape(value)}")
    if not _is_traced(value) and value.dtype.kind in "USOc":
        raise TypeError(f"scalar: `data` must be a real number, got dtype {value.dtype}")
    md = _metadata("scalars", SCALAR, description)
    return _record(
        _tag(name), step, md, [value], lambda x: _tensor_proto(np.asarray(x, np.float32))
    )


def histogram(
    name: str, data, step=None, buckets: int | None = None, description: str | None = None
) -> Tensor:
    """Log the histogram of ``data``: a float64 ``[buckets, 3]`` tensor (left, right, count).

    ``buckets`` defaults to 30, equal-width from the minimum to the maximum, as
    TensorBoard's ``histograms`` plugin expects. The data is bucketed on the host.
    """
    k = DEFAULT_BUCKETS if buckets is None else int(buckets)
    if k < 0:
        raise ValueError(f"histogram: `buckets` must be non-negative, got {buckets}")
    md = _metadata("histograms", TENSOR, description)
    return _record(
        _tag(name),
        step,
        md,
        [data],
        lambda x: _tensor_proto(_encode.histogram_buckets(x, k)),
    )


def image(
    name: str, data, step=None, max_outputs: int = 3, description: str | None = None
) -> Tensor:
    """Log up to ``max_outputs`` images of ``data`` ``[k, height, width, channels]``.

    Float images are taken in [0, 1] (uint8 as is); channels 1 (gray), 2 (gray and
    alpha), 3 (RGB) or 4 (RGBA). Written as TF does: ``[width, height, png, ...]``.
    """
    shape = np.shape(_value(data))
    if len(shape) != 4:
        raise ValueError(f"image: `data` must have rank 4 [k, h, w, c], got shape {shape}")
    if shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"image: `data` must have 1, 2, 3 or 4 channels, got {shape[-1]}")
    if max_outputs < 0:
        raise ValueError(f"image: `max_outputs` must be non-negative, got {max_outputs}")
    md = _metadata("images", BLOB_SEQUENCE, description)

    def to_proto(x):
        images = _encode.to_uint8_images(x[:max_outputs])
        height, width = shape[1], shape[2]
        pngs = [_encode.encode_png(img) for img in images]
        return _strings_proto([str(width), str(height), *pngs], [2 + len(pngs)])

    return _record(_tag(name), step, md, [data], to_proto)


def text(name: str, data, step=None, description: str | None = None) -> Tensor:
    """Log a string, or an array of strings (shown as a table), for the ``text`` plugin."""
    strings = np.asarray(data.numpy() if hasattr(data, "numpy") else data)
    if strings.dtype.kind not in "USO":
        raise TypeError(f"text: `data` must be strings, got dtype {strings.dtype}")
    md = _metadata("text", TENSOR, description)
    flat = [s if isinstance(s, bytes) else str(s) for s in strings.reshape(-1)]
    return _record(_tag(name), step, md, [], lambda: _strings_proto(flat, strings.shape))


def audio(
    name: str,
    data,
    sample_rate,
    step=None,
    max_outputs: int = 3,
    encoding: str | None = None,
    description: str | None = None,
) -> Tensor:
    """Log up to ``max_outputs`` clips of ``data`` ``[k, frames, channels]`` in [-1, 1].

    Encoded as 16-bit PCM WAV (``encoding="wav"``, the only one, as in TF).
    """
    if encoding not in (None, "wav"):
        raise ValueError(f"Unknown encoding: {encoding}")
    shape = np.shape(_value(data))
    if len(shape) != 3:
        raise ValueError(f"audio: `data` must have rank 3 [k, t, c], got shape {shape}")

    def md():
        from tensorboard.plugins.audio import plugin_data_pb2

        wav = plugin_data_pb2.AudioPluginData.WAV
        content = plugin_data_pb2.AudioPluginData(encoding=wav).SerializeToString()
        return _metadata("audio", BLOB_SEQUENCE, description, content)()

    def to_proto(x, rate):
        clips = [_encode.encode_wav(c, int(rate)) for c in x[:max_outputs]]
        return _strings_proto(clips, [len(clips)])

    return _record(_tag(name), step, md, [data, sample_rate], to_proto)
