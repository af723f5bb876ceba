"""``Dataset``: TensorFlow's ``tf.data.Dataset`` as a host-side pipeline of numpy arrays.

A dataset is a recipe: ``_make_iter()`` starts a fresh pass and returns a Python
iterator of *host elements* (nested tuples/dicts of numpy arrays). Every
transformation wraps its input's recipe in a new one. Elements stay on the host
until the user iterates, where each element is moved to the device in one
``jax.device_put`` and handed out as jt.Tensors (``prefetch`` does that move in a
background thread). This mirrors TensorFlow, whose input pipelines also run on the
host CPU while the accelerator trains.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import jax
import numpy as np

from .. import _dtypes, _ragged, _ragged_data
from .._op_errors import DataLossError, InvalidArgumentError, OutOfRangeError
from . import _feed, _structure
from ._fn import StructuredFunction
from ._options import Options
from ._prefetch import PrefetchIterator
from ._structure import TensorSpec

#: ``cardinality()`` of a dataset that never ends (``tf.data.INFINITE_CARDINALITY``).
INFINITE_CARDINALITY = -1
#: ``cardinality()`` when the length cannot be known without iterating (``filter``).
UNKNOWN_CARDINALITY = -2
#: Let the runtime pick a value (``tf.data.AUTOTUNE``); jtape uses small fixed ones.
AUTOTUNE = -1
_AUTOTUNE_PREFETCH = 2

_INT64 = _structure.jnp_dtype(np.int64)
_END = object()
_TF_CLASS_NAMES = {
    "CacheDataset": "CacheDataset",
    "EnumerateDataset": "_ZipDataset",
    "CounterDataset": "_ScanDataset",
    "FixedLengthRecordDatasetV2": "FixedLengthRecordDatasetV2",
}


def _dtype_name(dtype) -> str:
    return "string" if np.dtype(dtype) == object else np.dtype(dtype).name


def _int_arg(value, what: str) -> int:
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - any failure means "not an integer"
        arr = None
    if arr is None or arr.ndim != 0 or arr.dtype.kind not in "iub":
        raise TypeError(f"{what}: expected a scalar integer, got {value!r}")
    return int(arr)


def _draw_seed() -> int:
    """A seed from jt.random's global generator (reproducible after jt.random.set_seed)."""
    from .._random import get_global_generator
    from .._variable import init_scope

    with init_scope():
        key = get_global_generator().next_key()
        return int(jax.random.randint(key, (), 0, 2**31 - 1))


