"""Gradients of the tf.linalg / special-math ops changed to follow TF, against
``jax.vjp`` of the equivalent pure JAX function and finite differences
(tests/gradcheck.py). TF's own figures for these are in the recorded fixture
(test_linalg_special_signal_vs_tf.py)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from gradcheck import check_grads

import jtape.compat as tf

SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])


def _sym(x):
    return (x + jnp.swapaxes(x, -1, -2)) / 2


def test_cholesky_gradient_is_the_symmetric_one():
    check_grads(
        lambda x: tf.linalg.cholesky((x + tf.linalg.matrix_transpose(x)) / 2),
        lambda x: jnp.linalg.cholesky(_sym(x)),
        [SPD],
    )


def test_eigvalsh_reads_the_lower_triangle():
    def lower(x):
        return jnp.tril(x) + jnp.swapaxes(jnp.tril(x, -1), -1, -2)

    x = SPD + np.triu(np.ones((3, 3)), 1) * 5.0  # a different upper triangle
    check_grads(tf.linalg.eigvalsh, lambda x: jnp.linalg.eigvalsh(lower(x)), [x])


def test_matrix_two_norm_and_lstsq():
    a = np.array([[3.0, -4.0], [1.0, 2.0], [0.5, 1.0]])
    check_grads(
        lambda x: tf.norm(x, ord=2, axis=[0, 1]),
        lambda x: jnp.max(jnp.linalg.svd(x, compute_uv=False)),
        [a],
    )
    b = np.array([[1.0], [2.0], [4.0]])
    check_grads(
        lambda x, y: tf.linalg.lstsq(x, y, l2_regularizer=0.1),
        lambda x, y: jnp.linalg.solve(x.T @ x + 0.1 * jnp.eye(2, dtype=x.dtype), x.T @ y),
        [a, b],
    )


def test_lu_solve_and_tridiagonal_solve():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([[1.0], [2.0]])
    check_grads(
        lambda x, y: tf.linalg.lu_solve(*tf.linalg.lu(x), y),
        lambda x, y: jnp.linalg.solve(x, y),
        [a, b],
    )

    def dense(d):
        m = d.shape[-1]
        return jnp.diag(d[1]) + jnp.diag(d[0, : m - 1], 1) + jnp.diag(d[2, 1:], -1)

    d = np.array([[0.0, 1.0, 1.0], [2.0, 3.0, 2.0], [1.0, 1.0, 0.0]])
    rhs = np.array([[1.0], [2.0], [3.0]])
    check_grads(
        tf.linalg.tridiagonal_solve,
        lambda d, r: jnp.linalg.solve(dense(d), r),
        [d, rhs],
    )


def test_diag_part_band_and_set_diag():
    x = np.arange(12.0).reshape(3, 4)

    def band(x):  # diagonals 1, 0, -1 of a 3x4 matrix, RIGHT_LEFT aligned
        return jnp.stack(
            [
                jnp.diagonal(x, 1),
                jnp.diagonal(x, 0),
                jnp.pad(jnp.diagonal(x, -1), (0, 1)),
            ]
        )

    check_grads(lambda x: tf.linalg.diag_part(x, k=(-1, 1)), band, [x])
    check_grads(
        lambda x, d: tf.linalg.set_diag(x, d, k=1),
        lambda x, d: x.at[jnp.arange(3), jnp.arange(3) + 1].set(d),
        [x, np.array([1.0, 2.0, 3.0])],
    )


def test_special_gradients():
    a, b = 2.0, 3.0
    check_grads(
        lambda x: tf.math.betainc(tf.constant(a), tf.constant(b), x),
        lambda x: jax.scipy.special.betainc(a, b, x),
        [np.array([0.2, 0.5, 0.9])],
    )
    check_grads(
        tf.math.special.bessel_i1,
        jax.scipy.special.i1,
        [np.array([0.5, 1.0, -2.0])],
    )
    check_grads(
        tf.math.xlog1py,
        jax.scipy.special.xlog1py,
        [np.array([0.5, 1.0]), np.array([0.3, 2.0])],
    )
    check_grads(
        tf.math.multiply_no_nan,
        lambda x, y: x * y,
        [np.array([0.5, 1.0]), np.array([0.3, 2.0])],
    )
