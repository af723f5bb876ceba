"""``tf.io.parse_single_example`` / ``parse_example`` with ``FixedLenFeature`` specs.

Parsing runs on the host (serialized Examples are string tensors, which live there): in
eager code and in ``Dataset.map`` (a function given strings runs eagerly per element).
Supported specs: ``FixedLenFeature``, ``FixedLenSequenceFeature``, ``RaggedFeature``
(without partitions), ``VarLenFeature`` and ``SparseFeature`` (SparseTensor outputs, built
in ``_example_sparse.py``) of int64, float32 or string.

Example:
    >>> import jtape.compat as tf
    >>> e = tf.train.Example(features=tf.train.Features(feature={
    ...     "x": tf.train.Feature(int64_list=tf.train.Int64List(value=[3, 4]))}))
    >>> out = parse_single_example(e.SerializeToString(), {"x": FixedLenFeature([2], tf.int64)})
    >>> out["x"].numpy().tolist()
    [3, 4]
"""

from __future__ import annotations

import sys
from typing import NamedTuple

import numpy as np

from . import _dtypes, _example_sparse
from ._example_proto import DecodeError, Example, SequenceExample
from ._op_errors import InvalidArgumentError
from ._sparse import SparseTensor
from ._strings import RaggedTensor, StringTensor, to_bytes_array


class FixedLenFeature(NamedTuple):
    """A feature with a fixed number of values (``tf.io.FixedLenFeature``)."""

    shape: object
    dtype: object
    default_value: object = None


class FixedLenSequenceFeature(NamedTuple):
    """A feature with any number of ``shape``-sized values (``tf.io.FixedLenSequenceFeature``)."""

    shape: object
    dtype: object
    allow_missing: bool = False
    default_value: object = None


class VarLenFeature(NamedTuple):
    """A feature with any number of values, parsed into a ``SparseTensor``
    (``tf.io.VarLenFeature``): indices ``[example, position]``, dense shape
    ``[batch, longest]`` (``[position]`` / ``[length]`` for ``parse_single_example``)."""

    dtype: object


class RaggedFeature(NamedTuple):
    """``tf.io.RaggedFeature`` without ``partitions``: a 1-D tensor per Example (a
    ``RaggedTensor`` for a batch; jtape's row_splits are int64 whatever
    ``row_splits_dtype`` says)."""

    dtype: object
    value_key: object = None
    partitions: tuple = ()
    row_splits_dtype: object = None
    validate: bool = False


def _partition(name: str, field: str):
    return NamedTuple(name, [(field, object)])


# RaggedFeature's partition specs (accepted by name; parsing with them raises).
for _name, _field in (
    ("RowSplits", "key"),
    ("RowLengths", "key"),
    ("RowStarts", "key"),
    ("RowLimits", "key"),
    ("ValueRowIds", "key"),
    ("UniformRowLength", "length"),
):
    setattr(RaggedFeature, _name, _partition(_name, _field))


class SparseFeature(NamedTuple):
    """A ``SparseTensor`` of dense shape ``size`` from an index feature per dimension
    (``index_key``, int64) and a value feature (``value_key``), as ``tf.io.SparseFeature``:
    entries sorted by index unless ``already_sorted``; indices are not range-checked."""

    index_key: object
    value_key: object
    dtype: object
    size: object
    already_sorted: bool = False


_KIND = {"int64": "int64_list", "float32": "float_list", "string": "bytes_list"}
_TF_NAME = {"int64": "int64", "float32": "float", "string": "string"}
_KIND_NAME = {"int64_list": "int64", "float_list": "float", "bytes_list": "string"}


def _dtype_name(dtype) -> str:
    d = _dtypes.as_dtype(dtype)
    name = "string" if d == _dtypes.string else d.name
    if name not in _KIND:
        raise InvalidArgumentError(
            f"Value for attr 'Tdense' of {name} is not in the list of allowed values: "
            "float, int64, string"
        )
    return name


def _shape(spec, key) -> tuple[int, ...]:
    if spec.shape is None:
        raise ValueError(f"Missing shape for feature {key}. Received feature={spec!r}.")
    dims = tuple(spec.shape.as_list()) if hasattr(spec.shape, "as_list") else tuple(spec.shape)
    if any(d is None for d in dims):
        raise ValueError(f"All dimensions of shape for feature {key} need to be known, got {dims}")
    return tuple(int(d) for d in dims)


