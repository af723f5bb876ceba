"""The pure math of recurrent layers: one step of each cell and the masked time loop.

Everything here is a function on ``jax`` arrays. A whole layer call, all time steps, is
one jtape op: the input projection of every step is one matmul, the recurrence is one
``lax.scan``, and a tape records a single node whose gradient is JAX's VJP of the scan.

Semantics follow Keras 3: gate orders ``[i, f, c, o]`` (LSTM) and ``[z, r, h]`` (GRU);
``go_backwards`` returns the sequence in the order it was processed (reversed); a masked
step carries the previous states through and outputs the previous step's output (zeros
before the first unmasked step), or zeros with ``zero_output_for_mask``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from .._op import op
from .._state import state
from .._tensor import Tensor, to_value
from . import activations as _activations
from ._core_layers import _FUSED

_tree_map = jax.tree_util.tree_map


def _where_step(keep, new, old):
    """``where(keep, new, old)`` with a ``(batch, ...)`` mask broadcast over trailing axes."""
    return jnp.where(keep.reshape(keep.shape + (1,) * (new.ndim - keep.ndim)), new, old)


def scan(
    step,
    states,
    xs,
    mask,
    output_init,
    *,
    go_backwards: bool,
    return_sequences: bool,
    unroll: bool,
    zero_output_for_mask: bool = False,
):
    """Run ``step(states, x_t) -> (output_t, new_states)`` over batch-major ``xs``.

    ``xs`` is a pytree of ``(batch, time, ...)`` arrays, ``mask`` ``(batch, time)`` or
    None, ``output_init`` the output "before" the first step (zeros). Returns
    ``(outputs (batch, time, ...) or the last output, final states)``.
    """
    xs = _tree_map(lambda a: jnp.swapaxes(a, 0, 1), xs)
    if mask is not None:
        mask = jnp.swapaxes(mask.astype(bool), 0, 1)

    def body(carry, inp):
        prev_out, st = carry
        x_t, m_t = inp
        out, new = step(st, x_t)
        if m_t is not None:
            new = _tree_map(lambda n, o: _where_step(m_t, n, o), new, st)
            fill = jnp.zeros_like(out) if zero_output_for_mask else prev_out
            out = _where_step(m_t, out, fill)
        return (out, new), (out if return_sequences else None)

    (last, final), ys = lax.scan(
        body,
        (output_init, states),
        (xs, mask),
        reverse=go_backwards,
        unroll=True if unroll else 1,
    )
    if not return_sequences:
        return last, final
    ys = jnp.swapaxes(ys, 0, 1)
    if go_backwards:
        # scan(reverse=True) stores step t's output at position t; Keras returns the
        # outputs in processing order, i.e. reversed.
        ys = jnp.flip(ys, axis=1)
    return ys, final


def project(x, kernel, bias, input_mask):
    """``x @ kernel + bias`` for one step ``(batch, f)`` or all steps ``(batch, time, f)``."""
    if input_mask is not None:
        # One dropout mask per sequence, shared by all time steps (Gal & Ghahramani).
        x = x * (input_mask if x.ndim == 2 else input_mask[:, None, :])
    z = x @ kernel
    return z if bias is None else z + bias


def simple_step(xz_t, h, recurrent_kernel, recurrent_mask, activation):
    hr = h if recurrent_mask is None else h * recurrent_mask
    return activation(xz_t + hr @ recurrent_kernel)


def lstm_step(xz_t, h, c, recurrent_kernel, recurrent_mask, activation, recurrent_activation):
    hr = h if recurrent_mask is None else h * recurrent_mask
    z = xz_t + hr @ recurrent_kernel
    zi, zf, zc, zo = jnp.split(z, 4, axis=-1)
    i = recurrent_activation(zi)
    f = recurrent_activation(zf)
    c = f * c + i * activation(zc)
    o = recurrent_activation(zo)
    return o * activation(c), c


def gru_biases(bias, reset_after):
    """``(input bias, recurrent bias)``: a ``(2, 3u)`` bias splits with ``reset_after``."""
    if bias is not None and reset_after:
        return bias[0], bias[1]
    return bias, None


def gru_step(
    xz_t, h, recurrent_kernel, recurrent_bias, recurrent_mask, activation,
    recurrent_activation, reset_after,
):  # fmt: skip
    units = recurrent_kernel.shape[0]
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
    return z * h + (1 - z) * hh


def _zeros_if_none(s, xz, recurrent_kernel):
    if s is not None:
        return s
    return jnp.zeros((xz.shape[0], recurrent_kernel.shape[0]), xz.dtype)


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
    zero_output_for_mask=False,
):
    """``h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)``.

    Returns ``(outputs, h_T)``: outputs are ``(batch, time, units)`` if
    ``return_sequences`` else the last output ``(batch, units)``.
    """
    xz = project(x, kernel, bias, input_mask)
    h0 = _zeros_if_none(h0, xz, recurrent_kernel)

    def step(carry, xz_t):
        h = simple_step(xz_t, carry[0], recurrent_kernel, recurrent_mask, activation)
        return h, (h,)

    out, (h,) = scan(
        step,
        (h0,),
        xz,
        mask,
        jnp.zeros_like(h0),
        go_backwards=go_backwards,
        return_sequences=return_sequences,
        unroll=unroll,
        zero_output_for_mask=zero_output_for_mask,
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
    zero_output_for_mask=False,
):
    """Keras LSTM, gates ``[i, f, c, o]``. Returns ``(outputs, h_T, c_T)``."""
    xz = project(x, kernel, bias, input_mask)
    h0 = _zeros_if_none(h0, xz, recurrent_kernel)
    c0 = _zeros_if_none(c0, xz, recurrent_kernel)

    def step(carry, xz_t):
        h, c = lstm_step(
            xz_t, *carry, recurrent_kernel, recurrent_mask, activation, recurrent_activation
        )
        return h, (h, c)

    out, (h, c) = scan(
        step,
        (h0, c0),
        xz,
        mask,
        jnp.zeros_like(h0),
        go_backwards=go_backwards,
        return_sequences=return_sequences,
        unroll=unroll,
        zero_output_for_mask=zero_output_for_mask,
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
    zero_output_for_mask=False,
):
    """Keras GRU, gates ``[z, r, h]``. Returns ``(outputs, h_T)``.

    With ``reset_after`` (the Keras default, cuDNN's form) ``bias`` is ``(2, 3*units)``:
    input and recurrent biases, and the reset gate multiplies ``h @ U_h + b_rh``.
    Otherwise ``bias`` is ``(3*units,)`` and the reset gate multiplies ``h`` before
    ``U_h``.
    """
    input_bias, recurrent_bias = gru_biases(bias, reset_after)
    xz = project(x, kernel, input_bias, input_mask)
    h0 = _zeros_if_none(h0, xz, recurrent_kernel)

    def step(carry, xz_t):
        h = gru_step(
            xz_t,
            carry[0],
            recurrent_kernel,
            recurrent_bias,
            recurrent_mask,
            activation,
            recurrent_activation,
            reset_after,
        )
        return h, (h,)

    out, (h,) = scan(
        step,
        (h0,),
        xz,
        mask,
        jnp.zeros_like(h0),
        go_backwards=go_backwards,
        return_sequences=return_sequences,
        unroll=unroll,
        zero_output_for_mask=zero_output_for_mask,
    )
    return out, h


# Eager calls run each op's function directly, so jit it: one compiled program per
# static configuration instead of re-tracing the scan on every call. Inside a
# jt.function trace the inner jit is simply inlined.
_STATIC = ("activation", "go_backwards", "return_sequences", "unroll", "zero_output_for_mask")
simple_rnn = op(jax.jit(_simple_rnn, static_argnames=_STATIC), name="simple_rnn")
lstm = op(jax.jit(_lstm, static_argnames=(*_STATIC, "recurrent_activation")), name="lstm")
gru = op(
    jax.jit(_gru, static_argnames=(*_STATIC, "recurrent_activation", "reset_after")), name="gru"
)


@op(name="rnn_dropout_mask")
def dropout_mask(key_data, shape, rate, dtype):
    keep = jax.random.bernoulli(jax.random.wrap_key_data(key_data), 1.0 - rate, shape)
    return keep.astype(dtype) / jnp.asarray(1.0 - rate, dtype)


# ----------------------------------------------------------------------------- activations

_RAW: dict = {}


def raw_activation(fn):
    """The pure JAX function of a Keras activation, for use inside the scan.

    Built-in activations map to their ``jax.nn`` function. Any other callable on
    Tensors is adapted: it is called on a Tensor view of the array with recording
    paused (the enclosing op is what the tape records). Adapters are cached so the
    op's static arguments, and hence its compiled program, stay the same across calls.
    """
    if fn in _FUSED:
        return _FUSED[fn] or _identity
    if fn is _activations.hard_sigmoid:
        return jax.nn.hard_sigmoid
    raw = _RAW.get(fn)
    if raw is None:

        def raw(v, _fn=fn):
            saved = state.recorders
            state.recorders = []
            try:
                return to_value(_fn(Tensor(v)))
            finally:
                state.recorders = saved

        _RAW[fn] = raw
    return raw


def _identity(v):
    return v
