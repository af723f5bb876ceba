"""``tf.data.Options`` and its option groups: stored as TF stores them, with nothing to tune.

jtape's host pipeline has no thread pools, graph rewrites or autotuner, so every option is
accepted, kept (``dataset.options()`` reads it back, ``with_options`` merges as TF does) and
otherwise ignored. Unknown names raise ``AttributeError`` as in TF, so typos are not lost.
"""

from __future__ import annotations

import enum
from typing import Any


class AutoShardPolicy(enum.IntEnum):
    """``tf.data.experimental.AutoShardPolicy``."""

    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class ExternalStatePolicy(enum.Enum):
    """``tf.data.experimental.ExternalStatePolicy``."""

    WARN = 0
    IGNORE = 1
    FAIL = 2


class AutotuneAlgorithm(enum.Enum):
    """``tf.data.experimental.AutotuneAlgorithm``."""

    DEFAULT = 0
    HILL_CLIMB = 1
    GRADIENT_DESCENT = 2
    MAX_PARALLELISM = 3
    STAGE_BASED = 4


class _OptionsGroup:
    """A fixed set of named options, each None (unset) until given; groups nest."""

    _FIELDS: dict[str, Any] = {}  # name -> default (a group class for a nested group)
    _ALIASES: dict[str, str] = {}

    def __init__(self) -> None:
        for name, default in self._FIELDS.items():
            value = default() if isinstance(default, type) else default
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        alias = type(self)._ALIASES.get(name)
        if alias is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        return getattr(self, alias)

    def __setattr__(self, name: str, value) -> None:
        name = self._ALIASES.get(name, name)
        if name not in self._FIELDS:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        kind = self._FIELDS[name]
        if isinstance(kind, type) and not isinstance(value, kind):
            raise TypeError(
                f'Property "{name}" must be of type {kind}, got: {value!r} (type: {type(value)})'
            )
        object.__setattr__(self, name, value)

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return id(self)

    def merge(self, other):
        """A copy of these options with ``other``'s set (non-default) values on top."""
        out = type(self)()
        fresh = type(self)()
        for name, kind in self._FIELDS.items():
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(kind, type):
                value = mine.merge(theirs)
            else:
                value = theirs if theirs != getattr(fresh, name) else mine
            object.__setattr__(out, name, value)
        return out


class ThreadingOptions(_OptionsGroup):
    """``tf.data.ThreadingOptions``."""

    _FIELDS = {"max_intra_op_parallelism": None, "private_threadpool_size": None}


class AutotuneOptions(_OptionsGroup):
    """``tf.data.experimental.AutotuneOptions``."""

    _FIELDS = dict.fromkeys(
        [
            "autotune_algorithm",
            "cpu_budget",
            "enabled",
            "initial_parallelism",
            "min_parallelism",
            "ram_budget",
        ]
    )


class DistributeOptions(_OptionsGroup):
    """``tf.data.experimental.DistributeOptions``."""

    _FIELDS = {"auto_shard_policy": AutoShardPolicy.AUTO, "num_devices": None}


class OptimizationOptions(_OptionsGroup):
    """``tf.data.experimental.OptimizationOptions``."""

    _FIELDS = dict.fromkeys(
        [
            "apply_default_optimizations",
            "filter_fusion",
            "filter_parallelization",
            "inject_prefetch",
            "map_and_batch_fusion",
            "map_and_filter_fusion",
            "map_fusion",
            "map_parallelization",
            "noop_elimination",
            "parallel_batch",
            "seq_interleave_prefetch",
            "shuffle_and_repeat_fusion",
        ]
    )


class Options(_OptionsGroup):
    """``tf.data.Options``: kept on the dataset; jtape's pipeline has nothing to tune.

    Example:
        >>> import jtape as jt
        >>> options = jt.data.Options()
        >>> options.deterministic = False
        >>> options.threading.private_threadpool_size = 4
        >>> ds = jt.data.Dataset.range(3).with_options(options)
        >>> ds.options().deterministic, ds.options().threading.private_threadpool_size
        (False, 4)
    """

    _FIELDS = {
        "autotune": AutotuneOptions,
        "dataset_name": None,
        "deterministic": None,
        "experimental_distribute": DistributeOptions,
        "experimental_external_state_policy": None,
        "experimental_optimization": OptimizationOptions,
        "experimental_slack": None,
        "experimental_symbolic_checkpoint": None,
        "experimental_warm_start": None,
        "framework_type": None,
        "threading": ThreadingOptions,
    }
    _ALIASES = {
        "experimental_deterministic": "deterministic",
        "experimental_threading": "threading",
    }
