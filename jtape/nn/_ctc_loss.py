"""Keras 3's CTC loss (``keras.losses.CTC`` / ``keras.losses.ctc``) on ``optax.ctc_loss``.

Keras' convention: ``y_true`` is ``(batch, max_label_length)`` integer labels, ``0`` is
the blank (and padding) class, and each row's label length is its number of non-zero
entries, of which the first that many entries are used. ``y_pred`` is
``(batch, time, classes)`` unnormalised logits, every time step counted.
Importing this module registers the names with ``keras.losses.get``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._tensor import Tensor
from . import _losses
from ._fused import fused_op
from ._losses import LossFunctionWrapper, _t

# TF's dense CTC takes log(0) as float32(log(1e-307)); optax's floor is set to the same.
_LOG_0 = float(np.float32(np.log(1e-307)))


def _ctc(y_true, y_pred):
    labels = y_true.astype(jnp.int32)
    dtype = jnp.result_type(y_pred.dtype, jnp.float32)
    logits = y_pred.astype(jnp.float32)
    label_length = jnp.sum(labels != 0, axis=-1)
    label_paddings = (jnp.arange(labels.shape[1]) >= label_length[:, None]).astype(jnp.float32)
    logit_paddings = jnp.zeros(logits.shape[:2], jnp.float32)
    loss = optax.ctc_loss(
        logits, logit_paddings, labels, label_paddings, blank_id=0, log_epsilon=_LOG_0
    )
    return loss.astype(dtype)


_ctc_op = fused_op(_ctc, name="ctc")


def ctc(y_true, y_pred) -> Tensor:
    """Per-sequence CTC loss: ``-log p(labels | logits)`` over all alignments.

    ``y_true``: ``(batch, max_length)`` integer labels, ``0`` the blank/padding class;
    ``y_pred``: ``(batch, time, classes)`` logits (not softmaxed).

    Where no alignment exists (labels, with a blank between repeats, longer than the
    time axis) TF returns a large finite value from its ``log(1e-307)`` floor; jtape
    returns a value of the same size (about 707 and more) but not the same digits.

    Example:
        >>> import jtape.nn.losses as losses
        >>> round(float(losses.ctc([[1]], [[[0.0, 0.0]]])[0]), 4)
        0.6931
    """
    y_true, y_pred = _t(y_true), _t(y_pred)
    if len(y_true.shape) != 2:
        raise ValueError(
            "Targets `y_true` are expected to be a tensor of shape "
            "`(batch_size, max_length)` in integer format. "
            f"Received: y_true.shape={tuple(y_true.shape)}"
        )
    if len(y_pred.shape) != 3:
        raise ValueError(
            "Logits `y_pred` are expected to be a tensor of shape "
            "`(batch_size, max_length, num_classes)`. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    _check_ctc_labels(y_true, y_pred)
    return _ctc_op(y_true, y_pred)


def _check_ctc_labels(y_true, y_pred) -> None:
    """Eager check (skipped when traced): labels in ``[0, classes)``, padding at the end.

    A non-zero label after a 0 makes TF take the 0 as a label (its first ``length``
    entries are used) and give a gradient that is not the loss's derivative; jtape
    refuses such labels instead of differing silently.
    """
    if hasattr(y_true, "_jt_read"):
        return
    values = y_true._value if isinstance(y_true, Tensor) else y_true
    if isinstance(values, jax.core.Tracer):
        return
    labels = np.trunc(np.asarray(values, np.float64))
    classes = y_pred.shape[-1]
    bad = (labels < 0) | (labels >= classes)
    if bad.any():
        raise ValueError(
            f"ctc: `y_true` must hold labels in [0, {classes}) (0 is the blank/padding "
            f"class). Received a label {labels[bad].flat[0]:g}"
        )
    after_pad = np.maximum.accumulate(labels == 0, axis=-1) & (labels != 0)
    if after_pad.any():
        row = int(np.argwhere(after_pad)[0][0])
        raise ValueError(
            "ctc: `y_true` rows must hold their labels first and 0 (blank/padding) only "
            f"after them; row {row} is {labels[row].astype(np.int64).tolist()}. Keras uses "
            "the first (number of non-zero labels) entries, so that 0 would be taken as a "
            "label (and TF's gradient then is not the loss's derivative)."
        )


class CTC(LossFunctionWrapper):
    """CTC loss (see :func:`ctc`), then the reduction.

    Example:
        >>> import jtape.nn.losses as losses
        >>> round(float(losses.CTC()([[1], [1]], [[[0.0, 0.0]], [[0.0, 0.0]]])), 4)
        0.6931
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)


_losses._BY_NAME.update({"CTC": CTC, "ctc": ctc})
