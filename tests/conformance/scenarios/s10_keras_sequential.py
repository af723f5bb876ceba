"""The seed article's Keras model: Dense(32, relu) -> Dense(10, softmax), fit and a tape loop."""

import numpy as np

DESCRIPTION = (
    "Keras Sequential as in the seed article / TF 'Quickstart for beginners': "
    "Dense(32, relu) -> Dense(10, softmax) with SparseCategoricalCrossentropy(from_logits=True),"
    " Adam, fit with validation data, evaluate, predict, and the same model in a tape loop"
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


def run(tf):
    keras = tf.keras
    rng = np.random.RandomState(10)
    input_dim = 20
    x_train = rng.normal(size=(96, input_dim)).astype(np.float32)
    y_train = (np.abs(x_train[:, :5]).argmax(axis=1) * 2 + (x_train[:, 5] > 0)).astype(np.int64)
    x_val = rng.normal(size=(32, input_dim)).astype(np.float32)
    y_val = (np.abs(x_val[:, :5]).argmax(axis=1) * 2 + (x_val[:, 5] > 0)).astype(np.int64)
    weights = [
        (rng.normal(size=(input_dim, 32)) * 0.3).astype(np.float32),
        np.zeros(32, np.float32),
        (rng.normal(size=(32, 10)) * 0.3).astype(np.float32),
        np.zeros(10, np.float32),
    ]

    def make_model():
        model = keras.Sequential(
            [
                keras.layers.Dense(32, activation="relu", input_shape=(input_dim,)),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.set_weights(weights)
        return model

    out = {}
    model = make_model()
    out["n_params"] = model.count_params()
    out["output_shape"] = str(list(model.output_shape))
    out["initial_predictions"] = model.predict(x_val[:4], verbose=0)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(
        x_train,
        y_train,
        batch_size=16,
        epochs=3,
        shuffle=False,
        validation_data=(x_val, y_val),
        verbose=0,
    )
    out["history_keys"] = ",".join(sorted(history.history))
    for key, values in history.history.items():
        out[f"history_{key}"] = np.array(values, dtype=np.float64)
    out["history_epochs"] = np.array(history.epoch)
    results = model.evaluate(x_val, y_val, batch_size=8, verbose=0)
    out["evaluate"] = np.array(results, dtype=np.float64)
    out["predictions"] = model.predict(x_val[:6], verbose=0)
    for i, w in enumerate(model.get_weights()):
        out[f"fit_weight_{i}"] = w
    out["optimizer_iterations"] = int(model.optimizer.iterations.numpy())

    # The seed article's hand-written loop on a fresh copy.
    model = make_model()
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    train_acc = keras.metrics.SparseCategoricalAccuracy()

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)
            loss = loss_fn(y, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        train_acc.update_state(y, predictions)
        return loss

    epoch_losses, epoch_accs = [], []
    for _epoch in range(3):
        train_acc.reset_state()
        losses = []
        for start in range(0, 96, 16):
            xb = tf.constant(x_train[start : start + 16])
            yb = tf.constant(y_train[start : start + 16])
            losses.append(train_step(xb, yb).numpy())
        epoch_losses.append(np.mean(losses))
        epoch_accs.append(train_acc.result().numpy())
    out["loop_epoch_losses"] = np.array(epoch_losses)
    out["loop_epoch_accuracies"] = np.array(epoch_accs)
    out["loop_final_kernel"] = model.layers[1].kernel.numpy()
    out["loop_val_loss"] = loss_fn(y_val, model(x_val)).numpy()
    out["loss_on_probabilities"] = keras.losses.SparseCategoricalCrossentropy()(
        y_val, model(x_val)
    ).numpy()
    return out
