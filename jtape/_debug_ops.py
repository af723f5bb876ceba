"""Printing and runtime checks on tensor values (``tf.print``, ``tf.debugging``).

Checks on *values* run where values exist: eagerly they raise at the call. Inside a
``jt.function`` trace they are staged into the program as a host callback that notes a
failure; the function raises it (``InvalidArgumentError``, as TF) when the call returns
(``raise_failed_checks``: a compiled XLA program cannot raise mid-step, so the whole step
has run and written its Variables by then: so does TF's, whose check gates only the ops
that use its output; only a loop whose body fails a check runs on here where TF's stops).
Checks on shapes and dtypes run at trace time.
"""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import numpy as np

from ._op import op
from ._op_errors import InvalidArgumentError
from ._state import tracing
from ._tensor import Tensor, to_value

_identity = op(lambda x: x, name="check_numerics")

# Value checks staged into compiled programs: how many were staged (a jt.function whose
# trace staged one checks after each call) and the failures their callbacks noted.
staged_checks = [0]
_failures: list[str] = []


def _stage_check(failure, *values) -> None:
    """Run ``failure(*numpy_values)`` (a message, or None when the check holds) with the
    compiled program; a message is raised by :func:`raise_failed_checks`."""

    def callback(*vals):
        message = failure(*[np.asarray(v) for v in vals])
        if message is not None:
            _failures.append(message)

    jax.debug.callback(callback, *[to_value(v) for v in values], ordered=True)
    staged_checks[0] += 1


def raise_failed_checks() -> None:
    """Wait for the staged checks of the programs run so far; raise the first failure."""
    jax.effects_barrier()
    if _failures:
        message = _failures[0]
        _failures.clear()
        raise InvalidArgumentError(message)


def _leaves(structure):
    return jax.tree_util.tree_leaves(
        structure, is_leaf=lambda x: isinstance(x, Tensor) or hasattr(x, "_jt_read")
    )


def _is_traced(x) -> bool:
    v = x._value if isinstance(x, Tensor) else x
    if hasattr(x, "_jt_read"):
        v = x._jt_read()._value
    return isinstance(v, jax.core.Tracer)


def _format(value, summarize: int) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (Tensor, np.ndarray, jax.Array)) or hasattr(value, "_jt_read"):
        arr = np.asarray(value)
        if arr.ndim == 0:
            return str(arr.item())
        edge = max(int(summarize), 1) if summarize is not None and summarize >= 0 else None
        return np.array2string(
            arr,
            separator=" ",
            threshold=arr.size + 1 if edge is None else 2 * edge,
            edgeitems=edge or 3,
        ).replace("\n ", "\n")
    if isinstance(value, (list, tuple, dict)):
        return str(
            jax.tree_util.tree_map(
                lambda v: _format(v, summarize), value, is_leaf=lambda x: isinstance(x, Tensor)
            )
        )
    return str(value)


def print_(
    *inputs, output_stream=None, summarize: int = 3, sep: str = " ", end: str = "\n", name=None
) -> None:
    """Print tensors and Python values (``tf.print``); inside ``jt.function`` at run time.

    Like TF, it writes to ``sys.stderr`` by default and shows ``summarize`` entries at
    each end of long axes. Tensors are formatted by numpy, so floats print as ``1.5``
    and arrays as ``[1 2 3]``.

    Example:
        >>> import sys, jtape as jt
        >>> print_("x:", jt.constant([1, 2, 3]), output_stream=sys.stdout)
        x: [1 2 3]
    """
    stream = output_stream

    def emit(*vals):
        out = stream if stream is not None else sys.stderr
        if out in ("stderr", "stdout"):
            out = getattr(sys, out)
        text = sep.join(_format(v, summarize) for v in vals) + end
        if hasattr(out, "info") and not hasattr(out, "write"):  # a logging function/logger
            out.info(text.rstrip("\n"))
        elif callable(out) and not hasattr(out, "write"):
            out(text.rstrip("\n"))
        else:
            out.write(text)

    if tracing() or any(_is_traced(x) for x in _leaves(inputs)):
        # Values only exist when the compiled program runs: print from a callback.
        raw = jax.tree_util.tree_map(
            lambda x: to_value(x) if isinstance(x, Tensor) or hasattr(x, "_jt_read") else x,
            list(inputs),
            is_leaf=lambda x: isinstance(x, Tensor) or hasattr(x, "_jt_read"),
        )
        arrays, treedef = jax.tree_util.tree_flatten(
            raw,
            is_leaf=lambda x: not isinstance(x, (jax.Array, jax.core.Tracer, list, tuple, dict)),
        )
        idx = [i for i, a in enumerate(arrays) if isinstance(a, (jax.Array, jax.core.Tracer))]

        def callback(*vals):
            leaves = list(arrays)
            for i, v in zip(idx, vals):
                leaves[i] = np.asarray(v)
            emit(*jax.tree_util.tree_unflatten(treedef, leaves))

        jax.debug.callback(callback, *[arrays[i] for i in idx], ordered=True)
        return None
    emit(*inputs)
    return None


