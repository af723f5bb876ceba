"""Keras' legacy ImageDataGenerator, its iterators and the numpy image transforms.

Expected values come from Keras 3.15 (with scipy 1.17 and Pillow 13):
/work/tfvenv/bin/python tests/fixtures/record_image_data_generator.py
"""

from __future__ import annotations

import doctest
import importlib.util
import os
import warnings

import numpy as np
import pytest

import jtape.compat as tf
from jtape.nn import _image_affine, _image_data_generator, _image_utils
from jtape.nn._image_affine import affine_resample

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures")
_spec = importlib.util.spec_from_file_location(
    "record_image_data_generator", os.path.join(HERE, "record_image_data_generator.py")
)
REC = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REC)
KERAS = np.load(os.path.join(HERE, "image_data_generator_keras.npz"))
IMG = tf.keras.preprocessing.image
X = REC.images()
HAVE_PIL = _image_utils._pil() is not None
needs_pil = pytest.mark.skipif(not HAVE_PIL, reason="Keras' brightness shift uses Pillow")


def _close(got, key, rtol=1e-6, atol=1e-5):
    want = KERAS[key]
    got = np.asarray(got)
    assert got.shape == want.shape, key
    assert got.dtype == want.dtype, (key, got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=key)


@pytest.mark.parametrize("mode", ["constant", "nearest", "reflect", "wrap"])
@pytest.mark.parametrize("order", [0, 1])
def test_apply_transform_matches_keras(mode, order):
    gen = IMG.ImageDataGenerator(fill_mode=mode, cval=-7.5, interpolation_order=order)
    for name, t in REC.TRANSFORMS.items():
        if "brightness" in name and not HAVE_PIL:
            continue
        _close(
            gen.apply_transform(np.copy(X[0]), t), f"transform/channels_last/{mode}/{order}/{name}"
        )


def test_apply_transform_channels_first():
    gen = IMG.ImageDataGenerator(fill_mode="reflect", data_format="channels_first")
    img = np.moveaxis(X[0], -1, 0)
    for name, t in REC.TRANSFORMS.items():
        if "brightness" not in name:
            _close(
                gen.apply_transform(np.copy(img), t), f"transform/channels_first/reflect/1/{name}"
            )


def test_resampling_hand_values():
    img = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    # identity with a half-pixel column shift: bilinear averages neighbours
    out = affine_resample(img, np.eye(2), [0.0, 0.5], order=1, mode="constant", cval=-1)
    assert out[0].tolist() == [0.5, 1.5, 2.5, -1.0]  # 3.5 lies outside [0, 3]: cval
    out = affine_resample(img, np.eye(2), [0.0, 0.5], order=0, mode="nearest")
    assert out[0].tolist() == [1.0, 2.0, 3.0, 3.0]  # floor(c + 0.5)
    # scipy's 'wrap' repeats with period size - 1: column 4 reads column 1
    out = affine_resample(img, np.eye(2), [0.0, 1.0], order=1, mode="wrap")
    assert out[0].tolist() == [1.0, 2.0, 3.0, 1.0]
    out = affine_resample(img, np.eye(2), [0.0, -2.0], order=1, mode="reflect")
    assert out[0].tolist() == [1.0, 0.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="order=3"):
        affine_resample(img, np.eye(2), [0, 0], order=3)
    with pytest.raises(ValueError, match="fill_mode"):
        affine_resample(img, np.eye(2), [0, 0], mode="mirror")


@pytest.mark.parametrize("name", list(REC.CONFIGS))
def test_fit_and_standardize_match_keras(name):
    kwargs = dict(REC.CONFIGS[name])
    if name == "preprocess":
        kwargs["preprocessing_function"] = REC.preprocess
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gen = IMG.ImageDataGenerator(**kwargs)
    data = X if kwargs.get("data_format") != "channels_first" else np.moveaxis(X, -1, 1)
    gen.fit(data[:5])
    for attr in ("mean", "std", "zca_whitening_matrix"):
        key = f"fit/{name}/{attr}"
        assert (getattr(gen, attr) is not None) == (key in KERAS.files), key
        if key in KERAS.files:
            _close(getattr(gen, attr), key, rtol=2e-3 if attr.startswith("zca") else 1e-5)
    tol = {"rtol": 2e-3, "atol": 2e-3} if name == "zca" else {}
    _close(gen.standardize(np.copy(data[5])), f"standardize/{name}/one", **tol)
    _close(gen.standardize(np.copy(data)), f"standardize/{name}/batch", **tol)


