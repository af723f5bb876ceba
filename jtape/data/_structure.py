"""Nested elements of a dataset: flattening, host conversion and ``TensorSpec``.

A dataset element is a nested structure of tuples (namedtuples too) and dicts whose
leaves are arrays. Lists are *values*, not structure, as in ``tf.data``:
``from_tensor_slices([[1, 2], [3, 4]])`` slices one 2-D tensor. Inside a pipeline the
leaves are numpy arrays on the host; they become jt.Tensors only when the element is
handed to the user.
"""

from __future__ import annotations

import collections
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtypes, _ragged_data, _sparse_data, _strings
from .._function import TensorSpec as _BaseTensorSpec
from .._key_order import KeyOrderedTree, key_orders, reorder
from .._op_errors import InvalidArgumentError
from .._sparse import SparseTensor, SparseTensorSpec
from .._sparse_data import batched_spec as batched_spec
from .._sparse_data import unbatched_spec as unbatched_spec
from .._tensor import Tensor


def _is_leaf(x) -> bool:
    return not isinstance(x, (tuple, dict)) or x is None


class Row:
    """Element ``index`` of ``from_tensor_slices``, not sliced yet.

    Shuffling and batching only move rows around; ``batch`` then gathers a whole batch
    with one fancy index per component instead of slicing and stacking every element.
    Everything else sees the sliced element (``flatten`` and ``materialize`` slice).
    """

    __slots__ = ("leaves", "treedef", "index")

    def __init__(self, leaves: list, treedef, index: int) -> None:
        self.leaves = leaves
        self.treedef = treedef
        self.index = index

    def materialize(self):
        leaves = [_row(x, self.index) for x in self.leaves]
        return self.treedef.unflatten(leaves)


def _row(x: np.ndarray, i: int):
    if isinstance(x, SparseTensor):
        return _sparse_data.row(x, i)
    # A string (object) array's element would be a bare bytes object: keep it an array.
    return x[i] if x.dtype != object else x[i, ...]


def materialize(element):
    return element.materialize() if type(element) is Row else element


def flatten(structure) -> tuple[list, Any]:
    """Leaves (in TF's order: dict keys sorted) and the structure to rebuild them, which
    gives dicts back in their insertion order (as TF's ``nest``)."""
    if type(structure) is Row:
        return [_row(x, structure.index) for x in structure.leaves], structure.treedef
    leaves, treedef = jax.tree_util.tree_flatten(structure, is_leaf=_is_leaf)
    return leaves, KeyOrderedTree.wrap(treedef, structure)


def unflatten(treedef, leaves):
    return treedef.unflatten(leaves)


def map_structure(fn, structure):
    """``fn`` over the leaves, dicts kept in their insertion order."""
    structure = materialize(structure)
    out = jax.tree_util.tree_map(fn, structure, is_leaf=_is_leaf)
    return reorder(out, key_orders(structure))


def _gather_rows(rows: list):
    # One fancy index per component and run of rows sharing a source (a map chunk or
    # the sliced arrays), then one concatenate: no per-element slicing.
    runs: list = []
    for r in rows:
        if runs and runs[-1][0] is r.leaves:
            runs[-1][1].append(r.index)
        else:
            runs.append((r.leaves, [r.index]))
    parts = [[x[np.asarray(idx)] for x in leaves] for leaves, idx in runs]
    cols = parts[0] if len(parts) == 1 else [np.concatenate(c) for c in zip(*parts)]
    return unflatten(rows[0].treedef, cols)


def stack(chunk: list, what: str):
    """Stack same-shaped elements along a new first axis (ValueError if shapes differ)."""
    first = chunk[0]
    if all(type(e) is Row and e.treedef == first.treedef for e in chunk) and not any(
        isinstance(x, SparseTensor) for x in first.leaves
    ):
        return _gather_rows(chunk)
    flat = [flatten(e) for e in chunk]
    treedef = flat[0][1]
    for _, t in flat:
        if t != treedef:
            raise ValueError(f"{what}: elements have different structures: {treedef} vs {t}")
    columns = list(zip(*[leaves for leaves, _ in flat]))
    out = []
    for c, column in enumerate(columns):
        if isinstance(column[0], SparseTensor):
            out.append(_sparse_data.stack(column, what))
            continue
        if _ragged_data.is_ragged_leaf(column[0]):
            out.append(_ragged_data.stack(column))
            continue
        shape = np.shape(column[0])
        for j, x in enumerate(column):
            if np.shape(x) != shape:
                raise InvalidArgumentError(
                    f"{what}: cannot batch tensors with different shapes in component {c}. "
                    f"First element had shape {shape} and element {j} had shape "
                    f"{np.shape(x)}. Use padded_batch, or make the shapes equal first."
                )
        out.append(np.stack([np.asarray(x) for x in column]))
    return unflatten(treedef, out)


def lists_to_tuples(structure):
    """A function's output with list nodes turned into tuples (TF does the same)."""
    if isinstance(structure, list):
        return tuple(lists_to_tuples(x) for x in structure)
    if isinstance(structure, tuple) and not hasattr(structure, "_fields"):
        return tuple(lists_to_tuples(x) for x in structure)
    if isinstance(structure, collections.OrderedDict):  # keeps its order (JAX does too)
        return collections.OrderedDict((k, lists_to_tuples(v)) for k, v in structure.items())
    if isinstance(structure, dict):
        return {k: lists_to_tuples(v) for k, v in structure.items()}
    return structure


