"""``keras.ops`` on edge inputs against Keras 3.15 on TensorFlow 2.21.

NaN, infinities, ``-0.0``, empty arrays, integer extremes, zero divisors, negative
integer powers and out-of-range indices: values, dtypes and the errors Keras raises
eagerly come from ``fixtures/record_keras_ops_edges.py`` (cases in that file, results
in ``fixtures/keras_ops_edges.npz`` / ``keras_ops_edges.json``). Inside ``jt.function``
nothing can raise on values; there the keras ops do what jtape's ``tf`` ops do.
"""

from __future__ import annotations

import importlib.util
import json
import os

import numpy as np
import pytest

import jtape.compat as tf
from jtape._op_errors import InvalidArgumentError
from jtape.compat.keras import ops

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
FIXTURE = np.load(os.path.join(HERE, "keras_ops_edges.npz"))
with open(os.path.join(HERE, "keras_ops_edges.json")) as _f:
    RECORDED = json.load(_f)
_spec = importlib.util.spec_from_file_location(
    "record_keras_ops_edges", os.path.join(HERE, "record_keras_ops_edges.py")
)
REC = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REC)
CASES = {c[0]: c for c in REC.cases()}

# Where jtape still differs from Keras on TF (each is in the issue note):
KNOWN = {
    # TF's Relu/Celu keep the sign of -0.0; jtape.nn's activations give +0.0 (equal values).
    "u_relu_fzero": "-0.0 sign",
    "u_relu6_fzero": "-0.0 sign",
    "u_celu_fzero": "-0.0 sign",
    # TF's CPU softmax kernel gives 0 for the finite entries of a row holding NaN or +inf;
    # jtape (tf.nn.softmax too) gives NaN for the whole row.
    "u_softmax_fnan": "softmax with NaN/inf",
    "u_softmax_finf": "softmax with NaN/inf",
    "u_softmax_f16big": "softmax with NaN/inf",
    "i_softmax_inf": "softmax with NaN/inf",
    # TF's sort/top_k leave NaN where its comparison sort happens to put it; jtape (as
    # numpy and tf.sort here) puts NaN last (first for top_k).
    "u_sort_fnan": "NaN order",
    "u_sort_f16big": "NaN order",
    "u_argsort_fnan": "NaN order",
    "u_argsort_f16big": "NaN order",
    "i_sort_nan_m2": "NaN order",
    "i_argsort_nan": "NaN order",
    "i_top_k_nan": "NaN order",
    # TF's int32 matmul/einsum overflow through a float accumulator (INT_MIN); jtape wraps.
    "i_matmul_int_overflow": "int overflow",
    "x_einsum_int_overflow": "int overflow",
    # inner/vdot compute in float and cast back: out of range, jtape clamps where TF
    # wraps (docs/differences.md).
    "b_inner_ibig_ibig": "float->int cast",
    "b_inner_i8_i8": "float->int cast",
    "b_inner_u8_u8": "float->int cast",
    "b_inner_ibig_neg1": "float->int cast",
    "b_vdot_ibig_ibig": "float->int cast",
    "b_vdot_i8_i8": "float->int cast",
    "b_vdot_u8_u8": "float->int cast",
    "y_inner_scalar": "float->int cast",
    # TF's Maximum returns its first operand when both are zeros; jtape gives +0.0.
    "x_maximum_negzero": "-0.0 sign",
    # NaN as an integer fill value: a float -> int cast out of range (docs/differences.md).
    "x_full_nan_int": "float->int cast",
    # round(int, decimals<0) goes through a float -> int cast out of range: jtape
    # clamps, TF wraps (docs/differences.md).
    "i_round_int_dec": "float->int cast",
    # TF's UnsortedSegmentMin/Max let NaN win or lose by its position in the segment;
    # jtape (tf.math.unsorted_segment_min too) propagates NaN.
    "s_min": "segment NaN order",
    # TF's MaxPool skips NaN and starts from the lowest finite value (-FLT_MAX for a
    # window of -inf); jtape's pooling (tf.nn.max_pool too) propagates NaN and keeps -inf.
    "n_max_pool_nan": "max_pool NaN/-inf",
    "n_max_pool_neginf": "max_pool NaN/-inf",
}
BY_OP: dict[str, list[str]] = {}
for _name, _fn, _, _ in CASES.values():
    if _name not in KNOWN:
        BY_OP.setdefault(_fn, []).append(_name)


