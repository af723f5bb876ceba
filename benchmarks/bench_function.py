"""jt.function training step vs a hand-written jax.jit + optax step (issue 3).

Same model, same math, same run: forward, tape.gradient and Adam's apply_gradients inside
``jt.function`` against ``jax.jit(value_and_grad + optax.adam)``. Also the first call
(trace + compile) of each, and ``import jtape`` against ``import jax, optax``.

Run: .venv/bin/python benchmarks/bench_function.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jtape as jt

SEED_MLP = (64, 32, 10)
WIDE_MLP = (784, 512, 512, 10)


def _init(sizes, seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        params.append((rng.normal(size=(a, b)) * np.sqrt(2.0 / a)).astype(np.float32))
        params.append(np.zeros(b, np.float32))
    return params


def _batch(sizes, batch, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch).astype(np.int32)
    return x, y


def make_jtape_step(sizes):
    variables = [jt.Variable(p) for p in _init(sizes)]
    opt = jt.optimizers.Adam(learning_rate=1e-3)

    @jt.function
    def train_step(x, y):
        with jt.GradientTape() as tape:
            h = x
            for i in range(0, len(variables) - 2, 2):
                h = jt.relu(h @ variables[i] + variables[i + 1])
            logits = h @ variables[-2] + variables[-1]
            loss = jt.mean(jt.sparse_softmax_cross_entropy_with_logits(y, logits))
        grads = tape.gradient(loss, variables)
        opt.apply_gradients(zip(grads, variables))
        return loss

    return train_step


def make_jax_step(sizes):
    params = [jnp.asarray(p) for p in _init(sizes)]
    tx = optax.adam(1e-3, eps=1e-7)
    state = {"params": params, "opt": tx.init(params)}

    def loss_fn(params, x, y):
        h = x
        for i in range(0, len(params) - 2, 2):
            h = jax.nn.relu(h @ params[i] + params[i + 1])
        logits = h @ params[-2] + params[-1]
        logp = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    @jax.jit
    def step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    def train_step(x, y):
        state["params"], state["opt"], loss = step(state["params"], state["opt"], x, y)
        return loss

    return train_step


def _median_step_us(step, args, steps, repeats=7):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            out = step(*args)
        jax.block_until_ready(getattr(out, "_value", out))
        times.append((time.perf_counter() - t0) / steps * 1e6)
    return statistics.median(times)


def bench_train_step(name, sizes, batch, steps):
    x, y = _batch(sizes, batch)
    jt_args = (jt.constant(x), jt.constant(y))
    jx_args = (jnp.asarray(x), jnp.asarray(y))
    jt_step, jx_step = make_jtape_step(sizes), make_jax_step(sizes)
    t0 = time.perf_counter()
    jax.block_until_ready(jx_step(*jx_args))
    first_jax = time.perf_counter() - t0
    t0 = time.perf_counter()
    jax.block_until_ready(jt_step(*jt_args)._value)
    first_jt = time.perf_counter() - t0
    for _ in range(20):  # warm both
        jt_step(*jt_args)
        jx_step(*jx_args)
    # Interleave the two so machine noise hits both alike.
    jt_us, jx_us = [], []
    for _ in range(3):
        jt_us.append(_median_step_us(jt_step, jt_args, steps))
        jx_us.append(_median_step_us(jx_step, jx_args, steps))
    a, b = statistics.median(jt_us), statistics.median(jx_us)
    return {
        "case": name,
        "jtape_us": a,
        "jax_us": b,
        "ratio": a / b,
        "first_call_jtape_s": first_jt,
        "first_call_jax_s": first_jax,
        "first_call_ratio": first_jt / first_jax,
        "traces": jt_step.experimental_get_tracing_count(),
    }


def bench_import(repeats=5):
    def run(code):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    base = run("import jax, optax")
    ours = run("import jtape")
    return {"import_jax_optax_s": base, "import_jtape_s": ours, "ratio": ours / base}


def main():
    rows = [
        bench_train_step("seed MLP 64-32-10, batch 32", SEED_MLP, 32, 500),
        bench_train_step("seed MLP 64-32-10, batch 256", SEED_MLP, 256, 300),
        bench_train_step("wide MLP 784-512-512-10, batch 128", WIDE_MLP, 128, 30),
    ]
    print(f"device: {jax.devices()[0].platform}, jax {jax.__version__}")
    print(
        "| case | jtape step (us) | jax+optax step (us) | ratio | first call jtape (s) "
        "| first call jax (s) | ratio | traces |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['case']} | {r['jtape_us']:.1f} | {r['jax_us']:.1f} | {r['ratio']:.3f} "
            f"| {r['first_call_jtape_s']:.3f} | {r['first_call_jax_s']:.3f} "
            f"| {r['first_call_ratio']:.2f} | {r['traces']} |"
        )
    imp = bench_import()
    print(
        f"\nimport jtape: {imp['import_jtape_s']:.3f} s, import jax, optax: "
        f"{imp['import_jax_optax_s']:.3f} s, ratio {imp['ratio']:.2f}"
    )


if __name__ == "__main__":
    main()
