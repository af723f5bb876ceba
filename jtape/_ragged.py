"""``RaggedTensor``: rows of different lengths, TF's ``tf.RaggedTensor``.

A RaggedTensor is ``values`` (a Tensor, a StringTensor or another RaggedTensor) cut
into rows by ``row_splits`` (an int64 or int32 Tensor: row ``i`` is
``values[row_splits[i]:row_splits[i + 1]]``). Nesting gives several ragged dimensions
(``ragged_rank``); ``flat_values`` is the innermost Tensor. A partition may be uniform
(``from_uniform_row_length``): its rows all have one static length.

The values and splits are jtape Tensors, so ops on a RaggedTensor are recorded ops on
its flat values and tapes differentiate them. A RaggedTensor is a registered pytree
(its flat values and row splits; uniform lengths are auxiliary data), so it passes
through ``jt.function`` as an argument and result, as TF's composite tensors do.
Anything whose output size depends on the row lengths (``to_list``, row slicing,
``to_tensor`` without a ``shape``) needs the row splits' values, known eagerly only.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._shape import TensorShape
from ._strings import StringTensor, is_string_value, to_bytes_array
from ._tensor import Tensor, to_value

_SPLIT_DTYPES = (_dtypes.int64, _dtypes.int32)


def host(x, what: str = "this RaggedTensor operation") -> np.ndarray:
    """The numpy value of a Tensor/StringTensor; ValueError naming ``what`` while traced."""
    if isinstance(x, StringTensor):
        return x._np
    value = x._value if isinstance(x, Tensor) else x
    if isinstance(value, jax.core.Tracer):
        raise ValueError(
            f"{what} needs the RaggedTensor's row lengths, which are not known while "
            "tf.function traces (the result's shape would depend on them); call it "
            "eagerly, or use an op whose result shape is static (reductions over the "
            "rows, map_flat_values, to_tensor with a shape)"
        )
    return np.asarray(value)


def as_values(x):
    """``x`` as a Tensor or StringTensor (RaggedTensors and Tensors pass through)."""
    if isinstance(x, (Tensor, StringTensor, RaggedTensor)):
        return x
    if hasattr(x, "_jt_read"):
        return x._jt_read()
    if is_string_value(x):
        return StringTensor._wrap(to_bytes_array(x))
    from ._array_ops import constant

    return constant(x)


def as_splits(x, dtype=None, what: str = "row_splits") -> Tensor:
    """``x`` as an int64/int32 1-D Tensor (a Python list becomes ``dtype``, int64 default)."""
    if isinstance(x, Tensor) or hasattr(x, "_jt_read"):
        t = x if isinstance(x, Tensor) else x._jt_read()
        if t.dtype not in _SPLIT_DTYPES:
            raise ValueError(f"{what} must have dtype int32 or int64, got {t.dtype.name}")
        if dtype is not None and t.dtype != _dtypes.as_dtype(dtype):
            from ._math_ops import cast

            t = cast(t, dtype)
        return t
    arr = np.asarray(x)
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integers, got {arr.dtype.name}")
    dt = np.dtype(_dtypes.as_dtype(dtype or _dtypes.int64).as_numpy_dtype)
    return const(arr.astype(dt))


def const(value, dtype=None) -> Tensor:
    """Host data as a Tensor that stays concrete inside a trace (row splits computed on
    the host, e.g. by the string ops while a function traces, keep their values)."""
    with jax.ensure_compile_time_eval():
        return Tensor(jnp.asarray(value, dtype))


def _invalid(msg: str):
    from ._op_errors import InvalidArgumentError

    return InvalidArgumentError(msg)


class RaggedTensor:
    """A tensor with rows of different lengths (TF's ``tf.RaggedTensor``).

    Build one with ``jt.ragged.constant`` or the ``from_*`` class methods. ``values``
    holds the rows one after another, ``row_splits`` where each starts and ends.
    Elementwise operators, ``map_flat_values`` and the reductions keep the row structure.

    Example:
        >>> import jtape as jt
        >>> rt = jt.ragged.constant([[1, 2], [3]])
        >>> rt.row_splits.numpy().tolist(), rt.shape
        ([0, 2, 3], (2, None))
        >>> (rt * 10).to_list()
        [[10, 20], [30]]
        >>> rt.to_tensor(default_value=-1).numpy().tolist()
        [[1, 2], [3, -1]]
    """

    __slots__ = ("_v", "_rs", "_uniform", "__weakref__")

    def __init__(self, values, row_splits) -> None:
        # jtape's direct form (TF's constructor is internal): values cut by row_splits.
        self._v = as_values(values)
        self._rs = as_splits(row_splits)
        self._uniform = None

    @classmethod
    def _make(cls, values, splits: Tensor, uniform: int | None = None) -> RaggedTensor:
        """From parts already converted (no checks)."""
        r = object.__new__(cls)
        r._v, r._rs, r._uniform = values, splits, uniform
        return r

    # -- factories -----------------------------------------------------------------
    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate: bool = True) -> RaggedTensor:
        """Rows ``values[row_splits[i]:row_splits[i + 1]]``."""
        values = as_values(values)
        splits = as_splits(row_splits)
        if len(splits.shape) != 1:
            raise ValueError(f"row_splits must have rank 1, got shape {tuple(splits.shape)}")
        if validate and not isinstance(splits._value, jax.core.Tracer):
            s = np.asarray(splits._value)
            nvals = _nrows_of(values)
            if len(s) == 0 or s[0] != 0:
                raise _invalid("Arguments to from_row_splits do not form a valid RaggedTensor:zero")
            if np.any(np.diff(s) < 0):
                raise _invalid(
                    "Arguments to from_row_splits do not form a valid RaggedTensor:monotonic."
                )
            if nvals is not None and s[-1] != nvals:
                raise _invalid(
                    "Arguments to from_row_splits do not form a valid RaggedTensor:nvals."
                )
        return cls._make(values, splits)

    @classmethod
    def from_row_lengths(
        cls, values, row_lengths, name=None, validate: bool = True
    ) -> RaggedTensor:
        """Rows of the given lengths, taken from ``values`` in order."""
        lengths = as_splits(row_lengths, what="row_lengths")
        return cls.from_row_splits(values, _bounds(lengths, "lengths", values), validate=validate)

    @classmethod
    def from_row_starts(cls, values, row_starts, name=None, validate: bool = True):
        """Rows starting at ``row_starts`` (the last one runs to the end of ``values``)."""
        starts = as_splits(row_starts, what="row_starts")
        return cls.from_row_splits(values, _bounds(starts, "starts", values), validate=validate)

    @classmethod
    def from_row_limits(cls, values, row_limits, name=None, validate: bool = True):
        """Rows ending at ``row_limits`` (the first one starts at 0)."""
        limits = as_splits(row_limits, what="row_limits")
        return cls.from_row_splits(values, _bounds(limits, "limits", values), validate=validate)

    @classmethod
    def from_value_rowids(
        cls, values, value_rowids, nrows=None, name=None, validate: bool = True
    ) -> RaggedTensor:
        """Row ``i`` holds the values whose ``value_rowids`` entry is ``i`` (sorted ids)."""
        ids = as_splits(value_rowids, what="value_rowids")
        rid = host(ids, "from_value_rowids")
        n = int(rid[-1]) + 1 if nrows is None and len(rid) else int(0 if nrows is None else nrows)
        if len(rid) and (np.any(np.diff(rid) < 0) or rid[0] < 0 or rid[-1] >= n):
            raise _invalid("Arguments to from_value_rowids do not form a valid RaggedTensor")
        lengths = np.bincount(rid, minlength=n).astype(ids.dtype.as_numpy_dtype)
        return cls.from_row_lengths(values, const(lengths), validate=validate)

    @classmethod
    def from_uniform_row_length(
        cls, values, uniform_row_length, nrows=None, validate: bool = True, name=None
    ) -> RaggedTensor:
        """Rows of one length ``uniform_row_length`` (a static dimension of the shape)."""
        values = as_values(values)
        k = (
            int(to_value(uniform_row_length))
            if not isinstance(uniform_row_length, int)
            else (uniform_row_length)
        )
        nvals = _nrows_of(values)
        if nrows is None:
            nrows = nvals // k if k else 0
        nrows = int(nrows)
        if nvals is not None and nvals != nrows * k:
            raise _invalid(
                f"Arguments to from_uniform_row_length do not form a valid RaggedTensor: "
                f"{nvals} values do not make {nrows} rows of {k}"
            )
        dt = (
            uniform_row_length.dtype.as_numpy_dtype
            if isinstance(uniform_row_length, Tensor)
            else np.int64
        )
        splits = const(np.arange(nrows + 1, dtype=dt) * k)
        return cls._make(values, splits, k)

    @classmethod
    def from_nested_row_splits(
        cls, flat_values, nested_row_splits, name=None, validate: bool = True
    ) -> RaggedTensor:
        """``from_row_splits`` applied innermost first: one partition per splits tensor."""
        out = as_values(flat_values)
        for splits in reversed(list(nested_row_splits)):
            out = cls.from_row_splits(out, splits, validate=validate)
        return out

    @classmethod
    def from_nested_row_lengths(
        cls, flat_values, nested_row_lengths, name=None, validate: bool = True
    ) -> RaggedTensor:
        out = as_values(flat_values)
        for lengths in reversed(list(nested_row_lengths)):
            out = cls.from_row_lengths(out, lengths, validate=validate)
        return out

    @classmethod
    def from_tensor(
        cls,
        tensor,
        lengths=None,
        padding=None,
        ragged_rank: int = 1,
        name=None,
        row_splits_dtype=_dtypes.int64,
    ) -> RaggedTensor:
        """A dense tensor's rows, cut at ``lengths`` or before trailing ``padding``."""
        if ragged_rank != 1:
            raise ValueError(
                f"from_tensor: jtape supports ragged_rank=1 only, got ragged_rank={ragged_rank}"
            )
        if lengths is not None and padding is not None:
            raise ValueError("Specify lengths or padding, but not both")
        t = as_values(tensor)
        shape = tuple(t.shape)
        if len(shape) < 2:
            raise ValueError(f"from_tensor: tensor must have rank >= 2, got shape {shape}")
        n, width = shape[0], shape[1]
        if lengths is not None:
            ln = np.minimum(np.asarray(host(as_values(lengths), "from_tensor")), width)
        elif padding is not None:
            arr = host(t, "from_tensor with padding")
            pad = host(as_values(padding), "from_tensor with padding")
            keep = arr != pad
            keep = keep.reshape(n, width, -1).any(axis=2)
            idx = np.arange(1, width + 1)
            ln = (keep * idx).max(axis=1) if width else np.zeros(n, np.int64)
        else:
            ln = None
        from ._array_ops import reshape

        sdt = _dtypes.as_dtype(row_splits_dtype).as_numpy_dtype
        flat = (
            reshape(t, (n * width, *shape[2:]))
            if isinstance(t, Tensor)
            else StringTensor._wrap(t._np.reshape((n * width, *shape[2:])))
        )
        if ln is None:  # every row whole: TF makes the partition uniform (and traceable)
            return cls._make(flat, const(np.arange(n + 1, dtype=sdt) * width), width)
        ln = np.asarray(ln, dtype=np.int64)
        mask = np.arange(width)[None, :] < ln[:, None]
        flat = _take(flat, np.nonzero(mask.reshape(-1))[0])
        return cls._make(flat, const(np.concatenate([[0], np.cumsum(ln)]).astype(sdt)))

    @classmethod
    def from_sparse(cls, st_input, name=None, row_splits_dtype=_dtypes.int64) -> RaggedTensor:
        """The rows of a 2-D SparseTensor whose entries fill each row from column 0."""
        idx = host(st_input.indices, "from_sparse")
        shape = host(st_input.dense_shape, "from_sparse")
        if idx.ndim != 2 or idx.shape[1] != 2:
            raise ValueError("from_sparse: st_input must have rank 2")
        rows, cols = idx[:, 0], idx[:, 1]
        lengths = np.bincount(rows, minlength=int(shape[0])).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)])[rows]
        if np.any(np.diff(rows) < 0) or np.any(cols != np.arange(len(cols)) - starts):
            raise _invalid(
                "from_sparse: the SparseTensor's entries must be in row-major order and fill "
                "each row from column 0 (tf.sparse.reorder, then keep leading columns)"
            )
        sdt = _dtypes.as_dtype(row_splits_dtype).as_numpy_dtype
        splits = np.concatenate([[0], np.cumsum(lengths)]).astype(sdt)
        return cls._make(st_input.values, const(splits))

    @classmethod
    def from_rows(cls, rows: list, dtype=None) -> RaggedTensor:
        """A RaggedTensor from a list of 1-D numpy arrays, one per row (jtape only)."""
        splits = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=splits[1:])
        if dtype is not None and _dtypes.as_dtype(dtype) == _dtypes.string:
            values = np.empty(int(splits[-1]), dtype=object)
            if len(values):
                values[:] = [v for r in rows for v in r]
            vals = StringTensor._wrap(to_bytes_array(values))
        else:
            parts = [np.asarray(r, dtype=dtype) for r in rows]
            values = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
            values = values.astype(dtype) if dtype is not None else values
            vals = Tensor(to_value(values))
        return cls._make(vals, const(splits))

    # -- structure -----------------------------------------------------------------
    @property
    def values(self):
        """The rows' items concatenated (one ragged dimension fewer)."""
        return self._v

    @property
    def row_splits(self) -> Tensor:
        """Where each row starts and ends in ``values`` (``nrows + 1`` entries)."""
        return self._rs

    @property
    def flat_values(self):
        """The innermost values: a Tensor with no ragged dimension."""
        v = self._v
        while isinstance(v, RaggedTensor):
            v = v._v
        return v

    @property
    def nested_row_splits(self) -> tuple:
        """The row splits of every ragged dimension, outermost first."""
        out, v = [self._rs], self._v
        while isinstance(v, RaggedTensor):
            out.append(v._rs)
            v = v._v
        return tuple(out)

    @property
    def ragged_rank(self) -> int:
        v, k = self._v, 1
        while isinstance(v, RaggedTensor):
            v, k = v._v, k + 1
        return k

    @property
    def row_splits_dtype(self) -> _dtypes.DType:
        return self._rs.dtype

    @property
    def dtype(self) -> _dtypes.DType:
        return self.flat_values.dtype

    @property
    def shape(self) -> TensorShape:
        """``[nrows, None or the uniform length, ..., the flat values' inner dims]``."""
        dims, v = [int(self._rs.shape[0]) - 1], self
        while isinstance(v, RaggedTensor):
            dims.append(v._uniform)
            v = v._v
        return TensorShape(dims + list(v.shape)[1:])

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def uniform_row_length(self):
        """The rows' common length (an int Tensor) if the partition is uniform, else None."""
        if self._uniform is None:
            return None
        return const(self._uniform, self._rs.dtype.as_numpy_dtype)

    def nrows(self, out_type=None, name=None) -> Tensor:
        dt = _dtypes.as_dtype(out_type or self._rs.dtype).as_numpy_dtype
        return const(int(self._rs.shape[0]) - 1, dt)

    def row_starts(self, name=None) -> Tensor:
        return self._rs[:-1]

    def row_limits(self, name=None) -> Tensor:
        return self._rs[1:]

    def row_lengths(self, axis: int = 1, name=None):
        """Each row's length (``axis`` > 1: of the nested rows, as a RaggedTensor)."""
        if axis == 1:
            return self._rs[1:] - self._rs[:-1]
        if axis > 1 and isinstance(self._v, RaggedTensor):
            return self.with_values(self._v.row_lengths(axis - 1))
        raise ValueError(f"row_lengths: axis={axis} is not a ragged dimension")

    def value_rowids(self, name=None) -> Tensor:
        """For each item of ``values``, the row it belongs to."""
        return _rowids(self._rs, _nrows_of(self._v))

    def nested_row_lengths(self, name=None) -> tuple:
        return tuple(s[1:] - s[:-1] for s in self.nested_row_splits)

    def bounding_shape(self, axis=None, name=None, out_type=None) -> Tensor:
        """The shape of the smallest dense tensor holding every row (int Tensor)."""
        dt = _dtypes.as_dtype(out_type or self._rs.dtype).as_numpy_dtype
        splits = [to_value(s) for s in self.nested_row_splits]
        # numpy when the splits are known (host-made splits stay known inside a trace)
        xp = jnp if any(isinstance(s, jax.core.Tracer) for s in splits) else np
        dims = [xp.asarray(int(self._rs.shape[0]) - 1, dt)]
        dims += [xp.max(xp.diff(s), initial=0).astype(dt) for s in splits]
        dims += [xp.asarray(d, dt) for d in list(self.flat_values.shape)[1:]]
        out = xp.stack(dims)
        out = out if axis is None else out[axis]
        return const(out) if xp is np else Tensor(out)

    # -- rebuilding ----------------------------------------------------------------
    def with_values(self, new_values) -> RaggedTensor:
        """The same outer row partition over other ``values`` (same number of items)."""
        return RaggedTensor._make(as_values(new_values), self._rs, self._uniform)

    def with_flat_values(self, new_values) -> RaggedTensor:
        """The same row partitions over other flat values."""
        if isinstance(self._v, RaggedTensor):
            return self.with_values(self._v.with_flat_values(new_values))
        return self.with_values(new_values)

    def with_row_splits_dtype(self, dtype) -> RaggedTensor:
        """The same RaggedTensor with int32 or int64 row splits."""
        dtype = _dtypes.as_dtype(dtype)
        if dtype not in _SPLIT_DTYPES:
            raise ValueError(f"dtype must be int32 or int64, got {dtype.name}")
        v = self._v.with_row_splits_dtype(dtype) if isinstance(self._v, RaggedTensor) else self._v
        return RaggedTensor._make(v, as_splits(self._rs, dtype), self._uniform)

    def merge_dims(self, outer_axis: int, inner_axis: int):
        """Dimensions ``outer_axis..inner_axis`` merged into one (ragged ones only)."""
        rank = self.ragged_rank
        outer = outer_axis + self.ndim if outer_axis < 0 else outer_axis
        inner = inner_axis + self.ndim if inner_axis < 0 else inner_axis
        if outer > inner:
            raise ValueError("merge_dims: outer_axis must be <= inner_axis")
        if outer == inner:
            return self
        if inner > rank:
            raise ValueError(
                f"merge_dims: jtape merges ragged dimensions only (axes 0..{rank}), got "
                f"inner_axis={inner_axis}"
            )
        if outer > 0:
            return (
                self.with_values(self._v.merge_dims(outer - 1, inner - 1))
                if outer > 1
                else (
                    RaggedTensor._make(self._v.merge_dims(0, inner - 1), _compose(self, inner - 1))
                )
            )
        v = self
        for _ in range(inner):
            v = v._v
        return v

    # -- conversions ---------------------------------------------------------------
    def _host_splits(self, what: str) -> np.ndarray:
        return host(self._rs, what)

    @property
    def _values(self) -> np.ndarray:
        """Host view of the flat values (the string ops' form)."""
        return host(self.flat_values, "the host view of a RaggedTensor")

    @property
    def _splits(self) -> np.ndarray:
        """Host view of the outer row splits (the string ops' form)."""
        return host(self._rs, "the host view of a RaggedTensor")

    def rows(self) -> list:
        """The rows (ragged_rank 1: numpy arrays; host values, jtape only)."""
        vals, s = self._values_host(), self._host_splits("rows()")
        return [vals[a:b] for a, b in zip(s[:-1].tolist(), s[1:].tolist())]

    def _values_host(self):
        if isinstance(self._v, RaggedTensor):
            return self._v
        return host(self._v, "RaggedTensor conversion")

    def to_list(self) -> list:
        """The rows as nested Python lists (bytes for strings)."""
        s = self._host_splits("to_list()")
        inner = (
            self._v.to_list() if isinstance(self._v, RaggedTensor) else self._values_host().tolist()
        )
        return [inner[a:b] for a, b in zip(s[:-1].tolist(), s[1:].tolist())]

    def numpy(self) -> np.ndarray:
        """An object array of per-row numpy arrays (TF's ``RaggedTensor.numpy()``)."""
        s = self._host_splits("numpy()")
        if isinstance(self._v, RaggedTensor):
            inner = self._v.numpy()
        else:
            inner = self._values_host()
        out = np.empty(len(s) - 1, dtype=object)
        for i, (a, b) in enumerate(zip(s[:-1].tolist(), s[1:].tolist())):
            out[i] = inner[a:b].copy() if not isinstance(self._v, RaggedTensor) else inner[a:b]
        return out

    def to_tensor(self, default_value=None, name=None, shape=None):
        """The rows padded (or cut) into a dense tensor, ``default_value`` filling the gaps.

        ``shape`` fixes dimensions (None keeps the bounding size); inside ``jt.function``
        the ragged dimensions' sizes must be given that way.
        """
        from ._ragged_dense import to_tensor

        return to_tensor(self, default_value, shape)

    def to_sparse(self, name=None):
        from ._ragged_dense import to_sparse

        return to_sparse(self)

    # -- Python protocol -----------------------------------------------------------
    def __iter__(self):
        for i in range(int(self._rs.shape[0]) - 1):
            yield self[i]

    def __getitem__(self, key):
        from ._ragged_index import getitem

        return getitem(self, key)

    def __repr__(self) -> str:
        if isinstance(self._rs._value, jax.core.Tracer):
            return f"tf.RaggedTensor(values={self._v!r}, row_splits={self._rs!r})"
        return f"<tf.RaggedTensor {self.to_list()}>"

    __str__ = __repr__

    def __bool__(self) -> bool:
        raise TypeError("RaggedTensor may not be used as a boolean.")

    def _not_dense(self, *args, **kwargs):
        raise ValueError(
            f"Attempt to convert a value ({self!r}) with an unsupported type "
            f"({type(self)}) to a Tensor. Use .to_tensor() or .flat_values for a dense tensor."
        )

    __array__ = _not_dense
    __jax_array__ = _not_dense
    __array_priority__ = 200  # numpy defers to our operators

    def consumers(self) -> list:
        return []


