"""``keras.utils``: ``pad_sequences``, ``to_categorical``, ``normalize``, ``set_random_seed``,
and the data utilities of ``jtape.nn.utils`` (``PyDataset``/``Sequence``, the dataset
builders, ``get_file``, ``Progbar``, image files), the custom-object registry of
``keras.saving`` and the backend's ``clear_session``/``standardize_dtype``/``is_keras_tensor``.

``pad_sequences`` and ``to_categorical`` on lists and numpy arrays return numpy arrays,
as Keras does (``to_categorical`` of a list is float64 there too); ``to_categorical``
of a tensor returns a float32 tensor.

Example:
    >>> import jtape.compat.keras as keras
    >>> keras.utils.pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
    [[2, 3], [0, 4]]
    >>> keras.utils.to_categorical([0, 2], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
"""

from __future__ import annotations

import random as _py_random

import numpy as np

from ... import _random
from ..._tensor import Tensor
from ..._variable import Variable
from ...nn._training import pack_x_y_sample_weight as pack_x_y_sample_weight
from ...nn._training import unpack_x_y_sample_weight as unpack_x_y_sample_weight
from ...nn.utils import Progbar as Progbar
from ...nn.utils import PyDataset as PyDataset
from ...nn.utils import Sequence as Sequence
from ...nn.utils import array_to_img as array_to_img
from ...nn.utils import get_file as get_file
from ...nn.utils import image_dataset_from_directory as image_dataset_from_directory
from ...nn.utils import img_to_array as img_to_array
from ...nn.utils import load_img as load_img
from ...nn.utils import save_img as save_img
from ...nn.utils import split_dataset as split_dataset
from ...nn.utils import text_dataset_from_directory as text_dataset_from_directory
from ...nn.utils import timeseries_dataset_from_array as timeseries_dataset_from_array
from .._missing import missing as _missing
from . import random as _keras_random
from .backend import clear_session as clear_session
from .backend import is_keras_tensor as is_keras_tensor
from .saving import CustomObjectScope as CustomObjectScope
from .saving import custom_object_scope as custom_object_scope
from .saving import deserialize_keras_object as deserialize_keras_object
from .saving import get_custom_objects as get_custom_objects
from .saving import get_registered_name as get_registered_name
from .saving import get_registered_object as get_registered_object
from .saving import register_keras_serializable as register_keras_serializable
from .saving import serialize_keras_object as serialize_keras_object

__all__ = [
    "CustomObjectScope",
    "Progbar",
    "PyDataset",
    "Sequence",
    "array_to_img",
    "clear_session",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_file",
    "get_registered_name",
    "get_registered_object",
    "get_source_inputs",
    "image_dataset_from_directory",
    "img_to_array",
    "is_keras_tensor",
    "load_img",
    "normalize",
    "pack_x_y_sample_weight",
    "pad_sequences",
    "register_keras_serializable",
    "save_img",
    "serialize_keras_object",
    "set_random_seed",
    "split_dataset",
    "standardize_dtype",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
    "to_categorical",
    "unpack_x_y_sample_weight",
]


_PYTHON_DTYPES = {bool: "bool", int: "int64", float: "float32", str: "string", "int": "int64"}
_KERAS_DTYPES = frozenset(
    "float16 float32 float64 uint8 uint16 uint32 uint64 int8 int16 int32 int64 bfloat16 bool "
    "string complex64 complex128 float8_e4m3fn float8_e5m2 int4 uint4 int2 uint2".split()
)


def standardize_dtype(dtype) -> str:
    """Keras 3's canonical dtype name: Python ``int`` -> ``"int64"``, ``float`` ->
    ``"float32"``, None -> ``floatx()``; names outside Keras' list (``"float"``,
    ``"double"``) raise ``ValueError("Invalid dtype: ...")``.

    >>> standardize_dtype(float), standardize_dtype("int")
    ('float32', 'int64')
    """
    from .backend import floatx

    if dtype is None:
        return floatx()
    try:
        dtype = _PYTHON_DTYPES.get(dtype, dtype)
    except TypeError:  # unhashable
        pass
    if isinstance(dtype, type) and issubclass(dtype, np.generic):
        dtype = np.dtype(dtype).name
    elif hasattr(dtype, "name") and not isinstance(dtype, str):
        dtype = dtype.name
    if dtype not in _KERAS_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype}")
    return dtype


