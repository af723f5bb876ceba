"""Distribution strategies as thin names over JAX's SPMD machinery.

A strategy owns a one-axis device ``Mesh`` (axis ``"replica"``). ``scope()`` replicates
the Variables created inside it over the mesh. ``run(fn, args)`` executes ``fn`` once
per replica on that replica's shard of the inputs, as ONE ``jax.shard_map`` program
(inside ``jt.function``, or compiled on the spot when called eagerly); collectives
(``psum``/``pmean``) do the aggregation. Nothing here moves bytes by itself.
"""

from __future__ import annotations

import contextlib
import functools
import itertools

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from .. import _math_ops as M
from .._state import current_frame, state, tracing
from .._tensor import Tensor
from .._variable import Variable
from ..data import _feed
from ._context import ReduceOp, ReplicaContext, _local, _reduce_op
from ._values import PerReplica

AXIS = "replica"


class Strategy:
    """Common behaviour of all strategies (``tf.distribute.Strategy``)."""

    def __init__(self, devices=None, shard_optimizer_state: bool = False) -> None:
        devices = list(jax.devices()) if devices is None else [_device(d) for d in devices]
        if not devices:
            raise ValueError("devices: expected at least one device")
        platforms = {d.platform for d in devices}
        if len(platforms) > 1:
            raise ValueError(f"devices: all devices must be of one platform, got {platforms}")
        self._devices = devices
        self.mesh = Mesh(np.array(devices), (AXIS,))
        self._shard_opt = bool(shard_optimizer_state)
        self._replicated = NamedSharding(self.mesh, P())
        self._split = NamedSharding(self.mesh, P(AXIS))
        self._eager_runs: dict = {}
        self.extended = self

    # -- basics -----------------------------------------------------------------------
    @property
    def num_replicas_in_sync(self) -> int:
        return len(self._devices)

    @property
    def _axis(self) -> str | None:
        return AXIS if self.num_replicas_in_sync > 1 or jax.process_count() > 1 else None

    @contextlib.contextmanager
    def scope(self):
        """Variables created inside are replicated on the strategy's devices."""
        _local.strategies.append(self)
        state.placers.append(_Placer(self))
        try:
            yield self
        finally:
            state.placers.pop()
            _local.strategies.pop()

    def _variable_sharding(self, value, trainable: bool):
        if (
            self._shard_opt
            and not trainable
            and jnp.issubdtype(value.dtype, jnp.floating)
            and value.ndim >= 1
            and value.shape[0] % self.num_replicas_in_sync == 0
        ):
            # ZeRO-1: optimizer slots (non-trainable float state) split over replicas;
            # GSPMD inserts the reduce-scatter / all-gather around their update.
            return self._split
        return self._replicated

    def _place_variable(self, value, trainable: bool):
        sharding = self._variable_sharding(value, trainable)
        if isinstance(value, jax.core.Tracer):
            return jax.lax.with_sharding_constraint(value, sharding)
        return _put(value, sharding)

    def _check_variable(self, var: Variable) -> None:
        value = var._value
        if isinstance(value, jax.core.Tracer) or self.num_replicas_in_sync == 1:
            return
        devices = getattr(value, "sharding", None)
        if devices is None or set(value.sharding.device_set) != set(self._devices):
            raise ValueError(
                f"Variable '{var.name}' lives on {sorted(map(str, value.sharding.device_set))} "
                f"but strategy.run executes on {self.num_replicas_in_sync} replicas: create "
                "variables (the model and optimizer) inside `with strategy.scope():`."
            )

    # -- per-replica execution ------------------------------------------------------------
    def run(self, fn, args=(), kwargs=None, options=None):
        """Run ``fn`` once per replica; returns per-replica results (``PerReplica``)."""
        kwargs = kwargs or {}
        if self._axis is None:
            _local.replica_contexts.append(ReplicaContext(self, None, 1))
            try:
                return fn(*_local_args(args), **_local_args(kwargs))
            finally:
                _local.replica_contexts.pop()
        if tracing():
            return self._run_traced(fn, args, kwargs)
        compiled = self._eager_runs.get(fn)
        if compiled is None:
            from .._function import function

            compiled = self._eager_runs[fn] = function(
                functools.partial(self._run_traced_packed, fn)
            )
        return compiled(args, kwargs)

    def _run_traced_packed(self, fn, args, kwargs):
        return self._run_traced(fn, args, kwargs)

    def _run_traced(self, fn, args, kwargs):
        n = self.num_replicas_in_sync
        leaves, treedef = jax.tree_util.tree_flatten(
            (args, kwargs), is_leaf=lambda x: isinstance(x, (PerReplica, Tensor, Variable))
        )
        dyn, specs, kinds = [], [], []
        for leaf in leaves:
            if isinstance(leaf, PerReplica):
                if leaf._layout == "split" and leaf._value.shape[0] % n:
                    raise ValueError(
                        f"a per-replica input of batch size {leaf._value.shape[0]} cannot be "
                        f"split evenly over {n} replicas"
                    )
                dyn.append(leaf._value._value)
                specs.append(P(AXIS))
                kinds.append(leaf._layout)
            elif isinstance(leaf, Tensor):
                dyn.append(leaf._value)
                specs.append(P())
                kinds.append("tensor")
            else:
                kinds.append(leaf)
        outer = current_frame()
        out_meta: dict = {}

        def body(*vals):
            it = iter(vals)
            rebuilt = []
            for k in kinds:
                if k == "split" or k == "tensor":
                    rebuilt.append(Tensor(next(it)))
                elif k == "stacked":
                    rebuilt.append(Tensor(next(it)[0]))
                else:
                    rebuilt.append(k)
            a, kw = jax.tree_util.tree_unflatten(treedef, rebuilt)
            frame = _ReplicaFrame(self, outer)
            saved = state.recorders
            state.recorders = []
            state.frames.append(frame)
            # Variables created while replicas run (optimizer slots) belong to the strategy.
            state.placers.append(_Placer(self))
            _local.replica_contexts.append(ReplicaContext(self, AXIS, n))
            try:
                result = fn(*a, **kw)
            finally:
                _local.replica_contexts.pop()
                state.placers.pop()
                state.frames.pop()
                state.recorders = saved
            out_leaves, out_tree = jax.tree_util.tree_flatten(
                result, is_leaf=lambda x: isinstance(x, (Tensor, Variable))
            )
            outs, statics = [], []
            for leaf in out_leaves:
                leaf = leaf.value() if isinstance(leaf, Variable) else leaf
                if isinstance(leaf, Tensor):
                    outs.append(leaf._value[None])
                    statics.append(None)
                else:
                    statics.append(("static", leaf))
            out_meta["tree"], out_meta["statics"] = out_tree, statics
            writes = {
                vid: _aggregate(var, frame.values[vid], lambda var=var: frame.original(var))
                for vid, var in frame.written.items()
            }
            out_meta["vars"] = dict(frame.written)
            return outs, writes

        # check_vma=False keeps TF's semantics: per-replica values (gradients included)
        # stay local until code reduces them (apply_gradients sums them).
        mapped = jax.shard_map(
            body,
            mesh=self.mesh,
            in_specs=tuple(specs),
            out_specs=(P(AXIS), P()),
            check_vma=False,
        )
        outs, writes = mapped(*dyn)
        for vid, value in writes.items():
            var = out_meta["vars"][vid]
            if outer is not None:
                outer.write(var, value)
            else:
                var._value = value
        tensors = [Tensor(o) for o in outs]
        _feed._made_here(tensors)  # results of this call, not captures of a loop body
        it = iter(tensors)
        leaves = [
            PerReplica(next(it), "stacked", n) if s is None else s[1] for s in out_meta["statics"]
        ]
        return jax.tree_util.tree_unflatten(out_meta["tree"], leaves)

    # -- cross-replica helpers ------------------------------------------------------------
    def reduce(self, reduce_op, value, axis=None):
        """Combine per-replica values: over replicas, and over ``axis`` of each part."""
        kind = _reduce_op(reduce_op)
        if not isinstance(value, PerReplica):
            if axis is None:
                return value
            return M.sum(value, axis=axis) if kind is ReduceOp.SUM else M.mean(value, axis=axis)
        v = value._value
        if value._layout == "stacked":
            axes = (0,) if axis is None else (0, axis + 1 if axis >= 0 else axis)
        else:
            if axis is None:  # elementwise over the replicas' equal-sized parts
                parts = M.sum(_split_parts(v, value._num), axis=0)
                return parts if kind is ReduceOp.SUM else parts / value._num
            axes = (axis,)
        return M.sum(v, axis=axes) if kind is ReduceOp.SUM else M.mean(v, axis=axes)

    def gather(self, value, axis: int):
        """Concatenate the replicas' parts along ``axis``."""
        if not isinstance(value, PerReplica):
            return value
        if value._layout == "split":
            return value._value
        from .._array_ops import concat

        return concat(list(value.values), axis=axis)

    def experimental_local_results(self, value) -> tuple:
        """This process's per-replica parts (a 1-tuple for a plain value)."""
        if isinstance(value, PerReplica):
            return value.values
        return (value,)

    def experimental_distribute_dataset(self, dataset, options=None):
        """Split each global batch of ``dataset`` over the replicas (and processes)."""
        return DistributedDataset(self, dataset, per_process=False)

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        """``dataset_fn(InputContext)`` makes each process's part of the global batch."""
        ctx = InputContext(jax.process_count(), jax.process_index(), self.num_replicas_in_sync)
        return DistributedDataset(self, dataset_fn(ctx), per_process=True)

    def experimental_distribute_values_from_function(self, value_fn):
        parts = [
            value_fn(ValueContext(i, self.num_replicas_in_sync))
            for i in range(self.num_replicas_in_sync)
        ]
        stacked = np.stack([np.asarray(p) for p in parts])
        return PerReplica(Tensor(_put(stacked, self._split)), "stacked", len(parts))

    def _distribute_batch(self, array, per_process: bool) -> PerReplica:
        n = self.num_replicas_in_sync
        arr = np.asarray(array)
        procs = jax.process_count()
        global_size = arr.shape[0] * (procs if per_process else 1)
        if global_size % n:
            raise ValueError(_uneven_batch(global_size, n))
        if procs > 1:
            local = arr
            if not per_process:
                size = arr.shape[0] // procs
                local = arr[jax.process_index() * size : (jax.process_index() + 1) * size]
            value = jax.make_array_from_process_local_data(self._split, local)
        else:
            value = jax.device_put(arr, self._split)
        return PerReplica(Tensor(value), "split", n)


