"""Time to first result: a whole fresh process, jtape's TF-API script vs pure JAX (issue 16).

Each measurement starts a new Python that imports, builds the seed MLP 64-32-10, runs one
compiled training step (batch 32, Adam) and prints the loss; the time is the process's
wall time, seen from here. jtape runs unchanged TF-API code (``import jtape.compat as
tf``: Keras ``Sequential``, ``SparseCategoricalCrossentropy(from_logits=True)``, ``Adam``,
a ``tf.function`` step); pure JAX runs the same work written with ``jax.random`` initializers,
``optax.adam`` and a donated ``jax.jit`` step.

Conditions, interleaved per round (medians over rounds):

- cold: an empty persistent compilation cache (jtape's default-on cache in a fresh
  ``JTAPE_CACHE_DIR``; JAX given its own cache in a fresh directory, same settings);
- warm: the cache a previous run of the same script filled (the second run of a script);
- pure JAX without any cache (JAX's default).

Each script also reports its persistent-cache misses and hits (``jax.monitoring``) and
its in-process times (import, model built, first step done), so the second run can be
seen to compile nothing it compiled before.

Bytecode: by default the child processes load modules from bytecode compiled once, as
an installed package does (``PYTHONPYCACHEPREFIX`` in a temporary directory);
``--bytecode inherit`` keeps this environment's ``PYTHONDONTWRITEBYTECODE=1``, under which
every jtape module is compiled from source at each start (jax and optax ship bytecode).

Run: ``.venv/bin/python benchmarks/bench_first_result.py [--rounds 5] [--bytecode inherit]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# Both scripts report through this prologue: cache events and in-process times.
_PROLOGUE = """
import time
_t0 = time.perf_counter()
import jax
_events = {"misses": 0, "hits": 0, "compiles": 0}
def _on_event(event, **kw):
    if event == "/jax/compilation_cache/cache_misses":
        _events["misses"] += 1
    elif event == "/jax/compilation_cache/cache_hits":
        _events["hits"] += 1
def _on_duration(event, duration, **kw):
    if event == "/jax/compilation_cache/compile_time_saved_sec":
        pass
    elif "backend_compile" in event:
        _events["compiles"] += 1
jax.monitoring.register_event_listener(_on_event)
jax.monitoring.register_event_duration_secs_listener(_on_duration)
"""

_EPILOGUE = """
import json
_events.update(import_s=_t_import - _t0, build_s=_t_build - _t_import,
               step_s=_t_step - _t_build, loss=loss)
print("RESULT " + json.dumps(_events))
"""

JTAPE_SCRIPT = (
    _PROLOGUE
    + """
import numpy as np
import jtape.compat as tf
_t_import = time.perf_counter()

model = tf.keras.Sequential([
    tf.keras.Input((64,)),
    tf.keras.layers.Dense(32, activation="relu"),
    tf.keras.layers.Dense(10),
])
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.Adam(1e-3)

@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss

rng = np.random.default_rng(1)
x = rng.normal(size=(32, 64)).astype(np.float32)
y = rng.integers(0, 10, 32).astype(np.int32)
_t_build = time.perf_counter()
loss = float(train_step(x, y))
_t_step = time.perf_counter()
print("loss", loss)
"""
    + _EPILOGUE
)

JAX_SCRIPT = (
    _PROLOGUE
    + """
import os
if os.environ.get("BENCH_JAX_CACHE_DIR"):  # JAX's own persistent cache, jtape's settings
    jax.config.update("jax_compilation_cache_dir", os.environ["BENCH_JAX_CACHE_DIR"])
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
import jax.numpy as jnp
import numpy as np
import optax
_t_import = time.perf_counter()

def init(key, sizes=(64, 32, 10)):
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        params.append(jax.nn.initializers.glorot_uniform()(sub, (a, b), jnp.float32))
        params.append(jnp.zeros(b, jnp.float32))
    return params

def loss_fn(params, x, y):
    h = jax.nn.relu(x @ params[0] + params[1])
    logits = h @ params[2] + params[3]
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

params = init(jax.random.PRNGKey(0))
optimizer = optax.adam(1e-3)
opt_state = optimizer.init(params)

def _train_step(params, opt_state, x, y):
    loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss

train_step = jax.jit(_train_step, donate_argnums=(0, 1))
rng = np.random.default_rng(1)
x = rng.normal(size=(32, 64)).astype(np.float32)
y = rng.integers(0, 10, 32).astype(np.int32)
_t_build = time.perf_counter()
params, opt_state, loss = train_step(params, opt_state, x, y)
loss = float(loss)
_t_step = time.perf_counter()
print("loss", loss)
"""
    + _EPILOGUE
)


def run_script(script: str, env: dict) -> dict:
    """Run ``script`` in a fresh Python; its RESULT line plus the process's wall time."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600
    )
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["wall_s"] = wall
    return result


