"""Datasets read from files: ``TextLineDataset``, ``experimental.CsvDataset``, ``list_files``.

They read with Python's own I/O (``gzip``/``zlib`` for compressed files) on the host, as
every jtape.data source does, and follow TF 2.21's element rules: a line without its
``\\n`` (nor a ``\\r`` before it), CSV fields parsed by ``record_defaults`` (a dtype: a
required column; a value: the default for an empty or ``na_value`` field).

Example:
    >>> import os, tempfile, jtape as jt
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(path, "w").write("one\\ntwo\\n")
    >>> [line.numpy() for line in jt.data.TextLineDataset(path)]
    [b'one', b'two']
"""

from __future__ import annotations

import csv
import glob
import gzip
import io
import zlib

import numpy as np

from .. import _dtypes
from .._op_errors import InvalidArgumentError
from .._tensor import Tensor
from . import _structure
from ._dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from ._structure import TensorSpec


def _paths(filenames, what: str) -> list[str]:
    """File names from a str/bytes, a list of them, or a string Tensor."""
    if isinstance(filenames, Dataset):
        raise TypeError(
            f"{what}: pass file names (a string, a list, or a string tensor); to read the "
            "files of a dataset use files.interleave(" + what + ") or flat_map"
        )
    values = np.asarray(filenames.numpy() if isinstance(filenames, Tensor) else filenames)
    out = []
    for v in values.reshape(-1).tolist():
        out.append(v.decode() if isinstance(v, bytes) else str(v))
    if not out:
        raise InvalidArgumentError(f"{what}: `filenames` must be a non-empty list of files")
    return out


def _read(path: str, compression_type) -> bytes:
    kind = (compression_type or "").upper()
    with open(path, "rb") as f:
        data = f.read()
    if kind == "":
        return data
    if kind == "GZIP":
        return gzip.decompress(data)
    if kind == "ZLIB":
        return zlib.decompress(data)
    raise ValueError(f"compression_type must be '', 'GZIP' or 'ZLIB', got {compression_type!r}")


def _lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the file's final newline ends a line, it does not start one
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def TextLineDataset(  # noqa: N802 - TF's class name
    filenames, compression_type=None, buffer_size=None, num_parallel_reads=None, name=None
) -> Dataset:
    """One scalar string per line of the files, in order (``tf.data.TextLineDataset``).

    Example:
        >>> import os, tempfile, jtape as jt
        >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> _ = open(path, "w").write("x\\r\\ny")
        >>> [line.numpy() for line in jt.data.TextLineDataset([path, path])]
        [b'x', b'y', b'x', b'y']
    """
    paths = _paths(filenames, "TextLineDataset")

    def make_iter():
        for path in paths:
            for line in _lines(_read(path, compression_type)):
                yield np.array(line, dtype=object)

    return Dataset(
        make_iter, TensorSpec((), _dtypes.string), UNKNOWN_CARDINALITY, "TextLineDataset"
    )


_CSV_TYPES = ("int32", "int64", "float32", "float64", "string")


def _column(default, i: int):
    """(numpy dtype or 'string', default value or None) of one ``record_defaults`` entry."""
    if isinstance(default, Tensor):
        default = default.numpy()
    if isinstance(default, (_dtypes.DType, np.dtype, type)):  # a str is a default value
        return _dtypes.as_dtype(default).name, None
    arr = np.asarray(default)
    if arr.dtype.kind in "USO":
        value = arr.reshape(-1)[0] if arr.size else b""
        return "string", value if isinstance(value, bytes) else str(value).encode()
    arr = np.asarray(_structure.to_host(default))
    if arr.size != 1:
        raise ValueError(f"CsvDataset: record_defaults[{i}] must be a scalar, got {default!r}")
    name = arr.dtype.name
    if name not in _CSV_TYPES:
        raise TypeError(f"CsvDataset: record_defaults[{i}] has unsupported dtype {name}")
    return name, arr.reshape(())


