"""IndexedSlices gradients of row lookups, and optimizers applying them as Keras 3.

Expected values come from TensorFlow 2.21 / Keras 3.15.1, recorded by
tests/fixtures/record_sparse_grads.py into tests/fixtures/sparse_grads_tf.npz.
"""

import pathlib

import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf

_FIX = pathlib.Path(__file__).parent / "fixtures"
TF = np.load(_FIX / "sparse_grads_tf.npz")
# The recorder imports TensorFlow; read the constants it shares with these tests.
_src = (_FIX / "record_sparse_grads.py").read_text()
NS: dict = {"np": np}
exec(_src[_src.index("TABLE =") : _src.index("def loss_fn")], NS)
exec(_src[_src.index("FIT_IDS =") : _src.index("def record_fit")], NS)
exec(_src[_src.index("MIRRORED_IDS =") : _src.index("def record_mirrored")], NS)
TABLE, IDS, W, OPTIMIZERS = NS["TABLE"], NS["IDS"], NS["W"], NS["OPTIMIZERS"]


def _close(a, b, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


def test_two_lookups_concatenate_later_use_first():
    v = tf.Variable(TABLE)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [1, 1, 2]) * W) + tf.reduce_sum(tf.gather(v, [4]))
    g = tape.gradient(y, v)
    assert type(g).__name__ == str(TF["two_lookups_type"]) == "IndexedSlices"
    assert isinstance(g, tf.IndexedSlices)
    _close(g.values, TF["two_lookups_values"])
    np.testing.assert_array_equal(g.indices.numpy(), TF["two_lookups_indices"])
    np.testing.assert_array_equal(g.dense_shape.numpy(), TF["two_lookups_dense_shape"])
    _close(tf.convert_to_tensor(g), TF["two_lookups_dense"])
    assert g.shape == (5, 2) and g.dtype == tf.float32


def test_lookup_2d_ids_flatten():
    v = tf.Variable(TABLE)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.nn.embedding_lookup(v, tf.constant([[1, 1], [2, 0]])) ** 2)
    g = tape.gradient(y, v)
    _close(g.values, TF["lookup2d_values"])
    np.testing.assert_array_equal(g.indices.numpy(), TF["lookup2d_indices"])


def test_dense_use_densifies():
    v = tf.Variable(TABLE)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [1, 1]) * W[:2]) + tf.reduce_sum(v * v)
    g = tape.gradient(y, v)
    assert str(TF["mixed_type"]) == "EagerTensor" and isinstance(g, jt.Tensor)
    _close(g, TF["mixed_dense"])


def test_axis_1_gather_and_gather_of_an_expression_are_dense():
    v = tf.Variable(TABLE)
    with tf.GradientTape(persistent=True) as tape:
        a = tf.reduce_sum(tf.gather(v, [1, 0, 0], axis=1))
        b = tf.reduce_sum(tf.gather(v * 2.0, [1, 1]))
    assert isinstance(tape.gradient(a, v), jt.Tensor)
    _close(tape.gradient(b, v), [[0, 0], [4, 4], [0, 0], [0, 0], [0, 0]])


def test_embedding_in_function_and_clipping():
    emb = tf.keras.layers.Embedding(5, 2)
    emb.build((None,))
    emb.set_weights([TABLE])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(emb(tf.constant([[3, 1, 3]])) * W)
        return tape.gradient(y, emb.trainable_variables)[0]

    g = step()
    assert str(TF["embedding_type"]) == "IndexedSlices" and isinstance(g, tf.IndexedSlices)
    _close(g.values, TF["embedding_values"])
    np.testing.assert_array_equal(g.indices.numpy(), TF["embedding_indices"])
    c = tf.clip_by_norm(g, 2.0)
    assert isinstance(c, tf.IndexedSlices)
    _close(c.values, TF["clip_by_norm_values"])
    (c0, c1), norm = tf.clip_by_global_norm([g, tf.constant([3.0, 4.0])], 2.0)
    assert isinstance(c0, tf.IndexedSlices)
    _close(c0.values, TF["clip_by_global_norm_values"])
    _close(c1, TF["clip_by_global_norm_dense"])
    _close(norm, TF["clip_by_global_norm_norm"])


