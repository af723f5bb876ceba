"""Which dtype TensorFlow picks: constants, variables, casts, mixed arithmetic, gradients."""

import numpy as np

DESCRIPTION = (
    "TF guides 'Introduction to Tensors' and 'Introduction to Variables' (dtypes sections): "
    "dtype inference from Python/numpy values, tf.cast, Python scalars in ops, float64 grads"
)


def run(tf):
    out = {}

    def dtype_or_error(fn):
        try:
            return str(fn().dtype.name)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__

    constants = {
        "py_float": lambda: tf.constant(1.5),
        "py_int": lambda: tf.constant(3),
        "py_bool": lambda: tf.constant(True),
        "py_big_int": lambda: tf.constant(2**40),
        "py_list_mixed": lambda: tf.constant([1, 2.5]),
        "np_float64": lambda: tf.constant(np.float64(1.5)),
        "np_float32": lambda: tf.constant(np.float32(1.5)),
        "np_int64": lambda: tf.constant(np.int64(3)),
        "np_float_array": lambda: tf.constant(np.array([1.0, 2.0])),
        "np_int_array": lambda: tf.constant(np.array([1, 2])),
        "np_float16_array": lambda: tf.constant(np.zeros(2, np.float16)),
        "explicit_float64": lambda: tf.constant([1, 2], dtype=tf.float64),
        "explicit_int_from_float": lambda: tf.constant(1.5, dtype=tf.int32),
        "convert_np_float64": lambda: tf.convert_to_tensor(np.ones(2)),
        "convert_with_dtype": lambda: tf.convert_to_tensor(np.ones(2), dtype=tf.float32),
        "variable_np_zeros": lambda: tf.Variable(np.zeros(3)),
        "variable_py_float": lambda: tf.Variable(0.0),
        "variable_py_int": lambda: tf.Variable(1),
        "variable_np_float32": lambda: tf.Variable(np.zeros(3, np.float32)),
        "zeros": lambda: tf.zeros(3),
        "ones_like_int": lambda: tf.ones_like(tf.constant([1, 2])),
        "range_int": lambda: tf.range(5),
        "range_float": lambda: tf.range(5.0),
        "linspace": lambda: tf.linspace(0.0, 1.0, 5),
        "argmax": lambda: tf.argmax(tf.constant([1.0, 3.0, 2.0])),
        "shape": lambda: tf.shape(tf.zeros([2, 3])),
        "size": lambda: tf.size(tf.zeros([2, 3])),
        "reduce_sum_int": lambda: tf.reduce_sum(tf.constant([1, 2])),
        "reduce_mean_int": lambda: tf.reduce_mean(tf.constant([1, 2])),
        "truediv_int": lambda: tf.constant(7) / 2,
        "truediv_int_tensors": lambda: tf.constant([7, 8]) / tf.constant([2, 3]),
        "floordiv_int": lambda: tf.constant(7) // 2,
        "float64_times_py_int": lambda: tf.constant(1.0, tf.float64) * 2,
        "float64_plus_py_float": lambda: tf.constant(1.0, tf.float64) + 0.5,
        "float32_plus_np_float64": lambda: tf.constant([1.0]) + np.float64(0.5),
        "float32_plus_np_array64": lambda: tf.constant([1.0]) + np.array([0.5]),
        "int_times_py_float": lambda: tf.constant([1, 2]) * 2.5,
        "int_plus_float_tensor": lambda: tf.constant(1) + tf.constant(1.5),
        "float32_plus_float64_tensor": lambda: tf.constant(1.0) + tf.constant(1.0, tf.float64),
        "int_pow_py_int": lambda: tf.constant(3) ** 2,
        "sqrt_int": lambda: tf.sqrt(tf.constant(4)),
        "matmul_int": lambda: tf.matmul(tf.constant([[1, 2]]), tf.constant([[3], [4]])),
        "cast_bool": lambda: tf.cast(tf.constant([0.0, 2.0]), tf.bool),
        "comparison": lambda: tf.constant([1.0]) > 0.5,
        "sigmoid_float64": lambda: tf.sigmoid(tf.constant([0.5], tf.float64)),
        "softmax_float64": lambda: tf.nn.softmax(tf.constant([[0.5, 1.0]], tf.float64)),
    }
    for name, fn in constants.items():
        out[f"dtype_{name}"] = dtype_or_error(fn)

    # Values, not only dtypes.
    out["value_truediv_int"] = (tf.constant(7) / 2).numpy()
    out["value_floordiv_neg"] = (tf.constant([-7, 7]) // 2).numpy()
    out["value_mod_neg"] = (tf.constant([-7, 7]) % 3).numpy()
    out["value_reduce_mean_int"] = tf.reduce_mean(tf.constant([1, 2])).numpy()
    out["value_cast_trunc"] = tf.cast(tf.constant([-1.7, -0.5, 0.5, 1.7]), tf.int32).numpy()
    out["value_cast_bool"] = tf.cast(tf.constant([0.0, 2.0, -1.0]), tf.bool).numpy()
    wide = tf.constant([0.1, 1000.3], tf.float64)
    out["value_cast_round_f16"] = tf.cast(wide, tf.float16).numpy()
    tiny = tf.constant(1e-12, tf.float64)
    out["value_float64_precision"] = (tf.constant(1.0, tf.float64) + tiny).numpy()
    out["value_big_int"] = tf.constant(2**40).numpy()
    out["value_int64_array_sum"] = tf.reduce_sum(tf.constant(np.array([2**33, 1]))).numpy()

    # float64 end to end: variables, gradients, an update.
    x = tf.Variable(np.array([1.0, 2.0, 3.0]))
    w = tf.Variable(np.array([[0.5], [-0.25], [0.125]]))
    with tf.GradientTape() as tape:
        y = tf.matmul(tf.reshape(x, [1, 3]), w)
        loss = tf.reduce_sum(tf.exp(y) + x**2 / 3.0)
    gx, gw = tape.gradient(loss, [x, w])
    out["f64_loss"] = loss.numpy()
    out["f64_loss_dtype"] = str(loss.dtype.name)
    out["f64_grad_x"] = gx.numpy()
    out["f64_grad_w"] = gw.numpy()
    w.assign_sub(0.1 * gw)
    out["f64_w_after"] = w.numpy()
    out["f64_w_dtype"] = str(w.dtype.name)

    # A float64 tf.function gets a float64 program.
    @tf.function
    def poly(t):
        return 3.0 * t**3 - t

    r = poly(tf.constant(np.array([0.1, 0.2])))
    out["f64_function_dtype"] = str(r.dtype.name)
    out["f64_function_value"] = r.numpy()

    # Casting variables explicitly.
    v32 = tf.Variable([1.25, 2.5])
    out["cast_variable_to_f64"] = tf.cast(v32, tf.float64).numpy()
    out["cast_to_int64_dtype"] = str(tf.cast(v32, tf.int64).dtype.name)
    out["dtype_is_floating"] = np.array(
        [d.is_floating for d in (tf.float16, tf.float32, tf.float64, tf.int32, tf.bool)]
    )
    out["dtype_as_numpy"] = ",".join(
        np.dtype(d.as_numpy_dtype).name for d in (tf.float32, tf.float64, tf.int64)
    )
    return out
