"""Pooling, upsampling and zero-padding layers (Keras semantics) on ``jax.lax``.

Each layer call is one jtape op. Pooling uses ``lax.reduce_window`` with TensorFlow's
``"SAME"`` rule; average pooling with ``"same"`` divides by the number of real (not
padded) elements in each window, as TensorFlow and Keras do.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .._op import op

# ----------------------------------------------------------------------------- pure math


def _window(x_ndim: int, size: tuple, channels_last: bool) -> tuple:
    return (1, *size, 1) if channels_last else (1, 1, *size)


@op(name="max_pool")
def max_pool(x, *, pool_size, strides, padding, channels_last=True):
    """Max pooling over the spatial axes; ``padding`` is ``"VALID"`` or ``"SAME"``."""
    window = _window(x.ndim, pool_size, channels_last)
    step = _window(x.ndim, strides, channels_last)
    if jnp.issubdtype(x.dtype, jnp.floating):
        init = jnp.array(-jnp.inf, x.dtype)
    else:
        init = jnp.array(jnp.iinfo(x.dtype).min, x.dtype)
    return lax.reduce_window(x, init, lax.max, window, step, padding)


@op(name="avg_pool")
def avg_pool(x, *, pool_size, strides, padding, channels_last=True):
    """Average pooling; with ``"SAME"`` padded positions are not counted."""
    window = _window(x.ndim, pool_size, channels_last)
    step = _window(x.ndim, strides, channels_last)
    zero = jnp.array(0, x.dtype)
    total = lax.reduce_window(x, zero, lax.add, window, step, padding)
    if padding == "VALID":
        return total / np.prod(pool_size)
    # Window sizes depend only on the spatial shape: count them on a ones array with
    # singleton batch/channel axes (XLA folds this into a constant).
    spatial_mask = [w > 1 or s > 1 for w, s in zip(window, step)]
    ones_shape = tuple(d if m else 1 for d, m in zip(x.shape, spatial_mask))
    counts = lax.reduce_window(jnp.ones(ones_shape, x.dtype), zero, lax.add, window, step, padding)
    return total / counts


@op(name="global_avg_pool")
def global_avg_pool(x, *, axes, keepdims=False):
    return jnp.mean(x, axis=axes, keepdims=keepdims)


@op(name="global_max_pool")
def global_max_pool(x, *, axes, keepdims=False):
    return jnp.max(x, axis=axes, keepdims=keepdims)


@op(name="upsample")
def upsample(x, *, size, axes, interpolation="nearest"):
    """Scale ``axes`` of ``x`` by integer ``size``; nearest repeats rows and columns."""
    if interpolation == "nearest":
        for axis, factor in zip(axes, size):
            x = jnp.repeat(x, factor, axis=axis)
        return x
    shape = list(x.shape)
    for axis, factor in zip(axes, size):
        shape[axis] *= factor
    # jax.image.resize uses half-pixel centres, as tf.image.resize (TF2) does.
    out = jax.image.resize(x, tuple(shape), method=_RESIZE_METHODS[interpolation])
    return out.astype(x.dtype)


_RESIZE_METHODS = {
    "bilinear": "linear",
    "bicubic": "cubic",
    "lanczos3": "lanczos3",
    "lanczos5": "lanczos5",
}
INTERPOLATIONS = ("nearest", *_RESIZE_METHODS)


@op(name="zero_pad")
def zero_pad(x, *, pad_width):
    return jnp.pad(x, pad_width)
