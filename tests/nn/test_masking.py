"""Keras masks: propagation through layers and models, masked RNNs, losses and fit.

Expected values come from Keras 3 (``fixtures/record_keras_masking.py``), from numpy
re-implementations, and gradients from ``jax.grad`` and finite differences.
"""

from __future__ import annotations

import gc
import os
import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads, numerical_vjp

import jtape as jt
from jtape import nn
from jtape.nn import _masking

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras_masking.npz"))
ZEROS = dict(kernel_initializer="zeros", recurrent_initializer="zeros")
VOCAB, EMBED, UNITS, CLASSES = 7, 3, 4, 5


def case(name: str) -> dict:
    return {k.split("/", 1)[1]: FIXTURE[k] for k in FIXTURE.files if k.startswith(name + "/")}


def ws(f: dict) -> list:
    return [f[f"w{i}"] for i in range(sum(bool(re.fullmatch(r"w\d+", k)) for k in f))]


def ys(f: dict) -> list:
    return [f[f"y{i}"] for i in range(sum(bool(re.fullmatch(r"y\d+", k)) for k in f))]


def _rnn(kind, **kw):
    return getattr(nn, kind)(UNITS, return_sequences=True, return_state=True, **ZEROS, **kw)


# ----------------------------------------------------------------------------- propagation


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("pad", ["right", "left"])
def test_embedding_rnn_dense_functional_matches_keras(kind, pad):
    f = case(f"{kind}_{pad}")
    inp = nn.Input((5,), dtype="int32")
    emb = nn.Embedding(VOCAB, EMBED, mask_zero=True)(inp)
    seq, *states = _rnn(kind)(emb)
    dense = nn.Dense(CLASSES)(seq)
    # Masks propagate symbolically too: a (batch, time) bool KerasTensor.
    assert dense._keras_mask.shape == (None, 5) and seq._keras_mask is not None
    assert all(s._keras_mask is None for s in states)
    model = nn.Model(inp, [dense, seq, *states])
    model.set_weights(ws(f))
    out = model(f["x"])
    want = ys(f)
    for got, w in zip(out, want[:-1]):
        np.testing.assert_allclose(got.numpy(), w, atol=2e-5)
    np.testing.assert_array_equal(out[0]._keras_mask.numpy(), want[-1])
    np.testing.assert_array_equal(want[-1], f["x"] != 0)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_embedding_rnn_dense_sequential_and_eager_match_keras(kind):
    f = case(f"{kind}_left")
    w = ws(f)
    emb = nn.Embedding(VOCAB, EMBED, mask_zero=True)
    rnn = getattr(nn, kind)(UNITS, return_sequences=True, **ZEROS)
    dense = nn.Dense(CLASSES)
    model = nn.Sequential([emb, rnn, dense])
    model.build((None, 5))
    model.set_weights(w)
    y = model(f["x"])
    np.testing.assert_allclose(y.numpy(), f["y0"], atol=2e-5)
    np.testing.assert_array_equal(y._keras_mask.numpy(), f["x"] != 0)
    # Plain eager chaining: the mask rides on the tensors from layer to layer.
    e = emb(jt.constant(f["x"]))
    assert e._keras_mask is not None
    np.testing.assert_allclose(dense(rnn(e)).numpy(), f["y0"], atol=2e-5)
    # The mask matters: without it the padded steps change the result.
    _masking.set_keras_mask(e, None)
    assert not np.allclose(dense(rnn(e)).numpy(), f["y0"], atol=1e-3)


def test_masking_layer_matches_keras():
    f = case("masking_layer")
    inp = nn.Input((5, 2))
    m = nn.Masking(0.0)(inp)
    seq = nn.SimpleRNN(UNITS, return_sequences=True, **ZEROS)(m)
    last = nn.GRU(2, **ZEROS)(seq)
    model = nn.Model(inp, [seq, last])
    model.set_weights(ws(f))
    for got, want in zip(model(f["x"]), ys(f)):
        np.testing.assert_allclose(got.numpy(), want, atol=2e-5)
    y = nn.Masking(0.0)(f["x"])
    np.testing.assert_array_equal(y._keras_mask.numpy(), np.any(f["x"] != 0, axis=-1))
    with pytest.raises(ValueError, match="mask_value"):
        nn.Masking("zero")


