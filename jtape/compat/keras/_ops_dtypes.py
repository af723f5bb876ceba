"""Keras 3's dtype promotion for ``keras.ops`` (not TensorFlow's).

Keras promotes like JAX's type lattice with 32-bit defaults: ``int32 + float32`` is
float32, ``uint8 + int8`` is int16, Python numbers are weak (``int8 + 2`` stays int8,
``int32 + 2.5`` is float32) and alone they are int32/float32. TensorFlow's own ops
refuse mixed dtypes instead; ``keras.ops`` code relies on the promotion, so these
helpers cast every operand to the promoted dtype (a recorded, differentiable cast)
before the op runs.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np

from ... import _dtypes
from ..._math_ops import cast as _cast
from ..._tensor import Tensor, to_value
from ..._variable import Variable

_INT = np.dtype("int32")
_FLOATX = [np.dtype("float32")]


def floatx() -> np.dtype:
    """Keras' default float dtype (``keras.backend.floatx()``; float32 unless set)."""
    return _FLOATX[0]


def set_floatx(dtype) -> None:
    _FLOATX[0] = np.dtype(_dtypes.as_dtype(dtype))


def standardize_dtype(dtype) -> str:
    """The dtype's name (``"float32"``), as ``keras.backend.standardize_dtype``."""
    if dtype is None:
        return floatx().name
    if dtype is int:
        return "int32" if not _dtypes.X64 else "int64"
    if dtype is float:
        return floatx().name
    return _dtypes.as_dtype(dtype).name


def _np(dtype) -> np.dtype:
    return np.dtype(_dtypes.as_dtype(dtype))


def _is_tensor(x) -> bool:
    return isinstance(x, (Tensor, Variable))


def _strong_dtype(x) -> np.dtype | None:
    """The dtype of a tensor-like ``x``, or None for a Python number (weakly typed)."""
    if isinstance(x, (bool, int, float, complex)):
        return None
    if _is_tensor(x) or hasattr(x, "dtype"):
        return np.dtype(x.dtype)
    return np.dtype(to_value(x).dtype)  # a Python list: TF's defaults (int32, float32)


@functools.lru_cache(maxsize=1024)
def _promote(strong: tuple, weak: frozenset, fx: np.dtype) -> np.dtype:
    if not strong:
        if float in weak:
            return fx
        return _INT if int in weak else np.dtype(bool)
    out = functools.reduce(jnp.promote_types, strong)
    kind = np.dtype(out).kind
    if float in weak and kind in "biu":
        return fx
    if int in weak and kind == "b":
        return _INT
    return np.dtype(out)


def result_type(*values) -> np.dtype:
    """The dtype Keras gives an op on ``values`` (tensors, arrays, Python numbers, dtypes)."""
    strong, weak = [], set()
    for v in values:
        if v is None:
            continue
        if v is bool or v is int or v is float:
            weak.add(v)
            continue
        if isinstance(v, (str, np.dtype, _dtypes.DType)) or (
            isinstance(v, type) and issubclass(v, np.generic)
        ):
            strong.append(_np(v))
            continue
        d = _strong_dtype(v)
        if d is None:
            weak.add(bool if isinstance(v, bool) else int if isinstance(v, int) else float)
        else:
            strong.append(d)
    return _promote(tuple(strong), frozenset(weak), floatx())


def float_type(*values) -> np.dtype:
    """``result_type`` made floating: integers and bools become floatx (float32)."""
    dt = result_type(*values)
    return dt if dt.kind in "fcV" or dt == _dtypes.bfloat16 else floatx()


def tensor(x, dtype=None) -> Tensor:
    """``x`` as a Tensor of ``dtype`` (Variables are read; a cast is recorded)."""
    if isinstance(x, Variable):
        x = x._jt_read()
    if not isinstance(x, Tensor):
        if dtype is not None and isinstance(x, (bool, int, float, list, tuple)):
            return Tensor(jnp.asarray(np.asarray(x, dtype=_np(dtype))))
        x = Tensor(to_value(x))
    if dtype is not None and np.dtype(x.dtype) != _np(dtype):
        x = _cast(x, _np(dtype))
    return x


def promoted(*values, dtype=None) -> list[Tensor]:
    """Every value as a Tensor of ``dtype`` (default: their Keras result type)."""
    dt = result_type(*values) if dtype is None else dtype
    return [tensor(v, dt) for v in values]


def is_float(dtype) -> bool:
    d = np.dtype(dtype)
    return d.kind in "fc" or d == _dtypes.bfloat16
