"""Gradient clipping (clipnorm, global_clipnorm, clipvalue) and learning-rate schedules."""

import numpy as np

DESCRIPTION = (
    "Follows the Keras optimizer and learning-rate schedule guides "
    "(keras.io/api/optimizers/learning_rate_schedules, tensorflow.org/guide/keras/"
    "writing_a_training_loop_from_scratch): ExponentialDecay, PiecewiseConstantDecay, "
    "optimizers built with a schedule, clipnorm/global_clipnorm/clipvalue, tf.clip_by_*."
)

TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}


def run(tf) -> dict:
    keras = tf.keras
    rng = np.random.RandomState(25)
    out = {}

    exp = keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate=0.1, decay_steps=3, decay_rate=0.5
    )
    stair = keras.optimizers.schedules.ExponentialDecay(0.1, 3, 0.5, staircase=True)
    piece = keras.optimizers.schedules.PiecewiseConstantDecay([2, 4], [0.1, 0.05, 0.01])
    out["exponential_values"] = np.array([float(exp(s)) for s in range(7)])
    out["staircase_values"] = np.array([float(stair(s)) for s in range(7)])
    out["piecewise_values"] = np.array([float(piece(s)) for s in range(7)])
    out["exponential_config_rate"] = float(exp.get_config()["decay_rate"])

    w0 = rng.randn(4, 2).astype(np.float32)
    x = rng.randn(6, 4).astype(np.float32) * 3.0
    y = rng.randn(6, 2).astype(np.float32)

    def train(optimizer, steps=5, two_vars=False):
        w = tf.Variable(w0)
        b = tf.Variable(np.zeros(2, np.float32))
        variables = [w, b] if two_vars else [w]
        lrs, losses = [], []
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
            grads = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(grads, variables))
            losses.append(float(loss))
            lrs.append(float(optimizer.learning_rate))
        return np.array(losses), np.array(lrs), w.numpy()

    small_exp = keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=2, decay_rate=0.7)
    small_piece = keras.optimizers.schedules.PiecewiseConstantDecay([1, 3], [0.01, 0.005, 0.002])
    losses, lrs, w = train(keras.optimizers.SGD(learning_rate=small_exp))
    out["sgd_exp_loss"], out["sgd_exp_lr"], out["sgd_exp_w"] = losses, lrs, w
    losses, lrs, w = train(keras.optimizers.SGD(learning_rate=small_piece, momentum=0.5))
    out["sgd_piece_loss"], out["sgd_piece_lr"], out["sgd_piece_w"] = losses, lrs, w
    losses, lrs, w = train(keras.optimizers.Adam(learning_rate=stair))
    out["adam_stair_loss"], out["adam_stair_lr"] = losses, lrs

    losses, _, w = train(keras.optimizers.SGD(0.1, clipnorm=1.0), two_vars=True)
    out["clipnorm_loss"], out["clipnorm_w"] = losses, w
    losses, _, w = train(keras.optimizers.SGD(0.1, global_clipnorm=1.0), two_vars=True)
    out["global_clipnorm_loss"], out["global_clipnorm_w"] = losses, w
    losses, _, w = train(keras.optimizers.SGD(0.1, clipvalue=0.2), two_vars=True)
    out["clipvalue_loss"], out["clipvalue_w"] = losses, w
    losses, _, w = train(keras.optimizers.Adam(0.05, global_clipnorm=0.5), two_vars=True)
    out["adam_global_clipnorm_loss"], out["adam_global_clipnorm_w"] = losses, w

    # the tf.clip_by_* functions used in hand-written loops
    g1 = tf.constant(rng.randn(3, 2).astype(np.float32) * 4.0)
    g2 = tf.constant(rng.randn(2).astype(np.float32))
    clipped, norm = tf.clip_by_global_norm([g1, g2], 2.0)
    out["clip_by_global_norm_norm"] = float(norm)
    out["clip_by_global_norm_0"] = np.asarray(clipped[0])
    out["clip_by_global_norm_1"] = np.asarray(clipped[1])
    out["clip_by_norm"] = np.asarray(tf.clip_by_norm(g1, 1.5))
    out["clip_by_norm_axis"] = np.asarray(tf.clip_by_norm(g1, 1.0, axes=[1]))
    out["clip_by_value"] = np.asarray(tf.clip_by_value(g1, -1.0, 0.5))
    out["global_norm"] = float(tf.linalg.global_norm([g1, g2]))
    return out
