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