def test_time_preserving_layers_pass_the_mask_and_flatten_drops_it():
    x = nn.Embedding(VOCAB, EMBED, mask_zero=True)(jt.constant([[1, 0, 2]]))
    want = [[True, False, True]]
    for layer in (
        nn.Dense(2),
        nn.Dropout(0.5, seed=1),
        nn.Activation("relu"),
        nn.ReLU(),
        nn.LeakyReLU(),
        nn.LayerNormalization(),
        nn.BatchNormalization(),
        nn.TimeDistributed(nn.Dense(2)),
    ):
        y = layer(x, training=True)
        assert y._keras_mask.numpy().tolist() == want, layer.name
    assert nn.Add()([x, x])._keras_mask.numpy().tolist() == want
    plain = jt.ones((1, 3, EMBED))
    assert nn.Add()([x, plain])._keras_mask is None  # Keras: None if any input has none
    cat = nn.Concatenate()([x, plain])
    assert cat._keras_mask.numpy().tolist() == [[True, True, True]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert nn.Flatten()(x)._keras_mask is None
        assert nn.GlobalMaxPooling1D()(x)._keras_mask is None
    assert len(caught) == 2 and "does not support masking" in str(caught[0].message)
    # An RNN without return_sequences ends the mask; with it the mask goes on.
    assert nn.LSTM(2)(x)._keras_mask is None
    assert nn.LSTM(2, return_sequences=True)(x)._keras_mask.numpy().tolist() == want


def test_custom_layer_compute_mask_and_mask_argument():
    seen = []

    class Drop2nd(nn.Layer):
        def compute_mask(self, inputs, mask=None):
            return jt.constant([[True, False, True]])

        def call(self, inputs):
            return inputs * 2.0

    class Reader(nn.Layer):
        def call(self, inputs, mask=None):
            seen.append(mask)
            return inputs + 1.0

    assert Drop2nd().supports_masking and not Reader().supports_masking
    with pytest.warns(UserWarning, match="does not support masking"):
        y = Reader()(Drop2nd()(jt.ones((1, 3, 2))))
    assert seen[0].numpy().tolist() == [[True, False, True]]
    assert y._keras_mask is None  # Reader does not support masking: the mask stops
    layer = nn.Dense(2)
    layer.supports_masking = False
    with pytest.warns(UserWarning, match="does not support masking"):
        layer(Drop2nd()(jt.ones((1, 3, 2))))


def test_rnn_with_initial_state_keras_rules():
    f = case("lstm_h0_seq1")
    layer = nn.LSTM(UNITS, return_sequences=True, return_state=True, **ZEROS)
    layer.build((3, 5, 2))
    layer.set_weights(ws(f))
    out = layer(f["x"], initial_state=[f["h0"], f["c0"]], mask=f["mask"])
    for got, want in zip(out, ys(f)):
        np.testing.assert_allclose(got.numpy(), want, atol=2e-5)
    # Leading masked steps output zeros, not the initial state (Keras' rule).
    np.testing.assert_array_equal(out[0].numpy()[1, :3], 0.0)
    g = case("lstm_h0_seq0")
    last = nn.LSTM(UNITS, return_state=True, **ZEROS)
    last.build((3, 5, 2))
    last.set_weights(ws(g))
    for got, want in zip(last(g["x"], initial_state=[g["h0"], g["c0"]], mask=g["mask"]), ys(g)):
        np.testing.assert_allclose(got.numpy(), want, atol=2e-5)
    # Keras passes a mask automatically only when the sequence is the only tensor
    # argument: with initial_state the input's mask is not used.
    x = jt.constant(f["x"])
    _masking.set_keras_mask(x, jt.constant(f["mask"]))
    auto = layer(x, initial_state=[f["h0"], f["c0"]])[0].numpy()
    np.testing.assert_allclose(auto, layer(f["x"], initial_state=[f["h0"], f["c0"]])[0].numpy())
    np.testing.assert_allclose(layer(x)[0].numpy(), layer(f["x"], mask=f["mask"])[0].numpy())


def test_masked_batch_normalization_uses_unmasked_statistics(rng):
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    bn = nn.BatchNormalization(momentum=0.0, epsilon=1e-3)
    y = bn(x, mask=mask, training=True).numpy()
    kept = x[mask]
    mean, var = kept.mean(0), kept.var(0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mean, atol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), var, atol=1e-5)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), atol=1e-4)
    with pytest.raises(ValueError, match="one dimension less"):
        bn(x, mask=mask[0], training=True)


