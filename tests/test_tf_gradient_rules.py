"""Gradients at kinks follow TF's rules (jtape/_tf_gradients.py).

Expected gradients are TF 2.21's, printed by ``tests/fixtures/record_edge_semantics.py``;
away from the kinks the functions are checked against JAX's own and finite differences.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape.compat as tf

TF_GRADIENTS = {  # name: (function of the Variable, its value, TF's gradient of the sum)
    "maximum_tie": (lambda v: tf.maximum(v, 1.0), [1.0, 2.0], [1.0, 1.0]),
    "minimum_tie": (lambda v: tf.minimum(v, 1.0), [1.0, 0.0], [1.0, 1.0]),
    "maximum_tie_y": (lambda v: tf.maximum(1.0, v), [1.0, 2.0], [0.0, 1.0]),
    "abs_zero": (tf.abs, [0.0, -2.0], [0.0, -1.0]),
    "clip_bounds": (lambda v: tf.clip_by_value(v, 0.0, 1.0), [0.0, 1.0, 2.0], [1.0, 1.0, 0.0]),
    "round": (tf.round, [0.4], None),
    "floor": (tf.floor, [0.4], None),
    "ceil": (tf.math.ceil, [0.4], None),
    "rint": (tf.math.rint, [0.4], None),
    "xlogy_zero": (lambda v: tf.math.xlogy(v, v), [0.0, 2.0], [0.0, 1.6931471824645996]),
    "leaky_relu_zero": (tf.nn.leaky_relu, [0.0, -1.0, 1.0], [0.2, 0.2, 1.0]),
    "selu_zero": (
        tf.nn.selu,
        [0.0, -1.0, 1.0],
        [1.0507010221481323, 0.6467685699462891, 1.0507010221481323],
    ),
    "elu_zero": (tf.nn.elu, [0.0, -1.0], [1.0, 0.3678794503211975]),
    "keras_leaky_relu_zero": (tf.keras.activations.leaky_relu, [0.0, -1.0], [0.2, 0.2]),
    "keras_selu_zero": (
        tf.keras.activations.selu,
        [0.0, -1.0],
        [1.0507010221481323, 0.6467685699462891],
    ),
    "keras_LeakyReLU_zero": (tf.keras.layers.LeakyReLU(), [[0.0, -1.0]], [[0.3, 0.3]]),
    "keras_ReLU_slope_zero": (
        tf.keras.layers.ReLU(negative_slope=0.1),
        [[0.0, -1.0]],
        [[0.1, 0.1]],
    ),
    "crelu_zero": (lambda v: tf.nn.crelu(v) * [1.0, 2.0, 3.0, 4.0], [0.0, -2.0], [0.0, -4.0]),
}


def _gradient(f, values):
    v = tf.Variable(values)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(f(v))
    g = tape.gradient(y, v)
    return None if g is None else g.numpy().tolist()


@pytest.mark.parametrize("name", list(TF_GRADIENTS))
def test_gradient_at_the_kink_as_tf(name):
    f, values, want = TF_GRADIENTS[name]
    got = _gradient(f, values)
    if want is None:
        assert got is None
    else:
        np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("name", list(TF_GRADIENTS))
def test_the_same_inside_a_compiled_function(name):
    f, values, want = TF_GRADIENTS[name]
    v = tf.Variable(values)

    def step():
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(f(v))
        return tape.gradient(y, v)

    got = tf.function(step)()
    if want is None:
        assert got is None
    else:
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)


def test_a_second_path_around_a_gradient_free_op_still_counts():
    # TF adds None (floor) and 1 (the direct path): 1.
    got = _gradient(lambda v: tf.floor(v) * 3.0 + v, [0.4, 1.6])
    assert got == [1.0, 1.0]


def test_forward_mode_follows_the_same_rule():
    _, tangent = jax.jvp(
        lambda x: tf.maximum(x, 1.0).value, (jnp.array([1.0, 0.5]),), (jnp.ones(2),)
    )
    assert tangent.tolist() == [1.0, 0.0]


@pytest.mark.parametrize(
    "ours, jax_fn",
    [
        (lambda x, y: tf.maximum(x, y), jnp.maximum),
        (lambda x, y: tf.minimum(x, y), jnp.minimum),
        (lambda x, y: tf.math.xlogy(x, y), jax.scipy.special.xlogy),
        (lambda x, y: tf.clip_by_value(x, y, y + 1.0), lambda x, y: jnp.clip(x, y, y + 1.0)),
        (lambda x, y: tf.abs(x) * y, lambda x, y: jnp.abs(x) * y),
        (lambda x, y: tf.nn.leaky_relu(x) * y, lambda x, y: jax.nn.leaky_relu(x, 0.2) * y),
        (lambda x, y: tf.nn.selu(x) * y, lambda x, y: jax.nn.selu(x) * y),
        (
            lambda x, y: tf.nn.crelu(x) * tf.concat([y, y], -1),
            lambda x, y: (
                jnp.concatenate([jax.nn.relu(x), jax.nn.relu(-x)], -1) * jnp.concatenate([y, y], -1)
            ),
        ),
    ],
    ids=["maximum", "minimum", "xlogy", "clip", "abs", "leaky_relu", "selu", "crelu"],
)
def test_away_from_kinks_equal_jax_and_finite_differences(ours, jax_fn, rng):
    x = rng.uniform(0.5, 2.0, (3, 4)).astype(np.float32) * rng.choice([-1, 1], (3, 4))
    y = rng.uniform(0.5, 2.0, (3, 4)).astype(np.float32)
    x = np.where(np.abs(np.abs(x) - y) < 0.05, x + 0.2, x).astype(np.float32)  # no ties
    check_grads(ours, jax_fn, [x, y])