def _bounds(t: Tensor, kind: str, values) -> Tensor:
    """Row splits from row lengths, starts or limits (numpy when they are concrete, so
    host-made splits stay known inside a trace)."""
    npdt = t.dtype.as_numpy_dtype
    if not isinstance(t._value, jax.core.Tracer):
        a = np.asarray(t._value)
        if kind == "lengths":
            return const(np.concatenate([[0], np.cumsum(a)]).astype(npdt))
        if kind == "starts":
            return const(np.concatenate([a, [_nrows_of(as_values(values))]]).astype(npdt))
        return const(np.concatenate([[0], a]).astype(npdt))
    from ._array_ops import concat
    from ._math_ops import cumsum

    if kind == "lengths":
        return concat([const(np.zeros(1, npdt)), cumsum(t)], 0)
    if kind == "starts":
        return concat([t, const(np.asarray([_nrows_of(as_values(values))], npdt))], 0)
    return concat([const(np.zeros(1, npdt)), t], 0)


def _nrows_of(values) -> int | None:
    """The number of rows (first dimension) of a values object, statically."""
    if isinstance(values, RaggedTensor):
        return int(values._rs.shape[0]) - 1
    shape = tuple(values.shape)
    return int(shape[0]) if shape else None


_OPS: dict = {}  # the ops of this module, made on first use (``_op`` imports later)


