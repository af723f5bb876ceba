"""Model files: ``save``/``load_model``, ``.weights.h5`` weights, JSON configs, cloning.

The entry points behind ``Model.save``, ``Model.save_weights``/``load_weights``,
``keras.models.load_model``, ``model_from_json`` and ``clone_model``. The formats are
Keras 3's (see :mod:`jtape.nn._keras_archive` and :mod:`jtape.nn._h5_weights`).
"""

from __future__ import annotations

import json
import os
from typing import Any

from . import _h5_weights, _keras_archive, _serialization

WEIGHTS_SUFFIX = ".weights.h5"


def is_h5_weights_path(filepath) -> bool:
    """Whether ``filepath`` names a Keras 3 weights file (``*.weights.h5``)."""
    return isinstance(filepath, str | os.PathLike) and os.fspath(filepath).endswith(WEIGHTS_SUFFIX)


def save_weights_h5(model, filepath, overwrite: bool = True, max_shard_size=None) -> None:
    """Write ``model``'s weights and optimizer state to ``filepath`` in Keras 3's layout."""
    if max_shard_size is not None:
        raise ValueError(
            "save_weights: jtape writes one `.weights.h5` file; sharded weights "
            f"(max_shard_size={max_shard_size!r}, `.weights.json`) are not supported."
        )
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_weights: {filepath} exists and overwrite=False")
    tmp = f"{filepath}.tmp{os.getpid()}"
    try:
        _h5_weights.write(model, tmp)
        os.replace(tmp, filepath)  # a crash mid-save leaves any previous file whole
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_weights_h5(model, filepath, skip_mismatch: bool = False) -> None:
    """Assign the weights of a Keras 3 ``.weights.h5`` (or ``.keras``) file to ``model``."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        import io
        import zipfile

        with zipfile.ZipFile(filepath) as zf:
            data = zf.read("model.weights.h5")
        _h5_weights.read(model, io.BytesIO(data), skip_mismatch=skip_mismatch)
        return
    _h5_weights.read(model, filepath, skip_mismatch=skip_mismatch)


def save_model(model, filepath, overwrite: bool = True, **kwargs: Any) -> None:
    """Save ``model`` as a Keras 3 ``.keras`` file (``keras.models.save_model``).

    Example:
        >>> import os, tempfile
        >>> from jtape import nn
        >>> model = nn.Sequential([nn.Input((3,)), nn.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
        >>> nn.models.save_model(model, path)
        >>> nn.models.load_model(path).layers[0].units
        2
    """
    unknown = set(kwargs) - {"zipped", "include_optimizer", "save_format"}
    if unknown:
        raise TypeError(f"save_model() got unexpected keyword arguments {sorted(unknown)}")
    if kwargs.get("zipped") is False:
        raise ValueError("jtape writes `.keras` files zipped only (zipped=False is unsupported).")
    _keras_archive.save_model(model, filepath, overwrite=overwrite)


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True, safe_mode=True):
    """Load a ``.keras`` file written by Keras 3 or jtape (``keras.models.load_model``).

    Sequential, functional and registered subclassed models
    (``register_keras_serializable``, or classes passed in ``custom_objects``) load;
    the optimizer state is restored when the file has it and the model was compiled.
    """
    return _keras_archive.load_model(filepath, custom_objects, compile, safe_mode)


def model_to_json(model, **kwargs: Any) -> str:
    """``model.to_json()``: the serialized model (no weights) as a JSON string."""
    return json.dumps(_serialization.serialize_keras_object(model), **kwargs)


def model_from_json(json_string: str, custom_objects: dict | None = None):
    """A new model (fresh weights) from :func:`model_to_json`'s string (``keras.models``).

    Example:
        >>> from jtape import nn
        >>> model = nn.Sequential([nn.Input((3,)), nn.Dense(2)])
        >>> nn.models.model_from_json(model.to_json()).output_shape
        (None, 2)
    """
    return _serialization.deserialize_keras_object(json.loads(json_string), custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, **kwargs):
    """A new model of the same architecture with new weights (``keras.models.clone_model``).

    Sequential and functional models are rebuilt from their configs, each layer through
    ``clone_function(layer)`` (default: ``layer.__class__.from_config(config)``);
    a subclassed model is rebuilt with ``from_config(get_config())``.
    """
    from ._model import Sequential

    if input_tensors is not None or call_function is not None or kwargs:
        raise ValueError(
            "clone_model: jtape supports `model` and `clone_function` only (input_tensors, "
            "call_function and other arguments are not supported)."
        )
    if clone_function is None:
        config = _serialization.serialize_keras_object(model)
        cls = type(model)  # a subclassed model clones without being registered
        own = {_serialization.get_registered_name(cls): cls, cls.__name__: cls}
        return _serialization.deserialize_keras_object(config, custom_objects=own)
    if isinstance(model, Sequential):
        layers = [clone_function(layer) for layer in model._seq_layers]
        clone = Sequential(name=model.name)
        if model._input_layer is not None:
            from ._model import InputLayer

            source = model._input_layer
            clone.add(InputLayer(batch_shape=source._batch_input_shape, dtype=source._dtype))
        for layer in layers:
            clone.add(layer, rebuild=False)
        if model._batch_input_shape is not None:
            clone.build(model._batch_input_shape)
        return clone
    raise ValueError(
        "clone_model with a clone_function is supported for Sequential models only in jtape."
    )
