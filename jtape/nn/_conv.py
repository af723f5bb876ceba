"""Convolution layers (Keras ``Conv1D``, ``Conv2D``, ``Conv2DTranspose``) on ``jax.lax``.

Each layer call is one jtape op (convolution plus bias), so a tape records one node and
its gradient is JAX's own VJP of ``lax.conv_general_dilated``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax.numpy as jnp
from jax import lax

from .._op import op

# ----------------------------------------------------------------------------- pure math


def _dimension_numbers(rank: int, channels_last: bool) -> tuple[str, str, str]:
    spatial = "DHW"[-rank:] if rank <= 3 else None
    if spatial is None:
        raise ValueError(f"convolution rank must be 1, 2 or 3, got {rank}")
    data = f"N{spatial}C" if channels_last else f"NC{spatial}"
    # Keras stores kernels as (*spatial, in, out): lax's "HWIO".
    return data, f"{spatial}IO", data


def _add_bias(y, bias, channels_last: bool):
    if bias is None:
        return y
    if channels_last:
        return y + bias
    return y + bias.reshape((1, -1) + (1,) * (y.ndim - 2))


@op(name="conv")
def conv(x, kernel, bias=None, *, strides, padding, dilation_rate, groups=1, channels_last=True):
    """N-d convolution with Keras' layout: ``kernel`` is ``(*spatial, in // groups, out)``.

    ``padding`` is ``"VALID"``, ``"SAME"`` (TensorFlow's rule) or explicit
    ``((lo, hi), ...)`` pairs, one per spatial dimension.
    """
    rank = kernel.ndim - 2
    y = lax.conv_general_dilated(
        x,
        kernel,
        window_strides=strides,
        padding=padding,
        rhs_dilation=dilation_rate,
        dimension_numbers=_dimension_numbers(rank, channels_last),
        feature_group_count=groups,
    )
    return _add_bias(y, bias, channels_last)


def conv_transpose_padding(
    kernel_size: int, stride: int, dilation: int, padding: str, output_padding: int | None
) -> tuple[int, int]:
    """``lax.conv_transpose`` padding giving Keras' (and TF's) output size for one dim.

    Output size: ``valid``: ``(n-1)*s + max(k, s)``; ``same``: ``n*s``; with
    ``output_padding`` p: ``(n-1)*s + k + p`` (valid) or ``(n-1)*s + k%2 + p`` (same),
    where ``k`` is the dilated kernel size. Same rule as Keras' JAX backend.
    """
    k = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return k - 1, k - 1 + extra
    if output_padding is None:
        total = stride + k - 2
    else:
        total = k + k % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, k - 1)
    return left, total - left


def conv_transpose_output_size(
    n: int, kernel_size: int, stride: int, dilation: int, padding: str, output_padding
) -> int:
    k = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return (n - 1) * stride + k + extra
    if output_padding is None:
        return n * stride
    return (n - 1) * stride + k % 2 + output_padding


@op(name="conv_transpose")
def conv_transpose(x, kernel, bias=None, *, strides, padding, dilation_rate, channels_last=True):
    """Transposed convolution; ``kernel`` is ``(*spatial, out, in)`` as in Keras.

    ``padding`` is the explicit ``((lo, hi), ...)`` from :func:`conv_transpose_padding`.
    """
    rank = kernel.ndim - 2
    y = lax.conv_transpose(
        x,
        kernel,
        strides=strides,
        padding=padding,
        rhs_dilation=dilation_rate,
        dimension_numbers=_dimension_numbers(rank, channels_last),
        # The gradient-of-conv form: flips the kernel and swaps its two channel axes,
        # which is what makes (*spatial, out, in) the right storage layout.
        transpose_kernel=True,
    )
    return _add_bias(y, bias, channels_last)


# ----------------------------------------------------------------------------- arguments


def normalize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple[int, ...]:
    """``value`` as a tuple of ``n`` positive ints (Keras' ``standardize_tuple``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        out = (value,) * n
    else:
        try:
            out = tuple(value)
        except TypeError:
            out = None
        if (
            out is None
            or len(out) != n
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in out)
        ):
            raise ValueError(
                f"The `{name}` argument must be an int or a tuple of {n} ints. "
                f"Received: {name}={value!r}"
            )
    low = 0 if allow_zero else 1
    if any(v < low for v in out):
        qualifier = "non-negative" if allow_zero else "positive"
        raise ValueError(f"The `{name}` argument must be {qualifier}. Received: {name}={value!r}")
    return out


def normalize_padding(padding, allow_causal: bool = False) -> str:
    value = padding.lower() if isinstance(padding, str) else padding
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if value not in allowed:
        raise ValueError(
            f"The `padding` argument must be one of {', '.join(map(repr, allowed))}. "
            f"Received: padding={padding!r}"
        )
    return value


def normalize_data_format(data_format) -> str:
    value = "channels_last" if data_format is None else str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            "The `data_format` argument must be one of 'channels_first', 'channels_last'. "
            f"Received: data_format={data_format!r}"
        )
    return value


def conv_output_size(n, kernel_size: int, stride: int, dilation: int, padding: str):
    """Spatial output size of a forward convolution along one dimension."""
    if n is None:
        return None
    k = (kernel_size - 1) * dilation + 1
    if padding == "same":
        return math.ceil(n / stride)
    if padding == "causal":
        return math.ceil(n / stride)
    return max((n - k) // stride + 1, 0)


def spatial_dims(shape: Sequence, rank: int, channels_last: bool) -> tuple:
    return tuple(shape[1 : 1 + rank]) if channels_last else tuple(shape[2 : 2 + rank])