def test_mask_table_forgets_dead_tensors():
    gc.collect()
    before = len(_masking._MASKS)
    emb = nn.Embedding(VOCAB, EMBED, mask_zero=True)
    y = emb(jt.constant([[1, 0]]))
    assert len(_masking._MASKS) == before + 1
    del y
    gc.collect()
    assert len(_masking._MASKS) == before


# ----------------------------------------------------------------------------- losses and fit


def test_loss_applies_the_mask_of_y_pred():
    f = case("loss_mask")
    y_pred = jt.constant(f["y_pred"])
    _masking.set_keras_mask(y_pred, jt.constant(f["mask"]))
    want = iter(ys(f))
    for red in ("sum_over_batch_size", "sum", "none"):
        loss = nn.losses.SparseCategoricalCrossentropy(reduction=red)
        np.testing.assert_allclose(loss(f["labels"], y_pred).numpy(), next(want), rtol=1e-5)
        got = loss(f["labels"], y_pred, sample_weight=f["sw"]).numpy()
        np.testing.assert_allclose(got, next(want), rtol=1e-5)
    # ignore_class's own mask and y_pred's mask combine (Keras: in_mask & out_mask).
    ignore = nn.losses.SparseCategoricalCrossentropy(ignore_class=2)
    np.testing.assert_allclose(ignore(f["labels"], y_pred).numpy(), next(want), rtol=1e-5)
    # Closed form: the mean over unmasked entries.
    per = -np.log(np.take_along_axis(f["y_pred"], f["labels"][..., None], -1)[..., 0])
    plain = nn.losses.SparseCategoricalCrossentropy()(f["labels"], y_pred)
    np.testing.assert_allclose(float(plain), per[f["mask"]].mean(), rtol=1e-5)


def _seq_model():
    return nn.Sequential(
        [
            nn.Input((5,), dtype="int32"),
            nn.Embedding(VOCAB, EMBED, mask_zero=True),
            nn.LSTM(UNITS, return_sequences=True, **ZEROS),
            nn.Dense(CLASSES, activation="softmax"),
        ]
    )


def _last_model():
    return nn.Sequential(
        [
            nn.Input((5,), dtype="int32"),
            nn.Embedding(VOCAB, EMBED, mask_zero=True),
            nn.Bidirectional(nn.GRU(3, **ZEROS)),
            nn.Dense(1),
        ]
    )


@pytest.mark.parametrize(
    "name,make,loss",
    [("fit_seq", _seq_model, "sparse_categorical_crossentropy"), ("fit_last", _last_model, "mse")],
)
def test_fit_on_padded_sequences_matches_keras(name, make, loss):
    f = case(name)
    model = make()
    model.set_weights(ws(f))
    model.compile(jt.optimizers.SGD(0.5), loss)
    want = ys(f)
    assert abs(model.evaluate(f["x"], f["labels"], verbose=0) - float(want[0])) < 1e-5
    hist = model.fit(
        f["x"], f["labels"], batch_size=len(f["x"]), epochs=1, shuffle=False, verbose=0
    )
    np.testing.assert_allclose(hist.history["loss"][0], float(want[1]), rtol=1e-5)
    for got, w in zip(model.get_weights(), want[2:]):
        np.testing.assert_allclose(got, w, atol=2e-5)


