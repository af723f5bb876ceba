"""Convolutional LSTM layers (Keras' ``ConvLSTM1D``, ``ConvLSTM2D``, ``ConvLSTM3D``).

An LSTM whose input and recurrent transformations are convolutions: states ``h`` and
``c`` are feature maps. A whole layer call is one jtape op: the input convolution of
every time step runs as one convolution over ``(batch * time, ...)``, the recurrence
(a stride-1 ``'same'`` convolution of ``h``) is one ``lax.scan`` (:func:`scan` of
:mod:`jtape.nn._rnn_math`, so masks and ``go_backwards`` follow Keras 3 as in ``LSTM``).

Weights are Keras 3's ``ConvLSTMCell``'s, held by ``layer.cell`` (``conv_lstm_cell``):
``kernel`` ``(*kernel_size, channels, 4 * filters)``, ``recurrent_kernel``
``(*kernel_size, filters, 4 * filters)`` and ``bias`` ``(4 * filters,)``, gates
``[i, f, c, o]`` along the last axis.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _conv_math
from .._math_ops import cast as _cast
from .._op import op
from .._op_errors import InvalidArgumentError
from .._tensor import Tensor, to_value
from .._variable import Variable, init_scope
from . import activations as _activations
from . import initializers as _initializers
from . import regularizers as _regularizers
from ._conv import (
    _dimension_numbers,
    conv_output_size,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
)
from ._core_layers import _layer_generator
from ._layer import Layer
from ._recurrent import RNN
from ._rnn_cells import _clip_rate, _serialize_initializer
from ._rnn_math import dropout_mask, raw_activation, scan

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "ConvLSTMCell", "conv_lstm"]


# ----------------------------------------------------------------------------- pure math


def _input_conv(x, kernel, bias, strides, padding, dilation, channels_last):
    """``conv(x, kernel) + bias`` for ``x`` of shape ``(batch, *step)``."""
    rank = kernel.ndim - 2
    dn = _dimension_numbers(rank, channels_last)
    z = _conv_math.convolution(x, kernel, strides, padding.upper(), dilation, dn)
    if bias is not None:
        z = z + (bias if channels_last else bias.reshape((1, -1) + (1,) * rank))
    return z


def _recurrent_conv(h, recurrent_kernel, channels_last):
    rank = recurrent_kernel.ndim - 2
    ones = (1,) * rank
    dn = _dimension_numbers(rank, channels_last)
    return _conv_math.convolution(h, recurrent_kernel, ones, "SAME", ones, dn)


def _per_gate(conv, x, kernel, bias, masks, channels_last):
    """``conv(x, kernel, bias)``; with dropout ``masks`` ``(4, ...)`` gate ``g`` (one quarter
    of the kernel's outputs) sees ``x * masks[g]``, as Keras' ConvLSTMCell."""
    if masks is None:
        return conv(x, kernel, bias)
    kernels = jnp.split(kernel, 4, axis=-1)
    biases = [None] * 4 if bias is None else jnp.split(bias, 4)
    parts = [conv(x * masks[g], kernels[g], biases[g]) for g in range(4)]
    return jnp.concatenate(parts, axis=-1 if channels_last else 1)


def conv_lstm_step(xz_t, h, c, recurrent_kernel, recurrent_mask, acts, channels_last):
    """One ConvLSTM step from the input convolution ``xz_t``: returns ``(h, c)``."""
    activation, recurrent_activation = acts
    z = xz_t + _per_gate(
        lambda a, k, _: _recurrent_conv(a, k, channels_last),
        h,
        recurrent_kernel,
        None,
        recurrent_mask,
        channels_last,
    )
    zi, zf, zc, zo = jnp.split(z, 4, axis=-1 if channels_last else 1)
    i = recurrent_activation(zi)
    f = recurrent_activation(zf)
    c = f * c + i * activation(zc)
    o = recurrent_activation(zo)
    return o * activation(c), c


def _conv_lstm(
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
    strides,
    padding,
    dilation_rate,
    channels_last=True,
    activation=jnp.tanh,
    recurrent_activation=jax.nn.sigmoid,
    go_backwards=False,
    return_sequences=False,
    unroll=False,
    zero_output_for_mask=False,
):
    """Keras' ConvLSTM over ``x`` ``(batch, time, *step)``. Returns ``(outputs, h_T, c_T)``.

    ``h0``/``c0`` None start from zeros. ``input_mask`` ``(4, batch, *step)`` and
    ``recurrent_mask`` ``(4, *h.shape)`` are Keras' dropout masks, one per gate
    ``[i, f, c, o]``, drawn once per sequence and shared by all steps (or None).
    """
    batch, steps = x.shape[:2]

    def conv(a, k, b):  # all steps at once: (batch, time, ...) -> (batch * time, ...)
        flat = a.reshape((batch * steps,) + a.shape[2:])
        z = _input_conv(flat, k, b, strides, padding, dilation_rate, channels_last)
        return z.reshape((batch, steps) + z.shape[1:])

    masks = None if input_mask is None else input_mask[:, :, None]
    xz = _per_gate(conv, x, kernel, bias, masks, channels_last)
    state_shape = (batch,) + xz.shape[2:-1] + (xz.shape[-1] // 4,)
    if not channels_last:
        state_shape = (batch, xz.shape[2] // 4) + xz.shape[3:]
    h0 = jnp.zeros(state_shape, xz.dtype) if h0 is None else h0
    c0 = jnp.zeros(state_shape, xz.dtype) if c0 is None else c0
    acts = (activation, recurrent_activation)

    def step(carry, xz_t):
        h, c = conv_lstm_step(xz_t, *carry, recurrent_kernel, recurrent_mask, acts, channels_last)
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


_STATIC = (
    "strides",
    "padding",
    "dilation_rate",
    "channels_last",
    "activation",
    "recurrent_activation",
    "go_backwards",
    "return_sequences",
    "unroll",
    "zero_output_for_mask",
)
conv_lstm = op(jax.jit(_conv_lstm, static_argnames=_STATIC), name="conv_lstm")


@op(name="conv_lstm_cell")
def _conv_lstm_cell(x, h, c, kernel, recurrent_kernel, bias, input_mask, recurrent_mask, conf):
    strides, padding, dilation, channels_last, acts = conf

    def conv(a, k, b):
        return _input_conv(a, k, b, strides, padding, dilation, channels_last)

    xz = _per_gate(conv, x, kernel, bias, input_mask, channels_last)
    return conv_lstm_step(xz, h, c, recurrent_kernel, recurrent_mask, acts, channels_last)


# ----------------------------------------------------------------------------- cell


class ConvLSTMCell(Layer):
    """One ConvLSTM step (Keras' ``ConvLSTMCell``), gates ``[i, f, c, o]``.

    Call with ``(inputs, [h, c], training=False)`` where ``inputs`` is one time step
    ``(batch, *spatial, channels)`` (or channels first); returns ``(h, [h, c])``.

    Example:
        >>> import jtape as jt
        >>> from jtape.nn._conv_lstm import ConvLSTMCell
        >>> cell = ConvLSTMCell(2, 4, 3, padding="same")
        >>> h0 = jt.zeros((1, 5, 5, 4))
        >>> out, (h, c) = cell(jt.ones((1, 5, 5, 2)), [h0, h0])
        >>> out.shape, cell.kernel.shape
        ((1, 5, 5, 4), (3, 3, 2, 16))
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
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
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if rank not in (1, 2, 3):
            raise ValueError(
                f"Rank {rank} convolutions are not currently implemented. Received: rank={rank}"
            )
        # Keras takes any positive whole number (2.0 too) and keeps it as given.
        if isinstance(filters, bool) or not isinstance(filters, (int, float)):
            filters = None
        if filters is None or filters <= 0 or int(filters) != filters:
            raise ValueError(
                "Invalid value for argument `filters`. Expected a strictly positive value. "
                f"Received filters={filters}."
            )
        self.rank = rank
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides", allow_zero=True)
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Please "
                "provide `strides=1` or `dilation_rate=1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        if min(self.strides) < 1:
            raise ValueError(f"The `strides` argument must be positive. Received: {strides}")
        self.activation = _activations.get(activation)
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.recurrent_initializer = _initializers.get(recurrent_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = _regularizers.get(recurrent_regularizer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.recurrent_constraint = recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = _clip_rate("dropout", dropout)
        self.recurrent_dropout = _clip_rate("recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self.generator = (
            _layer_generator(seed)
            if 0 < self.dropout < 1 or 0 < self.recurrent_dropout < 1
            else None
        )
        self.kernel = None
        self.recurrent_kernel = None
        self.bias = None
        self.spatial_dims = None
        self.input_dim = None

    @property
    def channels_last(self) -> bool:
        return self.data_format == "channels_last"

    def state_shape(self, step_shape) -> tuple:
        """Shape of ``h`` (and ``c``) for one input step of shape ``step_shape``."""
        spatial = step_shape[1:-1] if self.channels_last else step_shape[2:]
        out = tuple(
            conv_output_size(n, k, s, d, self.padding)
            for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )
        if self.channels_last:
            return (step_shape[0], *out, int(self.filters))
        return (step_shape[0], int(self.filters), *out)

    @property
    def state_size(self):
        if self.spatial_dims is None:
            return [int(self.filters)] * 2  # the channels, until the cell is built
        shape = self.state_shape((None, *self.spatial_dims, self.input_dim))
        return [shape[1:], shape[1:]]

    def build(self, input_shape) -> None:
        shape = tuple(input_shape)
        if len(shape) != self.rank + 2:
            raise ValueError(
                f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                f"ndim={self.rank + 2}, found ndim={len(shape)}. Full shape received: {shape}"
            )
        self.spatial_dims = shape[1:-1] if self.channels_last else shape[2:]
        channels = shape[-1] if self.channels_last else shape[1]
        if None in self.spatial_dims:
            raise ValueError(
                "ConvLSTM layers only support static input shapes for the spatial "
                f"dimension. Received invalid input shape: input_shape={shape}"
            )
        if channels is None:
            raise ValueError(
                "The channel dimension of the inputs (last axis) should be defined. Found "
                f"None. Full input shape received: input_shape={shape}"
            )
        self.input_dim = int(channels)
        state = self.state_shape(shape)
        if min(state[1:]) <= 0:
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: the input convolution of a step of "
                f"shape {shape} gives an empty output {state} (kernel_size="
                f"{self.kernel_size}, padding={self.padding!r}); Keras fails on it too."
            )
        width = 4 * int(self.filters)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (self.input_dim, width),
            initializer=self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (int(self.filters), width),
            initializer=self.recurrent_initializer,
            name="recurrent_kernel",
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(width,),
                name="bias",
                initializer=self._bias_init(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, n = self.bias_initializer, int(self.filters)

        def with_forget_bias(shape, dtype=None):
            # Keras: bias_initializer for i, ones for f, bias_initializer for c and o.
            parts = [init((n,), dtype), jnp.ones((n,), dtype), init((2 * n,), dtype)]
            return Tensor(jnp.concatenate([to_value(p) for p in parts]))

        return with_forget_bias

    def _acts(self) -> tuple:
        return raw_activation(self.activation), raw_activation(self.recurrent_activation)

    def _conf(self) -> tuple:
        return (self.strides, self.padding, self.dilation_rate, self.channels_last, self._acts())

    def get_initial_state(self, batch_size=None) -> list[Tensor]:
        step = (batch_size, *self.spatial_dims, self.input_dim)
        if not self.channels_last:
            step = (batch_size, self.input_dim, *self.spatial_dims)
        shape = self.state_shape(step)
        return [Tensor(jnp.zeros(shape, self.compute_dtype)) for _ in range(2)]

    def dropout_masks(self, step_shape, state_shape, dtype, training) -> tuple:
        """Fresh ``(input mask, recurrent mask)`` for one sequence (None where unused).

        As Keras: four masks (one per gate, stacked on a leading axis) of the shapes of an
        input step and of ``h``, applied only for ``0 < rate < 1``.
        """
        if not training:
            return None, None
        masks = []
        for rate, shape in ((self.dropout, step_shape), (self.recurrent_dropout, state_shape)):
            if 0 < rate < 1:
                key = self.generator.next_key_data()
                masks.append(dropout_mask(key, (4, *shape), rate, dtype))
            else:
                masks.append(None)
        return tuple(masks)

    def call(self, inputs, states, training=False):
        if not isinstance(states, (list, tuple)) or len(states) != 2:
            raise ValueError(f"ConvLSTMCell {self.name!r} expects 2 states [h, c], got {states!r}")
        h, c = (self._convert_input(s) for s in states)
        dp, rdp = self.dropout_masks(inputs.shape, h.shape, inputs.dtype, training)
        h, c = _conv_lstm_cell(
            inputs, h, c, self.kernel, self.recurrent_kernel, self.bias, dp, rdp, self._conf()
        )
        return h, [h, c]

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            **_cell_args_config(self),
            "seed": self.seed,
        }


def _cell_args_config(cell) -> dict[str, Any]:
    def reg(r):
        return _regularizers.serialize(r) if r else None

    return {
        "filters": cell.filters,
        "kernel_size": cell.kernel_size,
        "strides": cell.strides,
        "padding": cell.padding,
        "data_format": cell.data_format,
        "dilation_rate": cell.dilation_rate,
        "activation": _activations.serialize(cell.activation),
        "recurrent_activation": _activations.serialize(cell.recurrent_activation),
        "use_bias": cell.use_bias,
        "kernel_initializer": _serialize_initializer(cell.kernel_initializer),
        "recurrent_initializer": _serialize_initializer(cell.recurrent_initializer),
        "bias_initializer": _serialize_initializer(cell.bias_initializer),
        "unit_forget_bias": cell.unit_forget_bias,
        "kernel_regularizer": reg(cell.kernel_regularizer),
        "recurrent_regularizer": reg(cell.recurrent_regularizer),
        "bias_regularizer": reg(cell.bias_regularizer),
        "kernel_constraint": cell.kernel_constraint,
        "recurrent_constraint": cell.recurrent_constraint,
        "bias_constraint": cell.bias_constraint,
        "dropout": cell.dropout,
        "recurrent_dropout": cell.recurrent_dropout,
    }


# ----------------------------------------------------------------------------- layers

_CELL_ARGS = (
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "activation",
    "recurrent_activation",
    "use_bias",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "unit_forget_bias",
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
)


def _delegate(cls):
    for name in ("filters", *_CELL_ARGS, "kernel", "recurrent_kernel", "bias"):
        setattr(cls, name, property(lambda self, n=name: getattr(self.cell, n)))
    return cls


@_delegate
class _ConvLSTM(RNN):
    """ConvLSTM of rank ``_rank``: an RNN over a :class:`ConvLSTMCell`, run fused."""

    _rank = 2

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
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
        **kwargs: Any,
    ) -> None:
        args = dict(locals())
        cell = ConvLSTMCell(
            self._rank,
            filters,
            seed=seed,
            name="conv_lstm_cell",
            dtype=kwargs.get("dtype"),
            **{k: args[k] for k in _CELL_ARGS},
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )

    @property
    def seed(self):
        return self.cell.seed

    @property
    def state_size(self) -> list:
        return self.cell.state_size

    def _check_rank(self, shape: tuple) -> None:
        if len(shape) != self._rank + 3:
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible with "
                f"the layer: expected ndim={self._rank + 3}, found ndim={len(shape)}. Full "
                f"shape received: {shape}"
            )

    def build(self, sequences_shape, initial_state_shape=None) -> None:
        shape = tuple(sequences_shape)
        self._check_rank(shape)
        step_shape = (shape[0],) + shape[2:]
        if not self.cell.built:
            self.cell._scope_name = f"{self._scope_name}{self.cell.name}/"
            self.cell.build(step_shape)
            self.cell.built = True
        self._step_shape = step_shape
        if self.stateful:
            if shape[0] is None:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: a stateful RNN needs a fixed batch "
                    "size; pass `batch_size` to `Input` (or `batch_input_shape`)."
                )
            state_shape = self.cell.state_shape(step_shape)
            with init_scope():
                self.states = [
                    Variable(
                        jnp.zeros(state_shape, self.dtype),
                        trainable=False,
                        name=f"{self._scope_name}state_{i}",
                    )
                    for i in range(2)
                ]
        self.built = True

    def get_initial_state(self, batch_size: int) -> list:
        return self.cell.get_initial_state(batch_size)

    def _check_inputs(self, inputs, mask) -> None:
        shape = tuple(inputs.shape)
        self._check_rank(shape)
        if shape[1] == 0:
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r}: the inputs have 0 time steps (shape "
                f"{shape}); a recurrent layer needs at least one.",
            )
        if self.stateful and self.states and shape[0] != self.states[0].shape[0]:
            raise ValueError(
                "If an RNN is stateful, the batch size of the input sequences must be the "
                "same as the batch size of the initial state. \n"
                f"- Expected batch size: {self.states[0].shape[0]}\n"
                f"- Received batch size: {shape[0]}"
            )
        if shape[2:] != tuple(self._step_shape[1:]):
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible with "
                f"the layer: expected shape=(None, None, "
                f"{', '.join(map(str, self._step_shape[1:]))}), found shape={shape}"
            )
        if mask is not None:
            # Keras also takes a (batch, timesteps, *dims) mask (a Masking layer's output):
            # it masks each position of h, c and the output whose leading dims are `dims`.
            mshape = tuple(getattr(mask, "shape", np.shape(mask)))
            state = self.cell.state_shape((shape[0],) + shape[2:])
            if mshape[:2] != shape[:2] or mshape[2:] != state[1 : len(mshape) - 1]:
                # Keras fails in its select op (InvalidArgumentError), a ValueError too.
                raise InvalidArgumentError(
                    f"{type(self).__name__} {self.name!r}: `mask` must have shape "
                    f"{shape[:2]} (batch, timesteps) or the batch, timesteps and leading "
                    f"dimensions of the states {state}, got {mshape}"
                )

    def _initial_states(self, inputs, initial_state, fused: bool = True) -> list:
        if initial_state is None:
            if self.stateful:
                return [self._convert_input(v.value()) for v in self.states]
            return [None, None]
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        if len(initial_state) != 2:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} expects 2 initial state tensor(s) in "
                f"`initial_state` ([h, c]), got {len(initial_state)}"
            )
        expected = self.cell.state_shape((inputs.shape[0],) + tuple(inputs.shape[2:]))
        for i, s in enumerate(initial_state):
            got = tuple(getattr(s, "shape", np.shape(s)))
            if got != expected:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: `initial_state[{i}]` must have "
                    f"shape {expected}, got {got}"
                )
        return [self._convert_input(s) for s in initial_state]

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        self._check_inputs(sequences, mask)
        h0, c0 = self._initial_states(sequences, initial_state)
        if mask is not None and not isinstance(mask, Tensor):
            mask = Tensor(jnp.asarray(mask))
        cell = self.cell
        step_shape = (sequences.shape[0],) + tuple(sequences.shape[2:])
        masks = cell.dropout_masks(
            step_shape, cell.state_shape(step_shape), sequences.dtype, training
        )
        act, rec = cell._acts()
        output, h, c = conv_lstm(
            sequences,
            h0,
            c0,
            cell.kernel,
            cell.recurrent_kernel,
            cell.bias,
            mask,
            *masks,
            strides=cell.strides,
            padding=cell.padding,
            dilation_rate=cell.dilation_rate,
            channels_last=cell.channels_last,
            activation=act,
            recurrent_activation=rec,
            go_backwards=self.go_backwards,
            return_sequences=self.return_sequences,
            unroll=self.unroll,
            zero_output_for_mask=self.zero_output_for_mask,
        )
        if self.stateful:
            for var, value in zip(self.states, (h, c)):
                var.assign(value if value.dtype == var.dtype else _cast(value, var.dtype))
        if self.return_state:
            return output, h, c
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        return [output_mask, None, None] if self.return_state else output_mask

    def get_config(self) -> dict[str, Any]:
        reg = self.activity_regularizer
        config = {
            **super().get_config(),
            **_cell_args_config(self.cell),
            "activity_regularizer": _regularizers.serialize(reg) if reg else None,
            "seed": self.cell.seed,
        }
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects=None):
        return cls(**config)


