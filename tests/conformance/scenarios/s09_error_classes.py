"""Which exception class TensorFlow raises for common mistakes, eagerly and in tf.function."""

import numpy as np

DESCRIPTION = (
    "TF guide 'Introduction to Tensors' and API docs for tf.errors: shape mismatches, bad "
    "reshapes, out-of-range gathers and slices, rank mismatches -> exception class names"
)


XFAIL_FIGURES = {
    "invalid_argument_is_value_error": (
        "jtape's InvalidArgumentError also derives from ValueError (docs/errors.md) so `except "
        "ValueError` code written for jtape keeps working; TF's does not"
    ),
}


def run(tf):
    out = {}

    def error_of(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            return e
        return None

    a23 = tf.ones([2, 3])
    cases = {
        "matmul_shape": lambda: tf.matmul(a23, a23),
        "matmul_rank": lambda: tf.matmul(tf.ones([3]), a23),
        "reshape_size": lambda: tf.reshape(tf.range(6), [4, 2]),
        "reshape_two_unknown": lambda: tf.reshape(tf.range(6), [-1, -1]),
        "gather_out_of_range": lambda: tf.gather(tf.constant([1.0, 2.0, 3.0]), [5]),
        "gather_negative": lambda: tf.gather(tf.constant([1.0, 2.0, 3.0]), [-1]),
        "concat_rank": lambda: tf.concat([a23, tf.ones([3])], axis=0),
        "concat_dims": lambda: tf.concat([a23, tf.ones([2, 2])], axis=0),
        "add_broadcast": lambda: tf.add(a23, tf.ones([3, 2])),
        "index_out_of_range": lambda: a23[5],
        "index_too_many": lambda: a23[0, 0, 0],
        "ragged_constant": lambda: tf.constant([[1, 2], [3]]),
        "constant_bad_shape": lambda: tf.constant([1, 2, 3], shape=[2, 2]),
        "variable_assign_shape": lambda: tf.Variable([1.0, 2.0, 3.0]).assign(tf.zeros(4)),
        "variable_assign_dtype": lambda: tf.Variable([1.0, 2.0]).assign(tf.constant([1, 2])),
        "reduce_axis_out_of_range": lambda: tf.reduce_sum(a23, axis=2),
        "transpose_perm": lambda: tf.transpose(a23, perm=[0, 2]),
        "one_hot_float_indices": lambda: tf.one_hot(tf.constant([0.0, 1.0]), 3),
        "stack_shapes": lambda: tf.stack([tf.ones([2]), tf.ones([3])]),
        "split_uneven": lambda: tf.split(tf.range(5), 2),
        "squeeze_non_one": lambda: tf.squeeze(a23, axis=0),
        "expand_dims_axis": lambda: tf.expand_dims(a23, axis=4),
        "sparse_ce_label_range": lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.constant([3]), logits=tf.ones([1, 3])
        ),
        "numpy_of_unknown_name": lambda: tf.constant(1.0).no_such_attribute,
    }
    for name, fn in cases.items():
        e = error_of(fn)
        out[f"error_{name}"] = "none" if e is None else type(e).__name__

    e = error_of(cases["matmul_shape"])
    out["invalid_argument_is_op_error"] = isinstance(e, tf.errors.OpError)
    out["invalid_argument_is_value_error"] = isinstance(e, ValueError)
    out["caught_as_invalid_argument"] = isinstance(e, tf.errors.InvalidArgumentError)

    # The same mistakes inside tf.function fail while tracing, from static shapes.
    @tf.function
    def bad_matmul(x):
        return tf.matmul(x, x)

    @tf.function
    def bad_reshape(x):
        return tf.reshape(x, [4, 2])

    @tf.function
    def bad_concat(x):
        return tf.concat([x, tf.ones([3])], axis=0)

    @tf.function
    def bad_add(x):
        return x + tf.ones([3, 2])

    for name, fn in (
        ("matmul", bad_matmul),
        ("reshape", bad_reshape),
        ("concat", bad_concat),
        ("add", bad_add),
    ):
        e = error_of(lambda fn=fn: fn(tf.ones([2, 3])))
        out[f"function_error_{name}"] = "none" if e is None else type(e).__name__

    # Errors do not leave a half-updated variable behind.
    v = tf.Variable(np.arange(3.0, dtype=np.float32))
    error_of(lambda: v.assign(tf.zeros(4)))
    out["variable_after_failed_assign"] = v.numpy()
    out["errors_module_classes"] = ",".join(
        cls.__name__
        for cls in (
            tf.errors.InvalidArgumentError,
            tf.errors.NotFoundError,
            tf.errors.OutOfRangeError,
            tf.errors.ResourceExhaustedError,
        )
    )
    return out
