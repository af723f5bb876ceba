"""``tf.nn.embedding_lookup_sparse`` / ``safe_embedding_lookup_sparse``: embeddings of
the ids of each row of a SparseTensor (a bag of words parsed with ``VarLenFeature``),
combined by ``sum``, ``mean`` or ``sqrtn`` with optional per-id weights.

The table is read through ``embedding_lookup`` (a recorded row lookup), so a Variable's
gradient is ``IndexedSlices`` as TF's; eagerly the looked-up ids are made unique first,
as TF does, so its rows and order match TF's too.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._nn_extra_ops import embedding_lookup
from ._op import op
from ._sparse import SparseTensor, _concrete, _device
from ._tensor import Tensor

_COMBINERS = ("mean", "sqrtn", "sum")


@op(name="embedding_combine")
def _combine_fn(emb, idx, segments, weights, valid, n, combiner, default_row):
    rows = jnp.take(emb, idx, axis=0)
    w = jnp.ones(idx.shape, rows.dtype) if weights is None else weights.astype(rows.dtype)
    w = jnp.where(valid, w, 0) if valid is not None else w
    w_b = w.reshape(w.shape + (1,) * (rows.ndim - 1))
    total = jax.ops.segment_sum(rows * w_b, segments, num_segments=n)
    if combiner != "sum":
        norm = w if combiner == "mean" else w * w
        norm = jax.ops.segment_sum(norm, segments, num_segments=n)
        norm = norm if combiner == "mean" else jnp.sqrt(norm)
        norm = norm.reshape(norm.shape + (1,) * (rows.ndim - 1))
        safe = jnp.where(norm == 0, 1, norm)
        total = jnp.where(norm == 0, 0, total / safe)  # TF's div_no_nan
    if default_row is not None:  # rows without a valid id: the default id's embedding
        count = jax.ops.segment_sum((w > 0).astype(jnp.int32), segments, num_segments=n)
        empty = (count == 0).reshape((n,) + (1,) * (rows.ndim - 1))
        total = jnp.where(empty, jnp.take(emb, default_row, axis=0), total)
    return total


def _check(sp_ids, sp_weights, combiner, what):
    if combiner is None:
        combiner = "mean"
    if combiner not in _COMBINERS:
        raise ValueError(f"combiner must be one of 'mean', 'sqrtn' or 'sum', got {combiner}")
    if not isinstance(sp_ids, SparseTensor):
        raise TypeError(f"{what}: `sp_ids` must be a SparseTensor, got {type(sp_ids).__name__}")
    if sp_weights is not None:
        if not isinstance(sp_weights, SparseTensor):
            raise TypeError(
                f"{what}: `sp_weights` must be a SparseTensor or None, got "
                f"{type(sp_weights).__name__}"
            )
        if tuple(sp_weights.values.shape) != tuple(sp_ids.values.shape):
            raise ValueError(
                f"Dimensions {sp_ids.values.shape[0]} and {sp_weights.values.shape[0]} are "
                "not compatible"
            )
    return combiner


def embedding_lookup_sparse(
    params,
    sp_ids,
    sp_weights,
    combiner=None,
    max_norm=None,
    name=None,
    allow_fast_lookup: bool = False,
) -> Tensor:
    """Per row ``i`` of the 2-D SparseTensor ``sp_ids``: the embeddings ``params[id]`` of its
    ids, weighted by ``sp_weights`` (ones when None) and combined (``"mean"`` by default,
    ``"sqrtn"``: divided by the root of the summed squared weights, ``"sum"``).

    The output has ``max(row) + 1`` rows eagerly, as TF (trailing rows without ids are
    dropped); inside ``jt.function`` it has ``dense_shape[0]`` rows (zeros for rows without
    ids), since the row count there cannot depend on the values.

    Example:
        >>> import jtape as jt
        >>> table = jt.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        >>> ids = jt.constant([0, 2, 1], jt.int64)
        >>> ids = jt.SparseTensor([[0, 0], [0, 1], [1, 0]], ids, [2, 2])
        >>> embedding_lookup_sparse(table, ids, None).numpy().tolist()
        [[3.0, 4.0], [3.0, 4.0]]
    """
    del name, allow_fast_lookup
    combiner = _check(sp_ids, sp_weights, combiner, "embedding_lookup_sparse")
    shape = sp_ids.static_shape("embedding_lookup_sparse")
    if len(shape) != 2:
        raise ValueError(f"Shape {list(shape)} must have rank 2")
    indices, ids = _concrete(sp_ids.indices), _concrete(sp_ids.values)
    if indices is not None and ids is not None:
        segments = indices[:, 0]
        n = int(segments.max()) + 1 if len(segments) else 0
        unique, first = np.unique(ids, return_index=True)
        order = np.argsort(first, kind="stable")  # TF's unique: first-appearance order
        unique = unique[order]
        rank = np.empty(len(order), np.int64)
        rank[order] = np.arange(len(order))
        idx = rank[np.searchsorted(np.unique(ids), ids)]
        emb = embedding_lookup(params, _device(unique), max_norm)
        idx_t, seg_t = _device(idx), _device(segments)
    else:
        n = shape[0]
        emb = embedding_lookup(params, sp_ids.values, max_norm)
        idx_t = Tensor(jnp.arange(int(sp_ids.values.shape[0])))
        seg_t = Tensor(sp_ids.indices._value[:, 0])
    weights = None if sp_weights is None else sp_weights.values
    return _combine_fn(emb, idx_t, seg_t, weights, None, n, combiner, None)


def safe_embedding_lookup_sparse(
    embedding_weights,
    sparse_ids,
    sparse_weights=None,
    combiner: str = "mean",
    default_id=None,
    max_norm=None,
    name=None,
    allow_fast_lookup: bool = False,
) -> Tensor:
    """Like :func:`embedding_lookup_sparse` for ids of any rank ``>= 2`` (output
    ``dense_shape[:-1] + [dim]``), ignoring ids ``< 0`` and weights ``<= 0``; a row
    without valid ids gives zeros, or the embedding of ``default_id``.

    Example:
        >>> import jtape as jt
        >>> table = jt.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> ids = jt.SparseTensor([[0, 0], [1, 0]], jt.constant([1, -1], jt.int64), [3, 2])
        >>> safe_embedding_lookup_sparse(table, ids).numpy().tolist()
        [[3.0, 4.0], [0.0, 0.0], [0.0, 0.0]]
    """
    del name, allow_fast_lookup
    combiner = _check(sparse_ids, sparse_weights, combiner, "safe_embedding_lookup_sparse")
    shape = sparse_ids.static_shape("safe_embedding_lookup_sparse")
    if len(shape) < 2:
        raise ValueError(f"Shape {list(shape)} must have rank at least 2")
    outer = shape[:-1]
    n = int(np.prod(outer))
    strides = np.ones(len(outer), np.int64)
    for d in range(len(outer) - 2, -1, -1):
        strides[d] = strides[d + 1] * outer[d + 1]
    flat_rows = Tensor(jnp.sum(sparse_ids.indices._value[:, :-1] * jnp.asarray(strides), axis=1))
    ids = sparse_ids.values._value
    valid = ids >= 0
    if sparse_weights is not None:
        valid = valid & (sparse_weights.values._value > 0)
    emb = embedding_lookup(embedding_weights, Tensor(jnp.where(valid, ids, 0)), max_norm)
    idx = Tensor(jnp.arange(int(ids.shape[0])))
    weights = None if sparse_weights is None else sparse_weights.values
    default = None if default_id is None else int(default_id)
    if default is not None:
        table = embedding_lookup(
            embedding_weights, _device(np.asarray([default], np.int64)), max_norm
        )
        emb = _append_fn(emb, table)
        default = int(ids.shape[0])
    out = _combine_fn(emb, idx, flat_rows, weights, Tensor(valid), n, combiner, default)
    return _reshape_fn(out, (*outer, *out.shape[1:]))


@op(name="embedding_append_default")
def _append_fn(emb, row):
    return jnp.concatenate([emb, row], axis=0)


@op(name="embedding_reshape")
def _reshape_fn(x, shape):
    return x.reshape(shape)
