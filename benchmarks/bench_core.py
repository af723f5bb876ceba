"""Core benchmarks (issue 2): eager op recording, eager MLP step, op chains, jacobians.

Every suite times jtape and the pure-JAX equivalent in the same process, interleaved
round by round, and reports medians (per call) and their ratio. Time is measured both
as wall clock and as this process's CPU time: on a shared machine the wall clock
includes time stolen by other processes, while CPU time does not.

Run through the runner: ``.venv/bin/python benchmarks/run.py --suite op_overhead``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

import jtape as jt


# -- timing --------------------------------------------------------------------------
def _block(out):
    leaves = jax.tree_util.tree_leaves(out)
    jax.block_until_ready([x._value if isinstance(x, jt.Tensor) else x for x in leaves])


def timeit(fns: dict[str, Callable], number: int, rounds: int, warmup: int = 3) -> dict:
    """Median seconds per call of each ``fns`` entry; rounds interleave the entries."""
    for fn in fns.values():
        for _ in range(warmup):
            _block(fn())
    wall: dict[str, list] = {k: [] for k in fns}
    cpu: dict[str, list] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            c0, w0 = time.process_time(), time.perf_counter()
            for _ in range(number):
                out = fn()
            _block(out)
            w1, c1 = time.perf_counter(), time.process_time()
            wall[name].append((w1 - w0) / number)
            cpu[name].append((c1 - c0) / number)
    return {k: {"wall": statistics.median(wall[k]), "cpu": statistics.median(cpu[k])} for k in fns}


def _us(s: float) -> str:
    return f"{s * 1e6:,.1f} us" if s < 1e-3 else f"{s * 1e3:,.2f} ms"


def _table(rows: list[tuple], header: tuple) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# -- suite: eager per-op recording overhead --------------------------------------------------
def op_overhead(quick: bool = False) -> str:
    """jtape op (no tape, and recording on a tape) vs the same jax.numpy call, eagerly."""
    r = np.random.default_rng(0)
    a_np = r.standard_normal((32, 32)).astype(np.float32)
    b_np = r.standard_normal((32, 32)).astype(np.float32)
    a, b = jnp.asarray(a_np), jnp.asarray(b_np)
    ta, tb = jt.constant(a_np), jt.constant(b_np)
    cases = {
        "add (a + b)": (lambda: jnp.add(a, b), lambda: ta + tb),
        "multiply": (lambda: jnp.multiply(a, b), lambda: jt.multiply(ta, tb)),
        "tanh": (lambda: jnp.tanh(a), lambda: jt.tanh(ta)),
        "matmul": (lambda: jnp.matmul(a, b), lambda: jt.matmul(ta, tb)),
        "reduce_sum(axis=1)": (lambda: jnp.sum(a, axis=1), lambda: jt.sum(ta, axis=1)),
    }
    number, rounds = (100, 5) if quick else (300, 15)
    rows = []
    for name, (pure, op) in cases.items():
        tape = jt.GradientTape(persistent=True)

        def recorded(op=op, tape=tape):
            # One tape per timing batch would be closer to real use but is noise here;
            # resetting keeps the tape's node list from growing without bound.
            if len(tape._nodes) > 1000:
                tape.reset()
                tape.watch([ta, tb])
            return op()

        tape.__enter__()
        tape.watch([ta, tb])
        try:
            with tape.stop_recording():
                res = timeit({"jnp": pure, "jt": op}, number, rounds)
            res.update(timeit({"jt+tape": recorded}, number, rounds))
        finally:
            tape.__exit__(None, None, None)
        base = res["jnp"]
        rows.append(
            (
                name,
                _us(base["wall"]),
                _us(res["jt"]["wall"]),
                _us(res["jt+tape"]["wall"]),
                f"{res['jt+tape']['wall'] / base['wall']:.2f}x",
                f"{res['jt+tape']['cpu'] / base['cpu']:.2f}x",
            )
        )
    return _table(
        rows,
        (
            "op (32x32 float32)",
            "jax.numpy",
            "jt op, no tape",
            "jt op, recording",
            "recording / jnp (wall)",
            "recording / jnp (CPU)",
        ),
    )


# -- suite: eager MLP forward + gradient step ------------------------------------------------
def _mlp_data(batch: int):
    r = np.random.default_rng(0)
    params = [
        (r.standard_normal((64, 32)) * np.sqrt(2 / 64)).astype(np.float32),
        np.zeros(32, np.float32),
        (r.standard_normal((32, 10)) * np.sqrt(2 / 32)).astype(np.float32),
        np.zeros(10, np.float32),
    ]
    x = r.standard_normal((batch, 64)).astype(np.float32)
    y = r.integers(0, 10, batch).astype(np.int32)
    return params, x, y


def _pure_loss(params, x, y):
    w1, b1, w2, b2 = params
    h = jax.nn.relu(x @ w1 + b1)
    logits = h @ w2 + b2
    logp = jax.nn.log_softmax(logits)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))


def mlp(quick: bool = False) -> str:
    """Seed MLP 64 -> 32 relu -> 10, softmax cross entropy: one forward+gradient step."""
    rows = [_mlp_row(batch, quick) for batch in (32, 256)]
    return _table(
        rows,
        (
            "batch",
            "jtape eager tape",
            "jax.grad (no jit)",
            "jax.jit(jax.grad)",
            "jtape speedup vs jax.grad (wall)",
            "(CPU)",
            "jtape / jit",
            "recompiles while timed",
        ),
    )


def _mlp_row(batch: int, quick: bool) -> tuple:
    params, x_np, y_np = _mlp_data(batch)
    variables = [jt.Variable(p) for p in params]
    x, y = jt.constant(x_np), jt.constant(y_np)

    def jt_step():
        with jt.GradientTape() as tape:
            h = jt.relu(x @ variables[0] + variables[1])
            logits = h @ variables[2] + variables[3]
            loss = jt.mean(jt.sparse_softmax_cross_entropy_with_logits(y, logits))
        return tape.gradient(loss, variables)

    jp = [jnp.asarray(p) for p in params]
    jx, jy = jnp.asarray(x_np), jnp.asarray(y_np)
    grad = jax.grad(_pure_loss)
    jit_grad = jax.jit(grad)
    # Same gradients, or the comparison means nothing.
    for g, w in zip(jt_step(), jit_grad(jp, jx, jy)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-4, atol=1e-6)
    _block(jt_step())  # the second step compiles the backward; later ones must not
    before = jt.lowering_stats().get("compiled_traces", 0)
    res = timeit(
        {
            "jt": jt_step,
            "grad": lambda: grad(jp, jx, jy),
            "jit": lambda: jit_grad(jp, jx, jy),
        },
        number=5 if quick else 20,
        rounds=5 if quick else 11,
    )
    recompiled = jt.lowering_stats().get("compiled_traces", 0) - before
    return (
        batch,
        _us(res["jt"]["wall"]),
        _us(res["grad"]["wall"]),
        _us(res["jit"]["wall"]),
        f"{res['grad']['wall'] / res['jt']['wall']:.1f}x",
        f"{res['grad']['cpu'] / res['jt']['cpu']:.1f}x",
        f"{res['jt']['wall'] / res['jit']['wall']:.1f}x",
        recompiled,
    )


# -- suite: chain of 100 elementwise ops --------------------------------------------------------
def _chain_ops(lib):
    if lib == "jt":
        return [jt.sin, lambda v: v * 1.01, jt.tanh, lambda v: v + 0.1]
    return [jnp.sin, lambda v: v * 1.01, jnp.tanh, lambda v: v + 0.1]


def chain(quick: bool = False, length: int = 100) -> str:
    """Forward + gradient through ``length`` elementwise ops on a 100-vector."""
    x_np = np.linspace(-1, 1, 100).astype(np.float32)
    x = jt.constant(x_np)
    jops = _chain_ops("jt")
    pops = _chain_ops("jnp")

    def jt_step():
        with jt.GradientTape() as tape:
            tape.watch(x)
            y = x
            for i in range(length):
                y = jops[i % 4](y)
            s = jt.sum(y)
        return tape.gradient(s, x)

    def pure(v):
        for i in range(length):
            v = pops[i % 4](v)
        return jnp.sum(v)

    grad = jax.grad(pure)
    jx = jnp.asarray(x_np)
    np.testing.assert_allclose(np.asarray(jt_step()), np.asarray(grad(jx)), rtol=1e-4)
    res = timeit(
        {"jt": jt_step, "grad": lambda: grad(jx)},
        number=2 if quick else 5,
        rounds=5 if quick else 11,
    )
    rows = [
        (
            length,
            _us(res["jt"]["wall"] / length),
            _us(res["jt"]["cpu"] / length),
            _us(res["grad"]["wall"] / length),
            f"{res['grad']['wall'] / res['jt']['wall']:.1f}x",
        )
    ]
    return _table(
        rows,
        (
            "ops",
            "jtape per op (wall)",
            "jtape per op (CPU)",
            "jax.grad no jit, per op",
            "jtape speedup",
        ),
    )


# -- suite: the TF-API eager workloads of issue 16 ----------------------------------------------
# Issue 16's targets: 15 us per op on the chain; the seed step no slower than PyTorch
# eager's 593 us on this machine.
_TARGET_CHAIN_US_PER_OP = 15.0
_TORCH_SEED_STEP_US = 593.0


def eager_tf_api(quick: bool = False) -> str:
    """``tf_workloads.py``'s eager rows, unchanged TF-API code on ``jtape.compat``.

    The chain as written there records 100 ops and differentiates ``reduce_sum(h)``
    computed after the tape's block, so the target is unconnected (None, on TF too);
    the connected row sums inside the block, so the gradient runs a backward program.
    """
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    saved, sys.argv = sys.argv, [sys.argv[0], "jtape"]
    try:
        import tf_workloads as w
    finally:
        sys.argv = saved
    connected = w.eager_chain_connected()
    assert connected() is not None
    fns = {"chain": w.eager_chain(), "connected": connected, "seed": w.eager_seed_step()}
    res = timeit(fns, number=2 if quick else 20, rounds=5 if quick else 9)
    rows = []
    for name, label, per, target in (
        ("chain", "100-op chain, as in tf_workloads.py", 100, _TARGET_CHAIN_US_PER_OP),
        ("connected", "100-op chain, connected gradient", 100, _TARGET_CHAIN_US_PER_OP),
        ("seed", "seed-MLP step (Keras, tape, Adam)", 1, _TORCH_SEED_STEP_US),
    ):
        wall = res[name]["wall"] / per
        cpu = res[name]["cpu"] / per
        unit = " per op" if per > 1 else ""
        met = "met" if wall * 1e6 <= target else "**missed**"
        rows.append((label, _us(wall) + unit, _us(cpu) + unit, f"{target:g} us{unit}", met))
    return _table(rows, ("workload", "jtape (wall)", "jtape (CPU)", "target", "verdict"))


# -- suite: eager tape.jacobian ---------------------------------------------------------------
def jacobian(quick: bool = False, n: int = 256) -> str:
    """Eager ``tape.jacobian(tanh(W @ x), x)``, W n x n, vs ``jax.jit(jax.jacrev)``."""
    r = np.random.default_rng(0)
    w_np = (r.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
    x_np = r.standard_normal((n, 1)).astype(np.float32)
    w, x = jt.constant(w_np), jt.constant(x_np)

    def jt_jac():
        with jt.GradientTape() as tape:
            tape.watch(x)
            y = jt.tanh(w @ x)
        return tape.jacobian(y, x)

    f = jax.jit(jax.jacrev(lambda x, w: jnp.tanh(w @ x)))
    jw, jx = jnp.asarray(w_np), jnp.asarray(x_np)
    t0 = time.perf_counter()
    first = jt_jac()
    _block(first)
    first_s = time.perf_counter() - t0
    np.testing.assert_allclose(np.asarray(first), np.asarray(f(jx, jw)), rtol=1e-4, atol=1e-6)
    res = timeit(
        {"jt": jt_jac, "jit": lambda: f(jx, jw)},
        number=10 if quick else 30,
        rounds=5 if quick else 11,
    )
    rows = [
        (
            f"{n}x{n}",
            _us(first_s),
            _us(res["jt"]["wall"]),
            _us(res["jit"]["wall"]),
            f"{res['jt']['wall'] / res['jit']['wall']:.2f}x",
            f"{res['jt']['cpu'] / res['jit']['cpu']:.2f}x",
        )
    ]
    return _table(
        rows,
        (
            "W",
            "jtape first call",
            "jtape after",
            "jax.jit(jax.jacrev)",
            "ratio (wall)",
            "ratio (CPU)",
        ),
    )


SUITES = {
    "op_overhead": op_overhead,
    "mlp": mlp,
    "chain": chain,
    "jacobian": jacobian,
    "eager_tf_api": eager_tf_api,
}
