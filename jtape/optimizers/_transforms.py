"""Keras update rules that optax lacks or computes differently, as optax transformations.

Each function returns an ``optax.GradientTransformation`` (``init``/``update``, pure,
composable with ``optax.chain``) that reproduces Keras 3's ``update_step`` (or, for
the TensorFlow 1.x names, TF's training kernels) to floating-point rounding. Rules
that overwrite a variable instead of adding to it (Ftrl, the proximal rules,
AdagradDA) return ``new_value - param`` as the update, optax's convention.

Where optax already has the exact rule (Adagrad, RMSprop without momentum, Adadelta,
Lion, Lamb, plain SGD) jtape uses optax directly; see ``_family.py``.
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

_map = jax.tree_util.tree_map


def _count_inc(count):
    return optax.safe_increment(count)


def _init_count(step):
    # With a shared ``step`` the state keeps no count of its own (an empty leaf).
    return jnp.zeros([], jnp.int32) if step is None else ()


def _next_count(count, step):
    """The 1-based step of this update: the state's own count + 1, or the shared ``step``.

    Keras counts steps once per optimizer (``iterations``), not per variable; the
    jtape optimizers pass that shared count, which also keeps one scalar bias
    correction per program instead of one count input, increment and output per
    variable (tiny independent kernels that cost more than the update on CPU).
    """
    return _count_inc(count) if step is None else step


def _state_count(count, step):
    return count if step is None else ()


def _cast(x, like):
    return jnp.asarray(x, dtype=like.dtype)


# -- sparse (IndexedSlices) gradients ------------------------------------------------


class SparseGrad(NamedTuple):
    """An ``IndexedSlices`` gradient inside the optimizer step: rows and their indices."""

    values: jax.Array
    indices: jax.Array


def segment_sum(values, indices, rows: int):
    """The dense gradient: rows of repeated indices added (TF's conversion)."""
    return jax.ops.segment_sum(values, indices.astype(jnp.int32), num_segments=rows)


_SPARSE: list = []  # (values, indices, rows) while a sparse gradient's update is traced


@contextlib.contextmanager
def sparse_update(grad: SparseGrad, rows: int):
    """Within: :func:`grad_square`/:func:`grad_abs` follow Keras' IndexedSlices rules."""
    _SPARSE.append((grad.values, grad.indices, rows))
    try:
        yield
    finally:
        _SPARSE.pop()


def sparse_active() -> bool:
    return bool(_SPARSE)


def grad_square(g):
    """``g ** 2`` of the raw gradient ``g``.

    For an IndexedSlices gradient Keras squares each slice, then adds the rows of
    repeated indices: the sum of squares, not the square of the sum.
    """
    if _SPARSE:
        values, indices, rows = _SPARSE[-1]
        return segment_sum(jnp.square(values), indices, rows).astype(g.dtype)
    return jnp.square(g)


def grad_abs(g):
    """``|g|`` of the raw gradient (sparse: the sum of the slices' absolute values)."""
    if _SPARSE:
        values, indices, rows = _SPARSE[-1]
        return segment_sum(jnp.abs(values), indices, rows).astype(g.dtype)
    return jnp.abs(g)


# -- clipping -----------------------------------------------------------------------


def clip_by_norm(max_norm: float) -> optax.GradientTransformation:
    """Clip each tensor to L2 norm ``max_norm`` (Keras ``clipnorm``: per tensor, not global).

    Uses Keras' formula ``g * max_norm / max(||g||, max_norm)`` with its NaN-safe
    square root for all-zero tensors.
    """

    def clip(g):
        l2sum = jnp.sum(jnp.square(g))
        pred = l2sum > 0
        l2norm = jnp.where(pred, jnp.sqrt(jnp.where(pred, l2sum, 1.0)), l2sum)
        c = jnp.asarray(max_norm, g.dtype)
        return g * c / jnp.maximum(l2norm, c)

    def update_fn(updates, state, params=None):
        del params
        return _map(clip, updates), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update_fn)


# -- momentum with the learning rate inside the velocity -------------------------------


class KerasMomentumState(NamedTuple):
    momentum: optax.Updates


