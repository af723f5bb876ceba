"""Max pooling: TF's values and TF's gradient (the first maximum of a window takes it).

Windows that tile the input run as a reshape and a max (``_pooling_math``); the others
as ``lax.reduce_window``. Both must give TF's numbers. Tie figures are TF 2.21's, printed
by ``tests/fixtures/record_tf_pooling.py``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads
from jax import lax

import jtape as jt
import jtape.compat as tf
from jtape import _pooling_math

TIES = np.array([[1, 3, 3, 0], [3, 2, 1, 3], [5, 5, 0, 0], [5, 5, 0, 0]], np.float32)


def _tf_grad(pool, x):
    x = tf.constant(x.reshape(1, *x.shape, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = pool(x)
    return tape.gradient(y, x).numpy()[0, :, :, 0].tolist()


@pytest.mark.parametrize(
    "pool",
    [lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"), tf.keras.layers.MaxPooling2D(2)],
    ids=["tf.nn.max_pool2d", "MaxPooling2D"],
)
def test_ties_go_to_the_first_maximum_as_tf(pool):
    want = [[0, 1, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]  # TF 2.21
    assert _tf_grad(pool, TIES) == want


def test_overlapping_windows_ties_as_tf():
    want = [[0, 3, 2, 0], [0, 0, 0, 1], [6, 3, 1, 0], [0, 0, 0, 0]]  # TF 2.21
    assert _tf_grad(lambda x: tf.nn.max_pool2d(x, 3, 1, "SAME"), TIES) == want


def test_same_padding_ties_as_tf():
    want = [[1, 0, 1, 0, 1], [0, 0, 0, 0, 0]] * 2 + [[1, 0, 1, 0, 1]]  # TF 2.21
    ones = np.ones((5, 5), np.float32)
    assert _tf_grad(lambda x: tf.nn.max_pool2d(x, 2, 2, "SAME"), ones) == want


def _reference(x, window, padding):
    init = np.array(-np.inf, x.dtype)
    return lax.reduce_window(x, init, lax.max, window, window, padding)


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("window", [(1, 2, 2, 1), (1, 3, 3, 1), (1, 3, 2, 1), (1, 1, 2, 2)])
def test_tiled_lowering_equals_reduce_window(window, padding):
    x = jax.random.normal(jax.random.key(0), (2, 9, 7, 4))  # no ties, odd sizes
    got = _pooling_math.max_pool(x, window, window, padding)
    want = _reference(x, window, padding)
    np.testing.assert_array_equal(got, want)
    ct = jax.random.normal(jax.random.key(1), want.shape)
    g_got = jax.grad(lambda v: jnp.sum(_pooling_math.max_pool(v, window, window, padding) * ct))
    g_want = jax.grad(lambda v: jnp.sum(_reference(v, window, padding) * ct))
    np.testing.assert_allclose(g_got(x), g_want(x), rtol=1e-6)
    # forward mode too (ForwardAccumulator, jax.jvp)
    t = jax.random.normal(jax.random.key(2), x.shape)
    jvp_got = jax.jvp(lambda v: _pooling_math.max_pool(v, window, window, padding), (x,), (t,))
    jvp_want = jax.jvp(lambda v: _reference(v, window, padding), (x,), (t,))
    np.testing.assert_allclose(jvp_got[1], jvp_want[1], rtol=1e-6)


def test_max_pool_gradients_against_jax_and_finite_differences(rng):
    x = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    check_grads(
        lambda v: tf.nn.max_pool2d(v, 2, 2, "VALID"),
        lambda v: _reference(v, (1, 2, 2, 1), "VALID"),
        [x],
    )
    check_grads(
        lambda v: tf.nn.max_pool2d(v, 3, 2, "SAME"),
        lambda v: lax.reduce_window(
            v, np.array(-np.inf, v.dtype), lax.max, (1, 3, 3, 1), (1, 2, 2, 1), "SAME"
        ),
        [x],
    )


def test_channels_first_and_layer_in_function():
    x = np.arange(2 * 3 * 4 * 4, dtype=np.float32).reshape(2, 3, 4, 4)
    y = tf.nn.max_pool2d(x, 2, 2, "VALID", data_format="NCHW")
    np.testing.assert_array_equal(y.numpy(), x.reshape(2, 3, 2, 2, 2, 2).max(axis=(3, 5)))
    layer = jt.nn.MaxPooling2D(2)
    f = jt.function(lambda v: layer(v))
    xs = np.moveaxis(x, 1, -1)
    np.testing.assert_array_equal(f(xs).numpy(), layer(xs).numpy())


def _argmax_first_max(xr, axes):
    """The window's first maximum by argmax over the flattened window (the definition)."""
    rest = [a for a in range(xr.ndim) if a not in axes]
    moved = np.transpose(xr, (*rest, *axes))
    flat = moved.reshape((*moved.shape[: len(rest)], -1))
    first = np.argmax(flat, axis=-1)  # numpy: the first maximum, and a NaN is the maximum
    hot = np.arange(flat.shape[-1]) == first[..., None]
    return np.transpose(hot.reshape(moved.shape), np.argsort((*rest, *axes)))


