"""keras.utils data utilities (jtape.nn.utils) against Keras 3.15 recordings: PyDataset in
fit/evaluate/predict, split_dataset, timeseries_dataset_from_array, text/image datasets
from directories, image helpers, get_file, Progbar, re-exports.

Fixtures: /work/tfvenv/bin/python tests/fixtures/record_keras_utils.py
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import pathlib
import tarfile
import warnings
import zipfile

import numpy as np
import pytest

import jtape.compat as tf
from jtape.nn import _image_utils
from jtape.nn import utils as U

HERE = pathlib.Path(__file__).parents[1] / "fixtures"
FIX = json.loads((HERE / "keras_utils_tf.json").read_text())["data"]
_spec = importlib.util.spec_from_file_location("record_keras_utils", HERE / "record_keras_utils.py")
REC = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REC)
HAS_PIL = importlib.util.find_spec("PIL") is not None


def _arr(rec):
    return np.asarray(rec["values"], dtype=rec["dtype"]).reshape(rec["shape"])


def _check(batches, recorded, atol=0.0):
    assert len(batches) == len(recorded)
    for got, want in zip(batches, recorded):
        got = got if isinstance(got, tuple) else (got,)
        want = want if isinstance(want, list) and not isinstance(want[0], str) else [want]
        if isinstance(want[0], dict) and "values" not in want[0]:
            want = [want]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            g = np.asarray(g.numpy() if hasattr(g, "numpy") else g)
            if isinstance(w, list):  # strings
                assert [x.decode() for x in g.reshape(-1).tolist()] == w
                continue
            assert g.dtype == np.dtype(w["dtype"]), (g.dtype, w["dtype"])
            assert list(g.shape) == w["shape"]
            np.testing.assert_allclose(g.astype("float64"), _arr(w).astype("float64"), atol=atol)


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    root = tmp_path_factory.mktemp("trees")
    REC.make_text_tree(root / "texts")
    REC.make_image_tree(root / "images")
    return root


# -- PyDataset ---------------------------------------------------------------------------------
class Ramp(tf.keras.utils.PyDataset):
    def __init__(self, n_batches=3, **kwargs):
        super().__init__(**kwargs)
        self.n, self.calls, self.epochs_ended, self.epochs_begun = n_batches, [], 0, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.calls.append(i)
        x = np.full((2, 1), float(i), "float32")
        return x, 3 * x

    def on_epoch_begin(self):
        self.epochs_begun += 1

    def on_epoch_end(self):
        self.epochs_ended += 1


def _model():
    model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1, use_bias=False)])
    model.layers[0].set_weights([np.ones((1, 1), "float32")])
    model.compile(tf.keras.optimizers.SGD(0.0), "mse")
    return model


def test_pydataset_fit_evaluate_predict():
    assert tf.keras.utils.Sequence is tf.keras.utils.PyDataset is U.PyDataset
    ds, model = Ramp(), _model()
    hist = model.fit(ds, epochs=2, verbose=0)
    assert ds.epochs_ended == ds.epochs_begun == 2
    assert sorted(ds.calls[:3]) == [0, 1, 2] and sorted(ds.calls[3:]) == [0, 1, 2]
    # w = 1, lr 0: loss per batch (i - 3i)^2 = 4 i^2 -> mean over batches 0, 1, 2 = 20/3
    np.testing.assert_allclose(hist.history["loss"], [20 / 3, 20 / 3], rtol=1e-6)
    ds.calls.clear()
    model.fit(ds, epochs=1, verbose=0, shuffle=False)
    assert ds.calls == [0, 1, 2]
    np.testing.assert_allclose(model.evaluate(ds, verbose=0), 20 / 3, rtol=1e-6)
    assert ds.epochs_ended == 4
    pred = model.predict(ds, verbose=0)
    np.testing.assert_array_equal(pred.ravel(), [0, 0, 1, 1, 2, 2])
    val = Ramp()
    hist = model.fit(Ramp(), validation_data=val, epochs=2, verbose=0)
    assert val.epochs_ended == 2 and val.calls == [0, 1, 2, 0, 1, 2]
    np.testing.assert_allclose(hist.history["val_loss"], [20 / 3] * 2, rtol=1e-6)
    steps = Ramp()
    model.fit(steps, epochs=1, steps_per_epoch=2, verbose=0, shuffle=False)
    assert steps.calls == [0, 1]
    with pytest.raises(ValueError, match="not supported with a PyDataset"):
        model.fit(Ramp(), np.zeros(2), verbose=0)


def test_pydataset_batch_forms_and_warnings():
    class Bad(U.PyDataset):
        def __init__(self):  # no super().__init__(): Keras warns and uses the defaults
            pass

        def __len__(self):
            return 1

        def __getitem__(self, i):
            return "nope"

    with pytest.warns(UserWarning, match="super"):
        assert Bad().workers == 1
    with pytest.warns(UserWarning, match="super"):
        with pytest.raises(ValueError, match="must return a tuple or a dict"):
            _model().fit(Bad(), verbose=0)

    class XOnly(Ramp):
        def __getitem__(self, i):
            return np.full((2, 1), float(i), "float32")  # a bare array: the inputs

    np.testing.assert_array_equal(_model().predict(XOnly(), verbose=0).ravel(), [0, 0, 1, 1, 2, 2])
    ds = Ramp(workers=4, use_multiprocessing=True, max_queue_size=3)
    assert (ds.workers, ds.use_multiprocessing, ds.max_queue_size) == (4, True, 3)
    assert ds.num_batches == 3 and len(list(ds)) == 3


# -- split / timeseries -----------------------------------------------------------------------
def _rows(ds):
    out = []
    for e in ds.as_numpy_iterator():
        out.append(
            tuple(np.asarray(v).tolist() for v in e)
            if isinstance(e, tuple)
            else np.asarray(e).tolist()
        )
    return out


def _rec_rows(recorded):
    out = []
    for e in recorded:
        if isinstance(e, list):
            out.append(tuple(_arr(v).tolist() for v in e))
        else:
            out.append(_arr(e).tolist())
    return out


@pytest.mark.parametrize(
    "name, kw",
    [
        ("left_float", dict(left_size=0.7)),
        ("right_int", dict(right_size=2)),
        ("both", dict(left_size=2, right_size=3)),
        ("shuffled", dict(left_size=0.5, shuffle=True, seed=5)),
    ],
)
def test_split_dataset(name, kw):
    left, right = tf.keras.utils.split_dataset(np.arange(12).reshape(6, 2), **kw)
    rec_left, rec_right = FIX[f"split_{name}"]
    assert _rows(left) == _rec_rows(rec_left)
    assert _rows(right) == _rec_rows(rec_right)


def test_split_dataset_tuple_dataset_and_errors():
    arr = np.arange(12).reshape(6, 2)
    left, right = U.split_dataset((arr, np.arange(6)), left_size=4, shuffle=True, seed=2)
    rec_left, rec_right = FIX["split_tuple"]
    assert _rows(left) == _rec_rows(rec_left) and _rows(right) == _rec_rows(rec_right)
    left, right = U.split_dataset(tf.data.Dataset.from_tensor_slices(arr), right_size=0.5)
    assert _rows(right) == arr[3:].tolist()
    batched = tf.data.Dataset.from_tensor_slices({"a": arr, "b": np.arange(6.0)}).batch(4)
    left, right = U.split_dataset(batched, left_size=0.5, shuffle=True, seed=9)
    for side, rec in zip((left, right), FIX["split_batched"]):
        got = list(side)
        assert len(got) == len(rec)
        for g, r in zip(got, rec):
            for k in ("a", "b"):
                assert g[k].dtype.name == r[k]["dtype"]
                np.testing.assert_array_equal(g[k].numpy(), _arr(r[k]))
    calls = [
        lambda: U.split_dataset(arr),
        lambda: U.split_dataset(arr, left_size=1.5),
        lambda: U.split_dataset(arr, left_size=0.5, right_size=0.7),
        lambda: U.split_dataset(arr, left_size="a"),
    ]
    for call, name in zip(calls, FIX["split_errors"]):
        with pytest.raises(Exception) as info:
            call()
        assert type(info.value).__name__ == name


@pytest.mark.parametrize(
    "name, kw",
    [
        ("plain", dict(sequence_length=3, batch_size=4)),
        ("rate_stride", dict(sequence_length=3, sampling_rate=2, sequence_stride=2, batch_size=2)),
        ("start_end", dict(sequence_length=2, start_index=2, end_index=8, batch_size=None)),
    ],
)
def test_timeseries_dataset_from_array(name, kw):
    data, targets = np.arange(30).reshape(10, 3).astype("float32"), np.arange(10) * 10
    ds = tf.keras.utils.timeseries_dataset_from_array(data, targets, **kw)
    _check(list(ds), FIX[f"ts_{name}"])


def test_timeseries_dataset_no_targets_shuffle_errors():
    data = np.arange(30).reshape(10, 3).astype("float32")
    ds = tf.keras.preprocessing.timeseries_dataset_from_array(data, None, 4, batch_size=3)
    _check(list(ds), FIX["ts_no_targets"])
    ds = U.timeseries_dataset_from_array(
        data, np.arange(10) * 10, 3, shuffle=True, seed=11, batch_size=None
    )
    pairs = [(x.numpy(), int(y)) for x, y in ds]
    assert sorted(y for _, y in pairs) == FIX["ts_shuffled_sorted"]
    for x, y in pairs:  # every window still starts at its target's step
        np.testing.assert_array_equal(x, data[y // 10 : y // 10 + 3])
    assert FIX["ts_error"] == "ValueError"
    with pytest.raises(ValueError, match="sampling_rate` must be higher than 0"):
        U.timeseries_dataset_from_array(data, None, 3, sampling_rate=0)


# -- directories --------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["int", "categorical", "binary", None])
def test_text_dataset_label_modes(trees, mode):
    ds = tf.keras.utils.text_dataset_from_directory(
        trees / "texts", label_mode=mode, shuffle=False, batch_size=4, verbose=False
    )
    rec = FIX[f"text_{mode}"]
    assert ds.class_names == rec["class_names"]
    _check(list(ds), rec["batches"])


def test_text_dataset_split_is_keras_split(trees):
    texts = trees / "texts"
    ds = U.text_dataset_from_directory(
        texts, shuffle=False, batch_size=None, max_length=9, verbose=False
    )
    _check(list(ds), FIX["text_max_length"])
    tr, va = U.text_dataset_from_directory(
        texts, validation_split=0.3, subset="both", seed=1337, batch_size=None, verbose=False
    )
    assert sorted([x.numpy().decode(), int(y)] for x, y in tr) == FIX["text_split"]["train"]
    assert [[x.numpy().decode(), int(y)] for x, y in va] == FIX["text_split"]["val"]
    va = U.text_dataset_from_directory(
        texts, validation_split=0.5, subset="validation", seed=3, batch_size=2, verbose=False
    )
    # a shuffled subset is reshuffled by the dataset (TF's stream vs jtape's): same files
    got = sorted((x.decode(), int(y)) for xs, ys in va for x, y in zip(xs.numpy(), ys.numpy()))
    want = sorted(
        (x, int(y)) for xs, ys in FIX["text_val_only"] for x, y in zip(xs, _arr(ys).tolist())
    )
    assert got == want and len(want) == 4
    ds = U.text_dataset_from_directory(
        texts, class_names=["pos", "neg"], shuffle=False, batch_size=None, verbose=False
    )
    assert [[x.numpy().decode(), int(y)] for x, y in ds] == FIX["text_class_names"]
    ds = U.text_dataset_from_directory(
        texts, labels=[i % 3 for i in range(10)], shuffle=False, batch_size=None, verbose=False
    )
    assert ds.class_names == FIX["text_given_labels"]["class_names"]
    assert [int(y) for _, y in ds] == FIX["text_given_labels"]["labels"]
    assert next(iter(ds))[1].dtype.name == FIX["text_given_labels"]["dtype"]
    ds = U.text_dataset_from_directory(
        texts,
        labels=[5] + [1] * 9,
        label_mode="categorical",
        shuffle=False,
        batch_size=None,
        verbose=False,
    )
    # tf.one_hot of the label value 5 with 2 classes ("1", "5"): a row of zeros
    assert next(iter(ds))[1].numpy().tolist() == [0.0, 0.0]
    errors = [
        lambda: U.text_dataset_from_directory(texts, validation_split=0.2, subset="training"),
        lambda: U.text_dataset_from_directory(texts, label_mode="sparse"),
        lambda: U.text_dataset_from_directory(texts / "pos", label_mode="binary", verbose=False),
    ]
    for call, name in zip(errors, FIX["text_errors"]):
        with pytest.raises(Exception) as info:
            call()
        assert type(info.value).__name__ == name


IMAGE_CASES = {
    "rgb": dict(image_size=(4, 5), label_mode="categorical"),
    "gray": dict(image_size=(3, 3), color_mode="grayscale", interpolation="nearest"),
    "rgba_crop": dict(image_size=(4, 4), color_mode="rgba", crop_to_aspect_ratio=True),
    "pad": dict(image_size=(6, 3), pad_to_aspect_ratio=True, labels=None),
    "binary_two": dict(image_size=(2, 2), class_names=["fish", "dogs"], label_mode="binary"),
}


@pytest.mark.parametrize("name", list(IMAGE_CASES))
def test_image_dataset_from_png_directory(trees, name):
    ds = tf.keras.utils.image_dataset_from_directory(
        trees / "images", shuffle=False, batch_size=3, verbose=False, **IMAGE_CASES[name]
    )
    rec = FIX[f"img_{name}"]
    assert ds.class_names == rec["class_names"]
    _check(list(ds), rec["batches"], atol=1e-3)


def test_image_dataset_split_and_training(trees):
    kw = dict(validation_split=0.4, seed=42, image_size=(2, 2), batch_size=None, verbose=False)
    tr = U.image_dataset_from_directory(trees / "images", subset="training", **kw)
    va = U.image_dataset_from_directory(trees / "images", subset="validation", **kw)
    got = sorted([float(np.asarray(x).sum()), int(y)] for x, y in tr)
    np.testing.assert_allclose(got, FIX["img_split"]["train"], atol=1e-2)
    np.testing.assert_allclose(
        [[float(np.asarray(x).sum()), int(y)] for x, y in va], FIX["img_split"]["val"], atol=1e-2
    )
    ds = U.image_dataset_from_directory(
        trees / "images", image_size=(4, 4), batch_size=2, seed=1, verbose=False
    )
    model = tf.keras.Sequential(
        [tf.keras.Input((4, 4, 3)), tf.keras.layers.Flatten(), tf.keras.layers.Dense(3)]
    )
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert len(model.fit(ds, epochs=1, verbose=0).history["loss"]) == 1


def test_non_png_images_need_pillow(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.jpg").write_bytes(b"\xff\xd8\xff\xe0fake")
    ds = U.image_dataset_from_directory(tmp_path, shuffle=False, verbose=False)
    monkeypatch.setattr(_image_utils, "_pil", lambda: None)
    with pytest.raises(ImportError, match="pip install pillow"):
        next(iter(ds))
    with pytest.raises(ImportError, match="requires PIL"):
        U.load_img(tmp_path / "a" / "x.jpg")
    with pytest.raises(ImportError, match="requires PIL"):
        U.array_to_img(np.zeros((2, 2, 3)))
    x = np.arange(12, dtype="float32").reshape(2, 2, 3)
    U.save_img(tmp_path / "x.png", x, scale=False)  # PNG is written without Pillow
    np.testing.assert_array_equal(tf.io.decode_png((tmp_path / "x.png").read_bytes()).numpy(), x)


@pytest.mark.skipif(not HAS_PIL, reason="needs Pillow for BMP/GIF/JPEG")
@pytest.mark.parametrize("kind", ["bmp", "gif", "jpeg", "png"])
def test_image_formats_through_pillow(tmp_path, kind):
    REC.make_pil_tree(tmp_path)
    for mode in ("grayscale", "rgb", "rgba"):
        rec = FIX[f"pil_{kind}_{mode}"]
        ds = U.image_dataset_from_directory(
            tmp_path / kind,
            labels=None,
            shuffle=False,
            batch_size=None,
            image_size=(6, 5),
            color_mode=mode,
            interpolation="nearest",
            verbose=False,
        )
        if isinstance(rec, str):  # TF refuses this channel count for the format
            with pytest.raises(tf.errors.InvalidArgumentError, match="channels"):
                list(ds)
            continue
        # JPEG: Pillow's accurate IDCT vs TF's fast one (a warning says so)
        atol = 8 if kind == "jpeg" else 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _check(list(ds), [rec[0]], atol=atol)


@pytest.mark.skipif(not HAS_PIL, reason="needs Pillow")
def test_load_img_array_to_img_with_pillow(trees):
    img = U.load_img(
        trees / "images" / "cats" / "img0.png",
        target_size=(4, 2),
        interpolation="bilinear",
        keep_aspect_ratio=True,
    )
    _check([U.img_to_array(img)], [FIX["load_img"]])
    img = U.load_img(trees / "images" / "cats" / "img2.png", color_mode="grayscale")
    _check([U.img_to_array(img)], [FIX["load_img_gray"]])
    _check([np.asarray(U.array_to_img(np.arange(12.0).reshape(2, 2, 3)))], [FIX["array_to_img"]])


# -- image helpers ----------------------------------------------------------------------------
def test_smart_resize_img_to_array():
    img = np.arange(2 * 6 * 8 * 3, dtype="float32").reshape(2, 6, 8, 3)
    for got, rec in (
        (tf.keras.preprocessing.image.smart_resize(img, (3, 3)), FIX["smart_resize"]),
        (U.smart_resize(img[0], (4, 2), interpolation="nearest"), FIX["smart_resize_single"]),
    ):
        assert isinstance(got, np.ndarray) and got.dtype == np.dtype(rec["dtype"])
        np.testing.assert_allclose(got, _arr(rec), rtol=1e-6)
    a = tf.keras.utils.img_to_array(np.ones((2, 3), "uint8"))
    b = U.img_to_array(np.ones((2, 3, 3)), data_format="channels_first", dtype="int32")
    for got, rec in zip((a, b), FIX["img_to_array"]):
        assert got.dtype == np.dtype(rec["dtype"]) and list(got.shape) == rec["shape"]


def test_save_img_png_round_trip(tmp_path):
    x = np.arange(24, dtype="float32").reshape(2, 4, 3)
    U.save_img(tmp_path / "x.png", x, scale=False)
    data = (tmp_path / "x.png").read_bytes()
    pixels = tf.io.decode_png(data).numpy()
    np.testing.assert_array_equal(pixels, x.astype("uint8"))
    U.save_img(tmp_path / "s.png", x)  # scaled to [0, 255]
    pixels = tf.io.decode_png((tmp_path / "s.png").read_bytes()).numpy()
    np.testing.assert_array_equal(pixels, (x * 255 / 23).astype("uint8"))
    if not HAS_PIL:
        with pytest.raises(ImportError, match="PIL"):
            U.load_img(tmp_path / "x.png")
        with pytest.raises(ImportError, match="PIL"):
            U.array_to_img(x)
    else:
        img = U.load_img(tmp_path / "x.png", color_mode="grayscale")
        assert U.img_to_array(img).shape == (2, 4, 1)


# -- get_file / Progbar / re-exports ----------------------------------------------------------
def test_get_file_file_url_hash_and_extract(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "data.txt").write_text("payload")
    digest = hashlib.sha256(b"payload").hexdigest()
    cache = tmp_path / "cache"
    cache.mkdir()  # a missing cache_dir means /tmp/.keras, as Keras
    path = tf.keras.utils.get_file(
        "data.txt", (src / "data.txt").as_uri(), file_hash=digest, cache_dir=str(cache)
    )
    assert path == str(cache / "datasets" / "data.txt")
    assert pathlib.Path(path).read_text() == "payload"
    (src / "data.txt").write_text("changed")  # cached copy with the right hash is kept
    assert (
        pathlib.Path(
            U.get_file(
                "data.txt", (src / "data.txt").as_uri(), file_hash=digest, cache_dir=str(cache)
            )
        ).read_text()
        == "payload"
    )
    with pytest.raises(ValueError, match="file hash does not match"):
        U.get_file(
            "other.txt", (src / "data.txt").as_uri(), md5_hash="0" * 32, cache_dir=str(cache)
        )
    assert (cache / "datasets" / "other.txt").exists()  # Keras keeps the bad download too
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("inner/a.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    (src / "arch.tar.gz").write_bytes(buf.getvalue())
    out = U.get_file(
        "arch.tar.gz", (src / "arch.tar.gz").as_uri(), extract=True, cache_dir=str(cache)
    )
    assert out == str(cache / "datasets" / "arch_extracted")
    assert (pathlib.Path(out) / "inner" / "a.txt").read_text() == "abc"
    with zipfile.ZipFile(src / "z.zip", "w") as z:
        z.writestr("b.txt", "zz")
    out = U.get_file(
        origin=(src / "z.zip").as_uri(), extract=True, cache_dir=str(cache), cache_subdir="sub"
    )
    assert out == str(cache / "sub" / "z.zip") and (pathlib.Path(out) / "b.txt").read_text() == "zz"
    with pytest.raises(ValueError, match="origin"):
        U.get_file("x")
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        U.get_file("a/b", "file:///nowhere")


def test_get_file_layout_matches_keras(tmp_path, capsys):
    assert REC.run_get_file(U.get_file, tmp_path) == FIX["get_file"]


def test_text_dataset_nested_and_image_channels_first(trees, tmp_path):
    nested = tmp_path / "nested"
    REC.make_text_tree(nested)
    (nested / "pos" / "deeper").mkdir()
    (nested / "pos" / "deeper" / "zz.txt").write_text("deep pos")
    (nested / "neg" / "a_sub").mkdir()
    (nested / "neg" / "a_sub" / "00.txt").write_text("deep neg")
    ds = U.text_dataset_from_directory(nested, shuffle=False, batch_size=None, verbose=False)
    assert [[x.numpy().decode(), int(y)] for x, y in ds] == FIX["text_nested"]
    ds = U.image_dataset_from_directory(
        trees / "images",
        shuffle=False,
        batch_size=7,
        image_size=(3, 2),
        data_format="channels_first",
        verbose=False,
    )
    _check(list(ds), FIX["img_channels_first"], atol=1e-3)


def test_progbar_text_matches_keras():
    rec = json.loads((HERE / "keras_utils_tf.json").read_text())["progbar"]
    assert REC.run_progbar(tf.keras.utils.Progbar) == rec
    with pytest.raises(ValueError, match="Only one of"):
        U.Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_progbar_add_and_reexports(capsys):
    bar = tf.keras.utils.Progbar(4, verbose=2, stateful_metrics=["acc"])
    bar.update(2, values=[("loss", 1.0), ("acc", 0.5)])
    bar.add(2, values=[("loss", 3.0), ("acc", 0.75)])
    line = capsys.readouterr().out  # Keras: the final update's value replaces the average
    assert line.startswith("4/4") and "loss: 3.0000" in line and "acc: 0.7500" in line
    utils = tf.keras.utils
    assert utils.register_keras_serializable is tf.keras.saving.register_keras_serializable
    assert utils.custom_object_scope is tf.keras.saving.custom_object_scope
    x = tf.keras.Input((3,))
    y = tf.keras.layers.Dense(2)(tf.keras.layers.Dense(2)(x))
    assert utils.get_source_inputs(y)[0] is x and utils.is_keras_tensor(y)
    got = []
    for d in ("float", "int32", "float16", np.float64, "bool", None, float, int):
        try:
            got.append(utils.standardize_dtype(d))
        except ValueError:
            got.append("ValueError")
    assert got == FIX["standardize_dtype"]
    backend_got = []
    for d in ("float", "int32", "float16", np.float64, "bool", None, float, int):
        try:
            backend_got.append(tf.keras.backend.standardize_dtype(d))
        except ValueError:
            backend_got.append("ValueError")
    assert backend_got == FIX["standardize_dtype"]  # the same function in Keras 3
    utils.clear_session()


@pytest.mark.parametrize(
    "module",
    [
        "_dataset_utils",
        "_file_utils",
        "_image_utils",
        "_progbar",
        "_py_dataset",
        "_sequence_preprocessing",
        "_text_preprocessing",
        "utils",
    ],
)
def test_docstring_examples(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"jtape.nn.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def _without_tf_peek(log: list) -> list:
    """Keras' TF backend first reads batches 0 and 1 to infer the output signature (then,
    except in predict, calls on_epoch_end), and ends the last validation pass twice; jtape
    does neither."""
    assert log[:2] == ["get0", "get1"]
    log = log[3:] if log[2] == "end" else log[2:]  # predict's peek has no on_epoch_end
    out = []
    for entry in log:
        if not (entry == "end" and out and out[-1] == "end"):
            out.append(entry)
    return out


def test_pydataset_training_matches_keras():
    rec = json.loads((HERE / "keras_utils_tf.json").read_text())["pydataset"]
    Ramp = REC.make_ramp_class(tf.keras.utils.PyDataset)
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.layers[0].set_weights([np.array([[0.5], [-0.25]], "float32"), np.zeros(1, "float32")])
    model.compile(tf.keras.optimizers.SGD(0.1), "mse")
    logs = {k: [] for k in ("train", "val", "evaluate", "predict")}
    hist = model.fit(
        Ramp(logs["train"]), validation_data=Ramp(logs["val"]), epochs=2, shuffle=False, verbose=0
    )
    for key, values in rec["history"].items():
        np.testing.assert_allclose(hist.history[key], values, rtol=1e-5)
    for got, want in zip(model.get_weights(), rec["weights"]):
        np.testing.assert_allclose(got, want, rtol=1e-5)
    np.testing.assert_allclose(
        model.evaluate(Ramp(logs["evaluate"]), verbose=0), rec["evaluate"], rtol=1e-5
    )
    np.testing.assert_allclose(
        model.predict(Ramp(logs["predict"]), verbose=0), rec["predict"], rtol=1e-5
    )
    for key, log in logs.items():
        assert log == _without_tf_peek(rec["logs"][key]), key
