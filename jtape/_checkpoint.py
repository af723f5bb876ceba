"""Checkpoints of Variables: ``jt.train.Checkpoint`` and ``CheckpointManager``.

What is saved: every Variable reachable from the objects given to ``Checkpoint``,
through attributes of jtape objects (Modules, layers, optimizers, generators, metrics),
lists, tuples and dicts, keyed by its path in that object graph ("model/dense/kernel").
A layer's weights are named by their ``add_weight`` name. Storage is orbax-checkpoint
plus a JSON index with per-array checksums (``_checkpoint_io``).

Restoring is all or nothing, then deferred, as TensorFlow:

1. The whole checkpoint is read and verified (files present, checksums, shapes and
   dtypes of the variables that exist) before any variable changes; any failure raises
   ``CheckpointError`` (and TF's class) and leaves every variable as it was.
2. Values whose variable exists are assigned (``Variable.assign``: placement is kept).
3. The others wait in a ``_Restoration`` until their variable is created: the places
   where jtape objects create state call :func:`on_new_state` (``Layer.add_weight``,
   attribute assignment on a ``Module``, ``Optimizer.build``), which walks that object's
   part of the graph and assigns the values whose path now exists.

A crash during a save leaves the previous checkpoint loadable: orbax writes into a
temporary directory and renames it when complete, and the index file naming the latest
checkpoint is replaced atomically after that.
"""

from __future__ import annotations

import atexit
import logging
import os
import time
import weakref

import jax
import numpy as np

from ._checkpoint_io import INDEX as _INDEX
from ._checkpoint_io import (
    CheckpointDtypeError,
    CheckpointError,
    read_arrays,
    read_index_file,
    read_meta,
)
from ._checkpoint_io import write_checkpoint as _write_arrays
from ._state import current_frame
from ._tf_bundle import is_tf_checkpoint
from ._variable import Variable, init_scope

__all__ = ["Checkpoint", "CheckpointError", "CheckpointLoadStatus", "CheckpointManager"]

_log = logging.getLogger("jtape")


# -- the object graph -------------------------------------------------------------------
def _is_jtape_object(obj) -> bool:
    return any(c.__module__.split(".")[0] == "jtape" for c in type(obj).__mro__[:-1])


def _weight_keys(layer, weights: list) -> list[tuple[str, Variable]]:
    """A layer's own weights keyed by their ``add_weight`` name (``kernel``, ``bias``)."""
    scope = getattr(layer, "_scope_name", "")
    out, used = [], set()
    for var in weights:
        if not isinstance(var, Variable):
            continue
        name = var._name
        key = name[len(scope) :] if scope and name.startswith(scope) else name.rsplit("/", 1)[-1]
        key = key.split(":")[0] or "Variable"
        base, n = key, 0
        while key in used:
            n += 1
            key = f"{base}_{n}"
        used.add(key)
        out.append((key, var))
    return out


def _walk(objects: dict) -> tuple[dict[str, Variable], dict[int, tuple[str, object]]]:
    """``({path: Variable}, {id(object): (path, object)})`` for the graph from ``objects``.

    Paths follow attribute names in sorted order (a layer's own weights first, by
    weight name), so they are stable across processes; a Variable or object reachable
    along several paths is recorded once, under the first.
    """
    from ._function import Function

    variables: dict[str, Variable] = {}
    nodes: dict[int, tuple[str, object]] = {}
    seen_vars: set[int] = set()

    def visit(obj, path: str) -> None:
        if isinstance(obj, Variable):
            if id(obj) not in seen_vars:
                seen_vars.add(id(obj))
                variables[path] = obj
            return
        if isinstance(obj, Function) or callable(obj) and not _is_jtape_object(obj):
            return
        if id(obj) in nodes:
            return
        if isinstance(obj, (list, tuple)):
            nodes[id(obj)] = (path, obj)
            for i, x in enumerate(obj):
                visit(x, f"{path}/{i}")
        elif isinstance(obj, dict):
            nodes[id(obj)] = (path, obj)
            for k in sorted(obj, key=str):
                visit(obj[k], f"{path}/{k}")
        elif _is_jtape_object(obj) and hasattr(obj, "__dict__"):
            nodes[id(obj)] = (path, obj)
            attrs = vars(obj)
            skip: set[str] = set()
            own = attrs.get("_own_weights")
            if isinstance(own, list):  # a Keras layer: weights by name, not list index
                skip = {"_own_weights", "_weight_regularizers"}
                for key, var in _weight_keys(obj, own):
                    visit(var, f"{path}/{key}")
            for k in sorted(attrs):
                if k.startswith("_jt_") or k in skip:
                    continue  # jtape's own caches (compiled functions) hold no new state
                visit(attrs[k], f"{path}/{k.lstrip('_') or k}")

    for name in sorted(objects):
        visit(objects[name], name)
    return variables, nodes