def _parse(field: str, dtype: str, i: int):
    if dtype == "string":
        return np.array(field.encode(), dtype=object)
    try:
        if dtype.startswith("int"):
            return np.asarray(int(field), dtype)
        return np.asarray(float(field), dtype)
    except ValueError:
        raise InvalidArgumentError(f"Field {i} in record is not a valid {dtype}: {field}") from None


def CsvDataset(  # noqa: N802 - TF's class name
    filenames,
    record_defaults,
    compression_type=None,
    buffer_size=None,
    header: bool = False,
    field_delim: str = ",",
    use_quote_delim: bool = True,
    na_value: str = "",
    select_cols=None,
    exclude_cols=None,
    name=None,
    *,
    _skip_bad_rows: bool = False,
) -> Dataset:
    """Rows of CSV files as tuples of scalars (``tf.data.experimental.CsvDataset``).

    Each ``record_defaults`` entry is a dtype (a required column: an empty field raises
    ``InvalidArgumentError`` when read) or a default value (its dtype; used for empty
    and ``na_value`` fields).

    Example:
        >>> import os, tempfile, jtape as jt
        >>> path = os.path.join(tempfile.mkdtemp(), "a.csv")
        >>> _ = open(path, "w").write('1,"a,b"\\n,c\\n')
        >>> ds = jt.data.experimental.CsvDataset(path, [0, jt.string])
        >>> [(int(a), b.numpy()) for a, b in ds]
        [(1, b'a,b'), (0, b'c')]
    """
    if select_cols is not None and exclude_cols is not None:
        raise InvalidArgumentError("CsvDataset: give select_cols or exclude_cols, not both")
    paths = _paths(filenames, "CsvDataset")
    columns = [_column(d, i) for i, d in enumerate(record_defaults)]
    if select_cols is not None:
        select = [int(c) for c in select_cols]
        if len(select) != len(columns):
            raise ValueError(
                f"CsvDataset: select_cols has {len(select)} entries but record_defaults has "
                f"{len(columns)}"
            )
    else:
        select = None
    exclude = None if exclude_cols is None else {int(c) for c in exclude_cols}

    def fields(row: list[str]) -> list[str]:
        if select is not None:
            return [row[c] if c < len(row) else "" for c in select]
        if exclude is not None:
            return [f for c, f in enumerate(row) if c not in exclude]
        return row

    def make_iter():
        for row in rows_of_files():
            try:
                yield parse_row(row)
            except InvalidArgumentError:
                if not _skip_bad_rows:  # make_csv_dataset(ignore_errors=True) skips them
                    raise

    def rows_of_files():
        for path in paths:
            text = _read(path, compression_type).decode()
            lines = text.splitlines()
            if header:
                lines = lines[1:]
            if use_quote_delim:
                rows = csv.reader(io.StringIO("\n".join(lines)), delimiter=field_delim)
            else:
                rows = (line.split(field_delim) for line in lines)
            yield from rows

    def parse_row(row):
        values = fields(list(row))
        if len(values) != len(columns):
            raise InvalidArgumentError(
                f"Expect {len(columns)} fields but have {len(values)} in record"
            )
        out = []
        for i, (field, (dtype, default)) in enumerate(zip(values, columns)):
            if field == "" or field == na_value:
                if default is None:
                    raise InvalidArgumentError(f"Field {i} is required but missing in record!")
                out.append(np.asarray(default, object if dtype == "string" else dtype))
            else:
                out.append(_parse(field, dtype, i))
        return tuple(out)

    spec = tuple(
        TensorSpec((), _dtypes.string if d == "string" else _structure.jnp_dtype(d))
        for d, _ in columns
    )
    return Dataset(make_iter, spec, UNKNOWN_CARDINALITY, "CsvDataset")


