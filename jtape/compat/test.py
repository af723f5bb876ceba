"""``tf.test``: the gradient checker and device queries."""

from __future__ import annotations

import jax

from .._gradient_checker import compute_gradient as compute_gradient
from ._missing import missing


def is_gpu_available(cuda_only: bool = False, min_cuda_compute_capability=None) -> bool:
    """True if JAX sees a GPU."""
    return is_built_with_gpu_support() and bool(gpu_device_name())


def gpu_device_name() -> str:
    """``'/device:GPU:0'`` if JAX sees a GPU, else ``''``."""
    try:
        return "/device:GPU:0" if jax.devices("gpu") else ""
    except RuntimeError:
        return ""


def is_built_with_cuda() -> bool:
    return bool(gpu_device_name())


def is_built_with_gpu_support() -> bool:
    return bool(gpu_device_name())


__all__ = [
    "compute_gradient",
    "gpu_device_name",
    "is_built_with_cuda",
    "is_built_with_gpu_support",
    "is_gpu_available",
]
__getattr__ = missing("tf.test")
