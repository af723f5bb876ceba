"""A functional Keras model subclassed with its own train_step/test_step and metrics."""

import numpy as np

DESCRIPTION = (
    "Keras guide 'Customizing what happens in fit()' (TensorFlow backend): functional "
    "model subclass, train_step with tf.GradientTape, Mean/MeanAbsoluteError trackers"
)


def run(tf):
    keras = tf.keras
    rng = np.random.RandomState(11)
    x = rng.normal(size=(64, 6)).astype(np.float32)
    true_w = rng.normal(size=(6, 3)).astype(np.float32)
    y = (np.tanh(x @ true_w) + 0.1 * rng.normal(size=(64, 3))).astype(np.float32)
    weights = [
        (rng.normal(size=(6, 16)) * 0.4).astype(np.float32),
        (rng.normal(size=(16,)) * 0.1).astype(np.float32),
        (rng.normal(size=(16, 3)) * 0.4).astype(np.float32),
        np.zeros(3, np.float32),
    ]

    mse = keras.losses.MeanSquaredError()

    class CustomModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = mse(y, y_pred)
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)
            self.optimizer.apply_gradients(zip(gradients, trainable_vars))
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = mse(y, y_pred)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    inputs = keras.Input(shape=(6,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    outputs = keras.layers.Dense(3)(hidden)
    model = CustomModel(inputs, outputs)
    model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9))

    out = {}
    history = model.fit(x[:48], y[:48], batch_size=16, epochs=4, shuffle=False, verbose=0)
    out["history_keys"] = ",".join(sorted(history.history))
    out["history_loss"] = np.array(history.history["loss"], dtype=np.float64)
    out["history_mae"] = np.array(history.history["mae"], dtype=np.float64)
    result = model.evaluate(x[48:], y[48:], batch_size=8, verbose=0, return_dict=True)
    out["evaluate_loss"] = float(result["loss"])
    out["evaluate_mae"] = float(result["mae"])
    out["predict"] = model.predict(x[48:52], verbose=0)
    out["call"] = model(x[48:52]).numpy()
    for i, w in enumerate(model.get_weights()):
        out[f"weight_{i}"] = w
    out["metric_names"] = ",".join(m.name for m in model.metrics)
    out["n_trainable"] = len(model.trainable_variables)
    out["optimizer_iterations"] = int(model.optimizer.iterations.numpy())

    # The same kind of step written as a plain tf.function against the functional model.
    plain = keras.Model(inputs, outputs)
    plain.set_weights(weights)
    optimizer = keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)
    mae = keras.metrics.MeanAbsoluteError()

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            pred = plain(xb, training=True)
            loss = mse(yb, pred)
        grads = tape.gradient(loss, plain.trainable_variables)
        optimizer.apply_gradients(zip(grads, plain.trainable_variables))
        mae.update_state(yb, pred)
        return loss

    losses = []
    for _epoch in range(4):
        for start in range(0, 48, 16):
            losses.append(step(x[start : start + 16], y[start : start + 16]).numpy())
    out["plain_losses"] = np.array(losses)
    out["plain_mae"] = mae.result().numpy()
    out["plain_matches_custom"] = bool(
        np.allclose(plain.get_weights()[2], model.get_weights()[2], atol=1e-5)
    )
    return out
