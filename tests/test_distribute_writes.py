"""Placement survives every write; the distributed custom-loop tutorial shape; saving and
restoring across strategies. On 4 forced CPU devices (tests/conftest.py)."""

import jax
import numpy as np
import pytest
from jax.sharding import PartitionSpec as P

import jtape as jt
import jtape.compat as tf
from jtape import distribute as dist

pytestmark = pytest.mark.skipif(
    jax.device_count() < 4, reason="needs 4 devices: run under tests/conftest.py's XLA_FLAGS"
)


def _replicated(v, n=4) -> bool:
    s = v._value.sharding
    return len(s.device_set) == n and getattr(s, "spec", None) == P()


def test_every_write_keeps_the_replicated_placement(tmp_path):
    strategy = dist.MirroredStrategy()
    with strategy.scope():
        v = jt.Variable(np.zeros((4, 2), np.float32))
        opt = jt.optimizers.Adam(0.1)
    writes = [
        lambda: v.assign(np.ones((4, 2), np.float32)),
        lambda: v.assign_add(np.ones((4, 2), np.float32)),
        lambda: v.assign_sub(jt.ones((4, 2))),
        lambda: v[1].assign([5.0, 6.0]),
        lambda: v.scatter_update(jt.IndexedSlices(jt.constant([[7.0, 8.0]]), jt.constant([2]))),
        lambda: v.scatter_nd_add([[0, 0]], [1.0]),
        lambda: opt.apply_gradients([(jt.ones((4, 2)), v)]),
        lambda: jt.function(lambda: v.assign(np.full((4, 2), 3.0, np.float32)))(),
    ]
    for write in writes:
        write()
        assert _replicated(v)
    path = jt.train.Checkpoint(v=v).write(str(tmp_path / "c"))
    v.assign(np.zeros((4, 2), np.float32))
    jt.train.Checkpoint(v=v).restore(path)
    assert _replicated(v) and float(v.numpy().sum()) == 24.0
    per_replica = strategy.run(lambda: v * 2.0)  # the error of issue 15 before the fix
    assert float(strategy.reduce("sum", per_replica, axis=None).numpy().sum()) == 4 * 48.0


def test_sharded_optimizer_state_stays_split():
    strategy = dist.MirroredStrategy(shard_optimizer_state=True)
    with strategy.scope():
        w = jt.Variable(np.ones((8, 2), np.float32))
        opt = jt.optimizers.Adam(0.1)
        opt.build([w])
    slot = [s for s in opt.variables if tuple(s.shape) == (8, 2)][0]
    slot.assign(np.full((8, 2), 0.5, np.float32))
    assert slot._value.sharding.spec == P("replica")
    opt.apply_gradients([(jt.ones((8, 2)), w)])
    assert slot._value.sharding.spec == P("replica") and _replicated(w)


def _create_model():
    reg = tf.keras.regularizers.l2(1e-3)
    return tf.keras.Sequential(
        [
            tf.keras.layers.Conv2D(4, 3, activation="relu", kernel_regularizer=reg),
            tf.keras.layers.MaxPooling2D(),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(8, activation="relu", kernel_regularizer=reg),
            tf.keras.layers.Dense(3),
        ]
    )


def _data():
    rng = np.random.default_rng(0)
    images = rng.normal(size=(40, 8, 8, 1)).astype(np.float32)
    labels = rng.integers(0, 3, size=(40,)).astype(np.int32)
    return images, labels


GLOBAL_BATCH = 8


def _tutorial(strategy, init_weights, ckpt_dir):
    """TF's "Custom training with tf.distribute.Strategy" shape, in our own code."""
    images, labels = _data()
    with strategy.scope():
        model = _create_model()
        model.build((None, 8, 8, 1))
        model.set_weights(init_weights)
        optimizer = tf.keras.optimizers.Adam(0.01)
        checkpoint = tf.train.Checkpoint(optimizer=optimizer, model=model)
        loss_object = tf.keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="none"
        )
        train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()

    def compute_loss(labels, predictions, model_losses):
        per_example_loss = loss_object(labels, predictions)
        loss = tf.nn.compute_average_loss(per_example_loss, global_batch_size=GLOBAL_BATCH)
        return loss + tf.nn.scale_regularization_loss(tf.add_n(model_losses))

    def train_step(inputs):
        x, y = inputs
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)
            loss = compute_loss(y, predictions, model.losses)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        train_accuracy.update_state(y, predictions)
        return loss

    @tf.function
    def train_epoch(dataset):
        total_loss = 0.0
        num_batches = 0
        for x in dataset:
            per_replica_losses = strategy.run(train_step, args=(x,))
            total_loss += strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, None)
            num_batches += 1
        return total_loss / tf.cast(num_batches, tf.float32)

    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(GLOBAL_BATCH)
    dist_ds = strategy.experimental_distribute_dataset(ds)
    losses, accuracies = [], []
    for _ in range(2):
        losses.append(float(train_epoch(dist_ds)))
        accuracies.append(float(train_accuracy.result()))
        train_accuracy.reset_state()
    path = checkpoint.save(str(ckpt_dir / "ckpt"))
    # Restore under the scope (after clobbering the weights) and train on from there.
    trained = model.get_weights()
    model.set_weights([np.zeros_like(w) for w in trained])
    checkpoint.restore(path)
    for got, want in zip(model.get_weights(), trained):
        np.testing.assert_array_equal(got, want)
    losses.append(float(train_epoch(dist_ds)))
    path = checkpoint.save(str(ckpt_dir / "ckpt"))
    # Restore into a fresh model without any strategy, and evaluate.
    fresh = _create_model()
    fresh.build((None, 8, 8, 1))
    tf.train.Checkpoint(optimizer=tf.keras.optimizers.Adam(0.01), model=fresh).restore(path)
    eval_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
    eval_accuracy.update_state(labels, fresh(images, training=False))
    return losses, accuracies, float(eval_accuracy.result()), model.get_weights()