class Dataset:
    """A sequence of elements, each a nested structure of tensors (``tf.data.Dataset``).

    Build one with :meth:`from_tensor_slices`, :meth:`from_tensors`, :meth:`range`,
    :meth:`zip` or :meth:`from_generator`, chain transformations, and iterate it:
    every element comes out as jt.Tensors (tuples and dicts kept).

    Example:
        >>> import jtape as jt
        >>> ds = jt.data.Dataset.from_tensor_slices(([1, 2, 3, 4, 5], [0, 1, 0, 1, 0]))
        >>> ds = ds.map(lambda x, y: (x * 10, y)).batch(2)
        >>> [x.numpy().tolist() for x, y in ds]
        [[10, 20], [30, 40], [50]]
    """

    def __init__(
        self,
        make_iter: Callable[[], Iterator],
        element_spec,
        cardinality: int,
        kind: str = "Dataset",
    ) -> None:
        self._make_iter = make_iter
        self._spec = element_spec  # a spec structure, or a thunk computing it once
        self._cardinality = int(cardinality)
        self._kind = kind
        self._options = Options()

    # -- sources ---------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name: str | None = None) -> Dataset:
        """One element per index of the first axis of every component.

        Example:
            >>> import jtape as jt
            >>> ds = jt.data.Dataset.from_tensor_slices({"a": [1, 2], "b": [3.0, 4.0]})
            >>> [(int(e["a"]), float(e["b"])) for e in ds]
            [(1, 3.0), (2, 4.0)]
        """
        host = _structure.map_structure(_structure.to_host, tensors)
        leaves, treedef = _structure.flatten(host)
        if not leaves:
            raise ValueError("from_tensor_slices: tensors must contain at least one tensor")
        for x in leaves:
            if x.ndim == 0:
                raise ValueError(
                    "from_tensor_slices: every component needs a first axis to slice; got a "
                    "scalar. Use Dataset.from_tensors for a single element."
                )
        n = leaves[0].shape[0]
        for i, x in enumerate(leaves):
            if x.shape[0] != n:
                raise ValueError(
                    f"from_tensor_slices: all components must have the same size in their "
                    f"first dimension; component 0 has {n}, component {i} has {x.shape[0]}"
                )
        spec = _structure.map_structure(
            lambda x: (
                _structure.unbatched_spec(x)
                if isinstance(x, _structure.SparseTensor)
                else TensorSpec(x.shape[1:], x.dtype)
            ),
            host,
        )

        def make_iter():
            return (_structure.Row(leaves, treedef, i) for i in range(n))

        return Dataset(make_iter, spec, n, "TensorSliceDataset")

    @staticmethod
    def from_tensors(tensors, name: str | None = None) -> Dataset:
        """A dataset of exactly one element, ``tensors``.

        Example:
            >>> import jtape as jt
            >>> [t.numpy().tolist() for t in jt.data.Dataset.from_tensors([1, 2])]
            [[1, 2]]
        """
        host = _structure.map_structure(_structure.to_host, tensors)
        return Dataset(lambda: iter([host]), _structure.spec_of(host), 1, "TensorDataset")

    @staticmethod
    def range(*args: int, output_type=np.int64, name: str | None = None) -> Dataset:
        """``range(stop)``, ``range(start, stop)`` or ``range(start, stop, step)`` as int64.

        int64 is held as int32 unless JAX's x64 mode is on (JAX's dtype rule).

        Example:
            >>> import jtape as jt
            >>> [int(x) for x in jt.data.Dataset.range(1, 8, 3)]
            [1, 4, 7]
        """
        if not 1 <= len(args) <= 3:
            raise TypeError(f"range: expected 1 to 3 integer arguments, got {len(args)}")
        bounds = builtins_range(*[_int_arg(a, "range") for a in args])
        dtype = _structure.jnp_dtype(output_type)

        def make_iter():
            return (np.asarray(v, dtype) for v in bounds)

        return Dataset(make_iter, TensorSpec((), dtype), len(bounds), "RangeDataset")

    @staticmethod
    def zip(*args, datasets=None, name: str | None = None) -> Dataset:
        """Elements of several datasets side by side, as a tuple (or the structure given).

        Stops with the shortest dataset.

        Example:
            >>> import jtape as jt
            >>> a, b = jt.data.Dataset.range(3), jt.data.Dataset.range(10, 12)
            >>> [(int(x), int(y)) for x, y in jt.data.Dataset.zip(a, b)]
            [(0, 10), (1, 11)]
        """
        if datasets is not None:
            if args:
                raise TypeError("zip: give the datasets positionally or as `datasets`, not both")
            args = (datasets,)
        structure = args[0] if len(args) == 1 else tuple(args)
        members, treedef = _structure.flatten(structure)
        if not members:
            raise TypeError("Must pass at least one dataset to `zip`.")
        for d in members:
            if not isinstance(d, Dataset):
                raise TypeError(
                    f"zip: expected Datasets (or a tuple/dict of them), got {type(d).__name__}"
                )

        def make_iter():
            iters = [d._make_iter() for d in members]
            while True:
                parts = [next(it, _END) for it in iters]
                if any(p is _END for p in parts):
                    return
                yield _structure.unflatten(treedef, [_structure.materialize(p) for p in parts])

        spec = _Lazy(lambda: _structure.unflatten(treedef, [d.element_spec for d in members]))
        card = INFINITE_CARDINALITY
        for d in members:
            n = d._cardinality
            if n == UNKNOWN_CARDINALITY:
                card = UNKNOWN_CARDINALITY
                break
            if n != INFINITE_CARDINALITY and (card == INFINITE_CARDINALITY or n < card):
                card = n
        return Dataset(make_iter, spec, card, "ZipDataset")

    @staticmethod
    def from_generator(
        generator: Callable,
        output_types=None,
        output_shapes=None,
        args=None,
        output_signature=None,
        name: str | None = None,
    ) -> Dataset:
        """Elements from a Python generator: the way to plug any other pipeline in.

        ``generator`` is a callable returning an iterable (called again for each pass).
        Give ``output_signature`` (a structure of ``TensorSpec``) or ``output_types``
        (and optionally ``output_shapes``); each yielded value is converted and checked.

        Example:
            >>> import jtape as jt
            >>> def gen():
            ...     for i in range(3):
            ...         yield i, [i] * i
            >>> sig = (jt.data.TensorSpec((), jt.int32), jt.data.TensorSpec((None,), jt.int32))
            >>> ds = jt.data.Dataset.from_generator(gen, output_signature=sig)
            >>> [y.shape for x, y in ds]
            [(0,), (1,), (2,)]
        """
        if not callable(generator):
            raise TypeError(f"from_generator: generator must be callable, got {generator!r}")
        if output_signature is None:
            if output_types is None:
                raise TypeError("from_generator: give output_signature (or output_types)")
            shapes = output_shapes
            if shapes is None:
                shapes = _structure.map_structure(lambda _: None, output_types)
            output_signature = jax.tree_util.tree_map(
                lambda t, s: TensorSpec(s, t),
                output_types,
                shapes,
                is_leaf=_structure._is_leaf,
            )
        specs, treedef = _structure.flatten(output_signature)
        specs = [
            TensorSpec(getattr(s, "shape", None), _structure.jnp_dtype(s.dtype)) for s in specs
        ]
        call_args = tuple(np.asarray(a) for a in (args or ()))

        def convert(value):
            leaves, tree = _structure.flatten(value)
            if tree != treedef:  # (a list is a value, not a tuple: TF refuses it too)
                raise InvalidArgumentError(
                    f"from_generator: the generator yielded {value!r}, which does not "
                    f"match the structure of output_signature ({treedef})"
                )
            out = []
            for x, s in zip(leaves, specs):
                arr = _structure.to_host(x) if s.dtype == object else np.asarray(x)
                if arr.dtype != s.dtype:
                    try:
                        arr = arr.astype(s.dtype)
                    except (TypeError, ValueError) as e:
                        raise InvalidArgumentError(
                            f"from_generator: the generator yielded {x!r}, which cannot be "
                            f"converted to the expected dtype {_dtype_name(s.dtype)}"
                        ) from e
                if not s.is_compatible_with(arr):
                    raise InvalidArgumentError(
                        f"from_generator: the generator yielded an element of shape "
                        f"{arr.shape}, which is not compatible with the expected shape "
                        f"{s.shape}"
                    )
                out.append(arr)
            return _structure.unflatten(treedef, out)

        def make_iter():
            return (convert(v) for v in generator(*call_args))

        spec = _structure.unflatten(treedef, specs)
        return Dataset(make_iter, spec, UNKNOWN_CARDINALITY, "FlatMapDataset")

    # -- information -----------------------------------------------------------------
    @property
    def element_spec(self):
        """The structure of ``TensorSpec`` s of one element (``None`` dims vary)."""
        if isinstance(self._spec, _Lazy):
            self._spec = self._spec()
        return self._spec

    def cardinality(self):
        """Number of elements, or ``INFINITE_CARDINALITY`` (-1) / ``UNKNOWN_CARDINALITY`` (-2).

        Returns an int64 scalar Tensor, as TensorFlow.

        Example:
            >>> import jtape as jt
            >>> ds = jt.data.Dataset.range(10)
            >>> int(ds.batch(3).cardinality()), int(ds.repeat().cardinality())
            (4, -1)
            >>> int(ds.filter(lambda x: x > 5).cardinality())
            -2
        """
        from .._tensor import Tensor

        return Tensor(jax.numpy.asarray(self._cardinality, _INT64))

    def __len__(self) -> int:
        if self._cardinality == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if self._cardinality == UNKNOWN_CARDINALITY:
            raise TypeError(
                "The dataset length is unknown (a filter or a generator is involved); "
                "iterate it, or use cardinality()."
            )
        return self._cardinality

    def __bool__(self) -> bool:
        return True  # not len(): an infinite dataset is still truthy, as in TF

    def __repr__(self) -> str:
        name = _TF_CLASS_NAMES.get(self._kind, "_" + self._kind)  # TF's private class names
        return f"<{name} element_spec={self.element_spec}>"

    # -- iteration ---------------------------------------------------------------------
    def __iter__(self) -> DatasetIterator:
        if _feed.tracing():  # inside jt.function: `next` pulls elements at run time
            return _feed.TracedIterator(self._jt_traced_feed())
        return DatasetIterator(self)

    def _jt_traced_feed(self) -> _feed.Feed:
        """``for x in dataset`` inside jt.function: fed by the host, not unrolled."""
        return _feed.Feed(lambda: _feed.HostStream(iter(self._make_iter())))

    def as_numpy_iterator(self) -> Iterator:
        """Iterate elements as numpy arrays (scalars as numpy scalars), no device copy.

        Example:
            >>> import jtape as jt
            >>> list(jt.data.Dataset.range(3).as_numpy_iterator())
            [np.int64(0), np.int64(1), np.int64(2)]
        """

        def numpy_leaf(x):
            if isinstance(x, _structure.SparseTensor):  # TF gives the dense array
                return _structure._sparse_data.to_numpy(x)
            arr = np.asarray(x)
            return arr[()] if arr.ndim == 0 else arr

        return (_structure.map_structure(numpy_leaf, e) for e in self._make_iter())

    def reduce(self, initial_state, reduce_func: Callable):
        """Fold all elements into one state: ``state = reduce_func(state, element)``.

        The state keeps its dtype: ``range`` gives int64, so start from an int64 (as TF).

        Example:
            >>> import numpy as np, jtape as jt
            >>> int(jt.data.Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x))
            10
        """
        fn = StructuredFunction(reduce_func, "reduce")
        state = _structure.map_structure(_structure.to_host, initial_state)
        for element in self._make_iter():
            state = fn((state, _structure.materialize(element)))
        return _structure.to_tensors(state)

    # -- transformations ---------------------------------------------------------------
    def _derive(self, make_iter, spec, cardinality, kind: str) -> Dataset:
        ds = Dataset(make_iter, spec, cardinality, kind)
        ds._options = self._options
        return ds

    def map(
        self,
        map_func: Callable,
        num_parallel_calls=None,
        deterministic=None,
        name: str | None = None,
    ) -> Dataset:
        """Apply ``map_func`` to every element (a tuple element is unpacked into arguments).

        ``map_func`` receives jt.Tensors and is written with jt ops. Like TF, it is
        traced once and compiled (with ``jax.jit``, on the host CPU); Python side effects
        run at trace time only. A function that touches Variables or calls ``.numpy()``
        runs eagerly per element instead. ``num_parallel_calls`` and ``deterministic``
        are accepted and ignored: elements are mapped in order, one at a time.

        Example:
            >>> import jtape as jt
            >>> ds = jt.data.Dataset.range(3).map(lambda x: {"x": x, "sq": x * x})
            >>> [int(e["sq"]) for e in ds]
            [0, 1, 4]
        """
        fn = StructuredFunction(map_func, "map")
        upstream = self._make_iter
        parent = self

        def make_iter():
            return fn.map_stream(upstream())

        spec = _Lazy(lambda: fn.output_spec(parent.element_spec))
        return self._derive(make_iter, spec, self._cardinality, "MapDataset")

    def filter(self, predicate: Callable, name: str | None = None) -> Dataset:
        """Keep the elements for which ``predicate`` returns a true scalar boolean.

        Example:
            >>> import jtape as jt
            >>> [int(x) for x in jt.data.Dataset.range(6).filter(lambda x: x % 2 == 0)]
            [0, 2, 4]
        """
        fn = StructuredFunction(predicate, "filter")
        upstream = self._make_iter

        def keep(element) -> bool:
            out = fn(element)
            arr = np.asarray(out) if not isinstance(out, (tuple, dict)) else None
            if arr is None or arr.shape != () or arr.dtype != np.bool_:
                raise ValueError(
                    "filter: predicate must return a scalar boolean tensor, got "
                    f"{_structure.spec_of(out)}"
                )
            return bool(arr)

        def make_iter():
            return (e for e in upstream() if keep(e))

        return self._derive(make_iter, self._spec, UNKNOWN_CARDINALITY, "FilterDataset")

    def batch(
        self,
        batch_size: int,
        drop_remainder: bool = False,
        num_parallel_calls=None,
        deterministic=None,
        name: str | None = None,
    ) -> Dataset:
        """Stack ``batch_size`` consecutive elements; the last batch may be smaller.

        Example:
            >>> import jtape as jt
            >>> [b.numpy().tolist() for b in jt.data.Dataset.range(5).batch(2, True)]
            [[0, 1], [2, 3]]
        """
        n = _int_arg(batch_size, "batch: batch_size")
        if n <= 0:
            raise InvalidArgumentError(f"batch: batch_size must be greater than zero, got {n}")
        drop = bool(drop_remainder)
        upstream = self._make_iter

        def make_iter():
            it = upstream()
            while True:
                chunk = list(itertools.islice(it, n))
                if not chunk or (drop and len(chunk) < n):
                    return
                yield _structure.stack(chunk, "batch")

        parent = self
        spec = _Lazy(
            lambda: _structure.map_structure(
                lambda s: (
                    _structure.batched_spec(s, n if drop else None)
                    if isinstance(s, _structure.SparseTensorSpec)
                    else TensorSpec(_prepend(n if drop else None, s.shape), s.dtype)
                ),
                parent.element_spec,
            )
        )
        card = self._cardinality
        if card >= 0:
            card = card // n if drop else -(-card // n)
        return self._derive(make_iter, spec, card, "BatchDataset")

    def padded_batch(
        self,
        batch_size: int,
        padded_shapes=None,
        padding_values=None,
        drop_remainder: bool = False,
        name: str | None = None,
    ) -> Dataset:
        """Like :meth:`batch`, padding each component to a common shape first.

        Unknown (``None`` or -1) dimensions of ``padded_shapes`` pad to the longest
        element of the batch; ``padding_values`` defaults to 0.

        Example:
            >>> import jtape as jt
            >>> ds = jt.data.Dataset.range(1, 4).map(lambda n: jt.fill([n], n))
            >>> [b.numpy().tolist() for b in ds.padded_batch(3)]
            [[[1, 0, 0], [2, 2, 0], [3, 3, 3]]]
        """
        n = _int_arg(batch_size, "padded_batch: batch_size")
        if n <= 0:
            raise InvalidArgumentError(
                f"padded_batch: batch_size must be greater than zero, got {n}"
            )
        drop = bool(drop_remainder)
        for s in _structure.flatten(self.element_spec)[0]:
            if isinstance(s, _structure.SparseTensorSpec):
                raise TypeError(
                    "`padded_batch` is only supported for datasets that produce tensor "
                    "elements but type spec of elements in the input dataset is not a "
                    f"subclass of TensorSpec: `{s!r}`."
                )
        upstream = self._make_iter
        parent = self

        def targets():
            specs, treedef = _structure.flatten(parent.element_spec)
            shapes = [s.shape for s in specs]
            if padded_shapes is not None:
                given = jax.tree_util.tree_leaves(
                    padded_shapes, is_leaf=lambda x: _is_shape(x) or x is None
                )
                shapes = [None if g is None else tuple(g) for g in given]
            pads = [None] * len(specs)
            if padding_values is not None:
                if isinstance(padding_values, (tuple, dict)):
                    pads = _structure.flatten(padding_values)[0]
                else:
                    pads = [padding_values] * len(specs)
            _check_padding(specs, shapes, pads)
            return shapes, pads, treedef

        targets()  # TF checks padded_shapes and padding_values here, not when iterating

        def make_iter():
            shapes, pads, treedef = targets()
            it = upstream()
            while True:
                chunk = list(itertools.islice(it, n))
                if not chunk or (drop and len(chunk) < n):
                    return
                per_leaf = list(zip(*[_structure.flatten(e)[0] for e in chunk]))
                out = [
                    _pad_stack(leaves, shape, pad)
                    for leaves, shape, pad in zip(per_leaf, shapes, pads)
                ]
                yield _structure.unflatten(treedef, out)

        def spec():
            shapes, _, treedef = targets()
            specs, _ = _structure.flatten(parent.element_spec)
            return _structure.unflatten(
                treedef,
                [
                    TensorSpec(_prepend(n if drop else None, _padded_dims(shape, s.shape)), s.dtype)
                    for shape, s in zip(shapes, specs)
                ],
            )

        card = self._cardinality
        if card >= 0:
            card = card // n if drop else -(-card // n)
        return self._derive(make_iter, _Lazy(spec), card, "PaddedBatchDataset")

    def ragged_batch(
        self,
        batch_size: int,
        drop_remainder: bool = False,
        row_splits_dtype=_dtypes.int64,
        name: str | None = None,
    ) -> Dataset:
        """Batch elements of one component whose first dimensions differ into a
        RaggedTensor (a dense Tensor when every element of a batch has one shape, as TF).

        Example:
            >>> import jtape as jt
            >>> ds = jt.data.Dataset.from_tensor_slices(jt.ragged.constant([[1, 2], [3]]))
            >>> [b.to_list() for b in ds.ragged_batch(2)]
            [[[1, 2], [3]]]
        """
        n = _int_arg(batch_size, "ragged_batch: batch_size")
        if n <= 0:
            raise InvalidArgumentError(f"batch_size must be greater than zero, got {n}")
        drop, upstream, parent = bool(drop_remainder), self._make_iter, self

        def make_iter():
            it = upstream()
            while True:
                chunk = [_structure.materialize(e) for e in itertools.islice(it, n)]
                if not chunk or (drop and len(chunk) < n):
                    return
                flat = [_structure.flatten(e) for e in chunk]
                specs, _ = _structure.flatten(parent.element_spec)
                columns = zip(*[leaves for leaves, _ in flat])
                yield _structure.unflatten(
                    flat[0][1],
                    [
                        _ragged_data.batch_rows(list(c), row_splits_dtype, _varies(s))
                        for c, s in zip(columns, specs)
                    ],
                )

        def spec():
            def one(s):
                shape = (n if drop else None, *(s.shape or ()))
                if not _varies(s):
                    return TensorSpec(shape, s.dtype)
                return _ragged.RaggedTensorSpec(shape, s.dtype, 1, row_splits_dtype)

            return _structure.map_structure(one, parent.element_spec)

        card = self._cardinality
        if card >= 0:
            card = card // n if drop else -(-card // n)
        return self._derive(make_iter, _Lazy(spec), card, "RaggedBatchDataset")

    def unbatch(self, name: str | None = None) -> Dataset:
        """Split each element along its first axis into separate elements.

        Example:
            >>> import jtape as jt
            >>> ds = jt.data.Dataset.from_tensors([[1, 2], [3, 4]]).unbatch()
            >>> [t.numpy().tolist() for t in ds]
            [[1, 2], [3, 4]]
        """
        upstream = self._make_iter
        specs, treedef = _structure.flatten(self.element_spec)
        for s in specs:
            if s.shape is not None and len(s.shape) == 0:
                raise ValueError("unbatch: every component needs a first axis; got a scalar")

        def make_iter():
            for element in upstream():
                leaves, tree = _structure.flatten(element)
                n = leaves[0].shape[0]
                if any(x.shape[0] != n for x in leaves):
                    raise ValueError(
                        "unbatch: all components of an element must have the same first "
                        f"dimension, got {[x.shape[0] for x in leaves]}"
                    )
                for i in range(n):
                    yield _structure.unflatten(tree, [_structure._row(x, i) for x in leaves])

        spec = _structure.unflatten(
            treedef,
            [
                _structure.unbatched_spec(s)
                if isinstance(s, _structure.SparseTensorSpec)
                else TensorSpec(None if s.shape is None else s.shape[1:], s.dtype)
                for s in specs
            ],
        )
        card = UNKNOWN_CARDINALITY
        first = {s.shape[0] if s.shape else None for s in specs}
        if len(first) == 1 and None not in first:
            (k,) = first
            if self._cardinality >= 0:
                card = self._cardinality * k
            elif self._cardinality == INFINITE_CARDINALITY and k > 0:
                card = INFINITE_CARDINALITY
        return self._derive(make_iter, spec, card, "UnbatchDataset")

    def shuffle(
        self,
        buffer_size: int,
        seed: int | None = None,
        reshuffle_each_iteration: bool = True,
        name: str | None = None,
    ) -> Dataset:
        """Randomly shuffle with TF's buffer algorithm.

        A buffer holds ``buffer_size`` elements; each output is drawn uniformly from the
        buffer and its slot refilled with the next input. So an element can only move
        earlier by less than ``buffer_size`` positions, and ``buffer_size >= len`` gives
        a uniform permutation. ``buffer_size=-2`` (``UNKNOWN_CARDINALITY``) buffers
        everything. With ``reshuffle_each_iteration`` every pass (every ``repeat`` epoch)
        has a new order; with a ``seed`` the sequence of orders is reproducible. Without a
        seed one is drawn from ``jt.random``'s global generator, so ``jt.random.set_seed``
        makes it reproducible. Orders differ from TensorFlow's (a different generator).

        Example:
            >>> import jtape as jt
            >>> ds = jt.data.Dataset.range(5).shuffle(5, seed=1)
            >>> sorted(int(x) for x in ds)
            [0, 1, 2, 3, 4]
        """
        size = _int_arg(buffer_size, "shuffle: buffer_size")
        if size <= 0 and size != UNKNOWN_CARDINALITY:
            raise InvalidArgumentError(
                f"shuffle: buffer_size must be greater than zero, got {size}"
            )
        base = _draw_seed() if seed is None else _int_arg(seed, "shuffle: seed")
        reshuffle = bool(reshuffle_each_iteration)
        epochs = itertools.count()
        upstream = self._make_iter

        def make_iter():
            epoch = next(epochs) if reshuffle else 0
            rng = np.random.default_rng([base & 0xFFFFFFFF, base >> 32 & 0x7FFFFFFF, epoch])
            return _buffer_shuffle(upstream(), None if size < 0 else size, rng)

        return self._derive(make_iter, self._spec, self._cardinality, "ShuffleDataset")

    def repeat(self, count: int | None = None, name: str | None = None) -> Dataset:
        """Repeat the dataset ``count`` times (forever for None or -1).

        Each pass starts the input afresh, so a ``shuffle`` before it reshuffles.

        Example:
            >>> import jtape as jt
            >>> [int(x) for x in jt.data.Dataset.range(2).repeat(3)]
            [0, 1, 0, 1, 0, 1]
        """
        count = -1 if count is None else _int_arg(count, "repeat: count")
        upstream = self._make_iter

        def make_iter():
            done = 0
            while count < 0 or done < count:
                empty = True
                for e in upstream():
                    empty = False
                    yield e
                done += 1
                if empty:  # an empty input repeated forever is still empty
                    return

        n = self._cardinality
        if count < 0:
            card = 0 if n == 0 else INFINITE_CARDINALITY
        elif count == 0:
            card = 0
        elif n < 0:
            card = n
        else:
            card = n * count
        return self._derive(make_iter, self._spec, card, "RepeatDataset")

    def take(self, count: int, name: str | None = None) -> Dataset:
        """The first ``count`` elements (all of them for -1).

        Example:
            >>> import jtape as jt
            >>> [int(x) for x in jt.data.Dataset.range(10).take(3)]
            [0, 1, 2]
        """
        count = _int_arg(count, "take: count")
        upstream = self._make_iter

        def make_iter():
            it = upstream()
            return it if count < 0 else itertools.islice(it, count)

        n = self._cardinality
        if n == UNKNOWN_CARDINALITY:
            card = n
        elif n == INFINITE_CARDINALITY:
            card = count
        elif count < 0:
            card = n
        else:
            card = min(n, count)
        return self._derive(make_iter, self._spec, card, "TakeDataset")

    def skip(self, count: int, name: str | None = None) -> Dataset:
        """All but the first ``count`` elements (-1 skips everything).

        Example:
            >>> import jtape as jt
            >>> [int(x) for x in jt.data.Dataset.range(5).skip(3)]
            [3, 4]
        """
        count = _int_arg(count, "skip: count")
        upstream = self._make_iter

        def make_iter():
            it = upstream()
            if count < 0:
                for _ in it:
                    pass
                return iter(())
            return itertools.islice(it, count, None)

        n = self._cardinality
        if n < 0:
            card = n
        elif count < 0:
            card = 0
        else:
            card = max(0, n - count)
        return self._derive(make_iter, self._spec, card, "SkipDataset")

    def shard(self, num_shards: int, index: int, name: str | None = None) -> Dataset:
        """Every ``num_shards``-th element, starting at ``index``.

        Example:
            >>> import jtape as jt
            >>> [int(x) for x in jt.data.Dataset.range(7).shard(3, 1)]
            [1, 4]
        """
        k = _int_arg(num_shards, "shard: num_shards")
        i = _int_arg(index, "shard: index")
        if k <= 0 or not 0 <= i < k:
            raise InvalidArgumentError(
                f"shard: need num_shards > 0 and 0 <= index < num_shards, got {k}, {i}"
            )
        upstream = self._make_iter
        n = self._cardinality
        card = n if n < 0 else n // k + (1 if i < n % k else 0)
        return self._derive(
            lambda: itertools.islice(upstream(), i, None, k), self._spec, card, "ShardDataset"
        )

    def enumerate(self, start: int = 0, name: str | None = None) -> Dataset:
        """Pairs ``(index, element)``, the index an int64 counting from ``start``.

        Example:
            >>> import jtape as jt
            >>> [(int(i), int(x)) for i, x in jt.data.Dataset.range(5, 7).enumerate()]
            [(0, 5), (1, 6)]
        """
        start = _int_arg(start, "enumerate: start")
        counter = Dataset(
            lambda: (np.asarray(v, _INT64) for v in itertools.count(start)),
            TensorSpec((), _INT64),
            INFINITE_CARDINALITY,
            "CounterDataset",
        )
        ds = Dataset.zip(counter, self)
        ds._kind = "EnumerateDataset"
        return ds

    def concatenate(self, dataset: Dataset, name: str | None = None) -> Dataset:
        """This dataset's elements followed by ``dataset``'s (same structure and dtypes).

        Example:
            >>> import jtape as jt
            >>> a, b = jt.data.Dataset.range(2), jt.data.Dataset.range(5, 6)
            >>> [int(x) for x in a.concatenate(b)]
            [0, 1, 5]
        """
        if not isinstance(dataset, Dataset):
            raise TypeError(f"concatenate: expected a Dataset, got {type(dataset).__name__}")
        a_specs, a_tree = _structure.flatten(self.element_spec)
        b_specs, b_tree = _structure.flatten(dataset.element_spec)
        if a_tree != b_tree:
            raise TypeError(
                f"concatenate: the datasets have different structures: {self.element_spec} "
                f"vs {dataset.element_spec}"
            )
        for a, b in zip(a_specs, b_specs):
            if a.dtype != b.dtype:
                raise TypeError(
                    f"concatenate: the datasets have different dtypes: {a.dtype.name} vs "
                    f"{b.dtype.name}"
                )
        spec = _structure.unflatten(
            a_tree, [a.most_specific_compatible(b) for a, b in zip(a_specs, b_specs)]
        )
        first, second = self._make_iter, dataset._make_iter
        n1, n2 = self._cardinality, dataset._cardinality
        if INFINITE_CARDINALITY in (n1, n2):
            card = INFINITE_CARDINALITY
        elif UNKNOWN_CARDINALITY in (n1, n2):
            card = UNKNOWN_CARDINALITY
        else:
            card = n1 + n2
        return self._derive(
            lambda: itertools.chain(first(), second()), spec, card, "ConcatenateDataset"
        )

    def flat_map(self, map_func: Callable, name: str | None = None) -> Dataset:
        """``map_func`` turns each element into a Dataset; their elements are chained.

        ``map_func`` runs eagerly on jt.Tensors (it builds Datasets, not tensors).

        Example:
            >>> import jtape as jt
            >>> ds = jt.data.Dataset.range(1, 3)
            >>> [int(x) for x in ds.flat_map(lambda n: jt.data.Dataset.range(n))]
            [0, 0, 1]
        """
        upstream = self._make_iter
        parent = self

        def datasets():
            for element in upstream():
                inner = _call_unpacked(map_func, _structure.to_tensors(element))
                if not isinstance(inner, Dataset):
                    raise TypeError(
                        f"flat_map: map_func must return a Dataset, got {type(inner).__name__}"
                    )
                yield inner

        def make_iter():
            return itertools.chain.from_iterable(d._make_iter() for d in datasets())

        def spec():
            first = next(iter(datasets()), None)
            if first is None:
                return parent.element_spec
            return first.element_spec

        return self._derive(make_iter, _Lazy(spec), UNKNOWN_CARDINALITY, "FlatMapDataset")

    def prefetch(self, buffer_size: int, name: str | None = None) -> Dataset:
        """Prepare up to ``buffer_size`` elements ahead, in a background thread.

        The thread also moves them to the device, so input work overlaps the training
        step. ``AUTOTUNE`` means 2.

        Example:
            >>> import jtape as jt
            >>> [int(x) for x in jt.data.Dataset.range(3).prefetch(jt.data.AUTOTUNE)]
            [0, 1, 2]
        """
        size = _int_arg(buffer_size, "prefetch: buffer_size")
        if size == AUTOTUNE:
            size = _AUTOTUNE_PREFETCH
        if size < 0:
            raise InvalidArgumentError(
                f"prefetch: buffer_size must be >= 0 or AUTOTUNE, got {size}"
            )
        if size == 0:
            return self._derive(self._make_iter, self._spec, self._cardinality, "PrefetchDataset")
        upstream = self._make_iter
        return self._derive(
            lambda: PrefetchIterator(upstream(), size),
            self._spec,
            self._cardinality,
            "PrefetchDataset",
        )

    def cache(self, filename: str = "", name: str | None = None) -> Dataset:
        """Keep the elements of the first complete pass in memory and replay them.

        A pass that stops early caches nothing (as TF, which discards a partial cache).
        With a ``filename`` the elements go to ``filename.index`` and
        ``filename.data-00000-of-00001`` (jtape's format, not TF's) and any later pass,
        also of another dataset caching to that name, reads the files, as in TF.

        Example:
            >>> import jtape as jt
            >>> calls = []
            >>> ds = jt.data.Dataset.range(3).filter(lambda x: True).cache()
            >>> [int(x) for x in ds] == [int(x) for x in ds] == [0, 1, 2]
            True
        """
        if filename:
            from ._save_load import file_cache

            return file_cache(self, filename)
        upstream = self._make_iter
        store: list = []

        def make_iter():
            if store:
                return iter(store[0])

            def fill():
                items = []
                for e in upstream():
                    items.append(e)
                    yield e
                if not store:
                    store.append(items)

            return fill()

        return self._derive(make_iter, self._spec, self._cardinality, "CacheDataset")

    def apply(self, transformation_func: Callable[[Dataset], Dataset]) -> Dataset:
        """``transformation_func(self)``: a hook for chaining custom transformations."""
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError(
                f"apply: transformation_func must return a Dataset, got {type(out).__name__}"
            )
        return out

    def options(self) -> Options:
        return self._options

    def with_options(self, options: Options, name: str | None = None) -> Dataset:
        """Attach ``tf.data.Options`` (merged into the ones set before, as TF); jtape
        records them but has no knobs to turn."""
        if not isinstance(options, Options):
            raise TypeError(f"with_options: expected a tf.data.Options, got {options!r}")
        ds = self._derive(self._make_iter, self._spec, self._cardinality, self._kind)
        ds._options = self._options.merge(options)
        return ds

    def __getattr__(self, attr: str) -> Any:
        if attr in _NOT_PROVIDED:
            raise AttributeError(
                f"Dataset.{attr} is not provided by jtape.data. Build the elements with a "
                "Python generator and Dataset.from_generator (or flat_map), or feed "
                "another input pipeline's numpy batches straight to jt ops."
            )
        raise AttributeError(f"'Dataset' object has no attribute '{attr}'")


