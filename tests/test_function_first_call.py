"""Variables created during a function's first call are watched by the tape on that call.

TF Core's MLP guide builds its layers lazily on the first call inside ``tf.function``;
TF lifts the initializers out and returns gradients for the new variables at once.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape.compat as tf


class LazyDense(tf.Module):
    def __init__(self, units: int, init: str = "ones"):
        super().__init__()
        self.units = units
        self.init = init
        self.w = None

    @tf.function
    def __call__(self, x):
        if self.w is None:
            shape = [x.shape[-1], self.units]
            value = tf.ones(shape) if self.init == "ones" else tf.random.normal(shape)
            self.w = tf.Variable(value * 0.5, name="w")
            self.b = tf.Variable(tf.zeros([self.units]), name="b")
        return tf.nn.relu(tf.matmul(x, self.w) + self.b)


def _loss(w, b, x):
    return jnp.sum(jax.nn.relu(x @ w + b) ** 2)


def test_first_call_gradients_equal_jax_grad():
    layer = LazyDense(2)
    x = tf.constant([[1.0, -2.0, 3.0], [0.5, 0.5, 0.5]])
    for call in range(2):  # the first call and a later one give the same figures
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(layer(x) ** 2)
        gw, gb = tape.gradient(y, [layer.w, layer.b])
        assert gw is not None and gb is not None, f"call {call}"
        want = jax.grad(_loss, argnums=(0, 1))(layer.w.numpy(), layer.b.numpy(), x.numpy())
        np.testing.assert_allclose(gw.numpy(), want[0], rtol=1e-6)
        np.testing.assert_allclose(gb.numpy(), want[1], rtol=1e-6)


def test_first_call_matches_eager_including_random_initializers():
    """Same seed: the function's first call equals the eager run, draws included (the
    body's random numbers come after the initializer's, not a copy of them)."""

    class Noisy(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = None
            self.calls = tf.Variable(0)

        @tf.function
        def __call__(self, x):
            if self.w is None:
                self.w = tf.Variable(tf.random.normal([x.shape[-1], 2]), name="w")
            self.calls.assign_add(1)
            noise = tf.random.uniform([x.shape[-1], 2])
            return tf.reduce_sum(tf.matmul(x, self.w + noise) ** 2), noise

    def run(eager: bool):
        tf.config.run_functions_eagerly(eager)
        try:
            tf.random.set_seed(0)
            m = Noisy()
            x = tf.constant([[1.0, 2.0, 3.0]])
            with tf.GradientTape() as tape:
                y, noise = m(x)
            w0 = m.w.numpy()
            return float(y), w0, noise.numpy(), tape.gradient(y, m.w).numpy(), int(m.calls)
        finally:
            tf.config.run_functions_eagerly(False)

    eager, compiled = run(True), run(False)
    assert compiled[4] == 1  # the body's effects happened once
    assert not np.allclose(compiled[1], compiled[2])  # noise is not the init's draw
    for a, b in zip(eager, compiled):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_first_call_without_tape_is_unchanged():
    layer = LazyDense(3, init="random")
    x = tf.constant([[1.0, 2.0]])
    y1 = layer(x)
    np.testing.assert_allclose(
        y1.numpy(), np.maximum(x.numpy() @ layer.w.numpy() + layer.b.numpy(), 0), rtol=1e-6
    )


@pytest.mark.parametrize("persistent", [False, True])
def test_first_call_gradient_through_optimizer_step(persistent):
    layer = LazyDense(1)
    opt = tf.keras.optimizers.SGD(0.1)
    x = tf.constant([[1.0, 1.0]])
    with tf.GradientTape(persistent=persistent) as tape:
        y = tf.reduce_sum(layer(x))
    grads = tape.gradient(y, layer.trainable_variables)
    opt.apply_gradients(zip(grads, layer.trainable_variables))
    # d/dw sum(relu(x @ w + b)) = x^T (relu active: 1.0 > 0), d/db = 1
    np.testing.assert_allclose(layer.w.numpy(), [[0.4], [0.4]], rtol=1e-6)
    np.testing.assert_allclose(layer.b.numpy(), [-0.1], rtol=1e-6)


def test_a_layer_made_on_every_call_is_refused_as_tf_not_retraced_forever():
    # Dropout's generator state is made in init_scope; a new layer per trace would be a new
    # Variable on every trace. TF 2.21 raises this ValueError on the first call (checked).
    x = tf.ones((2, 3))

    @tf.function
    def step(x):
        return tf.keras.layers.Dropout(0.5)(x, training=True)

    with pytest.raises(ValueError, match="only supports singleton Variables"):
        step(x)
