"""Convolution as a pure JAX function: one entry point for ``tf.nn`` and the Keras layers.

``convolution`` is ``lax.conv_general_dilated`` except for one case XLA:CPU runs slowly:
a 2-D channels-last convolution with few input channels (a grayscale or RGB image
entering the first layer). There the patches are gathered into a matrix (``im2col``:
``kh * kw`` shifted slices concatenated on the channel axis) and multiplied by the kernel
reshaped to ``(kh * kw * in, out)``; the kernel gradient is then one matrix product
instead of XLA:CPU's kernel-gradient convolution. On ``(64, 32, 32, 3) * (3, 3, 3, 32)``
this runs the forward ~3x and the kernel gradient ~2x faster (``benchmarks/RESULTS.md``).
It is plain JAX, so every transformation (``grad``, ``jvp``, ``vmap``) applies; values
agree with ``lax.conv_general_dilated`` to float32 rounding (the sums are reordered).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from . import _xla_options

# im2col is used for up to _PATCH_MAX_CHANNELS input channels: measured on XLA:CPU
# (benchmarks/bench_conv.py), 16 and more channels run much slower as im2col (the patch
# matrix costs more to build than the convolution). One channel: im2col beats XLA's Eigen
# convolution (jtape's default, see _xla_options.py) but not YNNPACK's.
_PATCH_MAX_CHANNELS = 4
# Patch rows a little short of a multiple of 16 floats (one AVX-512 vector) are padded
# with zeros up to it: on the first layer of an RGB CNN (27 -> 32) both matrix products
# and the concatenation run faster (the whole CNN step 0.96x, ab_switch over 15 rounds,
# twice); padding by more than a quarter (9 -> 16, 36 -> 48) was not faster.
_PATCH_ROW_MULTIPLE = 16


def convolution(
    x, kernel, strides, padding, dilation, dimension_numbers, groups: int = 1
) -> jax.Array:
    """``lax.conv_general_dilated(x, kernel, strides, padding, rhs_dilation=dilation, ...)``.

    Example:
        >>> import jax.numpy as jnp
        >>> x = jnp.ones((1, 3, 3, 2)); k = jnp.ones((2, 2, 2, 1))
        >>> convolution(x, k, (1, 1), "VALID", (1, 1), ("NHWC", "HWIO", "NHWC"))[0, :, :, 0]
        Array([[8., 8.],
               [8., 8.]], dtype=float32)
    """
    if _use_patches(x, kernel, dilation, dimension_numbers, groups):
        return _patch_convolution(x, kernel, tuple(strides), padding)
    return lax.conv_general_dilated(
        x,
        kernel,
        window_strides=strides,
        padding=padding,
        rhs_dilation=dilation,
        dimension_numbers=dimension_numbers,
        feature_group_count=groups,
    )


def _use_patches(x, kernel, dilation, dimension_numbers, groups) -> bool:
    return (
        tuple(dimension_numbers) == ("NHWC", "HWIO", "NHWC")
        and groups == 1
        and all(d == 1 for d in dilation)
        and _min_patch_channels() <= x.shape[-1] <= _PATCH_MAX_CHANNELS
        and kernel.shape[0] * kernel.shape[1] > 1
        and x.dtype == kernel.dtype
        and x.dtype in (jnp.float32, jnp.float64)
        and jax.default_backend() == "cpu"
    )


def _min_patch_channels() -> int:
    return 1 if _xla_options.compiler_options() is not None else 2


def _patch_convolution(x, kernel, strides: tuple, padding) -> jax.Array:
    kh, kw, cin, cout = kernel.shape
    if isinstance(padding, str):
        pads = lax.padtype_to_pads(x.shape[1:3], (kh, kw), strides, padding)
    else:
        pads = [tuple(p) for p in padding]
    x = jnp.pad(x, ((0, 0), *pads, (0, 0)))
    n, h, w, _ = x.shape
    sh, sw = strides
    out_h, out_w = (h - kh) // sh + 1, (w - kw) // sw + 1
    if out_h <= 0 or out_w <= 0:  # an empty output: let lax report or produce it
        return lax.conv_general_dilated(
            x, kernel, strides, "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
    shifted = [
        x[:, i : i + sh * (out_h - 1) + 1 : sh, j : j + sw * (out_w - 1) + 1 : sw, :]
        for i in range(kh)
        for j in range(kw)
    ]
    k = kh * kw * cin
    kernel = kernel.reshape(k, cout)
    extra = -k % _PATCH_ROW_MULTIPLE
    if extra and extra * 4 <= k:  # pad the rows with zeros (27 -> 32, not 9 -> 16)
        shifted.append(jnp.zeros((n, out_h, out_w, extra), x.dtype))
        kernel = jnp.pad(kernel, ((0, extra), (0, 0)))
        k += extra
    patches = jnp.concatenate(shifted, axis=-1).reshape(n * out_h * out_w, k)
    y = patches @ kernel
    return y.reshape(n, out_h, out_w, cout)
