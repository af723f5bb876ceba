"""``PyDataset`` (``keras.utils.PyDataset`` / ``Sequence``): batches by index from Python.

Subclass it, implement ``__len__`` (the number of batches) and ``__getitem__`` (one
batch: ``x``, ``(x,)``, ``(x, y)``, ``(x, y, sample_weight)`` or a dict) and pass the
object to ``fit`` / ``evaluate`` / ``predict``. As in Keras 3 ``fit(shuffle=True)``
visits the batches in a random order each epoch (jtape's seeded numpy stream, not
Python's ``random``: the order differs from Keras'), and ``on_epoch_end`` runs after
every pass. ``workers``/``use_multiprocessing``/``max_queue_size`` are accepted and
stored; batches are always produced in the calling thread.

Example:
    >>> import numpy as np
    >>> from jtape.nn.utils import PyDataset
    >>> class Squares(PyDataset):
    ...     def __len__(self):
    ...         return 2
    ...     def __getitem__(self, i):
    ...         x = np.arange(4.0)[2 * i : 2 * i + 2, None]
    ...         return x, x**2
    >>> [b[1].ravel().tolist() for b in Squares()]
    [[0.0, 1.0], [4.0, 9.0]]
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

__all__ = ["PyDataset", "PyDatasetAdapter"]


class PyDataset:
    """Base class of index-addressed batch sources (Keras' ``PyDataset``)."""

    def __init__(
        self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10
    ):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self) -> None:
        missing = [
            a
            for a in ("_workers", "_use_multiprocessing", "_max_queue_size")
            if not hasattr(self, a)
        ]
        if missing:
            self._workers = getattr(self, "_workers", 1)
            self._use_multiprocessing = getattr(self, "_use_multiprocessing", False)
            self._max_queue_size = getattr(self, "_max_queue_size", 10)
            warnings.warn(
                "Your `PyDataset` class should call `super().__init__(**kwargs)` in its "
                "constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
                "`max_queue_size`. Do not pass these arguments to `fit()`, as they will be "
                "ignored.",
                stacklevel=3,
            )

    @property
    def workers(self) -> int:
        """Accepted for Keras compatibility; batches are always made in the calling thread."""
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        """Accepted for Keras compatibility (no worker processes are started)."""
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        """Accepted for Keras compatibility (no prefetch queue)."""
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int):
        """Batch number ``index`` (override it)."""
        raise NotImplementedError

    @property
    def num_batches(self) -> int | None:
        """The number of batches (``len(self)``), or None for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            "You need to implement the `num_batches` property:\n\n"
            "@property\ndef num_batches(self):\n  return ..."
        )

    def __iter__(self):
        try:
            n = self.num_batches
        except NotImplementedError:
            n = None
        for index in itertools.count() if n is None else range(n):
            yield self[index]

    def on_epoch_begin(self) -> None:
        """Called before each pass over the batches."""

    def on_epoch_end(self) -> None:
        """Called after each pass over the batches (e.g. to reshuffle samples)."""


def _standardize(batch):
    if isinstance(batch, dict):
        return batch
    if isinstance(batch, np.ndarray):
        batch = (batch,)
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
        raise ValueError(
            "PyDataset.__getitem__() must return a tuple or a dict. If a tuple, it must be "
            "ordered either (input,) or (inputs, targets) or (inputs, targets, "
            f"sample_weights). Received: {str(batch)[:100]}... of type {type(batch)}"
        )
    return batch


class PyDatasetAdapter:
    """fit/evaluate/predict's view of a ``PyDataset``: ``steps`` and ``batches(rng)``."""

    def __init__(self, dataset: PyDataset, shuffle: bool, steps: int | None) -> None:
        dataset._warn_if_super_not_called()  # as Keras, which reads `workers` here
        self.dataset = dataset
        self.shuffle = shuffle
        self._steps = steps
        try:
            self._known = dataset.num_batches
        except NotImplementedError:
            self._known = None

    @property
    def steps(self) -> int | None:
        return self._steps or self._known

    def batches(self, rng: np.random.Generator | None = None):
        if self._known is None:
            order = itertools.count()
        else:
            order = np.arange(self._known)
            if self.shuffle and rng is not None:
                order = rng.permutation(self._known)
        if self._steps is not None:
            order = itertools.islice(order, self._steps)
        self.dataset.on_epoch_begin()
        try:
            for i in order:
                yield _standardize(self.dataset[int(i)])
        finally:
            self.dataset.on_epoch_end()
