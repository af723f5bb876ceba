"""Core layers and the Layer base: values vs jax.numpy, gradients vs jax.grad, state.

Every layer's output is compared with the same computation written in plain
``jax.numpy``; input gradients go through ``tests/gradcheck.py`` (``jax.vjp`` and finite
differences), weight gradients are compared with ``jax.grad`` of the pure function.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
from jtape import nn


def _rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def _weight_grads_match(layer, x, pure, training=None, atol=1e-5):
    """Tape gradients of sum(layer(x) * ct) w.r.t. the trainable weights vs jax.grad."""
    kwargs = {} if training is None else {"training": training}
    layer(x, **kwargs)  # build
    weights = layer.trainable_weights
    ct = np.random.default_rng(1).standard_normal(layer(x, **kwargs).shape).astype(np.float32)
    values = [jnp.asarray(w.numpy()) for w in weights]
    with jt.GradientTape() as tape:
        y = layer(x, **kwargs)
        loss = jt.reduce_sum(y * ct) if hasattr(jt, "reduce_sum") else jt.sum(y * ct)
    got = tape.gradient(loss, weights)
    want = jax.grad(lambda ws: jnp.sum(pure(jnp.asarray(x), *ws) * ct))(values)
    assert len(got) == len(want) > 0
    for g, w, v in zip(got, want, weights):
        g = jt.convert_to_tensor(g)  # an Embedding's IndexedSlices (as TF's), densified
        np.testing.assert_allclose(g.numpy(), w, atol=atol, rtol=1e-4, err_msg=v.name)


# -- Dense ------------------------------------------------------------------------------
def test_dense_value_and_gradients(rng):
    layer = nn.Dense(3, activation="tanh")
    x = _rand(rng, 4, 5)
    y = layer(x)
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    np.testing.assert_allclose(y.numpy(), np.tanh(x @ k + b), atol=1e-6)
    check_grads(layer, lambda x: jnp.tanh(x @ k + b), [x])
    _weight_grads_match(layer, x, lambda x, k, b: jnp.tanh(x @ k + b))


def test_dense_unfused_activation_rank3_and_no_bias(rng):
    layer = nn.Dense(2, activation=lambda t: t * t, use_bias=False)
    x = _rand(rng, 2, 3, 4)
    y = layer(x)
    assert y.shape == (2, 3, 2)
    assert [w.name for w in layer.weights] == [f"{layer.name}/kernel:0"]
    k = layer.kernel.numpy()
    np.testing.assert_allclose(y.numpy(), np.square(x @ k), atol=1e-5)
    _weight_grads_match(layer, x, lambda x, k: jnp.square(x @ k))


def test_dense_default_initializers_follow_keras():
    jt.random.set_seed(0)
    layer = nn.Dense(400)
    layer.build((None, 600))
    k = layer.kernel.numpy()
    limit = np.sqrt(6.0 / (600 + 400))  # glorot_uniform
    assert np.abs(k).max() <= limit
    assert np.abs(k).max() > 0.99 * limit
    assert k.var() == pytest.approx(limit**2 / 3, rel=0.02)
    assert abs(k.mean()) < 0.01 * limit
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(400, np.float32))


def test_dense_bad_arguments():
    with pytest.raises(ValueError, match="units"):
        nn.Dense(0)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        nn.Dense(3, not_an_argument=1)
    with pytest.raises(ValueError, match="last dimension"):
        nn.Dense(3).build((None, None))


def test_dense_regularizers_give_losses(rng):
    layer = nn.Dense(2, kernel_regularizer="l2", activity_regularizer=nn.regularizers.L1(0.5))
    x = _rand(rng, 3, 4)
    y = layer(x)
    losses = layer.losses
    assert len(losses) == 2
    # Keras 3: the activity penalty is divided by the batch size (3 here).
    np.testing.assert_allclose(float(losses[0]), 0.5 * np.abs(y.numpy()).sum() / 3, rtol=1e-5)
    np.testing.assert_allclose(
        float(losses[1]), 0.01 * (layer.kernel.numpy() ** 2).sum(), rtol=1e-5
    )
    # differentiable when read under a tape
    with jt.GradientTape() as tape:
        penalty = layer.losses[1]
    g = tape.gradient(penalty, layer.kernel)
    np.testing.assert_allclose(g.numpy(), 0.02 * layer.kernel.numpy(), rtol=1e-5)
    layer(x)  # a new outermost call replaces activity losses instead of accumulating
    assert len(layer.losses) == 2


def test_activity_penalty_per_example_in_fit_as_keras_3():
    # Dense(1) with a ones kernel on ones(4, 2): outputs 2, mse against 0 is 4, the L2(0.1)
    # activity penalty 0.1 * 4 * 2**2 = 1.6 divided by the batch of 4: loss 4.4 (TF 2.21
    # with Keras 3.15 reports 4.4 for fit and evaluate).
    model = nn.Sequential(
        [
            nn.Input((2,)),
            nn.Dense(1, kernel_initializer="ones", activity_regularizer=nn.regularizers.L2(0.1)),
        ]
    )
    model.compile(optimizer=jt.optimizers.SGD(0.0), loss="mse")
    x, y = np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32)
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [4.4], rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=4, verbose=0), 4.4, rtol=1e-6)
    model(np.ones((0, 2), np.float32))  # an empty batch: no penalty (divide_no_nan)
    assert float(model.losses[0]) == 0.0


# -- shape layers -----------------------------------------------------------------------
def test_flatten_and_reshape(rng):
    x = _rand(rng, 2, 3, 4)
    np.testing.assert_array_equal(nn.Flatten()(x).numpy(), x.reshape(2, 12))
    cf = nn.Flatten(data_format="channels_first")(x).numpy()
    np.testing.assert_array_equal(cf, np.moveaxis(x, 1, -1).reshape(2, 12))
    assert nn.Flatten()(_rand(rng, 5)).shape == (5, 1)
    np.testing.assert_array_equal(nn.Reshape((4, 3))(x).numpy(), x.reshape(2, 4, 3))
    np.testing.assert_array_equal(nn.Reshape((-1, 2))(x).numpy(), x.reshape(2, 6, 2))
    with pytest.raises(ValueError, match="total size"):
        nn.Reshape((5,))(x)
    with pytest.raises(ValueError, match="at most one -1"):
        nn.Reshape((-1, -1))
    check_grads(nn.Reshape((12,)), lambda t: t.reshape(2, 12), [x])


# -- Dropout ----------------------------------------------------------------------------
def test_dropout_inference_is_identity_and_training_scales(rng):
    x = np.abs(_rand(rng, 200, 50)) + 1.0
    layer = nn.Dropout(0.3, seed=1)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.7, rtol=1e-6)
    assert abs((~kept).mean() - 0.3) < 0.02
    assert np.array_equal(nn.Dropout(0.0)(x, training=True).numpy(), x)
    assert not nn.Dropout(1.0)(x, training=True).numpy().any()
    with pytest.raises(ValueError, match="rate"):
        nn.Dropout(1.5)


def test_dropout_reproducible_from_seed_and_advancing():
    x = jt.ones((4, 8))
    a, b = nn.Dropout(0.5, seed=7), nn.Dropout(0.5, seed=7)
    ya1, yb1 = a(x, training=True).numpy(), b(x, training=True).numpy()
    np.testing.assert_array_equal(ya1, yb1)
    assert not np.array_equal(ya1, a(x, training=True).numpy())  # the key advances
    jt.random.set_seed(3)
    m1 = nn.Dropout(0.5)(x, training=True).numpy()
    jt.random.set_seed(3)
    m2 = nn.Dropout(0.5)(x, training=True).numpy()
    np.testing.assert_array_equal(m1, m2)


def test_dropout_noise_shape_and_gradient(rng):
    x = _rand(rng, 3, 6)
    layer = nn.Dropout(0.5, noise_shape=(1, 6), seed=0)
    with jt.GradientTape() as tape:
        xt = jt.constant(x)
        tape.watch(xt)
        y = layer(xt, training=True)
        total = jt.sum(y)
    mask = (y.numpy() != 0).astype(np.float32)
    assert (mask == mask[0]).all()  # one mask broadcast over the batch
    g = tape.gradient(total, xt)
    np.testing.assert_allclose(g.numpy(), mask * 2.0)


def test_dropout_inside_function_uses_fresh_keys():
    layer = nn.Dropout(0.5, seed=0)
    step = jt.function(autograph=False)(lambda x: layer(x, training=True))
    x = jt.ones((2, 16))
    a, b = step(x).numpy(), step(x).numpy()
    assert not np.array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, 2.0}
    # the same stream as eager calls from the same seed
    eager = nn.Dropout(0.5, seed=0)
    np.testing.assert_array_equal(a, eager(x, training=True).numpy())
    np.testing.assert_array_equal(b, eager(x, training=True).numpy())


# -- activation layers ------------------------------------------------------------------
def test_activation_layers(rng):
    x = _rand(rng, 3, 5) * 3
    np.testing.assert_allclose(nn.Activation("relu")(x).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(nn.Activation("sigmoid")(x).numpy(), jax.nn.sigmoid(x), rtol=1e-6)
    np.testing.assert_allclose(nn.ReLU()(x).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(nn.ReLU(max_value=1.0)(x).numpy(), np.clip(x, 0, 1))
    np.testing.assert_allclose(
        nn.ReLU(negative_slope=0.1, threshold=0.5)(x).numpy(),
        np.where(x > 0.5, x, 0.1 * (x - 0.5)),
        rtol=1e-6,
        atol=1e-6,
    )
    np.testing.assert_allclose(nn.LeakyReLU()(x).numpy(), np.where(x > 0, x, 0.3 * x), rtol=1e-6)
    np.testing.assert_allclose(
        nn.LeakyReLU(alpha=0.1)(x).numpy(), np.where(x > 0, x, 0.1 * x), rtol=1e-6
    )
    np.testing.assert_allclose(nn.Softmax()(x).numpy(), jax.nn.softmax(x), rtol=1e-6)
    np.testing.assert_allclose(nn.Softmax(axis=0)(x).numpy(), jax.nn.softmax(x, axis=0), rtol=1e-6)
    mask = np.array([[1, 1, 0, 1, 0]] * 3, bool)
    masked = nn.Softmax()(x, mask=mask).numpy()
    want = np.where(mask, np.exp(x), 0)
    np.testing.assert_allclose(masked, want / want.sum(-1, keepdims=True), rtol=1e-5)
    with pytest.raises(ValueError, match="negative"):
        nn.ReLU(max_value=-1.0)
    check_grads(nn.Softmax(), lambda t: jax.nn.softmax(t), [x])
    check_grads(nn.LeakyReLU(0.2), lambda t: jax.nn.leaky_relu(t, 0.2), [x + 0.05])


# -- merge layers -----------------------------------------------------------------------
def test_add_and_concatenate(rng):
    a, b, c = _rand(rng, 2, 3), _rand(rng, 2, 3), _rand(rng, 2, 1)
    np.testing.assert_allclose(nn.Add()([a, b, c]).numpy(), a + b + c, rtol=1e-6)
    np.testing.assert_array_equal(nn.Concatenate()([a, c]).numpy(), np.concatenate([a, c], -1))
    np.testing.assert_array_equal(nn.Concatenate(axis=0)([a, b]).numpy(), np.concatenate([a, b]))
    with pytest.raises(ValueError, match="list of inputs"):
        nn.Add()(a)
    with pytest.raises(ValueError, match="matching shapes"):
        nn.Concatenate(axis=0)([a, c])
    with pytest.raises(ValueError, match="incompatible shapes"):
        nn.Add()([a, _rand(rng, 2, 4)])
    check_grads(lambda x, y: nn.Add()([x, y]), lambda x, y: x + y, [a, c])
    check_grads(
        lambda x, y: nn.Concatenate()([x, y]), lambda x, y: jnp.concatenate([x, y], -1), [a, c]
    )


# -- Embedding --------------------------------------------------------------------------
def test_embedding_lookup_gradient_and_default_init():
    jt.random.set_seed(0)
    layer = nn.Embedding(50, 4)
    ids = np.array([[1, 2, 2], [0, 49, 1]], np.int32)
    y = layer(ids)
    table = layer.embeddings.numpy()
    np.testing.assert_array_equal(y.numpy(), table[ids])
    assert np.abs(table).max() <= 0.05 and table.std() > 0.02  # uniform(-0.05, 0.05)
    _weight_grads_match(layer, ids, lambda ids, t: jnp.take(t, ids, axis=0))
    assert layer(ids.astype(np.float32)).shape == (2, 3, 4)  # float ids are cast


def test_embedding_ids_out_of_range_as_keras_on_tf():
    # Keras 3 (TF 2.21, checked there): negative ids count from the end, then GatherV2's
    # range check raises eagerly with the index after that shift.
    layer = nn.Embedding(5, 2)
    layer.build((None,))
    table = layer.embeddings.numpy()
    np.testing.assert_array_equal(layer(np.array([-1, 2])).numpy(), table[[4, 2]])
    np.testing.assert_array_equal(layer(np.array([1.7, -1.2])).numpy(), table[[1, 4]])
    bad = r"indices\[1,1\] = 7 is not in \[0, 5\)"
    with pytest.raises(jt.errors.InvalidArgumentError, match=bad):
        layer(np.array([[0, 1], [2, 7]]))
    with pytest.raises(jt.errors.InvalidArgumentError, match=r"indices\[0\] = -1 is not in"):
        layer(np.array([-6, 1]))
    # Compiled, ids cannot be checked: rows out of range read NaN (TF would raise there).
    out = jt.function(lambda ids: layer(ids))(jt.constant([5, -6, -1])).numpy()
    assert np.isnan(out[:2]).all()
    np.testing.assert_array_equal(out[2], table[4])


# -- BatchNormalization -----------------------------------------------------------------
def _bn_pure(x, gamma, beta, eps=1e-3):
    mean = x.mean(0)
    var = ((x - mean) ** 2).mean(0)
    return (x - mean) / jnp.sqrt(var + eps) * gamma + beta


def test_batch_norm_training_vs_inference(rng):
    x = _rand(rng, 16, 3) * 2 + 5
    bn = nn.BatchNormalization(momentum=0.9)
    y_inf = bn(x).numpy()  # inference before any update: moving stats 0 and 1
    np.testing.assert_allclose(y_inf, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    y = bn(x, training=True).numpy()
    np.testing.assert_allclose(y, _bn_pure(x, 1.0, 0.0), atol=1e-4)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * x.var(0), rtol=1e-5)
    assert [w.name.split("/")[-1] for w in bn.weights] == [
        "gamma:0",
        "beta:0",
        "moving_mean:0",
        "moving_variance:0",
    ]
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2
    mm, mv = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    np.testing.assert_allclose(
        bn(x, training=False).numpy(), (x - mm) / np.sqrt(mv + 1e-3), rtol=1e-4, atol=1e-5
    )
    bn.trainable = False  # a frozen BatchNormalization runs in inference mode (Keras 3)
    bn(x, training=True)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mm)
    assert bn.trainable_weights == [] and not bn.gamma.trainable
    bn.trainable = True
    assert bn.gamma.trainable and not bn.moving_mean.trainable


def test_batch_norm_gradients_and_axis(rng):
    x = _rand(rng, 8, 3)
    bn = nn.BatchNormalization(gamma_initializer="random_normal", beta_initializer="ones")
    bn.build((None, 3))
    g, b = bn.gamma.numpy(), bn.beta.numpy()
    check_grads(lambda t: bn(t, training=True), lambda t: _bn_pure(t, g, b), [x])
    _weight_grads_match(bn, x, lambda x, g, b: _bn_pure(x, g, b), training=True)
    # axis=1 of a (batch, channels, length) input: statistics over batch and length
    x3 = _rand(rng, 4, 2, 5)
    bn1 = nn.BatchNormalization(axis=1, epsilon=0.0)
    y = bn1(x3, training=True).numpy()
    mean = x3.mean((0, 2), keepdims=True)
    np.testing.assert_allclose(y, (x3 - mean) / x3.std((0, 2), keepdims=True), atol=1e-4)
    assert bn1.moving_mean.shape == (2,)


def test_batch_norm_inside_function_updates_moving_stats(rng):
    x = _rand(rng, 8, 2)
    bn = nn.BatchNormalization(momentum=0.5)
    step = jt.function(autograph=False)(lambda t: bn(t, training=True))
    step(x)
    step(x)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.75 * x.mean(0), rtol=1e-5)


# -- LayerNormalization -----------------------------------------------------------------
def test_layer_norm_value_and_gradients(rng):
    x = _rand(rng, 3, 6)
    ln = nn.LayerNormalization(gamma_initializer="random_normal", beta_initializer="ones")
    ln.build((None, 6))
    g, b = ln.gamma.numpy(), ln.beta.numpy()

    def pure(x, g, b):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / jnp.sqrt(var + 1e-3) * g + b

    np.testing.assert_allclose(ln(x).numpy(), pure(x, g, b), atol=1e-5)
    check_grads(ln, lambda t: pure(t, g, b), [x])
    _weight_grads_match(ln, x, pure)
    rms = nn.LayerNormalization(rms_scaling=True, epsilon=0.0)
    want = x / np.sqrt(x.var(-1, keepdims=True))
    np.testing.assert_allclose(rms(x).numpy(), want, rtol=1e-5)
    assert len(rms.weights) == 1


# -- the Layer base ---------------------------------------------------------------------
class Scale(nn.Layer):
    def build(self, input_shape):
        self.w = self.add_weight("w", shape=(input_shape[-1],), initializer="ones")
        self.c = self.add_weight(shape=(), initializer="zeros", trainable=False, name="c")

    def call(self, x, training=None):
        return x * self.w if training else x * self.w * 2.0


def test_lazy_build_names_and_keras2_add_weight_order():
    nn.clear_session()
    a, b = Scale(), Scale()
    assert (a.name, b.name) == ("scale", "scale_1")
    assert not a.built and a.weights == []
    a(np.ones((2, 3)))
    assert a.built
    assert [w.name for w in a.weights] == ["scale/w:0", "scale/c:0"]
    assert a.count_params() == 4
    with pytest.raises(ValueError, match="isn't built"):
        b.count_params()


def test_training_argument_passthrough_and_context():
    layer = Scale()
    x = jt.ones((1, 2))
    assert layer(x).numpy().tolist() == [[2.0, 2.0]]  # default training=None
    assert layer(x, training=True).numpy().tolist() == [[1.0, 1.0]]

    class Outer(nn.Layer):
        def __init__(self):
            super().__init__()
            self.inner = Scale()

        def call(self, x):  # no training argument: the context carries it
            return self.inner(x)

    outer = Outer()
    assert outer(x, training=True).numpy().tolist() == [[1.0, 1.0]]
    assert outer(x).numpy().tolist() == [[2.0, 2.0]]


def test_input_conversion_casts_floats_to_layer_dtype():
    seen = []

    class Probe(nn.Layer):
        def call(self, x):
            seen.append(x.dtype)
            return x

    Probe()(np.ones((2,), np.float64))
    Probe()(jt.constant([1, 2]))
    Probe()([1.0, 2.0])
    assert [d.name for d in seen] == ["float32", "int32", "float32"]


def test_get_and_set_weights_checked_before_writing():
    layer = Scale()
    layer(np.ones((1, 2), np.float32))
    layer.set_weights([np.array([3.0, 4.0]), np.array(1.0)])
    np.testing.assert_array_equal(layer.get_weights()[0], [3.0, 4.0])
    before = layer.get_weights()
    with pytest.raises(ValueError, match="expected 2 variables"):
        layer.set_weights([np.zeros(2)])
    with pytest.raises(ValueError, match="not compatible"):
        layer.set_weights([np.zeros(2), np.zeros(3)])
    for w, v in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(w, v)


def test_freezing_and_weight_order_with_sublayers():
    class Block(nn.Layer):
        def __init__(self):
            super().__init__()
            self.dense = nn.Dense(2)
            self.norm = nn.BatchNormalization()
            self.extra = jt.Variable(1.0, name="extra")

        def call(self, x):
            return self.norm(self.dense(x)) * self.extra

    block = Block()
    block(jt.ones((2, 3)))
    names = [w.name.split(":")[0] for w in block.weights]
    dn, bn = block.dense.name, block.norm.name
    assert names == [
        "extra",
        f"{dn}/kernel",
        f"{dn}/bias",
        f"{bn}/gamma",
        f"{bn}/beta",
        f"{bn}/moving_mean",
        f"{bn}/moving_variance",
    ]
    assert len(block.trainable_weights) == 5
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 7
    with jt.GradientTape() as tape:
        jt.sum(block(jt.ones((2, 3))))
    assert tape.watched_variables() == ()
    block.trainable = True
    assert len(block.trainable_variables) == 5
    assert not block.norm.moving_mean.trainable


def test_every_core_layer_under_tape_and_in_function(rng):
    x = _rand(rng, 4, 6)
    ids = np.array([[1, 2]], np.int32)
    layers = [
        nn.Dense(3, activation="relu"),
        nn.Flatten(),
        nn.Reshape((3, 2)),
        nn.Dropout(0.5, seed=0),
        nn.Activation("gelu"),
        nn.ReLU(),
        nn.LeakyReLU(),
        nn.Softmax(),
        nn.BatchNormalization(),
        nn.LayerNormalization(),
    ]
    merges = [nn.Add(), nn.Concatenate()]
    emb = nn.Embedding(10, 3)

    def apply_all(t):
        outs = [layer(t, training=True) for layer in layers]
        outs += [layer([t, t]) for layer in merges]
        return outs + [emb(ids)]

    # one compiled program for all layers (one compilation keeps the test fast)
    compiled = jt.function(apply_all, autograph=False)(x)
    xt = jt.constant(x)
    with jt.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        eager = apply_all(xt)
        losses = [jt.sum(y * y) for y in eager]
    for layer, c, y, loss in zip(layers + merges, compiled, eager, losses):
        g = tape.gradient(loss, xt)
        assert g is not None and g.shape == x.shape, layer.name
        assert c.shape == y.shape, layer.name
        if not isinstance(layer, nn.Dropout):
            np.testing.assert_allclose(c.numpy(), y.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(compiled[-1].numpy(), eager[-1].numpy())
    assert tape.gradient(losses[-1], emb.embeddings) is not None


def test_layer_built_inside_function_gets_concrete_weights(rng):
    layer = nn.Dense(2)
    fn = jt.function(autograph=False)(lambda t: layer(t))
    x = _rand(rng, 3, 4)
    y = fn(x)
    assert layer.built and not isinstance(layer.kernel._value, jax.core.Tracer)
    np.testing.assert_allclose(
        y.numpy(), x @ layer.kernel.numpy() + layer.bias.numpy(), rtol=1e-5, atol=1e-6
    )
