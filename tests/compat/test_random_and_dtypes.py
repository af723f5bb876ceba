"""tf.random's seed rules (as ``tf.random.set_seed`` documents them) and tf.dtypes."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf


def _v(t) -> float:
    return float(t.numpy()[0])


def test_global_seed_restarts_the_sequence():
    tf.random.set_seed(1234)
    a1, a2 = _v(tf.random.uniform([1])), _v(tf.random.uniform([1]))
    tf.random.set_seed(1234)
    assert (_v(tf.random.uniform([1])), _v(tf.random.uniform([1]))) == (a1, a2)
    assert a1 != a2


def test_op_seed_is_a_kernel_with_a_counter():
    tf.random.set_seed(1234)
    b1, b2 = _v(tf.random.uniform([1], seed=1)), _v(tf.random.uniform([1], seed=1))
    assert b1 != b2  # "A2 instead of A1": the same kernel advances
    tf.random.set_seed(1234)  # set_seed resets the kernels' counters
    assert (_v(tf.random.uniform([1], seed=1)), _v(tf.random.uniform([1], seed=1))) == (b1, b2)
    assert _v(tf.random.uniform([1], seed=2)) not in (b1, b2)
    tf.random.set_seed(99)  # another global seed: another sequence for seed=1
    assert _v(tf.random.uniform([1], seed=1)) != b1


def test_op_seed_is_reproducible_inside_tf_function():
    @tf.function
    def draw():
        return tf.random.normal([2], seed=7)

    tf.random.set_seed(3)
    first, second = draw().numpy(), draw().numpy()
    assert not np.allclose(first, second)  # the kernel's state lives in a Variable
    tf.random.set_seed(3)
    np.testing.assert_array_equal(draw().numpy(), first)


def test_normal_gradient_reaches_mean_and_stddev():
    mean, std = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        z = tf.random.normal([1000], mean=mean, stddev=std, seed=1)
        loss = tf.reduce_sum(z)
    gm, gs = tape.gradient(loss, [mean, std])
    assert float(gm) == 1000.0
    np.testing.assert_allclose(float(gs), np.sum((z.numpy() - 1.0) / 2.0), rtol=1e-4)


def test_stateless_is_a_pure_function_of_the_seed():
    a = tf.random.stateless_uniform([3], seed=[1, 2])
    np.testing.assert_array_equal(a, tf.random.stateless_uniform([3], seed=[1, 2]))
    assert not np.array_equal(a, tf.random.stateless_uniform([3], seed=[1, 3]))


def test_dtype_objects():
    x = tf.constant([1.0])
    assert x.dtype == tf.float32 and tf.float32 == x.dtype and x.dtype != tf.int32
    assert tf.float32.name == "float32" and tf.float32.is_floating
    assert tf.int32.is_integer and not tf.int32.is_floating and tf.bool.is_bool
    assert tf.float32.as_numpy_dtype is np.float32
    assert tf.as_dtype("float32") is tf.float32 and tf.as_dtype(np.int32) is tf.int32
    assert {np.dtype("float32"): "f"}[tf.float32] == "f"
    assert tf.zeros([2], dtype=tf.int32).dtype == np.int32
    assert jt.Variable([1, 2], dtype=tf.int32).dtype == np.int32
    assert jax.numpy.zeros(1, tf.float32).dtype == np.float32
    assert tf.uint8.max == 255 and tf.int8.min == -128
    assert repr(tf.float32) == "tf.float32" and str(tf.float32) == "<dtype: 'float32'>"
    assert tf.complex64.real_dtype == tf.float32


def test_missing_api_errors():
    assert not hasattr(tf, "lite")
    with pytest.raises(tf.NotProvidedError, match="tf.nn.ctc_beam_search_decoder` is not"):
        tf.nn.ctc_beam_search_decoder  # noqa: B018
    with pytest.raises(AttributeError, match="tf.math.bogus` is not provided.*jt.op"):
        tf.math.bogus  # noqa: B018


def test_tensor_shape():
    s = tf.TensorShape([2, None])
    assert s.as_list() == [2, None] and s.rank == 2 and not s.is_fully_defined()
    assert tf.TensorShape([2, 3]).num_elements() == 6 and tf.TensorShape([2, 3]) == (2, 3)


def test_tensor_and_variable_shapes_have_tf_methods():
    # TF scripts call x.shape.as_list(), .rank, .num_elements() on tensors and variables.
    x = tf.zeros([2, 3])
    v = tf.Variable(tf.ones([4, 1, 5]))
    assert isinstance(x.shape, tf.TensorShape) and isinstance(x.shape, tuple)
    assert x.shape.as_list() == [2, 3] and x.shape.rank == 2 and x.shape.ndims == 2
    assert v.shape.num_elements() == 20 and v.shape[1:].as_list() == [1, 5]
    assert x.shape == (2, 3) and hash(x.shape) == hash((2, 3)) and str(x.shape) == "(2, 3)"
    assert tf.zeros(x.shape).shape == (2, 3)  # usable wherever a tuple is

    seen = []

    @tf.function
    def f(t):
        seen.append(t.shape.as_list())  # static inside a trace, as in TF
        return tf.reshape(t, [t.shape.num_elements()])

    assert f(x).shape.as_list() == [6] and seen == [[2, 3]]


def test_random_argument_rules_as_tf():
    # TF 2.21: a Python-list logits with dtype=int32 samples int32 classes (jtape crashed);
    # an integer range with minval >= maxval is an InvalidArgumentError (jtape sampled).
    draws = tf.random.categorical([[0.0, 0.0]], 3, dtype=tf.int32)
    assert draws.dtype == tf.int32 and draws.shape == (1, 3)
    assert set(draws.numpy().ravel().tolist()) <= {0, 1}
    with pytest.raises(tf.errors.InvalidArgumentError, match="Need minval < maxval"):
        tf.random.uniform([2], minval=5, maxval=2, dtype=tf.int32)
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype"):
        tf.random.uniform([2], dtype=tf.int32)
    ints = tf.random.uniform([200], minval=2, maxval=5, dtype=tf.int64).numpy()
    assert ints.dtype == np.int64 and ints.min() >= 2 and ints.max() <= 4


def test_gamma_and_poisson_shapes_dtypes_and_moments():
    # Shapes and dtypes as TF 2.21 (checked there): shape + the parameters' shape. The
    # streams are JAX's, so values are checked by moments: Gamma(a, rate b) has mean a/b
    # and variance a/b**2; Poisson(lam) mean lam.
    tf.random.set_seed(3)
    assert tf.random.gamma([3], [1.0, 2.0]).shape == (3, 2)
    assert tf.random.gamma([2], 2.0, dtype=tf.float64).dtype == tf.float64
    assert tf.random.poisson([3], 2.0).dtype == tf.float32
    assert tf.random.poisson([3], 2.0, dtype=tf.int32).dtype == tf.int32
    assert tf.random.poisson([2], [1.0, 5.0]).shape == (2, 2)
    x = tf.random.gamma([40000], 3.0, 2.0).numpy()
    assert abs(x.mean() - 1.5) < 0.03 and abs(x.var() - 0.75) < 0.05
    assert abs(tf.random.poisson([40000], 4.0).numpy().mean() - 4.0) < 0.05
    alpha, beta = tf.Variable(3.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        mean = tf.reduce_mean(tf.random.gamma([40000], alpha, beta))
    d_alpha, d_beta = tape.gradient(mean, [alpha, beta])
    # d/da (a/b) = 1/b = 0.5; d/db (a/b) = -a/b**2 = -0.75 (reparameterized samples)
    assert abs(float(d_alpha) - 0.5) < 0.02 and abs(float(d_beta) + 0.75) < 0.03