def keras_momentum(learning_rate, momentum: float, nesterov: bool = False):
    """Keras' heavy-ball momentum: ``m = momentum * m - lr * g``; the update is ``m``.

    Unlike ``optax.trace`` followed by a learning-rate scale, the learning rate is
    folded into the velocity, so a schedule changes only new contributions (Keras
    SGD and RMSprop semantics). With ``nesterov`` the update is
    ``momentum * m - lr * g`` (Keras 3).
    """

    def init_fn(params):
        return KerasMomentumState(optax.tree.zeros_like(params))

    def update_fn(updates, state, params=None):
        del params

        def velocity(g, m):
            # Keras casts momentum to the variable's dtype through float32.
            return m * _cast_f32(momentum, m) - g * _cast(learning_rate, m)

        m = _map(velocity, updates, state.momentum)
        if nesterov:
            out = _map(velocity, updates, m)
        else:
            out = m
        return out, KerasMomentumState(m)

    return optax.GradientTransformation(init_fn, update_fn)


def keras_rms_momentum(learning_rate, momentum: float):
    """RMSprop's momentum as Keras stores it: ``m = momentum * m + lr * u``; update ``-m``.

    The same step as :func:`keras_momentum`, but the slot holds the positive
    velocity, as Keras' RMSprop does (SGD's holds the negative one).
    """

    def init_fn(params):
        return KerasMomentumState(optax.tree.zeros_like(params))

    def update_fn(updates, state, params=None):
        del params
        m = _map(
            lambda u, m: m * _cast(momentum, m) + u * _cast(learning_rate, m),
            updates,
            state.momentum,
        )
        return _map(jnp.negative, m), KerasMomentumState(m)

    return optax.GradientTransformation(init_fn, update_fn)


# -- Adam family ----------------------------------------------------------------------


class ScaleByKerasAdamState(NamedTuple):
    count: jax.Array
    mu: optax.Updates
    nu: optax.Updates
    nu_max: optax.Updates  # AMSGrad's running maximum (empty tuple without amsgrad)


def scale_by_keras_adam(
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    amsgrad: bool = False,
    step=None,
) -> optax.GradientTransformation:
    """Adam's direction as Keras computes it: ``m * sqrt(1 - b2^t) / (1 - b1^t) / (sqrt(v) + eps)``.

    Keras adds ``epsilon`` to the *uncorrected* ``sqrt(v)`` (Kingma & Ba's "epsilon
    hat"); optax adds it after bias correction, so the two differ for the same
    ``eps``. AMSGrad keeps the maximum of the uncorrected ``v`` (optax: corrected).
    Scale by ``-learning_rate`` afterwards. ``step``: the 1-based step shared by all
    variables (Keras' ``iterations + 1``); None keeps a count in the state, as optax.
    """

    def init_fn(params):
        zeros = optax.tree.zeros_like(params)
        return ScaleByKerasAdamState(
            count=_init_count(step),
            mu=zeros,
            nu=optax.tree.zeros_like(params),
            nu_max=optax.tree.zeros_like(params) if amsgrad else (),
        )

    def update_fn(updates, state, params=None):
        del params
        count = _next_count(state.count, step)
        mu = _map(lambda g, m: m + (g - m) * (1 - beta_1), updates, state.mu)
        nu = _map(lambda g, v: v + (grad_square(g) - v) * (1 - beta_2), updates, state.nu)
        nu_max = _map(jnp.maximum, state.nu_max, nu) if amsgrad else ()
        denom_src = nu_max if amsgrad else nu

        def direction(m, v):
            t = count.astype(m.dtype)
            alpha = jnp.sqrt(1 - _cast_f32(beta_2, m) ** t) / (1 - _cast_f32(beta_1, m) ** t)
            return m * alpha / (jnp.sqrt(v) + _cast(epsilon, m))

        out = _map(direction, mu, denom_src)
        return out, ScaleByKerasAdamState(_state_count(count, step), mu, nu, nu_max)

    return optax.GradientTransformation(init_fn, update_fn)


class ScaleByKerasAdamaxState(NamedTuple):
    count: jax.Array
    mu: optax.Updates
    nu: optax.Updates


