"""What Keras' metric state costs a raw ``jax.jit`` step (no jtape involved).

    .venv/bin/python benchmarks/bench_metric_state.py [--rounds 15]

The digits demo's step (64-32-10 MLP, batch 32, Adam, donated state) written in pure
JAX, with the epoch statistics kept in different layouts:

- ``none``: no statistics (the minimal loop of ``bench_fit.py``);
- ``loss``: the loss tracker's ``total`` and ``count`` (what ``fit`` always keeps);
- ``loss+result``: the same, also returning ``total / count`` every step;
- ``one triple``: loss sum, correct count and sample count in three scalars;
- ``keras``: Keras' layout with an accuracy metric, a ``total`` and a ``count`` per
  metric (four scalars);
- ``keras+results``: the same, also returning both results every step (what a
  ``train_step`` returns as its logs).

Each side is a compiled step called repeatedly; the sides are interleaved and the
medians (and minima) of the per-call times are printed. On XLA:CPU each small state
buffer and output costs microseconds, which is why a metric costs ``fit`` ~20% of this
~60 us step (see RESULTS.md, the ``fit`` section).
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import optax

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
from bench_fit import LR, init_params, loss_and_probs  # noqa: E402
from digits import load_data  # noqa: E402

LAYOUTS = {"none": 0, "loss": 2, "loss+result": 2, "one triple": 3, "keras": 4, "keras+results": 4}


def make_step(layout: str, tx):
    """The donating train step that keeps its statistics in ``layout``."""

    @functools.partial(jax.jit, donate_argnums=(0, 1, 2))
    def step(params, opt_state, stats, xb, yb):
        (loss, probs), grads = jax.value_and_grad(loss_and_probs, has_aux=True)(params, xb, yb)
        updates, opt_state = tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        n = yb.shape[0]
        correct = jnp.sum((jnp.argmax(probs, axis=-1) == yb).astype(jnp.float32))
        results = ()
        if layout in ("loss", "loss+result"):
            total, count = stats
            stats = (total + loss * n, count + n)
            if layout == "loss+result":
                results = (stats[0] / stats[1],)
        elif layout == "one triple":
            loss_sum, correct_sum, count = stats
            stats = (loss_sum + loss * n, correct_sum + correct, count + n)
        elif layout.startswith("keras"):
            loss_total, loss_count, acc_total, acc_count = stats
            stats = (loss_total + loss * n, loss_count + n, acc_total + correct, acc_count + n)
            if layout == "keras+results":
                results = (stats[0] / stats[1], stats[2] / stats[3])
        return params, opt_state, stats, results

    return step


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--calls", type=int, default=1000)
    args = ap.parse_args()
    x, _, y, _ = load_data()
    xb, yb = x[:32], y[:32]
    tx = optax.adam(LR)
    sides = {}
    for layout, n_stats in LAYOUTS.items():
        params = init_params()
        state = [params, tx.init(params), tuple(jnp.zeros(()) for _ in range(n_stats))]
        step = make_step(layout, tx)

        def call(state=state, step=step):
            state[0], state[1], state[2], _ = step(state[0], state[1], state[2], xb, yb)

        call()
        sides[layout] = call
    times: dict = {name: [] for name in sides}
    for _ in range(args.rounds):
        for name, call in sides.items():
            t0 = time.perf_counter()
            for _ in range(args.calls):
                call()
            times[name].append((time.perf_counter() - t0) / args.calls * 1e6)
    for name, ts in times.items():
        print(
            f"{name:14s} median {statistics.median(ts):7.1f} us/step   min {min(ts):7.1f} us/step"
        )


if __name__ == "__main__":
    main()
