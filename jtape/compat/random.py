"""``tf.random`` with TensorFlow's global/op seed semantics, on JAX keys.

TensorFlow's rules (``tf.random.set_seed`` docs), and how jtape keeps them:

* no global seed, no op seed: fresh randomness (jtape's global generator, seeded from
  the OS).
* global seed, no op seed: a fixed sequence per program; calling ``set_seed`` again
  restarts it. jtape draws from the global ``jt.random.Generator``, which ``set_seed``
  re-creates from the seed.
* op seed (with or without a global seed; TF's default global seed is used if none):
  each distinct (op, seed, dtype) is a "kernel" with an internal counter, so two calls
  with ``seed=1`` give different numbers, but the sequence is reproducible and
  ``set_seed`` restarts it. jtape keeps one ``Generator`` per kernel, seeded from both
  seeds.

All state lives in Variables, so inside ``tf.function`` every compiled call advances
the stream, as TF's stateful kernels do. One difference: TF re-derives op seeds per
traced graph, so two different ``tf.function``\\ s with unseeded ops start from the same
numbers; in jtape they continue one global stream.
"""

from __future__ import annotations

import jax
import numpy as np

from .. import _dtypes, _random_ops
from .. import _random as _core
from .._random import Generator as Generator
from .._random import get_global_generator as get_global_generator
from .._random import set_global_generator as set_global_generator
from .._variable import init_scope
from ._missing import missing

DEFAULT_GRAPH_SEED = 87654321  # TF's global seed when only an op seed is given

_global_seed: int | None = None
_kernels: dict[tuple, Generator] = {}


def set_seed(seed: int) -> None:
    """Set the global seed; restarts every random sequence (TF's ``tf.random.set_seed``).

    Example:
        >>> set_seed(1234); a = uniform([1]); b = uniform([1])
        >>> set_seed(1234); bool((uniform([1]) == a)[0]), bool((uniform([1]) == b)[0])
        (True, True)
    """
    global _global_seed
    _global_seed = None if seed is None else int(seed)
    if seed is None:
        _core.set_global_generator(Generator(int(np.random.SeedSequence().entropy % (2**31))))
    else:
        _core.set_seed(int(seed))
    # Restart the op-seed kernels in place: compiled functions keep their Variables.
    for key, gen in _kernels.items():
        gen.reset_from_seed(_kernel_seed(*key))


def _kernel_seed(op_name: str, global_seed: int, op_seed: int, dtype_name: str) -> int:
    entropy = [
        global_seed & 0xFFFFFFFF,
        op_seed & 0xFFFFFFFF,
        *op_name.encode(),
        *dtype_name.encode(),
    ]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0] & 0x7FFFFFFF)


def _next_key(op_name: str, seed, dtype) -> jax.Array:
    """The key data for one call of random op ``op_name`` under TF's seed rules."""
    if seed is None:
        gen = _core.get_global_generator()
    else:
        g = DEFAULT_GRAPH_SEED if _global_seed is None else _global_seed
        key = (op_name, g, int(seed), np.dtype(_dtypes.as_dtype(dtype)).name)
        gen = _kernels.get(key)
        if gen is None:
            with init_scope():  # a kernel outlives the trace that first used it
                gen = _kernels[key] = Generator(_kernel_seed(*key))
    return gen.next_key_data()


def normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """Normal samples (``tf.random.normal``); gradients flow to ``mean`` and ``stddev``."""
    return _random_ops.normal(_next_key("normal", seed, dtype), shape, mean, stddev, dtype)


def uniform(shape, minval=0, maxval=None, dtype=_dtypes.float32, seed=None, name=None):
    """Uniform samples in ``[minval, maxval)`` (``tf.random.uniform``)."""
    return _random_ops.uniform(_next_key("uniform", seed, dtype), shape, minval, maxval, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """Normal samples redrawn beyond two standard deviations."""
    return _random_ops.truncated_normal(
        _next_key("truncated_normal", seed, dtype), shape, mean, stddev, dtype
    )


def gamma(shape, alpha, beta=None, dtype=_dtypes.float32, seed=None, name=None):
    """Gamma samples (``tf.random.gamma``): shape ``shape + broadcast(alpha, beta).shape``,
    ``beta`` the rate; reparameterized gradients reach ``alpha`` and ``beta``."""
    return _random_ops.gamma(_next_key("gamma", seed, dtype), shape, alpha, beta, dtype)


def poisson(shape, lam, dtype=_dtypes.float32, seed=None, name=None):
    """Poisson counts (``tf.random.poisson``) of shape ``shape + lam.shape``."""
    return _random_ops.poisson(_next_key("poisson", seed, dtype), shape, lam, dtype)


def shuffle(value, seed=None, name=None):
    """``value`` with its first axis randomly permuted."""
    return _random_ops.shuffle(_next_key("shuffle", seed, "int32"), value)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """``num_samples`` class indices per row of ``logits`` (int64 by default)."""
    dtype = _dtypes.int64 if dtype is None else dtype
    return _random_ops.categorical(
        _next_key("categorical", seed, dtype), logits, num_samples, dtype
    )


def stateless_normal(
    shape, seed, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None, alg="auto_select"
):
    """Normal samples that are a pure function of the ``[2]`` ``seed`` (same seed, same
    numbers, every call)."""
    return _random_ops.normal(_random_ops.key_data(seed), shape, mean, stddev, dtype)


def stateless_uniform(
    shape, seed, minval=0, maxval=None, dtype=_dtypes.float32, name=None, alg="auto_select"
):
    return _random_ops.uniform(_random_ops.key_data(seed), shape, minval, maxval, dtype)


def stateless_truncated_normal(
    shape, seed, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None, alg="auto_select"
):
    return _random_ops.truncated_normal(_random_ops.key_data(seed), shape, mean, stddev, dtype)


def stateless_categorical(logits, num_samples, seed, dtype=_dtypes.int64, name=None):
    return _random_ops.categorical(_random_ops.key_data(seed), logits, num_samples, dtype)


def get_seed(op_seed):
    """``(global_seed, op_seed)`` as TF derives them (None where unset)."""
    if _global_seed is None and op_seed is None:
        return None, None
    g = DEFAULT_GRAPH_SEED if _global_seed is None else _global_seed
    return g, op_seed


__all__ = [
    "Generator",
    "categorical",
    "gamma",
    "get_global_generator",
    "normal",
    "poisson",
    "set_global_generator",
    "set_seed",
    "shuffle",
    "stateless_categorical",
    "stateless_normal",
    "stateless_truncated_normal",
    "stateless_uniform",
    "truncated_normal",
    "uniform",
]

__getattr__ = missing("tf.random")