def scale_by_keras_adamax(
    beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, step=None
) -> optax.GradientTransformation:
    """Adamax's direction as Keras: ``m / ((1 - b1^t) * (u + eps))``, ``u = max(b2 u, |g|)``.

    optax adds ``eps`` inside the running maximum instead.
    """

    def init_fn(params):
        return ScaleByKerasAdamaxState(
            _init_count(step), optax.tree.zeros_like(params), optax.tree.zeros_like(params)
        )

    def update_fn(updates, state, params=None):
        del params
        count = _next_count(state.count, step)
        mu = _map(lambda g, m: m + (g - m) * (1 - beta_1), updates, state.mu)
        nu = _map(lambda g, u: jnp.maximum(beta_2 * u, grad_abs(g)), updates, state.nu)

        def direction(m, u):
            t = count.astype(m.dtype)
            return m / ((1 - _cast_f32(beta_1, m) ** t) * (u + _cast(epsilon, m)))

        return _map(direction, mu, nu), ScaleByKerasAdamaxState(_state_count(count, step), mu, nu)

    return optax.GradientTransformation(init_fn, update_fn)


class ScaleByKerasNadamState(NamedTuple):
    count: jax.Array
    u_product: jax.Array
    mu: optax.Updates
    nu: optax.Updates


def scale_by_keras_nadam(
    beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, step=None
) -> optax.GradientTransformation:
    """Nadam's direction as Keras, with Dozat's momentum schedule ``b1 (1 - 0.5 * 0.96^t)``.

    ``optax.nadam`` uses a constant ``b1``; Keras keeps the running product of the
    scheduled momenta (``u_product``) and corrects ``m`` and ``g`` separately.
    """

    def init_fn(params):
        # Keras' u_product has the variable's dtype (its first variable's).
        leaves = jax.tree_util.tree_leaves(params)
        dtype = leaves[0].dtype if leaves else jnp.float32
        return ScaleByKerasNadamState(
            _init_count(step),
            jnp.ones([], dtype),
            optax.tree.zeros_like(params),
            optax.tree.zeros_like(params),
        )

    def update_fn(updates, state, params=None):
        del params
        count = _next_count(state.count, step)
        like = state.u_product
        t = count.astype(like.dtype)
        # Keras casts its constants to the variable's dtype through float32 (``ops.cast``),
        # except in the u_product update, whose beta_1 and 0.96 are Python floats.
        decay = _cast_f32(0.96, like)
        b1 = _cast_f32(beta_1, like)
        u_product = like * _cast(beta_1, like) * (1.0 - 0.5 * jnp.power(_cast(0.96, like), t))
        u_t = b1 * (1.0 - 0.5 * jnp.power(decay, t))
        u_t_1 = b1 * (1.0 - 0.5 * jnp.power(decay, t + 1))
        u_product_1 = u_product * u_t_1
        # The betas are cast before taking 1 - beta (Adam does not): in float32 that
        # matters at rtol 1e-5, as v_hat divides by 1 - beta_2^t of the same rounded beta_2.
        mu = _map(lambda g, m: m + (g - m) * (1 - _cast_f32(beta_1, m)), updates, state.mu)
        nu = _map(
            lambda g, v: v + (grad_square(g) - v) * (1 - _cast_f32(beta_2, v)), updates, state.nu
        )

        def direction(g, m, v):
            dt = m.dtype
            m_hat = u_t_1.astype(dt) * m / (1 - u_product_1.astype(dt)) + (
                1 - u_t.astype(dt)
            ) * g / (1 - u_product.astype(dt))
            v_hat = v / (1 - _cast_f32(beta_2, v) ** count.astype(dt))
            return (m_hat / (jnp.sqrt(v_hat) + _cast(epsilon, v))).astype(g.dtype)

        out = _map(direction, updates, mu, nu)
        return out, ScaleByKerasNadamState(_state_count(count, step), u_product, mu, nu)

    return optax.GradientTransformation(init_fn, update_fn)


# -- Adafactor (Keras' variant) ---------------------------------------------------------


