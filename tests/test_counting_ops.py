"""Counting ops against TensorFlow's recorded results (tests/fixtures/record_counting_ops.py):
bincount, confusion_matrix, in_top_k, unique_with_counts, histogram_fixed_width,
log_poisson_loss, saturate_cast, and tf.repeat with per-entry counts."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import recorded_cases
from gradcheck import check_grads

import jtape as jt
import jtape.compat as tf

nan, inf = float("nan"), float("inf")
RECORDED = recorded_cases.load("counting_ops_tf.json")


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_eager_results_and_errors_as_tf(case):
    recorded_cases.check(case, RECORDED[case], {"nan": nan, "inf": inf})


def test_compiled_results_equal_eager_ones():
    labels, preds = jt.constant([0, 1, 2, 2]), jt.constant([0, 2, 2, 1])
    scores = jt.constant([[0.5, 0.5, 0.1], [0.5, nan, 0.1], [0.2, 0.3, 0.9]])

    def run(labels, preds, scores):
        return (
            tf.math.bincount(labels, minlength=4, maxlength=4),
            tf.math.confusion_matrix(labels, preds, num_classes=3),
            tf.math.in_top_k(preds[:3], scores, k=1),
            tf.histogram_fixed_width(tf.cast(labels, tf.float32), [0.0, 2.0], nbins=3),
            tf.saturate_cast(tf.cast(labels, tf.float32) * 200.0, tf.int8),
        )

    eager = run(labels, preds, scores)
    compiled = jt.function(run)(labels, preds, scores)
    for e, c in zip(eager, compiled):
        np.testing.assert_array_equal(c.numpy(), e.numpy())
    assert compiled[2].numpy().tolist() == [True, False, True]


def test_value_dependent_sizes_refused_in_a_compiled_function():
    with pytest.raises(ValueError, match="minlength` and `maxlength` equal"):
        jt.function(lambda a: tf.math.bincount(a))(jt.constant([1, 2]))
    with pytest.raises(ValueError, match="`num_classes` must be given"):
        jt.function(lambda a: tf.math.confusion_matrix(a, a))(jt.constant([1, 2]))


def test_log_poisson_loss_gradients():
    targets = np.array([0.0, 1.0, 2.0, 5.0], np.float32)

    def pure(log_input):
        loss = jnp.exp(log_input) - log_input * targets
        stirling = targets * jnp.log(targets) - targets + 0.5 * jnp.log(2 * np.pi * targets)
        return loss + jnp.where((targets >= 0) & (targets <= 1), 0.0, stirling)

    log_input = np.array([0.5, 1.0, -1.0, 2.0], np.float32)
    check_grads(
        lambda x: tf.nn.log_poisson_loss(targets, x, compute_full_loss=True), pure, [log_input]
    )
    np.testing.assert_allclose(  # d/dx: exp(x) - targets
        jax.grad(lambda x: pure(x).sum())(log_input), np.exp(log_input) - targets, rtol=1e-6
    )


@pytest.mark.parametrize("case", sorted(c for c in RECORDED if c.startswith("tf.math.in_top_k")))
def test_keras_ops_in_top_k_is_tfs(case):
    # keras.ops.in_top_k on the TensorFlow backend is tf.math.in_top_k (same figures).
    recorded_cases.check(
        case.replace("tf.math.in_top_k", "tf.keras.ops.in_top_k"),
        RECORDED[case],
        {"nan": nan, "inf": inf},
    )
