"""RNN cells (Keras' ``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``, ``StackedRNNCells``).

A cell computes one time step: ``cell(inputs_t, states) -> (output_t, new_states)``.
The ``RNN`` layer (:mod:`jtape.nn._recurrent`) loops a cell over time with
``lax.scan``. The three built-in cells also provide a fused whole-sequence op (one input
matmul for all steps, the recurrence in one scan), which ``RNN`` uses whenever the cell
is one of them; weights, their names (``<layer>/<cell>/kernel``) and layouts are
Keras 3's, so ``set_weights`` with arrays from Keras works.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .._op import op
from .._tensor import Tensor, to_value
from . import activations as _activations
from . import initializers as _initializers
from . import regularizers as _regularizers
from ._core_layers import _layer_generator
from ._layer import Layer
from ._rnn_math import (
    dropout_mask,
    gru,
    gru_biases,
    gru_step,
    lstm,
    lstm_step,
    project,
    raw_activation,
    simple_rnn,
    simple_step,
)


def _check_units(units) -> int:
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise ValueError(
            "Received an invalid value for argument `units`, expected a positive "
            f"integer, got {units!r}."
        )
    return units


def _clip_rate(name: str, rate) -> float:
    """Keras clips a cell's dropout rates into ``[0, 1]`` (1.5 -> 1.0, -0.2 -> 0.0)."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)):
        raise TypeError(f"Argument `{name}` must be a float between 0 and 1, got {rate!r}")
    return min(1.0, max(0.0, float(rate)))


def _serialize_initializer(init):
    try:
        return _initializers.serialize(init)
    except Exception:  # a plain callable: keep the object (get() accepts it back)
        return init


# ----------------------------------------------------------------------------- cell ops


@op(name="simple_rnn_cell")
def _simple_cell(x, h, kernel, recurrent_kernel, bias, input_mask, recurrent_mask, activation):
    return simple_step(
        project(x, kernel, bias, input_mask), h, recurrent_kernel, recurrent_mask, activation
    )


@op(name="lstm_cell")
def _lstm_cell(x, h, c, kernel, recurrent_kernel, bias, input_mask, recurrent_mask, acts):
    xz = project(x, kernel, bias, input_mask)
    return lstm_step(xz, h, c, recurrent_kernel, recurrent_mask, *acts)


@op(name="gru_cell")
def _gru_cell(x, h, kernel, recurrent_kernel, bias, input_mask, recurrent_mask, acts, reset_after):
    input_bias, recurrent_bias = gru_biases(bias, reset_after)
    xz = project(x, kernel, input_bias, input_mask)
    return gru_step(xz, h, recurrent_kernel, recurrent_bias, recurrent_mask, *acts, reset_after)


# ----------------------------------------------------------------------------- cells


