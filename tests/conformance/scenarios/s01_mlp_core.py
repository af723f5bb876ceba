"""A three-class classifier made of tf.Module blocks whose variables appear on first use."""

import numpy as np

DESCRIPTION = (
    "In the style of the TF Core guide 'Multilayer perceptrons for digit recognition with "
    "Core APIs': tf.Module blocks that create their tf.Variables the first time they see an "
    "input (inside a tf.function trace), a tf.function-compiled forward pass nested in a "
    "tf.function update step, sparse softmax cross-entropy and plain assign_sub updates."
)

N_POINTS = 60
N_FEATURES = 6
N_CLASSES = 3
BATCH = 20
EPOCHS = 3
STEP_SIZE = 0.3


def _toy_points():
    """Points in [-1, 1]^6; the class is the index of the largest of three feature sums."""
    gen = np.random.RandomState(101)
    pts = gen.uniform(-1.0, 1.0, size=(N_POINTS, N_FEATURES)).astype(np.float32)
    scores = np.stack([pts[:, 0] + pts[:, 3], pts[:, 1] - pts[:, 4], pts[:, 2] + pts[:, 5]], 1)
    return pts, scores.argmax(axis=1).astype(np.int64)


def run(tf):
    pts, cls = _toy_points()

    class Affine(tf.Module):
        """act(x @ kernel + bias); the kernel's row count comes from the first input."""

        def __init__(self, units, seed, act=None, name=None):
            super().__init__(name=name)
            self.units = units
            self.seed = seed
            self.act = act
            self.kernel = None

        def __call__(self, x):
            if self.kernel is None:
                fan_in = int(x.shape[-1])
                draws = np.random.RandomState(self.seed).normal(
                    0.0, np.sqrt(2.0 / fan_in), size=(fan_in, self.units)
                )
                self.kernel = tf.Variable(draws.astype(np.float32), name="kernel")
                self.bias = tf.Variable(tf.fill([self.units], 0.01), name="bias")
            out = tf.matmul(x, self.kernel) + self.bias
            return out if self.act is None else self.act(out)

    class Classifier(tf.Module):
        def __init__(self):
            super().__init__(name="classifier")
            self.hidden_a = Affine(10, seed=7, act=tf.nn.relu, name="hidden_a")
            self.hidden_b = Affine(5, seed=8, act=tf.tanh, name="hidden_b")
            self.scores = Affine(N_CLASSES, seed=9, name="scores")

        @tf.function
        def __call__(self, x):
            return self.scores(self.hidden_b(self.hidden_a(x)))

    net = Classifier()

    def hit_rate(logits, labels):
        guesses = tf.argmax(logits, axis=-1)
        return tf.reduce_mean(tf.cast(tf.equal(guesses, labels), tf.float32))

    @tf.function
    def update(xb, yb):
        with tf.GradientTape() as tape:
            logits = net(xb)
            per_point = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yb, logits=logits)
            mean_loss = tf.reduce_mean(per_point)
        params = net.trainable_variables
        grads = tape.gradient(mean_loss, params)
        for p, g in zip(params, grads):
            p.assign_sub(STEP_SIZE * g)
        return mean_loss, hit_rate(logits, yb), grads

    losses, hits = [], []
    for _ in range(EPOCHS):
        for lo in range(0, N_POINTS, BATCH):
            loss, hit, grads = update(
                tf.constant(pts[lo : lo + BATCH]), tf.constant(cls[lo : lo + BATCH])
            )
            losses.append(loss.numpy())
            hits.append(hit.numpy())

    params = net.trainable_variables
    figures = {
        "step_losses": np.array(losses),
        "step_accuracies": np.array(hits),
        "variable_names": ",".join(v.name for v in params),
        "variable_shapes": ",".join(str(v.shape.as_list()) for v in params),
        "n_variables": len(net.variables),
        "loss_dtype": str(loss.dtype.name),
    }
    for i, g in enumerate(grads):
        figures[f"last_grad_{i}"] = g.numpy()
    for i, v in enumerate(params):
        figures[f"final_var_{i}"] = v.numpy()
    logits = net(tf.constant(pts))
    figures["final_logits"] = logits.numpy()
    figures["final_max_probability"] = tf.reduce_max(tf.nn.softmax(logits), axis=1).numpy()
    figures["final_predictions"] = tf.argmax(logits, axis=1).numpy()
    figures["final_accuracy"] = float(hit_rate(logits, tf.constant(cls)))
    return figures
