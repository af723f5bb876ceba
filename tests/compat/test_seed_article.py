"""The seed article's code ("How to Implement Automatic Differentiation In TensorFlow?"),
unchanged but for ``import tensorflow as tf`` -> ``import jtape.compat as tf`` and
``from tensorflow import keras`` -> ``from jtape.compat import keras``.

The article leaves ``input_dim``, ``num_epochs``, ``train_dataset``, ``x_val`` and
``y_val`` undefined; the test defines them (a small separable 10-class problem).
"""

from __future__ import annotations

import numpy as np
from compat_cells import run


def test_x_squared_snippet():
    ns: dict = {}
    run(ns, "import jtape.compat as tf")
    run(
        ns,
        """
x = tf.constant(3.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x ** 2
""",
    )
    run(ns, "dy_dx = tape.gradient(y, x)")
    out, _ = run(ns, "print(dy_dx)")
    # "The above code will output the gradient value of 6.0"
    assert "6.0" in out and float(ns["dy_dx"]) == 6.0


def test_neural_network_example():
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(10, 8)) * 3
    labels = rng.integers(0, 10, size=256)
    features = (centers[labels] + rng.normal(size=(256, 8))).astype(np.float32)
    ns: dict = {"input_dim": 8, "num_epochs": 20}
    run(
        ns,
        """
import jtape.compat as tf
from jtape.compat import keras
""",
    )
    ns["train_dataset"] = (
        ns["tf"]
        .data.Dataset.from_tensor_slices((features[:192], labels[:192].astype(np.int32)))
        .batch(32)
    )
    ns["x_val"], ns["y_val"] = features[192:], labels[192:].astype(np.int32)
    run(
        ns,
        """
model = keras.Sequential([
    keras.layers.Dense(32, activation='relu', input_shape=(input_dim,)),
    keras.layers.Dense(10, activation='softmax')
])
""",
    )
    run(
        ns,
        """
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.Adam()
""",
    )
    run(
        ns,
        """
@tf.function
def forward_pass(x, y):
    with tf.GradientTape() as tape:
        logits = model(x)
        loss_value = loss_fn(y, logits)
    return logits, loss_value
""",
    )
    run(
        ns,
        """
@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        logits, loss_value = forward_pass(x, y)
    gradients = tape.gradient(loss_value, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return logits, loss_value
""",
    )
    before = [v.numpy().copy() for v in ns["model"].trainable_variables]
    out, _ = run(
        ns,
        """
for epoch in range(num_epochs):
    for x_train, y_train in train_dataset:
        logits, loss = train_step(x_train, y_train)

    # Compute accuracy on validation set
    predictions = model(x_val)
    accuracy = tf.reduce_mean(tf.keras.metrics.sparse_categorical_accuracy(y_val, predictions))

    print(f"Epoch {epoch+1}/{num_epochs}, Loss: {loss:.4f}, Accuracy: {accuracy:.4f}")
""",
    )
    lines = out.strip().split("\n")
    assert [line.split(",")[0] for line in lines] == [f"Epoch {i}/20" for i in range(1, 21)]
    losses = [float(line.split("Loss: ")[1].split(",")[0]) for line in lines]
    accuracy = [float(line.split("Accuracy: ")[1]) for line in lines]
    assert all(np.isfinite(losses))
    assert (
        accuracy[-1] > 0.6 and accuracy[-1] > accuracy[0] and losses[-1] < losses[0]
    )  # separable classes: it learns
    after = [v.numpy() for v in ns["model"].trainable_variables]
    assert all(not np.allclose(a, b) for a, b in zip(before, after))
