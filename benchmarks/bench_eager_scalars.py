"""Eager loops whose Python numbers change every step (issue 18).

The loop is hand-written bias-corrected descent over a ``tf.Variable``: each step
multiplies the gradient by ``1e-3 / (1 - 0.9 ** step)``, a new Python float. It is timed
against the same loop with a fixed number, in one process, interleaved, after one
warm-up pass each; compilations are counted with ``jax.monitoring``.

Run: ``.venv/bin/python benchmarks/bench_eager_scalars.py [--steps 200] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax

import jtape.compat as tf

_COMPILES = {"n": 0}


def _count(event: str, duration: float, **kwargs) -> None:
    if "backend_compile" in event:
        _COMPILES["n"] += 1


def loop(x, steps: int, start: int, vary: bool) -> None:
    for step in range(start, start + steps):
        with tf.GradientTape() as tape:
            y = x**4
        g = tape.gradient(y, x)
        x.assign_sub((1e-3 / (1 - 0.9**step) if vary else 1e-3) * g)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    jax.monitoring.register_event_duration_secs_listener(_count)
    x = tf.Variable(2.0)
    times: dict[str, list[float]] = {"fixed": [], "varying": []}
    compiles: dict[str, int] = {"fixed": 0, "varying": 0}
    loop(x, 3, 1, True)  # warm-up: every op compiled once
    start = 4
    for _ in range(args.rounds):
        for name in times:
            c0, t0 = _COMPILES["n"], time.perf_counter()
            loop(x, args.steps, start, name == "varying")
            times[name].append(time.perf_counter() - t0)
            compiles[name] += _COMPILES["n"] - c0
            start += args.steps  # fresh step numbers: fresh Python floats every round
    fixed, varying = (statistics.median(times[k]) for k in ("fixed", "varying"))
    print(f"| loop ({args.steps} steps) | median s | per step (us) | compiles (all rounds) |")
    print("|---|---|---|---|")
    for key, med in (("fixed", fixed), ("varying", varying)):
        print(f"| {key} scalar | {med:.3f} | {med / args.steps * 1e6:.0f} | {compiles[key]} |")
    print(f"\nvarying / fixed = {varying / fixed:.2f}")


if __name__ == "__main__":
    main()
