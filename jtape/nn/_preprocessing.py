"""Keras' numeric preprocessing layers: ``Normalization``, ``CategoryEncoding``,
``Discretization`` and ``Hashing``.

``Normalization`` and ``CategoryEncoding``/``Discretization`` compute with ``jt.op`` (they
run under tapes and inside ``jt.function``); ``Hashing`` hashes on the host, as Keras
runs it on the CPU through TensorFlow. ``adapt`` accepts arrays, tensors, a ``tf.data``
Dataset of batches or any iterable of batches, as Keras 3.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtypes
from .._fingerprint import fingerprint64
from .._op import op
from .._op_errors import InvalidArgumentError
from .._tensor import Tensor
from ._layer import Layer

_EPSILON = 1e-7  # keras.backend.epsilon(): the floor of Normalization's divisor


# -- adapt's data -------------------------------------------------------------------------
def _first(batch):
    """A dataset element's features: the first entry of an ``(x, y)`` tuple."""
    return batch[0] if isinstance(batch, tuple) else batch


def _numpy(x) -> np.ndarray:
    if hasattr(x, "_jt_read"):
        x = x._jt_read()
    if isinstance(x, Tensor):
        if isinstance(x._value, jax.core.Tracer):
            raise TypeError("adapt() runs eagerly: call it outside jt.function")
        return np.asarray(x._value)
    return np.asarray(x)


def _batches(data, steps=None):
    """``(is_whole_array, iterable of numpy batches)`` for adapt's accepted inputs."""
    from ..data import Dataset

    if isinstance(data, (np.ndarray, Tensor)) or hasattr(data, "_jt_read"):
        return True, [_numpy(data)]
    if isinstance(data, Dataset):
        spec = _first(data.element_spec)
        if len(getattr(spec, "shape", ())) == 1:
            data = data.batch(128)  # Keras batches a dataset of vectors itself
        if steps is not None:
            data = data.take(steps)
        return False, (_numpy(_first(b)) for b in data)
    if hasattr(data, "__iter__"):

        def gen():
            for i, b in enumerate(data):
                if steps is not None and i >= steps:
                    return
                yield _numpy(_first(b))

        return False, gen()
    raise TypeError(
        f"Unsupported data type: {type(data)}. `adapt` supports `np.ndarray`, tensors, "
        "`tf.data.Dataset` and iterables of batches (e.g. list, generator)."
    )


# -- Normalization ------------------------------------------------------------------------
@op(name="normalize")
def _normalize(x, mean, variance, shape, invert, dtype):
    x = x.astype(dtype)
    mean = jnp.reshape(mean, shape).astype(dtype)
    scale = jnp.maximum(jnp.sqrt(jnp.reshape(variance, shape).astype(dtype)), _EPSILON)
    return mean + x * scale if invert else (x - mean) / scale


