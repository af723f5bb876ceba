"""Convolution, pooling, upsampling and padding: ops and layers.

Checked against loop-based numpy re-implementations, against Keras 3 outputs recorded
with TensorFlow (``fixtures/record_keras_conv_rnn.py``), and gradients against
``jax.vjp`` and finite differences (``tests/gradcheck.py``).
"""

from __future__ import annotations

import math
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
from jtape.nn import _conv, _pooling

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras_conv_rnn.npz"))


def _rand(rng, *shape):
    return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)


def _same_pads(n, k_eff, s):
    out = math.ceil(n / s)
    total = max((out - 1) * s + k_eff - n, 0)
    return total // 2, total - total // 2


# ----------------------------------------------------------------------------- numpy references


def np_conv(x, k, strides, pads, dil, groups=1):
    """Direct channels_last convolution: sum over kernel offsets of strided slices."""
    rank = k.ndim - 2
    x = np.pad(x.astype(np.float64), [(0, 0), *pads, (0, 0)])
    ksp, cin_g, cout = k.shape[:rank], k.shape[-2], k.shape[-1]
    out_sp = [(x.shape[1 + i] - (ksp[i] - 1) * dil[i] - 1) // strides[i] + 1 for i in range(rank)]
    y = np.zeros((x.shape[0], *out_sp, cout))
    og = cout // groups
    for off in np.ndindex(*ksp):
        sl = tuple(
            slice(off[i] * dil[i], off[i] * dil[i] + (out_sp[i] - 1) * strides[i] + 1, strides[i])
            for i in range(rank)
        )
        patch = x[(slice(None), *sl, slice(None))]
        for g in range(groups):
            y[..., g * og : (g + 1) * og] += (
                patch[..., g * cin_g : (g + 1) * cin_g] @ k[off][:, g * og : (g + 1) * og]
            )
    return y


def np_conv_transpose(x, k, strides, dil, pads):
    """Scatter form of the transposed convolution (kernel ``(*spatial, out, in)``).

    Every input pixel adds ``x[i] * k[a]`` at ``i*s + a*d`` of a full-size output; the
    result is that output shifted by ``k_eff - 1 - lo`` and cut (or zero-extended) to
    ``(n - 1)*s + 1 + lo + hi - (k_eff - 1)``.
    """
    rank = k.ndim - 2
    n = x.shape[1 : 1 + rank]
    ksp = k.shape[:rank]
    keff = [(ksp[i] - 1) * dil[i] + 1 for i in range(rank)]
    full = np.zeros(
        (x.shape[0], *[(n[i] - 1) * strides[i] + keff[i] for i in range(rank)], k.shape[-2])
    )
    for idx in np.ndindex(*n):
        for off in np.ndindex(*ksp):
            pos = tuple(idx[i] * strides[i] + off[i] * dil[i] for i in range(rank))
            full[(slice(None), *pos)] += x[(slice(None), *idx)].astype(np.float64) @ k[off].T
    out = full
    for i in range(rank):
        lo, hi = pads[i]
        crop = keff[i] - 1 - lo
        size = (n[i] - 1) * strides[i] + 1 + lo + hi - (keff[i] - 1)
        extra = max(0, crop + size - out.shape[1 + i])
        out = np.pad(out, [(0, 0)] * (1 + i) + [(0, extra)] + [(0, 0)] * (rank - i))
        out = np.take(out, np.arange(crop, crop + size), axis=1 + i)
    return out


def np_pool(x, pool, strides, padding, kind):
    """2-D pooling by explicit windows; ``same`` ignores padded positions."""
    n, h, w, c = x.shape
    if padding == "same":
        (pt, pb), (pl, pr) = _same_pads(h, pool[0], strides[0]), _same_pads(w, pool[1], strides[1])
    else:
        pt = pb = pl = pr = 0
    oh = (h + pt + pb - pool[0]) // strides[0] + 1
    ow = (w + pl + pr - pool[1]) // strides[1] + 1
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * strides[0] - pt, j * strides[1] - pl
            win = x[:, max(r0, 0) : r0 + pool[0], max(c0, 0) : c0 + pool[1], :]
            y[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return y


# ----------------------------------------------------------------------------- conv op


CONV_CASES = [
    # (x shape, kernel shape, strides, padding, dilation, groups)
    ((2, 9, 3), (3, 3, 4), (2,), "valid", (1,), 1),
    ((2, 9, 3), (3, 3, 4), (2,), "same", (1,), 1),
    ((1, 10, 2), (3, 2, 2), (1,), "same", (3,), 1),
    ((2, 6, 7, 3), (3, 2, 3, 4), (2, 1), "same", (1, 1), 1),
    ((1, 8, 8, 2), (2, 3, 2, 3), (1, 1), "valid", (2, 3), 1),
    ((1, 7, 6, 4), (3, 3, 2, 6), (2, 2), "valid", (1, 1), 2),
    ((1, 5, 5, 4), (1, 1, 1, 4), (1, 1), "same", (1, 1), 4),
]


@pytest.mark.parametrize("xs,ks,strides,padding,dil,groups", CONV_CASES)
def test_conv_op_matches_numpy(rng, xs, ks, strides, padding, dil, groups):
    x, k, b = _rand(rng, *xs), _rand(rng, *ks), _rand(rng, ks[-1])
    rank = len(strides)
    if padding == "same":
        pads = [_same_pads(xs[1 + i], (ks[i] - 1) * dil[i] + 1, strides[i]) for i in range(rank)]
    else:
        pads = [(0, 0)] * rank
    y = _conv.conv(
        x, k, b, strides=strides, padding=padding.upper(), dilation_rate=dil, groups=groups
    )
    np.testing.assert_allclose(y.numpy(), np_conv(x, k, strides, pads, dil, groups) + b, atol=1e-5)


def test_conv_op_channels_first_is_transposed_channels_last(rng):
    x, k, b = _rand(rng, 2, 7, 6, 3), _rand(rng, 3, 3, 3, 5), _rand(rng, 5)
    kw = dict(strides=(2, 1), padding="SAME", dilation_rate=(1, 1))
    y_last = _conv.conv(x, k, b, **kw).numpy()
    y_first = _conv.conv(np.transpose(x, (0, 3, 1, 2)), k, b, channels_last=False, **kw).numpy()
    np.testing.assert_allclose(np.transpose(y_first, (0, 2, 3, 1)), y_last, atol=1e-6)


TRANSPOSE_CASES = [
    # (x shape, kernel shape, strides, padding, dilation, output_padding)
    ((1, 4, 3, 2), (3, 3, 3, 2), (2, 2), "valid", (1, 1), None),
    ((1, 4, 3, 2), (3, 3, 3, 2), (2, 2), "same", (1, 1), None),
    ((1, 3, 3, 2), (4, 2, 2, 2), (2, 3), "same", (1, 1), None),
    ((1, 3, 2, 2), (2, 2, 2, 2), (3, 3), "valid", (1, 1), None),
    ((1, 3, 4, 2), (3, 4, 2, 2), (2, 2), "same", (1, 1), (1, 1)),
    ((1, 4, 3, 2), (3, 2, 2, 2), (2, 3), "valid", (1, 1), (1, 2)),
    ((1, 4, 5, 2), (3, 2, 3, 2), (1, 1), "valid", (2, 2), None),
    ((1, 4, 5, 2), (3, 3, 3, 2), (1, 1), "same", (2, 1), None),
    ((2, 5, 3), (3, 2, 3), (2,), "same", (1,), None),
]


@pytest.mark.parametrize("xs,ks,strides,padding,dil,outpad", TRANSPOSE_CASES)
def test_conv_transpose_op_matches_numpy_scatter(rng, xs, ks, strides, padding, dil, outpad):
    x, k = _rand(rng, *xs), _rand(rng, *ks)
    rank = len(strides)
    pads = tuple(
        _conv.conv_transpose_padding(
            ks[i], strides[i], dil[i], padding, None if outpad is None else outpad[i]
        )
        for i in range(rank)
    )
    y = _conv.conv_transpose(x, k, None, strides=strides, padding=pads, dilation_rate=dil)
    want = np_conv_transpose(x, k, strides, dil, pads)
    assert y.shape == want.shape
    sizes = [
        _conv.conv_transpose_output_size(
            xs[1 + i], ks[i], strides[i], dil[i], padding, None if outpad is None else outpad[i]
        )
        for i in range(rank)
    ]
    assert list(y.shape[1:-1]) == sizes
    np.testing.assert_allclose(y.numpy(), want, atol=1e-5)


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
def test_conv_transpose_is_the_gradient_of_conv(rng, padding):
    # TF defines conv2d_transpose as the input-gradient of conv2d: check that identity
    # where the shapes agree (same: n*s in -> n out; valid: k=s so (n-1)*s + k = n*s).
    x, k = _rand(rng, 2, 3, 4, 3), _rand(rng, 2, 2, 5, 3)  # kernel (kh, kw, out=5, in=3)
    pads = tuple(_conv.conv_transpose_padding(2, 2, 1, padding.lower(), None) for _ in range(2))
    y = _conv.conv_transpose(x, k, None, strides=(2, 2), padding=pads, dilation_rate=(1, 1))

    def fwd(z):
        return jax.lax.conv_general_dilated(
            z, k, (2, 2), padding, dimension_numbers=("NHWC", "HWIO", "NHWC")
        )

    _, pullback = jax.vjp(fwd, jnp.zeros((2, 6, 8, 5), jnp.float32))
    np.testing.assert_allclose(y.numpy(), pullback(jnp.asarray(x))[0], atol=1e-5)


def test_conv_grads():
    rng = np.random.default_rng(1)
    x, k, b = _rand(rng, 1, 5, 4, 2), _rand(rng, 3, 2, 2, 3), _rand(rng, 3)
    kw = dict(strides=(2, 1), padding="SAME", dilation_rate=(1, 1))
    check_grads(
        lambda *a: _conv.conv(*a, **kw), lambda *a: _conv.conv.__jtape_op__(*a, **kw), [x, k, b]
    )


def test_conv_transpose_grads():
    rng = np.random.default_rng(2)
    x, k, b = _rand(rng, 1, 3, 2, 2), _rand(rng, 3, 3, 3, 2), _rand(rng, 3)
    pads = ((1, 2), (1, 2))
    kw = dict(strides=(2, 2), padding=pads, dilation_rate=(1, 1))
    check_grads(
        lambda *a: _conv.conv_transpose(*a, **kw),
        lambda *a: _conv.conv_transpose.__jtape_op__(*a, **kw),
        [x, k, b],
    )


# ----------------------------------------------------------------------------- pooling ops


@pytest.mark.parametrize(
    "pool,strides,padding",
    [
        ((2, 2), (2, 2), "valid"),
        ((3, 3), (2, 2), "same"),
        ((2, 3), (1, 2), "same"),
        ((3, 2), (1, 1), "valid"),
    ],
)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_ops_match_numpy(rng, pool, strides, padding, kind):
    x = _rand(rng, 2, 7, 6, 3)
    fn = _pooling.max_pool if kind == "max" else _pooling.avg_pool
    y = fn(x, pool_size=pool, strides=strides, padding=padding.upper())
    np.testing.assert_allclose(y.numpy(), np_pool(x, pool, strides, padding, kind), atol=1e-6)


def test_pool_ops_channels_first(rng):
    x = _rand(rng, 2, 7, 6, 3)
    xf = np.transpose(x, (0, 3, 1, 2))
    for fn in (_pooling.max_pool, _pooling.avg_pool):
        kw = dict(pool_size=(3, 3), strides=(2, 2), padding="SAME")
        want = fn(x, **kw).numpy()
        got = fn(xf, channels_last=False, **kw).numpy()
        np.testing.assert_allclose(np.transpose(got, (0, 2, 3, 1)), want, atol=1e-6)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_grads(kind):
    rng = np.random.default_rng(3)
    # Distinct values keep max pooling away from ties, where finite differences break.
    x = rng.permutation(30).reshape(1, 5, 3, 2).astype(np.float32) / 10
    fn = _pooling.max_pool if kind == "max" else _pooling.avg_pool
    kw = dict(pool_size=(2, 2), strides=(2, 1), padding="SAME")
    check_grads(lambda a: fn(a, **kw), lambda a: fn.__jtape_op__(a, **kw), [x])


def test_upsample_and_zero_pad_ops(rng):
    x = _rand(rng, 2, 3, 2, 4)
    up = _pooling.upsample(x, size=(2, 3), axes=(1, 2)).numpy()
    np.testing.assert_array_equal(up, x[:, np.arange(6) // 2][:, :, np.arange(6) // 3])
    padded = _pooling.zero_pad(x, pad_width=((0, 0), (1, 2), (0, 3), (0, 0))).numpy()
    assert padded.shape == (2, 6, 5, 4)
    np.testing.assert_array_equal(padded[:, 1:4, 0:2], x)
    assert np.count_nonzero(padded) == np.count_nonzero(x)
    check_grads(
        lambda a: _pooling.upsample(a, size=(2, 2), axes=(1, 2), interpolation="bilinear"),
        lambda a: _pooling.upsample.__jtape_op__(
            a, size=(2, 2), axes=(1, 2), interpolation="bilinear"
        ),
        [x[:1, :, :, :2]],
    )


def test_each_op_records_one_node():
    x = jt.constant(np.ones((1, 4, 4, 2), np.float32))
    k = jt.Variable(np.ones((3, 3, 2, 2), np.float32))
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = _conv.conv(x, k, None, strides=(1, 1), padding="SAME", dilation_rate=(1, 1))
        y = _pooling.avg_pool(y, pool_size=(2, 2), strides=(2, 2), padding="SAME")
    assert len(tape._nodes) == 2
    assert tape.gradient(y, k) is not None
