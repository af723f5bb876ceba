"""``tf.keras.models``: model classes and Keras 3 model files."""

from __future__ import annotations

from ...nn.models import Model as Model
from ...nn.models import Sequential as Sequential
from ...nn.models import clone_model as clone_model
from ...nn.models import load_model as load_model
from ...nn.models import model_from_json as model_from_json
from ...nn.models import save_model as save_model
from .._missing import missing

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
__getattr__ = missing("tf.keras.models")
