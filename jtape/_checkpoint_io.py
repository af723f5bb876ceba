"""Checkpoint storage and reading: orbax arrays plus a JSON index with checksums.

A checkpoint ``dir/ckpt-N/`` is an orbax composite checkpoint: ``state/`` holds the
arrays (a tree keyed by object-graph path), ``meta/metadata`` a JSON index
``{"format", "variables": {path: {"shape", "dtype", "crc32"}}}``. orbax detects missing
and truncated files, not flipped bytes, so every array's CRC-32 is stored in the index and
checked on every read. Nothing here touches a Variable: ``read_arrays`` returns verified
arrays, and the caller assigns them only when the whole checkpoint has been read.

The reader (``load_checkpoint``, ``list_variables``, ``load_variable``) names each value
as TensorFlow does, ``<path>/.ATTRIBUTES/VARIABLE_VALUE``.
"""

from __future__ import annotations

import json
import os
import zlib

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._op_errors import DataLossError, InvalidArgumentError, NotFoundError

FORMAT = "jtape-checkpoint-1"
INDEX = "checkpoint"  # the file naming the latest checkpoint of a directory
KEY_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"  # TF's key for a variable's value


class CheckpointError(ValueError):
    """A checkpoint cannot be read, or does not match the objects restored into."""


class CheckpointNotFoundError(CheckpointError, NotFoundError):
    """No checkpoint at the path (TF: ``tf.errors.NotFoundError``)."""

    def __init__(self, message: str) -> None:
        NotFoundError.__init__(self, None, None, message)


class CheckpointDataLossError(CheckpointError, DataLossError):
    """A checkpoint file is missing, truncated or corrupted (TF: ``DataLossError``)."""

    def __init__(self, message: str) -> None:
        DataLossError.__init__(self, None, None, message)


class CheckpointDtypeError(CheckpointError, InvalidArgumentError):
    """A saved dtype differs from the variable's (TF: ``InvalidArgumentError``)."""

    def __init__(self, message: str) -> None:
        InvalidArgumentError.__init__(self, None, None, message)


# -- tree helpers -------------------------------------------------------------------------
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


def _crc32(value) -> int | None:
    """CRC-32 of an array's bytes (C order); None for arrays this process cannot see whole."""
    if not getattr(value, "is_fully_addressable", True):
        return None
    arr = np.ascontiguousarray(np.asarray(value))
    return zlib.crc32(arr.reshape(-1).view(np.uint8))


# -- writing ----------------------------------------------------------------------------
def write_checkpoint(path: str, values: dict[str, jax.Array]) -> None:
    """Write ``{path: array}`` as one checkpoint at ``path`` (atomic: orbax renames)."""
    import orbax.checkpoint as ocp

    meta = {
        "format": FORMAT,
        "variables": {
            p: {"shape": list(v.shape), "dtype": np.dtype(v.dtype).name, "crc32": _crc32(v)}
            for p, v in values.items()
        },
    }
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    parts = {"meta": ocp.args.JsonSave(meta)}
    if values:  # orbax refuses an empty tree; an object with no variables has only the index
        parts["state"] = ocp.args.StandardSave(_nest(values))
    with ocp.Checkpointer(ocp.CompositeCheckpointHandler()) as ckptr:
        ckptr.save(path, args=ocp.args.Composite(**parts), force=True)


# -- reading ----------------------------------------------------------------------------
def read_meta(path: str) -> dict:
    """The JSON index of the checkpoint at ``path``; TF's error classes when it has none."""
    if not os.path.isdir(path) and os.path.exists(path + ".index"):
        raise CheckpointError(
            f"{path} is a TensorFlow checkpoint ({path}.index and .data files), not a jtape "
            "one: read it with load_checkpoint(path) or Checkpoint(...).restore(path)"
        )
    if not os.path.isdir(path):
        raise CheckpointNotFoundError(
            f"no checkpoint at {path} (expected a directory written by Checkpoint.save or "
            "write, e.g. 'dir/ckpt-1'; tf.train.latest_checkpoint(dir) finds the newest)"
        )
    meta_path = os.path.join(path, "meta", "metadata")
    if not os.path.exists(meta_path) and os.path.exists(os.path.join(path, INDEX)):
        raise CheckpointNotFoundError(
            f"{path} is a directory of checkpoints, not a checkpoint: pass "
            "latest_checkpoint(directory) or one of its 'ckpt-N' paths"
        )
    try:
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get("format") != FORMAT:
            raise ValueError(f"unknown format {meta.get('format')!r}")
        if not isinstance(meta.get("variables"), dict):
            raise ValueError("the index has no 'variables'")
    except (OSError, ValueError) as e:
        raise CheckpointDataLossError(
            f"checkpoint {path} is unreadable or corrupted: its index {meta_path} cannot be "
            f"read ({e}); was the save interrupted?"
        ) from None
    return meta


