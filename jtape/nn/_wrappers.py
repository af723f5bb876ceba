"""Layer wrappers: ``Bidirectional`` (an RNN both ways) and ``TimeDistributed``."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from .._math_ops import cast as _cast
from .._op import op
from ._core_layers import _reshape
from ._layer import Layer, _call_spec

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


@op(name="bidirectional_merge")
def _merge(y, y_rev, mode, flip):
    if flip:
        y_rev = jnp.flip(y_rev, axis=1)
    if mode == "concat":
        return jnp.concatenate([y, y_rev], axis=-1)
    if mode == "sum":
        return y + y_rev
    if mode == "ave":
        return (y + y_rev) / 2
    if mode == "mul":
        return y * y_rev
    return y, y_rev


def _cell_classes(cell) -> dict:
    """The classes of a cell and of its sub-cells, so from_config finds user cells."""
    out = {type(cell).__name__: type(cell)}
    for sub in getattr(cell, "cells", ()):
        out.update(_cell_classes(sub))
    return out


def _recreate(layer: Layer, **overrides) -> Layer:
    config = layer.get_config()
    config.update(overrides)
    try:
        if "cell" in config:
            return type(layer).from_config(config, custom_objects=_cell_classes(layer.cell))
        return type(layer).from_config(config)
    except Exception as e:
        raise ValueError(
            f"Bidirectional: could not re-create {type(layer).__name__} {layer.name!r} from "
            f"its get_config() ({type(e).__name__}: {e}). A wrapped layer (and a custom "
            "RNN cell) must implement get_config() returning its constructor arguments."
        ) from e


def _from_dict(layer, custom_objects=None):
    """A wrapped layer given as Keras' serialized dict (from a model file) or as a Layer."""
    if isinstance(layer, dict):
        from ._serialization import deserialize_layer

        return deserialize_layer(layer, custom_objects)
    return layer


def _as_dict(layer) -> dict:
    """A wrapped layer as Keras' serialized dict (what Keras' wrappers' configs hold)."""
    from ._serialization import serialize_keras_object

    return serialize_keras_object(layer)


def _check_recurrent(layer, argument: str) -> None:
    if not isinstance(layer, Layer):
        raise ValueError(
            f"Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
            f"Received: {argument}={layer!r}"
        )
    missing = [
        a for a in ("go_backwards", "return_sequences", "return_state") if not hasattr(layer, a)
    ]
    if missing:
        raise ValueError(
            f"Bidirectional: `{argument}` must be a recurrent layer (an RNN such as LSTM, GRU "
            f"or RNN(cell)), got {type(layer).__name__} {layer.name!r}, which has no "
            f"{', '.join(missing)} attribute"
        )


