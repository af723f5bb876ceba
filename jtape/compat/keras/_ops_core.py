"""``keras.ops``' core functions: control flow, ``stop_gradient``, segments, ``top_k``.

Control flow reuses jtape's ops (``cond``, ``while_loop``, ``vectorized_map``); Keras'
``scan`` (JAX's ``f(carry, x) -> (carry, y)`` protocol, unlike ``tf.scan``) is one
``lax.scan`` op built on the same capture machinery.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ... import _control_flow as _cf
from ..._custom_gradient import stop_gradient as _stop_gradient
from ..._op import call_op, op
from ..._tensor import Tensor
from ._ops_dtypes import tensor


def stop_gradient(variable) -> Tensor:
    """``variable``'s value with no gradient flowing back through it."""
    return _stop_gradient(tensor(variable))


def cond(pred, true_fn: Callable, false_fn: Callable):
    """``true_fn()`` if ``pred`` else ``false_fn()`` (one ``lax.cond`` when traced)."""
    return _cf.cond(pred, true_fn, false_fn)


def while_loop(cond: Callable, body: Callable, loop_vars, maximum_iterations=None):
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``; a single (non-tuple)
    ``loop_vars`` is passed and returned as itself, as in Keras."""
    return _cf.while_loop(cond, body, loop_vars, maximum_iterations=maximum_iterations)


def fori_loop(lower, upper, body_fun: Callable, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``[lower, upper)``; returns the final ``val``."""
    i0 = tensor(lower, "int32")
    # Python bounds fix the trip count: as a bounded loop it has reverse-mode gradients.
    static = isinstance(lower, (int, np.integer)) and isinstance(upper, (int, np.integer))
    if static and upper <= lower:
        return init_val
    _, out = _cf.while_loop(
        lambda i, v: i < upper,
        lambda i, v: (i + 1, body_fun(i, v)),
        (i0, init_val),
        maximum_iterations=int(upper) - int(lower) if static else None,
    )
    return out


def vectorized_map(function: Callable, elements):
    """``function`` on each slice of ``elements`` along axis 0, stacked (``jax.vmap``)."""
    return _cf.vectorized_map(function, elements)


def map(f: Callable, xs):  # noqa: A001 - Keras' name
    """``f`` on each slice of ``xs`` along axis 0, sequentially, stacked."""
    return _cf.map_fn(f, xs)


def scan(f: Callable, init, xs=None, length=None, reverse: bool = False, unroll=1):
    """``carry, y = f(carry, x)`` over ``xs``' first axis; returns ``(carry, stacked ys)``.

    JAX's protocol (``keras.ops.scan``), not ``tf.scan``'s. With ``xs=None``, ``f``
    gets ``None`` for ``length`` steps. ``f`` must not assign Variables.

    Example:
        >>> import jtape.compat.keras as keras
        >>> c, ys = keras.ops.scan(lambda c, x: (c + x, c), 0.0, keras.ops.arange(4.0))
        >>> float(c), ys.numpy().tolist()
        (6.0, [0.0, 0.0, 1.0, 3.0])
    """
    if xs is None:
        if length is None:
            raise ValueError("scan: give `xs` or `length`")
        ts, x_tree, n = [], None, int(length)
    else:
        ts, x_tree, n = _cf._elems(xs, "scan")
        if length is not None and int(length) != n:
            raise ValueError(f"scan: `length` {length} differs from the length of `xs`, {n}")
    init_leaves, init_tree = _cf._flatten(init)
    init_ts = [_cf._as_tensor(x) for x in init_leaves]
    y_tree: list = []

    def call(log, carry_vals, x_vals):
        carry = jax.tree_util.tree_unflatten(init_tree, _cf._wrap(log, carry_vals))
        x = None if x_tree is None else jax.tree_util.tree_unflatten(x_tree, _cf._wrap(log, x_vals))
        out = f(carry, x)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError("scan: `f` must return a pair `(new_carry, y)`")
        new_leaves, new_tree = _cf._flatten(out[0])
        if new_tree != init_tree:
            raise TypeError(
                f"scan: `f` returned a carry of structure {new_tree}, expected {init_tree}"
            )
        new = []
        for k, (o, a) in enumerate(zip(new_leaves, carry_vals)):
            py = isinstance(o, (bool, int, float))
            v = _cf._as_tensor(o, a.dtype if py else None)._value
            if v.dtype != a.dtype or tuple(v.shape) != tuple(a.shape):
                raise TypeError(
                    f"scan: carry {k} is {jnp.dtype(a.dtype).name}{tuple(a.shape)} but `f` "
                    f"returned {jnp.dtype(v.dtype).name}{tuple(v.shape)}"
                )
            new.append(v)
        ys, t = _cf._raw_leaves(out[1])
        if not y_tree:
            y_tree.append(t)
        return new, ys

    carry_avals = [jax.ShapeDtypeStruct(t.shape, t.dtype) for t in init_ts]
    k = len(carry_avals)
    cap = _cf._discover(
        lambda log, *vals: call(log, vals[:k], vals[k:]), *carry_avals, *_cf._slice_avals(ts)
    )
    _cf._no_writes(cap, "scan")

    def pure(init_vals, x_vals, var_vals, cap_vals):
        def step(carry, x):
            with _cf._inside(cap, var_vals, cap_vals):
                return call(None, carry, x)

        return lax.scan(
            step,
            list(init_vals),
            list(x_vals) if x_vals else None,
            length=n,
            reverse=reverse,
            unroll=unroll,
        )

    var_reads, captured = cap.inputs()
    carry, ys = call_op(pure, (tuple(init_ts), tuple(ts), var_reads, captured), {})
    return (
        jax.tree_util.tree_unflatten(init_tree, list(carry)),
        jax.tree_util.tree_unflatten(y_tree[0], list(ys)),
    )