def _dtype(name: str) -> np.dtype:
    return np.dtype(jnp.dtype(name))


def read_arrays(path: str, meta: dict, targets: dict | None = None) -> dict[str, jax.Array]:
    """Every array of the checkpoint, read and checksum-verified.

    ``targets`` maps paths to arrays whose sharding the restored value should take
    (the variables restored into); other values come back on the default device.
    Raises ``CheckpointDataLossError`` naming the checkpoint and the reason.
    """
    import orbax.checkpoint as ocp

    targets = targets or {}
    want = {}
    for p, info in meta["variables"].items():
        shape, dtype = tuple(info["shape"]), _dtype(info["dtype"])
        sharding = getattr(targets.get(p), "sharding", None)
        want[p] = jax.ShapeDtypeStruct(shape, dtype, sharding=sharding)
    if not want:
        return {}
    try:
        with ocp.Checkpointer(ocp.CompositeCheckpointHandler()) as ckptr:
            restored = ckptr.restore(
                path, args=ocp.args.Composite(state=ocp.args.StandardRestore(_nest(want)))
            )
        flat = _flat(restored["state"])
        missing = sorted(set(want) - set(flat))
        if missing:
            raise ValueError(f"arrays listed in the index are absent: {missing[:5]}")
    except Exception as e:  # orbax/tensorstore raise many types for damaged files
        reason = str(e).split("\n")[0][:300]
        raise CheckpointDataLossError(
            f"checkpoint {path} is unreadable or corrupted ({type(e).__name__}: {reason})"
        ) from e
    for p, info in meta["variables"].items():
        expected = info.get("crc32")
        if expected is None:
            continue
        got = _crc32(flat[p])
        if got is not None and got != expected:
            raise CheckpointDataLossError(
                f"checkpoint {path} is unreadable or corrupted: the value of '{p}' does not "
                f"match its checksum (stored crc32 {expected}, computed {got})"
            )
    return {p: flat[p] for p in want}


def read_index_file(directory: str) -> dict:
    """The ``checkpoint`` file of a directory: jtape's JSON or TF's text proto; {} if none."""
    try:
        with open(os.path.join(directory, INDEX)) as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return {}
    try:
        index = json.loads(text)
        return index if isinstance(index, dict) else {}
    except ValueError:
        from ._tf_bundle import parse_checkpoint_state

        return parse_checkpoint_state(text)


def resolve(ckpt_dir_or_file: str) -> str:
    """A checkpoint path from a checkpoint or a directory with an index (TF's rule)."""
    path = os.path.abspath(os.fspath(ckpt_dir_or_file))
    if os.path.isdir(path) and not os.path.exists(os.path.join(path, "meta", "metadata")):
        name = read_index_file(path).get("model_checkpoint_path")
        if name:
            return os.path.join(path, name)
    if not os.path.isdir(path) and not os.path.exists(path + ".index"):
        raise CheckpointNotFoundError(
            f"Unsuccessful checkpoint reader: failed to find any checkpoint at {path}"
        )
    return path


# -- the reader ---------------------------------------------------------------------------
def _key(path: str) -> str:
    return path + KEY_SUFFIX


