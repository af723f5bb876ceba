"""Keras 3 model files: ``.weights.h5``, ``.keras``, configs, and both directions of interop.

Fixtures in ``fixtures/keras_files`` were written by Keras 3.15 with
``fixtures/record_keras_files.py``; the models are defined once, for both sides, in
``fixtures/keras_files_cases.py``. The other direction (jtape's files loading in real
Keras) is checked by that script's ``verify`` mode on the files ``write`` below makes:

    .venv/bin/python tests/nn/test_model_files.py write /tmp/jtape_keras_files
    /work/tfvenv/bin/python tests/nn/fixtures/record_keras_files.py verify /tmp/jtape_keras_files
"""

import json
import os
import sys
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape import nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
import keras_files_cases as cases  # noqa: E402

keras = tf.keras
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras_files")
EXPECTED = np.load(os.path.join(FIXTURES, "expected.npz"))
TwoTower = cases.make_subclass(keras)


def _expected(case):
    sub = {k.split("/", 1)[1]: EXPECTED[k] for k in EXPECTED.files if k.startswith(case + "/")}
    x = cases.from_flat(sub, "", case)
    opt = [sub[k] for k in sorted(sub) if k.startswith("opt")]
    return x, sub["pred"], opt, sub.get("after_step")


def _predict(model, x):
    return np.asarray(model(x, training=False))


def _fresh(case, seed=5):
    jt.random.set_seed(seed)
    return cases.build(keras, case, TwoTower)


def _layout(file) -> dict:
    out = {}
    with h5py.File(file, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = (obj.shape, obj.dtype.str)
            else:  # layer names are automatic ("dense_7"): only their presence is compared
                out[name] = sorted(obj.attrs)

        f.visititems(visit)
    return out


# -- Keras' files into jtape -------------------------------------------------------------
@pytest.mark.parametrize("case", cases.CASES)
def test_keras_weights_h5_loads_with_identical_predictions(case):
    x, pred, opt, _ = _expected(case)
    model = _fresh(case)
    assert not np.allclose(_predict(model, x), pred, atol=1e-3)
    model.optimizer.build(model.trainable_variables)
    model.load_weights(os.path.join(FIXTURES, f"{case}.weights.h5"))
    np.testing.assert_allclose(_predict(model, x), pred, rtol=1e-5, atol=1e-6)
    got = [np.asarray(v.numpy()) for v in model.optimizer.variables]
    assert len(got) == len(opt)
    for g, w in zip(got, opt):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("case", cases.CASES)
def test_keras_file_loads_with_identical_predictions_and_optimizer(case):
    x, pred, opt, after = _expected(case)
    model = keras.models.load_model(os.path.join(FIXTURES, f"{case}.keras"))
    np.testing.assert_allclose(_predict(model, x), pred, rtol=1e-5, atol=1e-6)
    got = [np.asarray(v.numpy()) for v in model.optimizer.variables]
    assert len(got) == len(opt)
    for g, w in zip(got, opt):
        np.testing.assert_array_equal(g, w)
    if after is not None:  # the restored Adam/SGD state drives the next step as in Keras
        xs, ys = cases.data(case, seed=2)
        model.train_on_batch(cases.first(xs), cases.first(ys))
        np.testing.assert_allclose(_predict(model, x), after, rtol=1e-4, atol=1e-5)


def test_keras_file_restores_batchnorm_statistics():
    model = keras.models.load_model(os.path.join(FIXTURES, "cnn.keras"))
    bn = model.layers[1]
    with h5py.File(os.path.join(FIXTURES, "cnn.weights.h5")) as f:
        mean = np.asarray(f["layers/batch_normalization/vars/2"])
        var = np.asarray(f["layers/batch_normalization/vars/3"])
    assert not np.allclose(mean, 0) and not np.allclose(var, 1)  # Keras trained them
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mean)
    np.testing.assert_array_equal(bn.moving_variance.numpy(), var)


@pytest.mark.parametrize("case", cases.CASES)
def test_jtape_writes_keras_layout(case, tmp_path):
    """Same groups, datasets, shapes, dtypes and names as the file Keras wrote."""
    model = _fresh(case)
    model.optimizer.build(model.trainable_variables)
    path = tmp_path / f"{case}.weights.h5"
    model.save_weights(str(path))
    assert _layout(path) == _layout(os.path.join(FIXTURES, f"{case}.weights.h5"))


