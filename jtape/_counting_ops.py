"""Counting ops: ``bincount``, ``confusion_matrix``, ``histogram_fixed_width``,
``in_top_k``, ``unique_with_counts``, with TensorFlow's dtypes, edge cases and errors.

Ops whose output size depends on the values (``bincount`` without a fixed length,
``confusion_matrix`` without ``num_classes``, ``unique_with_counts``) run eagerly only:
inside ``jt.function`` they need the size given, or raise saying so. Values are checked
as TF checks them where they are concrete (negative counts, labels out of range).
"""

from __future__ import annotations

import collections

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._op import op
from ._op_errors import InvalidArgumentError
from ._tensor import Tensor, to_value


def _concrete(x):
    """The numpy value of ``x``, or None while it is traced."""
    value = to_value(x)
    return None if isinstance(value, jax.core.Tracer) else np.asarray(value)


# -- bincount ---------------------------------------------------------------------------
@op(name="bincount")
def _bincount(arr, weights, length, dtype, axis, binary_output):
    arr = arr.astype(jnp.int32)
    if axis is None:
        arr = arr.reshape(-1)
        weights = None if weights is None else weights.reshape(-1)
    if weights is None:
        weights = jnp.ones(arr.shape, dtype)
    if binary_output:
        weights = jnp.ones(arr.shape, weights.dtype)
    # Values at or past `length` (maxlength) are dropped, as TF does.
    index = jnp.where(arr < length, arr, length)
    if axis is None:
        counts = jnp.zeros(length + 1, weights.dtype).at[index].add(weights)[:length]
    else:
        rows = jnp.arange(arr.shape[0])[:, None]
        counts = jnp.zeros((arr.shape[0], length + 1), weights.dtype)
        counts = counts.at[rows, index].add(weights)[:, :length]
    if binary_output:
        counts = jnp.minimum(counts, 1)
    return counts


def bincount(
    arr,
    weights=None,
    minlength: int | None = None,
    maxlength: int | None = None,
    dtype=_dtypes.int32,
    name=None,
    axis: int | None = None,
    binary_output: bool = False,
) -> Tensor:
    """How often each value ``0 .. n-1`` occurs in ``arr`` (summing ``weights`` if given).

    ``n`` is ``max(arr) + 1`` (at least ``minlength``, at most ``maxlength``); inside
    ``jt.function`` give it as ``minlength == maxlength``. ``axis=-1`` counts each row.

    Example:
        >>> import jtape as jt
        >>> jt.bincount([1, 1, 3]).numpy().tolist()
        [0, 2, 0, 1]
    """
    del name
    if axis not in (None, 0, -1):
        raise ValueError(f"bincount: `axis` must be None, 0 or -1, got {axis!r}")
    arr = arr if isinstance(arr, Tensor) else Tensor(to_value(arr, _dtypes.int32))
    if axis == 0:  # TF: axis 0 means the whole (flattened) input
        axis = None
    if axis == -1 and len(arr.shape) != 2:
        raise ValueError(f"bincount: `axis=-1` needs a 2-D `arr`, got shape {list(arr.shape)}")
    values = _concrete(arr)
    if values is not None and values.size and values.min() < 0:
        raise InvalidArgumentError("Input arr must be non-negative! [Op:DenseBincount]")
    if minlength is not None and maxlength is not None and minlength == maxlength:
        length = int(minlength)
    elif values is None:
        raise ValueError(
            "bincount: inside jt.function the output length must be known: pass "
            "`minlength` and `maxlength` equal (TF infers it from the values at run time)."
        )
    else:
        length = int(values.max()) + 1 if values.size else 0
        if minlength is not None:
            length = max(length, int(minlength))
        if maxlength is not None:
            length = min(length, int(maxlength))
    if weights is not None:
        weights = weights if isinstance(weights, Tensor) else Tensor(to_value(weights))
        if tuple(weights.shape) != tuple(arr.shape):
            raise ValueError(
                f"bincount: `weights` must have the shape of `arr` {list(arr.shape)}, "
                f"got {list(weights.shape)}"
            )
    out_dtype = _dtypes.as_dtype(dtype) if weights is None else None
    return _bincount(arr, weights, length, out_dtype, axis, bool(binary_output))


# -- confusion matrix -------------------------------------------------------------------
@op(name="confusion_matrix")
def _confusion_matrix(labels, predictions, weights, num_classes, dtype):
    labels = labels.astype(jnp.int32).reshape(-1)
    predictions = predictions.astype(jnp.int32).reshape(-1)
    if weights is None:
        weights = jnp.ones(labels.shape, dtype)
    else:
        weights = weights.reshape(-1).astype(dtype)
    return jnp.zeros((num_classes, num_classes), dtype).at[labels, predictions].add(weights)


