"""``tf.data.TFRecordDataset``: the records of TFRecord files as scalar strings.

The files are read on the host by :mod:`jtape._tfrecord` (checksums verified; a bad
record raises ``DataLossError`` when it is reached, as in TF).

Example:
    >>> import os, tempfile, jtape as jt, jtape.compat as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "a.tfrecord")
    >>> with tf.io.TFRecordWriter(path) as w:
    ...     w.write(b"one"); w.write(b"two")
    >>> [r.numpy() for r in jt.data.TFRecordDataset(path)]
    [b'one', b'two']
"""

from __future__ import annotations

import numpy as np

from .. import _dtypes, _tfrecord
from ._dataset import UNKNOWN_CARDINALITY, Dataset
from ._file_datasets import _paths
from ._structure import TensorSpec


def _file_names(filenames) -> list[str] | Dataset:
    if isinstance(filenames, Dataset):
        return filenames
    return _paths(filenames, "TFRecordDataset")


def TFRecordDataset(  # noqa: N802 - TF's class name
    filenames, compression_type=None, buffer_size=None, num_parallel_reads=None, name=None
) -> Dataset:
    """One scalar string per record of the files (``tf.data.TFRecordDataset``).

    ``filenames`` is a file name, a list or string tensor of them, or a dataset of
    them. With ``num_parallel_reads=n > 1`` records come from ``n`` files in turn (one
    record each, in file order), as TF's deterministic parallel read interleaves them.

    Example:
        >>> import os, tempfile, jtape as jt, jtape.compat as tf
        >>> d = tempfile.mkdtemp()
        >>> for i in (0, 1):
        ...     with tf.io.TFRecordWriter(os.path.join(d, f"{i}.rec"), "GZIP") as w:
        ...         w.write(f"a{i}"); w.write(f"b{i}")
        >>> files = [os.path.join(d, f"{i}.rec") for i in (0, 1)]
        >>> ds = jt.data.TFRecordDataset(files, "GZIP", num_parallel_reads=2)
        >>> [r.numpy() for r in ds]
        [b'a0', b'a1', b'b0', b'b1']
    """
    sources = _file_names(filenames)
    _tfrecord.compression_kind(compression_type)
    width = 1 if num_parallel_reads is None else int(num_parallel_reads)
    if width == -1:  # AUTOTUNE: TF then reads in parallel; the order stays deterministic
        width = 1
    if width < 1:
        raise ValueError(f"TFRecordDataset: num_parallel_reads must be >= 1, got {width}")

    def paths():
        if isinstance(sources, Dataset):
            for f in sources:
                v = f.numpy()
                yield v.decode() if isinstance(v, bytes) else str(v)
        else:
            yield from sources

    def records(path):
        for record in _tfrecord.read_records(path, compression_type):
            yield np.array(record, dtype=object)

    def make_iter():
        if width == 1:
            for path in paths():
                yield from records(path)
            return
        pending = paths()
        active = []
        for path in pending:
            active.append(records(path))
            if len(active) == width:
                break
        i = 0
        while active:
            try:
                yield next(active[i])
                i += 1
            except StopIteration:
                nxt = next(pending, None)
                if nxt is None:
                    del active[i]
                else:  # the next file takes the slot; its turn comes in the next cycle
                    active[i] = records(nxt)
                    i += 1
            if active:
                i %= len(active)

    return Dataset(
        make_iter, TensorSpec((), _dtypes.string), UNKNOWN_CARDINALITY, "TFRecordDataset"
    )
