"""``tf.config``: devices come from JAX; ``run_functions_eagerly`` switches jt.function."""

from __future__ import annotations

import contextlib
import types
from typing import NamedTuple

import jax

from .._function import functions_run_eagerly as functions_run_eagerly
from .._function import run_functions_eagerly as run_functions_eagerly
from ._missing import missing

# JAX platform -> TF device type.
_TYPES = {"cpu": "CPU", "gpu": "GPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}


class PhysicalDevice(NamedTuple):
    name: str
    device_type: str


class LogicalDevice(NamedTuple):
    name: str
    device_type: str


def _jax_devices(device_type: str | None):
    want = None if device_type is None else str(device_type).upper()
    out = []
    for platform in ("cpu", "gpu", "tpu"):
        try:
            devices = jax.devices(platform)
        except RuntimeError:  # backend not present
            continue
        for i, d in enumerate(devices):
            kind = _TYPES.get(d.platform, d.platform.upper())
            if want is None or kind == want:
                out.append((kind, i, d))
    return out


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The devices JAX sees, named as TF names them (``/physical_device:GPU:0``).

    Example:
        >>> list_physical_devices("CPU")[0]
        PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')
    """
    return [PhysicalDevice(f"/physical_device:{k}:{i}", k) for k, i, _ in _jax_devices(device_type)]


def list_logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    return [LogicalDevice(f"/device:{k}:{i}", k) for k, i, _ in _jax_devices(device_type)]


def get_visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    return list_physical_devices(device_type)


def set_visible_devices(devices, device_type: str | None = None) -> None:
    """Accepted for compatibility; restrict devices with ``CUDA_VISIBLE_DEVICES`` or
    ``JAX_PLATFORMS`` before starting Python instead."""


def jax_device(name: str):
    """The JAX device for a TF device string such as ``"/GPU:0"`` or ``"cpu:1"``."""
    spec = str(name).strip("/").split("/")[-1]
    if spec.startswith("device:"):
        spec = spec[len("device:") :]
    kind, _, index = spec.partition(":")
    matches = [d for k, i, d in _jax_devices(kind) if i == int(index or 0)]
    if not matches:
        raise ValueError(
            f"device: no {kind.upper()} device {index or 0} in "
            f"{[d.name for d in list_logical_devices()]}"
        )
    return matches[0]


@contextlib.contextmanager
def device(device_name: str | None):
    """``tf.device``: place new arrays on the named device (``jax.default_device``)."""
    if not device_name:
        yield
        return
    with jax.default_device(jax_device(device_name)):
        yield


def _set_memory_growth(device, enable: bool) -> None:
    """Accepted for compatibility; JAX's allocator is set with ``XLA_PYTHON_CLIENT_*``."""


def _get_memory_growth(device) -> bool:
    return False


def _get_device_details(device) -> dict:
    return {"device_name": device.name}


def _enable_op_determinism() -> None:
    """Accepted for compatibility: XLA programs on CPU are deterministic already."""


def _set_soft_device_placement(enabled: bool) -> None:
    """Accepted for compatibility; jtape places ops with JAX's rules."""


experimental = types.SimpleNamespace(
    set_memory_growth=_set_memory_growth,
    get_memory_growth=_get_memory_growth,
    get_device_details=_get_device_details,
    enable_op_determinism=_enable_op_determinism,
    list_physical_devices=list_physical_devices,
    list_logical_devices=list_logical_devices,
    get_visible_devices=get_visible_devices,
    set_visible_devices=set_visible_devices,
)

set_soft_device_placement = _set_soft_device_placement

__all__ = [
    "LogicalDevice",
    "PhysicalDevice",
    "experimental",
    "functions_run_eagerly",
    "get_visible_devices",
    "list_logical_devices",
    "list_physical_devices",
    "run_functions_eagerly",
    "set_soft_device_placement",
    "set_visible_devices",
]

__getattr__ = missing("tf.config")
