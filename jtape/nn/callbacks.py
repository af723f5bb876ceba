"""Callbacks for ``Model.fit``, ``evaluate`` and ``predict`` (``keras.callbacks``)."""

from ._callbacks import Callback as Callback
from ._callbacks import CallbackList as CallbackList
from ._callbacks import EarlyStopping as EarlyStopping
from ._callbacks import History as History
from ._callbacks import LambdaCallback as LambdaCallback
from ._callbacks import LearningRateScheduler as LearningRateScheduler
from ._callbacks import ProgbarLogger as ProgbarLogger
from ._checkpoint_callbacks import BackupAndRestore as BackupAndRestore
from ._checkpoint_callbacks import ModelCheckpoint as ModelCheckpoint
from ._tensorboard_callback import TensorBoard as TensorBoard
from ._training_callbacks import CSVLogger as CSVLogger
from ._training_callbacks import ReduceLROnPlateau as ReduceLROnPlateau
from ._training_callbacks import RemoteMonitor as RemoteMonitor
from ._training_callbacks import TerminateOnNaN as TerminateOnNaN
