"""A tape-style TensorFlow training script, unchanged but for the import.

Replace the first import with ``import tensorflow as tf`` and it runs on TensorFlow;
as written it runs on JAX through jtape. It trains a small MLP on a synthetic
two-moons-like problem with tf.data, tf.GradientTape and tf.function.

Run: python examples/tf_style_script.py
"""

import numpy as np

import jtape.compat as tf  # was: import tensorflow as tf


def make_data(n=1024, seed=0):
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, np.pi, n)
    label = rng.integers(0, 2, n)
    x = np.stack([np.cos(angle) + label, np.sin(angle) * (1 - 2 * label) + 0.5 * label], 1)
    x += rng.normal(scale=0.1, size=x.shape)
    return x.astype(np.float32), label.astype(np.int32)


def main(epochs=10, verbose=True):
    tf.random.set_seed(0)
    x, y = make_data()
    train = tf.data.Dataset.from_tensor_slices((x[:896], y[:896]))
    train = train.shuffle(896, seed=0).batch(64).prefetch(tf.data.AUTOTUNE)
    x_test, y_test = x[896:], y[896:]

    model = tf.keras.Sequential(
        [
            tf.keras.layers.Dense(32, activation="relu"),
            tf.keras.layers.Dense(32, activation="relu"),
            tf.keras.layers.Dense(2),
        ]
    )
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam(learning_rate=1e-2)
    train_loss = tf.keras.metrics.Mean()

    @tf.function
    def train_step(features, labels):
        with tf.GradientTape() as tape:
            logits = model(features, training=True)
            loss = loss_fn(labels, logits)
        grads = tape.gradient(loss, model.trainable_variables)
        grads, _ = tf.clip_by_global_norm(grads, 5.0)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        train_loss.update_state(loss)
        return loss

    @tf.function
    def accuracy(features, labels):
        predictions = tf.argmax(model(features), axis=-1, output_type=tf.int32)
        return tf.reduce_mean(tf.cast(tf.equal(predictions, labels), tf.float32))

    history = []
    for epoch in range(epochs):
        train_loss.reset_state()
        for features, labels in train:
            train_step(features, labels)
        acc = float(accuracy(tf.constant(x_test), tf.constant(y_test)))
        history.append((float(train_loss.result()), acc))
        if verbose:
            print(f"epoch {epoch + 1}: loss {history[-1][0]:.4f}, test accuracy {acc:.3f}")
    return history


if __name__ == "__main__":
    main()
