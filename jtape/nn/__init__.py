"""jtape.nn: Keras-style layers, models, losses, metrics and initializers on jtape.

The whole public API of the package, as explicit re-exports.
"""

from . import activations as activations
from . import initializers as initializers
from . import losses as losses
from . import metrics as metrics
from . import mixed_precision as mixed_precision
from . import models as models
from . import regularizers as regularizers
from . import saving as saving
from ._activation_layers import ELU as ELU
from ._activation_layers import PReLU as PReLU
from ._attention import MultiHeadAttention as MultiHeadAttention
from ._conv import Conv1D as Conv1D
from ._conv import Conv1DTranspose as Conv1DTranspose
from ._conv import Conv2D as Conv2D
from ._conv import Conv2DTranspose as Conv2DTranspose
from ._conv import Conv3D as Conv3D
from ._conv import Conv3DTranspose as Conv3DTranspose
from ._conv_lstm import ConvLSTM1D as ConvLSTM1D
from ._conv_lstm import ConvLSTM2D as ConvLSTM2D
from ._conv_lstm import ConvLSTM3D as ConvLSTM3D
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
from ._depthwise_conv import DepthwiseConv1D as DepthwiseConv1D
from ._depthwise_conv import DepthwiseConv2D as DepthwiseConv2D
from ._depthwise_conv import SeparableConv1D as SeparableConv1D
from ._depthwise_conv import SeparableConv2D as SeparableConv2D
from ._dot_attention import AdditiveAttention as AdditiveAttention
from ._dot_attention import Attention as Attention
from ._dot_layer import Dot as Dot
from ._einsum_dense import EinsumDense as EinsumDense
from ._grouped_query_attention import GroupQueryAttention as GroupQueryAttention
from ._hashed_crossing import HashedCrossing as HashedCrossing
from ._image_preprocessing import CenterCrop as CenterCrop
from ._image_preprocessing import RandomBrightness as RandomBrightness
from ._image_preprocessing import RandomContrast as RandomContrast
from ._image_preprocessing import RandomFlip as RandomFlip
from ._image_preprocessing import Resizing as Resizing
from ._lambda_layer import Identity as Identity
from ._lambda_layer import Lambda as Lambda
from ._layer import Layer as Layer
from ._layer import clear_session as clear_session
from ._layers_1d_crop import Cropping1D as Cropping1D
from ._layers_1d_crop import Cropping2D as Cropping2D
from ._layers_1d_crop import UpSampling1D as UpSampling1D
from ._layers_1d_crop import ZeroPadding1D as ZeroPadding1D
from ._layers_3d import Cropping3D as Cropping3D
from ._layers_3d import UpSampling3D as UpSampling3D
from ._layers_3d import ZeroPadding3D as ZeroPadding3D
from ._merge_layers import Average as Average
from ._merge_layers import Maximum as Maximum
from ._merge_layers import Minimum as Minimum
from ._merge_layers import Multiply as Multiply
from ._merge_layers import Subtract as Subtract
from ._model import Functional as Functional
from ._model import Input as Input
from ._model import InputLayer as InputLayer
from ._model import KerasTensor as KerasTensor
from ._model import Model as Model
from ._model import Sequential as Sequential
from ._noise_layers import AlphaDropout as AlphaDropout
from ._noise_layers import GaussianDropout as GaussianDropout
from ._noise_layers import GaussianNoise as GaussianNoise
from ._noise_layers import SpatialDropout1D as SpatialDropout1D
from ._noise_layers import SpatialDropout2D as SpatialDropout2D
from ._noise_layers import SpatialDropout3D as SpatialDropout3D
from ._normalization_layers import GroupNormalization as GroupNormalization
from ._normalization_layers import UnitNormalization as UnitNormalization
from ._pooling import AveragePooling1D as AveragePooling1D
from ._pooling import AveragePooling2D as AveragePooling2D
from ._pooling import AveragePooling3D as AveragePooling3D
from ._pooling import GlobalAveragePooling1D as GlobalAveragePooling1D
from ._pooling import GlobalAveragePooling2D as GlobalAveragePooling2D
from ._pooling import GlobalAveragePooling3D as GlobalAveragePooling3D
from ._pooling import GlobalMaxPooling1D as GlobalMaxPooling1D
from ._pooling import GlobalMaxPooling2D as GlobalMaxPooling2D
from ._pooling import GlobalMaxPooling3D as GlobalMaxPooling3D
from ._pooling import MaxPooling1D as MaxPooling1D
from ._pooling import MaxPooling2D as MaxPooling2D
from ._pooling import MaxPooling3D as MaxPooling3D
from ._pooling import UpSampling2D as UpSampling2D
from ._pooling import ZeroPadding2D as ZeroPadding2D
from ._preprocessing import CategoryEncoding as CategoryEncoding
from ._preprocessing import Discretization as Discretization
from ._preprocessing import Hashing as Hashing
from ._preprocessing import Normalization as Normalization
from ._random_crop import RandomCrop as RandomCrop
from ._random_geometric import RandomRotation as RandomRotation
from ._random_geometric import RandomTranslation as RandomTranslation
from ._random_geometric import RandomZoom as RandomZoom
from ._recurrent import GRU as GRU
from ._recurrent import LSTM as LSTM
from ._recurrent import RNN as RNN
from ._recurrent import SimpleRNN as SimpleRNN
from ._repeat_vector import RepeatVector as RepeatVector
from ._rescaling_permute import Permute as Permute
from ._rescaling_permute import Rescaling as Rescaling
from ._rnn_cells import GRUCell as GRUCell
from ._rnn_cells import LSTMCell as LSTMCell
from ._rnn_cells import SimpleRNNCell as SimpleRNNCell
from ._rnn_cells import StackedRNNCells as StackedRNNCells
from ._spectral_norm import SpectralNormalization as SpectralNormalization
from ._text_layers import IntegerLookup as IntegerLookup
from ._text_layers import StringLookup as StringLookup
from ._text_layers import TextVectorization as TextVectorization
from ._wrappers import Bidirectional as Bidirectional
from ._wrappers import TimeDistributed as TimeDistributed

# Keras' second names for the same classes (``keras.layers.MaxPool2D is MaxPooling2D``).
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D
Convolution1D = Conv1D
Convolution1DTranspose = Conv1DTranspose
Convolution2D = Conv2D
Convolution2DTranspose = Conv2DTranspose
Convolution3D = Conv3D
Convolution3DTranspose = Conv3DTranspose
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D

# Imported on first use: the callbacks bring in tf.summary's writer (TensorBoard), urllib
# (RemoteMonitor) and checkpointing, which a script that only trains does not need.
_LAZY = ("callbacks", "utils")


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
