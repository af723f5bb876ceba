"""Gradient-tape behaviour that TensorFlow's guide "Introduction to gradients and
automatic differentiation" documents, checked on ``jtape.compat``.

The tests are written for jtape; no text or code is taken from the guide. What
carries over are the documented facts: which gradients come out, their values and
shapes, where ``None`` is returned instead, and which calls fail.
"""

from __future__ import annotations

import numpy as np
import pytest

import jtape.compat as tf


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# -- the basics -------------------------------------------------------------------


def test_gradient_of_square_at_three_is_six():
    v = tf.Variable(3.0)
    with tf.GradientTape() as g:
        sq = v**2
    grad = g.gradient(sq, v)
    assert grad.numpy() == 6.0
    assert grad.dtype == tf.float32


def test_sources_may_be_a_list_or_a_dict_of_variables():
    kernel = tf.Variable(np.array([[0.3, -0.7], [1.1, 0.2], [-0.4, 0.9]], np.float32), name="k")
    offset = tf.Variable(tf.zeros(2, dtype=tf.float32), name="c")
    row = [[2.0, -1.0, 0.5]]  # a plain Python list on the left of @
    with tf.GradientTape(persistent=True) as g:
        pred = row @ kernel + offset
        cost = tf.reduce_mean(pred**2)

    d_kernel, d_offset = g.gradient(cost, [kernel, offset])
    assert kernel.shape == d_kernel.shape == (3, 2)
    assert str(d_kernel.shape) == "(3, 2)"
    assert d_offset.shape == (2,)

    by_name = g.gradient(cost, {"weights": kernel, "shift": offset})
    assert set(by_name) == {"weights", "shift"}

    # cost = mean(p**2) over two outputs: dcost/dp = p, so d/doffset = p, d/dkernel = row^T p.
    p = np.array(row, np.float32) @ kernel.numpy() + offset.numpy()
    np.testing.assert_allclose(by_name["shift"].numpy(), p[0], rtol=1e-5)
    np.testing.assert_allclose(by_name["weights"].numpy(), d_kernel.numpy(), rtol=1e-6)
    np.testing.assert_allclose(d_kernel.numpy(), np.array(row, np.float32).T @ p, rtol=1e-5)


def test_gradients_for_every_trainable_variable_of_a_layer():
    dense = tf.keras.layers.Dense(2, activation="relu")
    batch = tf.constant([[0.5, 1.5, -2.0]])
    with tf.GradientTape() as g:
        cost = tf.reduce_mean(dense(batch) ** 2)
    grads = g.gradient(cost, dense.trainable_variables)

    (kernel, bias), (g_kernel, g_bias) = dense.trainable_variables, grads
    # TF reports these as "dense/kernel:0, shape: (3, 2)" and "dense/bias:0, shape: (2,)".
    assert kernel.name.endswith("kernel:0") and g_kernel.shape == (3, 2)
    assert bias.name.endswith("bias:0") and g_bias.shape == (2,)


# -- what the tape watches ----------------------------------------------------------


def test_only_trainable_variables_are_watched_automatically():
    trained = tf.Variable(3.0, name="trained")
    frozen = tf.Variable(3.0, name="frozen", trainable=False)
    derived = tf.Variable(2.0, name="base") + 1.0  # arithmetic on a Variable gives a Tensor
    const = tf.constant(3.0, name="const")
    assert type(derived).__name__ == "Tensor"

    with tf.GradientTape() as g:
        total = trained**2 + frozen**2 + derived**2

    grads = g.gradient(total, [trained, frozen, derived, const])
    assert grads[0].numpy() == 6.0
    assert "6.0" in str(grads[0])
    assert grads[1:] == [None, None, None]
    assert [v.name for v in g.watched_variables()] == ["trained:0"]


def test_watch_makes_a_constant_differentiable():
    c = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(c)
        sq = c**2
    assert g.gradient(sq, c).numpy() == 6.0


def test_watch_accessed_variables_false_records_only_what_is_watched():
    a = tf.Variable(0.0)
    b = tf.Variable(10.0)
    with tf.GradientTape(watch_accessed_variables=False) as g:
        g.watch(b)
        total = tf.reduce_sum(tf.math.sin(a) + tf.nn.softplus(b))

    grads = g.gradient(total, {"a": a, "b": b})
    assert grads["a"] is None
    # d softplus(b)/db = sigmoid(b)
    assert float(grads["b"].numpy()) == pytest.approx(_sigmoid(10.0), rel=1e-6)


# -- intermediate results and persistent tapes ------------------------------------


def test_gradient_with_respect_to_an_intermediate_value():
    c = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(c)
        mid = c * c
        top = mid * mid
    # d(mid**2)/dmid = 2 * mid = 2 * 9
    assert g.gradient(top, mid).numpy() == 18.0


def test_persistent_tape_answers_more_than_one_gradient_call():
    pts = tf.constant([1, 3.0])
    with tf.GradientTape(persistent=True) as g:
        g.watch(pts)
        sq = pts * pts
        quartic = sq * sq
    np.testing.assert_array_equal(g.gradient(quartic, pts).numpy(), [4.0, 108.0])  # 4 x**3
    np.testing.assert_array_equal(g.gradient(sq, pts).numpy(), [2.0, 6.0])  # 2 x
    assert str(g.gradient(quartic, pts).numpy()) == "[  4. 108.]"
    del g


