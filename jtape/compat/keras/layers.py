"""``tf.keras.layers``: every Layer class ``jtape.nn`` exports, plus ``Input``."""

from __future__ import annotations

from ... import nn as _nn
from .._missing import NotProvidedError, message


def _is_layer_name(name: str) -> bool:
    obj = getattr(_nn, name, None)
    if name in ("Input", "InputLayer", "Layer"):
        return True
    return (
        isinstance(obj, type)
        and issubclass(obj, _nn.Layer)
        and name[0].isupper()
        and (not issubclass(obj, _nn.Model))
    )


# Capitalised names only: a lowercase one is a namespace (``callbacks`` loads on first use).
__all__ = sorted(n for n in dir(_nn) if n[:1].isupper() and _is_layer_name(n))


def __getattr__(name: str):
    if not name.startswith("__") and _is_layer_name(name):
        return getattr(_nn, name)
    if name.startswith("__"):
        raise AttributeError(name)
    raise NotProvidedError(message("tf.keras.layers", name))