class InputContext:
    """Which part of the input a process reads (``tf.distribute.InputContext``)."""

    def __init__(self, num_input_pipelines: int, input_pipeline_id: int, num_replicas: int):
        self.num_input_pipelines = num_input_pipelines
        self.input_pipeline_id = input_pipeline_id
        self.num_replicas_in_sync = num_replicas

    def get_per_replica_batch_size(self, global_batch_size: int) -> int:
        if global_batch_size % self.num_replicas_in_sync:
            raise ValueError(  # TF's message
                f"The `global_batch_size` {global_batch_size} is not divisible by "
                f"`num_replicas_in_sync` {self.num_replicas_in_sync} "
            )
        return global_batch_size // self.num_replicas_in_sync


class ValueContext:
    def __init__(self, replica_id: int, num_replicas: int) -> None:
        self.replica_id_in_sync_group = replica_id
        self.num_replicas_in_sync = num_replicas


class DistributedDataset:
    """Iterates a dataset, yielding each batch's tensors split over the replicas."""

    def __init__(self, strategy: Strategy, dataset, per_process: bool) -> None:
        self._strategy = strategy
        self._dataset = dataset
        self._per_process = per_process

    def __iter__(self):
        if _feed.tracing():  # inside jt.function: `next` pulls batches at run time
            return _feed.TracedIterator(self._jt_traced_feed())
        return DistributedIterator(self)

    def _distribute(self, element):
        return jax.tree_util.tree_map(
            lambda x: self._strategy._distribute_batch(x, self._per_process),
            element,
            is_leaf=lambda x: isinstance(x, Tensor),
        )

    def _host_elements(self):
        source = self._dataset
        make = getattr(source, "_make_iter", None)
        elements = iter(make()) if make is not None else iter(source)
        if not self._per_process:
            return elements
        # distribute_datasets_from_function: the dataset is batched per replica and each
        # of this process's replicas takes the next element (as in TF), so one step's
        # local part is that many consecutive elements, concatenated.
        local = sum(d.process_index == jax.process_index() for d in self._strategy._devices)
        return _grouped(elements, max(local, 1))

    def _jt_traced_feed(self, stream=None, owner=None) -> _feed.Feed:
        """``for x in dist_dataset`` inside jt.function: each batch fed by the host."""
        strategy = self._strategy
        if jax.process_count() > 1:
            raise NotImplementedError(
                "iterating a distributed dataset inside jt.function with several processes "
                "is not supported by jtape: iterate it in Python and call the compiled "
                "step per batch (`for batch in dist_dataset: train_step(batch)`)"
            )
        n = strategy.num_replicas_in_sync

        def distribute(t: Tensor) -> PerReplica:
            value = t._value
            if strategy._axis is not None:
                # The host callback's result lives on one device: broadcast, then keep
                # each replica's rows (one step straight to the split layout makes
                # XLA's partitioner rematerialize the whole batch, with a warning).
                value = jax.lax.with_sharding_constraint(value, strategy._replicated)
                value = jax.lax.with_sharding_constraint(value, strategy._split)
            return PerReplica(Tensor(value), "split", n)

        def check(element) -> None:
            for x in element.leaves:
                if not x.ndim or x.shape[0] % n:
                    size = x.shape[0] if x.ndim else "a scalar"
                    raise ValueError(_uneven_batch(size, n))

        if stream is not None:
            return _feed.outside_feed(owner, stream, distribute, check)
        return _feed.Feed(
            lambda: _feed.HostStream(self._host_elements()), distribute=distribute, check=check
        )


