"""Regression with Keras: normalized features, Dense, MSE loss, MAE metric, history."""

import numpy as np

DESCRIPTION = (
    "Follows the TensorFlow 'Basic regression: Predict fuel efficiency' tutorial "
    "(tensorflow.org/tutorials/keras/regression): normalized inputs, a linear model and a "
    "small DNN, Adam, mean squared / absolute error, validation_split, per-epoch history. "
    "jtape has no keras.layers.Normalization, so the features are normalized with "
    "tf.math.reduce_mean / reduce_std, as the layer's adapt() would compute them."
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}

N = 40
FEATURES = 3


def run(tf) -> dict:
    keras = tf.keras
    rng = np.random.RandomState(23)
    x = rng.rand(N, FEATURES).astype(np.float32) * np.array([10.0, 200.0, 3.0], np.float32)
    y = (x @ np.array([0.5, -0.02, 2.0], np.float32) + 1.0).astype(np.float32)

    mean = tf.math.reduce_mean(x, axis=0)
    std = tf.math.reduce_std(x, axis=0)
    x_norm = ((x - mean) / std).numpy()

    linear_model = keras.Sequential([keras.Input(shape=(FEATURES,)), keras.layers.Dense(units=1)])
    linear_model.set_weights(
        [rng.randn(*w.shape).astype(np.float32) * 0.5 for w in linear_model.get_weights()]
    )
    linear_model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error"
    )
    lin_hist = linear_model.fit(
        x_norm, y, epochs=4, batch_size=8, validation_split=0.2, shuffle=False, verbose=0
    )

    dnn = keras.Sequential(
        [
            keras.Input(shape=(FEATURES,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    dnn.set_weights([rng.randn(*w.shape).astype(np.float32) * 0.5 for w in dnn.get_weights()])
    dnn.compile(loss="mse", optimizer=keras.optimizers.Adam(0.01), metrics=["mae"])
    dnn_hist = dnn.fit(
        x_norm, y, epochs=4, batch_size=8, validation_split=0.2, shuffle=False, verbose=0
    )
    test_results = dnn.evaluate(x_norm[:10], y[:10], verbose=0, return_dict=True)
    predictions = dnn.predict(x_norm[:5], verbose=0).flatten()
    return {
        "feature_mean": np.asarray(mean),
        "feature_std": np.asarray(std),
        "linear_loss": np.array(lin_hist.history["loss"]),
        "linear_val_loss": np.array(lin_hist.history["val_loss"]),
        "linear_history_keys": ",".join(sorted(lin_hist.history)),
        "dnn_loss": np.array(dnn_hist.history["loss"]),
        "dnn_mae": np.array(dnn_hist.history["mae"]),
        "dnn_val_loss": np.array(dnn_hist.history["val_loss"]),
        "dnn_val_mae": np.array(dnn_hist.history["val_mae"]),
        "dnn_history_keys": ",".join(sorted(dnn_hist.history)),
        "dnn_epochs": np.array(dnn_hist.epoch),
        "test_loss": float(test_results["loss"]),
        "test_mae": float(test_results["mae"]),
        "predictions": predictions,
    }