def _op_of(fn):
    found = _OPS.get(fn)
    if found is None:
        from ._op import op

        found = _OPS[fn] = op(fn)
    return found


def _rowids(splits: Tensor, nvals: int) -> Tensor:
    return _op_of(_rowids_fn)(splits, nvals)


def _rowids_fn(splits, nvals):
    # (traceable: the number of values is static)
    ids = jnp.searchsorted(splits, jnp.arange(nvals, dtype=splits.dtype), side="right") - 1
    return ids.astype(splits.dtype)


def _compose(rt: RaggedTensor, depth: int) -> Tensor:
    """The outer splits of ``rt`` mapped through ``depth`` inner partitions."""
    splits, v = rt._rs, rt._v
    for _ in range(depth):
        from ._array_ops import gather

        splits = gather(v._rs, splits)
        v = v._v
    return splits


def _take(values, idx):
    """Rows ``idx`` (numpy ints) of a Tensor, StringTensor or RaggedTensor."""
    idx = np.asarray(idx, dtype=np.int64)
    if isinstance(values, StringTensor):
        return StringTensor._wrap(values._np[idx])
    if isinstance(values, RaggedTensor):
        s = values._host_splits("gathering rows of a RaggedTensor")
        starts, ends = s[:-1][idx], s[1:][idx]
        lengths = ends - starts
        splits = np.concatenate([[0], np.cumsum(lengths)]).astype(s.dtype)
        inner = (
            np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)])
            if len(idx)
            else np.zeros(0, np.int64)
        )
        return RaggedTensor._make(_take(values._v, inner), const(splits), values._uniform)
    # A plain take: TF's ragged slicing gives dense gradients, not IndexedSlices.
    return _op_of(_take_rows)(values, const(idx))