_NOT_PROVIDED = {
    "rejection_resample",
    "sparse_batch",
    "ignore_errors",
    "distribute",
}


class DatasetIterator:
    """One pass over a dataset; elements come out as jt.Tensors (``iter(dataset)``)."""

    def __init__(self, dataset: Dataset) -> None:
        self._dataset = dataset
        self._it = iter(dataset._make_iter())
        self._host = None  # a HostStream once a jt.function pulled from this iterator

    @property
    def element_spec(self):
        return self._dataset.element_spec

    def __iter__(self) -> DatasetIterator:
        return self

    def __next__(self):
        if _feed.tracing():  # `next(iterator)` inside jt.function: fed at run time
            return self._jt_traced_feed().next()
        if self._host is not None:  # elements a function looked ahead at come first
            e = self._host.take()
            if e is _feed._END:
                raise StopIteration
            return _structure.to_tensors(_structure.unflatten(e.treedef, e.leaves))
        return _structure.to_tensors(next(self._it))

    def _jt_traced_feed(self) -> _feed.Feed:
        if self._host is None:
            self._host = _feed.HostStream(self._it)
        return _feed.outside_feed(self, self._host)

    def get_next(self):
        """The next element; raises ``tf.errors.OutOfRangeError`` at the end (as TF)."""
        try:
            return next(self)
        except StopIteration:
            raise OutOfRangeError("End of sequence") from None

    def get_next_as_optional(self):
        """The next element as a ``tf.experimental.Optional``, empty at the end.

        Example:
            >>> import jtape as jt
            >>> it = iter(jt.data.Dataset.range(1))
            >>> a, b = it.get_next_as_optional(), it.get_next_as_optional()
            >>> bool(a.has_value()), int(a.get_value()), bool(b.has_value())
            (True, 0, False)
        """
        from ._optional import Optional

        try:
            return Optional.from_value(next(self))
        except StopIteration:
            return Optional.empty(self.element_spec)


