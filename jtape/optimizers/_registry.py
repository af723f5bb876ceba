"""Optimizers by name: ``get("adam")``, ``serialize``/``deserialize`` (Keras' helpers)."""

from __future__ import annotations

from typing import Any

from . import _family
from ._base import Optimizer
from ._loss_scale import LossScaleOptimizer

_BY_NAME = {
    name.lower(): cls
    for name, cls in vars(_family).items()
    if isinstance(cls, type) and issubclass(cls, Optimizer) and cls is not Optimizer
}
# Wrappers of another optimizer: found by deserialize, not constructible from a name.
_WRAPPERS = {"lossscaleoptimizer": LossScaleOptimizer}


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}`` of an optimizer."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict[str, Any], custom_objects: dict | None = None) -> Optimizer:
    """Inverse of :func:`serialize`; ``class_name`` is matched case-insensitively."""
    table = {**_BY_NAME, **_WRAPPERS}
    table.update({k.lower(): v for k, v in (custom_objects or {}).items()})
    cls = table.get(str(config.get("class_name", "")).lower())
    if cls is None:
        raise ValueError(
            f"Unknown optimizer: {config.get('class_name')!r}; known: {sorted(_BY_NAME)}"
        )
    return cls.from_config(config.get("config", {}), custom_objects)


def get(identifier) -> Optimizer:
    """An optimizer from an instance, a name (``"adam"``) or a serialized dict.

    Example:
        >>> import jtape as jt
        >>> type(jt.optimizers.get("rmsprop")).__name__
        'RMSprop'
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
