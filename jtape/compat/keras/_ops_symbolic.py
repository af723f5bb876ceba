"""``keras.ops`` on symbolic inputs: building a functional model from ops.

Keras 3 lets ``keras.ops`` functions take the ``KerasTensor``s of ``keras.Input`` (e.g.
``x = ops.expand_dims(inputs, -1)``): the op becomes a node of the functional graph.
Here such a call wraps the op in a one-op layer, so jtape's functional machinery
(shape inference, masks, ``Model``) handles it like any layer call. A model with such
nodes runs, trains and saves weights; its config cannot be serialized.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from ...nn._layer import Layer, unique_name
from ...nn._model import KerasTensor


class _OpLayer(Layer):
    """One ``keras.ops`` call as a layer (no weights)."""

    def __init__(self, fn: Callable) -> None:
        name = getattr(fn, "__name__", "op")
        super().__init__(name=unique_name(name))
        self._fn = fn

    def call(self, *args, **kwargs):
        return self._fn(*args, **kwargs)


def _symbolic(x) -> bool:
    if type(x) is KerasTensor:
        return True
    return isinstance(x, (list, tuple)) and any(type(e) is KerasTensor for e in x)


def symbolic(fn: Callable) -> Callable:
    """``fn``, which records a functional-graph node when given a KerasTensor."""

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if any(_symbolic(a) for a in args) or any(_symbolic(v) for v in kwargs.values()):
            return _OpLayer(fn)(*args, **kwargs)
        return fn(*args, **kwargs)

    return op
