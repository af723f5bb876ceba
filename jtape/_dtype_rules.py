"""TensorFlow's dtype rules for ops whose inputs share one dtype (TF's type attribute ``T``).

TF converts the non-tensor operands of such an op to the dtype of its first tensor
operand (numpy arrays are cast, Python numbers must fit), and refuses tensors of two
dtypes with ``InvalidArgumentError``; JAX would promote instead. Ops declare the rule
once, ``op(fn, same_dtype=2)`` or ``op(fn, allowed="float")``, and :class:`DtypeRule`
applies it before the call, so no op promotes silently.
"""

from __future__ import annotations

import jax
import numpy as np

from . import _dtypes
from ._op_errors import InvalidArgumentError
from ._state import state
from ._tensor import Tensor, _ArrayImpl, _first_tensor_dtype, _pack_with_tensors
from ._variable import Variable

_PY_SCALARS = (bool, int, float, complex)
# TF's C++ names for dtypes in its messages ("a float tensor", "a double tensor").
_TF_NAMES = {"float32": "float", "float64": "double", "float16": "half"}
_ALLOWED = {
    "float": ("inexact", "bfloat16, half, float, double, complex64, complex128"),
    "real_float": ("floating", "bfloat16, half, float, double"),
    "bool": ("bool_", "bool"),
}


def tf_name(dtype) -> str:
    name = np.dtype(dtype).name
    return _TF_NAMES.get(name, name)


def _mismatch(op_name: str, index: int, want, got) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"cannot compute {op_name} as input #{index}(zero-based) was expected to be a "
        f"{tf_name(want)} tensor but is a {tf_name(got)} tensor [Op:{op_name}]"
    )


ConversionError = TypeError  # TF's class for a Python value that does not fit a dtype


def python_fits(value, dtype) -> bool:
    """Whether TF converts the Python number (or nested list of them) ``value`` to ``dtype``."""
    tv = type(value)
    if tv in _PY_SCALARS_SET:
        # For one Python scalar the answer depends on its type and the dtype only.
        key = (tv, dtype)
        fits = _FITS.get(key)
        if fits is None:
            fits = _python_fits(value, dtype)
            if len(_FITS) < 1024:
                _FITS[key] = fits
        return fits
    return _python_fits(value, dtype)


_PY_SCALARS_SET = frozenset(_PY_SCALARS)
_FITS: dict = {}


def _python_fits(value, dtype) -> bool:
    kind = np.dtype(dtype).kind
    leaves = _dtypes._python_leaves(value) if isinstance(value, (list, tuple)) else [value]
    for v in leaves:
        if isinstance(v, bool):
            continue  # bools convert to every numeric dtype, as in TF
        if isinstance(v, complex):
            if kind != "c":
                return False
        elif isinstance(v, float):
            if kind not in "fcV" and np.dtype(dtype) != _dtypes.bfloat16:
                return False
        elif not isinstance(v, int):
            return False
        elif kind == "b":
            return False
    return True


def convert_python(value, dtype):
    """``value`` (Python number or list) as an array of ``dtype``, or ConversionError."""
    if not python_fits(value, dtype):
        raise ConversionError(f"Cannot convert {value!r} to EagerTensor of dtype {tf_name(dtype)}")
    return np.asarray(value, dtype=np.dtype(dtype))


def _is_tensor(x) -> bool:
    return type(x) is Tensor or type(x) is Variable or isinstance(x, (Tensor, Variable))


def _is_py(x) -> bool:
    if isinstance(x, _PY_SCALARS):
        return True
    if isinstance(x, (list, tuple)) and x:
        leaves = _dtypes._python_leaves(x)
        return all(isinstance(v, _PY_SCALARS) for v in leaves)
    return False


