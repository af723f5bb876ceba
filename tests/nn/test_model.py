"""Models: Sequential, the functional API, subclassed models and summary()."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape as jt
from jtape import nn


def _mlp_pure(x, k1, b1, k2, b2):
    return jax.nn.softmax(jax.nn.relu(x @ k1 + b1) @ k2 + b2)


def _seed_network():
    return nn.Sequential(
        [nn.Dense(32, activation="relu", input_shape=(64,)), nn.Dense(10, activation="softmax")]
    )


def test_sequential_with_input_shape_builds_at_once():
    model = _seed_network()
    assert model.built
    assert [w.shape for w in model.trainable_variables] == [(64, 32), (32,), (32, 10), (10,)]
    assert model.count_params() == 64 * 32 + 32 + 32 * 10 + 10
    assert model.layers[1].output_shape == (None, 10)
    assert model.output_shape == (None, 10)


def test_sequential_output_and_gradient_vs_jax(rng):
    model = _seed_network()
    x = rng.standard_normal((5, 64)).astype(np.float32)
    labels = np.array([0, 3, 9, 1, 2])
    weights = [jnp.asarray(w.numpy()) for w in model.trainable_variables]
    np.testing.assert_allclose(model(x).numpy(), _mlp_pure(x, *weights), atol=1e-6)

    def pure_loss(ws):
        p = _mlp_pure(x, *ws)
        return -jnp.mean(jnp.log(p[jnp.arange(5), labels]))

    loss_fn = nn.losses.SparseCategoricalCrossentropy()
    with jt.GradientTape() as tape:
        loss = loss_fn(labels, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    want = jax.grad(pure_loss)(weights)
    np.testing.assert_allclose(float(loss), float(pure_loss(weights)), rtol=1e-5)
    for g, w in zip(grads, want):
        np.testing.assert_allclose(g.numpy(), w, atol=1e-5, rtol=1e-4)


def test_sequential_lazy_add_pop_and_input():
    model = nn.Sequential()
    model.add(nn.Dense(4))
    model.add(nn.Dense(2))
    assert not model.built and model.weights == []
    assert model(np.ones((3, 5), np.float32)).shape == (3, 2)
    assert len(model.weights) == 4
    popped = model.pop()
    assert popped.units == 2 and len(model.layers) == 1
    with pytest.raises(TypeError, match="only instances of Layer"):
        model.add("dense")
    with_input = nn.Sequential([nn.Input(shape=(3,)), nn.Dense(2)])
    assert with_input.built and [type(x).__name__ for x in with_input.layers] == ["Dense"]


def test_seed_style_training_reduces_loss_inside_function(rng):
    jt.random.set_seed(0)
    model = _seed_network()
    x = rng.standard_normal((64, 64)).astype(np.float32)
    y = (x[:, :10].argmax(1)).astype(np.int32)
    loss_fn = nn.losses.SparseCategoricalCrossentropy()

    @jt.function(autograph=False)
    def step(x, y):
        with jt.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        for v, g in zip(model.trainable_variables, grads):
            v.assign_sub(0.5 * g)
        return loss

    losses = [float(step(x, y)) for _ in range(30)]
    assert losses[-1] < 0.5 * losses[0]


# -- functional API ---------------------------------------------------------------------
def test_functional_model_replays_graph(rng):
    a = nn.Input(shape=(4,), name="a")
    b = nn.Input(shape=(2,), name="b")
    dense = nn.Dense(3, activation="relu")
    h = dense(a)
    merged = nn.Concatenate()([h, b])
    out = nn.Dense(1)(merged)
    model = nn.Model(inputs=[a, b], outputs=[out, h])
    assert merged.shape == (None, 5) and out.shape == (None, 1)
    assert [type(x).__name__ for x in model.layers] == [
        "InputLayer",
        "InputLayer",
        "Dense",
        "Concatenate",
        "Dense",
    ]
    xa = rng.standard_normal((6, 4)).astype(np.float32)
    xb = rng.standard_normal((6, 2)).astype(np.float32)
    y, hidden = model([xa, xb])
    want_h = dense(xa).numpy()
    np.testing.assert_allclose(hidden.numpy(), want_h, rtol=1e-6)
    last = model.layers[-1]
    want = np.concatenate([want_h, xb], -1) @ last.kernel.numpy() + last.bias.numpy()
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=1e-6)
    assert len(model.trainable_variables) == 4
    y2, _ = model({"a": xa, "b": xb})
    np.testing.assert_allclose(y2.numpy(), y.numpy())
    with pytest.raises(ValueError, match="expects 2 input"):
        model([xa])


def test_functional_training_flag_reaches_dropout():
    inputs = nn.Input(shape=(100,))
    outputs = nn.Dropout(0.5, seed=1)(nn.Dense(100, kernel_initializer="identity")(inputs))
    model = nn.Model(inputs, outputs)
    x = np.ones((2, 100), np.float32)
    np.testing.assert_array_equal(model(x).numpy(), x)
    dropped = model(x, training=True).numpy()
    assert 0.3 < (dropped == 0).mean() < 0.7


def test_functional_errors_and_nesting(rng):
    a = nn.Input(shape=(3,))
    other = nn.Input(shape=(3,))
    y = nn.Add()([a, other])
    with pytest.raises(ValueError, match="Graph disconnected"):
        nn.Model(a, y)
    with pytest.raises(ValueError, match="KerasTensors"):
        nn.Model(a, jt.ones((1, 3)))
    inner = nn.Model(a, nn.Dense(2)(a))
    x = nn.Input(shape=(3,))
    outer = nn.Model(x, nn.Dense(1)(inner(x)))
    v = rng.standard_normal((4, 3)).astype(np.float32)
    want = outer.layers[-1](inner(v)).numpy()
    np.testing.assert_allclose(outer(v).numpy(), want, rtol=1e-6)
    assert len(outer.trainable_variables) == 4
    with pytest.raises(TypeError, match="no value"):
        np.asarray(x)


# -- subclassed models ------------------------------------------------------------------
class Tower(nn.Model):
    def __init__(self):
        super().__init__()
        self.blocks = [nn.Dense(8, activation="relu"), nn.Dense(8, activation="relu")]
        self.head = {"out": nn.Dense(2)}
        self.drop = nn.Dropout(0.5, seed=0)

    def call(self, x, training=None):
        for block in self.blocks:
            x = block(x)
        return self.head["out"](self.drop(x, training=training))


def test_subclassed_model_tracks_layers_in_containers(rng):
    model = Tower()
    assert model.name == "tower"
    assert [x.name for x in model.layers][:2] == [b.name for b in model.blocks]
    model.build((None, 5))  # explicit build runs call symbolically: all weights exist
    assert len(model.trainable_variables) == 6
    # Dropout's generator state is a variable, not a weight
    assert len(model.variables) == 7 and len(model.weights) == 6
    x = rng.standard_normal((3, 5)).astype(np.float32)
    np.testing.assert_allclose(model(x).numpy(), model(x).numpy())
    assert not np.array_equal(model(x, training=True).numpy(), model(x).numpy())


def test_summary_lists_layers_shapes_and_counts():
    nn.clear_session()
    model = _seed_network()
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "sequential"' in text
    assert "dense (Dense)" in text and "(None, 32)" in text and "2,080" in text
    assert "dense_1 (Dense)" in text and "(None, 10)" in text and "330" in text
    assert "Total params: 2,410 (9.41 KB)" in text
    assert "Non-trainable params: 0 (0.00 B)" in text
    bn_model = nn.Sequential([nn.Dense(4, input_shape=(3,)), nn.BatchNormalization()])
    lines.clear()
    bn_model.summary(print_fn=lines.append)
    assert "Trainable params: 24" in "\n".join(lines)
    assert "Non-trainable params: 8" in "\n".join(lines)


def test_get_layer_and_weights_roundtrip(rng):
    a, b = _seed_network(), _seed_network()
    b.set_weights(a.get_weights())
    x = rng.standard_normal((2, 64)).astype(np.float32)
    np.testing.assert_allclose(a(x).numpy(), b(x).numpy())
    assert a.get_layer(index=1) is a.layers[1]
    assert a.get_layer(a.layers[0].name) is a.layers[0]
    with pytest.raises(ValueError, match="No such layer"):
        a.get_layer("missing")


def test_sequential_pop_rebuilds_the_output_shape_as_keras():
    # Keras 3.15 (checked under TF 2.21): pop() after build((None, 4)) leaves the model
    # built on the same input with the remaining layers' output shape; popping every layer
    # leaves no output shape.
    import jtape.compat as tf

    model = tf.keras.Sequential([tf.keras.layers.Dense(2), tf.keras.layers.Dense(3)])
    model.build((None, 4))
    model.pop()
    assert tuple(model.output_shape) == (None, 2)
    assert len(model.weights) == 2
    model.pop()
    with pytest.raises(AttributeError):
        model.output_shape  # noqa: B018
