"""``DepthwiseConv1D/2D``, ``SeparableConv1D/2D``, ``Attention`` and ``AdditiveAttention``
against Keras 3.15 (TensorFlow 2.21 backend).

Keras' weights, inputs, outputs and gradients (of ``sum(out * ct)``, plus
``sum(scores * ct_scores)`` for attention, with respect to the inputs and every weight)
come from ``fixtures/record_depthwise_attention.py``; the same weights loaded with
``set_weights`` must give the same numbers. The ops' gradients are also checked against
finite differences (tests/gradcheck.py), and ``.keras`` files round-trip (jtape's own,
and ones Keras wrote).
"""

from __future__ import annotations

import json
import os

import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
import jtape.compat as tf
from jtape import _separable_conv, nn
from jtape.nn import _dot_attention

HERE = os.path.dirname(__file__)
FIXTURE = np.load(os.path.join(HERE, "fixtures", "keras_depthwise_attention.npz"))
CASES = sorted({k.split("/")[0] for k in FIXTURE.files if "/" in k})
NAMES = [n for n in CASES if not n.startswith(("file_", "nn_"))]
TF_NN = [n for n in CASES if n.startswith("nn_")]


def _get(name, key):
    k = f"{name}/{key}"
    return FIXTURE[k] if k in FIXTURE.files else None


def _numbered(name, prefix):
    out, i = [], 0
    while f"{name}/{prefix}{i}" in FIXTURE.files:
        out.append(FIXTURE[f"{name}/{prefix}{i}"])
        i += 1
    return out


def _case(name):
    cls = str(FIXTURE[f"{name}/class"])
    layer = getattr(tf.keras.layers, cls)(**json.loads(str(FIXTURE[f"{name}/kwargs"])))
    call = json.loads(str(FIXTURE[f"{name}/call"]))
    inputs = [jt.constant(x) for x in _numbered(name, "in")]
    masks = _numbered(name, "mask")
    if masks:
        call["mask"] = [jt.constant(m) for m in masks]
    attention = cls.endswith("Attention")
    if attention:
        layer(inputs, **call)
    else:
        layer(inputs[0])
    layer.set_weights(_numbered(name, "w"))
    return layer, inputs, call, attention


@pytest.mark.filterwarnings("ignore:.*retracing")  # one small jt.function per case
@pytest.mark.parametrize("name", NAMES)
def test_outputs_and_gradients_match_keras(name):
    layer, inputs, call, attention = _case(name)
    # Keras' weight names (paths without the layer's own name), shapes and order.
    paths = [str(p).split("/", 1)[1] for p in FIXTURE[f"{name}/paths"]]
    assert [w.name.split(":")[0].split("/", 1)[1] for w in layer.weights] == paths
    assert [tuple(w.shape) for w in layer.weights] == [w.shape for w in _numbered(name, "w")]
    ct = jt.constant(FIXTURE[f"{name}/ct"])
    ct_scores = jt.constant(_get(name, "ct_scores")) if attention else None

    # The forward pass and its gradient as one compiled program (eagerly every op's VJP
    # compiles on its own: slower in a test, the same numbers).
    @jt.function
    def run():
        with jt.GradientTape() as tape:
            for x in inputs:
                tape.watch(x)
            if attention:
                y, scores = layer(inputs, return_attention_scores=True, **call)
                loss = jt.sum(y * ct) + jt.sum(scores * ct_scores)
            else:
                y, scores = layer(inputs[0]), None
                loss = jt.sum(y * ct)
        grads = tape.gradient(loss, inputs + list(layer.trainable_weights))
        return y, scores, grads

    y, scores, grads = run()
    np.testing.assert_allclose(y.numpy(), FIXTURE[f"{name}/out"], rtol=1e-5, atol=1e-5)
    if attention:
        np.testing.assert_allclose(scores.numpy(), FIXTURE[f"{name}/scores"], atol=1e-6)
    want = _numbered(name, "grad_in") + _numbered(name, "grad_w")
    assert len(grads) == len(want)
    for i, (g, w) in enumerate(zip(grads, want)):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-4, atol=1e-4, err_msg=f"gradient {i}")
    # Eagerly: the same output.
    eager = layer(inputs, **call) if attention else layer(inputs[0])
    np.testing.assert_allclose(eager.numpy(), y.numpy(), rtol=1e-6, atol=1e-6)


def _static(layer):
    return dict(
        strides=layer.strides,
        padding=layer.padding.upper(),
        dilation_rate=layer.dilation_rate,
        channels_last=layer.data_format == "channels_last",
    )


@pytest.mark.parametrize("name", ["dw2d_s2_d2", "dw1d_dilation_cf", "sep2d_same_s2_dm2"])
def test_conv_gradients_match_finite_differences(name):
    layer, inputs, _, _ = _case(name)
    fn = (
        _separable_conv.separable_conv
        if isinstance(layer, (nn.SeparableConv1D, nn.SeparableConv2D))
        else _separable_conv.depthwise_conv
    )
    static = _static(layer)
    args = [inputs[0].numpy()] + [w.numpy() for w in layer.weights]
    check_grads(
        lambda *a: fn(*a, **static), lambda *a: fn.__wrapped__(*a, **static), args, fd_rtol=2e-2
    )


@pytest.mark.parametrize(
    "name,mode", [("att_masks", "dot"), ("att_concat", "concat"), ("add_scale_masks", "additive")]
)
def test_attention_gradients_match_finite_differences(name, mode):
    q, v = _numbered(name, "in")[:2]
    weights = _numbered(name, "w")
    q_mask, v_mask = _numbered(name, "mask")
    scale = weights[0]
    concat = weights[1] if mode == "concat" else None
    score_mask = np.asarray(v_mask)[:, None, :]
    weights_op = _dot_attention.attention_weights
    apply_op = _dot_attention.attention_apply

    def f_jtape(q, v, scale):
        w = weights_op(q, v, scale, concat, jt.constant(score_mask), mode=mode)
        return apply_op(w, v, jt.constant(q_mask))

    def f_pure(q, v, scale):
        w = weights_op.__wrapped__(q, v, scale, concat, jnp.asarray(score_mask), mode=mode)
        return apply_op.__wrapped__(w, v, jnp.asarray(q_mask))

    check_grads(f_jtape, f_pure, [q, v, scale], fd_rtol=2e-2)


def test_masked_query_rows_are_zero_and_mask_passes_on():
    layer, inputs, call, _ = _case("att_masks")
    out = layer(inputs, **call)
    q_mask = FIXTURE["att_masks/mask0"]
    assert np.all(out.numpy()[~q_mask] == 0)
    np.testing.assert_array_equal(np.asarray(out._keras_mask), q_mask)


def test_keras_masks_of_the_inputs_are_used():
    emb = nn.Embedding(10, 4, mask_zero=True)
    q = emb(jt.constant([[1, 2, 0]]))
    v = emb(jt.constant([[3, 4, 0, 0]]))
    layer = nn.Attention()
    out, scores = layer([q, v], return_attention_scores=True)
    explicit, scores2 = layer(
        [q, v],
        mask=[jt.constant([[True, True, False]]), jt.constant([[True, True, False, False]])],
        return_attention_scores=True,
    )
    np.testing.assert_array_equal(out.numpy(), explicit.numpy())
    np.testing.assert_array_equal(scores.numpy()[..., 2:], 0.0)
    np.testing.assert_array_equal(np.asarray(out._keras_mask), [[True, True, False]])


def _roundtrip(model, tmp_path):
    path = str(tmp_path / "m.keras")
    model.save(path)
    return nn.models.load_model(path)


def test_keras_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    inp = nn.Input((6, 6, 3))
    h = nn.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu")(inp)
    h = nn.SeparableConv2D(4, 3, strides=2, depthwise_initializer="he_normal")(h)
    t = nn.Reshape((4, 4))(h)
    h = nn.DepthwiseConv1D(2, data_format="channels_first", use_bias=False)(t)
    h = nn.SeparableConv1D(3, 2, depth_multiplier=2)(h)
    a = nn.Attention(use_scale=True, score_mode="concat")([h, h], use_causal_mask=True)
    out = nn.AdditiveAttention()([a, h])
    model = nn.Model(inp, out)
    x = rng.normal(size=(2, 6, 6, 3)).astype(np.float32)
    want = model(x).numpy()
    loaded = _roundtrip(model, tmp_path)
    np.testing.assert_allclose(loaded(x).numpy(), want, rtol=1e-6, atol=1e-6)
    kinds = [type(layer).__name__ for layer in loaded.layers]
    for cls in ("DepthwiseConv2D", "SeparableConv2D", "DepthwiseConv1D", "SeparableConv1D"):
        assert cls in kinds
    assert loaded.layers[2].get_config()["depthwise_initializer"]["class_name"] == "HeNormal"


