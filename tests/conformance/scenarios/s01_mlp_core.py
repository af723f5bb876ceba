"""A multilayer perceptron built from tf.Module and tf.Variable, trained with a tf.function."""

import numpy as np

DESCRIPTION = (
    "TF Core guide 'Multilayer perceptrons for digit recognition with Core APIs': "
    "tf.Module dense layers that create their variables on first call, tf.function train step"
)


def run(tf):
    rng = np.random.RandomState(1)
    x_all = rng.rand(48, 8).astype(np.float32)
    y_all = (np.floor(x_all[:, :4].sum(axis=1) * 2) % 4).astype(np.int64)

    class DenseLayer(tf.Module):
        def __init__(self, out_dim, weight_seed, activation=tf.identity):
            super().__init__()
            self.out_dim = out_dim
            self.weight_seed = weight_seed
            self.activation = activation
            self.built = False

        def __call__(self, x):
            if not self.built:
                in_dim = x.shape[1]
                limit = np.sqrt(6.0 / (in_dim + self.out_dim))
                init = np.random.RandomState(self.weight_seed).uniform(
                    -limit, limit, size=(in_dim, self.out_dim)
                )
                self.w = tf.Variable(init.astype(np.float32), name="w")
                self.b = tf.Variable(tf.zeros(shape=(self.out_dim,)), name="b")
                self.built = True
            z = tf.add(tf.matmul(x, self.w), self.b)
            return self.activation(z)

    class MLP(tf.Module):
        def __init__(self, layers):
            super().__init__()
            self.layers = layers

        @tf.function
        def __call__(self, x, preds=False):
            for layer in self.layers:
                x = layer(x)
            return x

    def cross_entropy_loss(y_pred, y):
        sparse_ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=y_pred)
        return tf.reduce_mean(sparse_ce)

    def accuracy(y_pred, y):
        class_preds = tf.argmax(tf.nn.softmax(y_pred), axis=1)
        is_equal = tf.equal(y, class_preds)
        return tf.reduce_mean(tf.cast(is_equal, tf.float32))

    mlp = MLP([DenseLayer(16, 10, activation=tf.nn.relu), DenseLayer(4, 11)])

    learning_rate = 0.5

    @tf.function
    def train_step(x_batch, y_batch):
        with tf.GradientTape() as tape:
            y_pred = mlp(x_batch)
            batch_loss = cross_entropy_loss(y_pred, y_batch)
        batch_acc = accuracy(y_pred, y_batch)
        grads = tape.gradient(batch_loss, mlp.trainable_variables)
        for g, v in zip(grads, mlp.trainable_variables):
            v.assign_sub(learning_rate * g)
        return batch_loss, batch_acc, grads

    losses, accs = [], []
    for _epoch in range(4):
        for start in range(0, 48, 16):
            xb = tf.constant(x_all[start : start + 16])
            yb = tf.constant(y_all[start : start + 16])
            loss, acc, grads = train_step(xb, yb)
            losses.append(loss.numpy())
            accs.append(acc.numpy())

    figures = {
        "step_losses": np.array(losses),
        "step_accuracies": np.array(accs),
        "variable_names": ",".join(v.name for v in mlp.trainable_variables),
        "variable_shapes": ",".join(str(v.shape.as_list()) for v in mlp.trainable_variables),
        "n_variables": len(mlp.variables),
        "loss_dtype": str(loss.dtype.name),
    }
    for i, g in enumerate(grads):
        figures[f"last_grad_{i}"] = g.numpy()
    for i, v in enumerate(mlp.trainable_variables):
        figures[f"final_var_{i}"] = v.numpy()
    logits = mlp(tf.constant(x_all))
    figures["final_logits"] = logits.numpy()
    figures["final_predictions"] = tf.argmax(logits, axis=1).numpy()
    figures["final_accuracy"] = float(accuracy(logits, tf.constant(y_all)))
    return figures
