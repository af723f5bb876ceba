"""tf.summary on tensorboard's writer: files read back with TensorBoard's EventAccumulator,
tensors compared with what TensorFlow 2.21 writes (tests/fixtures/record_summary.py)."""

from __future__ import annotations

import json
import os
import struct
import zlib

import numpy as np
import pytest

pytest.importorskip("tensorboard")

from tensorboard.backend.event_processing import plugin_event_accumulator as pea  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

import jtape as jt  # noqa: E402
import jtape.compat as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TF = np.load(os.path.join(HERE, "fixtures", "summary_tf.npz"))
with open(os.path.join(HERE, "fixtures", "summary_tf.json")) as f:
    TF_META = json.load(f)["summaries"]


def load(logdir):
    acc = pea.EventAccumulator(str(logdir), size_guidance={pea.TENSORS: 0, pea.GRAPH: 1})
    acc.Reload()
    return acc


def values(acc, tag):
    return [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]


def decode_png(data: bytes) -> np.ndarray:
    """A PNG decoder for 8-bit images (all five row filters), for checking only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8
    channels = {0: 1, 4: 2, 2: 3, 6: 4}[color]
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * channels)
    out = np.zeros((height, width * channels), np.int64)
    for r in range(height):
        kind, line = raw[r, 0], raw[r, 1:].astype(np.int64)
        prev = out[r - 1] if r else np.zeros_like(line)
        row = np.zeros_like(line)
        for i in range(len(line)):
            a = row[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            pred = [0, a, b, (a + b) // 2][kind] if kind < 4 else _paeth(a, b, c)
            row[i] = (line[i] + pred) % 256
        out[r] = row
    return out.reshape(height, width, channels).astype(np.uint8)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


@pytest.fixture(scope="module")
def tf_like(tmp_path_factory):
    """jtape's version of what the recorder wrote with TF, read back."""
    logdir = tmp_path_factory.mktemp("tf_like")
    w = tf.summary.create_file_writer(str(logdir))
    with w.as_default(step=7):
        tf.summary.scalar("scalar_float", 0.25)
        tf.summary.scalar("scalar_int", 3)
        tf.summary.scalar("scalar_f64", np.float64(1.5), description="a description")
        for name in ("normal", "small", "const", "ints", "empty", "matrix"):
            tf.summary.histogram(f"hist_{name}", TF["input/" + name])
        tf.summary.histogram("hist_buckets3", TF["input/small"], buckets=3)
        tf.summary.histogram("hist_buckets1", TF["input/small"], buckets=1)
        for name in ("rgb_float", "gray_float", "rgba_uint8"):
            tf.summary.image(f"img_{name}", TF["input/" + name])
        tf.summary.image("img_max1", TF["input/rgb_float"], max_outputs=1)
        tf.summary.text("text_scalar", "hello")
        tf.summary.text("text_list", ["a", "bc"])
        tf.summary.audio("audio", TF["input/audio"], 8000, max_outputs=1)
        tf.summary.audio("audio_all", TF["input/audio"], 16000)
    w.close()
    return load(logdir)


def test_metadata_dtypes_shapes_steps_match_tf(tf_like):
    assert sorted(tf_like.Tags()["tensors"]) == sorted(TF_META)
    for tag, want in TF_META.items():
        md = tf_like.SummaryMetadata(tag)
        event = tf_like.Tensors(tag)[0]
        got = {
            "plugin": md.plugin_data.plugin_name,
            "content": md.plugin_data.content.hex(),
            "data_class": int(md.data_class),
            "dtype": int(event.tensor_proto.dtype),
            "shape": [d.size for d in event.tensor_proto.tensor_shape.dim],
            "steps": [e.step for e in tf_like.Tensors(tag)],
        }
        assert got == {k: want[k] for k in got}, tag
    assert tf_like.SummaryMetadata("scalar_f64").summary_description == "a description"


def test_scalars_and_histograms_equal_tf(tf_like):
    for tag in TF_META:
        if tag.startswith(("scalar", "hist")):
            ((_, got),) = values(tf_like, tag)
            assert got.dtype == TF[tag].dtype, tag
            np.testing.assert_allclose(got, TF[tag], rtol=1e-12, atol=0, err_msg=tag)


def test_images_equal_tf(tf_like):
    for tag in ("img_rgb_float", "img_gray_float", "img_rgba_uint8", "img_max1"):
        ((_, got),) = values(tf_like, tag)
        np.testing.assert_array_equal(got[:2].astype(str).astype(int), TF[tag + "/size"])
        pixels = np.stack([decode_png(p) for p in got[2:]])
        np.testing.assert_array_equal(pixels, TF[tag + "/pixels"], err_msg=tag)


