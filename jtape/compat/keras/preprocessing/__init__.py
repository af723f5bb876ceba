"""``tf.keras.preprocessing``: Keras 3's legacy ``image``/``sequence``/``text`` helpers and
the directory/time-series dataset builders (implemented in ``jtape.nn.utils``)."""

from __future__ import annotations

from ....nn.utils import image_dataset_from_directory as image_dataset_from_directory
from ....nn.utils import text_dataset_from_directory as text_dataset_from_directory
from ....nn.utils import timeseries_dataset_from_array as timeseries_dataset_from_array
from ..._missing import missing as _missing
from . import image as image
from . import sequence as sequence
from . import text as text

__all__ = [
    "image",
    "image_dataset_from_directory",
    "sequence",
    "text",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]
__getattr__ = _missing("tf.keras.preprocessing")
