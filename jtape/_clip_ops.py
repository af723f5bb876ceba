"""Clipping by norm (``tf.clip_by_norm``, ``tf.clip_by_global_norm``), as jtape ops."""

from __future__ import annotations

import jax.numpy as jnp

from ._indexed_slices import IndexedSlices
from ._math_ops import _axis
from ._op import op
from ._tensor import Tensor


@op
def _clip_by_norm(t, clip_norm, axes):
    # TF's formulation: the norm's gradient stays finite when t is all zeros.
    l2sum = jnp.sum(t * t, axis=axes, keepdims=True)
    pred = l2sum > 0
    l2norm = jnp.where(pred, jnp.sqrt(jnp.where(pred, l2sum, jnp.ones_like(l2sum))), l2sum)
    clip_norm = jnp.asarray(clip_norm, t.dtype)
    return t * clip_norm / jnp.maximum(l2norm, clip_norm)


def clip_by_norm(t, clip_norm, axes=None) -> Tensor:
    """Rescale ``t`` so its L2 norm (over ``axes``) is at most ``clip_norm``.

    Example:
        >>> import jtape as jt
        >>> [round(float(v), 2) for v in clip_by_norm(jt.constant([3.0, 4.0]), 1.0)]
        [0.6, 0.8]
    """
    if isinstance(t, IndexedSlices):  # as TF: clip the slices by their own norm
        values = _clip_by_norm(t.values, clip_norm, _axis(axes))
        return IndexedSlices(values, t.indices, t.dense_shape, _static_shape=t._static_shape())
    return _clip_by_norm(t, clip_norm, _axis(axes))


@op
def _global_norm(ts):
    return jnp.sqrt(sum(jnp.sum(jnp.square(t)) for t in ts))


def global_norm(t_list) -> Tensor:
    """``sqrt(sum(l2norm(t)**2 for t in t_list))``; None entries are ignored."""
    # An IndexedSlices counts by its values (repeated rows separately), as in TF.
    ts = [t.values if isinstance(t, IndexedSlices) else t for t in t_list if t is not None]
    if not ts:
        raise ValueError("global_norm: t_list has no tensors")
    return _global_norm(ts)


@op
def _scale_all(ts, clip_norm, use_norm):
    scale = clip_norm * jnp.minimum(1.0 / use_norm, 1.0 / clip_norm)
    return [t * scale.astype(t.dtype) for t in ts]


def clip_by_global_norm(t_list, clip_norm, use_norm=None) -> tuple[list, Tensor]:
    """Scale every tensor by ``clip_norm / max(global_norm, clip_norm)``.

    Returns ``(clipped_list, global_norm)``; None entries stay None. A non-finite
    global norm makes every entry NaN, as in TensorFlow.

    Example:
        >>> import jtape as jt
        >>> out, norm = clip_by_global_norm([jt.constant([3.0]), jt.constant([4.0])], 1.0)
        >>> float(norm), [round(float(t[0]), 2) for t in out]
        (5.0, [0.6, 0.8])
    """
    if isinstance(t_list, Tensor) or not hasattr(t_list, "__iter__"):
        raise TypeError(f"clip_by_global_norm: t_list must be a sequence, got {type(t_list)}")
    t_list = list(t_list)
    norm = global_norm(t_list) if use_norm is None else use_norm
    present = [i for i, t in enumerate(t_list) if t is not None]
    parts = [t_list[i] for i in present]
    scaled = _scale_all([_values(t) for t in parts], clip_norm, norm)
    out: list = [None] * len(t_list)
    for i, t, orig in zip(present, scaled, parts):
        if isinstance(orig, IndexedSlices):
            t = IndexedSlices(t, orig.indices, orig.dense_shape, _static_shape=orig._static_shape())
        out[i] = t
    return out, norm


def _values(t):
    return t.values if isinstance(t, IndexedSlices) else t
