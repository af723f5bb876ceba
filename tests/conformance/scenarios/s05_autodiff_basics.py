"""Gradient tapes: scalars, variables, structures, watching, persistence and None gradients."""

import numpy as np

DESCRIPTION = (
    "TF guide 'Introduction to gradients and automatic differentiation': tape.gradient on "
    "scalars/vectors/variables, watch, persistent tapes, None gradients, unconnected_gradients"
)


def run(tf):
    keras = tf.keras
    rng = np.random.RandomState(5)
    out = {}

    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x**2
    out["dy_dx_scalar"] = tape.gradient(y, x).numpy()

    w = tf.Variable(rng.normal(size=(3, 2)).astype(np.float32), name="w")
    b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
    xin = [[1.0, 2.0, 3.0]]
    with tf.GradientTape(persistent=True) as tape:
        y = xin @ w + b
        loss = tf.reduce_mean(y**2)
    dl_dw, dl_db = tape.gradient(loss, [w, b])
    out["dl_dw"] = dl_dw.numpy()
    out["dl_db"] = dl_db.numpy()
    grad_dict = tape.gradient(loss, {"w": w, "b": b})
    out["dict_grad_keys"] = ",".join(sorted(grad_dict))
    out["dict_grad_w"] = grad_dict["w"].numpy()
    del tape

    layer = keras.layers.Dense(
        2,
        activation="relu",
        kernel_initializer=keras.initializers.Constant(rng.normal(size=(3, 2))),
        bias_initializer=keras.initializers.Constant([0.1, -0.1]),
    )
    xl = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        y = layer(xl)
        loss = tf.reduce_mean(y**2)
    grad = tape.gradient(loss, layer.trainable_variables)
    out["n_layer_grads"] = len(grad)
    for i, g in enumerate(grad):
        out[f"layer_grad_{i}"] = g.numpy()

    # Only trainable variables are watched automatically.
    x0 = tf.Variable(3.0, name="x0")
    x1 = tf.Variable(3.0, name="x1", trainable=False)
    x2 = tf.Variable(2.0, name="x2") + 1.0
    x3 = tf.constant(3.0, name="x3")
    with tf.GradientTape() as tape:
        y = (x0**2) + (x1**2) + (x2**2)
    grads = tape.gradient(y, [x0, x1, x2, x3])
    out["watch_grad_x0"] = grads[0].numpy()
    out["watch_grads_none"] = np.array([g is None for g in grads])
    out["watched_names"] = ",".join(var.name for var in tape.watched_variables())

    xc = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(xc)
        y = xc**2
    out["watched_constant_grad"] = tape.gradient(y, xc).numpy()

    v0 = tf.Variable(0.0)
    v1 = tf.Variable(10.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v1)
        y0 = tf.math.sin(v0)
        y1 = tf.nn.softplus(v1)
        ys = y0 + y1
        ys = tf.reduce_sum(ys)
    grad = tape.gradient(ys, {"v0": v0, "v1": v1})
    out["unwatched_v0_is_none"] = grad["v0"] is None
    out["watched_v1_grad"] = grad["v1"].numpy()

    # Intermediate results and persistent tapes.
    xp = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xp)
        y = xp * xp
        z = y * y
    out["dz_dx"] = tape.gradient(z, xp).numpy()
    out["dz_dy"] = tape.gradient(z, y).numpy()
    out["dy_dx_persistent"] = tape.gradient(y, xp).numpy()
    del tape

    xv = tf.constant([1.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xv)
        y = xv * xv
        z = y * y
    out["vector_dz_dx"] = tape.gradient(z, xv).numpy()
    del tape

    # A second gradient call on a non-persistent tape is an error.
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    try:
        tape.gradient(y, x)
        out["second_gradient_error"] = "none"
    except Exception as e:  # noqa: BLE001
        out["second_gradient_error"] = type(e).__name__

    # Non-scalar targets: the gradient of the sum.
    xs = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y0 = xs**2
        y1 = 1 / xs
    out["list_target_grad"] = tape.gradient([y0, y1], xs).numpy()
    out["dict_target_grad"] = tape.gradient({"y0": y0, "y1": y1}, xs).numpy()
    del tape
    with tf.GradientTape() as tape:
        y = xs * [3.0, 4.0]
    out["vector_target_grad"] = tape.gradient(y, xs).numpy()

    xl = tf.linspace(-10.0, 10.0, 200 + 1)
    with tf.GradientTape() as tape:
        tape.watch(xl)
        y = tf.nn.sigmoid(xl)
    out["sigmoid_grad"] = tape.gradient(y, xl).numpy()
    out["linspace_dtype"] = str(xl.dtype.name)

    # Python control flow picks the path recorded.
    xf = tf.constant(1.0)
    va = tf.Variable(2.0)
    vb = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xf)
        if xf > 0.0:
            result = va
        else:
            result = vb**2
    dva, dvb = tape.gradient(result, [va, vb])
    out["control_flow_dva"] = dva.numpy()
    out["control_flow_dvb_is_none"] = dvb is None
    out["control_flow_dx_is_none"] = tape.gradient(result, xf) is None
    del tape

    # Ways to get a None gradient.
    xn = tf.Variable(2.0)
    yn = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        z = yn * yn
    out["unconnected_is_none"] = tape.gradient(z, xn) is None

    xr = tf.Variable(2.0)
    for epoch in range(2):
        with tf.GradientTape() as tape:
            y = xr + 1
        out[f"replaced_variable_epoch{epoch}_is_none"] = tape.gradient(y, xr) is None
        xr = xr + 1

    xm = tf.Variable([[1.0, 2.0], [3.0, 4.0]], dtype=tf.float32)
    with tf.GradientTape() as tape:
        x2m = xm**2
        ym = np.mean(x2m, axis=0)
        ym = tf.reduce_mean(ym, axis=0)
    out["numpy_detour_is_none"] = tape.gradient(ym, xm) is None

    xi = tf.constant(10)
    with tf.GradientTape() as g:
        g.watch(xi)
        yi = xi * xi
    out["integer_grad_is_none"] = g.gradient(yi, xi) is None

    s0 = tf.Variable(3.0)
    s1 = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        s1.assign_add(s0)
        y = s1**2
    out["stateful_is_none"] = tape.gradient(y, s0) is None

    xz = tf.Variable([2.0, 2.0])
    yz = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        z = yz**2
    zeros = tape.gradient(z, xz, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    out["unconnected_zero"] = zeros.numpy()

    # stop_recording and stop_gradient.
    xa = tf.Variable(2.0)
    ya = tf.Variable(3.0)
    with tf.GradientTape() as t:
        x_sq = xa * xa
        with t.stop_recording():
            y_sq = ya * ya
        z = x_sq + y_sq
    grad = t.gradient(z, {"x": xa, "y": ya})
    out["stop_recording_dx"] = grad["x"].numpy()
    out["stop_recording_dy_is_none"] = grad["y"] is None

    with tf.GradientTape() as t:
        y_sq = ya * ya
        z = xa * xa + tf.stop_gradient(y_sq)
    grad = t.gradient(z, {"x": xa, "y": ya})
    out["stop_gradient_dy_is_none"] = grad["y"] is None

    # tape.reset discards what was recorded so far.
    with tf.GradientTape() as t:
        y_sq = ya * ya
        t.reset()
        z = xa * xa + y_sq
    grad = t.gradient(z, {"x": xa, "y": ya})
    out["reset_dx"] = grad["x"].numpy()
    out["reset_dy_is_none"] = grad["y"] is None
    return out
