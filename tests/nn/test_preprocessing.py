"""Keras' preprocessing layers against Keras 3.15 (TF 2.21) outputs, plus files and fit.

The fixture is recorded by ``tests/nn/fixtures/record_preprocessing.py`` (run with the
TensorFlow venv) from the cases in ``tests/nn/fixtures/preprocessing_cases.py``.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape import nn
from jtape.compat._missing import NotProvidedError
from jtape.nn._preprocessing import siphash24

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
sys.path.insert(0, HERE)

import preprocessing_cases  # noqa: E402

FIXTURE = np.load(os.path.join(HERE, "preprocessing.npz"))
with open(os.path.join(HERE, "preprocessing.json")) as _f:
    META = json.load(_f)

# Keras layers of the recorded cases that jtape does not provide (yet).
NOT_PROVIDED: set[str] = set()

RUNS = [(c, False) for c in preprocessing_cases.CASES]
RUNS += [(c, True) for c in preprocessing_cases.TRAIN_CASES]


def _adapt(layer, data):
    if isinstance(data, tuple) and data[0] == "batches":
        layer.adapt(iter(list(data[1])))
    elif isinstance(data, tuple) and data[0] == "dataset":
        layer.adapt(jt.data.Dataset.from_tensor_slices(data[1]).batch(data[2]))
    else:
        layer.adapt(data)


@pytest.mark.parametrize("case", RUNS, ids=[c[0][0] for c in RUNS])
def test_matches_keras(case):
    (name, cls, kwargs, x, adapt), training = case
    if cls in NOT_PROVIDED:
        with pytest.raises(NotProvidedError):
            getattr(tf.keras.layers, cls)
        return
    layer = getattr(tf.keras.layers, cls)(**kwargs)
    if adapt is not None:
        _adapt(layer, adapt)
    y = layer(x, training=training).numpy()
    expected = FIXTURE[name]
    assert y.dtype.name == META["dtypes"][name]
    assert y.shape == expected.shape
    if y.dtype.kind in "iub":
        np.testing.assert_array_equal(y, expected)
    else:
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    assert [w.dtype.name for w in layer.weights] == META["weights"][name]
    for i, w in enumerate(layer.weights):
        np.testing.assert_allclose(w.numpy(), FIXTURE[f"{name}/w{i}"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,kwargs", preprocessing_cases.CONFIG_LAYERS)
def test_config_matches_keras(cls, kwargs):
    if cls in NOT_PROVIDED:
        return
    from jtape.nn._serialization import layer_config

    config = layer_config(getattr(nn, cls)(**kwargs))
    config.pop("name")
    config.pop("dtype")
    config.pop("activity_regularizer", None)
    assert json.loads(json.dumps(config)) == META["configs"][cls]


def test_siphash_reference_vectors():
    # SipHash-2-4 paper's test vectors: key 00..0f, messages 00, 00 01, ..., (first three).
    k0, k1 = 0x0706050403020100, 0x0F0E0D0C0B0A0908
    assert siphash24(k0, k1, b"") == 0x726FDB47DD0E0E31
    assert siphash24(k0, k1, bytes([0])) == 0x74F839C593DC67FD
    assert siphash24(k0, k1, bytes(range(15))) == 0xA129CA6149BE45E5


def test_normalization_saved_and_loaded_with_its_statistics(tmp_path, rng):
    x = rng.normal(size=(32, 3)).astype(np.float32) * 4 + 2
    norm = nn.Normalization()
    norm.adapt(x)
    model = nn.Sequential([nn.Input((3,)), norm, nn.Dense(2)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = nn.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    restored = loaded.layers[0]
    np.testing.assert_allclose(restored.adapt_mean.numpy(), x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(restored.adapt_variance.numpy(), x.var(0), rtol=1e-5)
    assert [w.name.split("/")[-1].split(":")[0] for w in restored.non_trainable_weights] == [
        "mean",
        "variance",
        "count",
    ]


def test_other_layers_round_trip_a_keras_file(tmp_path, rng):
    images = rng.uniform(0, 255, size=(2, 6, 8, 3)).astype(np.float32)
    inputs = nn.Input((6, 8, 3))
    h = nn.RandomFlip("horizontal", seed=3)(inputs)
    h = nn.RandomBrightness(0.2)(h)
    h = nn.RandomContrast(0.2)(h)
    h = nn.Resizing(5, 5, crop_to_aspect_ratio=True)(h)
    h = nn.CenterCrop(3, 3)(h)
    h = nn.Normalization(mean=100.0, variance=900.0)(h)
    model = nn.Model(inputs, nn.Dense(2)(nn.Flatten()(h)))
    path = str(tmp_path / "img.keras")
    model.save(path)
    loaded = nn.models.load_model(path)
    np.testing.assert_allclose(
        loaded.predict(images, verbose=0), model.predict(images, verbose=0), rtol=1e-5
    )
    for cls in (nn.Discretization, nn.CategoryEncoding, nn.Hashing):
        layer = {
            nn.Discretization: lambda: nn.Discretization([0.0, 1.5], output_mode="count"),
            nn.CategoryEncoding: lambda: nn.CategoryEncoding(4, output_mode="count"),
            nn.Hashing: lambda: nn.Hashing(5, salt=[1, 2], mask_value=""),
        }[cls]()
        copy = type(layer).from_config(layer.get_config())
        assert copy.get_config() == layer.get_config()


def test_adapted_discretization_keeps_learned_boundaries_in_config():
    layer = nn.Discretization(num_bins=3)
    layer.adapt(np.arange(30, dtype=np.float32))
    copy = nn.Discretization.from_config(layer.get_config())
    assert copy.bin_boundaries == layer.bin_boundaries and len(layer.bin_boundaries) == 2
    x = np.array([[0.0, 12.0, 29.0]], np.float32)
    np.testing.assert_array_equal(copy(x).numpy(), layer(x).numpy())


def test_normalization_in_fit_stays_fixed_and_predict_uses_it(rng):
    x = rng.normal(size=(64, 4)).astype(np.float32) * 3 + 5
    y = (x[:, :1] - 5) / 3 * 2.0
    norm = nn.Normalization()
    norm.adapt(jt.data.Dataset.from_tensor_slices(x).batch(16))
    mean, var = norm.adapt_mean.numpy().copy(), norm.adapt_variance.numpy().copy()
    model = nn.Sequential([nn.Input((4,)), norm, nn.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_array_equal(norm.adapt_mean.numpy(), mean)
    np.testing.assert_array_equal(norm.adapt_variance.numpy(), var)
    dense = model.layers[-1]
    expected = (x - mean) / np.sqrt(var) @ dense.kernel.numpy() + dense.bias.numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_image_augmentation_model_fits_and_is_identity_at_predict(rng):
    images = rng.uniform(0, 1, size=(8, 6, 6, 1)).astype(np.float32)
    labels = rng.integers(0, 2, size=(8,))
    inputs = nn.Input((6, 6, 1))
    aug = nn.RandomFlip(seed=1)(inputs)
    aug = nn.RandomBrightness(0.1, value_range=(0, 1), seed=2)(aug)
    out = nn.Dense(2)(nn.Flatten()(nn.Resizing(3, 3)(aug)))
    model = nn.Model(inputs, out)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(images, labels, epochs=2, batch_size=4, verbose=0)
    resized = nn.Resizing(3, 3)(images).numpy().reshape(8, -1)
    dense = model.layers[-1]
    expected = resized @ dense.kernel.numpy() + dense.bias.numpy()
    np.testing.assert_allclose(model.predict(images, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_random_flip_in_training_is_an_exact_flip_per_image(rng):
    x = rng.normal(size=(16, 3, 4, 2)).astype(np.float32)
    for mode, axes in (
        ("horizontal", (1,)),
        ("vertical", (0,)),
        ("horizontal_and_vertical", (0, 1)),
    ):
        y = nn.RandomFlip(mode, seed=5)(x, training=True).numpy()
        flipped = [np.array_equal(yi, np.flip(xi, axes)) for xi, yi in zip(x, y)]
        kept = [np.array_equal(yi, xi) for xi, yi in zip(x, y)]
        assert all(f or k for f, k in zip(flipped, kept))
        assert 0 < sum(flipped) < len(x)  # both outcomes occur (fixed seed)
    layer = nn.RandomFlip("horizontal", seed=1)
    compiled = jt.function(lambda t: layer(t, training=True))
    outs = [compiled(jt.constant(x[:1])).numpy()[0] for _ in range(8)]  # a new draw per call
    assert {np.array_equal(o, np.flip(x[0], 1)) for o in outs} == {True, False}


def test_random_brightness_and_contrast_draws_stay_in_keras_range(rng):
    x = rng.uniform(50, 200, size=(32, 4, 4, 3)).astype(np.float32)
    y = nn.RandomBrightness((-0.1, 0.2), seed=0)(x, training=True).numpy()
    delta = (y - x).reshape(32, -1)
    np.testing.assert_allclose(delta, delta[:, :1] * np.ones_like(delta), atol=1e-4)
    assert delta.min() >= -25.5 - 1e-3 and delta.max() <= 51.0 + 1e-3
    y = nn.RandomContrast(0.5, seed=0)(x, training=True).numpy()
    mean = x.mean(axis=(1, 2), keepdims=True)
    factor = ((y - mean) / (x - mean)).reshape(32, -1)
    np.testing.assert_allclose(factor, factor[:, :1] * np.ones_like(factor), rtol=1e-3)
    assert factor.min() >= 1.0 - 1e-4 and factor.max() <= 1.5 + 1e-4  # Keras: (0, 0.5)


def test_errors_match_keras():
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        nn.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="Only one of"):
        nn.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-negative"):
        nn.CategoryEncoding(3)(np.array([[0, -1]]))
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        nn.Discretization()
    with pytest.raises(ValueError, match="salt"):
        nn.Hashing(3, salt="x")
    with pytest.raises(ValueError, match="channels_last"):
        nn.Resizing(2, 2, data_format="channels_first")
    layer = nn.Normalization()
    layer.adapt(np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match="incompatible shape"):
        layer.adapt(np.zeros((4, 2), np.float32))


def test_hashing_in_a_dataset_map_and_count_weights():
    ds = jt.data.Dataset.from_tensor_slices([["a", "b"], ["hello", "a"]]).map(nn.Hashing(10))
    assert [v.numpy().tolist() for v in ds] == [[9, 2], [6, 9]]
    out = nn.CategoryEncoding(4, output_mode="count")(
        np.array([[0, 1, 1]]), count_weights=np.array([[0.5, 2.0, 3.0]])
    )
    np.testing.assert_array_equal(out.numpy(), [[0.5, 5.0, 0.0, 0.0]])  # Keras 3.15's value


def test_loads_a_keras_written_file_with_adapted_layers():
    model = nn.models.load_model(os.path.join(HERE, "preprocessing_model.keras"))
    images = FIXTURE["model/images"]
    np.testing.assert_allclose(
        model.predict(images, verbose=0), FIXTURE["model/predict"], rtol=1e-5, atol=1e-4
    )
    norm = next(layer for layer in model.layers if isinstance(layer, nn.Normalization))
    assert norm.adapt_variance.numpy().shape == (3,) and norm.adapt_variance.numpy().min() > 1


@pytest.mark.parametrize("module", ["_preprocessing", "_image_preprocessing"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"jtape.nn.{module}"))
    assert result.failed == 0 and result.attempted > 0
