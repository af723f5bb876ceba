"""ConvLSTM1D/2D/3D against Keras 3.15 (TensorFlow 2.21 backend) and against plain JAX.

Keras' values (outputs, final states, gradients w.r.t. inputs, initial states and
weights, weight paths and configs, a saved ``.keras`` model) are recorded by
``fixtures/record_conv_lstm.py``. Gradients are also checked against ``jax.grad`` of an
independent pure function (a Python loop over time steps of ``lax.conv_general_dilated``).
"""

from __future__ import annotations

import json
import os
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import jtape.compat as tf
from jtape import nn

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
sys.path.insert(0, HERE)
from record_conv_lstm import CASES  # noqa: E402

FIX = np.load(os.path.join(HERE, "conv_lstm.npz"))
with open(os.path.join(HERE, "conv_lstm.json")) as _f:
    META = json.load(_f)


def _plain(value):
    """A config value as JSON would give it back (tuples as lists)."""
    return json.loads(json.dumps(value, default=str))


def _build(name):
    cls, kwargs, shape, _ = CASES[name]
    layer = getattr(nn, cls)(**kwargs)
    layer.build(shape)
    layer.set_weights([FIX[f"{name}/w{i}"] for i in range(len(layer.weights))])
    return layer


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name):
    _, _, shape, opts = CASES[name]
    layer = _build(name)
    x = tf.constant(FIX[f"{name}/x"])
    kw = {}
    if opts.get("mask"):
        kw["mask"] = tf.constant(FIX[f"{name}/mask"])
    states = []
    if opts.get("initial_state"):
        states = [tf.constant(FIX[f"{name}/s{i}"]) for i in range(2)]
        kw["initial_state"] = states
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        for s in states:
            tape.watch(s)
        ys = layer(x, **kw)
        ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
        loss = sum(tf.reduce_sum(y * FIX[f"{name}/ct{i}"]) for i, y in enumerate(ys))
    n_out = len([k for k in FIX.files if k.startswith(f"{name}/y")])
    assert len(ys) == n_out
    for i, y in enumerate(ys):
        np.testing.assert_allclose(y.numpy(), FIX[f"{name}/y{i}"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        tape.gradient(loss, x).numpy(), FIX[f"{name}/gx"], rtol=1e-4, atol=1e-5
    )
    for i, s in enumerate(states):
        g = tape.gradient(loss, s).numpy()
        np.testing.assert_allclose(g, FIX[f"{name}/gs{i}"], rtol=1e-4, atol=1e-5)
    grads = tape.gradient(loss, layer.trainable_variables)
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g.numpy(), FIX[f"{name}/gw{i}"], rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("name", sorted(CASES))
def test_weights_and_config_match_keras(name):
    layer = _build(name)
    meta = META[name]
    # Paths below the layer's own (unique, order-dependent) name.
    paths = [w.name.split(":")[0].split("/", 1)[1] for w in layer.weights]
    assert paths == [p.split("/", 1)[1] for p in meta["paths"]]
    assert [list(w.shape) for w in layer.weights] == meta["shapes"]
    config, expected = _plain(layer.get_config()), dict(meta["config"])
    assert config.pop("name").startswith("conv_lstm")
    expected.pop("name")
    assert config == expected
    again = type(layer).from_config(layer.get_config())
    assert _plain(again.get_config()) == _plain(layer.get_config())


def _conv(x, k, strides, padding, dilation, channels_last):
    rank = k.ndim - 2
    sp = "DHW"[-rank:]
    data = f"N{sp}C" if channels_last else f"NC{sp}"
    return lax.conv_general_dilated(
        x, k, strides, padding, rhs_dilation=dilation, dimension_numbers=(data, f"{sp}IO", data)
    )


def _reference(x, kernel, recurrent_kernel, bias, *, strides, padding, dilation, dp=None, rdp=None):
    """Keras' ConvLSTM, channels last, as a loop of per-gate convolutions; ``dp``/``rdp``
    are Keras' per-gate dropout masks ``(4, ...)``."""
    rank = kernel.ndim - 2
    h = c = None
    outs = []
    ones = (1,) * rank
    for t in range(x.shape[1]):
        gates = []
        for g in range(4):
            k = jnp.split(kernel, 4, -1)[g]
            xg = x[:, t] if dp is None else x[:, t] * dp[g]
            zx = _conv(xg, k, strides, padding, dilation, True) + jnp.split(bias, 4)[g]
            gates.append(zx)
        if h is None:
            h = c = jnp.zeros_like(gates[0])
        rks = jnp.split(recurrent_kernel, 4, -1)
        hs = [h if rdp is None else h * rdp[g] for g in range(4)]
        z = [gates[g] + _conv(hs[g], rks[g], ones, "SAME", ones, True) for g in range(4)]
        i, f, o = jax.nn.sigmoid(z[0]), jax.nn.sigmoid(z[1]), jax.nn.sigmoid(z[3])
        c = f * c + i * jnp.tanh(z[2])
        h = o * jnp.tanh(c)
        outs.append(h)
    return jnp.stack(outs, 1), c


@pytest.mark.parametrize(
    "cls,kwargs,shape",
    [
        ("ConvLSTM2D", dict(strides=2, padding="same"), (2, 3, 5, 6, 2)),
        ("ConvLSTM1D", dict(dilation_rate=2, padding="valid"), (2, 4, 8, 3)),
    ],
)
def test_gradients_match_jax_grad(cls, kwargs, shape):
    rng = np.random.default_rng(0)
    layer = getattr(nn, cls)(3, 3, return_sequences=True, return_state=True, **kwargs)
    layer.build(shape)
    ws = [(0.4 * rng.normal(size=w.shape)).astype(np.float32) for w in layer.weights]
    layer.set_weights(ws)
    x = rng.normal(size=shape).astype(np.float32)
    rank = len(shape) - 3
    conf = dict(
        strides=tuple(layer.strides),
        padding=layer.padding.upper(),
        dilation=tuple(layer.dilation_rate),
    )

    def loss(x, *ws):
        seq, c = _reference(x, *ws, **conf)
        return jnp.sum(seq**2) + jnp.sum(jnp.sin(c))

    expected = jax.grad(loss, argnums=(0, 1, 2, 3))(jnp.asarray(x), *map(jnp.asarray, ws))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        seq, h, c = layer(xt)
        value = tf.reduce_sum(seq**2) + tf.reduce_sum(tf.sin(c))
    got = tape.gradient(value, [xt, *layer.trainable_variables])
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.numpy(), e, rtol=2e-4, atol=2e-5)
    assert seq.shape[2 : 2 + rank] == h.shape[1 : 1 + rank]


