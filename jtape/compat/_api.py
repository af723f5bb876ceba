"""Naming and argument translation: one helper that turns a jtape callable into a TF name.

``tf_api(fn, renames)`` returns a function that accepts TensorFlow's keyword names
(``input_tensor=``, ``name=`` ...) and calls ``fn`` with jtape's. The wrapper keeps a
pointer to ``fn`` (``__wrapped__``) so ``docs/compat.md`` can say what each TF name
maps to.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from .._array_ops import constant, stack
from .._ragged_dispatch import dispatch as _ragged_dispatch
from .._ragged_dispatch import has_ragged as _has_ragged
from .._tensor import Tensor

# Keyword arguments TF accepts almost everywhere that change nothing in jtape.
IGNORED = frozenset({"name"})


def tf_api(
    fn: Callable,
    renames: dict[str, str] | None = None,
    *,
    tf_name: str | None = None,
    ignore: tuple[str, ...] = (),
    tensors: tuple[str, ...] = (),
    positional: tuple[str, ...] = (),
) -> Callable:
    """``fn`` under TF's argument names; ``renames`` maps TF keyword -> jtape keyword.

    ``tensors`` names TF's leading tensor parameters: a Python list passed there
    becomes a tensor (as TF's ``convert_to_tensor`` does) instead of a static argument.
    ``positional`` names TF's leading parameters that ``fn`` takes positionally only
    (JAX ufuncs), so ``tf.add(x=a, y=b)`` works.

    Example:
        >>> import jtape as jt
        >>> reduce_sum = tf_api(jt.sum, {"input_tensor": "x"}, tf_name="reduce_sum")
        >>> float(reduce_sum(input_tensor=jt.constant([1.0, 2.0]), name="total"))
        3.0
    """
    renames = dict(renames or {})
    drop = IGNORED | frozenset(ignore)
    n_tensors = len(tensors)
    names = {t.lstrip("*"): t for t in tensors}

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not kwargs:  # the usual eager call: Tensors where TF takes tensors, as they are
            for a in args[:n_tensors]:
                if type(a) is not Tensor:
                    break
            else:
                return fn(*args)
        if _has_ragged(args, kwargs):  # TF's ragged dispatch: see _ragged_ops.dispatch
            return _ragged_dispatch(wrapper.__name__, wrapper, args, kwargs)
        if positional and kwargs:
            kwargs = dict(kwargs)
            args = list(args)
            for pname in positional[len(args) :]:
                if pname not in kwargs:
                    break
                args.append(kwargs.pop(pname))
        if tensors:
            args = tuple(
                _convert(tensors[i], a) if i < n_tensors else a for i, a in enumerate(args)
            )
        if kwargs:
            kwargs = {
                renames.get(k, k): _convert(names[k], v) if k in names else v
                for k, v in kwargs.items()
                if k not in drop
            }
        return fn(*args, **kwargs)

    if tf_name is not None:
        wrapper.__name__ = wrapper.__qualname__ = tf_name
    wrapper.__jtape_target__ = fn
    return wrapper


def _convert(param: str, value):
    # "*values" marks a parameter holding a list of tensors (concat, stack, add_n).
    if param.startswith("*") and isinstance(value, (list, tuple)):
        return [_tensor(v) for v in value]
    return _tensor(value)


def _tensor(value):
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (list, tuple)) or _is_tensor(v) for v in value):
            # Packing keeps the tensors' gradients, as TF's convert_to_tensor does.
            return stack([_tensor(v) for v in value])
        return constant(value)
    return value


def _is_tensor(x) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "_jt_read")


def target_of(obj) -> object:
    """The jtape object a compat name stands for (for the generated docs)."""
    return getattr(obj, "__jtape_target__", obj)