class Normalization(Layer):
    """Shift and scale inputs to mean 0 and variance 1: ``(x - mean) / sqrt(variance)``
    per position of ``axis`` (``invert=True`` undoes it).

    ``mean``/``variance`` are given, or learned by :meth:`adapt` (the population
    variance, as Keras); learned values are the non-trainable weights ``mean``,
    ``variance`` and ``count`` and travel with the model's weights.

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> layer = nn.Normalization()
        >>> layer.adapt(np.array([[1.0], [3.0]], np.float32))
        >>> layer(np.array([[5.0]], np.float32)).numpy().tolist()
        [[3.0]]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(int(a) for a in axis)
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        if (mean is None) != (variance is None):
            raise ValueError(
                "When setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}"
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "When setting values directly, `mean` and `variance` must have the same "
                    f"shape. Received: mean shape {np.shape(mean)} and variance shape "
                    f"{np.shape(variance)}"
                )
            if np.ndim(mean) > len(self.axis):
                raise ValueError(
                    "The rank of `mean` must be less than or equal to the number of axes "
                    f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis "
                    f"{self.axis}"
                )

    def build(self, input_shape) -> None:
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                "All `axis` values must be in the range [-ndim, ndim). Received inputs with "
                f"ndim={ndim}, while axis={self.axis}"
            )
        keep = tuple(sorted(a % ndim for a in self.axis))
        for d in keep:
            if input_shape[d] is None:
                raise ValueError(
                    f"All `axis` values to be kept must have a known shape. Received "
                    f"axis={self.axis}, inputs.shape={tuple(input_shape)}, with unknown axis "
                    f"at index {d}"
                )
        self._build_input_shape = tuple(input_shape)
        self._keep_axis = keep
        self._reduce_axis = tuple(d for d in range(ndim) if d not in keep)
        self._broadcast_shape = tuple(input_shape[d] if d in keep else 1 for d in range(ndim))
        self._stat_shape = tuple(input_shape[d] for d in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean", shape=self._stat_shape, initializer="zeros", trainable=False
            )
            self.adapt_variance = self.add_weight(
                name="variance", shape=self._stat_shape, initializer="ones", trainable=False
            )
            self.count = self.add_weight(
                name="count", shape=(), dtype="int64", initializer="zeros", trainable=False
            )
        else:
            self._given = tuple(
                self._broadcast_given(v) for v in (self.input_mean, self.input_variance)
            )

    def _broadcast_given(self, value) -> np.ndarray:
        """A given mean/variance aligned with the kept axes (its last axes with the last ones)."""
        value = np.asarray(value, np.float32)
        expanded = [1] * len(self._broadcast_shape)
        for i in range(1, value.ndim + 1):
            expanded[self._keep_axis[-i]] = value.shape[-i]
        return np.broadcast_to(value.reshape(expanded), self._broadcast_shape)

    def adapt(self, data, steps=None) -> None:
        """Learn ``mean`` and ``variance`` from ``data`` (an array, a tensor, a Dataset of
        batches or an iterable of batches), reducing every axis not in ``axis``."""
        if self.input_mean is not None:
            raise ValueError(
                f"Cannot adapt Normalization layer '{self.name}': its `mean` and `variance` "
                "were given to the constructor."
            )
        whole, batches = _batches(data, steps)
        batches = iter(batches)
        first = next(batches, None)
        if first is None:
            raise ValueError("adapt() received an empty iterable (no batches).")
        if not self.built:
            self.build(first.shape)
            self.built = True
        self._check_shape(first.shape)
        if whole:
            mean = np.mean(first, axis=self._reduce_axis)
            var = np.var(first, axis=self._reduce_axis)
        else:
            mean = np.zeros(self._stat_shape, np.float32)
            var = np.zeros(self._stat_shape, np.float32)
            total = 0
            for batch in [first, *batches]:
                batch = batch.astype(self.compute_dtype._np)
                self._check_shape(batch.shape)
                b_mean = np.mean(batch, axis=self._reduce_axis)
                b_var = np.var(batch, axis=self._reduce_axis)
                b_count = math.prod(batch.shape[d] for d in self._reduce_axis)
                total += b_count
                w_new = float(b_count) / total
                w_old = 1.0 - w_new
                new_mean = mean * w_old + b_mean * w_new
                var = (var + (mean - new_mean) ** 2) * w_old + (
                    b_var + (b_mean - new_mean) ** 2
                ) * w_new
                mean = new_mean
        self.adapt_mean.assign(np.asarray(mean, np.float32).reshape(self._stat_shape))
        self.adapt_variance.assign(np.asarray(var, np.float32).reshape(self._stat_shape))

    def _check_shape(self, shape) -> None:
        for d in self._keep_axis:
            if len(shape) != len(self._build_input_shape) or shape[d] != self._build_input_shape[d]:
                raise ValueError(
                    f"The layer was built with input_shape={self._build_input_shape}, but "
                    f"adapt() is being called with data with an incompatible shape, "
                    f"data.shape={tuple(shape)}"
                )

    def call(self, inputs):
        if self.input_mean is None:
            mean, variance = self.adapt_mean, self.adapt_variance
        else:
            mean, variance = self._given
        return _normalize(
            inputs, mean, variance, self._broadcast_shape, self.invert, self.compute_dtype._np
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        def plain(v):
            return None if v is None else np.asarray(v).tolist()

        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": plain(self.input_mean),
            "variance": plain(self.input_variance),
        }


# -- CategoryEncoding / Discretization ----------------------------------------------------
_MODES = ("one_hot", "multi_hot", "count")


@op(name="encode_categorical")
def _encode(ids, weights, depth, mode, dtype):
    """Keras' ``encode_categorical_inputs``: ids (rank >= 1) to one/multi-hot or counts."""
    if mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids.reshape(ids.shape[:-1])
        return jax.nn.one_hot(ids, depth, dtype=dtype)
    hot = jax.nn.one_hot(ids, depth, dtype=dtype if weights is None else weights.dtype)
    axis = 1 if ids.ndim > 1 else 0
    if mode == "multi_hot":
        return jnp.max(hot, axis=axis)
    if weights is not None:
        hot = hot * weights[..., None]
    return jnp.sum(hot, axis=axis, dtype=hot.dtype)  # an int32 count stays int32 (Keras)