def collect_variables(objects: dict) -> dict[str, Variable]:
    """``{path: Variable}`` for every Variable reachable from ``objects``."""
    return _walk(objects)[0]


def _assign(var: Variable, value) -> None:
    """Write a restored value through ``Variable.assign`` (which keeps its placement)."""
    current = var._value
    with init_scope():  # eager and concrete, even while a jt.function traces
        if isinstance(value, np.ndarray) and isinstance(current, jax.Array):
            if not isinstance(current, jax.core.Tracer):  # a waiting value: onto its devices
                value = jax.device_put(value.astype(current.dtype), current.sharding)
        var.assign(value, read_value=False)
    # A variable created inside a jt.function trace is served from the trace's frame:
    # give the frame the restored value too, or the trace would write the initial back.
    frame = current_frame()
    values = getattr(frame, "values", None)
    if isinstance(values, dict) and id(var) in values:
        values[id(var)] = var._value


def _check(path: str, var: Variable, info: dict) -> str | None:
    shape, dtype = tuple(info["shape"]), info["dtype"]
    if tuple(var.shape) != shape or var.dtype.name != dtype:
        return (
            f"{path}: checkpoint has {shape} {dtype}, variable has "
            f"{tuple(var.shape)} {var.dtype.name}"
        )
    return None


# -- deferred restoration -----------------------------------------------------------------
_PENDING: list[_Restoration] = []  # restorations with values still waiting for variables


def on_new_state(owner, rewalk: bool = True) -> None:
    """Assign waiting checkpoint values to variables ``owner`` has just created.

    Called by ``Layer.add_weight``, ``Module.__setattr__`` and ``Optimizer.build``;
    costs one list check when no restoration is waiting.
    """
    if _PENDING:
        for restoration in list(_PENDING):
            restoration.offer(owner, rewalk)


def on_assign(owner, value) -> None:
    """``owner.<name> = value`` happened: state may have joined the graph."""
    if not _PENDING:
        return
    if isinstance(value, Variable):
        on_new_state(owner)
    elif (isinstance(value, (list, tuple, dict)) and value) or _is_jtape_object(value):
        # Not a new variable: look only below objects already known to be in the graph
        # (an object still being constructed is attached later, by an assignment that
        # this also sees). Empty containers (a layer resetting its losses) are skipped.
        on_new_state(owner, rewalk=False)


def _ref(obj, callback=None):
    try:
        return weakref.ref(obj, callback)
    except TypeError:  # lists and dicts: held strongly
        return lambda: obj


