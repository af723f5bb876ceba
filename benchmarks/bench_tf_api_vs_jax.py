"""Unchanged TF-API training code on jtape vs the same step in pure JAX + optax (issue 16).

jtape side: ``import jtape.compat as tf``, a Keras ``Sequential``,
``SparseCategoricalCrossentropy(from_logits=True)``, ``Adam``, and a ``tf.function`` step
doing ``tape.gradient`` + ``apply_gradients``. JAX side: ``jax.jit`` of value_and_grad +
``optax.adam`` with parameters and optimizer state donated. Same shapes, same data, rounds
interleaved; medians per step and their ratio, and the median (and quartiles) of each
round's ratio, which a drifting machine load disturbs less (targets: <= 1.15x for the seed
MLP at batch 32, <= 1.05x for the 784-512-512-10 MLP at batch 128).

Run: ``.venv/bin/python benchmarks/bench_tf_api_vs_jax.py [--rounds 21] [--seconds 0.15]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jtape.compat as tf

CASES = {
    "seed MLP 64-32-10, batch 32": ((64, 32, 10), 32),
    "seed MLP 64-32-10, batch 256": ((64, 32, 10), 256),
    "MLP 784-512-512-10, batch 128": ((784, 512, 512, 10), 128),
}


def _jtape_step(sizes, x, y):
    layers = [tf.keras.Input((sizes[0],))]
    layers += [tf.keras.layers.Dense(n, activation="relu") for n in sizes[1:-1]]
    model = tf.keras.Sequential([*layers, tf.keras.layers.Dense(sizes[-1])])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    opt = tf.keras.optimizers.Adam(1e-3)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    xt, yt = tf.constant(x), tf.constant(y)
    return lambda: step(xt, yt)


def _jax_step(sizes, x, y):
    rng = np.random.default_rng(0)
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        params.append(jnp.asarray((rng.normal(size=(a, b)) * np.sqrt(2 / a)), jnp.float32))
        params.append(jnp.zeros(b, jnp.float32))
    opt = optax.adam(1e-3)
    state = [params, opt.init(params)]

    def loss(params, x, y):
        h = x
        for i in range(0, len(params) - 2, 2):
            h = jax.nn.relu(h @ params[i] + params[i + 1])
        logits = h @ params[-2] + params[-1]
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @jax.jit
    def _step(params, opt_state, x, y):
        value, grads = jax.value_and_grad(loss)(params, x, y)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, value

    step = jax.jit(_step, donate_argnums=(0, 1))
    xj, yj = jnp.asarray(x), jnp.asarray(y)

    def run():
        state[0], state[1], value = step(state[0], state[1], xj, yj)
        return value

    return run


def _time(fn, reps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(reps):
        out = fn()
    jax.block_until_ready(out._value if hasattr(out, "_value") else out)
    return (time.perf_counter() - t0) / reps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--seconds", type=float, default=0.15)
    args = ap.parse_args()
    print(
        "| case | jtape (TF-API code) | pure JAX, donated | ratio | per-round ratio (median, IQR) |"
    )
    print("|---|---|---|---|---|")
    for name, (sizes, batch) in CASES.items():
        rng = np.random.default_rng(1)
        x = rng.normal(size=(batch, sizes[0])).astype(np.float32)
        y = rng.integers(0, sizes[-1], batch).astype(np.int32)
        fns = {"jtape": _jtape_step(sizes, x, y), "jax": _jax_step(sizes, x, y)}
        reps = {}
        for k, fn in fns.items():
            for _ in range(3):
                _time(fn, 1)
            reps[k] = max(1, int(args.seconds / _time(fn, 5)))
        times = {k: [] for k in fns}
        for _ in range(args.rounds):
            for k, fn in fns.items():
                times[k].append(_time(fn, reps[k]))
        med = {k: statistics.median(v) for k, v in times.items()}
        ratio = med["jtape"] / med["jax"]
        # Each round's jtape/JAX ratio: adjacent measurements, robust to a drifting load.
        paired = [a / b for a, b in zip(times["jtape"], times["jax"])]
        q1, q2, q3 = statistics.quantiles(paired, n=4)
        print(
            f"| {name} | {med['jtape'] * 1e6:.1f} us | {med['jax'] * 1e6:.1f} us | {ratio:.2f} "
            f"| {q2:.2f} ({q1:.2f}-{q3:.2f}) |"
        )


if __name__ == "__main__":
    main()
