"""Keras 3's object configs: ``register_keras_serializable`` and layer/model (de)serialization.

A serialized object is Keras 3's dict ``{"module", "class_name", "config",
"registered_name"}`` (plus ``build_config`` for layers, ``compile_config`` for models),
so configs written here load in Keras 3.15 and configs written by Keras load here.
Built-in layers are written with every constructor argument under Keras' name (jtape's
``get_config`` may list fewer; the rest are read from the layer's attributes).
Arguments Keras has and jtape lacks are accepted when they hold Keras' default value
(``quantization_config=None``, ``synchronized=False``...); any other value raises.
"""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any

import numpy as np

from .. import _dtypes

# -- the registry of custom objects -------------------------------------------------------
_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}


class _Scopes(threading.local):
    def __init__(self) -> None:
        self.stack: list[dict[str, Any]] = []


_scopes = _Scopes()


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator: make a class or function loadable by name, as ``"package>name"``.

    Example:
        >>> from jtape import nn
        >>> @nn.saving.register_keras_serializable(package="demo")
        ... class Twice(nn.Layer):
        ...     def call(self, x):
        ...         return 2 * x
        >>> nn.saving.get_registered_name(Twice)
        'demo>Twice'
    """

    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj) -> str:
    """``"package>name"`` for a registered class or function, else its ``__name__``."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return obj.__name__


def get_custom_objects() -> dict[str, Any]:
    """The global, mutable dict of registered names -> objects (``keras.saving``)."""
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """Within ``with CustomObjectScope({"Name": cls}):`` loading finds ``Name``.

    Example:
        >>> from jtape import nn
        >>> with nn.saving.custom_object_scope({"MyDense": nn.Dense}):
        ...     nn.saving.get_registered_object("MyDense") is nn.Dense
        True
    """

    def __init__(self, *custom_objects: dict[str, Any] | None) -> None:
        self.custom_objects: dict[str, Any] = {}
        for objects in custom_objects:
            self.custom_objects.update(objects or {})

    def __enter__(self) -> CustomObjectScope:
        _scopes.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc) -> None:
        _scopes.stack.pop()


custom_object_scope = CustomObjectScope


def get_registered_object(name: str, custom_objects: dict | None = None, module_objects=None):
    """The object registered (or in scope, or in ``custom_objects``) under ``name``."""
    for table in (custom_objects or {}, *reversed(_scopes.stack), _GLOBAL_CUSTOM_OBJECTS):
        if name in table:
            return table[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


# -- small values --------------------------------------------------------------------------
def _policy(dtype) -> dict[str, Any]:
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": _dtypes.as_dtype(dtype).name},
        "registered_name": None,
    }


def _dtype_name(value):
    """A dtype config (a name, or a DTypePolicy dict) as jtape's dtype name."""
    if isinstance(value, dict):
        name = (value.get("config") or {}).get("name")
        if value.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy") or name is None:
            raise ValueError(f"jtape supports plain DTypePolicy dtypes only, got {value!r}")
        if name.startswith("mixed_"):
            raise ValueError(f"jtape does not support mixed-precision policies ({name!r})")
        return name
    return value


def _plain(value):
    """JSON-ready: tuples become lists, numpy scalars Python numbers."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, _dtypes.DType | np.dtype):
        return _dtypes.as_dtype(value).name
    return value


def _serialize_value(key: str, value):
    """A layer attribute as Keras writes it in a config."""
    from . import activations, regularizers
    from ._initializers import Initializer
    from ._initializers import serialize as serialize_initializer

    if isinstance(value, Initializer):
        return serialize_initializer(value)
    if isinstance(value, regularizers.Regularizer):
        return regularizers.serialize(value)
    if "activation" in key and callable(value):
        return activations.serialize(value)
    if value is None or isinstance(value, bool | int | float | str | tuple | list | np.generic):
        return _plain(value)
    if isinstance(value, dict):
        return _plain(value)
    return _UNSERIALIZABLE


_UNSERIALIZABLE = object()
# Constructor parameters of jtape's private base classes that subclasses fill in.
_NOT_ARGUMENTS = frozenset({"self", "args", "kwargs", "rank"})

# Keras arguments that jtape's layers do not take, and the value that means "off".
_KERAS_ONLY_DEFAULTS: dict[str, Any] = {
    "quantization_config": None,
    "lora_rank": None,
    "lora_alpha": None,
    "synchronized": False,
    "renorm": False,
    "renorm_clipping": None,
    "renorm_momentum": 0.99,
    "sparse": False,
    "ragged": False,
    "optional": False,
    "use_cudnn": "auto",
    "implementation": 2,
    "embeddings_constraint": None,
}


def _init_params(cls) -> set[str] | None:
    """Names ``cls(...)`` accepts, or None if it takes any keyword."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters
        names.update(
            n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        )
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return names
    return None