class DistributedIterator:
    """``iter(dist_dataset)``: each ``next`` is the next global batch split over the
    replicas; inside ``jt.function`` it is pulled when the program runs."""

    def __init__(self, dataset: DistributedDataset) -> None:
        self._dataset = dataset
        self._host = _feed.HostStream(dataset._host_elements())

    def __iter__(self) -> DistributedIterator:
        return self

    def __next__(self):
        if _feed.tracing():
            return self._dataset._jt_traced_feed(self._host, self).next()
        e = self._host.take()
        if e is _feed._END:
            raise StopIteration
        return self._dataset._distribute(_feed_element(e))

    def get_next(self):
        return next(self)

    def _jt_traced_feed(self) -> _feed.Feed:
        return self._dataset._jt_traced_feed(self._host, self)


def _grouped(elements, k: int):
    from ..data import _structure

    while True:
        group = list(itertools.islice(elements, k))
        if not group:
            return
        if len(group) < k:
            raise ValueError(
                f"distribute_datasets_from_function: the dataset ended after {len(group)} "
                f"of this process's {k} replicas took an element; TensorFlow would run a "
                "last step with empty parts, jtape needs one element per replica. Make the "
                "number of per-replica batches a multiple of the local replicas "
                "(e.g. drop_remainder=True and repeat(), or take())"
            )
        if k == 1:
            yield group[0]
            continue
        flat = [_structure.flatten(e) for e in group]
        columns = zip(*(leaves for leaves, _ in flat))
        leaves = [np.concatenate([np.asarray(x) for x in col]) for col in columns]
        yield _structure.unflatten(flat[0][1], leaves)


