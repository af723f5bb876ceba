"""CVAE-style loop: encoder/decoder, reparameterization with fixed eps, ELBO."""

import numpy as np

DESCRIPTION = (
    "Follows the TensorFlow 'Convolutional Variational Autoencoder' tutorial "
    "(tensorflow.org/tutorials/generative/cvae), with dense encoder/decoder and fixed eps."
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}

DATA_DIM = 12
LATENT = 2
BATCH = 6
STEPS = 4


class CVAE:
    def __init__(self, tf, rng):
        keras = tf.keras
        self.tf = tf
        self.encoder = keras.Sequential(
            [
                keras.Input(shape=(DATA_DIM,)),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(LATENT + LATENT),
            ]
        )
        self.decoder = keras.Sequential(
            [
                keras.Input(shape=(LATENT,)),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(DATA_DIM),
            ]
        )
        for m in (self.encoder, self.decoder):
            m.set_weights([rng.randn(*w.shape).astype(np.float32) * 0.4 for w in m.get_weights()])

    @property
    def trainable_variables(self):
        return self.encoder.trainable_variables + self.decoder.trainable_variables

    def encode(self, x):
        mean, logvar = self.tf.split(self.encoder(x), num_or_size_splits=2, axis=1)
        return mean, logvar

    def reparameterize(self, mean, logvar, eps):
        return eps * self.tf.exp(logvar * 0.5) + mean

    def decode(self, z, apply_sigmoid=False):
        logits = self.decoder(z)
        if apply_sigmoid:
            return self.tf.sigmoid(logits)
        return logits


def run(tf) -> dict:
    keras = tf.keras
    rng = np.random.RandomState(15)
    model = CVAE(tf, rng)
    optimizer = keras.optimizers.Adam(1e-2)

    def log_normal_pdf(sample, mean, logvar, raxis=1):
        log2pi = tf.math.log(2.0 * np.pi)
        return tf.reduce_sum(
            -0.5 * ((sample - mean) ** 2.0 * tf.exp(-logvar) + logvar + log2pi), axis=raxis
        )

    def compute_loss(x, eps):
        mean, logvar = model.encode(x)
        z = model.reparameterize(mean, logvar, eps)
        x_logit = model.decode(z)
        cross_ent = tf.nn.sigmoid_cross_entropy_with_logits(logits=x_logit, labels=x)
        logpx_z = -tf.reduce_sum(cross_ent, axis=[1])
        logpz = log_normal_pdf(z, 0.0, 0.0)
        logqz_x = log_normal_pdf(z, mean, logvar)
        return -tf.reduce_mean(logpx_z + logpz - logqz_x), tf.reduce_mean(logpx_z)

    @tf.function
    def train_step(x, eps):
        with tf.GradientTape() as tape:
            loss, recon = compute_loss(x, eps)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss, recon, gradients[0]

    x = (rng.rand(BATCH, DATA_DIM) > 0.5).astype(np.float32)
    losses, recons = [], []
    first_grad = None
    for step in range(STEPS):
        eps = rng.randn(BATCH, LATENT).astype(np.float32)
        loss, recon, g0 = train_step(x, eps)
        losses.append(float(loss))
        recons.append(float(recon))
        if step == 0:
            first_grad = np.asarray(g0)

    eval_eps = rng.randn(BATCH, LATENT).astype(np.float32)
    elbo = -compute_loss(tf.constant(x), tf.constant(eval_eps))[0]
    mean, logvar = model.encode(x)
    probs = model.decode(model.reparameterize(mean, logvar, eval_eps), apply_sigmoid=True)
    return {
        "loss": np.array(losses),
        "mean_logpx_z": np.array(recons),
        "first_grad_encoder_kernel": first_grad,
        "eval_elbo": float(elbo),
        "eval_elbo_dtype": str(elbo.dtype.name),
        "latent_mean": np.asarray(mean),
        "latent_logvar": np.asarray(logvar),
        "decoded_probs": np.asarray(probs),
    }
