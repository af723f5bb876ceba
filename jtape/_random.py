"""Random numbers from explicit JAX keys held in Variables.

A :class:`Generator` keeps its key in a non-trainable Variable, so drawing numbers
is an ordinary read-then-assign: reproducible from a seed and functionalized by
``jt.function`` like any other state. The module-level functions draw from a global
generator that ``set_seed`` resets.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._array_ops import _static_shape
from ._tensor import Tensor, to_value
from ._variable import Variable


# Advancing a generator is one compiled dispatch, not four eager ones (wrap, split,
# unwrap): it runs once per dropout call, initializer and ``fit`` epoch.
@jax.jit
def _advance(state: jax.Array) -> tuple[jax.Array, jax.Array]:
    key, sub = jax.random.split(jax.random.wrap_key_data(state))
    return jax.random.key_data(key), sub


@jax.jit
def _advance_data(state: jax.Array) -> tuple[jax.Array, jax.Array]:
    key, sub = jax.random.split(jax.random.wrap_key_data(state))
    return jax.random.key_data(key), jax.random.key_data(sub)


class Generator:
    """A stream of random numbers from a JAX key kept in a Variable (``tf.random.Generator``).

    Example:
        >>> import jtape as jt
        >>> g = jt.random.Generator.from_seed(0)
        >>> g.normal((2,)).shape
        (2,)
    """

    def __init__(self, seed: int = 0) -> None:
        key = jax.random.key_data(jax.random.key(int(seed)))
        self.state = Variable(key, trainable=False, name="rng_state")
        self.state._jt_rng_state = True  # jt.function restores it after lifted initializers

    @classmethod
    def from_seed(cls, seed: int, alg=None) -> Generator:
        return cls(seed)

    @classmethod
    def from_non_deterministic_state(cls, alg=None) -> Generator:
        return cls(int(np.random.SeedSequence().entropy % (2**31)))

    def reset_from_seed(self, seed: int) -> None:
        self.state.assign(jax.random.key_data(jax.random.key(int(seed))))

    def next_key(self) -> jax.Array:
        """A fresh JAX key; advances the generator's state."""
        state, sub = _advance(self.state.value()._value)
        self.state.assign(state)
        return sub

    def next_key_data(self) -> jax.Array:
        """Like :meth:`next_key`, as the key's raw ``uint32`` data."""
        state, sub = _advance_data(self.state.value()._value)
        self.state.assign(state)
        return sub

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32) -> Tensor:
        dtype = _dtypes.as_dtype(dtype)
        z = jax.random.normal(self.next_key(), _static_shape(shape), dtype)
        return Tensor(z * to_value(stddev, dtype) + to_value(mean, dtype))

    def uniform(self, shape, minval=0, maxval=None, dtype=_dtypes.float32) -> Tensor:
        dtype = _dtypes.as_dtype(dtype)
        shape = _static_shape(shape)
        if jnp.issubdtype(dtype, jnp.integer):
            if maxval is None:
                raise ValueError("uniform: maxval is required for integer dtypes")
            return Tensor(jax.random.randint(self.next_key(), shape, minval, maxval, dtype))
        maxval = 1.0 if maxval is None else maxval
        return Tensor(
            jax.random.uniform(
                self.next_key(), shape, dtype, to_value(minval, dtype), to_value(maxval, dtype)
            )
        )

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32) -> Tensor:
        """Normal samples redrawn outside two standard deviations, as TF."""
        dtype = _dtypes.as_dtype(dtype)
        z = jax.random.truncated_normal(self.next_key(), -2.0, 2.0, _static_shape(shape), dtype)
        return Tensor(z * to_value(stddev, dtype) + to_value(mean, dtype))

    def bernoulli(self, shape, p) -> Tensor:
        return Tensor(jax.random.bernoulli(self.next_key(), to_value(p), _static_shape(shape)))

    def split(self, count: int = 1) -> list[Generator]:
        """``count`` new independent generators; advances this one."""
        out = []
        for _ in range(count):
            g = Generator.__new__(Generator)
            g.state = Variable(self.next_key_data(), trainable=False, name="rng_state")
            g.state._jt_rng_state = True
            out.append(g)
        return out


_global: Generator | None = None


def get_global_generator() -> Generator:
    global _global
    if _global is None:
        _global = Generator(int(np.random.SeedSequence().entropy % (2**31)))
    return _global


def set_global_generator(generator: Generator) -> None:
    global _global
    _global = generator


def set_seed(seed: int) -> None:
    """Make the global random stream reproducible (``tf.random.set_seed``)."""
    global _global
    _global = Generator(int(seed))


def _gen(seed) -> Generator:
    return Generator(int(seed)) if seed is not None else get_global_generator()


def normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None) -> Tensor:
    """Normal samples; with ``seed`` the result is a fixed function of it."""
    return _gen(seed).normal(shape, mean, stddev, dtype)


def uniform(shape, minval=0, maxval=None, dtype=_dtypes.float32, seed=None) -> Tensor:
    return _gen(seed).uniform(shape, minval, maxval, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None) -> Tensor:
    return _gen(seed).truncated_normal(shape, mean, stddev, dtype)


def shuffle(value, seed=None) -> Tensor:
    """``value`` with its first axis randomly permuted."""
    from ._array_ops import gather

    n = jnp.shape(to_value(value))[0]
    perm = jax.random.permutation(_gen(seed).next_key(), n)
    return gather(value, Tensor(perm))


def categorical(logits, num_samples: int, dtype=_dtypes.int64, seed=None) -> Tensor:
    """``num_samples`` class indices per row of ``logits``."""
    lg = to_value(logits)
    key = _gen(seed).next_key()
    out = jax.random.categorical(key, lg[:, None, :], axis=-1, shape=(lg.shape[0], num_samples))
    return Tensor(out.astype(_dtypes.as_dtype(dtype)))
