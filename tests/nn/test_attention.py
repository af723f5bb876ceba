"""``MultiHeadAttention``, ``EinsumDense`` and ``RepeatVector`` against Keras 3.15.

Keras' weights, inputs, outputs and gradients come from
``fixtures/record_keras_attention.py`` (TensorFlow 2.21): the same weights loaded into
jtape's layer give Keras' outputs, attention scores and weight gradients.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape import nn

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras_attention.npz"))

CASES = {
    "self": (dict(num_heads=2, key_dim=4), False),
    "cross": (dict(num_heads=3, key_dim=4, value_dim=3, output_shape=5), False),
    "causal": (dict(num_heads=2, key_dim=3), True),
    "causal_and_mask": (dict(num_heads=1, key_dim=5), True),
    "no_bias": (dict(num_heads=2, key_dim=2, use_bias=False), False),
}


def _get(name, key):
    k = f"{name}/{key}"
    return FIXTURE[k] if k in FIXTURE.files else None


def _layer(name):
    kwargs, causal = CASES[name]
    layer = nn.MultiHeadAttention(**kwargs)
    q, v, k = _get(name, "query"), _get(name, "value"), _get(name, "key")
    call = dict(key=None if k is None else jt.constant(k), use_causal_mask=causal)
    mask = _get(name, "attention_mask")
    if mask is not None:
        call["attention_mask"] = jt.constant(mask)
    layer(jt.constant(q), jt.constant(v), **call)
    n = len([f for f in FIXTURE.files if f.startswith(f"{name}/w")])
    layer.set_weights([FIXTURE[f"{name}/w{i}"] for i in range(n)])
    return layer, jt.constant(q), jt.constant(v), call


@pytest.mark.filterwarnings("ignore:.*retracing")  # one small jt.function per case
@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_scores_and_gradients_match_keras(name):
    layer, q, v, call = _layer(name)
    # Keras' weight names (paths under the layer's own name), shapes and order.
    paths = [str(p).split("/", 1)[1] for p in FIXTURE[f"{name}/paths"]]
    assert [w.name.split(":")[0] for w in layer.weights] == [f"{layer.name}/{p}" for p in paths]
    assert [tuple(w.shape) for w in layer.weights] == [
        FIXTURE[f"{name}/w{i}"].shape for i in range(len(paths))
    ]
    out, scores = layer(q, v, return_attention_scores=True, **call)
    np.testing.assert_allclose(out.numpy(), FIXTURE[f"{name}/out"], rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(scores.numpy(), FIXTURE[f"{name}/scores"], rtol=2e-5, atol=2e-6)
    ct = jt.constant(FIXTURE[f"{name}/ct"])

    # One compiled program for the forward pass and its gradient (eagerly, every op's
    # VJP would compile on its own: slow in a test, the same numbers).
    @jt.function
    def plain_and_grads():
        with jt.GradientTape() as tape:
            plain = layer(q, v, **call)
            y = jt.sum(plain * ct)
        return plain, tape.gradient(y, layer.trainable_weights)

    plain, grads = plain_and_grads()
    # Without scores Keras takes its fused path: a query masked everywhere attends
    # uniformly there, where the scores path gives it zero weights.
    np.testing.assert_allclose(plain.numpy(), FIXTURE[f"{name}/out_plain"], rtol=2e-5, atol=2e-5)
    for i, g in enumerate(grads):
        np.testing.assert_allclose(
            g.numpy(), FIXTURE[f"{name}/grad_w{i}"], rtol=1e-4, atol=1e-4, err_msg=f"w{i}"
        )


def test_keras_masks_flow_through():
    emb = nn.Embedding(10, 6, mask_zero=True)
    layer = nn.MultiHeadAttention(num_heads=2, key_dim=3)
    tokens = jt.constant(FIXTURE["masked/tokens"])
    e = emb(tokens)
    layer(e, e)
    emb.set_weights([FIXTURE["masked/embeddings"]])
    layer.set_weights([FIXTURE[f"masked/w{i}"] for i in range(8)])
    e = emb(tokens)
    out, scores = layer(e, e, return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), FIXTURE["masked/out"], rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(scores.numpy(), FIXTURE["masked/scores"], rtol=2e-5, atol=2e-6)
    np.testing.assert_array_equal(np.asarray(out._keras_mask), FIXTURE["masked/out_mask"])


def test_inside_function_and_functional_model():
    layer, q, v, call = _layer("cross")

    @jt.function
    def f(q, v):
        return layer(q, v, **call)

    np.testing.assert_allclose(f(q, v).numpy(), FIXTURE["cross/out_plain"], rtol=2e-5, atol=2e-5)
    inp = tf.keras.Input((4, 6))
    out = tf.keras.layers.MultiHeadAttention(2, 3)(inp, inp, use_causal_mask=True)
    model = tf.keras.Model(inp, out)
    assert model(np.ones((2, 4, 6), np.float32)).shape == (2, 4, 6)
    assert len(model.trainable_weights) == 8


def test_dropout_only_in_training():
    layer = nn.MultiHeadAttention(num_heads=1, key_dim=2, dropout=0.5, seed=1)
    x = jt.constant(np.random.RandomState(0).normal(size=(1, 4, 3)).astype(np.float32))
    a = layer(x, x, training=True).numpy()
    b = layer(x, x, training=False).numpy()
    c = layer(x, x).numpy()
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(b, c)


def test_unsupported_options_raise():
    with pytest.raises(NotImplementedError, match="flash_attention"):
        nn.MultiHeadAttention(2, 4, flash_attention=True)
    # Higher-rank inputs and attention_axes: tests/nn/test_attention_vs_keras.py
    with pytest.raises(ValueError, match="same rank"):
        nn.MultiHeadAttention(2, 4)(jt.ones((1, 2, 3, 4)), jt.ones((1, 3, 4)))


def test_einsum_dense():
    layer = nn.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c", bias_initializer="ones")
    x = jt.constant([[1.0, 2.0]])
    y = layer(x)
    want = x.numpy() @ layer.kernel.numpy() + 1.0
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-6)
    assert tuple(layer.bias.shape) == (3,)
    sub = nn.EinsumDense("abc,cd->abd", output_shape=(None, 4))
    assert sub(jt.ones((2, 5, 3))).shape == (2, 5, 4)


def test_repeat_vector():
    layer = tf.keras.layers.RepeatVector(3)
    x = jt.constant([[1.0, 2.0], [3.0, 4.0]])
    y = layer(x)
    assert y.shape == (2, 3, 2)
    np.testing.assert_array_equal(y.numpy()[1], [[3.0, 4.0]] * 3)
    v = tf.Variable([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        s = tf.reduce_sum(layer(v) * tf.constant([[[1.0, 0.0], [2.0, 0.0], [3.0, 1.0]]]))
    np.testing.assert_allclose(tape.gradient(s, v).numpy(), [[6.0, 1.0]])
    with pytest.raises(ValueError, match="ndim=2"):
        layer(jt.ones((1, 2, 3)))
    assert layer.get_config()["n"] == 3
