"""Lambda, Identity, the noise layers, UnitNormalization, Dot and GroupNormalization.

Inference values are Keras 3.15 on TF 2.21's, recorded by
``tests/nn/fixtures/record_simple_layers2.py`` (the ``CASES`` below mirror its table);
gradients are checked against ``jax.vjp`` of the same pure functions and finite
differences; the noise layers' training mode is checked by its statistics over many
draws (JAX's random numbers are not TF's), and the layers round-trip through ``.keras``.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
import jtape.compat as tf
from jtape import nn

L = tf.keras.layers
FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "simple_layers2.npz"))

# name -> layer factory (the recorder's table, with jtape's classes)
CASES = {
    "lambda_square": lambda: L.Lambda(lambda x: x * x + 1.0),
    "lambda_arguments": lambda: L.Lambda(lambda x, k, b: x * k - b, arguments={"k": 3.0, "b": 0.5}),
    "identity": lambda: L.Identity(),
    "gaussian_noise": lambda: L.GaussianNoise(0.3, seed=1),
    "gaussian_dropout": lambda: L.GaussianDropout(0.3, seed=1),
    "alpha_dropout": lambda: L.AlphaDropout(0.3, seed=1),
    "spatial_dropout1d": lambda: L.SpatialDropout1D(0.5, seed=1),
    "spatial_dropout2d": lambda: L.SpatialDropout2D(0.5, seed=1),
    "spatial_dropout3d": lambda: L.SpatialDropout3D(0.5, seed=1),
    "unit_norm_last": lambda: L.UnitNormalization(),
    "unit_norm_axis1": lambda: L.UnitNormalization(axis=1),
    "unit_norm_axes12": lambda: L.UnitNormalization(axis=[1, 2]),
    "unit_norm_zero_row": lambda: L.UnitNormalization(),
    "dot_axes1_2d": lambda: L.Dot(axes=1),
    "dot_axes_1_2": lambda: L.Dot(axes=(1, 2)),
    "dot_axes_2_1": lambda: L.Dot(axes=(2, 1)),
    "dot_axes_neg1": lambda: L.Dot(axes=-1),
    "dot_2d_3d": lambda: L.Dot(axes=(1, 1)),
    "dot_3d_2d": lambda: L.Dot(axes=(2, 1)),
    "dot_4d": lambda: L.Dot(axes=(3, 1)),
    "dot_normalize_2d": lambda: L.Dot(axes=1, normalize=True),
    "dot_normalize_3d": lambda: L.Dot(axes=(1, 2), normalize=True),
    "group_norm_g1": lambda: L.GroupNormalization(groups=1),
    "group_norm_g2": lambda: L.GroupNormalization(groups=2, epsilon=1e-5),
    "group_norm_gc": lambda: L.GroupNormalization(groups=6),
    "group_norm_instance": lambda: L.GroupNormalization(groups=-1),
    "group_norm_4d_g2": lambda: L.GroupNormalization(groups=2),
    "group_norm_axis1": lambda: L.GroupNormalization(groups=2, axis=1),
    "group_norm_no_center_scale": lambda: L.GroupNormalization(groups=3, center=False, scale=False),
    "group_norm_initializers": lambda: L.GroupNormalization(
        groups=2, beta_initializer="ones", gamma_initializer=tf.keras.initializers.Constant(0.5)
    ),
    "group_norm_2d_input": lambda: L.GroupNormalization(groups=4),
}


def _fixture(name):
    xs = [FIXTURE[f"{name}/x{i}"] for i in range(2) if f"{name}/x{i}" in FIXTURE]
    ws = [FIXTURE[f"{name}/w{i}"] for i in range(2) if f"{name}/w{i}" in FIXTURE]
    return xs, ws, FIXTURE[f"{name}/y"]


def test_cases_mirror_the_recorded_table():
    assert {k.split("/")[0] for k in FIXTURE.files} == set(CASES) | {"model"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_inference_matches_keras(name):
    xs, ws, want = _fixture(name)
    layer = CASES[name]()
    inputs = xs if name.startswith("dot") else xs[0]
    layer(inputs)
    if ws:
        layer.set_weights(ws)
    got = layer(inputs, training=False)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=2e-5, atol=2e-6)


# -- gradients against jax.vjp of pure functions and finite differences -------------------
def _pure_group_norm(x, gamma, beta, groups, axis, eps):
    shape = x.shape
    g = jnp.reshape(x, shape[:axis] + (groups, shape[axis] // groups) + shape[axis + 1 :])
    red = tuple(i for i in range(1, g.ndim) if i != axis)
    mean = g.mean(axis=red, keepdims=True)
    var = ((g - mean) ** 2).mean(axis=red, keepdims=True)
    bshape = [1] * g.ndim
    bshape[axis], bshape[axis + 1] = groups, shape[axis] // groups
    y = (g - mean) / jnp.sqrt(var + eps) * gamma.reshape(bshape) + beta.reshape(bshape)
    return y.reshape(shape)


@pytest.mark.parametrize(
    "groups, axis, shape",
    [(1, 2, (2, 3, 4)), (2, 2, (2, 3, 4)), (4, 2, (2, 3, 4)), (2, 1, (2, 4, 3))],
)
def test_group_norm_gradients(groups, axis, shape, rng):
    x = rng.normal(size=shape).astype(np.float32)
    c = shape[axis]
    gamma, beta = rng.normal(size=c).astype(np.float32), rng.normal(size=c).astype(np.float32)
    layer = L.GroupNormalization(groups=groups, axis=axis)
    layer(x)
    layer.set_weights([gamma, beta])

    with jt.GradientTape() as tape:  # the weights' own gradients
        y = layer(jt.constant(x))
        loss = jt.sum(y * y)
    g_gamma, g_beta = tape.gradient(loss, [layer.gamma, layer.beta])
    want = jax.grad(
        lambda gm, bt: jnp.sum(_pure_group_norm(jnp.asarray(x), gm, bt, groups, axis, 1e-3) ** 2),
        argnums=(0, 1),
    )(layer.gamma.numpy(), layer.beta.numpy())
    np.testing.assert_allclose(g_gamma.numpy(), want[0], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(g_beta.numpy(), want[1], rtol=1e-4, atol=1e-4)
    check_grads(
        lambda x: layer(x),
        lambda x: _pure_group_norm(
            x, jnp.asarray(layer.gamma.numpy()), jnp.asarray(layer.beta.numpy()), groups, axis, 1e-3
        ),
        [x],
    )


def _pure_unit(x, axis):
    return x / jnp.sqrt(jnp.sum(x * x, axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_unit_normalization_gradients(axis, rng):
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    layer = L.UnitNormalization(axis=axis)
    pure_axis = tuple(axis) if isinstance(axis, list) else axis
    check_grads(layer, lambda x: _pure_unit(x, pure_axis), [x])


def _pure_dot(x, y, a0, a1, normalize):
    if normalize:
        x, y = _pure_unit(x, a0), _pure_unit(y, a1)
    xs = jnp.moveaxis(x, a0, -1)
    ys = jnp.moveaxis(y, a1, 1)
    out = jnp.stack([jnp.tensordot(xs[i], ys[i], axes=([-1], [0])) for i in range(x.shape[0])])
    return out[:, None] if out.ndim == 1 else out


@pytest.mark.parametrize(
    "sx, sy, axes, normalize",
    [
        ((2, 4), (2, 4), 1, False),
        ((2, 3, 5), (2, 4, 3), (1, 2), False),
        ((2, 3, 5), (2, 4, 5), -1, True),
        ((2, 3), (2, 3, 4), (1, 1), True),
    ],
)
def test_dot_gradients(sx, sy, axes, normalize, rng):
    x, y = rng.normal(size=sx).astype(np.float32), rng.normal(size=sy).astype(np.float32)
    layer = L.Dot(axes=axes, normalize=normalize)
    a0, a1 = (axes, axes) if isinstance(axes, int) else axes
    a0, a1 = a0 % len(sx), a1 % len(sy)
    check_grads(lambda x, y: layer([x, y]), lambda x, y: _pure_dot(x, y, a0, a1, normalize), [x, y])


def test_lambda_gradient_in_function_and_under_tape():
    layer = L.Lambda(lambda x, p: x**p, arguments={"p": 3.0})
    check_grads(layer, lambda x: x**3.0, [[0.5, -1.5, 2.0]])

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(layer(x))
        return y, tape.gradient(y, x)

    value, grad = step(tf.constant([1.0, 2.0]))
    assert float(value) == pytest.approx(9.0)
    np.testing.assert_allclose(grad.numpy(), [3.0, 12.0])


# -- the noise layers in training -----------------------------------------------------------
N = 40_000


def test_gaussian_noise_statistics():
    layer = L.GaussianNoise(0.5, seed=3)
    x = np.full((N,), 2.0, np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)  # inference: the identity
    y = layer(x, training=True).numpy()
    assert y.mean() == pytest.approx(2.0, abs=0.02)
    assert y.std() == pytest.approx(0.5, rel=0.02)
    assert not np.array_equal(y, layer(x, training=True).numpy())  # a new draw each call


def test_gaussian_dropout_statistics():
    layer = L.GaussianDropout(0.3, seed=3)
    x = np.full((N,), 3.0, np.float32)
    y = layer(x, training=True).numpy() / 3.0
    assert y.mean() == pytest.approx(1.0, abs=0.02)
    assert y.std() == pytest.approx(np.sqrt(0.3 / 0.7), rel=0.02)
    with pytest.raises(ZeroDivisionError):  # as Keras: stddev sqrt(rate / (1 - rate))
        L.GaussianDropout(1.0)(x, training=True)


def test_alpha_dropout_keeps_mean_and_variance():
    rate = 0.2
    layer = L.AlphaDropout(rate, seed=4)
    x = np.random.default_rng(0).normal(size=(N,)).astype(np.float32)
    y = layer(x, training=True).numpy()
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
    b = -a * alpha_p * rate
    dropped = np.isclose(y, a * alpha_p + b, atol=1e-6)
    assert dropped.mean() == pytest.approx(rate, abs=0.01)
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-6)
    assert y.mean() == pytest.approx(0.0, abs=0.03)
    assert y.var() == pytest.approx(1.0, abs=0.03)
    compiled = jt.function(lambda x: layer(x, training=True))(x).numpy()  # the same rule
    assert np.isclose(compiled, a * alpha_p + b, atol=1e-6).mean() == pytest.approx(rate, abs=0.01)
    with pytest.raises(ZeroDivisionError):  # as Keras: a = ((1 - rate) ...) ** -0.5
        L.AlphaDropout(1.0)(x, training=True)
    # a noise_shape shares one draw along the axes it sets to 1
    shared = L.AlphaDropout(0.5, noise_shape=(None, 1), seed=1)
    y2 = shared(np.ones((64, 5), np.float32), training=True).numpy()
    assert (y2 == y2[:, :1]).all() and len(np.unique(y2)) == 2


@pytest.mark.parametrize(
    "cls, shape, channel_axis, kwargs",
    [
        ("SpatialDropout1D", (300, 4, 8), 2, {}),
        ("SpatialDropout2D", (300, 3, 3, 8), 3, {}),
        ("SpatialDropout2D", (300, 8, 3, 3), 1, {"data_format": "channels_first"}),
        ("SpatialDropout3D", (300, 2, 2, 2, 8), 4, {}),
        ("SpatialDropout3D", (300, 8, 2, 2, 2), 1, {"data_format": "channels_first"}),
    ],
)
def test_spatial_dropout_drops_whole_channels(cls, shape, channel_axis, kwargs):
    rate = 0.4
    layer = getattr(L, cls)(rate, seed=5, **kwargs)
    x = np.ones(shape, np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y).tolist()) <= {0.0, np.float32(1 / (1 - rate))}
    spatial = tuple(i for i in range(1, len(shape)) if i != channel_axis)
    per_channel = y.min(axis=spatial)
    np.testing.assert_array_equal(per_channel, y.max(axis=spatial))  # whole maps
    assert (per_channel == 0).mean() == pytest.approx(rate, abs=0.04)
    with pytest.raises(ValueError, match="expected ndim"):
        layer(np.ones((2, 3), np.float32), training=True)


def test_noise_layer_gradients_in_training_follow_the_draw():
    x = tf.constant(np.random.default_rng(1).uniform(1.0, 2.0, size=(4, 3, 5)).astype(np.float32))
    for layer in (L.SpatialDropout1D(0.5, seed=2), L.GaussianDropout(0.4, seed=2)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=True)
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), (y / x).numpy(), rtol=1e-5)
    layer = L.GaussianNoise(0.4, seed=2)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.ones(x.shape))


def test_noise_layers_in_a_function_draw_anew_each_call():
    layer = L.SpatialDropout1D(0.5, seed=7)
    step = jt.function(lambda x: layer(x, training=True))
    x = jt.ones((8, 2, 6))
    first, second = step(x).numpy(), step(x).numpy()
    assert not np.array_equal(first, second)
    again = L.SpatialDropout1D(0.5, seed=7)(x, training=True).numpy()  # seeded: reproducible
    np.testing.assert_array_equal(first, again)


def test_invalid_arguments_raise_as_keras():
    for make in (
        lambda: L.GaussianNoise(1.5),
        lambda: L.GaussianDropout(-0.1),
        lambda: L.AlphaDropout(2),
        lambda: L.SpatialDropout2D(1.1),
        lambda: L.GroupNormalization(groups=0),
        lambda: L.Dot(axes=(1, 2, 3)),
    ):
        with pytest.raises(ValueError):
            make()
    with pytest.raises(TypeError):
        L.UnitNormalization(axis="x")
    with pytest.raises(ValueError, match="cannot be more than"):
        L.GroupNormalization(groups=8)(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="must be a multiple"):
        L.GroupNormalization(groups=3)(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="axis 0"):
        L.Dot(axes=0)([np.ones((2, 2), np.float32)] * 2)
    with pytest.raises(ValueError, match="Incompatible input shapes"):
        L.Dot(axes=1)([np.ones((2, 2), np.float32), np.ones((2, 3), np.float32)])


# -- models and saving -----------------------------------------------------------------------
def scale_and_shift(x, k=2.0):
    return x * k + 1.0


def test_lambda_in_sequential_and_functional_models():
    model = tf.keras.Sequential(
        [tf.keras.Input((3,)), L.Lambda(lambda x: tf.concat([x, -x], axis=-1)), L.Dense(2)]
    )
    assert model.output_shape == (None, 2)
    assert model.layers[0].output.shape == (None, 6)
    inputs = tf.keras.Input((4, 5))
    outputs = L.Lambda(lambda x: tf.reduce_mean(x, axis=1), output_shape=(5,))(inputs)
    functional = tf.keras.Model(inputs, outputs)
    x = np.random.default_rng(0).normal(size=(2, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(functional(x).numpy(), x.mean(axis=1), rtol=1e-6)
    assert functional.layers[1].compute_output_shape((None, 4, 5)) == (None, 5)
    trained = L.Lambda(lambda x, training=None: x * (2.0 if training else 1.0))
    assert float(trained(tf.constant(1.0), training=True)) == 2.0
    assert float(trained(tf.constant(1.0))) == 1.0


def test_lambda_masks():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 4.0]]], np.float32)
    masked = L.Masking()(x)
    passed = L.Lambda(lambda t: t * 2.0, mask=lambda inputs, mask: mask)(masked)
    np.testing.assert_array_equal(passed._keras_mask.numpy(), [[True, False, True]])
    seen = L.Lambda(lambda t, mask=None: tf.cast(mask, "float32"))(masked)
    np.testing.assert_array_equal(seen.numpy(), [[1.0, 0.0, 1.0]])
    with pytest.warns(UserWarning, match="does not support masking"):  # mask=None: dropped
        dropped = L.Lambda(lambda t: t * 2.0)(masked)
    assert getattr(dropped, "_keras_mask", None) is None


def test_a_python_lambda_cannot_be_saved(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((2,)), L.Lambda(lambda x: x + 1.0)])
    with pytest.raises(ValueError, match="Python `lambda`"):
        model.save(str(tmp_path / "m.keras"))
    keras_written = {  # what Keras writes for one; Keras' safe_mode refuses it as well
        "class_name": "Lambda",
        "config": {
            "name": "l",
            "function": {"class_name": "__lambda__", "config": {"code": "", "defaults": None}},
        },
    }
    with pytest.raises(ValueError, match="Python bytecode"):
        nn.saving.deserialize_keras_object(keras_written)


def test_saved_model_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    a, b = tf.keras.Input((4, 6)), tf.keras.Input((4, 6))
    h = L.GroupNormalization(groups=2, gamma_initializer="glorot_uniform")(a)
    h = L.GaussianNoise(0.1, seed=1)(h)
    h = L.SpatialDropout1D(0.2)(h)
    h = L.AlphaDropout(0.1)(h)
    h = L.GaussianDropout(0.1)(h)
    h = L.UnitNormalization(axis=[1, 2])(h)
    h = L.Identity()(h)
    h = L.Lambda(scale_and_shift, arguments={"k": 3.0})(h)
    out = L.Dot(axes=(2, 2), normalize=True)([h, b])
    model = tf.keras.Model([a, b], out)
    x = [rng.normal(size=(2, 4, 6)).astype(np.float32) for _ in range(2)]
    want = model(x).numpy()
    assert want.shape == (2, 4, 4)
    model.save(str(tmp_path / "m.keras"))
    loaded = tf.keras.models.load_model(
        str(tmp_path / "m.keras"), custom_objects={"scale_and_shift": scale_and_shift}
    )
    np.testing.assert_allclose(loaded(x).numpy(), want, rtol=1e-5, atol=1e-6)
    configs = {type(layer).__name__: layer.get_config() for layer in loaded.layers}
    assert configs["GroupNormalization"]["groups"] == 2
    assert configs["Dot"]["axes"] == [2, 2] and configs["Dot"]["normalize"] is True
    assert configs["Lambda"]["arguments"] == {"k": 3.0}
    assert configs["UnitNormalization"]["axis"] == [1, 2]
    assert configs["GaussianNoise"]["stddev"] == 0.1


def test_file_configs_are_what_keras_loads(tmp_path):
    """Keras' SpatialDropout takes only these arguments; a function is saved by name."""
    model = tf.keras.Sequential(
        [tf.keras.Input((4, 6)), L.SpatialDropout1D(0.2), L.Lambda(scale_and_shift)]
    )
    config = tf.keras.saving.serialize_keras_object(model)["config"]["layers"]
    assert set(config[1]["config"]) == {"name", "dtype", "rate", "seed"}
    assert config[2]["config"]["function"] == {
        "module": __name__,
        "class_name": "function",
        "config": "scale_and_shift",
        "registered_name": "scale_and_shift",
    }


def test_a_keras_written_file_loads():
    path = os.path.join(os.path.dirname(__file__), "fixtures", "simple_layers2_model.keras")
    model = tf.keras.models.load_model(
        path, custom_objects={"simple_layers2>shift": lambda x, k=2.0: x * k + 1.0}
    )
    x = [FIXTURE["model/x0"], FIXTURE["model/x1"]]
    np.testing.assert_allclose(model(x).numpy(), FIXTURE["model/y"], rtol=1e-5, atol=1e-6)
    names = [type(layer).__name__ for layer in model.layers]
    for name in ("GroupNormalization", "SpatialDropout2D", "Lambda", "Dot", "Identity"):
        assert name in names


def test_compat_names():
    for name in (
        "Lambda", "Identity", "GaussianNoise", "GaussianDropout", "AlphaDropout",
        "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "UnitNormalization",
        "Dot", "GroupNormalization",
    ):  # fmt: skip
        assert getattr(tf.keras.layers, name) is getattr(nn, name)


@pytest.mark.parametrize(
    "module",
    ["_lambda_layer", "_noise_layers", "_normalization_layers", "_dot_layer"],
)
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"jtape.nn.{module}"))
    assert result.failed == 0 and result.attempted > 0
