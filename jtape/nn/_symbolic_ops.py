"""Arithmetic and indexing on KerasTensors: ``inputs / 255.0``, ``x + skip``, ``x[:, 0]``.

Keras 3 lets a functional model apply operators to its symbolic tensors; each becomes a
node of the graph. Here each operator call is one :class:`SymbolicOp` layer (no weights)
called on the KerasTensor(s), so the model runs it like any other layer. The values
follow jtape's Tensor operators (TF's dtype rules).

Example:
    >>> import numpy as np
    >>> from jtape import nn
    >>> x = nn.Input((3,))
    >>> model = nn.Model(x, x[:, 1:] * 2.0 + 1.0)
    >>> model(np.ones((1, 3), np.float32)).numpy().tolist()
    [[3.0, 3.0]]
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from ._layer import Layer, _is_symbolic, unique_name


class SymbolicOp(Layer):
    """One operator applied to KerasTensors in a functional graph (a weightless layer)."""

    def __init__(self, fn: Callable, op_name: str, static: tuple = (), **kwargs) -> None:
        kwargs.setdefault("autocast", False)  # the operator's own dtype rules apply
        super().__init__(name=kwargs.pop("name", None) or unique_name(op_name), **kwargs)
        self.fn = fn
        self.op_name = op_name
        self.static = static

    def call(self, *tensors):
        return self.fn(*tensors, *self.static)

    def get_config(self):
        raise NotImplementedError(
            f"jtape cannot save a functional model holding the operator {self.op_name!r} "
            "applied to symbolic tensors to a model file yet; put the arithmetic inside a "
            "layer (a custom Layer subclass, or keras.layers.Add/Multiply/...)."
        )


def _apply(op_name: str, fn: Callable, tensors: tuple, static: tuple = ()):
    return SymbolicOp(fn, op_name, static)(*tensors)


def _binary(op_name: str, fn: Callable, reflected: bool = False):
    def method(self, other):
        if _is_symbolic(other):
            pair = (other, self) if reflected else (self, other)
            return _apply(op_name, fn, pair)
        if reflected:
            return _apply(op_name, lambda x, c: fn(c, x), (self,), (other,))
        return _apply(op_name, fn, (self,), (other,))

    method.__name__ = op_name
    return method


def _unary(op_name: str, fn: Callable):
    def method(self):
        return _apply(op_name, fn, (self,))

    method.__name__ = op_name
    return method


def _getitem(self, key):
    return _apply("get_item", operator.getitem, (self,), (key,))


def install(cls) -> None:
    """Give the KerasTensor class ``cls`` Keras 3's operators."""
    binary = {
        "add": operator.add,
        "sub": operator.sub,
        "mul": operator.mul,
        "truediv": operator.truediv,
        "floordiv": operator.floordiv,
        "mod": operator.mod,
        "pow": operator.pow,
        "matmul": operator.matmul,
        "and": operator.and_,
        "or": operator.or_,
        "xor": operator.xor,
    }
    names = {"sub": "subtract", "mul": "multiply", "truediv": "divide", "pow": "power"}
    for name, fn in binary.items():
        op_name = names.get(name, name)
        setattr(cls, f"__{name}__", _binary(op_name, fn))
        setattr(cls, f"__r{name}__", _binary(op_name, fn, reflected=True))
    comparisons = {
        "lt": ("less", operator.lt),
        "le": ("less_equal", operator.le),
        "gt": ("greater", operator.gt),
        "ge": ("greater_equal", operator.ge),
    }
    for name, (op_name, fn) in comparisons.items():
        setattr(cls, f"__{name}__", _binary(op_name, fn))
    cls.__neg__ = _unary("negative", operator.neg)
    cls.__abs__ = _unary("absolute", operator.abs)
    cls.__invert__ = _unary("invert", operator.invert)
    cls.__getitem__ = _getitem