class _Restoration:
    """The values of one ``restore`` call that have not found their variable yet."""

    def __init__(self, path: str, checkpoint: Checkpoint, saved: dict, waiting: dict) -> None:
        self.path = path
        self.saved = saved  # {path: {shape, dtype, crc32}}: the whole checkpoint
        self.waiting = waiting  # {path: host array}: values whose variable does not exist
        self.partial = False
        self._checkpoint = weakref.ref(checkpoint)
        self._roots = {
            name: _ref(obj, self._root_died) for name, obj in checkpoint._roots().items()
        }
        self._nodes: dict[int, tuple[str, object]] = {}

    def _root_died(self, _ref) -> None:
        if _PENDING is None:  # interpreter shutdown: module globals are gone
            return
        if self in _PENDING and self.roots() is None:
            self.close()

    def roots(self) -> dict | None:
        roots = {name: ref() for name, ref in self._roots.items()}
        if all(r is None for r in roots.values()):
            return None
        return {k: v for k, v in roots.items() if v is not None}

    def walk(self) -> dict[str, Variable]:
        roots = self.roots()
        if roots is None:
            return {}
        variables, nodes = _walk(roots)
        self._nodes = {i: (p, _ref(o)) for i, (p, o) in nodes.items()}
        return variables

    def _path_of(self, owner, rewalk: bool) -> str | None:
        entry = self._nodes.get(id(owner))
        if (entry is None or entry[1]() is not owner) and rewalk:
            self.walk()  # the graph grew since the last walk
            entry = self._nodes.get(id(owner))
        return entry[0] if entry is not None and entry[1]() is owner else None

    def offer(self, owner, rewalk: bool = True) -> None:
        path = self._path_of(owner, rewalk)
        if path is None:
            if rewalk and self.roots() is None:
                self.close()
            return
        variables, nodes = _walk({path: owner})
        for i, (p, o) in nodes.items():  # the objects below are in the graph too
            known = self._nodes.get(i)
            if known is None or known[1]() is not o:
                self._nodes[i] = (p, _ref(o))
        self.apply(variables)

    def apply(self, variables: dict[str, Variable]) -> None:
        for p, var in variables.items():
            if p not in self.waiting:
                continue
            problem = _check(p, var, self.saved[p])
            if problem is not None:
                raise CheckpointError(
                    f"the checkpoint {self.path} value for a variable created after restore "
                    f"does not match: {problem}"
                )
            _assign(var, self.waiting.pop(p))
        if not self.waiting:
            self.close(warn=False)

    def close(self, warn: bool = True) -> None:
        if self in _PENDING:
            _PENDING.remove(self)
        if warn:
            self.warn()

    def warn(self) -> None:
        if self.partial or not self.waiting:
            return
        _log.warning(
            "Detecting that an object or model or jt.train.Checkpoint is being deleted with "
            "unrestored values. See the following logs for the specific values in question. "
            "To silence these warnings, use `status.expect_partial()`."
        )
        for p in sorted(self.waiting):
            _log.warning(
                "Value in checkpoint could not be found in the restored object: (root).%s",
                p.replace("/", "."),
            )


@atexit.register
def _warn_at_exit() -> None:
    for restoration in list(_PENDING):
        restoration.warn()


# -- status objects ---------------------------------------------------------------------
class CheckpointLoadStatus:
    """What a restore matched, checked when asked (TF's ``CheckpointLoadStatus``).

    Values for variables that do not exist yet are applied when each is created, so
    the assertions describe the state at the time they are called.
    """

    def __init__(self, restoration: _Restoration, checkpoint: Checkpoint | None = None) -> None:
        self._restoration = restoration
        self._checkpoint = checkpoint  # as TF's status: keeps the objects alive

    @property
    def path(self) -> str:
        return self._restoration.path

    @property
    def unused_checkpoint_values(self) -> list[str]:
        """Checkpoint paths not yet assigned to a variable (waiting or unmatched)."""
        return sorted(self._restoration.waiting)

    @property
    def unrestored_variables(self) -> list[str]:
        """Paths of existing variables that the checkpoint has no value for."""
        return sorted(p for p in self._restoration.walk() if p not in self._restoration.saved)

    def _late(self, variables: dict) -> list[str]:
        # A waiting value whose variable exists now was created where no hook runs (e.g.
        # appended to a list after restore): it kept its initial value.
        return sorted(p for p in self._restoration.waiting if p in variables)

    def _raise_unbound(self, variables: dict) -> None:
        saved = self._restoration.saved
        unbound = [(p, v) for p, v in variables.items() if p not in saved]
        late = self._late(variables)
        if late:
            raise AssertionError(
                f"Variables {late[:10]} were created after restoring {self.path} in a way "
                "jtape does not watch (only Layer.add_weight, attribute assignment on a "
                "Module and Optimizer.build apply deferred values), so they kept their "
                "initial values. Create them before restore, or assign them as attributes."
            )
        if unbound:
            shown = ", ".join(f"{p} ({v.name})" for p, v in unbound[:10])
            raise AssertionError(
                f"Found {len(unbound)} Python objects that were not bound to checkpointed "
                f"values, likely due to changes in the Python program. Showing "
                f"{min(10, len(unbound))} of {len(unbound)} unmatched objects: [{shown}]"
            )

    def assert_consumed(self) -> CheckpointLoadStatus:
        """Every checkpoint value was assigned and every existing variable was restored."""
        variables = self._restoration.walk()
        self._raise_unbound(variables)
        waiting = sorted(self._restoration.waiting)
        if waiting:
            raise AssertionError(
                f"Unresolved object in checkpoint {self.path}: "
                + ", ".join(f"(root).{p.replace('/', '.')}" for p in waiting[:10])
                + (f" and {len(waiting) - 10} more" if len(waiting) > 10 else "")
                + ". Their variables do not exist (yet): the values are assigned when the "
                "model is built or the optimizer creates its slots."
            )
        return self

    def assert_existing_objects_matched(self) -> CheckpointLoadStatus:
        """Every variable that exists now got its value from the checkpoint."""
        self._raise_unbound(self._restoration.walk())
        return self

    def assert_nontrivial_match(self) -> CheckpointLoadStatus:
        """Some checkpoint value was assigned (the save counter counts, as in TF)."""
        r = self._restoration
        if all(p in r.waiting for p in r.saved):
            raise AssertionError(
                f"Nothing except the root object matched a checkpointed value in {self.path}; "
                "is it a checkpoint of different objects?"
            )
        return self

    def expect_partial(self) -> CheckpointLoadStatus:
        """Silence the warning about values never assigned."""
        self._restoration.partial = True
        return self

    def run_restore_ops(self, session=None) -> None:
        """Nothing to run: restoring is eager (TF 1 graphs only)."""

    def initialize_or_restore(self, session=None) -> None:
        """Nothing to run: restoring is eager (TF 1 graphs only)."""