def is_numeric(arr) -> bool:
    """Whether a host leaf can become a jt.Tensor (strings and objects cannot)."""
    if isinstance(arr, (SparseTensor, _strings.RaggedTensor)) or hasattr(arr, "_jt_ragged"):
        return False  # its parts are, but it is no array: functions run eagerly on it
    dtype = np.asarray(arr).dtype  # (a window's Dataset leaf is an object, not numeric)
    return dtype.kind in "biufc" or dtype == _dtypes.bfloat16


def to_host(x) -> np.ndarray:
    """One leaf as a numpy array with the dtype its jt.Tensor will have.

    Python floats become float32 and ints int32 (TF's defaults); float64 numpy input
    becomes float32 and int64 becomes int32 unless JAX's x64 mode is on, because that
    is what the device array will hold. Strings become object arrays of bytes (tf.string).
    """
    if _strings.is_string_value(x):
        return _strings.to_bytes_array(x)
    if isinstance(x, SparseTensor):
        return _sparse_data.to_host(x)
    if isinstance(x, _strings.RaggedTensor):  # sliced into its (dense) rows, as TF
        from .._ragged_data import HostRows

        return HostRows(x)
    if isinstance(x, Tensor) or hasattr(x, "_jt_read"):
        return np.asarray(x)
    if isinstance(x, jax.Array):
        return np.asarray(x)
    if isinstance(x, (np.ndarray, np.generic)):
        arr = np.asarray(x)
    else:
        dt = _dtypes.default_dtype_for(x)
        arr = np.asarray(x, dtype=dt)
    if arr.dtype.kind in "biufc":
        canon = jax.dtypes.canonicalize_dtype(arr.dtype)
        if arr.dtype == np.float64:
            canon = np.dtype(np.float32) if canon == np.float32 else canon
        if canon != arr.dtype:
            arr = arr.astype(canon)
    elif arr.dtype.kind == "O":
        raise TypeError(
            f"tf.data: cannot convert a value of type {type(x).__name__} to a tensor "
            f"(numpy made an object array of it)"
        )
    return arr


def to_tensors(element):
    """A host element as the user sees it: numeric leaves moved to the device as Tensors.

    All leaves go in one ``jax.device_put`` call. String leaves stay numpy arrays,
    since JAX has no string dtype.
    """
    leaves, treedef = flatten(element)
    idx = [i for i, x in enumerate(leaves) if isinstance(x, jax.Array) or is_numeric(x)]
    moved = jax.device_put([leaves[i] for i in idx])
    out = list(leaves)
    for i, v in zip(idx, moved):
        out[i] = Tensor(v)
    for i, x in enumerate(out):
        if isinstance(x, np.ndarray) and x.dtype == object:  # strings: host StringTensors
            out[i] = _strings.StringTensor._wrap(x)
        elif isinstance(x, SparseTensor):
            out[i] = _sparse_data.to_tensors(x)
        elif hasattr(x, "_jt_ragged"):  # a RaggedTensor kept whole (from_tensors)
            out[i] = x._jt_ragged
    return unflatten(treedef, out)


class TensorSpec(_BaseTensorSpec):
    """Shape and dtype of one component of a dataset element: ``jt.TensorSpec``.

    ``None`` in ``shape`` means a dimension that varies between elements (for
    example the last, smaller batch when ``drop_remainder=False``).

    Example:
        >>> import jtape as jt
        >>> jt.data.Dataset.range(3).batch(2).element_spec
        TensorSpec(shape=(None,), dtype=tf.int64, name=None)
    """

    @classmethod
    def from_tensor(cls, tensor, name: str | None = None) -> TensorSpec:
        if not (hasattr(tensor, "shape") and hasattr(tensor, "dtype")):
            tensor = np.asarray(tensor)
        return cls(tensor.shape, tensor.dtype, name)

    def most_specific_compatible(self, other) -> TensorSpec:
        """The spec both fit: dimensions that differ become None."""
        if self.shape is None or other.shape is None or len(self.shape) != len(other.shape):
            return TensorSpec(None, self.dtype, self.name)
        dims = tuple(a if a == b else None for a, b in zip(self.shape, other.shape))
        return TensorSpec(dims, self.dtype, self.name)


def spec_of(element):
    """The ``TensorSpec`` structure of one host element."""
    return map_structure(
        lambda x: (
            _sparse_data.spec(x)
            if isinstance(x, SparseTensor)
            else _ragged_data.spec(x)
            if _ragged_data.is_ragged_leaf(x)
            else TensorSpec(np.shape(x), np.asarray(x).dtype)
        ),
        element,
    )


def zeros_for(spec, unknown: int, fill: int = 0):
    """A host element matching ``spec`` filled with ``fill``, unknown dimensions ``unknown``."""

    def make(s: TensorSpec):
        if hasattr(s, "_jt_placeholder"):  # a DatasetSpec: an empty dataset of that spec
            return s._jt_placeholder()
        if isinstance(s, SparseTensorSpec):
            return _sparse_data.placeholder(s, unknown)
        shape = tuple(unknown if d is None else d for d in (s.shape or ()))
        if s.dtype.kind in "biufc" or s.dtype == _dtypes.bfloat16:
            return np.full(shape, fill, s.dtype)
        # Two probes with strings of different lengths (and word counts), so shapes that
        # depend on the text (tf.strings.split) come out unknown.
        return np.full(shape, b"" if fill == 0 else b"0 0", s.dtype)

    return map_structure(make, spec)


def jnp_dtype(dtype) -> np.dtype:
    """``dtype`` as JAX will hold it (int64 is int32 unless x64 is on)."""
    if _dtypes.as_dtype(dtype) == _dtypes.string:
        return np.dtype(object)  # host strings
    return np.dtype(jax.dtypes.canonicalize_dtype(jnp.dtype(dtype)))
