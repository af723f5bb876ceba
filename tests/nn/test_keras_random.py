"""``keras.random``: dtypes/shapes as Keras 3.15 records them (``fixtures/record_keras_random.py``),
distributions by sample statistics, and ``SeedGenerator``'s statefulness.

jtape draws from JAX's generator, so the values differ from Keras on TensorFlow; the
tests check what the two share: dtypes, shapes, errors, distributions and seeding rules.
"""

from __future__ import annotations

import importlib.util
import json
import os

import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape.compat.keras import ops
from jtape.compat.keras import random as kr

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
with open(os.path.join(HERE, "keras_random.json")) as _f:
    TABLE = json.load(_f)
_spec = importlib.util.spec_from_file_location(
    "record_keras_random", os.path.join(HERE, "record_keras_random.py")
)
_recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_recorder)  # only its CASES table
CASES = _recorder.CASES
TENSORS = {"logits": np.zeros((2, 3), np.float32), "x": np.ones((4, 3), np.float32)}
ERRORS = {"TypeError": TypeError, "ValueError": ValueError}


@pytest.mark.parametrize("name", sorted(CASES))
def test_dtypes_and_shapes_match_keras(name):
    fn, args, kwargs = CASES[name]
    args = [ops.convert_to_tensor(TENSORS[a[1:]]) if isinstance(a, str) else a for a in args]
    want = TABLE[name]
    if isinstance(want, str):
        with pytest.raises(ERRORS[want.split(": ")[1]]):
            getattr(kr, fn)(*args, seed=1, **kwargs)
        return
    out = getattr(kr, fn)(*args, seed=1, **kwargs)
    assert [np.dtype(out.dtype).name, list(out.shape)] == want


def test_seed_generator_state_is_keras():
    g = kr.SeedGenerator(7)
    dtype, shape, value = TABLE["seed_generator_state"]
    assert np.dtype(g.state.dtype).name == dtype and list(g.state.shape) == shape
    assert g.state.numpy().tolist() == value
    assert not g.state.trainable


def test_distributions():
    n = 20000
    z = kr.normal((n,), mean=1.0, stddev=2.0, seed=0).numpy()
    assert abs(z.mean() - 1.0) < 0.06 and abs(z.std() - 2.0) < 0.06
    t = kr.truncated_normal((n,), stddev=1.0, seed=0).numpy()
    assert np.abs(t).max() <= 2.0 and abs(t.std() - 0.88) < 0.03  # std of N(0,1) cut at 2
    u = kr.uniform((n,), minval=-1.0, maxval=3.0, seed=0).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    r = kr.randint((n,), 2, 5, seed=0).numpy()
    assert set(np.unique(r)) == {2, 3, 4}
    c = kr.categorical(np.log(np.array([[0.2, 0.8]], np.float32)), n, seed=0).numpy()
    assert c.shape == (1, n) and abs(c.mean() - 0.8) < 0.02
    d = kr.dropout(np.ones((n,), np.float32), 0.25, seed=0).numpy()
    assert set(np.unique(d)) == {0.0, np.float32(1 / 0.75)} and abs((d == 0).mean() - 0.25) < 0.02
    g = kr.gamma((n,), 3.0, seed=0).numpy()
    assert abs(g.mean() - 3.0) < 0.1
    b = kr.binomial((n,), 10.0, 0.3, seed=0).numpy()
    assert abs(b.mean() - 3.0) < 0.1


def test_dropout_noise_shape_and_shuffle():
    d = kr.dropout(np.ones((3, 1000), np.float32), 0.5, noise_shape=(1, None), seed=2).numpy()
    assert (d == d[0]).all()  # one draw shared along axis 0
    x = np.arange(12).reshape(6, 2)
    s = kr.shuffle(x, seed=3).numpy()
    assert sorted(map(tuple, s)) == sorted(map(tuple, x)) and not (s == x).all()
    s1 = kr.shuffle(x.T, axis=1, seed=3).numpy()
    assert (s1 == s.T).all() or sorted(map(tuple, s1.T)) == sorted(map(tuple, x))


def test_seeding_rules():
    # An integer seed is stateless: the same values at every call.
    np.testing.assert_array_equal(kr.normal((3,), seed=4).numpy(), kr.normal((3,), seed=4).numpy())
    # A SeedGenerator advances: successive calls differ, the same seed replays the stream.
    g1, g2 = kr.SeedGenerator(4), kr.SeedGenerator(4)
    a1, b1 = kr.normal((3,), seed=g1).numpy(), kr.normal((3,), seed=g1).numpy()
    a2, b2 = kr.normal((3,), seed=g2).numpy(), kr.normal((3,), seed=g2).numpy()
    assert not np.array_equal(a1, b1)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)
    assert g1.state.numpy().tolist() == [4, 2]
    # seed=None: the global generator, reset by keras.utils.set_random_seed.
    tf.keras.utils.set_random_seed(9)
    x = kr.uniform((3,)).numpy()
    tf.keras.utils.set_random_seed(9)
    np.testing.assert_array_equal(x, kr.uniform((3,)).numpy())
    with pytest.raises(ValueError, match="seed"):
        kr.normal((2,), seed="a")


def test_seed_generator_inside_function():
    g = kr.SeedGenerator(11)

    @jt.function
    def f():
        return kr.normal((2,), seed=g) + 0.0

    a, b = f().numpy(), f().numpy()
    assert not np.array_equal(a, b)
    assert g.state.numpy().tolist()[1] >= 2
    g_eager = kr.SeedGenerator(11)
    np.testing.assert_array_equal(a, kr.normal((2,), seed=g_eager).numpy())