class InitializationOnlyStatus(CheckpointLoadStatus):
    """``restore(None)``: nothing restored, nothing to check (TF's)."""

    def __init__(self) -> None:
        pass

    def assert_consumed(self):
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    def assert_existing_objects_matched(self):
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    def assert_nontrivial_match(self):
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    def expect_partial(self):
        return self


# -- Checkpoint ---------------------------------------------------------------------------
class Checkpoint:
    """Save and restore the Variables of a set of objects (``tf.train.Checkpoint``).

    ``restore`` may come before the model is built or the optimizer has its slots:
    those values are assigned when each variable is created (TF's deferred restoration).

    Example:
        >>> import tempfile, jtape as jt
        >>> v = jt.Variable([1.0, 2.0])
        >>> ckpt = jt.train.Checkpoint(v=v)
        >>> path = ckpt.save(tempfile.mkdtemp() + "/ckpt")
        >>> _ = v.assign([0.0, 0.0])
        >>> _ = ckpt.restore(path)
        >>> v.numpy().tolist()
        [1.0, 2.0]
    """

    def __init__(self, root=None, **kwargs) -> None:
        for name, obj in kwargs.items():
            if obj is None:
                raise ValueError(f"Checkpoint: the object for '{name}' is None")
        self._objects = dict(kwargs)
        if root is not None:
            self._objects["root"] = root
        self.save_counter = Variable(0, trainable=False, name="save_counter")
        self._restoration: _Restoration | None = None

    def __setattr__(self, name: str, value) -> None:
        # TF tracks objects assigned after construction (``ckpt.step = v``) as well.
        if name.startswith("_") or name == "save_counter":
            object.__setattr__(self, name, value)
        else:
            self._objects[name] = value

    def __getattr__(self, name):
        objects = self.__dict__.get("_objects", {})
        if name in objects:
            return objects[name]
        raise AttributeError(name)

    def _roots(self) -> dict:
        return {**self._objects, "save_counter": self.save_counter}

    def _variables(self) -> dict[str, Variable]:
        return collect_variables(self._roots())

    # writing ------------------------------------------------------------------------------
    def write(self, file_prefix: str, options=None) -> str:
        """Write a checkpoint at exactly ``file_prefix`` (no counter); returns the path."""
        path = os.path.abspath(os.fspath(file_prefix))
        _write_arrays(path, {p: v._value for p, v in self._variables().items()})
        return path

    def save(self, file_prefix: str, options=None) -> str:
        """Write ``{file_prefix}-{n}`` with an incremented counter and update the index."""
        self.save_counter.assign_add(1)
        path = f"{os.path.abspath(os.fspath(file_prefix))}-{int(self.save_counter.numpy())}"
        try:
            self.write(path)
        except BaseException:
            self.save_counter.assign_sub(1)
            raise
        _update_index(os.path.dirname(path), path)
        return path

    # reading ---------------------------------------------------------------------------
    def read(self, save_path: str, options=None) -> CheckpointLoadStatus:
        """Restore from a checkpoint written by :meth:`write` (same as :meth:`restore`)."""
        return self.restore(save_path)

    def restore(self, save_path: str | None, options=None) -> CheckpointLoadStatus:
        """Assign the saved values to the matching variables, now or when created.

        The whole checkpoint is read and verified first (files, checksums, shapes,
        dtypes); on any failure a ``CheckpointError`` names the path and the reason and
        no variable changes. Missing checkpoint: also ``tf.errors.NotFoundError``;
        damaged files: ``DataLossError``; another dtype: ``InvalidArgumentError``.
        """
        if save_path is None:
            return InitializationOnlyStatus()
        path = os.path.abspath(os.fspath(save_path))
        if is_tf_checkpoint(path):  # written by TensorFlow: matched through its object graph
            from ._tf_checkpoint import restore_tf

            arrays, saved, waiting = restore_tf(self, path)
            variables = self._variables()
            for p, value in arrays.items():  # all read, verified and checked by now
                _assign(variables[p], value)
            return self._status(path, saved, waiting)
        meta = read_meta(path)
        saved = meta["variables"]
        variables = self._variables()
        matched = [p for p in variables if p in saved]
        problems = [m for m in (_check(p, variables[p], saved[p]) for p in matched) if m]
        if problems:
            kind = (
                CheckpointDtypeError
                if any(variables[p].dtype.name != saved[p]["dtype"] for p in matched)
                else CheckpointError
            )
            raise kind(
                f"checkpoint {path} does not match; nothing was restored:\n  "
                + "\n  ".join(problems)
            )
        arrays = read_arrays(path, meta, {p: variables[p]._value for p in matched})
        for p in matched:  # everything is verified: only now does anything change
            _assign(variables[p], arrays[p])
        waiting = {p: np.asarray(a) for p, a in arrays.items() if p not in variables}
        return self._status(path, saved, waiting)

    def _status(self, path: str, saved: dict, waiting: dict) -> CheckpointLoadStatus:
        if self._restoration is not None:
            self._restoration.close(warn=False)  # a new restore supersedes the last
        restoration = self._restoration = _Restoration(path, self, saved, waiting)
        if waiting:
            _PENDING.append(restoration)
            weakref.finalize(self, _on_checkpoint_deleted, weakref.ref(restoration))
        return CheckpointLoadStatus(restoration, self)


