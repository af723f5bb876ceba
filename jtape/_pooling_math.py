"""Max and average pooling as pure JAX functions, with TensorFlow's padding and gradients.

One implementation behind ``tf.nn.max_pool*``/``pool`` and the Keras pooling layers.
``window`` and ``strides`` cover every axis (1 on batch and channels).

Max pooling whose windows tile the input (window == stride on every axis, ``"VALID"``
or ``"SAME"`` padding; Keras' default ``MaxPooling2D()``) avoids ``reduce_window`` and
its ``select_and_scatter`` gradient, which XLA:CPU runs slowly: windows of up to
``_SLICED_WINDOW_MAX`` elements as the elementwise maximum of one strided slice per
window position (XLA fuses it with the producer, e.g. a convolution's bias and ReLU:
~5% of a small CNN's step against the next option), larger ones as a reshape and a max
over the window axes. The gradient goes to the first maximum of each window in
row-major order, as TF's ``MaxPoolGrad`` does (``jnp.max``'s own rule would split it
between ties), a NaN counting as the maximum. Other windows use ``lax.reduce_window``.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax


def _lowest(dtype) -> np.ndarray:
    # A concrete (numpy) init value lets JAX see the max monoid and use its VJP rule.
    if jnp.issubdtype(dtype, jnp.floating):
        return np.array(-np.inf, dtype)
    return np.array(np.iinfo(dtype).min, dtype)


def max_pool(x, window: tuple, strides: tuple, padding) -> jax.Array:
    """Max over windows; ``padding`` is "VALID", "SAME" or per-axis ``(lo, hi)`` pairs."""
    if tuple(window) == tuple(strides) and isinstance(padding, str):
        return _tiled_max_pool(x, tuple(window), padding)
    return lax.reduce_window(x, _lowest(x.dtype), lax.max, window, strides, padding)


def avg_pool(x, window: tuple, strides: tuple, padding) -> jax.Array:
    """Mean over windows; padded positions are not counted, as in TF and Keras."""
    zero = np.array(0, x.dtype)
    total = lax.reduce_window(x, zero, lax.add, window, strides, padding)
    if padding == "VALID":
        return total / math.prod(window)
    # Window sizes depend only on the spatial shape: count them on a ones array with
    # singleton batch/channel axes (XLA folds this into a constant).
    spatial = [w > 1 or s > 1 for w, s in zip(window, strides)]
    ones_shape = tuple(d if m else 1 for d, m in zip(x.shape, spatial))
    ones = jnp.ones(ones_shape, x.dtype)
    counts = lax.reduce_window(ones, zero, lax.add, window, strides, padding)
    return total / counts


# -- windows that tile the input -----------------------------------------------------------
def _tiled_max_pool(x, window: tuple, padding: str) -> jax.Array:
    pads = []
    for dim, k in zip(x.shape, window):
        if padding == "VALID":
            pads.append((0, -(dim % k)))  # drop the rows no window covers
        else:
            total = -(-dim // k) * k - dim  # TF's SAME: the extra row goes after
            pads.append((total // 2, total - total // 2))
    if any(lo or hi for lo, hi in pads):
        x = lax.pad(x, _lowest(x.dtype), [(lo, hi, 0) for lo, hi in pads])
    if math.prod(window) <= _SLICED_WINDOW_MAX:
        return _sliced_window_max(x, window)
    split = []
    for dim, k in zip(x.shape, window):
        split.extend((dim // k, k) if k > 1 else (dim,))
    axes = []
    pos = 0
    for k in window:
        if k > 1:
            axes.append(pos + 1)
            pos += 2
        else:
            pos += 1
    return _window_max(x.reshape(split), tuple(axes))


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _window_max(xr, axes: tuple) -> jax.Array:
    return jnp.max(xr, axis=axes)


def _first_max(xr, axes: tuple) -> jax.Array:
    """True at the first maximum of each window, in row-major window order (TF's pick)."""
    rest = [a for a in range(xr.ndim) if a not in axes]
    moved = jnp.transpose(xr, (*rest, *axes))
    flat = moved.reshape((*moved.shape[: len(rest)], -1))
    first = jnp.argmax(flat, axis=-1)
    hot = lax.broadcasted_iota(first.dtype, flat.shape, flat.ndim - 1) == first[..., None]
    return jnp.transpose(hot.reshape(moved.shape), np.argsort((*rest, *axes)))


@_window_max.defjvp
def _window_max_jvp(axes, primals, tangents):
    (xr,), (t,) = primals, tangents
    hot = lax.stop_gradient(_first_max(xr, axes))
    return jnp.max(xr, axis=axes), jnp.sum(jnp.where(hot, t, jnp.zeros((), t.dtype)), axis=axes)


# Windows of up to this many elements (3x3) are pooled as strided slices; the slices and
# the gradient's chain of selects grow with the window, a reshape does not.
_SLICED_WINDOW_MAX = 9


def _window_slices(x, window: tuple) -> list:
    """One strided slice per window position, in row-major window order."""
    out_shape = [dim // k for dim, k in zip(x.shape, window)]
    return [
        lax.slice(
            x, start, [s + (n - 1) * k + 1 for s, n, k in zip(start, out_shape, window)], window
        )
        for start in np.ndindex(*window)
    ]


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _sliced_window_max(x, window: tuple) -> jax.Array:
    return functools.reduce(jnp.maximum, _window_slices(x, window))


@_sliced_window_max.defjvp
def _sliced_window_max_jvp(window, primals, tangents):
    (x,), (t,) = primals, tangents
    parts = _window_slices(x, window)
    top = functools.reduce(jnp.maximum, parts)
    # Which window position takes the tangent, at the pooled resolution: the first one
    # holding the maximum (or, where the maximum is NaN, the first NaN).
    first = jnp.full(top.shape, len(parts) - 1, np.int32)
    for k in range(len(parts) - 2, -1, -1):
        first = jnp.where((parts[k] == top) | jnp.isnan(parts[k]), np.int32(k), first)
    first = lax.stop_gradient(first)
    # The tangent as a masked sum over the window axes of ``t`` viewed as (out, window)
    # pairs: its transpose is a broadcast and a select at the input's resolution, one
    # elementwise pass, where a sum of strided slices would transpose to padded copies.
    split, window_axes, out_axes = [], [], []
    for dim, k in zip(x.shape, window):
        out_axes.append(len(split))
        split.append(dim // k)
        if k > 1:
            window_axes.append(len(split))
            split.append(k)
    position = np.zeros([1] * len(split), np.int32)
    for axis in window_axes:  # row-major index within the window, as in _window_slices
        shape = [split[a] if a == axis else 1 for a in range(len(split))]
        position = position * split[axis] + np.arange(split[axis], dtype=np.int32).reshape(shape)
    first = first.reshape([split[a] if a in out_axes else 1 for a in range(len(split))])
    picked = jnp.where(position == first, t.reshape(split), jnp.zeros((), t.dtype))
    return top, jnp.sum(picked, axis=tuple(window_axes))
