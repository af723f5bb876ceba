"""The one gradient-checking helper for jtape's tests.

``check_grads(f_jtape, f_pure, args)`` checks a jtape computation three ways:

1. its value equals the pure JAX function's value;
2. its tape gradient (a VJP with a random cotangent, so non-scalar outputs are
   covered) equals ``jax.vjp`` of the pure function;
3. that gradient matches central finite differences of the pure function, taken
   in float64 along a random direction (as HIPS autograd's ``check_grads`` does).

With ``order=n`` the same checks run on the tape's gradient itself, computed under
nested tapes, up to the n-th derivative.

Example:
    >>> import jax.numpy as jnp, jtape as jt
    >>> check_grads(lambda x: jt.sin(x) * x, lambda x: jnp.sin(x) * x, [[0.5, 1.5]], order=2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

import jtape as jt

__all__ = ["check_grads", "numerical_vjp"]


def _as_np(x) -> np.ndarray:
    arr = np.asarray(x)
    return arr.astype(np.float32) if arr.dtype == np.float64 else arr


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _like(rng: np.random.Generator, shape) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def _is_float(a: np.ndarray) -> bool:
    return np.issubdtype(a.dtype, np.floating)


def numerical_vjp(
    f_pure: Callable, args: Sequence[np.ndarray], ct: np.ndarray, dirs: Sequence, eps: float
) -> float:
    """``<ct, (f(x + eps*d) - f(x - eps*d)) / 2eps>`` evaluated in float64."""
    f = jax.jit(f_pure)  # one compilation, not one per eager primitive
    with jax.enable_x64(True):
        xs = [np.asarray(a, np.float64) if _is_float(a) else a for a in args]
        plus = [x + eps * d if d is not None else x for x, d in zip(xs, dirs)]
        minus = [x - eps * d if d is not None else x for x, d in zip(xs, dirs)]
        fp = np.asarray(f(*[jnp.asarray(x) for x in plus]), np.float64)
        fm = np.asarray(f(*[jnp.asarray(x) for x in minus]), np.float64)
    return float(np.sum(np.asarray(ct, np.float64) * (fp - fm) / (2 * eps)))


def check_grads(
    f_jtape: Callable,
    f_pure: Callable,
    args: Sequence,
    order: int = 1,
    atol: float = 1e-4,
    rtol: float = 1e-4,
    fd_eps: float = 1e-4,
    fd_rtol: float = 1e-2,
    fd_atol: float = 1e-3,
    seed: int = 0,
    fd: bool = True,
) -> None:
    """Assert that jtape's value and gradients of ``f_jtape`` match ``f_pure``'s.

    Args:
        f_jtape: function of jt.Tensors returning one jt.Tensor.
        f_pure: the same computation on JAX arrays.
        args: input values (arrays or nested lists); float64 is taken as float32.
            Non-float arguments are passed through but not differentiated.
        order: highest derivative order to check (1 = gradient, 2 = Hessian-vector, ...).
        atol, rtol: tolerance of the tape vs ``jax.vjp`` comparison (same float32 maths).
        fd_eps, fd_rtol, fd_atol: step and tolerance of the finite-difference check.
        seed: seed of the random cotangent and direction.
        fd: also compare with finite differences (off for functions whose true
            derivative differs from their defined gradient, e.g. ``stop_gradient``).
    """
    arrays = [_as_np(a) for a in args]
    _check_vjp(f_jtape, f_pure, arrays, atol, rtol, fd_eps, fd_rtol, fd_atol, seed, fd)
    if order > 1:
        g_jtape, g_pure = _gradient_functions(f_jtape, f_pure, arrays, seed)
        check_grads(
            g_jtape,
            g_pure,
            arrays,
            order - 1,
            atol=atol * 10,
            rtol=rtol * 10,
            fd_eps=fd_eps,
            fd_rtol=fd_rtol,
            fd_atol=fd_atol,
            seed=seed + 1,
            fd=fd,
        )


def _check_vjp(f_jtape, f_pure, arrays, atol, rtol, fd_eps, fd_rtol, fd_atol, seed, fd) -> None:
    rng = _rng(seed)
    diff = [i for i, a in enumerate(arrays) if _is_float(a)]
    xs = [jt.constant(a) for a in arrays]
    with jt.GradientTape() as tape:
        for i in diff:
            tape.watch(xs[i])
        y = f_jtape(*xs)
    assert isinstance(y, jt.Tensor), f"f_jtape must return a jt.Tensor, got {type(y)}"
    ct = _like(rng, y.shape)
    grads = tape.gradient(y, [xs[i] for i in diff], output_gradients=jt.constant(ct))
    grads = [_dense(g) for g in grads]  # a row lookup's IndexedSlices (as TF's), densified

    def pure_diff(*dvals):
        full = [jnp.asarray(a) for a in arrays]
        for i, d in zip(diff, dvals):
            full[i] = d
        return f_pure(*full)

    # The value and the VJP in one jitted call: one compilation instead of one per
    # primitive, which dominates test time on a small machine.
    @jax.jit
    def pure_vjp(dvals, ct):
        out, pullback = jax.vjp(pure_diff, *dvals)
        return out, pullback(ct)

    want_y, want = pure_vjp([jnp.asarray(arrays[i]) for i in diff], jnp.asarray(ct))
    assert y.shape == tuple(want_y.shape), (y.shape, want_y.shape)
    assert y.dtype == want_y.dtype, (y.dtype, want_y.dtype)
    np.testing.assert_allclose(y.numpy(), np.asarray(want_y), atol=atol, rtol=rtol)
    for i, g, w in zip(diff, grads, want):
        assert g is not None, f"tape gradient of argument {i} is None"
        assert g.shape == arrays[i].shape, (i, g.shape, arrays[i].shape)
        np.testing.assert_allclose(
            g.numpy(), np.asarray(w), atol=atol, rtol=rtol, err_msg=f"argument {i} vs jax.vjp"
        )

    if not fd:
        return
    dirs: list = [None] * len(arrays)
    for i in diff:
        dirs[i] = _like(rng, arrays[i].shape)
    numeric = numerical_vjp(f_pure, arrays, ct, dirs, fd_eps)
    analytic = float(
        sum(np.sum(g.numpy().astype(np.float64) * dirs[i]) for i, g in zip(diff, grads))
    )
    scale = max(1.0, abs(numeric))
    assert abs(analytic - numeric) <= fd_atol * scale + fd_rtol * abs(numeric), (
        f"tape gradient disagrees with finite differences: {analytic} vs {numeric}"
    )


def _gradient_functions(f_jtape, f_pure, arrays, seed):
    """``x -> <grad f(x) . ct, v>``-style functions: one derivative order lower."""
    rng = _rng(seed + 1000)
    diff = [i for i, a in enumerate(arrays) if _is_float(a)]
    out_shape = jax.eval_shape(f_pure, *[jnp.asarray(a) for a in arrays]).shape
    ct = _like(rng, out_shape)

    def g_jtape(*xs):
        with jt.GradientTape() as inner:
            for i in diff:
                inner.watch(xs[i])
            y = f_jtape(*xs)
        grads = inner.gradient(y, [xs[i] for i in diff], output_gradients=jt.constant(ct))
        grads = [_dense(g) for g in grads]
        return jt.concat([jt.reshape(g, [-1]) for g in grads], axis=0)

    def g_pure(*vals):
        def pure_diff(*dvals):
            full = list(vals)
            for i, d in zip(diff, dvals):
                full[i] = d
            return f_pure(*full)

        _, pullback = jax.vjp(pure_diff, *[vals[i] for i in diff])
        grads = pullback(jnp.asarray(ct, jnp.result_type(*[vals[i] for i in diff])))
        return jnp.concatenate([jnp.reshape(g, (-1,)) for g in grads])

    return g_jtape, g_pure


def _dense(g):
    return jt.convert_to_tensor(g) if isinstance(g, jt.IndexedSlices) else g
