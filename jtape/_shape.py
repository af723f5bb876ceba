"""``TensorShape``: a tuple of dimensions with TensorFlow's shape methods."""

from __future__ import annotations

import numpy as np


class TensorShape(tuple):
    """A shape: a tuple of ints (None for an unknown dimension) plus TF's methods.

    ``Tensor.shape`` and ``Variable.shape`` are TensorShapes. It is a real ``tuple``, so
    ``shape[0]``, unpacking, ``== (2, 3)`` and hashing work as for a tuple, and
    ``as_list``/``rank``/``num_elements`` work as in TensorFlow; it prints as ``(2, 3)``
    (TensorFlow's ``print`` too; its ``repr`` is ``TensorShape([2, 3])``).

    Example:
        >>> s = TensorShape([2, None, 3])
        >>> s.as_list(), s.rank, s.is_fully_defined()
        ([2, None, 3], 3, False)
        >>> TensorShape([2, 3]).num_elements()
        6
        >>> TensorShape([2, 3]), TensorShape([2, 3]) == (2, 3)
        ((2, 3), True)
    """

    def __new__(cls, dims=()):
        if dims is None:
            raise ValueError("TensorShape(None): jtape shapes always have a known rank")
        if isinstance(dims, (int, np.integer)):
            dims = (dims,)
        dims = getattr(dims, "dims", dims)
        return super().__new__(cls, (None if d is None else int(d) for d in dims))

    @property
    def rank(self) -> int:
        return len(self)

    ndims = rank

    @property
    def dims(self) -> list:
        return list(self)

    def as_list(self) -> list:
        return list(self)

    def num_elements(self) -> int | None:
        if not self.is_fully_defined():
            return None
        return int(np.prod(self, dtype=np.int64))

    def is_fully_defined(self) -> bool:
        return all(d is not None for d in self)

    def is_compatible_with(self, other) -> bool:
        other = TensorShape(other)
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other)
        )

    def merge_with(self, other) -> TensorShape:
        other = TensorShape(other)
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape(a if a is not None else b for a, b in zip(self, other))

    def concatenate(self, other) -> TensorShape:
        return TensorShape(tuple(self) + tuple(TensorShape(other)))

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return TensorShape(out) if isinstance(key, slice) else out

    def __add__(self, other) -> TensorShape:
        return self.concatenate(other)

    # Shown as the tuple it is: ``(2, 3)``, as ``print`` shows a TF shape (TF's repr,
    # ``TensorShape([2, 3])``, would make every native shape read like a constructor).
    __repr__ = tuple.__repr__
    __str__ = tuple.__repr__
