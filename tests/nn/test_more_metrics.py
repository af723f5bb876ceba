"""Loss-wrapper, confusion-count, rate-at-constraint, F-score, R2 and IoU metrics against
Keras 3.15 / TF 2.21 (fixture written by ``tests/nn/fixtures/record_more_metrics.py``),
plus errors, name lookup and use through ``model.compile``/``fit``/``evaluate``."""

import json
import pathlib
import re

import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape import nn
from jtape.nn import metrics

FIXTURE = np.load(pathlib.Path(__file__).parent / "fixtures" / "more_metrics.npz")
SPECS = json.loads(str(FIXTURE["__specs__"]))


def _replay(name):
    spec = SPECS[name]
    m = getattr(metrics, spec["cls"])(**spec["kwargs"])
    results = []
    for i in range(spec["calls"]):
        if spec["reset_before_last"] and i == spec["calls"] - 1:
            m.reset_state()
        w = FIXTURE[f"{name}/w{i}"] if spec["weighted"][i] else None
        m.update_state(FIXTURE[f"{name}/t{i}"], FIXTURE[f"{name}/p{i}"], sample_weight=w)
        results.append(np.asarray(m.result()))
    return m, results


@pytest.mark.filterwarnings("ignore:You are passing weight as `float`")  # Keras warns too
@pytest.mark.parametrize("name", sorted(SPECS))
def test_matches_keras(name):
    m, results = _replay(name)
    for i, got in enumerate(results):
        want = FIXTURE[f"{name}/r{i}"]
        assert got.shape == want.shape, (i, got, want)
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6, err_msg=f"call {i}")
    config = m.get_config()
    want_config = dict(SPECS[name]["config"])
    if "name" not in SPECS[name]["kwargs"]:
        # Keras numbers repeated default names (``true_positives_2``); jtape does not.
        want_config["name"] = re.sub(r"_\d+$", "", want_config["name"])
    assert config == want_config
    rebuilt = type(m).from_config(config)
    assert rebuilt.name == m.name


@pytest.mark.filterwarnings("ignore:.*retracing")
@pytest.mark.parametrize(
    "name",
    [
        "RootMeanSquaredError",
        "CosineSimilarity",
        "TruePositives_uneven",
        "SensitivityAtSpecificity_class_id",
        "F1_macro_None",
        "R2_adjusted_1",
        "MeanIoU_ignore",
        "BinaryIoU",
    ],
)
def test_updates_inside_jt_function_match_keras(name):
    spec = SPECS[name]
    m = getattr(metrics, spec["cls"])(**spec["kwargs"])

    @jt.function
    def step(y_true, y_pred, sample_weight):
        m.update_state(y_true, y_pred, sample_weight=sample_weight)
        return m.result()

    for i in range(spec["calls"]):
        w = FIXTURE[f"{name}/w{i}"] if spec["weighted"][i] else None
        got = step(FIXTURE[f"{name}/t{i}"], FIXTURE[f"{name}/p{i}"], w)
        want = FIXTURE[f"{name}/r{i}"]
        np.testing.assert_allclose(np.asarray(got), want, rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(np.asarray(m.result()), want, rtol=2e-5, atol=2e-6)


def test_warnings_as_keras():
    r2 = metrics.R2Score(num_regressors=3)
    r2.update_state([[1.0], [2.0], [4.0]], [[1.0], [2.5], [3.0]])
    with pytest.warns(UserWarning, match="More independent predictors"):
        r2.result()
    r2 = metrics.R2Score(num_regressors=2)
    r2.update_state([[1.0], [2.0], [4.0]], [[1.0], [2.5], [3.0]])
    with pytest.warns(UserWarning, match="Division by zero"):
        r2.result()
    with pytest.warns(UserWarning, match="weight as `float`"):
        metrics.MeanIoU(2).update_state([0, 1], [0, 1], sample_weight=[0.5, 1.0])


def test_state_is_variables_and_resets():
    m = metrics.SensitivityAtSpecificity(0.5, num_thresholds=5)
    assert [v.name.split(":")[0].split("/")[-1] for v in m.variables] == [
        "true_positives",
        "false_positives",
        "true_negatives",
        "false_negatives",
    ]
    m.update_state([0, 1, 1], [0.2, 0.6, 0.9])
    assert float(np.sum(m.true_positives.numpy())) > 0
    m.reset_state()
    assert all(float(np.abs(v.numpy()).sum()) == 0 for v in m.variables)
    iou = metrics.MeanIoU(2)
    assert iou.total_cm.dtype == jt.int64 and iou.variables == [iou.total_cm]


def test_iou_axis_one_is_argmax_along_that_axis():
    # Keras' result fails for axis=1 (it sums the per-class IoUs along ``axis``); jtape
    # takes the argmax along axis 1 and gives the value of the transposed input.
    t = np.eye(3, dtype=np.float32)[[[0, 1, 2, 2], [1, 1, 0, 2]]]  # (2, 4, 3)
    p = np.eye(3, dtype=np.float32)[[[0, 2, 2, 2], [1, 0, 0, 1]]] * 0.9 + 0.03
    last = metrics.MeanIoU(3, sparse_y_true=False, sparse_y_pred=False)
    last.update_state(t, p)
    mid = metrics.MeanIoU(3, sparse_y_true=False, sparse_y_pred=False, axis=1)
    mid.update_state(t.transpose(0, 2, 1), p.transpose(0, 2, 1))
    # (true, pred) pairs: (0,0) (1,2) (2,2) (2,2) (1,1) (1,0) (0,0) (2,1). Class 0: tp=2,
    # fp=1, fn=0 -> 2/3; class 1: tp=1, fp=1, fn=2 -> 1/4; class 2: tp=2, fp=1, fn=1 -> 2/4.
    want = (2 / 3 + 1 / 4 + 2 / 4) / 3
    assert float(last.result()) == pytest.approx(want, rel=1e-6)
    assert float(mid.result()) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: metrics.SensitivityAtSpecificity(1.5), "specificity"),
        (lambda: metrics.RecallAtPrecision(0.5, num_thresholds=0), "num_thresholds"),
        (lambda: metrics.FBetaScore(beta=2), "beta"),
        (lambda: metrics.F1Score(average="mean"), "average"),
        (lambda: metrics.F1Score(threshold=1.5), "threshold"),
        (lambda: metrics.R2Score(class_aggregation="sum"), "class_aggregation"),
        (lambda: metrics.R2Score(num_regressors=-1), "num_regressors"),
        (lambda: metrics.IoU(3, [0, 3]), "out of range"),
        (lambda: metrics.TruePositives(thresholds=[0.5, 1.2]), "Threshold"),
    ],
)
def test_constructor_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_rank_errors():
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.F1Score().update_state([1.0, 0.0], [0.3, 0.7])
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.R2Score().update_state([1.0, 0.0], [0.3, 0.7])
    with pytest.raises(ValueError, match="class_id"):
        metrics.PrecisionAtRecall(0.5, class_id=0).update_state([1.0, 0.0], [0.3, 0.7])


