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
from ._op_errors import InvalidArgumentError, UnimplementedError
from ._tensor import Tensor


def _first_max(a, b):
    (av, ai), (bv, bi) = a, b
    take_b = (bv > av) | ((bv == av) & (bi < ai))
    return jnp.where(take_b, bv, av), jnp.where(take_b, bi, ai)


@op(name="max_pool_with_argmax")
def _pool_argmax(x, window, strides, padding, index_dtype, with_batch):
    flat = jnp.arange(x.size, dtype=jnp.int64).reshape(x.shape)
    floating = jnp.issubdtype(x.dtype, jnp.floating)
    low = -jnp.inf if floating else jnp.iinfo(x.dtype).min
    big = jnp.asarray(np.iinfo(np.int64).max, jnp.int64)
    dims, strd = (1, *window, 1), (1, *strides, 1)
    v = jax.lax.stop_gradient(x)
    # TF scans each window keeping the first entry and replacing it by any larger one:
    # NaNs are skipped, except a NaN first entry, which stays.
    _, arg = jax.lax.reduce_window(
        (jnp.where(v != v, low, v) if floating else v, flat),
        (jnp.asarray(low, x.dtype), big),
        _first_max,
        dims,
        strd,
        padding,
    )
    if floating:
        first = jax.lax.reduce_window(flat, big, jax.lax.min, dims, strd, padding)
        arg = jnp.where(jnp.isnan(v.reshape(-1)[first]), first, arg)
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
        pretty = {"float32": "float", "float64": "double"}.get(dtype.name, dtype.name)
        raise InvalidArgumentError(
            f"Value for attr 'Targmax' of {pretty} is not in the list of allowed values: "
            "int32, int64"
        )
    if not isinstance(padding, str):
        raise TypeError(f"Expected string for argument 'padding' not {padding!r}.")
    if jnp.ndim(input) != 4:
        raise InvalidArgumentError("tensor_in must be 4-dimensional [Op:MaxPoolWithArgmax]")
    kind = jnp.dtype(getattr(input, "dtype", None) or jnp.result_type(input)).kind
    if kind not in "fiu":
        name = jnp.dtype(getattr(input, "dtype", None) or jnp.result_type(input)).name
        raise InvalidArgumentError(
            f"Value for attr 'T' of {name} is not in the list of allowed values: float, "
            "double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, uint64"
        )
    for arg in (ksize, strides):
        if not isinstance(arg, int) and len(arg) == 4 and (int(arg[0]), int(arg[3])) != (1, 1):
            raise UnimplementedError(
                "Pooling is not yet supported on the batch or depth dimension (ksize and "
                f"strides must be 1 there), got {list(arg)} [Op:MaxPoolWithArgmax]"
            )
    window = _tuple(ksize, 2, "ksize")
    stride = _tuple(strides, 2, "strides")
    pad = _padding(padding, 2, True)
    return _pool_argmax(
        input, window, stride, pad, dtype.as_numpy_dtype, bool(include_batch_in_index)
    )
