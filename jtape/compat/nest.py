"""``tf.nest``: nested structures (lists, tuples, namedtuples, dicts) with TF's rules.

Built on ``jax.tree_util`` with TF's conventions: tensors, variables and ``None`` are
leaves, dicts are visited in sorted key order and rebuilt in their own key order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from .._key_order import KeyOrderedTree
from .._tensor import Tensor
from ._missing import missing


def _is_leaf(x) -> bool:
    return x is None or isinstance(x, Tensor) or hasattr(x, "_jt_read") or _is_atom(x)


def _is_atom(x) -> bool:
    # Structures TF treats as leaves but JAX would descend into or reject.
    return isinstance(x, (str, bytes)) or (hasattr(x, "shape") and hasattr(x, "dtype"))


def _check(structure) -> None:
    if isinstance(structure, (set, frozenset)):
        raise TypeError(
            "tf.nest: sets are not supported as structures (their order is "
            "undefined); use a list or a dict"
        )


def flatten(structure, expand_composites: bool = False) -> list:
    """The leaves of ``structure``, in TF's order. With ``expand_composites`` a
    SparseTensor gives ``indices, values, dense_shape`` and a RaggedTensor
    ``flat_values, *nested_row_splits``, as TF.

    Example:
        >>> flatten({"b": [1, 2], "a": (3, None)})
        [3, None, 1, 2]
    """
    _check(structure)
    leaves = jax.tree_util.tree_leaves(structure, is_leaf=_is_leaf)
    if not expand_composites:
        return leaves
    out = []
    for leaf in leaves:
        out.extend(_components(leaf))
    return out


def _components(leaf) -> list:
    from .._ragged import RaggedTensor
    from .._sparse import SparseTensor

    if isinstance(leaf, SparseTensor):
        return [leaf.indices, leaf.values, leaf.dense_shape]
    if isinstance(leaf, RaggedTensor):
        return [leaf.flat_values, *leaf.nested_row_splits]
    return [leaf]


def _from_components(like, parts: list):
    from .._ragged import RaggedTensor
    from .._sparse import SparseTensor

    if isinstance(like, SparseTensor):
        return SparseTensor(*parts)
    if isinstance(like, RaggedTensor):
        return RaggedTensor.from_nested_row_splits(parts[0], parts[1:])
    return parts[0]


def is_nested(seq) -> bool:
    """True for lists, tuples, namedtuples and dicts (not for tensors or strings)."""
    return isinstance(seq, (list, tuple, dict)) or (
        not _is_leaf(seq)
        and jax.tree_util.treedef_is_leaf(jax.tree_util.tree_structure(seq, is_leaf=_is_leaf))
        is False
    )


is_sequence = is_nested


def pack_sequence_as(structure, flat_sequence, expand_composites: bool = False):
    """``flat_sequence`` rearranged into the shape of ``structure``."""
    _check(structure)
    leaves, treedef = jax.tree_util.tree_flatten(structure, is_leaf=_is_leaf)
    flat = list(flat_sequence)
    sizes = [len(_components(x)) if expand_composites else 1 for x in leaves]
    if sum(sizes) != len(flat):
        raise ValueError(
            f"pack_sequence_as: structure has {sum(sizes)} leaves but flat_sequence "
            f"has {len(flat)} elements"
        )
    if expand_composites:
        packed, start = [], 0
        for like, n in zip(leaves, sizes):
            packed.append(_from_components(like, flat[start : start + n]))
            start += n
        flat = packed
    # dicts come back in the structure's key order, as TF's nest rebuilds them
    return KeyOrderedTree.wrap(treedef, structure).unflatten(flat)


def assert_same_structure(
    nest1, nest2, check_types: bool = True, expand_composites: bool = False
) -> None:
    """Raise ``ValueError`` (or ``TypeError`` for differing sequence types) on mismatch."""
    t1 = jax.tree_util.tree_structure(nest1, is_leaf=_is_leaf)
    t2 = jax.tree_util.tree_structure(nest2, is_leaf=_is_leaf)
    if t1.num_leaves != t2.num_leaves:
        raise ValueError(
            f"The two structures don't have the same number of elements: {t1.num_leaves} vs "
            f"{t2.num_leaves}.\nFirst structure: {nest1}\nSecond structure: {nest2}"
        )
    if t1 != t2:
        if not check_types and _same_ignoring_types(nest1, nest2):
            return
        raise (TypeError if _same_ignoring_types(nest1, nest2) else ValueError)(
            f"The two structures don't have the same nested structure.\nFirst structure: "
            f"{nest1}\nSecond structure: {nest2}"
        )


def _same_ignoring_types(a, b) -> bool:
    if _is_leaf(a) or _is_leaf(b):
        return _is_leaf(a) and _is_leaf(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return sorted(a) == sorted(b) and all(_same_ignoring_types(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_ignoring_types(x, y) for x, y in zip(a, b))
    return False


def map_structure(func: Callable, *structure, **kwargs) -> Any:
    """Apply ``func`` leaf-wise across structures of the same shape."""
    if not structure:
        raise ValueError("map_structure: give at least one structure")
    check_types = kwargs.pop("check_types", True)
    kwargs.pop("expand_composites", None)
    if kwargs:
        raise ValueError(f"map_structure: unexpected keyword arguments {sorted(kwargs)}")
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types)
    treedef = jax.tree_util.tree_structure(structure[0], is_leaf=_is_leaf)
    leaves = [flatten(s) for s in structure]
    results = [func(*xs) for xs in zip(*leaves)]
    return KeyOrderedTree.wrap(treedef, structure[0]).unflatten(results)


__all__ = [
    "assert_same_structure",
    "flatten",
    "is_nested",
    "map_structure",
    "pack_sequence_as",
]

__getattr__ = missing("tf.nest")
