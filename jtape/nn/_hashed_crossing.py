"""Keras' ``HashedCrossing``: the crossed value of several categorical features, hashed.

Each feature value becomes a 64-bit hash (FarmHash Fingerprint64 of a string, the
integer itself for an integer), the hashes are chained with TF's ``FingerprintCat64``
from the key ``0xDECAFCAFFE`` (``tf.sparse.cross_hashed``'s), and the result is taken
modulo ``num_bins``: Keras' bins exactly. Runs on the host, like ``Hashing``.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from .._fingerprint import fingerprint64
from .._tensor import Tensor
from ._layer import Layer
from ._preprocessing import encode

_M64 = (1 << 64) - 1
_MUL = 0xC6A4A7935BD1E995
_HASH_KEY = 0xDECAFCAFFE


def _shift_mix(v: int) -> int:
    return v ^ (v >> 47)


def fingerprint_cat64(fp1: int, fp2: int) -> int:
    """TF's ``FingerprintCat64``: two 64-bit fingerprints combined (order matters).

    Example:
        >>> fingerprint_cat64(0, 0) == fingerprint_cat64(0, 0) != fingerprint_cat64(0, 1)
        True
    """
    result = fp1 ^ _MUL
    result ^= (_shift_mix((fp2 * _MUL) & _M64) * _MUL) & _M64
    result = (result * _MUL) & _M64
    result = (_shift_mix(result) * _MUL) & _M64
    return _shift_mix(result)


def _feature_hash(v) -> int:
    if isinstance(v, bytes):
        return fingerprint64(v)
    return int(v) & _M64


class HashedCrossing(Layer):
    """Cross two or more integer/string features and hash the crossing into ``num_bins``.

    Called on a tuple of tensors of equal shape ``()``, ``(batch,)`` or ``(batch, 1)``;
    returns int64 bins of that shape (``output_mode="int"``) or their one-hot vectors.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.HashedCrossing(num_bins=7)
        >>> layer((jt.constant([1, 2, 3]), jt.constant(["a", "b", "c"]))).numpy().tolist()
        [1, 3, 5]
    """

    def __init__(
        self,
        num_bins: int,
        output_mode: str = "int",
        sparse: bool = False,
        name=None,
        dtype=None,
        **kwargs: Any,
    ):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if output_mode not in ("int", "one_hot"):
            raise ValueError(
                "Invalid value for argument `output_mode` of HashedCrossing. Expected one of "
                f"{('int', 'one_hot')}. Received: output_mode={output_mode}"
            )
        if sparse:
            raise ValueError("HashedCrossing: jtape has no sparse tensors; sparse must be False.")
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = False

    def _convert_input(self, x):
        return x  # crossed as given: a float input is refused, not cast to the int64 dtype

    def _host_inputs(self, inputs) -> list[np.ndarray]:
        from ._text_layers import _host

        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                "`HashedCrossing` should be called on a list or tuple of inputs. "
                f"Received: inputs={inputs}"
            )
        if len(inputs) < 2:
            raise ValueError(
                "`HashedCrossing` should be called on at least two inputs. "
                f"Received: inputs={inputs}"
            )
        arrays = [_host(x, strings=True) for x in inputs]
        shape = np.shape(arrays[0])
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(
                "All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
                f"`(batch_size, 1)`. Received: inputs={inputs}"
            )
        if not all(np.shape(a) == shape for a in arrays[1:]):
            raise ValueError(
                f"All `HashedCrossing` inputs should have equal shape. Received: inputs={inputs}"
            )
        if not all(isinstance(a, np.ndarray) and a.dtype.kind in "iuO" for a in arrays):
            raise ValueError(
                "All `HashedCrossing` inputs should have an integer or string dtype. "
                f"Received: inputs={inputs}"
            )
        return arrays

    def call(self, inputs):
        arrays = self._host_inputs(inputs)
        shape = arrays[0].shape
        flat = [a.reshape(-1) for a in arrays]
        bins = np.empty(arrays[0].size, np.int64)
        for i in range(bins.size):
            h = _HASH_KEY
            for column in flat:
                h = fingerprint_cat64(h, _feature_hash(column[i]))
            bins[i] = h % self.num_bins
        ids = Tensor(jax.device_put(bins.reshape(shape)))
        if self.output_mode == "int":
            return ids
        return encode(ids, self.num_bins, "one_hot", self.compute_dtype)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[0])
        if self.output_mode == "int":
            return shape
        if shape and shape[-1] == 1:
            shape = shape[:-1]
        return shape + (self.num_bins,)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        return {
            "num_bins": self.num_bins,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": config["name"],
            "dtype": config["dtype"],
        }
