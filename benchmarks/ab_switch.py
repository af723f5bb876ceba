"""A/B of one of jtape's environment switches on the TF-API workloads of ``tf_workloads.py``.

    .venv/bin/python benchmarks/ab_switch.py JTAPE_KEEP_HOST_MEMORY=0 [--rounds 9] \
        [--only cnn_32x32x3_b64 ...]

Two long-lived jtape workers run the same workloads, one with the given variables set
(side "switched"), one with the environment as it is (side "default"); each round asks one
then the other, so load on a shared machine falls on both alike. Switches are read when a
process starts (``JTAPE_KEEP_HOST_MEMORY``, ``JTAPE_YNN_CONVOLUTIONS``, JAX's own), which
is why this takes two processes. Prints medians and default/switched ratios (< 1: the
default is faster).
"""

from __future__ import annotations

import argparse
import statistics
import sys

from vs_tensorflow import Worker


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("env", nargs="+", help="NAME=VALUE set for the switched side")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--seconds", type=float, default=0.4, help="time per side per round")
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    sides = {
        "switched": Worker(sys.executable, "jtape", env),
        "default": Worker(sys.executable, "jtape"),
    }
    names = sorted(sides["default"].names)
    if args.only:
        names = [n for n in names if n in args.only]
    print(f"| workload | default | {' '.join(args.env)} | default / switched (per round) |")
    print("|---|---|---|---|")
    for name in names:
        once = sides["default"].time(name, 1)
        sides["switched"].time(name, 1)
        reps = max(1, int(args.seconds / max(once, 1e-6)))
        times: dict[str, list[float]] = {side: [] for side in sides}
        for _ in range(args.rounds):
            for side, worker in sides.items():
                times[side].append(worker.time(name, reps))
        med = {side: statistics.median(t) for side, t in times.items()}
        per_round = statistics.median(d / s for d, s in zip(times["default"], times["switched"]))
        print(
            f"| {name} | {med['default'] * 1e3:.3f} ms | {med['switched'] * 1e3:.3f} ms "
            f"| {med['default'] / med['switched']:.2f} ({per_round:.2f}) |",
            flush=True,
        )
    for worker in sides.values():
        worker.close()


if __name__ == "__main__":
    main()