def test_keras_file_loads_and_round_trips(tmp_path):
    model = nn.models.load_model(os.path.join(HERE, "conv_lstm2d.keras"))
    x = FIX["file/x"]
    np.testing.assert_allclose(model.predict(x, verbose=0), FIX["file/y"], rtol=1e-4, atol=1e-5)
    assert type(model.layers[0]).__name__ == "ConvLSTM2D" and model.layers[0].return_sequences
    path = str(tmp_path / "again.keras")
    model.save(path)
    again = nn.models.load_model(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), FIX["file/y"], rtol=1e-4, atol=1e-5)


def test_stateful_carries_and_resets_states():
    rng = np.random.default_rng(1)
    x1, x2 = (rng.normal(size=(2, 3, 4, 4, 1)).astype(np.float32) for _ in range(2))
    layer = nn.ConvLSTM2D(2, 3, padding="same", stateful=True)
    plain = nn.ConvLSTM2D(2, 3, padding="same", return_state=True)
    layer.build(x1.shape)
    plain.build(x1.shape)
    plain.set_weights(layer.get_weights())
    assert len(layer.weights) == 3 and layer.states[0].shape == (2, 4, 4, 2)
    _, h, c = plain(x1)
    layer(x1)
    np.testing.assert_allclose(layer.states[1].numpy(), c.numpy(), rtol=1e-6)
    expected, _, _ = plain(x2, initial_state=[h, c])
    np.testing.assert_allclose(layer(x2).numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)
    layer.reset_states()
    assert not np.any(layer.states[0].numpy())
    with pytest.raises(ValueError, match="batch size"):
        layer(x1[:1])


def test_cell_step_matches_layer():
    layer = nn.ConvLSTM2D(3, 2, padding="same", return_state=True)
    x = np.random.default_rng(2).normal(size=(2, 1, 4, 5, 2)).astype(np.float32)
    out, h, c = layer(x)
    zeros = tf.zeros((2, 4, 5, 3))
    step, (h1, c1) = layer.cell(x[:, 0], [zeros, zeros])
    np.testing.assert_allclose(step.numpy(), out.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c1.numpy(), c.numpy(), rtol=1e-5, atol=1e-6)


