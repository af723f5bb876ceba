"""Pooling, upsampling and zero-padding layers (Keras semantics) on ``jax.lax``.

Each layer call is one jtape op on ``jtape._pooling_math`` (TensorFlow's ``"SAME"`` rule,
TF's max-pool gradient; average pooling with ``"same"`` divides by the number of real,
not padded, elements in each window, as TensorFlow and Keras do).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .. import _pooling_math
from .._op import op
from ._conv import (
    check_input_rank,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
    spatial_dims,
)
from ._layer import Layer

# ----------------------------------------------------------------------------- pure math


def _window(x_ndim: int, size: tuple, channels_last: bool) -> tuple:
    return (1, *size, 1) if channels_last else (1, 1, *size)


@op(name="max_pool")
def max_pool(x, *, pool_size, strides, padding, channels_last=True):
    """Max pooling over the spatial axes; ``padding`` is ``"VALID"`` or ``"SAME"``."""
    window = _window(x.ndim, pool_size, channels_last)
    return _pooling_math.max_pool(x, window, _window(x.ndim, strides, channels_last), padding)


@op(name="avg_pool")
def avg_pool(x, *, pool_size, strides, padding, channels_last=True):
    """Average pooling; with ``"SAME"`` padded positions are not counted."""
    window = _window(x.ndim, pool_size, channels_last)
    return _pooling_math.avg_pool(x, window, _window(x.ndim, strides, channels_last), padding)


@op(name="global_avg_pool")
def global_avg_pool(x, *, axes, keepdims=False):
    return jnp.mean(x, axis=axes, keepdims=keepdims)


@op(name="masked_global_avg_pool")
def masked_global_avg_pool(x, mask, *, steps_axis, keepdims=False):
    """Mean over ``steps_axis`` of the steps where ``mask`` (batch, steps) is True."""
    mask = jnp.expand_dims(mask.astype(bool), 2 if steps_axis == 1 else 1)
    total = jnp.sum(jnp.where(mask, x, 0), axis=steps_axis, keepdims=keepdims)
    return total / jnp.sum(mask.astype(x.dtype), axis=steps_axis, keepdims=keepdims)


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


# ----------------------------------------------------------------------------- layers


class _Pooling(Layer):
    _rank = 2
    _op = staticmethod(max_pool)
    # Keras' config keys (its pooling layers do not list ``activity_regularizer``)
    _jt_config_keys = frozenset(
        {"name", "trainable", "dtype", "pool_size", "strides", "padding", "data_format"}
    )

    def __init__(
        self,
        pool_size,
        strides=None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.pool_size = normalize_tuple(pool_size, self._rank, "pool_size")
        self.strides = (
            self.pool_size if strides is None else normalize_tuple(strides, self._rank, "strides")
        )
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)

    def call(self, inputs):
        check_input_rank(self, inputs, self._rank)
        spatial = spatial_dims(inputs.shape, self._rank, self.data_format == "channels_last")
        if self.padding == "valid" and any(
            n is not None and n < k for n, k in zip(spatial, self.pool_size)
        ):
            raise ValueError(  # Keras' rule (TF's kernels fail or return an empty tensor)
                "Computed output size would be zero or negative. Received: "
                f"`inputs.shape={list(inputs.shape)}`, `pool_size={list(self.pool_size)}`, "
                f"`strides={self.strides}`, `padding={self.padding}`."
            )
        return self._op(
            inputs,
            pool_size=self.pool_size,
            strides=self.strides,
            padding=self.padding.upper(),
            channels_last=self.data_format == "channels_last",
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
        }


class MaxPooling1D(_Pooling):
    """Max over windows of ``pool_size`` steps (``keras.layers.MaxPooling1D``).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.MaxPooling1D()(jt.constant([[[1.0], [3.0], [2.0], [0.0]]])).numpy().ravel().tolist()
        [3.0, 2.0]
    """

    _rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    """Max over ``pool_size`` windows (``keras.layers.MaxPooling2D``); ``strides`` default
    to ``pool_size``; ``"same"`` padding never selects a padded position.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> x = jt.reshape(jt.range(16.0), (1, 4, 4, 1))
        >>> nn.MaxPooling2D()(x).numpy()[0, :, :, 0].tolist()
        [[5.0, 7.0], [13.0, 15.0]]
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    """Mean over windows of ``pool_size`` steps (``keras.layers.AveragePooling1D``).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> x = jt.constant([[[1.0], [3.0], [2.0]]])
        >>> nn.AveragePooling1D(padding="same")(x).numpy().ravel().tolist()
        [2.0, 2.0]
    """

    _rank = 1
    _op = staticmethod(avg_pool)

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    """Mean over ``pool_size`` windows (``keras.layers.AveragePooling2D``).

    With ``"same"`` padding a window at the border averages only its real elements, as
    TensorFlow does.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> x = jt.reshape(jt.range(16.0), (1, 4, 4, 1))
        >>> nn.AveragePooling2D()(x).numpy()[0, :, :, 0].tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """

    _op = staticmethod(avg_pool)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_Pooling):
    """Max over ``pool_size`` windows of the three spatial axes (``keras.layers.MaxPooling3D``).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.MaxPooling3D()(jt.ones((1, 4, 4, 5, 2))).shape
        (1, 2, 2, 2, 2)
    """

    _rank = 3

    def __init__(
        self,
        pool_size=(2, 2, 2),
        strides=None,
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling3D(_Pooling):
    """Mean over ``pool_size`` windows of the three spatial axes
    (``keras.layers.AveragePooling3D``; ``pool_size`` has no default, as in Keras).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.AveragePooling3D(2, padding="same")(jt.ones((1, 3, 4, 4, 2))).shape
        (1, 2, 2, 2, 2)
    """

    _rank = 3
    _op = staticmethod(avg_pool)

    def __init__(
        self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs
    ):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)


