"""``tf.keras``: jtape.nn and jtape.optimizers under Keras' names.

Names are looked up in ``jtape.nn`` when asked for, so layers added there appear
here without edits. ``from jtape.compat import keras`` replaces
``from tensorflow import keras``.
"""

from __future__ import annotations

from ... import nn as _nn
from ... import optimizers as optimizers
from ...nn import Input as Input
from ...nn import Model as Model
from ...nn import Sequential as Sequential
from ...nn import activations as activations
from ...nn import initializers as initializers
from ...nn import losses as losses
from ...nn import metrics as metrics
from ...nn import regularizers as regularizers
from .._missing import NotProvidedError, message
from . import backend as backend
from . import layers as layers
from . import mixed_precision as mixed_precision
from . import models as models
from . import ops as ops
from . import preprocessing as preprocessing
from . import random as random
from . import saving as saving
from . import utils as utils

__all__ = [
    "Input",
    "Model",
    "Sequential",
    "activations",
    "backend",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "mixed_precision",
    "ops",
    "optimizers",
    "preprocessing",
    "random",
    "utils",
    "regularizers",
    "saving",
]


def __getattr__(name: str):
    if not name.startswith("__") and hasattr(_nn, name):
        return getattr(_nn, name)
    if name.startswith("__"):
        raise AttributeError(name)
    raise NotProvidedError(message("tf.keras", name))
