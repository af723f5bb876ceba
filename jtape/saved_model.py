"""SavedModel on StableHLO (``jt.saved_model``, TensorFlow's ``tf.saved_model``)."""

from ._saved_model import LoadedModel as LoadedModel
from ._saved_model import SavedModelError as SavedModelError
from ._saved_model import load as load
from ._saved_model import save as save

__all__ = [
    "LoadedModel",
    "SavedModelError",
    "load",
    "save",
]
