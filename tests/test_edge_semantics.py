"""TF's results at the edges of common ops (NaN, empty, integer, dtype rules).

Each expected value or message is TF 2.21's, printed by
``tests/fixtures/record_edge_semantics.py``. Before these were fixed, jtape gave another
number or dtype for each of them without any error.
"""

from __future__ import annotations

import numpy as np
import pytest

import jtape.compat as tf

nan, inf = np.nan, np.inf

VALUES = {  # name: (run, TF's dtype, TF's value)
    "argmax_nan_first": (lambda: tf.argmax(tf.constant([nan, 1.0, 3.0])), "int64", 2),
    "argmax_all_nan": (lambda: tf.argmax(tf.constant([nan, nan])), "int64", 0),
    "argmax_nan_after_inf": (lambda: tf.argmax(tf.constant([-inf, nan])), "int64", 0),
    "argmax_nan_between_ties": (lambda: tf.argmax(tf.constant([1.0, nan, 1.0])), "int64", 0),
    "argmin_nan": (lambda: tf.argmin(tf.constant([1.0, nan, 0.0])), "int64", 2),
    "argmax_rows": (
        lambda: tf.argmax(tf.constant([[1.0, nan], [nan, 2.0]]), axis=1),
        "int64",
        [0, 1],
    ),
    "reduce_max_empty_int": (
        lambda: tf.reduce_max(tf.constant([], tf.int32)),
        "int32",
        -2147483648,
    ),
    "reduce_min_empty_float": (lambda: tf.reduce_min(tf.constant([], tf.float32)), "float32", inf),
    "reduce_max_empty_axis": (
        lambda: tf.reduce_max(tf.zeros((2, 0)), axis=1),
        "float32",
        [-inf, -inf],
    ),
    "one_hot_int_on_value": (lambda: tf.one_hot([1], 3, on_value=5), "int32", [[0, 5, 0]]),
    "one_hot_on_off_ints": (
        lambda: tf.one_hot([1, 2], 3, on_value=5, off_value=-1),
        "int32",
        [[-1, 5, -1], [-1, -1, 5]],
    ),
    "where_python_ints": (lambda: tf.where(tf.constant([True, False]), 1, 2), "int32", [1, 2]),
    "where_python_float_int": (
        lambda: tf.where(tf.constant([True, False]), 1.0, 2),
        "float32",
        [1.0, 2.0],
    ),
    "concat_numpy_cast": (
        lambda: tf.concat([tf.constant([1.0]), np.array([2.0], np.float64)], 0),
        "float32",
        [1.0, 2.0],
    ),
    "floordiv_float_zero": (
        lambda: tf.math.floordiv(tf.constant([7.0]), tf.constant([0.0])),
        "float32",
        [inf],
    ),
    "pow_float_negative": (lambda: tf.constant([2.0]) ** -1, "float32", [0.5]),
    "euclidean_norm_int": (
        lambda: tf.math.reduce_euclidean_norm(tf.constant([[1, 1], [2, 2]]), axis=1),
        "int32",
        [1, 2],
    ),
    "top_k_fields": (
        lambda: tf.math.top_k(tf.constant([1.0, 3.0, 3.0, 2.0]), 2).indices,
        "int32",
        [1, 2],
    ),
    "unique_fields": (lambda: tf.unique(tf.constant([3, 1, 3, 2])).idx, "int32", [0, 1, 0, 2]),
}


@pytest.mark.parametrize("name", list(VALUES))
def test_value_and_dtype_as_tf(name):
    run, dtype, value = VALUES[name]
    out = run()
    assert out.dtype.name == dtype
    assert out.numpy().tolist() == value


ERRORS = {  # name: (run, TF's message); TF raises InvalidArgumentError for each
    "concat_two_dtypes": (
        lambda: tf.concat([tf.constant([1.0]), tf.constant([2.0], tf.float64)], 0),
        "cannot compute ConcatV2 as input #1(zero-based) was expected to be a float tensor "
        "but is a double tensor [Op:ConcatV2]",
    ),
    "stack_two_dtypes": (
        lambda: tf.stack([tf.constant(1), tf.constant(1.0)]),
        "cannot compute Pack as input #1(zero-based) was expected to be a int32 tensor but "
        "is a float tensor [Op:Pack]",
    ),
    "floordiv_int_zero": (
        lambda: tf.constant([7]) // 0,
        "Integer division by zero [Op:FloorDiv]",
    ),
    "floormod_int_zero": (
        lambda: tf.math.floormod(tf.constant([7]), tf.constant([0])),
        "Integer division by zero [Op:FloorMod]",
    ),
    "pow_int_negative": (
        lambda: tf.constant([2]) ** -1,
        "Integers to negative integer powers are not allowed [Op:Pow]",
    ),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_as_tf(name):
    run, message = ERRORS[name]
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        run()
    assert str(info.value) == message


def test_where_refuses_two_dtypes():
    # TF numbers the condition as input #0, so its message says input #2 here.
    with pytest.raises(tf.errors.InvalidArgumentError, match="cannot compute SelectV2 as input"):
        tf.where(tf.constant([True]), tf.constant([1]), tf.constant([2.0]))


def test_integer_checks_leave_compiled_and_valid_calls_alone():
    run = tf.function(lambda a, b: (a // b, a % b, a**b))
    q, r, p = run(tf.constant([7, -7]), tf.constant([2, 3]))
    assert q.numpy().tolist() == [3, -3] and r.numpy().tolist() == [1, 2]
    assert p.numpy().tolist() == [49, -343]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
        tf.constant([1]) // tf.Variable([0])
