"""SparseTensor as a value: gradients of tf.sparse ops against jax.vjp of the same dense
computation and finite differences (tests/gradcheck.py), the pytree registration
(jt.function arguments/results, jax.jit), bad input, and TFRecord -> VarLenFeature ->
tf.data pipelines. Values TF itself produced are in test_sparse_recorded.py.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
import jtape.compat as tf

IDX = np.array([[0, 1], [1, 0], [2, 2], [2, 3]], np.int64)
SHAPE = (3, 4)


def _dense_of(values, idx=IDX, shape=SHAPE, default=0.0):
    """The pure-JAX dense tensor of a SparseTensor (the gradient reference)."""
    out = jnp.full(shape, default, values.dtype)
    return out.at[tuple(idx.T)].set(values)


def test_to_dense_gradient_matches_dense_function():
    w = np.arange(12.0, dtype=np.float32).reshape(SHAPE)
    check_grads(
        lambda v: jt.sparse.to_dense(jt.SparseTensor(IDX, v, SHAPE)) * w,
        lambda v: _dense_of(v) * w,
        [[1.0, -2.0, 3.0, 0.5]],
        order=2,
    )


def test_to_dense_default_value_gradient():
    # d/d default = the sum of the gradient where no value is stored (TF's rule).
    check_grads(
        lambda v, d: jt.sparse.to_dense(jt.SparseTensor(IDX, v, SHAPE), default_value=d) ** 2,
        lambda v, d: _dense_of(v, default=d) ** 2,
        [[1.0, -2.0, 3.0, 0.5], 0.25],
    )


@pytest.mark.parametrize("adjoint_a", [False, True])
@pytest.mark.parametrize("adjoint_b", [False, True])
def test_sparse_dense_matmul_gradients(adjoint_a, adjoint_b):
    shape = (4, 3) if adjoint_a else SHAPE
    idx = IDX[:, ::-1] if adjoint_a else IDX
    b = np.linspace(-1, 1, 4 * 2, dtype=np.float32).reshape(4, 2)
    b = b.T.copy() if adjoint_b else b

    def f_jt(v, dense):
        sp = jt.SparseTensor(idx, v, shape)
        return jt.sparse.sparse_dense_matmul(sp, dense, adjoint_a=adjoint_a, adjoint_b=adjoint_b)

    def f_pure(v, dense):
        a = _dense_of(v, idx, shape)
        a = a.T if adjoint_a else a
        return a @ (dense.T if adjoint_b else dense)

    check_grads(f_jt, f_pure, [[1.0, -2.0, 3.0, 0.5], b])


def test_dense_times_sparse_matmul_gradients():
    a = np.linspace(-1, 1, 2 * 3, dtype=np.float32).reshape(2, 3)
    check_grads(
        lambda d, v: jt.sparse.sparse_dense_matmul(d, jt.SparseTensor(IDX, v, SHAPE)),
        lambda d, v: d @ _dense_of(v),
        [a, [1.0, -2.0, 3.0, 0.5]],
    )


def test_reduce_sum_and_sparse_times_dense_gradients():
    w = np.arange(1.0, 13.0, dtype=np.float32).reshape(SHAPE)
    check_grads(
        lambda v, d: jt.sparse.reduce_sum(jt.SparseTensor(IDX, v, SHAPE) * d, axis=1) ** 2,
        lambda v, d: jnp.sum(_dense_of(v) * d, axis=1) ** 2,
        [[1.0, -2.0, 3.0, 0.5], w],
    )


def test_sparse_plus_dense_gradients():
    w = np.arange(1.0, 13.0, dtype=np.float32).reshape(SHAPE)
    check_grads(
        lambda v, d: jt.sparse.add(jt.SparseTensor(IDX, v, SHAPE), d) ** 2,
        lambda v, d: (_dense_of(v) + d) ** 2,
        [[1.0, -2.0, 3.0, 0.5], w],
    )


def test_structural_ops_move_value_gradients():
    # reorder / transpose / reshape / expand_dims only move values: the gradient follows.
    # (TF defines none for concat, split and output_is_sparse reductions: recorded cases.)
    perm_idx = IDX[::-1].copy()

    def f_jt(v):
        sp = jt.SparseTensor(perm_idx, v, SHAPE)
        t = jt.sparse.transpose(jt.sparse.reorder(sp))
        r = jt.sparse.expand_dims(jt.sparse.reshape(t, [2, 6]), 0)
        return jt.sparse.to_dense(r)

    def f_pure(v):
        return _dense_of(v, perm_idx).T.reshape(1, 2, 6)

    check_grads(f_jt, f_pure, [[1.0, -2.0, 3.0, 0.5]])


def test_reduce_max_has_no_gradient_as_tf():
    v = jt.Variable([1.0, 2.0])
    with jt.GradientTape() as tape:
        y = jt.sum(jt.sparse.reduce_max(jt.SparseTensor([[0, 0], [1, 0]], v * 1.0, [3, 2]), 1))
    with pytest.raises(LookupError, match="SparseReduceMax"):
        tape.gradient(y, v)


def test_pytree_through_function_and_jit():
    sp = jt.SparseTensor(IDX, [1.0, 2.0, 3.0, 4.0], SHAPE)
    traces = []

    @jt.function
    def double(s):
        traces.append(1)
        return s.with_values(s.values * 2.0)

    out = double(sp)
    assert isinstance(out, jt.SparseTensor) and out.shape == SHAPE
    np.testing.assert_array_equal(out.indices.numpy(), IDX)
    np.testing.assert_array_equal(out.values.numpy(), [2.0, 4.0, 6.0, 8.0])
    double(jt.SparseTensor(IDX, [0.0, 0.0, 0.0, 1.0], SHAPE))
    assert len(traces) == 1  # same structure and dense shape: one trace
    leaves, tree = jax.tree_util.tree_flatten(sp)
    assert len(leaves) == 3
    back = jax.tree_util.tree_unflatten(tree, leaves)
    assert back.shape == SHAPE
    dense = jax.jit(lambda s: jt.sparse.to_dense(s)._value)(sp)
    np.testing.assert_array_equal(np.asarray(dense), np.asarray(_dense_of(jnp.arange(1.0, 5.0))))


def test_jax_grad_through_sparse_values():
    # jax.grad of a function taking the values (static indices and shape).
    def loss(v):
        sp = jt.SparseTensor(IDX, jt.Tensor(v), SHAPE)
        return jt.sum(jt.sparse.to_dense(sp) ** 2)._value

    np.testing.assert_allclose(jax.grad(loss)(jnp.array([1.0, 2.0, 3.0, 4.0])), [2, 4, 6, 8])


def test_value_dependent_ops_refuse_tracing():
    @jt.function
    def f(x):
        return jt.sparse.from_dense(x).values

    with pytest.raises(ValueError, match="eagerly"):
        f(jt.constant([[0.0, 1.0]]))


def test_spec_and_from_value():
    sp = jt.SparseTensor([[0, 1]], [1.0], [2, 3])
    spec = jt.SparseTensorSpec.from_value(sp)
    assert spec == jt.SparseTensorSpec([2, 3], jt.float32)
    assert jt.SparseTensorSpec([None, 3], jt.float32).is_compatible_with(sp)
    assert not spec.is_compatible_with(jt.SparseTensorSpec([2, 3], jt.int32))
    assert jt.SparseTensor.from_value(sp) is sp
    assert tf.sparse.SparseTensor is tf.SparseTensor
    assert len(tf.nest.flatten({"a": sp, "b": 1})) == 2  # a SparseTensor is a nest leaf


def test_bad_input_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of order"):
        tf.sparse.to_dense(tf.SparseTensor([[1, 0], [0, 0]], [1.0, 2.0], [2, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of bounds"):
        tf.sparse.sparse_dense_matmul(tf.SparseTensor([[3, 0]], [1.0], [2, 2]), tf.ones([2, 2]))
    with pytest.raises(TypeError, match="SparseTensor"):
        tf.sparse.to_dense(tf.ones([2]))
    with pytest.raises(ValueError, match="rank 2"):
        tf.SparseTensor([0, 1], [1.0, 2.0], [3])


def _example(values) -> bytes:
    feature = tf.train.Feature(int64_list=tf.train.Int64List(value=values))
    return tf.train.Example(
        features=tf.train.Features(feature={"ids": feature})
    ).SerializeToString()


def test_tfrecord_varlen_pipeline(tmp_path):
    # TFRecord -> parse VarLenFeature in map -> batch -> to_dense: the usual input pipeline.
    path = str(tmp_path / "ids.tfrecord")
    with tf.io.TFRecordWriter(path) as w:
        for values in ([1, 2], [3], [4, 5, 6]):
            w.write(_example(values))
    spec = {"ids": tf.io.VarLenFeature(tf.int64)}
    ds = tf.data.TFRecordDataset(path).map(lambda s: tf.io.parse_single_example(s, spec))
    assert ds.element_spec == {"ids": tf.SparseTensorSpec([None], tf.int64)}
    batches = list(ds.batch(2))
    first = batches[0]["ids"]
    assert isinstance(first, tf.SparseTensor)
    np.testing.assert_array_equal(first.indices.numpy(), [[0, 0], [0, 1], [1, 0]])
    np.testing.assert_array_equal(first.dense_shape.numpy(), [2, 2])
    dense = [tf.sparse.to_dense(b["ids"]).numpy().tolist() for b in batches]
    assert dense == [[[1, 2], [3, 0]], [[4, 5, 6]]]


def test_function_input_signature_with_sparse_spec():
    @tf.function(input_signature=[tf.SparseTensorSpec([None, 3], tf.float32)])
    def row_sums(s):
        return tf.sparse.reduce_sum(s, 1)

    out = row_sums(tf.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [2, 3]))
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0])
    out = row_sums(tf.SparseTensor([[3, 1]], [5.0], [4, 3]))
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.0, 0.0, 5.0])
    with pytest.raises(TypeError, match="input_signature"):
        row_sums(tf.SparseTensor([[0, 0]], [1.0], [2, 4]))
    with pytest.raises(TypeError, match="input_signature"):
        row_sums(tf.ones([2, 3]))


@pytest.mark.parametrize("combiner", ["sum", "mean", "sqrtn"])
def test_embedding_lookup_sparse_gradients(combiner):
    ids = np.array([1, 3, 1, 0])
    rows = IDX[:, 0]

    def f_jt(table, w):
        sp_ids = jt.SparseTensor(IDX, jt.constant(ids, jt.int64), SHAPE)
        sp_w = jt.SparseTensor(IDX, w, SHAPE)
        return tf.nn.embedding_lookup_sparse(table, sp_ids, sp_w, combiner=combiner)

    def f_pure(table, w):
        total = jax.ops.segment_sum(table[ids] * w[:, None], rows, num_segments=3)
        norm = {
            "sum": jnp.ones(3, jnp.float32),
            "mean": jax.ops.segment_sum(w, rows, num_segments=3),
        }
        norm["sqrtn"] = jnp.sqrt(jax.ops.segment_sum(w * w, rows, num_segments=3))
        return total / norm[combiner][:, None]

    table = np.linspace(-1, 1, 8, dtype=np.float32).reshape(4, 2)
    check_grads(f_jt, f_pure, [table, [2.0, 0.5, 1.0, 3.0]])


def test_sparse_add_vectorized_merge_matches_entry_by_entry_merge():
    # Sorted inputs take a vectorized merge; TF's entry-by-entry merge (kept for unsorted
    # inputs, checked against TF in the recorded cases) must give the same result.
    from jtape._sparse_ops import _merge

    rng = np.random.default_rng(0)
    shape = (6, 7)
    for _ in range(5):
        a_lin = np.sort(rng.choice(42, 15, replace=False))
        b_lin = np.sort(rng.choice(42, 15, replace=False))
        a_val = rng.integers(-3, 4, 15).astype(np.float32)
        b_val = rng.integers(-3, 4, 15).astype(np.float32)
        a_idx = np.stack(np.unravel_index(a_lin, shape), 1)
        b_idx = np.stack(np.unravel_index(b_lin, shape), 1)
        out = tf.sparse.add(
            tf.SparseTensor(a_idx, a_val, shape), tf.SparseTensor(b_idx, b_val, shape), 1.5
        )
        want_idx, a_pos, b_pos = _merge(a_idx, b_idx, a_val, b_val, 1.5)
        want = np.zeros(len(want_idx), np.float32)
        np.add.at(want, a_pos[a_pos >= 0], a_val[a_pos >= 0])
        np.add.at(want, b_pos[b_pos >= 0], b_val[b_pos >= 0])
        np.testing.assert_array_equal(out.indices.numpy(), np.asarray(want_idx).reshape(-1, 2))
        np.testing.assert_array_equal(out.values.numpy(), want)


def test_untaped_eager_path_matches_recorded_op_path():
    # Without a tape or trace, to_dense / to_indicator / gathers run in numpy (no program
    # per number of entries); under a tape they are jtape ops. Both give the same values.
    rng = np.random.default_rng(1)
    shape = (4, 5)
    for n in (0, 3, 7):
        lin = np.sort(rng.choice(20, n, replace=False))
        idx = np.stack(np.unravel_index(lin, shape), 1)
        vals = rng.integers(0, 5, n)
        sp = jt.SparseTensor(idx, jt.constant(vals.astype(np.float32)), shape)
        ids = jt.SparseTensor(idx, jt.constant(vals, jt.int64), shape)
        plain = [
            jt.sparse.to_dense(sp, default_value=-1.0),
            jt.sparse.to_indicator(ids, 6),
            jt.sparse.retain(sp, vals > 2).values,
        ]
        with jt.GradientTape() as tape:
            tape.watch(sp.values)
            taped = [
                jt.sparse.to_dense(sp, default_value=-1.0),
                jt.sparse.to_indicator(ids, 6),
                jt.sparse.retain(sp, vals > 2).values,
            ]
        for a, b in zip(plain, taped):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a.numpy(), b.numpy())
