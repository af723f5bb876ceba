"""``tf.data.experimental``'s transformation factories, for ``dataset.apply(...)``.

Each returns a function ``Dataset -> Dataset`` calling the method of the same name
(TF's older spelling of the same transformations).

Example:
    >>> import jtape as jt
    >>> ds = jt.data.Dataset.range(6).apply(jt.data.experimental.take_while(lambda x: x < 3))
    >>> [int(x) for x in ds]
    [0, 1, 2]
"""

from __future__ import annotations

from collections.abc import Callable

from ._dataset import Dataset
from ._more_transforms import choose_from_datasets as _choose
from ._more_transforms import sample_from_datasets as _sample


def group_by_window(
    key_func: Callable,
    reduce_func: Callable,
    window_size: int | None = None,
    window_size_func: Callable | None = None,
) -> Callable[[Dataset], Dataset]:
    """``lambda ds: ds.group_by_window(...)`` (``tf.data.experimental.group_by_window``)."""
    return lambda ds: ds.group_by_window(key_func, reduce_func, window_size, window_size_func)


def bucket_by_sequence_length(
    element_length_func: Callable,
    bucket_boundaries,
    bucket_batch_sizes,
    padded_shapes=None,
    padding_values=None,
    pad_to_bucket_boundary: bool = False,
    no_padding: bool = False,
    drop_remainder: bool = False,
) -> Callable[[Dataset], Dataset]:
    """``lambda ds: ds.bucket_by_sequence_length(...)`` (``tf.data.experimental``'s)."""
    return lambda ds: ds.bucket_by_sequence_length(
        element_length_func,
        bucket_boundaries,
        bucket_batch_sizes,
        padded_shapes,
        padding_values,
        pad_to_bucket_boundary,
        no_padding,
        drop_remainder,
    )


def scan(initial_state, scan_func: Callable) -> Callable[[Dataset], Dataset]:
    """``lambda ds: ds.scan(initial_state, scan_func)`` (``tf.data.experimental.scan``)."""
    return lambda ds: ds.scan(initial_state, scan_func)


def take_while(predicate: Callable) -> Callable[[Dataset], Dataset]:
    """``lambda ds: ds.take_while(predicate)`` (``tf.data.experimental.take_while``)."""
    return lambda ds: ds.take_while(predicate)


def unique() -> Callable[[Dataset], Dataset]:
    """``lambda ds: ds.unique()`` (``tf.data.experimental.unique``)."""
    return lambda ds: ds.unique()


def sample_from_datasets(
    datasets, weights=None, seed: int | None = None, stop_on_empty_dataset: bool = False
) -> Dataset:
    """``Dataset.sample_from_datasets`` (``tf.data.experimental.sample_from_datasets``)."""
    return _sample(datasets, weights, seed, stop_on_empty_dataset)


def choose_from_datasets(
    datasets, choice_dataset: Dataset, stop_on_empty_dataset: bool = False
) -> Dataset:
    """``Dataset.choose_from_datasets``, but not stopping at an empty input by default.

    (``tf.data.experimental.choose_from_datasets`` defaults ``stop_on_empty_dataset``
    to False, the method to True.)
    """
    return _choose(datasets, choice_dataset, stop_on_empty_dataset)
