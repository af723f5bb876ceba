"""Segment reductions: TF's values for empty segments, its dtypes and its id errors.

Expected figures are TF 2.21's, printed by ``tests/fixtures/record_segment_ops.py``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape.compat as tf

F = 3.4028234663852886e38  # float32's largest finite value
INT_MAX = 2147483647
TF_VALUES = {  # (dtype, kind): (unsorted over 4 segments, its dtype, sorted, its dtype)
    ("float32", "max"): ([1.0, -F, 3.0, -F], "float32", [1.0, 0.0, 3.0], "float32"),
    ("float32", "min"): ([1.0, F, 2.0, F], "float32", [1.0, 0.0, 2.0], "float32"),
    ("float32", "prod"): ([1.0, 1.0, 6.0, 1.0], "float32", [1.0, 1.0, 6.0], "float32"),
    ("float32", "sum"): ([1.0, 0.0, 5.0, 0.0], "float32", [1.0, 0.0, 5.0], "float32"),
    ("float32", "mean"): ([1.0, 0.0, 2.5, 0.0], "float32", [1.0, 0.0, 2.5], "float32"),
    ("int32", "max"): ([1, -INT_MAX - 1, 3, -INT_MAX - 1], "int32", [1, 0, 3], "int32"),
    ("int32", "min"): ([1, INT_MAX, 2, INT_MAX], "int32", [1, 0, 2], "int32"),
    ("int32", "prod"): ([1, 1, 6, 1], "int32", [1, 1, 6], "int32"),
    ("int32", "sum"): ([1, 0, 5, 0], "int32", [1, 0, 5], "int32"),
    ("int32", "mean"): ([1.0, 0.0, 2.5, 0.0], "float64", [1, 0, 2], "int32"),
}


@pytest.mark.parametrize("dtype, kind", list(TF_VALUES))
def test_values_and_dtypes_with_empty_segments_as_tf(dtype, kind):
    unsorted, unsorted_dtype, sorted_, sorted_dtype = TF_VALUES[dtype, kind]
    data = tf.constant([1, 2, 3], dtype)
    got = getattr(tf.math, "unsorted_segment_" + kind)(data, [0, 2, 2], 4)
    assert got.numpy().tolist() == unsorted and got.dtype.name == unsorted_dtype
    got = getattr(tf.math, "segment_" + kind)(data, [0, 2, 2])
    assert got.numpy().tolist() == sorted_ and got.dtype.name == sorted_dtype


def test_unsorted_max_starts_from_the_lowest_finite_value_and_int_mean_truncates():
    assert tf.math.unsorted_segment_max(tf.constant([-np.inf]), [0], 1).numpy().tolist() == [-F]
    assert tf.math.segment_mean(tf.constant([-3, 2, 0]), [0, 0, 1]).numpy().tolist() == [0, 0]


D = [1.0, 2.0, 3.0, 4.0]
TF_ERRORS = [
    (
        lambda: tf.math.unsorted_segment_max(D, [0, 5, 1, 7], 3),
        "segment_ids[1] = 5 is out of range [0, 3) [Op:UnsortedSegmentMax]",
    ),
    (
        lambda: tf.math.unsorted_segment_mean(D, [0, 5, 1, 7], 3),
        "segment_ids[1] = 5 is out of range [0, 3) [Op:UnsortedSegmentSum]",
    ),
    (
        lambda: tf.math.segment_sum(D, [1, 0, 0, 1]),
        "segment ids are not increasing [Op:SegmentSum]",
    ),
    (
        lambda: tf.math.segment_min(D, [-1, 0, 0, 0]),
        "Segment id -1 out of range [0, 1), possibly because 'segment_ids' input is not "
        "sorted. [Op:SegmentMin]",
    ),
]


@pytest.mark.parametrize("run, message", TF_ERRORS)
def test_bad_ids_raise_tf_error(run, message):
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        run()
    assert str(info.value) == message


def test_negative_unsorted_ids_are_dropped_and_compiled_ids_past_the_count_too():
    got = tf.math.unsorted_segment_sum(tf.constant(D), [0, -1, 1, 1], 3)
    assert got.numpy().tolist() == [1.0, 7.0, 0.0]
    run = tf.function(lambda ids: tf.math.unsorted_segment_sum(tf.constant(D), ids, 3))
    assert run(tf.constant([0, 5, 1, 1])).numpy().tolist() == [1.0, 7.0, 0.0]


@pytest.mark.parametrize("kind", ["max", "min", "mean"])
def test_gradients_against_jax_and_finite_differences(kind, rng):
    data = rng.standard_normal((5, 2)).astype(np.float32)
    ids = np.array([0, 2, 2, 0, 2])

    def reference(x):
        if kind == "mean":
            count = jax.ops.segment_sum(jnp.ones(5, x.dtype), ids, 4)
            return jax.ops.segment_sum(x, ids, 4) / jnp.maximum(count, 1)[:, None]
        out = getattr(jax.ops, "segment_" + kind)(x, ids, 4)
        return jnp.where(jnp.isfinite(out), out, jnp.sign(out) * F)

    check_grads(
        lambda x: getattr(tf.math, "unsorted_segment_" + kind)(x, ids, 4), reference, [data]
    )
