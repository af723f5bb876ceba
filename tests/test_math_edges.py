"""Math edge cases against TensorFlow's recorded results (tests/fixtures/
record_math_edges.py): float ``floordiv`` is ``floor(x / y)`` (``1.0 // 0.1 == 10``, not
numpy's 9), ``clip_by_value`` with ``clip_value_min > clip_value_max`` gives the minimum,
``sign(-0.0)`` is ``+0.0``, integer ``moments`` stay integers (truncated means)."""

from __future__ import annotations

import pytest
import recorded_cases

import jtape as jt
import jtape.compat as tf

RECORDED = recorded_cases.load("math_edges_tf.json")


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_results_as_tf(case):
    recorded_cases.check(case, RECORDED[case], {"nan": float("nan"), "inf": float("inf")})


def test_clip_gradients_follow_tfs_minimum_then_maximum():
    # TF: maximum(minimum(x, hi), lo), each with its tie rule (ties follow the first input).
    def grads(x, lo, hi):
        x, lo, hi = (jt.constant(v) for v in (x, lo, hi))
        with jt.GradientTape() as tape:
            tape.watch([x, lo, hi])
            y = tf.reduce_sum(tf.clip_by_value(x, lo, hi))
        return [g.numpy().tolist() for g in tape.gradient(y, [x, lo, hi])]

    # inverted bounds: the result is lo everywhere, so lo takes every gradient
    assert grads([1.0, 2.0, 3.0], 2.5, 1.5) == [[0.0, 0.0, 0.0], 3.0, 0.0]
    # a tie with lo follows x; above hi the gradient goes to hi
    assert grads([1.5, 2.0, 3.0], 1.5, 2.5) == [[1.0, 1.0, 0.0], 0.0, 1.0]
    # a tie with hi follows x too (minimum's rule)
    assert grads([2.5, 1.0], 1.5, 2.5) == [[1.0, 0.0], 1.0, 0.0]


def test_floordiv_has_no_gradient_as_tf():
    x = jt.constant([1.0, 7.0])
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = x // 0.7
    assert tape.gradient(y, x) is None  # FloorDiv is not differentiable in TF
