"""Checkpoints of Variables: ``jt.train.Checkpoint`` and ``CheckpointManager``.

What is saved: every Variable reachable from the objects given to ``Checkpoint``,
through attributes of jtape objects (Modules, layers, optimizers, generators, metrics),
lists, tuples and dicts, keyed by its attribute path ("model/dense/kernel"). Storage
is orbax-checkpoint, the JAX ecosystem's checkpoint library: it writes sharded and
multi-host arrays correctly and restores them onto the current variables' shardings.

On disk, ``save("dir/ckpt")`` makes ``dir/ckpt-N/`` (an orbax composite checkpoint
with ``state/``, the arrays, and ``meta/``, a JSON index of paths, shapes and dtypes)
and rewrites ``dir/checkpoint``, a small JSON file naming the latest checkpoint.
orbax writes into a temporary directory and renames it when complete; the index file
is replaced atomically only after that, so a crash during a save leaves the previous
checkpoint loadable and named by ``latest_checkpoint``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable

import jax
import numpy as np

from ._variable import Variable

_INDEX = "checkpoint"
_FORMAT = "jtape-checkpoint-1"


class CheckpointError(ValueError):
    """A checkpoint cannot be read, or does not match the objects restored into."""


# -- the object graph -------------------------------------------------------------------
def _is_jtape_object(obj) -> bool:
    return any(c.__module__.split(".")[0] == "jtape" for c in type(obj).__mro__[:-1])


def collect_variables(objects: dict) -> dict[str, Variable]:
    """``{path: Variable}`` for every Variable reachable from ``objects``.

    Paths follow attribute names, sorted, so they are stable across processes; a
    Variable reachable along several paths is saved once, under the first.
    """
    from ._function import Function

    out: dict[str, Variable] = {}
    seen_vars: set[int] = set()
    seen_objs: set[int] = set()

    def visit(obj, path: str) -> None:
        if isinstance(obj, Variable):
            if id(obj) not in seen_vars:
                seen_vars.add(id(obj))
                out[path] = obj
            return
        if isinstance(obj, Function) or callable(obj) and not _is_jtape_object(obj):
            return
        if id(obj) in seen_objs:
            return
        if isinstance(obj, (list, tuple)):
            seen_objs.add(id(obj))
            for i, x in enumerate(obj):
                visit(x, f"{path}/{i}")
        elif isinstance(obj, dict):
            seen_objs.add(id(obj))
            for k in sorted(obj, key=str):
                visit(obj[k], f"{path}/{k}")
        elif _is_jtape_object(obj) and hasattr(obj, "__dict__"):
            seen_objs.add(id(obj))
            for k in sorted(vars(obj)):
                if k.startswith("_jt_"):
                    continue  # jtape's own caches (compiled functions) hold no new state
                visit(vars(obj)[k], f"{path}/{k.lstrip('_') or k}")

    for name in sorted(objects):
        visit(objects[name], name)
    return out


# -- status objects ---------------------------------------------------------------------
class CheckpointLoadStatus:
    """What a restore matched; TF's ``assert_consumed`` and friends."""

    def __init__(self, path: str, unused: list[str], missing: list[str]) -> None:
        self.path = path
        self.unused_checkpoint_values = unused
        self.unrestored_variables = missing
        self._partial = False

    def assert_consumed(self) -> CheckpointLoadStatus:
        """Every value in the checkpoint was used and every variable was restored."""
        if self.unused_checkpoint_values or self.unrestored_variables:
            raise AssertionError(
                f"restore from {self.path} was partial: unused checkpoint values "
                f"{self.unused_checkpoint_values[:10]}, variables not restored "
                f"{self.unrestored_variables[:10]}. If the model or optimizer was not built "
                "yet, build it first (call the model once, optimizer.build(vars)); jtape "
                "does not defer restoration."
            )
        return self

    def assert_existing_objects_matched(self) -> CheckpointLoadStatus:
        """Every variable that exists now was restored."""
        if self.unrestored_variables:
            raise AssertionError(
                f"restore from {self.path}: variables not found in the checkpoint: "
                f"{self.unrestored_variables[:10]}"
            )
        return self

    def assert_nontrivial_match(self) -> CheckpointLoadStatus:
        return self

    def expect_partial(self) -> CheckpointLoadStatus:
        self._partial = True
        return self


