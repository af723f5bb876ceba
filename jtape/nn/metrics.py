"""Keras metrics (``keras.metrics``): stateful classes with ``update_state``/``result``/
``reset_state`` whose state lives in non-trainable Variables, and per-sample functions."""

from ._losses import binary_crossentropy as binary_crossentropy
from ._losses import categorical_crossentropy as categorical_crossentropy
from ._losses import kl_divergence as kl_divergence
from ._losses import mean_absolute_error as mean_absolute_error
from ._losses import mean_squared_error as mean_squared_error
from ._losses import sparse_categorical_crossentropy as sparse_categorical_crossentropy
from ._metrics import AUC as AUC
from ._metrics import Accuracy as Accuracy
from ._metrics import BinaryAccuracy as BinaryAccuracy
from ._metrics import BinaryCrossentropy as BinaryCrossentropy
from ._metrics import CategoricalAccuracy as CategoricalAccuracy
from ._metrics import CategoricalCrossentropy as CategoricalCrossentropy
from ._metrics import Mean as Mean
from ._metrics import MeanAbsoluteError as MeanAbsoluteError
from ._metrics import MeanMetricWrapper as MeanMetricWrapper
from ._metrics import MeanSquaredError as MeanSquaredError
from ._metrics import Metric as Metric
from ._metrics import Precision as Precision
from ._metrics import Recall as Recall
from ._metrics import SparseCategoricalAccuracy as SparseCategoricalAccuracy
from ._metrics import SparseCategoricalCrossentropy as SparseCategoricalCrossentropy
from ._metrics import Sum as Sum
from ._metrics import accuracy as accuracy
from ._metrics import binary_accuracy as binary_accuracy
from ._metrics import categorical_accuracy as categorical_accuracy
from ._metrics import deserialize as deserialize
from ._metrics import get as get
from ._metrics import serialize as serialize
from ._metrics import sparse_categorical_accuracy as sparse_categorical_accuracy
