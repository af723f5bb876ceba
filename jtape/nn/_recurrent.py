"""Recurrent layers: the generic ``RNN(cell)`` and Keras' ``SimpleRNN``, ``LSTM``, ``GRU``.

An ``RNN`` loops its cell over the time axis with ``lax.scan``; the whole loop is one
jtape op, so a tape records one node and differentiates it with JAX's VJP of the scan.
The built-in cells run fused (one input matmul for all steps, see
:mod:`jtape.nn._rnn_math`). Any other cell (a user Layer with ``state_size`` and
``call(inputs, states)``, or :class:`StackedRNNCells`) runs inside the scan body: while
the op's function traces, a variable *frame* answers the cell's weight reads with the
op's inputs, so gradients reach the weights through that single op.

Masks follow Keras 3 (see :mod:`jtape.nn._rnn_math`); ``SimpleRNN``/``LSTM``/``GRU`` keep
their weights in ``layer.cell`` like Keras (``lstm/lstm_cell/kernel``), and also expose
``kernel``, ``recurrent_kernel`` and ``bias``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._math_ops import cast as _cast
from .._op import op
from .._op_errors import InvalidArgumentError
from .._state import state
from .._tensor import Tensor, to_value
from .._variable import Variable, init_scope
from . import regularizers as _regularizers
from ._layer import Layer, _ctx
from ._rnn_cells import (
    GRUCell,
    LSTMCell,
    SimpleRNNCell,
    StackedRNNCells,
    _Cell,
    check_cell,
    deserialize_cell,
)
from ._rnn_math import _gru, _lstm, _simple_rnn, gru, lstm, raw_activation, scan, simple_rnn

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "SimpleRNN",
    "_gru",
    "_lstm",
    "_simple_rnn",
    "gru",
    "lstm",
    "raw_activation",
    "simple_rnn",
]

_leaves = jax.tree_util.tree_leaves
_tree_map = jax.tree_util.tree_map


def _is_tensorish(x) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "_jt_read") or isinstance(x, (np.ndarray, jax.Array))


def _pack(flat: list, sizes: list) -> list:
    """Nest ``flat`` like ``sizes`` (a list of ints and lists of ints)."""
    it = iter(flat)

    def nest(s):
        if isinstance(s, (list, tuple)):
            return [nest(x) for x in s]
        return next(it)

    return [nest(s) for s in sizes]


def _structure(states):
    """``states`` with each tensor replaced by 0, for :func:`_pack`."""
    if isinstance(states, (list, tuple)) and not _is_tensorish(states):
        return [_structure(s) for s in states]
    return 0


def _fused_cell(cell) -> bool:
    """A built-in cell whose step is not overridden runs as one fused op."""
    for base in (SimpleRNNCell, LSTMCell, GRUCell):
        if isinstance(cell, base):
            return type(cell).call is base.call
    return False


def _dropout_cells(cell) -> list:
    if isinstance(cell, StackedRNNCells):
        return [c for sub in cell.cells for c in _dropout_cells(sub)]
    return [cell] if isinstance(cell, _Cell) else []


# ----------------------------------------------------------------------------- generic loop


class _ScanFrame:
    """Variable frame inside the generic RNN op: the cell's weights are the op's inputs."""

    traces = True

    def __init__(self, values: dict[int, Any]) -> None:
        self.values = values

    def read(self, var: Variable):
        value = self.values.get(id(var))
        if value is None:
            raise ValueError(
                f"RNN: the cell read Variable {var.name!r}, which is not one of its own "
                "weights. A cell may only use Variables it tracks (its weights and those of "
                "layers assigned as its attributes)."
            )
        return value

    def write(self, var: Variable, value) -> None:
        raise ValueError(
            f"RNN: the cell assigned Variable {var.name!r} inside the time loop. Cells must "
            "be pure functions of (inputs, states) and their weights."
        )

    def on_create(self, var: Variable, value) -> None:
        raise ValueError(
            f"RNN: the cell created Variable {var.name!r} inside the time loop; create "
            "weights in the cell's build()."
        )


class _CellLoop:
    """Static argument of the generic RNN op: how to run one layer's cell in a scan.

    One per (layer, training flag), so the op's compiled program is reused across calls.
    """

    def __init__(self, layer: RNN, training) -> None:
        self.layer = layer
        self.training = training
        cell = layer.cell
        self.variables = cell.variables if isinstance(cell, Layer) else []
        self.dropout_cells = _dropout_cells(cell)

    def __call__(self, x, states, mask, values, dropout, **kw):
        cell = self.layer.cell
        frame = _ScanFrame({id(v): a for v, a in zip(self.variables, values)})
        saved_recorders, saved_training = state.recorders, _ctx.training
        state.recorders = []  # the enclosing op is what tapes record
        state.frames.append(frame)
        _ctx.training = self.training
        for c, masks in zip(self.dropout_cells, dropout):
            c._jt_dropout = tuple(None if m is None else Tensor(m) for m in masks)
        try:
            treedef = jax.tree_util.tree_structure(states)
            kwargs = {"training": self.training} if isinstance(cell, Layer) else {}

            def step(st, x_t):
                st_t = _tree_map(Tensor, st)
                if isinstance(cell, Layer):
                    out, new = cell(Tensor(x_t), st_t, **kwargs)
                else:
                    out, new = cell.call(Tensor(x_t), st_t)
                if not isinstance(new, (list, tuple)):
                    new = [new]
                new = [to_value(v) for v in _leaves(new, is_leaf=_is_tensorish)]
                if len(new) != treedef.num_leaves:
                    raise ValueError(
                        f"RNN: the cell returned {len(new)} state tensor(s), expected "
                        f"{treedef.num_leaves} (its state_size is {cell.state_size!r})"
                    )
                new = [n.astype(s.dtype) for n, s in zip(new, _leaves(st))]
                return to_value(out), jax.tree_util.tree_unflatten(treedef, new)

            x0 = jax.ShapeDtypeStruct((x.shape[0],) + x.shape[2:], x.dtype)
            out_spec = jax.eval_shape(lambda s, v: step(s, v)[0], states, x0)
            return scan(step, states, x, mask, jnp.zeros(out_spec.shape, out_spec.dtype), **kw)
        finally:
            for c in self.dropout_cells:
                c._jt_dropout = None
            _ctx.training = saved_training
            state.frames.pop()
            state.recorders = saved_recorders


def _cell_loop_fn(x, states, mask, values, dropout, loop, kw):
    return loop(x, states, mask, values, dropout, **dict(kw))


_cell_loop = op(_cell_loop_fn, name="rnn")


# ----------------------------------------------------------------------------- RNN


class RNN(Layer):
    """Loop a cell over the time axis (``keras.layers.RNN``).

    ``cell`` is any object with ``call(inputs_t, states) -> (output_t, new_states)`` and a
    ``state_size`` (an int or a list of ints), usually a Layer; a list of cells makes a
    :class:`StackedRNNCells`. Call with ``(sequences, initial_state=None, mask=None,
    training=None)``. Returns the last output (or, with ``return_sequences``, all of
    them), then the final states with ``return_state``. With a mask, masked steps keep
    the states and repeat the previous output (zeros with ``zero_output_for_mask``).
    With ``stateful=True`` the states are Variables in ``states`` and ``variables`` but,
    as in Keras, not in ``weights`` (so ``get_weights``/``set_weights`` and weight files
    hold the cell's weights only).

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> class MinimalRNNCell(nn.Layer):
        ...     def __init__(self, units, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.units = units
        ...         self.state_size = units
        ...     def build(self, input_shape):
        ...         self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        ...         self.recurrent_kernel = self.add_weight(shape=(self.units, self.units))
        ...     def call(self, inputs, states):
        ...         h = jt.matmul(inputs, self.kernel) + jt.matmul(states[0], self.recurrent_kernel)
        ...         return h, [h]
        >>> layer = nn.RNN(MinimalRNNCell(4), return_sequences=True)
        >>> layer(jt.ones((2, 5, 3))).shape
        (2, 5, 4)
    """

    # Keras does not track a stateful layer's states as weights (get_weights/set_weights
    # and weight files hold the cell's weights only); jtape lists them in `variables`.
    _WALK_IGNORED = Layer._WALK_IGNORED | {"_loops", "states"}

    def __init__(
        self,
        cell,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs: Any,
    ) -> None:
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        check_cell(cell, type(self).__name__)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.states = None
        self._loops: dict = {}

    @property
    def state_size(self) -> list:
        size = self.cell.state_size
        return [size] if isinstance(size, int) else list(size)

    def _state_structure(self) -> list:
        """How final states nest in the outputs: Keras keeps a stacked cell's states as
        the list its ``get_initial_state`` makes (``[h]`` for a GRUCell), not bare."""
        if not isinstance(self.cell, StackedRNNCells):
            return self.state_size
        return [
            [size] if isinstance(size, int) and hasattr(c, "get_initial_state") else size
            for c, size in zip(self.cell.cells, self.state_size)
        ]

    def _collect(self, include_state: bool, out: list, seen: set) -> None:
        # Keras order: the cell's weights first, then the layer's own (stateful states).
        if isinstance(self.cell, Layer):
            self.cell._collect(include_state, out, seen)
        super()._collect(include_state, out, seen)
        if include_state:
            for v in self.states or ():
                if isinstance(v, Variable) and id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)

    # -- building ---------------------------------------------------------------------
    def _check_rank(self, shape: tuple) -> None:
        if len(shape) < 3:
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible with "
                f"the layer: expected ndim>=3 (batch, timesteps, features), found "
                f"ndim={len(shape)}. Full shape received: {shape}"
            )

    def build(self, sequences_shape, initial_state_shape=None) -> None:
        shape = tuple(sequences_shape)
        self._check_rank(shape)
        if shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: the feature dimension of the inputs "
                f"must be known, got input_shape={shape}"
            )
        step_shape = (shape[0],) + shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            # Keras builds the cell inside the layer's name scope: "lstm/lstm_cell/kernel".
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
            sizes = _leaves(self.state_size)
            with init_scope():
                self.states = [
                    Variable(
                        jnp.zeros((int(shape[0]), size), self.dtype),
                        trainable=False,
                        name=f"{self._scope_name}state_{i}",
                    )
                    for i, size in enumerate(sizes)
                ]
        self.built = True  # also when build() is called directly, as Keras 3 does

    def reset_states(self) -> None:
        """Zero the states of a stateful layer."""
        for v in self.states or ():
            v.assign(jnp.zeros(v.shape, v.dtype))

    reset_state = reset_states

    def get_initial_state(self, batch_size: int) -> list:
        """Zero states (or the cell's ``get_initial_state``), one per ``state_size`` entry."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            states = fn(batch_size=batch_size)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        return [Tensor(jnp.zeros((batch_size, d), self.compute_dtype)) for d in self.state_size]

    # -- calling ----------------------------------------------------------------------
    def _check_inputs(self, inputs, mask) -> None:
        shape = tuple(inputs.shape)
        self._check_rank(shape)
        if shape[1] == 0:
            # Keras fails on the first step's slice (InvalidArgumentError); say why.
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
                f"the layer: expected axis -1 of input shape to have value "
                f"{self._step_shape[-1]}, but received input with shape {shape}"
            )
        if mask is not None:
            mshape = tuple(getattr(mask, "shape", np.shape(mask)))
            if mshape != shape[:2]:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: `mask` must have shape "
                    f"{shape[:2]} (batch, timesteps), got {mshape}"
                )

    def _initial_states(self, inputs, initial_state, fused: bool) -> list:
        """Flat list of initial states (None entries: zeros, made inside the fused op)."""
        sizes = _leaves(self.state_size)
        if initial_state is None:
            if self.stateful:
                # Float32 state Variables enter a mixed-precision call in the compute dtype.
                return [self._convert_input(v.value()) for v in self.states]
            if fused:
                return [None] * len(sizes)
            return [
                self._convert_input(s)
                for s in _leaves(self.get_initial_state(inputs.shape[0]), is_leaf=_is_tensorish)
            ]
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        flat = _leaves(list(initial_state), is_leaf=_is_tensorish)
        if len(flat) != len(sizes):
            raise ValueError(
                f"{type(self).__name__} {self.name!r} expects {len(sizes)} initial "
                f"state tensor(s) in `initial_state`, got {len(flat)}"
            )
        for i, (s, size) in enumerate(zip(flat, sizes)):
            shape = tuple(getattr(s, "shape", np.shape(s)))
            if shape != (inputs.shape[0], size):
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: `initial_state[{i}]` must have "
                    f"shape {(inputs.shape[0], size)} (batch, units), got {shape}"
                )
        return [self._convert_input(s) for s in flat]

    def _loop(self, training) -> _CellLoop:
        loop = self._loops.get(bool(training))
        if loop is None:
            loop = self._loops[bool(training)] = _CellLoop(self, bool(training))
        return loop

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        self._check_inputs(sequences, mask)
        fused = _fused_cell(self.cell)
        states = self._initial_states(sequences, initial_state, fused)
        kw = dict(
            go_backwards=self.go_backwards,
            return_sequences=self.return_sequences,
            unroll=self.unroll,
            zero_output_for_mask=self.zero_output_for_mask,
        )
        if mask is not None and not isinstance(mask, Tensor):
            mask = Tensor(jnp.asarray(mask))
        batch, width = sequences.shape[0], sequences.shape[-1]
        if fused:
            masks = self.cell.dropout_masks(batch, width, sequences.dtype, training)
            outputs = self.cell._jt_fused(sequences, states, mask, masks, **kw)
            output, final = outputs[0], list(outputs[1:])
        else:
            dropout, dim = [], width
            for c in _dropout_cells(self.cell):
                dropout.append(c.dropout_masks(batch, dim, sequences.dtype, training))
                dim = c.units
            nested = _pack(states, self._state_structure())
            output, final = _cell_loop(
                sequences,
                nested,
                mask,
                self._loop(training).variables,
                dropout,
                self._loop(training),
                tuple(sorted(kw.items())),
            )
            final = _leaves(final, is_leaf=_is_tensorish)
        if self.stateful:
            for var, value in zip(self.states, final):
                var.assign(value if value.dtype == var.dtype else _cast(value, var.dtype))
        if self.return_state:
            structure = self._state_structure()
            if initial_state is not None and isinstance(self.cell, StackedRNNCells):
                # Keras returns a stacked cell's states nested as they were given.
                if not isinstance(initial_state, (list, tuple)):
                    initial_state = [initial_state]
                structure = _structure(list(initial_state))
            return (output, *_pack(final, structure))
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    # -- config -----------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        cell = self.cell
        config = {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }
        if type(self) is RNN:
            config["cell"] = {"class_name": type(cell).__name__, "config": cell.get_config()}
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects=None) -> RNN:
        config = dict(config)
        if "cell" in config:
            config["cell"] = deserialize_cell(config["cell"], custom_objects)
        return cls(**config)