def confusion_matrix(
    labels,
    predictions,
    num_classes: int | None = None,
    weights=None,
    dtype=_dtypes.int32,
    name=None,
) -> Tensor:
    """``num_classes x num_classes`` counts: rows are ``labels``, columns ``predictions``.

    Example:
        >>> import jtape as jt
        >>> jt.confusion_matrix([0, 1, 1], [0, 1, 0]).numpy().tolist()
        [[1, 0], [1, 1]]
    """
    del name
    labels = labels if isinstance(labels, Tensor) else Tensor(to_value(labels))
    predictions = predictions if isinstance(predictions, Tensor) else Tensor(to_value(predictions))
    seen = [_concrete(labels), _concrete(predictions)]
    for arg, values in zip(("labels", "predictions"), seen):
        if values is not None and values.size and values.min() < 0:
            raise InvalidArgumentError(f"`{arg}` contains negative values.")
    if num_classes is None:
        if any(v is None for v in seen):
            raise ValueError(
                "confusion_matrix: inside jt.function `num_classes` must be given (the "
                "output size cannot depend on the values in a compiled program)."
            )
        num_classes = int(max([v.max() for v in seen if v.size] or [-1])) + 1
    else:
        for arg, values in zip(("labels", "predictions"), seen):
            if values is not None and values.size and values.max() >= num_classes:
                raise InvalidArgumentError(f"`{arg}` out of bound")
    if weights is not None and not isinstance(weights, Tensor):
        weights = Tensor(to_value(weights))
    return _confusion_matrix(
        labels, predictions, weights, int(num_classes), _dtypes.as_dtype(dtype)
    )


# -- histogram ----------------------------------------------------------------------------
@op(name="histogram_fixed_width")
def _histogram_fixed_width(values, value_range, nbins, dtype):
    values = values.reshape(-1)
    lo, hi = value_range[0], value_range[1]
    scaled = (values - lo).astype(jnp.float64 if values.dtype == jnp.float64 else jnp.float32)
    scaled = scaled / (hi - lo).astype(scaled.dtype) * nbins
    bins = jnp.clip(jnp.floor(scaled).astype(jnp.int32), 0, nbins - 1)
    return jnp.zeros(nbins, dtype).at[bins].add(jnp.ones(bins.shape, dtype))


def histogram_fixed_width(values, value_range, nbins: int = 100, dtype=_dtypes.int32, name=None):
    """Counts of ``values`` in ``nbins`` equal bins over ``value_range``; values outside
    the range go to the first or last bin.

    Example:
        >>> import jtape as jt
        >>> jt.histogram_fixed_width([0.0, 0.2, 0.9, 5.0], [0.0, 1.0], nbins=2).numpy().tolist()
        [2, 2]
    """
    del name
    if isinstance(nbins, bool) or not isinstance(nbins, (int, np.integer)) or nbins < 1:
        raise ValueError(f"histogram_fixed_width: `nbins` must be a positive int, got {nbins!r}")
    values = values if isinstance(values, Tensor) else Tensor(to_value(values))
    value_range = to_value(value_range, values.dtype)
    return _histogram_fixed_width(values, value_range, int(nbins), _dtypes.as_dtype(dtype))


# -- in_top_k ------------------------------------------------------------------------------
@op(name="in_top_k")
def _in_top_k(targets, predictions, k):
    classes = predictions.shape[-1]
    targets = targets.astype(jnp.int32)
    valid = (targets >= 0) & (targets < classes)
    picked = jnp.take_along_axis(predictions, jnp.clip(targets, 0, classes - 1)[:, None], axis=1)
    finite_row = jnp.all(jnp.isfinite(predictions), axis=1)
    better = jnp.sum(predictions > picked, axis=1)
    return valid & finite_row & (better < k)


def in_top_k(targets, predictions, k: int, name=None) -> Tensor:
    """Whether each target's score is among its row's ``k`` largest (ties at the boundary
    count as in, as TF); False for a target out of range or a row with a non-finite score.

    Example:
        >>> import jtape as jt
        >>> jt.in_top_k([1, 0], [[0.1, 0.9], [0.2, 0.8]], k=1).numpy().tolist()
        [True, False]
    """
    del name
    targets = targets if isinstance(targets, Tensor) else Tensor(to_value(targets))
    predictions = predictions if isinstance(predictions, Tensor) else Tensor(to_value(predictions))
    if len(predictions.shape) != 2 or len(targets.shape) != 1:
        raise ValueError(
            "in_top_k: `predictions` must be 2-D and `targets` 1-D, got shapes "
            f"{list(predictions.shape)} and {list(targets.shape)}"
        )
    return _in_top_k(targets, predictions, int(k))


# -- unique_with_counts -------------------------------------------------------------------
UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def unique_with_counts(x, out_idx=_dtypes.int32, name=None) -> UniqueWithCounts:
    """Unique values in order of first appearance, each entry's index into them, and how
    often each occurs (``.y``, ``.idx``, ``.count``). Eager only, like ``unique``.

    Example:
        >>> import jtape as jt
        >>> jt.unique_with_counts([3, 1, 3]).count.numpy().tolist()
        [2, 1]
    """
    from ._indexing_ops import unique

    del name
    y, idx = unique(x, out_idx)
    counts = np.bincount(np.asarray(idx.numpy()), minlength=int(y.shape[0]))
    dtype = _dtypes.as_dtype(out_idx)
    return UniqueWithCounts(y, idx, Tensor(jnp.asarray(counts, dtype)))