class KerasAdafactorState(NamedTuple):
    count: jax.Array
    r: optax.Updates  # row statistics (shape () placeholder for tensors of rank < 2)
    c: optax.Updates  # column statistics (same)
    v: optax.Updates


def keras_adafactor(
    learning_rate,
    beta_2_decay: float = -0.8,
    epsilon_1: float = 1e-30,
    epsilon_2: float = 1e-3,
    clip_threshold: float = 1.0,
    step=None,
) -> optax.GradientTransformation:
    """Keras' Adafactor: factored second moments over the last two axes, relative step size.

    Step size ``min(lr, 1/sqrt(t)) * max(epsilon_2, rms(param))``; ``beta_2`` follows
    ``1 - t^beta_2_decay``. Differs from ``optax.adafactor`` (no momentum, no
    minimum dimension to factor, different decay and clipping). Needs ``params``.
    """

    # Below rank 2 Keras keeps an unused integer 0 in place of each factor.
    def _r(p):
        return jnp.zeros(p.shape[:-1], p.dtype) if p.ndim >= 2 else jnp.zeros([], jnp.int32)

    def _c(p):
        if p.ndim >= 2:
            return jnp.zeros(p.shape[:-2] + p.shape[-1:], p.dtype)
        return jnp.zeros([], jnp.int32)

    def init_fn(params):
        return KerasAdafactorState(
            _init_count(step),
            _map(_r, params),
            _map(_c, params),
            optax.tree.zeros_like(params),
        )

    def rms(x):
        return jnp.sqrt(jnp.mean(jnp.square(x)))

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError("keras_adafactor needs params")
        count = _next_count(state.count, step)

        def one(g, p, r, c, v):
            t = count.astype(p.dtype)
            rho_t = jnp.minimum(_cast(learning_rate, p), 1 / jnp.sqrt(t))
            alpha_t = jnp.maximum(_cast(epsilon_2, p), rms(p)) * rho_t
            g2 = jnp.square(g) + _cast(epsilon_1, p)
            beta_2_t = 1 - jnp.power(t, _cast(beta_2_decay, p))
            if p.ndim >= 2:
                r = beta_2_t * r + (1 - beta_2_t) * jnp.mean(g2, axis=-1)
                c = beta_2_t * c + (1 - beta_2_t) * jnp.mean(g2, axis=-2)
                v = jnp.expand_dims(r / jnp.mean(r, axis=-1, keepdims=True), -1) * (
                    jnp.expand_dims(c, -2)
                )
            else:
                v = beta_2_t * v + (1 - beta_2_t) * g2
            u = g / jnp.sqrt(v)
            u_hat = u / jnp.maximum(1.0, rms(u) / _cast(clip_threshold, p))
            return -alpha_t * u_hat, r, c, v

        leaves, treedef = jax.tree_util.tree_flatten(updates)
        rest = [treedef.flatten_up_to(x) for x in (params, state.r, state.c, state.v)]
        outs = [one(*args) for args in zip(leaves, *rest)]
        unflat = [jax.tree_util.tree_unflatten(treedef, [o[i] for o in outs]) for i in range(4)]
        return unflat[0], KerasAdafactorState(
            _state_count(count, step), unflat[1], unflat[2], unflat[3]
        )

    return optax.GradientTransformation(init_fn, update_fn)


# -- rules that set the variable (FTRL, proximal, dual averaging) ---------------------


class FtrlState(NamedTuple):
    accumulator: optax.Updates
    linear: optax.Updates