def check_numerics(tensor, message: str, name=None) -> Tensor:
    """``tensor`` unchanged; raises ``InvalidArgumentError`` if it holds NaN or Inf.

    Example:
        >>> import jtape as jt
        >>> float(check_numerics(jt.constant(1.0), "ok"))
        1.0
    """

    def failure(arr):
        if np.issubdtype(arr.dtype, np.inexact) and not np.all(np.isfinite(arr)):
            what = "NaN" if np.any(np.isnan(arr)) else "Inf"
            return f"{message} : Tensor had {what} values"
        return None

    if _is_traced(tensor):
        _stage_check(failure, tensor)
    else:
        found = failure(np.asarray(to_value(tensor)))
        if found is not None:
            raise InvalidArgumentError(found)
    return _identity(tensor)


def _values(x):
    return np.asarray(to_value(x))


def _failure(kind: str, message, x, y=None, summarize=None) -> str:
    prefix = f"{message}\n" if message else ""
    detail = f"x = {_format(x, summarize or 3)}"
    if y is not None:
        detail += f", y = {_format(y, summarize or 3)}"
    return f"{prefix}Condition {kind} did not hold element-wise: {detail}"


def _compare(kind: str, fn, x, y, message, summarize) -> None:
    x_shape, y_shape = jnp.shape(to_value(x)), jnp.shape(to_value(y))
    try:
        np.broadcast_shapes(x_shape, y_shape)
    except ValueError:
        raise ValueError(
            f"{message or ''} shapes {x_shape} and {y_shape} are not broadcastable".strip()
        ) from None

    def failure(a, b):
        return None if np.all(fn(a, b)) else _failure(kind, message, a, b, summarize)

    if _is_traced(x) or _is_traced(y):
        _stage_check(failure, x, y)
    elif (found := failure(_values(x), _values(y))) is not None:
        raise InvalidArgumentError(found)
    return None


def assert_equal(x, y, message=None, summarize=None, name=None) -> None:
    """Raise ``InvalidArgumentError`` unless ``x == y`` everywhere."""
    return _compare("x == y", np.equal, x, y, message, summarize)


def assert_none_equal(x, y, message=None, summarize=None, name=None) -> None:
    return _compare("x != y", np.not_equal, x, y, message, summarize)


def assert_less(x, y, message=None, summarize=None, name=None) -> None:
    return _compare("x < y", np.less, x, y, message, summarize)


def assert_less_equal(x, y, message=None, summarize=None, name=None) -> None:
    return _compare("x <= y", np.less_equal, x, y, message, summarize)


def assert_greater(x, y, message=None, summarize=None, name=None) -> None:
    return _compare("x > y", np.greater, x, y, message, summarize)


def assert_greater_equal(x, y, message=None, summarize=None, name=None) -> None:
    return _compare("x >= y", np.greater_equal, x, y, message, summarize)


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None) -> None:
    """Raise unless ``|x - y| <= atol + rtol * |y|`` (TF's default tolerances: 10 eps)."""
    dtype = np.dtype(to_value(x).dtype)
    eps = np.finfo(dtype).eps if np.issubdtype(dtype, np.inexact) else 0
    rtol = 10 * eps if rtol is None else rtol
    atol = 10 * eps if atol is None else atol
    return _compare(
        "|x - y| <= atol + rtol * |y|",
        lambda a, b: np.abs(a - b) <= atol + rtol * np.abs(b),
        x,
        y,
        message,
        summarize,
    )


def _sign_check(kind, fn):
    def check(x, message=None, summarize=None, name=None) -> None:
        def failure(a):
            return None if np.all(fn(a)) else _failure(kind, message, a, summarize=summarize)

        if _is_traced(x):
            _stage_check(failure, x)
        elif (found := failure(_values(x))) is not None:
            raise InvalidArgumentError(found)
        return None

    check.__name__ = kind
    return check


assert_positive = _sign_check("x > 0", lambda v: v > 0)
assert_negative = _sign_check("x < 0", lambda v: v < 0)
assert_non_negative = _sign_check("x >= 0", lambda v: v >= 0)
assert_non_positive = _sign_check("x <= 0", lambda v: v <= 0)


