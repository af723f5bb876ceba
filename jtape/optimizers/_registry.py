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
# The names Keras 3's ``get``/``deserialize`` know (``keras.optimizers.ALL_OBJECTS``):
# Lamb and TF 1.x's names are not among them, so ``get("lamb")`` fails there too.
_KERAS_NAMES = frozenset(
    {"adam", "sgd", "rmsprop", "adadelta", "adamw", "adagrad", "adamax", "adafactor"}
    | {"muon", "nadam", "ftrl", "lion", "lossscaleoptimizer"}
)


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """Keras' serialized form: ``{"module", "class_name", "config", "registered_name"}``."""
    return {
        "module": "keras.optimizers",
        "class_name": type(optimizer).__name__,
        "config": optimizer.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any], custom_objects: dict | None = None) -> Optimizer:
    """Inverse of :func:`serialize`; ``class_name`` is matched case-insensitively.

    Besides Keras' names, jtape's own classes (``Lamb``, the TF 1.x names) are found
    here; :func:`get` accepts only Keras' names, as Keras does.
    """
    table = {**_BY_NAME, **_WRAPPERS}
    table.update({k.lower(): v for k, v in (custom_objects or {}).items()})
    cls = table.get(str(config.get("class_name", "")).lower())
    if cls is None:
        raise ValueError(
            f"Unknown optimizer: {config.get('class_name')!r}; known: {sorted(_BY_NAME)}"
        )
    return cls.from_config(config.get("config", {}), custom_objects)


def get(identifier) -> Optimizer | None:
    """An optimizer from an instance, a name (``"adam"``) or a serialized dict (Keras' ``get``).

    Example:
        >>> import jtape as jt
        >>> type(jt.optimizers.get("rmsprop")).__name__
        'RMSprop'
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str) and identifier.lower() in _KERAS_NAMES:
        return deserialize({"class_name": identifier, "config": {}})
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
