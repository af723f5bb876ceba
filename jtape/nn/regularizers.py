"""Keras weight regularizers (``keras.regularizers``): ``reg(weight)`` is a scalar penalty.

The penalty is one jtape op, so a tape differentiates it with respect to the weight.
As in Keras 3, ``l1_l2`` is the class ``L1L2`` (both factors default to 0).
"""

from __future__ import annotations

import math
import re
from typing import Any

import jax.numpy as jnp

from .._array_ops import convert_to_tensor
from .._tensor import Tensor
from ._fused import fused_op


def _validate(value, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (float, int))
        or math.isinf(value)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. "
            f"Received: {name}={value!r}"
        )
    return float(value)


@fused_op(static_argnums=(1, 2))
def _penalty(x, l1, l2):
    out = jnp.zeros((), x.dtype)
    if l1:
        out = out + jnp.asarray(l1, x.dtype) * jnp.sum(jnp.abs(x))
    if l2:
        out = out + jnp.asarray(l2, x.dtype) * jnp.sum(jnp.square(x))
    return out


def _t(x):
    return x if isinstance(x, Tensor) or hasattr(x, "_jt_read") else convert_to_tensor(x)


class Regularizer:
    """Base class: ``__call__(x)`` returns a scalar penalty; the base returns 0."""

    def __call__(self, x) -> Tensor | float:
        return 0.0

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as a dict that ``from_config`` accepts."""
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        """A new regularizer from the dict that ``get_config`` returned."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            config = self.get_config()
        except NotImplementedError:
            config = {}
        args = ", ".join(f"{k}={v!r}" for k, v in config.items())
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """``l1 * sum(abs(x)) + l2 * sum(square(x))``; both factors default to 0.

    Example:
        >>> import jtape.nn.regularizers as regularizers
        >>> float(regularizers.L1L2(l1=0.5, l2=0.25)([1.0, -2.0]))
        2.75
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _validate(0.0 if l1 is None else l1, "l1")
        self.l2 = _validate(0.0 if l2 is None else l2, "l2")

    def __call__(self, x) -> Tensor:
        return _penalty(_t(x), self.l1, self.l2)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(abs(x))`` (default factor 0.01)."""

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = _validate(0.01 if l1 is None else l1, "l1")

    def __call__(self, x) -> Tensor:
        return _penalty(_t(x), self.l1, 0.0)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(square(x))`` (default factor 0.01; no 1/2 factor, unlike ``tf.nn.l2_loss``).

    Example:
        >>> import jtape.nn.regularizers as regularizers
        >>> float(regularizers.L2(0.1)([1.0, 2.0]))
        0.5
    """

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = _validate(0.01 if l2 is None else l2, "l2")

    def __call__(self, x) -> Tensor:
        return _penalty(_t(x), 0.0, self.l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


l1 = L1
l2 = L2
l1_l2 = L1L2


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


_CLASSES = (Regularizer, L1, L2, L1L2)
_BY_NAME: dict[str, type] = {c.__name__: c for c in _CLASSES}
_BY_NAME.update({_snake(c.__name__): c for c in _CLASSES})
_BY_NAME.update({"l1": L1, "l2": L2, "l1_l2": L1L2})


def serialize(regularizer: Regularizer) -> dict[str, Any]:
    """Keras 3's config dict for a regularizer."""
    return {
        "module": "keras.regularizers",
        "class_name": type(regularizer).__name__,
        "config": regularizer.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects: dict | None = None) -> Regularizer:
    """Inverse of :func:`serialize`; also accepts a bare name."""
    lookup = {**_BY_NAME, **(custom_objects or {})}
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if not isinstance(config, dict) or config.get("class_name") not in lookup:
        raise ValueError(f"Could not interpret regularizer identifier: {config!r}")
    return lookup[config["class_name"]].from_config(config.get("config") or {})


def get(identifier):
    """A regularizer from a name (``"l2"``), config dict, class, instance or callable.

    Example:
        >>> import jtape.nn.regularizers as regularizers
        >>> regularizers.get("l2").l2
        0.01
    """
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")
