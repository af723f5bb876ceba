"""Benchmark runner: ``python benchmarks/run.py [--suite NAME ...] [--quick] [--write]``.

Prints one Markdown table per suite. With ``--write`` the tables replace the
matching ``## core: <suite>`` sections of ``benchmarks/RESULTS.md`` (other sections
are left alone), together with the exact command that produced them.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_core  # noqa: E402

SUITES = dict(bench_core.SUITES)
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")


def _machine() -> str:
    import jax

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}, "
        f"jax {jax.__version__} ({jax.default_backend()})"
    )


def _write(sections: dict[str, str], command: str) -> None:
    text = open(RESULTS).read() if os.path.exists(RESULTS) else "# Benchmark results\n"
    for name, body in sections.items():
        header = f"## core: {name}"
        block = f"{header}\n\nCommand: `{command}`\n\n{body}\n"
        pattern = re.compile(rf"^{re.escape(header)}\n.*?(?=^## |\Z)", re.S | re.M)
        if pattern.search(text):
            text = pattern.sub(lambda _m, b=block: b + "\n", text)
        else:
            text = text.rstrip("\n") + "\n\n" + block
    with open(RESULTS, "w") as f:
        f.write(text.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--suite",
        nargs="*",
        choices=sorted(SUITES),
        default=None,
        help="suites to run (default: all)",
    )
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (smoke test)")
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    names = args.suite or list(SUITES)
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    print(f"machine: {_machine()}\n")
    sections = {}
    for name in names:
        t0 = time.perf_counter()
        body = SUITES[name](quick=args.quick)
        body += f"\n\n_{_machine()}; suite took {time.perf_counter() - t0:.0f} s._"
        sections[name] = body
        print(f"## {name}\n\n{body}\n", flush=True)
    if args.write:
        _write(sections, command.strip())


if __name__ == "__main__":
    main()
