"""Keras losses (``keras.losses``): function forms return per-sample losses, classes
also weight and reduce them. Every loss is a jtape op, so tapes differentiate it."""

from ._losses import EPSILON as EPSILON
from ._losses import KLD as KLD
from ._losses import MAE as MAE
from ._losses import MSE as MSE
from ._losses import BinaryCrossentropy as BinaryCrossentropy
from ._losses import CategoricalCrossentropy as CategoricalCrossentropy
from ._losses import CosineSimilarity as CosineSimilarity
from ._losses import Huber as Huber
from ._losses import KLDivergence as KLDivergence
from ._losses import Loss as Loss
from ._losses import LossFunctionWrapper as LossFunctionWrapper
from ._losses import MeanAbsoluteError as MeanAbsoluteError
from ._losses import MeanSquaredError as MeanSquaredError
from ._losses import Reduction as Reduction
from ._losses import SparseCategoricalCrossentropy as SparseCategoricalCrossentropy
from ._losses import binary_crossentropy as binary_crossentropy
from ._losses import categorical_crossentropy as categorical_crossentropy
from ._losses import cosine_similarity as cosine_similarity
from ._losses import deserialize as deserialize
from ._losses import get as get
from ._losses import huber as huber
from ._losses import kl_divergence as kl_divergence
from ._losses import kld as kld
from ._losses import kullback_leibler_divergence as kullback_leibler_divergence
from ._losses import mae as mae
from ._losses import mean_absolute_error as mean_absolute_error
from ._losses import mean_squared_error as mean_squared_error
from ._losses import mse as mse
from ._losses import reduce_weighted_values as reduce_weighted_values
from ._losses import serialize as serialize
from ._losses import sparse_categorical_crossentropy as sparse_categorical_crossentropy
from ._losses import squeeze_or_expand_to_same_rank as squeeze_or_expand_to_same_rank
