"""Keras losses: values vs Keras 3 (recorded fixture) and numpy, reductions, gradients.

The fixture ``tests/fixtures/losses_metrics_keras.npz`` is written by
``tests/fixtures/record_losses_metrics.py`` with TensorFlow's Keras; gradients are
checked against ``jax.vjp`` of an independent ``jax.numpy`` formula and against finite
differences (``tests/gradcheck.py``).
"""

from __future__ import annotations

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
from jtape.nn import losses

FIXTURE = np.load(
    os.path.join(os.path.dirname(__file__), "..", "fixtures", "losses_metrics_keras.npz")
)
LOSS_CASES = sorted({k.split("/")[1] for k in FIXTURE.files if k.startswith("loss/")})
EPS = 1e-7


def _get(key):
    return FIXTURE[key] if key in FIXTURE.files else None


@pytest.mark.parametrize("name", LOSS_CASES)
def test_matches_keras_fixture(name):
    spec = json.loads(str(FIXTURE[f"loss/{name}/spec"]))
    loss = getattr(losses, spec["class"])(**spec["kwargs"])
    got = loss(
        FIXTURE[f"loss/{name}/y_true"],
        FIXTURE[f"loss/{name}/y_pred"],
        sample_weight=_get(f"loss/{name}/sample_weight"),
    )
    want = FIXTURE[f"loss/{name}/out"]
    assert isinstance(got, jt.Tensor)
    assert got.dtype == np.float32
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=2e-5, atol=1e-6)


def test_fixture_covers_every_loss_class():
    classes = {json.loads(str(FIXTURE[f"loss/{n}/spec"]))["class"] for n in LOSS_CASES}
    assert classes == {
        "SparseCategoricalCrossentropy",
        "CategoricalCrossentropy",
        "BinaryCrossentropy",
        "MeanSquaredError",
        "MeanAbsoluteError",
        "Huber",
        "KLDivergence",
        "CosineSimilarity",
    }


# -- function forms vs numpy ----------------------------------------------------------
def _probs(rng, *shape):
    p = rng.uniform(0.05, 1.0, size=shape)
    return (p / p.sum(-1, keepdims=True)).astype(np.float32)


def _np_log_softmax(x, axis=-1):
    x = x - x.max(axis=axis, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


def test_regression_functions_vs_numpy(rng):
    t = rng.normal(size=(5, 3)).astype(np.float32)
    p = rng.normal(size=(5, 3)).astype(np.float32) * 2
    np.testing.assert_allclose(
        losses.mean_squared_error(t, p).numpy(), ((t - p) ** 2).mean(-1), rtol=1e-6
    )
    np.testing.assert_allclose(
        losses.mean_absolute_error(t, p).numpy(), np.abs(t - p).mean(-1), rtol=1e-6
    )
    e = np.abs(p - t)
    d = 0.7
    want = np.where(e <= d, 0.5 * e**2, d * e - 0.5 * d**2).mean(-1)
    np.testing.assert_allclose(losses.huber(t, p, delta=d).numpy(), want, rtol=1e-5)
    cos = -(t * p).sum(-1) / np.linalg.norm(t, axis=-1) / np.linalg.norm(p, axis=-1)
    np.testing.assert_allclose(losses.cosine_similarity(t, p).numpy(), cos, rtol=1e-5)
    assert losses.mse is losses.mean_squared_error and losses.MAE is losses.mean_absolute_error


def test_crossentropy_functions_vs_numpy(rng):
    labels = rng.integers(0, 4, size=6)
    onehot = np.eye(4, dtype=np.float32)[labels]
    p = _probs(rng, 6, 4)
    logits = rng.normal(size=(6, 4)).astype(np.float32)
    want = -np.log(p[np.arange(6), labels])
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(labels, p).numpy(), want, rtol=1e-5
    )
    np.testing.assert_allclose(losses.categorical_crossentropy(onehot, p).numpy(), want, rtol=1e-5)
    want_logits = -_np_log_softmax(logits)[np.arange(6), labels]
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(labels, logits, from_logits=True).numpy(),
        want_logits,
        rtol=1e-5,
    )
    smooth = onehot * 0.9 + 0.1 / 4
    np.testing.assert_allclose(
        losses.categorical_crossentropy(onehot, logits, from_logits=True, label_smoothing=0.1),
        -(smooth * _np_log_softmax(logits)).sum(-1),
        rtol=1e-5,
    )
    z = rng.integers(0, 2, size=(6, 3)).astype(np.float32)
    q = rng.uniform(0.05, 0.95, size=(6, 3)).astype(np.float32)
    np.testing.assert_allclose(
        losses.binary_crossentropy(z, q).numpy(),
        -(z * np.log(q) + (1 - z) * np.log(1 - q)).mean(-1),
        rtol=1e-5,
    )
    x = rng.normal(size=(6, 3)).astype(np.float32) * 3
    zs = z * 0.8 + 0.1
    np.testing.assert_allclose(
        losses.binary_crossentropy(z, x, from_logits=True, label_smoothing=0.2).numpy(),
        (np.maximum(x, 0) - x * zs + np.log1p(np.exp(-np.abs(x)))).mean(-1),
        rtol=1e-5,
    )