@pytest.mark.parametrize("case", cases.CASES)
def test_jtape_config_names_keras_layers(case, tmp_path):
    model = _fresh(case)
    model.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        ours = json.loads(zf.read("config.json"))
    with zipfile.ZipFile(os.path.join(FIXTURES, f"{case}.keras")) as zf:
        theirs = json.loads(zf.read("config.json"))
    for key in ("module", "class_name", "registered_name"):
        assert ours[key] == theirs[key]
    if "layers" in theirs["config"]:
        mine = [(c["class_name"], sorted(c["config"])) for c in ours["config"]["layers"]]
        keras_ = [(c["class_name"], sorted(c["config"])) for c in theirs["config"]["layers"]]
        assert [m[0] for m in mine] == [k[0] for k in keras_]
        for (name, ours_keys), (_, their_keys) in zip(mine, keras_):
            # Keras' arguments jtape does not have are the documented Keras-only ones.
            missing = set(their_keys) - set(ours_keys)
            assert missing <= {
                "quantization_config",
                "renorm",
                "renorm_clipping",
                "renorm_momentum",
                "seed",
                "lora_rank",
                "lora_alpha",
                "use_cudnn",
            }, (name, missing)
    assert (
        ours["compile_config"]["optimizer"]["class_name"]
        == (theirs["compile_config"]["optimizer"]["class_name"])
    )


# -- jtape's own round trips -------------------------------------------------------------
def _trained(case):
    model = _fresh(case)
    x, y = cases.data(case)
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    return model


def _perturbed(case):
    """A model whose weights and optimizer slots hold random values (no training: fast)."""
    model = _fresh(case)
    model.optimizer.build(model.trainable_variables)
    rng = np.random.RandomState(11)
    for v in model.weights + model.optimizer.variables[2:]:
        v.assign(np.abs(rng.normal(size=v.shape)).astype(v.dtype.name) * 0.3)
    model.optimizer.iterations.assign(7)
    return model


@pytest.mark.parametrize("case", cases.CASES)
def test_round_trip_keras_file(case, tmp_path):
    model = _perturbed(case)
    x = cases.first(cases.data(case, seed=1)[0])
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(_predict(loaded, x), _predict(model, x))
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert [w.shape for w in loaded.weights] == [w.shape for w in model.weights]


def test_save_weights_h5_is_atomic_and_checked(tmp_path):
    model = _perturbed("sequential")
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    assert h5py.is_hdf5(path)
    with pytest.raises(FileExistsError):
        model.save_weights(path, overwrite=False)
    with pytest.raises(ValueError, match="sharded weights"):
        model.save_weights(path, max_shard_size=1)
    wrong = keras.Sequential([keras.Input((6,)), keras.layers.Dense(9), keras.layers.Dense(3)])
    before = [w.copy() for w in wrong.get_weights()]
    with pytest.raises(ValueError, match="could not be loaded"):
        wrong.load_weights(path)
    for a, b in zip(before, wrong.get_weights()):  # nothing was assigned
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="Skipping loading"):
        wrong.load_weights(path, skip_mismatch=True)
    unbuilt = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="not yet been built"):
        unbuilt.load_weights(path)


def test_unbuilt_optimizer_is_skipped_with_keras_warning(tmp_path):
    model = _perturbed("sequential")
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    fresh = _fresh("sequential")
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        fresh.load_weights(path)
    x = cases.first(cases.data("sequential", seed=1)[0])
    np.testing.assert_array_equal(_predict(fresh, x), _predict(model, x))


def test_other_paths_keep_the_checkpoint_directory_format(tmp_path):
    model = _perturbed("sequential")
    model.save_weights(str(tmp_path / "ckpt"))
    assert os.path.isdir(tmp_path / "ckpt")
    fresh = _fresh("sequential")
    fresh.load_weights(str(tmp_path / "ckpt"))
    x = cases.first(cases.data("sequential", seed=1)[0])
    np.testing.assert_array_equal(_predict(fresh, x), _predict(model, x))