# -- segments, top_k -------------------------------------------------------------------
def _segments(kind: str, data, segment_ids, num_segments, sorted_ids: bool) -> Tensor:
    """Keras' TF segment ops: jtape's ``tf.math.(unsorted_)segment_*`` (their eager id
    checks included: an id at or past ``num_segments`` raises, negative ids are dropped).
    Without ``num_segments`` the count is ``max(id) + 1``, except for ``segment_sum``,
    where Keras takes the number of distinct ids."""
    from ..._special_math_ops import segment_reduce, unsorted_segment_reduce

    name = f"segment_{kind}"
    data, ids = tensor(data), tensor(segment_ids)
    if sorted_ids:
        if num_segments is not None:
            raise ValueError(
                "Argument `num_segments` cannot be set when sorted is True when using the "
                f"tensorflow backend. Received: num_segments={num_segments}, sorted=True."
            )
        if isinstance(ids._value, jax.core.Tracer):
            raise ValueError(
                f"{name}(sorted=True): the number of segments comes from the ids' values, "
                "which a compiled function cannot read; use sorted=False with `num_segments`"
            )
        return segment_reduce(kind, data, ids)
    if num_segments is None:
        if isinstance(ids._value, jax.core.Tracer):
            raise ValueError(
                f"{name}: `num_segments` is required inside a compiled function (the "
                "number of segments must be known to build the program)"
            )
        values = np.asarray(ids._value)
        if kind == "sum":
            num_segments = len(np.unique(values))
        else:
            num_segments = int(values.max()) + 1 if values.size else 0
    return unsorted_segment_reduce(kind, data, ids, int(num_segments))


def segment_sum(data, segment_ids, num_segments=None, sorted: bool = False) -> Tensor:  # noqa: A002
    """Sums of ``data``'s rows per segment id (TF's ``unsorted_segment_sum``; without
    ``num_segments``, as many segments as distinct ids, as Keras)."""
    return _segments("sum", data, segment_ids, num_segments, bool(sorted))


def segment_max(data, segment_ids, num_segments=None, sorted: bool = False) -> Tensor:  # noqa: A002
    """Maxima of ``data``'s rows per segment id (empty segments: the lowest finite value)."""
    return _segments("max", data, segment_ids, num_segments, bool(sorted))


def segment_min(data, segment_ids, num_segments=None, sorted: bool = False) -> Tensor:  # noqa: A002
    """Minima of ``data``'s rows per segment id (empty segments: the highest finite value)."""
    return _segments("min", data, segment_ids, num_segments, bool(sorted))


def segment_prod(data, segment_ids, num_segments=None, sorted: bool = False) -> Tensor:  # noqa: A002
    """Products of ``data``'s rows per segment id (empty segments: 1).

    Example:
        >>> import jtape.compat.keras as keras
        >>> keras.ops.segment_prod([2.0, 3.0, 4.0], [0, 0, 1], num_segments=2).numpy().tolist()
        [6.0, 4.0]
    """
    return _segments("prod", data, segment_ids, num_segments, bool(sorted))


_top_k = op(lambda x, k: _top_k_fn(x, k), name="top_k")


def _top_k_fn(x, k):
    values, indices = lax.top_k(x, k)
    return values, indices.astype(jnp.int32)


def top_k(x, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002
    """The ``k`` largest values along the last axis and their int32 indices."""
    values, indices = _top_k(tensor(x), int(k))
    return values, indices


def in_top_k(targets, predictions, k: int) -> Tensor:
    """Whether each target's prediction is among the row's ``k`` largest: TF's
    ``in_top_k`` (ties at the boundary count as in; False for a target out of range or
    a row with a non-finite prediction)."""
    from ..._counting_ops import in_top_k as _in_top_k

    return _in_top_k(tensor(targets), tensor(predictions), int(k))


def custom_gradient(f: Callable) -> Callable:
    """``f`` returning ``(value, grad_fn)`` defines its own gradient (``tf.custom_gradient``,
    as ``keras.ops.custom_gradient`` on TensorFlow)."""
    from ..._custom_gradient import custom_gradient as _custom_gradient

    return _custom_gradient(f)