# ----------------------------------------------------------------------------- Keras layers


def _delegate(*names):
    """Read-only properties forwarding to ``self.cell`` (Keras' LSTM.units etc.)."""

    def add(cls):
        for name in names:
            setattr(cls, name, property(lambda self, n=name: getattr(self.cell, n)))
        return cls

    return add


class _KerasRNN(RNN):
    """SimpleRNN/LSTM/GRU: an RNN over a fixed cell class, taking the cell's arguments."""

    _cell_class: type = _Cell
    _cell_name = "cell"
    _has_cudnn = False  # LSTM/GRU take Keras' `use_cudnn` and `implementation`

    def __init__(self, units: int, **kwargs: Any) -> None:
        layer_args = {}
        for key in (
            "return_sequences",
            "return_state",
            "go_backwards",
            "stateful",
            "unroll",
            "zero_output_for_mask",
            "name",
            "trainable",
            "dtype",
            "activity_regularizer",
            "input_shape",
            "batch_input_shape",
            "batch_size",
            "input_dim",
            "weights",
            "input_length",
        ):
            if key in kwargs:
                layer_args[key] = kwargs.pop(key)
        use_cudnn = kwargs.pop("use_cudnn", "auto") if self._has_cudnn else "auto"
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                "Invalid valid received for argument `use_cudnn`. Expected one of "
                f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}"
            )
        cell_kw = {k: kwargs.pop(k) for k in list(kwargs) if k in self._cell_args}
        layer_args.update(kwargs)  # unknown arguments: Layer raises its standard error
        cell = self._cell_class(
            units,
            dtype=layer_args.get("dtype"),
            trainable=layer_args.get("trainable", True),
            name=self._cell_name,
            **cell_kw,
        )
        super().__init__(cell, **layer_args)
        if self._has_cudnn:
            self.use_cudnn = use_cudnn

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if getattr(self, "use_cudnn", "auto") is True:
            # Keras raises this where its backend has no cuDNN kernel; jtape has none.
            raise ValueError(
                "use_cudnn=True was specified, but cuDNN is not supported for this layer "
                "configuration with this backend (jtape has no cuDNN kernel). Pass "
                "use_cudnn='auto' to fallback to a non-cuDNN implementation."
            )
        return super().call(sequences, initial_state, mask=mask, training=training)

    def _check_rank(self, shape: tuple) -> None:
        if len(shape) != 3:
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible with "
                f"the layer: expected ndim=3 (batch, timesteps, features), found "
                f"ndim={len(shape)}. Full shape received: {shape}"
            )

    def get_config(self) -> dict[str, Any]:
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        reg = self.activity_regularizer
        return {
            **super().get_config(),
            **cell_config,
            "activity_regularizer": _regularizers.serialize(reg) if reg else None,
        }