# -- layers -------------------------------------------------------------------------------
def _builtin_layer_classes() -> dict[str, type]:
    from .. import nn
    from ._layer import Layer

    table = {
        name: obj
        for name, obj in vars(nn).items()
        if isinstance(obj, type) and issubclass(obj, Layer) and not name.startswith("_")
    }
    table["Functional"] = nn.Model
    return table


def _is_builtin(cls) -> bool:
    name = getattr(cls, "_jt_keras_class_name", cls.__name__)
    return cls.__module__.startswith("jtape.") and name in _builtin_layer_classes()


def add_constructor_arguments(layer, config: dict[str, Any]) -> None:
    """Complete a built-in layer's ``config`` (in place) as Keras' ``get_config`` does: every
    ``__init__`` argument the layer keeps as an attribute of the same name (initializers,
    regularizers and activations serialized as Keras writes them)."""
    from ._layer import Layer

    cls = type(layer)
    only = getattr(cls, "_jt_config_keys", None)
    for klass in cls.__mro__:
        if klass is Layer or klass is object:
            break
        init = klass.__dict__.get("__init__")
        if init is None or klass.__name__.startswith("_"):
            continue  # private bases take arguments their public subclasses fix
        for name in _init_parameters(init):
            if name in config or name in _NOT_ARGUMENTS or name.startswith("_"):
                continue
            try:
                value = getattr(layer, name)
            except AttributeError:
                continue
            serialized = _serialize_value(name, value)
            if serialized is not _UNSERIALIZABLE:
                config[name] = serialized
    if only is not None:  # a Keras class whose __init__ takes just these (SpatialDropout)
        for key in [k for k in config if k not in only]:
            del config[key]


@functools.cache
def _init_parameters(init) -> tuple[str, ...]:
    return tuple(inspect.signature(init).parameters)


def is_builtin_layer(layer) -> bool:
    return _is_builtin(type(layer))


def layer_config(layer) -> dict[str, Any]:
    """Keras' ``config`` of a layer: ``get_config()`` completed with its constructor arguments.

    For jtape's own layers every ``__init__`` argument that the layer keeps as an
    attribute of the same name is added (initializers, regularizers, activations).
    """

    config = dict(layer.get_config())
    cls = type(layer)
    if _is_builtin(cls):
        add_constructor_arguments(layer, config)
        if "activity_regularizer" not in config:  # every Keras layer takes it
            config["activity_regularizer"] = _serialize_value("", layer.activity_regularizer)
        only = getattr(cls, "_jt_config_keys", None)
        if only is not None:
            config = {k: v for k, v in config.items() if k in only}
    config = {
        k: _serialize_value(k, v) if not isinstance(v, dict) else v for k, v in config.items()
    }
    bad = [k for k, v in config.items() if v is _UNSERIALIZABLE]
    if bad:
        raise ValueError(
            f"Cannot serialize layer {layer.name!r} ({cls.__name__}): arguments {bad} hold "
            "objects without a Keras config."
        )
    if "dtype" in config and isinstance(config["dtype"], str):
        config["dtype"] = _policy(config["dtype"])
    return _plain(config)


