"""Keras 3's ``.weights.h5`` layout, read and written with h5py.

Keras walks a model as an object tree and gives every layer and optimizer one HDF5
group, ``<path>/vars``, whose datasets ``"0"``, ``"1"``... are the object's own
variables (a layer's trainable ones first, then the non-trainable ones; an optimizer's
``variables``). The path is the chain of attribute names from the model:

- ``vars``: the model's own variables (usually none), with the attribute ``name``;
- ``layers/<name>``: the layers of a Sequential or functional model, listed first;
- then every attribute in alphabetical order, private (``_x``) ones last, e.g.
  ``dense_1``, ``cell`` (an RNN's cell), ``optimizer``;
- a list or dict attribute names its items by class, ``dense``, ``dense_1``... (the
  counter counts every layer of that class in the list, also the ones saved already).

An object reachable along several paths is saved under the first. The same walk on
a jtape model gives the same paths, so files go both ways.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._layer import Layer, to_snake_case

# jtape's own attributes that hold layers Keras does not save (a Sequential's Input),
# or that repeat ``layers``.
_SKIP = frozenset(
    {"_input_layer", "_graph_layers", "_seq_layers", "_graph_nodes", "inputs", "outputs"}
)


def _is_saveable(obj) -> bool:
    from ..optimizers import Optimizer

    return isinstance(obj, Layer | Optimizer)


def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name


def _model_layers(model) -> list:
    from ._model import Sequential
    from ._model_config import keras_layer_order

    if isinstance(model, Sequential):
        return list(model._seq_layers)
    if getattr(model, "_functional", False):
        return keras_layer_order(model)
    return model.layers


def _children(obj) -> Iterator[tuple[str, Any]]:
    from ._model import Model, Sequential

    is_graph = isinstance(obj, Sequential) or getattr(obj, "_functional", False)
    if is_graph:
        yield "layers", _model_layers(obj)
    if not isinstance(obj, Layer):
        return  # an optimizer holds no other saveable objects
    names = {k for k in vars(obj) if not k.startswith(("__", "_jt")) and k not in _SKIP}
    if isinstance(obj, Model):
        names |= {"optimizer"} | ({"layers"} if not is_graph else set())
    for name in sorted(names, key=_name_key):
        if name == "layers" and isinstance(obj, Model):
            yield name, _model_layers(obj)
            continue
        yield name, vars(obj).get(name, getattr(obj, name, None))


def own_variables(obj) -> list:
    """What Keras' ``save_own_variables`` writes for ``obj``, in its order."""
    if isinstance(obj, Layer):
        own = obj._own_items(False)[0]
        trainable = [v for v in own if getattr(v, "_jt_layer_trainable", v.trainable)]
        rest = [v for v in own if not getattr(v, "_jt_layer_trainable", v.trainable)]
        return trainable + rest
    return list(obj.variables)


def saveables(model) -> list[tuple[str, Any]]:
    """``(path, object)`` for every layer and optimizer under ``model``, in Keras' order."""
    out: list[tuple[str, Any]] = []
    visited: set[int] = set()

    def visit(obj, path: str) -> None:
        if id(obj) in visited:
            return
        out.append((path, obj))
        visited.add(id(obj))
        for name, child in _children(obj):
            child_path = f"{path}/{name}" if path else name
            if _is_saveable(child):
                visit(child, child_path)
            elif isinstance(child, list | tuple | dict):
                container(child, child_path, set())

    def container(items, path: str, seen: set[int]) -> None:
        if id(items) in seen:
            return
        seen.add(id(items))
        used: dict[str, int] = {}

        def unique(name: str) -> str:
            if name in used:
                used[name] += 1
                return f"{name}_{used[name]}"
            used[name] = 0
            return name

        for item in items.values() if isinstance(items, dict) else items:
            if _is_saveable(item):
                visit(item, f"{path}/{unique(to_snake_case(type(item).__name__))}")
            elif isinstance(item, list | tuple | dict):
                container(item, f"{path}/{unique('container')}", seen)

    visit(model, "")
    return out


