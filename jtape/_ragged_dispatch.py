"""How ``jtape.compat`` sends a RaggedTensor argument to TF's ragged version of an op.

``tf_api`` wrappers call :func:`dispatch` when an argument is a RaggedTensor: elementwise
ops map the flat values, ``MAP`` ops too (their result has new inner dimensions),
``ON_FLAT`` ops take the flat values and return a dense result, and ``SPECIAL`` names
have their own ragged implementation. Anything else raises a TypeError naming what
jtape dispatches.
"""

from __future__ import annotations

from ._ragged import RaggedTensor
from ._ragged_ops import (
    _elementwise,
    _ragged_args,
    _same_partitions,
    concat,
    expand_dims,
    gather,
    map_flat_values,
    rank,
    size,
    stack,
    where,
)
from ._ragged_reduce import _KINDS, reduce, softmax

# -- dispatch from jtape.compat ------------------------------------------------------

ELEMENTWISE = frozenset(
    """abs acos acosh asin asinh atan atanh bessel_i0e bessel_i1e ceil conj cos cosh digamma
    erf erfc erfcinv erfinv exp expm1 floor imag is_finite is_inf is_nan lbeta lgamma log
    log1p log_sigmoid logical_not ndtri negative real reciprocal reciprocal_no_nan rint
    round rsqrt sigmoid sign sin sinh softplus softsign sqrt square tan tanh add atan2
    divide divide_no_nan equal floordiv floormod greater greater_equal igamma igammac less
    less_equal logical_and logical_or logical_xor maximum minimum mod multiply
    multiply_no_nan nextafter not_equal polygamma pow squared_difference subtract truediv
    truncatediv truncatemod xdivy xlog1py xlogy zeta cast saturate_cast identity zeros_like
    ones_like stop_gradient clip_by_value realdiv add_n accumulate_n relu relu6 elu selu
    gelu softplus softsign silu swish leaky_relu""".split()
)


# Ops that map the flat values of a RaggedTensor argument to new flat values.
MAP = frozenset(["one_hot", "embedding_lookup"])
ON_FLAT = frozenset(
    ["reshape"] + [f"unsorted_segment_{k}" for k in ("sum", "max", "min", "prod", "mean")]
)


def _reduction(kind: str):
    def fn(input_tensor, axis=None, keepdims=False, name=None):
        return reduce(kind, input_tensor, axis, bool(keepdims))

    return fn


def _on_flat(fn):
    """An op whose ragged arguments (of one partition) stand for their flat values and
    whose result is not ragged (``reshape``, the unsorted segment reductions)."""

    def call(*args, **kwargs):
        ragged = _ragged_args(args, kwargs)
        for other in ragged[1:]:
            _same_partitions(ragged[0], other)

        def flat(a):
            return a.flat_values if isinstance(a, RaggedTensor) else a

        return fn(*[flat(a) for a in args], **{k: flat(v) for k, v in kwargs.items()})

    return call


SPECIAL = {
    **{f"reduce_{k}": _reduction(k) for k in _KINDS},
    "expand_dims": expand_dims,
    "softmax": softmax,
    "concat": lambda values, axis, name=None: concat(values, axis),
    "stack": lambda values, axis=0, name="stack": stack(values, axis),
    "gather": gather,
    "where": where,
    "size": size,
    "rank": rank,
}


def dispatch(tf_name: str, fn, args: tuple, kwargs: dict):
    """A compat op called with a RaggedTensor: TF's ragged version of ``tf_name``."""
    kwargs = {k: v for k, v in kwargs.items() if k != "name"}
    if tf_name in ELEMENTWISE:
        return _elementwise(fn, args, kwargs)
    if tf_name in MAP:
        return map_flat_values(fn, *args, **kwargs)
    if tf_name in ON_FLAT:
        return _on_flat(fn)(*args, **kwargs)
    special = SPECIAL.get(tf_name)
    if special is not None:
        return special(*args, **kwargs)
    raise TypeError(
        f"tf.{tf_name} does not take a RaggedTensor in jtape; jtape dispatches elementwise "
        "ops, reductions, concat/stack/gather/where, size and rank. Use .to_tensor() or "
        "tf.ragged.map_flat_values"
    )


def has_ragged(args, kwargs) -> bool:
    for a in args:
        if type(a) is RaggedTensor or (
            type(a) in (list, tuple) and any(type(e) is RaggedTensor for e in a)
        ):
            return True
    return any(type(v) is RaggedTensor for v in kwargs.values())
