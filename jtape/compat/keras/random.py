"""``keras.random``: Keras 3's random functions and ``SeedGenerator`` on JAX keys.

A ``SeedGenerator`` keeps Keras' state, a non-trainable ``int64[2]`` Variable
``[seed, counter]``; each draw uses ``fold_in(key(seed), counter)`` and increments the
counter, so successive calls differ, the same seed replays the same stream, and
``jt.function`` carries the state like any Variable. An integer ``seed=`` gives the
same values at every call (Keras' stateless rule); ``seed=None`` draws from a global
generator (reset by ``keras.utils.set_random_seed``).

The numbers are JAX's (threefry), not TensorFlow's Philox streams: distributions,
shapes and dtypes match Keras, the individual values do not.

Example:
    >>> import jtape.compat.keras as keras
    >>> g = keras.random.SeedGenerator(42)
    >>> a, b = keras.random.normal((2,), seed=g), keras.random.normal((2,), seed=g)
    >>> bool((a.numpy() != b.numpy()).all()), a.dtype.name
    (True, 'float32')
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..._op import op
from ..._tensor import Tensor
from ..._variable import Variable, init_scope
from ._ops_dtypes import floatx, is_float, standardize_dtype, tensor

__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]


class SeedGenerator:
    """A stateful seed: each :meth:`next` returns a new key and advances the state.

    Example:
        >>> import jtape.compat.keras as keras
        >>> g = keras.random.SeedGenerator(1)
        >>> g.state.numpy().tolist()
        [1, 0]
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs) -> None:
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**31))
        elif not isinstance(seed, (int, np.integer)):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self.name = name or "seed_generator"
        self._initial_seed = int(seed)
        with init_scope():  # created inside a jt.function trace: still a concrete state
            self.state = Variable(
                np.array([int(seed), 0], np.int64),
                trainable=False,
                name="seed_generator_state",
            )

    def next(self, ordered: bool = True) -> Tensor:
        """The current ``[seed, counter]`` as a Tensor; increments the counter."""
        value = self.state.value()
        self.state.assign(_advance(value))
        return value

    def get_config(self) -> dict:
        return {"seed": self._initial_seed}


_advance = op(lambda s: s + jnp.array([0, 1], s.dtype), name="seed_advance")

_global: SeedGenerator | None = None


def global_seed_generator() -> SeedGenerator:
    global _global
    if _global is None:
        _global = SeedGenerator(name="global_seed_generator")
    return _global


def set_global_seed(seed: int) -> None:
    """Reset the generator behind ``seed=None`` draws (``keras.utils.set_random_seed``)."""
    global _global
    _global = SeedGenerator(int(seed), name="global_seed_generator")