def test_probabilities_are_clipped_at_keras_epsilon():
    # log(1e-7) instead of -inf for a zero probability on the true class.
    got = losses.categorical_crossentropy([[1.0, 0.0]], [[0.0, 1.0]]).numpy()
    np.testing.assert_allclose(got, [-np.log(np.float32(EPS))], rtol=1e-5)
    got = losses.binary_crossentropy([[1.0]], [[0.0]]).numpy()
    np.testing.assert_allclose(got, [-np.log(np.float32(EPS))], rtol=1e-5)
    got = losses.kl_divergence([[1.0, 0.0]], [[0.0, 1.0]]).numpy()
    np.testing.assert_allclose(got, [np.log(1 / EPS) + EPS * np.log(EPS / 1.0)], rtol=1e-4)
    assert np.isfinite(losses.sparse_categorical_crossentropy([0], [[0.0, 1.0]]).numpy()).all()


def test_kl_divergence_vs_numpy(rng):
    t, p = _probs(rng, 3, 5), _probs(rng, 3, 5)
    np.testing.assert_allclose(
        losses.kl_divergence(t, p).numpy(), (t * np.log(t / p)).sum(-1), rtol=1e-5
    )


# -- reductions and sample weights ------------------------------------------------------
def test_reductions(rng):
    t = rng.normal(size=(4, 3)).astype(np.float32)
    p = rng.normal(size=(4, 3)).astype(np.float32)
    per = ((t - p) ** 2).mean(-1)
    w = np.array([1.0, 0.0, 2.0, 0.5], np.float32)
    mse = losses.MeanSquaredError
    np.testing.assert_allclose(mse()(t, p).numpy(), per.mean(), rtol=1e-6)
    np.testing.assert_allclose(mse(reduction="auto")(t, p).numpy(), per.mean(), rtol=1e-6)
    np.testing.assert_allclose(mse(reduction="sum")(t, p).numpy(), per.sum(), rtol=1e-6)
    np.testing.assert_allclose(mse(reduction="none")(t, p).numpy(), per, rtol=1e-6)
    np.testing.assert_allclose(mse(reduction=None)(t, p).numpy(), per, rtol=1e-6)
    # sum_over_batch_size divides by the number of losses, not by the weights' sum.
    np.testing.assert_allclose(mse()(t, p, sample_weight=w).numpy(), (per * w).sum() / 4, 1e-6)
    np.testing.assert_allclose(
        mse(reduction="mean_with_sample_weight")(t, p, sample_weight=w).numpy(),
        (per * w).sum() / w.sum(),
        rtol=1e-6,
    )
    # Keras aligns ranks by expanding the rank-1 losses to the (4, 1) weights.
    np.testing.assert_allclose(
        mse(reduction="none")(t, p, sample_weight=w[:, None]).numpy(), (per * w)[:, None], 1e-6
    )
    assert losses.MeanSquaredError(reduction="auto").reduction == "sum_over_batch_size"
    assert losses.Reduction.SUM == "sum"


def test_ignore_class_averages_over_valid_labels():
    logits = np.array([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]], np.float32)
    labels = np.array([0, -1, 1])
    per = -_np_log_softmax(logits)[[0, 2], [0, 1]]
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    np.testing.assert_allclose(loss(labels, logits).numpy(), per.mean(), rtol=1e-6)
    none = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction="none")
    np.testing.assert_allclose(none(labels, logits).numpy(), [per[0], 0.0, per[1]], rtol=1e-6)


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match="same shape"):
        losses.categorical_crossentropy([[1.0, 0.0]], [[0.5, 0.3, 0.2]])
    with pytest.raises(ValueError, match="same shape"):
        losses.binary_crossentropy([[1.0, 0.0]], [[0.5], [0.3]])
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_crossentropy([[1.0, 0.0]], [[0.5, 0.5]], axis=True)
    with pytest.raises(ValueError, match="y_true"):
        losses.sparse_categorical_crossentropy([0, 1, 1], [[0.5, 0.5], [0.2, 0.8]])
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.get("not_a_loss")


def test_get_serialize_deserialize():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert isinstance(losses.get("Huber"), losses.Huber)
    assert losses.get(None) is None
    fn = losses.get(losses.mean_absolute_error)
    assert fn is losses.mean_absolute_error
    original = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum")
    config = losses.serialize(original)
    assert config["class_name"] == "BinaryCrossentropy"
    restored = losses.get(config)
    assert isinstance(restored, losses.BinaryCrossentropy)
    assert restored.get_config() == original.get_config()
    t, p = [[1.0, 0.0]], [[0.3, -0.2]]
    np.testing.assert_allclose(restored(t, p).numpy(), original(t, p).numpy())
    assert losses.serialize(losses.kl_divergence) == "kl_divergence"


