"""Two-blob binary classification with a tf.Module scorer, feature standardization and tf.data."""

import numpy as np

DESCRIPTION = (
    "In the style of the TF Core guide 'Logistic regression for binary classification with "
    "Core APIs': a tf.Module holding reduce_mean/reduce_std statistics as tf.Variables, a "
    "lazily built linear scorer, sigmoid cross-entropy with logits, tf.data batches and a "
    "tf.function update with assign_sub."
)

N_TRAIN = 60
N_TEST = 20


def _blobs():
    """Two Gaussian blobs in 4-d with different scales per feature; label 1 for the second."""
    gen = np.random.RandomState(202)
    n = N_TRAIN + N_TEST
    side = (gen.rand(n) < 0.5).astype(np.float64)
    centre = np.where(side[:, None] > 0, [4.0, -1.0, 10.0, 0.5], [2.5, 0.5, 7.0, 0.6])
    spread = np.array([1.0, 0.8, 3.0, 0.05])
    feats = centre + spread * gen.normal(size=(n, 4))
    return feats, side


def run(tf):
    feats, side = _blobs()
    train_x = tf.convert_to_tensor(feats[:N_TRAIN], dtype=tf.float32)
    train_y = tf.convert_to_tensor(side[:N_TRAIN], dtype=tf.float32)
    test_x = tf.convert_to_tensor(feats[N_TRAIN:], dtype=tf.float32)
    test_y = tf.convert_to_tensor(side[N_TRAIN:], dtype=tf.float32)

    class Standardizer(tf.Module):
        """Remembers per-column location and scale of a reference batch."""

        def __init__(self, reference):
            super().__init__()
            self.loc = tf.Variable(tf.math.reduce_mean(reference, axis=0), trainable=False)
            self.scale = tf.Variable(tf.math.reduce_std(reference, axis=0), trainable=False)

        def apply(self, x):
            return (x - self.loc) / self.scale

        def invert(self, z):
            return z * self.scale + self.loc

    class BinaryScorer(tf.Module):
        """One logit per row; weights are made when the first batch arrives."""

        def __init__(self):
            super().__init__()
            self.coef = None

        def logit(self, x):
            if self.coef is None:
                start = np.random.RandomState(21).normal(0.0, 0.2, size=(x.shape[-1],))
                self.coef = tf.Variable(start.astype(np.float32))
                self.offset = tf.Variable(0.0)
            return tf.linalg.matvec(x, self.coef) + self.offset

        def probability(self, x):
            return tf.math.sigmoid(self.logit(x))

    def mean_xent(logits, y):
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))

    def decide(prob, cut=0.5):
        return tf.cast(prob >= cut, tf.float32)

    def agreement(logits, y):
        return tf.reduce_mean(tf.cast(decide(tf.math.sigmoid(logits)) == y, tf.float32))

    std = Standardizer(train_x)
    train_z, test_z = std.apply(train_x), std.apply(test_x)

    scorer = BinaryScorer()
    untrained = scorer.probability(train_z[:4])

    train_ds = tf.data.Dataset.from_tensor_slices((train_z, train_y)).batch(20)
    test_ds = tf.data.Dataset.from_tensor_slices((test_z, test_y)).batch(10)

    rate = 0.25

    @tf.function
    def fit_batch(xb, yb):
        with tf.GradientTape() as tape:
            logits = scorer.logit(xb)
            loss = mean_xent(logits, yb)
        grads = tape.gradient(loss, scorer.trainable_variables)
        for var, g in zip(scorer.trainable_variables, grads):
            var.assign_sub(rate * g)
        return loss, agreement(logits, yb)

    epoch_loss, epoch_acc, held_loss, held_acc = [], [], [], []
    for _ in range(4):
        losses, accs = [], []
        for xb, yb in train_ds:
            loss, acc = fit_batch(xb, yb)
            losses.append(loss)
            accs.append(acc)
        epoch_loss.append(tf.reduce_mean(losses))
        epoch_acc.append(tf.reduce_mean(accs))
        for xb, yb in test_ds:
            logits = scorer.logit(xb)
            held_loss.append(mean_xent(logits, yb))
            held_acc.append(agreement(logits, yb))

    test_prob = scorer.probability(test_z)
    return {
        "standardizer_loc": std.loc.numpy(),
        "standardizer_scale": std.scale.numpy(),
        "train_z_head": train_z[:3].numpy(),
        "invert_roundtrip": std.invert(train_z[:3]).numpy(),
        "untrained_probability": untrained.numpy(),
        "train_losses": np.array([t.numpy() for t in epoch_loss]),
        "train_accs": np.array([t.numpy() for t in epoch_acc]),
        "test_losses": np.array([t.numpy() for t in held_loss]),
        "test_accs": np.array([t.numpy() for t in held_acc]),
        "loss_dtype": str(epoch_loss[-1].dtype.name),
        "coef": scorer.coef.numpy(),
        "offset": scorer.offset.numpy(),
        "test_probs": test_prob.numpy(),
        "test_classes": decide(test_prob).numpy(),
        "n_variables": len(scorer.variables),
        "n_standardizer_trainable": len(std.trainable_variables),
    }