def get_source_inputs(tensor) -> list:
    """The ``Input`` tensors that ``tensor`` (a functional-model tensor) is computed from."""
    from ...nn import KerasTensor

    if not isinstance(tensor, KerasTensor):
        return [tensor]
    found: list = []
    seen: set[int] = set()
    stack = [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = t._history[0] if t._history is not None else None
        parents = node.inputs() if node is not None else []
        if not parents:
            if not any(t is f for f in found):
                found.append(t)
        else:
            stack.extend(reversed(parents))
    return found


def pad_sequences(
    sequences,
    maxlen: int | None = None,
    dtype="int32",
    padding: str = "pre",
    truncating: str = "pre",
    value=0.0,
) -> np.ndarray:
    """Sequences of different lengths as one ``(len(sequences), maxlen, ...)`` array.

    ``truncating`` drops entries from the start (``"pre"``) or the end (``"post"``) of
    sequences longer than ``maxlen`` (default: the longest); ``padding`` fills
    ``value`` before (``"pre"``) or after (``"post"``) shorter ones.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    lengths, item_shape = [], None
    for s in sequences:
        if not hasattr(s, "__len__"):
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {s}")
        lengths.append(len(s))
        if item_shape is None and len(s):
            item_shape = np.asarray(s).shape[1:]
    item_shape = item_shape or ()
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    is_text = np.issubdtype(np.dtype(dtype), np.str_) if dtype is not object else True
    if isinstance(value, str) and not is_text:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings."
        )
    out = np.full((len(lengths), maxlen, *item_shape), value, dtype=dtype)
    for i, s in enumerate(sequences):
        n = len(s)
        if not n or not maxlen:
            continue
        kept = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if kept.shape[1:] != item_shape:
            raise ValueError(
                f"Shape of sample {kept.shape[1:]} of sequence at position {i} is different "
                f"from expected shape {item_shape}"
            )
        if padding == "post":
            out[i, : len(kept)] = kept
        else:
            out[i, maxlen - len(kept) :] = kept
    return out


def to_categorical(x, num_classes: int | None = None):
    """One-hot rows for class indices ``x`` (a trailing axis of size 1 is dropped).

    Lists and numpy arrays give a float64 numpy array; tensors a float32 tensor.
    """
    if isinstance(x, (Tensor, Variable)):
        from .ops import one_hot, squeeze

        if x.ndim > 1 and x.shape[-1] == 1:
            x = squeeze(x, -1)
        if num_classes is None:
            num_classes = int(np.max(x.numpy())) + 1
        return one_hot(x, num_classes)
    labels = np.asarray(x, dtype="int64")
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(flat)) + 1
    out = np.zeros((flat.shape[0], num_classes))
    out[np.arange(flat.shape[0]), flat] = 1
    return out.reshape((*shape, num_classes))


def normalize(x, axis: int = -1, order: int = 2):
    """``x`` divided by its ``order``-norm along ``axis`` (zero norms left as they are)."""
    if isinstance(x, (Tensor, Variable)):
        from .ops import normalize as _normalize

        return _normalize(x, axis=axis, order=order)
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, numpy, jtape's global generator and Keras' global
    ``SeedGenerator`` (``keras.utils.set_random_seed``)."""
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(
            f"Expected `seed` argument to be an integer. Received: seed={seed} "
            f"(of type {type(seed)})"
        )
    _py_random.seed(int(seed))
    np.random.seed(int(seed))
    _random.set_seed(int(seed))
    _keras_random.set_global_seed(int(seed))


__getattr__ = _missing("tf.keras.utils")
