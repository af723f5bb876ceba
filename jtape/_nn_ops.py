"""Activations, softmax and the classic losses on logits, as jtape ops (``tf.nn``)."""

from __future__ import annotations

import weakref

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes, _tf_gradients
from ._math_ops import _axis, cast
from ._op import op
from ._op_errors import InvalidArgumentError
from ._tensor import Tensor, _ArrayImpl, to_value

# TF's kernels for these take floating-point inputs only (an integer input raises).
_REAL = ("floating", "half, bfloat16, float, double")


def _relu6(x):
    if jnp.issubdtype(x.dtype, jnp.integer):  # TF keeps integer dtypes
        return jnp.clip(x, 0, 6).astype(x.dtype)
    return jax.nn.relu6(x)


relu = op(jax.nn.relu, name="relu")
relu6 = op(_relu6, name="relu6")
elu = op(jax.nn.elu, name="elu", allowed=_REAL)
selu = op(_tf_gradients.selu, name="selu", allowed=_REAL)
softplus = op(jax.nn.softplus, name="softplus", allowed=_REAL)
softsign = op(jax.nn.soft_sign, name="softsign", allowed=_REAL)
silu = op(jax.nn.silu, name="silu")
swish = silu
log_sigmoid = op(jax.nn.log_sigmoid, name="log_sigmoid")
_leaky_relu = op(_tf_gradients.leaky_relu, name="leaky_relu")
_gelu = op(jax.nn.gelu, name="gelu")
_softmax = op(jax.nn.softmax, name="softmax", allowed=_REAL)
_log_softmax = op(jax.nn.log_softmax, name="log_softmax", allowed=_REAL)


def _dtype_of(x) -> _dtypes.DType:
    return _dtypes.as_dtype(getattr(x, "dtype", None) or jnp.result_type(to_value(x)))


def leaky_relu(features, alpha: float = 0.2) -> Tensor:
    """``x > 0 ? x : alpha * x`` (TF's default slope 0.2; derivative ``alpha`` at 0, as TF).

    Integer features are cast to float32 first, as TF does.
    """
    if _dtype_of(features).is_integer:
        features = cast(features, _dtypes.float32)
    return _leaky_relu(features, negative_slope=float(alpha))


@op
def _crelu(x, axis):
    return jnp.concatenate([jax.nn.relu(x), jax.nn.relu(-x)], axis=axis)


def crelu(features, axis: int = -1) -> Tensor:
    """Concatenated ReLU: ``concat([relu(x), relu(-x)], axis)`` (twice the channels).

    Example:
        >>> import jtape as jt
        >>> jt.crelu([-1.0, 2.0]).numpy().tolist()
        [0.0, 2.0, 1.0, 0.0]
    """
    return _crelu(features, _axis(axis))


