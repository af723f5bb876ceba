"""Dtype handling with TensorFlow's defaults (Python floats -> float32, ints -> int32)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

float16 = jnp.dtype("float16")
bfloat16 = jnp.dtype("bfloat16")
float32 = jnp.dtype("float32")
float64 = jnp.dtype("float64")
int8 = jnp.dtype("int8")
int16 = jnp.dtype("int16")
int32 = jnp.dtype("int32")
int64 = jnp.dtype("int64")
uint8 = jnp.dtype("uint8")
uint32 = jnp.dtype("uint32")
bool_ = jnp.dtype("bool")
complex64 = jnp.dtype("complex64")


def as_dtype(dtype) -> np.dtype | None:
    """Normalise ``dtype`` (a numpy/JAX dtype, a type, a name, or a TF-style DType)."""
    if dtype is None:
        return None
    as_np = getattr(dtype, "as_numpy_dtype", None)
    if as_np is not None:
        dtype = as_np
    try:
        return jnp.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"dtype: expected a dtype such as jt.float32, got {dtype!r}") from e


def is_floating(dtype) -> bool:
    return jnp.issubdtype(dtype, jnp.inexact)


def default_dtype_for(value) -> np.dtype | None:
    """TF's default dtype for a Python value (float32 for floats, int32 for ints)."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int32
    if isinstance(value, float):
        return float32
    if isinstance(value, complex):
        return complex64
    if isinstance(value, (list, tuple)):
        leaves = _python_leaves(value)
        if leaves and all(isinstance(v, (bool, int, float, complex)) for v in leaves):
            if any(isinstance(v, complex) for v in leaves):
                return complex64
            if any(isinstance(v, float) for v in leaves):
                return float32
            if all(isinstance(v, bool) for v in leaves):
                return bool_
            return int32
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        # TF keeps float64 for numpy input; JAX without x64 cannot, so say float32
        # explicitly instead of letting JAX warn on every conversion.
        return None
    return None


def _python_leaves(value) -> list:
    out = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(v)
        else:
            out.append(v)
    return out
