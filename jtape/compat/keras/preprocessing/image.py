"""``tf.keras.preprocessing.image``: image file helpers, ``smart_resize`` and Keras' legacy
augmentation API (``ImageDataGenerator``, its iterators and the numpy transforms)."""

from __future__ import annotations

from ....nn._image_affine import apply_affine_transform as apply_affine_transform
from ....nn._image_affine import apply_brightness_shift as apply_brightness_shift
from ....nn._image_affine import apply_channel_shift as apply_channel_shift
from ....nn._image_affine import random_brightness as random_brightness
from ....nn._image_affine import random_channel_shift as random_channel_shift
from ....nn._image_affine import random_rotation as random_rotation
from ....nn._image_affine import random_shear as random_shear
from ....nn._image_affine import random_shift as random_shift
from ....nn._image_affine import random_zoom as random_zoom
from ....nn._image_data_generator import DirectoryIterator as DirectoryIterator
from ....nn._image_data_generator import ImageDataGenerator as ImageDataGenerator
from ....nn._image_data_generator import Iterator as Iterator
from ....nn._image_data_generator import NumpyArrayIterator as NumpyArrayIterator
from ....nn.utils import array_to_img as array_to_img
from ....nn.utils import img_to_array as img_to_array
from ....nn.utils import load_img as load_img
from ....nn.utils import save_img as save_img
from ....nn.utils import smart_resize as smart_resize
from ..._missing import missing as _missing

__all__ = [
    "DirectoryIterator",
    "ImageDataGenerator",
    "Iterator",
    "NumpyArrayIterator",
    "apply_affine_transform",
    "apply_brightness_shift",
    "apply_channel_shift",
    "array_to_img",
    "img_to_array",
    "load_img",
    "random_brightness",
    "random_channel_shift",
    "random_rotation",
    "random_shear",
    "random_shift",
    "random_zoom",
    "save_img",
    "smart_resize",
]
__getattr__ = _missing("tf.keras.preprocessing.image")
