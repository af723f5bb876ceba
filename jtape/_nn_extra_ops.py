"""``tf.nn`` functions beyond activations: loss reductions, weighted losses, batch norm."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ._op import op
from ._tensor import Tensor, to_value


@op
def _average(loss, weight, global_batch_size):
    if weight is not None:  # TF scales in float32, then returns the loss's dtype
        if weight.ndim == loss.ndim - 1:  # TF's squeeze_or_expand_dimensions
            weight = weight[..., None]
        elif weight.ndim == loss.ndim + 1 and weight.shape[-1] == 1:
            weight = weight[..., 0]
        loss = (loss.astype(jnp.float32) * weight.astype(jnp.float32)).astype(loss.dtype)
    return jnp.sum(loss) / jnp.asarray(global_batch_size, loss.dtype)


def compute_average_loss(
    per_example_loss, sample_weight=None, global_batch_size=None, num_replicas: int = 1
) -> Tensor:
    """``sum(per_example_loss * sample_weight) / global_batch_size``.

    ``global_batch_size`` defaults to the first dimension times ``num_replicas``, so
    each replica's loss is pre-scaled for a summing all-reduce, as in TF.

    Example:
        >>> import jtape as jt
        >>> float(compute_average_loss(jt.constant([1.0, 2.0, 3.0]), global_batch_size=6))
        1.0
    """
    shape = jnp.shape(to_value(per_example_loss))
    if len(shape) == 0:
        raise ValueError("compute_average_loss: per_example_loss must have rank >= 1, got a scalar")
    if global_batch_size is None:
        global_batch_size = int(shape[0]) * int(num_replicas)
    elif isinstance(global_batch_size, float) or (
        hasattr(global_batch_size, "dtype")
        and not jnp.issubdtype(global_batch_size.dtype, jnp.integer)
    ):
        raise TypeError(
            f"compute_average_loss: global_batch_size must be an integer, got {global_batch_size!r}"
        )
    if not hasattr(global_batch_size, "dtype"):
        global_batch_size = int(global_batch_size)
    if isinstance(sample_weight, (list, tuple, int, float)):  # TF converts it to a tensor
        sample_weight = jnp.asarray(sample_weight, jnp.float32)
    return _average(per_example_loss, sample_weight, global_batch_size)


@op
def _scale(loss, num_replicas):
    return jnp.sum(loss) / num_replicas


def scale_regularization_loss(regularization_loss, num_replicas: int = 1) -> Tensor:
    """``sum(regularization_loss) / num_replicas`` (TF's per-replica scaling)."""
    return _scale(regularization_loss, int(num_replicas))


@op
def _weighted_xent(labels, logits, pos_weight):
    # TF's stable form: (1 - z) * x + (1 + (q - 1) * z) * log(1 + exp(-x)), with
    # log(1 + exp(-x)) = log1p(exp(-|x|)) + max(-x, 0).
    log_weight = 1 + (pos_weight - 1) * labels
    return (1 - labels) * logits + log_weight * (
        jnp.log1p(jnp.exp(-jnp.abs(logits))) + jnp.maximum(-logits, 0)
    )


def weighted_cross_entropy_with_logits(labels, logits, pos_weight) -> Tensor:
    """Sigmoid cross entropy with positives weighted by ``pos_weight``."""
    return _weighted_xent(labels, logits, pos_weight)


@op
def _batch_norm(x, mean, variance, offset, scale, eps):
    inv = jax.lax.rsqrt(variance + eps)
    if scale is not None:
        inv = inv * scale
    out = x * inv.astype(x.dtype)
    shift = mean * inv
    return out + ((offset - shift) if offset is not None else -shift).astype(x.dtype)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon) -> Tensor:
    """``(x - mean) / sqrt(variance + eps) * scale + offset`` (TF's evaluation order)."""
    return _batch_norm(x, mean, variance, offset, scale, float(variance_epsilon))


def embedding_lookup(params, ids, max_norm=None, name=None) -> Tensor:
    """Rows of ``params`` at ``ids`` (``tf.nn.embedding_lookup``); with ``max_norm``, each
    looked-up embedding whose L2 norm exceeds it is scaled down to it (TF's clip by norm
    over the embedding's axes). The gradient to ``params`` is row-sparse, as TF's.

    Example:
        >>> import jtape as jt
        >>> embedding_lookup(jt.constant([[3.0, 4.0], [0.3, 0.4]]), [0, 1], 1.0).numpy().tolist()
        [[0.6000000238418579, 0.800000011920929], [0.30000001192092896, 0.4000000059604645]]
    """
    del name
    from ._array_ops import concat, gather
    from ._clip_ops import clip_by_norm
    from ._ragged import RaggedTensor

    if isinstance(ids, RaggedTensor):  # TF: the embeddings of the flat ids, same rows
        return ids.with_flat_values(embedding_lookup(params, ids.flat_values, max_norm))
    if isinstance(params, (list, tuple)):  # TF: a list of shards, split by "div"
        params = concat(_div_shards(params), axis=0)
    rows = gather(params, ids)
    if max_norm is None:
        return rows
    ids_rank, rows_rank = jnp.ndim(to_value(ids)), jnp.ndim(to_value(rows))
    return clip_by_norm(rows, max_norm, axes=list(range(ids_rank, rows_rank)))


def _div_shards(shards) -> list:
    """TF's ``params`` list: shards of one table, ids assigned to them in contiguous
    ranges (the first ``n % p`` shards one row longer). Shards laid out so are the table
    in order; others would need TF's id arithmetic, which jtape does not do."""
    from ._array_ops import convert_to_tensor

    shards = [convert_to_tensor(s) for s in shards]
    sizes = [int(s.shape[0]) for s in shards]
    total, count = sum(sizes), len(sizes)
    want = [total // count + (1 if i < total % count else 0) for i in range(count)]
    if sizes != want:
        raise NotImplementedError(
            f"embedding_lookup: params is a list of {count} shards with {sizes} rows; jtape "
            f"takes shards laid out as TF's 'div' strategy assigns ids ({want} rows). "
            "Concatenate them into one table instead."
        )
    return shards
