"""A distributed custom training loop that runs unchanged on 1 CPU, many GPUs or a TPU slice.

    python examples/distributed_training.py

To try several devices on a CPU-only machine:

    XLA_FLAGS=--xla_force_host_platform_device_count=4 python examples/distributed_training.py
"""

import numpy as np

import jtape as jt

GLOBAL_BATCH = 64


def main(epochs: int = 5) -> float:
    strategy = jt.distribute.MirroredStrategy()
    print(f"replicas in sync: {strategy.num_replicas_in_sync}")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1024, 10)).astype(np.float32)
    true_w = rng.normal(size=(10, 1)).astype(np.float32)
    y = x @ true_w + 0.01 * rng.normal(size=(1024, 1)).astype(np.float32)

    with strategy.scope():
        w = jt.Variable(np.zeros((10, 1), np.float32), name="w")
        b = jt.Variable(np.zeros((1,), np.float32), name="b")
        optimizer = jt.optimizers.Adam(0.05)

    def replica_step(xb, yb):
        with jt.GradientTape() as tape:
            per_example = jt.sum((xb @ w + b - yb) ** 2, axis=1)
            loss = jt.distribute.compute_average_loss(per_example, global_batch_size=GLOBAL_BATCH)
        grads = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(grads, [w, b]))
        return loss

    @jt.function
    def train_step(batch):
        per_replica = strategy.run(replica_step, args=batch)
        return strategy.reduce(jt.distribute.ReduceOp.SUM, per_replica, axis=None)

    batches = [
        (x[i : i + GLOBAL_BATCH], y[i : i + GLOBAL_BATCH]) for i in range(0, 1024, GLOBAL_BATCH)
    ]
    loss = float("nan")
    for epoch in range(epochs):
        total = 0.0
        for batch in strategy.experimental_distribute_dataset(batches):
            total += float(train_step(batch))
        loss = total / len(batches)
        print(f"epoch {epoch + 1}: loss {loss:.5f}")
    return loss


if __name__ == "__main__":
    main()