def test_metrics_apply_the_mask_of_y_pred(rng):
    # Keras 3 MeanMetricWrapper: y_pred's mask multiplies the sample weights.
    f = case("metric_mask")
    y_pred = jt.constant(f["y_pred"])
    _masking.set_keras_mask(y_pred, jt.constant(f["mask"]))
    hits = (f["y_pred"].argmax(-1) == f["labels"]).astype(np.float64)
    metric = nn.metrics.SparseCategoricalAccuracy()
    metric.update_state(f["labels"], y_pred)
    np.testing.assert_allclose(float(metric.result()), float(f["y0"]), rtol=1e-6)
    np.testing.assert_allclose(float(metric.result()), hits[f["mask"]].mean(), rtol=1e-6)
    metric.reset_state()
    metric.update_state(f["labels"], y_pred, sample_weight=f["sw"])
    np.testing.assert_allclose(float(metric.result()), float(f["y1"]), rtol=1e-6)
    w = f["sw"] * f["mask"]
    np.testing.assert_allclose(float(metric.result()), (hits * w).sum() / w.sum(), rtol=1e-6)

    # evaluate() on padded sequences: accuracy over the real steps only.
    model = _seq_model()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    ids = np.array([[3, 1, 4, 0, 0], [5, 2, 0, 0, 0], [6, 6, 6, 6, 1]])
    labels = rng.integers(0, CLASSES, size=ids.shape)
    real = ids != 0
    hits = model.predict(ids, verbose=0).argmax(-1) == labels
    result = model.evaluate(ids, labels, verbose=0, return_dict=True)
    np.testing.assert_allclose(result["accuracy"], hits[real].mean(), rtol=1e-6)
    assert hits[real].mean() != hits.mean()  # the test tells masked from unmasked


@pytest.mark.parametrize("pad", ["right", "left"])
def test_global_average_pooling_1d_averages_unmasked_steps(pad):
    f = case(f"pool_mask_{pad}")
    model = nn.Sequential(
        [
            nn.Input((5,), dtype="int32"),
            nn.Embedding(VOCAB, EMBED, mask_zero=True),
            nn.GlobalAveragePooling1D(),
            nn.Dense(CLASSES),
        ]
    )
    model.set_weights(ws(f))
    out = model(f["x"])
    np.testing.assert_allclose(out.numpy(), f["y0"], rtol=1e-5, atol=1e-6)
    assert out._keras_mask is None
    # Closed form: the embedding rows of the real tokens, averaged, then Dense.
    table, kernel, bias = ws(f)
    real = f["x"] != 0
    pooled = (table[f["x"]] * real[..., None]).sum(1) / real.sum(1, keepdims=True)
    np.testing.assert_allclose(out.numpy(), pooled @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_masked_global_average_pooling_gradient(rng):
    x = rng.normal(size=(3, 5, 2)).astype(np.float32)
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 1, 1, 0, 1]], bool)
    pool = nn.GlobalAveragePooling1D()

    def pure(x):
        m = mask[..., None]
        return jnp.sum(jnp.where(m, x, 0), 1) / m.sum(1)

    check_grads(lambda v: pool(v, mask=jt.constant(mask)), pure, [x])


# ----------------------------------------------------------------------------- traces, tapes