def test_names_resolve_as_keras():
    for name, cls in [
        ("mape", metrics.MeanAbsolutePercentageError),
        ("MSLE", metrics.MeanSquaredLogarithmicError),
        ("root_mean_squared_error", metrics.RootMeanSquaredError),
        ("kl_divergence", metrics.KLDivergence),
        ("hinge", metrics.Hinge),
        ("log_cosh_error", metrics.LogCoshError),
        ("true_positives", metrics.TruePositives),
        ("f1_score", metrics.F1Score),
        ("r2_score", metrics.R2Score),
        ("BinaryIoU", metrics.BinaryIoU),
        ("binary_io_u", metrics.BinaryIoU),
    ]:
        assert type(metrics.get(name)) is cls, name
    assert tf.keras.metrics.CategoricalHinge is metrics.CategoricalHinge
    assert metrics.LogCoshError().name == "logcosh"
    assert metrics.MeanIoU(2).name == "mean_io_u"
    restored = metrics.deserialize(metrics.serialize(metrics.FBetaScore(beta=0.5)))
    assert isinstance(restored, metrics.FBetaScore) and restored.beta == 0.5


def test_compile_fit_evaluate_report_direct_values():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 32)]
    model = nn.Sequential([nn.Input((4,)), nn.Dense(3, activation="softmax")])
    model.compile(
        optimizer="sgd",
        loss="categorical_crossentropy",
        metrics=[
            "mape",
            "categorical_hinge",
            metrics.F1Score(average="macro"),
            metrics.R2Score(),
            metrics.PrecisionAtRecall(0.5, class_id=1),
            metrics.OneHotMeanIoU(3),
            metrics.TruePositives(thresholds=[0.3, 0.6]),
        ],
    )
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["f1_score"]))
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    p = np.asarray(model.predict(x, batch_size=32, verbose=0))
    direct = {
        "mape": metrics.MeanAbsolutePercentageError(),
        "categorical_hinge": metrics.CategoricalHinge(),
        "f1_score": metrics.F1Score(average="macro"),
        "r2_score": metrics.R2Score(),
        "precision_at_recall": metrics.PrecisionAtRecall(0.5, class_id=1),
        "one_hot_mean_io_u": metrics.OneHotMeanIoU(3),
        "true_positives": metrics.TruePositives(thresholds=[0.3, 0.6]),
    }
    for key, m in direct.items():
        for i in range(0, 32, 8):
            m.update_state(y[i : i + 8], p[i : i + 8])
        np.testing.assert_allclose(
            np.asarray(logs[key]), np.asarray(m.result()), rtol=1e-4, atol=1e-5, err_msg=key
        )
