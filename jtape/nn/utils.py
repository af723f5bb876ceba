"""jtape.nn.utils: Keras' data utilities (``keras.utils`` / ``keras.preprocessing``).

Host-side helpers for input pipelines: ``PyDataset`` for fit/evaluate/predict, dataset
builders on ``jtape.data.Dataset`` (directories of images/text, time series, splits),
``get_file``, ``Progbar``, image file helpers and Keras' legacy text/sequence tools.

Example:
    >>> import numpy as np
    >>> import jtape.nn.utils as U
    >>> left, right = U.split_dataset(np.arange(4), right_size=1)
    >>> [int(x) for x in right]
    [3]
"""

from ._dataset_utils import image_dataset_from_directory as image_dataset_from_directory
from ._dataset_utils import split_dataset as split_dataset
from ._dataset_utils import text_dataset_from_directory as text_dataset_from_directory
from ._dataset_utils import timeseries_dataset_from_array as timeseries_dataset_from_array
from ._file_utils import get_file as get_file
from ._image_utils import array_to_img as array_to_img
from ._image_utils import img_to_array as img_to_array
from ._image_utils import load_img as load_img
from ._image_utils import save_img as save_img
from ._image_utils import smart_resize as smart_resize
from ._progbar import Progbar as Progbar
from ._py_dataset import PyDataset as PyDataset
from ._py_dataset import PyDataset as Sequence
from ._sequence_preprocessing import TimeseriesGenerator as TimeseriesGenerator
from ._sequence_preprocessing import make_sampling_table as make_sampling_table
from ._sequence_preprocessing import skipgrams as skipgrams
from ._text_preprocessing import Tokenizer as Tokenizer
from ._text_preprocessing import hashing_trick as hashing_trick
from ._text_preprocessing import one_hot as one_hot
from ._text_preprocessing import text_to_word_sequence as text_to_word_sequence
from ._text_preprocessing import tokenizer_from_json as tokenizer_from_json

__all__ = [
    "Progbar",
    "PyDataset",
    "Sequence",
    "TimeseriesGenerator",
    "Tokenizer",
    "array_to_img",
    "get_file",
    "hashing_trick",
    "image_dataset_from_directory",
    "img_to_array",
    "load_img",
    "make_sampling_table",
    "one_hot",
    "save_img",
    "skipgrams",
    "smart_resize",
    "split_dataset",
    "text_dataset_from_directory",
    "text_to_word_sequence",
    "timeseries_dataset_from_array",
    "tokenizer_from_json",
]
