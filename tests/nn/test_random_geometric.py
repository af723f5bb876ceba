"""RandomRotation / RandomZoom / RandomTranslation and the projective warp under them.

Values, dtypes, gradients, errors and configs against TF 2.21 / Keras 3.15, recorded by
``tests/nn/fixtures/record_random_geometric.py`` from ``random_geometric_cases.py``
(factors pinned so no randomness remains). The random draws are JAX's, so they are
checked by their ranges and spread, read back exactly from linear-ramp images.
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
from jtape._image_projective import image_projective_transform_v3
from jtape.nn._serialization import layer_config

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
sys.path.insert(0, HERE)

import random_geometric_cases as cases  # noqa: E402

FIXTURE = np.load(os.path.join(HERE, "random_geometric.npz"))
with open(os.path.join(HERE, "random_geometric.json")) as _f:
    META = json.load(_f)


def _close(y, expected):
    assert y.dtype == expected.dtype and y.shape == expected.shape
    if y.dtype.kind in "iu":
        np.testing.assert_array_equal(y, expected)
    else:
        np.testing.assert_allclose(y, expected, rtol=1e-6, atol=2e-6)


def _transform(case, images=None):
    name, x, transforms, shape, interp, mode, fill = case
    x = x if images is None else images
    return image_projective_transform_v3(x, transforms, shape, fill, interp.upper(), mode.upper())


@pytest.mark.parametrize("case", cases.TRANSFORMS, ids=[c[0] for c in cases.TRANSFORMS])
def test_projective_transform_matches_tf(case):
    _close(_transform(case).numpy(), FIXTURE[f"transform/{case[0]}"])


GRAD_CASES = [c for c in cases.TRANSFORMS if c[0] in cases.GRADS]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_projective_transform_gradient_is_tfs(case):
    # TF's registered gradient (the inverse warp of the incoming gradient, fill 0), not
    # the exact adjoint; the transforms get None, as in TF.
    x, t = jt.constant(case[1]), jt.constant(case[2])
    with jt.GradientTape() as tape:
        tape.watch([x, t])
        y = _transform(case, x)
        loss = jt.sum(y * cases.grad_weights(tuple(y.shape)))
    gx, gt = tape.gradient(loss, [x, t])
    assert gt is None
    np.testing.assert_allclose(gx.numpy(), FIXTURE[f"grad/{case[0]}"], rtol=1e-5, atol=1e-5)


def test_projective_transform_argument_errors():
    img = np.zeros((2, 3, 3, 1), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_images x 8"):
        image_projective_transform_v3(img, np.zeros((3, 8), np.float32), (3, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_images x 8"):
        image_projective_transform_v3(img, np.zeros((2, 6), np.float32), (3, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank 4"):
        image_projective_transform_v3(img[0], np.zeros((1, 8), np.float32), (3, 3))
    with pytest.raises(ValueError, match="fill_mode"):
        image_projective_transform_v3(img, np.zeros((1, 8), np.float32), (3, 3), fill_mode="EDGE")


@pytest.mark.parametrize("case", cases.AFFINE, ids=[c[0] for c in cases.AFFINE])
def test_keras_ops_affine_transform_matches_keras(case):
    name, images, transform, kwargs = case
    y = tf.keras.ops.image.affine_transform(images, transform, **kwargs).numpy()
    assert y.dtype.name == META["dtypes"][name]
    _close(y, FIXTURE[f"affine/{name}"])


def test_keras_ops_affine_transform_errors():
    img = np.zeros((3, 3, 1), np.float32)
    with pytest.raises(ValueError, match="interpolation"):
        tf.keras.ops.image.affine_transform(img, np.zeros(8), interpolation="bicubic")
    with pytest.raises(ValueError, match="fill_mode"):
        tf.keras.ops.image.affine_transform(img, np.zeros(8), fill_mode="mirror")
    with pytest.raises(ValueError, match="transform rank"):
        tf.keras.ops.image.affine_transform(img, np.zeros((1, 1, 8)))


@pytest.mark.parametrize("case", cases.LAYERS, ids=[c[0] for c in cases.LAYERS])
def test_layer_matches_keras(case):
    name, cls, kwargs, x, training = case
    layer = getattr(tf.keras.layers, cls)(**kwargs)
    y = layer(x, training=training)
    assert y.dtype.name == META["dtypes"][name]
    expected = FIXTURE[f"layer/{name}"]
    assert tuple(y.shape) == expected.shape
    # uint8 inputs carry values up to 255: compare relatively; half types to their precision
    half = y.dtype.name in ("float16", "bfloat16")
    y = y.numpy().astype(expected.dtype)
    rtol, scale = (1e-2, 1e-2) if half else (1e-6, 2e-6)
    np.testing.assert_allclose(y, expected, rtol=rtol, atol=scale * max(1.0, np.abs(x).max()))
    assert layer.weights == []


GRAD_LAYERS = [c for c in cases.LAYERS if c[0] in cases.LAYER_GRADS]


@pytest.mark.parametrize("case", GRAD_LAYERS, ids=[c[0] for c in GRAD_LAYERS])
def test_layer_gradient_is_tfs(case):
    name, cls, kwargs, x, training = case
    layer = getattr(nn, cls)(**kwargs)
    xt = jt.constant(x)
    with jt.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        loss = jt.sum(y * cases.grad_weights(tuple(y.shape)))
    expected = FIXTURE[f"layer_grad/{name}"]
    np.testing.assert_allclose(tape.gradient(loss, xt).numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", cases.OTHER_LAYERS, ids=[c[0] for c in cases.OTHER_LAYERS])
def test_other_random_image_layers_match_keras(case):
    # RandomFlip / RandomBrightness / RandomContrast at inference or with pinned factors:
    # integer images keep their dtype in the colour layers (uint8 brightness wraps as in
    # Keras), floats are cast to the compute dtype, channels_first works.
    name, cls, kwargs, x, training = case
    layer = getattr(tf.keras.layers, cls)(**kwargs)
    recorded = META["dtypes"][name]
    if recorded.startswith("error: "):
        kind = recorded[len("error: ") :]
        with pytest.raises(getattr(tf.errors, kind, None) or ValueError) as info:
            layer(x, training=training)
        assert type(info.value).__name__ == kind
        return
    y = layer(x, training=training).numpy()
    assert y.dtype.name == recorded
    _close(y, FIXTURE[f"other/{name}"])


def test_flip_in_training_flips_whole_images_along_the_mode(rng):
    x = rng.normal(size=(64, 3, 4, 2)).astype(np.float32)
    for mode, flipped in [
        ("horizontal", x[:, :, ::-1]),
        ("vertical", x[:, ::-1]),
        ("horizontal_and_vertical", x[:, ::-1, ::-1]),
    ]:
        y = nn.RandomFlip(mode, seed=7)(x, training=True).numpy()
        same = np.all(y == x, axis=(1, 2, 3))
        turned = np.all(y == flipped, axis=(1, 2, 3))
        assert np.all(same | turned) and 10 < turned.sum() < 54
    cf = nn.RandomFlip("horizontal", seed=7, data_format="channels_first")
    y = cf(x.transpose(0, 3, 1, 2), training=True).numpy().transpose(0, 2, 3, 1)
    assert np.all(np.all(y == x, axis=(1, 2, 3)) | np.all(y == x[:, :, ::-1], axis=(1, 2, 3)))


def test_brightness_and_contrast_draws_stay_in_their_ranges(rng):
    x = np.full((200, 2, 2, 1), 100.0, np.float32)
    y = nn.RandomBrightness((-0.2, 0.1), seed=1)(x, training=True).numpy()
    delta = y[:, 0, 0, 0] - 100.0
    assert np.all(np.ptp(y, axis=(1, 2, 3)) == 0)  # one delta per image
    assert delta.min() >= -51.0 - 1e-4 and delta.max() <= 25.5 + 1e-4 and delta.std() > 15
    x = np.tile(np.array([90.0, 110.0], np.float32).reshape(1, 1, 2, 1), (200, 1, 1, 1))
    y = nn.RandomContrast((0.5, 0.2), seed=2)(x, training=True).numpy()
    factor = (y[:, 0, 1, 0] - 100.0) / 10.0
    # the pair is sorted to (0.2, 0.5): factors in [1 - 0.2, 1 + 0.5]
    assert factor.min() >= 0.8 - 1e-5 and factor.max() <= 1.5 + 1e-5 and factor.std() > 0.1


def test_random_crop_takes_one_uniform_window_per_batch(rng):
    x = rng.normal(size=(3, 6, 7, 2)).astype(np.float32)
    layer = nn.RandomCrop(4, 3, seed=1)
    seen = set()
    for _ in range(60):
        y = layer(x, training=True).numpy()
        assert y.shape == (3, 4, 3, 2)
        hits = [
            (t, c)
            for t in range(3)
            for c in range(5)
            if np.array_equal(y, x[:, t : t + 4, c : c + 3])  # the same window for all
        ]
        assert len(hits) == 1
        seen.add(hits[0])
    assert len(seen) >= 12  # 15 windows, drawn uniformly
    assert layer.compute_output_shape((None, 6, 7, 2)) == (None, 4, 3, 2)


def test_random_crop_in_fit_with_a_shape_agnostic_head(rng):
    x = rng.uniform(0, 1, size=(16, 6, 6, 2)).astype(np.float32)
    y = x.mean(axis=(1, 2))[:, :1]
    model = nn.Sequential(
        [nn.Input((6, 6, 2)), nn.RandomCrop(4, 4, seed=0), nn.GlobalAveragePooling2D(), nn.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    dense = model.layers[-1]
    # at predict the crop passes the whole image through, as Keras 3.15
    expected = x.mean(axis=(1, 2)) @ dense.kernel.numpy() + dense.bias.numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", cases.BAD, ids=[c[0] for c in cases.BAD])
def test_bad_arguments_raise_keras_errors(case):
    name, cls, kwargs = case
    kind, message = META["errors"][name]
    with pytest.raises(getattr(__builtins__, kind, None) or eval(kind)) as info:
        getattr(nn, cls)(**kwargs)
    assert type(info.value).__name__ == kind and str(info.value) == message


@pytest.mark.parametrize("i", range(len(cases.CONFIGS)))
def test_config_matches_keras_and_round_trips(i):
    cls, kwargs = cases.CONFIGS[i]
    layer = getattr(nn, cls)(**kwargs)
    config = layer_config(layer)
    for key in ("name", "dtype", "activity_regularizer"):
        config.pop(key, None)
    assert json.loads(json.dumps(config)) == META["configs"][i]
    copy = type(layer).from_config(layer.get_config())
    assert copy.get_config() == layer.get_config()


# -- the random parts: JAX's draws, read back from ramp images ---------------------------
def _ramps(n, size=5):
    """Channel 0 is the column, channel 1 the row: a bilinear warp reads back the exact
    input point each output pixel samples."""
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
    return np.broadcast_to(np.stack([cols, rows], -1), (n, size, size, 2)).copy()


def test_rotation_angles_are_uniform_in_the_factor_range():
    layer = nn.RandomRotation((-0.1, 0.05), seed=3)
    y = layer(_ramps(400), training=True).numpy()
    dx, dy = y[:, 2, 3, 0] - 2.0, y[:, 2, 3, 1] - 2.0  # the pixel right of the centre
    np.testing.assert_allclose(dx**2 + dy**2, 1.0, atol=1e-5)
    angles = np.degrees(np.arctan2(dy, dx))
    assert angles.min() >= -36.0 - 1e-3 and angles.max() <= 18.0 + 1e-3
    assert abs(angles.mean() - (-9.0)) < 2.5 and abs(angles.std() - 54 / 12**0.5) < 2.0
    again = layer(_ramps(400), training=True).numpy()
    assert not np.allclose(again, y)  # the generator advanced
    np.testing.assert_array_equal(nn.RandomRotation((-0.1, 0.05), seed=3)(_ramps(400)), y)


def test_zoom_factors_are_uniform_and_shared_without_width_factor():
    y = nn.RandomZoom((-0.3, 0.2), seed=1)(_ramps(300), training=True).numpy()
    zx, zy = y[:, 3, 3, 0] - 2.0, y[:, 3, 3, 1] - 2.0
    np.testing.assert_allclose(zx, zy)  # one draw keeps the aspect ratio
    assert zx.min() >= 0.7 - 1e-6 and zx.max() <= 1.2 + 1e-6 and zx.std() > 0.1
    y = nn.RandomZoom(0.2, (0.4, 0.5), seed=1)(_ramps(300), training=True).numpy()
    zx, zy = y[:, 3, 3, 0] - 2.0, y[:, 3, 3, 1] - 2.0
    assert zx.min() >= 1.4 - 1e-6 and zx.max() <= 1.5 + 1e-6
    assert zy.min() >= 0.8 - 1e-6 and zy.max() <= 1.2 + 1e-6


def test_translation_shifts_are_uniform_in_pixels():
    y = nn.RandomTranslation((0.0, 0.2), (-0.4, -0.2), seed=2, fill_mode="nearest")(
        _ramps(300, size=10), training=True
    ).numpy()
    # the centre pixel (5, 5) reads the input at (5 - ty, 5 - tx)
    ty, tx = 5.0 - y[:, 5, 5, 1], 5.0 - y[:, 5, 5, 0]
    assert ty.min() >= -1e-5 and ty.max() <= 2.0 + 1e-5 and ty.std() > 0.3
    assert tx.min() >= -4.0 - 1e-5 and tx.max() <= -2.0 + 1e-5 and tx.std() > 0.3


@pytest.mark.parametrize(
    "layer",
    [
        lambda: nn.RandomRotation(0.2, seed=0),
        lambda: nn.RandomZoom(0.2, seed=0),
        lambda: nn.RandomTranslation(0.2, 0.2, seed=0),
    ],
    ids=["rotation", "zoom", "translation"],
)
def test_inference_is_identity_and_dtype_follows_the_policy(layer, rng):
    x = rng.integers(0, 256, size=(2, 4, 5, 3)).astype(np.uint8)
    layer = layer()
    y = layer(x, training=False)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.numpy(), x.astype(np.float32))
    assert layer.compute_output_shape((None, 4, 5, 3)) == (None, 4, 5, 3)
    with pytest.raises(ValueError, match="rank 3"):
        layer(np.zeros((4, 5), np.float32))


def test_layers_inside_function_draw_fresh_transforms():
    layer = nn.RandomRotation(0.5, seed=4)
    x = jt.constant(_ramps(8))
    step = jt.function(lambda v: layer(v, training=True))
    a, b = step(x).numpy(), step(x).numpy()
    assert a.shape == (8, 5, 5, 2) and not np.allclose(a, b)


def test_augmentation_in_a_dataset_map():
    images = _ramps(6, size=6)
    aug = nn.Sequential(
        [nn.RandomRotation(0.1, seed=1), nn.RandomZoom(0.1, seed=2), nn.RandomTranslation(0.1, 0.1)]
    )
    ds = tf.data.Dataset.from_tensor_slices(images).batch(3).map(lambda x: aug(x, training=True))
    batches = [b.numpy() for b in ds]
    assert [b.shape for b in batches] == [(3, 6, 6, 2)] * 2
    assert not np.allclose(np.concatenate(batches), images)
    assert np.all(np.isfinite(np.concatenate(batches)))


def test_augmented_model_fits_and_predicts_without_augmenting(rng):
    x = rng.uniform(0, 1, size=(32, 8, 8, 3)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype(np.float32)[:, None]
    model = nn.Sequential(
        [
            nn.Input((8, 8, 3)),
            nn.RandomFlip("horizontal", seed=1),
            nn.RandomRotation(0.1, seed=2),
            nn.RandomZoom(0.1, seed=3),
            nn.RandomTranslation(0.1, 0.1, seed=4),
            nn.RandomContrast(0.2, seed=5),
            nn.Flatten(),
            nn.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    before = model.layers[-1].kernel.numpy().copy()
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert not np.allclose(model.layers[-1].kernel.numpy(), before)
    dense = model.layers[-1]
    expected = 1 / (1 + np.exp(-(x.reshape(32, -1) @ dense.kernel.numpy() + dense.bias.numpy())))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)


def test_augmented_model_round_trips_a_keras_file(rng, tmp_path):
    x = rng.uniform(0, 1, size=(4, 6, 6, 2)).astype(np.float32)
    inputs = nn.Input((6, 6, 2))
    h = nn.RandomRotation((-0.2, 0.3), fill_mode="constant", fill_value=1.0, seed=2)(inputs)
    h = nn.RandomZoom(0.1, (0.0, 0.2), interpolation="nearest")(h)
    h = nn.RandomTranslation(0.1, 0.2, fill_mode="wrap")(h)
    model = nn.Model(inputs, nn.Dense(2)(nn.Flatten()(h)))
    path = str(tmp_path / "aug.keras")
    model.save(path)
    loaded = nn.models.load_model(path)
    for a, b in zip(model.layers[1:4], loaded.layers[1:4], strict=True):
        assert type(a) is type(b)
        plain = [json.loads(json.dumps(layer.get_config())) for layer in (a, b)]
        assert plain[0] == plain[1]
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize(
    "cls", [nn.RandomRotation, nn.RandomZoom, nn.RandomFlip, nn.RandomContrast, nn.RandomCrop]
)
def test_dict_inputs_are_refused_clearly(cls):
    layer = cls(2, 2) if cls is nn.RandomCrop else cls() if cls is nn.RandomFlip else cls(0.1)
    data = {"images": np.zeros((1, 4, 4, 3), np.float32), "labels": np.zeros((1, 2))}
    with pytest.raises(NotImplementedError, match="images tensor only"):
        layer(data, training=True)
