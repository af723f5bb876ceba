"""Keras initializers: default statistics over large samples, bounds, orthogonality,
seeding and the global generator, lookup and serialization."""

from __future__ import annotations

import math

import numpy as np
import pytest

import jtape as jt
from jtape.nn import initializers

SHAPE = (800, 400)  # 320k samples: the sample variance is within ~0.5% of the truth


def _draw(init, shape=SHAPE, dtype=None):
    out = init(shape, dtype=dtype)
    assert isinstance(out, jt.Tensor)
    assert out.shape == tuple(shape)
    return out.numpy()


@pytest.mark.parametrize(
    "cls, variance, limit",
    [
        # Uniform: variance limit^2 / 3; truncated normal: variance `scale / n` exactly,
        # every sample within two (pre-truncation) standard deviations.
        (initializers.GlorotUniform, 2.0 / 1200, math.sqrt(6.0 / 1200)),
        (initializers.HeUniform, 2.0 / 800, math.sqrt(6.0 / 800)),
        (initializers.LecunUniform, 1.0 / 800, math.sqrt(3.0 / 800)),
        (initializers.GlorotNormal, 2.0 / 1200, 2 * math.sqrt(2.0 / 1200) / 0.87962566103423978),
        (initializers.HeNormal, 2.0 / 800, 2 * math.sqrt(2.0 / 800) / 0.87962566103423978),
        (initializers.LecunNormal, 1.0 / 800, 2 * math.sqrt(1.0 / 800) / 0.87962566103423978),
    ],
)
def test_variance_scaling_presets(cls, variance, limit):
    w = _draw(cls(seed=1))
    assert w.dtype == np.float32
    assert abs(w.mean()) < 4 * math.sqrt(variance / w.size)
    np.testing.assert_allclose(w.var(), variance, rtol=0.02)
    assert np.abs(w).max() <= limit * (1 + 1e-6)
    # The bound is reached: samples fill the whole range.
    assert np.abs(w).max() > 0.95 * limit


def test_variance_scaling_modes_and_conv_fans():
    assert initializers.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert initializers.compute_fans((7,)) == (7, 7)
    assert initializers.compute_fans(()) == (1, 1)
    w = _draw(initializers.VarianceScaling(3.0, "fan_out", "untruncated_normal", seed=0))
    np.testing.assert_allclose(w.var(), 3.0 / 400, rtol=0.02)
    assert np.abs(w).max() > 4 * math.sqrt(3.0 / 400)  # not truncated
    conv = _draw(initializers.VarianceScaling(2.0, "fan_avg", "uniform", seed=0), (5, 5, 40, 60))
    np.testing.assert_allclose(conv.var(), 2.0 / (25 * 50), rtol=0.02)
    normal = initializers.VarianceScaling(distribution="normal")
    assert normal.distribution == "truncated_normal"


def test_random_normal_uniform_truncated():
    w = _draw(initializers.RandomNormal(mean=1.0, stddev=0.5, seed=3))
    np.testing.assert_allclose([w.mean(), w.std()], [1.0, 0.5], rtol=0.01)
    u = _draw(initializers.RandomUniform(-0.2, 0.6, seed=3))
    assert u.min() >= -0.2 and u.max() < 0.6
    np.testing.assert_allclose([u.mean(), u.var()], [0.2, 0.8**2 / 12], rtol=0.01)
    t = _draw(initializers.TruncatedNormal(mean=0.0, stddev=0.05, seed=3))
    assert np.abs(t).max() <= 0.1 + 1e-7
    np.testing.assert_allclose(t.std(), 0.05 * 0.87962566103423978, rtol=0.01)
    d = _draw(initializers.RandomNormal(seed=0), (10,), dtype="float16")
    assert d.dtype == np.float16
    # Keras defaults.
    assert initializers.RandomNormal().stddev == 0.05
    assert (initializers.RandomUniform().minval, initializers.RandomUniform().maxval) == (
        -0.05,
        0.05,
    )


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (3, 3, 4, 8)])
def test_orthogonal(shape):
    q = _draw(initializers.Orthogonal(gain=2.0, seed=5), shape)
    flat = q.reshape(-1, shape[-1])
    if flat.shape[0] >= flat.shape[1]:
        gram = flat.T @ flat
    else:
        gram = flat @ flat.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-4)