def test_audio_and_text_equal_tf(tf_like):
    for tag in ("audio", "audio_all"):
        ((_, got),) = values(tf_like, tag)
        clips = got.reshape(-1)
        rates = [struct.unpack("<I", c[24:28])[0] for c in clips]
        np.testing.assert_array_equal(rates, TF[tag + "/rate"])
        pcm = np.stack([np.frombuffer(c[44:], "<i2") for c in clips])
        np.testing.assert_array_equal(pcm, TF[tag + "/int16"])
    for tag in ("text_scalar", "text_list"):
        ((_, got),) = values(tf_like, tag)
        assert np.asarray(got).astype(str).tolist() == TF_META[tag]["value"]


def test_event_file_name_and_version(tmp_path):
    w = jt.summary.create_file_writer(str(tmp_path), filename_suffix=".run1")
    w.close()
    (name,) = os.listdir(tmp_path)
    assert name.startswith("events.out.tfevents.") and name.endswith(".run1")
    jt.summary.create_file_writer(str(tmp_path / "b")).close()
    assert os.listdir(tmp_path / "b")[0].endswith(".v2")  # TF's default suffix
    assert load(tmp_path).file_version == 2.0  # "brain.Event:2"


def test_inside_function_values_at_run_time_at_variable_step(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    step = tf.Variable(0, dtype=tf.int64)
    w = tf.Variable(1.0)

    @tf.function
    def train_step(x):
        step.assign_add(1)
        w.assign(w * x)
        tf.summary.scalar("w", w)
        tf.summary.histogram("xs", tf.ones([4]) * w)
        with tf.summary.record_if(lambda: tf.equal(step % 2, 0)):
            tf.summary.scalar("even_only", w * 10.0)
        return w

    with writer.as_default(step=step):
        train_step(tf.constant(2.0))
        traces = train_step.experimental_get_tracing_count()
        for _ in range(3):
            train_step(tf.constant(2.0))
    assert train_step.experimental_get_tracing_count() == traces  # one program, run 4 times
    acc = load(tmp_path)
    assert [(s, float(v)) for s, v in values(acc, "w")] == [(1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0)]
    assert [(s, float(v)) for s, v in values(acc, "even_only")] == [(2, 40.0), (4, 160.0)]
    (s, h) = values(acc, "xs")[2]
    assert s == 3 and h[-1, 2] == 4 and h[-1, 0] == 8.0


def test_python_step_inside_function_is_fixed_at_trace_time(tmp_path):
    # TF's rule: only a Variable step changes between calls of a traced function.
    writer = tf.summary.create_file_writer(str(tmp_path))

    @tf.function
    def log(x):
        tf.summary.scalar("x", x)

    with writer.as_default():
        tf.summary.experimental.set_step(5)
        log(tf.constant(1.0))
        tf.summary.experimental.set_step(6)
        log(tf.constant(2.0))
        tf.summary.experimental.set_step(None)
    assert [(s, float(v)) for s, v in values(load(tmp_path), "x")] == [(5, 1.0), (5, 2.0)]


def test_default_writer_step_and_conditions(tmp_path):
    assert not bool(tf.summary.scalar("nothing", 1.0, step=0))  # no default writer
    assert not bool(tf.summary.should_record_summaries())
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        assert bool(tf.summary.should_record_summaries())
        with pytest.raises(ValueError, match="No step set"):
            tf.summary.scalar("x", 1.0)
        with tf.summary.record_if(False):
            assert not bool(tf.summary.should_record_summaries())
            assert not bool(tf.summary.scalar("skipped", 1.0))  # no step needed then
        with tf.name_scope("outer"):
            tf.summary.scalar("inner", 2.0, step=1)
        with writer.as_default(step=3):
            assert tf.summary.experimental.get_step() == 3
            tf.summary.text("note", "hi")
        assert tf.summary.experimental.get_step() is None
        with pytest.raises(ValueError, match="must be a scalar"):
            tf.summary.scalar("x", 1.0, step=[1, 2])
        with pytest.raises(ValueError, match="rank 4"):
            tf.summary.image("x", np.zeros((2, 2, 3)), step=0)
    writer.close()
    with pytest.raises(RuntimeError, match="already closed"):
        writer.as_default()
    acc = load(tmp_path)
    assert sorted(acc.Tags()["tensors"]) == ["note", "outer/inner"]
    assert values(acc, "note")[0][0] == 3
    noop = tf.summary.create_noop_writer()
    with noop.as_default(step=0):
        assert bool(tf.summary.scalar("x", 1.0))


def test_set_as_default_and_flush(tmp_path):
    writer = jt.summary.create_file_writer(str(tmp_path), flush_millis=10**9, max_queue=1000)
    writer.set_as_default(step=2)
    try:
        jt.summary.scalar("a", 1.0)
        jt.summary.flush()
        assert [s for s, _ in values(load(tmp_path), "a")] == [2]
    finally:
        from jtape.summary._writer import state

        state.writer, state.step = None, None
        writer.close()


def test_trace_export_writes_a_graph_the_graph_plugin_reads(tmp_path):
    from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.graph import graphs_plugin

    v = tf.Variable(np.ones((3, 2), "float32"), name="kernel")

    @tf.function
    def f(x):
        y = tf.matmul(x, v)
        v.assign_add(tf.ones_like(v))
        return tf.reduce_sum(tf.nn.relu(y))

    writer = tf.summary.create_file_writer(str(tmp_path / "run"))
    tf.summary.trace_on(graph=True)
    f(tf.ones((4, 3)))
    with writer.as_default():
        tf.summary.trace_export("step_graph", step=0)
    writer.close()
    assert tf.summary.trace_export  # trace is off again:
    with pytest.raises(ValueError, match="Must enable trace"):
        tf.summary.trace_export("again", step=0)

    mux = plugin_event_multiplexer.EventMultiplexer().AddRunsFromDirectory(str(tmp_path))
    mux.Reload()
    context = base_plugin.TBContext(
        data_provider=data_provider.MultiplexerDataProvider(mux, str(tmp_path)),
        logdir=str(tmp_path),
    )
    plugin = graphs_plugin.GraphsPlugin(context)
    from tensorboard import context as tb_context

    ctx = tb_context.RequestContext()
    info = plugin.info_impl(ctx, "")
    assert info["run"]["tags"]["step_graph"]["op_graph"] is True
    pbtxt, _ = plugin.graph_impl(ctx, "run", "step_graph", is_conceptual=False, experiment="")
    from google.protobuf import text_format
    from tensorboard.compat.proto import graph_pb2

    graph = text_format.Parse(pbtxt, graph_pb2.GraphDef())
    ops = {n.name: n.op for n in graph.node}
    assert ops["kernel"] == "VarHandleOp" and ops["kernel/Assign"] == "AssignVariableOp"
    assert "dot_general" in ops.values() and "_Retval" in ops.values()
    dot = next(n for n in graph.node if n.op == "dot_general")
    assert [d.size for d in dot.attr["_output_shapes"].list.shape[0].dim] == [4, 2]
    assert "kernel" in dot.input or any("kernel" in i for i in dot.input)


def test_graph_writes_a_run_graph(tmp_path):
    import jax

    writer = jt.summary.create_file_writer(str(tmp_path))
    jaxpr = jax.make_jaxpr(lambda x: jax.numpy.sin(x) * 2)(np.ones(3, "float32"))
    with writer.as_default():
        assert jt.summary.graph(jaxpr)
    writer.close()
    from tensorboard.compat.proto import graph_pb2

    graph = graph_pb2.GraphDef.FromString(load(tmp_path).Graph().SerializeToString())
    assert [n.op for n in graph.node] == ["Placeholder", "sin", "Const", "mul", "_Retval"]


def test_summary_under_a_tape_inside_function_is_written_once(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    v = tf.Variable(2.0)
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def train_step(x):
        step.assign_add(1)
        with tf.GradientTape() as tape:
            y = v * x
            tf.summary.scalar("y", y, step=step)
        g = tape.gradient(y, v)
        tf.summary.scalar("grad", g, step=step)
        v.assign_sub(0.5 * g)

    with writer.as_default():
        for _ in range(2):
            train_step(tf.constant(3.0))
    acc = load(tmp_path)
    assert [(s, float(x)) for s, x in values(acc, "y")] == [(1, 6.0), (2, 1.5)]
    assert [(s, float(x)) for s, x in values(acc, "grad")] == [(1, 3.0), (2, 3.0)]


def test_inside_strategy_run_replica_zero_writes(tmp_path):
    # As TF: in a replica program only replica 0 records (the tests run 4 CPU devices).
    strategy = tf.distribute.MirroredStrategy()
    assert strategy.num_replicas_in_sync > 1
    with strategy.scope():
        v = tf.Variable(1.0)
        step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def train(x):
        def replica_fn(x):
            y = tf.reduce_sum(x) * v
            tf.summary.scalar("inside", y, step=step)
            return y

        step.assign_add(1)
        out = strategy.run(replica_fn, args=(x,))
        tf.summary.scalar("outside", v * 2.0, step=step)  # a program over all devices
        return out

    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        for _ in range(2):
            train(tf.ones(4))
    acc = load(tmp_path)
    assert [(s, float(x)) for s, x in values(acc, "inside")] == [(1, 4.0), (2, 4.0)]
    assert [(s, float(x)) for s, x in values(acc, "outside")] == [(1, 2.0), (2, 2.0)]
