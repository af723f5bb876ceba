"""Python operators for Tensor and Variable, all through the op library."""

from __future__ import annotations

import numpy as np

from . import _array_ops as A
from . import _math_ops as M
from ._dtype_rules import _SCALARS, python_fits, tf_name
from ._ragged import RaggedTensor as _R
from ._tensor import Tensor, _first_tensor_dtype
from ._variable import Variable


def _binary(fn, name: str):
    # A RaggedTensor operand answers the operator itself (its __radd__, ...), as in TF.
    if name == "add":  # TF's ``+`` converts with a dtype hint: a misfit fails in the op
        return (
            lambda self, other: fn(self, other) if type(other) is not _R else NotImplemented,
            lambda self, other: fn(other, self),
        )
    return (
        lambda self, other: (
            fn(self, _operand(self, other)) if type(other) is not _R else NotImplemented
        ),
        lambda self, other: fn(_operand(self, other), self),
    )


def _operand(self, other):
    # TF's other operators convert a Python operand to the tensor's dtype and raise
    # TypeError when it does not fit (``int_tensor * 1.5``). Lists become tensors in
    # the op's dtype rule.
    if type(other) is float and type(self) is Tensor and (self._value.dtype, other) in _SCALARS:
        return other  # a number the dtype rule took for this dtype before: it fits
    if type(other) is not Tensor and _is_python(other) and not python_fits(other, self.dtype):
        raise TypeError(f"Cannot convert {other!r} to EagerTensor of dtype {tf_name(self.dtype)}")
    return other


def _is_python(x) -> bool:
    # numpy scalars are cast like numpy arrays (TF), though np.float64 is a float. A list
    # holding Tensors is packed by the op's dtype rule (TF's packing), not checked here.
    if isinstance(x, (list, tuple)):
        return _first_tensor_dtype(x) is None
    return isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic)


_BINARY = {
    "add": M.add,
    "sub": M.subtract,
    "mul": M.multiply,
    "truediv": M.divide,
    "floordiv": M.floordiv,
    "mod": M.mod,
    "pow": M.pow,
    "matmul": M.matmul,
    "and": M.logical_and,
    "or": M.logical_or,
    "xor": M.logical_xor,
}

_COMPARE = {
    "lt": M.less,
    "le": M.less_equal,
    "gt": M.greater,
    "ge": M.greater_equal,
    "eq": M.equal,
    "ne": M.not_equal,
}


def _eq(fn):
    def method(self, other):
        if type(other) is _R:
            return NotImplemented
        try:
            return fn(self, other)
        except TypeError:  # an object jtape cannot compare elementwise
            return NotImplemented

    return method


def install(cls) -> None:
    for name, fn in _BINARY.items():
        fwd, rev = _binary(fn, name)
        setattr(cls, f"__{name}__", fwd)
        setattr(cls, f"__r{name}__", rev)
    for name, fn in _COMPARE.items():
        setattr(cls, f"__{name}__", _eq(fn))
    cls.__neg__ = lambda self: M.negative(self)
    cls.__pos__ = lambda self: self if isinstance(self, Tensor) else self.value()
    cls.__abs__ = lambda self: M.abs(self)
    cls.__invert__ = lambda self: M.logical_not(self) if self.dtype == bool else M.invert(self)
    cls.__getitem__ = lambda self, index: A.getitem(self, index)


install(Tensor)
install(Variable)
# Equality is elementwise (as in TF 2), so identity hashing must be restated.
Tensor.__hash__ = object.__hash__
Variable.__hash__ = object.__hash__
