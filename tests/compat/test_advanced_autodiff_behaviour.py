"""Gradient-tape behaviour that TensorFlow's guide "Advanced automatic
differentiation" documents, checked on ``jtape.compat``.

The tests are written for jtape; no text or code is taken from the guide. What
carries over are the documented facts: gradient values, which gradients are
``None``, the shapes of Jacobians, Hessians and batch Jacobians, and how they
relate to one another.
"""

from __future__ import annotations

import numpy as np
import pytest

import jtape.compat as tf


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    yield pyplot
    pyplot.close("all")


def _mlp_input_jacobian(middle=None):
    """Two ELU dense layers (optionally with a layer between) on a (7, 5) batch."""
    feats = tf.random.normal([7, 5])
    first = tf.keras.layers.Dense(8, activation=tf.nn.elu)
    second = tf.keras.layers.Dense(6, activation=tf.nn.elu)
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as g:
        g.watch(feats)
        hidden = first(feats)
        if middle is not None:
            hidden = middle(hidden, training=True)
        out = second(hidden)
    return g, feats, out


# -- stopping and resetting the tape ------------------------------------------------


def _grads_of_sum_of_squares(block):
    """Gradient of p**2 + q**2 at p=2, q=3, with ``block`` deciding how q**2 enters."""
    p = tf.Variable(2.0)
    q = tf.Variable(3.0)
    with tf.GradientTape() as g:
        total = block(g, p, q)
    return g.gradient(total, {"p": p, "q": q})


def test_stop_recording_hides_the_ops_inside_it():
    def block(g, p, q):
        p2 = p * p
        with g.stop_recording():
            q2 = q * q
        return p2 + q2

    grads = _grads_of_sum_of_squares(block)
    assert grads["p"].numpy() == 4.0 and "4.0" in str(grads["p"])
    assert grads["q"] is None


def test_reset_discards_what_was_recorded_so_far():
    def block(g, p, q):
        q2 = q * q
        g.reset()
        return p * p + q2

    grads = _grads_of_sum_of_squares(block)
    assert grads["p"].numpy() == 4.0
    assert grads["q"] is None


def test_stop_gradient_blocks_one_path():
    def block(g, p, q):
        return p**2 + tf.stop_gradient(q**2)

    grads = _grads_of_sum_of_squares(block)
    assert grads["p"].numpy() == 4.0
    assert grads["q"] is None


# -- custom gradients ---------------------------------------------------------------


@tf.custom_gradient
def _identity_with_clipped_grad(t):
    def grad_fn(upstream):
        return tf.clip_by_norm(upstream, 0.5)

    return t, grad_fn


def test_custom_gradient_clips_the_upstream_gradient():
    w = tf.Variable(2.0)
    with tf.GradientTape() as g:
        out = _identity_with_clipped_grad(w * w)
    # Unclipped d(w*w)/dw would be 4; the clipped upstream halves it.
    grad = g.gradient(out, w)
    assert grad.numpy() == 2.0 and "2.0" in str(grad)


class _Clipper(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec(None)])
    def apply(self, t):
        return _identity_with_clipped_grad(t)


def test_custom_gradient_survives_a_tf_function_method_of_a_module():
    mod = _Clipper()
    w = tf.Variable(2.0)
    with tf.GradientTape() as g:
        out = mod.apply(w * w)
    assert float(g.gradient(out, w)) == 2.0


def test_saving_a_function_of_unknown_rank_is_refused(tmp_path):
    mod = _Clipper()  # the module itself builds fine; StableHLO needs each input's rank
    with pytest.raises(ValueError, match=r"apply: input_signature\[0\] has an unknown rank"):
        tf.saved_model.save(mod, str(tmp_path / "clipper"))


# -- several tapes ------------------------------------------------------------------


def test_two_tapes_each_see_their_own_watched_tensor():
    a = tf.constant(0.0)
    b = tf.constant(0.0)
    with tf.GradientTape() as ga, tf.GradientTape() as gb:
        ga.watch(a)
        gb.watch(b)
        total = tf.reduce_sum(tf.math.sin(a) + tf.nn.sigmoid(b))
    assert ga.gradient(total, a).numpy() == 1.0  # cos(0)
    assert gb.gradient(total, b).numpy() == 0.25  # sigmoid'(0)