def _take_rows(values, idx):
    return jnp.take(values, idx, axis=0)


def is_ragged(x) -> bool:
    return isinstance(x, RaggedTensor)


def _flatten(r: RaggedTensor):
    rs = r._rs
    if isinstance(r.flat_values, StringTensor) and not isinstance(rs._value, jax.core.Tracer):
        # Strings live on the host, so their row splits are static too: a function traces
        # per value (as for string tensors) and the string ops see the splits inside.
        splits = np.asarray(rs._value)
        return (r._v,), (_STATIC, r._uniform, tuple(splits.tolist()), splits.dtype.name)
    return (r._v, rs), r._uniform


def _unflatten(aux, children) -> RaggedTensor:
    if type(aux) is tuple and aux[0] is _STATIC:
        return RaggedTensor._make(children[0], const(np.asarray(aux[2], aux[3])), aux[1])
    return RaggedTensor._make(children[0], children[1], aux)


class _Static:
    def __repr__(self) -> str:
        return "<static row splits>"


_STATIC = _Static()


jax.tree_util.register_pytree_node(RaggedTensor, _flatten, _unflatten)


def _operator(name: str, reflected: bool = False):
    def method(self, *other):
        from ._ragged_ops import operator

        return operator(name, self, *other, reflected=reflected)

    method.__name__ = f"__{'r' if reflected else ''}{name}__"
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "or", "xor"):
    setattr(RaggedTensor, f"__{_name}__", _operator(_name))
    setattr(RaggedTensor, f"__r{_name}__", _operator(_name, reflected=True))