def _check_specs(features: dict) -> None:
    if not isinstance(features, dict) or not features:
        raise ValueError("Invalid argument: features cannot be empty.")
    for key, spec in features.items():
        if isinstance(spec, (VarLenFeature, SparseFeature)):
            name = _example_sparse.dtype_name(spec.dtype)
            if name not in _KIND:
                raise InvalidArgumentError(
                    f"Value for attr 'sparse_types' of {name} is not in the list of allowed "
                    "values: float, int64, string"
                )
            if isinstance(spec, SparseFeature):
                keys, size = _example_sparse.index_keys(spec), _example_sparse.size_of(spec)
                if len(keys) != len(size):
                    raise ValueError(
                        f"SparseFeature {key!r}: {len(keys)} index keys but a size of rank "
                        f"{len(size)}"
                    )
            continue
        if isinstance(spec, RaggedFeature):
            if spec.partitions:
                raise NotImplementedError(
                    f"parse_example: RaggedFeature {key!r} has partitions; jtape parses "
                    "only RaggedFeature(dtype, value_key) without partitions (build the "
                    "nested RaggedTensor with tf.RaggedTensor.from_nested_row_lengths)"
                )
            _dtype_name(spec.dtype)
            continue
        if not isinstance(spec, (FixedLenFeature, FixedLenSequenceFeature)):
            raise ValueError(f"Unsupported feature spec for key {key!r}: {spec!r}")
        if isinstance(spec, FixedLenSequenceFeature) and not spec.allow_missing:
            raise ValueError(
                "Unsupported: FixedLenSequenceFeature requires allow_missing to be True."
            )
        _dtype_name(spec.dtype)
        _shape(spec, key)


def _empty(name: str) -> np.ndarray:
    return np.empty(0, object if name == "string" else name)


class _Where:
    """Where a parse error happened: TF words them differently for one Example and a batch."""

    def __init__(self, key: str, index: int | None) -> None:
        self.key, self.index = key, index

    def __call__(self, single: str, batched: str) -> InvalidArgumentError:
        if self.index is None:
            return InvalidArgumentError(single)
        return InvalidArgumentError(
            f"Name: <unknown>, Key: {self.key}, Index: {self.index}.  {batched}"
        )


def _values(feature, where: _Where, name: str, ragged: bool = False) -> np.ndarray:
    kind = feature.WhichOneof("kind")
    if kind != _KIND[name]:
        if ragged:
            msg = (
                f"Data types don't match. Expected type: {_TF_NAME[name]}, Actual type: "
                f"{_KIND_NAME[kind]}"
            )
        else:
            msg = (
                f"Data types don't match. Data type: {_KIND_NAME[kind]} but expected type: "
                f"{_TF_NAME[name]}"
            )
        raise where(f"Key: {where.key}.  {msg}", msg)
    values = getattr(feature, kind).value
    if name == "string":
        arr = np.empty(len(values), object)
        arr[:] = values
        return arr
    return np.asarray(values, name)


def _default(spec, key: str, name: str, shape: tuple) -> np.ndarray | None:
    if spec.default_value is None:
        return None
    value = spec.default_value
    if hasattr(value, "numpy"):
        value = value.numpy()
    arr = to_bytes_array(value) if name == "string" else np.asarray(value, name)
    size = int(np.prod(shape))
    if arr.size != size:
        raise InvalidArgumentError(
            f"Input to reshape is a tensor with {arr.size} values, but the requested shape "
            f"has {size}"
        )
    return arr.reshape(shape)


def _parse_one(data: bytes) -> dict:
    try:
        features = Example.FromString(data).features.feature
    except DecodeError:
        raise InvalidArgumentError(
            f"Could not parse example input, value: {data[:100]!r}"
        ) from None
    return {k: f for k, f in features.items() if f.WhichOneof("kind") is not None}


def _missing(where: _Where, name: str) -> InvalidArgumentError:
    msg = f"Feature: {where.key} (data type: {_TF_NAME[name]}) is required but could not be found."
    return InvalidArgumentError(msg if where.index is None else f"Name: <unknown>, {msg}")


def _fixed(spec, where: _Where, name: str, feature) -> np.ndarray:
    shape = _shape(spec, where.key)
    if feature is None:
        default = _default(spec, where.key, name, shape)
        if default is None:
            raise _missing(where, name)
        return default
    values = _values(feature, where, name)
    size = int(np.prod(shape))
    if values.size != size:
        kind = _KIND[name]
        if name == "string" and values.size > size:
            single, batched = "Parsing bytes_list failed.", "Can't parse serialized Example."
        else:
            single = f"Some {kind} slice was not parsed."
            batched = (
                f"Number of {kind.split('_')[0]} values != expected.  Values size: "
                f"{values.size} but output shape: [{','.join(map(str, shape))}]"
            )
        raise where(f"Key: {where.key}.  Can't parse serialized Example: {single}", batched)
    return values.reshape(shape)


