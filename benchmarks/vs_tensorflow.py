"""TF-API workloads under TensorFlow and under jtape, interleaved, medians per step.

    .venv/bin/python benchmarks/vs_tensorflow.py --tf-python /work/tfvenv/bin/python \
        [--rounds 7] [--seconds 0.5] [--only cnn_32x32x3_b64 ...]

Without ``--tf-python`` only the jtape side runs (its column alone, e.g. on a machine
without TensorFlow).

Both sides run ``benchmarks/tf_workloads.py`` (identical code: ``import tensorflow as tf``
or ``import jtape.compat as tf``) as long-lived worker processes; each round asks one side
then the other to run a workload for about ``--seconds``, so load on a shared machine falls
on both alike. TensorFlow is never a dependency of jtape: its interpreter is given on the
command line. Prints a Markdown table (medians, ratio jtape/TF; < 1 means jtape is faster).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
EAGER_CHAIN_OPS = 100


class Worker:
    def __init__(self, python: str, backend: str, env: dict | None = None) -> None:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
        self.proc = subprocess.Popen(
            [python, os.path.join(HERE, "tf_workloads.py"), backend],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError(f"{backend} worker failed to start: {line!r}")
        self.names = set(line.split()[1:])

    def time(self, name: str, reps: int) -> float:
        self.proc.stdin.write(f"{name} {reps}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=60)


def _fmt(seconds: float, name: str) -> str:
    if name.startswith("eager_chain_100_ops"):
        return f"{seconds / EAGER_CHAIN_OPS * 1e6:.1f} us/op"
    return f"{seconds * 1e3:.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.1f} us"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tf-python", help="python of a venv with tensorflow (omit: jtape only)")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=0.5, help="time per side per round")
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    sides = {"jtape": Worker(sys.executable, "jtape")}
    if args.tf_python:
        sides["TF"] = Worker(args.tf_python, "tensorflow")
    names = sorted(set().union(*(w.names for w in sides.values())))
    if args.only:
        names = [n for n in names if n in args.only]
    print("| workload | jtape | TF 2.21 | jtape / TF |")
    print("|---|---|---|---|")
    for name in names:
        reps = {}
        for side, w in sides.items():
            if name in w.names:
                once = w.time(name, 1)
                reps[side] = max(1, int(args.seconds / max(once, 1e-6)))
        times: dict[str, list[float]] = {side: [] for side in reps}
        for _ in range(args.rounds):
            for side in reps:
                times[side].append(sides[side].time(name, reps[side]))
        med = {side: statistics.median(t) for side, t in times.items()}
        cells = [_fmt(med[s], name) if s in med else "n/a" for s in ("jtape", "TF")]
        ratio = f"{med['jtape'] / med['TF']:.2f}" if len(med) == 2 else "n/a"
        print(f"| {name} | {cells[0]} | {cells[1]} | {ratio} |", flush=True)
    for w in sides.values():
        w.close()


if __name__ == "__main__":
    main()
