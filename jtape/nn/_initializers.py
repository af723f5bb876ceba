"""Keras initializers: ``init(shape, dtype=None)`` returns a Tensor drawn from JAX keys.

Random initializers take their key from ``seed``: an int gives the same values on every
call (Keras 3's behaviour for seeded initializers), a :class:`jtape.random.Generator`
gives a fresh key per call, and ``None`` draws from ``jt.random.get_global_generator()``,
so ``jt.random.set_seed`` makes unseeded models reproducible (Keras 3 instead fixes a
random seed when an unseeded initializer is built).
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtypes
from .. import _random as _jt_random
from .._tensor import Tensor, to_value

# Keras' truncated normal cuts at two standard deviations, which shrinks the standard
# deviation by this factor; VarianceScaling divides it out so the variance is `scale`.
_TRUNCATED_STDDEV = 0.87962566103423978


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"initializer: `shape` must be a tuple of ints, got {shape!r}") from None


# Smallest number of samples drawn per call; see `_sample`.
_MIN_BUCKET = 1 << 16


@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _flat_sample(key, kind: str, size: int, dtype, a, b):
    if kind == "uniform":
        return jax.random.uniform(key, (size,), dtype, minval=a, maxval=b)
    if kind == "truncated_normal":
        return jax.random.truncated_normal(key, -2.0, 2.0, (size,), dtype) * b + a
    return jax.random.normal(key, (size,), dtype) * b + a


def _sample(key, kind: str, shape: tuple[int, ...], dtype, a: float, b: float) -> jax.Array:
    """``shape`` samples: ``uniform`` in ``[a, b)``, or (truncated) normal ``a + b * z``.

    Compiling JAX's random bit generator takes ~0.5 s of CPU per distinct shape, so the
    samples are drawn as a flat vector whose length is rounded up to a power of two
    (at least 2**16) and then cut to ``shape``: a model's layers share a handful of
    compiled samplers instead of one per weight shape. The values remain a fixed
    function of the key and the shape.
    """
    n = math.prod(shape)
    size = max(_MIN_BUCKET, 1 << max(n - 1, 0).bit_length())
    flat = _flat_sample(key, kind, size, jnp.dtype(dtype), a, b)
    return flat[:n].reshape(shape)


def _float_dtype(dtype, who: str):
    dtype = _dtypes.as_dtype(dtype) or _dtypes.float32
    if not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(f"{who}: expected a floating point `dtype`, got {dtype.name}")
    return dtype


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)`` and ``get_config``.

    Example:
        >>> import jtape.nn.initializers as initializers
        >>> initializers.Ones()((2,)).numpy().tolist()
        [1.0, 1.0]
    """

    def __call__(self, shape, dtype=None) -> Tensor:
        raise NotImplementedError("Initializer subclasses must implement __call__()")

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as a dict that ``from_config`` accepts."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        """A new initializer from the dict that ``get_config`` returned."""
        return cls(**config)

    def clone(self) -> Initializer:
        """A new initializer with the same config (including ``seed``)."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


# -- constant initializers -------------------------------------------------------------
class Constant(Initializer):
    """Every element equals ``value``.

    Example:
        >>> import jtape.nn.initializers as initializers
        >>> initializers.Constant(3.0)((2,)).numpy().tolist()
        [3.0, 3.0]
    """

    def __init__(self, value=0.0) -> None:
        self.value = value

    def __call__(self, shape, dtype=None) -> Tensor:
        dtype = _dtypes.as_dtype(dtype) or _dtypes.float32
        value = jnp.asarray(to_value(self.value), dtype)
        return Tensor(value * jnp.ones(_shape(shape), dtype))

    def get_config(self) -> dict[str, Any]:
        value = self.value
        if not isinstance(value, (int, float)):
            value = np.asarray(value).tolist()
        return {"value": value}


class Zeros(Initializer):
    """All zeros (Keras' default bias initializer)."""

    def __call__(self, shape, dtype=None) -> Tensor:
        return Tensor(jnp.zeros(_shape(shape), _dtypes.as_dtype(dtype) or _dtypes.float32))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None) -> Tensor:
        return Tensor(jnp.ones(_shape(shape), _dtypes.as_dtype(dtype) or _dtypes.float32))


