"""``tf.nn.max_pool_with_argmax``: max pooling that also returns where each max came from.

The index is TF's flattened one, ``((b * H + y) * W + x) * C + c`` with
``include_batch_in_index=True``, else ``(y * W + x) * C + c``; of equal values the
first in the window (the smallest index) wins. The gradient flows to that position,
as TF's ``MaxPoolGradWithArgmax``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._conv_ops import _padding, _tuple
from ._op import op
from ._tensor import Tensor


def _first_max(a, b):
    (av, ai), (bv, bi) = a, b
    take_b = (bv > av) | ((bv == av) & (bi < ai))
    return jnp.where(take_b, bv, av), jnp.where(take_b, bi, ai)


@op(name="max_pool_with_argmax")
def _pool_argmax(x, window, strides, padding, index_dtype, with_batch):
    flat = jnp.arange(x.size, dtype=jnp.int64).reshape(x.shape)
    low = -jnp.inf if jnp.issubdtype(x.dtype, jnp.floating) else jnp.iinfo(x.dtype).min
    _, arg = jax.lax.reduce_window(
        (jax.lax.stop_gradient(x), flat),
        (jnp.asarray(low, x.dtype), jnp.asarray(np.iinfo(np.int64).max, jnp.int64)),
        _first_max,
        (1, *window, 1),
        (1, *strides, 1),
        padding,
    )
    out = x.reshape(-1)[arg]  # the gradient scatters to the argmax, as TF's
    if not with_batch:
        arg = arg % (x.size // x.shape[0])
    return out, arg.astype(index_dtype)


def max_pool_with_argmax(
    input,  # noqa: A002
    ksize,
    strides,
    padding,
    data_format: str = "NHWC",
    output_dtype=_dtypes.int64,
    include_batch_in_index: bool = False,
) -> tuple[Tensor, Tensor]:
    """2-D max pooling (NHWC) and the flattened index of each maximum.

    Example:
        >>> import jtape as jt
        >>> out, arg = max_pool_with_argmax(jt.reshape(jt.range(4.0), (1, 2, 2, 1)), 2, 2, "VALID")
        >>> float(out[0, 0, 0, 0]), int(arg[0, 0, 0, 0])
        (3.0, 3)
    """
    if str(data_format).upper() != "NHWC":
        raise ValueError(
            "max_pool_with_argmax: data_format must be 'NHWC' (TF supports only it), "
            f"got {data_format!r}"
        )
    dtype = _dtypes.as_dtype(output_dtype)
    if dtype not in (_dtypes.int32, _dtypes.int64):
        raise TypeError(
            f"max_pool_with_argmax: output_dtype must be int32 or int64, got {dtype.name}"
        )
    if jnp.ndim(input) != 4:
        raise ValueError(
            f"max_pool_with_argmax: input must be 4-D (NHWC), got rank {jnp.ndim(input)}"
        )
    window = _tuple(ksize, 2, "ksize")
    stride = _tuple(strides, 2, "strides")
    pad = _padding(padding, 2, True)
    if not isinstance(pad, str):
        raise ValueError("max_pool_with_argmax: padding must be 'SAME' or 'VALID', as in TF")
    return _pool_argmax(
        input, window, stride, pad, dtype.as_numpy_dtype, bool(include_batch_in_index)
    )