# Where the child processes keep their bytecode (``--bytecode cached``); None: as inherited.
_PYCACHE: str | None = None


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAX_", "JTAPE_", "BENCH_"))}
    if _PYCACHE is not None:
        # As an installed package runs: modules load from compiled bytecode (kept outside
        # the source tree), not compiled from source at every start.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = _PYCACHE
    env.update(extra)
    return env


def conditions(tmp: str) -> dict:
    """name -> (script, env factory called once per round: fresh cold directories)."""
    warm_jt, warm_jax = os.path.join(tmp, "warm_jt"), os.path.join(tmp, "warm_jax")

    def cold(name):
        path = tempfile.mkdtemp(prefix=name, dir=tmp)
        return path

    return {
        "jtape, cold cache": (JTAPE_SCRIPT, lambda: _env(JTAPE_CACHE_DIR=cold("jt"))),
        "jtape, warm cache": (JTAPE_SCRIPT, lambda: _env(JTAPE_CACHE_DIR=warm_jt)),
        "pure JAX, no cache": (JAX_SCRIPT, lambda: _env()),
        "pure JAX, cold cache": (JAX_SCRIPT, lambda: _env(BENCH_JAX_CACHE_DIR=cold("jax"))),
        "pure JAX, warm cache": (JAX_SCRIPT, lambda: _env(BENCH_JAX_CACHE_DIR=warm_jax)),
        "jtape, cache off": (JTAPE_SCRIPT, lambda: _env(JTAPE_COMPILATION_CACHE="0")),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--bytecode",
        choices=("cached", "inherit"),
        default="cached",
        help="cached: children load modules from bytecode compiled once (as installed "
        "packages do); inherit: the environment's setting (PYTHONDONTWRITEBYTECODE=1 "
        "compiles every source module at each start)",
    )
    args = ap.parse_args()
    global _PYCACHE
    with tempfile.TemporaryDirectory(prefix="first_result") as tmp:
        if args.bytecode == "cached":
            _PYCACHE = os.path.join(tmp, "pycache")
        print(
            f"bytecode: {args.bytecode}; PYTHONDONTWRITEBYTECODE in this environment: "
            f"{os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}"
        )
        conds = conditions(tmp)
        # Fill the warm caches and the bytecode (and page in jax and jtape) once.
        run_script(JTAPE_SCRIPT, _env(JTAPE_CACHE_DIR=os.path.join(tmp, "warm_jt")))
        run_script(JAX_SCRIPT, _env(BENCH_JAX_CACHE_DIR=os.path.join(tmp, "warm_jax")))
        results: dict[str, list[dict]] = {name: [] for name in conds}
        for _ in range(args.rounds):
            for name, (script, make_env) in conds.items():
                env = make_env()
                results[name].append(run_script(script, env))
                cold_dir = env.get("JTAPE_CACHE_DIR") or env.get("BENCH_JAX_CACHE_DIR")
                if cold_dir and "warm" not in cold_dir:
                    shutil.rmtree(cold_dir, ignore_errors=True)
    _report(results, args.rounds)


def _report(results: dict, rounds: int) -> None:
    def med(name, key):
        return statistics.median(r[key] for r in results[name])

    print(f"whole-process wall time, medians of {rounds} interleaved rounds")
    print(
        "| script | wall (s) | import (s) | build (s) | first step (s) | cache misses | "
        "cache hits | compiles |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in results:
        print(
            f"| {name} | {med(name, 'wall_s'):.2f} | {med(name, 'import_s'):.2f} | "
            f"{med(name, 'build_s'):.2f} | {med(name, 'step_s'):.2f} | "
            f"{med(name, 'misses'):.0f} | {med(name, 'hits'):.0f} | {med(name, 'compiles'):.0f} |"
        )
    pairs = [
        ("jtape, cold cache", "pure JAX, no cache"),
        ("jtape, cold cache", "pure JAX, cold cache"),
        ("jtape, warm cache", "pure JAX, warm cache"),
    ]
    for a, b in pairs:
        ratios = [x["wall_s"] / y["wall_s"] for x, y in zip(results[a], results[b])]
        print(f"{a} / {b}: {statistics.median(ratios):.2f}x (per round {_fmt(ratios)})")
    losses = {name: results[name][0]["loss"] for name in results}
    print("first loss:", {k: round(v, 4) for k, v in losses.items()})


def _fmt(values) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    main()
