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


# ----------------------------------------------------------------------------- layers

import importlib.util  # noqa: E402

from jtape import nn  # noqa: E402


def _load_cases():
    path = os.path.join(os.path.dirname(__file__), "fixtures", "record_keras_conv_rnn.py")
    spec = importlib.util.spec_from_file_location("record_keras_conv_rnn", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


CASES = _load_cases()
LAYER_CASES = [c for c in CASES if c[1] not in ("SimpleRNN", "LSTM", "GRU")]


def _fixture(name):
    return {k.split("/")[1]: FIXTURE[k] for k in FIXTURE.files if k.startswith(name + "/")}


def _layer_class(name):
    for module in (_conv, _pooling):
        if hasattr(module, name):
            return getattr(module, name)
    raise AssertionError(name)


@pytest.mark.parametrize("name,cls,kwargs,shape,_", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_layers_match_keras_fixture(name, cls, kwargs, shape, _):
    f = _fixture(name)
    layer_cls = _layer_class(cls)
    if issubclass(layer_cls, _conv._BaseConv):
        # The weights are overwritten: skip compiling a random initializer per shape.
        kwargs = dict(kwargs, kernel_initializer="zeros")
    layer = layer_cls(**kwargs)
    layer.build(shape)
    weights = [f[f"w{i}"] for i in range(sum(k.startswith("w") for k in f))]
    assert [tuple(w.shape) for w in layer.get_weights()] == [w.shape for w in weights]
    layer.set_weights(weights)
    y = layer(f["x"])
    np.testing.assert_allclose(y.numpy(), f["y0"], atol=1e-5)


def test_conv_layer_default_initializers():
    layer = _conv.Conv2D(32, (3, 5))
    layer.build((None, 16, 16, 8))
    k = layer.kernel.numpy()
    # glorot_uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)), fans include the window.
    limit = math.sqrt(6.0 / (3 * 5 * 8 + 3 * 5 * 32))
    assert k.shape == (3, 5, 8, 32)
    assert np.abs(k).max() <= limit
    assert abs(k.std() - limit / math.sqrt(3)) < 0.05 * limit
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(32))
    t = _conv.Conv2DTranspose(6, 3, kernel_initializer="zeros")
    t.build((None, 4, 4, 2))
    assert t.kernel.shape == (3, 3, 6, 2)
    assert [w.name for w in t.trainable_weights] == [t.kernel.name, t.bias.name]


def test_conv_layers_channels_first(rng):
    x = _rand(rng, 2, 6, 5, 3)
    xf = np.transpose(x, (0, 3, 1, 2))
    zeros = dict(kernel_initializer="zeros")
    for cls, kw in [
        (_conv.Conv2D, dict(filters=4, kernel_size=3, strides=2, padding="same", **zeros)),
        (_conv.Conv2DTranspose, dict(filters=4, kernel_size=3, strides=2, **zeros)),
        (_pooling.UpSampling2D, dict(size=(2, 3))),
        (_pooling.ZeroPadding2D, dict(padding=((1, 2), (3, 0)))),
        (_pooling.GlobalAveragePooling2D, dict(keepdims=True)),
    ]:
        last, first = cls(**kw), cls(data_format="channels_first", **kw)
        if "filters" in kw:
            last.build(x.shape)
            first.build(xf.shape)
            weights = [_rand(rng, *w.shape) for w in last.weights]
            last.set_weights(weights)
            first.set_weights(weights)
        want = last(x).numpy()
        got = first(xf).numpy()
        np.testing.assert_allclose(np.transpose(got, (0, 2, 3, 1)), want, atol=1e-5)


def test_conv_layer_activation_is_fused_or_applied(rng):
    x = _rand(rng, 1, 5, 3)
    fused = _conv.Conv1D(2, 2, activation="relu", kernel_initializer="zeros")
    custom = _conv.Conv1D(2, 2, activation=lambda t: jt.square(t), kernel_initializer="zeros")
    for layer in (fused, custom):
        layer.build(x.shape)
        layer.set_weights([_rand(rng, 2, 3, 2), _rand(rng, 2)])
    k, b = fused.get_weights()
    pre = np_conv(x, k, (1,), [(0, 0)], (1,)) + b
    with jt.GradientTape() as tape:
        y = fused(x)
    assert len(tape._nodes) == 1  # the activation is part of the conv op
    np.testing.assert_allclose(y.numpy(), np.maximum(pre, 0), atol=1e-5)
    k, b = custom.get_weights()
    pre = np_conv(x, k, (1,), [(0, 0)], (1,)) + b
    np.testing.assert_allclose(custom(x).numpy(), pre**2, atol=1e-5)


def _pure_model(params, x):
    """Conv2D(relu, same) -> MaxPool(2) -> Conv2DTranspose(s2, same) -> GAP, on arrays."""
    k1, b1, k2, b2 = params
    y = jax.nn.relu(
        _conv.conv.__jtape_op__(x, k1, b1, strides=(1, 1), padding="SAME", dilation_rate=(1, 1))
    )
    y = _pooling.max_pool.__jtape_op__(y, pool_size=(2, 2), strides=(2, 2), padding="VALID")
    pads = tuple(_conv.conv_transpose_padding(3, 2, 1, "same", None) for _ in range(2))
    y = _conv.conv_transpose.__jtape_op__(
        y, k2, b2, strides=(2, 2), padding=pads, dilation_rate=(1, 1)
    )
    return jnp.mean(y, axis=(1, 2))


ZEROS = dict(kernel_initializer="zeros")  # tests set random weights themselves: no
# random-initializer compilation per kernel shape


def _model(rng, x):
    model = nn.Sequential(
        [
            _conv.Conv2D(4, 3, padding="same", activation="relu", **ZEROS),
            _pooling.MaxPooling2D(),
            _conv.Conv2DTranspose(2, 3, strides=2, padding="same", **ZEROS),
            _pooling.GlobalAveragePooling2D(),
        ]
    )
    model(x)
    model.set_weights([_rand(rng, *w.shape) for w in model.weights])
    return model


def test_conv_model_gradients_under_tape_match_jax_grad(rng):
    x = _rand(rng, 2, 6, 6, 3)
    model = _model(rng, x)
    with jt.GradientTape() as tape:
        loss = jt.sum(jt.square(model(x)))
    grads = tape.gradient(loss, model.trainable_variables)
    params = [v.numpy() for v in model.trainable_variables]
    want = jax.jit(jax.grad(lambda p: jnp.sum(jnp.square(_pure_model(p, x)))))(params)
    for g, w in zip(grads, want):
        np.testing.assert_allclose(g.numpy(), w, atol=1e-5)


def test_conv_model_inside_jt_function(rng):
    x = _rand(rng, 2, 6, 6, 3)
    model = _model(rng, x)
    start = [v.numpy() for v in model.trainable_variables]

    @jt.function
    def step(x):
        with jt.GradientTape() as tape:
            loss = jt.sum(jt.square(model(x)))
        grads = tape.gradient(loss, model.trainable_variables)
        for v, g in zip(model.trainable_variables, grads):
            v.assign_sub(0.1 * g)
        return loss

    loss = step(jt.constant(x))
    want_loss, want_grads = jax.value_and_grad(lambda p: jnp.sum(jnp.square(_pure_model(p, x))))(
        start
    )
    np.testing.assert_allclose(float(loss), float(want_loss), rtol=1e-5)
    for v, p, g in zip(model.trainable_variables, start, want_grads):
        np.testing.assert_allclose(v.numpy(), p - 0.1 * np.asarray(g), atol=1e-5)


def test_layers_on_symbolic_inputs():
    inputs = nn.Input((9, 8, 3))
    y = _conv.Conv2D(4, 3, strides=2, padding="same", **ZEROS)(inputs)
    y = _pooling.ZeroPadding2D(1)(y)
    y = _pooling.AveragePooling2D(3, strides=1)(y)
    y = _pooling.UpSampling2D(2, interpolation="bilinear")(y)
    y = _conv.Conv2DTranspose(2, 2, strides=2, **ZEROS)(y)
    model = nn.Model(inputs, _pooling.GlobalMaxPooling2D()(y))
    assert tuple(y.shape) == (None, 20, 16, 2)
    assert model(np.ones((3, 9, 8, 3), np.float32)).shape == (3, 2)
    seq = nn.Input((10, 2))
    out = _pooling.GlobalAveragePooling1D()(
        _pooling.MaxPooling1D(2)(_conv.Conv1D(3, 3, padding="causal", **ZEROS)(seq))
    )
    assert tuple(out.shape) == (None, 3)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: _conv.Conv2D(4, 3, padding="causal"), "padding"),
        (lambda: _conv.Conv2D(0, 3), "filters"),
        (lambda: _conv.Conv2D(4, (3, 3, 3)), "kernel_size"),
        (lambda: _conv.Conv2D(4, 3, strides=2, dilation_rate=2), "dilation_rate"),
        (lambda: _conv.Conv2D(5, 3, groups=2), "groups"),
        (lambda: _conv.Conv2DTranspose(4, 3, strides=2, output_padding=2), "output_padding"),
        (lambda: _pooling.MaxPooling2D(padding="full"), "padding"),
        (lambda: _pooling.UpSampling2D(interpolation="area"), "interpolation"),
        (lambda: _pooling.ZeroPadding2D((1, 2, 3)), "padding"),
        (lambda: _conv.Conv2D(4, 3, data_format="NHWC"), "data_format"),
    ],
)
def test_bad_constructor_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_call_inputs_leave_layer_unchanged():
    layer = _conv.Conv2D(4, 3, **ZEROS)
    with pytest.raises(ValueError, match="ndim=4"):
        layer(np.ones((2, 8, 3), np.float32))
    assert not layer.built and layer.weights == []
    layer(np.ones((1, 5, 5, 3), np.float32))
    kernel = layer.kernel.numpy()
    with pytest.raises(ValueError, match="axis -1"):
        layer(np.ones((1, 5, 5, 2), np.float32))
    np.testing.assert_array_equal(layer.kernel.numpy(), kernel)
    with pytest.raises(ValueError, match="output size"):
        _conv.Conv2D(2, 5, **ZEROS)(np.ones((1, 3, 3, 1), np.float32))
    with pytest.raises(ValueError, match="ndim=4"):
        _pooling.MaxPooling2D()(np.ones((1, 4, 4), np.float32))


@pytest.mark.parametrize("module", [_conv, _pooling], ids=["conv", "pooling"])
def test_docstring_examples(module):
    import doctest

    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
