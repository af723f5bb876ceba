"""tf.data against TF 2.21: sources, batching (unbatch of strings, padded_batch checks,
rebatch), transformations, iterators and Optional, Options, cache files, save/load and
make_csv_dataset (recorded by ``fixtures/record_data_vs_tf.py`` from
``fixtures/data_vs_tf_programs.py``), plus jtape's own save/load guarantees.
"""

from __future__ import annotations

import json
import os
import sys

import jax.numpy as jnp
import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
sys.path.insert(0, HERE)

import data_vs_tf_programs as programs  # noqa: E402
from program_runner import run_from_file  # noqa: E402

with open(os.path.join(HERE, "data_vs_tf.json")) as _f:
    RECORDED = json.load(_f)["cases"]


def _json(value):
    return json.loads(json.dumps(value))  # tuples as lists, as the fixture holds them


@pytest.mark.parametrize("name", list(programs.PROGRAMS))
def test_matches_tf(name):
    assert _json(run_from_file(programs.PROGRAMS[name], tf)) == RECORDED[name]


def test_loading_a_tf_written_directory_says_it_cannot():
    with pytest.raises(jt.errors.UnimplementedError, match="written by TensorFlow"):
        tf.data.Dataset.load(os.path.join(HERE, "tf_saved_dataset"))


def test_save_load_round_trip_is_exact(tmp_path):
    element = (
        np.array([[1.5, -2.0]], jnp.bfloat16),
        np.array([1, 2], np.float16),
        np.array([255], np.uint8),
        np.array([1 + 2j], np.complex64),
        {"s": np.array([b"a\x00b", b""], object), "flag": np.array(True)},
    )
    ds = tf.data.Dataset.from_tensors(element).repeat(2)
    ds.save(str(tmp_path))
    loaded = tf.data.Dataset.load(str(tmp_path))
    assert loaded.element_spec == ds.element_spec
    assert int(loaded.cardinality()) == 2
    for got in loaded:
        flat_got = tf.nest.flatten(got)
        flat_want = tf.nest.flatten(element)
        for g, w in zip(flat_got, flat_want):
            g = np.asarray(g.numpy())
            assert g.dtype == np.asarray(w).dtype and g.shape == np.shape(w)
            assert g.tolist() == np.asarray(w).tolist()


def test_cache_file_written_only_by_a_complete_pass(tmp_path):
    name = str(tmp_path / "c")
    ds = tf.data.Dataset.range(4).cache(name)
    assert [int(x) for x in ds.take(2)] == [0, 1]
    assert not os.path.exists(name + ".index")
    assert [int(x) for x in ds] == [0, 1, 2, 3]
    assert os.path.exists(name + ".index")
    # Later passes read the file, not the input (a different input shows it)
    assert [int(x) for x in tf.data.Dataset.range(9).cache(name)] == [0, 1, 2, 3]


def test_save_and_file_cache_refuse_non_dense_elements(tmp_path):
    windows = tf.data.Dataset.range(4).window(2)
    with pytest.raises(TypeError, match="dense tensors only"):
        windows.save(str(tmp_path / "saved"))
    with pytest.raises(TypeError, match="dense tensors only"):
        list(windows.cache(str(tmp_path / "c")))
    assert not os.path.exists(tmp_path / "saved" / "elements.bin")
