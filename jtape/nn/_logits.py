"""Keras' logits rule: a crossentropy on a softmax or sigmoid output uses its logits.

Keras 3 on TensorFlow remembers the input of its ``softmax``/``sigmoid`` activations
(``keras.activations``, ``Dense(activation=...)``, ``layers.Softmax``/``Activation``) as
``output._keras_logits``. Its ``categorical_crossentropy``,
``sparse_categorical_crossentropy`` and ``binary_crossentropy`` then compute the loss
from those logits, whatever ``from_logits`` says, and warn if ``from_logits=True``.
Inside ``tf.function`` the same holds for any tensor made by a ``Softmax``/``Sigmoid``
op (``tf.nn.softmax(z)`` on the last axis, ``tf.nn.sigmoid(z)``), but only when the
loss expects that op: ``Softmax`` for the categorical losses, ``Sigmoid`` for the
binary one. A ``_keras_logits`` attribute is used by all three.

jtape keeps the logits in a side table keyed by the output's identity (as the masks of
``_masking.py``); a weak reference drops the entry when the output dies.
``Tensor._keras_logits`` reads and writes the table.
"""

from __future__ import annotations

import warnings
import weakref
from typing import Any, NamedTuple

from .._state import tracing
from .._tensor import Tensor


class _Entry(NamedTuple):
    ref: weakref.ref
    logits: Any
    op_type: str | None  # "Softmax" / "Sigmoid": the op that made the output, if known
    attached: bool  # Keras' ``_keras_logits`` attribute (an activation set it)


# id(output) -> its entry
_LOGITS: dict[int, _Entry] = {}


def _set(output, logits, op_type: str | None, attached: bool) -> None:
    key = id(output)

    def drop(_ref, key=key):
        entry = _LOGITS.get(key)
        if entry is not None and entry.ref is _ref:
            del _LOGITS[key]

    _LOGITS[key] = _Entry(weakref.ref(output, drop), logits, op_type, attached)


def _entry(x) -> _Entry | None:
    if not _LOGITS:
        return None
    entry = _LOGITS.get(id(x))
    return entry if entry is not None and entry.ref() is x else None


def attach_logits(output: Tensor, logits, op_type: str) -> Tensor:
    """Record ``logits`` as Keras' ``_keras_logits`` of an activation's ``output``.

    Example:
        >>> import jtape as jt
        >>> z = jt.constant([0.0, 1.0])
        >>> p = attach_logits(jt.nn.activations.softmax(z), z, "Softmax")
        >>> get_keras_logits(p) is z
        True
    """
    _set(output, logits, op_type, attached=True)
    return output


def record_op_logits(output: Tensor, logits, op_type: str) -> Tensor:
    """Inside a ``jt.function`` trace, remember that ``output`` is an ``op_type`` op of
    ``logits`` (TF's graph-mode rule); eagerly, do nothing (TF's eager tensors have no op).
    """
    if tracing() and _entry(output) is None:
        _set(output, logits, op_type, attached=False)
    return output


def get_keras_logits(x):
    """The ``_keras_logits`` attached to ``x`` by a softmax/sigmoid activation, or None."""
    entry = _entry(x)
    return entry.logits if entry is not None and entry.attached else None


def resolve_logits(output, from_logits: bool, op_type: str, fn_name: str):
    """``(output, from_logits)`` for a crossentropy: the logits of a softmax/sigmoid
    output (and True) where Keras would use them, else the arguments unchanged.

    Warns, with Keras' text, when ``from_logits=True`` was passed for such an output.
    """
    entry = _entry(output)
    if entry is None or not (entry.attached or entry.op_type == op_type):
        return output, from_logits
    if from_logits:
        warnings.warn(
            f'"`{fn_name}` received `from_logits=True`, but the `output` argument was '
            f"produced by a {op_type} activation and thus does not represent logits. "
            "Was this intended?",
            stacklevel=3,
        )
    return entry.logits, True


def _get_attr(self):
    logits = get_keras_logits(self)
    if logits is None:
        raise AttributeError("_keras_logits")
    return logits


def _set_attr(self, logits) -> None:
    _set(self, logits, None, attached=True)


def _del_attr(self) -> None:
    if _entry(self) is None:
        raise AttributeError("_keras_logits")
    del _LOGITS[id(self)]


# Keras code reads ``hasattr(output, "_keras_logits")``; the property reads the table.
Tensor._keras_logits = property(_get_attr, _set_attr, _del_attr)
