"""Checkpoints (``jt.train``, TensorFlow's ``tf.train``)."""

from ._checkpoint import Checkpoint as Checkpoint
from ._checkpoint import CheckpointLoadStatus as CheckpointLoadStatus
from ._checkpoint import CheckpointManager as CheckpointManager
from ._checkpoint import latest_checkpoint as latest_checkpoint
from ._checkpoint_io import CheckpointError as CheckpointError
from ._checkpoint_io import CheckpointReader as CheckpointReader
from ._checkpoint_io import list_variables as list_variables
from ._checkpoint_io import load_checkpoint as load_checkpoint
from ._checkpoint_io import load_variable as load_variable

__all__ = [
    "Checkpoint",
    "CheckpointLoadStatus",
    "CheckpointManager",
    "latest_checkpoint",
    "CheckpointError",
    "CheckpointReader",
    "list_variables",
    "load_checkpoint",
    "load_variable",
]
