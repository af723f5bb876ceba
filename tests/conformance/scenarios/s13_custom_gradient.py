"""tf.custom_gradient: gradient clipping, a stable log1pexp, variables, second order."""

import numpy as np

DESCRIPTION = (
    "TF guide 'Advanced automatic differentiation' (custom gradients) and tf.custom_gradient "
    "API docs: clip_gradients, log1pexp, grad_fn(upstream, variables=None)"
)


def run(tf):
    out = {}

    @tf.custom_gradient
    def clip_gradients(y):
        def backward(dy):
            return tf.clip_by_norm(dy, 0.5)

        return y, backward

    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        output = clip_gradients(v * v)
    out["clipped_grad"] = t.gradient(output, v).numpy()

    w = tf.Variable([3.0, -4.0])
    with tf.GradientTape() as t:
        output = tf.reduce_sum(clip_gradients(w * w))
    out["clipped_vector_grad"] = t.gradient(output, w).numpy()

    def log1pexp_naive(x):
        return tf.math.log(1 + tf.exp(x))

    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))

        return tf.math.log(1 + e), grad

    x = tf.constant([0.0, 1.0, 100.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y_naive = log1pexp_naive(x)
        y = log1pexp(x)
    out["naive_value"] = y_naive.numpy()
    out["naive_grad"] = tape.gradient(y_naive, x).numpy()
    out["stable_value"] = y.numpy()
    out["stable_grad"] = tape.gradient(y, x).numpy()
    del tape

    # Second order through the custom gradient function.
    xs = tf.constant(0.5)
    with tf.GradientTape() as outer:
        outer.watch(xs)
        with tf.GradientTape() as inner:
            inner.watch(xs)
            y = log1pexp(xs)
        dy = inner.gradient(y, xs)
    out["second_order"] = outer.gradient(dy, xs).numpy()
    out["first_order"] = dy.numpy()

    # Several inputs; None for an input that gets no gradient.
    @tf.custom_gradient
    def scaled_product(a, b):
        def grad(upstream):
            return upstream * b * 2.0, None

        return a * b, grad

    a = tf.Variable([1.0, 2.0])
    b = tf.Variable([3.0, 5.0])
    with tf.GradientTape() as tape:
        z = tf.reduce_sum(scaled_product(a, b))
    ga, gb = tape.gradient(z, [a, b])
    out["multi_input_ga"] = ga.numpy()
    out["multi_input_gb_is_none"] = gb is None

    # A forward pass that reads variables: grad_fn takes variables= and returns their grads.
    rng = np.random.RandomState(13)
    weight = tf.Variable(rng.normal(size=(3, 2)).astype(np.float32), name="weight")
    bias = tf.Variable(np.array([0.1, -0.2], np.float32), name="bias")

    @tf.custom_gradient
    def dense_half_grad(inp):
        result = tf.matmul(inp, weight) + bias

        def grad(upstream, variables=None):
            d_inp = tf.matmul(upstream, weight, transpose_b=True)
            grads_by_name = {
                "weight": 0.5 * tf.matmul(inp, upstream, transpose_a=True),
                "bias": 0.5 * tf.reduce_sum(upstream, axis=0),
            }
            d_vars = [grads_by_name[var.name.split(":")[0]] for var in variables]
            return d_inp, d_vars

        return result, grad

    inp = tf.constant(rng.normal(size=(4, 3)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(inp)
        loss = tf.reduce_sum(dense_half_grad(inp) ** 2)
    g_inp, g_w, g_b = tape.gradient(loss, [inp, weight, bias])
    out["variables_grad_inp"] = g_inp.numpy()
    out["variables_grad_weight"] = g_w.numpy()
    out["variables_grad_bias"] = g_b.numpy()

    # Inside a tf.function, with an optimizer-style update.
    @tf.function
    def step(batch):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(dense_half_grad(batch) ** 2)
        gw, gb = tape.gradient(loss, [weight, bias])
        weight.assign_sub(0.01 * gw)
        bias.assign_sub(0.01 * gb)
        return loss

    losses = [step(inp).numpy() for _ in range(3)]
    out["function_losses"] = np.array(losses)
    out["function_weight"] = weight.numpy()

    # The custom gradient also governs tf.function-compiled clip on a model.
    @tf.function
    def clipped_loss_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(clip_gradients(x**3))
        return tape.gradient(loss, x)

    out["function_clipped"] = clipped_loss_grad(tf.constant([1.0, 2.0, -1.0])).numpy()
    return out
