"""jtape.nn: Keras-style layers, models, losses, metrics and initializers on jtape.

The whole public API of the package, as explicit re-exports.
"""

from . import activations as activations
from . import callbacks as callbacks
from . import initializers as initializers
from . import losses as losses
from . import metrics as metrics
from . import regularizers as regularizers
from ._conv import Conv1D as Conv1D
from ._conv import Conv2D as Conv2D
from ._conv import Conv2DTranspose as Conv2DTranspose
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
from ._core_layers import Masking as Masking
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
from ._pooling import AveragePooling1D as AveragePooling1D
from ._pooling import AveragePooling2D as AveragePooling2D
from ._pooling import GlobalAveragePooling1D as GlobalAveragePooling1D
from ._pooling import GlobalAveragePooling2D as GlobalAveragePooling2D
from ._pooling import GlobalMaxPooling1D as GlobalMaxPooling1D
from ._pooling import GlobalMaxPooling2D as GlobalMaxPooling2D
from ._pooling import MaxPooling1D as MaxPooling1D
from ._pooling import MaxPooling2D as MaxPooling2D
from ._pooling import UpSampling2D as UpSampling2D
from ._pooling import ZeroPadding2D as ZeroPadding2D
from ._recurrent import GRU as GRU
from ._recurrent import LSTM as LSTM
from ._recurrent import RNN as RNN
from ._recurrent import SimpleRNN as SimpleRNN
from ._rnn_cells import GRUCell as GRUCell
from ._rnn_cells import LSTMCell as LSTMCell
from ._rnn_cells import SimpleRNNCell as SimpleRNNCell
from ._rnn_cells import StackedRNNCells as StackedRNNCells
from ._wrappers import Bidirectional as Bidirectional
from ._wrappers import TimeDistributed as TimeDistributed