@pytest.fixture(scope="module")
def tensors():
    return {k: ops.convert_to_tensor(v) for k, v in REC.inputs().items()}


def _run(name, tensors):
    _, fn, args, kwargs = CASES[name]
    a = [REC.resolve(x, tensors) for x in args]
    k = {key: REC.resolve(v, tensors) for key, v in kwargs.items()}
    return REC._op(ops, fn)(*a, **k)


def _assert_same(got: np.ndarray, want: np.ndarray, dtype: str) -> None:
    assert str(got.dtype) == dtype
    assert got.shape == want.shape
    if got.dtype.kind not in "fc":
        np.testing.assert_array_equal(got, want)
        return
    tol = 2e-3 if got.dtype == np.float16 else 1e-5
    np.testing.assert_allclose(
        got.astype(np.float64), want.astype(np.float64), rtol=tol, atol=1e-6, equal_nan=True
    )
    zero = want == 0  # -0.0 and 0.0 are told apart
    np.testing.assert_array_equal(np.signbit(got[zero]), np.signbit(want[zero]))


def _check_case(name: str, tensors) -> None:
    recorded = RECORDED[name]
    if isinstance(recorded, str):  # Keras raised: jtape raises the same class
        with pytest.raises(Exception) as info:  # noqa: PT011 - the class is checked below
            _run(name, tensors)
        # The same class, or a jtape error that is one (InvalidArgumentError is a ValueError).
        classes = [f"error: {c.__name__}" for c in type(info.value).__mro__]
        assert recorded in classes, f"{recorded}, got {type(info.value).__name__}: {info.value}"
        return
    res = _run(name, tensors)
    outs = list(res) if isinstance(res, (tuple, list)) else [res]
    assert len(outs) == len(recorded)
    for i, (o, dtype) in enumerate(zip(outs, recorded)):
        _assert_same(np.asarray(o), FIXTURE[f"{name}/{i}"], dtype)


@pytest.mark.parametrize("fn", sorted(BY_OP))
def test_matches_keras(fn, tensors):
    """Every recorded case of ``keras.ops.<fn>``; the failing ones are named together."""
    failed = []
    for name in BY_OP[fn]:
        try:
            _check_case(name, tensors)
        except (AssertionError, pytest.fail.Exception) as e:
            failed.append(f"{name}: {str(e).strip()[:300]}")
    assert not failed, "\n".join(failed)


def test_known_differences_still_differ(tensors):
    # A known difference that has gone away should leave KNOWN (and the issue note).
    for name in KNOWN:
        res = _run(name, tensors)
        got = np.asarray(res[0] if isinstance(res, tuple) else res)
        want = FIXTURE[f"{name}/0"]
        same = np.array_equal(got, want, equal_nan=True) and np.array_equal(
            np.signbit(got), np.signbit(want)
        )
        assert not same, name


def test_fixture_is_from_keras_on_tensorflow():
    assert str(FIXTURE["keras_version"]).startswith("3.")
    assert len(CASES) == len(RECORDED)


def test_errors_carry_tf_messages():
    x = np.array([1.0, 2.0, 3.0], np.float32)
    with pytest.raises(InvalidArgumentError, match=r"indices\[0\] = 5 is not in \[0, 3\)"):
        ops.take(x, [5])
    with pytest.raises(InvalidArgumentError, match=r"= -1 is not in \[0, 3\)"):
        ops.take(x, [-4])  # wrapped once to -1, still out of range (TF's figure)
    with pytest.raises(InvalidArgumentError, match="Integer division by zero"):
        ops.floor_divide(np.array([3, 4], np.int32), np.array([0, 1], np.int32))
    with pytest.raises(InvalidArgumentError, match="Integer division by zero"):
        ops.mod(np.array([3], np.int32), 0)
    with pytest.raises(InvalidArgumentError, match="negative integer powers"):
        ops.power(np.array([2], np.int32), -1)
    with pytest.raises(InvalidArgumentError, match=r"segment_ids\[2\] = 5 is out of range"):
        ops.segment_sum(np.ones(3, np.float32), np.array([0, 0, 5]), num_segments=3)
    with pytest.raises(InvalidArgumentError, match="must be non-negative"):
        ops.bincount(np.array([0, -1]))


