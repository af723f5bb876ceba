"""ReduceLROnPlateau, CSVLogger, TerminateOnNaN, RemoteMonitor against Keras 3.15
(tests/fixtures/record_summary.py records Keras' learning rates and CSV files)."""

from __future__ import annotations

import json
import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

import jtape.compat as tf

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
KERAS = np.load(os.path.join(FIXTURES, "summary_tf.npz"))
with open(os.path.join(FIXTURES, "summary_tf.json")) as f:
    META = json.load(f)

keras = tf.keras


def keras_model(lr=0.1):
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.set_weights([KERAS[f"keras/w{i}"] for i in range(4)])
    model.compile(
        optimizer=keras.optimizers.SGD(lr),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


@pytest.mark.parametrize("case", sorted(META["reduce_lr"]))
def test_reduce_lr_on_plateau_follows_keras(case):
    rec = META["reduce_lr"][case]
    model = keras_model(lr=1.0)
    cb = keras.callbacks.ReduceLROnPlateau(**rec["kwargs"])
    cb.set_model(model)
    cb.on_train_begin()
    lrs = []
    for epoch, value in enumerate(rec["values"]):
        logs = {rec["kwargs"]["monitor"]: value}
        cb.on_epoch_end(epoch, logs)
        assert logs["learning_rate"] == pytest.approx(lrs[-1] if lrs else 1.0, rel=1e-7)
        lrs.append(float(model.optimizer.learning_rate.numpy()))
    np.testing.assert_allclose(lrs, rec["lrs"], rtol=1e-7)


def test_reduce_lr_on_plateau_arguments():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        keras.callbacks.ReduceLROnPlateau(factor=1.0)
    cb = keras.callbacks.ReduceLROnPlateau(monitor="val_kl")
    cb.set_model(keras_model())
    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        cb.on_epoch_end(0, {"val_kl": 1.0})
    with pytest.warns(UserWarning, match="unknown, fallback to auto mode"):
        keras.callbacks.ReduceLROnPlateau(mode="up")


def test_reduce_lr_in_fit_changes_the_compiled_steps_rate():
    model = keras_model(lr=0.1)
    cb = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)
    x, y = KERAS["keras/x"], KERAS["keras/y"]
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[cb], shuffle=False)
    # min_delta=10: no epoch improves on the first, so each later epoch halves the rate
    # after logging the rate it ran with.
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.1, 0.05], rtol=1e-6)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.025, rel=1e-6)


@pytest.mark.parametrize("key", ["val", "noval"])
def test_csv_logger_writes_keras_file(tmp_path, key):
    model = keras_model()
    x, y = KERAS["keras/x"], KERAS["keras/y"]
    path = tmp_path / "log.csv"
    model.fit(
        x,
        y,
        batch_size=8,
        epochs=2,
        validation_data=(x[:16], y[:16]) if key == "val" else None,
        verbose=0,
        shuffle=False,
        callbacks=[keras.callbacks.CSVLogger(path, separator=";")],
    )
    got = path.read_text().splitlines()
    want = META["csv"][key].splitlines()
    assert got[0] == want[0] and len(got) == len(want)
    for g, w in zip(got[1:], want[1:]):
        g, w = g.split(";"), w.split(";")
        assert g[0] == w[0] and [c == "NA" for c in g] == [c == "NA" for c in w]
        nums = [i for i, c in enumerate(w) if i and c != "NA"]
        np.testing.assert_allclose(
            [float(g[i]) for i in nums], [float(w[i]) for i in nums], rtol=2e-5
        )


def test_csv_logger_append_keeps_one_header(tmp_path):
    path = tmp_path / "log.csv"
    cb = keras.callbacks.CSVLogger(str(path), append=True)
    for start in (0, 1):
        cb.on_train_begin()
        cb.on_epoch_end(start, {"loss": 0.5, "val_loss": 0.25})
        cb.on_train_end()
    assert path.read_text().splitlines() == ["epoch,loss,val_loss", "0,0.5,0.25", "1,0.5,0.25"]


def test_terminate_on_nan_stops_after_the_bad_batch(capsys):
    model = keras_model()
    x, y = KERAS["keras/x"].copy(), KERAS["keras/y"]
    x[9] = np.nan  # in the second batch of 8
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=3,
        verbose=0,
        shuffle=False,
        callbacks=[keras.callbacks.TerminateOnNaN()],
    )
    assert int(model.optimizer.iterations.numpy()) == 2
    assert len(history.history["loss"]) == 1
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        keras_model().fit(
            x,
            y,
            batch_size=8,
            epochs=1,
            verbose=0,
            shuffle=False,
            callbacks=[keras.callbacks.TerminateOnNaN(raise_error=True)],
        )


def test_remote_monitor_posts_epoch_logs():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        root = f"http://127.0.0.1:{server.server_port}"
        keras.callbacks.RemoteMonitor(root=root).on_epoch_end(0, {"loss": np.float32(0.5)})
        keras.callbacks.RemoteMonitor(root=root, path="/j", send_as_json=True).on_epoch_end(
            1, {"loss": 0.25}
        )
    finally:
        server.shutdown()
    (path, kind, body), (path2, kind2, body2) = received
    assert path == "/publish/epoch/end/" and kind == "application/x-www-form-urlencoded"
    assert json.loads(urllib.parse.parse_qs(body.decode())["data"][0]) == {"epoch": 0, "loss": 0.5}
    assert path2 == "/j" and kind2 == "application/json"
    assert json.loads(body2) == {"epoch": 1, "loss": 0.25}
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor"):
        keras.callbacks.RemoteMonitor(root="http://127.0.0.1:9").on_epoch_end(0, {})
