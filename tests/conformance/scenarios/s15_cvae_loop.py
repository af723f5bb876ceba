"""Variational autoencoder on 10-pixel stripe patterns: reparameterized sample, one-sample ELBO."""

import numpy as np

DESCRIPTION = (
    "In the style of the TensorFlow 'Convolutional Variational Autoencoder' tutorial "
    "(tensorflow.org/tutorials/generative/cvae): a Keras encoder whose output is tf.split "
    "into mean and log-variance, the reparameterization z = mu + sigma * eps (eps drawn with "
    "numpy), Bernoulli decoder logits with sigmoid cross-entropy, a single-sample ELBO from "
    "Gaussian log-densities, Adam in a tf.function step. Dense layers instead of convolutions."
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}

PIXELS = 10
CODE = 3
ROWS = 8
ROUNDS = 5
HALF_LOG_TWO_PI = float(0.5 * np.log(2.0 * np.pi))


def _stripes(gen):
    """Each row is a periodic on/off pattern with a random period and phase."""
    rows = []
    for _ in range(ROWS):
        period, phase = gen.randint(2, 5), gen.randint(0, 4)
        rows.append(((np.arange(PIXELS) + phase) // period) % 2)
    return np.array(rows, dtype=np.float32)


class StripeVAE:
    def __init__(self, tf, gen):
        keras = tf.keras
        self.tf = tf
        self.enc = keras.Sequential(
            [
                keras.Input(shape=(PIXELS,)),
                keras.layers.Dense(7, activation="tanh"),
                keras.layers.Dense(2 * CODE),
            ]
        )
        self.dec = keras.Sequential(
            [
                keras.Input(shape=(CODE,)),
                keras.layers.Dense(7, activation="tanh"),
                keras.layers.Dense(PIXELS),
            ]
        )
        for net in (self.enc, self.dec):
            net.set_weights(
                [gen.normal(0.0, 0.5, size=w.shape).astype(np.float32) for w in net.get_weights()]
            )

    def params(self):
        return self.enc.trainable_variables + self.dec.trainable_variables

    def posterior(self, x):
        mu, log_var = self.tf.split(self.enc(x), [CODE, CODE], axis=-1)
        return mu, log_var

    def sample(self, mu, log_var, noise):
        return mu + self.tf.exp(0.5 * log_var) * noise

    def pixel_logits(self, z):
        return self.dec(z)


def run(tf) -> dict:
    gen = np.random.RandomState(1515)
    vae = StripeVAE(tf, gen)
    opt = tf.keras.optimizers.Adam(learning_rate=2e-2)

    def diag_gauss_logp(z, mu, log_var):
        """log N(z; mu, exp(log_var)) summed over the code dimensions."""
        z_score_sq = (z - mu) ** 2 / tf.exp(log_var)
        return -tf.reduce_sum(0.5 * (z_score_sq + log_var) + HALF_LOG_TWO_PI, axis=-1)

    def objective(x, noise):
        mu, log_var = vae.posterior(x)
        z = vae.sample(mu, log_var, noise)
        logits = vae.pixel_logits(z)
        recon_nll = tf.reduce_sum(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), axis=-1
        )
        # one-sample estimate of KL(q(z|x) || N(0, I))
        kl_estimate = diag_gauss_logp(z, mu, log_var) - diag_gauss_logp(
            z, tf.zeros_like(z), tf.zeros_like(z)
        )
        negative_elbo = tf.reduce_mean(recon_nll + kl_estimate)
        return negative_elbo, -tf.reduce_mean(recon_nll)

    @tf.function
    def learn(x, noise):
        with tf.GradientTape() as tape:
            neg_elbo, recon_ll = objective(x, noise)
        params = vae.params()
        grads = tape.gradient(neg_elbo, params)
        opt.apply_gradients(zip(grads, params))
        return neg_elbo, recon_ll, grads[0]

    x = _stripes(gen)
    hist, recon_hist, enc_grad0 = [], [], None
    for step in range(ROUNDS):
        noise = gen.normal(size=(ROWS, CODE)).astype(np.float32)
        neg_elbo, recon_ll, g0 = learn(x, noise)
        hist.append(float(neg_elbo))
        recon_hist.append(float(recon_ll))
        if step == 0:
            enc_grad0 = np.asarray(g0)

    probe_noise = gen.normal(size=(ROWS, CODE)).astype(np.float32)
    elbo = -objective(tf.constant(x), tf.constant(probe_noise))[0]
    mu, log_var = vae.posterior(x)
    probs = tf.sigmoid(vae.pixel_logits(vae.sample(mu, log_var, probe_noise)))
    return {
        "loss": np.array(hist),
        "mean_logpx_z": np.array(recon_hist),
        "first_grad_encoder_kernel": enc_grad0,
        "eval_elbo": float(elbo),
        "eval_elbo_dtype": str(elbo.dtype.name),
        "latent_mean": np.asarray(mu),
        "latent_logvar": np.asarray(log_var),
        "decoded_probs": np.asarray(probs),
    }
