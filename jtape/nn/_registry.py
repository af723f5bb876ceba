"""Keras-style name lookup (``get``/``serialize``/``deserialize``), shared by losses and metrics."""

from __future__ import annotations

from typing import Any


class Registry:
    """Names -> functions/classes for one kind of object (``"loss"``, ``"metric"``)."""

    def __init__(self, kind: str, module: str, base: type, by_name: dict) -> None:
        self.kind, self.module, self.base, self.by_name = kind, module, base, by_name

    def serialize(self, obj) -> dict[str, Any] | str:
        """An instance as Keras 3's config dict; a function as its name."""
        if isinstance(obj, self.base):
            return {
                "module": self.module,
                "class_name": type(obj).__name__,
                "config": obj.get_config(),
                "registered_name": None,
            }
        for name, fn in self.by_name.items():
            if fn is obj:
                return name
        raise ValueError(f"Cannot serialize {self.kind} {obj!r}")

    def deserialize(self, config, custom_objects: dict | None = None):
        """Inverse of :meth:`serialize`."""
        lookup = {**self.by_name, **(custom_objects or {})}
        if isinstance(config, str):
            if config not in lookup:
                raise ValueError(f"Unknown {self.kind}: {config!r}. Known: {sorted(self.by_name)}")
            return lookup[config]
        if not isinstance(config, dict) or config.get("class_name") not in lookup:
            raise ValueError(f"Could not interpret {self.kind} identifier: {config!r}")
        return lookup[config["class_name"]].from_config(config.get("config") or {})

    def get(self, identifier):
        """From a name, config dict, class, instance or callable."""
        if identifier is None:
            return None
        obj = self.deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
        if isinstance(obj, type):
            return obj()
        if callable(obj):
            return obj
        raise ValueError(f"Could not interpret {self.kind} identifier: {identifier!r}")
