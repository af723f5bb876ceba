"""tf.profiler.experimental on jax.profiler: the files TensorBoard's profile plugin opens."""

from __future__ import annotations

import glob
import os

import jax
import pytest

import jtape.compat as tf


def _event_names(xplane_path: str) -> set[str]:
    data = jax.profiler.ProfileData.from_file(xplane_path)
    return {e.name for plane in data.planes for line in plane.lines for e in line.events}


def test_start_trace_stop_write_an_xplane_with_the_step(tmp_path):
    @tf.function
    def step(x):
        return tf.reduce_sum(x * 2.0)

    step(tf.ones(3))
    tf.profiler.experimental.start(str(tmp_path))
    with pytest.raises(tf.errors.AlreadyExistsError, match="Another profiler is running"):
        tf.profiler.experimental.start(str(tmp_path))
    for i in range(2):
        with tf.profiler.experimental.Trace("train", step_num=i, _r=1):
            float(step(tf.ones(3)))
    with tf.profiler.experimental.Trace("eval_block"):
        float(step(tf.ones(3)))
    tf.profiler.experimental.stop()
    with pytest.raises(tf.errors.UnavailableError, match="No profiler is running"):
        tf.profiler.experimental.stop()
    (run,) = os.listdir(tmp_path / "plugins" / "profile")
    (xplane,) = glob.glob(str(tmp_path / "plugins" / "profile" / run / "*.xplane.pb"))
    names = _event_names(xplane)
    assert {"train", "eval_block"} <= names


def test_stop_without_saving_leaves_no_run(tmp_path):
    with tf.profiler.experimental.Profile(str(tmp_path / "kept")):
        pass
    assert len(os.listdir(tmp_path / "kept" / "plugins" / "profile")) == 1
    tf.profiler.experimental.start(str(tmp_path / "dropped"))
    tf.profiler.experimental.stop(save=False)
    assert os.listdir(tmp_path / "dropped" / "plugins" / "profile") == []


def test_summary_trace_on_with_profiler_profiles_until_export(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path / "logs"))

    @tf.function
    def f(x):
        return x * 3.0

    tf.summary.trace_on(graph=True, profiler=True, profiler_outdir=str(tmp_path / "prof"))
    f(tf.ones(2))
    with writer.as_default():
        tf.summary.trace_export("f", step=0)
    writer.close()
    assert glob.glob(str(tmp_path / "prof" / "plugins" / "profile" / "*" / "*.xplane.pb"))
    tf.profiler.experimental.start(str(tmp_path / "again"))  # the profile was stopped
    tf.profiler.experimental.stop()