def _sequence(spec, where: _Where, name: str, feature) -> np.ndarray:
    shape = _shape(spec, where.key)
    step = int(np.prod(shape))
    values = _empty(name) if feature is None else _values(feature, where, name)
    if step and values.size % step:
        kind = _KIND[name].split("_")[0]
        raise where(
            f"Error while parsing feature with key {where.key}: number of elements should be "
            f"divisible by {step}, found {values.size} instead",
            f"Number of {kind} values is not a multiple of stride length. Saw {values.size} "
            f"values but output shape is: [?,{','.join(map(str, shape))}]",
        )
    return values.reshape((values.size // step if step else 0, *shape))


def _output(arr: np.ndarray, name: str):
    if name == "string":
        return StringTensor._wrap(np.asarray(arr, object))
    import jax.numpy as jnp

    from ._tensor import Tensor

    return Tensor(jnp.asarray(arr, name))


def _serialized(serialized, what: str) -> np.ndarray:
    try:
        return to_bytes_array(serialized)
    except TypeError:
        raise TypeError(
            f"{what}: `serialized` must be a string tensor of serialized tf.train.Example "
            f"protos (host bytes), got {type(serialized).__name__}; parsing runs on the "
            "host, so it cannot take a traced numeric value"
        ) from None


def _ragged(spec, key: str, name: str, parsed: list, batched: bool):
    """The values of ``value_key`` per Example: rows of a RaggedTensor (a 1-D array alone)."""
    value_key = key if spec.value_key is None else spec.value_key
    rows = []
    for i, p in enumerate(parsed):
        feature = p.get(value_key)
        where = _Where(value_key, i if batched else None)
        rows.append(_empty(name) if feature is None else _values(feature, where, name, True))
    if not batched:
        return rows[0][np.newaxis]  # parse_single_example takes row 0
    return RaggedTensor.from_rows(rows, _dtypes.string if name == "string" else name)


def _sparse_output(spec, key: str, name: str, parsed: list, batched: bool) -> SparseTensor:
    """A VarLenFeature's / SparseFeature's SparseTensor over the parsed Examples."""

    def column(k: str, kind: str) -> list:
        rows = []
        for i, p in enumerate(parsed):
            feature = p.get(k)
            where = _Where(k, i if batched else None)
            rows.append(_empty(kind) if feature is None else _values(feature, where, kind, True))
        return rows

    if isinstance(spec, VarLenFeature):
        return _example_sparse.var_len(column(key, name), name, batched)
    index_cols = [column(k, "int64") for k in _example_sparse.index_keys(spec)]
    index_rows = [list(cols) for cols in zip(*index_cols)] or [[] for _ in parsed]
    return _example_sparse.sparse_feature(
        index_rows,
        column(spec.value_key, name),
        _example_sparse.size_of(spec),
        name,
        bool(spec.already_sorted),
        batched,
    )


def _probe_size() -> int:
    """Nonzero while tf.data finds a map function's output spec on placeholder strings."""
    fn_module = sys.modules.get("jtape.data._fn")
    return fn_module.probing() if fn_module is not None else 0


def _placeholders(examples: list, features: dict, batched: bool, unknown: int) -> dict:
    """Outputs of the specs' shapes and dtypes (sequence lengths ``unknown``)."""
    out = {}
    for key, spec in features.items():
        name = _dtype_name(spec.dtype)
        np_dtype = object if name == "string" else name
        fill = b"" if name == "string" else 0
        if isinstance(spec, (VarLenFeature, SparseFeature)):
            size = _example_sparse.size_of(spec) if isinstance(spec, SparseFeature) else None
            out[key] = _example_sparse.placeholder(size, len(examples), unknown, name, batched)
            continue
        if isinstance(spec, RaggedFeature):
            rows = [np.full(unknown, fill, np_dtype) for _ in examples]
            if batched:
                out[key] = RaggedTensor.from_rows(
                    rows, _dtypes.string if name == "string" else name
                )
            else:
                out[key] = np.stack(rows)
            continue
        shape = _shape(spec, key)
        if isinstance(spec, FixedLenSequenceFeature):
            shape = (unknown, *shape)
        out[key] = np.full((len(examples), *shape), fill, np_dtype)
    return out


def _parse_batch(examples: list[bytes], features: dict, batched: bool) -> dict:
    unknown = _probe_size()
    if unknown:
        return _placeholders(examples, features, batched, unknown)
    parsed = [_parse_one(data) for data in examples]
    out = {}
    for key in sorted(features):
        spec = features[key]
        name = _dtype_name(spec.dtype)
        if isinstance(spec, RaggedFeature):
            out[key] = _ragged(spec, key, name, parsed, batched)
            continue
        if isinstance(spec, (VarLenFeature, SparseFeature)):
            out[key] = _sparse_output(spec, key, name, parsed, batched)
            continue
        shape = _shape(spec, key)
        np_dtype = object if name == "string" else name
        rows = []
        for i, p in enumerate(parsed):
            where = _Where(key, i if batched else None)
            if isinstance(spec, FixedLenFeature):
                rows.append(_fixed(spec, where, name, p.get(key)))
            else:
                rows.append(_sequence(spec, where, name, p.get(key)))
        if isinstance(spec, FixedLenFeature):
            arr = np.stack(rows) if rows else np.empty((0, *shape), np_dtype)
        else:
            longest = max((len(r) for r in rows), default=0)
            if spec.default_value is not None:
                fill = _default(spec, key, name, ())
            else:
                fill = np.array(b"", object) if name == "string" else np.zeros((), name)
            arr = np.empty((len(rows), longest, *shape), np_dtype)
            arr[...] = fill
            for i, r in enumerate(rows):
                arr[i, : len(r)] = r
        out[key] = arr
    return out


def parse_example(serialized, features: dict, example_names=None, name=None) -> dict:
    """Parses a vector of serialized ``tf.train.Example`` protos (``tf.io.parse_example``).

    Returns one tensor per key of ``features``: ``[batch] + shape`` for a
    ``FixedLenFeature``; ``[batch, longest] + shape`` (padded with ``default_value`` or
    zeros/empty strings) for a ``FixedLenSequenceFeature``; a ``SparseTensor`` (indices
    ``[example, position]``, dense shape ``[batch, longest]``) for a ``VarLenFeature`` and
    one of dense shape ``[batch] + size`` for a ``SparseFeature``.

    Example:
        >>> import jtape.compat as tf
        >>> rows = [tf.train.Example(features=tf.train.Features(feature={"v": tf.train.Feature(
        ...     float_list=tf.train.FloatList(value=[float(i)]))})).SerializeToString()
        ...     for i in range(3)]
        >>> parse_example(rows, {"v": FixedLenFeature([], tf.float32)})["v"].numpy().tolist()
        [0.0, 1.0, 2.0]
    """
    _check_specs(features)
    arr = _serialized(serialized, "parse_example")
    if arr.ndim != 1:
        raise ValueError(f"parse_example: `serialized` must be a vector, got shape {arr.shape}")
    parsed = _parse_batch(list(arr), features, True)
    return {
        k: v
        if isinstance(v, (RaggedTensor, SparseTensor))
        else _output(v, _dtype_name(features[k].dtype))
        for k, v in parsed.items()
    }


def parse_single_example(serialized, features: dict, example_names=None, name=None) -> dict:
    """Parses one serialized ``tf.train.Example`` (``tf.io.parse_single_example``).

    Example:
        >>> import jtape.compat as tf
        >>> spec = {"s": FixedLenFeature([], tf.string, default_value="none")}
        >>> parse_single_example(tf.train.Example().SerializeToString(), spec)["s"].numpy()
        b'none'
    """
    _check_specs(features)
    arr = _serialized(serialized, "parse_single_example")
    if arr.ndim != 0:
        raise ValueError(
            f"parse_single_example: `serialized` must be a scalar, got shape {arr.shape}"
        )
    parsed = _parse_batch([arr.item()], features, False)
    return {
        k: v if isinstance(v, SparseTensor) else _output(v[0], _dtype_name(features[k].dtype))
        for k, v in parsed.items()
    }


def _sequence_steps(spec, key: str, name: str, feature_list, unknown: int):
    """One sequence feature of a SequenceExample: [steps] + shape (a RaggedTensor of
    steps for a RaggedFeature)."""
    np_dtype = object if name == "string" else name
    var_len = isinstance(spec, VarLenFeature)  # steps' values as a [steps, longest] sparse
    ragged = isinstance(spec, RaggedFeature) or var_len
    shape = () if ragged else _shape(spec, key)
    if unknown:
        steps = [np.full(unknown if ragged else shape, b"" if name == "string" else 0, np_dtype)]
        steps = steps * unknown
    elif feature_list is None:
        if not ragged and not spec.allow_missing:  # (VarLenFeature: no steps)
            raise InvalidArgumentError(
                f"Name: <unknown>, Feature list '{key}' is required but could not be found.  "
                "Did you mean to include it in feature_list_dense_missing_assumed_empty or "
                "feature_list_dense_defaults?"
            )
        steps = []
    else:
        steps = []
        for i, feature in enumerate(feature_list.feature):
            kind = feature.WhichOneof("kind")
            if kind is None:
                values = _empty(name)
            elif kind != _KIND[name]:
                raise InvalidArgumentError(
                    f"Name: <unknown>, Feature list: {key}, Index: {i}.  Data types don't "
                    f"match. Expected type: {_TF_NAME[name]}"
                )
            else:
                values = _values(feature, _Where(key, i), name)
            if not ragged:
                if values.size != int(np.prod(shape)):
                    raise InvalidArgumentError(
                        f"Name: <unknown>, Key: {key}, Index: {i}.  Number of values != "
                        f"expected.  values size: {values.size} but output shape: "
                        f"[{','.join(map(str, shape))}]"
                    )
                values = values.reshape(shape)
            steps.append(values)
    if var_len:
        return _example_sparse.var_len(steps, name, batched=True)
    if ragged:
        return RaggedTensor.from_rows(steps, _dtypes.string if name == "string" else name)
    arr = np.stack(steps) if steps else np.empty((0, *shape), np_dtype)
    return _output(arr, name)


def parse_single_sequence_example(
    serialized,
    context_features: dict | None = None,
    sequence_features: dict | None = None,
    example_name=None,
    name=None,
) -> tuple[dict, dict]:
    """Parses one serialized ``tf.train.SequenceExample`` into ``(context, sequences)``
    (``tf.io.parse_single_sequence_example``).

    Context specs are those of ``parse_single_example``; sequence specs are
    ``FixedLenSequenceFeature`` (``[steps] + shape``), ``RaggedFeature`` (a RaggedTensor
    with one row per step) or ``VarLenFeature`` (a SparseTensor ``[steps, longest]``).

    Example:
        >>> import jtape.compat as tf
        >>> f = lambda *v: tf.train.Feature(int64_list=tf.train.Int64List(value=v))
        >>> s = tf.train.SequenceExample(feature_lists=tf.train.FeatureLists(feature_list={
        ...     "t": tf.train.FeatureList(feature=[f(1), f(2)])})).SerializeToString()
        >>> _, seq = parse_single_sequence_example(
        ...     s, sequence_features={"t": tf.io.FixedLenSequenceFeature([], tf.int64)})
        >>> seq["t"].numpy().tolist()
        [1, 2]
    """
    context_features = dict(context_features or {})
    sequence_features = dict(sequence_features or {})
    if not context_features and not sequence_features:
        raise ValueError("Missing features.")
    for key, spec in sequence_features.items():
        if not isinstance(spec, (FixedLenSequenceFeature, RaggedFeature, VarLenFeature)):
            raise NotImplementedError(
                f"parse_single_sequence_example: sequence feature {key!r} is a "
                f"{type(spec).__name__}; jtape supports FixedLenSequenceFeature, "
                "VarLenFeature and RaggedFeature (without partitions) there"
            )
        if isinstance(spec, RaggedFeature) and spec.partitions:
            raise NotImplementedError(
                f"parse_single_sequence_example: RaggedFeature {key!r} has partitions"
            )
        _dtype_name(spec.dtype)
    arr = _serialized(serialized, "parse_single_sequence_example")
    if arr.ndim != 0:
        raise ValueError(f"`serialized` must be a scalar, got shape {arr.shape}")
    unknown = _probe_size()
    data = arr.item()
    if unknown:
        message = SequenceExample()
    else:
        try:
            message = SequenceExample.FromString(data)
        except DecodeError:
            raise InvalidArgumentError(
                f"Could not parse example input, value: {data[:100]!r}"
            ) from None
    context = {}
    if context_features:
        fake = Example(features=message.context).SerializeToString()
        try:
            context = parse_single_example(fake, context_features)
        except InvalidArgumentError as e:
            if "is required but could not be found" not in str(e):
                raise
            key = str(e).split("Feature: ")[1].split(" (")[0]
            size = int(np.prod(_shape(context_features[key], key)))
            raise InvalidArgumentError(
                f"Inconsistent max number of elements for feature {key}: expected {size}, "
                "but found 0"
            ) from None
    lists = message.feature_lists.feature_list
    sequences = {
        key: _sequence_steps(spec, key, _dtype_name(spec.dtype), lists.get(key), unknown)
        for key, spec in sorted(sequence_features.items())
    }
    return context, sequences