for _name in ("lt", "le", "gt", "ge", "eq", "ne", "neg", "abs", "invert"):
    setattr(RaggedTensor, f"__{_name}__", _operator(_name))


def _unhashable(self):
    raise TypeError("RaggedTensor is unhashable.")


RaggedTensor.__hash__ = _unhashable  # as TF: == is elementwise
del _name


class RaggedTensorSpec:
    """The type of a RaggedTensor: ``shape`` (None where ragged), ``dtype``,
    ``ragged_rank`` and ``row_splits_dtype`` (TF's ``tf.RaggedTensorSpec``).

    Example:
        >>> import jtape as jt
        >>> jt.RaggedTensorSpec.from_value(jt.ragged.constant([[1, 2], [3]]))
        RaggedTensorSpec(TensorShape([2, None]), tf.int32, 1, tf.int64)
    """

    def __init__(
        self, shape=None, dtype=_dtypes.float32, ragged_rank=None, row_splits_dtype=_dtypes.int64
    ) -> None:
        self.shape = TensorShape(None if shape is None else list(shape))
        self.dtype = _dtypes.as_dtype(dtype)
        if ragged_rank is None:
            ragged_rank = (len(self.shape) - 1) if self.shape.rank is not None else 1
        self.ragged_rank = int(ragged_rank)
        self.row_splits_dtype = _dtypes.as_dtype(row_splits_dtype)

    @classmethod
    def from_value(cls, value: RaggedTensor) -> RaggedTensorSpec:
        return cls(value.shape, value.dtype, value.ragged_rank, value.row_splits_dtype)

    @property
    def value_type(self) -> type:
        return RaggedTensor

    def is_compatible_with(self, other) -> bool:
        if isinstance(other, RaggedTensor):
            other = RaggedTensorSpec.from_value(other)
        return (
            isinstance(other, RaggedTensorSpec)
            and other.dtype == self.dtype
            and other.ragged_rank == self.ragged_rank
            and self.shape.is_compatible_with(other.shape)
        )

    def most_specific_compatible(self, other: RaggedTensorSpec) -> RaggedTensorSpec:
        """The spec both fit: dimensions that differ become None."""
        a, b = self.shape, other.shape
        if a.rank is None or b.rank is None or a.rank != b.rank:
            dims = None
        else:
            dims = [x if x == y else None for x, y in zip(a, b)]
        return RaggedTensorSpec(dims, self.dtype, self.ragged_rank, self.row_splits_dtype)

    def __eq__(self, other) -> bool:
        return isinstance(other, RaggedTensorSpec) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self):
        return (self.shape, self.dtype, self.ragged_rank, self.row_splits_dtype)

    def __repr__(self) -> str:
        dims = None if self.shape.rank is None else list(self.shape)
        return (
            f"RaggedTensorSpec(TensorShape({dims}), {self.dtype!r}, {self.ragged_rank}, "
            f"{self.row_splits_dtype!r})"
        )


