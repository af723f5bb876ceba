"""jt.distribute on 4 forced CPU devices (see conftest.py) and on two processes."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

import jtape as jt
from jtape import distribute as dist

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytestmark = pytest.mark.skipif(
    jax.device_count() < 4, reason="needs 4 devices: run under tests/conftest.py's XLA_FLAGS"
)


def _problem(seed=0, batch=16):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, 5)).astype(np.float32)
    y = rng.normal(size=(batch, 2)).astype(np.float32)
    w0 = rng.normal(size=(5, 2)).astype(np.float32)
    return x, y, w0


def _single_device_adam(x, y, w0, steps):
    w = jt.Variable(w0)
    opt = jt.optimizers.Adam(0.1)
    for _ in range(steps):
        with jt.GradientTape() as tape:
            loss = jt.mean(jt.sum((jt.constant(x) @ w - y) ** 2, axis=1))
        opt.apply_gradients([(tape.gradient(loss, w), w)])
    return w, opt


def test_custom_loop_with_run_matches_single_device():
    x, y, w0 = _problem()
    strategy = dist.MirroredStrategy()
    assert strategy.num_replicas_in_sync == 4
    with strategy.scope():
        w = jt.Variable(w0)
        opt = jt.optimizers.Adam(0.1)
    assert len(w._value.sharding.device_set) == 4

    def replica_step(xb, yb):
        with jt.GradientTape() as tape:
            per_example = jt.sum((xb @ w - yb) ** 2, axis=1)
            loss = dist.compute_average_loss(per_example, global_batch_size=16)
        opt.apply_gradients([(tape.gradient(loss, w), w)])
        return loss

    @jt.function
    def train_step(inputs):
        per_replica = strategy.run(replica_step, args=inputs)
        return strategy.reduce(dist.ReduceOp.SUM, per_replica, axis=None)

    losses = [float(train_step(b)) for b in strategy.experimental_distribute_dataset([(x, y)] * 3)]
    ref_w, ref_opt = _single_device_adam(x, y, w0, 3)
    np.testing.assert_allclose(w.numpy(), ref_w.numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(opt.variables, ref_opt.variables):
        np.testing.assert_allclose(
            np.asarray(a.numpy()), np.asarray(b.numpy()), rtol=1e-5, atol=1e-6
        )
    # The summed per-replica losses are the global mean loss before the last step.
    w_before = _single_device_adam(x, y, w0, 2)[0].numpy()
    expected = np.mean(np.sum((x @ w_before - y) ** 2, axis=1))
    assert losses[-1] == pytest.approx(expected, rel=1e-5)


def test_per_replica_values_reduce_and_gather():
    strategy = dist.MirroredStrategy()
    batch = np.arange(8, dtype=np.float32).reshape(8, 1) * np.ones((1, 3), np.float32)
    (dist_batch,) = list(strategy.experimental_distribute_dataset([batch]))
    assert [p.shape for p in dist_batch.values] == [(2, 3)] * 4

    def fn(b):
        ctx = dist.get_replica_context()
        return jt.sum(b, axis=1), jt.cast(ctx.replica_id_in_sync_group, jt.float32)

    rows, ids = strategy.run(fn, args=(dist_batch,))
    assert [float(i) for i in strategy.experimental_local_results(ids)] == [0.0, 1.0, 2.0, 3.0]
    expected_rows = batch.sum(axis=1)
    np.testing.assert_allclose(strategy.gather(rows, axis=0).numpy(), expected_rows)
    # SUM over replicas of [2]-vectors, then also over their axis 0
    np.testing.assert_allclose(
        strategy.reduce("sum", rows, axis=None).numpy(), expected_rows.reshape(4, 2).sum(0)
    )
    assert float(strategy.reduce("sum", rows, axis=0)) == pytest.approx(expected_rows.sum())
    assert float(strategy.reduce("mean", rows, axis=0)) == pytest.approx(expected_rows.mean())
    assert float(strategy.reduce("mean", ids, axis=None)) == pytest.approx(1.5)


def test_all_reduce_in_replica_context():
    strategy = dist.MirroredStrategy()

    def fn():
        ctx = dist.get_replica_context()
        rid = jt.cast(ctx.replica_id_in_sync_group, jt.float32)
        return ctx.all_reduce("sum", rid), ctx.all_reduce("mean", rid)

    total, mean = strategy.run(fn)
    assert [float(t) for t in total.values] == [6.0] * 4
    assert [float(m) for m in mean.values] == [1.5] * 4


def test_native_data_parallel_path_and_sharded_optimizer_state():
    # No per-replica code: variables replicated, the batch sharded, GSPMD does the rest.
    x, y, w0 = _problem()
    strategy = dist.MirroredStrategy(shard_optimizer_state=True)
    with strategy.scope():
        w = jt.Variable(w0)  # 5 rows: not divisible by 4, stays replicated
        b = jt.Variable(np.zeros((8, 2), np.float32))
        opt = jt.optimizers.Adam(0.1)
        opt.build([w, b])
    slot_specs = {tuple(v.shape): v._value.sharding.spec for v in opt.variables if v.ndim == 2}
    assert slot_specs[(8, 2)] == jax.sharding.PartitionSpec("replica")

    @jt.function
    def step(xb, yb):
        with jt.GradientTape() as tape:
            loss = jt.mean(jt.sum((xb @ w - yb) ** 2, axis=1)) + jt.sum(b * b)
        opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
        return loss

    for xb, yb in strategy.experimental_distribute_dataset([(x, y)] * 3):
        step(xb._value, yb._value)
    ref_w, _ = _single_device_adam(x, y, w0, 3)
    np.testing.assert_allclose(w.numpy(), ref_w.numpy(), rtol=1e-5, atol=1e-6)


def test_clear_errors():
    strategy = dist.MirroredStrategy()
    with pytest.raises(ValueError, match="not divisible by the 4 replicas"):
        list(strategy.experimental_distribute_dataset([np.zeros((6, 2), np.float32)]))
    outside = jt.Variable(np.ones(3, np.float32))  # created outside scope(): one device

    def fn():
        return jt.sum(outside * 2.0)

    with pytest.raises(ValueError, match=r"inside `with strategy.scope\(\):`"):
        strategy.run(fn)
    with pytest.raises(ValueError, match="no device"):
        dist.MirroredStrategy(devices=["/gpu:7"])


def test_default_and_one_device_strategies():
    assert dist.get_strategy().num_replicas_in_sync == 1
    strategy = dist.OneDeviceStrategy("/cpu:1")
    with strategy.scope():
        assert dist.get_strategy() is strategy and dist.in_cross_replica_context()
        v = jt.Variable(2.0)
    assert v._value.sharding.device_set == {jax.devices()[1]}
    assert float(strategy.run(lambda: v * 3.0)) == 6.0


def test_compute_average_loss():
    loss = dist.compute_average_loss(jt.constant([1.0, 2.0, 3.0]), global_batch_size=6)
    assert float(loss) == pytest.approx(1.0)
    weighted = dist.compute_average_loss(
        jt.constant([1.0, 2.0]), sample_weight=jt.constant([2.0, 0.0])
    )
    assert float(weighted) == pytest.approx(1.0)


def test_tf_config_parsing():
    config = {
        "cluster": {"worker": ["10.0.0.1:2222", "10.0.0.2:2222"]},
        "task": {"type": "worker", "index": 1},
    }
    assert dist.cluster_from_tf_config(json.dumps(config)) == ("10.0.0.1:2222", 2, 1)
    with pytest.raises(ValueError, match="task index 5"):
        bad = {**config, "task": {"type": "worker", "index": 5}}
        dist.cluster_from_tf_config(json.dumps(bad))
    with pytest.raises(ValueError, match="TF's JSON"):
        dist.cluster_from_tf_config("{not json")


WORKER = textwrap.dedent(
    """
    import json, os, sys
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    import numpy as np
    import jax
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    import jtape as jt
    from jtape import distribute as dist

    strategy = dist.MultiWorkerMirroredStrategy()  # from TF_CONFIG
    assert strategy.num_replicas_in_sync == 4, strategy.num_replicas_in_sync
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 5)).astype(np.float32)
    y = rng.normal(size=(16, 2)).astype(np.float32)
    w0 = rng.normal(size=(5, 2)).astype(np.float32)
    with strategy.scope():
        w = jt.Variable(w0)
        opt = jt.optimizers.Adam(0.1)

    def replica_step(xb, yb):
        with jt.GradientTape() as tape:
            loss = dist.compute_average_loss(jt.sum((xb @ w - yb) ** 2, axis=1),
                                             global_batch_size=16)
        opt.apply_gradients([(tape.gradient(loss, w), w)])
        return loss

    @jt.function
    def train_step(inputs):
        return strategy.reduce("sum", strategy.run(replica_step, args=inputs), axis=None)

    for batch in strategy.experimental_distribute_dataset([(x, y)] * 3):
        train_step(batch)
    from jax.experimental import multihost_utils
    out = np.asarray(multihost_utils.process_allgather(w._value, tiled=True))
    np.save(sys.argv[1] + f"/w{jax.process_index()}.npy", out)
    jax.distributed.shutdown()
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_multiworker_matches_single_device(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    workers = [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]
    procs = []
    for index in range(2):
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        env = {**os.environ, "TF_CONFIG": json.dumps(config), "PYTHONPATH": ROOT}
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
    x, y, w0 = _problem()
    ref_w, _ = _single_device_adam(x, y, w0, 3)
    for i in range(2):
        np.testing.assert_allclose(
            np.load(tmp_path / f"w{i}.npy"), ref_w.numpy(), rtol=1e-5, atol=1e-6
        )


def test_fit_under_scope_matches_single_device():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype(np.float32)
    y = rng.normal(size=(64, 1)).astype(np.float32)

    def train(strategy):
        jt.random.set_seed(0)
        with strategy.scope():
            model = jt.nn.Sequential(
                [jt.nn.Dense(8, activation="relu", input_shape=(5,)), jt.nn.Dense(1)]
            )
            model.compile(optimizer=jt.optimizers.Adam(0.01), loss="mse")
        history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        return model, history.history["loss"]

    strategy = dist.MirroredStrategy()
    distributed, losses = train(strategy)
    assert len(distributed.trainable_variables[0]._value.sharding.device_set) == 4
    placed = distributed._place_batch((x[:16], y[:16]))
    assert placed[0].sharding.spec == jax.sharding.PartitionSpec("replica")
    single, ref_losses = train(dist.get_strategy())
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-5)
    for a, b in zip(distributed.get_weights(), single.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