def test_constructor_rules():
    with pytest.warns(UserWarning, match="overrides setting of `featurewise_center`"):
        gen = IMG.ImageDataGenerator(featurewise_std_normalization=True)
    assert gen.featurewise_center is True
    with pytest.warns(UserWarning) as record:  # Keras warns twice here
        gen = IMG.ImageDataGenerator(zca_whitening=True, featurewise_std_normalization=True)
    assert ["zca_whitening" in str(r.message) for r in record] == [True, True, False]
    assert gen.featurewise_center and not gen.featurewise_std_normalization
    gen = IMG.ImageDataGenerator(zoom_range=0.25)
    assert gen.zoom_range == [0.75, 1.25] and gen.fill_mode == "nearest"
    assert gen.dtype == "float32" and gen.data_format == "channels_last"
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        IMG.ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="zoom_range"):
        IMG.ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.raises(ValueError, match="brightness_range"):
        IMG.ImageDataGenerator(brightness_range=0.5)
    with pytest.raises(ValueError, match="data_format"):
        IMG.ImageDataGenerator(data_format="NHWC")
    with pytest.warns(UserWarning, match="hasn't been fit"):
        IMG.ImageDataGenerator(featurewise_center=True).standardize(np.ones((2, 2, 1)))
    with pytest.raises(ValueError, match="rank 4"):
        IMG.ImageDataGenerator().fit(np.ones((2, 2, 1)))


@needs_pil
def test_random_draws_reproduce_keras_stream():
    gen = IMG.ImageDataGenerator(
        rotation_range=30, width_shift_range=0.2, height_shift_range=[1, 2, 3],
        shear_range=10.0, zoom_range=[0.8, 1.1], channel_shift_range=20.0,
        horizontal_flip=True, vertical_flip=True, brightness_range=(0.5, 1.5),
    )  # fmt: skip
    keys = ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical")
    keys += ("channel_shift_intensity", "brightness")
    for seed in (0, 1, 5):
        t = gen.get_random_transform(X[0].shape, seed=seed)
        np.testing.assert_array_equal([float(t[k]) for k in keys], KERAS[f"random/params/{seed}"])
        _close(gen.random_transform(np.copy(X[seed]), seed=seed), f"random/image/{seed}")
    t = IMG.ImageDataGenerator(width_shift_range=3, height_shift_range=2.0).get_random_transform(
        X[0].shape, seed=3
    )
    np.testing.assert_array_equal([t["tx"], t["ty"]], KERAS["random/int_shift"])


@needs_pil
def test_legacy_functions_match_keras():
    img = np.moveaxis(X[1], -1, 0)
    np.random.seed(4)
    _close(IMG.random_rotation(img, 40, fill_mode="reflect"), "legacy/rotation")
    _close(IMG.random_shift(img, 0.3, 0.2, fill_mode="wrap"), "legacy/shift")
    _close(IMG.random_shear(img, 20, fill_mode="constant", cval=1.0), "legacy/shear")
    _close(IMG.random_zoom(img, (0.6, 1.2), interpolation_order=0), "legacy/zoom")
    _close(IMG.random_channel_shift(img, 30.0), "legacy/channel_shift")
    _close(IMG.random_brightness(X[1], (0.3, 0.9)), "legacy/brightness")
    _close(IMG.apply_brightness_shift(X[1] * 2 - 100, 0.7, False), "legacy/brightness_noscale")
    got = IMG.apply_affine_transform(
        X[2], theta=15, tx=1, ty=-1, shear=5, zx=0.9, zy=1.1, row_axis=0, col_axis=1,
        channel_axis=2, fill_mode="reflect", order=1,
    )  # fmt: skip
    _close(got, "legacy/affine")
    with pytest.raises(ValueError, match="distinct"):
        IMG.apply_affine_transform(X[2], theta=1, row_axis=0, col_axis=0)


