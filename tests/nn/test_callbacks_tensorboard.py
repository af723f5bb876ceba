"""keras.callbacks.TensorBoard: runs, tags, steps and values as Keras 3.15 writes them
(tests/fixtures/record_summary.py records Keras' fit from the same weights)."""

from __future__ import annotations

import glob
import json
import os

import numpy as np
import pytest

pytest.importorskip("tensorboard")

from tensorboard.backend.event_processing import plugin_event_accumulator as pea  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

import jtape.compat as tf  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
KERAS = np.load(os.path.join(FIXTURES, "summary_tf.npz"))
with open(os.path.join(FIXTURES, "summary_tf.json")) as f:
    KERAS_RUNS = json.load(f)["keras_tensorboard"]


def load(logdir):
    acc = pea.EventAccumulator(str(logdir), size_guidance={pea.TENSORS: 0})
    acc.Reload()
    return acc


def fit_like_keras(logdir, **tb_kwargs):
    keras = tf.keras
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="relu", name="dense"),
            keras.layers.Dense(1, name="dense_1"),
        ],
        name="sequential",  # Keras' first model's name, as in the recording
    )
    model.set_weights([KERAS[f"keras/w{i}"] for i in range(4)])
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    x, y = KERAS["keras/x"], KERAS["keras/y"]
    cb = keras.callbacks.TensorBoard(str(logdir), **tb_kwargs)
    model.fit(
        x,
        y,
        batch_size=8,
        epochs=2,
        validation_data=(x[:16], y[:16]),
        callbacks=[cb],
        verbose=0,
        shuffle=False,
    )
    return model


# Each fit compiles its steps (seconds on a busy CPU): the tests share three fits.
CONFIGS = {
    "freq2": dict(histogram_freq=1, update_freq=2),
    "epoch": dict(),
    "extras": dict(
        histogram_freq=1,
        write_images=True,
        write_steps_per_second=True,
        update_freq="batch",
        profile_batch=(2, 3),
        write_graph=False,
    ),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("tb")
    models = {}
    for config, kwargs in CONFIGS.items():
        models[config] = fit_like_keras(root / config, **kwargs)
    return root, models


@pytest.mark.parametrize("config", ["freq2", "epoch"])
def test_runs_tags_steps_and_values_match_keras(runs, config):
    root, _ = runs
    logdir = root / config
    want_runs = KERAS_RUNS[config]
    assert sorted(os.listdir(logdir)) == sorted(want_runs)
    for run, want in want_runs.items():
        acc = load(logdir / run)
        tags = set(acc.Tags()["tensors"]) - {"__run_graph__"}
        assert sorted(tags) == sorted(want["tensors"]), run
        for tag, info in want["tensors"].items():
            events = acc.Tensors(tag)
            md = acc.SummaryMetadata(tag)
            assert [e.step for e in events] == info["steps"], (run, tag)
            assert md.plugin_data.plugin_name == info["plugin"], (run, tag)
            assert [d.size for d in events[0].tensor_proto.tensor_shape.dim] == info["shape"]
            if "values" in info:
                got = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]
                np.testing.assert_allclose(got, info["values"], rtol=2e-5, err_msg=f"{run} {tag}")
        # jtape also writes the compiled train step's program as the train run's graph.
        assert ("__run_graph__" in acc.Tags()["tensors"]) == (run == "train")


def test_epoch_logging_keeps_fits_quiet_step(runs):
    # update_freq="epoch" reads no batch logs, so fit runs its step without them.
    _, models = runs
    assert "train" in models["epoch"].__dict__.get("_quiet_functions", {})
    assert "train" not in models["freq2"].__dict__.get("_quiet_functions", {})


def test_histograms_are_the_weights_after_the_epoch(runs):
    root, models = runs
    acc = load(root / "freq2" / "train")
    kernel = models["freq2"].layers[0].kernel.numpy()
    events = acc.Tensors("sequential/dense/kernel/histogram")
    last = tensor_util.make_ndarray(events[-1].tensor_proto)
    assert last[:, 2].sum() == kernel.size
    assert last[0, 0] == pytest.approx(kernel.min()) and last[-1, 1] == pytest.approx(kernel.max())


def test_write_images_steps_per_second_and_no_graph(runs):
    root, _ = runs
    acc = load(root / "extras" / "train")
    tags = acc.Tags()["tensors"]
    assert "sequential/dense/kernel/image" in tags and "sequential/dense/bias/image" in tags
    img = tensor_util.make_ndarray(acc.Tensors("sequential/dense/kernel/image")[0].tensor_proto)
    assert img[:2].astype(str).tolist() == ["4", "3"]  # kernel (3, 4) drawn 3 high, 4 wide
    assert [e.step for e in acc.Tensors("batch_steps_per_second")] == list(range(1, 11))
    assert [e.step for e in acc.Tensors("epoch_steps_per_second")] == [0, 1]
    assert not {"keras", "__run_graph__"} & set(tags)  # write_graph=False


def test_profile_batch_writes_a_profile_and_the_trace_graph(runs):
    root, _ = runs
    logdir = root / "extras" / "train"
    assert glob.glob(str(logdir / "plugins" / "profile" / "*" / "*.xplane.pb"))
    acc = load(logdir)
    (event,) = acc.Tensors("batch_3")
    assert acc.SummaryMetadata("batch_3").plugin_data.plugin_name == "graph_run_metadata_graph"
    assert event.step == 3


def test_profile_batch_argument_checks():
    with pytest.raises(ValueError, match="profile_batch must be"):
        tf.keras.callbacks.TensorBoard(profile_batch=(3, 2))
    with pytest.raises(ValueError, match="profile_batch must be"):
        tf.keras.callbacks.TensorBoard(profile_batch=-1)
    tb = tf.keras.callbacks.TensorBoard(profile_batch="2,4")
    assert (tb._start_batch, tb._stop_batch) == (2, 4)
    with pytest.raises(ValueError, match="embeddings_freq"):
        tf.keras.callbacks.TensorBoard(embeddings_freq=1)