def _seed_tensor(seed) -> Tensor:
    """Keras' ``draw_seed``: a SeedGenerator advances; an int is a fixed (stateless) seed."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return global_seed_generator().next()
    if isinstance(seed, (int, np.integer)):
        return Tensor(jnp.array([int(seed), 0], jnp.int64))
    if isinstance(seed, (Tensor, Variable, np.ndarray, tuple, list)):
        return tensor(seed, "int64")
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed} (of type {type(seed)})"
    )


def _key(state):
    return jax.random.fold_in(jax.random.key(state[0]), state[1])


def _float_dtype(dtype, fn: str, error=ValueError) -> np.dtype:
    dt = np.dtype(standardize_dtype(dtype)) if dtype is not None else floatx()
    if not is_float(dt):
        raise error(
            f"`keras.random.{fn}` requires a floating point `dtype`. Received: dtype={dt.name}"
        )
    return dt


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


_normal = op(
    lambda s, m, sd, shape, dt: jax.random.normal(_key(s), shape, dt) * sd + m, name="normal"
)
_truncated = op(
    lambda s, m, sd, shape, dt: jax.random.truncated_normal(_key(s), -2.0, 2.0, shape, dt) * sd + m,
    name="truncated_normal",
)
_uniform = op(
    lambda s, lo, hi, shape, dt: jax.random.uniform(_key(s), shape, dt, lo, hi), name="uniform"
)
_randint = op(
    lambda s, lo, hi, shape, dt: jax.random.randint(_key(s), shape, lo, hi, dt), name="randint"
)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Samples of a normal distribution (float32 unless ``dtype`` is given)."""
    dt = _float_dtype(dtype, "normal", TypeError)  # TF's error class there
    return _normal(_seed_tensor(seed), tensor(mean, dt), tensor(stddev, dt), _shape(shape), dt)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Normal samples redrawn until within two standard deviations of ``mean``."""
    dt = _float_dtype(dtype, "truncated_normal", TypeError)
    return _truncated(_seed_tensor(seed), tensor(mean, dt), tensor(stddev, dt), _shape(shape), dt)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> Tensor:
    """Uniform samples in ``[minval, maxval)`` (float dtypes only, as Keras)."""
    dt = _float_dtype(dtype, "uniform")
    return _uniform(_seed_tensor(seed), tensor(minval, dt), tensor(maxval, dt), _shape(shape), dt)


def randint(shape, minval, maxval, dtype="int32", seed=None) -> Tensor:
    """Uniform integers in ``[minval, maxval)``."""
    dt = np.dtype(standardize_dtype(dtype))
    if dt.kind not in "iu":
        raise ValueError(
            f"`keras.random.randint` requires an integer `dtype`. Received: dtype={dt.name}"
        )
    return _randint(_seed_tensor(seed), tensor(minval, dt), tensor(maxval, dt), _shape(shape), dt)


_categorical = op(
    lambda s, logits, n, dt: jax.random.categorical(
        _key(s), logits[:, None, :], axis=-1, shape=(logits.shape[0], n)
    ).astype(dt),
    name="categorical",
)


def categorical(logits, num_samples: int, dtype="int32", seed=None) -> Tensor:
    """``num_samples`` class indices per row of the 2-D ``logits``."""
    logits = tensor(logits)
    if logits.ndim != 2:
        raise ValueError(
            f"`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
            f"Received: logits={logits.shape}"
        )
    return _categorical(
        _seed_tensor(seed), logits, int(num_samples), np.dtype(standardize_dtype(dtype))
    )


def _dropout_fn(s, x, rate, noise_shape):
    keep = jax.random.bernoulli(_key(s), 1.0 - rate, noise_shape)
    return jnp.where(keep, x / (1.0 - rate), jnp.zeros((), x.dtype)).astype(x.dtype)


_dropout = op(_dropout_fn, name="dropout")


def dropout(inputs, rate: float, noise_shape=None, seed=None) -> Tensor:
    """Zero each element with probability ``rate``; scale the rest by ``1 / (1 - rate)``.

    ``noise_shape`` (``None`` entries take the input's size) shares one draw along
    its axes of size 1.
    """
    x = tensor(inputs)
    if noise_shape is None:
        shape = tuple(x.shape)
    else:
        shape = tuple(d if n is None else int(n) for n, d in zip(noise_shape, x.shape))
    return _dropout(_seed_tensor(seed), x, float(rate), shape)


_shuffle = op(
    lambda s, x, axis: jax.random.permutation(_key(s), x, axis=axis, independent=False),
    name="shuffle",
)


def shuffle(x, axis: int = 0, seed=None) -> Tensor:
    """``x`` with its slices along ``axis`` in random order."""
    return _shuffle(_seed_tensor(seed), tensor(x), int(axis))


_gamma = op(lambda s, a, shape, dt: jax.random.gamma(_key(s), a, shape, dt), name="gamma")
_beta = op(lambda s, a, b, shape, dt: jax.random.beta(_key(s), a, b, shape, dt), name="beta")
_binomial = op(
    lambda s, n, p, shape, dt: jax.random.binomial(_key(s), n, p, shape, dt), name="binomial"
)


def gamma(shape, alpha, dtype=None, seed=None) -> Tensor:
    """Gamma(``alpha``, 1) samples."""
    dt = _float_dtype(dtype, "gamma")
    return _gamma(_seed_tensor(seed), tensor(alpha, dt), _shape(shape), dt)


def beta(shape, alpha, beta, dtype=None, seed=None) -> Tensor:
    """Beta(``alpha``, ``beta``) samples."""
    dt = _float_dtype(dtype, "beta")
    return _beta(_seed_tensor(seed), tensor(alpha, dt), tensor(beta, dt), _shape(shape), dt)


def binomial(shape, counts, probabilities, dtype=None, seed=None) -> Tensor:
    """Binomial(``counts``, ``probabilities``) samples, as floats (Keras' default dtype)."""
    dt = _float_dtype(dtype, "binomial")
    return _binomial(
        _seed_tensor(seed), tensor(counts, dt), tensor(probabilities, dt), _shape(shape), dt
    )
