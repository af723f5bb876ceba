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
import numpy as np
from jax import lax

from .._op import op
from .._state import state
from .._tensor import Tensor, to_value
from .._variable import Variable, init_scope
from . import activations as _activations
from . import initializers as _initializers
from . import regularizers as _regularizers
from ._core_layers import _FUSED, _layer_generator
from ._layer import Layer

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


def _zeros_if_none(state, xz, recurrent_kernel):
    if state is not None:
        return state
    return jnp.zeros((xz.shape[0], recurrent_kernel.shape[0]), xz.dtype)


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
    h0 = _zeros_if_none(h0, xz, recurrent_kernel)

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
    h0 = _zeros_if_none(h0, xz, recurrent_kernel)
    c0 = _zeros_if_none(c0, xz, recurrent_kernel)

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
    h0 = _zeros_if_none(h0, xz, recurrent_kernel)

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


@op(name="rnn_dropout_mask")
def _dropout_mask(key_data, shape, rate, dtype):
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


# ----------------------------------------------------------------------------- layers


class _RNN(Layer):
    """Shared arguments, weights and call logic of SimpleRNN, LSTM and GRU."""

    _gates = 1
    _num_states = 1

    def __init__(
        self,
        units: int,
        activation="tanh",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        **kwargs,
    ) -> None:
        # Keras' implementation switches (cuDNN, gate fusion) have no meaning here.
        for ignored in ("use_cudnn", "implementation", "time_major"):
            kwargs.pop(ignored, None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(
                "Received an invalid value for argument `units`, expected a positive "
                f"integer, got {units!r}."
            )
        for name, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
                raise ValueError(
                    f"Invalid value received for argument `{name}`. Expected a float value "
                    f"between 0 and 1. Received: {name}={rate!r}"
                )
        self.units = units
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.recurrent_initializer = _initializers.get(recurrent_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = _regularizers.get(recurrent_regularizer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.recurrent_constraint = recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.seed = seed
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        # A generator only where dropout needs one: creating it splits the global
        # generator, which would shift every later unseeded layer's random stream.
        self.generator = (
            _layer_generator(seed) if self.dropout > 0 or self.recurrent_dropout > 0 else None
        )
        self.kernel = None
        self.recurrent_kernel = None
        self.bias = None
        self.states = None

    # -- weights --------------------------------------------------------------------------
    def _bias_shape(self) -> tuple:
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible with "
                f"the layer: expected ndim=3 (batch, timesteps, features), found "
                f"ndim={len(input_shape)}. Full shape received: {input_shape}"
            )
        if input_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: the feature dimension of the inputs "
                f"must be known, got input_shape={input_shape}"
            )
        width = self._gates * self.units
        self.kernel = self.add_weight(
            shape=(int(input_shape[-1]), width),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=self._bias_shape(),
                name="bias",
                initializer=self._bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        if self.stateful:
            if input_shape[0] is None:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: a stateful RNN needs a fixed batch "
                    "size; pass `batch_size` to `Input` (or `batch_input_shape`)."
                )
            with init_scope():
                self.states = [
                    Variable(
                        jnp.zeros((int(input_shape[0]), self.units), self.dtype),
                        trainable=False,
                        name=f"{self._scope_name}state_{i}",
                    )
                    for i in range(self._num_states)
                ]
        self.built = True  # also when build() is called directly, as Keras 3 does

    def reset_states(self) -> None:
        """Zero the states of a stateful layer."""
        for v in self.states or ():
            v.assign(jnp.zeros(v.shape, v.dtype))

    reset_state = reset_states

    def get_initial_state(self, batch_size: int) -> list[Tensor]:
        return [
            Tensor(jnp.zeros((batch_size, self.units), self.dtype)) for _ in range(self._num_states)
        ]

    # -- calling --------------------------------------------------------------------------
    def _initial_states(self, inputs, initial_state) -> list:
        if initial_state is None:
            if self.stateful:
                return list(self.states)
            return [None] * self._num_states
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        initial_state = list(initial_state)
        if len(initial_state) != self._num_states:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} expects {self._num_states} initial "
                f"state tensor(s) in `initial_state`, got {len(initial_state)}"
            )
        expected = (inputs.shape[0], self.units)
        for i, s in enumerate(initial_state):
            shape = tuple(getattr(s, "shape", np.shape(s)))
            if shape != expected:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: `initial_state[{i}]` must have "
                    f"shape {expected} (batch, units), got {shape}"
                )
        return [self._convert_input(s) for s in initial_state]

    def _dropout_masks(self, inputs, training) -> tuple:
        if not training:
            return None, None
        batch = inputs.shape[0]
        masks = []
        for rate, width in (
            (self.dropout, inputs.shape[-1]),
            (self.recurrent_dropout, self.units),
        ):
            if rate == 0:
                masks.append(None)
            elif rate == 1:
                masks.append(Tensor(jnp.zeros((batch, width), inputs.dtype)))
            else:
                key = self.generator.next_key_data()
                masks.append(_dropout_mask(key, (batch, width), rate, inputs.dtype))
        return tuple(masks)

    def _check_inputs(self, inputs, mask) -> None:
        if len(inputs.shape) != 3:
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible with "
                f"the layer: expected ndim=3 (batch, timesteps, features), found "
                f"ndim={len(inputs.shape)}. Full shape received: {tuple(inputs.shape)}"
            )
        if inputs.shape[-1] != self.kernel.shape[0]:
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible with "
                f"the layer: expected axis -1 of input shape to have value "
                f"{self.kernel.shape[0]}, but received input with shape {tuple(inputs.shape)}"
            )
        if mask is not None:
            shape = tuple(getattr(mask, "shape", np.shape(mask)))
            if shape != tuple(inputs.shape[:2]):
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: `mask` must have shape "
                    f"{tuple(inputs.shape[:2])} (batch, timesteps), got {shape}"
                )

    def call(self, sequences, initial_state=None, mask=None, training=False):
        self._check_inputs(sequences, mask)
        states = self._initial_states(sequences, initial_state)
        input_mask, recurrent_mask = self._dropout_masks(sequences, training)
        outputs = self._run(
            sequences,
            states,
            mask,
            input_mask,
            recurrent_mask,
            go_backwards=self.go_backwards,
            return_sequences=self.return_sequences,
            unroll=self.unroll,
        )
        output, final_states = outputs[0], list(outputs[1:])
        if self.stateful:
            for var, value in zip(self.states, final_states):
                var.assign(value)
        if self.return_state:
            return (output, *final_states)
        return output

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": _activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
        }


