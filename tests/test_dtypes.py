"""TF's dtype rules: inference, 64-bit types, same-dtype ops, and float32 programs.

Expected dtypes and exception classes are TensorFlow 2.21's (checked with TF itself; the
conformance scenario ``s08`` records them).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
import jtape.compat as tf
from jtape import _function


# -- inference ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, want",
    [
        (1.5, "float32"),
        (2, "int32"),
        (2**40, "int64"),
        (True, "bool"),
        (1j, "complex128"),
        ([1, 2.5], "float32"),
        ([1, 2], "int32"),
        (np.linspace(0, 1, 5), "float64"),
        (np.arange(3), "int64"),
        (np.zeros(2, np.float32), "float32"),
        (np.float64(1.0), "float64"),
    ],
)
def test_constant_infers_tf_dtypes(value, want):
    assert tf.constant(value).dtype == want
    assert tf.Variable(value).dtype == want


def test_explicit_float64_is_honoured_and_exact():
    x = tf.constant(0.1, dtype=tf.float64)
    assert x.dtype == tf.float64
    assert x.numpy() == np.float64(0.1)  # not a float32 rounding of it
    v = tf.Variable(np.zeros(3))
    v.assign_add(np.full(3, 1e-12))
    assert v.numpy()[0] == 1e-12


def test_python_float_does_not_fit_an_integer_dtype():
    with pytest.raises(TypeError, match="Cannot convert 1.5"):
        tf.constant(1.5, dtype=tf.int32)
    with pytest.raises(TypeError):
        tf.constant([1.0, 2.0], dtype=tf.int32)
    # numpy data is cast, as TF does.
    assert tf.constant(np.array([1.5]), dtype=tf.int32).numpy().tolist() == [1]


def test_dtype_objects_have_tfs_api_on_tensors_and_variables():
    for x in (tf.constant([1.0]), tf.Variable([1.0]), tf.constant([1.0]) * 2):
        dt = x.dtype
        assert dt.is_floating and not dt.is_integer
        assert dt.as_numpy_dtype is np.float32
        assert dt.base_dtype == tf.float32
        assert dt.max == np.finfo(np.float32).max
        assert dt == np.float32 and dt == "float32" and dt.name == "float32"
        assert str(dt) == "<dtype: 'float32'>"
    assert tf.constant(3).dtype.min == np.iinfo(np.int32).min
    assert tf.zeros(2, 1).dtype == tf.float32  # TF's DataType enum 1
    assert np.zeros(2, dtype=tf.float64).dtype == np.float64  # usable as a numpy dtype


# -- same-dtype ops -------------------------------------------------------------------
def test_mixing_tensor_dtypes_raises_invalid_argument():
    with pytest.raises(tf.errors.InvalidArgumentError, match="int32 tensor but is a float"):
        tf.constant(1) + tf.constant(1.5)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.constant(1.0, tf.float64) * tf.constant(1.0)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.matmul(tf.ones((2, 2)), tf.ones((2, 2), tf.float64))
    with pytest.raises(tf.errors.OpError):
        tf.maximum(tf.ones(2), tf.ones(2, tf.float64))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.constant(1) + 1.5  # TF's + fails in the op
    with pytest.raises(TypeError, match="Cannot convert 1.0"):
        tf.constant(2) * 1.0  # TF's other operators fail converting the operand
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.einsum("ij,jk->ik", tf.ones((2, 2)), tf.ones((2, 2), tf.float64))


def test_non_tensor_operands_take_the_tensor_dtype():
    f32 = tf.constant([1.0, 2.0])
    assert (f32 + np.array([1.0, 2.0])).dtype == tf.float32  # numpy float64 is cast
    assert (np.array([1.0, 2.0]) + f32).dtype == tf.float32
    assert (f32 + 2).dtype == tf.float32
    assert (f32 + [1, 2]).dtype == tf.float32
    assert (tf.constant([1, 2]) * np.array([1.5])).numpy().tolist() == [1, 2]  # TF casts
    assert tf.add(np.ones(2), 2.0).dtype == tf.float64  # first operand fixes the dtype
    assert tf.add(2.0, np.ones(2)).dtype == tf.float32
    assert tf.add(1.5, 2).dtype == tf.float32
    assert tf.exp(1.0).dtype == tf.float32
    assert tf.reduce_sum([1.0, 2.0]).dtype == tf.float32


def test_integer_division_and_float_only_kernels():
    assert (tf.constant(3) / 2).dtype == tf.float64
    assert (tf.constant(np.int8(3)) / tf.constant(np.int8(2))).dtype == tf.float32
    assert float(tf.constant(3) / 2) == 1.5
    assert (tf.constant(3) // 2).dtype == tf.int32
    assert tf.reduce_mean(tf.constant([1, 2])).numpy() == 1  # integer mean stays integer
    with pytest.raises(tf.errors.InvalidArgumentError, match="Value for attr 'T' of int32"):
        tf.exp(tf.constant([1]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.floor(tf.constant([1]))


# -- errors of ops --------------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda: tf.matmul(tf.ones((2, 3)), tf.ones((2, 3))),
        lambda: tf.reshape(tf.ones((2, 3)), (4,)),
        lambda: tf.gather(tf.ones((2, 3)), 5),
        lambda: tf.concat([tf.ones((2, 3)), tf.ones((2,))], 0),
        lambda: tf.ones((2, 3)) + tf.ones((4,)),
    ],
    ids=["matmul", "reshape", "gather", "concat", "broadcast"],
)
def test_runtime_failures_raise_invalid_argument(call):
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        call()
    assert isinstance(info.value, tf.errors.OpError)


def test_op_error_keeps_the_original_exception_type():
    with pytest.raises(TypeError):  # JAX's class, for code written against jtape before
        tf.matmul(tf.ones((2, 3)), tf.ones((2, 3)))


# -- float64 end to end ---------------------------------------------------------------
def test_float64_gradients_match_jax_and_finite_differences():
    w = tf.Variable(np.array([0.3, -1.2, 2.0]))

    def f(w):
        return jnp.sum(jnp.sin(w) * w**2)

    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.sin(w) * w**2)
    g = tape.gradient(y, w)
    assert g.dtype == tf.float64
    np.testing.assert_allclose(g.numpy(), jax.grad(f)(w.numpy()), rtol=1e-14)
    check_grads(
        lambda x: jt.sin(x) * x**2, lambda x: jnp.sin(x) * x**2, [np.array([0.3, -1.2, 2.0])]
    )


def test_float64_optimizer_and_dataset_keep_64_bits():
    v = tf.Variable(np.array([1.0, 2.0]))
    opt = tf.keras.optimizers.Adam(0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(v**2)
    opt.apply_gradients([(tape.gradient(loss, v), v)])
    assert v.dtype == tf.float64
    ds = tf.data.Dataset.from_tensor_slices((np.arange(4), np.linspace(0, 1, 4))).batch(2)
    x, y = next(iter(ds))
    assert (x.dtype, y.dtype) == (tf.int64, tf.float64)


def test_float64_inside_function():
    v = tf.Variable(np.array([1.0, 2.0]))

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((v * x) ** 2)
        v.assign_sub(0.01 * tape.gradient(loss, v))
        return loss

    loss = step(np.array([0.5, 0.25]))
    assert loss.dtype == tf.float64 and v.dtype == tf.float64
    np.testing.assert_allclose(v.numpy(), [1.0 - 0.01 * 0.5, 2.0 - 0.01 * 0.25], rtol=1e-15)


# -- a float32 program stays float32 --------------------------------------------------
def _program_jaxpr(fn, *args):
    """The jaxpr of the one XLA program ``fn`` (a jt.function) runs for ``args``."""
    fn(*args)  # the first call creates the variables and traces
    static_key, dyn = _function._signature(args, {})
    jitted = fn._get_jitted()
    donated, kept = fn._partition
    return jax.make_jaxpr(functools.partial(jitted, static_key))(
        [v._value for v in donated], [v._value for v in kept], dyn
    )


def _all_dtypes(jaxpr) -> set:
    found = set()
    stack = [jaxpr.jaxpr if hasattr(jaxpr, "jaxpr") else jaxpr]
    while stack:
        j = stack.pop()
        for var in [*j.invars, *j.outvars, *j.constvars]:
            if hasattr(var, "aval"):
                found.add(str(var.aval.dtype))
        for eqn in j.eqns:
            for var in [*eqn.invars, *eqn.outvars]:
                if hasattr(var, "aval"):
                    found.add(str(var.aval.dtype))
            for p in eqn.params.values():
                for sub in p if isinstance(p, (list, tuple)) else [p]:
                    if hasattr(sub, "jaxpr") and hasattr(sub, "consts"):
                        stack.append(sub.jaxpr)
                    elif hasattr(sub, "eqns"):
                        stack.append(sub)
    return found


def _seed_model():
    keras = tf.keras
    model = keras.Sequential(
        [
            keras.layers.Dense(32, activation="relu", input_shape=(64,)),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    return model


def test_seed_step_program_has_no_float64():
    model = _seed_model()
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam()

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    x = np.random.RandomState(0).rand(8, 64)  # float64 numpy data, as sklearn gives
    y = np.arange(8) % 10  # int64 labels
    dtypes = _all_dtypes(_program_jaxpr(train_step, tf.cast(x, tf.float32), y))
    assert "float64" not in dtypes, dtypes
    assert "float32" in dtypes


def test_keras_fit_step_program_has_no_float64():
    model = _seed_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.RandomState(0).rand(8, 64).astype(np.float32)
    y = (np.arange(8) % 10).astype(np.int32)
    model.fit(x, y, epochs=1, verbose=0)
    step = model.make_train_function()
    dtypes = _all_dtypes(_program_jaxpr(step, (tf.constant(x), tf.constant(y))))
    assert "float64" not in dtypes, dtypes
