"""The batch and channel entries of convolution and pooling arguments, as TF 2.21.

TF takes ``ksize``/``strides``/``dilations`` as ``n + 2`` lists (N, ..., C). jtape used to
drop their batch and channel entries, silently giving spatial results where TF pools over
channels or raises. TF's results were recorded by
``fixtures/record_conv_pool_entries.py`` (TensorFlow 2.21 venv).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
import recorded_cases
from gradcheck import check_grads

import jtape.compat as tf

RECORDED = recorded_cases.load("conv_pool_entries_tf.json")


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_results_and_errors_as_tf(case):
    recorded_cases.check(case, RECORDED[case], {})


def test_channel_max_pooling_gradient_goes_to_the_first_maximum():
    # TF has no gradient here (MaxPoolGrad raises on the depth dimension); jtape gives the
    # one of its spatial max pooling: the first maximum of each window takes it all.
    x = tf.constant([[[[1.0, 3.0, 3.0, -1.0, 2.0, 2.0]]]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, ksize=[1, 1, 1, 3], strides=[1, 1, 1, 3], padding="VALID")
        loss = tf.reduce_sum(y * tf.constant([2.0, 5.0]))
    grad = tape.gradient(loss, x).numpy()
    np.testing.assert_array_equal(grad[0, 0, 0], [0.0, 2.0, 0.0, 0.0, 5.0, 0.0])


def test_channel_max_pooling_gradient_matches_jax_and_finite_differences():
    x = np.random.default_rng(0).normal(size=(2, 3, 3, 6))  # no ties
    check_grads(
        lambda v: tf.nn.max_pool2d(v, ksize=[1, 1, 1, 2], strides=[1, 1, 1, 2], padding="SAME"),
        lambda v: jnp.max(v.reshape(2, 3, 3, 3, 2), axis=-1),
        [x],
    )


def test_compiled_channel_pooling_equals_eager():
    x = tf.reshape(tf.range(64.0), [1, 4, 4, 4])

    def run(v):
        return tf.nn.max_pool(v, ksize=[1, 1, 1, 2], strides=[1, 1, 1, 2], padding="VALID")

    np.testing.assert_array_equal(tf.function(run)(x).numpy(), run(x).numpy())


def test_unsupported_entries_are_clear_errors():
    x = tf.ones([1, 4, 4, 4])
    with pytest.raises(tf.errors.UnimplementedError, match="Non-spatial average pooling"):
        tf.nn.avg_pool2d(x, ksize=[1, 1, 1, 2], strides=[1, 1, 1, 2], padding="VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="Nonzero explicit padding"):
        tf.nn.conv2d(x, tf.ones([2, 2, 4, 1]), 1, padding=[[0, 0], [1, 1], [1, 1], [1, 1]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"output_shape \(1, 9, 9, 1\)"):
        tf.nn.conv2d_transpose(
            tf.ones([1, 4, 4, 1]), tf.ones([2, 2, 1, 1]), [1, 9, 9, 1], 2, padding="SAME"
        )