def _data_text(values, summarize, eager: bool) -> str:
    """TF's rendering of ``Assert``'s data: eagerly one item per line (numbers joined by
    ", ", strings as bytes), in a graph each item in brackets."""
    parts = []
    for v in values:
        if isinstance(v, str):
            parts.append(repr(v.encode()) if eager else f"[{v}]")
            continue
        arr = np.asarray(v).ravel()
        if summarize is not None and summarize >= 0 and arr.size > summarize:
            arr = arr[: max(int(summarize), 0)]
        items = [str(a.item()) for a in arr]
        parts.append(", ".join(items) if eager else "[" + " ".join(items) + "]")
    return ("\n" if eager else " ").join(parts)


def Assert(condition, data, summarize=None, name=None) -> None:  # noqa: N802 - TF's name
    """Raise ``InvalidArgumentError`` showing ``data`` unless the scalar ``condition`` holds.

    Inside a compiled function the check runs with the program and the call raises.

    Example:
        >>> import jtape as jt
        >>> Assert(jt.constant(True), ["never shown"]) is None
        True
    """
    data = list(data)
    cond_value = to_value(condition)
    if jnp.ndim(cond_value) != 0:
        raise ValueError(
            "The truth value of an array with more than one element is ambiguous. "
            "Use a.any() or a.all()"
        )
    traced = _is_traced(condition) or any(not isinstance(d, str) and _is_traced(d) for d in data)
    if traced:
        texts = {i: d for i, d in enumerate(data) if isinstance(d, str)}
        arrays = [d for d in data if not isinstance(d, str)]

        def failure(ok, *vals):
            if bool(ok):
                return None
            it = iter(vals)
            items = [texts[i] if i in texts else next(it) for i in range(len(data))]
            return "assertion failed: " + _data_text(items, summarize, eager=False)

        _stage_check(failure, condition, *arrays)
        return None
    if not bool(np.asarray(cond_value)):
        shown = condition if isinstance(condition, bool) else _format_condition(condition)
        items = [d if isinstance(d, str) else np.asarray(to_value(d)) for d in data]
        raise InvalidArgumentError(
            f"Expected '{shown}' to be true. Summarized data: "
            + _data_text(items, summarize, eager=True)
        )
    return None


def _format_condition(condition) -> str:
    return str(condition) if isinstance(condition, Tensor) else repr(condition)


def assert_all_finite(t, message, name=None) -> Tensor:
    return check_numerics(t, message)


def assert_rank(x, rank, message=None, name=None) -> None:
    """Raise ``ValueError`` unless ``x`` has rank ``rank`` (a static check, as in TF)."""
    r = jnp.ndim(to_value(x))
    if r != int(rank):
        raise ValueError(f"{message or ''} Tensor must have rank {int(rank)}, got rank {r}".strip())


def assert_rank_at_least(x, rank, message=None, name=None) -> None:
    r = jnp.ndim(to_value(x))
    if r < int(rank):
        raise ValueError(
            f"{message or ''} Tensor must have rank at least {int(rank)}, got {r}".strip()
        )


def assert_rank_in(x, ranks, message=None, name=None) -> None:
    r = jnp.ndim(to_value(x))
    if r not in [int(k) for k in ranks]:
        raise ValueError(f"{message or ''} Tensor rank {r} not in {list(ranks)}".strip())


def assert_scalar(tensor, message=None, name=None) -> None:
    assert_rank(tensor, 0, message)


def assert_type(tensor, tf_type, message=None, name=None) -> None:
    """Raise ``TypeError`` unless ``tensor`` has dtype ``tf_type``."""
    from ._dtypes import as_dtype

    if to_value(tensor).dtype != as_dtype(tf_type):
        raise TypeError(
            f"{message or ''} tensor has dtype {to_value(tensor).dtype.name}, expected "
            f"{as_dtype(tf_type).name}".strip()
        )


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None) -> None:
    """Check tensors against symbolic shapes, e.g. ``[(x, ('N', 3)), (y, ('N',))]``."""
    sizes: dict = {}
    items = shapes.items() if isinstance(shapes, dict) else shapes
    for tensor, spec in items:
        shape = jnp.shape(to_value(tensor))
        spec = [spec] if isinstance(spec, (str, int)) else list(spec)
        if len(spec) != len(shape) and "..." not in spec and ... not in spec:
            raise ValueError(
                f"{message or ''} expected rank {len(spec)}, got shape {shape}".strip()
            )
        for dim, want in zip(shape, spec):
            if isinstance(want, int) and want != dim:
                raise ValueError(
                    f"{message or ''} expected dimension {want}, got {dim} in shape {shape}".strip()
                )
            if isinstance(want, str) and want not in ("...", "."):
                if sizes.setdefault(want, dim) != dim:
                    raise ValueError(
                        f"{message or ''} dimension '{want}' is {sizes[want]} for one tensor "
                        f"and {dim} for another".strip()
                    )
