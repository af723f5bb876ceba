"""Models: subclassed ``Model``, ``Sequential`` and the functional API (``Input``).

Calling a layer on a :class:`KerasTensor` (a symbolic shape and dtype) records one graph
node and infers the output shape by tracing ``call`` abstractly with ``jax.eval_shape``;
``Model(inputs, outputs)`` keeps the nodes between them in topological order and replays
them on real tensors. Nothing symbolic survives into a call: a functional model runs
the same layer calls a subclassed model would, so tapes and ``jt.function`` see only
ordinary ops.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import jax

from .. import _dtypes
from .._state import state
from .._tensor import Tensor
from .._variable import Variable
from . import _masking, _symbolic_ops
from ._layer import Layer, _is_symbolic, default_build, unique_name
from ._training import Trainer

_kt_ids = itertools.count()


class KerasTensor:
    """A symbolic tensor: shape (``None`` for unknown dimensions) and dtype, no value.

    ``Input`` makes one; calling a layer on it gives another and records the call.

    Example:
        >>> from jtape import nn
        >>> x = nn.Input(shape=(4,))
        >>> x.shape, x.dtype.name
        ((None, 4), 'float32')
        >>> nn.Dense(3)(x).shape
        (None, 3)
    """

    _jt_symbolic = True

    def __init__(self, shape, dtype=_dtypes.float32, name: str | None = None) -> None:
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = _dtypes.as_dtype(dtype)
        self.name = name or unique_name("keras_tensor")
        self._history: tuple[_Node, int] | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    # The symbolic mask (a KerasTensor) that layer calls propagate, as in Keras.
    _keras_mask = property(_masking.get_keras_mask, _masking.set_keras_mask)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype.name}, name={self.name}>"

    def __bool__(self) -> bool:
        raise TypeError(
            "A symbolic KerasTensor has no value, so it cannot be used as a Python bool. "
            "Put the computation inside a layer's call."
        )

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"A symbolic KerasTensor ({self.name}) cannot be converted to an array: it has no "
            "value. Only layers can be called on it."
        )


_symbolic_ops.install(KerasTensor)


class _Node:
    """One layer call in a functional graph: its arguments and its outputs."""

    __slots__ = ("layer", "args", "kwargs", "outputs")

    def __init__(self, layer: Layer, args, kwargs, outputs: list[KerasTensor]) -> None:
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs

    def inputs(self) -> list[KerasTensor]:
        return [x for x in _leaves((self.args, self.kwargs)) if _is_symbolic(x)]


def _leaves(structure) -> list:
    return jax.tree_util.tree_leaves(
        structure, is_leaf=lambda x: _is_symbolic(x) or isinstance(x, (Tensor, Variable))
    )


def _map(fn: Callable, structure):
    return jax.tree_util.tree_map(
        fn, structure, is_leaf=lambda x: _is_symbolic(x) or isinstance(x, (Tensor, Variable))
    )


# -- symbolic calls ---------------------------------------------------------------------
class _DiscardingFrame:
    """Variable frame for shape inference: reads see stored values, writes are dropped."""

    def read(self, var: Variable):
        return var._value

    def write(self, var: Variable, value) -> None:
        pass

    def on_create(self, var: Variable, value) -> None:
        pass


# Two unusual batch sizes stand in for unknown dimensions; a dimension of the output
# that differs between the two traces is unknown (None) too (Keras 3 does the same).
_PROBE_SIZES = (83, 89)


def symbolic_call(layer: Layer, args: tuple, kwargs: dict):
    """``layer(*args, **kwargs)`` with KerasTensors: record a node, return output specs."""
    flat, tree = jax.tree_util.tree_flatten(
        (args, kwargs), is_leaf=lambda x: _is_symbolic(x) or isinstance(x, (Tensor, Variable))
    )
    pos = [i for i, x in enumerate(flat) if _is_symbolic(x)]
    if not layer.built:
        layer._maybe_build(_map(lambda t: t.shape, args[0]) if args else None)

    # Input masks travel through the abstract trace as extra inputs, so output masks
    # come back as KerasTensors (Keras 3 propagates masks symbolically too).
    in_masks = [_masking.get_keras_mask(flat[p]) for p in pos]
    masked = [(i, m) for i, m in enumerate(in_masks) if m is not None]

    def run(size: int):
        def f(*values):
            leaves = list(flat)
            for p, v in zip(pos, values):
                leaves[p] = Tensor(v)
            for (i, _), v in zip(masked, values[len(pos) :]):
                _masking.set_keras_mask(leaves[pos[i]], Tensor(v))
            a, k = jax.tree_util.tree_unflatten(tree, leaves)
            out = layer._call_with_context(a, k)
            masks = [
                None if m is None else m._value
                for m in (
                    _masking.get_keras_mask(t) if isinstance(t, Tensor) else None
                    for t in _masking.flat(out)
                )
            ]
            return _map(lambda t: t._value if isinstance(t, Tensor) else t, out), masks

        def spec(t):
            return jax.ShapeDtypeStruct(tuple(size if d is None else d for d in t.shape), t.dtype)

        specs = [spec(flat[p]) for p in pos] + [spec(m) for _, m in masked]
        saved = state.recorders
        state.recorders = []
        state.frames.append(_DiscardingFrame())
        try:
            return jax.eval_shape(f, *specs)
        finally:
            state.frames.pop()
            state.recorders = saved

    try:
        (first, first_masks), (second, second_masks) = (
            run(_PROBE_SIZES[0]),
            run(_PROBE_SIZES[1]),
        )
    except Exception as e:  # say which layer failed on which input shapes
        shapes = [flat[p].shape for p in pos]
        message = (
            f"Exception encountered when calling {type(layer).__name__} {layer.name!r} on "
            f"symbolic inputs of shapes {shapes}: {e}"
        )
        try:
            renamed = type(e)(message)
        except Exception:  # an exception class with its own constructor: keep it as is
            renamed = None
        if renamed is None or str(renamed) != message:
            raise
        raise renamed from e

    def merge(a, b):
        if not hasattr(a, "shape"):
            return a
        shape = tuple(x if x == y else None for x, y in zip(a.shape, b.shape))
        return KerasTensor(shape, a.dtype)

    from ._layer import _losses_used

    if _losses_used[0]:
        layer._clear_losses()  # losses of the abstract trace are not real values
    outputs = jax.tree_util.tree_map(merge, first, second)
    for kt, a, b in zip(_masking.flat(outputs), first_masks, second_masks):
        if a is not None and _is_symbolic(kt):
            _masking.set_keras_mask(kt, merge(a, b))
    flat_out = [x for x in jax.tree_util.tree_leaves(outputs) if _is_symbolic(x)]
    node = _Node(layer, args, kwargs, flat_out)
    for i, kt in enumerate(flat_out):
        kt._history = (node, i)
    layer._jt_output_shape = _map(lambda t: t.shape, outputs)
    layer._jt_symbolic_output = outputs
    if "_jt_symbolic_input" not in layer.__dict__:  # Keras' ``input``: the first call's
        layer._jt_symbolic_input = [flat[p] for p in pos]
    return outputs


# -- Input ------------------------------------------------------------------------------
class InputLayer(Layer):
    """The layer behind ``Input``: it has no weights and passes its input through."""

    def __init__(
        self,
        shape=None,
        batch_size: int | None = None,
        dtype=None,
        batch_shape=None,
        name: str | None = None,
        input_tensor=None,
        **kwargs: Any,
    ) -> None:
        shape = kwargs.pop("input_shape", shape)
        batch_shape = kwargs.pop("batch_input_shape", batch_shape)
        # Keras: an Input is float32 (floatx) unless given a dtype, whatever the policy.
        dtype = "float32" if dtype is None else dtype
        super().__init__(name=name or unique_name("input_layer"), dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument (or `batch_shape`).")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self._batch_input_shape = tuple(batch_shape)
        self._jt_symbolic_output = KerasTensor(batch_shape, self._dtype, name=self.name)
        self.output._history = (_Node(self, (), {}, [self.output]), 0)
        self._jt_output_shape = self.output.shape
        self.built = True

    def call(self, inputs):
        return inputs


def Input(  # noqa: N802 - Keras' name
    shape=None,
    batch_size: int | None = None,
    dtype=None,
    sparse=None,
    batch_shape=None,
    name: str | None = None,
    tensor=None,
) -> KerasTensor:
    """A symbolic input of ``shape`` (without the batch dimension) for functional models.

    Example:
        >>> from jtape import nn
        >>> inputs = nn.Input(shape=(8,))
        >>> outputs = nn.Dense(2)(nn.Dense(4, activation="relu")(inputs))
        >>> model = nn.Model(inputs, outputs)
        >>> import numpy as np
        >>> model(np.zeros((3, 8), "float32")).shape
        (3, 2)
    """
    if sparse:
        raise ValueError("Input: sparse inputs are not supported by jtape.")
    if dtype is not None and _dtypes.as_dtype(dtype) == _dtypes.string:
        raise NotImplementedError(
            "Input(dtype='string'): jtape models run on JAX, which has no strings; apply "
            "TextVectorization/StringLookup in the tf.data pipeline (docs/strings.md) and "
            "give the model their integer output"
        )
    layer = InputLayer(
        shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name
    )
    return layer.output


# -- Model ------------------------------------------------------------------------------
class Model(Trainer, Layer):
    """A layer with training and inspection methods (``keras.Model``).

    Two ways to define one: subclass it and implement ``call`` (layers assigned as
    attributes are tracked), or pass symbolic tensors, ``Model(inputs, outputs)``.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> class MLP(nn.Model):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = nn.Dense(4, activation="relu")
        ...         self.out = nn.Dense(1)
        ...     def call(self, x):
        ...         return self.out(self.hidden(x))
        >>> model = MLP()
        >>> model(jt.ones((2, 3))).shape
        (2, 1)
        >>> len(model.trainable_variables)
        4
    """

    _jt_mask_container = True

    @property
    def input(self):
        """A functional model's symbolic input(s): one KerasTensor, or the structure given."""
        if "inputs" not in self.__dict__:
            return super().input
        inputs = self.inputs
        return inputs[0] if isinstance(inputs, (list, tuple)) and len(inputs) == 1 else inputs

    @property
    def output(self):
        """A functional model's symbolic output(s): one KerasTensor, or the structure given."""
        if "outputs" not in self.__dict__:
            return super().output
        outputs = self.outputs
        return outputs[0] if isinstance(outputs, (list, tuple)) and len(outputs) == 1 else outputs

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        if len(args) > 2:
            raise TypeError(f"Model() takes at most 2 positional arguments, got {len(args)}")
        self._functional = inputs is not None or outputs is not None
        if self._functional and kwargs.get("name") is None:
            kwargs["name"] = unique_name("functional")
        super().__init__(**kwargs)
        if self._functional:
            if inputs is None or outputs is None:
                raise ValueError("Model: pass both `inputs` and `outputs` (or neither).")
            self._init_graph(inputs, outputs)

    # -- functional graph ---------------------------------------------------------------
    def _init_graph(self, inputs, outputs) -> None:
        flat_in = _leaves(inputs)
        for x in flat_in + _leaves(outputs):
            if not _is_symbolic(x):
                raise ValueError(
                    f"Model(inputs, outputs): all inputs and outputs must be KerasTensors "
                    f"(from keras Input and layer calls), got {type(x).__name__}"
                )
        in_ids = {id(x) for x in flat_in}
        order: list[_Node] = []
        done: set[int] = set()
        visiting: set[int] = set()

        def visit(kt: KerasTensor) -> None:
            if id(kt) in in_ids:
                return
            if kt._history is None or isinstance(kt._history[0].layer, InputLayer):
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for {kt!r}; it is not one of "
                    f"the model's inputs {[x.name for x in flat_in]} and not computed from them."
                )
            node = kt._history[0]
            if id(node) in done:
                return
            if id(node) in visiting:
                raise ValueError("Model(inputs, outputs): the layer graph has a cycle.")
            visiting.add(id(node))
            for parent in node.inputs():
                visit(parent)
            visiting.discard(id(node))
            done.add(id(node))
            order.append(node)

        for kt in _leaves(outputs):
            visit(kt)
        self.inputs = inputs
        self.outputs = outputs
        self._graph_nodes = order
        self._flat_inputs = flat_in
        layers: list[Layer] = []
        for kt in flat_in:
            node = kt._history[0] if kt._history else None
            if node is not None and isinstance(node.layer, InputLayer):
                layers.append(node.layer)
        for node in order:
            if all(node.layer is not x for x in layers):
                layers.append(node.layer)
        self._graph_layers = layers
        shapes = [x.shape for x in flat_in]
        self._batch_input_shape = shapes[0] if len(shapes) == 1 else shapes
        self._jt_output_shape = _map(lambda t: t.shape, outputs)
        self.built = True

    def _run_graph(self, inputs):
        flat = _leaves(inputs) if not isinstance(inputs, dict) else None
        if isinstance(inputs, dict) and isinstance(self.inputs, dict):
            flat = _leaves({k: inputs[k] for k in self.inputs})
        elif isinstance(inputs, dict):
            try:
                flat = [inputs[x.name] for x in self._flat_inputs]
            except KeyError as e:
                raise ValueError(
                    f"Model {self.name!r}: input dict is missing key {e}; expected "
                    f"{[x.name for x in self._flat_inputs]}"
                ) from None
        if len(flat) != len(self._flat_inputs):
            raise ValueError(
                f"Model {self.name!r} expects {len(self._flat_inputs)} input(s), but it "
                f"received {len(flat)} input tensors."
            )
        env: dict[int, Any] = {}
        for kt, value in zip(self._flat_inputs, flat):
            env[id(kt)] = _as_input(value, kt)
        from ._layer import _ctx

        training = _ctx.training
        for node in self._graph_nodes:
            args, kwargs = _map(
                lambda x: env[id(x)] if _is_symbolic(x) else x, (node.args, node.kwargs)
            )
            if training is not None and "training" in kwargs:
                # As Keras' Functional: the model call's `training` overrides a node's
                # recorded one (Keras files record RandomFlip's default training=True).
                kwargs["training"] = training
            out = node.layer(*args, **kwargs)
            for kt, value in zip(node.outputs, _leaves(out)):
                env[id(kt)] = value
        return _map(lambda x: env[id(x)], self.outputs)

    @property
    def layers(self) -> list[Layer]:
        if getattr(self, "_functional", False):
            return list(self._graph_layers)
        return super().layers

    @property
    def output_names(self) -> list[str]:
        """Names of a functional model's outputs (the keys of dict outputs, else the layers
        producing them), as Keras 3; the last layer's name for a Sequential model."""
        outputs = getattr(self, "outputs", None)
        if outputs is None:
            layers = self.layers if isinstance(self, Sequential) else []
            return [layers[-1].name] if layers else []
        if isinstance(outputs, dict):
            return [str(k) for k in outputs]
        names = []
        for kt in _leaves(outputs):
            history = getattr(kt, "_history", None)
            names.append(history[0].layer.name if history else kt.name)
        return names

    def _own_items(self, include_state: bool):
        own, subs = super()._own_items(include_state)
        if getattr(self, "_functional", False):
            # The graph's layers, in graph order, are the model's sub-layers.
            subs = list(self._graph_layers) + [s for s in subs if s not in self._graph_layers]
        return own, subs

    def call(self, inputs, training=None, mask=None):
        if self._functional:
            _attach_masks(inputs, mask)
            return self._run_graph(inputs)
        raise NotImplementedError(
            f"Model {type(self).__name__} has no `call` method: subclass Model and define "
            "`call(self, inputs)`, or build it as Model(inputs, outputs)."
        )

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A sub-layer by ``name`` or ``index``."""
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name}. Existing layers are: {[x.name for x in self.layers]}."
        )

    def summary(
        self,
        line_length: int | None = None,
        positions: Sequence[float] | None = None,
        print_fn: Callable[[str], Any] | None = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range=None,
    ) -> None:
        """Print a table of the layers, their output shapes and parameter counts."""
        from ._summary import print_summary

        print_summary(self, line_length, positions, print_fn, show_trainable)

    # -- model files (jtape/nn/_saving.py) ------------------------------------------------
    def save(self, filepath, overwrite: bool = True, **kwargs: Any) -> None:
        """Save config, weights and optimizer state as a Keras 3 ``.keras`` file."""
        from ._saving import save_model

        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite: bool = True, **kwargs) -> None:
        """Write the weights (and optimizer state) to ``filepath``.

        ``*.weights.h5`` is Keras 3's HDF5 layout, readable by Keras; any other path is
        a ``jt.train.Checkpoint`` directory (Keras 3 refuses other suffixes).
        """
        from ._saving import is_h5_weights_path, save_weights_h5

        if is_h5_weights_path(filepath):
            return save_weights_h5(self, filepath, overwrite=overwrite, **kwargs)
        return super().save_weights(filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch: bool = False, **kwargs):
        """Restore weights saved by ``save_weights`` (or Keras 3's ``.weights.h5``/``.keras``)."""
        from ._saving import is_h5_weights_path, load_weights_h5

        if is_h5_weights_path(filepath) or str(filepath).endswith(".keras"):
            return load_weights_h5(self, filepath, skip_mismatch=skip_mismatch)
        return super().load_weights(filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs: Any) -> str:
        """The model's config (Keras 3's format) as a JSON string."""
        from ._saving import model_to_json

        return model_to_json(self, **kwargs)

    def get_config(self) -> dict[str, Any]:
        """Keras' config: the whole graph for a functional model, else name/trainable/dtype."""
        if getattr(self, "_functional", False) and type(self) in (Model, Functional):
            from ._model_config import functional_config

            return functional_config(self)
        return super().get_config()

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects=None) -> Model:
        if {"layers", "input_layers", "output_layers"} <= set(config):
            from ._model_config import functional_from_config

            return functional_from_config(config, custom_objects, cls=cls)
        return cls(**config)