def test_load_model_errors(tmp_path):
    with pytest.raises(ValueError, match="legacy Keras 2 HDF5"):
        keras.models.load_model(str(tmp_path / "m.h5"))
    (tmp_path / "sm").mkdir()
    (tmp_path / "sm" / "saved_model.pb").write_bytes(b"")
    with pytest.raises(ValueError, match="SavedModel"):
        keras.models.load_model(str(tmp_path / "sm"))
    model = _fresh("sequential")
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(str(tmp_path / "m.h5x"))


def test_unregistered_subclass_needs_custom_objects(tmp_path):
    class Plain(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = keras.layers.Dense(2)

        def call(self, x):
            return self.d(x)

    model = Plain()
    x = np.ones((1, 3), "float32")
    model(x)
    path = str(tmp_path / "p.keras")
    model.save(path)
    with pytest.raises(TypeError, match="Could not locate class 'Plain'"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"Plain": Plain})
    np.testing.assert_array_equal(_predict(loaded, x), _predict(model, x))
    with keras.saving.custom_object_scope({"Plain": Plain}):
        again = keras.models.load_model(path)
    np.testing.assert_array_equal(_predict(again, x), _predict(model, x))
    clone = keras.models.clone_model(model)  # cloning needs no registration
    assert type(clone) is Plain and clone.d.kernel is not model.d.kernel


def test_registry_names():
    assert keras.saving.get_registered_name(TwoTower) == "jtape_fixtures>TwoTower"
    assert keras.saving.get_custom_objects()["jtape_fixtures>TwoTower"] is TwoTower
    assert keras.saving.get_registered_name(nn.Dense) == "Dense"


def test_json_and_clone(tmp_path):
    for case in ("sequential", "functional", "subclassed"):
        model = _perturbed(case)
        x = cases.first(cases.data(case, seed=1)[0])
        again = keras.models.model_from_json(model.to_json())
        assert [type(a) for a in again.layers] == [type(b) for b in model.layers]
        assert [w.shape for w in again.weights] == [w.shape for w in model.weights]
        again.set_weights(model.get_weights())
        np.testing.assert_array_equal(_predict(again, x), _predict(model, x))
        clone = keras.models.clone_model(model)
        assert clone is not model and all(a is not b for a, b in zip(clone.weights, model.weights))
        assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    seq = _fresh("sequential")
    clone = keras.models.clone_model(
        seq, clone_function=lambda layer: layer.__class__.from_config(layer.get_config())
    )
    assert [type(a) for a in clone.layers] == [type(b) for b in seq.layers]


def test_models_namespace():
    assert tf.keras.models.Model is nn.Model and tf.keras.models.Sequential is nn.Sequential
    for name in ("load_model", "save_model", "clone_model", "model_from_json"):
        assert callable(getattr(tf.keras.models, name))
    assert tf.keras.saving.load_model is tf.keras.models.load_model


# -- callbacks ---------------------------------------------------------------------------
def _small_model():
    jt.random.set_seed(0)
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    return model


def _xy():
    x = np.random.RandomState(0).normal(size=(24, 3)).astype("float32")
    return x, x[:, :1] * 2.0 - x[:, 1:2]


def test_model_checkpoint_filenames_and_save_best_only(tmp_path):
    x, y = _xy()
    model = _small_model()
    val = (x[:8], y[:8])
    every = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "all" / "w-{epoch:02d}.weights.h5"), save_weights_only=True
    )
    best = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "best-{epoch:02d}-{val_loss:.2f}.keras"),
        monitor="val_loss",
        save_best_only=True,
        mode="min",
    )
    worst = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "max.keras"), monitor="val_loss", save_best_only=True, mode="max"
    )
    history = model.fit(
        x, y, epochs=4, batch_size=8, validation_data=val, verbose=0, callbacks=[every, best, worst]
    )
    losses = history.history["val_loss"]
    assert sorted(os.listdir(tmp_path / "all")) == [f"w-{e:02d}.weights.h5" for e in (1, 2, 3, 4)]
    expected, lowest = [], None
    for epoch, loss in enumerate(losses, start=1):
        if lowest is None or loss < lowest:
            lowest = loss
            expected.append(f"best-{epoch:02d}-{loss:.2f}.keras")
    assert sorted(f for f in os.listdir(tmp_path) if f.startswith("best")) == sorted(expected)
    assert best.best == min(losses) and worst.best == max(losses)
    # the last "every epoch" file holds the final weights, the best file the best epoch's
    final = _small_model()
    final.load_weights(str(tmp_path / "all" / "w-04.weights.h5"))
    np.testing.assert_array_equal(_predict(final, x), _predict(model, x))
    restored = keras.models.load_model(str(tmp_path / expected[-1]))
    assert restored.evaluate(*val, verbose=0) == pytest.approx(min(losses), rel=1e-5)


