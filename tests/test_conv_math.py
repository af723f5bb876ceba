"""The im2col lowering of few-channel 2-D convolutions (jtape/_conv_math.py).

Values and gradients are checked against ``lax.conv_general_dilated`` (the pure function
the lowering replaces) and finite differences, through ``tf.nn.conv2d`` and ``Conv2D``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import jtape as jt
import jtape.compat as tf
from jtape import _conv_math, _xla_options
from tests.gradcheck import check_grads

DN = ("NHWC", "HWIO", "NHWC")
rng = np.random.default_rng(0)


def _lax_conv(x, k, strides, padding):
    return lax.conv_general_dilated(x, k, strides, padding, dimension_numbers=DN)


CASES = [
    # (x shape, kernel shape, strides, padding)
    ((2, 7, 6, 3), (3, 3, 3, 4), (1, 1), "SAME"),
    ((2, 7, 6, 3), (3, 3, 3, 4), (1, 1), "VALID"),
    ((2, 8, 9, 2), (3, 2, 2, 5), (2, 1), "SAME"),
    ((1, 9, 9, 4), (5, 5, 4, 3), (2, 3), "VALID"),
    ((2, 6, 6, 3), (3, 3, 3, 2), (1, 1), ((2, 0), (1, 3))),
]


def test_lowering_is_chosen_for_few_channels_only():
    k3 = jnp.zeros((3, 3, 3, 8))
    assert _conv_math._use_patches(jnp.zeros((1, 8, 8, 3)), k3, (1, 1), DN, 1)
    # One channel: im2col only where convolutions run on XLA's Eigen kernels (the default).
    eigen = _xla_options.compiler_options() is not None
    one = _conv_math._use_patches(jnp.zeros((1, 8, 8, 1)), jnp.zeros((3, 3, 1, 8)), (1, 1), DN, 1)
    assert one == eigen
    assert not _conv_math._use_patches(
        jnp.zeros((1, 8, 8, 16)), jnp.zeros((3, 3, 16, 8)), (1, 1), DN, 1
    )
    assert not _conv_math._use_patches(jnp.zeros((1, 8, 8, 3)), k3, (2, 2), DN, 1)  # dilated
    assert not _conv_math._use_patches(
        jnp.zeros((1, 3, 8, 8)), k3, (1, 1), ("NCHW", "HWIO", "NCHW"), 1
    )


@pytest.mark.parametrize("xs, ks, strides, padding", CASES)
def test_values_equal_lax(xs, ks, strides, padding):
    x = rng.standard_normal(xs).astype(np.float32)
    k = rng.standard_normal(ks).astype(np.float32)
    got = _conv_math.convolution(x, k, strides, padding, (1, 1), DN)
    want = _lax_conv(x, k, strides, padding)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("xs, ks, strides, padding", CASES[:4])
def test_conv2d_gradients_match_lax_and_finite_differences(xs, ks, strides, padding):
    x = rng.standard_normal(xs).astype(np.float32)
    k = rng.standard_normal(ks).astype(np.float32)
    check_grads(
        lambda x, k: tf.nn.conv2d(x, k, strides, padding),
        lambda x, k: _lax_conv(x, k, strides, padding),
        [x, k],
    )


def test_second_order_and_forward_mode():
    x = rng.standard_normal((1, 5, 5, 3)).astype(np.float32)
    k = rng.standard_normal((3, 3, 3, 2)).astype(np.float32)
    check_grads(
        lambda x, k: jt.tanh(tf.nn.conv2d(x, k, 1, "SAME")),
        lambda x, k: jnp.tanh(_lax_conv(x, k, (1, 1), "SAME")),
        [x, k],
        order=2,
    )
    dk = rng.standard_normal(k.shape).astype(np.float32)

    def f(conv):
        return lambda k: jnp.tanh(conv(x, k, (1, 1), "SAME"))

    _, got = jax.jvp(
        f(lambda x, k, s, p: _conv_math.convolution(x, k, s, p, (1, 1), DN)), (k,), (dk,)
    )
    _, want = jax.jvp(f(_lax_conv), (k,), (dk,))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_keras_conv2d_layer_uses_it_with_same_numbers():
    layer = tf.keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")
    x = rng.standard_normal((2, 9, 9, 3)).astype(np.float32)
    y = layer(x)
    want = jax.nn.relu(_lax_conv(x, layer.kernel.numpy(), (2, 2), "SAME") + layer.bias.numpy())
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=1e-5)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2)
    gk, gb = tape.gradient(loss, [layer.kernel, layer.bias])

    def pure(k, b):
        return jnp.sum(jax.nn.relu(_lax_conv(x, k, (2, 2), "SAME") + b) ** 2)

    wk, wb = jax.grad(pure, argnums=(0, 1))(layer.kernel.numpy(), layer.bias.numpy())
    np.testing.assert_allclose(gk.numpy(), wk, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gb.numpy(), wb, rtol=1e-4, atol=1e-4)


def test_three_channel_conv2d_lowers_to_a_matrix_product():
    x = jnp.zeros((1, 8, 8, 3))
    k = jnp.zeros((3, 3, 3, 4))
    text = str(jax.make_jaxpr(lambda x, k: tf.nn.conv2d(x, k, 1, "SAME").value)(x, k))
    assert "dot_general" in text and "conv_general_dilated" not in text
    text = str(
        jax.make_jaxpr(lambda x, k: tf.nn.conv2d(x, k, 16, "SAME").value)(x[..., :1], k[:, :, :1])
    )
    assert "conv_general_dilated" not in text  # one channel, strided: still a product
    x16, k16 = jnp.zeros((1, 8, 8, 16)), jnp.zeros((3, 3, 16, 4))
    text = str(jax.make_jaxpr(lambda x, k: tf.nn.conv2d(x, k, 1, "SAME").value)(x16, k16))
    assert "conv_general_dilated" in text