class SimpleRNN(_RNN):
    """Fully connected RNN: ``h_t = activation(x_t W + h_{t-1} U + b)`` (Keras' SimpleRNN).

    All time steps run as one ``lax.scan`` inside one jtape op. Call with
    ``(inputs, initial_state=None, mask=None, training=None)``; returns the last output,
    or the whole sequence with ``return_sequences``, followed by the final state with
    ``return_state``. ``go_backwards`` returns the sequence in processing (reversed)
    order, as Keras does.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> rnn = nn.SimpleRNN(4, return_sequences=True, return_state=True)
        >>> seq, h = rnn(jt.ones((2, 5, 3)))
        >>> seq.shape, h.shape
        ((2, 5, 4), (2, 4))
    """

    def _run(self, x, states, mask, input_mask, recurrent_mask, **kw):
        return simple_rnn(
            x,
            states[0],
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            mask,
            input_mask,
            recurrent_mask,
            activation=raw_activation(self.activation),
            **kw,
        )


class LSTM(_RNN):
    """Long short-term memory layer (``keras.layers.LSTM``), gates ``[i, f, c, o]``.

    Weights: ``kernel`` ``(features, 4 * units)``, ``recurrent_kernel`` ``(units, 4 *
    units)`` (orthogonal by default) and ``bias`` ``(4 * units,)``, whose forget-gate part
    starts at one with ``unit_forget_bias``. ``return_state`` adds ``h`` and ``c``.
    With ``dropout``/``recurrent_dropout`` one mask per sequence is shared by all gates
    (Keras draws a separate mask per gate when ``recurrent_dropout > 0``).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> lstm = nn.LSTM(4, return_state=True)
        >>> out, h, c = lstm(jt.ones((2, 5, 3)))
        >>> out.shape, c.shape
        ((2, 4), (2, 4))
        >>> lstm.bias.numpy()[4:8].tolist()
        [1.0, 1.0, 1.0, 1.0]
    """

    _gates = 4
    _num_states = 2

    def __init__(
        self,
        units: int,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            **kwargs,
        )
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, units = self.bias_initializer, self.units

        def with_forget_bias(shape, dtype=None):
            # Keras: bias_initializer for i, ones for f, bias_initializer for c and o.
            parts = [init((units,), dtype), jnp.ones((units,), dtype), init((2 * units,), dtype)]
            return Tensor(jnp.concatenate([to_value(p) for p in parts]))

        return with_forget_bias

    def _run(self, x, states, mask, input_mask, recurrent_mask, **kw):
        return lstm(
            x,
            states[0],
            states[1],
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            mask,
            input_mask,
            recurrent_mask,
            activation=raw_activation(self.activation),
            recurrent_activation=raw_activation(self.recurrent_activation),
            **kw,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent_activation": _activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }


class GRU(_RNN):
    """Gated recurrent unit (``keras.layers.GRU``), gates ``[z, r, h]``.

    ``reset_after=True`` (the Keras 3 default, cuDNN-compatible) applies the reset gate
    after the recurrent matmul and uses a ``(2, 3 * units)`` bias (input and recurrent
    biases); ``reset_after=False`` uses a ``(3 * units,)`` bias.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> gru = nn.GRU(4, return_sequences=True, return_state=True)
        >>> seq, h = gru(jt.ones((2, 5, 3)))
        >>> seq.shape, h.shape, gru.bias.shape
        ((2, 5, 4), (2, 4), (2, 12))
    """

    _gates = 3

    def __init__(
        self,
        units: int,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        reset_after: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            **kwargs,
        )
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _run(self, x, states, mask, input_mask, recurrent_mask, **kw):
        return gru(
            x,
            states[0],
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            mask,
            input_mask,
            recurrent_mask,
            activation=raw_activation(self.activation),
            recurrent_activation=raw_activation(self.recurrent_activation),
            reset_after=self.reset_after,
            **kw,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent_activation": _activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }
