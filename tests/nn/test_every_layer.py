"""Every layer ``jtape.nn`` exports runs eagerly, under a tape and inside ``jt.function``.

One table, ``CASES``, builds each exported layer with an input; a test checks that the
table covers every exported Layer class, so a new layer cannot skip this. For each one:

- the forward value is the same eagerly and compiled by ``jt.function``;
- the tape's gradients (of ``sum(y**2)``, with respect to a float input and to every
  trainable weight) are the same eagerly and computed by the same tape code inside
  ``jt.function``, and none is missing;
- the input gradient matches a central finite difference of the compiled loss along a
  random direction (the same program, so no extra compilation).

Values of each layer against plain ``jax.numpy``/``jax.lax`` and Keras live in the
per-family test files (test_layers_core, test_layers_conv, test_layers_recurrent,
test_rnn_cells, test_masking).
"""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import jtape as jt
from jtape import nn

B = 2


def _x(rng, *shape):
    return rng.normal(size=shape).astype(np.float32)


def _cell(cell, units_states):
    """A cell called on one step with zero states: returns its output."""

    def run(x):
        states = [jt.zeros((x.shape[0], n)) for n in units_states]
        out, _ = cell(x, states)
        return out

    return cell, run


def _self_attention(layer):
    return layer, lambda x: layer(x, x, use_causal_mask=True)


def _pair_attention(layer):
    return layer, lambda x: layer([x, 2.0 * x], use_causal_mask=True)


def _functional():
    inputs = nn.Input((5,))
    hidden = nn.Dense(4, activation="tanh")(inputs)
    model = nn.Model(inputs, nn.Add()([hidden, nn.Dense(4)(inputs)]))
    return model


def _sequential():
    return nn.Sequential([nn.Input((5,)), nn.Dense(3, activation="relu"), nn.Dense(2)])


# name -> rng -> (layer, callable(input) -> output, input)
CASES = {
    "Activation": lambda r: (nn.Activation("tanh"), None, _x(r, B, 5)),
    "Add": lambda r: (nn.Add(), "pair", _x(r, B, 5)),
    "AdditiveAttention": lambda r: (nn.AdditiveAttention(), "pair", _x(r, B, 4, 3)),
    "Attention": lambda r: (
        _pair_attention(nn.Attention(use_scale=True, score_mode="concat")) + (_x(r, B, 4, 3),)
    ),
    "AveragePooling1D": lambda r: (nn.AveragePooling1D(2), None, _x(r, B, 6, 3)),
    "AveragePooling2D": lambda r: (nn.AveragePooling2D(2), None, _x(r, B, 4, 4, 3)),
    "BatchNormalization": lambda r: (nn.BatchNormalization(), "train", _x(r, 4, 5)),
    "Bidirectional": lambda r: (nn.Bidirectional(nn.SimpleRNN(3)), None, _x(r, B, 4, 5)),
    "Concatenate": lambda r: (nn.Concatenate(), "pair", _x(r, B, 5)),
    "Conv1D": lambda r: (nn.Conv1D(4, 3, padding="same"), None, _x(r, B, 6, 3)),
    "Conv2D": lambda r: (nn.Conv2D(4, 3, activation="relu"), None, _x(r, B, 5, 5, 2)),
    "ConvLSTM1D": lambda r: (nn.ConvLSTM1D(2, 3, padding="same"), None, _x(r, B, 3, 5, 2)),
    "ConvLSTM2D": lambda r: (nn.ConvLSTM2D(2, 2, return_sequences=1), None, _x(r, B, 3, 4, 4, 1)),
    "ConvLSTM3D": lambda r: (nn.ConvLSTM3D(2, 2), None, _x(r, B, 2, 3, 3, 3, 1)),
    "Conv2DTranspose": lambda r: (nn.Conv2DTranspose(3, 3, strides=2), None, _x(r, B, 3, 3, 2)),
    "DepthwiseConv1D": lambda r: (
        nn.DepthwiseConv1D(3, padding="same", depth_multiplier=2),
        None,
        _x(r, B, 6, 3),
    ),
    "DepthwiseConv2D": lambda r: (nn.DepthwiseConv2D(3, strides=2), None, _x(r, B, 5, 5, 2)),
    "SeparableConv1D": lambda r: (nn.SeparableConv1D(4, 3), None, _x(r, B, 6, 3)),
    "SeparableConv2D": lambda r: (
        nn.SeparableConv2D(3, 3, depth_multiplier=2, activation="tanh"),
        None,
        _x(r, B, 5, 5, 2),
    ),
    "Dense": lambda r: (nn.Dense(3, activation="gelu"), None, _x(r, B, 5)),
    "Dropout": lambda r: (nn.Dropout(0.5, seed=1), None, _x(r, B, 5)),
    "EinsumDense": lambda r: (
        nn.EinsumDense("abc,cd->abd", (None, 3), bias_axes="d"),
        None,
        _x(r, B, 4, 5),
    ),
    "Embedding": lambda r: (nn.Embedding(7, 3), None, r.integers(0, 7, size=(B, 4))),
    "Flatten": lambda r: (nn.Flatten(), None, _x(r, B, 3, 2)),
    "Functional": lambda r: (_functional(), None, _x(r, B, 5)),
    "GRU": lambda r: (nn.GRU(3, return_sequences=True), None, _x(r, B, 4, 5)),
    "GroupQueryAttention": lambda r: (
        _self_attention(nn.GroupQueryAttention(2, 4, 2)) + (_x(r, B, 4, 6),)
    ),
    "GRUCell": lambda r: _cell(nn.GRUCell(3), [3]) + (_x(r, B, 5),),
    "GlobalAveragePooling1D": lambda r: (nn.GlobalAveragePooling1D(), None, _x(r, B, 6, 3)),
    "GlobalAveragePooling2D": lambda r: (nn.GlobalAveragePooling2D(), None, _x(r, B, 4, 4, 3)),
    "GlobalMaxPooling1D": lambda r: (nn.GlobalMaxPooling1D(), None, _x(r, B, 6, 3)),
    "GlobalMaxPooling2D": lambda r: (nn.GlobalMaxPooling2D(), None, _x(r, B, 4, 4, 3)),
    "InputLayer": lambda r: (nn.InputLayer((5,)), None, _x(r, B, 5)),
    "LSTM": lambda r: (nn.LSTM(3), None, _x(r, B, 4, 5)),
    "LSTMCell": lambda r: _cell(nn.LSTMCell(3), [3, 3]) + (_x(r, B, 5),),
    "LayerNormalization": lambda r: (nn.LayerNormalization(), None, _x(r, B, 5)),
    "LeakyReLU": lambda r: (nn.LeakyReLU(), None, _x(r, B, 5)),
    "Masking": lambda r: (nn.Masking(), None, _x(r, B, 4, 3)),
    "MaxPooling1D": lambda r: (nn.MaxPooling1D(2), None, _x(r, B, 6, 3)),
    "MaxPooling2D": lambda r: (nn.MaxPooling2D(2), None, _x(r, B, 4, 4, 3)),
    "MultiHeadAttention": lambda r: (
        _self_attention(nn.MultiHeadAttention(2, 3)) + (_x(r, B, 4, 6),)
    ),
    "RNN": lambda r: (nn.RNN(nn.SimpleRNNCell(3)), None, _x(r, B, 4, 5)),
    "ReLU": lambda r: (nn.ReLU(), None, _x(r, B, 5)),
    "RepeatVector": lambda r: (nn.RepeatVector(3), None, _x(r, B, 5)),
    "Reshape": lambda r: (nn.Reshape((5, 1)), None, _x(r, B, 5)),
    "Sequential": lambda r: (_sequential(), None, _x(r, B, 5)),
    "SimpleRNN": lambda r: (nn.SimpleRNN(3, return_sequences=True), None, _x(r, B, 4, 5)),
    "SimpleRNNCell": lambda r: _cell(nn.SimpleRNNCell(3), [3]) + (_x(r, B, 5),),
    "Softmax": lambda r: (nn.Softmax(), None, _x(r, B, 5)),
    "StackedRNNCells": lambda r: (
        _cell(nn.StackedRNNCells([nn.SimpleRNNCell(3), nn.GRUCell(2)]), [3, 2]) + (_x(r, B, 5),)
    ),
    "TimeDistributed": lambda r: (nn.TimeDistributed(nn.Dense(2)), None, _x(r, B, 4, 5)),
    "SpectralNormalization": lambda r: (nn.SpectralNormalization(nn.Dense(2)), None, _x(r, B, 5)),
    "UpSampling2D": lambda r: (nn.UpSampling2D(2), None, _x(r, B, 2, 3, 2)),
    "ZeroPadding2D": lambda r: (nn.ZeroPadding2D(1), None, _x(r, B, 2, 3, 2)),
    "Average": lambda r: (nn.Average(), "pair", _x(r, B, 5)),
    "Maximum": lambda r: (nn.Maximum(), "pair", _x(r, B, 5)),
    "Minimum": lambda r: (nn.Minimum(), "pair", _x(r, B, 5)),
    "Multiply": lambda r: (nn.Multiply(), "pair", _x(r, B, 5)),
    "Subtract": lambda r: (nn.Subtract(), "pair", _x(r, B, 5)),
    "Rescaling": lambda r: (nn.Rescaling(0.5, offset=1.0), None, _x(r, B, 5)),
    "Permute": lambda r: (nn.Permute((2, 1)), None, _x(r, B, 3, 4)),
    "ZeroPadding1D": lambda r: (nn.ZeroPadding1D((1, 2)), None, _x(r, B, 4, 3)),
    "UpSampling1D": lambda r: (nn.UpSampling1D(2), None, _x(r, B, 3, 2)),
    "Cropping1D": lambda r: (nn.Cropping1D((1, 1)), None, _x(r, B, 5, 2)),
    "Cropping2D": lambda r: (nn.Cropping2D(((1, 0), (0, 1))), None, _x(r, B, 3, 4, 2)),
    "Conv3D": lambda r: (nn.Conv3D(3, 2, padding="same"), None, _x(r, B, 3, 3, 4, 2)),
    "Conv1DTranspose": lambda r: (nn.Conv1DTranspose(3, 3, strides=2), None, _x(r, B, 4, 2)),
    "Conv3DTranspose": lambda r: (nn.Conv3DTranspose(2, 2, strides=2), None, _x(r, B, 2, 2, 3, 2)),
    "MaxPooling3D": lambda r: (nn.MaxPooling3D(2), None, _x(r, B, 4, 4, 2, 2)),
    "AveragePooling3D": lambda r: (nn.AveragePooling3D(2), None, _x(r, B, 4, 4, 2, 2)),
    "GlobalAveragePooling3D": lambda r: (nn.GlobalAveragePooling3D(), None, _x(r, B, 3, 2, 2, 3)),
    "GlobalMaxPooling3D": lambda r: (nn.GlobalMaxPooling3D(), None, _x(r, B, 3, 2, 2, 3)),
    "UpSampling3D": lambda r: (nn.UpSampling3D((1, 2, 2)), None, _x(r, B, 2, 2, 2, 2)),
    "ZeroPadding3D": lambda r: (nn.ZeroPadding3D(1), None, _x(r, B, 2, 2, 2, 2)),
    "Cropping3D": lambda r: (nn.Cropping3D(1), None, _x(r, B, 3, 4, 3, 2)),
    "ELU": lambda r: (nn.ELU(0.7), None, _x(r, B, 5)),
    "PReLU": lambda r: (nn.PReLU(alpha_initializer="ones"), None, _x(r, B, 5)),
    "Normalization": lambda r: (nn.Normalization(mean=0.5, variance=2.0), None, _x(r, B, 5)),
    "Resizing": lambda r: (nn.Resizing(3, 5), None, _x(r, B, 4, 4, 2)),
    "CenterCrop": lambda r: (nn.CenterCrop(2, 3), None, _x(r, B, 4, 4, 2)),
    "RandomFlip": lambda r: (nn.RandomFlip(seed=1), None, _x(r, B, 3, 4, 2)),
    "RandomBrightness": lambda r: (nn.RandomBrightness(0.2, (-9, 9)), None, _x(r, B, 3, 3, 2)),
    "RandomContrast": lambda r: (nn.RandomContrast(0.3), None, _x(r, B, 3, 3, 2)),
    # training mode with pinned factors: a quarter turn / whole-pixel shift / no zoom, where
    # TF's gradient (the inverse warp) is the exact adjoint, so finite differences agree
    "RandomRotation": lambda r: (
        nn.RandomRotation((0.25, 0.25), fill_mode="constant"),
        "train",
        _x(r, B, 4, 4, 2),
    ),
    "RandomTranslation": lambda r: (
        nn.RandomTranslation((0.25, 0.25), (-0.5, -0.5), fill_mode="constant"),
        "train",
        _x(r, B, 4, 4, 2),
    ),
    "RandomZoom": lambda r: (nn.RandomZoom((0.0, 0.0)), "train", _x(r, B, 3, 4, 2)),
    # a target larger than the image: Keras' deterministic slice-and-resize path
    "RandomCrop": lambda r: (nn.RandomCrop(5, 6), "train", _x(r, B, 4, 4, 2)),
    "CategoryEncoding": lambda r: (nn.CategoryEncoding(5), None, r.integers(0, 5, size=(B, 3))),
    "Discretization": lambda r: (nn.Discretization([-1, 1]), None, r.integers(-2, 3, size=(B, 4))),
    "Lambda": lambda r: (nn.Lambda(lambda x: jt.sin(x) * x), None, _x(r, B, 5)),
    "Identity": lambda r: (nn.Identity(), None, _x(r, B, 5)),
    "GaussianNoise": lambda r: (nn.GaussianNoise(0.3, seed=1), None, _x(r, B, 5)),
    "GaussianDropout": lambda r: (nn.GaussianDropout(0.3, seed=1), None, _x(r, B, 5)),
    "AlphaDropout": lambda r: (nn.AlphaDropout(0.3, seed=1), None, _x(r, B, 5)),
    "SpatialDropout1D": lambda r: (nn.SpatialDropout1D(0.5, seed=1), None, _x(r, B, 4, 3)),
    "SpatialDropout2D": lambda r: (nn.SpatialDropout2D(0.5, seed=1), None, _x(r, B, 3, 3, 2)),
    "SpatialDropout3D": lambda r: (nn.SpatialDropout3D(0.5, seed=1), None, _x(r, B, 2, 2, 2, 2)),
    "UnitNormalization": lambda r: (nn.UnitNormalization(), None, _x(r, B, 5)),
    "Dot": lambda r: (nn.Dot(axes=1, normalize=True), "pair", _x(r, B, 5)),
    "GroupNormalization": lambda r: (nn.GroupNormalization(groups=2), None, _x(r, B, 4, 6)),
}
# Base classes, not layers one instantiates as such.
ABSTRACT = {"Layer", "Model"}
# Host-side preprocessing (strings and vocabularies, no weights, never compiled): their
# own tests are tests/nn/test_text_layers.py.
HOST_LAYERS = {"IntegerLookup", "StringLookup", "TextVectorization"}
# Hashing runs on the host too (strings); tests/nn/test_preprocessing.py.
HOST_LAYERS |= {"Hashing"}
# HashedCrossing as well; tests/nn/test_text_layers_vs_keras.py.
HOST_LAYERS |= {"HashedCrossing"}


def _is_alias(name, cls) -> bool:
    """Keras' second name of a class exported under its own name (``MaxPool2D``)."""
    return cls.__name__ != name and getattr(nn, cls.__name__, None) is cls


def _forward(layer, how):
    if callable(how):
        return how
    if how == "pair":
        return lambda x: layer([x, 2.0 * x])
    if how == "train":
        return lambda x: layer(x, training=True)
    return lambda x: layer(x, training=False)


def _leaves(out) -> list:
    return jax.tree_util.tree_leaves(out, is_leaf=lambda v: isinstance(v, jt.Tensor))


def _sum_squares(out) -> jt.Tensor:
    return jt.add_n([jt.sum(jt.square(jt.cast(y, "float32"))) for y in _leaves(out)])


def test_table_covers_every_exported_layer():
    exported = {
        name
        for name, obj in vars(nn).items()
        if inspect.isclass(obj)
        and issubclass(obj, nn.Layer)
        and name not in ABSTRACT | HOST_LAYERS
        and not _is_alias(name, obj)
    }
    assert exported == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_eagerly_under_tape_and_in_function(name, rng):
    layer, how, x = CASES[name](rng)
    forward = _forward(layer, how)
    float_input = np.issubdtype(x.dtype, np.floating)
    y_eager = forward(jt.constant(x))  # builds the weights
    weights = list(layer.trainable_variables)

    def run(xt):
        with jt.GradientTape() as tape:
            if float_input:
                tape.watch(xt)
            y = forward(xt)
            loss = _sum_squares(y)
        sources = ([xt] if float_input else []) + weights
        return y, loss, tape.gradient(loss, sources)

    _, eager_loss, eager_grads = run(jt.constant(x))
    compiled = jt.function(run, autograph=False)  # one program: value, loss, gradients
    y_compiled, compiled_loss, compiled_grads = compiled(jt.constant(x))

    for a, b in zip(_leaves(y_eager), _leaves(y_compiled), strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(float(eager_loss), float(compiled_loss), rtol=1e-5)
    assert len(eager_grads) == len(compiled_grads) == int(float_input) + len(weights)
    for g_eager, g_compiled in zip(eager_grads, compiled_grads):
        assert g_eager is not None and g_compiled is not None, name
        # (an Embedding's gradient is an IndexedSlices, as TF's: compare it densified)
        g_eager, g_compiled = jt.convert_to_tensor(g_eager), jt.convert_to_tensor(g_compiled)
        np.testing.assert_allclose(g_eager.numpy(), g_compiled.numpy(), rtol=1e-4, atol=1e-5)

    if float_input:  # the input gradient against central differences of the program
        direction = rng.normal(size=x.shape).astype(np.float32)
        eps = 1e-3

        def loss_at(v):
            return float(compiled(jt.constant(v))[1])

        numeric = (loss_at(x + eps * direction) - loss_at(x - eps * direction)) / (2 * eps)
        analytic = float(np.sum(eager_grads[0].numpy() * direction))
        # float32 losses carry a few ulps of rounding, which the difference quotient
        # multiplies by 1 / (2 eps): with a loss of ~30 that is ~4e-3 absolute, more than a
        # directional derivative near zero (by cancellation) can be asked to match.
        noise = 4 * abs(float(compiled_loss)) * float(np.finfo(np.float32).eps) / (2 * eps)
        assert analytic == pytest.approx(numeric, rel=2e-2, abs=max(2e-3, noise)), name