def ftrl(
    learning_rate,
    learning_rate_power: float = -0.5,
    initial_accumulator_value: float = 0.1,
    l1_regularization_strength: float = 0.0,
    l2_regularization_strength: float = 0.0,
    l2_shrinkage_regularization_strength: float = 0.0,
    beta: float = 0.0,
) -> optax.GradientTransformation:
    """Follow-the-regularized-leader (McMahan et al., 2013) as Keras' ``Ftrl``. Needs params.

    optax has no FTRL. The returned update moves each parameter to the closed-form
    FTRL-proximal solution ``(clip(z, -l1, l1) - z) / quadratic``.
    """
    p_pow = -learning_rate_power

    def init_fn(params):
        return FtrlState(
            # Keras' Constant initializer casts the value through float32.
            optax.tree.full_like(params, float(jnp.float32(initial_accumulator_value))),
            optax.tree.zeros_like(params),
        )

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError("ftrl needs params")

        def one(g, p, accum, linear):
            lr = _cast(learning_rate, p)
            l2_reg = l2_regularization_strength + beta / (2.0 * lr)
            grad_to_use = g + 2 * l2_shrinkage_regularization_strength * p
            new_accum = accum + grad_square(g)
            linear = (
                linear
                + grad_to_use
                - ((jnp.power(new_accum, p_pow) - jnp.power(accum, p_pow)) / lr) * p
            )
            quadratic = jnp.power(new_accum, p_pow) / lr + 2 * l2_reg
            l1 = l1_regularization_strength
            new_p = (jnp.clip(linear, -l1, l1) - linear) / quadratic
            return new_p - p, new_accum, linear

        return _unzip3(one, updates, params, state.accumulator, state.linear, FtrlState)

    return optax.GradientTransformation(init_fn, update_fn)


def _prox(prox_v, step, l1, l2):
    # TF's ApplyProximal* kernels: soft-threshold by step*l1, then shrink by 1 + step*l2.
    shrunk = jnp.sign(prox_v) * jnp.maximum(jnp.abs(prox_v) - step * l1, 0.0)
    return shrunk / (1.0 + step * l2)


def proximal_gradient_descent(
    learning_rate, l1_regularization_strength: float = 0.0, l2_regularization_strength: float = 0.0
) -> optax.GradientTransformation:
    """Proximal gradient descent (TF 1.x ``ProximalGradientDescentOptimizer``). Needs params.

    ``v = p - lr g``, then ``sign(v) max(|v| - lr l1, 0) / (1 + lr l2)``. Not in optax.
    """

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError("proximal_gradient_descent needs params")

        def one(g, p):
            lr = _cast(learning_rate, p)
            new_p = _prox(p - lr * g, lr, l1_regularization_strength, l2_regularization_strength)
            return new_p - p

        return _map(one, updates, params), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update_fn)


class ProximalAdagradState(NamedTuple):
    accumulator: optax.Updates


def proximal_adagrad(
    learning_rate,
    initial_accumulator_value: float = 0.1,
    l1_regularization_strength: float = 0.0,
    l2_regularization_strength: float = 0.0,
) -> optax.GradientTransformation:
    """Proximal Adagrad (TF 1.x ``ProximalAdagradOptimizer``). Needs params.

    The Adagrad step ``lr / sqrt(accum)`` is used in both the gradient and the
    proximal step. Not in optax.
    """

    def init_fn(params):
        return ProximalAdagradState(optax.tree.full_like(params, initial_accumulator_value))

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError("proximal_adagrad needs params")

        def one(g, p, accum):
            accum = accum + jnp.square(g)
            step = _cast(learning_rate, p) * jax.lax.rsqrt(accum)
            new_p = _prox(
                p - g * step, step, l1_regularization_strength, l2_regularization_strength
            )
            return new_p - p, accum

        leaves, treedef = jax.tree_util.tree_flatten(updates)
        outs = [
            one(g, p, a)
            for g, p, a in zip(
                leaves, treedef.flatten_up_to(params), treedef.flatten_up_to(state.accumulator)
            )
        ]
        upd = jax.tree_util.tree_unflatten(treedef, [o[0] for o in outs])
        acc = jax.tree_util.tree_unflatten(treedef, [o[1] for o in outs])
        return upd, ProximalAdagradState(acc)

    return optax.GradientTransformation(init_fn, update_fn)


class AdagradDAState(NamedTuple):
    count: jax.Array
    gradient_accumulator: optax.Updates
    gradient_squared_accumulator: optax.Updates