def test_compiled_calls_follow_jtape_tf_ops():
    """Inside jt.function values cannot raise: out-of-range gathers read NaN as
    tf.gather does, integer division by zero gives what tf.math.floordiv gives there,
    ids past num_segments are dropped as in tf.math.unsorted_segment_sum."""
    x = np.array([1.0, 2.0, 3.0], np.float32)
    idx = np.array([-4, -1, 5, 0], np.int32)
    taken = tf.function(lambda v, i: ops.take(v, i))(x, idx).numpy()
    np.testing.assert_array_equal(taken, [np.nan, 3.0, np.nan, 1.0])
    along = tf.function(lambda v, i: ops.take_along_axis(v, i, axis=1))(x[None], idx[None])
    np.testing.assert_array_equal(along.numpy(), [[np.nan, 3.0, np.nan, 1.0]])
    a, b = np.array([3, -3], np.int32), np.array([0, 0], np.int32)
    keras_div = tf.function(lambda u, w: ops.floor_divide(u, w))(a, b).numpy()
    tf_div = tf.function(lambda u, w: tf.math.floordiv(u, w))(a, b).numpy()
    np.testing.assert_array_equal(keras_div, tf_div)
    seg = tf.function(lambda d, i: ops.segment_sum(d, i, num_segments=2))
    out = seg(x, np.array([0, 1, 5], np.int32)).numpy()
    np.testing.assert_array_equal(out, [1.0, 2.0])
    nan_arg = tf.function(lambda v: ops.argmax(v))(np.array([1.0, np.nan, 3.0], np.float32))
    assert int(nan_arg) == 2
    with pytest.raises(ValueError, match="num_segments"):
        tf.function(lambda d, i: ops.segment_max(d, i))(x, np.array([0, 1, 1], np.int32))
    pos = np.array([[0], [5]], np.int32)
    upd = np.array([7.0, 8.0], np.float32)
    keras_sc = tf.function(lambda i, u: ops.scatter(i, u, (3,)))(pos, upd).numpy()
    tf_sc = tf.function(lambda i, u: tf.scatter_nd(i, u, (3,)))(pos, upd).numpy()
    np.testing.assert_array_equal(keras_sc, tf_sc)
    np.testing.assert_array_equal(keras_sc, [7.0, 0.0, 0.0])  # index 5 dropped
    reps = tf.function(lambda v: ops.repeat(v, [1, 0, 2]))(x).numpy()
    np.testing.assert_array_equal(reps, [1.0, 3.0, 3.0])


def test_unique_and_bincount_refuse_what_jtape_cannot_do():
    with pytest.raises(ValueError, match="eagerly"):
        tf.function(lambda v: ops.unique(v))(np.array([1, 2], np.int32))
    with pytest.raises(ValueError, match="sparse"):
        ops.bincount(np.array([0, 1]), sparse=True)


def test_tie_gradients_follow_tf():
    """At x == a bound, TF's clip passes the gradient and Maximum/Minimum give it to
    x1 (recorded with TF 2.21's GradientTape: [1, 1, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0])."""
    v = tf.Variable(np.array([1.0, 1.5, 2.0, 3.0], np.float32))
    with tf.GradientTape(persistent=True) as tape:
        clipped = tf.reduce_sum(ops.clip(v, 1.0, 2.0))
        upper = tf.reduce_sum(ops.maximum(v, 2.0))
        lower = tf.reduce_sum(ops.minimum(2.0, v))
    np.testing.assert_array_equal(tape.gradient(clipped, v).numpy(), [1, 1, 1, 0])
    np.testing.assert_array_equal(tape.gradient(upper, v).numpy(), [0, 0, 1, 1])
    np.testing.assert_array_equal(tape.gradient(lower, v).numpy(), [1, 1, 0, 0])
