"""Keras metrics: values vs Keras 3 (recorded fixture), numpy and scikit-learn, state
handling, and use inside ``jt.function``.

The fixture ``tests/fixtures/losses_metrics_keras.npz`` is written by
``tests/fixtures/record_losses_metrics.py`` with TensorFlow's Keras.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import jtape as jt
from jtape.nn import metrics

FIXTURE = np.load(
    os.path.join(os.path.dirname(__file__), "..", "fixtures", "losses_metrics_keras.npz")
)
METRIC_CASES = sorted({k.split("/")[1] for k in FIXTURE.files if k.startswith("metric/")})


def _get(key):
    return FIXTURE[key] if key in FIXTURE.files else None


def _replay(name):
    spec = json.loads(str(FIXTURE[f"metric/{name}/spec"]))
    metric = getattr(metrics, spec["class"])(**spec["kwargs"])
    batches = []
    for i in range(spec["batches"]):
        prefix = f"metric/{name}/{i}"
        batches.append(
            (_get(f"{prefix}/y_true"), FIXTURE[f"{prefix}/y_pred"], _get(f"{prefix}/sample_weight"))
        )
    return metric, batches, FIXTURE[f"metric/{name}/out"]


def _update(metric, y_true, y_pred, sw):
    if y_true is None:
        metric.update_state(y_pred, sample_weight=sw)
    else:
        metric.update_state(y_true, y_pred, sample_weight=sw)


@pytest.mark.parametrize("name", METRIC_CASES)
def test_matches_keras_fixture(name):
    metric, batches, want = _replay(name)
    for batch in batches:
        _update(metric, *batch)
    got = metric.result()
    assert isinstance(got, jt.Tensor)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


def test_fixture_covers_every_metric_class():
    classes = {json.loads(str(FIXTURE[f"metric/{n}/spec"]))["class"] for n in METRIC_CASES}
    assert classes >= {
        "Mean",
        "Sum",
        "Accuracy",
        "SparseCategoricalAccuracy",
        "CategoricalAccuracy",
        "BinaryAccuracy",
        "Precision",
        "Recall",
        "AUC",
        "MeanSquaredError",
    }


@pytest.mark.parametrize("name", ["auc_sw", "precision_sw_thresholds", "mean", "accuracy"])
def test_updates_inside_jt_function_match_keras(name):
    metric, batches, want = _replay(name)

    @jt.function
    def update(y_true, y_pred, sw):
        _update(metric, y_true, y_pred, sw)
        return metric.result()

    for batch in batches:
        got = update(*batch)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(metric.result().numpy(), want, rtol=1e-5, atol=1e-6)


# -- closed forms ------------------------------------------------------------------------
def test_mean_and_sum_weighted(rng):
    v = rng.normal(size=10).astype(np.float32)
    w = rng.uniform(0, 2, size=10).astype(np.float32)
    m = metrics.Mean()
    m.update_state(v[:6], sample_weight=w[:6])
    m.update_state(v[6:], sample_weight=w[6:])
    np.testing.assert_allclose(m.result().numpy(), (v * w).sum() / w.sum(), rtol=1e-5)
    s = metrics.Sum()
    s.update_state(v, sample_weight=w)
    np.testing.assert_allclose(s.result().numpy(), (v * w).sum(), rtol=1e-5)
    # Rank-2 values are averaged per sample first, then weighted per sample.
    m2 = metrics.Mean()
    x = rng.normal(size=(4, 3)).astype(np.float32)
    m2.update_state(x, sample_weight=w[:4])
    np.testing.assert_allclose(
        m2.result().numpy(), (x.mean(-1) * w[:4]).sum() / w[:4].sum(), rtol=1e-5
    )


def test_accuracy_functions_vs_numpy(rng):
    probs = rng.uniform(size=(8, 5)).astype(np.float32)
    labels = rng.integers(0, 5, size=8)
    want = (probs.argmax(-1) == labels).astype(np.float32)
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(labels, probs), want)
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(labels[:, None], probs), want)
    np.testing.assert_array_equal(
        metrics.categorical_accuracy(np.eye(5)[labels], probs).numpy(), want
    )
    scores = rng.uniform(size=(8, 1)).astype(np.float32)
    truth = rng.integers(0, 2, size=(8, 1)).astype(np.float32)
    np.testing.assert_array_equal(
        metrics.binary_accuracy(truth, scores, threshold=0.3).numpy(),
        ((scores > 0.3) == truth).astype(np.float32),
    )
    np.testing.assert_array_equal(
        metrics.accuracy([1, 2, 3], [1, 0, 3]).numpy(), np.array([1, 0, 1], np.float32)
    )


def test_precision_recall_vs_numpy_counts(rng):
    truth = rng.integers(0, 2, size=50).astype(np.float32)
    scores = rng.uniform(size=50).astype(np.float32)
    w = rng.uniform(0, 2, size=50).astype(np.float32)
    pos = scores > 0.5
    tp = (w * (pos & (truth == 1))).sum()
    fp = (w * (pos & (truth == 0))).sum()
    fn = (w * (~pos & (truth == 1))).sum()
    p, r = metrics.Precision(), metrics.Recall()
    p.update_state(truth, scores, sample_weight=w)
    r.update_state(truth, scores, sample_weight=w)
    np.testing.assert_allclose(p.result().numpy(), tp / (tp + fp), rtol=1e-5)
    np.testing.assert_allclose(r.result().numpy(), tp / (tp + fn), rtol=1e-5)
    np.testing.assert_allclose(p.true_positives.numpy(), [tp], rtol=1e-5)
    # Several thresholds give one value per threshold.
    p3 = metrics.Precision(thresholds=[0.2, 0.5, 0.7])
    p3.update_state(truth, scores)
    want = [
        ((scores > t) & (truth == 1)).sum() / max((scores > t).sum(), 1) for t in (0.2, 0.5, 0.7)
    ]
    np.testing.assert_allclose(p3.result().numpy(), want, rtol=1e-5)


def test_auc_close_to_sklearn_and_exact_for_separable_data(rng):
    from sklearn.metrics import roc_auc_score

    truth = rng.integers(0, 2, size=400)
    scores = np.clip(truth * 0.3 + rng.uniform(size=400) * 0.7, 0, 1).astype(np.float32)
    m = metrics.AUC(num_thresholds=1000)
    m.update_state(truth, scores)
    np.testing.assert_allclose(m.result().numpy(), roc_auc_score(truth, scores), atol=2e-3)
    sep = metrics.AUC()
    sep.update_state([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    np.testing.assert_allclose(sep.result().numpy(), 1.0)
    assert len(metrics.AUC().thresholds) == 200


def test_auc_counts_are_cumulative_threshold_counts(rng):
    truth = rng.integers(0, 2, size=30).astype(np.float32)
    scores = rng.uniform(size=30).astype(np.float32)
    m = metrics.AUC(num_thresholds=7)
    m.update_state(truth, scores)
    th = np.array(m.thresholds, np.float32)
    want_tp = [((scores > t) & (truth == 1)).sum() for t in th]
    want_fn = [((scores <= t) & (truth == 1)).sum() for t in th]
    np.testing.assert_allclose(m.true_positives.numpy(), want_tp)
    np.testing.assert_allclose(m.false_negatives.numpy(), want_fn)


# -- state -------------------------------------------------------------------------------
def test_state_variables_reset_and_call():
    m = metrics.SparseCategoricalAccuracy()
    assert m.name == "sparse_categorical_accuracy"
    assert len(m.variables) == 2 and not any(v.trainable for v in m.variables)
    assert m.trainable_variables == []
    got = m([1, 0], [[0.2, 0.8], [0.1, 0.9]])
    np.testing.assert_allclose(got.numpy(), 0.5)
    m.reset_state()
    assert [float(v.numpy()) for v in m.variables] == [0.0, 0.0]
    np.testing.assert_allclose(m.result().numpy(), 0.0)  # divide_no_nan on empty state
    m.update_state([1], [[0.2, 0.8]])
    m.reset_states()  # Keras 2 name
    np.testing.assert_allclose(m.result().numpy(), 0.0)
    auc = metrics.AUC(num_thresholds=5)
    auc.update_state([0, 1], [0.3, 0.6])
    auc.reset_state()
    assert all(not v.numpy().any() for v in auc.variables)


def test_compiled_training_step_updates_metric_once_per_call():
    acc = metrics.SparseCategoricalAccuracy()
    mean = metrics.Mean()

    @jt.function
    def step(y, logits):
        acc.update_state(y, logits)
        mean.update_state(jt.sum(logits))

    y = np.array([0, 1])
    logits = np.array([[2.0, 1.0], [3.0, 0.0]], np.float32)
    for _ in range(3):
        step(y, logits)
    np.testing.assert_allclose(acc.result().numpy(), 0.5)
    np.testing.assert_allclose(acc.count.numpy(), 6.0)
    np.testing.assert_allclose(mean.result().numpy(), 6.0)


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="summation"):
        metrics.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="Unknown metric"):
        metrics.get("not_a_metric")


def test_get_and_serialize():
    assert metrics.get("sparse_categorical_accuracy") is metrics.sparse_categorical_accuracy
    assert metrics.get("accuracy") is metrics.accuracy
    assert isinstance(metrics.get("Accuracy"), metrics.Accuracy)
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert metrics.get(None) is None
    original = metrics.AUC(num_thresholds=50, curve="PR")
    restored = metrics.get(metrics.serialize(original))
    assert isinstance(restored, metrics.AUC)
    assert restored.get_config() == original.get_config()
    b = metrics.get(metrics.serialize(metrics.BinaryAccuracy(threshold=0.3)))
    assert b.threshold == 0.3


def test_docstring_examples():
    import doctest

    from jtape.nn import _metrics

    for module in (_metrics,):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
