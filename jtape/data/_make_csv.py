"""``tf.data.experimental.make_csv_dataset``: batches of CSV rows as dicts of columns.

Built from jtape's own pieces in TF's order: the matching files (sorted; shuffled when
``shuffle``), read one ``CsvDataset`` per file through ``interleave`` (``num_parallel_reads``
files at a time, one row each in turn), rows shuffled and repeated ``num_epochs`` times,
batched (dropping the last partial batch when repeating forever, as TF) and turned into a
dict of column name -> batch (and the label column split off when ``label_name`` is given).
Column names come from the header and column types, when not given, from the first
``num_rows_for_inference`` rows, with TF's rules (int32, int64, float32, float64, string:
the first type every value of the column fits).
"""

from __future__ import annotations

import collections
import csv
import glob
import io

import numpy as np

from .. import _dtypes
from ._dataset import AUTOTUNE, Dataset
from ._file_datasets import CsvDataset, _read

_TYPE_ORDER = ("int32", "int64", "float32", "float64", "string")


def _file_names(file_pattern) -> list[str]:
    patterns = file_pattern if isinstance(file_pattern, list) else [file_pattern]
    if isinstance(file_pattern, list) and not file_pattern:
        raise ValueError("Argument `file_pattern` should not be empty.")
    names = [m for p in patterns for m in glob.glob(p.decode() if isinstance(p, bytes) else p)]
    if not names:
        raise ValueError(f"No files match `file_pattern` {file_pattern}.")
    return sorted(names)


def _rows(path: str, compression_type, delim: str, quoting: bool):
    text = _read(path, compression_type).decode()
    return csv.reader(
        io.StringIO(text),
        delimiter=delim,
        quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE,
    )


def _fits(value: str, kind: str) -> bool:
    """Whether the CSV field ``value`` parses as ``kind`` (TF's inference rules)."""
    try:
        if kind == "int32":
            return int(np.int32(value)) == int(np.int64(value))
        if kind == "int64":
            np.int64(value)
            return True
        if kind in ("float32", "float64"):
            with np.errstate(over="ignore"):  # too large for float32: inf, so not float32
                return bool(np.dtype(kind).type(value) < np.inf)
    except (ValueError, OverflowError):
        return False
    return True  # string


def _infer_type(value: str, na_value: str, previous: str | None) -> str | None:
    if value in ("", na_value):
        return previous  # an empty field says nothing about the type
    start = 0 if previous is None else _TYPE_ORDER.index(previous)
    return next(k for k in _TYPE_ORDER[start:] if _fits(value, k))


def _infer_defaults(files, n_columns, selected, na_value, header, limit, read_rows):
    kinds: list = [None] * len(selected)
    count = 0
    for path in files:
        rows = read_rows(path)
        line = 1
        if header:
            next(rows, None)
            line += 1
        for row in rows:
            if len(row) != n_columns:  # checked before the limit, as TF
                raise ValueError(
                    f"Problem inferring types: CSV row {line} has {len(row)} number of "
                    f"fields. Expected: {n_columns}."
                )
            if limit is not None and count >= limit:
                break
            for j, c in enumerate(selected):
                kinds[j] = _infer_type(row[c], na_value, kinds[j])
            count += 1
            line += 1
        if limit is not None and count >= limit:
            break
    kinds = [k or "string" for k in kinds]
    return ["" if k == "string" else np.zeros((), k) for k in kinds]


def _column_indices(select_columns, names: list) -> list[int]:
    where = {n: i for i, n in enumerate(names)}
    out = []
    for v in select_columns:
        if isinstance(v, int):
            if not 0 <= v < len(names):
                raise ValueError(
                    f"Column index {v} specified in `select_columns` should be > 0  and <= "
                    f"{len(names)}, which is the number of columns."
                )
            out.append(v)
        elif v not in where:
            raise ValueError(
                f"Column {v} specified in `select_columns` must be of one of the columns: "
                f"{where.keys()}."
            )
        else:
            out.append(where[v])
    if len(set(out)) != len(out):
        dup = {a for a in out if out.count(a) > 1}
        raise ValueError(f"The `select_columns` argument contains duplicate columns: {dup}.")
    return sorted(out)


def _as_record_default(d):
    """A ``column_defaults`` entry: a dtype means a required column, anything else a default."""
    if isinstance(d, (_dtypes.DType, np.dtype, type)):
        return _dtypes.as_dtype(d)
    return d


