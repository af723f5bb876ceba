"""Keras' noise and structured-dropout layers: ``GaussianNoise``, ``GaussianDropout``,
``AlphaDropout`` and ``SpatialDropout1D``/``2D``/``3D``.

All are the identity at inference. In training each draws from a ``jt.random.Generator``
held by the layer, exactly as :class:`~jtape.nn.Dropout` does (seeded layers are
reproducible, unseeded ones split off the global generator), so they work under a tape
and inside ``jt.function``. The random numbers are JAX's, not TF's: only the
distributions and the scaling rules match Keras.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from .._op import op
from ._core_layers import _dropout, _layer_generator
from ._layer import Layer

# SELU's constants (Klambauer et al., 2017), the saturation value AlphaDropout drops to.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_rate(value, name: str = "rate") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected a float value between "
            f"0 and 1. Received: {name}={value!r}"
        )
    return value


def _concrete(noise_shape, shape) -> tuple[int, ...]:
    return tuple(shape[i] if d is None else d for i, d in enumerate(noise_shape))


@op(name="gaussian_noise")
def _gaussian_noise(x, key_data, stddev):
    z = jax.random.normal(jax.random.wrap_key_data(key_data), x.shape, x.dtype)
    return x + z * jnp.asarray(stddev, x.dtype)


@op(name="gaussian_dropout")
def _gaussian_dropout(x, key_data, stddev):
    z = jax.random.normal(jax.random.wrap_key_data(key_data), x.shape, x.dtype)
    return x * (z * jnp.asarray(stddev, x.dtype) + jnp.asarray(1.0, x.dtype))


_ALPHA_P = -_SELU_ALPHA * _SELU_SCALE


@op(name="alpha_dropout")
def _alpha_dropout(x, key_data, rate, a, b, noise_shape):
    u = jax.random.uniform(jax.random.wrap_key_data(key_data), _concrete(noise_shape, x.shape))
    kept = (u >= rate).astype(x.dtype)
    dropped = x * kept + jnp.asarray(_ALPHA_P, x.dtype) * (1 - kept)
    return jnp.asarray(a, x.dtype) * dropped + jnp.asarray(b, x.dtype)


class _Noise(Layer):
    """A layer with a rate-like argument and a generator, the identity at inference."""

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = _layer_generator(seed)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class GaussianNoise(_Noise):
    """Add zero-mean Gaussian noise of standard deviation ``stddev`` in training.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.GaussianNoise(0.1, seed=0)
        >>> layer(jt.ones((1, 3))).numpy().tolist()  # inference: the identity
        [[1.0, 1.0, 1.0]]
        >>> layer(jt.ones((1, 3)), training=True).shape
        (1, 3)
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed, **kwargs)
        self.stddev = _check_rate(stddev, "stddev")

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        return _gaussian_noise(inputs, self.generator.next_key_data(), float(self.stddev))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_Noise):
    """Multiply by Gaussian noise of mean 1 and variance ``rate / (1 - rate)`` in training.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.GaussianDropout(0.2, seed=0)(jt.ones((1, 2))).numpy().tolist()
        [[1.0, 1.0]]
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed, **kwargs)
        self.rate = _check_rate(rate)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))  # rate=1: ZeroDivisionError, as Keras
        return _gaussian_dropout(inputs, self.generator.next_key_data(), stddev)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class AlphaDropout(_Noise):
    """Dropout that keeps SELU's self-normalizing mean and variance (``keras.layers.AlphaDropout``).

    In training a ``rate`` fraction of entries is set to SELU's negative saturation
    ``-alpha * scale``, then every entry is mapped by the affine ``a * x + b`` that
    restores zero mean and unit variance.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.AlphaDropout(0.2, seed=0)(jt.ones((1, 2))).numpy().tolist()
        [[1.0, 1.0]]
    """

    def __init__(
        self, rate: float, noise_shape=None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(seed, **kwargs)
        self.rate = _check_rate(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        noise_shape = self.noise_shape or (None,) * inputs.ndim
        if len(noise_shape) != inputs.ndim:
            raise ValueError(
                f"AlphaDropout {self.name!r}: noise_shape {self.noise_shape} must have rank "
                f"{inputs.ndim}, the rank of the inputs"
            )
        rate = float(self.rate)
        # the affine map back to zero mean, unit variance (rate=1: ZeroDivisionError, as Keras)
        a = ((1 - rate) * (1 + rate * _ALPHA_P**2)) ** -0.5
        b = -a * _ALPHA_P * rate
        key = self.generator.next_key_data()
        return _alpha_dropout(inputs, key, rate, a, b, tuple(noise_shape))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }


class _SpatialDropout(_Noise):
    _rank = 3
    # Keras' SpatialDropout takes no `trainable` or `activity_regularizer`: its config
    # (and so a file Keras can load) has only these keys.
    _jt_config_keys = frozenset({"name", "dtype", "rate", "seed", "data_format"})

    def __init__(
        self, rate: float, data_format: str | None = None, seed: int | None = None, **kwargs
    ) -> None:
        super().__init__(seed, **kwargs)
        self.rate = _check_rate(rate)
        if self._rank > 3:
            data_format = (data_format or "channels_last").lower()
            if data_format not in ("channels_last", "channels_first"):
                raise ValueError(
                    "The `data_format` argument must be one of {'channels_first', "
                    f"'channels_last'}}. Received: data_format={data_format!r}"
                )
            self.data_format = data_format

    def _noise_shape(self) -> tuple:
        """``None`` keeps the input's size: batch and channels; the other axes are 1."""
        spatial = (1,) * (self._rank - 2)
        if getattr(self, "data_format", "channels_last") == "channels_first":
            return (None, None) + spatial
        return (None,) + spatial + (None,)

    def call(self, inputs, training=False):
        if inputs.ndim != self._rank:
            raise ValueError(
                f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                f"ndim={self._rank}, found ndim={inputs.ndim}. Full shape received: "
                f"{tuple(inputs.shape)}"
            )
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            from .._array_ops import zeros_like

            return zeros_like(inputs)
        key = self.generator.next_key_data()
        return _dropout(inputs, key, float(self.rate), self._noise_shape())

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "rate": self.rate, "seed": self.seed}
        if self._rank > 3:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of ``(batch, steps, channels)`` inputs, scaled by ``1/(1-rate)``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> y = nn.SpatialDropout1D(0.5, seed=0)(jt.ones((1, 3, 4)), training=True)
        >>> bool((y.numpy() == y.numpy()[:, :1]).all())  # a channel is kept or dropped whole
        True
    """

    _rank = 3

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole feature maps of 4-D inputs (``data_format`` says where channels are).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.SpatialDropout2D(0.5)(jt.ones((1, 2, 2, 3))).shape
        (1, 2, 2, 3)
    """

    _rank = 4

    def __init__(
        self, rate: float, data_format: str | None = None, seed: int | None = None, **kwargs
    ) -> None:
        super().__init__(rate, data_format=data_format, seed=seed, **kwargs)


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole feature volumes of 5-D inputs (``data_format`` says where channels are).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.SpatialDropout3D(0.5)(jt.ones((1, 2, 2, 2, 3))).shape
        (1, 2, 2, 2, 3)
    """

    _rank = 5

    def __init__(
        self, rate: float, data_format: str | None = None, seed: int | None = None, **kwargs
    ) -> None:
        super().__init__(rate, data_format=data_format, seed=seed, **kwargs)
