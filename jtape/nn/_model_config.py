"""Keras 3's configs of ``Sequential`` and functional models, both ways.

A functional config lists the layers in Keras' order (deepest from the outputs first,
ties in first-visit order of a depth-first walk from the outputs), each with its
``inbound_nodes``: the call's arguments, where every symbolic tensor is written as
``{"class_name": "__keras_tensor__", "config": {"shape", "dtype", "keras_history":
[layer name, node index, tensor index]}}``. The same layer order names the groups of a
functional model in ``.weights.h5`` files (see :mod:`jtape.nn._h5_weights`).
"""

from __future__ import annotations

from typing import Any

import jax

from ._layer import _is_symbolic


def _is_functional(layer) -> bool:
    return bool(getattr(layer, "_functional", False))


def _flat(structure) -> list:
    return jax.tree_util.tree_leaves(structure, is_leaf=_is_symbolic)


def _model_nodes(model) -> list:
    """The graph's nodes, input layers' included, as Keras' depth-first walk finds them."""
    from ._model import InputLayer

    finished: list = []
    seen: set[int] = set()
    first_visit: dict[int, int] = {}
    input_ids = {id(x) for x in model._flat_inputs}

    def visit(kt) -> None:
        node = kt._history[0]
        if id(node) in seen:
            return
        first_visit.setdefault(id(node.layer), len(first_visit))
        if not isinstance(node.layer, InputLayer) and id(kt) not in input_ids:
            for parent in node.inputs():
                visit(parent)
        seen.add(id(node))
        finished.append(node)

    for kt in _flat(model.outputs):
        visit(kt)
    for kt in model._flat_inputs:  # inputs the outputs do not use come last
        if id(kt._history[0]) not in seen:
            first_visit.setdefault(id(kt._history[0].layer), len(first_visit))
            seen.add(id(kt._history[0]))
            finished.append(kt._history[0])
    return finished, first_visit


def keras_layer_order(model) -> list:
    """A functional model's layers in the order Keras 3 lists them (``model.layers``)."""
    nodes, first_visit = _model_nodes(model)
    depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    layers: dict[int, Any] = {}
    for node in reversed(nodes):
        d = depth.setdefault(id(node), 0)
        d = max(d, layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = d
        layers[id(node.layer)] = node.layer
        depth[id(node)] = d
        for parent in node.inputs():
            pnode = parent._history[0]
            depth[id(pnode)] = max(d + 1, depth.get(id(pnode), 0))
    order = sorted(layers, key=lambda k: (-layer_depth[k], first_visit[k]))
    return [layers[k] for k in order]


def _layer_nodes(model) -> dict[int, list]:
    """For each layer: its nodes in this model, in the order they were created."""
    nodes, _ = _model_nodes(model)
    per_layer: dict[int, list] = {}
    for node in nodes:
        per_layer.setdefault(id(node.layer), []).append(node)
    for lst in per_layer.values():
        lst.sort(key=_creation_order)
    return per_layer


def _creation_order(node) -> int:
    # Output tensors are named keras_tensor, keras_tensor_1, ... in creation order.
    numbers = []
    for kt in node.outputs:
        tail = kt.name.rsplit("_", 1)[-1]
        numbers.append(int(tail) if tail.isdigit() else 0)
    return min(numbers, default=0)


# -- writing ---------------------------------------------------------------------------
def functional_config(model) -> dict[str, Any]:
    """Keras' ``config`` of a functional model."""
    from ._serialization import _plain, _serialize_layer

    per_layer = _layer_nodes(model)

    def history(kt) -> list:
        node, tensor_index = kt._history
        index = next(i for i, n in enumerate(per_layer[id(node.layer)]) if n is node)
        if _is_functional(node.layer):
            index += 1  # Keras' functional models start with a node of their own
        return [node.layer.name, index, tensor_index]

    def tensor(x):
        if _is_symbolic(x):
            return {
                "class_name": "__keras_tensor__",
                "config": {
                    "shape": _plain(x.shape),
                    "dtype": x.dtype.name,
                    "keras_history": history(x),
                },
            }
        return _plain(x)

    def structure(value):
        if _is_symbolic(value):
            return tensor(value)
        if isinstance(value, list | tuple):
            return [structure(v) for v in value]
        if isinstance(value, dict):
            return {k: structure(v) for k, v in value.items()}
        return _plain(value)

    from ._model import InputLayer

    layer_configs = []
    for layer in keras_layer_order(model):
        nodes = per_layer.get(id(layer), [])
        shape = None
        if nodes and not isinstance(layer, InputLayer):
            args = nodes[0].args
            first = args[0] if args else None
            if first is not None:
                shape = jax.tree_util.tree_map(lambda t: t.shape, first, is_leaf=_is_symbolic)
        if isinstance(layer, InputLayer):
            config = input_layer_config(layer)
        else:
            config = _serialize_layer(layer, build_shape=shape)
        config["name"] = layer.name
        config["inbound_nodes"] = [
            {"args": structure(list(n.args)), "kwargs": structure(dict(n.kwargs))}
            for n in nodes
            if not isinstance(layer, InputLayer)
        ]
        layer_configs.append(config)

    def ends(structure_):
        if _is_symbolic(structure_):
            return history(structure_)
        if isinstance(structure_, dict):
            return {k: ends(v) for k, v in structure_.items()}
        return [ends(v) for v in structure_]

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": ends(model.inputs),
        "output_layers": ends(model.outputs),
    }


