"""ZeroPadding1D, UpSampling1D, Cropping1D, Cropping2D, ELU and PReLU: Keras 3.15 / TF
2.21's outputs (printed by ``tests/nn/fixtures/record_small_layers.py``), gradients
against jax.grad and finite differences, and a save/load round trip."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape.compat as tf

L = tf.keras.layers
TF_VALUES = {
    "zero_padding_1d": (
        lambda: L.ZeroPadding1D((0, 2))(tf.ones((1, 2, 1))),
        [[[1.0], [1.0], [0.0], [0.0]]],
    ),
    "upsampling_1d": (
        lambda: L.UpSampling1D(3)(tf.constant([[[1.0, 5.0], [2.0, 6.0]]])),
        [[[1.0, 5.0], [1.0, 5.0], [1.0, 5.0], [2.0, 6.0], [2.0, 6.0], [2.0, 6.0]]],
    ),
    "cropping_1d": (
        lambda: L.Cropping1D((0, 2))(tf.constant([[[1.0], [2.0], [3.0]]])),
        [[[1.0]]],
    ),
    "cropping_2d": (
        lambda: L.Cropping2D(((1, 0), (0, 1)))(tf.reshape(tf.range(9.0), (1, 3, 3, 1))),
        [[[[3.0], [4.0]], [[6.0], [7.0]]]],
    ),
    "elu": (lambda: L.ELU(alpha=0.5)(tf.constant([-1.0, 2.0])), [-0.31606027483940125, 2.0]),
    "prelu": (
        lambda: L.PReLU(alpha_initializer=tf.keras.initializers.Constant(0.25))(
            tf.constant([[-1.0, 2.0]])
        ),
        [[-0.25, 2.0]],
    ),
}


@pytest.mark.parametrize("name", list(TF_VALUES))
def test_values_as_keras(name):
    run, want = TF_VALUES[name]
    np.testing.assert_allclose(run().numpy(), want, rtol=1e-6)


def test_prelu_shared_axes_and_gradients(rng):
    layer = L.PReLU(alpha_initializer=tf.keras.initializers.Constant(0.3), shared_axes=[1])
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    layer(x)
    assert tuple(layer.alpha.shape) == (1, 4)  # TF 2.21: TensorShape([1, 4])
    alpha = rng.uniform(0.1, 0.5, (1, 4)).astype(np.float32)
    layer.alpha.assign(alpha)
    x = np.where(np.abs(x) < 0.05, 0.3, x).astype(np.float32)  # away from the kink

    def pure(x, a):
        return jax.nn.relu(x) - a * jax.nn.relu(-x)

    check_grads(lambda x: layer(x), lambda x: pure(x, alpha), [x])
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(v) ** 2)
    got = tape.gradient(y, layer.alpha).numpy()
    want = jax.grad(lambda a: jnp.sum(pure(x, a) ** 2))(alpha)
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_shape_layers_gradients(rng):
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    check_grads(lambda x: L.Cropping1D((1, 2))(x), lambda x: x[:, 1:3], [x])
    check_grads(lambda x: L.UpSampling1D(2)(x), lambda x: jnp.repeat(x, 2, axis=1), [x])
    check_grads(
        lambda x: L.ZeroPadding1D((1, 0))(x), lambda x: jnp.pad(x, ((0, 0), (1, 0), (0, 0))), [x]
    )


def test_saved_model_round_trip(tmp_path):
    model = tf.keras.Sequential(
        [
            tf.keras.Input((6, 2)),
            L.ZeroPadding1D(1),
            L.Cropping1D((2, 1)),
            L.UpSampling1D(2),
            L.ELU(alpha=0.7),
            L.PReLU(alpha_initializer=tf.keras.initializers.Constant(0.2)),
        ]
    )
    x = np.linspace(-2.0, 2.0, 12, dtype=np.float32).reshape(1, 6, 2)
    want = model(x).numpy()
    model.save(str(tmp_path / "m.keras"))
    loaded = tf.keras.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(loaded(x).numpy(), want, rtol=1e-6)