def _pure_masked_lstm(params, x_emb, mask):
    """Embedding output -> masked LSTM -> sum of squares, in jax.numpy/lax."""
    kernel, rkernel, bias = params
    units = rkernel.shape[0]

    def step(carry, inp):
        (h, c, prev), (x_t, m_t) = carry, inp
        z = x_t @ kernel + h @ rkernel + bias
        i, fg, cc, o = (z[:, k * units : (k + 1) * units] for k in range(4))
        c_new = jax.nn.sigmoid(fg) * c + jax.nn.sigmoid(i) * jnp.tanh(cc)
        h_new = jax.nn.sigmoid(o) * jnp.tanh(c_new)
        keep = m_t[:, None]
        h, c = jnp.where(keep, h_new, h), jnp.where(keep, c_new, c)
        out = jnp.where(keep, h_new, prev)
        return (h, c, out), out

    zeros = jnp.zeros((x_emb.shape[0], units))
    _, outs = jax.lax.scan(step, (zeros, zeros, zeros), (x_emb.swapaxes(0, 1), mask.T))
    return jnp.sum(jnp.square(outs))


def test_masked_lstm_gradient_matches_jax_grad_and_finite_differences(rng):
    ids = np.array([[0, 0, 3, 1, 4], [2, 6, 0, 0, 0]], np.int32)
    emb = nn.Embedding(VOCAB, EMBED, mask_zero=True)
    lstm = nn.LSTM(UNITS, return_sequences=True, **ZEROS)
    x = emb(jt.constant(ids))
    lstm.build(x.shape)
    for v in lstm.trainable_variables:
        v.assign(rng.uniform(-0.6, 0.6, v.shape).astype(np.float32))
    with jt.GradientTape() as tape:
        loss = jt.sum(jt.square(lstm(x)))
    grads = tape.gradient(loss, lstm.trainable_variables)
    params = [v.numpy() for v in lstm.trainable_variables]
    args = (x.numpy(), ids != 0)
    np.testing.assert_allclose(float(loss), float(_pure_masked_lstm(params, *args)), rtol=1e-5)
    want = jax.grad(_pure_masked_lstm)(params, *args)
    for g, w in zip(grads, want):
        np.testing.assert_allclose(g.numpy(), w, atol=1e-4)
    dirs = [rng.standard_normal(p.shape) for p in params]
    fd = numerical_vjp(lambda *p: _pure_masked_lstm(p, *args), params, 1.0, dirs, 1e-3)
    np.testing.assert_allclose(
        sum(float(np.sum(g.numpy() * d)) for g, d in zip(grads, dirs)), fd, rtol=2e-3
    )


def test_masks_inside_jt_function_and_under_tape():
    f = case("GRU_right")
    w = ws(f)
    model = nn.Sequential(
        [
            nn.Embedding(VOCAB, EMBED, mask_zero=True),
            nn.GRU(UNITS, return_sequences=True, **ZEROS),
            nn.Dense(CLASSES),
        ]
    )
    model.build((None, 5))
    model.set_weights([w[0], w[1], w[2], w[3], w[4], w[5]])
    loss_fn = nn.losses.MeanSquaredError()
    target = np.zeros((3, 5, CLASSES), np.float32)

    @jt.function
    def step(x):
        with jt.GradientTape() as tape:
            y = model(x)
            # The mask of y reaches the loss inside the trace.
            loss = loss_fn(target, y)
        return loss, y, tape.gradient(loss, model.trainable_variables)

    loss, y, grads = step(jt.constant(f["x"]))
    np.testing.assert_allclose(y.numpy(), f["y0"], atol=2e-5)
    keep = f["x"] != 0
    np.testing.assert_allclose(float(loss), np.mean(np.square(f["y0"]), -1)[keep].mean(), rtol=1e-5)
    with jt.GradientTape() as tape:
        eager_loss = loss_fn(target, model(f["x"]))
    eager = tape.gradient(eager_loss, model.trainable_variables)
    # The Embedding's gradient is an IndexedSlices (as TF's); compare it densified.
    grads, eager = ([jt.convert_to_tensor(g) for g in gs] for gs in (grads, eager))
    for a, b in zip(grads, eager):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)
    assert float(jt.sum(jt.abs(grads[0][0]))) == 0.0  # padding id 0: no gradient