class _Cell(Layer):
    """Arguments, weights and dropout masks shared by the three built-in cells."""

    _gates = 1
    _num_states = 1
    # Keras' LSTMCell/GRUCell apply dropout only for 0 < rate < 1 (a rate of 1 drops
    # nothing); SimpleRNNCell zeroes everything at rate 1.
    _drops_all_at_one = False

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
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        if self._gates > 1:
            # Keras' gate-fusion switch (LSTMCell/GRUCell only): same numbers either way.
            self.implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.units = _check_units(units)
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
        self.dropout = _clip_rate("dropout", dropout)
        self.recurrent_dropout = _clip_rate("recurrent_dropout", recurrent_dropout)
        self.seed = seed
        # A generator only where dropout needs one: creating it splits the global
        # generator, which would shift every later unseeded layer's random stream.
        self.generator = (
            _layer_generator(seed) if self.dropout > 0 or self.recurrent_dropout > 0 else None
        )
        self.kernel = None
        self.recurrent_kernel = None
        self.bias = None
        # Set by RNN while it scans: the per-sequence masks every step shares.
        self._jt_dropout = None

    @property
    def state_size(self):
        return self.units if self._num_states == 1 else [self.units] * self._num_states

    @property
    def output_size(self) -> int:
        return self.units

    def _bias_shape(self) -> tuple:
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape) -> None:
        input_dim = tuple(input_shape)[-1]
        if input_dim is None:
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: the feature dimension of the inputs "
                f"must be known, got input_shape={tuple(input_shape)}"
            )
        width = self._gates * self.units
        self.kernel = self.add_weight(
            shape=(int(input_dim), width),
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

    def get_initial_state(self, batch_size=None) -> list[Tensor]:
        return [
            Tensor(jnp.zeros((batch_size, self.units), self.compute_dtype))
            for _ in range(self._num_states)
        ]

    def dropout_masks(self, batch: int, input_dim: int, dtype, training) -> tuple:
        """Fresh ``(input mask, recurrent mask)`` for one sequence (None where unused).

        One mask per sequence, shared by every step and every gate (Keras draws one per
        gate when ``recurrent_dropout > 0``).
        """
        if not training:
            return None, None
        masks = []
        for rate, width in ((self.dropout, input_dim), (self.recurrent_dropout, self.units)):
            if rate == 0 or (rate == 1 and not self._drops_all_at_one):
                masks.append(None)
            elif rate == 1:
                masks.append(Tensor(jnp.zeros((batch, width), dtype)))
            else:
                key = self.generator.next_key_data()
                masks.append(dropout_mask(key, (batch, width), rate, dtype))
        return tuple(masks)

    def _step_masks(self, inputs, training) -> tuple:
        if self._jt_dropout is not None:
            return self._jt_dropout if training else (None, None)
        return self.dropout_masks(inputs.shape[0], inputs.shape[-1], inputs.dtype, training)

    def _unpack_states(self, states) -> tuple[list, bool]:
        nested = isinstance(states, (list, tuple))
        states = list(states) if nested else [states]
        if len(states) != self._num_states:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} expects {self._num_states} state "
                f"tensor(s), got {len(states)}"
            )
        return [self._convert_input(s) for s in states], nested

    def get_config(self) -> dict[str, Any]:
        reg = _regularizers.serialize
        return {
            **super().get_config(),
            "units": self.units,
            "activation": _activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _serialize_initializer(self.kernel_initializer),
            "recurrent_initializer": _serialize_initializer(self.recurrent_initializer),
            "bias_initializer": _serialize_initializer(self.bias_initializer),
            "kernel_regularizer": reg(self.kernel_regularizer) if self.kernel_regularizer else None,
            "recurrent_regularizer": (
                reg(self.recurrent_regularizer) if self.recurrent_regularizer else None
            ),
            "bias_regularizer": reg(self.bias_regularizer) if self.bias_regularizer else None,
            "kernel_constraint": self.kernel_constraint,
            "recurrent_constraint": self.recurrent_constraint,
            "bias_constraint": self.bias_constraint,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


class SimpleRNNCell(_Cell):
    """One step of a fully connected RNN: ``h = activation(x W + h U + b)``.

    Call with ``(inputs, states, training=False)``; returns ``(h, [h])`` (or ``(h, h)``
    when ``states`` is a single tensor, as Keras).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> cell = nn.SimpleRNNCell(3)
        >>> out, [h] = cell(jt.ones((2, 4)), [jt.zeros((2, 3))])
        >>> out.shape, h.shape
        ((2, 3), (2, 3))
    """

    _drops_all_at_one = True

    def call(self, inputs, states, training=False):
        (h,), nested = self._unpack_states(states)
        dp, rdp = self._step_masks(inputs, training)
        act = raw_activation(self.activation)
        out = _simple_cell(inputs, h, self.kernel, self.recurrent_kernel, self.bias, dp, rdp, act)
        return out, ([out] if nested else out)

    def _jt_fused(self, x, states, mask, masks, **kw):
        return simple_rnn(
            x,
            states[0],
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            mask,
            *masks,
            activation=raw_activation(self.activation),
            **kw,
        )


class LSTMCell(_Cell):
    """One LSTM step (``keras.layers.LSTMCell``), gates ``[i, f, c, o]``.

    States are ``[h, c]``; ``bias`` starts with ones for the forget gate when
    ``unit_forget_bias``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> cell = nn.LSTMCell(2)
        >>> out, (h, c) = cell(jt.ones((1, 3)), [jt.zeros((1, 2)), jt.zeros((1, 2))])
        >>> out.shape, c.shape, cell.state_size
        ((1, 2), (1, 2), [2, 2])
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
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
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
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
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

    def _acts(self) -> tuple:
        return raw_activation(self.activation), raw_activation(self.recurrent_activation)

    def call(self, inputs, states, training=False):
        (h, c), _ = self._unpack_states(states)
        dp, rdp = self._step_masks(inputs, training)
        h, c = _lstm_cell(
            inputs, h, c, self.kernel, self.recurrent_kernel, self.bias, dp, rdp, self._acts()
        )
        return h, [h, c]

    def _jt_fused(self, x, states, mask, masks, **kw):
        act, rec = self._acts()
        return lstm(
            x,
            states[0],
            states[1],
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            mask,
            *masks,
            activation=act,
            recurrent_activation=rec,
            **kw,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "recurrent_activation": _activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }


class GRUCell(_Cell):
    """One GRU step (``keras.layers.GRUCell``), gates ``[z, r, h]``.

    ``reset_after=True`` (Keras 3's default) uses a ``(2, 3 * units)`` bias (input and
    recurrent) and applies the reset gate after the recurrent matmul.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> cell = nn.GRUCell(2)
        >>> out, [h] = cell(jt.ones((1, 3)), [jt.zeros((1, 2))])
        >>> out.shape, cell.bias.shape
        ((1, 2), (2, 6))
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
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        reset_after: bool = True,
        seed: int | None = None,
        **kwargs: Any,
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
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _acts(self) -> tuple:
        return raw_activation(self.activation), raw_activation(self.recurrent_activation)

    def call(self, inputs, states, training=False):
        (h,), nested = self._unpack_states(states)
        dp, rdp = self._step_masks(inputs, training)
        h = _gru_cell(
            inputs,
            h,
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            dp,
            rdp,
            self._acts(),
            self.reset_after,
        )
        return h, ([h] if nested else h)

    def _jt_fused(self, x, states, mask, masks, **kw):
        act, rec = self._acts()
        return gru(
            x,
            states[0],
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            mask,
            *masks,
            activation=act,
            recurrent_activation=rec,
            reset_after=self.reset_after,
            **kw,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "recurrent_activation": _activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }


def check_cell(cell, who: str = "RNN") -> None:
    """Keras' requirements of a cell: a ``call`` method and a ``state_size``."""
    if not callable(getattr(cell, "call", None)):
        raise ValueError(
            f"{who}: argument `cell` should have a `call` method. Received: cell={cell!r}"
        )
    state_size = getattr(cell, "state_size", None)
    if state_size is None:
        raise ValueError(
            f"{who}: the RNN cell should have a `state_size` attribute (single integer or "
            f"list of integers, one integer per RNN state). Received: cell={cell!r}"
        )
    for size in jax.tree_util.tree_leaves(state_size):
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValueError(
                f"{who}: `state_size` must be a positive integer or a list of them, got "
                f"{state_size!r} (from cell {cell!r})"
            )


class StackedRNNCells(Layer):
    """Cells run one after the other at every step, as one cell (``keras.layers.StackedRNNCells``).

    ``RNN([cell1, cell2])`` builds one. States are a list with each cell's states.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> stack = nn.StackedRNNCells([nn.LSTMCell(4), nn.GRUCell(3)])
        >>> stack.state_size, stack.output_size
        ([[4, 4], 3], 3)
        >>> nn.RNN(stack)(jt.ones((2, 5, 6))).shape
        (2, 3)
    """

    def __init__(self, cells, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        cells = list(cells)
        if not cells:
            raise ValueError("StackedRNNCells: `cells` must be a non-empty list of RNN cells.")
        for cell in cells:
            check_cell(cell, "StackedRNNCells")
        self.cells = cells

    @property
    def state_size(self) -> list:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        size = last.state_size
        return size[0] if isinstance(size, (list, tuple)) else size

    def get_initial_state(self, batch_size=None) -> list:
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states.append(fn(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(Tensor(jnp.zeros((batch_size, cell.state_size), self.compute_dtype)))
            else:
                states.append(
                    [
                        Tensor(jnp.zeros((batch_size, d), self.compute_dtype))
                        for d in cell.state_size
                    ]
                )
        return states

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._scope_name = f"{self._scope_name}{cell.name}/"
                cell.build(input_shape)
                cell.built = True
            size = getattr(cell, "output_size", None)
            if size is None:
                size = cell.state_size
                size = size[0] if isinstance(size, (list, tuple)) else size
            input_shape = (input_shape[0], size)

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            is_list = isinstance(cell_states, (list, tuple))
            cell_states = list(cell_states) if is_list else [cell_states]
            if isinstance(cell, Layer):
                inputs, cell_states = cell(inputs, cell_states, training=training)
            else:
                inputs, cell_states = cell.call(inputs, cell_states)
            if not isinstance(cell_states, (list, tuple)):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not is_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        return inputs, new_states

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "cells": [
                {"class_name": type(c).__name__, "config": c.get_config()} for c in self.cells
            ],
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects=None) -> StackedRNNCells:
        config = dict(config)
        cells = [deserialize_cell(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


_CELLS = {c.__name__: c for c in (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells)}


def deserialize_cell(config, custom_objects=None):
    """A cell from ``{"class_name": ..., "config": ...}`` (built-in or in ``custom_objects``)."""
    if isinstance(config, Layer):
        return config
    lookup = {**_CELLS, **(custom_objects or {})}
    name = config.get("class_name") if isinstance(config, dict) else None
    if name not in lookup:
        raise ValueError(
            f"Unknown RNN cell {name!r}: pass its class in `custom_objects`. Known: "
            f"{sorted(lookup)}"
        )
    cls = lookup[name]
    if cls is StackedRNNCells:
        return cls.from_config(config["config"], custom_objects)
    return cls.from_config(config["config"])
