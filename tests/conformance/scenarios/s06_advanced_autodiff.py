"""Higher-order gradients, jacobians, batch jacobians and forward-mode jvps."""

import numpy as np

DESCRIPTION = (
    "TF guide 'Advanced automatic differentiation': nested tapes, input-gradient "
    "regularization, jacobian/batch_jacobian, Hessians, tf.autodiff.ForwardAccumulator"
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


def run(tf):
    keras = tf.keras
    rng = np.random.RandomState(6)
    out = {}

    x = tf.Variable(1.5)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x * x * x
        dy_dx = t1.gradient(y, x)
    d2y_dx2 = t2.gradient(dy_dx, x)
    out["dy_dx"] = dy_dx.numpy()
    out["d2y_dx2"] = d2y_dx2.numpy()

    # Input-gradient regularization of a small dense layer.
    xb = tf.constant(rng.normal(size=(7, 5)).astype(np.float32))
    layer = keras.layers.Dense(
        10,
        activation=tf.nn.elu,
        kernel_initializer=keras.initializers.Constant(rng.normal(size=(5, 10)) * 0.5),
        bias_initializer=keras.initializers.Constant(rng.normal(size=(10,)) * 0.1),
    )
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            t1.watch(xb)
            y = layer(xb)
            out_sum = tf.reduce_sum(layer(xb) ** 2)
        g1 = t1.gradient(out_sum, xb)
        g1_mag = tf.norm(g1)
    dg1_mag = t2.gradient(g1_mag, layer.trainable_variables)
    out["g1_mag"] = g1_mag.numpy()
    out["dg1_kernel"] = dg1_mag[0].numpy()
    out["dg1_bias"] = dg1_mag[1].numpy()

    # Jacobians: scalar source, tensor source.
    xs = tf.linspace(-4.0, 4.0, 17)
    delta = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        y = tf.nn.sigmoid(xs + delta)
    dy_dd = tape.jacobian(y, delta)
    out["jac_scalar_source"] = dy_dd.numpy()

    with tf.GradientTape(persistent=True) as tape:
        y = layer(xb)
    j = tape.jacobian(y, layer.kernel)
    out["jac_kernel_shape"] = str(j.shape.as_list())
    out["jac_kernel_slice"] = j[0, 0].numpy()
    out["jac_kernel_sum"] = tf.reduce_sum(j, axis=[0, 1]).numpy()
    g = tape.gradient(y, layer.kernel)
    out["jac_sum_matches_grad"] = bool(
        np.allclose(tf.reduce_sum(j, axis=[0, 1]).numpy(), g.numpy(), atol=1e-5)
    )
    unused = tf.Variable(1.0)
    out["jac_unconnected_is_none"] = tape.jacobian(y, unused) is None
    del tape

    # Hessian of a two-layer model's loss, flattened to a matrix.
    layer1 = keras.layers.Dense(
        4,
        activation=tf.nn.relu,
        kernel_initializer=keras.initializers.Constant(rng.normal(size=(5, 4))),
        bias_initializer="zeros",
    )
    layer2 = keras.layers.Dense(
        3,
        kernel_initializer=keras.initializers.Constant(rng.normal(size=(4, 3))),
        bias_initializer="zeros",
    )
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            z = layer2(layer1(xb))
            loss = tf.reduce_mean(z**2)
        g = t1.gradient(loss, layer1.kernel)
    h = t2.jacobian(g, layer1.kernel)
    out["hessian_shape"] = str(h.shape.as_list())
    n_params = tf.reduce_prod(layer1.kernel.shape)
    h_mat = tf.reshape(h, [n_params, n_params])
    out["hessian_matrix"] = h_mat.numpy()
    out["hessian_symmetric"] = bool(np.allclose(h_mat.numpy(), h_mat.numpy().T, atol=1e-5))

    # Batch jacobian against the full jacobian's diagonal blocks.
    layer3 = keras.layers.Dense(
        6,
        activation=tf.nn.elu,
        kernel_initializer=keras.initializers.Constant(rng.normal(size=(10, 6)) * 0.3),
        bias_initializer="zeros",
    )
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xb)
        y = layer3(layer(xb))
    jb = tape.batch_jacobian(y, xb)
    jfull = tape.jacobian(y, xb)
    del tape
    out["batch_jacobian_shape"] = str(jb.shape.as_list())
    out["batch_jacobian"] = jb.numpy()
    out["jacobian_full_shape"] = str(jfull.shape.as_list())
    out["jacobian_reduced"] = tf.reduce_sum(jfull, axis=2).numpy()

    # Forward mode.
    xf = tf.constant([1.0, 2.0, 0.5])
    vf = tf.constant([1.0, 0.0, -1.0])
    with tf.autodiff.ForwardAccumulator(primals=xf, tangents=vf) as acc:
        yf = tf.reduce_sum(tf.sin(xf) * xf**2)
        yv = tf.exp(xf) * 2.0
    out["jvp_scalar"] = acc.jvp(yf).numpy()
    out["jvp_vector"] = acc.jvp(yv).numpy()

    wv = tf.Variable(rng.normal(size=(3, 2)).astype(np.float32))
    tw = tf.constant(rng.normal(size=(3, 2)).astype(np.float32))
    with tf.autodiff.ForwardAccumulator(primals=[wv], tangents=[tw]) as acc:
        yw = tf.tanh(tf.matmul(tf.reshape(xf, [1, 3]), wv))
    out["jvp_variable"] = acc.jvp(yw).numpy()
    unrelated = tf.constant(3.0) * 2.0
    out["jvp_unconnected_is_none"] = acc.jvp(unrelated) is None

    # Hessian-vector product: forward over backward.
    with tf.autodiff.ForwardAccumulator(xf, vf) as acc:
        with tf.GradientTape() as tape:
            tape.watch(xf)
            y = tf.reduce_sum(xf**3 + xf[0] * xf[1])
        backward = tape.gradient(y, xf)
    out["hvp"] = acc.jvp(backward).numpy()
    return out