def serialize_keras_object(obj) -> Any:
    """Keras 3's serialized form of a layer, model, optimizer, loss, metric or initializer.

    Example:
        >>> from jtape import nn
        >>> config = nn.saving.serialize_keras_object(nn.Dense(2))
        >>> config["class_name"], config["config"]["units"]
        ('Dense', 2)
    """
    from .. import optimizers
    from ._initializers import Initializer
    from ._initializers import serialize as serialize_initializer
    from ._layer import Layer
    from ._losses import Loss
    from ._metrics import Metric

    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, list | tuple):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, Layer):
        return _serialize_layer(obj)
    if isinstance(obj, Initializer):
        return serialize_initializer(obj)
    if isinstance(obj, optimizers.Optimizer):
        config = {k: _plain(v) for k, v in obj.get_config().items()}
        return _wrap("keras.optimizers", obj, config)
    if isinstance(obj, Loss):
        return _wrap("keras.losses", obj, _plain(obj.get_config()))
    if isinstance(obj, Metric):
        return _wrap("keras.metrics", obj, _plain(obj.get_config()))
    if callable(obj) and hasattr(obj, "__name__"):
        registered = _GLOBAL_CUSTOM_NAMES.get(obj)
        return registered or obj.__name__
    raise ValueError(f"Cannot serialize {obj!r}: it has no Keras config.")


def _wrap(module: str, obj, config: dict) -> dict[str, Any]:
    cls = type(obj)
    if cls in _GLOBAL_CUSTOM_NAMES:
        return {
            "module": None,
            "class_name": cls.__name__,
            "config": config,
            "registered_name": _GLOBAL_CUSTOM_NAMES[cls],
        }
    return {"module": module, "class_name": cls.__name__, "config": config, "registered_name": None}


def _serialize_layer(layer, build_shape=None) -> dict[str, Any]:
    from . import _model_config
    from ._model import Model, Sequential

    cls = type(layer)
    if cls is Sequential:
        return {
            "module": "keras",
            "class_name": "Sequential",
            "config": _model_config.sequential_config(layer),
            "registered_name": None,
            **_maybe(_build_config_of_model(layer)),
        }
    if cls in (Model,) or (cls.__name__ == "Functional" and _is_builtin(cls)):
        if not layer._functional:
            raise ValueError(
                "Cannot serialize a plain `Model()` without inputs/outputs: subclass it "
                "(and register the subclass) or build it as Model(inputs, outputs)."
            )
        return {
            "module": "keras.src.models.functional",
            "class_name": "Functional",
            "config": _model_config.functional_config(layer),
            "registered_name": "Functional",
            **_maybe(_build_config_of_model(layer)),
        }
    config = layer_config(layer)
    if _is_builtin(cls):
        module, registered = "keras.layers", None
    else:
        module = cls.__module__
        registered = get_registered_name(cls)
    out = {
        "module": module,
        "class_name": getattr(cls, "_jt_keras_class_name", cls.__name__),  # Keras' export
        "config": config,
        "registered_name": registered,
    }
    if isinstance(layer, Model):
        out.update(_maybe(_build_config_of_model(layer)))
    elif getattr(layer, "_jt_build_config", lambda: None)() is not None:
        out["build_config"] = _plain(layer._jt_build_config())  # e.g. Keras' shapes_dict
    elif build_shape is not None:
        out["build_config"] = {"input_shape": _plain(build_shape)}
    return out


def _build_config_of_model(model) -> dict[str, Any] | None:
    if getattr(model, "_functional", False):
        return {"input_shape": None}
    shape = getattr(model, "_batch_input_shape", None)
    if shape is None:
        shape = getattr(model, "_jt_build_input_shape", None)
    return None if shape is None else {"input_shape": _plain(shape)}


def _maybe(build_config) -> dict[str, Any]:
    return {} if build_config is None else {"build_config": build_config}


def _layer_class(config: dict, custom_objects: dict | None):
    class_name = config.get("class_name")
    registered = config.get("registered_name")
    for name in (registered, class_name):
        if name:
            obj = get_registered_object(name, custom_objects)
            if obj is not None:
                return obj
    module = config.get("module")
    builtins = _builtin_layer_classes()
    keras_module = module is None or str(module).startswith("keras")
    if keras_module and class_name in builtins and registered in (None, class_name, "Functional"):
        return builtins[class_name]
    raise TypeError(
        f"Could not locate class {class_name!r}. Make sure custom classes are decorated with "
        "`@keras.saving.register_keras_serializable()` (jtape.nn.saving."
        "register_keras_serializable) or passed in `custom_objects`. Full object config: "
        f"{config}"
    )