def test_custom_loss_subclass():
    class Squared(losses.Loss):
        def call(self, y_true, y_pred):
            return jt.mean(jt.square(y_pred - y_true), axis=-1)

    loss = Squared(reduction="sum")
    assert loss.name == "squared"
    got = loss([[0.0, 0.0], [1.0, 1.0]], [[1.0, 3.0], [1.0, 2.0]])
    np.testing.assert_allclose(got.numpy(), 5.0 + 0.5)


def test_integer_and_float64_inputs_become_float32():
    got = losses.MeanSquaredError()(np.array([[1, 2]]), np.array([[1.5, 2.5]], np.float64))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.numpy(), 0.25)


# -- gradients --------------------------------------------------------------------------
def _pure_scce(labels, logits):
    logp = jax.nn.log_softmax(logits, axis=-1)
    return jnp.mean(-jnp.take_along_axis(logp, labels[:, None], axis=-1)[:, 0])


def _pure_cce_probs(t, p):
    p = p / jnp.sum(p, -1, keepdims=True)
    return jnp.mean(-jnp.sum(t * jnp.log(p), -1))


def _pure_bce(z, p, w):
    return jnp.sum(-jnp.mean(z * jnp.log(p) + (1 - z) * jnp.log(1 - p), -1) * w) / z.shape[0]


def _pure_huber(t, p):
    e = jnp.abs(p - t)
    return jnp.mean(jnp.where(e <= 0.5, 0.5 * e**2, 0.5 * e - 0.125))


def _pure_cosine(t, p):
    tn = t / jnp.linalg.norm(t, axis=-1, keepdims=True)
    pn = p / jnp.linalg.norm(p, axis=-1, keepdims=True)
    return jnp.mean(-jnp.sum(tn * pn, -1))


def _pure_kld(t, p):
    return jnp.mean(jnp.sum(t * jnp.log(t / p), -1))


def test_gradients_vs_jax_and_finite_differences(rng):
    labels = rng.integers(0, 4, size=5).astype(np.int32)
    logits = rng.normal(size=(5, 4)).astype(np.float32)
    check_grads(
        lambda y, x: losses.SparseCategoricalCrossentropy(from_logits=True)(y, x),
        _pure_scce,
        [labels, logits],
    )
    onehot = np.eye(4, dtype=np.float32)[labels]
    probs = _probs(rng, 5, 4)
    check_grads(
        lambda t, p: losses.CategoricalCrossentropy()(t, p), _pure_cce_probs, [onehot, probs]
    )
    z = rng.integers(0, 2, size=(5, 3)).astype(np.float32)
    q = rng.uniform(0.1, 0.9, size=(5, 3)).astype(np.float32)
    w = rng.uniform(0.5, 2, size=5).astype(np.float32)
    check_grads(
        lambda z, q, w: losses.BinaryCrossentropy()(z, q, sample_weight=w), _pure_bce, [z, q, w]
    )
    t = rng.normal(size=(5, 3)).astype(np.float32)
    p = t + rng.normal(size=(5, 3)).astype(np.float32)
    check_grads(
        lambda t, p: losses.MeanSquaredError()(t, p),
        lambda t, p: jnp.mean(jnp.square(t - p)),
        [t, p],
    )
    check_grads(lambda t, p: losses.Huber(delta=0.5)(t, p), _pure_huber, [t, p])
    check_grads(lambda t, p: losses.CosineSimilarity()(t, p), _pure_cosine, [t, p])
    check_grads(lambda t, p: losses.KLDivergence()(t, p), _pure_kld, [probs, _probs(rng, 5, 4)])


def test_gradient_of_a_variable_under_tape_and_in_function():
    w = jt.Variable(np.array([[0.5, -0.3, 0.1], [0.2, 0.4, -0.6]], np.float32))
    x = np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 1.0]], np.float32)
    y = np.array([2, 0, 1])
    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)

    def step():
        with jt.GradientTape() as tape:
            loss = loss_fn(y, jt.matmul(x, w))
        return loss, tape.gradient(loss, w)

    loss, grad = step()
    want_loss, want_grad = jax.value_and_grad(lambda w: _pure_scce(y, x @ w))(w.numpy())
    np.testing.assert_allclose(loss.numpy(), want_loss, rtol=1e-6)
    np.testing.assert_allclose(grad.numpy(), want_grad, rtol=1e-5, atol=1e-7)
    c_loss, c_grad = jt.function(step)()
    np.testing.assert_allclose(c_loss.numpy(), want_loss, rtol=1e-6)
    np.testing.assert_allclose(c_grad.numpy(), want_grad, rtol=1e-5, atol=1e-7)


def test_docstring_examples():
    import doctest

    from jtape.nn import _losses

    for module in (_losses,):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
