"""``get_config()`` of jtape's layers holds what Keras' does, so ``from_config`` rebuilds the
same layer.

jtape's ``get_config`` returned only the arguments each class listed (Dense: units,
activation, use_bias): ``Dense.from_config(Dense(2, bias_initializer=Constant(3)).get_config())``
started from zeros where Keras 3.15 starts from 3 (checked under TF 2.21), and regularizers
were lost the same way. The key sets below are Keras 3.15's (printed under TF 2.21), less
its ``quantization_config``, which jtape's layers do not take.
"""

from __future__ import annotations

import numpy as np
import pytest

import jtape.compat as tf

K = tf.keras
KEYS = {
    "Dense": (
        lambda: K.layers.Dense(2),
        "activation bias_constraint bias_initializer bias_regularizer dtype kernel_constraint "
        "kernel_initializer kernel_regularizer name trainable units use_bias",
    ),
    "Conv2D": (
        lambda: K.layers.Conv2D(2, 3),
        "activation activity_regularizer bias_constraint bias_initializer bias_regularizer "
        "data_format dilation_rate dtype filters groups kernel_constraint kernel_initializer "
        "kernel_regularizer kernel_size name padding strides trainable use_bias",
    ),
    "BatchNormalization": (
        lambda: K.layers.BatchNormalization(),
        "axis beta_constraint beta_initializer beta_regularizer center dtype epsilon "
        "gamma_constraint gamma_initializer gamma_regularizer momentum "
        "moving_mean_initializer moving_variance_initializer name scale trainable",
    ),
    "LayerNormalization": (
        lambda: K.layers.LayerNormalization(),
        "axis beta_constraint beta_initializer beta_regularizer center dtype epsilon "
        "gamma_constraint gamma_initializer gamma_regularizer name rms_scaling scale trainable",
    ),
    "Embedding": (
        lambda: K.layers.Embedding(5, 2),
        "dtype embeddings_constraint embeddings_initializer embeddings_regularizer input_dim "
        "mask_zero name output_dim trainable",
    ),
}


@pytest.mark.parametrize("name", sorted(KEYS))
def test_config_holds_keras_keys(name):
    make, keys = KEYS[name]
    assert set(keys.split()) <= set(make().get_config())


def test_from_config_keeps_initializers_and_regularizers():
    dense = K.layers.Dense(
        2, bias_initializer=K.initializers.Constant(3.0), kernel_regularizer=K.regularizers.L2(0.5)
    )
    clone = K.layers.Dense.from_config(dense.get_config())
    clone.build((None, 2))
    np.testing.assert_array_equal(clone.bias.numpy(), [3.0, 3.0])
    clone.kernel.assign(np.ones((2, 2), np.float32))
    assert float(sum(clone.losses)) == pytest.approx(0.5 * 4)  # 0.5 * sum of 4 squared ones

    norm = K.layers.BatchNormalization(beta_initializer=K.initializers.Constant(3.0))
    rebuilt = K.layers.BatchNormalization.from_config(norm.get_config())
    rebuilt.build((None, 2))
    np.testing.assert_array_equal(rebuilt.beta.numpy(), [3.0, 3.0])
