"""``tf.ragged.cross`` and ``cross_hashed``: feature crosses of ragged or dense batches.

Row ``i`` of the result holds every combination of one value from row ``i`` of each
input (the last input varying fastest, as TF). ``cross`` joins the values' text with
``"_X_"``; ``cross_hashed`` chains their 64-bit fingerprints with TF's
``FingerprintCat64`` from ``hash_key`` and takes the result modulo ``num_buckets``, so
the buckets are TF's. Runs on the host (strings), eagerly.
"""

from __future__ import annotations

import itertools

import numpy as np

from . import _dtypes
from ._ragged import RaggedTensor, as_values, host

_HASH_KEY = 0xDECAFCAFFE  # TF's default hash_key for crosses


def _rows(x) -> list:
    if isinstance(x, RaggedTensor):
        if x.ragged_rank != 1:
            raise ValueError("tf.ragged.cross: inputs must have ragged_rank 1")
        return x.rows()
    arr = host(as_values(x), "tf.ragged.cross")
    if arr.ndim != 2:
        raise ValueError(f"tf.ragged.cross: dense inputs must have rank 2, got rank {arr.ndim}")
    return list(arr)


def _combinations(inputs) -> list:
    columns = [_rows(x) for x in inputs]
    n = {len(c) for c in columns}
    if len(n) != 1:
        from ._op_errors import InvalidArgumentError

        raise InvalidArgumentError("tf.ragged.cross: inputs must have the same number of rows")
    return [list(itertools.product(*[list(c[i]) for c in columns])) for i in range(n.pop())]


def _text(v) -> bytes:
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v)
    return str(int(v)).encode()


def cross(inputs, name=None) -> RaggedTensor:
    """Row-wise feature crosses as strings (TF's ``tf.ragged.cross``).

    Example:
        >>> import jtape as jt
        >>> a = jt.ragged.constant([["a"], ["b", "c"]])
        >>> jt.ragged.cross([a, jt.ragged.constant([["d"], ["e"]])]).to_list()
        [[b'a_X_d'], [b'b_X_e', b'c_X_e']]
    """
    rows = [
        [b"_X_".join(_text(v) for v in combo) for combo in row] for row in _combinations(inputs)
    ]
    return RaggedTensor.from_rows(rows, _dtypes.string)


def cross_hashed(inputs, num_buckets: int = 0, hash_key=None, name=None) -> RaggedTensor:
    """Row-wise feature crosses hashed into ``num_buckets`` (0: the raw int64 hashes).

    Example:
        >>> import jtape as jt
        >>> a = jt.ragged.constant([["a"], ["b", "c"]])
        >>> b = jt.ragged.constant([["d"], ["e"]])
        >>> jt.ragged.cross_hashed([a, b], num_buckets=10).to_list()
        [[2], [1, 1]]
    """
    # (the one FingerprintCat64 in jtape lives with Keras' HashedCrossing layer)
    from .nn._hashed_crossing import _feature_hash, fingerprint_cat64

    key = _HASH_KEY if hash_key is None else int(hash_key)
    rows = []
    for row in _combinations(inputs):
        out = []
        for combo in row:
            h = key
            for v in combo:
                h = fingerprint_cat64(h, _feature_hash(bytes(v) if isinstance(v, np.bytes_) else v))
            out.append(h % num_buckets if num_buckets else h - (1 << 64) if h >> 63 else h)
        rows.append(np.asarray(out, np.int64))
    return RaggedTensor.from_rows(rows, np.int64)
