"""Pure functions whose derivatives follow TensorFlow's gradient rules where JAX's differ.

JAX and TF agree on derivatives away from kinks; at a kink each picks a convention:

- ``maximum``/``minimum`` at a tie: TF gives the whole gradient to ``x`` (``x >= y`` for
  maximum, ``x <= y`` for minimum); JAX splits it in halves.
- ``abs`` at 0: TF's derivative is ``sign(0) = 0``; JAX's is 1.
- ``clip`` at a bound: TF passes the gradient to ``x`` on the closed interval
  ``[lo, hi]`` (``clip_by_value`` is a minimum and a maximum there); JAX halves it.
- ``xlogy`` at ``x == 0``: TF's partials are 0 (``xlogy(x != 0, y)``, ``xdivy(x, y)``);
  JAX's are NaN at ``y == 0``.
- ``leaky_relu`` at 0: TF's derivative is the slope (``x > 0 ? 1 : alpha``); JAX's is 1.
- ``selu`` at 0: TF's derivative is ``scale`` (``x < 0`` takes the exponential branch);
  JAX's is ``scale * alpha``.
- ``floor``, ``ceil``, ``round``, ``rint``: TF registers no gradient, so
  ``tape.gradient`` answers None through them; JAX's derivative is 0. Marked here with
  ``_jt_none_grads`` (the tape's rule for inputs a gradient function answers None for).

Each is a ``jax.custom_jvp`` (so ``grad``, ``vjp`` and ``jvp`` all follow the rule) for
floating inputs; other dtypes use the plain JAX function. Values are JAX's.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp


def _real_float(*xs) -> bool:
    return jnp.issubdtype(jnp.result_type(*xs), jnp.floating)


@jax.custom_jvp
def _maximum(x, y):
    return jnp.maximum(x, y)


@_maximum.defjvp
def _maximum_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    return jnp.maximum(x, y), jnp.where(x >= y, tx, ty)


@jax.custom_jvp
def _minimum(x, y):
    return jnp.minimum(x, y)


@_minimum.defjvp
def _minimum_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    return jnp.minimum(x, y), jnp.where(x <= y, tx, ty)


def maximum(x, y):
    """``jnp.maximum``; at a tie the derivative follows ``x`` (TF's ``MaximumGrad``).

    Example:
        >>> import jax
        >>> float(jax.grad(maximum)(1.0, 1.0))
        1.0
    """
    return _maximum(x, y) if _real_float(x, y) else jnp.maximum(x, y)


def minimum(x, y):
    """``jnp.minimum``; at a tie the derivative follows ``x`` (TF's ``MinimumGrad``)."""
    return _minimum(x, y) if _real_float(x, y) else jnp.minimum(x, y)


@jax.custom_jvp
def _abs(x):
    return jnp.abs(x)


@_abs.defjvp
def _abs_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return jnp.abs(x), t * jnp.sign(x)


def abs(x):  # noqa: A001 - TF's name
    """``jnp.abs`` with TF's derivative ``sign(x)`` (0 at 0) for real floats."""
    return _abs(x) if _real_float(x) else jnp.abs(x)


def _min_then_max(x, lo, hi):
    # TF's clip_by_value: minimum with hi, then maximum with lo (lo wins when lo > hi).
    return jnp.maximum(jnp.minimum(x, hi), lo)


@jax.custom_jvp
def _clip(x, lo, hi):
    return _min_then_max(x, lo, hi)


@_clip.defjvp
def _clip_jvp(primals, tangents):
    (x, lo, hi), (tx, tlo, thi) = primals, tangents
    low = jnp.minimum(x, hi)
    t_low = jnp.where(x <= hi, tx, thi)  # MinimumGrad: a tie follows x
    out = jnp.maximum(low, lo)
    return out, jnp.where(low >= lo, t_low, tlo) + jnp.zeros_like(out)  # MaximumGrad


def clip(x, lo, hi):
    """TF's ``clip_by_value``: ``maximum(minimum(x, hi), lo)``, derivatives by TF's
    minimum/maximum rules (``x``'s on the closed ``[lo, hi]``; ``lo``'s when lo > hi)."""
    return _clip(x, lo, hi) if _real_float(x, lo, hi) else _min_then_max(x, lo, hi)


@jax.custom_jvp
def _xlogy(x, y):
    return jax.scipy.special.xlogy(x, y)


@_xlogy.defjvp
def _xlogy_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    nonzero = x != 0
    safe_y = jnp.where(nonzero, y, jnp.ones_like(y))
    dx = jnp.where(nonzero, jnp.log(safe_y), jnp.zeros_like(y))
    dy = jnp.where(nonzero, x / safe_y, jnp.zeros_like(x))
    return jax.scipy.special.xlogy(x, y), dx * tx + dy * ty


def xlogy(x, y):
    """``x * log(y)``, 0 where ``x == 0``; partials 0 there as in TF's ``XlogyGrad``."""
    return _xlogy(x, y) if _real_float(x, y) else jax.scipy.special.xlogy(x, y)


def leaky_relu(x, negative_slope=0.2):
    """``x > 0 ? x : negative_slope * x``: TF's LeakyRelu, whose derivative at 0 is the slope."""
    return jnp.where(x > 0, x, x * jnp.asarray(negative_slope, x.dtype))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
    """TF's Selu: ``scale * (x < 0 ? alpha * expm1(x) : x)``; derivative ``scale`` at 0."""
    negative = jnp.asarray(_SELU_ALPHA, x.dtype) * jnp.expm1(jnp.minimum(x, 0))
    return jnp.asarray(_SELU_SCALE, x.dtype) * jnp.where(x < 0, negative, x)


def _no_gradient(fn, name: str, inputs: int = 1):
    """``fn`` marked as TF marks a kernel without a gradient: None through it."""

    def wrapped(*args):
        return fn(*args)

    wrapped.__name__ = name
    wrapped._jt_none_grads = frozenset(range(inputs))
    return wrapped


def _floor_divide(x, y):
    # TF's FloorDiv of floats is floor(x / y) (1.0 // 0.1 == 10.0; numpy's floor_divide
    # gives 9.0); integers round toward -inf.
    if jnp.issubdtype(jnp.result_type(x, y), jnp.floating):
        return jnp.floor(jnp.true_divide(x, y))
    return jnp.floor_divide(x, y)


floor_divide = _no_gradient(_floor_divide, "floor_div", inputs=2)  # TF: not differentiable

floor = _no_gradient(jnp.floor, "floor")
ceil = _no_gradient(jnp.ceil, "ceil")
round = _no_gradient(jnp.round, "round")  # noqa: A001 - TF's name
rint = _no_gradient(jnp.rint, "rint")


@functools.partial(jax.custom_vjp, nondiff_argnums=(1,))
def no_registered_gradient(x, tf_op: str):
    """``x`` unchanged; differentiating through it raises TF's LookupError for ``tf_op``.

    For the ops TF registers no gradient for (AdjustContrastv2, AdjustSaturation,
    AdjustHue, ResizeArea, SparseSplit, ...): a tape that reaches them fails as in TF, not
    silently.
    """
    return x


def _unregistered_fwd(x, tf_op):
    return x, None


def _unregistered_bwd(tf_op, _res, _g):
    raise LookupError(f"gradient registry has no entry for: {tf_op}")


no_registered_gradient.defvjp(_unregistered_fwd, _unregistered_bwd)