# -- helpers ---------------------------------------------------------------------------
builtins_range = range


def _varies(spec) -> bool:
    """Whether elements of ``spec`` may differ in shape (ragged_batch makes them ragged)."""
    return spec.shape is None or None in tuple(spec.shape)


class _Lazy:
    """A spec computed on first use (``map`` specs need a trace of the function)."""

    __slots__ = ("fn",)

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(self):
        return self.fn()


def _call_unpacked(fn, element):
    return fn(*element) if type(element) is tuple else fn(element)


def _is_shape(x) -> bool:
    return (
        isinstance(x, (list, tuple))
        and all(d is None or isinstance(d, (int, np.integer)) for d in x)
        and not (isinstance(x, tuple) and hasattr(x, "_fields"))
    )


def _prepend(dim, shape):
    return None if shape is None else (dim, *shape)


def _padded_dims(target, actual):
    if target is None:
        return None if actual is None else tuple(None for _ in actual)
    return tuple(None if d is None or d == -1 else int(d) for d in target)


def _value_dtype_name(value) -> str:
    """The dtype TF's convert_to_tensor gives ``value`` (Python ints int32, floats float32)."""
    numpy_dtype = getattr(getattr(value, "dtype", None), "as_numpy_dtype", object)
    if np.dtype(numpy_dtype) != object:  # a jt/TF tensor with a numeric dtype
        return _dtypes.as_dtype(value.dtype).name
    return _dtype_name(_structure.to_host(value).dtype)


