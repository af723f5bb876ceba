"""Out-of-range indices: TF's error eagerly, never a wrapped or clamped read in compiled code.

Eagerly, ``gather_nd``, ``tensor_scatter_nd_*`` and ``scatter_nd`` raise TF's
``InvalidArgumentError`` (texts printed by TF 2.21 with
``tests/fixtures/record_index_errors.py``). Inside a compiled function an index cannot
be checked: a gather reads NaN and a scatter drops the update, for negative indices too
(JAX would count them from the end, as Python does).
"""

from __future__ import annotations

import numpy as np
import pytest

import jtape.compat as tf

X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float32)
CUBE = np.arange(12.0, dtype=np.float32).reshape(2, 3, 2)

TF_ERRORS = {  # TF 2.21's messages
    "gather_nd": (
        lambda: tf.gather_nd(X, [[0, 3]]),
        "indices[0] = [0, 3] does not index into param shape [2,3], node name: GatherNd "
        "[Op:GatherNd]",
    ),
    "gather_nd_negative": (
        lambda: tf.gather_nd(X, [[-1, 0]]),
        "indices[0] = [-1, 0] does not index into param shape [2,3], node name: GatherNd "
        "[Op:GatherNd]",
    ),
    "gather_nd_batch": (
        lambda: tf.gather_nd(CUBE, [[0], [4]], batch_dims=1),
        "indices[1] = [1, 4] does not index into param shape [2,3,2], node name: GatherNd "
        "[Op:GatherNd]",
    ),
    "tensor_scatter_nd_update": (
        lambda: tf.tensor_scatter_nd_update(X, [[0, 3]], [9.0]),
        "indices[0] = [0, 3] does not index into shape [2,3] [Op:TensorScatterUpdate]",
    ),
    "tensor_scatter_nd_add_negative": (
        lambda: tf.tensor_scatter_nd_add(X, [[-1]], [[9.0] * 3]),
        "indices[0] = [-1] does not index into shape [2,3] [Op:TensorScatterAdd]",
    ),
    "scatter_nd": (
        lambda: tf.scatter_nd([[5]], [1.0], [3]),
        "indices[0] = [5] does not index into shape [3] [Op:ScatterNd]",
    ),
}


@pytest.mark.parametrize("name", list(TF_ERRORS))
def test_eager_out_of_range_raises_tf_error(name):
    run, message = TF_ERRORS[name]
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        run()
    assert str(info.value) == message


def test_eager_in_range_values():
    np.testing.assert_array_equal(tf.gather_nd(X, [[1, 2], [0, 0]]).numpy(), [6.0, 1.0])
    got = tf.tensor_scatter_nd_update(X, [[1, 2]], [9.0]).numpy()
    want = X.copy()
    want[1, 2] = 9.0
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(tf.scatter_nd([[2], [0]], [1.0, 2.0], [3]).numpy(), [2, 0, 1])


V = np.array([1.0, 2.0, 3.0], np.float32)


@pytest.mark.parametrize(
    "read",
    [
        lambda i: tf.gather(V, i),
        lambda i: tf.gather_nd(V, i[:, None]),
        lambda i: tf.nn.embedding_lookup(V[:, None], i)[:, 0],
    ],
    ids=["gather", "gather_nd", "embedding_lookup"],
)
def test_compiled_gather_reads_nan_out_of_range(read):
    got = tf.function(read)(tf.constant([-1, 3, 1, 0])).numpy()
    np.testing.assert_array_equal(got, [np.nan, np.nan, 2.0, 1.0])


@pytest.mark.parametrize("index", [-1, 3, -4])
def test_compiled_scatter_drops_out_of_range(index):
    run = tf.function(lambda i: tf.tensor_scatter_nd_update(V, i, tf.constant([9.0, 8.0])))
    got = run(tf.constant([[index], [1]])).numpy()
    np.testing.assert_array_equal(got, [1.0, 8.0, 3.0])
    add = tf.function(lambda i: tf.scatter_nd(i, tf.constant([5.0, 7.0]), [3]))
    np.testing.assert_array_equal(add(tf.constant([[index], [2]])).numpy(), [0.0, 0.0, 7.0])


def test_gather_error_names_a_multi_dimensional_index_as_tf():
    # TF 2.21: "indices[0,1] = 5 is not in [0, 2) [Op:GatherV2]"
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.gather([1.0, 2.0], [[0, 5]])
    assert str(info.value) == "indices[0,1] = 5 is not in [0, 2) [Op:GatherV2]"
