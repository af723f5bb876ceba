"""Keras' legacy sequence helpers: ``TimeseriesGenerator``, ``skipgrams``,
``make_sampling_table`` (``keras.preprocessing.sequence``).

Host-side numpy and Python ``random``, as Keras 3.15: ``skipgrams(..., seed=s)`` gives
Keras' couples for the same seed (both draw from Python's ``random``), and an unshuffled
``TimeseriesGenerator`` gives Keras' batches.

Example:
    >>> import numpy as np
    >>> from jtape.nn.utils import TimeseriesGenerator
    >>> gen = TimeseriesGenerator(np.arange(6), np.arange(6), length=2, batch_size=2)
    >>> len(gen), gen[0][0].tolist(), gen[0][1].tolist()
    (2, [[0, 1], [1, 2]], [2, 3])
"""

from __future__ import annotations

import json
import random

import numpy as np

from ._py_dataset import PyDataset

__all__ = ["TimeseriesGenerator", "make_sampling_table", "skipgrams"]


class TimeseriesGenerator(PyDataset):
    """Batches of ``(windows, targets)``: for each step ``t`` in
    ``[start_index + length, end_index]`` (every ``stride``), the window is
    ``data[t - length:t:sampling_rate]`` and the target ``targets[t]``.

    ``shuffle=True`` draws ``batch_size`` steps at random (numpy's global generator)
    for every batch; ``reverse=True`` flips each window in time.
    """

    def __init__(
        self,
        data,
        targets,
        length: int,
        sampling_rate: int = 1,
        stride: int = 1,
        start_index: int = 0,
        end_index: int | None = None,
        shuffle: bool = False,
        reverse: bool = False,
        batch_size: int = 128,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if len(data) != len(targets):
            raise ValueError(
                "Data and targets have to be of same length. Data length is "
                f"{len(data)} while target length is {len(targets)}"
            )
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError(
                f"`start_index+length={self.start_index} > end_index={self.end_index}` "
                "is disallowed, as no part of the sequence would be left to be used as "
                "current step."
            )

    def __len__(self) -> int:
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index: int):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            last = min(first + self.batch_size * self.stride, self.end_index + 1)
            rows = np.arange(first, last, self.stride)
        samples = np.array([self.data[r - self.length : r : self.sampling_rate] for r in rows])
        targets = np.array([self.targets[r] for r in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self) -> dict:
        """The settings with ``data``/``targets`` as JSON (Keras 2's layout; Keras 3.15's
        own ``get_config`` raises AttributeError)."""

        def as_json(value, what: str) -> str:
            if type(value).__module__ == np.__name__:
                value = value.tolist()
            try:
                return json.dumps(value)
            except TypeError as e:
                raise TypeError(f"{what} not JSON Serializable: {value}") from e

        return {
            "workers": self._workers,
            "use_multiprocessing": self._use_multiprocessing,
            "max_queue_size": self._max_queue_size,
            "data": as_json(self.data, "Data"),
            "targets": as_json(self.targets, "Targets"),
            "length": self.length,
            "sampling_rate": self.sampling_rate,
            "stride": self.stride,
            "start_index": self.start_index,
            "end_index": self.end_index,
            "shuffle": self.shuffle,
            "reverse": self.reverse,
            "batch_size": self.batch_size,
        }

    def to_json(self, **kwargs) -> str:
        """``{"class_name", "config"}`` as a JSON string."""
        return json.dumps(
            {"class_name": type(self).__name__, "config": self.get_config()}, **kwargs
        )


def make_sampling_table(size: int, sampling_factor: float = 1e-5) -> np.ndarray:
    """word2vec's keep probability of the word of each rank, assuming Zipf frequencies
    (the ``sampling_table`` of ``skipgrams``).

    >>> make_sampling_table(3).round(5).tolist()
    [0.00315, 0.00315, 0.00548]
    """
    rank = np.arange(size)
    rank[0] = 1
    inv_freq = rank * (np.log(rank) + 0.577) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_freq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(
    sequence,
    vocabulary_size: int,
    window_size: int = 4,
    negative_samples: float = 1.0,
    shuffle: bool = True,
    categorical: bool = False,
    sampling_table=None,
    seed: int | None = None,
) -> tuple[list, list]:
    """``(couples, labels)``: ``[w, context]`` pairs within ``window_size`` labelled 1,
    plus ``negative_samples`` times as many ``[w, random id]`` pairs labelled 0.

    Id 0 is skipped. Randomness comes from Python's ``random`` module (as in Keras), so
    a ``seed`` together with ``random.seed`` gives Keras' result.
    """
    couples: list = []
    labels: list = []
    positive = [0, 1] if categorical else 1
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
                labels.append(list(positive) if categorical else positive)
    if negative_samples > 0:
        n_neg = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [
            [words[i % len(words)], random.randint(1, vocabulary_size - 1)] for i in range(n_neg)
        ]
        labels += [[1, 0]] * n_neg if categorical else [0] * n_neg
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(10e6))
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels
