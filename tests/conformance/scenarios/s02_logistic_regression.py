"""Binary logistic regression written with tf.Module, tf.Variable and tf.data."""

import numpy as np

DESCRIPTION = (
    "TF Core guide 'Logistic regression for binary classification with Core APIs': "
    "normalization with reduce_mean/reduce_std, sigmoid cross-entropy, batched training"
)


def run(tf):
    rng = np.random.RandomState(2)
    features = rng.normal(loc=3.0, scale=2.0, size=(80, 5))
    true_w = np.array([1.5, -2.0, 0.5, 0.0, 1.0])
    labels = ((features - 3.0) @ true_w + 0.3 * rng.normal(size=80) > 0).astype(np.float64)
    x_train = tf.convert_to_tensor(features[:64], dtype=tf.float32)
    y_train = tf.convert_to_tensor(labels[:64], dtype=tf.float32)
    x_test = tf.convert_to_tensor(features[64:], dtype=tf.float32)
    y_test = tf.convert_to_tensor(labels[64:], dtype=tf.float32)

    class Normalize(tf.Module):
        def __init__(self, x):
            super().__init__()
            self.mean = tf.Variable(tf.math.reduce_mean(x, axis=0))
            self.std = tf.Variable(tf.math.reduce_std(x, axis=0))

        def norm(self, x):
            return (x - self.mean) / self.std

        def unnorm(self, x):
            return (x * self.std) + self.mean

    norm_x = Normalize(x_train)
    x_train_norm, x_test_norm = norm_x.norm(x_train), norm_x.norm(x_test)

    def log_loss(y_pred, y):
        ce = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=y_pred)
        return tf.reduce_mean(ce)

    class LogisticRegression(tf.Module):
        def __init__(self):
            super().__init__()
            self.built = False

        def __call__(self, x, train=True):
            if not self.built:
                init = np.random.RandomState(20).uniform(-0.5, 0.5, size=(x.shape[-1], 1))
                self.w = tf.Variable(init.astype(np.float32))
                self.b = tf.Variable(tf.zeros([], dtype=tf.float32))
                self.built = True
            z = tf.add(tf.matmul(x, self.w), self.b)
            z = tf.squeeze(z, axis=1)
            if train:
                return z
            return tf.sigmoid(z)

    def predict_class(y_pred, thresh=0.5):
        return tf.cast(y_pred > thresh, tf.float32)

    def accuracy(y_pred, y):
        y_pred = tf.math.sigmoid(y_pred)
        y_pred_class = predict_class(y_pred)
        check_equal = tf.cast(y_pred_class == y, tf.float32)
        return tf.reduce_mean(check_equal)

    log_reg = LogisticRegression()
    first_pred = log_reg(x_train_norm[:5], train=False)

    batch_size = 16
    train_dataset = tf.data.Dataset.from_tensor_slices((x_train_norm, y_train)).batch(batch_size)
    test_dataset = tf.data.Dataset.from_tensor_slices((x_test_norm, y_test)).batch(batch_size)

    learning_rate = 0.1
    train_losses, train_accs, test_losses, test_accs = [], [], [], []

    @tf.function
    def train_batch(x_batch, y_batch):
        with tf.GradientTape() as tape:
            y_pred_batch = log_reg(x_batch)
            batch_loss = log_loss(y_pred_batch, y_batch)
        batch_acc = accuracy(y_pred_batch, y_batch)
        grads = tape.gradient(batch_loss, log_reg.variables)
        for g, v in zip(grads, log_reg.variables):
            v.assign_sub(learning_rate * g)
        return batch_loss, batch_acc

    for _epoch in range(5):
        batch_losses, batch_accs = [], []
        for x_batch, y_batch in train_dataset:
            batch_loss, batch_acc = train_batch(x_batch, y_batch)
            batch_losses.append(batch_loss)
            batch_accs.append(batch_acc)
        for x_batch, y_batch in test_dataset:
            y_pred_batch = log_reg(x_batch)
            test_losses.append(log_loss(y_pred_batch, y_batch))
            test_accs.append(accuracy(y_pred_batch, y_batch))
        train_losses.append(tf.reduce_mean(batch_losses))
        train_accs.append(tf.reduce_mean(batch_accs))

    probs = log_reg(x_test_norm, train=False)
    return {
        "normalized_mean": norm_x.mean.numpy(),
        "normalized_std": norm_x.std.numpy(),
        "x_train_norm_head": x_train_norm[:3].numpy(),
        "unnorm_roundtrip": norm_x.unnorm(x_train_norm[:3]).numpy(),
        "first_pred": first_pred.numpy(),
        "train_losses": np.array([t.numpy() for t in train_losses]),
        "train_accs": np.array([t.numpy() for t in train_accs]),
        "test_losses": np.array([t.numpy() for t in test_losses]),
        "test_accs": np.array([t.numpy() for t in test_accs]),
        "loss_dtype": str(train_losses[-1].dtype.name),
        "w": log_reg.w.numpy(),
        "b": log_reg.b.numpy(),
        "test_probs": probs.numpy(),
        "test_classes": predict_class(probs).numpy(),
        "n_variables": len(log_reg.variables),
    }