class DtypeRule:
    """The dtype contract of one op: ``n`` leading arguments share a dtype; kinds allowed.

    An argument that is a list (``concat``'s values) contributes each element.
    ``operator_error`` is the class raised for a Python number that does not fit
    (TF's operators raise TypeError, its functions InvalidArgumentError).
    """

    __slots__ = ("name", "n", "allowed", "_ok")

    def __init__(self, name: str, n: int = 0, allowed: str | None = None) -> None:
        self.name = name
        self.n = n
        self.allowed = allowed
        self._ok: set = set()  # dtypes already found allowed

    def __call__(self, args: tuple, python_error=None) -> tuple:
        n = self.n
        if n:
            if n == 2 and len(args) >= 2:
                a, b = args[0], args[1]
                ta, tb = type(a), type(b)
                if ta is Tensor:
                    if tb is Tensor:
                        # The common case, two Tensors of one dtype, needs no conversion.
                        if a._value.dtype != b._value.dtype:
                            args = (*self._match([a, b], python_error), *args[2:])
                    elif tb is float and not state.frames:
                        args = (a, self._number(b, a._value, 1, python_error), *args[2:])
                    else:
                        args = (*self._match([a, b], python_error), *args[2:])
                elif ta is float and tb is Tensor and not state.frames:
                    args = (self._number(a, b._value, 0, python_error), b, *args[2:])
                else:
                    args = (*self._match([a, b], python_error), *args[2:])
            else:
                head = list(args[:n])
                flat, spans = [], []
                for h in head:
                    if isinstance(h, (list, tuple)) and not _is_py(h):
                        spans.append(len(h))
                        flat.extend(h)
                    else:
                        spans.append(None)
                        flat.append(h)
                flat = self._match(flat, python_error)
                out, i = [], 0
                for h, span in zip(head, spans):
                    if span is None:
                        out.append(flat[i])
                        i += 1
                    else:
                        out.append(type(h)(flat[i : i + span]))
                        i += span
                args = (*out, *args[n:])
        if self.allowed is not None and args:
            a = args[0]
            if type(a) is not Tensor or a._value.dtype not in self._ok:
                self._check_allowed(a)
        return args

    def _number(self, x: float, other, index: int, python_error) -> Tensor:
        """An eager Python float operand of a tensor with value ``other`` (as ``_match``)."""
        want = other.dtype
        cached = _SCALARS.get((want, x))
        if cached is not None and type(other) is _ArrayImpl:
            return cached  # a number seen before, so it fits ``want``
        if not python_fits(x, want):
            if python_error is not None:
                raise python_error(f"Cannot convert {x!r} to EagerTensor of dtype {tf_name(want)}")
            raise _mismatch(self.name, index, want, _dtypes.default_dtype_for(x))
        if type(other) is not _ArrayImpl:  # under a JAX trace: a literal of the trace
            return Tensor(want.type(x))
        return _scalar(want, x)

    def _match(self, items: list, python_error) -> list:
        if state.autocast is not None:
            # Inside a mixed-precision layer's call its weights read as the compute dtype.
            items = [x._jt_read() if type(x) is Variable and x._jt_autocast else x for x in items]
        want = None
        for x in items:
            if _is_tensor(x):
                want = x.dtype
                break
        out = list(items)
        if want is None:
            # No tensor: the first operand fixes the dtype by TF's defaults.
            for i, x in enumerate(items):
                if x is None:
                    continue
                out[i] = Tensor(_to_array(x))
                want = out[i].dtype
                break
            if want is None:
                return out
        for i, x in enumerate(out):
            if x is None or type(x) is Tensor and x._value.dtype == want:
                continue
            if _is_tensor(x):
                if x.dtype != want:
                    raise _mismatch(self.name, i, want, x.dtype)
            elif isinstance(x, (np.ndarray, np.generic, jax.Array)):
                out[i] = Tensor(jax.numpy.asarray(np.asarray(x).astype(np.dtype(want))))
            elif isinstance(x, _PY_SCALARS):
                if not python_fits(x, want):
                    if python_error is not None:
                        raise python_error(
                            f"Cannot convert {x!r} to EagerTensor of dtype {tf_name(want)}"
                        )
                    raise _mismatch(self.name, i, want, _dtypes.default_dtype_for(x))
                if not state.frames:
                    # Eagerly a Python number is a value, not a program constant: as a
                    # numpy scalar of ``want`` it is a dynamic argument of the op's one
                    # compiled program, whatever the number. Inside a trace it stays
                    # static (TF: a constant of that trace; JAX's weak typing gives
                    # ``want``).
                    out[i] = Tensor(np.dtype(want).type(x))
            elif isinstance(x, (list, tuple)) and _first_tensor_dtype(x) is not None:
                packed = Tensor(_pack_with_tensors(x, None))  # TF's packing of the list
                if packed.dtype != want:
                    raise _mismatch(self.name, i, want, packed.dtype)
                out[i] = packed
            elif _is_py(x):
                try:
                    out[i] = Tensor(jax.numpy.asarray(convert_python(x, want)))
                except ConversionError as e:
                    if python_error is not None:
                        raise python_error(str(e)) from None
                    raise _mismatch(self.name, i, want, _dtypes.default_dtype_for(x)) from None
        return out

    def _check_allowed(self, x) -> None:
        if not (_is_tensor(x) or isinstance(x, (np.ndarray, np.generic, jax.Array))):
            return
        # a key of _ALLOWED, or an op's own (numpy kind, TF's list of dtypes in its message)
        kind, names = _ALLOWED.get(self.allowed) or self.allowed
        dt = x.dtype
        if not np.issubdtype(np.dtype(dt), getattr(np, kind)) and np.dtype(dt) != _dtypes.bfloat16:
            raise InvalidArgumentError(
                f"Value for attr 'T' of {tf_name(dt)} is not in the list of allowed values: "
                f"{names} [Op:{self.name}]"
            )
        if type(x) is Tensor:
            self._ok.add(x._value.dtype)


_SCALARS: dict = {}


def _scalar(want: np.dtype, x: float) -> Tensor:
    """``x`` as a scalar Tensor of ``want``, for an eager op's dynamic argument.

    A number seen again (a constant in a loop: ``h * 0.5``) comes from a cache of
    Tensors on the device, which the op's program takes faster than a numpy scalar
    (copied to the device on every call); one Tensor per number also makes it one
    input of a tape's backward program however often the loop used it. Zeros (two
    signs) and NaN are not cached. The cached Tensors never reach user code: they are
    op operands made by the dtype rule.
    """
    value = want.type(x)
    if x == 0.0 or x != x:
        return Tensor(value)
    key = (want, x)
    cached = _SCALARS.get(key, _SCALARS)
    if cached is _SCALARS:  # first sighting: remember it, pass the numpy scalar
        if len(_SCALARS) >= 512:
            _SCALARS.clear()
        _SCALARS[key] = None
        return Tensor(value)
    if cached is None:
        arr = jax.device_put(value)
        if type(arr) is not _ArrayImpl:  # under some JAX trace: never cache a tracer
            return Tensor(value)
        cached = _SCALARS[key] = Tensor(arr)
    return cached


def _to_array(x):
    """``x`` as a JAX array by TF's conversion defaults."""
    from ._tensor import to_value

    return to_value(x)