# -- non-scalar targets -------------------------------------------------------------


def test_separate_targets_on_a_persistent_tape():
    v = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as g:
        square = v**2
        recip = 1 / v
    assert g.gradient(square, v).numpy() == 4.0
    assert g.gradient(recip, v).numpy() == -0.25


def test_a_structure_of_targets_gives_the_gradient_of_their_sum():
    v = tf.Variable(2.0)
    with tf.GradientTape() as g:
        parts = {"square": v**2, "recip": 1 / v}
    assert g.gradient(parts, v).numpy() == 3.75  # 4 - 0.25


def test_a_vector_target_gives_the_gradient_of_its_sum():
    v = tf.Variable(2.0)
    with tf.GradientTape() as g:
        scaled = v * [3.0, 4.0]
    assert g.gradient(scaled, v).numpy() == 7.0


def test_elementwise_gradient_of_sigmoid_over_a_grid():
    grid = tf.linspace(-10.0, 10.0, 201)
    with tf.GradientTape() as g:
        g.watch(grid)
        act = tf.nn.sigmoid(grid)
    slope = g.gradient(act, grid)
    s = _sigmoid(np.linspace(-10.0, 10.0, 201))
    assert slope.shape == (201,)
    np.testing.assert_allclose(slope.numpy(), s * (1 - s), atol=1e-6)

    # Tensors go straight into matplotlib.
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        ax.plot(grid, act)
        ax.plot(grid, slope)
        np.testing.assert_allclose(ax.lines[1].get_ydata(), slope.numpy())
    finally:
        plt.close(fig)


# -- control flow -------------------------------------------------------------------


def test_python_branch_records_only_the_branch_taken():
    flag = tf.constant(1.0)
    left = tf.Variable(2.0)
    right = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(flag)
        picked = left if flag > 0.0 else right**2

    d_left, d_right = g.gradient(picked, [left, right])
    assert d_left.numpy() == 1.0
    assert d_right is None
    # The condition itself is not differentiated through.
    assert g.gradient(picked, flag) is None


# -- when gradient() returns None ---------------------------------------------------


def test_unconnected_source_gives_none():
    unused = tf.Variable(2.0)
    other = tf.Variable(3.0)
    with tf.GradientTape() as g:
        prod = other * other
    assert g.gradient(prod, unused) is None


def test_replacing_a_variable_with_a_tensor_loses_the_gradient():
    counter = tf.Variable(2.0)
    seen = []
    for _ in range(2):
        with tf.GradientTape() as g:
            out = counter + 1
        seen.append((type(counter).__name__, g.gradient(out, counter)))
        counter = counter + 1  # rebinds to a Tensor; assign_add would keep the Variable

    (kind0, grad0), (kind1, grad1) = seen
    # TF: "ResourceVariable : tf.Tensor(1.0, ...)" then "EagerTensor : None".
    assert kind0 == "Variable" and grad0.numpy() == 1.0
    assert kind1 == "Tensor" and grad1 is None


def test_a_detour_through_numpy_is_not_recorded():
    mat = tf.Variable([[1.0, 2.0], [3.0, 4.0]], dtype=tf.float32)
    with tf.GradientTape() as g:
        col_means = np.mean(mat**2, axis=0)  # leaves the tape
        out = tf.reduce_mean(col_means, axis=0)
    assert g.gradient(out, mat) is None


def test_integer_sources_give_none_with_a_warning():
    k = tf.constant(10)
    with pytest.warns(UserWarning, match="must be floating") as caught:
        with tf.GradientTape() as g:
            g.watch(k)
            sq = k * k
        assert g.gradient(sq, k) is None
    # Warned when watching only: TF 2.21 logs the gradient-time dtype note at verbosity 1.
    assert len([w for w in caught if "must be floating" in str(w.message)]) == 1


def test_state_changes_are_not_differentiated_through():
    src = tf.Variable(3.0)
    acc = tf.Variable(0.0)
    with tf.GradientTape() as g:
        acc.assign_add(src)
        out = acc**2
    assert g.gradient(out, src) is None


def test_op_without_gradient_raises_lookup_error():
    # The guide's example: tf.image.adjust_contrast has no TF gradient (LookupError).
    pic = tf.Variable([[[0.25, 0.5, 0.75]]])
    delta = tf.Variable(0.1)
    with tf.GradientTape() as tape:
        new_pic = tf.image.adjust_contrast(pic, delta)
    with pytest.raises(LookupError, match="no entry for: AdjustContrastv2"):
        tape.gradient(new_pic, [pic, delta])


def test_unconnected_gradients_zero_gives_zeros_of_the_source_shape():
    vec = tf.Variable([5.0, -1.0])
    other = tf.Variable(3.0)
    with tf.GradientTape() as g:
        sq = other**2
    grad = g.gradient(sq, vec, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    np.testing.assert_array_equal(grad.numpy(), [0.0, 0.0])
    assert "[0. 0.]" in str(grad)
