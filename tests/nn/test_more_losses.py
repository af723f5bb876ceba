"""CategoricalHinge, BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice, Tversky
and the top-k accuracy metrics against Keras 3.15 / TF 2.21 (values in
``fixtures/more_losses.npz``, recorded by ``fixtures/record_more_losses.py``), gradients
against jax.grad of the same formulas and finite differences."""

from __future__ import annotations

import itertools
import json
import pathlib
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
import jtape.compat as tf
from jtape import nn

K = tf.keras.losses
M = tf.keras.metrics
FIXTURE = np.load(pathlib.Path(__file__).parent / "fixtures" / "more_losses.npz")
SPECS = json.loads(str(FIXTURE["__specs__"]))
CONFIGS = SPECS.pop("__configs__")


def fx(key):
    return FIXTURE[key]


def _cases(*kinds):
    return [c for c, s in SPECS.items() if s["kind"] in kinds]


def _kwargs(spec):
    # JSON turned tuples (axis) into lists; Keras was given tuples.
    return {k: tuple(v) if k == "axis" and isinstance(v, list) else v for k, v in spec.items()}


# -- values -----------------------------------------------------------------------------
@pytest.mark.parametrize("case", _cases("fn", "class"))
def test_loss_values_as_keras(case):
    spec = SPECS[case]
    t, p = fx(f"{case}/t"), fx(f"{case}/p")
    w = fx(f"{case}/w") if f"{case}/w" in FIXTURE else None
    kwargs = _kwargs(spec["kwargs"])
    y_pred = tf.keras.activations.sigmoid(tf.constant(p)) if spec["sigmoid_pred"] else p
    if spec["kind"] == "fn":
        out = getattr(K, spec["name"])(t, y_pred, **kwargs)
    else:
        loss = getattr(K, spec["name"])(**kwargs)
        out = loss(t, y_pred, sample_weight=w)
        assert loss.get_config() == _kwargs(CONFIGS[case])
    want = fx(f"{case}/out")
    assert out.shape == want.shape
    # Known difference: with no possible alignment TF's value comes from its log(1e-307)
    # floor summed in its own order; jtape's is as large but not digit for digit.
    rtol = 1e-2 if case == "ctc_infeasible" else 2e-5
    np.testing.assert_allclose(out.numpy(), want, rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("case", _cases("metric_fn"))
def test_top_k_functions_as_keras(case):
    spec = SPECS[case]
    out = getattr(M, spec["name"])(fx(f"{case}/t"), fx(f"{case}/p"), **spec["kwargs"])
    want = fx(f"{case}/out")
    assert out.shape == want.shape and out.dtype == tf.float32
    np.testing.assert_array_equal(out.numpy(), want)


@pytest.mark.parametrize("case", _cases("metric_seq"))
def test_top_k_metric_updates_as_keras(case):
    spec = SPECS[case]
    metric = getattr(M, spec["name"])(**spec["kwargs"])
    got = []
    for i in range(spec["n"]):
        w = fx(f"{case}/w{i}") if f"{case}/w{i}" in FIXTURE else None
        metric.update_state(fx(f"{case}/t{i}"), fx(f"{case}/p{i}"), sample_weight=w)
        got.append(float(metric.result()))
    np.testing.assert_allclose(got, fx(f"{case}/out"), rtol=1e-6)
    config = metric.get_config()
    assert config.pop("dtype") == "float32" and config == spec["config"]
    metric.reset_state()
    assert float(metric.result()) == 0.0
    clone = type(metric).from_config(metric.get_config())
    assert clone.k == metric.k and clone.name == metric.name


def test_top_k_ties_count_as_in_the_top_k():
    # Three classes share the top score: with k=1 each of them counts (TF's in_top_k).
    y_pred = [[0.2, 0.5, 0.5, 0.5]]
    got = [float(M.sparse_top_k_categorical_accuracy([c], y_pred, k=1)[0]) for c in range(4)]
    assert got == [0.0, 1.0, 1.0, 1.0]
    # An out-of-range label or a NaN anywhere in the row never counts.
    assert float(M.sparse_top_k_categorical_accuracy([4], y_pred, k=5)[0]) == 0.0
    assert float(M.sparse_top_k_categorical_accuracy([1], [[np.nan, 0.5, 0.1]], k=3)[0]) == 0.0


@pytest.mark.parametrize("case", _cases("fit"))
def test_compile_fit_as_keras(case):
    if case == "fit_onehot":
        loss = K.CategoricalFocalCrossentropy(gamma=1.0)
        metrics = ["top_k_categorical_accuracy", M.TopKCategoricalAccuracy(k=2, name="top2")]
    elif case == "fit_sparse":
        loss = "sparse_categorical_crossentropy"
        metrics = ["sparse_top_k_categorical_accuracy", M.SparseTopKCategoricalAccuracy(1, "top1")]
    else:
        loss, metrics = K.Dice(axis=1), []
    model = nn.Sequential([nn.Input((4,)), nn.Dense(8, activation="softmax")])
    model.set_weights([fx(f"{case}/kernel"), np.zeros((8,), np.float32)])
    model.compile(optimizer=jt.optimizers.SGD(0.5), loss=loss, metrics=metrics)
    hist = model.fit(
        fx(f"{case}/x"), fx(f"{case}/y"), batch_size=4, epochs=2, shuffle=False, verbose=0
    )
    assert sorted(hist.history) == SPECS[case]["keys"]
    for key in SPECS[case]["keys"]:
        np.testing.assert_allclose(hist.history[key], fx(f"{case}/history/{key}"), rtol=1e-5)
    np.testing.assert_allclose(
        model.get_weights()[0], fx(f"{case}/kernel_after"), rtol=1e-5, atol=1e-6
    )


# -- names ------------------------------------------------------------------------------
def test_names_resolve_as_in_keras():
    for name in (
        "categorical_hinge",
        "binary_focal_crossentropy",
        "categorical_focal_crossentropy",
        "dice",
        "tversky",
    ):
        assert K.get(name) is getattr(K, name)
        assert K.serialize(getattr(K, name)) == name
    for cls in ("CategoricalHinge", "BinaryFocalCrossentropy", "Dice", "Tversky"):
        assert type(K.get(cls)) is getattr(K, cls)
    loss = K.deserialize(K.serialize(K.BinaryFocalCrossentropy(alpha=0.4, from_logits=True)))
    assert type(loss) is K.BinaryFocalCrossentropy and loss.alpha == 0.4 and loss.from_logits
    assert M.get("top_k_categorical_accuracy") is M.top_k_categorical_accuracy
    assert M.get("sparse_top_k_categorical_accuracy") is M.sparse_top_k_categorical_accuracy
    assert type(M.get("TopKCategoricalAccuracy")) is M.TopKCategoricalAccuracy
    metric = M.deserialize(M.serialize(M.SparseTopKCategoricalAccuracy(k=3)))
    assert type(metric) is M.SparseTopKCategoricalAccuracy and metric.k == 3


def test_single_class_focal_warns_and_bool_axis_raises():
    with pytest.warns(SyntaxWarning, match="categorical_focal_crossentropy"):
        K.categorical_focal_crossentropy([[1.0]], [[0.5]])
    with pytest.raises(ValueError, match="axis"):
        K.categorical_focal_crossentropy([[1.0, 0.0]], [[0.5, 0.5]], axis=True)


# -- gradients --------------------------------------------------------------------------
EPS = 1e-7


def _bfce(t, p, balance=False, alpha=0.25, gamma=2.0):
    pc = jnp.clip(p, EPS, 1 - EPS)
    bce = -(t * jnp.log(pc) + (1 - t) * jnp.log(1 - pc))
    p_t = t * p + (1 - t) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if balance:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return jnp.mean(out, axis=-1)


def _bfce_logits(t, z, gamma=2.0):
    # Keras on TF: the crossentropy from the logits, the focal factor from sigmoid(z).
    p = jax.nn.sigmoid(z)
    bce = jnp.logaddexp(0.0, z) - t * z
    return jnp.mean((1 - (t * p + (1 - t) * (1 - p))) ** gamma * bce, axis=-1)


def _cfce(t, p, alpha=0.25, gamma=2.0, from_logits=False):
    if from_logits:
        p = jax.nn.softmax(p, axis=-1)
    out = jnp.clip(p / jnp.sum(p, -1, keepdims=True), EPS, 1 - EPS)
    return jnp.sum(alpha * (1 - out) ** gamma * -t * jnp.log(out), axis=-1)


def _dice(t, p, axis=None):
    return 1 - 2 * jnp.sum(t * p, axis) / (jnp.sum(t, axis) + jnp.sum(p, axis) + EPS)


def _tversky(t, p, a=0.5, b=0.5, axis=None):
    tp = jnp.sum(t * p, axis)
    return 1 - tp / (tp + a * jnp.sum((1 - p) * t, axis) + b * jnp.sum(p * (1 - t), axis) + EPS)


def _cat_hinge(t, p):
    return jnp.maximum(jnp.max((1 - t) * p, -1) - jnp.sum(t * p, -1) + 1, 0)


GRADS = {
    "categorical_hinge": (lambda t, p: K.categorical_hinge(t, p), _cat_hinge, "onehot"),
    "bfce": (lambda t, p: K.binary_focal_crossentropy(t, p), _bfce, "probs"),
    "bfce_balanced": (
        lambda t, p: K.binary_focal_crossentropy(t, p, True, 0.3, 1.5),
        lambda t, p: _bfce(t, p, True, 0.3, 1.5),
        "probs",
    ),
    "bfce_logits": (
        lambda t, p: K.binary_focal_crossentropy(t, p, from_logits=True),
        _bfce_logits,
        "logits",
    ),
    "bfce_sigmoid_output": (
        lambda t, z: K.binary_focal_crossentropy(t, tf.keras.activations.sigmoid(z)),
        _bfce_logits,
        "logits",
    ),
    "cfce": (lambda t, p: K.categorical_focal_crossentropy(t, p), _cfce, "probs"),
    "cfce_logits": (
        lambda t, p: K.categorical_focal_crossentropy(
            t, p, alpha=[0.2, 0.3, 0.5, 0.1], gamma=1.5, from_logits=True
        ),
        lambda t, p: _cfce(t, p, jnp.array([0.2, 0.3, 0.5, 0.1], jnp.float32), 1.5, True),
        "logits",
    ),
    "dice": (lambda t, p: K.dice(t, p), _dice, "probs"),
    "dice_axis": (lambda t, p: K.dice(t, p, axis=1), lambda t, p: _dice(t, p, 1), "probs"),
    "tversky": (
        lambda t, p: K.tversky(t, p, 0.7, 0.3, axis=-1),
        lambda t, p: _tversky(t, p, 0.7, 0.3, -1),
        "probs",
    ),
}


@pytest.mark.parametrize("name", list(GRADS))
def test_gradients_against_jax_and_finite_differences(name, rng):
    f_jtape, f_pure, pred_kind = GRADS[name]
    if pred_kind == "onehot":
        t = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 3)]
    else:
        t = (rng.random((3, 4)) < 0.5).astype(np.float32)
    if pred_kind == "logits":
        p = rng.normal(0.0, 1.5, (3, 4)).astype(np.float32)
    else:
        p = rng.uniform(0.1, 0.9, (3, 4)).astype(np.float32)
    check_grads(f_jtape, f_pure, [t, p])