def _on_checkpoint_deleted(ref) -> None:
    # TF warns when the objects holding unrestored values go away; a Checkpoint made
    # only to restore (``Checkpoint(model=m).restore(p)``) dies at once, so the values
    # stay queued while any of its root objects lives.
    restoration = ref()
    if restoration is not None and restoration.roots() is None:
        restoration.close()


# -- the index file ----------------------------------------------------------------------
def _read_index(directory: str) -> dict:
    return read_index_file(directory)  # jtape's JSON or TF's text `checkpoint` file


def _write_index(directory: str, index: dict) -> None:
    import json

    tmp = os.path.join(directory, f".{_INDEX}.tmp-{os.getpid()}")
    with open(tmp, "w") as f:
        json.dump(index, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(directory, _INDEX))  # atomic on POSIX


def _update_index(directory: str, path: str, all_paths: list[str] | None = None) -> None:
    index = _read_index(directory)
    paths = all_paths if all_paths is not None else index.get("all_model_checkpoint_paths", [])
    name = os.path.basename(path)
    paths = [p for p in paths if p != name] + [name]
    index.update(
        model_checkpoint_path=name,
        all_model_checkpoint_paths=paths,
        timestamps={**index.get("timestamps", {}), name: time.time()},
    )
    _write_index(directory, index)


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """The path of the newest complete checkpoint in ``checkpoint_dir``, or None."""
    index = _read_index(checkpoint_dir)
    name = index.get("model_checkpoint_path")
    if not name:
        return None
    path = os.path.join(os.path.abspath(checkpoint_dir), name)
    return path if os.path.isdir(path) or is_tf_checkpoint(path) else None