def _uneven_batch(size, n: int) -> str:
    return (
        f"global batch size {size} is not divisible by the {n} replicas: TensorFlow "
        "would give the replicas unequal parts, jtape's replicas hold equal shards of one "
        f"array. Use batch(..., drop_remainder=True) or a batch size that is a multiple of {n}"
    )


def _feed_element(e):
    return jax.tree_util.tree_unflatten(e.treedef, list(e.leaves))


class _Placer:
    """The placement hook ``scope()`` installs: places a new Variable's value and tells
    the Variable its sharding, which every later write keeps."""

    __slots__ = ("strategy",)

    def __init__(self, strategy: Strategy) -> None:
        self.strategy = strategy

    def __call__(self, value, trainable: bool):
        return self.strategy._place_variable(value, trainable)

    def sharding_for(self, value, trainable: bool):
        return self.strategy._variable_sharding(value, trainable)


class _ReplicaFrame:
    """Variable frame inside a replica program: reads come from the enclosing trace."""

    traces = True
    per_replica = True  # writes hold replica-local values: no global sharding constraint

    def __init__(self, strategy: Strategy, parent) -> None:
        self.strategy = strategy
        self.parent = parent
        self.values: dict = {}
        self.written: dict = {}

    def read(self, var: Variable):
        vid = id(var)
        value = self.values.get(vid)
        if value is None:
            self.strategy._check_variable(var)
            value = self.parent.read(var) if self.parent is not None else var._value
            self.values[vid] = value
        return value

    def write(self, var: Variable, value) -> None:
        self.values[id(var)] = value
        self.written[id(var)] = var

    def original(self, var: Variable):
        """The value the variable had when the replicas started."""
        return self.parent.read(var) if self.parent is not None else var._value

    def on_create(self, var: Variable, value) -> None:
        if self.parent is not None:
            self.parent.on_create(var, value)
        self.values[id(var)] = value


