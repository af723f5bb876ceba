"""Keras CNN: Conv2D + MaxPooling2D + Flatten + Dense on 8x8 images; fit/evaluate/predict."""

import numpy as np

DESCRIPTION = (
    "Follows the TensorFlow 'Convolutional Neural Network (CNN)' tutorial "
    "(tensorflow.org/tutorials/images/cnn): Sequential Conv2D/MaxPooling2D/Flatten/Dense, "
    "compile with Adam and SparseCategoricalCrossentropy(from_logits=True), fit, evaluate."
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}

N = 24
CLASSES = 3


def run(tf) -> dict:
    keras = tf.keras
    rng = np.random.RandomState(21)
    images = rng.rand(N, 8, 8, 1).astype(np.float32)
    labels = (images[:, :4, :4, 0].mean(axis=(1, 2)) * CLASSES).astype(np.int64) % CLASSES
    test_images = rng.rand(6, 8, 8, 1).astype(np.float32)
    test_labels = rng.randint(0, CLASSES, size=(6,)).astype(np.int64)

    model = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            keras.layers.Conv2D(4, (3, 3), activation="relu"),
            keras.layers.MaxPooling2D((2, 2)),
            keras.layers.Conv2D(5, (2, 2), padding="same", activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(CLASSES),
        ]
    )
    model.set_weights([rng.randn(*w.shape).astype(np.float32) * 0.4 for w in model.get_weights()])
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(
        images,
        labels,
        epochs=2,
        batch_size=8,
        shuffle=False,
        validation_data=(test_images, test_labels),
        verbose=0,
    )
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    logits = model.predict(test_images, verbose=0)
    conv_out = model.layers[0](test_images[:1])
    pooled = model.layers[1](conv_out)
    return {
        "output_shapes": ";".join(str(layer.output.shape) for layer in model.layers),
        "n_params": int(model.count_params()),
        "history_loss": np.array(history.history["loss"]),
        "history_accuracy": np.array(history.history["accuracy"]),
        "history_val_loss": np.array(history.history["val_loss"]),
        "history_val_accuracy": np.array(history.history["val_accuracy"]),
        "test_loss": float(test_loss),
        "test_accuracy": float(test_acc),
        "predict_logits": np.asarray(logits),
        "predict_dtype": str(logits.dtype),
        "conv_out_shape": np.array(conv_out.shape.as_list()),
        "pooled": np.asarray(pooled),
    }