@pytest.mark.parametrize("tag", ["conv", "att"])
def test_loads_keras_written_files(tag):
    model = nn.models.load_model(os.path.join(HERE, "fixtures", f"depthwise_attention_{tag}.keras"))
    xs = _numbered(f"file_{tag}", "in")
    out = model(xs if len(xs) > 1 else xs[0])
    np.testing.assert_allclose(out.numpy(), FIXTURE[f"file_{tag}/out"], rtol=1e-5, atol=1e-5)


@pytest.mark.filterwarnings("ignore:.*retracing")
@pytest.mark.parametrize("name", TF_NN)
def test_tf_nn_depthwise_and_separable_conv2d_match_tf(name):
    # Strides and dilations above one together: TF's space-to-batch numbers.
    call = json.loads(str(FIXTURE[f"{name}/call"]))
    args = [jt.constant(v) for v in _numbered(name, "in")]
    fn = tf.nn.depthwise_conv2d if len(args) == 2 else tf.nn.separable_conv2d
    ct = jt.constant(FIXTURE[f"{name}/ct"])

    @jt.function  # one program for the value and gradient (eagerly each op compiles)
    def run():
        with jt.GradientTape() as tape:
            for a in args:
                tape.watch(a)
            y = fn(*args, **call)
            loss = jt.sum(y * ct)
        return y, tape.gradient(loss, args)

    y, grads = run()
    np.testing.assert_allclose(y.numpy(), FIXTURE[f"{name}/out"], rtol=1e-5, atol=1e-5)
    for i, (g, w) in enumerate(zip(grads, _numbered(name, "grad_in"))):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-4, atol=1e-4, err_msg=f"gradient {i}")


def test_tf_nn_space_to_batch_gradient_matches_finite_differences():
    call = json.loads(str(FIXTURE["nn_sep_s2_d2_same/call"]))
    static = dict(
        strides=(2, 2), padding=call["padding"], rates=tuple(call["dilations"]), channels_last=True
    )
    op = _separable_conv._tf_separable_op
    check_grads(
        lambda *a: op(*a, **static),
        lambda *a: op.__wrapped__(*a, **static),
        _numbered("nn_sep_s2_d2_same", "in"),
        fd_rtol=2e-2,
    )


def test_tf_nn_separable_conv2d_matches_the_layer():
    layer, inputs, _, _ = _case("sep2d_same_s2_dm2")
    dw, pw, bias = (w.numpy() for w in layer.weights)
    y = tf.nn.separable_conv2d(inputs[0], dw, pw, strides=[1, 2, 2, 1], padding="SAME")
    np.testing.assert_allclose(
        y.numpy() + bias, FIXTURE["sep2d_same_s2_dm2/out"], rtol=1e-5, atol=1e-5
    )


def test_argument_errors_are_keras():
    with pytest.raises(ValueError, match="depth_multiplier"):
        nn.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match="filters"):
        nn.SeparableConv2D(0, 3)
    with pytest.raises(ValueError, match="padding"):
        nn.DepthwiseConv1D(3, padding="causal")
    with pytest.raises(ValueError, match="score_mode"):
        nn.Attention(score_mode="general")
    with pytest.raises(ValueError, match="list of inputs"):
        nn.Attention()(jt.ones((1, 2, 3)))
    with pytest.raises(ValueError, match="length 2 or 3"):
        nn.Attention()([jt.ones((1, 2, 3))])
    layer = nn.DepthwiseConv2D(3)
    layer(jt.ones((1, 5, 5, 2)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 2"):
        layer(jt.ones((1, 5, 5, 3)))


def test_attention_dropout_only_in_training():
    layer = nn.Attention(dropout=0.5, seed=1)
    q = jt.constant(np.random.default_rng(0).normal(size=(1, 4, 3)).astype(np.float32))
    _, a = layer([q, q], return_attention_scores=True, training=True)
    _, b = layer([q, q], return_attention_scores=True)
    assert np.any(a.numpy() == 0) and not np.any(b.numpy() == 0)
    kept = a.numpy() != 0
    np.testing.assert_allclose(a.numpy()[kept], 2 * b.numpy()[kept], rtol=1e-6)