def _vars_path(path: str) -> str:
    return f"{path}/vars" if path else "vars"


# -- writing ----------------------------------------------------------------------------
def write(model, file, require_built: bool = True) -> None:
    """Write ``model``'s weights (and its optimizer's) to ``file`` (a path or binary file).

    ``save_weights`` needs a built model (as Keras); ``model.save`` does not.
    """
    import h5py

    if require_built:
        _check_built(model, "saving")
    with h5py.File(file, "w") as f:
        for path, obj in saveables(model):
            group = f.create_group(_vars_path(path))
            name = getattr(obj, "name", None)
            if isinstance(name, str):
                group.attrs["name"] = name
            for i, v in enumerate(own_variables(obj)):
                group.create_dataset(str(i), data=np.asarray(v.numpy()))


def _check_built(model, doing: str) -> None:
    if not model.built:
        what = "saving" if doing == "saving" else "loading weights into"
        raise ValueError(
            f"You are {what} a model that has not yet been built. Try building the model "
            "first by calling it on some data or by using `build()`."
        )


# -- reading ----------------------------------------------------------------------------
def read(
    model, file, skip_mismatch: bool = False, build_optimizer: bool = False, require_built=True
) -> None:
    """Assign the weights in ``file`` to ``model``; checked completely before any write.

    As Keras: an optimizer whose variable count differs from the file's (for example
    one not built yet) is skipped with a warning; ``build_optimizer=True`` (used by
    ``load_model``) builds it for the model's trainable variables first.
    """
    import h5py

    from ..optimizers import Optimizer

    if require_built:
        _check_built(model, "loading")
    assignments: list[tuple[Any, np.ndarray]] = []
    errors: list[str] = []
    with h5py.File(file, "r") as f:
        for path, obj in saveables(model):
            group = f.get(_vars_path(path))
            stored = [] if group is None else sorted(group.keys(), key=int)
            if isinstance(obj, Optimizer):
                if build_optimizer and stored and not obj._vars:
                    obj.build(model.trainable_variables)
                variables = own_variables(obj)
                if len(stored) != len(variables):
                    if not stored and group is None:
                        continue
                    msg = (
                        f"Skipping variable loading for optimizer '{obj.name}', because it "
                        f"has {len(variables)} variables whereas the saved optimizer has "
                        f"{len(stored)} variables. "
                    )
                    if not obj.built:
                        msg += "This is likely because the optimizer has not been called/built yet."
                    warnings.warn(msg, stacklevel=3)
                    continue
            else:
                variables = own_variables(obj)
                if len(stored) != len(variables):
                    problem = (
                        f"Layer '{obj.name}' expected {len(variables)} variables, but received "
                        f"{len(stored)} variables during loading (at '{_vars_path(path)}'). "
                        f"Expected: {[v.name for v in variables]}"
                    )
                    _fail(problem, skip_mismatch, errors)
                    continue
            values = [np.asarray(group[k]) for k in stored]
            bad = [
                f"'{v.name}' has shape {tuple(v.shape)}, the file's value "
                f"'{_vars_path(path)}/{k}' has shape {a.shape}"
                for k, v, a in zip(stored, variables, values)
                if tuple(v.shape) != a.shape
            ]
            if bad:
                _fail(
                    f"{type(obj).__name__} '{getattr(obj, 'name', path)}': " + "; ".join(bad),
                    skip_mismatch,
                    errors,
                )
                continue
            assignments.extend(zip(variables, values))
    if errors:
        raise ValueError(
            f"A total of {len(errors)} objects could not be loaded (nothing was assigned):\n"
            + "\n".join(errors)
        )
    for v, a in assignments:
        v.assign(a.astype(v.dtype.as_numpy_dtype))


def _fail(problem: str, skip_mismatch: bool, errors: list[str]) -> None:
    if skip_mismatch:
        warnings.warn(f"Skipping loading of weights: {problem}", stacklevel=4)
    else:
        errors.append(problem)
