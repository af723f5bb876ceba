"""Checkpoints (``jt.train``, TensorFlow's ``tf.train``)."""

from ._checkpoint import Checkpoint as Checkpoint
from ._checkpoint import CheckpointError as CheckpointError
from ._checkpoint import CheckpointLoadStatus as CheckpointLoadStatus
from ._checkpoint import CheckpointManager as CheckpointManager
from ._checkpoint import latest_checkpoint as latest_checkpoint