@pytest.mark.parametrize(
    "shape, axes",
    [((3, 4, 2, 5), (1,)), ((2, 3, 2, 4, 2, 3), (2, 4)), ((2, 2, 3, 2, 2, 2, 3, 1), (2, 4, 6))],
)
def test_first_max_mask_on_heavy_ties_and_nans(shape, axes):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 3, shape).astype(np.float32)  # many ties
    x[rng.random(shape) < 0.05] = np.nan
    got = np.asarray(_pooling_math._first_max(jnp.asarray(x), axes))
    np.testing.assert_array_equal(got, _argmax_first_max(x, axes))


@pytest.mark.parametrize("window", [(1, 2, 2, 1), (1, 3, 2, 1), (1, 1, 2, 2), (1, 3, 3, 1)])
def test_sliced_windows_route_the_gradient_to_the_first_maximum(window):
    # Windows of up to 9 elements pool as strided slices: ties and NaNs as argmax picks.
    assert np.prod(window) <= _pooling_math._SLICED_WINDOW_MAX
    rng = np.random.default_rng(2)
    shape = (2, 6, 6, 4)
    x = rng.integers(0, 3, shape).astype(np.float32)  # many ties
    x[rng.random(shape) < 0.05] = np.nan
    split, axes = [], []
    for dim, k in zip(shape, window):
        if k > 1:
            axes.append(len(split) + 1)
        split.extend((dim // k, k) if k > 1 else (dim,))
    xr = x.reshape(split)
    y = _pooling_math.max_pool(jnp.asarray(x), window, window, "VALID")
    np.testing.assert_array_equal(y, np.max(xr, axis=tuple(axes)))  # NaN propagates
    ct = rng.standard_normal(y.shape).astype(np.float32)
    got = jax.grad(lambda v: jnp.sum(_pooling_math.max_pool(v, window, window, "VALID") * ct))(
        jnp.asarray(x)
    )
    want = _argmax_first_max(xr, tuple(axes)) * np.expand_dims(ct, tuple(axes))
    np.testing.assert_array_equal(np.asarray(got), want.reshape(shape))


@pytest.mark.parametrize("window", [(1, 2, 2, 1), (1, 3, 2, 1), (1, 1, 2, 2)])
def test_sliced_windows_forward_mode_takes_the_first_maximum(window):
    # jvp (forward mode) and grad share one rule: the tangent at the window's first maximum.
    rng = np.random.default_rng(3)
    shape = (2, 6, 6, 4)
    x = rng.integers(0, 3, shape).astype(np.float32)
    x[rng.random(shape) < 0.05] = np.nan
    t = rng.standard_normal(shape).astype(np.float32)
    split, axes = [], []
    for dim, k in zip(shape, window):
        if k > 1:
            axes.append(len(split) + 1)
        split.extend((dim // k, k) if k > 1 else (dim,))
    _, got = jax.jvp(
        lambda v: _pooling_math.max_pool(v, window, window, "VALID"), (jnp.asarray(x),), (t,)
    )
    hot = _argmax_first_max(x.reshape(split), tuple(axes))
    want = np.sum(np.where(hot, t.reshape(split), 0), axis=tuple(axes))
    np.testing.assert_array_equal(np.asarray(got), want)