class Identity(Initializer):
    """``gain`` times the identity matrix; 2-D shapes only (``eye(rows, cols)``)."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape, dtype=None) -> Tensor:
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        dtype = _dtypes.as_dtype(dtype) or _dtypes.float32
        return Tensor(jnp.asarray(self.gain, dtype) * jnp.eye(*shape, dtype=dtype))

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


# -- random initializers ---------------------------------------------------------------
class RandomInitializer(Initializer):
    """Base of the random initializers: holds ``seed`` and turns it into JAX keys."""

    def __init__(self, seed=None) -> None:
        if seed is not None and not isinstance(seed, (int, np.integer, _jt_random.Generator)):
            raise ValueError(
                "`seed` argument should be an int, a jt.random.Generator or None. "
                f"Received: seed={seed!r}"
            )
        self.seed = int(seed) if isinstance(seed, (int, np.integer)) else seed

    def _key(self) -> jax.Array:
        if self.seed is None:
            return _jt_random.get_global_generator().next_key()
        if isinstance(self.seed, _jt_random.Generator):
            return self.seed.next_key()
        return jax.random.key(self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed if isinstance(self.seed, int) else None}


class RandomNormal(RandomInitializer):
    """Normal samples with ``mean`` and ``stddev`` (Keras defaults 0 and 0.05).

    Example:
        >>> import jtape.nn.initializers as initializers
        >>> init = initializers.RandomNormal(seed=1)
        >>> bool((init((3,)).numpy() == init((3,)).numpy()).all())  # seeded: same values
        True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None) -> None:
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None) -> Tensor:
        dtype = _float_dtype(dtype, type(self).__name__)
        return Tensor(_sample(self._key(), "normal", _shape(shape), dtype, self.mean, self.stddev))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Normal samples redrawn beyond two standard deviations (defaults 0 and 0.05)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None) -> None:
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed)

    def __call__(self, shape, dtype=None) -> Tensor:
        dtype = _float_dtype(dtype, type(self).__name__)
        return Tensor(
            _sample(self._key(), "truncated_normal", _shape(shape), dtype, self.mean, self.stddev)
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Uniform samples in ``[minval, maxval)`` (Keras defaults -0.05 and 0.05)."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed=None) -> None:
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed)

    def __call__(self, shape, dtype=None) -> Tensor:
        dtype = _float_dtype(dtype, type(self).__name__)
        return Tensor(
            _sample(self._key(), "uniform", _shape(shape), dtype, self.minval, self.maxval)
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """Keras' ``(fan_in, fan_out)``: conv kernels ``(..., in, out)`` count the receptive field.

    Example:
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = _shape(shape)
    if input_axes is not None and output_axes is not None:
        return (
            int(math.prod(shape[a] for a in input_axes)),
            int(math.prod(shape[a] for a in output_axes)),
        )
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(RandomInitializer):
    """Samples with variance ``scale / n``, ``n`` the fan in, fan out or their average.

    ``distribution`` is ``"truncated_normal"`` (``"normal"`` is an alias, as in Keras),
    ``"untruncated_normal"`` or ``"uniform"`` (bounds ``±sqrt(3 * scale / n)``).

    Example:
        >>> import jtape.nn.initializers as initializers
        >>> w = initializers.VarianceScaling(scale=2.0, distribution="uniform", seed=0)((50, 8))
        >>> bool(abs(w.numpy()).max() <= (3 * 2.0 / 50) ** 0.5)
        True
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ) -> None:
        if not scale > 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        allowed_modes = {"fan_in", "fan_out", "fan_avg"}
        if mode not in allowed_modes:
            raise ValueError(
                f"Invalid `mode` argument: {mode!r}. Please use one of {sorted(allowed_modes)}"
            )
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in allowed:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution!r}. "
                f"Please use one of {sorted(allowed)}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed)

    def __call__(self, shape, dtype=None) -> Tensor:
        dtype = _float_dtype(dtype, type(self).__name__)
        shape = _shape(shape)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        key = self._key()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / _TRUNCATED_STDDEV
            return Tensor(_sample(key, "truncated_normal", shape, dtype, 0.0, stddev))
        if self.distribution == "untruncated_normal":
            return Tensor(_sample(key, "normal", shape, dtype, 0.0, math.sqrt(scale)))
        limit = math.sqrt(3.0 * scale)
        return Tensor(_sample(key, "uniform", shape, dtype, -limit, limit))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed scale, mode and distribution (Glorot, He, LeCun)."""

    _preset: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None, input_axes=None, output_axes=None) -> None:
        scale, mode, distribution = self._preset
        super().__init__(scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self) -> dict[str, Any]:
        return {
            "seed": self.seed if isinstance(self.seed, int) else None,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class GlorotUniform(_Preset):
    """Uniform in ``±sqrt(6 / (fan_in + fan_out))``: Keras' default kernel initializer.

    Example:
        >>> import jtape.nn.initializers as initializers
        >>> w = initializers.GlorotUniform(seed=0)((64, 32)).numpy()
        >>> bool(abs(w).max() <= (6 / 96) ** 0.5)
        True
    """

    _preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Truncated normal with variance ``2 / (fan_in + fan_out)``."""

    _preset = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Preset):
    """Truncated normal with variance ``2 / fan_in``."""

    _preset = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Preset):
    """Uniform in ``±sqrt(6 / fan_in)``."""

    _preset = (2.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """Truncated normal with variance ``1 / fan_in``."""

    _preset = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """Uniform in ``±sqrt(3 / fan_in)``."""

    _preset = (1.0, "fan_in", "uniform")


class Orthogonal(RandomInitializer):
    """``gain`` times an orthogonal matrix from the QR decomposition of a normal sample.

    Shapes of rank > 2 are flattened to ``(prod(shape[:-1]), shape[-1])``.

    Example:
        >>> import numpy as np, jtape.nn.initializers as initializers
        >>> q = initializers.Orthogonal(seed=0)((4, 4)).numpy()
        >>> bool(np.allclose(q.T @ q, np.eye(4), atol=1e-5))
        True
    """

    def __init__(self, gain: float = 1.0, seed=None) -> None:
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape, dtype=None) -> Tensor:
        dtype = _float_dtype(dtype, "Orthogonal")
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = _sample(self._key(), "normal", (max(rows, cols), min(rows, cols)), dtype, 0.0, 1.0)
        # LAPACK has no half-precision QR (float16 layers such as LSTM(dtype="float16")).
        q, r = jnp.linalg.qr(a.astype(jnp.promote_types(a.dtype, jnp.float32)))
        # Multiplying by the signs of diag(r) makes the distribution uniform (Haar).
        q = q * jnp.sign(jnp.diag(r))
        if rows < cols:
            q = q.T
        return Tensor(jnp.asarray(self.gain, dtype) * q.reshape(shape).astype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "gain": self.gain}


