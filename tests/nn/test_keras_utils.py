"""``keras.utils`` (pad_sequences, to_categorical, normalize, set_random_seed),
``Model.compute_loss`` and the legacy ``keras.backend`` functions.

Expected values come from Keras 3.15 (``fixtures/record_keras_utils.py``) or are
derived by hand.
"""

from __future__ import annotations

import importlib.util
import inspect
import os

import numpy as np
import pytest

import jtape.compat as tf
import jtape.compat.keras as keras

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
FIXTURE = np.load(os.path.join(HERE, "keras_utils.npz"))
_spec = importlib.util.spec_from_file_location(
    "record_keras_utils", os.path.join(HERE, "record_keras_utils.py")
)
_recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_recorder)  # only its CASES table: it imports Keras in main()
CASES = _recorder.CASES


@pytest.mark.parametrize("name", sorted(CASES))
def test_utils_match_keras(name):
    fn, args, kwargs = CASES[name]
    if f"{name}/error" in FIXTURE.files:
        with pytest.raises(ValueError):
            getattr(keras.utils, fn)(*args, **kwargs)
        return
    got = getattr(keras.utils, fn)(*args, **kwargs)
    want = FIXTURE[name]
    assert isinstance(got, np.ndarray)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_to_categorical_of_tensor_is_float32_tensor():
    out = keras.utils.to_categorical(tf.constant([[1], [0]]), 3)
    assert isinstance(out, tf.Tensor) and out.dtype == tf.float32
    assert out.numpy().tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_set_random_seed_resets_every_stream():
    keras.utils.set_random_seed(5)
    a = (np.random.rand(), tf.random.normal((2,)).numpy(), keras.random.normal((2,)).numpy())
    keras.utils.set_random_seed(5)
    b = (np.random.rand(), tf.random.normal((2,)).numpy(), keras.random.normal((2,)).numpy())
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])


# -- Model.compute_loss ---------------------------------------------------------------
def test_compute_loss_signature_is_keras_3():
    params = list(inspect.signature(keras.Model.compute_loss).parameters)
    assert params == ["self", "x", "y", "y_pred", "sample_weight", "training"]


def test_compute_loss_matches_keras():
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.1))]
    )
    model.compile(loss="mse", optimizer="sgd")
    model.set_weights([FIXTURE["compute_loss/kernel"], FIXTURE["compute_loss/bias"]])
    x, y, sw = (FIXTURE[f"compute_loss/{k}"] for k in ("x", "y", "sw"))
    y_pred = model(x)
    loss = model.compute_loss(x, y, y_pred, sw)
    np.testing.assert_allclose(float(loss), FIXTURE["compute_loss/loss"], rtol=1e-5)
    loss = model.compute_loss(x=x, y=y, y_pred=y_pred)
    np.testing.assert_allclose(float(loss), FIXTURE["compute_loss/loss_no_sw"], rtol=1e-5)


def test_custom_train_step_calls_compute_loss():
    class Custom(keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(x=x, y=y, y_pred=y_pred, training=True)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            return {"loss": loss}

    inp = keras.Input((1,))
    model = Custom(inp, keras.layers.Dense(1, kernel_initializer="zeros")(inp))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = np.array([[1.0], [2.0]], np.float32)
    y = 2 * x
    hist = model.fit(x, y, epochs=1, batch_size=2, verbose=0)
    # zero weights: loss = mean(y^2) = (4 + 16) / 2
    assert hist.history["loss"][0] == pytest.approx(10.0)
    # d/dw mean((w x + b - y)^2) = mean(2 (0 - y) x) = -10; d/db = mean(2 (0 - y)) = -6
    kernel, bias = model.get_weights()
    np.testing.assert_allclose([kernel[0, 0], bias[0]], [1.0, 0.6], rtol=1e-6)


# -- keras.backend (legacy functions, TensorFlow's dtype rules) -----------------------
def test_backend_functions():
    K = tf.keras.backend
    x = tf.constant([[1.0, -2.0], [3.0, 4.0]])
    assert K.int_shape(x) == (2, 2) and K.ndim(x) == 2 and K.dtype(x) == "float32"
    assert K.shape(x).numpy().tolist() == [2, 2] and K.shape(x).dtype == tf.int32
    assert K.floatx() == "float32" and K.epsilon() == 1e-7
    assert float(K.mean(x)) == 1.5 and float(K.sum(x)) == 6.0
    assert K.mean(tf.constant([1, 2])).dtype == tf.int32  # TF's integer mean, not Keras 3's
    assert float(K.mean(tf.constant([True, False]))) == 0.5
    np.testing.assert_allclose(K.sqrt(x).numpy(), [[1.0, 0.0], [3**0.5, 2.0]])
    np.testing.assert_allclose(K.square(x).numpy(), [[1.0, 4.0], [9.0, 16.0]])
    np.testing.assert_allclose(K.clip(x, 0.0, 3.0).numpy(), [[1.0, 0.0], [3.0, 3.0]])
    np.testing.assert_allclose(K.exp(K.log(tf.constant([2.0]))).numpy(), [2.0], rtol=1e-6)
    assert K.batch_flatten(tf.ones((2, 3, 4))).shape == (2, 12)
    assert K.ones_like(x).numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert K.zeros_like(x).dtype == tf.float32
    assert K.cast(x, "int32").dtype == tf.int32
    v = K.variable([1.0, 2.0])
    K.set_value(v, [3.0, 4.0])
    assert K.get_value(v).tolist() == [3.0, 4.0]
    assert K.permute_dimensions(tf.ones((2, 3, 4)), (2, 0, 1)).shape == (4, 2, 3)
    assert K.repeat_elements(tf.constant([[1, 2]]), 2, axis=1).numpy().tolist() == [[1, 1, 2, 2]]
    assert K.dot(tf.ones((2, 3, 4)), tf.ones((4, 5))).shape == (2, 3, 5)
    assert float(K.switch(tf.constant(False), lambda: 1.0, lambda: 2.0)) == 2.0
    with pytest.raises(tf.NotProvidedError):
        K.no_such_function  # noqa: B018


def test_backend_random_and_floatx():
    K = tf.keras.backend
    a = K.random_normal((2000,), mean=1.0, stddev=2.0, seed=3)
    assert a.dtype == tf.float32
    assert abs(float(np.mean(a))) - 1.0 < 0.15 and abs(float(np.std(a)) - 2.0) < 0.15
    np.testing.assert_array_equal(a.numpy(), K.random_normal((2000,), 1.0, 2.0, seed=3).numpy())
    u = K.random_uniform((1000,), -1.0, 1.0).numpy()
    assert u.min() >= -1.0 and u.max() < 1.0
    b = K.random_bernoulli((1000,), p=0.3, seed=1).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and 0.22 < b.mean() < 0.38
    keras.layers.Dense(1)  # reads (and so fixes) the global dtype policy, as in Keras 3
    K.set_floatx("float64")
    try:
        assert K.floatx() == "float64"
        assert keras.ops.zeros((1,)).dtype == tf.float64
        # TF 2.21 gives float32 here: the policy stays until clear_session (see
        # tests/nn/test_training_logs.py for the recorded case).
        assert keras.layers.Dense(1)(np.ones((1, 2))).dtype == tf.float32
        K.clear_session()
        assert keras.layers.Dense(1)(np.ones((1, 2))).dtype == tf.float64
    finally:
        K.set_floatx("float32")
        K.clear_session()
    assert keras.layers.Dense(1)(np.ones((1, 2), np.float32)).dtype == tf.float32
    with pytest.raises(ValueError, match="floatx"):
        K.set_floatx("int32")