# The cell arguments every Keras RNN layer passes on to its cell.
_SIMPLE_ARGS = frozenset(
    {
        "activation",
        "use_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "recurrent_regularizer",
        "bias_regularizer",
        "kernel_constraint",
        "recurrent_constraint",
        "bias_constraint",
        "dropout",
        "recurrent_dropout",
        "seed",
    }
)
# Attributes the layer reads through from its cell: the arguments, plus the weights.
_COMMON = ("units", *sorted(_SIMPLE_ARGS), "kernel", "recurrent_kernel", "bias")


@_delegate(*_COMMON)
class SimpleRNN(_KerasRNN):
    """Fully connected RNN: ``h_t = activation(x_t W + h_{t-1} U + b)`` (Keras' SimpleRNN).

    An :class:`RNN` over a :class:`SimpleRNNCell` named ``simple_rnn_cell``; all time
    steps run as one ``lax.scan`` inside one jtape op. Call with ``(inputs,
    initial_state=None, mask=None, training=None)``; returns the last output, or the
    whole sequence with ``return_sequences``, followed by the final state with
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

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"
    _cell_args = _SIMPLE_ARGS

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
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        kw = {
            k: v for k, v in locals().items() if k not in ("self", "kwargs", "units", "__class__")
        }
        super().__init__(units, **kw, **kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["seed"]  # Keras 3.15's SimpleRNN config has no seed (its cell's has)
        return config


@_delegate(*_COMMON, "recurrent_activation", "unit_forget_bias")
class LSTM(_KerasRNN):
    """Long short-term memory layer (``keras.layers.LSTM``), gates ``[i, f, c, o]``.

    An :class:`RNN` over an :class:`LSTMCell` named ``lstm_cell``. Weights:
    ``kernel`` ``(features, 4 * units)``, ``recurrent_kernel`` ``(units, 4 * units)``
    (orthogonal by default) and ``bias`` ``(4 * units,)``, whose forget-gate part starts
    at one with ``unit_forget_bias``. ``return_state`` adds ``h`` and ``c``. With
    ``dropout``/``recurrent_dropout`` one mask per sequence is shared by all gates
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
        >>> lstm.weights[0].name.split("/")[-2:]
        ['lstm_cell', 'kernel:0']
    """

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"
    _cell_args = _SIMPLE_ARGS | {"recurrent_activation", "unit_forget_bias", "implementation"}
    _has_cudnn = True

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
        **kwargs: Any,
    ) -> None:
        kw = {
            k: v for k, v in locals().items() if k not in ("self", "kwargs", "units", "__class__")
        }
        super().__init__(units, **kw, **kwargs)


@_delegate(*_COMMON, "recurrent_activation", "reset_after")
class GRU(_KerasRNN):
    """Gated recurrent unit (``keras.layers.GRU``), gates ``[z, r, h]``.

    An :class:`RNN` over a :class:`GRUCell` named ``gru_cell``. ``reset_after=True``
    (the Keras 3 default, cuDNN-compatible) applies the reset gate after the recurrent
    matmul and uses a ``(2, 3 * units)`` bias (input and recurrent biases);
    ``reset_after=False`` uses a ``(3 * units,)`` bias.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> gru = nn.GRU(4, return_sequences=True, return_state=True)
        >>> seq, h = gru(jt.ones((2, 5, 3)))
        >>> seq.shape, h.shape, gru.bias.shape
        ((2, 5, 4), (2, 4), (2, 12))
    """

    _cell_class = GRUCell
    _cell_name = "gru_cell"
    _cell_args = _SIMPLE_ARGS | {"recurrent_activation", "reset_after", "implementation"}
    _has_cudnn = True

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
        **kwargs: Any,
    ) -> None:
        kw = {
            k: v for k, v in locals().items() if k not in ("self", "kwargs", "units", "__class__")
        }
        super().__init__(units, **kw, **kwargs)
