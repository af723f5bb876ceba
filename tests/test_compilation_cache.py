"""jtape turns on JAX's persistent compilation cache: a second run compiles nothing new."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import jax
compiles, misses = [], []
jax.monitoring.register_event_duration_secs_listener(
    lambda event, duration, **kw: compiles.append(event) if "backend_compile" in event else None
)
jax.monitoring.register_event_listener(
    lambda event, **kw: misses.append(event) if event.endswith("cache_misses") else None
)
import numpy as np
import jtape.compat as tf
print("cache dir:", jax.config.jax_compilation_cache_dir)
# The issue's TF-API script: Keras model, sparse cross-entropy from logits, Adam.
model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu"), tf.keras.layers.Dense(2)])
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
opt = tf.keras.optimizers.Adam(1e-3)

@tf.function
def step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    return loss

step(np.ones((3, 5), np.float32), np.array([0, 1, 1], np.int32))
print("compiles:", len(compiles))
print("misses:", len(misses))
"""


def _run(env) -> tuple[str, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    return lines["cache dir"], int(lines["compiles"]), int(lines["misses"])


def test_second_run_compiles_nothing(tmp_path):
    env = {**os.environ, "JTAPE_CACHE_DIR": str(tmp_path / "xla")}
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    cache_dir, programs, first_misses = _run(env)
    assert cache_dir == str(tmp_path / "xla")
    assert first_misses == programs > 0  # every program compiled, none found
    _, programs_again, second_misses = _run(env)
    assert programs_again == programs  # (JAX reports a load from the cache as a compile event)
    assert second_misses == 0  # ... but every program came from the cache


def test_off_switch(tmp_path):
    env = {**os.environ, "JTAPE_CACHE_DIR": str(tmp_path / "xla"), "JTAPE_COMPILATION_CACHE": "0"}
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    cache_dir, first, misses = _run(env)
    assert cache_dir == "None"
    assert first > 0 and misses == 0  # no cache consulted
    assert not (tmp_path / "xla").exists()
