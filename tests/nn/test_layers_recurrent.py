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
        out = new[0]
        if mask is not None:
            # Keras: a masked step keeps the states and repeats the previous output
            # (zeros before the first unmasked step, whatever the initial state).
            keep = mask[:, t][:, None]
            new = [np.where(keep, n, s) for n, s in zip(new, states)]
            prev = outputs[-1] if outputs else np.zeros_like(out)
            out = np.where(keep, out, prev)
        states = new
        outputs.append(out)
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
@pytest.mark.parametrize("go_backwards,masked", [(False, False), (True, True)])
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

    # Without return_sequences the output is the last processed step's (unrolled here).
    last = _run_op(kind, x, states, weights, mask, go_backwards=go_backwards, unroll=masked)
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


# ----------------------------------------------------------------------------- layers

import importlib.util  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

from jtape import nn  # noqa: E402

ZEROS = dict(kernel_initializer="zeros", recurrent_initializer="zeros")  # tests set weights:
# skip compiling random initializers (orthogonal's QR) for every shape


def _load_cases():
    path = os.path.join(os.path.dirname(__file__), "fixtures", "record_keras_conv_rnn.py")
    spec = importlib.util.spec_from_file_location("record_keras_conv_rnn", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [c for c in module.CASES if c[1] in ("SimpleRNN", "LSTM", "GRU")]


RNN_CASES = _load_cases()


@pytest.mark.parametrize("name,cls,kwargs,shape,masked", RNN_CASES, ids=[c[0] for c in RNN_CASES])
def test_layers_match_keras_fixture(name, cls, kwargs, shape, masked):
    f = {k.split("/")[1]: FIXTURE[k] for k in FIXTURE.files if k.startswith(name + "/")}
    layer = getattr(_recurrent, cls)(**kwargs, **ZEROS)
    layer.build(shape)
    weights = [f[f"w{i}"] for i in range(3)]
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights]
    layer.set_weights(weights)
    out = layer(f["x"], mask=f["mask"]) if masked else layer(f["x"])
    out = out if isinstance(out, tuple) else (out,)
    ys = [f[f"y{i}"] for i in range(sum(k.startswith("y") for k in f))]
    assert len(out) == len(ys)
    for got, want in zip(out, ys):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-5)


def test_default_initializers():
    lstm = _recurrent.LSTM(8)
    lstm.build((None, 5, 3))
    k, u, b = lstm.get_weights()
    assert (k.shape, u.shape, b.shape) == ((3, 32), (8, 32), (32,))
    assert np.abs(k).max() <= np.sqrt(6.0 / (3 + 32))  # glorot_uniform
    np.testing.assert_allclose(u @ u.T, np.eye(8), atol=1e-5)  # orthogonal rows
    np.testing.assert_array_equal(b, np.r_[np.zeros(8), np.ones(8), np.zeros(16)])
    no_forget = _recurrent.LSTM(2, unit_forget_bias=False, **ZEROS)
    no_forget.build((None, 5, 3))
    np.testing.assert_array_equal(no_forget.bias.numpy(), np.zeros(8))
    gru = _recurrent.GRU(4, **ZEROS)
    gru.build((None, 5, 3))
    assert gru.bias.shape == (2, 12)
    gru_before = _recurrent.GRU(4, reset_after=False, **ZEROS)
    gru_before.build((None, 5, 3))
    assert gru_before.bias.shape == (12,)
    names = [w.name.split("/")[-1].split(":")[0] for w in gru.weights]
    assert names == ["kernel", "recurrent_kernel", "bias"]


def _set_random(layer, rng, shape):
    layer.build(shape)
    for w in layer.trainable_weights:
        w.assign(_rand(rng, *w.shape))
    return layer


def test_lstm_layer_gradients_under_tape_match_jax_grad(rng):
    x = _rand(rng, 2, 5, 3)
    layer = _set_random(_recurrent.LSTM(4, return_sequences=True, **ZEROS), rng, x.shape)
    with jt.GradientTape() as tape:
        loss = jt.sum(jt.square(layer(x)))
    assert len(tape._nodes) == 3  # the LSTM op, square, sum
    grads = tape.gradient(loss, layer.trainable_variables)

    def pure(params):
        seq = _recurrent._lstm(x, None, None, *params, return_sequences=True)[0]
        return jnp.sum(jnp.square(seq))

    want = jax.jit(jax.grad(pure))([v.numpy() for v in layer.trainable_variables])
    for g, w in zip(grads, want):
        np.testing.assert_allclose(g.numpy(), w, atol=1e-5)


def test_gru_train_step_inside_jt_function(rng):
    x = _rand(rng, 2, 5, 3)
    layer = _set_random(_recurrent.GRU(4, go_backwards=True, **ZEROS), rng, x.shape)
    start = [v.numpy() for v in layer.trainable_variables]

    @jt.function
    def step(x):
        with jt.GradientTape() as tape:
            loss = jt.sum(jt.square(layer(x)))
        grads = tape.gradient(loss, layer.trainable_variables)
        for v, g in zip(layer.trainable_variables, grads):
            v.assign_sub(0.1 * g)
        return loss

    loss = step(jt.constant(x))

    def pure(params):
        return jnp.sum(jnp.square(_recurrent._gru(x, None, *params, go_backwards=True)[0]))

    want_loss, want_grads = jax.jit(jax.value_and_grad(pure))(start)
    np.testing.assert_allclose(float(loss), float(want_loss), rtol=1e-5)
    for v, p, g in zip(layer.trainable_variables, start, want_grads):
        np.testing.assert_allclose(v.numpy(), p - 0.1 * np.asarray(g), atol=1e-5)


