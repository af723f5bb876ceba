"""``Lambda`` (a Python function as a layer) and ``Identity``.

A ``Lambda``'s function runs on jtape Tensors, so whatever jtape ops it calls are
recorded by a tape and compiled by ``jt.function`` like any layer's. In a functional
model its output shape is found by tracing it (see :mod:`jtape.nn._model`).

Saving: a named function is written as its (registered) name and found again through
``custom_objects`` or ``register_keras_serializable``. A Python ``lambda`` cannot be
saved: Keras writes its bytecode, which jtape neither writes nor loads (Keras itself
refuses to load it in ``safe_mode``).
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from typing import Any

from ._layer import Layer

_LAMBDA_MESSAGE = (
    "jtape does not serialize or load Python bytecode, which is how Keras saves a "
    "`Lambda` layer whose {what} is a Python `lambda` (Keras refuses to load it in "
    "safe_mode too). Use a named function (`def`) registered with "
    "`keras.saving.register_keras_serializable()` or passed in `custom_objects`, or "
    "subclass `Layer`."
)


def _is_python_lambda(fn) -> bool:
    return isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>"


def _serialize_function(fn, what: str) -> dict[str, Any]:
    """Keras' config of a named function: found again by its (registered) name."""
    from ._serialization import get_registered_name

    if _is_python_lambda(fn):
        raise ValueError(_LAMBDA_MESSAGE.format(what=what))
    name = get_registered_name(fn)
    return {
        "module": getattr(fn, "__module__", None),
        "class_name": "function",
        "config": name,
        "registered_name": name,
    }


def _deserialize_function(config, what: str):
    """A function from its saved name, or Keras' ``{"class_name": "function", ...}`` dict."""
    from ._serialization import get_registered_object

    if isinstance(config, dict):
        if config.get("class_name") == "__lambda__":
            raise ValueError(_LAMBDA_MESSAGE.format(what=what))
        names = [config.get("registered_name"), config.get("config")]
    else:
        names = [config]
    for name in names:
        if isinstance(name, str):
            fn = get_registered_object(name)
            if fn is not None:
                return fn
    raise ValueError(
        f"Could not find the `Lambda` layer's {what} {config!r}: pass it in `custom_objects` "
        "or register it with `keras.saving.register_keras_serializable()`."
    )


class Lambda(Layer):
    """``function(inputs, **arguments)`` as a layer (``keras.layers.Lambda``).

    ``output_shape`` (without the batch axis, or a function of the whole input shape) is
    kept for ``compute_output_shape``; when it is None the shape is found by tracing.
    ``function`` may take ``mask`` and ``training`` keywords, which it then receives.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Lambda(lambda x, k: x * k, arguments={"k": 3.0})(jt.ones((1, 2))).numpy().tolist()
        [[3.0, 3.0]]
    """

    def __init__(
        self,
        function: Callable,
        output_shape=None,
        mask=None,
        arguments: dict | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"`function` must be callable. Received: function={function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):  # a builtin without a signature
            params = {}
        self._fn_expects_training = "training" in params
        self._fn_expects_mask = "mask" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask:
            kwargs["mask"] = mask
        if self._fn_expects_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        first = input_shape[0] if input_shape else None
        batch = first[0] if isinstance(first, (tuple, list)) else first
        return (batch,) + tuple(self._output_shape)

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "function": _serialize_function(self.function, "function"),
            "arguments": dict(self.arguments),
            "output_shape": None,  # (not Layer.output_shape, the built layer's)
        }
        if self._output_shape is not None:
            config["output_shape"] = (
                _serialize_function(self._output_shape, "output_shape")
                if callable(self._output_shape)
                else self._output_shape
            )
        if self.mask is not None:
            if not callable(self.mask):
                raise ValueError(
                    "jtape cannot save a `Lambda` layer whose `mask` is a tensor; pass a "
                    "named function instead."
                )
            config["mask"] = _serialize_function(self.mask, "mask")
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Lambda:
        config = dict(config)
        config["function"] = _deserialize_function(config["function"], "function")
        shape = config.get("output_shape")
        if isinstance(shape, (str, dict)):
            config["output_shape"] = _deserialize_function(shape, "output_shape")
        elif isinstance(shape, list) and all(isinstance(d, (int, type(None))) for d in shape):
            config["output_shape"] = tuple(shape)
        if isinstance(config.get("mask"), (str, dict)):
            config["mask"] = _deserialize_function(config["mask"], "mask")
        return cls(**config)


class Identity(Layer):
    """Return the input unchanged (``keras.layers.Identity``); masks pass through.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> nn.Identity()(jt.constant([1.0, 2.0])).numpy().tolist()
        [1.0, 2.0]
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