def list_files(file_pattern, shuffle=None, seed=None, name=None) -> Dataset:
    """The files matching the glob pattern(s), sorted; shuffled unless ``shuffle=False``
    (TF's default is True; the order comes from jtape's random stream, not TF's).

    Example:
        >>> import os, tempfile, jtape as jt
        >>> d = tempfile.mkdtemp()
        >>> for n in ("b.txt", "a.txt"):
        ...     _ = open(os.path.join(d, n), "w").write("x")
        >>> ds = jt.data.Dataset.list_files(os.path.join(d, "*.txt"), shuffle=False)
        >>> [os.path.basename(f.numpy().decode()) for f in ds]
        ['a.txt', 'b.txt']
    """
    patterns = _paths(file_pattern, "list_files")
    matched = sorted({path for p in patterns for path in glob.glob(p)})
    if not matched:
        raise InvalidArgumentError(f"No files matched pattern: {', '.join(patterns)}")
    ds = Dataset.from_tensor_slices(np.array([m.encode() for m in matched], dtype=object))
    if shuffle is None or shuffle:
        ds = ds.shuffle(len(matched), seed=seed)
    return ds


def counter(start: int = 0, step: int = 1, dtype=np.int64, name=None) -> Dataset:
    """``start, start + step, ...`` without end (``tf.data.Dataset.counter``).

    Example:
        >>> import jtape as jt
        >>> [int(x) for x in jt.data.Dataset.counter(2, 3).take(3)]
        [2, 5, 8]
    """
    np_dtype = _structure.jnp_dtype(dtype)

    def make_iter():
        value = start
        while True:
            yield np.asarray(value, np_dtype)
            value += step

    return Dataset(make_iter, TensorSpec((), np_dtype), INFINITE_CARDINALITY, "CounterDataset")


def get_single_element(dataset: Dataset, name=None):
    """The dataset's only element; InvalidArgumentError when it has none or several."""
    it = iter(dataset)
    try:
        first = next(it)
    except StopIteration:
        raise InvalidArgumentError("Dataset was empty.") from None
    try:
        next(it)
    except StopIteration:
        return first
    raise InvalidArgumentError("Dataset had more than one element.")


Dataset.list_files = staticmethod(list_files)
Dataset.counter = staticmethod(counter)
Dataset.get_single_element = get_single_element


def FixedLengthRecordDataset(  # noqa: N802 - TF's class name
    filenames,
    record_bytes: int,
    header_bytes=None,
    footer_bytes=None,
    buffer_size=None,
    compression_type=None,
    num_parallel_reads=None,
    name=None,
) -> Dataset:
    """Fixed-size records of binary files as scalar strings (``tf.data.FixedLengthRecordDataset``).

    ``header_bytes`` and ``footer_bytes`` of each file are skipped; the rest must be a
    whole number of records (``InvalidArgumentError`` otherwise, as TF).

    Example:
        >>> import os, tempfile, jtape as jt
        >>> path = os.path.join(tempfile.mkdtemp(), "a.bin")
        >>> _ = open(path, "wb").write(b"HHabcdef")
        >>> [r.numpy() for r in jt.data.FixedLengthRecordDataset(path, 3, header_bytes=2)]
        [b'abc', b'def']
    """
    paths = _paths(filenames, "FixedLengthRecordDataset")
    size = int(record_bytes)
    head, foot = int(header_bytes or 0), int(footer_bytes or 0)
    if size <= 0:
        raise InvalidArgumentError(f"record_bytes must be greater than zero, got {size}")

    def make_iter():
        for path in paths:
            data = _read(path, compression_type)
            body = data[head : len(data) - foot]
            if len(body) % size:
                raise InvalidArgumentError(
                    f"Excluding the header ({head} bytes) and footer ({foot} bytes), input "
                    f'file "{path}" has body length {len(body)} bytes, which is not an exact '
                    f"multiple of the record length ({size} bytes)."
                )
            for i in range(0, len(body), size):
                yield np.asarray(body[i : i + size], dtype=object)

    return Dataset(
        make_iter, TensorSpec((), _dtypes.string), UNKNOWN_CARDINALITY, "FixedLengthRecordDatasetV2"
    )
