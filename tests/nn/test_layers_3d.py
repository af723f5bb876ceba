"""The 3-D convolution, pooling and resampling layers and Conv1DTranspose against Keras 3.15.

Values, gradients (of ``sum(y * c)`` with respect to the input and every weight), weight
names and shapes, default names and serialized configs are recorded from Keras 3.15 on
TF 2.21 by ``tests/nn/fixtures/record_layers_3d.py`` (cases in ``layers_3d_cases.py``),
as is a Keras-saved ``.keras`` model that jtape loads, saves and loads again.
"""

from __future__ import annotations

import inspect
import json
import os
import sys

import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape import nn

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
sys.path.insert(0, HERE)
from layers_3d_cases import cases  # noqa: E402

L = tf.keras.layers
CASES = cases(L)
FIXTURE = np.load(os.path.join(HERE, "layers_3d.npz"))
with open(os.path.join(HERE, "layers_3d.json")) as _f:
    CONFIGS = json.load(_f)
SIGNATURES = CONFIGS.pop("__signatures__")
TOL = {"rtol": 2e-5, "atol": 2e-5}


def _built(name):
    layer = CASES[name][0]()
    x = FIXTURE[f"{name}/x"]
    layer(x)
    ws = [FIXTURE[f"{name}/w{i}"] for i in range(len(layer.weights))]
    if ws:
        layer.set_weights(ws)
    return layer, x


def test_cases_mirror_the_recorded_table():
    assert {k.split("/")[0] for k in FIXTURE.files} == set(CASES) | {"model"}
    assert set(CONFIGS) == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_keras(name):
    layer, x = _built(name)
    xt = jt.constant(x)
    with jt.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        loss = jt.sum(y * jt.constant(FIXTURE[f"{name}/c"]))
    assert y.shape == FIXTURE[f"{name}/y"].shape
    np.testing.assert_allclose(y.numpy(), FIXTURE[f"{name}/y"], **TOL)
    grads = tape.gradient(loss, [xt, *layer.weights])
    np.testing.assert_allclose(grads[0].numpy(), FIXTURE[f"{name}/dx"], **TOL)
    for i, g in enumerate(grads[1:]):
        np.testing.assert_allclose(g.numpy(), FIXTURE[f"{name}/dw{i}"], **TOL)


@pytest.mark.parametrize("name", sorted(CASES))
def test_weights_names_and_configs_match_keras(name):
    want = CONFIGS[name]
    layer, _ = _built(name)
    assert [[w.name.split("/")[-1].split(":")[0], list(w.shape)] for w in layer.weights] == (
        want["weights"]
    )
    assert CASES[name][0]().name.rsplit("_", 1)[0] in (want["default_name"], layer.name)
    got = json.loads(json.dumps(tf.keras.saving.serialize_keras_object(layer)))
    keras_config = dict(want["serialized"]["config"])
    got_config = dict(got["config"])
    keras_config.pop("name"), got_config.pop("name")
    assert got["class_name"] == want["serialized"]["class_name"]
    assert got["module"] == want["serialized"]["module"]
    assert got_config == keras_config
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_constructor_arguments_order_and_defaults_match_keras(name):
    params = inspect.signature(getattr(nn, name).__init__).parameters.values()
    got = [
        [p.name, None if p.default is p.empty else repr(p.default)]
        for p in params
        if p.name != "self" and p.kind is not p.VAR_KEYWORD
    ]
    assert got == SIGNATURES[name]


def test_default_names():
    for name, (factory, _) in CASES.items():
        assert factory().name.startswith(CONFIGS[name]["default_name"]), name


def test_keras_file_loads_and_round_trips(tmp_path):
    path = os.path.join(HERE, "layers_3d_model.keras")
    model = tf.keras.models.load_model(path)
    x = FIXTURE["model/x"]
    np.testing.assert_allclose(model(x).numpy(), FIXTURE["model/y"], **TOL)
    model.save(str(tmp_path / "m.keras"))
    again = tf.keras.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(again(x).numpy(), FIXTURE["model/y"], **TOL)
    names = {type(layer).__name__ for layer in again.layers}
    assert {"Conv3D", "Conv3DTranspose", "Conv1DTranspose", "Cropping3D", "UpSampling3D"} <= names


def test_in_function_matches_eager():
    layer, x = _built("conv3dt_outpad")
    step = jt.function(lambda t: layer(t))
    np.testing.assert_allclose(step(jt.constant(x)).numpy(), FIXTURE["conv3dt_outpad/y"], **TOL)


def test_compat_names_and_aliases():
    pairs = {
        "Conv3D": "Convolution3D",
        "Conv1DTranspose": "Convolution1DTranspose",
        "Conv3DTranspose": "Convolution3DTranspose",
        "MaxPooling3D": "MaxPool3D",
        "AveragePooling3D": "AvgPool3D",
        "GlobalAveragePooling3D": "GlobalAvgPool3D",
        "GlobalMaxPooling3D": "GlobalMaxPool3D",
        "MaxPooling2D": "MaxPool2D",
        "Conv2D": "Convolution2D",
    }
    for name, alias in pairs.items():
        assert getattr(L, name) is getattr(nn, name)
        assert getattr(L, alias) is getattr(nn, alias) is getattr(nn, name)
        assert alias in L.__all__
    for name in ("UpSampling3D", "ZeroPadding3D", "Cropping3D"):
        assert getattr(L, name) is getattr(nn, name)


def test_errors_as_keras():
    with pytest.raises(ValueError, match="expected ndim=5, found ndim=4"):
        L.Conv3D(2, 2)(np.ones((1, 3, 3, 1), np.float32))
    with pytest.raises(ValueError, match="`output_padding` must be strictly less"):
        L.Conv3DTranspose(2, 2, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="`padding` should have 3 elements"):
        L.ZeroPadding3D((1, 2))
    with pytest.raises(ValueError, match="`cropping` should have 3 elements"):
        L.Cropping3D((1, 2))
    with pytest.raises(ValueError, match="leaves nothing"):
        L.Cropping3D(((2, 2), 1, 1))(np.ones((1, 4, 4, 4, 1), np.float32))
    with pytest.raises(TypeError):
        L.AveragePooling3D()  # no default pool_size, as in Keras
    with pytest.raises(ValueError, match="`padding` argument must be one of"):
        L.Conv1DTranspose(2, 3, padding="causal")


@pytest.mark.parametrize("module", ["_conv", "_pooling", "_layers_3d"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"jtape.nn.{module}"))
    assert result.failed == 0 and result.attempted > 0


def test_transposed_convolutions_take_no_groups():
    for cls in (L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose):
        with pytest.raises(ValueError, match=r"Unrecognized keyword arguments.*'groups': 2"):
            cls(2, 3, groups=2)


@pytest.mark.parametrize(
    "cls, shape, same_shape",
    [
        (L.MaxPooling3D, (1, 2, 4, 4, 1), (1, 1, 2, 2, 1)),
        (L.AveragePooling3D, (1, 4, 2, 4, 1), (1, 2, 1, 2, 1)),
    ],
)
def test_valid_pooling_larger_than_input_is_an_error(cls, shape, same_shape):
    # Keras' rule: TF's kernels fail (max) or return an empty tensor (average) eagerly.
    with pytest.raises(ValueError, match="Computed output size would be zero or negative"):
        cls(3)(np.ones(shape, np.float32))
    assert cls(3, padding="same")(np.ones(shape, np.float32)).shape == same_shape
