"""The TF-API workloads of ``vs_tensorflow.py``, written once against ``tf``.

Run as a worker: ``python tf_workloads.py tensorflow|jtape``. It builds every workload,
then answers lines on stdin: ``NAME REPS`` runs that workload's step REPS times and prints
the seconds per step; ``quit`` ends it. The same file runs under TensorFlow (in its own
venv) and under jtape (``import jtape.compat as tf``), so both sides run identical code.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
BACKEND = sys.argv[1] if len(sys.argv) > 1 else "jtape"
if BACKEND == "tensorflow":
    import tensorflow as tf
else:
    import jtape.compat as tf

layers = tf.keras.layers
rng = np.random.default_rng(0)


def _train_step(model, loss_fn, opt):
    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return step


def _classifier(model, x_shape, classes, batch, x_dtype=np.float32):
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    step = _train_step(model, loss_fn, tf.keras.optimizers.Adam(1e-3))
    if x_dtype == np.int32:
        x = rng.integers(0, 1000, (batch, *x_shape)).astype(np.int32)
    else:
        x = rng.standard_normal((batch, *x_shape)).astype(np.float32)
    y = rng.integers(0, classes, batch).astype(np.int32)
    xt, yt = tf.constant(x), tf.constant(y)
    return lambda: step(xt, yt)


def seed_mlp(batch):
    model = tf.keras.Sequential(
        [tf.keras.Input((64,)), layers.Dense(32, activation="relu"), layers.Dense(10)]
    )
    return _classifier(model, (64,), 10, batch)


def wide_mlp():
    model = tf.keras.Sequential(
        [
            tf.keras.Input((784,)),
            layers.Dense(512, activation="relu"),
            layers.Dense(512, activation="relu"),
            layers.Dense(10),
        ]
    )
    return _classifier(model, (784,), 10, 128)


def cnn():
    model = tf.keras.Sequential(
        [
            tf.keras.Input((32, 32, 3)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(10),
        ]
    )
    return _classifier(model, (32, 32, 3), 10, 64)


def conv_dense():
    model = tf.keras.Sequential(
        [
            tf.keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10),
        ]
    )
    return _classifier(model, (28, 28, 1), 10, 32)


def lstm():
    model = tf.keras.Sequential(
        [tf.keras.Input((40,), dtype="int32"), layers.Embedding(1000, 32), layers.LSTM(64)]
        + [layers.Dense(2)]
    )
    return _classifier(model, (40,), 2, 32, x_dtype=np.int32)


def resnet_block():
    inputs = tf.keras.Input((32, 32, 16))
    h = layers.Conv2D(16, 3, padding="same", use_bias=False)(inputs)
    h = layers.BatchNormalization()(h)
    h = layers.Activation("relu")(h)
    h = layers.Conv2D(16, 3, padding="same", use_bias=False)(h)
    h = layers.BatchNormalization()(h)
    h = layers.Activation("relu")(layers.Add()([h, inputs]))
    h = layers.GlobalAveragePooling2D()(h)
    model = tf.keras.Model(inputs, layers.Dense(10)(h))
    return _classifier(model, (32, 32, 16), 10, 32)


def transformer():
    seq, dim, heads = 32, 64, 4
    inputs = tf.keras.Input((seq,), dtype="int32")
    h = layers.Embedding(1000, dim)(inputs)
    a = layers.MultiHeadAttention(num_heads=heads, key_dim=dim // heads)(h, h)
    h = layers.LayerNormalization()(layers.Add()([h, a]))
    f = layers.Dense(4 * dim, activation="relu")(h)
    f = layers.Dense(dim)(f)
    h = layers.LayerNormalization()(layers.Add()([h, f]))
    h = layers.GlobalAveragePooling1D()(h)
    model = tf.keras.Model(inputs, layers.Dense(2)(h))
    return _classifier(model, (seq,), 2, 32, x_dtype=np.int32)


def eager_chain():
    """Eager tape: a 100-op elementwise chain and ``tape.gradient`` (reported per op).

    As first written, ``reduce_sum`` runs after the tape's block, so it is not recorded and
    the gradient is None (on TF as on jtape); kept for comparison with earlier results.
    ``eager_chain_connected`` records it.
    """
    x = tf.Variable(rng.standard_normal(256).astype(np.float32))

    def run():
        with tf.GradientTape() as tape:
            h = x
            for i in range(50):
                h = tf.sin(h) * 0.5 if i % 2 else tf.tanh(h) + 0.1
        return tape.gradient(tf.reduce_sum(h), x)

    return run


def eager_chain_connected():
    """The same chain with its loss recorded inside the tape (a real, non-None gradient)."""
    x = tf.Variable(rng.standard_normal(256).astype(np.float32))

    def run():
        with tf.GradientTape() as tape:
            h = x
            for i in range(50):
                h = tf.sin(h) * 0.5 if i % 2 else tf.tanh(h) + 0.1
            loss = tf.reduce_sum(h)
        return tape.gradient(loss, x)

    return run


def eager_seed_step():
    model = tf.keras.Sequential(
        [tf.keras.Input((64,)), layers.Dense(32, activation="relu"), layers.Dense(10)]
    )
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    opt = tf.keras.optimizers.Adam(1e-3)
    x = tf.constant(rng.standard_normal((32, 64)).astype(np.float32))
    y = tf.constant(rng.integers(0, 10, 32).astype(np.int32))

    def run():
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return run


WORKLOADS = {
    "seed_mlp_b32": lambda: seed_mlp(32),
    "seed_mlp_b256": lambda: seed_mlp(256),
    "mlp_784_512_512_b128": wide_mlp,
    "cnn_32x32x3_b64": cnn,
    "conv_flatten_dense_28x28_b32": conv_dense,
    "embedding_lstm64_seq40_b32": lstm,
    "resnet_block_32x32x16_b32": resnet_block,
    "transformer_encoder_seq32_b32": transformer,
    "eager_chain_100_ops": eager_chain,
    "eager_chain_100_ops_connected": eager_chain_connected,
    "eager_seed_mlp_step": eager_seed_step,
}


def _block(out) -> None:
    np.asarray(out[0] if isinstance(out, (list, tuple)) else out)


def main() -> None:
    built = {}
    for name, make in WORKLOADS.items():
        try:
            fn = make()
            for _ in range(3):  # trace, compile, warm up
                _block(fn())
            built[name] = fn
        except Exception as e:  # a workload this backend cannot run: say so, go on
            print(f"# {name} unavailable: {type(e).__name__}: {e}", file=sys.stderr)
    print("ready " + " ".join(built), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "quit":
            break
        name, reps = parts[0], int(parts[1])
        fn = built[name]
        t0 = time.perf_counter()
        for _ in range(reps):
            out = fn()
        _block(out)
        print((time.perf_counter() - t0) / reps, flush=True)


if __name__ == "__main__":
    main()
