"""Custom loop under MirroredStrategy (one CPU replica): per-replica step, summed reduce."""

import numpy as np

DESCRIPTION = (
    "In the style of the TensorFlow 'Custom training with tf.distribute.Strategy' tutorial "
    "(tensorflow.org/tutorials/distribute/custom_training): model, loss object, metric and "
    "optimizer made under strategy.scope(), experimental_distribute_dataset, strategy.run of "
    "a per-replica step inside tf.function, strategy.reduce(SUM), and "
    "tf.nn.compute_average_loss with global_batch_size (including a short last batch), on "
    "MirroredStrategy over one CPU device."
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}

GLOBAL_BATCH = 6
ROWS = 21
DIMS = 4
KINDS = 4
EPOCHS = 3


def run(tf) -> dict:
    keras = tf.keras
    gen = np.random.RandomState(1919)
    feats = gen.normal(size=(ROWS, DIMS)).astype(np.float32)
    # kind = quadrant of the first two features
    kinds = ((feats[:, 0] > 0).astype(np.int64) * 2 + (feats[:, 1] > 0)).astype(np.int64)

    # one replica (TF sees one CPU; jtape's tests fake several, so name the device)
    strategy = tf.distribute.MirroredStrategy(devices=["/cpu:0"])
    batches = tf.data.Dataset.from_tensor_slices((feats, kinds)).batch(GLOBAL_BATCH)
    spread_batches = strategy.experimental_distribute_dataset(batches)

    with strategy.scope():
        net = keras.Sequential(
            [
                keras.Input(shape=(DIMS,)),
                keras.layers.Dense(8, activation="tanh"),
                keras.layers.Dense(KINDS),
            ]
        )
        net.set_weights(
            [gen.normal(0.0, 0.5, size=w.shape).astype(np.float32) for w in net.get_weights()]
        )
        per_row_xent = keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="none"
        )
        hits = keras.metrics.SparseCategoricalAccuracy(name="hits")
        sgd = keras.optimizers.SGD(learning_rate=0.05, momentum=0.8)

    def replica_update(batch):
        rows, targets = batch
        with tf.GradientTape() as tape:
            scores = net(rows, training=True)
            share = tf.nn.compute_average_loss(
                per_row_xent(targets, scores), global_batch_size=GLOBAL_BATCH
            )
        weights = net.trainable_variables
        sgd.apply_gradients(zip(tape.gradient(share, weights), weights))
        hits.update_state(targets, scores)
        return share

    @tf.function
    def global_update(batch):
        shares = strategy.run(replica_update, args=(batch,))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, shares, axis=None)

    per_step, per_epoch, per_epoch_hits = [], [], []
    for _ in range(EPOCHS):
        running = tf.constant(0.0)
        count = 0
        for batch in spread_batches:
            step_loss = global_update(batch)
            per_step.append(float(step_loss))
            running = running + step_loss
            count += 1
        per_epoch.append(float(running / count))
        per_epoch_hits.append(float(hits.result()))
        hits.reset_state()

    return {
        "num_replicas_in_sync": int(strategy.num_replicas_in_sync),
        "step_loss": np.array(per_step),
        "epoch_loss": np.array(per_epoch),
        "epoch_accuracy": np.array(per_epoch_hits),
        "final_kernel": np.asarray(net.layers[-1].kernel),
        "first_bias": np.asarray(net.layers[0].bias),
        "iterations": int(sgd.iterations.numpy()),
        "average_loss_partial_batch": float(
            tf.nn.compute_average_loss(
                tf.constant([0.5, 1.5, 4.0, 2.0]), global_batch_size=GLOBAL_BATCH
            )
        ),
    }
