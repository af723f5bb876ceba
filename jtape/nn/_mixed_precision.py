"""Dtype policies (Keras 3's ``DTypePolicy``) and the global policy.

A policy names two dtypes: the one a layer keeps its variables in and the one it
computes in. ``"mixed_bfloat16"`` and ``"mixed_float16"`` keep float32 variables and
compute in the half type; any other dtype name uses that dtype for both. A layer
created without ``dtype=`` takes the global policy at construction time.

How a layer uses its policy (see :mod:`jtape.nn._layer`): its float inputs are cast to
the compute dtype, and while its ``call`` runs, reading one of its weights gives the
value cast to the compute dtype (a recorded cast, so gradients arrive in the
variable's dtype). Losses compute in float32 because a ``Loss`` casts its inputs.
"""

from __future__ import annotations

import threading
from typing import Any

from .. import _dtypes

_MIXED = {"mixed_float16": ("float16", "float32"), "mixed_bfloat16": ("bfloat16", "float32")}
# Keras' standardize_dtype accepts canonical names only ("float32", not "float" or "half").
_NAMES = {
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "complex64",
    "complex128",
    "string",
}


class DTypePolicy:
    """A layer's compute and variable dtypes (``keras.mixed_precision.Policy``).

    Example:
        >>> from jtape.nn import mixed_precision
        >>> p = mixed_precision.Policy("mixed_bfloat16")
        >>> p.name, p.compute_dtype, p.variable_dtype
        ('mixed_bfloat16', 'bfloat16', 'float32')
        >>> mixed_precision.Policy("float64").compute_dtype
        'float64'
    """

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = dtype_policy().name
        self._name = name
        self._compute_dtype, self._variable_dtype = _parse_name(name)

    @property
    def name(self) -> str:
        """The policy's name (``"mixed_bfloat16"``, ``"float32"``...)."""
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer's inputs, computations and outputs."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of the layer's weights."""
        return self._variable_dtype

    @property
    def quantization_mode(self) -> None:
        """Always None: jtape has no quantized policies."""
        return None

    def get_config(self) -> dict[str, Any]:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> DTypePolicy:
        return cls(**config)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other._name == self._name

    def __hash__(self) -> int:
        return hash(("DTypePolicy", self._name))


#: Keras' legacy name (``keras.mixed_precision.Policy``).
Policy = DTypePolicy


def _parse_name(name) -> tuple[str, str]:
    if not isinstance(name, str):
        raise TypeError(
            "'name' must be a string, such as 'mixed_float16'. "
            f"Received: name={name} (of type {type(name)})"
        )
    if name in _MIXED:
        return _MIXED[name]
    if name in _NAMES:
        return name, name
    raise ValueError(
        f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies include "
        "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as 'float32'."
    )


# Process-wide, as Keras' global state (a policy set in one thread applies to all).
_global = threading.Lock(), [None]


def set_dtype_policy(policy) -> None:
    """Set the policy of layers created from now on without ``dtype=``.

    Example:
        >>> from jtape import nn
        >>> nn.mixed_precision.set_global_policy("mixed_bfloat16")
        >>> layer = nn.Dense(2)
        >>> layer.compute_dtype == "bfloat16", layer.variable_dtype == "float32"
        (True, True)
        >>> nn.mixed_precision.set_global_policy("float32")
    """
    if not isinstance(policy, DTypePolicy):
        if not isinstance(policy, str):
            raise ValueError(
                "Invalid `policy` argument. Expected the string name of a policy (such as "
                f"'mixed_float16') or a `DTypePolicy` instance. Received: policy={policy} "
                f"(of type {type(policy)})"
            )
        policy = DTypePolicy(policy)
    with _global[0]:
        _global[1][0] = policy


def dtype_policy() -> DTypePolicy:
    """The global policy (``"float32"`` until :func:`set_dtype_policy` changes it)."""
    policy = _global[1][0]
    if policy is None:
        policy = DTypePolicy(_first_policy[0])
        with _global[0]:
            _global[1][0] = policy
    return policy


# The policy's name when first read while none is set: Keras' floatx (keras.backend).
_first_policy = ["float32"]


def set_first_policy(name: str) -> None:
    """Keras' ``set_floatx``: the name the global policy takes when first read, if unset.

    As Keras 3, a policy already read (by any layer created without ``dtype=``) or set
    stays: ``set_floatx`` after building a layer does not change later layers' dtype.
    """
    _first_policy[0] = name


def reset_global_policy() -> None:
    """Forget the global policy (Keras 3's ``clear_session``): the next read takes the
    floatx name, dropping a policy set with :func:`set_dtype_policy`."""
    with _global[0]:
        _global[1][0] = None


set_global_policy = set_dtype_policy
global_policy = dtype_policy


def get(identifier) -> DTypePolicy:
    """A policy from None (the global one), a policy, a name, a dtype or a config dict.

    Example:
        >>> import jtape as jt
        >>> get(jt.float64), get("mixed_float16").variable_dtype
        (<DTypePolicy "float64">, 'float32')
    """
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        # Keras' serialized form: {"class_name": "DTypePolicy", "config": {"name": ...}}
        config = identifier.get("config", identifier)
        return DTypePolicy.from_config({"name": config["name"]})
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    try:
        dtype = _dtypes.as_dtype(getattr(identifier, "name", identifier))
    except (TypeError, ValueError):
        dtype = None
    if dtype is None or dtype.name not in _NAMES:
        raise ValueError(
            "Cannot interpret `dtype` argument. Expected a string or an instance of "
            f"DTypePolicy. Received: dtype={identifier}"
        )
    return DTypePolicy(dtype.name)


def serialize(policy: DTypePolicy) -> dict[str, Any]:
    """Keras' serialized form of a policy, as it appears in a layer's ``get_config``."""
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": policy.get_config(),
        "registered_name": None,
    }