def test_nested_tapes_give_second_derivatives():
    w = tf.Variable(1.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            cube = w * w * w
        first = inner.gradient(cube, w)
    second = outer.gradient(first, w)
    assert first.numpy() == 3.0  # 3 w**2
    assert second.numpy() == 6.0  # 6 w
    assert f"{first.numpy()} {second.numpy()}" == "3.0 6.0"


def test_gradient_of_the_input_gradient_norm_with_respect_to_the_layer():
    import jax
    import jax.numpy as jnp

    feats = tf.random.normal([7, 5])
    dense = tf.keras.layers.Dense(10, activation=tf.nn.relu)
    with tf.GradientTape() as outer:
        with tf.GradientTape(watch_accessed_variables=False) as inner:
            inner.watch(feats)
            energy = tf.reduce_sum(dense(feats) ** 2)
        norm = tf.norm(inner.gradient(energy, feats))
    per_var = outer.gradient(norm, dense.trainable_variables)
    assert [tuple(t.shape) for t in per_var] == [(5, 10), (10,)]

    # The same quantity as a pure JAX function of (kernel, bias).
    xs = jnp.asarray(feats.numpy())

    def input_grad_norm(kern, bias):
        def energy_of(inp):
            return jnp.sum(jax.nn.relu(inp @ kern + bias) ** 2)

        return jnp.linalg.norm(jax.grad(energy_of)(xs))

    kern, bias = (jnp.asarray(v.numpy()) for v in dense.trainable_variables)
    expected = jax.grad(input_grad_norm, argnums=(0, 1))(kern, bias)
    for got, want in zip(per_var, expected):
        np.testing.assert_allclose(got.numpy(), want, rtol=2e-4, atol=1e-5)


# -- Jacobians ----------------------------------------------------------------------


def test_jacobian_with_respect_to_a_scalar_variable(plt):
    grid = tf.linspace(-10.0, 10.0, 201)
    shift = tf.Variable(0.0)
    with tf.GradientTape() as g:
        act = tf.nn.sigmoid(grid + shift)
    jac = g.jacobian(act, shift)
    assert act.shape == (201,) and jac.shape == (201,)
    assert str(jac.shape) == "(201,)"
    s = _sigmoid(np.linspace(-10.0, 10.0, 201))
    np.testing.assert_allclose(jac.numpy(), s * (1 - s), atol=1e-6)

    line = plt.plot(grid.numpy(), jac)[0]
    np.testing.assert_allclose(line.get_ydata(), jac.numpy())


def test_jacobian_with_respect_to_a_kernel_sums_to_the_gradient():
    dense = tf.keras.layers.Dense(10, activation=tf.nn.relu)
    feats = tf.random.normal([7, 5])
    with tf.GradientTape(persistent=True) as g:
        out = dense(feats)
    assert out.shape == (7, 10)
    assert dense.kernel.shape == (5, 10)

    jac = g.jacobian(out, dense.kernel)
    assert jac.shape == (7, 10, 5, 10)
    grad = g.gradient(out, dense.kernel)
    assert grad.shape == (5, 10)
    gap = tf.reduce_max(abs(grad - tf.reduce_sum(jac, axis=[0, 1]))).numpy()
    assert gap < 1e-3


def test_hessian_of_a_two_layer_loss_and_a_newton_step(plt):
    feats = tf.random.normal([7, 5])
    first = tf.keras.layers.Dense(8, activation=tf.nn.relu)
    second = tf.keras.layers.Dense(6, activation=tf.nn.relu)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            cost = tf.reduce_mean(second(first(feats)) ** 2)
        grad = inner.gradient(cost, first.kernel)
    hess = outer.jacobian(grad, first.kernel)
    assert first.kernel.shape == (5, 8)
    assert hess.shape == (5, 8, 5, 8)

    size = tf.reduce_prod(first.kernel.shape)
    grad_col = tf.reshape(grad, [size, 1])
    hess_mat = tf.reshape(hess, [size, size])
    assert hess_mat.shape == (40, 40)
    np.testing.assert_allclose(hess_mat.numpy(), hess_mat.numpy().T, atol=1e-5)  # symmetric

    bound = float(tf.reduce_max(abs(hess_mat)))
    plt.imshow(hess_mat, vmin=-bound, vmax=bound, cmap="seismic")

    # One damped Newton step on the kernel.
    before = first.kernel.numpy()
    damping = tf.eye(hess_mat.shape[0]) * 1e-3
    step = tf.linalg.solve(hess_mat + damping, grad_col)
    first.kernel.assign_sub(tf.reshape(step, first.kernel.shape))

    want = np.linalg.solve(hess_mat.numpy() + np.eye(40) * 1e-3, grad_col.numpy())
    np.testing.assert_allclose(
        before - first.kernel.numpy(), want.reshape(5, 8), rtol=1e-3, atol=1e-4
    )


# -- batch Jacobians ----------------------------------------------------------------


def test_batch_jacobian_is_the_diagonal_of_the_full_jacobian(plt):
    g, feats, out = _mlp_input_jacobian()
    assert out.shape == (7, 6)

    full = g.jacobian(out, feats)
    assert full.shape == (7, 6, 7, 5)
    # Examples do not interact: every (batch, batch) slice is diagonal.
    arr = full.numpy()
    off = ~np.eye(7, dtype=bool)
    assert np.all(arr.transpose(1, 3, 0, 2)[:, :, off] == 0)

    summed = tf.reduce_sum(full, axis=2)
    picked = tf.einsum("bxby->bxy", full)
    assert summed.shape == picked.shape == (7, 6, 5)

    per_example = g.batch_jacobian(out, feats)
    assert per_example.shape == (7, 6, 5)
    err = tf.reduce_max(abs(per_example - summed))
    assert err < 1e-3
    assert float(err.numpy()) < 1e-3
    np.testing.assert_allclose(per_example.numpy(), picked.numpy(), atol=1e-6)

    # The slices laid out as one padded image (transpose, pad, reshape), then shown.
    edge = tf.reduce_max(abs(full))
    tiles = tf.pad(
        tf.transpose(full, [1, 0, 3, 2]), [[0, 0], [1, 1], [0, 0], [1, 1]], constant_values=-edge
    )
    assert tiles.shape == (6, 9, 5, 9)
    mosaic = tf.reshape(tiles, [6 * 9, 5 * 9])
    assert float(mosaic[0, 0]) == -float(edge)
    plt.imshow(mosaic, cmap="seismic")


def test_batch_norm_in_training_couples_examples():
    g, feats, out = _mlp_input_jacobian(middle=tf.keras.layers.BatchNormalization())
    full = g.jacobian(out, feats)
    assert full.shape == (7, 6, 7, 5)
    assert str(full.shape) == "(7, 6, 7, 5)"
    # The (batch, batch) slices are no longer diagonal, so batch_jacobian does not apply,
    # although it still returns the per-example shape.
    slice00 = full.numpy()[:, 0, :, 0]
    assert np.abs(slice00 * (1 - np.eye(7))).max() > 1e-4
    assert g.batch_jacobian(out, feats).shape == (7, 6, 5)