def _aggregate(var: Variable, value, original):
    """A Variable assigned in replica context, by its ``aggregation`` (TF's rule).

    "mean"/"sum" combine the replicas' updates: the variable moves by the mean / sum
    of the changes the replicas made (``assign_add`` of a metric total adds every
    replica's part once; batch-norm statistics use "mean"). "only_first_replica" takes
    replica 0's value; the default ("none") trusts that every replica assigned the
    same value, as after ``apply_gradients``'s all-reduce.
    """
    how = str(getattr(var.aggregation, "name", var.aggregation) or "none").lower()
    if how.endswith("mean"):
        return jax.lax.pmean(value, AXIS)
    if how.endswith("sum"):
        old = original()
        return old + jax.lax.psum(value - old, AXIS)
    if how.endswith("only_first_replica"):
        first = jax.lax.axis_index(AXIS) == 0
        return jax.lax.psum(jnp.where(first, value, jnp.zeros_like(value)), AXIS)
    return value


def _split_parts(v: Tensor, n: int) -> Tensor:
    from .._array_ops import reshape

    return reshape(v, (n, v.shape[0] // n) + tuple(v.shape[1:]))


def _local_args(tree):
    # With one replica a PerReplica is just its only part.
    return jax.tree_util.tree_map(
        lambda x: x.values[0] if isinstance(x, PerReplica) else x,
        tree,
        is_leaf=lambda x: isinstance(x, PerReplica),
    )


def _put(value, sharding):
    if jax.process_count() > 1:
        host = np.asarray(value)
        return jax.make_array_from_callback(host.shape, sharding, lambda idx: host[idx])
    return jax.device_put(value, sharding)


def _device(spec):
    if isinstance(spec, jax.Device):
        return spec
    text = str(spec).lower().strip("/")
    if text.startswith("device:"):
        text = text[len("device:") :]
    kind, _, index = text.partition(":")
    platform = {"gpu": "gpu", "cpu": "cpu", "tpu": "tpu", "cuda": "gpu"}.get(kind, kind)
    try:
        return jax.devices(platform)[int(index or 0)]
    except (RuntimeError, IndexError):
        raise ValueError(f"devices: no device {spec!r} (JAX has {jax.devices()})") from None


class MirroredStrategy(Strategy):
    """Data parallelism over the local devices (``tf.distribute.MirroredStrategy``).

    ``shard_optimizer_state=True`` (jtape only) splits non-trainable float state created
    in ``scope()`` (optimizer slots) over the replicas, ZeRO-1 style.
    """

    def __init__(self, devices=None, cross_device_ops=None, *, shard_optimizer_state=False):
        super().__init__(devices, shard_optimizer_state)


class OneDeviceStrategy(Strategy):
    """Everything on one device (``tf.distribute.OneDeviceStrategy``)."""

    def __init__(self, device) -> None:
        super().__init__([device])


class TPUStrategy(MirroredStrategy):
    """The same mechanism over the TPU devices (``tf.distribute.TPUStrategy``)."""

    def __init__(self, tpu_cluster_resolver=None, experimental_device_assignment=None):
        try:
            devices = jax.devices("tpu")
        except RuntimeError:
            raise ValueError("TPUStrategy: JAX sees no TPU devices") from None
        super().__init__(devices)


class _DefaultStrategy(Strategy):
    """The strategy in effect outside any scope: one replica, no placement."""

    def __init__(self) -> None:
        super().__init__([jax.devices()[0]])

    @contextlib.contextmanager
    def scope(self):
        yield self


_DEFAULT: list = []


def _default_strategy() -> Strategy:
    if not _DEFAULT:
        _DEFAULT.append(_DefaultStrategy())
    return _DEFAULT[0]
