"""Eager ``apply_gradients`` vs a jitted raw optax update, ~1M parameters, same run.

    .venv/bin/python benchmarks/bench_optimizers.py [--repeats 200] [--opt adam]

Both sides update the same parameter shapes (an MLP 784-1024-256-10 plus biases,
1,068,810 parameters) with the same gradients. The raw side is
``jax.jit(step)(params, opt_state, grads)`` with ``optax.adam``; the jtape side is
``opt.apply_gradients(zip(grads, variables))`` called eagerly (one compiled
program per call, plus Python bookkeeping and the writes to Variables). Reports
medians and their ratio (goal: at most 1.2x).
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jtape as jt

SHAPES = [(784, 1024), (1024,), (1024, 256), (256,), (256, 10), (10,)]


def _time(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--opt", default="adam", choices=["adam", "sgd"])
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    params0 = [jnp.asarray(rng.normal(size=s).astype(np.float32) * 0.01) for s in SHAPES]
    grads = [jnp.asarray(rng.normal(size=s).astype(np.float32) * 0.01) for s in SHAPES]
    n_params = sum(int(np.prod(s)) for s in SHAPES)

    # Raw optax: configured as Keras' defaults where optax can (Adam's eps differs in
    # placement, which does not change the cost).
    tx = optax.adam(1e-3, eps=1e-7) if args.opt == "adam" else optax.sgd(1e-2)
    state = {"p": list(params0), "s": tx.init(list(params0))}

    @jax.jit
    def raw_step(p, s, g):
        u, s = tx.update(g, s, p)
        return optax.apply_updates(p, u), s

    def run_raw():
        state["p"], state["s"] = raw_step(state["p"], state["s"], grads)
        jax.block_until_ready(state["p"])

    variables = [jt.Variable(p) for p in params0]
    opt = jt.optimizers.Adam(1e-3) if args.opt == "adam" else jt.optimizers.SGD(1e-2)
    tensors = [jt.constant(g) for g in grads]

    def run_jtape():
        opt.apply_gradients(zip(tensors, variables))
        jax.block_until_ready([v.value()._value for v in variables])

    for _ in range(10):  # compile and warm up both
        run_raw()
        run_jtape()
    raw, ours = [], []
    for _ in range(args.repeats):  # alternate so load changes hit both sides alike
        raw += _time(run_raw, 1)
        ours += _time(run_jtape, 1)
    m_raw, m_ours = statistics.median(raw), statistics.median(ours)
    print(f"device: {jax.devices()[0].platform}, params: {n_params:,}, optimizer: {args.opt}")
    print(f"raw optax jitted update : median {m_raw * 1e3:8.3f} ms")
    print(f"jt apply_gradients eager: median {m_ours * 1e3:8.3f} ms")
    print(f"ratio jtape / optax     : {m_ours / m_raw:6.3f}x (goal <= 1.2x)")


if __name__ == "__main__":
    main()
