"""tf.Variable state: assign family, sliced assignment, scatter updates, aliasing, copies."""

import numpy as np

DESCRIPTION = (
    "TF guide 'Introduction to Variables' and tf.Variable API docs: assign/assign_add/"
    "assign_sub, sliced assign, scatter_nd_update/add, read_value, aliasing vs copies"
)


def run(tf):
    out = {}
    my_tensor = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    my_variable = tf.Variable(my_tensor)
    bool_variable = tf.Variable([False, False, False, True])
    complex_like = tf.Variable([5, 6], dtype=tf.int64)
    out["shape"] = str(my_variable.shape.as_list())
    out["dtype"] = str(my_variable.dtype.name)
    out["bool_dtype"] = str(bool_variable.dtype.name)
    out["int64_dtype"] = str(complex_like.dtype.name)
    out["as_numpy"] = my_variable.numpy()
    out["convert_to_tensor"] = tf.convert_to_tensor(my_variable).numpy()
    out["argmax"] = tf.math.argmax(my_variable).numpy()
    out["reshape_is_tensor_values"] = tf.reshape(my_variable, [1, 4]).numpy()

    a = tf.Variable([2.0, 3.0])
    a.assign([1, 2])
    out["assign_int_list"] = a.numpy()
    try:
        a.assign([1.0, 2.0, 3.0])
        out["assign_wrong_shape"] = "none"
    except Exception as e:  # noqa: BLE001
        out["assign_wrong_shape"] = type(e).__name__

    a = tf.Variable([2.0, 3.0])
    b = tf.Variable(a)  # a new variable with a copy of the value
    a.assign([5, 6])
    out["copy_a"] = a.numpy()
    out["copy_b"] = b.numpy()
    alias = a
    alias.assign_add([1.0, 1.0])
    out["alias_a"] = a.numpy()
    out["a_assign_add"] = a.assign_add([2, 3]).numpy()
    out["a_assign_sub"] = a.assign_sub([7, 9]).numpy()
    out["returned_is_variable"] = isinstance(a.assign([0.5, 0.25]), tf.Variable)

    read = a.read_value()
    a.assign([9.0, 9.0])
    out["read_value_snapshot"] = read.numpy()
    out["value_now"] = a.value().numpy()

    # Names and trainability.
    named = tf.Variable(my_tensor, name="Mark")
    frozen = tf.Variable(1.0, trainable=False)
    out["name"] = named.name
    out["trainable"] = np.array([named.trainable, frozen.trainable])

    # Sliced assignment.
    m = tf.Variable(np.arange(12, dtype=np.float32).reshape(3, 4))
    m[0, 1].assign(-1.0)
    m[1].assign([10.0, 11.0, 12.0, 13.0])
    m[:, 3].assign([100.0, 200.0, 300.0])
    m[2, 0:2].assign(tf.constant([7.5, 8.5]))
    m[::2, 2].assign([-5.0, -6.0])
    out["sliced_assign"] = m.numpy()
    m[1:, 1:3].assign(tf.zeros([2, 2]))
    out["sliced_assign_block"] = m.numpy()

    # Scatter updates on variables and tensors.
    v = tf.Variable(np.arange(8, dtype=np.float32))
    v.scatter_nd_update(indices=[[4], [3], [1], [7]], updates=[9.0, 10.0, 11.0, 12.0])
    out["scatter_nd_update_1d"] = v.numpy()
    v.scatter_nd_add(indices=[[0], [7]], updates=[1.0, -2.0])
    out["scatter_nd_add_1d"] = v.numpy()
    v.scatter_nd_sub(indices=[[2]], updates=[0.5])
    out["scatter_nd_sub_1d"] = v.numpy()
    g = tf.Variable(np.zeros((3, 3), np.int32))
    g.scatter_nd_update(indices=[[0, 0], [2, 1]], updates=[5, 6])
    out["scatter_nd_update_2d"] = g.numpy()
    g.scatter_nd_update(indices=[[1]], updates=[[7, 8, 9]])
    out["scatter_nd_update_rows"] = g.numpy()
    t = tf.tensor_scatter_nd_update(
        tf.zeros([4, 2]), indices=[[1], [3]], updates=[[1.0, 2.0], [3.0, 4.0]]
    )
    out["tensor_scatter_nd_update"] = t.numpy()
    t2 = tf.tensor_scatter_nd_add(tf.ones([4]), indices=[[0], [0], [2]], updates=[1.0, 2.0, 3.0])
    out["tensor_scatter_nd_add_dup"] = t2.numpy()
    s = tf.Variable([1.0, 2.0, 3.0, 4.0])
    s.scatter_update(tf.IndexedSlices(values=tf.constant([-1.0, -3.0]), indices=[0, 2]))
    out["scatter_update_indexed_slices"] = s.numpy()

    # The same operations inside a tf.function.
    w = tf.Variable(np.zeros((2, 3), np.float32))

    @tf.function
    def update(row, values):
        w[row].assign(values)
        w.scatter_nd_add(indices=[[0, 0]], updates=[1.0])
        w.assign_add(tf.ones_like(w) * 0.5)
        return w.read_value()

    first = update(tf.constant(1), tf.constant([1.0, 2.0, 3.0]))
    second = update(tf.constant(0), tf.constant([4.0, 5.0, 6.0]))
    out["function_first"] = first.numpy()
    out["function_second"] = second.numpy()

    # Gradients after sliced assignment read the new value.
    p = tf.Variable([1.0, 2.0, 3.0])
    p[1].assign(5.0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(p**2)
    out["grad_after_sliced_assign"] = tape.gradient(loss, p).numpy()

    # Integer variables and count-style updates.
    counter = tf.Variable(0, dtype=tf.int64)
    for _ in range(5):
        counter.assign_add(2)
    out["counter"] = counter.numpy()
    out["counter_dtype"] = str(counter.dtype.name)
    try:
        tf.Variable(1).assign(1.5)
        out["int_assign_float"] = "none"
    except Exception as e:  # noqa: BLE001
        out["int_assign_float"] = type(e).__name__
    return out