def input_layer_config(layer) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "InputLayer",
        "config": {
            "batch_shape": list(layer._batch_input_shape),
            "dtype": layer._dtype.name,
            "sparse": False,
            "ragged": False,
            "name": layer.name,
            "optional": False,
        },
        "registered_name": None,
    }


def sequential_config(model) -> dict[str, Any]:
    """Keras' ``config`` of a Sequential model (an InputLayer first when the shape is known)."""
    from ._model import InputLayer
    from ._serialization import _plain, _policy, _serialize_layer

    layers = []
    shape = model._batch_input_shape or getattr(model, "_jt_build_input_shape", None)
    if model._input_layer is not None:
        layers.append(input_layer_config(model._input_layer))
    elif shape is not None and model.built:
        layers.append(
            input_layer_config(
                InputLayer(batch_shape=shape, dtype=model._dtype, name="input_layer")
            )
        )
    for layer in model._seq_layers:
        layers.append(_serialize_layer(layer, build_shape=shape))
        shape = _output_shape(layer, shape)
    config = {
        "name": model.name,
        "trainable": model.trainable,
        "dtype": _policy(model._dtype),
        "layers": layers,
    }
    first_shape = model._batch_input_shape or getattr(model, "_jt_build_input_shape", None)
    if first_shape is not None:
        config["build_input_shape"] = _plain(first_shape)
    return config


def _output_shape(layer, shape):
    out = getattr(layer, "_jt_symbolic_output", None)
    if out is not None and not isinstance(out, list | tuple | dict):
        return tuple(out.shape)
    return None if shape is None else layer._jt_output_shape


# -- reading ---------------------------------------------------------------------------
def sequential_from_config(config: dict, custom_objects=None, cls=None):
    from ._model import InputLayer, Sequential
    from ._serialization import deserialize_layer

    cls = cls or Sequential
    layers = []
    for layer_config in config.get("layers", []):
        if layer_config.get("class_name") == "InputLayer":
            layers.append(_input_layer(layer_config["config"]))
        else:
            layers.append(deserialize_layer(layer_config, custom_objects))
    model = cls(name=config.get("name"), trainable=config.get("trainable", True))
    for layer in layers:
        model.add(layer, rebuild=False)
    if not layers or not isinstance(layers[0], InputLayer):
        shape = config.get("build_input_shape")
        if shape is not None:
            model.build(tuple(shape))
            return model
    model._maybe_build_from_input_shape()
    return model


def _input_layer(config: dict):
    from ._model import InputLayer
    from ._serialization import _dtype_name

    shape = config.get("batch_shape", config.get("batch_input_shape"))
    return InputLayer(
        batch_shape=tuple(shape), dtype=_dtype_name(config.get("dtype")), name=config.get("name")
    )


def functional_from_config(config: dict, custom_objects=None, cls=None):
    """A functional model from Keras' config: create the layers, then replay their calls."""
    from ._model import Model
    from ._serialization import deserialize_layer

    cls = cls or Model
    created: dict[str, Any] = {}
    outputs: dict[str, list] = {}  # layer name -> output lists, one per processed node
    pending: dict[str, list] = {}
    for layer_config in config["layers"]:
        name = layer_config.get("name") or layer_config["config"]["name"]
        if layer_config.get("class_name") == "InputLayer":
            layer = _input_layer(layer_config["config"])
            outputs[name] = [[layer.output]]
        else:
            layer = deserialize_layer(
                {k: v for k, v in layer_config.items() if k not in ("inbound_nodes", "name")},
                custom_objects,
            )
            # A Keras functional model's node 0 is its own graph: calls count from 1.
            outputs[name] = [[]] if _is_functional(layer) else []
            pending[name] = list(layer_config.get("inbound_nodes") or [])
        created[name] = layer

    class _Missing(Exception):
        pass

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            layer_name, node_index, tensor_index = value["config"]["keras_history"]
            done = outputs.get(layer_name)
            if done is None:
                raise ValueError(
                    f"Invalid Functional model configuration. Missing node: {layer_name}"
                )
            if node_index >= len(done):
                raise _Missing
            return done[node_index][tensor_index]
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    while any(pending.values()):
        progress = False
        for name, nodes in pending.items():
            while nodes:
                data = nodes[0]
                if isinstance(data, list):
                    raise ValueError(
                        "jtape reads Keras 3 functional configs only (this node is in the "
                        f"Keras 2 list format): {data!r}"
                    )
                try:
                    args = resolve(data.get("args", []))
                    kwargs = resolve(data.get("kwargs", {}))
                except _Missing:
                    break
                out = created[name](*args, **kwargs)
                outputs[name].append(_flat(out))
                nodes.pop(0)
                progress = True
        if not progress:
            raise ValueError(
                "Invalid Functional model configuration: the graph has loops or disconnected "
                f"nodes; unresolved: { {k: len(v) for k, v in pending.items() if v} }"
            )

    def ends(structure):
        if isinstance(structure, list) and len(structure) == 3 and isinstance(structure[0], str):
            return outputs[structure[0]][structure[1]][structure[2]]
        if isinstance(structure, dict):
            return {k: ends(v) for k, v in structure.items()}
        return [ends(v) for v in structure]

    inputs = ends(config["input_layers"])
    outs = ends(config["output_layers"])
    extra = {
        k: v for k, v in config.items() if k not in ("layers", "input_layers", "output_layers")
    }
    return cls(inputs=inputs, outputs=outs, **extra)
