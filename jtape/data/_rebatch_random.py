"""``Dataset.rebatch``, ``Dataset.random`` and ``assert_cardinality``.

``rebatch`` re-cuts batched elements into batches of new sizes (a list of sizes is
cycled), across input batch boundaries, as TF. ``random`` yields int64 values uniform
in ``[0, 2**32)`` from numpy's generator: TF's stream is not reproduced, its range, dtype
and seeding rules (same values every pass unless ``rerandomize_each_iteration``) are.
"""

from __future__ import annotations

import itertools

import numpy as np

from .._op_errors import FailedPreconditionError, InvalidArgumentError
from . import _structure
from ._dataset import (
    _INT64,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    _draw_seed,
    _int_arg,
    _prepend,
)
from ._structure import TensorSpec


def rebatch(self: Dataset, batch_size, drop_remainder: bool = False, name=None) -> Dataset:
    """Batches of ``batch_size`` (an int, or a list of sizes used in turn) re-cut from
    this dataset's batches.

    Example:
        >>> import jtape as jt
        >>> ds = jt.data.Dataset.range(7).batch(3).rebatch([2, 3])
        >>> [b.numpy().tolist() for b in ds]
        [[0, 1], [2, 3, 4], [5, 6]]
    """
    sizes = [_int_arg(s, "rebatch: batch_size") for s in np.ravel(np.asarray(batch_size))]
    if not sizes or any(s <= 0 for s in sizes):
        raise InvalidArgumentError(
            f"rebatch: batch_size must be positive (and a non-empty list), got {batch_size!r}"
        )
    specs, treedef = _structure.flatten(self.element_spec)
    if any(s.shape is not None and len(s.shape) == 0 for s in specs):
        raise ValueError("rebatch: the input must be batched (its components need a first axis)")
    rows = self.unbatch()._make_iter
    drop = bool(drop_remainder)

    def make_iter():
        it = rows()
        for n in itertools.cycle(sizes):
            chunk = list(itertools.islice(it, n))
            if not chunk or (drop and len(chunk) < n):
                return
            yield _structure.stack(chunk, "rebatch")

    # The batch dimension is static when every batch has one size: dropping the rest, or
    # input batches of a known size that the size divides (as TF).
    firsts = {None if s.shape is None else s.shape[0] for s in specs}
    (first,) = firsts if len(firsts) == 1 else (None,)
    even = first is not None and first % sizes[0] == 0
    fixed = sizes[0] if len(set(sizes)) == 1 and (drop or even) else None
    spec = _structure.unflatten(
        treedef,
        [
            TensorSpec(_prepend(fixed, None if s.shape is None else s.shape[1:]), s.dtype)
            for s in specs
        ],
    )
    card = (
        INFINITE_CARDINALITY if self._cardinality == INFINITE_CARDINALITY else UNKNOWN_CARDINALITY
    )
    return self._derive(make_iter, spec, card, "RebatchDataset")


def random(seed=None, rerandomize_each_iteration=None, name=None) -> Dataset:
    """Endless int64 values uniform in ``[0, 2**32)`` (``tf.data.Dataset.random``).

    Example:
        >>> import jtape as jt
        >>> ds = jt.data.Dataset.random(seed=4).take(3)
        >>> [int(a) for a in ds] == [int(b) for b in ds]  # same values every pass
        True
    """
    base = _draw_seed() if seed is None else _int_arg(seed, "random: seed")
    epochs = itertools.count()

    def make_iter():
        epoch = next(epochs) if rerandomize_each_iteration else 0
        rng = np.random.default_rng([base & 0xFFFFFFFF, base >> 32 & 0x7FFFFFFF, epoch, 7])
        while True:
            for v in rng.integers(0, 2**32, 256, dtype=np.int64):
                yield np.asarray(v, _INT64)

    return Dataset(make_iter, TensorSpec((), _INT64), INFINITE_CARDINALITY, "RandomDataset")


def assert_cardinality(expected_cardinality):
    """``tf.data.experimental.assert_cardinality``: declare the length; iterating raises
    ``FailedPreconditionError`` when the data has another number of elements."""
    expected = _int_arg(expected_cardinality, "assert_cardinality: expected_cardinality")

    def apply(dataset: Dataset) -> Dataset:
        upstream = dataset._make_iter

        def make_iter():
            count = 0
            for e in upstream():
                count += 1
                if expected != INFINITE_CARDINALITY and count > expected:
                    raise FailedPreconditionError(
                        f"Input dataset was expected to contain {expected} elements but "
                        f"contained at least {count} elements."
                    )
                yield e
            if count != expected:
                raise FailedPreconditionError(
                    f"Input dataset was expected to contain {expected} elements but "
                    f"contained only {count} elements."
                )

        return dataset._derive(make_iter, dataset._spec, expected, "AssertCardinalityDataset")

    return apply


Dataset.rebatch = rebatch
Dataset.random = staticmethod(random)