def test_dropout_only_in_training():
    layer = nn.ConvLSTM1D(2, 3, dropout=0.5, recurrent_dropout=0.5, seed=3)
    ref = nn.ConvLSTM1D(2, 3)
    x = np.ones((2, 3, 6, 2), np.float32)
    layer.build(x.shape)
    ref.build(x.shape)
    ref.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(x).numpy(), ref(x).numpy(), rtol=1e-6)
    trained = layer(x, training=True).numpy()
    assert trained.shape == (2, 4, 2) and not np.allclose(trained, ref(x).numpy())


def test_defaults_and_bias_init():
    layer = tf.keras.layers.ConvLSTM2D(4, 3)
    layer(np.zeros((1, 2, 5, 5, 3), np.float32))
    assert (layer.activation, layer.recurrent_activation) == (
        nn.activations.tanh,
        nn.activations.sigmoid,
    )
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0] * 4 + [1] * 4 + [0] * 8)
    rk = layer.cell.recurrent_kernel.numpy().reshape(-1, 16)  # orthogonal columns
    np.testing.assert_allclose(rk.T @ rk, np.eye(16), atol=1e-5)


def test_errors():
    with pytest.raises(ValueError, match="dilation_rate"):
        nn.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding"):
        nn.ConvLSTM2D(2, 3, padding="causal")
    layer = nn.ConvLSTM2D(2, 3, return_state=True)
    with pytest.raises(ValueError, match="ndim=5"):
        layer(np.zeros((1, 2, 5, 3), np.float32))
    x = np.zeros((1, 2, 5, 5, 3), np.float32)
    with pytest.raises(ValueError, match=r"initial_state\[0\]"):
        layer(x, initial_state=[np.zeros((1, 5, 5, 2), np.float32)] * 2)


def test_more_errors_and_whole_float_filters():
    with pytest.raises(ValueError, match="empty output"):
        nn.ConvLSTM2D(2, 3)(np.ones((1, 2, 2, 2, 3), np.float32))
    with pytest.raises(ValueError, match="filters"):
        nn.ConvLSTM2D(0, 3)
    layer = nn.ConvLSTM1D(2.0, 3)  # Keras keeps a whole float as given
    assert layer(np.ones((1, 2, 5, 3), np.float32)).shape == (1, 3, 2)
    assert layer.get_config()["filters"] == 2.0
    seq = nn.ConvLSTM2D(2, 3, strides=2, return_sequences=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match="mask"):
        seq(np.ones((2, 4, 5, 5, 2), np.float32), mask=np.ones((2, 4, 5, 5), bool))


def test_regularizer_losses():
    layer = nn.ConvLSTM1D(2, 3, kernel_regularizer=nn.regularizers.L2(0.1), bias_regularizer="l1")
    layer.build((1, 2, 5, 3))
    layer.set_weights([np.full(w.shape, 0.5, np.float32) for w in layer.weights])
    # kernel (3, 3, 8): 0.1 * 72 * 0.25; bias (8,): 0.01 * 8 * 0.5
    np.testing.assert_allclose([float(v) for v in layer.losses], [1.8, 0.04], rtol=1e-6)


def test_dropout_masks_per_gate_as_keras():
    # Keras' ConvLSTMCell draws one input and one recurrent mask per gate.
    from jtape.nn._conv_lstm import _conv_lstm

    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 5, 2)).astype(np.float32)
    ws = [rng.normal(size=s).astype(np.float32) for s in ((3, 2, 8), (3, 2, 8), (8,))]
    dp = (rng.random((4, 2, 5, 2)) > 0.5).astype(np.float32) * 2
    rdp = (rng.random((4, 2, 3, 2)) > 0.5).astype(np.float32) * 2
    conf = dict(strides=(1,), padding="valid", dilation_rate=(1,))
    out, h, c = _conv_lstm(x, None, None, *ws, None, dp, rdp, return_sequences=True, **conf)
    conf["dilation"] = conf.pop("dilation_rate")
    seq, c_ref = _reference(x, *ws, **conf, dp=dp, rdp=rdp)
    np.testing.assert_allclose(out, seq, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c, c_ref, rtol=1e-5, atol=1e-6)
    layer = nn.ConvLSTM1D(2, 3, dropout=0.5, recurrent_dropout=0.5, seed=1)
    layer(x[:, :, :5], training=True)
    dp, rdp = layer.cell.dropout_masks((2, 5, 2), (2, 3, 2), "float32", True)
    assert dp.shape == (4, 2, 5, 2) and rdp.shape == (4, 2, 3, 2)
    assert set(np.unique(dp.numpy())) <= {0.0, 2.0}