class CheckpointManager:
    """Numbered checkpoints in a directory, keeping the newest ``max_to_keep``.

    Example:
        >>> import tempfile, jtape as jt
        >>> ckpt = jt.train.Checkpoint(v=jt.Variable(1.0))
        >>> manager = jt.train.CheckpointManager(ckpt, tempfile.mkdtemp(), max_to_keep=2)
        >>> for _ in range(3):
        ...     _ = manager.save()
        >>> [p.rsplit("-", 1)[1] for p in manager.checkpoints]
        ['2', '3']
    """

    def __init__(
        self,
        checkpoint: Checkpoint,
        directory: str,
        max_to_keep: int | None = 5,
        keep_checkpoint_every_n_hours: float | None = None,
        checkpoint_name: str = "ckpt",
        step_counter: Variable | None = None,
        checkpoint_interval: int | None = None,
        init_fn=None,
    ) -> None:
        if not isinstance(checkpoint, Checkpoint):
            raise TypeError(
                f"checkpoint: expected a jt.train.Checkpoint, got {type(checkpoint).__name__}"
            )
        self._checkpoint = checkpoint
        self.directory = os.path.abspath(directory)
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._name = checkpoint_name
        self._step_counter = step_counter
        self._interval = checkpoint_interval
        self._last_step = None
        os.makedirs(self.directory, exist_ok=True)
        index = _read_index(self.directory)
        self._paths = [
            os.path.join(self.directory, p)
            for p in index.get("all_model_checkpoint_paths", [])
            if os.path.isdir(os.path.join(self.directory, p))
            # TF's, named by its text index: restored from, never deleted (as TF's manager
            # keeps the checkpoints it found); _remove_tree leaves its files alone
            or is_tf_checkpoint(os.path.join(self.directory, p))
        ]
        self._times = {
            os.path.join(self.directory, k): v for k, v in index.get("timestamps", {}).items()
        }
        self._last_kept_time = time.time()
        if init_fn is not None and not self._paths:
            init_fn()

    @property
    def latest_checkpoint(self) -> str | None:
        return self._paths[-1] if self._paths else None

    @property
    def checkpoints(self) -> list[str]:
        return list(self._paths)

    @property
    def checkpoint(self) -> Checkpoint:
        return self._checkpoint

    def save(self, checkpoint_number: int | None = None, check_interval: bool = True):
        """Write a checkpoint, update the index, delete the oldest beyond ``max_to_keep``."""
        if self._interval is not None and check_interval and self._step_counter is not None:
            step = int(self._step_counter.numpy())
            if self._last_step is not None and step - self._last_step < self._interval:
                return None
            self._last_step = step
        if checkpoint_number is None:
            self._checkpoint.save_counter.assign_add(1)
            number = int(self._checkpoint.save_counter.numpy())
        else:
            number = int(checkpoint_number)
            self._checkpoint.save_counter.assign(number)
        path = os.path.join(self.directory, f"{self._name}-{number}")
        self._checkpoint.write(path)
        now = time.time()
        self._paths = [p for p in self._paths if p != path] + [path]
        self._times[path] = now
        self._sweep()
        _write_index(
            self.directory,
            {
                "model_checkpoint_path": os.path.basename(path),
                "all_model_checkpoint_paths": [os.path.basename(p) for p in self._paths],
                "timestamps": {os.path.basename(p): self._times.get(p, now) for p in self._paths},
            },
        )
        return path

    def _sweep(self) -> None:
        if self._max_to_keep is None:
            return
        while len(self._paths) > self._max_to_keep:
            old = self._paths.pop(0)
            t = self._times.pop(old, 0.0)
            if self._keep_hours is not None and t - self._last_kept_time >= self._keep_hours * 3600:
                self._last_kept_time = t
                continue  # kept forever, like TF, and no longer managed
            _remove_tree(old)

    def restore_or_initialize(self):
        if self.latest_checkpoint is not None:
            self._checkpoint.restore(self.latest_checkpoint)
            return self.latest_checkpoint
        return None


def _remove_tree(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
