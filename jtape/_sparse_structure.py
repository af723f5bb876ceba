"""``tf.sparse`` ops that move or select entries: ``reorder``, ``reshape``, ``transpose``,
``expand_dims``, ``concat``, ``split``, ``slice``, ``retain``, ``fill_empty_rows``,
``maximum``/``minimum``, ``to_indicator`` and ``eye``.

Ops whose number of entries is fixed (reorder, reshape, transpose, expand_dims, concat,
to_indicator) are pure index arithmetic and also run inside ``jt.function``; the others
select entries by their index values on the host, eagerly. Values always move through
jtape ops, so gradients reach them as in TF.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._op import op
from ._op_errors import InvalidArgumentError
from ._sparse import SparseTensor, _concrete, _device
from ._sparse_ops import (
    _host,
    _int64,
    _same_dtype,
    _sparse,
    gather_values,
    host_only,
    linear_index,
    new_sparse,
    no_gradient_op,
    to_dense,
)
from ._strings import StringTensor
from ._tensor import Tensor, to_value


def _static_ints(x, what: str) -> list[int]:
    value = _concrete(x) if isinstance(x, Tensor) else np.asarray(to_value(x))
    if value is None:
        raise ValueError(f"{what}: needs a concrete value, not a traced one")
    return [int(v) for v in np.asarray(value).ravel()]


def _sorted_order(indices, shape):
    return jnp.argsort(linear_index(indices, shape), stable=True)


@op(name="sparse_permute")
def _permute_fn(indices, values, shape):
    perm = _sorted_order(indices, shape)
    return jnp.take(indices, perm, axis=0), jnp.take(values, perm, axis=0)


@op(name="sparse_sort_indices")
def _order_fn(indices, shape):
    return _sorted_order(indices, shape)


def _reordered(indices, values, shape) -> SparseTensor:
    """``indices``/``values`` sorted into row-major order (stable), as a SparseTensor."""
    if isinstance(values, StringTensor):
        perm = _host(_order_fn(indices, tuple(shape)), "sparse.reorder")
        return new_sparse(
            Tensor(jnp.take(indices._value, perm, axis=0)), gather_values(values, perm), shape
        )
    idx, vals = _permute_fn(indices, values, tuple(shape))
    return new_sparse(idx, vals, shape)


def reorder(sp_input: SparseTensor, name=None) -> SparseTensor:
    """The same SparseTensor with its entries in row-major (lexicographic) order.

    Example:
        >>> import jtape as jt
        >>> s = jt.sparse.reorder(jt.SparseTensor([[1, 0], [0, 1]], [1, 2], [2, 2]))
        >>> s.indices.numpy().tolist(), s.values.numpy().tolist()
        ([[0, 1], [1, 0]], [2, 1])
    """
    del name
    sp = _sparse(sp_input, "sparse.reorder")
    return _reordered(sp.indices, sp.values, sp.static_shape("sparse.reorder"))


# -- reshape ------------------------------------------------------------------------------
@op(name="sparse_reshape_indices")
def _reshape_idx_fn(indices, old_shape, new_shape):
    lin = linear_index(indices, old_shape)
    cols = []
    for stride, dim in zip(_strides_list(new_shape), new_shape):
        cols.append((lin // stride) % max(dim, 1) if dim else lin * 0)
    return jnp.stack(cols, axis=1).astype(jnp.int64) if cols else indices[:, :0]


def _strides_list(shape) -> list[int]:
    out, acc = [], 1
    for d in reversed(shape):
        out.append(acc)
        acc *= max(int(d), 1)
    return out[::-1]


def reshape(sp_input: SparseTensor, shape, name=None) -> SparseTensor:
    """The SparseTensor with dense shape ``shape`` (one ``-1`` is inferred); entries keep
    their row-major positions.

    Example:
        >>> import jtape as jt
        >>> s = jt.sparse.reshape(jt.SparseTensor([[1, 1]], [5], [2, 2]), [-1])
        >>> s.indices.numpy().tolist(), s.dense_shape.numpy().tolist()
        ([[3]], [4])
    """
    del name
    sp = _sparse(sp_input, "sparse.reshape")
    old = sp.static_shape("sparse.reshape")
    new = _static_ints(shape, "sparse.reshape")
    total = int(np.prod(old)) if old else 1
    unknown = [i for i, d in enumerate(new) if d == -1]
    if len(unknown) > 1:
        raise InvalidArgumentError(
            f"only one output dimension may be -1, not both {unknown[0]} and {unknown[1]}"
        )
    known = int(np.prod([d for d in new if d != -1])) if new else 1
    if unknown:
        if known == 0 or total % known:
            raise InvalidArgumentError(
                f"Input to reshape is a SparseTensor with {total} dense values, but the "
                f"requested shape requires a multiple of {known}. input_shape="
                f"[{','.join(map(str, old))}] output_shape="
                f"[{','.join(str(total // max(known, 1)) if d == -1 else str(d) for d in new)}]"
            )
        new[unknown[0]] = total // known
    elif known != total:
        raise InvalidArgumentError(
            f"Input to reshape is a tensor with {total} dense values, but the requested "
            f"shape has {known}. input_shape=[{','.join(map(str, old))}] "
            f"output_shape=[{','.join(map(str, new))}]"
        )
    idx = _reshape_idx_fn(sp.indices, tuple(old), tuple(new))
    return new_sparse(idx, sp.values, new)


# -- transpose / expand_dims --------------------------------------------------------------
@op(name="sparse_permute_columns")
def _columns_fn(indices, perm):
    return jnp.take(indices, jnp.asarray(perm, jnp.int32), axis=1)


def transpose(sp_input: SparseTensor, perm=None, name=None) -> SparseTensor:
    """The SparseTensor with its dimensions permuted by ``perm`` (reversed when None),
    entries reordered into row-major order.

    Example:
        >>> import jtape as jt
        >>> s = jt.sparse.transpose(jt.SparseTensor([[0, 1], [1, 0]], [1, 2], [2, 3]))
        >>> s.indices.numpy().tolist(), s.values.numpy().tolist(), s.shape
        ([[0, 1], [1, 0]], [2, 1], (3, 2))
    """
    del name
    sp = _sparse(sp_input, "sparse.transpose")
    shape = sp.static_shape("sparse.transpose")
    rank = len(shape)
    perm = list(range(rank))[::-1] if perm is None else _static_ints(perm, "sparse.transpose")
    if sorted(p % rank if rank else p for p in perm) != list(range(rank)) or len(perm) != rank:
        raise InvalidArgumentError(f"sparse.transpose: {perm} is not a permutation of {rank} dims")
    perm = [p % rank for p in perm]
    new_shape = [shape[p] for p in perm]
    return _reordered(_columns_fn(sp.indices, tuple(perm)), sp.values, new_shape)


@op(name="sparse_insert_column")
def _insert_fn(indices, axis):
    zeros = jnp.zeros((indices.shape[0], 1), indices.dtype)
    return jnp.concatenate([indices[:, :axis], zeros, indices[:, axis:]], axis=1)


def expand_dims(sp_input: SparseTensor, axis=None, name=None) -> SparseTensor:
    """The SparseTensor with a dimension of size 1 inserted at ``axis`` (-1: last).

    Example:
        >>> import jtape as jt
        >>> jt.sparse.expand_dims(jt.SparseTensor([[1]], [5], [3]), 0).indices.numpy().tolist()
        [[0, 1]]
    """
    del name
    sp = _sparse(sp_input, "sparse.expand_dims")
    shape = list(sp.static_shape("sparse.expand_dims"))
    rank = len(shape)
    axis = -1 if axis is None else int(_static_ints(axis, "sparse.expand_dims")[0])
    if not -rank - 1 <= axis <= rank:
        raise InvalidArgumentError(f"Expected size[1] in [0, {rank}], but got {axis}")
    axis = axis % (rank + 1)
    return new_sparse(_insert_fn(sp.indices, axis), sp.values, [*shape[:axis], 1, *shape[axis:]])


# -- concat / split / slice -----------------------------------------------------------------
@op(name="sparse_concat")
def _concat_fn(indices_list, values_list, offsets, axis, shape):
    shifted = [i.at[:, axis].add(o) for i, o in zip(indices_list, offsets)]
    indices = jnp.concatenate(shifted, axis=0)
    values = jnp.concatenate(values_list, axis=0)
    perm = _sorted_order(indices, shape)
    return jnp.take(indices, perm, axis=0), jnp.take(values, perm, axis=0)


def concat(axis, sp_inputs, expand_nonconcat_dims: bool = False, name=None) -> SparseTensor:
    """SparseTensors joined along ``axis`` (other dimensions equal, or the largest with
    ``expand_nonconcat_dims``), entries in row-major order.

    Example:
        >>> import jtape as jt
        >>> a = jt.SparseTensor([[0, 0]], [1], [1, 2])
        >>> b = jt.SparseTensor([[0, 1]], [2], [1, 2])
        >>> jt.sparse.to_dense(jt.sparse.concat(1, [a, b])).numpy().tolist()
        [[1, 0, 0, 2]]
    """
    del name
    sps = [_sparse(s, "sparse.concat", "sp_inputs") for s in sp_inputs]
    if not sps:
        raise ValueError("sparse.concat: `sp_inputs` is empty")
    shapes = [s.static_shape("sparse.concat") for s in sps]
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        i = next(i for i, s in enumerate(shapes) if len(s) != rank)
        raise InvalidArgumentError(
            f"Ranks of all input tensors must match: expected {rank} but got "
            f"{len(shapes[i])} at position {i}"
        )
    axis = int(_static_ints(axis, "sparse.concat")[0])
    if not -rank <= axis < rank:
        raise InvalidArgumentError(
            f"Concat dimension must be in range [{-rank}, {rank}), got {axis}"
        )
    axis %= rank
    for s in sps[1:]:
        _same_dtype("SparseConcat", sps[0].values, s.dtype)
    out_shape = list(shapes[0])
    for i, s in enumerate(shapes[1:], 1):
        for d in range(rank):
            if d == axis:
                continue
            if expand_nonconcat_dims:
                out_shape[d] = max(out_shape[d], s[d])
            elif s[d] != shapes[0][d]:
                raise InvalidArgumentError(
                    f"Input shapes must match: expected {shapes[0][d]} for dimension {d} but "
                    f"got {s[d]} at position {i}"
                )
    offsets = tuple(int(sum(s[axis] for s in shapes[:i])) for i in range(len(shapes)))
    out_shape[axis] = int(sum(s[axis] for s in shapes))
    if isinstance(sps[0].values, StringTensor):
        idx = np.concatenate([_host(s.indices, "sparse.concat") for s in sps])
        starts = np.repeat(offsets, [len(_host(s.indices, "sparse.concat")) for s in sps])
        idx[:, axis] += starts
        vals = np.concatenate([s.values._np for s in sps])
        perm = np.argsort(linear_index(idx, out_shape), kind="stable")
        return new_sparse(idx[perm], StringTensor._wrap(vals[perm]), out_shape)
    # TF defines no gradient for SparseConcat (tape.gradient gives None): the values are
    # computed outside the recorded ops.
    idx, vals = _concat_fn.__jtape_op__(
        [s.indices._value for s in sps],
        [s.values._value for s in sps],
        offsets,
        axis,
        tuple(out_shape),
    )
    return new_sparse(Tensor(idx), Tensor(vals), out_shape)


def _select(sp: SparseTensor, keep, new_idx, shape, values=None) -> SparseTensor:
    positions = np.flatnonzero(keep)
    values = sp.values if values is None else values
    return new_sparse(new_idx[positions], gather_values(values, positions), shape)


def split(sp_input=None, num_split=None, axis=None, name=None) -> list[SparseTensor]:
    """``num_split`` SparseTensors cut along ``axis``; the first ``size % num_split``
    pieces are one longer.

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor([[0, 0], [0, 3]], [1, 2], [1, 4])
        >>> [p.indices.numpy().tolist() for p in jt.sparse.split(s, 2, axis=1)]
        [[[0, 0]], [[0, 1]]]
    """
    del name
    sp = _sparse(sp_input, "sparse.split")
    shape = sp.static_shape("sparse.split")
    rank = len(shape)
    axis = int(_static_ints(axis, "sparse.split")[0])
    if not -rank <= axis < rank:
        raise InvalidArgumentError(f"Input axis should be in range [{-rank}, {rank}), got {axis}")
    axis %= rank
    num_split = int(num_split)
    size = shape[axis]
    if not 1 <= num_split <= max(size, 1):
        raise InvalidArgumentError(
            "Input num_split should be between 1 and the splitting dimension size "
            f"({size}), got {num_split}"
        )
    idx = _host(sp.indices, "sparse.split")
    values = sp.values
    if not isinstance(values, StringTensor):
        values = no_gradient_op(values, "SparseSplit")  # TF defines no gradient for it
    base, extra = divmod(size, num_split)
    out, start = [], 0
    for k in range(num_split):
        length = base + (1 if k < extra else 0)
        col = idx[:, axis] if len(idx) else np.zeros(0, np.int64)
        keep = (col >= start) & (col < start + length)
        new_idx = idx.copy()
        if len(idx):
            new_idx[:, axis] -= start
        piece = list(shape)
        piece[axis] = length
        out.append(_select(sp, keep, new_idx, piece, values))
        start += length
    return out


def slice(sp_input: SparseTensor, start, size, name=None) -> SparseTensor:  # noqa: A001
    """The entries inside the box ``start .. start + size``, re-indexed from ``start``.

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor([[0, 0], [1, 2]], [1, 2], [2, 3])
        >>> jt.sparse.slice(s, [1, 1], [1, 2]).indices.numpy().tolist()
        [[0, 1]]
    """
    del name
    sp = _sparse(sp_input, "sparse.slice")
    shape = sp.static_shape("sparse.slice")
    start = np.asarray(_static_ints(start, "sparse.slice"), np.int64)
    size = np.asarray(_static_ints(size, "sparse.slice"), np.int64)
    for arg, v in (("start", start), ("size", size)):
        if len(v) != len(shape):
            raise InvalidArgumentError(
                f"Expected {arg} to be a vector of length {len(shape)} but got length {len(v)}"
            )
    idx = _host(sp.indices, "sparse.slice")
    end = np.minimum(start + size, np.asarray(shape, np.int64))
    out_shape = np.maximum(end - start, 0)
    keep = np.all((idx >= start) & (idx < end), axis=1) if len(idx) else np.zeros(0, bool)
    return _select(sp, keep, idx - start if len(idx) else idx, out_shape.tolist())


def retain(sp_input: SparseTensor, to_retain) -> SparseTensor:
    """The entries where the bool vector ``to_retain`` (one per entry) is True.

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor([[0, 0], [1, 1]], [1, 2], [2, 2])
        >>> jt.sparse.retain(s, [False, True]).values.numpy().tolist()
        [2]
    """
    sp = _sparse(sp_input, "sparse.retain")
    shape = sp.static_shape("sparse.retain")
    keep = np.asarray(_concrete(to_retain) if isinstance(to_retain, Tensor) else to_retain)
    if keep.dtype != bool:
        raise TypeError(f"sparse.retain: `to_retain` must be bool, got {keep.dtype}")
    n = int(sp.indices.shape[0])
    if keep.shape != (n,):
        raise ValueError(
            f"Dimensions {keep.shape[0] if keep.ndim else 0} and {n} are not compatible"
        )
    return _select(sp, keep, _host(sp.indices, "sparse.retain"), shape)


# -- fill_empty_rows ------------------------------------------------------------------------
@op(name="sparse_fill_values")
def _fill_fn(values, default, positions):
    return jnp.take(jnp.concatenate([values, default.reshape(1).astype(values.dtype)]), positions)


def fill_empty_rows(sp_input: SparseTensor, default_value, name=None):
    """``(sp, empty_row_indicator)``: every row without entries gets ``default_value`` at
    column 0; entries are grouped by row (in their order within a row), as TF.

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor([[0, 1]], [5], [2, 2])
        >>> out, empty = jt.sparse.fill_empty_rows(s, -1)
        >>> out.indices.numpy().tolist(), out.values.numpy().tolist(), empty.numpy().tolist()
        ([[0, 1], [1, 0]], [5, -1], [False, True])
    """
    del name
    sp = _sparse(sp_input, "sparse.fill_empty_rows")
    shape = sp.static_shape("sparse.fill_empty_rows")
    idx = _host(sp.indices, "sparse.fill_empty_rows")
    rows = idx[:, 0] if len(idx) else np.zeros(0, np.int64)
    n_rows = shape[0]
    if len(rows) and (rows.min() < 0 or rows.max() >= n_rows):
        i = int(np.argmax((rows < 0) | (rows >= n_rows)))
        raise InvalidArgumentError(f"indices({i}, 0) is invalid: {rows[i]} >= {n_rows}")
    counts = np.bincount(rows, minlength=n_rows) if n_rows else np.zeros(0, np.int64)
    empty = counts == 0
    order = np.argsort(np.concatenate([rows, np.flatnonzero(empty)]), kind="stable")
    n = len(rows)
    filled_idx = np.zeros((int(empty.sum()), len(shape)), np.int64)
    filled_idx[:, 0] = np.flatnonzero(empty)
    all_idx = np.concatenate([idx.reshape(-1, len(shape)), filled_idx])[order]
    positions = np.where(order < n, order, n)
    if isinstance(sp.values, StringTensor):
        default = np.asarray(
            default_value._np if isinstance(default_value, StringTensor) else default_value,
            dtype=object,
        )
        fill = default.item() if isinstance(default.item(), bytes) else str(default.item()).encode()
        vals = np.concatenate([sp.values._np, np.asarray([fill], dtype=object)])[positions]
        values = StringTensor._wrap(vals)
    else:
        if isinstance(default_value, Tensor) or hasattr(default_value, "_jt_read"):
            default = (
                default_value if isinstance(default_value, Tensor) else default_value._jt_read()
            )
            _same_dtype("SparseFillEmptyRows", sp.values, default.dtype)
        else:
            default = Tensor(to_value(default_value, sp.dtype))
        values = _fill_fn(sp.values, default, _int64(positions))
    return new_sparse(all_idx, values, shape), _device(empty)


# -- maximum / minimum ----------------------------------------------------------------------
@op(name="sparse_sparse_extreme")
def _extreme_fn(a_values, b_values, a_pos, b_pos, n, kind):
    zero = jnp.zeros((n + 1,), a_values.dtype)
    a = zero.at[a_pos].set(a_values)[:n]
    b = zero.at[b_pos].set(b_values)[:n]
    return jnp.maximum(a, b) if kind == "max" else jnp.minimum(a, b)


def _extreme(sp_a, sp_b, kind: str, what: str) -> SparseTensor:
    a, b = _sparse(sp_a, what, "sp_a"), _sparse(sp_b, what, "sp_b")
    sa, sb = a.static_shape(what), b.static_shape(what)
    if sa != sb:
        if len(sa) != len(sb):
            raise InvalidArgumentError(
                f"Operands do not have the same ranks; got shapes: [{','.join(map(str, sa))}] "
                f"and [{','.join(map(str, sb))}]"
            )
        d = next(i for i, (x, y) in enumerate(zip(sa, sb)) if x != y)
        raise InvalidArgumentError(
            f"Operands' shapes do not match: got {sa[d]} and {sb[d]} for dimension {d}"
        )
    _same_dtype(what, a.values, b.dtype, 4)
    ai, bi = _host(a.indices, what), _host(b.indices, what)
    la, lb = linear_index(ai, sa), linear_index(bi, sb)
    union = np.union1d(la, lb).astype(np.int64)
    n = len(union)
    a_pos, b_pos = np.searchsorted(union, la), np.searchsorted(union, lb)
    idx = np.stack(np.unravel_index(union, sa), axis=1) if len(sa) else union[:, None]
    values = _extreme_fn(a.values, b.values, _int64(a_pos), _int64(b_pos), n, kind)
    return new_sparse(idx.astype(np.int64), values, sa)


def maximum(sp_a, sp_b, name=None) -> SparseTensor:
    """Elementwise maximum of two SparseTensors of one shape (absent entries are 0); the
    union of their entries, in row-major order.

    Example:
        >>> import jtape as jt
        >>> a = jt.SparseTensor([[0, 0], [0, 1]], [1, -2], [1, 2])
        >>> b = jt.SparseTensor([[0, 0]], [3], [1, 2])
        >>> jt.sparse.maximum(a, b).values.numpy().tolist()
        [3, 0]
    """
    del name
    return _extreme(sp_a, sp_b, "max", "SparseSparseMaximum")


def minimum(sp_a, sp_b, name=None) -> SparseTensor:
    """Elementwise minimum of two SparseTensors of one shape (absent entries are 0).

    Example:
        >>> import jtape as jt
        >>> a = jt.SparseTensor([[0, 0], [0, 1]], [1, -2], [1, 2])
        >>> b = jt.SparseTensor([[0, 0]], [3], [1, 2])
        >>> jt.sparse.minimum(a, b).values.numpy().tolist()
        [1, -2]
    """
    del name
    return _extreme(sp_a, sp_b, "min", "SparseSparseMinimum")


# -- to_indicator / eye -------------------------------------------------------------------
def to_indicator(sp_input: SparseTensor, vocab_size, name=None):
    """A bool tensor ``dense_shape[:-1] + [vocab_size]``: True at ``[row..., value]`` for
    every stored (integer) value.

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor([[0, 0], [0, 1], [1, 0]], [0, 2, 1], [2, 2])
        >>> jt.sparse.to_indicator(s, 3).numpy().tolist()
        [[True, False, True], [False, True, False]]
    """
    del name
    sp = _sparse(sp_input, "sparse.to_indicator")
    if isinstance(sp.values, StringTensor):
        raise TypeError("sparse.to_indicator: values must be numbers, got strings")
    shape = sp.static_shape("sparse.to_indicator")
    vocab = int(_static_ints(vocab_size, "sparse.to_indicator")[0])
    new_shape = (*shape[:-1], vocab)
    host = host_only(sp.indices, sp.values)
    if host is not None:  # nothing records: numpy, no program per number of entries
        idx, values = host
        ids = Tensor(
            jnp.asarray(np.concatenate([idx[:, :-1], values[:, None].astype(np.int64)], 1))
        )
    else:
        ids = _to_column_fn(sp.indices, sp.values)
    ones = new_sparse(ids, _device(np.ones(ids.shape[0], bool)), new_shape)
    return to_dense(ones, default_value=False, validate_indices=False)


@op(name="sparse_values_as_column")
def _to_column_fn(indices, values):
    return jnp.concatenate([indices[:, :-1], values[:, None].astype(jnp.int64)], axis=1)


def eye(num_rows, num_columns=None, dtype=_dtypes.float32, name=None) -> SparseTensor:
    """A sparse identity matrix ``[num_rows, num_columns]``.

    Example:
        >>> import jtape as jt
        >>> jt.sparse.eye(2).indices.numpy().tolist()
        [[0, 0], [1, 1]]
    """
    del name
    rows = int(num_rows)
    cols = rows if num_columns is None else int(num_columns)
    n = min(rows, cols)
    idx = np.repeat(np.arange(n, dtype=np.int64)[:, None], 2, axis=1)
    return new_sparse(idx, Tensor(jnp.ones(n, _dtypes.as_dtype(dtype))), [rows, cols])


def reset_shape(sp_input: SparseTensor, new_shape=None) -> SparseTensor:
    """The SparseTensor with dense shape ``new_shape`` (each dimension at least the old
    one), or with the tightest shape holding its indices when None.

    Example:
        >>> import jtape as jt
        >>> s = jt.SparseTensor([[0, 1], [1, 0]], [1, 2], [5, 6])
        >>> jt.sparse.reset_shape(s).dense_shape.numpy().tolist()
        [2, 2]
    """
    sp = _sparse(sp_input, "sparse.reset_shape")
    if new_shape is None:
        idx = _host(sp.indices, "sparse.reset_shape")
        shape = (idx.max(axis=0) + 1).tolist() if len(idx) else [0] * idx.shape[1]
        return new_sparse(sp.indices, sp.values, shape)
    old = sp.static_shape("sparse.reset_shape")
    new = _static_ints(new_shape, "sparse.reset_shape")
    if len(new) != len(old):
        raise ValueError(f"Shapes must be equal rank, but are {len(new)} and {len(old)}")
    if any(n < o for n, o in zip(new, old)):
        raise ValueError(
            "Requested new_shape should have dimension sizes >= sp_input.shape.  Found "
            f"new_shape ([{' '.join(map(str, old))}]), sp_input.shape "
            f"([{' '.join(map(str, new))}])."
        )
    return new_sparse(sp.indices, sp.values, new)


def mask(a, mask_indices, name=None):
    """The rows of IndexedSlices ``a`` whose indices are not in ``mask_indices``.

    Example:
        >>> import jtape as jt
        >>> a = jt.IndexedSlices(jt.constant([[1.0], [2.0]]), jt.constant([0, 3]))
        >>> jt.sparse.mask(a, [3]).indices.numpy().tolist()
        [0]
    """
    del name
    from ._indexed_slices import IndexedSlices

    if not isinstance(a, IndexedSlices):
        raise TypeError(f"sparse.mask: `a` must be IndexedSlices, got {type(a).__name__}")
    ids = _host(a.indices, "sparse.mask")
    drop = np.asarray(_static_ints(mask_indices, "sparse.mask"))
    keep = np.flatnonzero(~np.isin(ids, drop))
    values = gather_values(a.values, keep)
    indices = _device(ids[keep])
    return IndexedSlices(values, indices, a.dense_shape)