def _check_padding(specs, shapes, pads) -> None:
    """TF's construction-time checks of padded_batch's ``padded_shapes``/``padding_values``."""
    for i, (spec, shape, pad) in enumerate(zip(specs, shapes, pads)):
        if shape is None:
            if spec.shape is None:
                raise ValueError(
                    "You must provide `padded_shapes` argument because component "
                    f"{i} has unknown rank."
                )
        elif spec.shape is not None and (
            len(shape) != len(spec.shape)
            or any(
                a not in (None, -1) and b not in (None, -1) and a < b
                for a, b in zip(shape, spec.shape)
            )
        ):
            given = tuple(None if d == -1 else d for d in shape)
            raise ValueError(
                f"The padded shape {given} is not compatible with the shape "
                f"{tuple(spec.shape)} of the corresponding input component."
            )
        if pad is None:
            continue  # the default padding: zero (or b"" for strings) of the component's dtype
        if np.ndim(pad) != 0:
            raise ValueError(
                "Invalid `padding_values`. `padding_values` values should be scalars, "
                f"but got {np.shape(pad)}."
            )
        got, want = _value_dtype_name(pad), _dtype_name(spec.dtype)
        if got != want:
            raise TypeError(
                f"Invalid `padding_values`. `padding_values` values type <dtype: '{got}'> "
                f"does not match type <dtype: '{want}'> of the corresponding input component."
            )