class _GlobalPooling(Layer):
    _rank = 2
    _op = staticmethod(global_avg_pool)
    _jt_config_keys = frozenset({"name", "trainable", "dtype", "data_format", "keepdims"})

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.keepdims = bool(keepdims)

    def call(self, inputs):
        check_input_rank(self, inputs, self._rank)
        first = 1 if self.data_format == "channels_last" else 2
        axes = tuple(range(first, first + self._rank))
        return self._op(inputs, axes=axes, keepdims=self.keepdims)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps axis (``keras.layers.GlobalAveragePooling1D``).

    With a mask (batch, steps) of the input, the mean is over the unmasked steps
    (a row with none gives NaN, as Keras); the output carries no mask.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.GlobalAveragePooling1D()(jt.ones((2, 5, 3))).shape
        (2, 3)
        >>> x = nn.Masking(mask_value=0.0)(jt.constant([[[1.0], [3.0], [0.0]]]))
        >>> nn.GlobalAveragePooling1D()(x).numpy().tolist()  # the padded step is left out
        [[2.0]]
    """

    _rank = 1

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        check_input_rank(self, inputs, 1)
        steps_axis = 1 if self.data_format == "channels_last" else 2
        return masked_global_avg_pool(inputs, mask, steps_axis=steps_axis, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over the spatial axes (``keras.layers.GlobalAveragePooling2D``).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.GlobalAveragePooling2D()(jt.ones((2, 4, 4, 3))).shape
        (2, 3)
        >>> nn.GlobalAveragePooling2D(keepdims=True)(jt.ones((2, 4, 4, 3))).shape
        (2, 1, 1, 3)
    """


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over the steps axis (``keras.layers.GlobalMaxPooling1D``)."""

    _rank = 1
    _op = staticmethod(global_max_pool)


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over the spatial axes (``keras.layers.GlobalMaxPooling2D``)."""

    _op = staticmethod(global_max_pool)


class UpSampling2D(Layer):
    """Repeat rows and columns ``size`` times (``keras.layers.UpSampling2D``).

    ``interpolation`` is ``"nearest"`` (default), ``"bilinear"``, ``"bicubic"``,
    ``"lanczos3"`` or ``"lanczos5"`` (half-pixel centres, as ``tf.image.resize``).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> x = jt.reshape(jt.range(4.0), (1, 2, 2, 1))
        >>> nn.UpSampling2D(size=(1, 2))(x).numpy()[0, :, :, 0].tolist()
        [[0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0]]
    """

    def __init__(
        self, size=(2, 2), data_format: str | None = None, interpolation="nearest", **kwargs
    ):
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, 2, "size")
        self.data_format = normalize_data_format(data_format)
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"`interpolation` argument should be one of {list(INTERPOLATIONS)}. "
                f"Received: interpolation={interpolation!r}"
            )
        self.interpolation = interpolation

    def call(self, inputs):
        check_input_rank(self, inputs, 2)
        axes = (1, 2) if self.data_format == "channels_last" else (2, 3)
        return upsample(inputs, size=self.size, axes=axes, interpolation=self.interpolation)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }


class ZeroPadding2D(Layer):
    """Pad the spatial axes with zeros (``keras.layers.ZeroPadding2D``).

    ``padding`` is an int, ``(symmetric_height, symmetric_width)`` or
    ``((top, bottom), (left, right))``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.ZeroPadding2D(((1, 0), (0, 2)))(jt.ones((1, 2, 2, 1))).numpy()[0, :, :, 0].tolist()
        [[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]
    """

    def __init__(self, padding=(1, 1), data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        if isinstance(padding, int) and not isinstance(padding, bool):
            self.padding = ((padding, padding), (padding, padding))
        elif hasattr(padding, "__len__") and len(padding) == 2:
            self.padding = (
                normalize_tuple(padding[0], 2, "1st entry of padding", allow_zero=True),
                normalize_tuple(padding[1], 2, "2nd entry of padding", allow_zero=True),
            )
        else:
            raise ValueError(
                "`padding` should be either an int, a tuple of 2 ints (symmetric_height_pad, "
                "symmetric_width_pad), or a tuple of 2 tuples of 2 ints ((top_pad, bottom_pad), "
                f"(left_pad, right_pad)). Received: padding={padding!r}."
            )
        if min(self.padding[0] + self.padding[1]) < 0:
            raise ValueError(f"`padding` must be non-negative. Received: padding={padding!r}.")

    def call(self, inputs):
        check_input_rank(self, inputs, 2)
        if self.data_format == "channels_last":
            pad_width = ((0, 0), *self.padding, (0, 0))
        else:
            pad_width = ((0, 0), (0, 0), *self.padding)
        return zero_pad(inputs, pad_width=pad_width)

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over the three spatial axes (``keras.layers.GlobalAveragePooling3D``).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.GlobalAveragePooling3D()(jt.ones((2, 3, 4, 4, 5))).shape
        (2, 5)
    """

    _rank = 3


class GlobalMaxPooling3D(_GlobalPooling):
    """Max over the three spatial axes (``keras.layers.GlobalMaxPooling3D``)."""

    _rank = 3
    _op = staticmethod(global_max_pool)