def _jtape_kwargs(cls, class_name: str, config: dict) -> dict[str, Any]:
    """A Keras layer config as keyword arguments jtape's ``cls`` accepts."""
    from ._layer import _LAYER_KWARGS

    config = dict(config)
    if "dtype" in config:
        config["dtype"] = _dtype_name(config["dtype"])
    accepted = _init_params(cls)
    if accepted is None:
        return config
    accepted = accepted | _LAYER_KWARGS | {"name", "trainable", "dtype"}
    for key in list(config):
        if key in accepted:
            continue
        value = config.pop(key)
        default = _KERAS_ONLY_DEFAULTS.get(key, None)
        if value != default and not (key == "seed" and value is None):
            raise ValueError(
                f"{class_name}: jtape does not support the argument {key}={value!r} "
                f"(it only accepts Keras' default, {default!r})."
            )
    return config


def deserialize_layer(config: dict, custom_objects: dict | None = None):
    """A layer (or model) from Keras 3's serialized dict."""
    from . import _model_config

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret serialized layer: {config!r}")
    cls = _layer_class(config, custom_objects)
    inner = config.get("config") or {}
    class_name = config["class_name"]
    with CustomObjectScope(custom_objects):
        if class_name == "Sequential" and _is_builtin(cls):
            layer = _model_config.sequential_from_config(inner, custom_objects)
        elif class_name in ("Functional", "Model") and _is_builtin(cls):
            layer = _model_config.functional_from_config(inner, custom_objects)
        elif _is_builtin(cls):
            kwargs = _jtape_kwargs(cls, class_name, inner)
            try:
                layer = cls.from_config(kwargs)
            except TypeError:
                layer = cls(**kwargs)
        else:
            inner = dict(inner)
            if "dtype" in inner:
                inner["dtype"] = _dtype_name(inner["dtype"])
            layer = cls.from_config(inner)
    build = config.get("build_config") or {}
    shape = build.get("input_shape")
    if shape is not None and not layer.built:
        layer.build(_shape(shape))
    return layer


def _shape(shape):
    if isinstance(shape, list) and shape and isinstance(shape[0], list | type(None)):
        if all(isinstance(s, list) for s in shape):
            return [tuple(s) for s in shape]
    return tuple(shape)


def deserialize_keras_object(config, custom_objects: dict | None = None, safe_mode: bool = True):
    """Inverse of :func:`serialize_keras_object` for layers, models, optimizers, losses, metrics."""
    from .. import optimizers
    from . import _initializers, losses, metrics

    if config is None or isinstance(config, bool | int | float):
        return config
    if isinstance(config, str):
        obj = get_registered_object(config, custom_objects)
        return obj if obj is not None else config
    if isinstance(config, list):
        return [deserialize_keras_object(c, custom_objects) for c in config]
    if not isinstance(config, dict) or "class_name" not in config:
        if isinstance(config, dict):
            return {k: deserialize_keras_object(v, custom_objects) for k, v in config.items()}
        raise ValueError(f"Could not deserialize {config!r}")
    module = str(config.get("module") or "")
    registered = config.get("registered_name")
    custom = get_registered_object(registered, custom_objects) if registered else None
    if custom is not None and not module.startswith("keras"):
        inner = dict(config.get("config") or {})
        if "dtype" in inner:
            inner["dtype"] = _dtype_name(inner["dtype"])
        if isinstance(custom, type) and hasattr(custom, "from_config"):
            from ._layer import Layer

            if issubclass(custom, Layer):
                return deserialize_layer(config, custom_objects)
            return custom.from_config(inner)
        return custom
    if module == "keras.optimizers":
        inner = {k: v for k, v in (config.get("config") or {}).items()}
        return optimizers.deserialize({"class_name": config["class_name"], "config": inner})
    if module == "keras.losses":
        return losses.get({"class_name": config["class_name"], "config": config.get("config")})
    if module == "keras.metrics":
        return metrics.get({"class_name": config["class_name"], "config": config.get("config")})
    if module == "keras.initializers":
        return _initializers.deserialize(config)
    return deserialize_layer(config, custom_objects)