def test_distributed_tutorial_loop_matches_one_device(tmp_path):
    tf.random.set_seed(0)
    init = _create_model()
    init.build((None, 8, 8, 1))
    weights = init.get_weights()
    strategy = tf.distribute.MirroredStrategy()
    (tmp_path / "d").mkdir()
    (tmp_path / "s").mkdir()
    got = _tutorial(strategy, weights, tmp_path / "d")
    want = _tutorial(tf.distribute.get_strategy(), weights, tmp_path / "s")
    np.testing.assert_allclose(got[0], want[0], rtol=1e-4)
    np.testing.assert_allclose(got[1], want[1])
    assert got[2] == pytest.approx(want[2])
    for a, b in zip(got[3], want[3]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def _weights_under(strategy, fill=None):
    with strategy.scope():
        model = tf.keras.Sequential([tf.keras.layers.Dense(4), tf.keras.layers.Dense(2)])
        model.build((None, 3))
    if fill is not None:
        shapes = [(3, 4), (4,), (4, 2), (2,)]
        model.set_weights([np.full(s, fill + i, np.float32) for i, s in enumerate(shapes)])
    return model


@pytest.mark.parametrize("how", ["checkpoint", "save_weights"])
def test_save_and_restore_across_strategies(tmp_path, how):
    four = dist.MirroredStrategy()
    two = dist.MirroredStrategy(devices=jax.devices()[:2])
    none = dist.get_strategy()
    cases = [(four, none), (none, four), (four, two), (two, four)]
    for k, (src, dst) in enumerate(cases):
        source = _weights_under(src, fill=float(k))
        target = _weights_under(dst)
        path = str(tmp_path / f"{how}{k}")
        if how == "checkpoint":
            saved = tf.train.Checkpoint(model=source).save(path + "/ckpt")
            tf.train.Checkpoint(model=target).restore(saved).assert_consumed()
        else:
            source.save_weights(path)
            target.load_weights(path)
        for got, want in zip(target.get_weights(), source.get_weights()):
            np.testing.assert_array_equal(got, want)
        n = dst.num_replicas_in_sync
        for v in target.weights:
            assert len(v._value.sharding.device_set) == n
        # and the restored model trains under its own strategy
        x = jt.constant(np.ones((4, 3), np.float32))
        out = dst.run(lambda x, m=target: m(x), args=(x,))
        assert len(dst.experimental_local_results(out)) == n


def test_tf_errors_for_what_tf_refuses():
    strategy = dist.MirroredStrategy()
    per_replica = strategy.run(lambda: jt.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="PerReplica object while not inside a replica context"):
        jt.sum(per_replica)
    with pytest.raises(ValueError, match="not inside a replica context"):
        jt.convert_to_tensor(per_replica)
    with pytest.raises(TypeError):
        per_replica + 1.0
    ctx = dist.InputContext(1, 0, 4)
    assert ctx.get_per_replica_batch_size(16) == 4
    with pytest.raises(ValueError, match="The `global_batch_size` 7 is not divisible by"):
        ctx.get_per_replica_batch_size(7)
    ds = jt.data.Dataset.from_tensor_slices(np.ones((6, 2), np.float32)).batch(6)

    @jt.function
    def total(dist_ds):
        t = 0.0
        for x in dist_ds:
            t += strategy.reduce("sum", strategy.run(jt.sum, args=(x,)), None)
        return t

    with pytest.raises(ValueError, match="6 is not divisible by the 4 replicas"):
        total(strategy.experimental_distribute_dataset(ds))


def test_datasets_from_function_each_replica_takes_one_per_replica_batch():
    strategy = dist.MirroredStrategy()
    rows = np.arange(32, dtype=np.float32).reshape(32, 1)

    def dataset_fn(ctx):
        per_replica = ctx.get_per_replica_batch_size(8)
        return jt.data.Dataset.from_tensor_slices(rows).batch(per_replica)

    batches = list(strategy.distribute_datasets_from_function(dataset_fn))
    assert len(batches) == 4  # 16 per-replica batches of 2, four replicas per step
    parts = strategy.experimental_local_results(batches[1])
    assert [p.numpy().ravel().tolist() for p in parts] == [[8, 9], [10, 11], [12, 13], [14, 15]]


CUSTOM_LOOP_WORKER = """
import os, sys
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
import numpy as np
import jax
jax.config.update("jax_cpu_collectives_implementation", "gloo")
import jtape as jt
from jtape import distribute as dist

strategy = dist.MultiWorkerMirroredStrategy()  # from TF_CONFIG
rng = np.random.default_rng(0)
x = rng.normal(size=(48, 5)).astype(np.float32)
y = rng.normal(size=(48, 2)).astype(np.float32)
w0 = rng.normal(size=(5, 2)).astype(np.float32)
with strategy.scope():
    w = jt.Variable(np.zeros((5, 2), np.float32))
    opt = jt.optimizers.Adam(0.1)
w.assign(w0)  # host data into a variable replicated over both processes


def dataset_fn(ctx):
    ds = jt.data.Dataset.from_tensor_slices((x, y))
    ds = ds.shard(ctx.num_input_pipelines, ctx.input_pipeline_id)
    return ds.batch(ctx.get_per_replica_batch_size(16))


def replica_step(xb, yb):
    with jt.GradientTape() as tape:
        per_example = jt.sum((xb @ w - yb) ** 2, axis=1)
        loss = dist.compute_average_loss(per_example, global_batch_size=16)
    opt.apply_gradients([(tape.gradient(loss, w), w)])
    return loss


@jt.function
def train_step(batch):
    return strategy.reduce(dist.ReduceOp.SUM, strategy.run(replica_step, args=batch), None)


losses = [float(train_step(b)) for b in strategy.distribute_datasets_from_function(dataset_fn)]
from jax.experimental import multihost_utils
out = np.asarray(multihost_utils.process_allgather(w._value, tiled=True))
np.savez(sys.argv[1] + f"/p{jax.process_index()}.npz", w=out, losses=np.array(losses))
jax.distributed.shutdown()
"""


def test_two_process_custom_loop_matches_one_process(tmp_path):
    import json
    import os
    import socket
    import subprocess
    import sys

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    script = tmp_path / "worker.py"
    script.write_text(CUSTOM_LOOP_WORKER)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    workers = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    procs = []
    for index in range(2):
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        env = {**os.environ, "TF_CONFIG": json.dumps(config), "PYTHONPATH": root}
        env.pop("XLA_FLAGS", None)
        procs.append(
            subprocess.Popen(
                [sys.executable, str(script), str(tmp_path)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        outputs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (_, err) in zip(procs, outputs):
        assert p.returncode == 0, err[-3000:]
    # One process, whole global batches of 16 rows (the rows both processes fed).
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 5)).astype(np.float32)
    y = rng.normal(size=(48, 2)).astype(np.float32)
    w = jt.Variable(rng.normal(size=(5, 2)).astype(np.float32))
    opt = jt.optimizers.Adam(0.1)
    want_losses = []
    for s in range(3):
        xb, yb = jt.constant(x[16 * s : 16 * (s + 1)]), jt.constant(y[16 * s : 16 * (s + 1)])
        with jt.GradientTape() as tape:
            loss = jt.mean(jt.sum((xb @ w - yb) ** 2, axis=1))
        opt.apply_gradients([(tape.gradient(loss, w), w)])
        want_losses.append(float(loss))
    for i in range(2):
        got = np.load(tmp_path / f"p{i}.npz")
        np.testing.assert_allclose(got["losses"], want_losses, rtol=1e-5)
        np.testing.assert_allclose(got["w"], w.numpy(), rtol=1e-5, atol=1e-6)


def test_variable_made_outside_a_strategy_from_replicated_values_is_unplaced():
    """A generator first used under a strategy keeps replicated state; variables created
    later outside any strategy from its draws still live on one device."""
    four = dist.MirroredStrategy()
    with four.scope():
        replicated = jt.Variable(np.ones(3, np.float32))
    assert len(replicated._value.sharding.device_set) == 4
    plain = jt.Variable(replicated.value() * 2.0)  # computed from replicated state
    assert len(plain._value.sharding.device_set) == 1
    np.testing.assert_array_equal(plain.numpy(), [2.0, 2.0, 2.0])
    split = jax.device_put(
        np.arange(8.0, dtype=np.float32),
        jax.sharding.NamedSharding(four.mesh, jax.sharding.PartitionSpec("replica")),
    )
    kept = jt.Variable(split)  # an explicit split placement is kept
    assert kept._value.sharding == split.sharding
