"""compile/fit/evaluate/predict, custom train steps and callbacks.

Expected values come from closed forms (mean squared error of known weights) and from
the same optimization written by hand with ``jax.grad``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape as jt
from jtape import nn


def _linear_model(units=1, dim=3, **dense_kwargs):
    return nn.Sequential([nn.Dense(units, input_shape=(dim,), **dense_kwargs)])


def _regression_data(n=24, dim=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    return x, y


def test_fit_matches_hand_written_gradient_descent():
    x, y = _regression_data()
    model = _linear_model()
    k0, b0 = (jnp.asarray(w) for w in model.get_weights())
    model.compile(optimizer=jt.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)

    def loss(params, xb, yb):
        k, b = params
        return jnp.mean((xb @ k + b - yb) ** 2)

    params = (k0, b0)
    for _ in range(2):
        for s in range(0, 24, 8):
            grads = jax.grad(loss)(params, x[s : s + 8], y[s : s + 8])
            params = tuple(p - 0.1 * g for p, g in zip(params, grads))
    k, b = model.get_weights()
    np.testing.assert_allclose(k, params[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b, params[1], rtol=1e-5, atol=1e-6)
    assert len(history.history["loss"]) == 2
    assert model.history is history
    assert history.history["loss"][1] < history.history["loss"][0]


def test_evaluate_and_predict_closed_form():
    x, y = _regression_data(n=10)
    model = _linear_model()
    model.set_weights([np.array([[1.0], [1.0], [1.0]], np.float32), np.array([0.5], np.float32)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    pred = x.sum(1, keepdims=True) + 0.5
    loss, mae = model.evaluate(x, y, batch_size=4, verbose=0)
    assert loss == pytest.approx(float(np.mean((pred - y) ** 2)), rel=1e-5)
    assert mae == pytest.approx(float(np.mean(np.abs(pred - y))), rel=1e-5)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "mae"]
    np.testing.assert_allclose(model.predict(x, batch_size=3, verbose=0), pred, rtol=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(x), pred, rtol=1e-5)
    assert model.test_on_batch(x, y) == pytest.approx([loss, mae], rel=1e-5)


def test_sample_weight_and_regularization_losses():
    x, y = _regression_data(n=8)
    model = _linear_model(kernel_regularizer=nn.regularizers.L2(0.1))
    model.compile(optimizer=jt.optimizers.SGD(0.0), loss="mse")
    k, b = model.get_weights()
    sw = np.linspace(0.0, 2.0, 8).astype(np.float32)
    err = ((x @ k + b - y) ** 2)[:, 0]
    want = float(np.sum(err * sw) / 8 + 0.1 * np.sum(k**2))
    assert model.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0) == pytest.approx(
        want, rel=1e-5
    )


def test_validation_split_uses_last_samples():
    x, y = _regression_data(n=20)
    model = _linear_model()
    model.compile(optimizer=jt.optimizers.SGD(0.0), loss="mse")
    history = model.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
    val = model.evaluate(x[15:], y[15:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(val, rel=1e-6)
    train = model.evaluate(x[:15], y[:15], verbose=0)
    assert history.history["loss"][0] == pytest.approx(train, rel=1e-5)


def test_classification_metrics_accuracy_resolution():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4)).astype(np.float32)
    labels = (x[:, 0] > 0).astype(np.int32) + 2 * (x[:, 1] > 0)
    model = nn.Sequential([nn.Dense(4, activation="softmax", input_shape=(4,))])
    model.compile(
        optimizer=jt.optimizers.Adam(0.05),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(x, labels, epochs=15, batch_size=16, verbose=0)
    acc = history.history["accuracy"]
    assert acc[-1] > acc[0] and acc[-1] > 0.8
    probs = model.predict(x, verbose=0)
    want = float(np.mean(probs.argmax(1) == labels))
    assert model.evaluate(x, labels, verbose=0)[1] == pytest.approx(want)


def test_custom_train_step_with_nested_tapes_is_compiled_once():
    class Penalized(nn.Model):
        def __init__(self):
            super().__init__()
            self.dense = nn.Dense(1)
            self.steps = 0

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            self.steps += 1  # Python side effects run at trace time only
            with jt.GradientTape() as outer:
                with jt.GradientTape() as inner:
                    inner.watch(x)
                    pred = self(x, training=True)
                dx = inner.gradient(pred, x)
                loss = jt.mean(jt.square(pred - y)) + 0.1 * jt.mean(jt.square(dx))
            grads = outer.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self._loss_tracker.update_state(loss)
            return {"loss": self._loss_tracker.result()}

    x, y = _regression_data(n=32)
    model = Penalized()
    model.compile(optimizer=jt.optimizers.Adam(0.05))
    history = model.fit(x, y, batch_size=8, epochs=6, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.steps <= 3  # traced (and retraced for new variables), not run per step


def test_callbacks_history_early_stopping_and_scheduler():
    x, y = _regression_data(n=16)
    calls: list[str] = []

    class Recorder(nn.callbacks.Callback):
        def on_train_begin(self, logs=None):
            calls.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            calls.append(f"epoch_begin{epoch}")

        def on_train_batch_end(self, batch, logs=None):
            calls.append(f"batch{batch}")

        def on_epoch_end(self, epoch, logs=None):
            calls.append(f"epoch_end{epoch}")

    model = _linear_model()
    model.compile(optimizer=jt.optimizers.SGD(0.0), loss="mse")
    stop = nn.callbacks.EarlyStopping(monitor="loss", patience=1)
    history = model.fit(
        x, y, batch_size=8, epochs=10, shuffle=False, callbacks=[Recorder(), stop], verbose=0
    )
    # lr 0: no improvement after the first epoch; patience 1 stops at the second
    assert len(history.history["loss"]) == 2 and stop.stopped_epoch == 1
    assert calls == [
        "train_begin",
        "epoch_begin0",
        "batch0",
        "batch1",
        "epoch_end0",
        "epoch_begin1",
        "batch0",
        "batch1",
        "epoch_end1",
    ]

    model.compile(optimizer=jt.optimizers.SGD(1.0), loss="mse")
    sched = nn.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    history = model.fit(x, y, epochs=3, callbacks=[sched], verbose=0)
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    # No batch-end callback: fit ran its quiet step (see test_quiet_steps_...).
    quiet = model._quiet_functions["train"]
    assert quiet.experimental_get_tracing_count() <= 2  # lr is a Variable


def test_early_stopping_restores_best_weights():
    x, y = _regression_data(n=16)
    model = _linear_model()
    # A learning rate this large diverges: the first epoch is the best one.
    model.compile(optimizer=jt.optimizers.SGD(3.0), loss="mse")
    best = {}

    class Snapshot(nn.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            best.setdefault(epoch, model.get_weights())

    stop = nn.callbacks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    model.fit(x, y, batch_size=4, epochs=8, callbacks=[Snapshot(), stop], verbose=0)
    losses = model.history.history["loss"]
    best_epoch = int(np.argmin(losses))
    assert stop.best_epoch == best_epoch
    for got, want in zip(model.get_weights(), best[best_epoch]):
        np.testing.assert_array_equal(got, want)


def test_progress_output_one_line_per_epoch_off_terminal(capsys):
    x, y = _regression_data(n=8)
    model = _linear_model()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, batch_size=4, verbose=1)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2"
    assert out[1].startswith("2/2 [") and "/step - loss: " in out[1]
    assert "train" in model._quiet_functions  # one line per epoch reads no batch logs
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_fit_on_dataset_and_errors():
    x, y = _regression_data(n=16)
    from jtape.data import Dataset

    ds = Dataset.from_tensor_slices((x, y)).batch(4)
    model = _linear_model()
    model.compile(optimizer=jt.optimizers.SGD(0.05), loss="mse")
    history = model.fit(ds, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    with pytest.raises(ValueError, match="compile"):
        _linear_model().fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="cardinality"):
        model.fit(x, y[:5], verbose=0)


def test_fit_with_dropout_and_batch_norm_updates_state():
    x, y = _regression_data(n=32)
    model = nn.Sequential(
        [
            nn.Dense(8, activation="relu", input_shape=(3,)),
            nn.BatchNormalization(),
            nn.Dropout(0.2, seed=0),
            nn.Dense(1),
        ]
    )
    model.compile(optimizer=jt.optimizers.Adam(0.01), loss="mse")
    bn = model.layers[1]
    before = bn.moving_mean.numpy().copy()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert not np.allclose(bn.moving_mean.numpy(), before)
    # inference is deterministic (dropout off, moving statistics)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_steps_per_execution_runs_the_same_steps_in_fewer_calls():
    x, y = _regression_data(n=40)  # batches of 7: five full ones and one of 5

    class CountCalls(nn.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            ends.append(batch)

    runs = {}
    for spe in (1, 4):
        ends: list[int] = []
        jt.random.set_seed(0)
        model = _linear_model()
        model.compile(optimizer=jt.optimizers.Adam(0.05), loss="mse", steps_per_execution=spe)
        history = model.fit(x, y, batch_size=7, epochs=2, verbose=0, callbacks=[CountCalls()])
        runs[spe] = (history.history["loss"], model.get_weights(), ends)
        assert model.evaluate(x, y, verbose=0) == pytest.approx(
            float(np.mean((x @ runs[spe][1][0] + runs[spe][1][1] - y) ** 2)), rel=1e-5
        )
        model.train_on_batch(x[:7], y[:7])  # a single batch still works
    # Same batches, same order (same seed), same updates: only the grouping differs.
    np.testing.assert_allclose(runs[4][0], runs[1][0], rtol=1e-6)
    for a, b in zip(runs[4][1], runs[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert runs[1][2] == [0, 1, 2, 3, 4, 5] * 2
    # Keras: batch hooks once per execution, with the index of its last step.
    assert runs[4][2] == [3, 5] * 2


@pytest.mark.parametrize("spe", [1, 3])
def test_quiet_steps_match_the_logged_steps(spe):
    # With no batch-end callback fit/evaluate run the built-in steps without their
    # logs and read the metrics once per epoch; the results must be exactly those of
    # the logged steps, whose last batch's logs Keras reports for the epoch.
    # Whole batches only (one batch shape, so one trace per compiled function).
    rng = np.random.default_rng(3)
    x = rng.normal(size=(48, 4)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int32)
    vx, vy = x[:16], y[:16]

    class BatchLogs(nn.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.train, self.test = [], []

        def on_train_batch_end(self, batch, logs=None):
            self.train.append({k: float(v) for k, v in logs.items()})

        def on_test_batch_end(self, batch, logs=None):
            self.test.append({k: float(v) for k, v in logs.items()})

    def trained(callbacks):
        jt.random.set_seed(1)
        model = nn.Sequential([nn.Input((4,)), nn.Dense(8, activation="relu"), nn.Dense(2)])
        model.compile(
            optimizer=jt.optimizers.Adam(0.05),
            loss=nn.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
            steps_per_execution=spe,
        )
        history = model.fit(
            x, y, batch_size=8, epochs=3, validation_data=(vx, vy), callbacks=callbacks, verbose=0
        )
        return model, history.history

    quiet_model, quiet = trained([])
    spy = BatchLogs()
    logged_model, logged = trained([spy])
    assert set(quiet_model._quiet_functions) >= {"train", "test", "results"}
    assert quiet_model.train_function is None and "train" not in logged_model._quiet_functions
    assert quiet.keys() == logged.keys() == {"loss", "accuracy", "val_loss", "val_accuracy"}
    for key in quiet:
        np.testing.assert_allclose(quiet[key], logged[key], rtol=1e-6)
    for a, b in zip(quiet_model.get_weights(), logged_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    # The logged epoch values are the last batch's logs (6 batches, `spe` per call).
    last = [spy.train[i] for i in range(len(spy.train)) if (i + 1) % (6 // spe) == 0]
    np.testing.assert_allclose([d["loss"] for d in last], quiet["loss"], rtol=1e-6)
    np.testing.assert_allclose([d["accuracy"] for d in last], quiet["accuracy"], rtol=1e-6)
    # evaluate: quiet without callbacks, logged with a batch-end callback; both equal a
    # closed-form check of the accuracy.
    got = quiet_model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    want = logged_model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True, callbacks=[spy])
    assert got == pytest.approx(want, rel=1e-6) and spy.test
    logits = quiet_model.predict(x, verbose=0)
    assert got["accuracy"] == pytest.approx(np.mean(logits.argmax(-1) == y), rel=1e-6)


def test_run_eagerly_trains_as_compiled():
    x, y = _regression_data(n=16)
    runs = []
    for eager in (False, True):
        jt.random.set_seed(0)
        model = _linear_model()
        model.compile(
            optimizer=jt.optimizers.Adam(0.05), loss="mse", metrics=["mae"], run_eagerly=eager
        )
        history = model.fit(x, y, batch_size=8, epochs=2, verbose=0).history
        runs.append((history, model.get_weights(), model.evaluate(x, y, verbose=0)))
    (h0, w0, e0), (h1, w1, e1) = runs
    for key in ("loss", "mae"):
        np.testing.assert_allclose(h1[key], h0[key], rtol=1e-5)
    for a, b in zip(w1, w0):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e1, e0, rtol=1e-5)


def test_overridden_train_step_keeps_its_own_logs():
    class Custom(nn.Model):
        def __init__(self):
            super().__init__()
            self.dense = nn.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            logs = super().train_step(data)
            return {**logs, "twice_loss": 2.0 * logs["loss"]}

    x, y = _regression_data()
    jt.random.set_seed(0)
    model = Custom()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0).history
    assert "train" not in model._quiet_functions
    np.testing.assert_allclose(history["twice_loss"], 2.0 * np.array(history["loss"]), rtol=1e-6)

    class OwnFunction(nn.Sequential):  # Keras: fit calls make_train_function()
        def make_train_function(self, force=False):
            made.append(force)
            return super().make_train_function(force)

    made: list = []
    model = OwnFunction([nn.Input((3,)), nn.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert made == [False] and "train" not in model._quiet_functions


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_steps_per_execution_validation(bad):
    model = _linear_model()
    with pytest.raises(ValueError, match="steps_per_execution"):
        model.compile(optimizer="sgd", loss="mse", steps_per_execution=bad)