# -- Checkpoint ---------------------------------------------------------------------------
class Checkpoint:
    """Save and restore the Variables of a set of objects (``tf.train.Checkpoint``).

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

    def __getattr__(self, name):
        objects = self.__dict__.get("_objects", {})
        if name in objects:
            return objects[name]
        raise AttributeError(name)

    def _variables(self) -> dict[str, Variable]:
        return collect_variables({**self._objects, "save_counter": self.save_counter})

    # writing ------------------------------------------------------------------------------
    def write(self, file_prefix: str, options=None) -> str:
        """Write a checkpoint at exactly ``file_prefix`` (no counter); returns the path."""
        path = os.path.abspath(os.fspath(file_prefix))
        variables = self._variables()
        _write_checkpoint(path, variables)
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
        return self.restore(save_path)

    def restore(self, save_path: str | None, options=None) -> CheckpointLoadStatus:
        """Assign the saved values to the matching variables.

        Shapes and dtypes are checked first; on any mismatch nothing is assigned.
        """
        if save_path is None:
            return CheckpointLoadStatus("<none>", [], [])
        path = os.path.abspath(os.fspath(save_path))
        variables = self._variables()
        meta, arrays = _read_checkpoint(path, variables)
        saved = meta["variables"]
        unused = sorted(set(saved) - set(variables))
        missing = sorted(set(variables) - set(saved) - {"save_counter"})
        matched = [p for p in variables if p in saved]
        if not [p for p in matched if p != "save_counter"] and len(saved) > 1:
            raise CheckpointError(
                f"the checkpoint at {path} shares no variable with these objects: it has "
                f"{sorted(saved)[:8]}, the objects have {sorted(variables)[:8]}. Is it from "
                "a different model?"
            )
        problems = []
        for p in matched:
            shape, dtype = tuple(saved[p]["shape"]), saved[p]["dtype"]
            var = variables[p]
            if tuple(var.shape) != shape or var.dtype.name != dtype:
                problems.append(
                    f"{p}: checkpoint has {shape} {dtype}, variable has "
                    f"{tuple(var.shape)} {var.dtype.name}"
                )
        if problems:
            raise CheckpointError(
                f"checkpoint {path} does not match; nothing was restored:\n  "
                + "\n  ".join(problems)
            )
        values = arrays(matched)
        for p in matched:
            variables[p]._value = values[p]
        return CheckpointLoadStatus(path, unused, missing)


def _nest(flat: dict[str, object]) -> dict:
    tree: dict = {}
    for path, value in flat.items():
        node = tree
        parts = path.split("/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree


def _flat(tree: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in tree.items():
        p = f"{prefix}/{k}" if prefix else k
        if isinstance(v, dict):
            out.update(_flat(v, p))
        else:
            out[p] = v
    return out


def _write_checkpoint(path: str, variables: dict[str, Variable]) -> None:
    import orbax.checkpoint as ocp

    state = _nest({p: v._value for p, v in variables.items()})
    meta = {
        "format": _FORMAT,
        "variables": {
            p: {"shape": list(v.shape), "dtype": v.dtype.name} for p, v in variables.items()
        },
    }
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with ocp.Checkpointer(ocp.CompositeCheckpointHandler()) as ckptr:
        ckptr.save(
            path,
            args=ocp.args.Composite(
                state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta)
            ),
            force=True,
        )


def _read_checkpoint(path: str, variables: dict[str, Variable]):
    import orbax.checkpoint as ocp

    if not os.path.isdir(path):
        raise FileNotFoundError(
            f"no checkpoint at {path} (expected a directory written by Checkpoint.save/write)"
        )
    meta_path = os.path.join(path, "meta", "metadata")
    try:
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get("format") != _FORMAT:
            raise ValueError(f"unknown format {meta.get('format')!r}")
    except (OSError, ValueError) as e:
        raise CheckpointError(f"checkpoint {path} is unreadable or corrupted: {e}") from None

    def arrays(paths: Iterable[str]) -> dict:
        wanted = {}
        for p in paths:
            v = variables[p]._value
            sharding = getattr(v, "sharding", None)
            wanted[p] = jax.ShapeDtypeStruct(v.shape, v.dtype, sharding=sharding)
        # Restore every saved leaf (orbax needs the full tree), then keep what matched.
        full = {}
        for p, info in meta["variables"].items():
            full[p] = (
                wanted[p]
                if p in wanted
                else jax.ShapeDtypeStruct(tuple(info["shape"]), np.dtype(info["dtype"]))
            )
        try:
            with ocp.Checkpointer(ocp.CompositeCheckpointHandler()) as ckptr:
                restored = ckptr.restore(
                    path, args=ocp.args.Composite(state=ocp.args.StandardRestore(_nest(full)))
                )
        except Exception as e:  # orbax/tensorstore raise many types for damaged files
            raise CheckpointError(f"checkpoint {path} is unreadable or corrupted: {e}") from e
        flat = _flat(restored["state"])
        return {p: flat[p] for p in wanted}

    return meta, arrays


# -- the index file ----------------------------------------------------------------------
def _read_index(directory: str) -> dict:
    try:
        with open(os.path.join(directory, _INDEX)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _write_index(directory: str, index: dict) -> None:
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
    return path if os.path.isdir(path) else None


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
