"""Random sampling from explicit keys, as jtape ops (gradients flow to mean/stddev/x).

``key`` is the raw ``uint32`` data of a JAX key (``jax.random.key_data``), so it
travels through ops and ``jt.function`` like any other integer tensor.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._array_ops import _static_shape
from ._op import op
from ._op_errors import InvalidArgumentError
from ._tensor import Tensor


def key_data(seed) -> jax.Array:
    """The key data for an int seed or a ``[2]`` seed pair (TF's stateless seeds)."""
    import numpy as np

    s = np.asarray(jax.device_get(getattr(seed, "_value", seed))).reshape(-1)
    key = jax.random.key(int(s[0]) & 0xFFFFFFFF)
    for extra in s[1:]:
        key = jax.random.fold_in(key, int(extra) & 0xFFFFFFFF)
    return jax.random.key_data(key)


def _wrap(key):
    return jax.random.wrap_key_data(key)


@op
def _normal(key, mean, stddev, shape, dtype):
    return jax.random.normal(_wrap(key), shape, dtype) * stddev + mean


@op
def _truncated_normal(key, mean, stddev, shape, dtype):
    z = jax.random.truncated_normal(_wrap(key), -2.0, 2.0, shape, dtype)
    return z * stddev + mean


@op
def _uniform(key, minval, maxval, shape, dtype):
    if jnp.issubdtype(dtype, jnp.integer):
        return jax.random.randint(_wrap(key), shape, minval, maxval, dtype)
    return jax.random.uniform(_wrap(key), shape, dtype) * (maxval - minval) + minval


def normal(key, shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32) -> Tensor:
    dtype = _dtypes.as_dtype(dtype)
    return _normal(key, _as(mean, dtype), _as(stddev, dtype), _static_shape(shape), dtype)


def truncated_normal(key, shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32) -> Tensor:
    """Normal samples, redrawn outside two standard deviations (as TF)."""
    dtype = _dtypes.as_dtype(dtype)
    return _truncated_normal(key, _as(mean, dtype), _as(stddev, dtype), _static_shape(shape), dtype)


def uniform(key, shape, minval=0, maxval=None, dtype=_dtypes.float32) -> Tensor:
    """Uniform samples in ``[minval, maxval)``; integer dtypes need ``maxval``."""
    dtype = _dtypes.as_dtype(dtype)
    if jnp.issubdtype(dtype, jnp.integer):
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype tf.{dtype.name}")
        low, high = _concrete_number(minval), _concrete_number(maxval)
        if low is not None and high is not None and low >= high:  # TF's RandomUniformInt
            raise InvalidArgumentError(f"Need minval < maxval, got {low} >= {high}")
    elif maxval is None:
        maxval = 1.0
    return _uniform(key, _as(minval, dtype), _as(maxval, dtype), _static_shape(shape), dtype)


def _concrete_number(value):
    """``value`` as a Python number when known now (not traced), else None."""
    value = getattr(value, "_value", value)
    if isinstance(value, jax.core.Tracer) or hasattr(value, "_jt_read"):
        return None
    try:
        return np.asarray(value).item()
    except (TypeError, ValueError):
        return None


def _as(value, dtype):
    # Python numbers become arrays of the sample dtype (so 0 and 1 do not make
    # float samples integer); tensors pass through so gradients reach them.
    if isinstance(value, (int, float, list, tuple)):
        return jnp.asarray(value, dtype)
    return value


@op
def _gamma(key, alpha, beta, shape, dtype):
    full = tuple(shape) + jnp.broadcast_shapes(jnp.shape(alpha), jnp.shape(beta))
    draws = jax.random.gamma(_wrap(key), jnp.broadcast_to(alpha, full), full, dtype)
    return draws / beta  # rate beta: JAX's gradient in alpha is implicit, as TF's


def gamma(key, shape, alpha, beta=None, dtype=_dtypes.float32) -> Tensor:
    """Gamma samples of shape ``shape + broadcast(alpha, beta).shape`` (``beta``: rate)."""
    dtype = _dtypes.as_dtype(dtype)
    alpha = _as(alpha, dtype)
    beta = _as(1.0 if beta is None else beta, dtype)
    return _gamma(key, alpha, beta, _static_shape(shape), dtype)


@op
def _poisson(key, lam, shape, dtype):
    full = tuple(shape) + jnp.shape(lam)
    counts = jax.random.poisson(_wrap(key), jnp.broadcast_to(lam, full), full)
    return jax.lax.stop_gradient(counts.astype(dtype))  # TF has no gradient here either


def poisson(key, shape, lam, dtype=_dtypes.float32) -> Tensor:
    """Poisson counts of shape ``shape + lam.shape`` in ``dtype`` (float or int)."""
    dtype = _dtypes.as_dtype(dtype)
    lam_dtype = jnp.float64 if dtype == _dtypes.float64 else jnp.float32
    return _poisson(key, _as(lam, lam_dtype), _static_shape(shape), dtype)


@op
def _categorical(key, logits, num_samples, dtype):
    out = jax.random.categorical(
        _wrap(key), logits[:, None, :], axis=-1, shape=(logits.shape[0], num_samples)
    )
    return out.astype(dtype)


def categorical(key, logits, num_samples: int, dtype=_dtypes.int64) -> Tensor:
    """``num_samples`` class indices per row of the ``[batch, classes]`` logits."""
    logits = _as(logits, jnp.float32)  # a Python list: float32, as TF converts it
    return _categorical(key, logits, int(num_samples), _dtypes.as_dtype(dtype))


@op
def _shuffle(key, value):
    return jax.random.permutation(_wrap(key), value, axis=0)


def shuffle(key, value) -> Tensor:
    """``value`` with its first axis permuted."""
    return _shuffle(key, value)


@op
def _dropout(key, x, rate, noise_shape):
    keep = jax.random.bernoulli(_wrap(key), 1.0 - rate, noise_shape or x.shape)
    return jnp.where(keep, x / (1.0 - rate), jnp.zeros((), x.dtype))


def dropout(key, x, rate: float, noise_shape=None) -> Tensor:
    """Zero each entry with probability ``rate`` and scale the rest by ``1 / (1 - rate)``."""
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    if rate == 0.0:
        return _dropout_identity(x)
    shape = None if noise_shape is None else _static_shape(noise_shape)
    if shape is not None:
        full = jnp.shape(getattr(x, "_value", x)) if not hasattr(x, "_jt_read") else x.shape
        shape = tuple(f if s in (-1, None) else s for s, f in zip(shape, full))
    return _dropout(key, x, rate, shape)


_dropout_identity = op(lambda x: x, name="dropout")