class Bidirectional(Layer):
    """Run a recurrent layer forwards and a copy backwards, then merge (Keras' Bidirectional).

    The forward layer is re-created from ``layer.get_config()`` (named ``forward_<name>``)
    and the backward one too, with ``go_backwards=True`` (``backward_<name>``), unless
    ``backward_layer`` is given. ``merge_mode`` is ``"concat"`` (default), ``"sum"``,
    ``"mul"``, ``"ave"`` or None (a pair of outputs). With ``return_sequences`` the backward
    outputs are flipped back to input order, and both layers output zeros at masked
    steps (Keras forces ``zero_output_for_mask``). ``return_state`` appends the forward
    states, then the backward ones. Weights: forward layer's, then backward layer's.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> bi = nn.Bidirectional(nn.LSTM(3, return_sequences=True))
        >>> bi(jt.ones((2, 5, 4))).shape
        (2, 5, 6)
        >>> [w.path.split("/")[1][:12] for w in bi.weights][::3]
        ['forward_lstm', 'backward_lst']
    """

    # Keras' config keys (its `weights` argument is not saved).
    _jt_config_keys = frozenset(
        {"name", "trainable", "dtype", "merge_mode", "layer", "backward_layer"}
    )

    def __init__(
        self,
        layer,
        merge_mode: str | None = "concat",
        weights=None,
        backward_layer=None,
        **kwargs: Any,
    ) -> None:
        _check_recurrent(layer, "layer")
        if backward_layer is not None:
            _check_recurrent(backward_layer, "backward_layer")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode!r}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}'
            )
        super().__init__(**kwargs)
        name = layer.name.removeprefix("forward_")
        self.forward_layer = _recreate(layer, name=f"forward_{name}")
        if backward_layer is None:
            name = layer.name.removeprefix("backward_")
            self.backward_layer = _recreate(layer, name=f"backward_{name}", go_backwards=True)
        else:
            self.backward_layer = backward_layer
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. "
                f"Received: forward_layer.go_backwards={fwd.go_backwards}, "
                f"backward_layer.go_backwards={bwd.go_backwards}"
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            a, b = getattr(fwd, attr, None), getattr(bwd, attr, None)
            if a != b:
                raise ValueError(
                    f"Forward layer and backward layer are expected to have the same value for "
                    f'attribute "{attr}", got "{a}" for forward layer and "{b}" for backward '
                    "layer"
                )
        for sub in (fwd, bwd):
            # Keras: merged sequences must not mix real outputs with carried-over ones.
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = getattr(layer, "stateful", False)
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        if weights:
            self._initial_weights = list(weights)

    def build(self, sequences_shape, initial_state_shape=None) -> None:
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                # Keras' weight paths: "bidirectional/forward_lstm/lstm_cell/kernel".
                sub._scope_name = f"{self._scope_name}{sub.name}/"
                sub._maybe_build(tuple(sequences_shape))

    @property
    def states(self):
        f, b = self.forward_layer.states, self.backward_layer.states
        return tuple(list(f) + list(b)) if f and b else None

    def reset_states(self) -> None:
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    reset_state = reset_states

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if _call_spec(self.forward_layer).has_training:
            kwargs["training"] = training
        if _call_spec(self.forward_layer).has_mask:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            initial_state = list(initial_state)
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        # Keras casts both outputs (not the states) to the wrapper's compute dtype.
        dtype = self.compute_dtype
        y = y if y.dtype == dtype else _cast(y, dtype)
        y_rev = y_rev if y_rev.dtype == dtype else _cast(y_rev, dtype)
        output = _merge(y, y_rev, self.merge_mode, self.return_sequences)
        if self.return_state:
            return (*output, *states) if self.merge_mode is None else (output, *states)
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            output_mask = mask if self.merge_mode else [mask, mask]
        else:
            output_mask = None if self.merge_mode else [None, None]
        if self.return_state:
            return [output_mask] if self.merge_mode else output_mask
        return output_mask

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "merge_mode": self.merge_mode,
            "layer": _as_dict(self.forward_layer),
            "backward_layer": _as_dict(self.backward_layer),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects=None) -> Bidirectional:
        config = dict(config)
        config["layer"] = _from_dict(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = _from_dict(config["backward_layer"], custom_objects)
        return cls(**config)


class TimeDistributed(Layer):
    """Apply ``layer`` to every time step: ``(batch, time, ...) -> (batch, time, ...)``.

    The time axis is folded into the batch for one call of ``layer`` (Keras 3 calls it
    once per step instead; the results are the same for layers that treat batch entries
    independently, and differ for batch statistics such as BatchNormalization in
    training). A ``(batch, time)`` mask is folded the same way and passed on.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.TimeDistributed(nn.Dense(3))(jt.ones((2, 5, 4))).shape
        (2, 5, 3)
    """

    _jt_config_keys = frozenset({"name", "trainable", "dtype", "layer"})  # Keras' keys

    def __init__(self, layer, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `TimeDistributed` layer with a `keras.layers.Layer` "
                f"instance. Received: {layer!r}"
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_shape(self, input_shape) -> tuple:
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                "`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                f"dimensions, received: {input_shape}"
            )
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape) -> None:
        child = self._child_shape(tuple(input_shape))
        if not self.layer.built:
            self.layer._maybe_build(child)

    def call(self, inputs, training=None, mask=None):
        shape = tuple(inputs.shape)
        self._child_shape(shape)
        batch, time = shape[0], shape[1]
        kwargs = {}
        spec = _call_spec(self.layer)
        if spec.has_training:
            kwargs["training"] = training
        if spec.has_mask and mask is not None:
            mshape = tuple(mask.shape)
            if len(mshape) < 2 or mshape[:2] != (batch, time):
                raise ValueError(
                    f"The `mask` passed to the `TimeDistributed` layer has a shape {mshape} "
                    f"that is incompatible with the input shape {shape}. Expected mask shape "
                    f"prefix: ({batch}, {time})."
                )
            kwargs["mask"] = _reshape(mask, (batch * time,) + mshape[2:])
        y = self.layer(_reshape(inputs, (batch * time,) + shape[2:]), **kwargs)
        return _reshape(y, (batch, time) + tuple(y.shape[1:]))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "layer": _as_dict(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects=None) -> TimeDistributed:
        config = dict(config)
        config["layer"] = _from_dict(config["layer"], custom_objects)
        return cls(**config)