def make_csv_dataset(
    file_pattern,
    batch_size: int,
    column_names=None,
    column_defaults=None,
    label_name: str | None = None,
    select_columns=None,
    field_delim: str = ",",
    use_quote_delim: bool = True,
    na_value: str = "",
    header: bool = True,
    num_epochs: int | None = None,
    shuffle: bool = True,
    shuffle_buffer_size: int = 10000,
    shuffle_seed: int | None = None,
    prefetch_buffer_size=None,
    num_parallel_reads=None,
    sloppy: bool = False,
    num_rows_for_inference: int = 100,
    compression_type=None,
    ignore_errors: bool = False,
    encoding: str = "utf-8",
) -> Dataset:
    """Batches of rows of CSV files as ``{column: values}`` (and labels with ``label_name``).

    Example:
        >>> import os, tempfile, jtape as jt
        >>> path = os.path.join(tempfile.mkdtemp(), "a.csv")
        >>> _ = open(path, "w").write("x,name,y\\n1,a,0.5\\n2,b,1.5\\n3,c,2.5\\n")
        >>> ds = jt.data.experimental.make_csv_dataset(
        ...     path, 2, label_name="y", num_epochs=1, shuffle=False)
        >>> [(f["x"].numpy().tolist(), f["name"].numpy().tolist(), y.numpy().tolist())
        ...  for f, y in ds]
        [([1, 2], [b'a', b'b'], [0.5, 1.5]), ([3], [b'c'], [2.5])]
    """
    files = _file_names(file_pattern)
    parallel = 1 if num_parallel_reads in (None, AUTOTUNE) else int(num_parallel_reads)

    def read_rows(path):  # probing the header and the column types
        if compression_type not in (None, "", "GZIP"):
            raise ValueError(
                f"`compression_type` {compression_type} is not supported for probing columns."
            )
        return _rows(path, compression_type, field_delim, use_quote_delim)

    if column_names is None:
        if not header:
            raise ValueError("Expected `column_names` or `header` arguments. Neither is provided.")
        firsts = []
        for path in files:
            first = next(read_rows(path), None)
            if first is None:
                raise ValueError(
                    f"Failed when reading the header line of {path}. Is it an empty file?"
                )
            firsts.append(first)
        column_names = firsts[0]
        for path, first in zip(files[1:], firsts[1:]):
            if first != column_names:
                raise ValueError(
                    "All input CSV files should have the same column names in the header "
                    f"row. File {path} has different column names."
                )
    column_names = list(column_names)
    if len(set(column_names)) != len(column_names):
        dup = {n for n in column_names if column_names.count(n) > 1}
        raise ValueError(
            "Either `column_names` argument or CSV header row contains duplicate column "
            f"names: {dup}."
        )
    selected = None
    if select_columns is not None:
        selected = _column_indices(list(select_columns), column_names)
    if column_defaults is not None:
        defaults = [_as_record_default(d) for d in column_defaults]
    else:
        defaults = _infer_defaults(
            files,
            len(column_names),
            selected if selected is not None else range(len(column_names)),
            na_value,
            header,
            num_rows_for_inference,
            read_rows,
        )
    if selected is not None and len(defaults) != len(selected):
        raise ValueError(
            "If specified, `column_defaults` and `select_columns` must have the same length: "
            f"`column_defaults` has length {len(defaults)}, `select_columns` has length "
            f"{len(selected)}."
        )
    names = column_names if selected is None else [column_names[i] for i in selected]
    if label_name is not None and label_name not in names:
        raise ValueError(
            f"`label_name` provided must be one of the columns: {names}. Received: {label_name}."
        )

    def one_file(path):
        return CsvDataset(
            path,
            defaults,
            compression_type=compression_type,
            header=header,
            field_delim=field_delim,
            use_quote_delim=use_quote_delim,
            na_value=na_value,
            select_cols=selected,
            _skip_bad_rows=bool(ignore_errors),
        )

    ds = Dataset.from_tensor_slices(np.array([f.encode() for f in files], dtype=object))
    if shuffle:
        ds = ds.shuffle(len(files), shuffle_seed)
    ds = ds.interleave(
        lambda f: one_file(f.numpy().decode()), cycle_length=parallel, block_length=1
    )
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size, shuffle_seed)
    if num_epochs != 1:
        ds = ds.repeat(num_epochs)
    ds = ds.batch(batch_size, drop_remainder=num_epochs is None)

    def to_dict(*columns):
        features = collections.OrderedDict(zip(names, columns))  # column order, as TF
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label

    ds = ds.map(to_dict)
    return ds.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)