def _pad_stack(leaves, shape, pad):
    arrs = [np.asarray(x) for x in leaves]
    rank = arrs[0].ndim
    longest = [max(a.shape[d] for a in arrs) for d in builtins_range(rank)]
    if shape is not None:
        longest = [m if d is None or d == -1 else int(d) for m, d in zip(longest, shape)]
    if arrs[0].dtype == object:  # strings pad with b"" unless a string is given (TF)
        pad = _structure.to_host(b"" if pad is None else pad)
    elif pad is None:
        pad = 0
    out = np.full((len(arrs), *longest), np.asarray(pad).astype(arrs[0].dtype), arrs[0].dtype)
    for i, a in enumerate(arrs):
        if any(s > m for s, m in zip(a.shape, longest)):
            raise DataLossError(
                f"padded_batch: element of shape {a.shape} is larger than padded shape "
                f"{tuple(longest)}"
            )
        out[(i, *(slice(0, s) for s in a.shape))] = a
    return out


def _buffer_shuffle(source, size: int | None, rng: np.random.Generator):
    """TF's shuffle: draw uniformly from a buffer of ``size``, refill from the input."""
    it = iter(source)
    buf = list(it) if size is None else list(itertools.islice(it, size))
    draws: list = []
    while buf:
        if not draws:
            # Uniform draws in blocks: one numpy call per 1024 elements, not per element.
            draws = rng.random(1024).tolist()
        i = int(draws.pop() * len(buf))
        out = buf[i]
        nxt = next(it, _END)
        if nxt is _END:
            buf[i] = buf[-1]
            buf.pop()
        else:
            buf[i] = nxt
        yield out
