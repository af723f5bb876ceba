"""``Dataset.save`` / ``Dataset.load`` and ``Dataset.cache(filename)``, in jtape's file format.

``save`` writes the elements of one full pass and the element spec to a directory;
``load`` reads them back exactly (values, dtypes, shapes, nesting, cardinality). The
format is jtape's own (``_element_file``), not TensorFlow's snapshot format: a directory
TF wrote is recognised and refused with an error saying so.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

from .._op_errors import InvalidArgumentError, NotFoundError, UnimplementedError
from . import _element_file, _structure
from ._dataset import Dataset

_META = "jtape_dataset.json"
_DATA = "elements.bin"


def _check_compression(compression) -> str | None:
    if compression not in (None, "", "GZIP"):
        raise ValueError(f"compression must be None, '' or 'GZIP' in jtape, got {compression!r}")
    return compression or None


def save(
    self: Dataset,
    path: str,
    compression: str | None = None,
    shard_func: Callable | None = None,
    checkpoint_args=None,
) -> None:
    """Write every element to the directory ``path`` (replacing what is there).

    ``shard_func`` and ``checkpoint_args`` are accepted and ignored: jtape writes one
    shard and has no checkpointed writer.

    Example:
        >>> import tempfile, jtape as jt
        >>> path = tempfile.mkdtemp()
        >>> jt.data.Dataset.from_tensor_slices({"x": [1, 2], "s": ["a", "b"]}).save(path)
        >>> ds = jt.data.Dataset.load(path)
        >>> [(int(e["x"]), e["s"].numpy()) for e in ds], int(ds.cardinality())
        ([(1, b'a'), (2, b'b')], 2)
    """
    compression = _check_compression(compression)
    path = os.fspath(path)
    spec = self.element_spec
    _element_file.spec_to_json(spec)  # a clear error before anything is written
    os.makedirs(path, exist_ok=True)
    for name in (_META, _DATA):
        if os.path.exists(os.path.join(path, name)):
            os.remove(os.path.join(path, name))
    count = _element_file.write_elements(os.path.join(path, _DATA), self._make_iter(), compression)
    _element_file.write_meta(os.path.join(path, _META), spec, count, compression)


def _refuse_tf_files(path: str, what: str) -> None:
    raise UnimplementedError(
        f"{what}: {path!r} was written by TensorFlow (its snapshot format), which jtape "
        "cannot read. Save the dataset with jtape (Dataset.save), or export the elements "
        "from TensorFlow in a plain format (e.g. TFRecord files of tf.train.Example, read "
        "with tf.data.TFRecordDataset)."
    )


def load(
    path: str,
    element_spec=None,
    compression: str | None = None,
    reader_func: Callable | None = None,
) -> Dataset:
    """The dataset :meth:`Dataset.save` wrote to ``path``.

    ``element_spec`` may be given (TF needs it in graph code); the stored dtypes must
    match it or iteration raises ``InvalidArgumentError``. ``reader_func`` is ignored.
    """
    compression = _check_compression(compression)
    path = os.fspath(path)
    meta = _element_file.read_meta(os.path.join(path, _META))
    if meta is None:
        if os.path.exists(os.path.join(path, "dataset_spec.pb")) or os.path.exists(
            os.path.join(path, "snapshot.metadata")
        ):
            _refuse_tf_files(path, "Dataset.load")
        raise NotFoundError(
            f"tf.data snapshot element_spec file not found: {os.path.join(path, _META)}."
        )
    stored = _element_file.spec_from_json(meta["element_spec"])
    spec = stored if element_spec is None else element_spec
    stored_leaves, treedef = _structure.flatten(stored)
    data = os.path.join(path, _DATA)

    def make_iter():
        if element_spec is not None:
            _check_spec(stored_leaves, treedef, element_spec)
        return _element_file.read_elements(data, treedef, compression)

    return Dataset(make_iter, spec, meta["cardinality"], "LoadDataset")


def _check_spec(stored_leaves, treedef, element_spec) -> None:
    given, given_tree = _structure.flatten(element_spec)
    if given_tree != treedef:
        raise InvalidArgumentError(
            f"Dataset.load: element_spec has the structure {given_tree}, the saved "
            f"elements {treedef}"
        )
    for i, (a, b) in enumerate(zip(stored_leaves, given)):
        want, got = _element_file.spec_to_json(b)["dtype"], _element_file.spec_to_json(a)["dtype"]
        if want != got:
            raise InvalidArgumentError(
                f"Data type mismatch at component {i}: expected {want} but got {got}."
            )


def file_cache(self: Dataset, filename: str) -> Dataset:
    """``cache(filename)``: the first complete pass is written to ``filename.*``; every
    later pass, of this or any dataset caching to the same name, reads the file (as TF)."""
    filename = os.fspath(filename)
    index, data = filename + ".index", filename + ".data-00000-of-00001"
    upstream = self._make_iter
    spec = self._spec

    def make_iter():
        if os.path.exists(index):
            meta = _element_file.read_meta(index)
            if meta is None:
                _refuse_tf_files(filename, "Dataset.cache")
            treedef = _structure.flatten(_element_file.spec_from_json(meta["element_spec"]))[1]
            return _element_file.read_elements(data, treedef)
        return fill()

    def fill():
        return _stream_to_file(upstream(), self, index, data)

    return self._derive(make_iter, spec, self._cardinality, "CacheDataset")


def _stream_to_file(elements, dataset: Dataset, index: str, data: str):
    """Yield ``elements`` while writing them; publish the file once the pass completes."""
    _element_file.spec_to_json(dataset.element_spec)  # dense tensors only: say so first
    tmp = f"{data}.tmp{os.getpid()}"
    os.makedirs(os.path.dirname(os.path.abspath(data)), exist_ok=True)
    writer = _element_file.StreamWriter(tmp)
    count = 0
    try:
        for e in elements:
            writer.write(e)
            count += 1
            yield e
    except BaseException:
        writer.close()
        os.remove(tmp)
        raise
    writer.close()
    if not os.path.exists(index):  # the first complete pass wins
        shutil.move(tmp, data)
        _element_file.write_meta(index, dataset.element_spec, count, None)
    else:
        os.remove(tmp)


def snapshot(
    self: Dataset,
    path: str,
    compression: str | None = "AUTO",
    reader_func: Callable | None = None,
    shard_func: Callable | None = None,
    name: str | None = None,
) -> Dataset:
    """The same elements (``Dataset.snapshot``). TF persists them under ``path`` to skip
    recomputing an identical pipeline in a later run; jtape computes them each time and
    writes nothing (the elements are the same either way).

    Example:
        >>> import tempfile, jtape as jt
        >>> [int(x) for x in jt.data.Dataset.range(3).snapshot(tempfile.mkdtemp())]
        [0, 1, 2]
    """
    return self._derive(self._make_iter, self._spec, self._cardinality, "MapDataset")


Dataset.save = save
Dataset.snapshot = snapshot
Dataset.load = staticmethod(load)