def _train(name, sparse, compiled):
    cls, kwargs = OPTIMIZERS[name]
    v = tf.Variable(TABLE)
    opt = getattr(tf.keras.optimizers, cls)(**kwargs)

    def step(ids, scale):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.gather(v, ids) * W * scale)
        g = tape.gradient(y, v)
        assert isinstance(g, tf.IndexedSlices)
        opt.apply_gradients([(g if sparse else tf.convert_to_tensor(g), v)])

    run = tf.function(step) if compiled else step
    for s in range(3):
        run(tf.constant(IDS[s]), tf.constant(float(s + 1)))
    return v.numpy()


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_matches_keras_on_indexed_slices(name):
    compiled = name in {"adam", "rmsprop", "adagrad", "sgd_momentum"}
    _close(_train(name, True, compiled), TF[f"opt_{name}"])


@pytest.mark.parametrize("name", ["adam", "adagrad"])
def test_dense_gradient_still_dense_numbers(name):
    _close(_train(name, False, False), TF[f"opt_{name}_dense"])
    assert not np.allclose(TF[f"opt_{name}_dense"], TF[f"opt_{name}"])


def test_unsupported_rules_refuse_indexed_slices():
    v = tf.Variable(TABLE)
    g = tf.IndexedSlices(tf.constant([[1.0, 1.0]]), tf.constant([1]), tf.constant([5, 2]))
    with pytest.raises(NotImplementedError, match="convert_to_tensor"):
        tf.keras.optimizers.Adafactor(0.1).apply_gradients([(g, v)])
    with pytest.raises(TypeError, match="loss_scale_factor"):
        tf.keras.optimizers.Adam(0.1, loss_scale_factor=2.0).apply_gradients([(g, v)])
    _close(v, TABLE)


def test_second_order_through_a_lookup_is_dense_with_tfs_numbers():
    # TF 2.21 answers an IndexedSlices (values [[8, 16], [40, 48], [8, 16]] at [0, 2, 0]);
    # jtape answers its dense sum (docs/differences.md).
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.gather(v, [0, 2, 0]) ** 2)
        g = inner.gradient(y, v)
        z = tf.reduce_sum(g.values**2)
    _close(g.values, [[2.0, 4.0], [10.0, 12.0], [2.0, 4.0]])
    _close(outer.gradient(z, v), [[16.0, 32.0], [0.0, 0.0], [40.0, 48.0]])


def test_loss_scale_optimizer_keeps_the_slices():
    v = tf.Variable(TABLE)
    opt = tf.keras.optimizers.LossScaleOptimizer(tf.keras.optimizers.Adam(0.1))
    for s in range(3):
        with tf.GradientTape() as tape:
            y = opt.scale_loss(tf.reduce_sum(tf.gather(v, IDS[s]) * W * float(s + 1)))
        opt.apply_gradients([(tape.gradient(y, v), v)])
    _close(v, TF["loss_scale_adam"])


def test_replicas_slices_are_concatenated_as_tf():
    import jax

    if jax.device_count() < 4:
        pytest.skip("needs 4 devices: run under tests/conftest.py's XLA_FLAGS")
    strategy = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(4)])
    with strategy.scope():
        v = tf.Variable(TABLE)
        opt = tf.keras.optimizers.Adam(0.1)

    @tf.function
    def step(ids):
        def replica(ids):
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(tf.gather(v, ids[0]) * W[:2])
            opt.apply_gradients([(tape.gradient(y, v), v)])

        strategy.run(replica, args=(ids,))

    data = tf.data.Dataset.from_tensor_slices(NS["MIRRORED_IDS"]).batch(4)
    for _ in range(2):
        for ids in strategy.experimental_distribute_dataset(data):
            step(ids)
    _close(v, TF["mirrored_adam"])


def test_fit_with_an_embedding_matches_keras():
    model = NS["build_fit_model"](tf.keras)
    hist = model.fit(NS["FIT_IDS"], NS["FIT_Y"], batch_size=2, epochs=2, shuffle=False, verbose=0)
    _close(hist.history["loss"], TF["fit_loss"])
    _close(model.layers[0].get_weights()[0], TF["fit_table"])
