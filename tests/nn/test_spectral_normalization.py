"""SpectralNormalization as Keras 3.15 (values printed under TF 2.21 with the same kernel,
bias and ``vector_u``; Keras draws ``vector_u`` from its own random stream, so it is set).
"""

from __future__ import annotations

import numpy as np
import pytest

import jtape.compat as tf

KERNEL = [[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]]
# Keras 3.15 after one training call with power_iterations=2 from vector_u = [0.6, 0.8]
KERAS_OUTPUT = [3.8600106, 1.5047078]
KERAS_KERNEL = [[0.33647186, 0.67294371], [1.00941551, -0.33647186], [0.16823593, 0.16823593]]
KERAS_U = [0.96117103, 0.27595344]


def _wrapped():
    dense = tf.keras.layers.Dense(
        2, kernel_initializer=tf.keras.initializers.Constant(KERNEL), bias_initializer="ones"
    )
    layer = tf.keras.layers.SpectralNormalization(dense, power_iterations=2)
    x = tf.constant([[1.0, 2.0, 3.0]])
    layer(x, training=False)
    layer.vector_u.assign([[0.6, 0.8]])
    return layer, dense, x


def test_training_call_normalizes_the_kernel_as_keras():
    layer, dense, x = _wrapped()
    np.testing.assert_allclose(layer(x, training=False).numpy(), [[9.5, 2.5]])  # unchanged
    y = layer(x, training=True)
    np.testing.assert_allclose(y.numpy()[0], KERAS_OUTPUT, rtol=1e-5)
    np.testing.assert_allclose(dense.kernel.numpy(), KERAS_KERNEL, rtol=1e-5)
    np.testing.assert_allclose(layer.vector_u.numpy()[0], KERAS_U, rtol=1e-5)
    # vector_u carries the power iteration across calls: the estimate converges to the
    # largest singular value, which normalization brings to 1
    for _ in range(10):
        layer(x, training=True)
    assert np.linalg.svd(dense.kernel.numpy(), compute_uv=False)[0] == pytest.approx(1.0, 1e-4)


def test_compiled_training_step_equals_eager():
    layer, dense, x = _wrapped()
    step = tf.function(lambda v: layer(v, training=True))
    np.testing.assert_allclose(step(x).numpy()[0], KERAS_OUTPUT, rtol=1e-5)
    np.testing.assert_allclose(dense.kernel.numpy(), KERAS_KERNEL, rtol=1e-5)


def test_weights_gradients_and_config_as_keras():
    layer, _, x = _wrapped()
    assert [w.path.split("/")[-1] for w in layer.weights] == ["kernel", "vector_u", "bias"]
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True))
    # the normalization is an assignment: the gradient is the plain Dense's
    grads = tape.gradient(loss, layer.trainable_weights)
    np.testing.assert_allclose(grads[0].numpy(), [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    np.testing.assert_allclose(grads[1].numpy(), [1.0, 1.0])
    config = layer.get_config()
    assert sorted(config) == ["dtype", "layer", "name", "power_iterations", "trainable"]
    clone = tf.keras.layers.SpectralNormalization.from_config(config)
    assert clone.power_iterations == 2 and clone.layer.units == 2


def test_bad_arguments_raise_as_keras():
    with pytest.raises(ValueError, match="power_iterations` should be greater than zero"):
        tf.keras.layers.SpectralNormalization(tf.keras.layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="no attribute 'kernel' nor 'embeddings'"):
        tf.keras.layers.SpectralNormalization(tf.keras.layers.Flatten())(tf.ones([1, 2]))
