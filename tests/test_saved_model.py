"""jt.saved_model / tf.saved_model on StableHLO: functions run after loading in a process
that never defines the module's class, at any batch size."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Regressor(tf.Module):
    """A module with a Keras layer, its own variable and a counter it assigns."""

    def __init__(self):
        super().__init__()
        tf.random.set_seed(0)
        self.hidden = tf.keras.layers.Dense(4, activation="tanh")
        self.hidden(np.zeros((1, 3), np.float32))
        self.scale = tf.Variable(np.array([1.5, -0.5, 2.0, 0.25], np.float32))
        self.calls = tf.Variable(0, dtype=tf.int64, trainable=False)

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def __call__(self, x):
        return tf.reduce_sum(self.hidden(x) * self.scale, axis=-1)

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, 3], tf.float32, name="features"),
            tf.TensorSpec([None], tf.float32),
        ]
    )
    def error(self, x, y):
        self.calls.assign_add(1)
        return {"sq": (self(x) - y) ** 2, "calls": self.calls.value()}


X = np.linspace(-2.0, 2.0, 7 * 3, dtype=np.float32).reshape(7, 3)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    module = Regressor()
    directory = str(tmp_path_factory.mktemp("sm") / "regressor")
    tf.saved_model.save(module, directory, signatures={"serve": module.__call__})
    return module, directory


def test_loads_in_a_fresh_process_without_the_class(exported, tmp_path):
    module, directory = exported
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        import jtape.compat as tf
        loaded = tf.saved_model.load(sys.argv[1])
        x = np.linspace(-2.0, 2.0, 21, dtype=np.float32).reshape(7, 3)
        first = loaded.error(x, np.zeros(7, np.float32))
        second = loaded.error(features=x[:2], y=np.ones(2, np.float32))
        np.savez(
            sys.argv[2], call7=loaded(x).numpy(), call2=loaded(x[:2]).numpy(),
            serve1=loaded.signatures["serve"](x=x[:1])["output_0"].numpy(),
            sq7=first["sq"].numpy(), sq2=second["sq"].numpy(),
            calls=[int(first["calls"]), int(second["calls"]), int(loaded.calls.numpy())],
            kernel=loaded.hidden.kernel.numpy(),
        )
        assert "Regressor" not in dir(sys.modules["__main__"])
        """
    )
    out = str(tmp_path / "out.npz")
    r = subprocess.run(
        [sys.executable, "-c", code, directory, out],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": ROOT},
        check=False,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    got = np.load(out)
    expected = module(X).numpy()
    np.testing.assert_allclose(got["call7"], expected, rtol=1e-6)
    np.testing.assert_allclose(got["call2"], expected[:2], rtol=1e-6)
    np.testing.assert_allclose(got["serve1"], expected[:1], rtol=1e-6)
    np.testing.assert_allclose(got["sq7"], expected**2, rtol=1e-6)
    np.testing.assert_allclose(got["sq2"], (expected[:2] - 1.0) ** 2, rtol=1e-6)
    assert got["calls"].tolist() == [1, 2, 2]  # the assignment is part of the program
    np.testing.assert_array_equal(got["kernel"], module.hidden.kernel.numpy())


def test_manifest_and_symbolic_batch(exported):
    _, directory = exported
    with open(os.path.join(directory, "jtape_saved_model.json")) as f:
        manifest = json.load(f)
    assert sorted(manifest["functions"]) == ["__call__", "error"]
    assert list(manifest["signatures"]) == ["serve"]
    inputs = manifest["functions"]["error"]["inputs"]
    assert [(i["name"], i["shape"]) for i in inputs] == [("features", [None, 3]), ("y", [None])]
    assert "cpu" in manifest["functions"]["__call__"]["platforms"]
    assert set(manifest["variables"]) == {"calls", "hidden/kernel", "hidden/bias", "scale"}


def test_loaded_signature_checks_inputs(exported):
    _, directory = exported
    loaded = jt.saved_model.load(directory)
    with pytest.raises(TypeError, match="does not match the saved signature"):
        loaded(np.zeros((2, 4), np.float32))
    with pytest.raises(TypeError, match="missing arguments"):
        loaded.error(X)


def test_default_signature_and_state_is_saved(tmp_path):
    class One(jt.Module):
        def __init__(self):
            super().__init__()
            self.w = jt.Variable([[1.0], [2.0]])

        @jt.function(input_signature=[jt.TensorSpec([None, 2], jt.float32)])
        def f(self, x):
            return x @ self.w

    module = One()
    module.w.assign([[3.0], [4.0]])
    jt.saved_model.save(module, str(tmp_path))
    loaded = jt.saved_model.load(str(tmp_path))
    assert list(loaded.signatures) == ["serving_default"]  # TF: the one function
    out = loaded.signatures["serving_default"](x=np.ones((2, 2), np.float32))
    assert out["output_0"].numpy().tolist() == [[7.0], [7.0]]


def test_tf_saved_model_directory_is_refused(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"\x08\x01")
    with pytest.raises(jt.saved_model.SavedModelError, match="TensorFlow SavedModel"):
        tf.saved_model.load(str(tmp_path))
    with pytest.raises(tf.errors.NotFoundError, match="does not exist"):
        tf.saved_model.load(str(tmp_path / "nothing"))


def test_gradients_flow_through_a_loaded_function(exported):
    module, directory = exported
    loaded = jt.saved_model.load(directory)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(loaded(X) ** 2)
    got = tape.gradient(loss, [loaded.hidden.kernel, loaded.scale])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(module(X) ** 2)
    expected = tape.gradient(loss, [module.hidden.kernel, module.scale])
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-5)


def test_keras_model_exports_its_call(tmp_path):
    jt.random.set_seed(0)
    layers = tf.keras.layers
    model = tf.keras.Sequential([tf.keras.Input((3,)), layers.Dense(4, "relu"), layers.Dense(2)])
    tf.saved_model.save(model, str(tmp_path / "m"))
    loaded = tf.saved_model.load(str(tmp_path / "m"))
    for n in (1, 5):
        np.testing.assert_allclose(loaded(X[:n]).numpy(), model(X[:n]).numpy(), rtol=1e-6)
    out = loaded.signatures["serving_default"](inputs=X[:2])["output_0"]
    np.testing.assert_allclose(out.numpy(), model(X[:2]).numpy(), rtol=1e-6)
    unbuilt = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="input shape of 'sequential.*' is unknown"):
        tf.saved_model.save(unbuilt, str(tmp_path / "u"))
