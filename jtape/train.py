"""Checkpoints and Example protos (``jt.train``, TensorFlow's ``tf.train``)."""

from ._checkpoint import Checkpoint as Checkpoint
from ._checkpoint import CheckpointLoadStatus as CheckpointLoadStatus
from ._checkpoint import CheckpointManager as CheckpointManager
from ._checkpoint import latest_checkpoint as latest_checkpoint
from ._checkpoint_io import CheckpointError as CheckpointError
from ._checkpoint_io import CheckpointReader as CheckpointReader
from ._checkpoint_io import list_variables as list_variables
from ._checkpoint_io import load_checkpoint as load_checkpoint
from ._checkpoint_io import load_variable as load_variable
from ._example_proto import BytesList as BytesList
from ._example_proto import Example as Example
from ._example_proto import Feature as Feature
from ._example_proto import FeatureList as FeatureList
from ._example_proto import FeatureLists as FeatureLists
from ._example_proto import Features as Features
from ._example_proto import FloatList as FloatList
from ._example_proto import Int64List as Int64List
from ._example_proto import SequenceExample as SequenceExample

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
    "BytesList",
    "Example",
    "Feature",
    "FeatureList",
    "FeatureLists",
    "Features",
    "FloatList",
    "Int64List",
    "SequenceExample",
]