def test_class_gradient_with_sample_weight_and_reduction(rng):
    t = (rng.random((3, 4)) < 0.5).astype(np.float32)
    p = rng.uniform(0.1, 0.9, (3, 4)).astype(np.float32)
    w = np.array([0.5, 2.0, 1.0], np.float32)
    loss = K.BinaryFocalCrossentropy(apply_class_balancing=True, label_smoothing=0.1)

    def pure(p):
        ts = t * 0.9 + 0.05
        return jnp.sum(_bfce(ts, p, True) * w) / 3

    check_grads(lambda p: loss(t, p, sample_weight=w), pure, [p])


def test_tape_gradient_of_a_model_loss():
    # Through GradientTape: the tape's gradient equals jax.grad of the pure loss.
    x = np.array([[0.5, -1.0], [1.5, 0.2]], np.float32)
    y = np.array([[0, 1, 0], [1, 0, 0]], np.float32)
    kernel = tf.Variable(np.array([[0.1, -0.2, 0.3], [0.4, 0.0, -0.1]], np.float32))
    loss = K.CategoricalFocalCrossentropy(from_logits=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tf.GradientTape() as tape:
            value = loss(y, tf.matmul(x, kernel))
    got = tape.gradient(value, kernel).numpy()
    want = jax.grad(lambda k: jnp.mean(_cfce(y, x @ k, from_logits=True)))(kernel.numpy())
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_docstring_examples():
    import doctest

    from jtape.nn import _ctc_loss, _more_losses, _top_k_metrics

    for module in (_more_losses, _top_k_metrics, _ctc_loss):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__


# -- CTC ----------------------------------------------------------------------------------
def test_ctc_gradient_as_tf():
    logits = tf.constant(fx("ctc_grad/p"))
    with tf.GradientTape() as tape:
        tape.watch(logits)
        value = K.CTC()(fx("ctc_grad/t"), logits)
    np.testing.assert_allclose(
        tape.gradient(value, logits).numpy(), fx("ctc_grad/out"), rtol=1e-4, atol=1e-6
    )


def _ctc_brute_force(labels, logits):
    """-log of the summed probability of every path that collapses to the labels."""
    log_p = jax.nn.log_softmax(logits, axis=-1)
    steps, classes = logits.shape[1], logits.shape[2]
    paths = np.array(list(itertools.product(range(classes), repeat=steps)))
    collapsed = [
        [c for i, c in enumerate(path) if c != 0 and (i == 0 or c != path[i - 1])]
        for path in paths.tolist()
    ]
    out = []
    for row, target in enumerate(labels):
        target = [int(c) for c in target if c != 0]
        keep = paths[[c == target for c in collapsed]]
        path_log_p = jnp.sum(log_p[row][np.arange(steps), keep], axis=-1)
        out.append(-jax.scipy.special.logsumexp(path_log_p))
    return jnp.stack(out)


def test_ctc_against_all_alignments(rng):
    labels = np.array([[1, 2, 0], [2, 2, 0], [0, 0, 0]], np.int32)
    logits = rng.normal(0.0, 1.0, (3, 4, 3)).astype(np.float32)
    check_grads(lambda z: K.ctc(labels, z), lambda z: _ctc_brute_force(labels, z), [logits])


def test_ctc_shape_errors_and_names():
    with pytest.raises(ValueError, match="y_true"):
        K.ctc([1, 2], np.zeros((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match="y_pred"):
        K.ctc([[1, 2]], np.zeros((2, 3), np.float32))
    # Labels after padding (TF takes the 0 as a label, with a gradient that is not the
    # loss's derivative) and labels out of range are refused.
    with pytest.raises(ValueError, match=r"row 1 is \[1, 0, 2\]"):
        K.ctc([[1, 2, 0], [1, 0, 2]], np.zeros((2, 4, 3), np.float32))
    with pytest.raises(ValueError, match=r"labels in \[0, 3\)"):
        K.CTC()([[1, 3]], np.zeros((1, 4, 3), np.float32))
    assert K.get("ctc") is K.ctc and type(K.get("CTC")) is K.CTC
    assert K.CTC().get_config() == {"name": "ctc", "reduction": "sum_over_batch_size"}
