"""More ``tf.data.Dataset`` transformations: windows, interleave, scan, grouping, sampling.

They build on the same host-element recipes as ``_dataset``: each one wraps its
input's ``_make_iter`` in a new generator. Windows (``window``, ``group_by_window``)
are small in-memory Datasets handed to the user function, as in TensorFlow, where a
window element is itself a dataset (its spec a :class:`DatasetSpec`).

The functions are attached to :class:`Dataset` at import (``jtape.data`` imports this
module), so they are ordinary methods: ``ds.window(3)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import jax
import numpy as np

from .._op_errors import InvalidArgumentError
from . import _structure
from ._dataset import (
    _END,
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    _call_unpacked,
    _draw_seed,
    _int_arg,
    _is_shape,
    _Lazy,
)
from ._fn import StructuredFunction
from ._structure import TensorSpec

_INT64 = _structure.jnp_dtype(np.int64)


class DatasetSpec:
    """The spec of a dataset-valued element (``tf.data.DatasetSpec``), e.g. a window.

    Example:
        >>> import jtape as jt
        >>> jt.data.Dataset.range(4).window(2).element_spec
        DatasetSpec(TensorSpec(shape=(), dtype=tf.int64, name=None), TensorShape([]))
    """

    def __init__(self, element_spec, dataset_shape=()) -> None:
        self._element_spec = element_spec
        self._dataset_shape = tuple(dataset_shape)

    @property
    def element_spec(self):
        return self._element_spec

    @property
    def shape(self) -> tuple:
        return self._dataset_shape

    def _jt_placeholder(self) -> Dataset:
        """An empty dataset of this spec: what a function's spec is probed with."""
        return Dataset(lambda: iter(()), self._element_spec, 0, "_VariantDataset")

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, DatasetSpec)
            and self._element_spec == other._element_spec
            and self._dataset_shape == other._dataset_shape
        )

    def __hash__(self) -> int:
        return hash((DatasetSpec, self._dataset_shape))

    def __repr__(self) -> str:
        dims = list(self._dataset_shape)
        return f"DatasetSpec({self._element_spec!r}, TensorShape({dims}))"