def _attach_masks(inputs, mask) -> None:
    """An explicit ``mask=`` for a model goes onto its input tensors (Keras' Functional)."""
    if mask is None:
        return
    for x, m in zip(_masking.flat(inputs), _masking.flat(mask)):
        if m is not None and isinstance(x, Tensor):
            _masking.set_keras_mask(x, m)


def _as_input(value, kt: KerasTensor):
    if isinstance(value, (Tensor, Variable)) or _is_symbolic(value):
        return value
    from .._tensor import to_value

    return Tensor(to_value(value, kt.dtype))


# -- Sequential -------------------------------------------------------------------------
class Sequential(Model):
    """A linear stack of layers (``keras.Sequential``).

    Built at once when the first layer knows its input shape (``input_shape=`` or an
    ``Input``), otherwise on its first call.

    Example:
        >>> from jtape import nn
        >>> model = nn.Sequential([
        ...     nn.Dense(32, activation="relu", input_shape=(64,)),
        ...     nn.Dense(10, activation="softmax"),
        ... ])
        >>> model.count_params()
        2410
    """

    def __init__(
        self, layers: Sequence[Layer] | None = None, trainable: bool = True, name: str | None = None
    ) -> None:
        super().__init__(trainable=trainable, name=name)
        self._seq_layers: list[Layer] = []
        self._input_layer: InputLayer | None = None
        for layer in layers or ():
            self.add(layer, rebuild=False)
        self._maybe_build_from_input_shape()

    def add(self, layer, rebuild: bool = True) -> None:
        """Append ``layer`` (or an ``Input`` tensor, which sets the input shape)."""
        if _is_symbolic(layer):
            node = layer._history[0] if layer._history else None
            if node is None or not isinstance(node.layer, InputLayer):
                raise ValueError("Sequential.add: only an Input() tensor can be added.")
            layer = node.layer
        if isinstance(layer, InputLayer):
            if self._seq_layers or self._input_layer is not None:
                raise ValueError("Sequential: an Input can only be the first element.")
            self._input_layer = layer
        elif isinstance(layer, Layer):
            if any(x is layer for x in self._seq_layers):
                raise ValueError(f"Sequential: layer {layer.name!r} was already added.")
            self._seq_layers.append(layer)
        else:
            raise TypeError(
                "Sequential.add: only instances of Layer can be added, got "
                f"{type(layer).__name__} ({layer!r})."
            )
        if rebuild:
            self.built = False
            self._maybe_build_from_input_shape()

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._seq_layers:
            raise TypeError("There are no layers in the model.")
        layer = self._seq_layers.pop()
        self.built = False
        built_shape = self._batch_input_shape  # set by build(): rebuilt on it, as Keras
        self._jt_output_shape = None
        self._maybe_build_from_input_shape()
        if not self.built and built_shape is not None and self._seq_layers:
            self.build(built_shape)
        return layer

    def _maybe_build_from_input_shape(self) -> None:
        shape = None
        if self._input_layer is not None:
            shape = self._input_layer._batch_input_shape
        elif self._seq_layers and self._seq_layers[0]._batch_input_shape is not None:
            shape = self._seq_layers[0]._batch_input_shape
        if shape is not None and self._seq_layers:
            self.build(shape)

    @property
    def layers(self) -> list[Layer]:
        return list(self._seq_layers)

    def _own_items(self, include_state: bool):
        own, subs = Layer._own_items(self, include_state)
        return own, [s for s in subs if not isinstance(s, InputLayer)]

    @default_build
    def build(self, input_shape=None) -> None:
        """Build every layer by running the stack on a symbolic input of ``input_shape``."""
        if input_shape is None:
            raise ValueError("Sequential.build: `input_shape` is required.")
        self._batch_input_shape = tuple(input_shape)
        dtype = self._input_layer._dtype if self._input_layer is not None else self._dtype
        x = KerasTensor(tuple(input_shape), dtype)
        for layer in self._seq_layers:
            x = layer(x)
        self._jt_output_shape = _map(lambda t: t.shape, x)
        self.built = True

    def get_config(self) -> dict[str, Any]:
        """Keras' Sequential config: the layers' configs (an InputLayer first)."""
        from ._model_config import sequential_config

        return sequential_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects=None) -> Sequential:
        from ._model_config import sequential_from_config

        return sequential_from_config(config, custom_objects, cls=cls)

    def call(self, inputs, training=None, mask=None):
        _attach_masks(inputs, mask)
        x = inputs
        for layer in self._seq_layers:
            x = layer(x)
        return x


class Functional(Model):
    """Alias kept for Keras' class name; ``Model(inputs, outputs)`` builds the same thing."""
