"""Keras 3's ``.keras`` file: a zip of ``metadata.json``, ``config.json``, ``model.weights.h5``.

``config.json`` is the model's serialized config (:mod:`jtape.nn._serialization`) with
its ``compile_config``; ``model.weights.h5`` is the ``.weights.h5`` layout
(:mod:`jtape.nn._h5_weights`). Files written here load in Keras 3.15 and the reverse.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
from typing import Any

from . import _h5_weights, _serialization

_CONFIG = "config.json"
_METADATA = "metadata.json"
_WEIGHTS = "model.weights.h5"
# The Keras release whose format these files follow (Keras reads it only for display).
FORMAT_VERSION = "3.15.1"


def compile_config(model) -> dict[str, Any] | None:
    """Keras' ``compile_config``: the arguments ``compile`` was called with."""
    if not getattr(model, "compiled", False):
        return None
    ser = _serialization.serialize_keras_object

    def loss(value):
        if isinstance(value, str) or value is None:
            return value
        if isinstance(value, list | tuple):
            return [loss(v) for v in value]
        if isinstance(value, dict):
            return {k: loss(v) for k, v in value.items()}
        return ser(value)

    return {
        "optimizer": ser(model.optimizer),
        "loss": loss(model.loss),
        "loss_weights": model._loss_weights,
        "metrics": ser(model._metric_specs) or None,
        "weighted_metrics": ser(model._weighted_metric_specs) or None,
        "run_eagerly": bool(model.run_eagerly),
        "steps_per_execution": model.steps_per_execution,
        "jit_compile": False,
    }


def model_config(model) -> dict[str, Any]:
    config = _serialization.serialize_keras_object(model)
    compiled = compile_config(model)
    if compiled is not None:
        config["compile_config"] = compiled
    return config


def save_model(model, filepath, overwrite: bool = True) -> None:
    """Write ``model`` as a ``.keras`` zip (config, metadata, weights with optimizer state)."""
    filepath = os.fspath(filepath)
    if not str(filepath).endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving. jtape writes the native Keras format: "
            f"add a `.keras` extension. Received: filepath={filepath}"
        )
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False")
    config = json.dumps(model_config(model))
    metadata = json.dumps(
        {
            "keras_version": FORMAT_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "saved_by": "jtape",
        }
    )
    weights = io.BytesIO()
    _h5_weights.write(model, weights, require_built=False)
    tmp = f"{filepath}.tmp{os.getpid()}"
    with zipfile.ZipFile(tmp, "w") as zf:  # stored, not deflated, as Keras writes it
        zf.writestr(_METADATA, metadata)
        zf.writestr(_CONFIG, config)
        zf.writestr(_WEIGHTS, weights.getvalue())
    os.replace(tmp, filepath)  # a crash mid-save leaves any previous file whole


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True, safe_mode=True):
    """A model from a ``.keras`` file (Keras 3's or jtape's), compiled if it was saved so."""
    filepath = os.fspath(filepath)
    if str(filepath).endswith((".h5", ".hdf5")) and not str(filepath).endswith(".weights.h5"):
        raise ValueError(
            f"{filepath}: jtape reads Keras 3 `.keras` files; the legacy Keras 2 HDF5 "
            "full-model format is not supported. Load it with Keras and re-save it as .keras."
        )
    if str(filepath).endswith(".weights.h5"):
        raise ValueError(
            f"{filepath} holds weights only: build the model, then call "
            "model.load_weights(filepath)."
        )
    if os.path.isdir(filepath):
        if os.path.exists(os.path.join(filepath, "saved_model.pb")):
            raise ValueError(
                f"{filepath} is a TensorFlow SavedModel directory; jtape's load_model reads "
                "Keras 3 `.keras` files."
            )
        raise ValueError(f"{filepath} is a directory; load_model reads a `.keras` file.")
    if not zipfile.is_zipfile(filepath):
        raise ValueError(
            f"File format not supported: filepath={filepath}. jtape's load_model reads "
            "Keras 3 `.keras` files."
        )
    with zipfile.ZipFile(filepath, "r") as zf:
        config = json.loads(zf.read(_CONFIG))
        weights = zf.read(_WEIGHTS) if _WEIGHTS in zf.namelist() else None
    compile_cfg = config.pop("compile_config", None)
    model = _serialization.deserialize_keras_object(config, custom_objects)
    if compile and compile_cfg:
        compile_from_config(model, compile_cfg, custom_objects)
    if weights is not None:
        # An unbuilt model (saved unbuilt) has no variables, and its file none either.
        _h5_weights.read(model, io.BytesIO(weights), build_optimizer=True, require_built=False)
    return model


def compile_from_config(model, config: dict, custom_objects: dict | None = None) -> None:
    """``model.compile(...)`` with the arguments of Keras' ``compile_config``."""
    des = _serialization.deserialize_keras_object
    with _serialization.CustomObjectScope(custom_objects):
        kwargs = {
            "optimizer": des(config.get("optimizer") or "rmsprop", custom_objects),
            "loss": des(config.get("loss"), custom_objects),
            "loss_weights": config.get("loss_weights"),
            "metrics": des(config.get("metrics"), custom_objects),
            "weighted_metrics": des(config.get("weighted_metrics"), custom_objects),
            "run_eagerly": bool(config.get("run_eagerly", False)),
            "steps_per_execution": int(config.get("steps_per_execution", 1)),
        }
        model.compile(**kwargs)
