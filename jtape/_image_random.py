"""``tf.image``'s random augmentations: ``random_*`` and ``stateless_random_*``.

The distributions are TF's (flip with probability 1/2 per image, uniform deltas,
uniform crop offsets), drawn with JAX's PRNG: TF's Philox streams cannot be
reproduced, so a seed gives a fixed result, but not TF's numbers. ``random_*`` draw
from jtape's global generator (or ``Generator(seed)`` when ``seed`` is given), whose
state is a Variable, so they advance correctly inside ``jt.function``;
``stateless_random_*`` are pure functions of their ``[2]`` ``seed``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _image_color as C
from ._image_ops import as_image
from ._op import op
from ._tensor import Tensor


def _stateful_key(seed) -> Tensor:
    from ._random import _gen

    return Tensor(_gen(seed).next_key_data())


def _stateless_key(seed) -> Tensor:
    from ._array_ops import convert_to_tensor

    seed = seed if isinstance(seed, Tensor) else convert_to_tensor(seed)
    if tuple(seed.shape) != (2,):
        raise ValueError(f"seed must have shape [2], got {list(seed.shape)}")
    return _key_from_seed(seed)


@op
def _key_from_seed(seed):
    key = jax.random.key(seed[0].astype(jnp.uint32))
    return jax.random.key_data(jax.random.fold_in(key, seed[1].astype(jnp.uint32)))


def _key(key):
    return jax.random.wrap_key_data(key)


@op
def _uniform(key, shape, lo, hi):
    return jax.random.uniform(_key(key), shape, jnp.float32, lo, hi)


@op
def _random_flip(key, x, axis):
    flip = jax.random.uniform(_key(key), x.shape[:-3] if x.ndim == 4 else ()) < 0.5
    flip = flip.reshape(flip.shape + (1,) * 3)
    return jnp.where(flip, jnp.flip(x, axis), x)


def _flip(image, key, axis: int) -> Tensor:
    return _random_flip(key, as_image(image), axis)


def random_flip_left_right(image, seed=None) -> Tensor:
    """Mirror each image horizontally with probability 1/2.

    Example:
        >>> import jtape as jt
        >>> out = random_flip_left_right(jt.constant([[[1.0], [2.0]]]), seed=1)
        >>> sorted(out.numpy().ravel().tolist())
        [1.0, 2.0]
    """
    return _flip(image, _stateful_key(seed), -2)


def random_flip_up_down(image, seed=None) -> Tensor:
    """Mirror each image vertically with probability 1/2."""
    return _flip(image, _stateful_key(seed), -3)


def stateless_random_flip_left_right(image, seed) -> Tensor:
    """Like :func:`random_flip_left_right`, a pure function of ``seed`` (shape ``[2]``)."""
    return _flip(image, _stateless_key(seed), -2)


def stateless_random_flip_up_down(image, seed) -> Tensor:
    """Like :func:`random_flip_up_down`, a pure function of ``seed`` (shape ``[2]``)."""
    return _flip(image, _stateless_key(seed), -3)


@op
def _random_crop(key, value, size):
    limits = jnp.asarray([n - s + 1 for n, s in zip(value.shape, size)])
    offsets = jax.random.randint(_key(key), (len(size),), 0, limits)
    return jax.lax.dynamic_slice(value, offsets, size)


def _crop(value, size, key) -> Tensor:
    from ._array_ops import convert_to_tensor

    value = value if isinstance(value, Tensor) else convert_to_tensor(value)
    size = tuple(int(s) for s in np.asarray(getattr(size, "_value", size)).reshape(-1))
    if len(size) != value.shape.rank:
        raise ValueError(f"random_crop: size {list(size)} must have rank {value.shape.rank}")
    if any(s > n or s < 0 for s, n in zip(size, value.shape)):
        from ._op_errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"Need value.shape >= size, got {list(value.shape)} and {list(size)}"
        )
    return _random_crop(key, value, size)


def random_crop(value, size, seed=None) -> Tensor:
    """A window of shape ``size`` at a uniformly random offset (one offset per call)."""
    return _crop(value, size, _stateful_key(seed))


def stateless_random_crop(value, size, seed) -> Tensor:
    """Like :func:`random_crop`, a pure function of ``seed`` (shape ``[2]``)."""
    return _crop(value, size, _stateless_key(seed))


def _check_delta(max_delta) -> None:
    if isinstance(max_delta, (int, float)) and max_delta < 0:
        raise ValueError("max_delta must be non-negative.")


def _check_range(lower, upper) -> None:
    if isinstance(upper, (int, float)) and isinstance(lower, (int, float)):
        if upper <= lower:
            raise ValueError("upper must be > lower.")
        if lower < 0:
            raise ValueError("lower must be non-negative.")


def random_brightness(image, max_delta, seed=None) -> Tensor:
    """:func:`adjust_brightness` by a delta uniform in ``[-max_delta, max_delta)``."""
    _check_delta(max_delta)
    delta = _uniform(_stateful_key(seed), (), -float(max_delta), float(max_delta))
    return C.adjust_brightness(image, delta)


def stateless_random_brightness(image, max_delta, seed) -> Tensor:
    """Like :func:`random_brightness`, a pure function of ``seed``."""
    _check_delta(max_delta)
    delta = _uniform(_stateless_key(seed), (), -float(max_delta), float(max_delta))
    return C.adjust_brightness(image, delta)


def random_contrast(image, lower, upper, seed=None) -> Tensor:
    """:func:`adjust_contrast` by a factor uniform in ``[lower, upper)``."""
    _check_range(lower, upper)
    factor = _uniform(_stateful_key(seed), (), float(lower), float(upper))
    return C.adjust_contrast(image, factor)


def stateless_random_contrast(image, lower, upper, seed) -> Tensor:
    """Like :func:`random_contrast`, a pure function of ``seed``."""
    _check_range(lower, upper)
    factor = _uniform(_stateless_key(seed), (), float(lower), float(upper))
    return C.adjust_contrast(image, factor)


def random_saturation(image, lower, upper, seed=None) -> Tensor:
    """:func:`adjust_saturation` by a factor uniform in ``[lower, upper)``."""
    _check_range(lower, upper)
    factor = _uniform(_stateful_key(seed), (), float(lower), float(upper))
    return C.adjust_saturation(image, factor)


def stateless_random_saturation(image, lower, upper, seed) -> Tensor:
    """Like :func:`random_saturation`, a pure function of ``seed``."""
    _check_range(lower, upper)
    factor = _uniform(_stateless_key(seed), (), float(lower), float(upper))
    return C.adjust_saturation(image, factor)


def _check_hue(max_delta) -> None:
    if isinstance(max_delta, (int, float)) and not 0 <= max_delta <= 0.5:
        raise ValueError("max_delta must be in the interval [0, 0.5].")


def random_hue(image, max_delta, seed=None) -> Tensor:
    """:func:`adjust_hue` by a delta uniform in ``[-max_delta, max_delta)``."""
    _check_hue(max_delta)
    delta = _uniform(_stateful_key(seed), (), -float(max_delta), float(max_delta))
    return C.adjust_hue(image, delta)


def stateless_random_hue(image, max_delta, seed) -> Tensor:
    """Like :func:`random_hue`, a pure function of ``seed``."""
    _check_hue(max_delta)
    delta = _uniform(_stateless_key(seed), (), -float(max_delta), float(max_delta))
    return C.adjust_hue(image, delta)