class CheckpointReader:
    """Read a checkpoint's values by name (``tf.train.load_checkpoint``'s reader).

    Names are TF's form, ``<object path>/.ATTRIBUTES/VARIABLE_VALUE``, with jtape's
    object paths (attribute names; a layer's weights under their own names).

    Example:
        >>> import tempfile, jtape as jt
        >>> path = jt.train.Checkpoint(w=jt.Variable([1.0, 2.0])).write(tempfile.mkdtemp() + "/c")
        >>> reader = jt.train.load_checkpoint(path)
        >>> reader.get_variable_to_shape_map()["w/.ATTRIBUTES/VARIABLE_VALUE"]
        [2]
        >>> reader.get_tensor("w/.ATTRIBUTES/VARIABLE_VALUE").tolist()
        [1.0, 2.0]
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._meta = read_meta(path)
        self._values: dict | None = None

    def _path(self, name: str) -> str:
        if name.endswith(":0"):
            name = name[:-2]
        path = name[: -len(KEY_SUFFIX)] if name.endswith(KEY_SUFFIX) else None
        if path is None or path not in self._meta["variables"]:
            hint = ""
            if name in self._meta["variables"]:
                hint = f" (the key of that variable is '{_key(name)}')"
            raise CheckpointNotFoundError(f"Key {name} not found in checkpoint{hint}")
        return path

    def has_tensor(self, name: str) -> bool:
        try:
            self._path(name)
        except CheckpointNotFoundError:
            return False
        return True

    def get_tensor(self, name: str) -> np.ndarray:
        """The saved value as a numpy array."""
        path = self._path(name)
        if self._values is None:
            self._values = read_arrays(self.path, self._meta)
        return np.asarray(self._values[path])

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {_key(p): list(i["shape"]) for p, i in self._meta["variables"].items()}

    def get_variable_to_dtype_map(self) -> dict:
        return {
            _key(p): _dtypes.as_dtype(_dtype(i["dtype"]))
            for p, i in self._meta["variables"].items()
        }

    def debug_string(self) -> bytes:
        lines = [
            f"{k} ({self.get_variable_to_dtype_map()[k].name}) {s}"
            for k, s in sorted(self.get_variable_to_shape_map().items())
        ]
        return ("\n".join(lines) + "\n").encode()


def load_checkpoint(ckpt_dir_or_file: str) -> CheckpointReader:
    """A reader for a checkpoint, or for the newest checkpoint of a directory.

    Example:
        >>> import tempfile, jtape as jt
        >>> d = tempfile.mkdtemp()
        >>> _ = jt.train.Checkpoint(step=jt.Variable(3)).save(d + "/ckpt")
        >>> int(jt.train.load_checkpoint(d).get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"))
        3
    """
    path = resolve(ckpt_dir_or_file)
    from ._tf_bundle import TFCheckpointReader, is_tf_checkpoint

    return TFCheckpointReader(path) if is_tf_checkpoint(path) else CheckpointReader(path)


def list_variables(ckpt_dir_or_file: str) -> list[tuple[str, list[int]]]:
    """``[(name, shape)]`` of every value in a checkpoint, sorted by name.

    For a checkpoint TensorFlow wrote, the list is TF's (``_CHECKPOINTABLE_OBJECT_GRAPH``
    included); jtape's own checkpoints have no such entry (the paths are the graph).

    Example:
        >>> import tempfile, jtape as jt
        >>> path = jt.train.Checkpoint(w=jt.Variable([1.0, 2.0])).write(tempfile.mkdtemp() + "/c")
        >>> jt.train.list_variables(path)
        [('save_counter/.ATTRIBUTES/VARIABLE_VALUE', []), ('w/.ATTRIBUTES/VARIABLE_VALUE', [2])]
    """
    reader = load_checkpoint(ckpt_dir_or_file)
    return sorted(reader.get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file: str, name: str) -> np.ndarray:
    """The saved value of ``name`` (a key from ``list_variables``) as a numpy array.

    Example:
        >>> import tempfile, jtape as jt
        >>> path = jt.train.Checkpoint(w=jt.Variable([1.0, 2.0])).write(tempfile.mkdtemp() + "/c")
        >>> jt.train.load_variable(path, "w/.ATTRIBUTES/VARIABLE_VALUE").tolist()
        [1.0, 2.0]
    """
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)
