"""float64 end to end: variables, tape gradients, a float64 Keras layer, an SGD step."""

import numpy as np

DESCRIPTION = (
    "Follows the TensorFlow 'Introduction to gradients and automatic differentiation' and "
    "'Introduction to Variables' guides (tensorflow.org/guide/autodiff, guide/variable) in "
    "double precision, plus a Keras Dense layer built with dtype='float64' and an SGD step."
)

TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}
TOLERANCES = {
    # Keras losses compute in float32 (the loss's own dtype) even for float64 inputs
    "sgd_loss": {"rtol": 1e-6, "atol": 1e-7},
    "sgd_kernel": {"rtol": 1e-6, "atol": 1e-7},
    "f32_loss": {"rtol": 1e-6, "atol": 1e-6},
}


def run(tf) -> dict:
    keras = tf.keras
    rng = np.random.RandomState(26)
    out = {}

    w = tf.Variable(rng.randn(3, 2), name="w")  # numpy float64 -> float64 variable
    b = tf.Variable(tf.zeros(2, dtype=tf.float64), name="b")
    x = tf.constant(rng.randn(4, 3))
    out["w_dtype"] = str(w.dtype.name)
    out["b_dtype"] = str(b.dtype.name)
    out["x_dtype"] = str(x.dtype.name)
    out["py_float_constant_dtype"] = str(tf.constant(1.5).dtype.name)
    out["explicit_f64_constant_dtype"] = str(tf.constant(1.5, dtype=tf.float64).dtype.name)
    out["np_scalar_constant_dtype"] = str(tf.constant(np.float64(1.5)).dtype.name)

    with tf.GradientTape(persistent=True) as tape:
        y = tf.nn.sigmoid(x @ w + b)
        loss = tf.reduce_mean(y**2) + 1e-10 * tf.reduce_sum(w)
    dw, db = tape.gradient(loss, [w, b])
    dx = tape.gradient(loss, x)  # constants are not watched
    del tape
    out["y_dtype"] = str(y.dtype.name)
    out["loss"] = float(loss)
    out["loss_dtype"] = str(loss.dtype.name)
    out["dw"] = dw.numpy()
    out["dw_dtype"] = str(dw.dtype.name)
    out["db"] = db.numpy()
    out["dx_is_none"] = dx is None

    with tf.GradientTape() as tape:
        tape.watch(x)
        z = tf.reduce_sum(tf.exp(x) * tf.math.log(1.0 + x**2))
    dzdx = tape.gradient(z, x)
    out["dzdx"] = dzdx.numpy()
    out["dzdx_dtype"] = str(dzdx.dtype.name)

    # high precision survives: 1 + 1e-12 is not 1 in float64
    tiny = tf.constant(1.0, dtype=tf.float64) + tf.constant(1e-12, dtype=tf.float64)
    out["tiny_minus_one"] = float(tiny - 1.0)

    # cast round-trips
    out["cast_to_f32_dtype"] = str(tf.cast(w, tf.float32).dtype.name)
    out["reduce_sum_dtype"] = str(tf.reduce_sum(w).dtype.name)
    out["matmul_dtype"] = str(tf.matmul(x, w).dtype.name)

    # a Keras layer in float64
    layer = keras.layers.Dense(2, activation="tanh", dtype="float64")
    inputs = rng.randn(5, 3)
    h = layer(inputs)
    layer.set_weights([rng.randn(3, 2), rng.randn(2)])
    h = layer(inputs)
    out["layer_kernel_dtype"] = tf.as_dtype(layer.kernel.dtype).name
    out["layer_output_dtype"] = str(h.dtype.name)
    out["layer_output"] = h.numpy()
    out["layer_f32_input_output_dtype"] = str(layer(inputs.astype(np.float32)).dtype.name)
    targets = rng.randn(5, 2)
    mse = keras.losses.MeanSquaredError()
    opt = keras.optimizers.SGD(learning_rate=0.1)
    losses = []
    for _ in range(3):
        with tf.GradientTape() as tape:
            pred = layer(inputs)
            step_loss = mse(targets, pred)
        grads = tape.gradient(step_loss, layer.trainable_variables)
        opt.apply_gradients(zip(grads, layer.trainable_variables))
        losses.append(float(step_loss))
    out["sgd_loss"] = np.array(losses, dtype=np.float64)
    out["sgd_loss_dtype"] = str(step_loss.dtype.name)
    out["sgd_grad_dtype"] = str(grads[0].dtype.name)
    out["sgd_kernel"] = layer.kernel.numpy()
    out["sgd_kernel_dtype"] = tf.as_dtype(layer.kernel.dtype).name

    # a plain float32 step next to it, for contrast
    v32 = tf.Variable(np.float32(2.0))
    with tf.GradientTape() as tape:
        l32 = v32 * v32
    out["f32_loss"] = float(l32)
    out["f32_grad_dtype"] = str(tape.gradient(l32, v32).dtype.name)
    return out
