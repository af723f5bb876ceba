"""The demo: the seed article's network trained on scikit-learn's digits, tape style.

    python examples/digits.py [--epochs 30] [--out digits_learning_curves.png] [--fit]
                              [--logdir logs]

The training step is the TF2 "custom training loop" of the seed article: a
GradientTape around the forward pass, ``optimizer.apply_gradients``, and a metric
update, all inside ``jt.function``, so each step runs as one compiled XLA program.
``--fit`` trains the same model with ``model.fit`` instead. The digits images ship with
scikit-learn (no download). The script prints the loss and validation accuracy of
every epoch, checks that validation accuracy reaches 95%, and saves a PNG of the
learning curves. With ``--logdir`` it also writes TensorBoard logs there
(``tensorboard --logdir logs``): scalars, weight histograms and the step's graph.
"""

from __future__ import annotations

import argparse
import contextlib
import time

import matplotlib

matplotlib.use("Agg")  # no display needed: the plot goes to a file

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import jtape as jt  # noqa: E402
from jtape import nn  # noqa: E402


def load_data(seed: int = 0):
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)  # 8x8 images, pixels 0..16 -> 0..1
    y = digits.target.astype(np.int32)
    return train_test_split(x, y, test_size=0.2, random_state=seed, stratify=y)


def build_model() -> nn.Model:
    # The seed article's network.
    return nn.Sequential(
        [
            nn.Dense(32, activation="relu", input_shape=(64,)),
            nn.Dense(10, activation="softmax"),
        ]
    )


def train_tape_style(
    model, x_train, y_train, x_val, y_val, epochs: int, batch_size: int, logdir=None
):
    loss_fn = nn.losses.SparseCategoricalCrossentropy()
    optimizer = jt.optimizers.Adam(learning_rate=3e-3)
    train_loss = nn.metrics.Mean(name="loss")
    val_accuracy = nn.metrics.SparseCategoricalAccuracy(name="val_accuracy")

    @jt.function
    def train_step(x, y):
        with jt.GradientTape() as tape:
            probs = model(x, training=True)
            loss = loss_fn(y, probs)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        train_loss.update_state(loss)
        # With --logdir: written when the compiled step runs, every 10th step (a no-op
        # when no writer is the default at trace time).
        with jt.summary.record_if(lambda: optimizer.iterations % 10 == 0):
            jt.summary.scalar("batch_loss", loss, step=optimizer.iterations)

    @jt.function
    def val_step(x, y):
        val_accuracy.update_state(y, model(x, training=False))

    history: dict[str, list[float]] = {"loss": [], "val_accuracy": []}
    rng = np.random.default_rng(0)
    n = len(x_train)
    writer = jt.summary.create_file_writer(logdir) if logdir else None
    if writer:
        jt.summary.trace_on(graph=True)  # record the compiled step's graph
    with writer.as_default() if writer else contextlib.nullcontext():
        for epoch in range(epochs):
            start = time.perf_counter()
            train_loss.reset_state()
            val_accuracy.reset_state()
            order = rng.permutation(n)
            # Full batches only: one input shape, so one compiled program for every step.
            for i in range(0, n - batch_size + 1, batch_size):
                idx = order[i : i + batch_size]
                train_step(x_train[idx], y_train[idx])
            val_step(x_val, y_val)
            history["loss"].append(float(train_loss.result()))
            history["val_accuracy"].append(float(val_accuracy.result()))
            print(
                f"epoch {epoch + 1:3d}/{epochs}  loss {history['loss'][-1]:.4f}  "
                f"val_accuracy {history['val_accuracy'][-1]:.4f}  "
                f"({time.perf_counter() - start:.2f}s)"
            )
            if writer:
                _log_epoch(writer, epoch, history, model)
    return history


def _log_epoch(writer, epoch: int, history: dict[str, list[float]], model) -> None:
    if epoch == 0:
        jt.summary.trace_export("train_step", step=0)
    with writer.as_default(step=epoch):
        jt.summary.scalar("epoch_loss", history["loss"][-1])
        jt.summary.scalar("epoch_val_accuracy", history["val_accuracy"][-1])
        for w in model.weights:
            jt.summary.histogram(w.name.split(":")[0], w)


def train_with_fit(
    model, x_train, y_train, x_val, y_val, epochs: int, batch_size: int, logdir=None
):
    model.compile(
        optimizer=jt.optimizers.Adam(learning_rate=3e-3),
        loss=nn.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    result = model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=(x_val, y_val),
        verbose=2,
        callbacks=[nn.callbacks.TensorBoard(logdir, histogram_freq=1)] if logdir else None,
    )
    return {"loss": result.history["loss"], "val_accuracy": result.history["val_accuracy"]}


def plot(history: dict[str, list[float]], path: str) -> None:
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, history["loss"], marker="o", markersize=3)
    ax_loss.set(xlabel="epoch", ylabel="training loss", title="Loss", yscale="log")
    ax_acc.plot(epochs, history["val_accuracy"], marker="o", markersize=3, color="tab:green")
    ax_acc.axhline(0.95, color="gray", linestyle="--", linewidth=1, label="95%")
    ax_acc.set(xlabel="epoch", ylabel="validation accuracy", title="Validation accuracy")
    ax_acc.legend(loc="lower right")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    fig.suptitle("Dense(32, relu) -> Dense(10, softmax) on scikit-learn digits (jtape)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--out", default="digits_learning_curves.png")
    parser.add_argument("--fit", action="store_true", help="train with model.fit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--logdir", default=None, help="write TensorBoard logs here")
    args = parser.parse_args(argv)

    jt.random.set_seed(args.seed)  # initial weights and dropout keys
    x_train, x_val, y_train, y_val = load_data(args.seed)
    print(f"digits: {len(x_train)} training and {len(x_val)} validation images")
    model = build_model()
    model.summary()
    train = train_with_fit if args.fit else train_tape_style
    history = train(
        model, x_train, y_train, x_val, y_val, args.epochs, args.batch_size, args.logdir
    )
    plot(history, args.out)
    best = max(history["val_accuracy"])
    final = history["val_accuracy"][-1]
    print(f"final validation accuracy {final:.4f} (best {best:.4f}); curves saved to {args.out}")
    if final < 0.95:
        raise SystemExit(f"validation accuracy {final:.4f} is below the 95% target")
    return history


if __name__ == "__main__":
    main()