def adagrad_da(
    learning_rate,
    initial_gradient_squared_accumulator_value: float = 0.1,
    l1_regularization_strength: float = 0.0,
    l2_regularization_strength: float = 0.0,
    step=None,
) -> optax.GradientTransformation:
    """Adagrad dual averaging (TF 1.x ``AdagradDAOptimizer``). Needs params.

    The parameter is recomputed from the gradient sums at step ``t`` (1-based):
    ``-lr sign(G) max(|G| - t l1, 0) / (t l2 lr + sqrt(S))``. Not in optax.
    """

    def init_fn(params):
        return AdagradDAState(
            _init_count(step),
            optax.tree.zeros_like(params),
            optax.tree.full_like(params, initial_gradient_squared_accumulator_value),
        )

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError("adagrad_da needs params")
        count = _next_count(state.count, step)

        def one(g, p, ga, gsq):
            lr = _cast(learning_rate, p)
            t = count.astype(p.dtype)
            ga = ga + g
            gsq = gsq + jnp.square(g)
            num = jnp.sign(ga) * jnp.maximum(jnp.abs(ga) - t * l1_regularization_strength, 0.0)
            new_p = -lr * num / (l2_regularization_strength * t * lr + jnp.sqrt(gsq))
            return new_p - p, ga, gsq

        upd, ga, gsq = _unzip3(
            one,
            updates,
            params,
            state.gradient_accumulator,
            state.gradient_squared_accumulator,
            tuple,
        )
        return upd, AdagradDAState(_state_count(count, step), ga, gsq)

    return optax.GradientTransformation(init_fn, update_fn)


def _unzip3(fn, updates, *trees_and_ctor):
    """Map ``fn`` (returning 3 values) over leaves; returns (updates, ctor(second, third))."""
    *trees, ctor = trees_and_ctor
    leaves, treedef = jax.tree_util.tree_flatten(updates)
    rest = [treedef.flatten_up_to(t) for t in trees]
    outs = [fn(*args) for args in zip(leaves, *rest)]
    parts = [jax.tree_util.tree_unflatten(treedef, [o[i] for o in outs]) for i in range(3)]
    if ctor is tuple:
        return parts[0], parts[1], parts[2]
    return parts[0], ctor(parts[1], parts[2])


# -- Keras' rules for IndexedSlices gradients where jtape uses optax's dense rule -------
# Same state structure as the optax rule they stand in for, so the slots carry over;
# used only while :func:`sparse_update` is active (a dense step never sees them).


def sparse_scale_by_rms(decay: float, eps: float, centered: bool) -> optax.GradientTransformation:
    """Keras RMSprop's ``g / sqrt(v + eps)`` with ``v`` from :func:`grad_square`."""
    base = (optax.scale_by_stddev if centered else optax.scale_by_rms)(
        decay=decay, eps=eps, initial_scale=0.0
    )

    def update_fn(updates, state, params=None):
        del params
        nu = _map(lambda g, n: decay * n + (1 - decay) * grad_square(g), updates, state.nu)
        if not centered:
            out = _map(lambda g, n: g / jnp.sqrt(n + eps), updates, nu)
            return out, state._replace(nu=nu)
        mu = _map(lambda g, m: decay * m + (1 - decay) * g, updates, state.mu)
        out = _map(lambda g, m, n: g / jnp.sqrt(n - jnp.square(m) + eps), updates, mu, nu)
        return out, state._replace(mu=mu, nu=nu)

    return optax.GradientTransformation(base.init, update_fn)


def sparse_adagrad(learning_rate, initial_accumulator_value: float, eps: float):
    """Keras Adagrad: ``acc += g**2`` (sum of squared slices), step ``lr g / sqrt(acc + eps)``."""
    base = optax.scale_by_rss(initial_accumulator_value, eps)

    def update_fn(updates, state, params=None):
        del params
        acc = _map(lambda g, a: a + grad_square(g), updates, state.sum_of_squares)
        out = _map(lambda g, a: g / jnp.sqrt(a + eps), updates, acc)
        return out, state._replace(sum_of_squares=acc)

    rss = optax.GradientTransformation(base.init, update_fn)
    return optax.chain(rss, optax.scale_by_learning_rate(learning_rate))


