"""First call of a ``jt.function`` that loops over a dataset: flat in the number of batches.

An epoch function, ``for x, y in dataset:`` around a tape-style training step (an MLP
16-32-4, Adam), inside ``jt.function``, over 10, 100 and 1000 batches of 16 rows (plus
a partial batch of 8). The loop is a host-fed ``while_loop``: the body is traced and
compiled once per element shape whatever the number of batches. Reported per size:
the first call (trace + compile + one epoch), the second call (one epoch, no compile),
their difference (the compile cost) and the number of traces; and, for the same
epoch, a Python loop calling a compiled step per batch, and (up to 100 batches) the
first call of the same loop over a Python list of batches, which is unrolled.

Run: .venv/bin/python benchmarks/bench_dataset_loop.py
"""

from __future__ import annotations

import time

import numpy as np

import jtape as jt

SIZES = (10, 100, 1000)
BATCH = 16


def _model(seed=0):
    rng = np.random.default_rng(seed)
    w1 = jt.Variable(rng.normal(size=(16, 32)).astype(np.float32) * 0.25)
    w2 = jt.Variable(rng.normal(size=(32, 4)).astype(np.float32) * 0.18)
    return w1, w2, jt.optimizers.Adam(1e-3)


def _dataset(n_batches: int):
    rng = np.random.default_rng(1)
    rows = n_batches * BATCH + BATCH // 2  # and a partial last batch
    x = rng.normal(size=(rows, 16)).astype(np.float32)
    y = rng.normal(size=(rows, 4)).astype(np.float32)
    return jt.data.Dataset.from_tensor_slices((x, y)).batch(BATCH)


def _step(w1, w2, opt, x, y):
    with jt.GradientTape() as tape:
        loss = jt.mean((jt.relu(x @ w1) @ w2 - y) ** 2)
    opt.apply_gradients(zip(tape.gradient(loss, [w1, w2]), [w1, w2]))
    return loss


def _timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    float(out)  # wait for the result
    return time.perf_counter() - t0


def bench_in_function(n_batches: int):
    w1, w2, opt = _model()
    ds = _dataset(n_batches)

    @jt.function
    def epoch(ds):
        total = 0.0
        for x, y in ds:
            total += _step(w1, w2, opt, x, y)
        return total

    first = _timed(epoch, ds)
    second = min(_timed(epoch, ds) for _ in range(3))
    return first, second, epoch.experimental_get_tracing_count()


def bench_host_loop(n_batches: int):
    w1, w2, opt = _model()
    ds = _dataset(n_batches)
    step = jt.function(lambda x, y: _step(w1, w2, opt, x, y))

    def epoch():
        total = 0.0
        for x, y in ds:
            total += step(x, y)
        return total

    first = _timed(epoch)
    second = min(_timed(epoch) for _ in range(3))
    return first, second


def bench_unrolled(n_batches: int):
    """The previous behaviour, for contrast: a Python list of batches is unrolled."""
    w1, w2, opt = _model()
    batches = [(x.numpy(), y.numpy()) for x, y in _dataset(n_batches)]

    @jt.function
    def epoch():
        total = 0.0
        for x, y in batches:
            total += _step(w1, w2, opt, x, y)
        return total

    return _timed(epoch)


def main() -> None:
    print(
        "| batches | in-function first call (s) | second call (s) | compile = first - second (s)"
        " | traces | host loop first (s) | host loop second (s) | unrolled first call (s) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    bench_in_function(2)  # warm-up: first-use costs of JAX and jtape, not of the loop
    bench_host_loop(2)
    for n in SIZES:
        first, second, traces = bench_in_function(n)
        h_first, h_second = bench_host_loop(n)
        unrolled = f"{bench_unrolled(n):.3f}" if n <= 100 else "(not run)"
        print(
            f"| {n} (+1 partial) | {first:.3f} | {second:.3f} | {first - second:.3f} | {traces} "
            f"| {h_first:.3f} | {h_second:.3f} | {unrolled} |"
        )


if __name__ == "__main__":
    main()
