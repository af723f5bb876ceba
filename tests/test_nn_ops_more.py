"""tf.nn ops against TF 2.21's recorded results (tests/fixtures/record_nn_ops_more.py):
depth_to_space / space_to_depth, ctc_loss / ctc_greedy_decoder / collapse_repeated,
local_response_normalization, avg/max_pool3d, atrous_conv2d, max_pool_with_argmax,
sufficient_statistics / normalize_moments / weighted_moments, zero_fraction and
compute_average_loss with a list sample_weight (values, dtypes, errors, gradients)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import recorded_cases
from gradcheck import check_grads

import jtape as jt
import jtape.compat as tf

RECORDED = recorded_cases.load("nn_ops_more_tf.json")


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_results_errors_and_gradients_as_tf(case):
    # Message prefixes differ ({{function_node ...}}); classes and values must match.
    scope = {"nan": float("nan")}
    recorded_cases.check(case, RECORDED[case], scope, message=False, rtol=2e-5, atol=2e-6)


def test_nchw_is_nhwc_transposed():
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 12)).astype(np.float32)
    nhwc = tf.nn.depth_to_space(a, 2).numpy()
    nchw = tf.nn.depth_to_space(a.transpose(0, 3, 1, 2), 2, data_format="NCHW").numpy()
    np.testing.assert_array_equal(nchw.transpose(0, 2, 3, 1), nhwc)
    back = tf.nn.space_to_depth(nchw, 2, data_format="NCHW").numpy()
    np.testing.assert_array_equal(back.transpose(0, 2, 3, 1), a)


def _lrn_pure(x):
    sq = jnp.pad(x * x, ((0, 0), (0, 0), (0, 0), (2, 2)))
    s = sum(sq[..., i : i + x.shape[-1]] for i in range(5))
    return x / (1.5 + 0.3 * s) ** 0.6


def test_gradients_vs_jax_and_finite_differences():
    x = np.random.default_rng(1).standard_normal((1, 2, 3, 7)).astype(np.float32)
    check_grads(lambda v: tf.nn.lrn(v, 2, 1.5, 0.3, 0.6), _lrn_pure, [x])
    check_grads(
        lambda v: tf.nn.depth_to_space(v, 2) ** 2,
        lambda v: (
            (v.reshape(1, 2, 3, 2, 2, 1).transpose(0, 1, 3, 2, 4, 5).reshape(1, 4, 6, 1)) ** 2
        ),
        [x[..., :4]],
    )


def test_ctc_gradient_vs_finite_differences():
    import optax

    logits = np.sin(np.arange(30.0, dtype=np.float32)).reshape(5, 2, 3)
    labels, lab_len, log_len = np.array([[1, 2], [2, 0]]), np.array([2, 1]), np.array([5, 4])

    def pure(z):
        z = jnp.swapaxes(z, 0, 1)
        pad_t = (jnp.arange(5) >= log_len[:, None]).astype(z.dtype)
        pad_l = (jnp.arange(2) >= lab_len[:, None]).astype(z.dtype)
        return optax.ctc_loss(z, pad_t, labels.astype(np.int32), pad_l, blank_id=0).astype(z.dtype)

    check_grads(lambda z: tf.nn.ctc_loss(labels, z, lab_len, log_len), pure, [logits])


def test_compiled_equals_eager():
    x = jt.constant(np.sin(np.arange(100.0, dtype=np.float32)).reshape(2, 5, 5, 2))

    def run(x):
        return (
            tf.nn.space_to_depth(x[:, :4, :4], 2),
            tf.nn.ctc_loss([[1, 1], [1, 0]], x[:, :, 0], [2, 1], [5, 4], logits_time_major=False),
            tf.nn.lrn(x, 1),
            tf.nn.max_pool_with_argmax(x, 3, 2, "SAME", include_batch_in_index=True),
            tf.nn.weighted_moments(x, [0, 1], jt.ones((5, 2))),
            tf.math.zero_fraction(tf.nn.relu(x)),
        )

    for a, b in zip(
        jax.tree_util.tree_leaves(run(x)), jax.tree_util.tree_leaves(jt.function(run)(x))
    ):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


def test_sparse_labels_and_traced_decoder_raise_clearly():
    class Sparse:
        indices, values, dense_shape = [[0, 0]], [1], [1, 1]

    with pytest.raises(TypeError, match="SparseTensor"):
        tf.nn.ctc_loss(Sparse(), jt.zeros((1, 1, 2)), None, [1])
    with pytest.raises(NotImplementedError, match="eagerly"):
        jt.function(lambda z: tf.nn.ctc_greedy_decoder(z, [1])[1])(jt.zeros((1, 1, 2)))


def test_ctc_label_equal_to_a_nonzero_blank_is_refused():
    # TF shifts the classes for blank_index != 0 and reads such a label as another class.
    logits = jt.zeros((4, 1, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match="blank_index=2"):
        tf.nn.ctc_loss([[1, 2]], logits, [2], [4], blank_index=-1)
    # Past label_length the entry is padding and not checked.
    loss = tf.nn.ctc_loss([[1, 2]], logits, [1], [4], blank_index=-1)
    # Uniform logits: each path has p = (1/3)^4; the paths that collapse to "1" have one run
    # of 1s between blanks: 4 + 3 + 2 + 1 = 10 of them.
    np.testing.assert_allclose(loss.numpy(), [-np.log(10 / 81)], rtol=1e-5)


def test_ctc_labels_outside_the_classes_are_refused():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"in \[0, 3\).*\[5\]"):
        tf.nn.ctc_loss([[1, 5]], jt.zeros((4, 1, 3)), [2], [4])


def test_depth_to_space_in_a_keras_layer_as_keras_io_super_resolution():
    keras = tf.keras
    inp = keras.Input((3, 3, 4))
    out = keras.layers.Lambda(lambda x: tf.nn.depth_to_space(x, 2))(inp)
    model = keras.Model(inp, out)
    x = np.arange(72.0, dtype=np.float32).reshape(2, 3, 3, 4)
    got = np.asarray(model(x))
    assert got.shape == (2, 6, 6, 1)
    # Pixel (h, w)'s channel 2*i + j lands at (2h + i, 2w + j).
    np.testing.assert_array_equal(got[:, 0::2, 1::2, 0], x[..., 1])
    np.testing.assert_array_equal(got[:, 1::2, 0::2, 0], x[..., 2])