class ConvLSTM1D(_ConvLSTM):
    """1-D convolutional LSTM (``keras.layers.ConvLSTM1D``): inputs ``(batch, time, w, c)``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.ConvLSTM1D(4, 3, padding="same", return_sequences=True)
        >>> layer(jt.ones((2, 5, 7, 3))).shape
        (2, 5, 7, 4)
    """

    _rank = 1


class ConvLSTM2D(_ConvLSTM):
    """2-D convolutional LSTM (``keras.layers.ConvLSTM2D``): inputs ``(batch, time, h, w, c)``.

    ``return_state`` adds the final ``h`` and ``c`` feature maps. ``'valid'`` padding and
    strides shrink the maps as in ``Conv2D``; the recurrent convolution is always stride
    1 with ``'same'`` padding.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.ConvLSTM2D(4, 3, return_state=True)
        >>> out, h, c = layer(jt.ones((2, 5, 8, 8, 3)))
        >>> out.shape, c.shape, layer.cell.kernel.shape
        ((2, 6, 6, 4), (2, 6, 6, 4), (3, 3, 3, 16))
    """

    _rank = 2


class ConvLSTM3D(_ConvLSTM):
    """3-D convolutional LSTM (``keras.layers.ConvLSTM3D``): inputs ``(batch, time, d, h, w, c)``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> layer = nn.ConvLSTM3D(2, 3, padding="same")
        >>> layer(jt.ones((1, 3, 4, 4, 4, 1))).shape
        (1, 4, 4, 4, 2)
    """

    _rank = 3
