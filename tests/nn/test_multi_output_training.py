"""Keras 3's rules for models with several outputs in compile/fit/evaluate.

Every figure is derived by hand and was checked against TF 2.21 with Keras 3.15: two
``Dense(1)`` heads ``a`` and ``b`` with a ones kernel on ``ones((2, 2))`` output 2; the
targets are 0 for ``a`` and 1 for ``b``, so ``mse`` is 4 on ``a`` and 1 on ``b``, ``mae``
2 and 1.
"""

from __future__ import annotations

import numpy as np
import pytest

import jtape.compat as tf

keras = tf.keras
X = np.ones((2, 2), np.float32)
Y = [np.zeros((2, 1), np.float32), np.ones((2, 1), np.float32)]


def _model(dict_outputs: bool = False):
    inp = keras.Input((2,))
    a = keras.layers.Dense(1, kernel_initializer="ones", name="a")(inp)
    b = keras.layers.Dense(1, kernel_initializer="ones", name="b")(inp)
    return keras.Model(inp, {"x": a, "y": b} if dict_outputs else [a, b])


def _compile(model, **kwargs):
    model.compile(optimizer=keras.optimizers.SGD(0.0), **kwargs)
    return model


def test_one_loss_applies_to_every_output_and_each_is_logged():
    model = _compile(_model(), loss="mse")
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    assert logs == pytest.approx({"loss": 5.0, "a_loss": 4.0, "b_loss": 1.0})
    assert model.output_names == ["a", "b"]


def test_loss_list_with_weights_logs_unweighted_output_losses():
    model = _compile(_model(), loss=["mse", "mae"], loss_weights=[1.0, 0.5])
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    assert logs == pytest.approx({"loss": 4.5, "a_loss": 4.0, "b_loss": 1.0})
    history = model.fit(X, Y, epochs=2, verbose=0)
    assert history.history["a_loss"] == pytest.approx([4.0, 4.0])
    assert history.history["b_loss"] == pytest.approx([1.0, 1.0])


def test_metrics_per_output_as_nested_lists():
    model = _compile(_model(), loss=["mse", "mae"], metrics=[["mae"], ["mse", "mae"]])
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    want = {"loss": 5.0, "a_loss": 4.0, "b_loss": 1.0, "a_mae": 2.0, "b_mse": 1.0, "b_mae": 1.0}
    assert logs == pytest.approx(want)
    # Without return_dict: the loss, the output losses, then the metrics (Keras' order).
    model = _compile(_model(), loss=["mse", "mae"], metrics=[["mae"], []])
    assert model.evaluate(X, Y, verbose=0) == pytest.approx([5.0, 4.0, 1.0, 2.0])


def test_dict_outputs_with_dict_losses_and_metrics_and_a_file_round_trip(tmp_path):
    y = dict(zip("xy", Y))
    model = _compile(
        _model(dict_outputs=True),
        loss={"x": "mse", "y": "mae"},
        metrics={"x": "mae", "y": ["mse"]},
    )
    want = {"loss": 5.0, "x_loss": 4.0, "y_loss": 1.0, "x_mae": 2.0, "y_mse": 1.0}
    assert model.evaluate(X, y, verbose=0, return_dict=True) == pytest.approx(want)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.evaluate(X, y, verbose=0, return_dict=True) == pytest.approx(want)


def test_a_flat_metric_list_for_several_outputs_is_refused():
    # Keras 3 refuses it too (a structure mismatch); say what is expected instead.
    model = _compile(_model(), loss="mse", metrics=["mae"])
    with pytest.raises(ValueError, match="list of 2 lists"):
        model.evaluate(X, Y, verbose=0)
    model = _compile(_model(dict_outputs=True), loss="mse", metrics={"z": "mae"})
    with pytest.raises(ValueError, match=r"outputs \['z'\] the model does not have"):
        model.evaluate(X, dict(zip("xy", Y)), verbose=0)
    with pytest.raises(ValueError, match="`loss` has 3 entries but the model has 2 outputs"):
        _compile(_model(), loss=["mse"] * 3).evaluate(X, Y, verbose=0)


def test_single_output_models_keep_their_logs():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
    _compile(model, loss=["mse"], metrics=["mae"])
    assert model.evaluate(X, Y[0], verbose=0, return_dict=True) == pytest.approx(
        {"loss": 4.0, "mae": 2.0}
    )