def _source_leaf(x) -> bool:
    return x is None or isinstance(x, (RaggedTensor, Tensor)) or hasattr(x, "_jt_read")


def split_ragged_sources(sources):
    """``sources`` with each RaggedTensor standing for its flat values, and a function
    putting their gradients back into RaggedTensors (None when there is none): TF's
    gradient of a RaggedTensor source is one with the same row partitions."""
    kind = type(sources)  # the usual cases answered without flattening
    if kind is Tensor or hasattr(sources, "_jt_read"):
        return sources, None
    if (kind is list or kind is tuple) and all(
        type(x) is Tensor or hasattr(x, "_jt_read") for x in sources
    ):
        return sources, None
    leaves, tree = jax.tree_util.tree_flatten(sources, is_leaf=_source_leaf)
    ragged = {i for i, x in enumerate(leaves) if isinstance(x, RaggedTensor)}
    if not ragged:
        return sources, None
    flat = [x.flat_values if i in ragged else x for i, x in enumerate(leaves)]

    def rewrap(grads):
        out = tree.flatten_up_to(grads)
        for i in ragged:
            if isinstance(out[i], Tensor):
                out[i] = leaves[i].with_flat_values(out[i])
        return jax.tree_util.tree_unflatten(tree, out)

    return jax.tree_util.tree_unflatten(tree, flat), rewrap
