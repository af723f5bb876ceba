"""``tf.keras.preprocessing.image``: image file helpers and ``smart_resize``.

``ImageDataGenerator`` and the other legacy augmentation iterators are not provided:
use ``image_dataset_from_directory`` with the ``keras.layers.Random*`` layers.
"""

from __future__ import annotations

from ....nn.utils import array_to_img as array_to_img
from ....nn.utils import img_to_array as img_to_array
from ....nn.utils import load_img as load_img
from ....nn.utils import save_img as save_img
from ....nn.utils import smart_resize as smart_resize
from ..._missing import missing as _missing

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
__getattr__ = _missing("tf.keras.preprocessing.image")
