"""Saving and loading (``keras.saving``): Keras 3's ``.keras`` and ``.weights.h5`` files."""

from ._saving import load_model as load_model
from ._saving import save_model as save_model
from ._serialization import CustomObjectScope as CustomObjectScope
from ._serialization import custom_object_scope as custom_object_scope
from ._serialization import deserialize_keras_object as deserialize_keras_object
from ._serialization import get_custom_objects as get_custom_objects
from ._serialization import get_registered_name as get_registered_name
from ._serialization import get_registered_object as get_registered_object
from ._serialization import register_keras_serializable as register_keras_serializable
from ._serialization import serialize_keras_object as serialize_keras_object