def sparse_adadelta(learning_rate, rho: float, eps: float):
    """Keras Adadelta; the squared step of a sparse gradient squares each slice."""
    base = optax.scale_by_adadelta(rho, eps)

    def update_fn(updates, state, params=None):
        del params
        e_g = _map(lambda g, e: rho * e + (1 - rho) * grad_square(g), updates, state.e_g)
        ratio = _map(lambda eg, ex: jnp.sqrt(ex + eps) / jnp.sqrt(eg + eps), e_g, state.e_x)
        out = _map(lambda g, r: r * g, updates, ratio)
        e_x = _map(
            lambda g, r, ex: rho * ex + (1 - rho) * jnp.square(r) * grad_square(g),
            updates,
            ratio,
            state.e_x,
        )
        return out, state._replace(e_g=e_g, e_x=e_x)

    step = optax.GradientTransformation(base.init, update_fn)
    # optax.adadelta's chain (its weight decay, 0 here, keeps the state's structure)
    return optax.chain(
        optax.add_decayed_weights(0.0), step, optax.scale_by_learning_rate(learning_rate)
    )


# -- Lion and LAMB as Keras (no per-variable count) -------------------------------------


class KerasLionState(NamedTuple):
    mu: optax.Updates


def scale_by_keras_lion(beta_1: float = 0.9, beta_2: float = 0.99) -> optax.GradientTransformation:
    """Lion's direction ``sign(b1 m + (1 - b1) g)``; then ``m = b2 m + (1 - b2) g``.

    ``optax.scale_by_lion`` computes the same but keeps a step count Keras has not
    (it would show as an extra optimizer variable). Keras casts the betas to the
    variable's dtype first (through float32).
    """

    def init_fn(params):
        return KerasLionState(optax.tree.zeros_like(params))

    def update_fn(updates, state, params=None):
        del params

        def direction(g, m):
            b1 = _cast_f32(beta_1, m)
            return jnp.sign(m * b1 + g * (1.0 - b1))

        def moment(g, m):
            b2 = _cast_f32(beta_2, m)
            return m * b2 + g * (1.0 - b2)

        out = _map(direction, updates, state.mu)
        return out, KerasLionState(_map(moment, updates, state.mu))

    return optax.GradientTransformation(init_fn, update_fn)


class KerasLambState(NamedTuple):
    mu: optax.Updates
    nu: optax.Updates


def keras_lamb(
    learning_rate, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, step=None
) -> optax.GradientTransformation:
    """LAMB as Keras: Adam's corrected direction scaled by the trust ratio ``|p| / |u|``.

    The bias correction uses the optimizer's shared step (Keras' ``iterations + 1``),
    so a variable skipped by a None gradient stays in step, unlike ``optax.lamb``'s
    count per variable. Needs params.
    """

    def init_fn(params):
        return KerasLambState(optax.tree.zeros_like(params), optax.tree.zeros_like(params))

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError("keras_lamb needs params")
        mu = _map(lambda g, m: m + (g - m) * (1 - beta_1), updates, state.mu)
        nu = _map(lambda g, v: v + (grad_square(g) - v) * (1 - beta_2), updates, state.nu)

        def one(m, v, p):
            t = step.astype(p.dtype)
            m_hat = m / (1.0 - _cast_f32(beta_1, p) ** t)
            v_sqrt = jnp.sqrt(v / (1.0 - _cast_f32(beta_2, p) ** t)) + _cast(epsilon, p)
            u = m_hat / v_sqrt
            w_norm = jnp.sqrt(jnp.sum(jnp.square(p)))
            g_norm = jnp.sqrt(jnp.sum(jnp.square(u)))
            safe = jnp.where(g_norm > 0, g_norm, 1)
            ratio = jnp.where(w_norm > 0, jnp.where(g_norm > 0, w_norm / safe, 1), 1)
            return -(ratio * _cast(learning_rate, p) * u)

        return _map(one, mu, nu, params), KerasLambState(mu, nu)

    return optax.GradientTransformation(init_fn, update_fn)


def _cast_f32(x, like):
    """A Python float as Keras' ``ops.cast(x, dtype)``: TF converts it to float32 first.

    The same as :func:`_cast` for float32 variables; for float64 ones it is the
    float32-rounded constant that Keras' rules use (e.g. ``beta_2 ** t``).
    """
    return jnp.asarray(jnp.float32(x), dtype=like.dtype)
