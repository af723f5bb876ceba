"""``tf.nn.ctc_loss`` (dense labels), ``ctc_greedy_decoder`` and ``collapse_repeated``.

The loss is ``optax.ctc_loss`` with TF's conventions: time-major logits by default,
blank class 0 unless ``blank_index`` says otherwise, ``log(0)`` floored at TF's
``log(1e-307)``. The greedy decoder's output size depends on the values, so it runs
eagerly only and returns a :class:`SparseResult` in place of TF's ``SparseTensor``.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ._op import op
from ._op_errors import FailedPreconditionError, InvalidArgumentError
from ._tensor import Tensor, to_value

_LOG_0 = float(np.float32(np.log(1e-307)))  # TF's dense CTC floor for log(0)


@op(name="ctc_loss")
def _ctc_loss(labels, logits, label_length, logit_length, time_major, blank):
    dtype = logits.dtype
    logits = logits.astype(jnp.float32)
    if time_major:
        logits = jnp.swapaxes(logits, 0, 1)
    steps, width = logits.shape[1], labels.shape[1]
    logit_pad = (jnp.arange(steps) >= logit_length[:, None]).astype(jnp.float32)
    label_pad = (jnp.arange(width) >= label_length[:, None]).astype(jnp.float32)
    loss = optax.ctc_loss(
        logits, logit_pad, labels.astype(jnp.int32), label_pad, blank_id=blank, log_epsilon=_LOG_0
    )
    return loss.astype(dtype)


def ctc_loss(
    labels,
    logits,
    label_length,
    logit_length,
    logits_time_major: bool = True,
    unique=None,
    blank_index: int | None = None,
) -> Tensor:
    """Per-sequence CTC loss ``-log p(labels | logits)`` (TF 2's ``tf.nn.ctc_loss``).

    ``labels``: dense ``(batch, max_label_length)`` ints, the first ``label_length``
    of each row used; ``logits``: ``(time, batch, classes)`` (``(batch, time, classes)``
    with ``logits_time_major=False``), not softmaxed. ``unique`` only speeds TF up on
    TPU and is accepted and ignored. Sparse labels are not supported (jtape has no
    ``SparseTensor``).

    Example:
        >>> import jtape as jt
        >>> loss = ctc_loss(jt.constant([[1]]), jt.zeros((1, 1, 2)), jt.constant([1]),
        ...                 jt.constant([1]))
        >>> round(float(loss[0]), 4)
        0.6931
    """
    if hasattr(labels, "indices") and hasattr(labels, "dense_shape"):
        raise TypeError(
            "tf.nn.ctc_loss: sparse labels are not supported by jtape (it has no "
            "SparseTensor); pass dense (batch, max_length) labels with label_length"
        )
    if label_length is None:
        raise ValueError(
            "tf.nn.ctc_loss: label_length is required with dense labels (jtape has no "
            "SparseTensor labels)"
        )
    classes = int(jnp.shape(logits)[2])
    if jnp.dtype(to_value(logits).dtype) == jnp.float64:
        # TF 2.21's dense CTC fails on float64 logits (a float32 constant inside); so does jtape.
        raise InvalidArgumentError(
            "tf.nn.ctc_loss: float64 logits are not supported (TF 2.21 fails with "
            "'cannot compute Mul as input #1 was expected to be a double tensor'); cast to float32"
        )
    blank = 0 if blank_index is None else int(blank_index)
    if blank < 0:
        blank += classes
    if not 0 <= blank < classes:
        raise ValueError(
            f"tf.nn.ctc_loss: blank_index must be in [-{classes}, {classes}), got {blank_index}"
        )
    _check_labels(labels, label_length, blank, classes)
    return _ctc_loss(labels, logits, label_length, logit_length, bool(logits_time_major), blank)


def _check_labels(labels, label_length, blank: int, classes: int) -> None:
    """Eager check (skipped when traced) of the labels within ``label_length``: TF gives
    meaningless numbers for labels outside ``[0, classes)`` and, with a non-zero
    ``blank_index``, reads a label equal to the blank as another class (its shifted
    logits); jtape refuses both."""
    lab, n = to_value(labels), to_value(label_length)
    if isinstance(lab, jax.core.Tracer) or isinstance(n, jax.core.Tracer):
        return
    lab, n = np.asarray(lab), np.asarray(n)
    used = np.arange(lab.shape[1])[None, :] < n.reshape(-1, 1)
    if np.any(((lab < 0) | (lab >= classes)) & used):
        raise InvalidArgumentError(
            f"tf.nn.ctc_loss: labels must be in [0, {classes}) (the logits' classes), got "
            f"{sorted(set(lab[used & ((lab < 0) | (lab >= classes))].tolist()))}"
        )
    if blank != 0 and np.any((lab == blank) & used):
        raise InvalidArgumentError(
            f"tf.nn.ctc_loss: a label equals blank_index={blank}; TF reads it as another "
            "class (its shifted-logits convention), jtape refuses it"
        )


class SparseResult(NamedTuple):
    """What jtape returns where TF returns a ``SparseTensor`` (jtape has none):
    ``indices`` (int64, ``(n, rank)``), ``values`` and ``dense_shape`` (int64)."""

    indices: Tensor
    values: Tensor
    dense_shape: Tensor


def _concrete(x, what: str) -> np.ndarray:
    value = to_value(x)
    if isinstance(value, jax.core.Tracer):
        raise NotImplementedError(
            f"{what}: the output's size depends on the values, so jtape runs it eagerly "
            "only (not inside jt.function / tf.function)"
        )
    return np.asarray(value)


def ctc_greedy_decoder(
    inputs, sequence_length, merge_repeated: bool = True, blank_index: int | None = None
) -> tuple[list[SparseResult], Tensor]:
    """Best-path decoding of time-major ``(time, batch, classes)`` logits.

    Returns ``([decoded], neg_sum_logits)`` as TF, with ``decoded`` a
    :class:`SparseResult` (``.indices``, ``.values``, ``.dense_shape``) instead of a
    ``SparseTensor``; the blank is the last class unless ``blank_index`` is given.
    Eager only.

    Example:
        >>> import jtape as jt
        >>> (d,), _ = ctc_greedy_decoder(jt.constant([[[0.9, 0.1]], [[0.2, 0.8]]]), [2])
        >>> d.values.numpy().tolist()
        [0]
    """
    x = _concrete(inputs, "tf.nn.ctc_greedy_decoder")
    lengths = _concrete(sequence_length, "tf.nn.ctc_greedy_decoder")
    if x.dtype not in (np.float32, np.float64):
        pretty = {"float16": "half"}.get(x.dtype.name, x.dtype.name)
        raise InvalidArgumentError(
            f"Value for attr 'T' of {pretty} is not in the list of allowed values: float, double"
        )
    steps, batch, classes = x.shape
    if np.any(lengths > steps):
        raise FailedPreconditionError(
            f"sequence_length({int(np.argmax(lengths > steps))}) <= {steps}"
        )
    blank = classes - 1 if blank_index is None else int(blank_index)
    if blank < 0:
        blank += classes
    best, top = x.argmax(axis=2), x.max(axis=2)
    valid = np.arange(steps)[:, None] < lengths[None, :]
    neg_sum = 0 - np.where(valid, top, 0).sum(axis=0, dtype=x.dtype)[:, None]  # 0, not -0
    rows = []
    for b in range(batch):
        seq, prev = [], -1
        for t in range(int(lengths[b])):
            k = int(best[t, b])
            if k != blank and not (merge_repeated and k == prev):
                seq.append(k)
            prev = k
        rows.append(seq)
    indices = [(b, i) for b, seq in enumerate(rows) for i in range(len(seq))]
    decoded = SparseResult(
        Tensor(jnp.asarray(np.asarray(indices, np.int64).reshape(-1, 2))),
        Tensor(jnp.asarray(np.asarray([k for seq in rows for k in seq], np.int64))),
        Tensor(jnp.asarray(np.asarray([batch, max(map(len, rows), default=0)], np.int64))),
    )
    return [decoded], Tensor(jnp.asarray(neg_sum.astype(x.dtype)))


def collapse_repeated(labels, seq_length) -> tuple[Tensor, Tensor]:
    """Merge runs of a repeated label: ``(collapsed labels, new lengths)``, rows padded
    with 0 to the longest new length. Eager only (the width depends on the values).

    Example:
        >>> import jtape as jt
        >>> out, n = collapse_repeated(jt.constant([[1, 1, 2]]), jt.constant([3]))
        >>> out.numpy().tolist(), n.numpy().tolist()
        ([[1, 2]], [2])
    """
    lab = _concrete(labels, "tf.nn.collapse_repeated")
    lengths = _concrete(seq_length, "tf.nn.collapse_repeated")
    keep = np.concatenate([np.ones_like(lab[:, :1], bool), lab[:, 1:] != lab[:, :-1]], axis=1)
    keep &= np.arange(lab.shape[1])[None, :] < lengths[:, None]
    new_len = keep.sum(axis=1)
    out = np.zeros((lab.shape[0], int(new_len.max(initial=0))), lab.dtype)
    for b in range(lab.shape[0]):
        out[b, : new_len[b]] = lab[b][keep[b]]
    return Tensor(jnp.asarray(out)), Tensor(jnp.asarray(new_len.astype(lengths.dtype)))


@op(name="ctc_unique_labels")
def _unique_labels(labels):
    n = labels.shape[1]
    same = labels[:, :, None] == labels[:, None, :]  # [b, j, k]: label j equals label k
    earlier = jnp.tril(jnp.ones((n, n), bool), -1)  # k < j
    first = ~jnp.any(same & earlier, axis=2)
    slot = jnp.cumsum(first, axis=1) - 1  # each first occurrence's place among the uniques
    owner = jnp.argmax(same, axis=2)  # the first k with label k == label j
    idx = jnp.take_along_axis(slot, owner, axis=1)
    rows = jnp.arange(labels.shape[0])[:, None]
    y = jnp.zeros(labels.shape, jnp.int64)
    y = y.at[rows, jnp.where(first, slot, n)].set(labels.astype(jnp.int64), mode="drop")
    return [y, idx.astype(jnp.int32)]


def ctc_unique_labels(labels) -> list[Tensor]:
    """Per row, the distinct labels in order of first appearance (int64, padded with 0)
    and each entry's index among them (int32), as TF's ``tf.nn.ctc_unique_labels``.

    Example:
        >>> import jtape as jt
        >>> y, idx = ctc_unique_labels(jt.constant([[3, 4, 4, 3]]))
        >>> y.numpy().tolist(), idx.numpy().tolist()
        ([[3, 4, 0, 0]], [[0, 1, 1, 0]])
    """
    return list(_unique_labels(labels))
