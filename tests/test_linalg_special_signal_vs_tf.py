"""tf.linalg, special math and tf.signal against TensorFlow 2.21's recorded results
(tests/fixtures/record_linalg_special_signal.py): values, dtypes, shapes, exception
classes and messages, and tape gradients (a None gradient recorded as an empty bool
tensor), on ordinary and edge inputs (singular, non-square and batched matrices, only the
lower triangle read, integer inputs TF refuses, NaN/inf, out-of-range shifts)."""

from __future__ import annotations

import numpy as np
import pytest
import recorded_cases

import jtape as jt
import jtape.compat as tf

RECORDED = recorded_cases.load("linalg_special_signal_tf.json")


def tape_grad(f, *xs):
    with tf.GradientTape() as tape:
        tape.watch(list(xs))
        y = f(*xs)
    grads = tape.gradient(y, list(xs))
    return [tf.zeros([0], tf.bool) if g is None else g for g in grads]


SCOPE = {
    "nan": float("nan"),
    "inf": float("inf"),
    "grad": tape_grad,
    "C1": tf.constant(1 + 0j, tf.complex64),
}


def _close(got, want) -> None:
    if isinstance(want, list):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _close(g, w)
        return
    assert (got["dtype"], got["shape"]) == (want["dtype"], want["shape"])
    # float32 linear algebra: LAPACK (TF) and XLA (jtape) round differently
    expected = np.asarray(want["values"], np.float64).reshape(want["shape"])
    np.testing.assert_allclose(
        np.asarray(got["values"], np.float64), expected, rtol=2e-4, atol=2e-5
    )


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_results_as_tf(case):
    want = RECORDED[case]
    if "error" in want:
        recorded_cases.check(case, want, SCOPE)
        return
    _close(recorded_cases.describe(eval(case, {"tf": tf, "np": np, **SCOPE})), want)  # noqa: S307


def test_singular_checks_are_eager_only():
    # A compiled function cannot raise on values: there the result has infs/NaNs, as XLA.
    @jt.function
    def f(a):
        return tf.linalg.inv(a)

    out = f(tf.constant([[1.0, 2.0], [2.0, 4.0]])).numpy()
    assert not np.isfinite(out).all()
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]]))


def test_cholesky_of_a_non_positive_definite_matrix_gives_nans():
    # TF 2.21 (CPU) raises nothing either: NaNs in the lower triangle (and unspecified
    # numbers above it, which is why this case is not in the recorded fixture).
    out = tf.linalg.cholesky(tf.constant([[[1.0, 2.0], [2.0, 1.0]], [[4.0, 2.0], [2.0, 3.0]]]))
    lower = np.tril(np.ones((2, 2), bool))
    assert np.isnan(out.numpy()[0][lower]).all()
    np.testing.assert_allclose(out.numpy()[1], [[2.0, 0.0], [1.0, np.sqrt(2.0)]], rtol=1e-6)