def test_constant_zeros_ones_identity():
    np.testing.assert_array_equal(_draw(initializers.Constant(2.5), (2, 3)), np.full((2, 3), 2.5))
    np.testing.assert_array_equal(_draw(initializers.Zeros(), (3,)), np.zeros(3))
    ones = initializers.Ones()((2, 2), dtype="int32")
    assert ones.dtype == np.int32 and ones.numpy().tolist() == [[1, 1], [1, 1]]
    np.testing.assert_array_equal(_draw(initializers.Identity(3.0), (2, 3)), 3.0 * np.eye(2, 3))
    with pytest.raises(ValueError, match="2D"):
        initializers.Identity()((2, 2, 2))


def test_seeded_initializers_are_deterministic():
    a = initializers.GlorotUniform(seed=7)
    np.testing.assert_array_equal(_draw(a, (5, 4)), _draw(a, (5, 4)))
    np.testing.assert_array_equal(
        _draw(a, (5, 4)), _draw(initializers.GlorotUniform(seed=7), (5, 4))
    )
    assert not np.array_equal(_draw(a, (5, 4)), _draw(initializers.GlorotUniform(seed=8), (5, 4)))


def test_unseeded_initializers_draw_from_the_global_generator():
    init = initializers.HeNormal()
    jt.random.set_seed(11)
    first, second = _draw(init, (4, 4)), _draw(init, (4, 4))
    assert not np.array_equal(first, second)  # a fresh key per call
    jt.random.set_seed(11)
    np.testing.assert_array_equal(_draw(init, (4, 4)), first)  # reproducible from the seed
    gen = jt.random.Generator(3)
    seeded_by_gen = initializers.RandomNormal(seed=gen)
    assert not np.array_equal(_draw(seeded_by_gen, (3,)), _draw(seeded_by_gen, (3,)))


def test_unseeded_initializer_inside_jt_function_advances_global_generator():
    jt.random.set_seed(0)
    init = initializers.RandomUniform()

    @jt.function
    def draw():
        return init((3,))

    a, b = draw().numpy(), draw().numpy()
    assert not np.array_equal(a, b)
    assert np.abs(a).max() <= 0.05


def test_variable_from_initializer_in_layer_style():
    v = jt.Variable(lambda: initializers.get("glorot_uniform")((3, 2)), name="kernel")
    assert v.shape == (3, 2) and v.dtype == np.float32
    assert np.abs(v.numpy()).max() <= math.sqrt(6 / 5)


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="scale"):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="two-dimensional"):
        initializers.Orthogonal()((5,))
    with pytest.raises(ValueError, match="seed"):
        initializers.RandomNormal(seed="abc")
    with pytest.raises(ValueError, match="floating"):
        initializers.RandomNormal(seed=0)((2,), dtype="int32")
    with pytest.raises(ValueError, match="Unknown initializer"):
        initializers.get("glorot_uniformm")


def test_get_serialize_deserialize():
    assert isinstance(initializers.get("glorot_uniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("GlorotUniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("he_normal"), initializers.HeNormal)
    assert isinstance(initializers.get("zeros"), initializers.Zeros)
    assert isinstance(initializers.get("orthogonal"), initializers.Orthogonal)
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)
    assert initializers.get(None) is None
    original = initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=4)
    config = initializers.serialize(original)
    assert config["class_name"] == "VarianceScaling"
    restored = initializers.get(config)
    assert restored.get_config() == original.get_config()
    np.testing.assert_array_equal(_draw(restored, (3, 3)), _draw(original, (3, 3)))
    array_init = initializers.get(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(array_init((2, 3)).numpy(), np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match="shape"):
        array_init((3, 2))
    assert initializers.glorot_uniform is initializers.GlorotUniform


def test_docstring_examples():
    import doctest

    from jtape.nn import _initializers

    for module in (_initializers,):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
