"""DCGAN-style adversarial loop: two models, two tapes, two Adam optimizers."""

import numpy as np

DESCRIPTION = (
    "Follows the TensorFlow 'Deep Convolutional Generative Adversarial Network' tutorial "
    "(tensorflow.org/tutorials/generative/dcgan), with small dense models and fixed noise."
)

NOISE_DIM = 4
DATA_DIM = 6
BATCH = 8
STEPS = 4


def _init(model, rng, scale=0.3):
    model.set_weights([rng.randn(*w.shape).astype(np.float32) * scale for w in model.get_weights()])


def run(tf) -> dict:
    keras = tf.keras
    rng = np.random.RandomState(14)

    generator = keras.Sequential(
        [
            keras.Input(shape=(NOISE_DIM,)),
            keras.layers.Dense(8, use_bias=False),
            keras.layers.LeakyReLU(),
            keras.layers.Dense(DATA_DIM, activation="tanh"),
        ]
    )
    discriminator = keras.Sequential(
        [
            keras.Input(shape=(DATA_DIM,)),
            keras.layers.Dense(8),
            keras.layers.LeakyReLU(),
            keras.layers.Dense(1),
        ]
    )
    _init(generator, rng)
    _init(discriminator, rng)

    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)

    def discriminator_loss(real_output, fake_output):
        real_loss = cross_entropy(tf.ones_like(real_output), real_output)
        fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
        return real_loss + fake_loss

    def generator_loss(fake_output):
        return cross_entropy(tf.ones_like(fake_output), fake_output)

    generator_optimizer = keras.optimizers.Adam(1e-2)
    discriminator_optimizer = keras.optimizers.Adam(1e-2)

    @tf.function
    def train_step(images, noise):
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated, training=True)
            gen_loss = generator_loss(fake_output)
            disc_loss = discriminator_loss(real_output, fake_output)
        gen_grads = gen_tape.gradient(gen_loss, generator.trainable_variables)
        disc_grads = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
        generator_optimizer.apply_gradients(zip(gen_grads, generator.trainable_variables))
        discriminator_optimizer.apply_gradients(zip(disc_grads, discriminator.trainable_variables))
        return gen_loss, disc_loss, tf.linalg.global_norm(gen_grads)

    real = (rng.rand(BATCH, DATA_DIM).astype(np.float32) * 2.0 - 1.0) * 0.5 + 0.3
    noises = [rng.randn(BATCH, NOISE_DIM).astype(np.float32) for _ in range(STEPS)]
    seed = rng.randn(3, NOISE_DIM).astype(np.float32)

    gen_losses, disc_losses, gen_norms = [], [], []
    for noise in noises:
        g, d, n = train_step(tf.constant(real), tf.constant(noise))
        gen_losses.append(float(g))
        disc_losses.append(float(d))
        gen_norms.append(float(n))

    samples = generator(seed, training=False)
    verdict = discriminator(samples, training=False)
    return {
        "gen_loss": np.array(gen_losses),
        "disc_loss": np.array(disc_losses),
        "gen_grad_global_norm": np.array(gen_norms),
        "samples": np.asarray(samples),
        "samples_dtype": str(samples.dtype.name),
        "verdict_logits": np.asarray(verdict),
        "gen_iterations": int(generator_optimizer.iterations.numpy()),
        "disc_iterations": int(discriminator_optimizer.iterations.numpy()),
        "final_gen_kernel": np.asarray(generator.layers[0].kernel),
        "n_gen_trainable": len(generator.trainable_variables),
        "n_disc_trainable": len(discriminator.trainable_variables),
    }
