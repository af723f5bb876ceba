"""SimpleRNN, LSTM and GRU: ops and layers.

Checked against a step-by-step numpy implementation of Keras' cell equations, against
Keras 3 outputs recorded with TensorFlow (``fixtures/record_keras_conv_rnn.py``), and
gradients against ``jax.vjp`` and finite differences (``tests/gradcheck.py``).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
from jtape.nn import _recurrent

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras_conv_rnn.npz"))


def _rand(rng, *shape, scale=1.0):
    return (scale * rng.uniform(-1.0, 1.0, size=shape)).astype(np.float32)


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


# ----------------------------------------------------------------------------- numpy reference


def np_rnn(kind, x, states, kernel, rkernel, bias, mask=None, go_backwards=False, reset_after=True):
    """Keras' RNN loop, one cell step at a time, in float64.

    Returns ``(outputs in processing order, final states)``.
    """
    x = x.astype(np.float64)
    states = [s.astype(np.float64) for s in states]
    units = rkernel.shape[0]
    steps = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    outputs = []
    for t in steps:
        xt, h = x[:, t], states[0]
        if kind == "simple":
            new = [np.tanh(xt @ kernel + bias + h @ rkernel)]
        elif kind == "lstm":
            z = xt @ kernel + h @ rkernel + bias
            i, f, c_, o = (z[:, j * units : (j + 1) * units] for j in range(4))
            c = _sigmoid(f) * states[1] + _sigmoid(i) * np.tanh(c_)
            new = [_sigmoid(o) * np.tanh(c), c]
        else:
            bx, bh = (bias[0], bias[1]) if reset_after else (bias, np.zeros_like(bias))
            mx = xt @ kernel + bx
            xz, xr, xh = mx[:, :units], mx[:, units : 2 * units], mx[:, 2 * units :]
            mh = h @ rkernel + bh
            z = _sigmoid(xz + mh[:, :units])
            r = _sigmoid(xr + mh[:, units : 2 * units])
            if reset_after:
                hh = np.tanh(xh + r * mh[:, 2 * units :])
            else:
                hh = np.tanh(xh + (r * h) @ rkernel[:, 2 * units :])
            new = [z * h + (1 - z) * hh]
        if mask is not None:
            keep = mask[:, t][:, None]
            new = [np.where(keep, n, s) for n, s in zip(new, states)]
        states = new
        outputs.append(states[0])
    return np.stack(outputs, axis=1), states


def _weights(rng, kind, input_dim, units, reset_after=True):
    gates = {"simple": 1, "lstm": 4, "gru": 3}[kind]
    kernel = _rand(rng, input_dim, gates * units)
    rkernel = _rand(rng, units, gates * units)
    if kind == "gru" and reset_after:
        bias = _rand(rng, 2, gates * units)
    else:
        bias = _rand(rng, gates * units)
    return kernel, rkernel, bias


def _run_op(kind, x, states, weights, mask=None, **kw):
    fn = {"simple": _recurrent.simple_rnn, "lstm": _recurrent.lstm, "gru": _recurrent.gru}[kind]
    return fn(x, *states, *weights, mask, **kw)


# ----------------------------------------------------------------------------- ops


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_rnn_ops_match_numpy(rng, kind, go_backwards, masked):
    batch, time, input_dim, units = 3, 5, 2, 4
    x = _rand(rng, batch, time, input_dim)
    weights = _weights(rng, kind, input_dim, units)
    states = [_rand(rng, batch, units) for _ in range(2 if kind == "lstm" else 1)]
    mask = rng.uniform(size=(batch, time)) > 0.3 if masked else None
    want_seq, want_states = np_rnn(kind, x, states, *weights, mask, go_backwards)

    out = _run_op(kind, x, states, weights, mask, go_backwards=go_backwards, return_sequences=True)
    np.testing.assert_allclose(out[0].numpy(), want_seq, atol=1e-5)
    for got, want in zip(out[1:], want_states):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-5)

    last = _run_op(kind, x, states, weights, mask, go_backwards=go_backwards, unroll=True)
    np.testing.assert_allclose(last[0].numpy(), want_seq[:, -1], atol=1e-5)


def test_gru_reset_before_matches_numpy(rng):
    x = _rand(rng, 2, 4, 3)
    weights = _weights(rng, "gru", 3, 2, reset_after=False)
    h0 = _rand(rng, 2, 2)
    want_seq, _ = np_rnn("gru", x, [h0], *weights, reset_after=False)
    got = _recurrent.gru(x, h0, *weights, reset_after=False, return_sequences=True)[0]
    np.testing.assert_allclose(got.numpy(), want_seq, atol=1e-5)


def test_rnn_op_dropout_masks_scale_inputs_and_state(rng):
    # Dropout masks multiply x (every step) and h before the recurrent matmul.
    x = _rand(rng, 2, 3, 2)
    kernel, rkernel, bias = _weights(rng, "simple", 2, 3)
    h0 = _rand(rng, 2, 3)
    in_mask = np.array([[2.0, 0.0], [0.0, 2.0]], np.float32)
    rec_mask = np.array([[0.0, 2.0, 2.0], [2.0, 2.0, 0.0]], np.float32)
    got = _recurrent.simple_rnn(
        x, h0, kernel, rkernel, bias, None, in_mask, rec_mask, return_sequences=True
    )[0]
    h, want = h0, []
    for t in range(3):
        h = np.tanh((x[:, t] * in_mask) @ kernel + bias + (h * rec_mask) @ rkernel)
        want.append(h)
    np.testing.assert_allclose(got.numpy(), np.stack(want, 1), atol=1e-5)


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
def test_rnn_op_grads(kind):
    rng = np.random.default_rng(7)
    x = _rand(rng, 2, 3, 2)
    weights = _weights(rng, kind, 2, 3)
    nstates = 2 if kind == "lstm" else 1
    states = [_rand(rng, 2, 3) for _ in range(nstates)]
    fn = {"simple": _recurrent.simple_rnn, "lstm": _recurrent.lstm, "gru": _recurrent.gru}[kind]

    def f_jtape(*args):
        return fn(*args, return_sequences=True, go_backwards=True)[0]

    def f_pure(*args):
        return fn.__jtape_op__(*args, return_sequences=True, go_backwards=True)[0]

    check_grads(f_jtape, f_pure, [x, *states, *weights])


def test_rnn_op_records_one_node(rng):
    x = jt.constant(_rand(rng, 2, 6, 3))
    kernel, rkernel, bias = (jt.Variable(w) for w in _weights(rng, "lstm", 3, 4))
    zeros = jt.zeros([2, 4])
    with jt.GradientTape() as tape:
        out, h, c = _recurrent.lstm(x, zeros, zeros, kernel, rkernel, bias)
    assert len(tape._nodes) == 1
    grads = tape.gradient(out, [kernel, rkernel, bias])
    assert all(g is not None for g in grads)


# ----------------------------------------------------------------------------- Keras fixture (ops)


@pytest.mark.parametrize(
    "name,kind,kw",
    [
        ("simplernn_seq_state", "simple", dict(return_sequences=True)),
        ("simplernn_back", "simple", dict(return_sequences=True, go_backwards=True)),
        ("lstm_state_back", "lstm", dict(go_backwards=True)),
        ("lstm_seq", "lstm", dict(return_sequences=True)),
        ("gru_seq_state", "gru", dict(return_sequences=True)),
        ("gru_reset_before", "gru", dict(return_sequences=True, reset_after=False)),
        ("gru_masked", "gru", dict(return_sequences=True)),
        ("lstm_masked_back", "lstm", dict(return_sequences=True, go_backwards=True)),
    ],
)
def test_rnn_ops_match_keras_fixture(name, kind, kw):
    f = {k.split("/")[1]: FIXTURE[k] for k in FIXTURE.files if k.startswith(name + "/")}
    x = f["x"]
    units = f["w1"].shape[0]
    zeros = np.zeros((x.shape[0], units), np.float32)
    states = [zeros, zeros] if kind == "lstm" else [zeros]
    out = _run_op(kind, x, states, (f["w0"], f["w1"], f["w2"]), f.get("mask"), **kw)
    ys = [f[f"y{i}"] for i in range(sum(k.startswith("y") for k in f))]
    for got, want in zip(out, ys):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-5)
