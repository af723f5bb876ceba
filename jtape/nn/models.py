"""Models and model files (``keras.models``)."""

from ._model import Model as Model
from ._model import Sequential as Sequential
from ._saving import clone_model as clone_model
from ._saving import load_model as load_model
from ._saving import model_from_json as model_from_json
from ._saving import save_model as save_model
