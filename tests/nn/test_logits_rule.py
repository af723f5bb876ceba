"""Keras' logits rule: crossentropies on softmax/sigmoid outputs use the logits.

Expected values come from Keras 3.15 on TensorFlow 2.21 (``fixtures/record_keras_logits.py``;
each case here mirrors the recorder's case of the same name), gradients also from
``jax.grad`` of the pure logits-path function.
"""

from __future__ import annotations

import gc
import os
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape import nn
from jtape.nn import _logits

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras_logits.npz"))
RTOL, ATOL = 1e-5, 1e-5
softmax, sigmoid = nn.activations.softmax, nn.activations.sigmoid
losses = nn.losses


def fx(key: str) -> np.ndarray:
    return FIXTURE[key]


def warned(fn):
    """``fn()`` and the logits warnings it raised (texts, in order)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    texts = [str(w.message) for w in caught if "from_logits" in str(w.message)]
    for w in caught:
        if "from_logits" in str(w.message):
            assert w.category is UserWarning
    return result, texts


def check(key: str, fn) -> None:
    value, texts = warned(fn)
    np.testing.assert_allclose(np.asarray(value), fx(key), rtol=RTOL, atol=ATOL, err_msg=key)
    assert texts == list(fx(f"{key}/warnings")), key


def test_fixture_names_its_versions():
    assert list(FIXTURE["versions"]) == ["2.21.0", "3.15.1"]


# ----------------------------------------------------------------------------- seed case


def _seed_layer():
    layer = nn.Dense(10, activation="softmax")
    layer.build((None, 5))
    layer.set_weights([fx("seed/kernel"), fx("seed/bias")])
    return layer


@pytest.mark.parametrize("from_logits", [True, False])
def test_seed_dense_softmax_sparse_crossentropy_matches_keras(from_logits):
    name = f"seed_fl{int(from_logits)}"
    layer = _seed_layer()
    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=from_logits)

    def step():
        with jt.GradientTape() as tape:
            loss = loss_fn(fx("seed/y"), layer(fx("seed/x")))
        return loss, tape.gradient(loss, [layer.kernel, layer.bias])

    (loss, grads), texts = warned(step)
    np.testing.assert_allclose(float(loss), fx(f"{name}/loss"), rtol=RTOL)
    np.testing.assert_allclose(grads[0].numpy(), fx(f"{name}/grad_kernel"), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(grads[1].numpy(), fx(f"{name}/grad_bias"), rtol=1e-4, atol=1e-6)
    assert texts == list(fx(f"{name}/warnings"))


def _pure_seed_loss(kernel, bias, x, y):
    logits = x @ kernel + bias
    picked = jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=-1)
    return -jnp.mean(picked)


@pytest.mark.parametrize("compiled", [False, True])
def test_seed_gradients_are_those_of_the_logits_path(compiled):
    layer = _seed_layer()
    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
    x, y = fx("seed/x"), fx("seed/y")

    def step(x, y):
        with jt.GradientTape() as tape:
            loss = loss_fn(y, layer(x))
        return loss, tape.gradient(loss, [layer.kernel, layer.bias])

    run = jt.function(step) if compiled else step
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss, grads = run(jt.constant(x), jt.constant(y))
    args = (jnp.asarray(fx("seed/kernel")), jnp.asarray(fx("seed/bias")), x, y)
    np.testing.assert_allclose(float(loss), float(_pure_seed_loss(*args)), rtol=1e-6)
    expected = jax.grad(_pure_seed_loss, argnums=(0, 1))(*args)
    for got, want in zip(grads, expected):
        np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-5, atol=1e-7)


def test_saturated_gradient_is_finite_and_follows_the_logits():
    # Through clipped probabilities the gradient of a saturated softmax is zero;
    # through the logits it is softmax(z) - onehot.
    z = jt.Variable(fx("sat/z"))
    labels = fx("sat/labels")
    with jt.GradientTape() as tape:
        loss = losses.SparseCategoricalCrossentropy()(labels, softmax(z))
    grad = tape.gradient(loss, z).numpy()
    want = jax.grad(
        lambda z: -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(z), labels[:, None], axis=-1))
    )(jnp.asarray(fx("sat/z")))
    np.testing.assert_allclose(grad, np.asarray(want), rtol=1e-5, atol=1e-7)
    assert np.abs(grad[0]).max() > 0.1


# ----------------------------------------------------------------------------- eager cases


def _sat_cases() -> dict:
    z, labels = fx("sat/z"), fx("sat/labels")
    onehot = np.eye(3, dtype=np.float32)[labels]
    zb, yb = fx("sat/zb"), fx("sat/yb")
    return {
        "scce": lambda: losses.sparse_categorical_crossentropy(labels, softmax(z)),
        "scce_plain": lambda: losses.sparse_categorical_crossentropy(
            labels, tf.identity(softmax(z))
        ),
        "scce_ignore": lambda: losses.sparse_categorical_crossentropy(
            labels, softmax(z), ignore_class=2
        ),
        "cce_ls": lambda: losses.categorical_crossentropy(onehot, softmax(z), label_smoothing=0.1),
        "cce_ls_plain": lambda: losses.categorical_crossentropy(
            onehot, tf.identity(softmax(z)), label_smoothing=0.1
        ),
        "cce_fl": lambda: losses.categorical_crossentropy(onehot, softmax(z), from_logits=True),
        "bce": lambda: losses.binary_crossentropy(yb, sigmoid(zb)),
        "bce_plain": lambda: losses.binary_crossentropy(yb, tf.identity(sigmoid(zb))),
        "bce_fl": lambda: losses.binary_crossentropy(yb, sigmoid(zb), from_logits=True),
        "bce_of_softmax": lambda: losses.binary_crossentropy(onehot, softmax(z)),
        "layer_softmax": lambda: losses.sparse_categorical_crossentropy(labels, nn.Softmax()(z)),
        "layer_activation": lambda: losses.sparse_categorical_crossentropy(
            labels, nn.Activation("softmax")(z)
        ),
        "eager_tf_nn_softmax": lambda: losses.sparse_categorical_crossentropy(
            labels, tf.nn.softmax(z)
        ),
        "class_scce": lambda: losses.SparseCategoricalCrossentropy()(labels, softmax(z)),
        "class_cce": lambda: losses.CategoricalCrossentropy()(onehot, softmax(z)),
        "class_bce": lambda: losses.BinaryCrossentropy()(yb, sigmoid(zb)),
        "class_bce_rank1": lambda: losses.BinaryCrossentropy()(yb[:, 0], sigmoid(zb[:, :1])),
        "conv_sigmoid": lambda: losses.binary_crossentropy(yb[None], _identity_conv()(zb[None])),
    }


def _identity_conv():
    conv = nn.Conv1D(2, 1, activation="sigmoid")
    conv.build((None, 3, 2))
    conv.set_weights([np.eye(2, dtype=np.float32)[None], np.zeros(2, np.float32)])
    return conv


@pytest.mark.parametrize("key", sorted(_sat_cases()))
def test_saturated_outputs_match_keras(key):
    check(f"sat/{key}", _sat_cases()[key])


def test_saturated_difference_is_visible():
    # The rule is what makes these differ: clipping caps the loss at -log(1e-7) ~ 16.1.
    assert fx("sat/scce")[0] == pytest.approx(30.0)
    assert fx("sat/scce_plain")[0] == pytest.approx(16.1181, abs=1e-3)


def test_softmax_axis_differs_from_loss_axis():
    # Keras uses the logits with the loss's axis, whatever axis the softmax had.
    fn = lambda: losses.categorical_crossentropy(  # noqa: E731
        fx("axis/onehot"), softmax(fx("axis/z"), axis=1)
    )
    value, texts = warned(fn)
    np.testing.assert_allclose(value.numpy(), fx("axis/cce"), rtol=RTOL, atol=ATOL)
    assert texts == []


# ----------------------------------------------------------------------------- metrics


def _metric_cases() -> dict:
    z, labels = fx("sat/z"), fx("sat/labels")
    onehot = np.eye(3, dtype=np.float32)[labels]
    zb, yb = fx("sat/zb"), fx("sat/yb")
    return {
        "scce": (nn.metrics.SparseCategoricalCrossentropy, labels, softmax, z),
        "scce_fl": (
            lambda: nn.metrics.SparseCategoricalCrossentropy(from_logits=True),
            labels,
            softmax,
            z,
        ),
        "cce": (nn.metrics.CategoricalCrossentropy, onehot, softmax, z),
        "bce": (nn.metrics.BinaryCrossentropy, yb, sigmoid, zb),
    }


@pytest.mark.parametrize("key", sorted(_metric_cases()))
def test_metrics_match_keras(key):
    make, y, act, logits = _metric_cases()[key]
    metric = make()

    def run():
        metric.update_state(y, act(logits))
        metric.update_state(y[:2], act(logits[:2] * 0.5))
        return metric.result()

    check(f"metric/{key}", run)


# ----------------------------------------------------------------------------- tf.function


def _fn_cases() -> dict:
    z, labels = fx("sat/z"), fx("sat/labels")
    zb, yb = fx("sat/zb"), fx("sat/yb")
    z3, onehot3 = fx("fn/z3"), fx("fn/onehot3")
    return {
        "scce_fl": lambda: losses.sparse_categorical_crossentropy(
            labels, tf.nn.softmax(z), from_logits=True
        ),
        "scce": lambda: losses.sparse_categorical_crossentropy(labels, tf.nn.softmax(z)),
        "scce_axis1_rank2": lambda: losses.sparse_categorical_crossentropy(
            labels, tf.nn.softmax(z, axis=1)
        ),
        "bce": lambda: losses.binary_crossentropy(yb, tf.nn.sigmoid(zb)),
        "bce_of_softmax_op": lambda: losses.binary_crossentropy(
            np.eye(3, dtype=np.float32)[labels], tf.nn.softmax(z)
        ),
        "cce_axis1_rank3": lambda: losses.categorical_crossentropy(
            onehot3, tf.nn.softmax(z3, axis=1)
        ),
        "class_scce_fl": lambda: losses.SparseCategoricalCrossentropy(from_logits=True)(
            labels, tf.nn.softmax(z)
        ),
        "activation": lambda: losses.sparse_categorical_crossentropy(labels, softmax(z)),
    }


@pytest.mark.parametrize("key", sorted(_fn_cases()))
def test_inside_function_matches_keras(key):
    check(f"fn/{key}", lambda: tf.function(_fn_cases()[key])())


def test_tf_nn_softmax_records_logits_only_inside_a_trace():
    z = jt.constant(fx("sat/z"))
    assert not hasattr(tf.nn.softmax(z), "_keras_logits")
    assert _logits._entry(tf.nn.softmax(z)) is None

    @jt.function
    def inside(z):
        p = tf.nn.softmax(z)
        # An op's output is no activation output: Keras' attribute stays unset.
        assert not hasattr(p, "_keras_logits")
        assert _logits._entry(p).logits is z
        return p

    inside(z)


# ----------------------------------------------------------------------------- fit


@pytest.mark.parametrize("act", ["softmax", "tfnn"])
@pytest.mark.parametrize("eager", [False, True])
def test_fit_matches_keras(act, eager):
    name = f"fit/{act}_eager{int(eager)}"
    model = nn.Sequential(
        [nn.Input((5,)), nn.Dense(4, "softmax" if act == "softmax" else tf.nn.softmax)]
    )
    model.set_weights([fx("fit/kernel"), fx("fit/bias")])
    model.compile(
        optimizer=jt.optimizers.SGD(0.1),
        loss=losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[nn.metrics.SparseCategoricalCrossentropy(name="xent")],
        run_eagerly=eager,
    )
    x, y = fx("fit/x"), fx("fit/y")
    hist, texts = warned(lambda: model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0))
    np.testing.assert_allclose(hist.history["loss"], fx(f"{name}/loss"), rtol=1e-5)
    np.testing.assert_allclose(hist.history["xent"], fx(f"{name}/xent"), rtol=1e-5)
    assert bool(texts) == bool(fx(f"{name}/warned"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evaluated = model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(evaluated, fx(f"{name}/evaluate"), rtol=1e-5)
    np.testing.assert_allclose(
        model.get_weights()[0], fx(f"{name}/kernel_after"), rtol=1e-5, atol=1e-6
    )


# ----------------------------------------------------------------------------- side table


def test_keras_logits_attribute_reads_and_writes_the_table():
    z = jt.constant([[1.0, 2.0]])
    p = softmax(z)
    assert p._keras_logits is z
    q = tf.identity(p)
    assert not hasattr(q, "_keras_logits")
    q._keras_logits = z
    assert q._keras_logits is z
    del q._keras_logits
    assert not hasattr(q, "_keras_logits")


def test_entries_die_with_their_outputs():
    z = jt.constant([[1.0, 2.0]])
    before = len(_logits._LOGITS)
    p = sigmoid(z)
    assert len(_logits._LOGITS) == before + 1
    del p
    gc.collect()
    assert len(_logits._LOGITS) == before


def test_float64_logits_stay_float64():
    z = jt.constant(np.array([[30.0, 0.0, -5.0]]))
    if z.dtype != jt.float64:
        pytest.skip("x64 mode is off")
    value = losses.sparse_categorical_crossentropy([1], softmax(z))
    assert value.dtype == jt.float64
    assert float(value[0]) == pytest.approx(30.0)