# -- helpers ---------------------------------------------------------------------------------
def _max_parallelism() -> int:
    """CPUs this process may run on: what TF calls ``port::MaxParallelism()``."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _positive(value, what: str) -> int:
    n = _int_arg(value, what)
    if n <= 0:
        raise InvalidArgumentError(f"{what} must be greater than zero, got {n}")
    return n


def _merge_spec(a, b):
    """The spec two probes of a function share (differing dimensions become None)."""

    def merge(x, y):
        if isinstance(x, TensorSpec) and isinstance(y, TensorSpec):
            return x.most_specific_compatible(y)
        if isinstance(x, DatasetSpec) and isinstance(y, DatasetSpec):
            return DatasetSpec(_merge_spec(x.element_spec, y.element_spec), x.shape)
        return x

    return jax.tree_util.tree_map(merge, a, b, is_leaf=_structure._is_leaf)


def _dataset_of(elements: list, spec, kind: str = "_VariantDataset") -> Dataset:
    return Dataset(lambda: iter(elements), spec, len(elements), kind)


class _NotADatasetError(TypeError, AttributeError):
    """A function returned no Dataset (TF fails with an AttributeError there)."""


def _returned_dataset(out, what: str) -> Dataset:
    if not isinstance(out, Dataset):
        raise _NotADatasetError(f"{what} must return a Dataset, got {type(out).__name__}")
    return out


def _dataset_fn_spec(fn, input_spec, what: str, first_real):
    """Element spec of the datasets ``fn`` returns, found as TF does: by calling it.

    ``fn`` is called on two placeholder elements (zeros with unknown dimensions 1, ones
    with unknown dimensions 2); dimensions that differ become None. When a placeholder
    call fails (a function that needs real values), the first real element decides.
    """
    specs = []
    try:
        for unknown in (1, 2):
            probe = _structure.zeros_for(input_spec, unknown, fill=unknown - 1)
            out = _call_unpacked(fn, _structure.to_tensors(probe))
            specs.append(_returned_dataset(out, what).element_spec)
        return _merge_spec(specs[0], specs[1])
    except TypeError as e:
        if "must return a Dataset" in str(e):
            raise
    except Exception:  # noqa: BLE001, S110 - the placeholder call failed; use real data
        pass
    ds = first_real()
    if ds is None:
        raise ValueError(f"{what}: cannot determine the element spec of an empty input")
    return ds.element_spec


def _scalar_bool(out, what: str) -> bool:
    arr = np.asarray(out) if not isinstance(out, (tuple, dict)) else None
    if arr is None or arr.shape != () or arr.dtype != np.bool_:
        raise ValueError(
            f"{what}: predicate must return a scalar boolean tensor, got {_structure.spec_of(out)}"
        )
    return bool(arr)


def _check_same_structure(datasets: list, what: str):
    """The spec all ``datasets`` fit (TypeError when structures or dtypes differ)."""
    first_specs, treedef = _structure.flatten(datasets[0].element_spec)
    merged = list(first_specs)
    for d in datasets[1:]:
        specs, tree = _structure.flatten(d.element_spec)
        if tree != treedef:
            raise TypeError(
                f"{what}: all datasets must have the same structure; got "
                f"{datasets[0].element_spec} and {d.element_spec}"
            )
        for i, (a, b) in enumerate(zip(merged, specs)):
            if a.dtype != b.dtype:
                raise TypeError(
                    f"{what}: all datasets must have the same dtypes; got "
                    f"{a.dtype.name} and {b.dtype.name}"
                )
            merged[i] = a.most_specific_compatible(b)
    return _structure.unflatten(treedef, merged)


def _as_datasets(datasets, what: str) -> list:
    members = list(datasets)
    if not members:
        raise ValueError(f"{what}: expected a non-empty list of datasets")
    for d in members:
        if not isinstance(d, Dataset):
            raise TypeError(f"{what}: expected Datasets, got {type(d).__name__}")
    return members


# -- window --------------------------------------------------------------------------------
def window(
    self: Dataset,
    size: int,
    shift: int | None = None,
    stride: int = 1,
    drop_remainder: bool = False,
    name: str | None = None,
) -> Dataset:
    """Windows of ``size`` elements, each a Dataset (a tuple/dict of them for nested elements).

    Window ``k`` holds elements ``k*shift + j*stride`` for ``j < size``; ``shift``
    defaults to ``size``. The last windows may be shorter unless ``drop_remainder``.

    Example:
        >>> import jtape as jt
        >>> ds = jt.data.Dataset.range(5).window(3, shift=1, drop_remainder=True)
        >>> [w.numpy().tolist() for w in ds.flat_map(lambda w: w.batch(3))]
        [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    """
    size = _positive(size, "window: size")
    shift = size if shift is None else _positive(shift, "window: shift")
    stride = _positive(stride, "window: stride")
    drop = bool(drop_remainder)
    span = (size - 1) * stride + 1
    upstream = self._make_iter
    parent = self

    def make_window(members):
        specs, treedef = _structure.flatten(parent.element_spec)
        columns = list(zip(*[_structure.flatten(m)[0] for m in members]))
        parts = [_dataset_of(list(col), s) for col, s in zip(columns, specs)]
        return _structure.unflatten(treedef, parts)

    def make_iter():
        it = upstream()
        buf: list = []
        base = 0  # input index of buf[0]
        start = 0
        exhausted = False
        while True:
            last = start + span - 1
            while not exhausted and base + len(buf) <= last:
                e = next(it, _END)
                if e is _END:
                    exhausted = True
                else:
                    buf.append(e)
            members = [buf[i - base] for i in range(start, last + 1, stride) if i < base + len(buf)]
            if not members or (drop and len(members) < size):
                return
            yield make_window(members)
            start += shift
            dropped = min(start - base, len(buf))
            del buf[:dropped]
            base += dropped
            while base < start and not exhausted:
                if next(it, _END) is _END:
                    exhausted = True
                else:
                    base += 1

    n = self._cardinality
    if n < 0:
        card = n
    elif drop:
        card = (n - span) // shift + 1 if n >= span else 0
    else:
        card = -(-n // shift)
    spec = _Lazy(lambda: _structure.map_structure(lambda s: DatasetSpec(s), parent.element_spec))
    return self._derive(make_iter, spec, card, "WindowDataset")


# -- interleave ------------------------------------------------------------------------------
def _cycle_length(cycle_length, num_parallel_calls) -> int:
    """TF's cycle length, with AUTOTUNE (or None) resolved as TF resolves it."""
    npc = None if num_parallel_calls is None else _int_arg(num_parallel_calls, "num_parallel_calls")
    if npc is not None and npc != AUTOTUNE and npc <= 0:
        raise ValueError(f"interleave: num_parallel_calls must be positive or AUTOTUNE, got {npc}")
    cycle = AUTOTUNE if cycle_length is None else _int_arg(cycle_length, "interleave: cycle_length")
    if cycle == AUTOTUNE:
        cores = _max_parallelism()
        if npc is None:
            cycle = cores
        elif npc == AUTOTUNE:
            cycle = -(-cores // 3)  # TF: about one thread per core, prefetching 2 ahead
        else:
            cycle = min(npc, cores)
    elif cycle <= 0:
        raise ValueError(f"interleave: cycle_length must be greater than zero, got {cycle}")
    if npc is not None and npc != AUTOTUNE and npc > cycle:
        raise InvalidArgumentError(
            "interleave: if cycle_length is set to a fixed value, num_parallel_calls must be "
            f"AUTOTUNE or at most cycle_length; got num_parallel_calls={npc} and "
            f"cycle_length={cycle}"
        )
    return cycle


def interleave(
    self: Dataset,
    map_func: Callable,
    cycle_length: int | None = None,
    block_length: int | None = None,
    num_parallel_calls=None,
    deterministic=None,
    name: str | None = None,
) -> Dataset:
    """Map each element to a Dataset and interleave their elements, TF's order.

    ``cycle_length`` input elements are open at once; ``block_length`` consecutive
    elements are taken from each in turn, and an exhausted one is replaced by the next
    input element when its turn comes. ``cycle_length=None`` (AUTOTUNE) is resolved as
    TF does: the number of usable CPUs, or with ``num_parallel_calls`` given,
    ``min(num_parallel_calls, CPUs)`` (``ceil(CPUs / 3)`` when both are AUTOTUNE).
    Elements are always produced in that deterministic order, one at a time
    (``num_parallel_calls`` and ``deterministic`` change no output).

    Example:
        >>> import jtape as jt
        >>> ds = jt.data.Dataset.range(1, 4).interleave(
        ...     lambda x: jt.data.Dataset.from_tensors(x).repeat(2), cycle_length=2)
        >>> [int(x) for x in ds]
        [1, 2, 1, 2, 3, 3]
    """
    cycle = _cycle_length(cycle_length, num_parallel_calls)
    block = 1 if block_length is None else _positive(block_length, "interleave: block_length")
    upstream = self._make_iter
    parent = self

    def open_element(element):
        out = _call_unpacked(map_func, _structure.to_tensors(element))
        return _returned_dataset(out, "interleave: map_func")

    def make_iter():
        inputs = upstream()
        slots: list = [None] * cycle
        index = block_index = num_open = 0
        end_of_input = False
        while not end_of_input or num_open > 0:
            current = slots[index]
            if current is not None:
                e = next(current, _END)
                if e is not _END:
                    block_index += 1
                    if block_index == block:
                        block_index, index = 0, (index + 1) % cycle
                    yield e
                    continue
                slots[index] = None
                num_open -= 1
                block_index, index = 0, (index + 1) % cycle
            elif not end_of_input:
                x = next(inputs, _END)
                if x is _END:
                    end_of_input = True
                else:
                    slots[index] = iter(open_element(x)._make_iter())
                    num_open += 1
            else:
                block_index, index = 0, (index + 1) % cycle

    def first_real():
        x = next(iter(upstream()), _END)
        return None if x is _END else open_element(x)

    spec = _Lazy(
        lambda: _dataset_fn_spec(map_func, parent.element_spec, "interleave: map_func", first_real)
    )
    return self._derive(make_iter, spec, UNKNOWN_CARDINALITY, "InterleaveDataset")


# -- take_while, scan, unique ----------------------------------------------------------------
def take_while(self: Dataset, predicate: Callable, name: str | None = None) -> Dataset:
    """Elements up to (not including) the first for which ``predicate`` is false.

    Example:
        >>> import jtape as jt
        >>> [int(x) for x in jt.data.Dataset.range(10).take_while(lambda x: x < 3)]
        [0, 1, 2]
    """
    fn = StructuredFunction(predicate, "take_while")
    upstream = self._make_iter

    def make_iter():
        for e in upstream():
            if not _scalar_bool(fn(e), "take_while"):
                return
            yield e

    return self._derive(make_iter, self._spec, UNKNOWN_CARDINALITY, "TakeWhileDataset")


def scan(self: Dataset, initial_state, scan_func: Callable, name: str | None = None) -> Dataset:
    """A running state: ``(state, out) = scan_func(state, element)``, yielding ``out``.

    The state keeps its structure and dtypes; a dimension that changes from step to
    step becomes None in the spec (as TF relaxes it).

    Example:
        >>> import numpy as np, jtape as jt
        >>> ds = jt.data.Dataset.range(5).scan(np.int64(0), lambda s, x: (s + x, s + x))
        >>> [int(x) for x in ds]
        [0, 1, 3, 6, 10]
    """
    fn = StructuredFunction(scan_func, "scan")
    state0 = _structure.map_structure(_structure.to_host, initial_state)
    state_specs, state_tree = _structure.flatten(_structure.spec_of(state0))
    upstream = self._make_iter
    parent = self

    def split(out):
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError(
                "scan: scan_func must return a pair (new_state, output_element), got "
                f"{type(out).__name__}"
            )
        new_state, element = out
        leaves, tree = _structure.flatten(new_state)
        if tree != state_tree:
            raise TypeError(
                "scan: the new state must have the structure of the initial state "
                f"({state_tree}), got {tree}"
            )
        for s, x in zip(state_specs, leaves):
            if np.dtype(x.dtype) != s.dtype:
                raise TypeError(
                    "scan: the element types for the new state must match the initial "
                    f"state; expected {s.dtype.name}, got {np.dtype(x.dtype).name}"
                )
        return new_state, element

    def make_iter():
        state = state0
        for e in upstream():
            state, out = split(fn((state, _structure.materialize(e))))
            yield out

    def spec():
        specs = _structure.unflatten(state_tree, state_specs)
        for _ in range(8):  # relax the state's shape until it is stable (TF's rule)
            out = fn.output_spec((specs, parent.element_spec))
            new_state, element = split(out)
            relaxed = jax.tree_util.tree_map(
                lambda a, b: a.most_specific_compatible(b), specs, new_state
            )
            if relaxed == specs:
                return element
            specs = relaxed
        return element

    spec_value = spec()  # errors in scan_func surface here, at the call (as TF)
    return self._derive(make_iter, spec_value, self._cardinality, "ScanDataset")


_UNIQUE_DTYPES = ("int32", "int64", "string")


def unique(self: Dataset, name: str | None = None) -> Dataset:
    """Each distinct element once, in first-seen order (int32, int64 or string scalars).

    Example:
        >>> import jtape as jt
        >>> ds = jt.data.Dataset.from_tensor_slices([1, 3, 1, 2, 3]).unique()
        >>> [int(x) for x in ds]
        [1, 3, 2]
    """
    spec = self.element_spec
    if not isinstance(spec, TensorSpec):
        raise TypeError(
            f"unique: only single-component datasets are supported, got element_spec {spec}"
        )
    name_of = "string" if spec.dtype == object else spec.dtype.name
    if name_of not in _UNIQUE_DTYPES:
        raise TypeError(
            f"unique: only datasets of int32, int64 or string elements are supported, got {name_of}"
        )
    upstream = self._make_iter

    def make_iter():
        seen = set()
        for e in upstream():
            arr = np.asarray(_structure.materialize(e))
            key = (arr.shape, tuple(arr.reshape(-1).tolist()))
            if key not in seen:
                seen.add(key)
                yield e

    return self._derive(make_iter, self._spec, UNKNOWN_CARDINALITY, "UniqueDataset")


# -- group_by_window, bucket_by_sequence_length ----------------------------------------------
def _key_tensor(key: int):
    from .._tensor import Tensor

    return Tensor(jax.numpy.asarray(key, _INT64))


def _grouped(
    self: Dataset, host_key: Callable, reduce_func: Callable, size_of: Callable, spec, kind: str
) -> Dataset:
    """Group elements by ``host_key`` into windows of ``size_of(key)`` and reduce each."""
    upstream = self._make_iter
    parent = self

    def reduce_window(key, members):
        ds = _dataset_of(members, parent.element_spec)
        out = reduce_func(_key_tensor(key), ds)
        return _returned_dataset(out, "group_by_window: reduce_func")._make_iter()

    def make_iter():
        groups: dict = {}
        sizes: dict = {}
        for e in upstream():
            key = host_key(e)
            if key not in sizes:
                sizes[key] = size_of(key)
            group = groups.setdefault(key, [])
            group.append(e)
            if len(group) == sizes[key]:
                del groups[key]
                yield from reduce_window(key, group)
        for key in sorted(groups):  # leftovers, by increasing key
            yield from reduce_window(key, groups[key])

    # TF: an endless input keeps the output endless; otherwise the count is unknown.
    card = (
        INFINITE_CARDINALITY if self._cardinality == INFINITE_CARDINALITY else UNKNOWN_CARDINALITY
    )
    return self._derive(make_iter, spec, card, kind)


def _int_scalar(out, what: str) -> int:
    arr = np.asarray(out) if not isinstance(out, (tuple, dict)) else None
    if arr is None or arr.shape != () or arr.dtype.kind not in "iu":
        raise ValueError(f"{what} must return a scalar integer (int64) tensor, got {out!r}")
    return int(arr)


def group_by_window(
    self: Dataset,
    key_func: Callable,
    reduce_func: Callable,
    window_size: int | None = None,
    window_size_func: Callable | None = None,
    name: str | None = None,
) -> Dataset:
    """Group elements by ``key_func`` into windows and map each with ``reduce_func``.

    A window is handed to ``reduce_func(key, window_dataset)`` as soon as it holds
    ``window_size`` (or ``window_size_func(key)``) elements; at the end of the input
    the partial windows follow in increasing key order.

    Example:
        >>> import jtape as jt
        >>> ds = jt.data.Dataset.range(6).group_by_window(
        ...     lambda x: x % 2, lambda key, w: w.batch(3), window_size=3)
        >>> [b.numpy().tolist() for b in ds]
        [[0, 2, 4], [1, 3, 5]]
    """
    if (window_size is None) == (window_size_func is None):
        raise ValueError("group_by_window: give exactly one of window_size or window_size_func")
    key_fn = StructuredFunction(key_func, "group_by_window: key_func")
    if window_size is not None:
        size = _positive(window_size, "group_by_window: window_size")

        def size_of(key):
            return size

    else:

        def size_of(key):
            n = _int_scalar(window_size_func(_key_tensor(key)), "group_by_window: window_size_func")
            if n <= 0:
                raise InvalidArgumentError(f"Window size must be greater than zero, but got {n}.")
            return n

    parent = self

    def host_key(e):
        return _int_scalar(key_fn(e), "group_by_window: key_func")

    def spec():
        empty = Dataset(lambda: iter(()), parent.element_spec, 0, "_VariantDataset")
        out = reduce_func(_key_tensor(0), empty)
        return _returned_dataset(out, "group_by_window: reduce_func").element_spec

    return _grouped(self, host_key, reduce_func, size_of, _Lazy(spec), "GroupByWindowDataset")


def bucket_by_sequence_length(
    self: Dataset,
    element_length_func: Callable,
    bucket_boundaries,
    bucket_batch_sizes,
    padded_shapes=None,
    padding_values=None,
    pad_to_bucket_boundary: bool = False,
    no_padding: bool = False,
    drop_remainder: bool = False,
    name: str | None = None,
) -> Dataset:
    """Batch elements of similar length together, padding each batch (TF's bucketing).

    Bucket ``i`` takes lengths in ``[bucket_boundaries[i-1], bucket_boundaries[i])``
    and is batched by ``bucket_batch_sizes[i]`` with ``padded_batch`` (``batch`` with
    ``no_padding``). ``pad_to_bucket_boundary`` pads unknown dimensions to the bucket's
    boundary minus one (lengths must then be below the last boundary).

    Example:
        >>> import jtape as jt
        >>> ds = jt.data.Dataset.range(1, 6).map(lambda n: jt.fill([n], n))
        >>> ds = ds.bucket_by_sequence_length(lambda x: jt.shape(x)[0], [3], [2, 3])
        >>> [b.numpy().tolist() for b in ds]
        [[[1, 0], [2, 2]], [[3, 3, 3, 0, 0], [4, 4, 4, 4, 0], [5, 5, 5, 5, 5]]]
    """
    boundaries = [
        _int_arg(b, "bucket_by_sequence_length: bucket_boundaries") for b in bucket_boundaries
    ]
    sizes = [
        _positive(b, "bucket_by_sequence_length: bucket_batch_sizes") for b in bucket_batch_sizes
    ]
    if len(sizes) != len(boundaries) + 1:
        raise ValueError(
            "bucket_by_sequence_length: len(bucket_batch_sizes) must equal "
            f"len(bucket_boundaries) + 1, got {len(sizes)} and {len(boundaries)}"
        )
    lows = [np.iinfo(np.int32).min, *boundaries]
    highs = [*boundaries, np.iinfo(np.int32).max]
    length_fn = StructuredFunction(element_length_func, "bucket_by_sequence_length")
    drop = bool(drop_remainder)
    parent = self

    def host_key(e):
        n = _int_scalar(length_fn(e), "bucket_by_sequence_length: element_length_func")
        for i, (lo, hi) in enumerate(zip(lows, highs)):
            if lo <= n < hi:
                return i
        raise InvalidArgumentError(
            f"bucket_by_sequence_length: the length {n} falls in no bucket of {boundaries}"
        )

    def given_shapes():
        given = jax.tree_util.tree_leaves(
            padded_shapes, is_leaf=lambda x: _is_shape(x) or x is None
        )
        return [None if g is None else tuple(g) for g in given]

    def shapes_for(bucket):
        specs, treedef = _structure.flatten(parent.element_spec)
        shapes = [s.shape for s in specs] if padded_shapes is None else given_shapes()
        if pad_to_bucket_boundary:
            if bucket >= len(boundaries):
                raise InvalidArgumentError(
                    "When pad_to_bucket_boundary=True, elements must have length < "
                    "max(bucket_boundaries)."
                )
            fill = boundaries[bucket] - 1
            shapes = [
                None if s is None else tuple(fill if d is None or d == -1 else d for d in s)
                for s in shapes
            ]
        return _structure.unflatten(treedef, shapes)

    def reduce_func(key, window_ds):
        bucket = int(key)
        if no_padding:
            return window_ds.batch(sizes[bucket], drop_remainder=drop)
        return window_ds.padded_batch(
            sizes[bucket], shapes_for(bucket), padding_values, drop_remainder=drop
        )

    def spec():
        # TF's batch sizes and boundary fillers are tensors there: those dims are unknown.
        specs, treedef = _structure.flatten(parent.element_spec)
        use_given = padded_shapes is not None and not no_padding
        dims = given_shapes() if use_given else [s.shape for s in specs]
        out = [
            TensorSpec(
                None if d is None else (None, *(None if x is None or x == -1 else x for x in d)),
                s.dtype,
            )
            for d, s in zip(dims, specs)
        ]
        return _structure.unflatten(treedef, out)

    return _grouped(
        self,
        host_key,
        reduce_func,
        lambda key: sizes[key],
        _Lazy(spec),
        "BucketBySequenceLengthDataset",
    )


# -- sample_from_datasets, choose_from_datasets ----------------------------------------------
def _directed_cardinality(datasets: list) -> int:
    if any(d._cardinality == INFINITE_CARDINALITY for d in datasets):
        return INFINITE_CARDINALITY
    return UNKNOWN_CARDINALITY


def _directed(members: list, selector: Callable, stop: bool):
    """Host elements of ``members`` in the order of the indices ``selector()`` yields.

    A choice of an exhausted input is skipped, or ends the output when ``stop``;
    the output ends when the selector or all inputs are exhausted (TF's rules).
    """

    def make_iter():
        iters = [d._make_iter() for d in members]
        done = [False] * len(members)
        for i in selector():
            if not 0 <= i < len(members):
                raise InvalidArgumentError(
                    f"selector index {i} is out of range; there are {len(members)} datasets"
                )
            if done[i]:
                continue
            e = next(iters[i], _END)
            if e is _END:
                if stop:
                    return
                done[i] = True
                if all(done):
                    return
                continue
            yield e

    return make_iter


def _weights_vector(weights, n: int) -> np.ndarray:
    p = np.asarray(weights, np.float64).reshape(-1)
    if p.shape != (n,):
        raise ValueError(
            f"sample_from_datasets: weights must have one entry per dataset ({n}), got {p.shape[0]}"
        )
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError(f"sample_from_datasets: weights must be finite and >= 0, got {p}")
    return p


def _draw(rng: np.random.Generator, p: np.ndarray) -> int:
    total = p.sum()
    if total <= 0:
        raise InvalidArgumentError("sample_from_datasets: the weights sum to zero")
    return int(rng.choice(len(p), p=p / total))


def sample_from_datasets(
    datasets,
    weights=None,
    seed: int | None = None,
    stop_on_empty_dataset: bool = False,
    rerandomize_each_iteration=None,
) -> Dataset:
    """Elements drawn at random from ``datasets``, dataset ``i`` with probability ``weights[i]``.

    ``weights`` is a list (or a Dataset of weight vectors, one per draw). A draw of
    an exhausted dataset is skipped (or ends the output with ``stop_on_empty_dataset``).
    As in TF, with a list, datasets of weight 0 are left out and a single dataset left
    is returned itself; every pass repeats the same draws unless
    ``rerandomize_each_iteration``. Draws come from numpy's generator, seeded by
    ``seed`` (or ``jt.random``'s global generator): the proportions match TF, the
    exact order does not.

    Example:
        >>> import jtape as jt
        >>> a, b = jt.data.Dataset.range(3), jt.data.Dataset.range(10, 13)
        >>> sorted(int(x) for x in jt.data.Dataset.sample_from_datasets([a, b], seed=1))
        [0, 1, 2, 10, 11, 12]
    """
    members = _as_datasets(datasets, "sample_from_datasets")
    spec = _check_same_structure(members, "sample_from_datasets")
    weights_ds = weights if isinstance(weights, Dataset) else None
    if weights_ds is None:
        if weights is None:
            p = np.full(len(members), 1.0 / len(members))
        else:
            p = _weights_vector(weights, len(members))
        # As TF: datasets of weight 0 are left out, and a single one left is the result.
        if not np.any(p > 0):
            return members[0].take(0)
        members = [d for d, w in zip(members, p) if w > 0]
        p = p[p > 0]
        if len(members) == 1:
            return members[0]
    else:
        wspec = weights_ds.element_spec
        if not (isinstance(wspec, TensorSpec) and wspec.dtype.kind == "f"):
            raise TypeError(
                f"sample_from_datasets: a weights Dataset must have float vector elements, "
                f"got {wspec}"
            )
    base = _draw_seed() if seed is None else _int_arg(seed, "sample_from_datasets: seed")
    passes = iter(range(1 << 62))
    rerandomize = bool(rerandomize_each_iteration)

    def selector():
        epoch = next(passes) if rerandomize else 0
        rng = np.random.default_rng([base & 0xFFFFFFFF, base >> 32 & 0x7FFFFFFF, epoch])
        if weights_ds is None:
            while True:
                yield _draw(rng, p)
        for w in weights_ds._make_iter():
            yield _draw(rng, _weights_vector(_structure.materialize(w), len(members)))

    make_iter = _directed(members, selector, bool(stop_on_empty_dataset))
    return Dataset(make_iter, spec, _directed_cardinality(members), "DirectedInterleaveDataset")


def choose_from_datasets(
    datasets, choice_dataset: Dataset, stop_on_empty_dataset: bool = True
) -> Dataset:
    """Element ``k`` comes from ``datasets[choice_k]``, ``choice_dataset`` giving the indices.

    A choice of an exhausted dataset ends the output (``stop_on_empty_dataset``) or is
    skipped.

    Example:
        >>> import jtape as jt
        >>> a, b = jt.data.Dataset.range(3), jt.data.Dataset.range(10, 13)
        >>> choice = jt.data.Dataset.range(2).repeat(3)
        >>> [int(x) for x in jt.data.Dataset.choose_from_datasets([a, b], choice)]
        [0, 10, 1, 11, 2, 12]
    """
    members = _as_datasets(datasets, "choose_from_datasets")
    if not isinstance(choice_dataset, Dataset):
        raise TypeError(
            f"choose_from_datasets: choice_dataset must be a Dataset, got "
            f"{type(choice_dataset).__name__}"
        )
    cspec = choice_dataset.element_spec
    if (
        not isinstance(cspec, TensorSpec)
        or cspec.shape != ()
        or cspec.dtype not in (np.dtype(np.int64), _INT64)
    ):
        raise TypeError(
            "choose_from_datasets: choice_dataset must be a dataset of scalar tf.int64 "
            f"tensors, got {cspec}"
        )
    spec = _check_same_structure(members, "choose_from_datasets")
    choices = choice_dataset._make_iter

    def selector():
        for c in choices():
            yield int(np.asarray(_structure.materialize(c)))

    make_iter = _directed(members, selector, bool(stop_on_empty_dataset))
    card = _directed_cardinality(members)  # TF looks at the data inputs only
    return Dataset(make_iter, spec, card, "DirectedInterleaveDataset")


# -- wiring ----------------------------------------------------------------------------------
for _fn in (
    window,
    interleave,
    take_while,
    scan,
    unique,
    group_by_window,
    bucket_by_sequence_length,
):
    setattr(Dataset, _fn.__name__, _fn)
Dataset.sample_from_datasets = staticmethod(sample_from_datasets)
Dataset.choose_from_datasets = staticmethod(choose_from_datasets)
del _fn
