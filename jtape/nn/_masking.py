"""Keras masks: which time steps of a sequence are real data (``True``) or padding.

Keras 3 attaches a mask to a tensor as ``tensor._keras_mask``; a layer whose ``call``
accepts ``mask`` receives the mask of its input, and ``compute_mask`` gives the mask of
its output. jtape's Tensor is immutable with ``__slots__``, so masks live in a side
table keyed by the tensor's identity; a weak reference drops the entry when the tensor
dies. Tensors inside a ``jt.function`` trace or under a GradientTape are ordinary Python
objects, so the table works there unchanged. ``Tensor._keras_mask`` reads and writes the
table, for code that uses Keras' attribute.
"""

from __future__ import annotations

import weakref
from typing import Any

from .._tensor import Tensor

# id(tensor) -> (weak reference to the tensor, its mask)
_MASKS: dict[int, tuple[weakref.ref, Any]] = {}


def any_masks() -> bool:
    """Whether any live tensor carries a mask (lets unmasked code skip all mask work)."""
    return bool(_MASKS)


def get_keras_mask(x):
    """The mask attached to ``x`` (a Tensor or KerasTensor), or None.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> y = nn.Embedding(5, 2, mask_zero=True)(jt.constant([[3, 0]]))
        >>> get_keras_mask(y).numpy().tolist()
        [[True, False]]
    """
    if not _MASKS:
        return None
    entry = _MASKS.get(id(x))
    if entry is None:
        return None
    ref, mask = entry
    return mask if ref() is x else None


def set_keras_mask(x, mask) -> None:
    """Attach ``mask`` to ``x`` (None removes it); Keras' ``backend.set_keras_mask``."""
    key = id(x)
    if mask is None:
        _MASKS.pop(key, None)
        return

    def drop(_ref, key=key):
        entry = _MASKS.get(key)
        if entry is not None and entry[0] is _ref:
            del _MASKS[key]

    _MASKS[key] = (weakref.ref(x, drop), mask)


def _get_attr(self):
    return get_keras_mask(self)


# Keras code reads ``tensor._keras_mask``; the property reads the side table.
Tensor._keras_mask = property(_get_attr, set_keras_mask)


def flat(structure) -> list:
    """Leaves of nested lists/tuples/dicts, keeping ``None`` leaves (unlike jax.tree)."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flat(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flat(structure[key])]
    return [structure]


def mask_of(structure):
    """The masks of a tensor or of a nested structure of tensors (None if none has one)."""
    if isinstance(structure, (list, tuple)):
        masks = [mask_of(x) for x in structure]
        return None if all(m is None for m in masks) else masks
    if isinstance(structure, dict):
        masks = {k: mask_of(v) for k, v in structure.items()}
        return None if all(m is None for m in masks.values()) else masks
    return get_keras_mask(structure)