def test_model_checkpoint_keras_errors(tmp_path):
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "w.h5"), save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m"))
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="batch")
    x, y = _xy()
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "m-{nope}.keras"))
    with pytest.raises(KeyError, match="Failed to format"):
        _small_model().fit(x, y, epochs=1, verbose=0, callbacks=[cb])


def test_model_checkpoint_auto_mode_direction(tmp_path):
    from jtape.nn._checkpoint_callbacks import _monitor_maximizes

    def direction(monitor):
        cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), monitor=monitor)
        return _monitor_maximizes(cb, None)

    assert direction("val_loss") is False and direction("mean_absolute_error") is False
    assert direction("val_accuracy") is True and direction("auc") is True
    with pytest.raises(ValueError, match="mode='max'"):
        direction("val_custom")


def test_unbuilt_model_saves_and_loads_config_only(tmp_path):
    model = keras.Sequential([keras.layers.Dense(3, activation="tanh")])
    model.save(str(tmp_path / "u.keras"))
    loaded = keras.models.load_model(str(tmp_path / "u.keras"))
    assert not loaded.built and loaded.layers[0].units == 3
    assert loaded.layers[0].activation is nn.activations.tanh
    with pytest.raises(ValueError, match="not yet been built"):
        model.save_weights(str(tmp_path / "u.weights.h5"))


class _Interrupt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


def test_backup_and_restore_resumes_bit_for_bit(tmp_path):
    x, y = _xy()
    reference = _small_model()
    full = reference.fit(x, y, epochs=4, batch_size=8, verbose=0)  # shuffles, dropout

    model = _small_model()
    backup = str(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(
            x,
            y,
            epochs=4,
            batch_size=8,
            verbose=0,
            callbacks=[keras.callbacks.BackupAndRestore(backup), _Interrupt(2)],
        )
    assert json.load(open(os.path.join(backup, "training_metadata.json")))["epoch"] == 2

    resumed = _small_model()  # a fresh process would build the model again
    rest = resumed.fit(
        x,
        y,
        epochs=4,
        batch_size=8,
        verbose=0,
        callbacks=[keras.callbacks.BackupAndRestore(backup)],
    )
    assert rest.epoch == [2, 3]
    assert rest.history["loss"] == full.history["loss"][2:]
    for a, b in zip(
        resumed.weights + resumed.optimizer.variables,
        reference.weights + reference.optimizer.variables,
    ):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not os.path.exists(backup)  # deleted after a completed fit


@pytest.mark.parametrize(
    "module", ["_saving", "_serialization", "_checkpoint_callbacks", "_model_config"]
)
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"jtape.nn.{module}"))
    assert result.failed == 0


# -- writing the files real Keras checks ------------------------------------------------
def write(directory: str) -> None:
    """jtape's files and predictions for ``record_keras_files.py verify``."""
    os.makedirs(directory, exist_ok=True)
    for case in cases.CASES:
        model = _trained(case)
        x_test = cases.first(cases.data(case, seed=1)[0])
        model.save(os.path.join(directory, f"{case}.keras"))
        model.save_weights(os.path.join(directory, f"{case}.weights.h5"))
        store = dict(cases.flat_inputs(x_test))
        store["pred"] = _predict(model, x_test)
        for i, v in enumerate(model.optimizer.variables):
            store[f"opt{i:02d}"] = np.asarray(v.numpy())
        if case in cases.STEP_CASES:
            xs, ys = cases.data(case, seed=2)
            model.train_on_batch(cases.first(xs), cases.first(ys))
            store["after_step"] = _predict(model, x_test)
        np.savez(os.path.join(directory, f"{case}.npz"), **store)
        print(f"wrote {case}")


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        sys.exit("usage: python tests/nn/test_model_files.py write DIR")
