"""``jtape.data``: TensorFlow's ``tf.data`` input pipelines, on host numpy arrays.

Example:
    >>> import jtape as jt
    >>> ds = jt.data.Dataset.range(6).shuffle(6, seed=0).batch(3)
    >>> sorted(int(v) for b in ds for v in b)
    [0, 1, 2, 3, 4, 5]
"""

from . import _more_transforms as _more_transforms  # window, interleave, scan, ...
from . import _rebatch_random as _rebatch_random  # Dataset.rebatch / Dataset.random
from . import _save_load as _save_load  # Dataset.save / Dataset.load
from . import experimental as experimental
from ._dataset import AUTOTUNE as AUTOTUNE
from ._dataset import INFINITE_CARDINALITY as INFINITE_CARDINALITY
from ._dataset import UNKNOWN_CARDINALITY as UNKNOWN_CARDINALITY
from ._dataset import Dataset as Dataset
from ._dataset import DatasetIterator as DatasetIterator
from ._file_datasets import FixedLengthRecordDataset as FixedLengthRecordDataset
from ._file_datasets import TextLineDataset as TextLineDataset
from ._more_transforms import DatasetSpec as DatasetSpec
from ._options import Options as Options
from ._options import ThreadingOptions as ThreadingOptions
from ._structure import TensorSpec as TensorSpec
from ._tfrecord_dataset import TFRecordDataset as TFRecordDataset

Iterator = DatasetIterator  # TF's name for the class of iter(dataset)
