"""Adversarial loop on a toy 5-d distribution: a forger and a critic, two tapes, two Adams."""

import numpy as np

DESCRIPTION = (
    "In the style of the TensorFlow 'Deep Convolutional Generative Adversarial Network' "
    "tutorial (tensorflow.org/tutorials/generative/dcgan): two Keras models, two "
    "GradientTapes opened in one with-statement inside a tf.function, BinaryCrossentropy "
    "from logits against ones_like/zeros_like targets, two Adam optimizers. Small dense "
    "models and numpy noise instead of convolutions and tf.random."
)

LATENT = 3
POINT = 5
BATCH = 6
ROUNDS = 5


def _fill(model, gen, scale):
    model.set_weights(
        [gen.normal(0.0, scale, size=w.shape).astype(np.float32) for w in model.get_weights()]
    )


def run(tf) -> dict:
    keras = tf.keras
    layers = keras.layers
    gen = np.random.RandomState(1414)

    forger = keras.Sequential(
        [
            keras.Input(shape=(LATENT,)),
            layers.Dense(10),
            layers.LeakyReLU(),
            layers.Dense(7, use_bias=False),
            layers.LeakyReLU(),
            layers.Dense(POINT, activation="tanh"),
        ]
    )
    critic = keras.Sequential(
        [
            keras.Input(shape=(POINT,)),
            layers.Dense(6),
            layers.LeakyReLU(),
            layers.Dense(1),
        ]
    )
    _fill(forger, gen, 0.4)
    _fill(critic, gen, 0.35)

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    forger_opt = keras.optimizers.Adam(learning_rate=5e-3, beta_1=0.5)
    critic_opt = keras.optimizers.Adam(learning_rate=8e-3, beta_1=0.5)

    @tf.function
    def adversarial_round(real_points, latent_codes):
        with tf.GradientTape() as forger_tape, tf.GradientTape() as critic_tape:
            fakes = forger(latent_codes, training=True)
            score_fake = critic(fakes, training=True)
            score_real = critic(real_points, training=True)
            # the critic wants reals scored 1 and fakes 0; the forger wants fakes scored 1
            critic_obj = bce(tf.zeros_like(score_fake), score_fake) + bce(
                tf.ones_like(score_real), score_real
            )
            forger_obj = bce(tf.ones_like(score_fake), score_fake)
        critic_vars = critic.trainable_variables
        forger_vars = forger.trainable_variables
        critic_grads = critic_tape.gradient(critic_obj, critic_vars)
        forger_grads = forger_tape.gradient(forger_obj, forger_vars)
        critic_opt.apply_gradients(zip(critic_grads, critic_vars))
        forger_opt.apply_gradients(zip(forger_grads, forger_vars))
        return forger_obj, critic_obj, tf.linalg.global_norm(forger_grads)

    # "real" data: points near a tilted line inside the tanh range
    along = gen.uniform(-1.0, 1.0, size=(BATCH, 1))
    real = (
        0.6 * along * np.array([[1.0, -0.5, 0.3, 0.8, -0.2]])
        + 0.05 * gen.normal(size=(BATCH, POINT))
    ).astype(np.float32)
    codes = [gen.normal(size=(BATCH, LATENT)).astype(np.float32) for _ in range(ROUNDS)]
    probe = gen.normal(size=(4, LATENT)).astype(np.float32)

    f_hist, c_hist, norm_hist = [], [], []
    for z in codes:
        f_obj, c_obj, f_norm = adversarial_round(tf.constant(real), tf.constant(z))
        f_hist.append(float(f_obj))
        c_hist.append(float(c_obj))
        norm_hist.append(float(f_norm))

    fakes = forger(probe, training=False)
    scores = critic(fakes, training=False)
    return {
        "gen_loss": np.array(f_hist),
        "disc_loss": np.array(c_hist),
        "gen_grad_global_norm": np.array(norm_hist),
        "samples": np.asarray(fakes),
        "samples_dtype": str(fakes.dtype.name),
        "verdict_logits": np.asarray(scores),
        "gen_iterations": int(forger_opt.iterations.numpy()),
        "disc_iterations": int(critic_opt.iterations.numpy()),
        "final_gen_no_bias_kernel": np.asarray(forger.layers[2].kernel),
        "n_gen_trainable": len(forger.trainable_variables),
        "n_disc_trainable": len(critic.trainable_variables),
    }