def test_flow_batches_labels_weights_and_subsets():
    y = np.array([0, 1, 2, 0, 1, 2])
    w = np.arange(6, dtype=np.float32) / 10
    gen = IMG.ImageDataGenerator(rescale=0.5, validation_split=0.34)
    it = gen.flow(X, y, batch_size=4, shuffle=False, sample_weight=w)
    assert len(it) == int(KERAS["flow/len"])
    for i in range(len(it)):
        bx, by, bw = it[i]
        _close(bx, f"flow/{i}/x")
        np.testing.assert_array_equal(by, KERAS[f"flow/{i}/y"])
        _close(bw, f"flow/{i}/w")
    for subset in ("training", "validation"):
        it = gen.flow(X, y % 2, batch_size=3, shuffle=False, subset=subset)
        assert it.n == int(KERAS[f"flow/{subset}/n"])
        bx, by = it[0]
        _close(bx, f"flow/{subset}/x")
        np.testing.assert_array_equal(by, KERAS[f"flow/{subset}/y"])
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(X, y, subset="training")
    bx, misc = gen.flow((X, [np.arange(6) * 2.0]), None, batch_size=4, shuffle=False)[1]
    _close(bx, "flow/misc/x")
    np.testing.assert_array_equal(misc, KERAS["flow/misc/misc"])
    with pytest.raises(ValueError, match="Asked to retrieve element 2"):
        gen.flow(X, y, batch_size=4)[2]


def test_flow_seeded_shuffle_and_augmentation_match_keras():
    y = np.array([0, 1, 2, 0, 1, 2])
    aug = IMG.ImageDataGenerator(rotation_range=20, horizontal_flip=True, zoom_range=0.2)
    it = aug.flow(X, y, batch_size=4, shuffle=True, seed=9)
    for i in range(2):
        bx, by = it[i]
        _close(bx, f"flow/seeded/{i}/x")
        np.testing.assert_array_equal(by, KERAS[f"flow/seeded/{i}/y"])
    it.on_epoch_end()
    bx, by = it[0]
    _close(bx, "flow/seeded/epoch2/x")
    np.testing.assert_array_equal(by, KERAS["flow/seeded/epoch2/y"])
    it = aug.flow(X, y, batch_size=4, shuffle=True, seed=3)
    for i in range(3):
        bx, by = next(it)
        _close(bx, f"flow/next/{i}/x")
        np.testing.assert_array_equal(by, KERAS[f"flow/next/{i}/y"])
    fitted = IMG.ImageDataGenerator(
        featurewise_center=True, featurewise_std_normalization=True, rotation_range=15
    )
    fitted.fit(X, augment=True, rounds=2, seed=6)
    _close(fitted.mean, "fit/augment/mean", rtol=1e-5)
    _close(fitted.std, "fit/augment/std", rtol=1e-5)