def test_dropout_training_vs_inference_and_seed(rng):
    x = _rand(rng, 4, 5, 3)
    kw = dict(dropout=0.5, recurrent_dropout=0.3, seed=3, return_sequences=True, **ZEROS)
    a = _set_random(_recurrent.SimpleRNN(6, **kw), rng, x.shape)
    b = _recurrent.SimpleRNN(6, **kw)
    b.build(x.shape)
    b.set_weights(a.get_weights())
    plain = _recurrent.SimpleRNN(6, return_sequences=True, **ZEROS)
    plain.build(x.shape)
    plain.set_weights(a.get_weights())

    np.testing.assert_allclose(a(x).numpy(), plain(x).numpy(), atol=1e-6)  # inference
    first = a(x, training=True).numpy()
    assert not np.allclose(first, plain(x).numpy())
    np.testing.assert_array_equal(b(x, training=True).numpy(), first)  # same seed
    assert not np.allclose(a(x, training=True).numpy(), first)  # the generator advanced

    # Dropout keys come from the layer's generator Variable, so jt.function sees fresh
    # masks on every call.
    train = jt.function(lambda t: a(t, training=True))
    y1, y2 = train(jt.constant(x)).numpy(), train(jt.constant(x)).numpy()
    assert not np.allclose(y1, y2)
    # One input mask per sequence: with constant inputs and no recurrence every step
    # sees the same kept features, so all steps agree while batch rows differ.
    fixed = _recurrent.SimpleRNN(
        2,
        dropout=0.5,
        seed=0,
        return_sequences=True,
        kernel_initializer="ones",
        recurrent_initializer="zeros",
    )
    h = fixed(np.ones((8, 3, 4), np.float32), training=True).numpy()
    np.testing.assert_allclose(h[:, 1:], np.broadcast_to(h[:, :1], h[:, 1:].shape), atol=1e-6)
    assert len(np.unique(np.round(h[:, 0, 0], 5))) > 1


def test_stateful_layer_carries_state_between_calls(rng):
    x = _rand(rng, 2, 6, 3)
    layer = _set_random(_recurrent.LSTM(4, stateful=True, **ZEROS), rng, x.shape)
    full = _recurrent.LSTM(4, **ZEROS)
    full.build(x.shape)
    # Keras 3.15 does not track a stateful layer's states as weights (checked).
    assert len(layer.weights) == 3 and len(layer.trainable_weights) == 3
    assert len(layer.variables) == 5
    full.set_weights(layer.get_weights())
    layer(x[:, :3])
    np.testing.assert_allclose(layer(x[:, 3:]).numpy(), full(x).numpy(), atol=1e-5)
    assert [v.trainable for v in layer.states] == [False, False]
    layer.reset_states()
    np.testing.assert_array_equal(layer.states[0].numpy(), np.zeros((2, 4)))
    np.testing.assert_allclose(layer(x[:, :3]).numpy(), full(x[:, :3]).numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="batch size"):
        _recurrent.GRU(2, stateful=True).build((None, 3, 2))


def test_initial_state_and_custom_activation(rng):
    x = _rand(rng, 2, 4, 3)
    h0 = _rand(rng, 2, 5)
    # A user activation on Tensors runs inside the scan through an adapter.
    layer = _recurrent.SimpleRNN(
        5, activation=lambda t: 0.5 * jt.tanh(t), return_sequences=True, **ZEROS
    )
    _set_random(layer, rng, x.shape)
    kernel, rkernel, bias = layer.get_weights()
    want, h = [], h0
    for t in range(4):
        h = 0.5 * np.tanh(x[:, t] @ kernel + bias + h @ rkernel)
        want.append(h)
    h0_t = jt.constant(h0)
    with jt.GradientTape() as tape:
        tape.watch(h0_t)
        y = layer(x, initial_state=h0_t)
    np.testing.assert_allclose(y.numpy(), np.stack(want, 1), atol=1e-5)
    g = tape.gradient(y, h0_t)
    assert g is not None and g.shape == (2, 5)

    lstm = _recurrent.LSTM(5, **ZEROS)
    with pytest.raises(ValueError, match="initial_state"):
        lstm(x, initial_state=[h0])
    with pytest.raises(ValueError, match=r"initial_state\[1\]"):
        lstm(x, initial_state=[h0, h0[:1]])


def test_layers_on_symbolic_inputs():
    inputs = nn.Input((7, 3))
    seq = _recurrent.LSTM(4, return_sequences=True, **ZEROS)(inputs)
    out, state = _recurrent.GRU(2, return_state=True, go_backwards=True, **ZEROS)(seq)
    model = nn.Model(inputs, [out, state])
    assert tuple(seq.shape) == (None, 7, 4)
    assert tuple(out.shape) == (None, 2) and tuple(state.shape) == (None, 2)
    y, s = model(np.ones((3, 7, 3), np.float32))
    assert y.shape == (3, 2)
    np.testing.assert_allclose(y.numpy(), s.numpy())


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: _recurrent.LSTM(0), "units"),
        (lambda: _recurrent.SimpleRNN(2, bogus=1), "bogus"),
    ],
)
def test_bad_constructor_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_call_inputs():
    layer = _recurrent.GRU(3, **ZEROS)
    with pytest.raises(ValueError, match="ndim=3"):
        layer(np.ones((2, 3), np.float32))
    assert not layer.built
    layer(np.ones((2, 4, 3), np.float32))
    with pytest.raises(ValueError, match="axis -1"):
        layer(np.ones((2, 4, 5), np.float32))
    with pytest.raises(ValueError, match="mask"):
        layer(np.ones((2, 4, 3), np.float32), mask=np.ones((2, 3), bool))


def test_docstring_examples():
    import doctest

    result = doctest.testmod(_recurrent)
    assert result.failed == 0 and result.attempted > 0
