"""Custom training loop under MirroredStrategy on the default device(s)."""

import numpy as np

DESCRIPTION = (
    "Follows the TensorFlow 'Custom training with tf.distribute.Strategy' tutorial "
    "(tensorflow.org/tutorials/distribute/custom_training): strategy.scope(), "
    "experimental_distribute_dataset, strategy.run, strategy.reduce and "
    "tf.nn.compute_average_loss with global_batch_size, on MirroredStrategy over one CPU device."
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}

GLOBAL_BATCH = 8
N = 20
FEATURES = 5
CLASSES = 3


def run(tf) -> dict:
    keras = tf.keras
    rng = np.random.RandomState(19)
    x = rng.randn(N, FEATURES).astype(np.float32)
    y = rng.randint(0, CLASSES, size=(N,)).astype(np.int64)

    # one replica (TF sees one CPU; jtape's tests fake several, so name the device)
    strategy = tf.distribute.MirroredStrategy(devices=["/cpu:0"])
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
    dist_dataset = strategy.experimental_distribute_dataset(dataset)

    with strategy.scope():
        model = keras.Sequential(
            [
                keras.Input(shape=(FEATURES,)),
                keras.layers.Dense(6, activation="relu"),
                keras.layers.Dense(CLASSES),
            ]
        )
        model.set_weights(
            [rng.randn(*w.shape).astype(np.float32) * 0.4 for w in model.get_weights()]
        )
        loss_object = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")

        def compute_loss(labels, predictions):
            per_example_loss = loss_object(labels, predictions)
            return tf.nn.compute_average_loss(per_example_loss, global_batch_size=GLOBAL_BATCH)

        train_accuracy = keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")
        optimizer = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)

    def train_step(inputs):
        images, labels = inputs
        with tf.GradientTape() as tape:
            predictions = model(images, training=True)
            loss = compute_loss(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        train_accuracy.update_state(labels, predictions)
        return loss

    @tf.function
    def distributed_train_step(dataset_inputs):
        per_replica_losses = strategy.run(train_step, args=(dataset_inputs,))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, axis=None)

    step_losses, epoch_losses, epoch_acc = [], [], []
    for _ in range(2):
        total_loss = 0.0
        num_batches = 0
        for batch in dist_dataset:
            loss = distributed_train_step(batch)
            step_losses.append(float(loss))
            total_loss += loss
            num_batches += 1
        epoch_losses.append(float(total_loss / num_batches))
        epoch_acc.append(float(train_accuracy.result()))
        train_accuracy.reset_state()

    return {
        "num_replicas_in_sync": int(strategy.num_replicas_in_sync),
        "step_loss": np.array(step_losses),
        "epoch_loss": np.array(epoch_losses),
        "epoch_accuracy": np.array(epoch_acc),
        "final_kernel": np.asarray(model.layers[-1].kernel),
        "iterations": int(optimizer.iterations.numpy()),
        "average_loss_partial_batch": float(
            tf.nn.compute_average_loss(tf.constant([1.0, 2.0, 3.0]), global_batch_size=8)
        ),
    }