def _check_ids(ids, depth: int, mode: str) -> None:
    """TF's bincount (multi_hot/count of rank <= 2) rejects negative ids; eager only."""
    value = getattr(ids, "_value", ids)
    if mode == "one_hot" or isinstance(value, jax.core.Tracer) or np.ndim(value) > 2:
        return
    arr = np.asarray(value)
    if arr.size and arr.min() < 0:
        raise InvalidArgumentError(
            "Input 'in' must be non-negative! Negative input value found: "
            f"{int(arr[arr < 0].flat[0])}"
        )


def encode(ids, depth: int, mode: str, dtype, weights=None):
    if len(ids.shape) == 0:
        from .._array_ops import expand_dims

        ids = expand_dims(ids, -1)
    _check_ids(ids, depth, mode)
    return _encode(ids, weights, int(depth), mode, _dtypes.as_dtype(dtype)._np)


def _check_mode(mode: str, layer: str) -> None:
    if mode not in ("int", *_MODES):
        raise ValueError(
            f"Invalid value for argument `output_mode` of {layer}. Expected one of "
            f"{('int', *_MODES)}. Received: output_mode={mode}"
        )


class CategoryEncoding(Layer):
    """Integer ids in ``[0, num_tokens)`` as ``one_hot``, ``multi_hot`` or ``count`` vectors.

    ``multi_hot``/``count`` reduce axis 1 of a rank >= 2 input (the ids of one sample);
    ``one_hot`` adds a last axis (replacing a last axis of size 1). Ids ``>= num_tokens``
    encode as zeros; negative ids raise (eagerly, as TF's bincount) for ``multi_hot`` and
    ``count``, and encode as zeros for ``one_hot``.

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> nn.CategoryEncoding(3, output_mode="count")(np.array([[0, 2, 2]])).numpy().tolist()
        [[1.0, 0.0, 2.0]]
    """

    def __init__(
        self, num_tokens=None, output_mode: str = "multi_hot", sparse: bool = False, **kwargs: Any
    ):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in _MODES:
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError(
                "num_tokens must be set to use this layer. If the number of tokens is not "
                "known beforehand, use the IntegerLookup layer instead."
            )
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding: jtape has no sparse tensors; sparse must be False.")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        # (no `sparse` attribute: Keras leaves it out of the config)

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    "`count_weights` is not used when `output_mode` is not `'count'`. "
                    f"Received `count_weights={count_weights}`."
                )
            count_weights = jnp.asarray(_numpy(count_weights), self.compute_dtype._np)
        return encode(inputs, self.num_tokens, self.output_mode, self.compute_dtype, count_weights)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_tokens": self.num_tokens,
            "output_mode": self.output_mode,
        }


@op(name="digitize")
def _digitize(x, boundaries):
    # TF's Bucketize: boundaries[i-1] <= x < boundaries[i] gives bucket i (NaN: the last).
    return jnp.searchsorted(boundaries, x.astype(jnp.float32), side="right").astype(jnp.int32)


def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """Keras' approximate-quantile summary of one batch: every step-th sorted value."""
    values = np.sort(values.reshape(-1))
    step = max(values.size / (1.0 / epsilon), 1)
    kept = values[int(step - 1) :: int(step)]
    return np.stack([kept, np.ones_like(kept) * step])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    cum_percents = cum / cum[-1]
    bins = np.interp(percents, cum_percents, summary[0])
    cum = np.interp(percents, cum_percents, cum)
    weights = cum - np.concatenate((np.array([0]), cum[:-1]))
    return np.stack((bins, weights)).astype("float32")


