"""``model.fit`` for one epoch of the digits demo vs a hand-written ``jax.jit`` + optax loop.

    .venv/bin/python benchmarks/bench_fit.py [--epochs 20]

Same network (64-32-10, relu/softmax), same data (the 1437 training images of
``examples/digits.py``), batch size 32 with the last partial batch, Adam(3e-3),
shuffled every epoch. Each side is warmed up (compilation excluded), then one epoch
at a time is timed, the sides interleaved; the medians and their ratios are printed
(goal: at most 1.2x).

Two hand-written loops are timed:

- ``minimal``: the update only; it knows the last batch's loss and nothing else.
- ``same work``: also what ``fit(metrics=["accuracy"])`` reports, the epoch's mean
  loss and accuracy, accumulated on the device and read once per epoch.
- ``same work, donating``: the same, with the state donated to each step
  (``donate_argnums``), which ``fit`` also does.

``fit`` is timed as compiled by default (``metrics=["accuracy"]``, ``verbose=0``), with
the loss only (``metrics=[]``: the training work of the minimal loop plus the epoch's
mean loss that ``fit`` always reports), with a no-op batch-end callback (which makes
every step also return its logs), and with ``compile(steps_per_execution=8)`` (eight
batches per compiled call).

The raw loops index numpy arrays on the host like ``fit`` does, so all sides pay the same
host-to-device transfers.
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
import numpy as np
import optax

import jtape as jt
from jtape import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
from digits import build_model, load_data  # noqa: E402

BATCH = 32
LR = 3e-3


def forward(params, xb):
    """The demo network in pure JAX: 64-32-10, relu then softmax."""
    h = jax.nn.relu(xb @ params["k1"] + params["b1"])
    return jax.nn.softmax(h @ params["k2"] + params["b2"])


def loss_and_probs(params, xb, yb):
    """Sparse categorical cross-entropy of the clipped probabilities (as Keras), and them."""
    probs = jnp.clip(forward(params, xb), 1e-7, 1 - 1e-7)
    loss = -jnp.mean(jnp.log(jnp.take_along_axis(probs, yb[:, None], axis=1)))
    return loss, probs


def init_params() -> dict:
    """Glorot-uniform kernels and zero biases, as the Keras model starts."""
    k1, k2 = jax.random.split(jax.random.key(0))
    return {
        "k1": jax.random.uniform(k1, (64, 32), minval=-0.27, maxval=0.27),
        "b1": jnp.zeros(32),
        "k2": jax.random.uniform(k2, (32, 10), minval=-0.4, maxval=0.4),
        "b2": jnp.zeros(10),
    }


def raw_epoch_fn(x, y):
    tx = optax.adam(LR)

    @jax.jit
    def step(params, opt_state, xb, yb):
        (loss, _), grads = jax.value_and_grad(loss_and_probs, has_aux=True)(params, xb, yb)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    rng = np.random.default_rng(0)
    params = init_params()
    state = {"params": params, "opt": tx.init(params)}

    def epoch():
        perm = rng.permutation(len(x))
        xs, ys = x[perm], y[perm]
        loss = None
        for s in range(0, len(x), BATCH):
            state["params"], state["opt"], loss = step(
                state["params"], state["opt"], xs[s : s + BATCH], ys[s : s + BATCH]
            )
        loss.block_until_ready()

    return epoch


def raw_same_work_epoch_fn(x, y, donate: bool = False):
    """The raw loop that also tracks what fit logs: mean loss and accuracy of the epoch.

    ``donate=True`` donates the state (params, optimizer state, totals) to each step,
    as ``fit`` does: XLA then updates it in place instead of allocating new buffers.
    """

    tx = optax.adam(LR)

    @functools.partial(jax.jit, donate_argnums=(0, 1, 2) if donate else ())
    def step(params, opt_state, totals, xb, yb):
        (loss, probs), grads = jax.value_and_grad(loss_and_probs, has_aux=True)(params, xb, yb)
        updates, opt_state = tx.update(grads, opt_state, params)
        n = yb.shape[0]
        loss_sum, acc_sum, count = totals
        correct = jnp.sum((jnp.argmax(probs, axis=-1) == yb).astype(jnp.float32))
        totals = (loss_sum + loss * n, acc_sum + correct, count + n)
        return optax.apply_updates(params, updates), opt_state, totals

    rng = np.random.default_rng(0)
    params = init_params()
    state = {"params": params, "opt": tx.init(params)}

    def epoch():
        perm = rng.permutation(len(x))
        xs, ys = x[perm], y[perm]
        totals = (jnp.zeros(()), jnp.zeros(()), jnp.zeros(()))
        for s in range(0, len(x), BATCH):
            state["params"], state["opt"], totals = step(
                state["params"], state["opt"], totals, xs[s : s + BATCH], ys[s : s + BATCH]
            )
        loss_sum, acc_sum, count = (float(t) for t in totals)
        return {"loss": loss_sum / count, "accuracy": acc_sum / count}

    return epoch


class _BatchEndCallback(nn.callbacks.Callback):
    """A no-op batch-end hook: makes fit run the steps that return per-batch logs."""

    def on_train_batch_end(self, batch, logs=None):
        pass


def fit_epoch_fn(x, y, steps_per_execution: int = 1, metrics=("accuracy",), callbacks=()):
    jt.random.set_seed(0)
    model = build_model()
    model.compile(
        optimizer=jt.optimizers.Adam(LR),
        loss=nn.losses.SparseCategoricalCrossentropy(),
        metrics=list(metrics),
        steps_per_execution=steps_per_execution,
    )

    def epoch():
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=list(callbacks))

    return epoch


SIDES = {
    "minimal jax.jit+optax": raw_epoch_fn,
    "same-work jax.jit+optax": raw_same_work_epoch_fn,
    "same-work, donating": functools.partial(raw_same_work_epoch_fn, donate=True),
    "jtape fit": fit_epoch_fn,
    "jtape fit, loss only": functools.partial(fit_epoch_fn, metrics=()),
    "jtape fit, batch logs": functools.partial(fit_epoch_fn, callbacks=(_BatchEndCallback(),)),
    "jtape fit, 8 steps/call": functools.partial(fit_epoch_fn, steps_per_execution=8),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    args = ap.parse_args()
    x, _, y, _ = load_data()
    epochs = {}
    for name, make in SIDES.items():
        epochs[name] = make(x, y)
        epochs[name]()  # compile (both batch shapes)
        epochs[name]()
    times: dict = {name: [] for name in epochs}
    for _ in range(args.epochs):  # interleaved, so machine noise hits all sides alike
        for name, epoch in epochs.items():
            t0 = time.perf_counter()
            epoch()
            times[name].append(time.perf_counter() - t0)
    results = {name: statistics.median(t) for name, t in times.items()}
    for name, t in results.items():
        print(f"{name:24s} median epoch {t * 1e3:8.2f} ms  ({len(x)} samples)")
    fits = ("jtape fit", "jtape fit, loss only", "jtape fit, batch logs", "jtape fit, 8 steps/call")
    for fit_name in fits:
        fit = results[fit_name]
        for name in ("minimal jax.jit+optax", "same-work jax.jit+optax", "same-work, donating"):
            print(f"ratio {fit_name} / {name}: {fit / results[name]:.2f}x (goal <= 1.2x)")


if __name__ == "__main__":
    main()
