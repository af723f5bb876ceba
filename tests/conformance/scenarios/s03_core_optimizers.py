"""Gradient descent, momentum and Adam written by hand with tf.Variable."""

import numpy as np

DESCRIPTION = (
    "TF Core guide 'Optimizers with TensorFlow Core APIs': hand-written GD, momentum and "
    "Adam (bias correction with a Python step count) on one- and two-variable losses"
)


def run(tf):
    class GradientDescent(tf.Module):
        def __init__(self, learning_rate=1e-3):
            super().__init__()
            self.learning_rate = learning_rate
            self.title = f"Gradient descent optimizer: learning rate={self.learning_rate}"

        def apply_gradients(self, grads, vars):
            for grad, var in zip(grads, vars):
                var.assign_sub(self.learning_rate * grad)

    class Momentum(tf.Module):
        def __init__(self, learning_rate=1e-3, momentum=0.7):
            super().__init__()
            self.learning_rate = learning_rate
            self.momentum = momentum
            self.change = 0.0

        def apply_gradients(self, grads, vars):
            for grad, var in zip(grads, vars):
                curr_change = self.learning_rate * grad + self.momentum * self.change
                var.assign_sub(curr_change)
                self.change = curr_change

    class Adam(tf.Module):
        def __init__(self, learning_rate=1e-3, beta_1=0.9, beta_2=0.999, ep=1e-7):
            super().__init__()
            self.beta_1 = beta_1
            self.beta_2 = beta_2
            self.learning_rate = learning_rate
            self.ep = ep
            self.t = 1.0
            self.v_dvar, self.s_dvar = [], []
            self.built = False

        def apply_gradients(self, grads, vars):
            if not self.built:
                for var in vars:
                    v = tf.Variable(tf.zeros(shape=var.shape))
                    s = tf.Variable(tf.zeros(shape=var.shape))
                    self.v_dvar.append(v)
                    self.s_dvar.append(s)
                self.built = True
            for i, (d_var, var) in enumerate(zip(grads, vars)):
                self.v_dvar[i].assign(self.beta_1 * self.v_dvar[i] + (1 - self.beta_1) * d_var)
                self.s_dvar[i].assign(
                    self.beta_2 * self.s_dvar[i] + (1 - self.beta_2) * tf.square(d_var)
                )
                v_dvar_bc = self.v_dvar[i] / (1 - (self.beta_1**self.t))
                s_dvar_bc = self.s_dvar[i] / (1 - (self.beta_2**self.t))
                var.assign_sub(self.learning_rate * (v_dvar_bc / (tf.sqrt(s_dvar_bc) + self.ep)))
            self.t += 1.0

    def convex_loss(x):
        return 2 * (x**2)

    def wavy_loss(x):
        return 2 * (x**2) + tf.math.cos(3.0 * x) * 0.5

    @tf.function
    def grad(f, x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            result = f(x)
        return tape.gradient(result, x)

    def convergence_test(optimizer, loss_fn, init_val=2.0, max_iters=40, tol=1e-3):
        x = tf.Variable(init_val)
        path = []
        converged_at = -1
        for it in range(max_iters):
            x_deriv = grad(loss_fn, x)
            optimizer.apply_gradients([x_deriv], [x])
            path.append(x.numpy())
            if tf.math.abs(x_deriv) < tol:
                converged_at = it
                break
        return np.array(path), converged_at

    figures = {}
    runs = {
        "gd": (lambda: GradientDescent(0.1), convex_loss),
        "gd_wavy": (lambda: GradientDescent(0.05), wavy_loss),
        "momentum": (lambda: Momentum(0.05, 0.6), convex_loss),
        "adam": (lambda: Adam(0.3), convex_loss),
        "adam_wavy": (lambda: Adam(0.2), wavy_loss),
    }
    for name, (make, loss_fn) in runs.items():
        path, converged_at = convergence_test(make(), loss_fn)
        figures[f"{name}_path"] = path
        figures[f"{name}_converged_at"] = converged_at
        figures[f"{name}_final"] = float(path[-1])

    # Two variables at once: a small least-squares problem.
    rng = np.random.RandomState(3)
    a = tf.constant(rng.normal(size=(10, 3)).astype(np.float32))
    target = tf.constant(rng.normal(size=(10,)).astype(np.float32))
    w = tf.Variable(rng.normal(size=(3,)).astype(np.float32))
    b = tf.Variable(0.0)
    adam = Adam(learning_rate=0.05)
    losses = []
    for _ in range(25):
        with tf.GradientTape() as tape:
            pred = tf.linalg.matvec(a, w) + b
            loss = tf.reduce_mean(tf.square(pred - target))
        grads = tape.gradient(loss, [w, b])
        adam.apply_gradients(grads, [w, b])
        losses.append(loss.numpy())
    figures["lsq_losses"] = np.array(losses)
    figures["lsq_w"] = w.numpy()
    figures["lsq_b"] = b.numpy()
    figures["adam_t"] = adam.t
    figures["adam_m0"] = adam.v_dvar[0].numpy()
    figures["adam_v1"] = adam.s_dvar[1].numpy()
    figures["title"] = GradientDescent(0.1).title
    return figures