class Discretization(Layer):
    """Bucket floats by ``bin_boundaries`` (or ``num_bins`` boundaries learned by
    :meth:`adapt`): bucket ``i`` holds ``boundaries[i-1] <= x < boundaries[i]``.

    ``output_mode="int"`` gives int32 bucket ids; the other modes encode them as
    :class:`CategoryEncoding` does. ``adapt`` follows Keras' approximate quantiles
    (``epsilon``), so the learned boundaries are Keras'.

    Example:
        >>> import numpy as np
        >>> from jtape import nn
        >>> layer = nn.Discretization(bin_boundaries=[0.0, 1.0])
        >>> layer(np.array([[-0.5, 0.0, 1.0]], np.float32)).numpy().tolist()
        [[0, 1, 2]]
    """

    def __init__(
        self,
        bin_boundaries=None,
        num_bins=None,
        epsilon: float = 0.01,
        output_mode: str = "int",
        sparse: bool = False,
        dtype=None,
        name=None,
    ):
        super().__init__(name=name, dtype=dtype)
        _check_mode(output_mode, "Discretization")
        if sparse:
            raise ValueError("Discretization: jtape has no sparse tensors; sparse must be False.")
        if num_bins is not None and num_bins < 0:
            raise ValueError(
                f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`"
            )
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Both `num_bins` and `bin_boundaries` should not be set. Received: "
                f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`"
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in bin_boundaries]
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False
        self.reset_state()

    def reset_state(self) -> None:
        self._summary = np.array([[], []], dtype="float32")

    def update_state(self, data) -> None:
        summary = _summarize(np.asarray(_numpy(data), np.float32), self.epsilon)
        merged = np.concatenate((summary, self._summary), axis=1)
        merged = np.take(merged, np.argsort(merged[0]), axis=1)
        self._summary = _compress(merged, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is not None:
            self.bin_boundaries = _compress(self._summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def adapt(self, data, steps=None) -> None:
        """Learn ``num_bins - 1`` boundaries at the quantiles of ``data``."""
        if self.num_bins is None:
            raise ValueError(
                "Cannot adapt a Discretization layer that has been initialized with "
                "`bin_boundaries`, use `num_bins` instead."
            )
        self.reset_state()
        for batch in _batches(data, steps)[1]:
            self.update_state(batch)
        self.finalize_state()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                "You need to either pass the `bin_boundaries` argument at construction time "
                "or call `adapt(dataset)` before you can start using the `Discretization` layer."
            )
        bounds = np.asarray(self.bin_boundaries, np.float32)
        if np.any(bounds[1:] < bounds[:-1]):  # TF's Bucketize refuses them at the call
            raise InvalidArgumentError(
                f"Expected sorted boundaries, got {self.bin_boundaries} [Op:Bucketize]"
            )
        ids = _digitize(inputs, bounds)
        if self.output_mode == "int":
            return ids
        return encode(ids, len(self.bin_boundaries) + 1, self.output_mode, self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("trainable")  # Keras' Discretization config has no `trainable`
        return {
            **config,
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Discretization:
        config = dict(config)
        config.pop("trainable", None)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(**config)


# -- Hashing ------------------------------------------------------------------------------
_M64 = (1 << 64) - 1


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _M64


def siphash24(k0: int, k1: int, data: bytes) -> int:
    """SipHash-2-4 of ``data`` under the key ``(k0, k1)`` (TF's ``to_hash_bucket_strong``).

    Example:
        >>> hex(siphash24(0x0706050403020100, 0x0F0E0D0C0B0A0908, b""))
        '0x726fdb47dd0e0e31'
    """
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(n):
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & _M64
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _M64
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _M64
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _M64
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)

    n = len(data)
    end = n - n % 8
    for i in range(0, end, 8):
        m = int.from_bytes(data[i : i + 8], "little")
        v3 ^= m
        rounds(2)
        v0 ^= m
    last = ((n & 0xFF) << 56) | int.from_bytes(data[end:], "little")
    v3 ^= last
    rounds(2)
    v0 ^= last
    v2 ^= 0xFF
    rounds(4)
    return v0 ^ v1 ^ v2 ^ v3


def _as_strings(arr: np.ndarray) -> np.ndarray:
    """Hashing's keys: strings as bytes, numbers as their decimal (floats truncated)."""
    if arr.dtype == object:
        return arr
    if arr.dtype.kind == "b":  # tf.as_string of a bool, as Keras hashes it
        out = np.empty(arr.shape, dtype=object)
        out.flat[:] = [b"true" if v else b"false" for v in arr.flat]
        return out
    if arr.dtype.kind == "f":
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"Hashing takes strings or numbers, got dtype {arr.dtype}")
    out = np.empty(arr.shape, dtype=object)
    out.flat[:] = [str(int(v)).encode() for v in arr.flat]
    return out


class Hashing(Layer):
    """Hash strings (and numbers, by their decimal form) into ``num_bins`` bins.

    FarmHash Fingerprint64 modulo ``num_bins``, or SipHash-2-4 keyed by ``salt`` when it
    is given (TF's ``to_hash_bucket_fast``/``_strong``). With ``mask_value``, that value
    maps to 0 and the others to ``1 + hash % (num_bins - 1)``. Runs on the host: call it
    eagerly or in a ``tf.data`` map, not inside ``jt.function``.

    Example:
        >>> from jtape import nn
        >>> nn.Hashing(num_bins=10)([["a"], ["hello"]]).numpy().tolist()
        [[9], [6]]
    """

    def __init__(
        self,
        num_bins,
        mask_value=None,
        salt=None,
        output_mode: str = "int",
        sparse: bool = False,
        **kwargs: Any,
    ):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(
                "The `num_bins` for `Hashing` cannot be `None` or non-positive values. "
                f"Received: num_bins={num_bins}."
            )
        if output_mode == "int" and self.dtype not in (_dtypes.int32, _dtypes.int64):
            raise ValueError(
                "When `output_mode=\"int\"`, `dtype` should be an integer type, 'int32' or "
                f"'int64'. Received: dtype={kwargs['dtype']}"
            )
        _check_mode(output_mode, "Hashing")
        if sparse:
            raise ValueError("Hashing: jtape has no sparse tensors; sparse must be False.")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.output_mode = output_mode
        self.sparse = False
        if salt is None:
            self.salt = None
        elif isinstance(salt, (tuple, list)) and len(salt) == 2:
            self.salt = [int(s) for s in salt]
        elif isinstance(salt, int):
            self.salt = [salt, salt]
        else:
            raise ValueError(
                "The `salt` argument for `Hashing` can only be a tuple of size 2 integers, or "
                f"a single integer. Received: salt={salt}."
            )

    def _convert_input(self, x):
        return x  # hashed on the host as given (no float cast of the input)

    def _bins(self, arr: np.ndarray) -> np.ndarray:
        bins, mask = self.num_bins, None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            key = self.mask_value
            if arr.dtype == object and isinstance(key, str):
                key = key.encode()
            mask = arr == key
        keys = _as_strings(arr)
        if self.salt is None:
            hashes = [fingerprint64(k) % bins for k in keys.flat]
        else:
            k0, k1 = (s & _M64 for s in self.salt)
            hashes = [siphash24(k0, k1, k) % bins for k in keys.flat]
        out = np.asarray(hashes, np.int64).reshape(arr.shape)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def call(self, inputs):
        from ._text_layers import _host

        arr = _host(inputs, strings=True)
        if not isinstance(arr, np.ndarray):
            raise TypeError("Hashing: jtape takes dense inputs (no ragged tensors)")
        if self.output_mode == "one_hot" and arr.ndim and arr.shape[-1] == 1:
            arr = arr[..., 0]
        ids = self._bins(arr)
        if self.output_mode == "int":
            return Tensor(jax.device_put(ids.astype(self.dtype._np)))
        return encode(Tensor(jax.device_put(ids)), self.num_bins, self.output_mode, self.dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }


__all__ = [
    "CategoryEncoding",
    "Discretization",
    "Hashing",
    "Normalization",
    "siphash24",
]