def _check_directory(root):
    plain = IMG.ImageDataGenerator()
    for mode in ("categorical", "binary", "sparse", "input", None):
        it = plain.flow_from_directory(
            root, target_size=(5, 4), class_mode=mode, batch_size=4, shuffle=False
        )
        if mode == "categorical":
            assert list(it.class_indices) == KERAS["dir/class_names"].tolist()
            assert list(it.class_indices.values()) == KERAS["dir/class_values"].tolist()
            assert it.filenames == KERAS["dir/filenames"].tolist()
            np.testing.assert_array_equal(it.classes, KERAS["dir/classes"])
            assert it.classes.dtype == np.int32
        for i in range(len(it)):
            batch = it[i]
            key = f"dir/{mode}/{i}"
            if mode is None:
                _close(batch, key + "/x")
            else:
                _close(batch[0], key + "/x")
                _close(batch[1], key + "/y")
    for color in ("grayscale", "rgba"):
        it = plain.flow_from_directory(
            root, target_size=(6, 3), color_mode=color, class_mode="sparse", batch_size=9,
            shuffle=False,
        )  # fmt: skip
        bx, by = it[0]
        _close(bx, f"dir/{color}/x")
        _close(by, f"dir/{color}/y")
    it = IMG.ImageDataGenerator(data_format="channels_first").flow_from_directory(
        root, target_size=(4, 4), class_mode="sparse", batch_size=9, shuffle=False
    )
    _close(it[0][0], "dir/channels_first/x")
    gen = IMG.ImageDataGenerator(rescale=1 / 255.0, validation_split=0.4)
    for subset in ("training", "validation"):
        it = gen.flow_from_directory(
            root, target_size=(5, 4), class_mode="sparse", batch_size=9, shuffle=False,
            subset=subset,
        )  # fmt: skip
        assert it.filenames == KERAS[f"dir/{subset}/filenames"].tolist()
        bx, by = it[0]
        _close(bx, f"dir/{subset}/x")
        _close(by, f"dir/{subset}/y")
    it = plain.flow_from_directory(
        root, target_size=(5, 4), classes=["dogs", "birds"], class_mode="sparse",
        batch_size=9, shuffle=True, seed=2,
    )  # fmt: skip
    assert it.filenames == KERAS["dir/classes_arg/filenames"].tolist()
    bx, by = it[0]
    _close(bx, "dir/classes_arg/x")
    _close(by, "dir/classes_arg/y")
    with pytest.raises(ValueError, match="Invalid class_mode"):
        plain.flow_from_directory(root, class_mode="raw")
    with pytest.raises(ValueError, match="Invalid color mode"):
        plain.flow_from_directory(root, color_mode="bgr")


@pytest.mark.skipif(not HAVE_PIL, reason="the Pillow path of flow_from_directory")
def test_flow_from_directory_with_pillow_matches_keras(tmp_path, capsys):
    REC.make_tree(tmp_path)
    _check_directory(str(tmp_path))
    assert "Found 9 images belonging to 3 classes." in capsys.readouterr().out


def test_flow_from_directory_without_pillow_matches_keras(tmp_path, monkeypatch):
    REC.make_tree(tmp_path)
    monkeypatch.setattr(_image_utils, "_pil", lambda: None)
    _check_directory(str(tmp_path))
    it = IMG.ImageDataGenerator().flow_from_directory(
        str(tmp_path), target_size=(5, 4), interpolation="bilinear"
    )
    with pytest.raises(ImportError, match="needs Pillow"):
        it[0]
    (tmp_path / "birds" / "b9.jpg").write_bytes(b"\xff\xd8\xff\xe0 not decoded")
    it = IMG.ImageDataGenerator().flow_from_directory(
        str(tmp_path), target_size=(5, 4), batch_size=1, shuffle=False
    )
    assert it.filenames[3] == os.path.join("birds", "b9.jpg")
    with pytest.raises(ImportError, match="not an 8-bit PNG.*needs Pillow"):
        it[3]


def test_iterators_train_a_model():
    x = np.random.default_rng(0).uniform(0, 1, (10, 4, 4, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype(np.float32)
    model = tf.keras.Sequential(
        [tf.keras.Input((4, 4, 1)), tf.keras.layers.Flatten(), tf.keras.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    gen = IMG.ImageDataGenerator(rescale=2.0)
    it = gen.flow(x, y, batch_size=4, shuffle=False)
    hist = model.fit(it, epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2
    want = model.evaluate(x * 2.0, y, batch_size=4, verbose=0)
    np.testing.assert_allclose(model.evaluate(it, verbose=0), want, rtol=1e-6)
    np.testing.assert_allclose(
        model.predict(gen.flow(x, batch_size=3, shuffle=False), verbose=0),
        model.predict(x * 2.0, batch_size=3, verbose=0),  # same batches: same programs
        rtol=1e-6,
    )


def test_docstring_examples():
    for module in (_image_affine, _image_data_generator):
        assert doctest.testmod(module).failed == 0