# -- lookup and serialization ----------------------------------------------------------
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


_CLASSES = (
    Constant,
    Zeros,
    Ones,
    Identity,
    RandomNormal,
    TruncatedNormal,
    RandomUniform,
    VarianceScaling,
    GlorotUniform,
    GlorotNormal,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
)
_BY_NAME: dict[str, type] = {c.__name__: c for c in _CLASSES}
_BY_NAME.update({_snake(c.__name__): c for c in _CLASSES})
_BY_NAME.update(
    {
        "IdentityInitializer": Identity,
        "OrthogonalInitializer": Orthogonal,
        "normal": RandomNormal,
        "uniform": RandomUniform,
        "one": Ones,
        "zero": Zeros,
    }
)


def serialize(initializer: Initializer) -> dict[str, Any]:
    """Keras 3's config dict: ``{"module", "class_name", "config", "registered_name"}``.

    Example:
        >>> serialize(GlorotUniform(seed=3))["config"]["seed"]
        3
    """
    if not isinstance(initializer, Initializer):
        raise ValueError(f"serialize: expected an Initializer, got {initializer!r}")
    return {
        "module": "keras.initializers",
        "class_name": type(initializer).__name__,
        "config": initializer.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects: dict | None = None) -> Initializer:
    """Inverse of :func:`serialize`; also accepts a bare class name."""
    lookup = {**_BY_NAME, **(custom_objects or {})}
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret initializer config: {config!r}")
    cls = lookup.get(config["class_name"])
    if cls is None:
        raise ValueError(
            f"Unknown initializer: {config['class_name']!r}. Known: {sorted(_BY_NAME)}"
        )
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """An initializer from a name, config dict, instance, class, callable or array.

    Example:
        >>> type(get("glorot_uniform")).__name__
        'GlorotUniform'
        >>> get(None) is None
        True
    """
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if isinstance(identifier, (Tensor, np.ndarray, jax.Array)) or hasattr(identifier, "_jt_read"):
        value = to_value(identifier)

        def initialize_fn(shape, dtype=None) -> Tensor:
            if _shape(shape) != tuple(value.shape):
                raise ValueError(
                    f"Expected `shape` to be {tuple(value.shape)} for direct tensor as "
                    f"initializer. Received shape={shape}"
                )
            return Tensor(value.astype(_dtypes.as_dtype(dtype) or value.dtype))

        return initialize_fn
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
