"""Recurrent layers (Keras ``SimpleRNN``, ``LSTM``, ``GRU``) on ``jax.lax.scan``.

A whole layer call, all time steps, is one jtape op: the input projection of every step
is one matmul, the recurrence is one ``lax.scan``, and a tape records a single node
whose gradient is JAX's VJP of the scan.

Semantics follow Keras 3: gate orders ``[i, f, c, o]`` (LSTM) and ``[z, r, h]`` (GRU),
``go_backwards`` returns the sequence in the order it was processed (reversed), and
masked time steps keep the previous output and state.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from .._op import op

# ----------------------------------------------------------------------------- pure math


def _scan(step, carry, xs, mask, *, go_backwards, return_sequences, unroll):
    """Run ``step(carry, x_t) -> carry`` over batch-major ``xs``; output is ``carry[0]``.

    ``xs`` is ``(batch, time, features)``; ``mask`` is ``(batch, time)`` booleans or
    None. Returns ``(outputs or last output, final carry)``.
    """
    xs = jnp.swapaxes(xs, 0, 1)
    if mask is not None:
        mask = jnp.swapaxes(mask.astype(bool), 0, 1)[..., None]

    def body(c, inp):
        x_t, m_t = inp
        new = step(c, x_t)
        if m_t is not None:
            # Keras: a masked step carries the previous output and states through.
            new = tuple(jnp.where(m_t, n, o) for n, o in zip(new, c))
        return new, (new[0] if return_sequences else None)

    final, ys = lax.scan(
        body, carry, (xs, mask), reverse=go_backwards, unroll=True if unroll else 1
    )
    if not return_sequences:
        return final[0], final
    ys = jnp.swapaxes(ys, 0, 1)
    if go_backwards:
        # scan(reverse=True) stores step t's output at position t; Keras returns the
        # outputs in processing order, i.e. reversed.
        ys = jnp.flip(ys, axis=1)
    return ys, final


def _project(x, kernel, bias, input_mask):
    if input_mask is not None:
        # One dropout mask per sequence, shared by all time steps (Gal & Ghahramani).
        x = x * input_mask[:, None, :]
    z = x @ kernel
    return z if bias is None else z + bias


def _simple_rnn(
    x,
    h0,
    kernel,
    recurrent_kernel,
    bias=None,
    mask=None,
    input_mask=None,
    recurrent_mask=None,
    *,
    activation=jnp.tanh,
    go_backwards=False,
    return_sequences=False,
    unroll=False,
):
    """``h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)``.

    Returns ``(outputs, h_T)``: outputs are ``(batch, time, units)`` if
    ``return_sequences`` else the last output ``(batch, units)``.
    """
    xz = _project(x, kernel, bias, input_mask)

    def step(carry, xz_t):
        (h,) = carry
        hr = h if recurrent_mask is None else h * recurrent_mask
        return (activation(xz_t + hr @ recurrent_kernel),)

    out, (h,) = _scan(
        step,
        (h0,),
        xz,
        mask,
        go_backwards=go_backwards,
        return_sequences=return_sequences,
        unroll=unroll,
    )
    return out, h


def _lstm(
    x,
    h0,
    c0,
    kernel,
    recurrent_kernel,
    bias=None,
    mask=None,
    input_mask=None,
    recurrent_mask=None,
    *,
    activation=jnp.tanh,
    recurrent_activation=jax.nn.sigmoid,
    go_backwards=False,
    return_sequences=False,
    unroll=False,
):
    """Keras LSTM, gates ``[i, f, c, o]``. Returns ``(outputs, h_T, c_T)``."""
    xz = _project(x, kernel, bias, input_mask)

    def step(carry, xz_t):
        h, c = carry
        hr = h if recurrent_mask is None else h * recurrent_mask
        z = xz_t + hr @ recurrent_kernel
        zi, zf, zc, zo = jnp.split(z, 4, axis=-1)
        i = recurrent_activation(zi)
        f = recurrent_activation(zf)
        c = f * c + i * activation(zc)
        o = recurrent_activation(zo)
        return o * activation(c), c

    out, (h, c) = _scan(
        step,
        (h0, c0),
        xz,
        mask,
        go_backwards=go_backwards,
        return_sequences=return_sequences,
        unroll=unroll,
    )
    return out, h, c


def _gru(
    x,
    h0,
    kernel,
    recurrent_kernel,
    bias=None,
    mask=None,
    input_mask=None,
    recurrent_mask=None,
    *,
    activation=jnp.tanh,
    recurrent_activation=jax.nn.sigmoid,
    reset_after=True,
    go_backwards=False,
    return_sequences=False,
    unroll=False,
):
    """Keras GRU, gates ``[z, r, h]``. Returns ``(outputs, h_T)``.

    With ``reset_after`` (the Keras default, cuDNN's form) ``bias`` is ``(2, 3*units)``:
    input and recurrent biases, and the reset gate multiplies ``h @ U_h + b_rh``.
    Otherwise ``bias`` is ``(3*units,)`` and the reset gate multiplies ``h`` before
    ``U_h``.
    """
    units = recurrent_kernel.shape[0]
    if bias is not None and reset_after:
        input_bias, recurrent_bias = bias[0], bias[1]
    else:
        input_bias, recurrent_bias = bias, None
    xz = _project(x, kernel, input_bias, input_mask)

    def step(carry, xz_t):
        (h,) = carry
        hr = h if recurrent_mask is None else h * recurrent_mask
        x_z, x_r, x_h = jnp.split(xz_t, 3, axis=-1)
        if reset_after:
            inner = hr @ recurrent_kernel
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
        else:
            inner = hr @ recurrent_kernel[:, : 2 * units]
        z = recurrent_activation(x_z + inner[:, :units])
        r = recurrent_activation(x_r + inner[:, units : 2 * units])
        if reset_after:
            rec_h = r * inner[:, 2 * units :]
        else:
            rec_h = (r * hr) @ recurrent_kernel[:, 2 * units :]
        hh = activation(x_h + rec_h)
        return (z * h + (1 - z) * hh,)

    out, (h,) = _scan(
        step,
        (h0,),
        xz,
        mask,
        go_backwards=go_backwards,
        return_sequences=return_sequences,
        unroll=unroll,
    )
    return out, h


# Eager calls run each op's function directly, so jit it: one compiled program per
# static configuration instead of re-tracing the scan on every call. Inside a
# jt.function trace the inner jit is simply inlined.
_STATIC = ("activation", "go_backwards", "return_sequences", "unroll")
simple_rnn = op(jax.jit(_simple_rnn, static_argnames=_STATIC), name="simple_rnn")
lstm = op(jax.jit(_lstm, static_argnames=(*_STATIC, "recurrent_activation")), name="lstm")
gru = op(
    jax.jit(_gru, static_argnames=(*_STATIC, "recurrent_activation", "reset_after")), name="gru"
)
