"""A layer's weight walk is reused only while nothing it reads has changed.

``trainable_variables`` runs twice per eager training step, so a layer keeps its last
walk and reuses it while its attributes (names and objects) and the lists and dicts
inside them are unchanged. Each test walks, changes one thing, and checks the new
answer against the variables it must be.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np

import jtape.compat as tf

layers = tf.keras.layers


def _ids(variables):
    return [id(v) for v in variables]


def _built_dense(units=2, dim=3):
    d = layers.Dense(units)
    d.build((None, dim))
    return d


class Holder(layers.Layer):
    def __init__(self):
        super().__init__()
        self.blocks = [_built_dense()]
        self.named = {"a": _built_dense()}
        self.pair = ([_built_dense()], 1)

    def call(self, x):
        return x


def _dense_vars(*ds):
    return [v for d in ds for v in (d.kernel, d.bias)]


def test_sequential_add_after_a_walk():
    model = tf.keras.Sequential([tf.keras.Input((3,)), layers.Dense(2)])
    first = model.layers[0]
    model(tf.zeros((1, 3)))
    assert _ids(model.trainable_variables) == _ids(_dense_vars(first))
    assert _ids(model.trainable_variables) == _ids(_dense_vars(first))  # reused
    model.add(layers.Dense(4))
    second = model.layers[1]
    assert _ids(model.trainable_variables) == _ids(_dense_vars(first, second))


def test_lists_dicts_and_nested_lists_mutated_in_place():
    h = Holder()
    b0, a, p0 = h.blocks[0], h.named["a"], h.pair[0][0]
    assert _ids(h.trainable_variables) == _ids(_dense_vars(b0, a, p0))
    b1 = _built_dense()
    h.blocks.append(b1)
    assert _ids(h.trainable_variables) == _ids(_dense_vars(b0, b1, a, p0))
    b2 = _built_dense()
    h.blocks[0] = b2  # same length, another layer
    assert _ids(h.trainable_variables) == _ids(_dense_vars(b2, b1, a, p0))
    c = _built_dense()
    h.named["c"] = c
    assert _ids(h.trainable_variables) == _ids(_dense_vars(b2, b1, a, c, p0))
    a2 = _built_dense()
    h.named["a"] = a2  # same keys, another value
    assert _ids(h.trainable_variables) == _ids(_dense_vars(b2, b1, a2, c, p0))
    p1 = _built_dense()
    h.pair[0][0] = p1  # a list inside a tuple
    assert _ids(h.trainable_variables) == _ids(_dense_vars(b2, b1, a2, c, p1))


def test_attributes_set_deleted_and_renamed():
    h = Holder()
    b0, a, p0 = h.blocks[0], h.named["a"], h.pair[0][0]
    assert len(h.trainable_variables) == 6
    extra = _built_dense()
    h.extra = extra
    assert _ids(h.trainable_variables) == _ids(_dense_vars(b0, a, p0, extra))
    del h.extra
    assert _ids(h.trainable_variables) == _ids(_dense_vars(b0, a, p0))
    h.blocks = []
    assert _ids(h.trainable_variables) == _ids(_dense_vars(a, p0))
    h.v = tf.Variable(np.ones(2, np.float32))
    assert _ids(h.trainable_variables) == _ids([h.v, *_dense_vars(a, p0)])  # own first


def test_weights_added_later_and_trainable_flags():
    d = layers.Dense(2)
    assert d.trainable_variables == []
    d.build((None, 3))
    assert _ids(d.trainable_variables) == _ids([d.kernel, d.bias])
    extra = d.add_weight(shape=(2,), initializer="zeros", name="extra")
    assert _ids(d.trainable_variables) == _ids([d.kernel, d.bias, extra])
    frozen = d.add_weight(shape=(2,), initializer="zeros", name="frozen", trainable=False)
    assert _ids(d.trainable_variables) == _ids([d.kernel, d.bias, extra])
    assert _ids(d.non_trainable_variables) == _ids([frozen])
    d.trainable = False
    assert d.trainable_variables == []
    d.trainable = True
    assert _ids(d.trainable_variables) == _ids([d.kernel, d.bias, extra])


def test_copies_and_pickles_walk_their_own_variables():
    model = tf.keras.Sequential([tf.keras.Input((3,)), layers.Dense(2), layers.Dense(1)])
    assert len(model.trainable_variables) == 4  # a walk is stored
    clone = copy.deepcopy(model)
    original = set(_ids(model.trainable_variables))
    copied = clone.trainable_variables
    assert len(copied) == 4 and not original & set(_ids(copied))
    want = [v for d in clone.layers for v in (d.kernel, d.bias)]
    assert _ids(copied) == _ids(want)
    box = model.__dict__["_jt_walk"]
    assert pickle.loads(pickle.dumps(box)).entry is None


def test_the_walk_box_is_no_state():
    model = tf.keras.Sequential([tf.keras.Input((3,)), layers.Dense(2)])
    assert len(model.trainable_variables) == 2
    assert "_jt_walk" in vars(model)
    # checkpoints, h5 files and Module walks do not see it
    ckpt = tf.train.Checkpoint(model=model)
    names = [name for name, _shape in tf.train.list_variables(ckpt.write("/tmp/_jt_walk_ckpt"))]
    assert not any("walk" in n for n in names)
    assert _ids(model.variables) == _ids(model.layers[0].variables)
