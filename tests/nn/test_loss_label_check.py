"""Sparse cross-entropy's eager label check stays TF's error when it skips work.

jtape remembers label arrays found in range (and checks integer labels before Keras'
cast to the loss dtype, so the cast labels need no device sync). These tests make
sure a remembered check never hides a bad label: another array, another number of
classes, another ``ignore_class``, or a cast that is not exact all check again.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape import _nn_ops


def _reference(labels, logits):
    logp = jax.nn.log_softmax(jnp.asarray(logits, jnp.float32), axis=-1)
    return float(jnp.mean(-jnp.take_along_axis(logp, jnp.asarray(labels)[:, None], axis=-1)))


def test_good_labels_give_the_value_and_bad_ones_still_raise_after():
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    rng = np.random.default_rng(0)
    logits = tf.constant(rng.standard_normal((4, 3)).astype(np.float32))
    good = tf.constant(np.array([0, 2, 1, 2], np.int32))
    for _ in range(3):  # the same labels again: remembered, same value
        np.testing.assert_allclose(float(loss(good, logits)), _reference(good, logits), rtol=1e-6)
    bad = tf.constant(np.array([0, 3, 1, 2], np.int32))
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        loss(bad, logits)
    assert str(info.value) == (
        "Received a label value of 3 which is outside the valid range of [0, 3).  "
        "Label values: 0 3 1 2"
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of -1"):
        loss(tf.constant(np.array([-1, 0, 1, 2], np.int32)), logits)


def test_labels_remembered_for_more_classes_are_checked_for_fewer():
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    labels = tf.constant(np.array([0, 4, 1], np.int64))
    wide = tf.zeros((3, 5))
    np.testing.assert_allclose(float(loss(labels, wide)), np.log(5.0), rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label value of 4 .*\[0, 4\)"):
        loss(labels, tf.zeros((3, 4)))
    # the function form, on the same array: also checked against its own logits
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[0, 2\)"):
        tf.keras.losses.sparse_categorical_crossentropy(labels, tf.zeros((3, 2)))


def test_ignore_class_is_part_of_what_was_checked():
    labels = tf.constant(np.array([0, 7, 1], np.int32))
    logits = tf.zeros((3, 2))
    with_ignore = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=7)
    np.testing.assert_allclose(float(with_ignore(labels, logits)), np.log(2.0), rtol=1e-6)
    plain = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 7"):
        plain(labels, logits)


def test_the_cast_labels_are_vouched_for_only_when_the_cast_is_exact():
    # float16 holds every integer up to 2048 only: 4095 rounds to 4096, so labels
    # for 4097 classes are not vouched for; the cast labels are checked as cast.
    labels = jt.constant(np.array([4095, 3], np.int32))
    cast16 = jt.cast(labels, "float16")
    _nn_ops.vouch_cast_labels(labels, cast16, jt.zeros((2, 4097)), -1)
    assert not _nn_ops._known_in_range(cast16._value, (4097, None))
    cast32 = jt.cast(labels, "float32")
    _nn_ops.vouch_cast_labels(labels, cast32, jt.zeros((2, 4097)), -1)
    assert _nn_ops._known_in_range(cast32._value, (4097, None))
    assert _nn_ops._known_in_range(labels._value, (4097, None))
    # out of range: nothing is remembered, the later check raises
    bad = jt.constant(np.array([5, 0], np.int32))
    bad32 = jt.cast(bad, "float32")
    _nn_ops.vouch_cast_labels(bad, bad32, jt.zeros((2, 5)), -1)
    assert not _nn_ops._known_in_range(bad32._value, (5, None))
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 5"):
        _nn_ops.check_labels(bad32, jt.zeros((2, 5)), -1)


def test_a_float16_loss_checks_labels_after_its_cast():
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float16")
    labels = tf.constant(np.array([2049, 0], np.int32))  # 2049 -> 2048 in float16
    logits = tf.zeros((2, 2049), dtype="float16")
    # Keras casts the labels to float16 first: 2048 is a valid class of 2049
    np.testing.assert_allclose(float(loss(labels, logits)), np.log(2049.0), rtol=1e-3)


def test_numpy_labels_are_never_remembered():
    # numpy arrays are mutable: a changed array must be checked again
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    labels = np.array([0, 1], np.int32)
    logits = tf.zeros((2, 2))
    np.testing.assert_allclose(float(loss(labels, logits)), np.log(2.0), rtol=1e-6)
    labels[1] = 2
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 2"):
        loss(labels, logits)
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 2"):
        tf.keras.losses.sparse_categorical_crossentropy(labels, logits)


def test_freed_label_arrays_leave_the_table():
    labels = jt.constant(np.array([0, 1], np.int32))
    _nn_ops.check_labels(labels, jt.zeros((2, 2)), -1)
    key = id(labels._value)
    assert key in _nn_ops._IN_RANGE
    del labels
    import gc

    gc.collect()
    assert key not in _nn_ops._IN_RANGE or _nn_ops._IN_RANGE[key][0]() is not None


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
@pytest.mark.parametrize("ignore_class", [None, 1])
@pytest.mark.parametrize("column", [False, True])
def test_integer_labels_skip_the_cast_with_the_same_value(dtype, ignore_class, column):
    rng = np.random.default_rng(1)
    logits_np = rng.standard_normal((6, 4)).astype(np.float32)
    labels_np = np.array([0, 3, 1, 2, 1, 3], dtype)
    labels = tf.constant(labels_np[:, None] if column else labels_np)
    loss = tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=ignore_class
    )
    got = float(loss(labels, tf.constant(logits_np)))
    # the same labels as float32 (Keras' cast, done by hand) take the cast path
    as_float = float(loss(tf.constant(labels_np.astype(np.float32)), tf.constant(logits_np)))
    logp = jax.nn.log_softmax(jnp.asarray(logits_np), axis=-1)
    per = -np.asarray(jnp.take_along_axis(logp, jnp.asarray(labels_np, jnp.int32)[:, None], -1))[
        :, 0
    ]
    keep = np.ones(6, bool) if ignore_class is None else labels_np != ignore_class
    want = per[keep].sum() / keep.sum()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got == as_float


def test_a_subclass_reading_the_labels_still_sees_them_cast():
    seen = []

    class Spy(tf.keras.losses.SparseCategoricalCrossentropy):
        def call(self, y_true, y_pred):
            seen.append(y_true.dtype)
            return super().call(y_true, y_pred)

    Spy(from_logits=True)(tf.constant(np.array([0, 1], np.int32)), tf.zeros((2, 2)))
    assert seen == [tf.float32]  # Keras converts y_true to the loss dtype first


def test_the_gradient_through_the_loss_is_unchanged():
    rng = np.random.default_rng(2)
    w0 = rng.standard_normal((3, 4)).astype(np.float32)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    labels = np.array([0, 3, 2, 1, 3], np.int32)
    w = tf.Variable(w0)
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for _ in range(3):
        with tf.GradientTape() as tape:
            value = loss(tf.constant(labels), tf.matmul(tf.constant(x), w))
        g = tape.gradient(value, w)

    def f(wv):
        logp = jax.nn.log_softmax(jnp.asarray(x) @ wv, axis=-1)
        return jnp.mean(-jnp.take_along_axis(logp, jnp.asarray(labels)[:, None], -1))

    np.testing.assert_allclose(g.numpy(), jax.grad(f)(jnp.asarray(w0)), rtol=1e-5, atol=1e-7)


# TF 2.21 (tests/nn/fixtures/record_float_labels.py): SparseCategoricalCrossentropy(
# from_logits=True) of these logits casts float labels toward zero; NaN and inf are
# refused by its label check (cast to INT64_MIN).
FLOAT_LABEL_LOGITS = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], np.float32)
TF_FLOAT_LABEL_LOSSES = {(-0.5, 1.7): 2.824458599090576, (2.9, 0.2): 1.0744585990905762}


@pytest.mark.parametrize("labels, want", list(TF_FLOAT_LABEL_LOSSES.items()))
def test_float_labels_are_cast_toward_zero_as_tf(labels, want):
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    got = float(loss(tf.constant(labels), tf.constant(FLOAT_LABEL_LOGITS)))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    as_int = [int(v) for v in labels]  # Python's int() truncates toward zero too
    np.testing.assert_allclose(got, _reference(as_int, FLOAT_LABEL_LOGITS), rtol=1e-6)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_float_labels_raise_eagerly(bad):
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"label value of {bad}"):
        loss(tf.constant([bad, 1.0]), tf.constant(FLOAT_LABEL_LOGITS))


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize(
    "labels",
    [[-1, 1], [3, 1], [np.nan, 1.0], [np.inf, 1.0], [3e9, 1.0], [2**32 + 1, 1]],
    ids=["negative", "too-large", "nan", "inf", "huge", "int64-past-int32"],
)
def test_bad_labels_in_a_compiled_step_give_nan_not_another_class(labels, from_logits):
    # Compiled, the eager check cannot run: the bad example's loss is NaN (TF on GPU),
    # never a wrapped index (-1: the last class) or NaN cast to class 0.
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits, reduction="none")
    pred = FLOAT_LABEL_LOGITS if from_logits else np.asarray(jax.nn.softmax(FLOAT_LABEL_LOGITS))
    dtype = np.float32 if isinstance(labels[0], float) else np.int32
    if labels[0] == 2**32 + 1:
        dtype = np.int64  # would wrap to class 1 if cast to int32 before the range test
    got = tf.function(lambda y: loss(y, tf.constant(pred)))(tf.constant(np.array(labels, dtype)))
    assert np.isnan(got.numpy()[0])
    want = -jax.nn.log_softmax(FLOAT_LABEL_LOGITS[1])[1]
    np.testing.assert_allclose(got.numpy()[1], want, rtol=1e-5)
    raw = tf.function(
        lambda y: tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=y, logits=FLOAT_LABEL_LOGITS
        )
    )
    if dtype != np.float32:
        out = raw(tf.constant(np.array(labels, dtype))).numpy()
        assert np.isnan(out[0]) and np.isclose(out[1], want, rtol=1e-5)
