"""tf.ragged and RaggedTensor against TensorFlow (recorded by
tests/fixtures/record_ragged.py), compiled, and differentiated wrt the flat values."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import recorded_cases
from gradcheck import check_grads

import jtape as jt
import jtape.compat as tf

RECORDED = recorded_cases.load("ragged_tf.json")

# Recorded errors whose class jtape matches but whose message differs: checked by class.
CLASS_ONLY = {
    "binary_mismatch",
    "convert_err",
    "bool_err",
    "const_bad_depth",
    "from_row_splits_bad",
    "from_row_splits_bad0",
    "gather_oob",
    "getitem_more",
    "getitem_oob",
    "gi_col",
    "hash_err",
    "len_rank2",
    "map_flat_mismatch",
    "ragged_len",
}


def _name(case: str) -> str:
    return case.splitlines()[0].lstrip("# ")


@pytest.mark.filterwarnings("ignore:AutoGraph could not convert")  # exec'd functions
@pytest.mark.parametrize("case", list(RECORDED), ids=_name)
def test_eager_results_and_errors_as_tf(case):
    recorded_cases.check(case, RECORDED[case], {}, message=_name(case) not in CLASS_ONLY)


# -- jt.function: a RaggedTensor argument and result (a pytree of its tensors) ----------


def test_ragged_argument_and_result_in_a_function():
    traces = []

    @tf.function
    def f(rt):
        traces.append(1)
        return (
            rt * 2.0,
            tf.reduce_sum(rt, axis=1),
            tf.reduce_mean(rt, axis=-1),
            tf.reduce_max(rt, axis=1),
            rt.to_tensor(shape=[3, 3]),
            rt.row_lengths(),
            rt.value_rowids(),
        )

    a = tf.ragged.constant([[1.0, 2.0], [3.0], []])
    out = f(a)
    assert isinstance(out[0], tf.RaggedTensor) and out[0].to_list() == [[2.0, 4.0], [6.0], []]
    np.testing.assert_allclose(out[1].numpy(), [3.0, 3.0, 0.0])
    np.testing.assert_allclose(out[2].numpy(), [1.5, 3.0, np.nan])
    np.testing.assert_allclose(out[3].numpy(), [2.0, 3.0, np.finfo(np.float32).min])
    np.testing.assert_allclose(out[4].numpy(), [[1, 2, 0], [3, 0, 0], [0, 0, 0]])
    assert out[5].numpy().tolist() == [2, 1, 0] and out[6].numpy().tolist() == [0, 0, 1]
    # Other row lengths, same shapes: the same program, the new partition's results.
    b = tf.ragged.constant([[1.0], [], [2.0, 3.0]])
    out = f(b)
    assert len(traces) == 1
    assert out[0].to_list() == [[2.0], [], [4.0, 6.0]]
    np.testing.assert_allclose(out[1].numpy(), [1.0, 0.0, 5.0])
    assert out[5].numpy().tolist() == [1, 0, 2]


def test_nested_ragged_through_a_function():
    rt = tf.ragged.constant([[[1, 2], [3]], [], [[4, 5, 6]]])
    out = jt.function(lambda r: tf.reduce_sum(r, axis=2) + 1)(rt)
    assert out.to_list() == [[4, 4], [], [16]]
    assert out.ragged_rank == 1 and out.dtype == tf.int32


def test_size_dependent_ops_refused_while_tracing():
    rt = tf.ragged.constant([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match="not known while tf.function traces"):
        jt.function(lambda r: r.to_tensor())(rt)
    with pytest.raises(ValueError, match="not known while tf.function traces"):
        jt.function(lambda r: r[0])(rt)


def test_string_ragged_results_keep_working():
    rt = tf.strings.split(tf.constant(["a b", "c"]))
    assert rt.row_splits.numpy().tolist() == [0, 2, 3]
    assert rt.to_list() == [[b"a", b"b"], [b"c"]]
    assert rt.to_tensor().numpy().tolist() == [[b"a", b"b"], [b"c", b""]]
    assert rt.dtype == tf.string and str(rt.shape) == "(2, None)"


# -- gradients wrt the flat values, against jax.grad of the segment computation ---------

SPLITS = np.array([0, 2, 2, 5])
IDS = np.array([0, 0, 2, 2, 2])


def _rt(x):
    return tf.RaggedTensor.from_row_splits(x, SPLITS)


def test_gradient_of_map_flat_values_and_row_sum():
    check_grads(
        lambda x: tf.reduce_sum(tf.ragged.map_flat_values(tf.sin, _rt(x)) * 2.0, axis=1),
        lambda x: jax.ops.segment_sum(jnp.sin(x) * 2.0, IDS, 3),
        [[0.1, 0.5, -0.3, 1.2, 0.7]],
    )


def test_gradient_of_row_max_mean_and_logsumexp():
    x = [[0.1, 0.5, -0.3, 1.2, 0.7]]
    check_grads(
        lambda x: tf.reduce_max(_rt(x), axis=1)[::2],
        lambda x: jax.ops.segment_max(x, IDS, 3)[::2],
        x,
    )

    def mean(x):
        s = jax.ops.segment_sum(x, IDS, 3)
        return (s / jnp.asarray([2.0, 1.0, 3.0], jnp.float32))[::2]

    check_grads(lambda x: tf.reduce_mean(_rt(x) ** 2, axis=1)[::2], lambda x: mean(x**2), x)
    check_grads(
        lambda x: tf.reduce_logsumexp(_rt(x), axis=1)[::2],
        lambda x: jnp.stack([jax.nn.logsumexp(x[:2]), jax.nn.logsumexp(x[2:])]),
        x,
    )


def test_gradient_of_row_softmax():
    def pure(x):
        return jnp.concatenate([jax.nn.softmax(x[:2]), jax.nn.softmax(x[2:])])

    check_grads(
        lambda x: tf.nn.softmax(_rt(x)).flat_values * jnp.arange(5.0, dtype=jnp.float32),
        lambda x: pure(x) * jnp.arange(5.0, dtype=jnp.float32),
        [[0.1, 0.5, -0.3, 1.2, 0.7]],
    )


def test_gradient_of_to_tensor_and_column_sum():
    x = [[0.1, 0.5, -0.3, 1.2, 0.7]]

    def dense(x):  # rows [x0 x1 0], [0 0 0], [x2 x3 x4]
        z = jnp.zeros((3, 3), x.dtype)
        return z.at[0, :2].set(x[:2]).at[2].set(x[2:])

    check_grads(lambda x: _rt(x).to_tensor() * 3.0, lambda x: dense(x) * 3.0, x)
    check_grads(lambda x: tf.reduce_sum(_rt(x), axis=0), lambda x: dense(x).sum(0), x)


def test_gradient_through_indexing_and_concat():
    x = [[0.1, 0.5, -0.3, 1.2, 0.7]]
    check_grads(
        lambda x: tf.concat([_rt(x)[1:], _rt(x)[:, :1]], axis=0).flat_values * 2.0,
        lambda x: jnp.concatenate([x[2:], x[0:1], x[2:3]]) * 2.0,
        x,
    )


def test_docstring_examples_run():
    import doctest

    from jtape import _ragged, _ragged_cross, _ragged_factory, _ragged_ops, ragged

    for module in (_ragged, _ragged_cross, _ragged_factory, _ragged_ops, ragged):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__
