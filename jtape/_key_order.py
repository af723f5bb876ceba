"""Dict key order through JAX pytrees.

JAX flattens a dict in sorted key order and rebuilds it sorted; TensorFlow keeps a dict's
insertion order when it rebuilds one (``nest.pack_sequence_as``), so a user's
``list(features.values())`` sees the order the dict was made in. ``key_orders`` records
the insertion order of every dict in a structure, ``reorder`` puts it back, and
``KeyOrderedTree`` is a treedef whose ``unflatten`` does both.
"""

from __future__ import annotations


def key_orders(tree):
    """The insertion order of every dict in ``tree`` (JAX flattens dicts in sorted key
    order), or None where nothing needs reordering.

    Example:
        >>> key_orders({"b": 1, "a": 2})
        ('dict', ('b', 'a'), (None, None))
        >>> key_orders({"a": 1, "b": 2}) is None
        True
    """
    if isinstance(tree, dict) and type(tree) is dict:
        subs = [key_orders(tree[k]) for k in tree]
        if list(tree) == sorted(tree, key=_sort_key) and all(t is None for t in subs):
            return None
        return ("dict", tuple(tree), tuple(subs))
    if isinstance(tree, (list, tuple)):
        subs = [key_orders(v) for v in tree]
        return None if all(t is None for t in subs) else ("seq", tuple(subs))
    return None


def _sort_key(key):
    return (type(key).__name__, key)


def reorder(value, order):
    """``value`` (a structure JAX rebuilt) with its dicts in the insertion ``order``."""
    if order is None:
        return value
    if order[0] == "dict":
        _, keys, subs = order
        return {k: reorder(value[k], o) for k, o in zip(keys, subs)}
    items = [reorder(v, o) for v, o in zip(value, order[1])]
    if isinstance(value, list):
        return items
    return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)


class KeyOrderedTree:
    """A treedef whose ``unflatten`` gives dicts back in the order they were made in."""

    __slots__ = ("treedef", "order")

    def __init__(self, treedef, order) -> None:
        self.treedef = treedef
        self.order = order

    @classmethod
    def wrap(cls, treedef, structure):
        """``treedef`` itself where ``structure``'s dicts are in sorted order already."""
        order = key_orders(structure)
        return treedef if order is None else cls(treedef, order)

    def unflatten(self, leaves):
        return reorder(self.treedef.unflatten(leaves), self.order)

    @property
    def num_leaves(self) -> int:
        return self.treedef.num_leaves

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, KeyOrderedTree)
            and self.treedef == other.treedef
            and self.order == other.order
        )

    def __hash__(self) -> int:
        return hash((self.treedef, self.order))

    def __repr__(self) -> str:
        return f"KeyOrderedTree({self.treedef}, {self.order})"