def gelu(features, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit; exact (erf) by default, as TF."""
    dtype = _dtype_of(features)
    if not dtype.is_floating:
        raise ValueError(
            f"`features.dtype` must be a floating point tensor.Received:features.dtype={dtype}"
        )
    return _gelu(features, approximate=bool(approximate))


def softmax(logits, axis: int = -1) -> Tensor:
    return _softmax(logits, axis=_axis(axis))


def log_softmax(logits, axis: int = -1) -> Tensor:
    return _log_softmax(logits, axis=_axis(axis))


@op
def _softmax_xent(labels, logits, axis):
    return -jnp.sum(labels * jax.nn.log_softmax(logits, axis=axis), axis=axis)


def softmax_cross_entropy_with_logits(labels, logits, axis: int = -1) -> Tensor:
    """Per-example cross entropy between a label distribution and ``softmax(logits)``."""
    dtype = _dtype_of(logits)
    if not dtype.is_floating:
        raise InvalidArgumentError(
            f"Value for attr 'T' of {dtype.name} is not in the list of allowed values: "
            f"{_REAL[1]} [Op:SoftmaxCrossEntropyWithLogits]"
        )
    return _softmax_xent(labels, logits, _axis(axis))


def take_labels(values, labels, axis: int) -> jax.Array:
    """``values`` at the class ``labels`` along ``axis`` (removed); NaN for a label out of
    ``[0, num_classes)``.

    Float labels are cast toward zero, as TF casts them. The eager label check refuses a
    bad label first, as TF on CPU does; in a compiled step it cannot run, and a bad label
    (negative, too large, NaN or infinite) gives NaN, as TF on GPU does, instead of a
    wrapped index (-1: the last class) or XLA's cast of NaN to class 0.
    """
    n = values.shape[axis]
    if jnp.issubdtype(labels.dtype, jnp.floating):
        labels = jnp.where(jnp.isfinite(labels), labels, -1)
        index = labels.astype(jnp.int32)  # toward zero; saturates past int32's range
        ok = (index >= 0) & (index < n)
    else:  # compared in their own dtype: an int64 label is not wrapped into int32 first
        ok = (labels >= 0) & (labels < n)
        index = labels.astype(jnp.int32)
    picked = jnp.take_along_axis(values, jnp.expand_dims(jnp.where(ok, index, 0), axis), axis=axis)
    return jnp.where(ok, jnp.squeeze(picked, axis), jnp.array(jnp.nan, values.dtype))


@op
def _sparse_xent(labels, logits):
    return -take_labels(jax.nn.log_softmax(logits, axis=-1), labels, -1)


def sparse_softmax_cross_entropy_with_logits(labels, logits) -> Tensor:
    """Per-example cross entropy with integer class ``labels``.

    Labels outside ``[0, num_classes)`` raise ``InvalidArgumentError`` eagerly, as TF on
    CPU does; inside a compiled function they cannot be checked.
    """
    _check_label_shape(labels, logits)
    check_labels(labels, logits, -1)
    return _sparse_xent(labels, logits)


def _check_label_shape(labels, logits) -> None:
    """TF's static check: ``labels.shape == logits.shape[:-1]``."""
    ls, gs = jnp.shape(to_value(labels)), jnp.shape(to_value(logits))
    if len(ls) != len(gs) - 1:
        raise ValueError(
            "`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
            f"labels.shape={ls} of rank {len(ls)} and logits.shape={gs} of rank {len(gs)}"
        )
    if ls != gs[:-1]:
        raise ValueError(
            "`labels.shape` must equal `logits.shape` except for the last dimension. "
            f"Received: labels.shape={ls} and logits.shape={gs}"
        )


def check_labels(labels, logits, axis: int, ignore: int | None = None) -> None:
    """TF's eager label check: every label in ``[0, num_classes)`` (skipped when traced).

    Labels found in range once are remembered by array (jax arrays are immutable), so
    an eager loop over the same labels, or labels vouched for by
    :func:`vouch_cast_labels`, pays neither the host copy nor the device sync again.
    """
    if hasattr(labels, "_jt_read") or hasattr(logits, "_jt_read"):
        return
    values = labels._value if isinstance(labels, Tensor) else labels
    pred = logits._value if isinstance(logits, Tensor) else logits
    if isinstance(values, jax.core.Tracer) or not getattr(pred, "shape", None):
        return
    n = pred.shape[axis]
    if _known_in_range(values, (n, ignore)):
        return
    arr = np.asarray(values)
    if arr.dtype.kind not in "iuf" or arr.size == 0:
        return
    if arr.dtype.kind == "f":
        # TF casts float labels to integers (toward zero) before its check, and NaN or
        # infinity becomes INT64_MIN there: out of range. Compared in float64 (numpy would
        # round the bounds to a float16 label's dtype).
        arr = arr.astype(np.float64)
        finite = np.isfinite(arr)
        bad = _out_of_range(np.where(finite, np.trunc(arr), -1.0), n, ignore) | ~finite
    else:
        bad = _out_of_range(arr, n, ignore)
    if bad.any():
        raise InvalidArgumentError(
            f"Received a label value of {arr[bad].flat[0]:g} which is outside the valid "
            f"range of [0, {n}).  Label values: {' '.join(f'{v:g}' for v in arr.ravel()[:20])}"
        )
    _remember_in_range(values, (n, ignore))


def labels_survive_cast(labels, logits, axis: int, ignore: int | None, dtype) -> bool:
    """Whether integer ``labels`` are in range for ``logits`` and every valid label is
    exact in the float ``dtype`` (so a cast to it and back to integers gives them back).

    Keras' losses convert ``y_true`` to the loss dtype before the sparse cross-entropy
    casts it back; labels for which this holds can skip that round trip. Checked labels
    are remembered (see :func:`check_labels`); bad ones are left to that check, which
    raises TF's error.
    """
    src = labels._value if type(labels) is Tensor else None
    if type(src) is not _ArrayImpl or src.dtype.kind not in "iu" or src.size == 0:
        return False
    exact = _EXACT_INTEGERS.get(dtype)
    if exact is None:
        if not jnp.issubdtype(dtype, jnp.floating):
            return False
        exact = _EXACT_INTEGERS[dtype] = 2 ** (jnp.finfo(dtype).nmant + 1)
    shape = getattr(logits, "shape", None)
    if not shape:
        return False
    n = shape[axis]
    if not isinstance(n, int) or n > exact or (ignore is not None and abs(ignore) > exact):
        return False
    key = (n, ignore)
    if not _known_in_range(src, key):
        if _out_of_range(np.asarray(src), n, ignore).any():
            return False
        _remember_in_range(src, key)
    return True


def vouch_cast_labels(labels, cast_labels, logits, axis: int, ignore: int | None = None) -> None:
    """Remember ``cast_labels`` (a float cast of integer ``labels``) as checked when
    :func:`labels_survive_cast` holds, so :func:`check_labels` on them needs no host copy
    of a value still being computed (a device sync per eager step)."""
    dst = cast_labels._value if type(cast_labels) is Tensor else None
    if type(dst) is not _ArrayImpl:
        return
    if labels_survive_cast(labels, logits, axis, ignore, dst.dtype):
        _remember_in_range(dst, (logits.shape[axis], ignore))


def _out_of_range(arr: np.ndarray, n: int, ignore: int | None) -> np.ndarray:
    bad = (arr < 0) | (arr >= n)
    if ignore is not None:
        bad &= arr != ignore
    return bad


_EXACT_INTEGERS: dict = {}  # float dtype -> every integer up to this is exact in it
# Label arrays found in range: id -> (weak reference to the array, (n, ignore)). Only
# jax arrays (immutable); an entry leaves when its array is freed.
_IN_RANGE: dict[int, tuple] = {}


def _known_in_range(values, key: tuple) -> bool:
    found = _IN_RANGE.get(id(values))
    return found is not None and found[0]() is values and found[1] == key


def _remember_in_range(values, key: tuple) -> None:
    if type(values) is not _ArrayImpl:
        return
    i = id(values)

    def forget(ref, i=i) -> None:
        found = _IN_RANGE.get(i)
        if found is not None and found[0] is ref:
            _IN_RANGE.pop(i, None)

    if len(_IN_RANGE) >= 1024:
        _IN_RANGE.clear()
    _IN_RANGE[i] = (weakref.ref(values, forget), key)


@op
def _sigmoid_xent(labels, logits):
    return jnp.maximum(logits, 0) - logits * labels + jnp.log1p(jnp.exp(-jnp.abs(logits)))


def sigmoid_cross_entropy_with_logits(labels=None, logits=None) -> Tensor:
    """Elementwise logistic loss, TF's stable form ``max(x,0) - x*z + log(1+exp(-|x|))``."""
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits: labels and logits are required")
    ls, gs = jnp.shape(to_value(labels)), jnp.shape(to_value(logits))
    if ls != gs:
        raise ValueError(
            f"`logits` and `labels` must have the same shape, received ({gs} vs {ls})."
        )
    return _sigmoid_xent(labels, logits)


l2_loss = op(lambda t: jnp.sum(jnp.square(t)) / 2, name="l2_loss")


@op(name="log_poisson_loss")
def _log_poisson_loss(targets, log_input, compute_full_loss):
    loss = jnp.exp(log_input) - log_input * targets
    if compute_full_loss:  # Stirling's approximation of log(targets!), for targets > 1
        stirling = targets * jnp.log(targets) - targets + 0.5 * jnp.log(2 * np.pi * targets)
        small = (targets >= 0) & (targets <= 1)
        loss = loss + jnp.where(small, jnp.zeros_like(stirling), stirling)
    return loss


def log_poisson_loss(targets, log_input, compute_full_loss: bool = False, name=None) -> Tensor:
    """Poisson negative log-likelihood from log rates: ``exp(log_input) - log_input *
    targets`` (plus Stirling's term for ``targets > 1`` with ``compute_full_loss``).

    Example:
        >>> import jtape as jt
        >>> round(float(jt.log_poisson_loss(1.0, 0.0)), 4)
        1.0
    """
    del name
    return _log_poisson_loss(targets, log_input, bool(compute_full_loss))


@op
def _moments(x, axes, keepdims):
    if jnp.issubdtype(x.dtype, jnp.integer):  # TF: integer means, truncated toward zero
        count = jnp.asarray(np.prod([x.shape[a] for a in axes]), x.dtype)
        mean = jax.lax.div(jnp.sum(x, axis=axes, keepdims=True, dtype=x.dtype), count)
        var = jnp.sum(jnp.square(x - mean), axis=axes, keepdims=True, dtype=x.dtype)
        var = jax.lax.div(var, count)
    else:
        mean = jnp.mean(x, axis=axes, keepdims=True)
        var = jnp.mean(jnp.square(x - jax.lax.stop_gradient(mean)), axis=axes, keepdims=True)
    if not keepdims:
        mean, var = jnp.squeeze(mean, axes), jnp.squeeze(var, axes)
    return mean, var


def moments(x, axes, shift=None, keepdims: bool = False) -> tuple[Tensor, Tensor]:
    """Mean and variance over ``axes`` (TF's gradient: variance treats the mean as constant)."""
    ax = _axis(axes)
    dtype = _dtypes.as_dtype(getattr(x, "dtype", None) or to_value(x).dtype)
    if dtype.is_integer and dtype not in (_dtypes.int32, _dtypes.int64):
        raise InvalidArgumentError(
            f"Value for attr 'T' of {dtype.name} is not in the list of allowed values: "
            "bfloat16, half, float, double, int32, int64, complex64, complex128"
        )
    return _moments(x, ax if isinstance(ax, tuple) else (ax,), keepdims)
