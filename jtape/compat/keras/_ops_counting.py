"""``keras.ops``' counting functions: ``bincount``, ``digitize``, ``histogram``, ``unique``.

As Keras 3 on TensorFlow: ``bincount`` is jtape's ``tf.math.bincount`` (its eager checks
included), ``digitize`` is TF's ``Bucketize`` (float32 boundaries; NaN goes to the last
bucket), ``histogram`` counts in ``x``'s dtype, ``unique`` runs eagerly only (its size
depends on the values).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..._op import op
from ..._tensor import Tensor, to_value
from ._ops_dtypes import result_type, standardize_dtype, tensor


def bincount(x, weights=None, minlength: int = 0, sparse: bool = False) -> Tensor:
    """How often each value ``0 .. n-1`` occurs in ``x`` (each row of a 2-D ``x``),
    summing ``weights`` if given; negative values raise, as on TensorFlow.

    Example:
        >>> import jtape.compat.keras as keras
        >>> keras.ops.bincount([0, 1, 1, 3]).numpy().tolist()
        [1, 2, 0, 1]
    """
    from ..._counting_ops import bincount as _bincount

    if sparse:
        raise ValueError("keras.ops.bincount: jtape has no sparse output; use sparse=False")
    x = tensor(x)
    if standardize_dtype(x.dtype) not in ("int32", "int64"):
        x = tensor(x, "int32")
    if len(x.shape) not in (1, 2):
        raise ValueError(f"Input must be 1-D or 2-D. Received: x.shape={tuple(x.shape)}")
    dtype = "int32"
    if weights is not None:
        weights = tensor(weights)
        dtype = result_type(x.dtype, weights.dtype)
        wdt = standardize_dtype(weights.dtype)
        if wdt not in ("int32", "int64", "float32", "float64"):
            weights = tensor(weights, "int32" if "int" in wdt else "float32")
    axis = -1 if len(x.shape) == 2 else None
    minlength = int(minlength) if minlength else None
    out = _bincount(x, weights, minlength=minlength, axis=axis, dtype="int32")
    return tensor(out, dtype)


_bucketize = op(
    lambda x, bins: jnp.searchsorted(bins.astype(x.dtype), x, side="right").astype(jnp.int32),
    name="digitize",
)


def digitize(x, bins) -> Tensor:
    """The bucket of each entry: ``i`` where ``bins[i-1] <= x < bins[i]`` (TF's
    ``Bucketize``: ``bins`` are float32 and must increase; NaN goes past the last bin).

    Example:
        >>> import jtape.compat.keras as keras
        >>> keras.ops.digitize([0.5, 1.0, 2.5], [1.0, 2.0]).numpy().tolist()
        [0, 1, 2]
    """
    from ..._op_errors import InvalidArgumentError

    bounds = np.asarray([float(b) for b in bins], np.float32)
    if bounds.size > 1 and np.any(bounds[1:] < bounds[:-1]):
        raise InvalidArgumentError("Expected sorted boundaries [Op:Bucketize]")
    x = tensor(x)
    # Bucketize compares the input with float boundaries: in float64 for float64
    # inputs, in float32 for everything else.
    wide = standardize_dtype(x.dtype) == "float64"
    x = tensor(x, "float64" if wide else "float32")
    return _bucketize(x, Tensor(jnp.asarray(bounds)))


@op(name="histogram")
def _histogram(x, bins, lo, hi):
    edges = jnp.linspace(lo, hi, bins + 1).astype(x.dtype)
    inside = (x >= lo) & (x <= hi)
    index = jnp.searchsorted(edges[1:-1], x, side="right")
    counts = jnp.zeros(bins, x.dtype).at[index].add(jnp.where(inside, 1, 0).astype(x.dtype))
    return counts, edges


def histogram(x, bins: int = 10, range=None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """Counts of the 1-D ``x`` in ``bins`` equal bins over ``range`` (``x``'s min and max
    when None) and the ``bins + 1`` edges; both in ``x``'s dtype, as Keras on TensorFlow.

    Example:
        >>> import jtape.compat.keras as keras
        >>> counts, edges = keras.ops.histogram([0.0, 1.0, 1.5, 3.0], bins=3)
        >>> counts.numpy().tolist(), edges.numpy().tolist()
        ([1.0, 2.0, 1.0], [0.0, 1.0, 2.0, 3.0])
    """
    if not isinstance(bins, int):
        raise TypeError(f"Argument `bins` must be of type `int`. Received: bins={bins}")
    if bins < 0:
        raise ValueError(f"Argument `bins` should be a non-negative integer. Received: bins={bins}")
    if range:
        if len(range) < 2 or not isinstance(range, tuple):
            raise ValueError(
                f"Argument `range` must be a tuple of two elements. Received: range={range}"
            )
        if range[1] < range[0]:
            raise ValueError(
                "The second element of `range` must be greater than the first. "
                f"Received: range={range}"
            )
    x = tensor(x)
    if len(x.shape) > 1:
        raise ValueError(f"Input tensor must be 1-dimensional. Received: input.shape={x.shape}")
    if range is None:
        from ..._math_ops import max as _max
        from ..._math_ops import min as _min

        lo, hi = _min(x), _max(x)
    else:
        lo, hi = range
    counts, edges = _histogram(x, int(bins), lo, hi)
    return counts, edges


def unique(
    x,
    sorted: bool = True,  # noqa: A002 - Keras' name
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis=None,
    size=None,
    fill_value=None,
):
    """The distinct values of ``x`` (of its slices along ``axis``), sorted unless
    ``sorted=False`` (then in order of first appearance), with the optional first
    indices, inverse map and counts (int32); ``size`` pads with ``fill_value`` (0) or
    truncates. Eager only, like TF's ``unique`` (the size depends on the values).

    Example:
        >>> import jtape.compat.keras as keras
        >>> keras.ops.unique([3, 1, 3, 2]).numpy().tolist()
        [1, 2, 3]
    """
    x = tensor(x)
    value = to_value(x)
    if isinstance(value, jax.core.Tracer):
        raise ValueError(
            "keras.ops.unique: the number of unique values depends on the data, which a "
            "compiled function cannot have; call it eagerly"
        )
    arr = np.asarray(value)
    if arr.dtype == np.bool_:
        from ..._op_errors import InvalidArgumentError

        raise InvalidArgumentError(
            "keras.ops.unique: Value for attr 'T' of bool is not in the list of allowed "
            "values (TF's Unique has no bool kernel)"
        )
    flat = axis is None
    if flat:
        arr, axis = arr.reshape(-1), 0
    axis = int(axis) % max(arr.ndim, 1)
    moved = np.moveaxis(arr, axis, 0)
    rows = moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:])))
    # Slices are equal when all their entries compare equal (NaN never does, as in TF).
    first, inverse = [], np.empty(rows.shape[0], np.int64)
    for i, row in enumerate(rows):
        for k, j in enumerate(first):
            if np.array_equal(rows[j], row):
                inverse[i] = k
                break
        else:
            inverse[i] = len(first)
            first.append(i)
    first = np.asarray(first, np.int64)
    counts = np.bincount(inverse, minlength=len(first))
    if sorted and len(first):
        keys = rows[first]
        order = np.lexsort(keys.T[::-1]) if keys.shape[1] else np.arange(len(first))
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        first, counts, inverse = first[order], counts[order], rank[inverse]
    values = np.take(arr, first, axis=axis)
    if size is not None:
        size = int(size)
        n = values.shape[axis]
        values = np.take(values, np.arange(min(n, size)), axis=axis)
        first, counts = first[:size], counts[:size]
        pad = max(0, size - n)
        if pad:
            widths = [(0, 0)] * values.ndim
            widths[axis] = (0, pad)
            fill = np.asarray(0 if fill_value is None else fill_value).astype(values.dtype)
            values = np.pad(values, widths, constant_values=fill)
            first = np.pad(first, (0, pad), constant_values=1)
            counts = np.pad(counts, (0, pad))
    if flat:
        inverse = inverse.reshape(np.shape(value))
    results = [Tensor(jnp.asarray(values))]
    for wanted, part in ((return_index, first), (return_inverse, inverse), (return_counts, counts)):
        if wanted:
            results.append(Tensor(jnp.asarray(part, jnp.int32)))
    return tuple(results) if len(results) > 1 else results[0]
