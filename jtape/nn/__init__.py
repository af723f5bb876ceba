"""jtape.nn: Keras-style layers, models, losses, metrics and initializers on jtape.

The whole public API of the package, as explicit re-exports.
"""

from . import activations as activations
from . import callbacks as callbacks
from . import initializers as initializers
from . import losses as losses
from . import metrics as metrics
from . import regularizers as regularizers
from ._core_layers import Activation as Activation
from ._core_layers import Add as Add
from ._core_layers import BatchNormalization as BatchNormalization
from ._core_layers import Concatenate as Concatenate
from ._core_layers import Dense as Dense
from ._core_layers import Dropout as Dropout
from ._core_layers import Embedding as Embedding
from ._core_layers import Flatten as Flatten
from ._core_layers import LayerNormalization as LayerNormalization
from ._core_layers import LeakyReLU as LeakyReLU
from ._core_layers import ReLU as ReLU
from ._core_layers import Reshape as Reshape
from ._core_layers import Softmax as Softmax
from ._layer import Layer as Layer
from ._layer import clear_session as clear_session
from ._model import Functional as Functional
from ._model import Input as Input
from ._model import InputLayer as InputLayer
from ._model import KerasTensor as KerasTensor
from ._model import Model as Model
from ._model import Sequential as Sequential
