"""More of ``keras.ops``' core and nn functions: ``switch``, ``saturate_cast`` and
``ctc_loss``, as Keras 3.15 computes them on its TensorFlow backend."""

from __future__ import annotations

from collections.abc import Callable

import ml_dtypes
import numpy as np

from ..._tensor import Tensor
from ._ops_core import cond
from ._ops_dtypes import result_type, standardize_dtype, tensor
from ._ops_math import clip


def switch(index, branches: list[Callable], *operands):
    """``branches[index](*operands)``; ``index`` is clipped to the valid range, as
    TF's ``switch_case`` (nested ``cond``s, so it also works on traced indices).

    Example:
        >>> import jtape.compat.keras as keras
        >>> float(keras.ops.switch(1, [lambda x: x + 1, lambda x: x * 10], 2.0))
        20.0
    """
    if not branches:
        raise ValueError("switch: `branches` must hold at least one function")
    index = clip(tensor(index, "int32"), 0, len(branches) - 1)

    def pick(i: int):
        if i == len(branches) - 1:
            return branches[i](*operands)
        return cond(index <= i, lambda: branches[i](*operands), lambda: pick(i + 1))

    return pick(0)


def _limits(dtype: str):
    if dtype == "bool":
        return 0, 1
    info = ml_dtypes.iinfo(dtype) if "int" in dtype else ml_dtypes.finfo(dtype)
    return info.min, info.max


def saturate_cast(x, dtype) -> Tensor:
    """``x`` cast to ``dtype`` after clipping to the range both dtypes represent (so
    out-of-range values and infinities saturate instead of wrapping)."""
    x = tensor(x)
    dtype = standardize_dtype(dtype)
    in_dtype = standardize_dtype(x.dtype)
    in_min, in_max = _limits(in_dtype)
    out_min, out_max = _limits(dtype)
    np_in = np.dtype(ml_dtypes.bfloat16) if in_dtype == "bfloat16" else np.dtype(in_dtype)
    lo = np.asarray(max(in_min, out_min)).astype(np_in)
    if lo < out_min:
        lo = np.nextafter(lo, 0, dtype=np_in)
    hi = np.asarray(min(in_max, out_max)).astype(np_in)
    if hi > out_max:
        hi = np.nextafter(hi, 0, dtype=np_in)
    return tensor(clip(x, lo, hi), dtype)


def ctc_loss(target, output, target_length, output_length, mask_index: int = 0) -> Tensor:
    """Per-example CTC loss of ``output`` logits ``(batch, time, classes)`` against
    integer ``target`` labels (``mask_index`` is the blank class); float64 inputs are
    computed in float32 and returned as float64, as in Keras."""
    from ... import compat as _tf

    target = tensor(tensor(target), "int32")
    output = tensor(output)
    out_dtype = result_type(output.dtype, "float32")
    compute = np.dtype("float32") if out_dtype == np.float64 else out_dtype
    loss = _tf.nn.ctc_loss(
        labels=target,
        logits=tensor(output, compute),
        label_length=target_length,
        logit_length=output_length,
        blank_index=mask_index,
        logits_time_major=False,
    )
    return tensor(loss, out_dtype)
