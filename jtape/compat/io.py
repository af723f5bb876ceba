"""``tf.io``: local files, ``TensorProto`` bytes, PNG images, TFRecord files and Example parsing.

``tf.io.gfile`` is a namespace of local-file functions (``GFile``, ``exists``, ...).
"""

from __future__ import annotations

import types

from .. import _example_parse, _io, _tfrecord
from ._api import tf_api
from ._missing import missing

# TF name -> jtape callable (all take TF's argument names already).
TABLE = {
    "decode_image": _io.decode_image,
    "decode_png": _io.decode_png,
    "encode_png": _io.encode_png,
    "parse_example": _example_parse.parse_example,
    "parse_single_example": _example_parse.parse_single_example,
    "parse_single_sequence_example": _example_parse.parse_single_sequence_example,
    "parse_tensor": _io.parse_tensor,
    "read_file": _io.read_file,
    "serialize_tensor": _io.serialize_tensor,
    "write_file": _io.write_file,
}
_API = {name: tf_api(fn, tf_name=name) for name, fn in TABLE.items()}
globals().update(_API)

_GFILE = (
    "GFile",
    "copy",
    "exists",
    "glob",
    "isdir",
    "listdir",
    "makedirs",
    "mkdir",
    "remove",
    "rename",
    "rmtree",
    "walk",
)
gfile = types.ModuleType("jtape.compat.io.gfile", "``tf.io.gfile`` on local paths.")
for _name in _GFILE:
    setattr(gfile, _name, getattr(_io, _name))
gfile.__getattr__ = missing("tf.io.gfile")

# Classes and spec tuples, exported as they are.
_CLASSES = {
    "TFRecordWriter": _tfrecord.TFRecordWriter,
    "TFRecordOptions": _tfrecord.TFRecordOptions,
    "FixedLenFeature": _example_parse.FixedLenFeature,
    "FixedLenSequenceFeature": _example_parse.FixedLenSequenceFeature,
    "VarLenFeature": _example_parse.VarLenFeature,
    "RaggedFeature": _example_parse.RaggedFeature,
    "SparseFeature": _example_parse.SparseFeature,
}
globals().update(_CLASSES)

__all__ = sorted([*TABLE, *_CLASSES, "gfile"])

__getattr__ = missing("tf.io")
