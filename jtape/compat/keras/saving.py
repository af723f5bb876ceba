"""``tf.keras.saving``: Keras 3's ``.keras`` files and the custom-object registry."""

from __future__ import annotations

from ...nn.saving import CustomObjectScope as CustomObjectScope
from ...nn.saving import custom_object_scope as custom_object_scope
from ...nn.saving import deserialize_keras_object as deserialize_keras_object
from ...nn.saving import get_custom_objects as get_custom_objects
from ...nn.saving import get_registered_name as get_registered_name
from ...nn.saving import get_registered_object as get_registered_object
from ...nn.saving import load_model as load_model
from ...nn.saving import register_keras_serializable as register_keras_serializable
from ...nn.saving import save_model as save_model
from ...nn.saving import serialize_keras_object as serialize_keras_object
from .._missing import missing

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "register_keras_serializable",
    "save_model",
    "serialize_keras_object",
]
__getattr__ = missing("tf.keras.saving")
