"""``tf.data.experimental``: the names TF scripts still use from it."""

from __future__ import annotations

from ._dataset import AUTOTUNE as AUTOTUNE
from ._dataset import INFINITE_CARDINALITY as INFINITE_CARDINALITY
from ._dataset import UNKNOWN_CARDINALITY as UNKNOWN_CARDINALITY
from ._dataset import Dataset
from ._experimental_transforms import (  # noqa: F401 - re-exported
    bucket_by_sequence_length,
    choose_from_datasets,
    group_by_window,
    sample_from_datasets,
    scan,
    take_while,
    unique,
)
from ._file_datasets import CsvDataset as CsvDataset
from ._make_csv import make_csv_dataset as make_csv_dataset
from ._optional import Optional as Optional
from ._options import AutoShardPolicy as AutoShardPolicy
from ._options import AutotuneAlgorithm as AutotuneAlgorithm
from ._options import AutotuneOptions as AutotuneOptions
from ._options import DistributeOptions as DistributeOptions
from ._options import ExternalStatePolicy as ExternalStatePolicy
from ._options import OptimizationOptions as OptimizationOptions
from ._options import ThreadingOptions as ThreadingOptions
from ._rebatch_random import assert_cardinality as assert_cardinality


def cardinality(dataset: Dataset):
    """``dataset.cardinality()`` (``tf.data.experimental.cardinality``).

    Example:
        >>> import jtape as jt
        >>> int(jt.data.experimental.cardinality(jt.data.Dataset.range(4)))
        4
    """
    return dataset.cardinality()


def get_next_as_optional(iterator):
    """``iterator.get_next_as_optional()`` (``tf.data.experimental.get_next_as_optional``)."""
    return iterator.get_next_as_optional()


def save(dataset: Dataset, path: str, compression=None, shard_func=None, checkpoint_args=None):
    """``dataset.save(path, ...)`` (``tf.data.experimental.save``)."""
    return dataset.save(path, compression, shard_func, checkpoint_args)


def load(path: str, element_spec=None, compression=None, reader_func=None) -> Dataset:
    """``Dataset.load(path, ...)`` (``tf.data.experimental.load``)."""
    return Dataset.load(path, element_spec, compression, reader_func)


def from_list(elements: list, name=None) -> Dataset:
    """One element per entry of ``elements`` (each a structure of tensors), as TF.

    Example:
        >>> import jtape as jt
        >>> ds = jt.data.experimental.from_list([(1, "a"), (2, "b")])
        >>> [(int(x), s.numpy()) for x, s in ds]
        [(1, b'a'), (2, b'b')]
    """
    if not elements:
        raise ValueError("from_list: `elements` must be a non-empty list")
    from . import _structure

    hosts = [_structure.map_structure(_structure.to_host, e) for e in elements]
    return Dataset.from_tensor_slices(_structure.stack(hosts, "from_list"))


def get_single_element(dataset: Dataset):
    """``dataset.get_single_element()`` (``tf.data.experimental.get_single_element``)."""
    return dataset.get_single_element()


def get_structure(dataset_or_iterator):
    """The element spec of a dataset or iterator (``tf.data.experimental.get_structure``)."""
    return dataset_or_iterator.element_spec


def enumerate_dataset(start: int = 0):
    """``lambda ds: ds.enumerate(start)``, for ``dataset.apply``."""
    return lambda dataset: dataset.enumerate(start)


def unbatch():
    """``lambda ds: ds.unbatch()``, for ``dataset.apply``."""
    return lambda dataset: dataset.unbatch()


def shuffle_and_repeat(buffer_size: int, count=None, seed=None):
    """``lambda ds: ds.shuffle(buffer_size, seed).repeat(count)``, for ``dataset.apply``."""
    return lambda dataset: dataset.shuffle(buffer_size, seed).repeat(count)


def map_and_batch(
    map_func,
    batch_size,
    num_parallel_batches=None,
    drop_remainder: bool = False,
    num_parallel_calls=None,
):
    """``lambda ds: ds.map(map_func).batch(batch_size, drop_remainder)``, for ``apply``."""
    return lambda dataset: dataset.map(map_func).batch(batch_size, drop_remainder)


def parallel_interleave(
    map_func,
    cycle_length,
    block_length: int = 1,
    sloppy: bool = False,
    buffer_output_elements=None,
    prefetch_input_elements=None,
):
    """``lambda ds: ds.interleave(map_func, cycle_length, block_length)`` (deterministic
    order, which ``sloppy=False`` asks for; jtape also uses it for ``sloppy=True``)."""
    return lambda dataset: dataset.interleave(map_func, cycle_length, block_length)
