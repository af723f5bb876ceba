"""tf.function tracing: input signatures, Python side effects, AutoGraph control flow."""

import numpy as np

DESCRIPTION = (
    "TF guide 'Better performance with tf.function': tracing counts per input signature, "
    "Python scalars vs tensors, input_signature, variables, AutoGraph if/while/for"
)

XFAIL_FIGURES = {
    "side_effect_count": (
        "a function that reads a Variable created outside it is traced a second time once jtape "
        "learns the variable (docs/function.md), so a Python side effect runs twice; TF traces "
        "once"
    ),
    "signature_traces": "XLA programs have static shapes: jax.jit compiles once per input "
    "shape, so an input_signature with a None dimension still traces per length",
}


def run(tf):
    out = {}
    traces = []

    @tf.function
    def double(a):
        traces.append("double")
        return a + a

    r_int = double(tf.constant(1))
    r_float = double(tf.constant(1.1))
    double(tf.constant(2.5))  # same signature: no new trace
    r_vec = double(tf.constant([1.0, 2.0]))
    double(tf.constant([5.0, 6.0]))
    out["double_int"] = r_int.numpy()
    out["double_float"] = r_float.numpy()
    out["double_vec"] = r_vec.numpy()
    out["double_traces"] = len(traces)

    py_traces = []

    @tf.function
    def add_python(a, n):
        py_traces.append(n)
        return a * n

    a = tf.constant(3.0)
    results = [add_python(a, 1), add_python(a, 2), add_python(a, 1), add_python(a, 3)]
    out["python_scalar_results"] = np.array([r.numpy() for r in results])
    out["python_scalar_traces"] = len(py_traces)
    tensor_traces_before = len(py_traces)
    for n in (1.0, 2.0, 3.0):
        add_python(a, tf.constant(n))
    out["tensor_arg_traces"] = len(py_traces) - tensor_traces_before

    sig_traces = []

    @tf.function(input_signature=(tf.TensorSpec(shape=[None], dtype=tf.int32),))
    def next_collatz(x):
        sig_traces.append(1)
        return tf.where(x % 2 == 0, x // 2, 3 * x + 1)

    out["collatz_a"] = next_collatz(tf.constant([1, 2])).numpy()
    out["collatz_b"] = next_collatz(tf.constant([1, 2, 3, 4, 5])).numpy()
    out["signature_traces"] = len(sig_traces)
    try:
        next_collatz(tf.constant([[1, 2], [3, 4]]))
        out["signature_mismatch_error"] = "none"
    except Exception as e:  # noqa: BLE001
        out["signature_mismatch_error"] = type(e).__name__

    # A variable created outside, mutated inside.
    v = tf.Variable(1.0)
    side_effects = []

    @tf.function
    def accumulate(x):
        side_effects.append("traced")
        v.assign_add(x)
        return v.read_value()

    for step in range(3):
        accumulate(tf.constant(float(step + 1)))
    out["variable_after_calls"] = v.numpy()
    out["side_effect_count"] = len(side_effects)

    # AutoGraph: data-dependent while + if.
    @tf.function
    def collatz_steps(n):
        count = tf.constant(0)
        while n != 1:
            if n % 2 == 0:
                n = n // 2
            else:
                n = 3 * n + 1
            count += 1
        return count

    out["collatz_steps"] = np.array([collatz_steps(tf.constant(k)).numpy() for k in (6, 7, 27)])

    # Explicit tf.cond / tf.while_loop.
    @tf.function
    def explicit(x):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)
        i0 = tf.constant(0)
        i, total = tf.while_loop(
            lambda i, t: i < 4, lambda i, t: (i + 1, t + tf.cast(i, tf.float32) * y), (i0, y)
        )
        return i, total

    i_out, total = explicit(tf.constant([1.0, -0.5]))
    out["while_i"] = i_out.numpy()
    out["while_total"] = total.numpy()
    _, total_neg = explicit(tf.constant([-1.0, -0.5]))
    out["while_total_neg"] = total_neg.numpy()

    # Accumulating over the leading axis with tf.scan.
    @tf.function
    def running_sums(x):
        return tf.scan(lambda total, row: total + row, x)

    rows = tf.constant(np.arange(12.0).reshape(4, 3), tf.float32)
    out["running_sums"] = running_sums(rows).numpy()
    out["running_sums_cumsum"] = tf.math.cumsum(rows, axis=0).numpy()

    # A for loop over tf.range with a break on a tensor condition.
    @tf.function
    def first_above(x, threshold):
        result = tf.constant(-1)
        for i in tf.range(tf.size(x)):
            if x[i] > threshold:
                result = i
                break
        return result

    data = tf.constant([0.1, 0.4, 0.9, 0.3, 1.2])
    out["first_above"] = np.array(
        [first_above(data, tf.constant(t)).numpy() for t in (0.2, 0.5, 1.0, 5.0)]
    )

    # Gradients through a compiled function with a loop.
    w = tf.Variable(0.5)

    @tf.function
    def power_loop(x):
        y = x
        for _ in tf.range(3):
            y = y * w
        return y

    with tf.GradientTape() as tape:
        y = power_loop(tf.constant(2.0))
    out["grad_through_loop"] = tape.gradient(y, w).numpy()
    out["power_loop_value"] = y.numpy()

    return out
