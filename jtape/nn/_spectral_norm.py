"""``SpectralNormalization``: a wrapper dividing a layer's kernel by its spectral norm.

The largest singular value of the kernel (reshaped to ``(-1, units)``) is estimated by
power iteration from the non-trainable ``vector_u`` (Miyato et al., 2018). In training
each call runs ``power_iterations`` steps, assigns the new ``vector_u`` and the kernel
divided by the estimate, then calls the layer: the normalization is an assignment, not
part of the gradient, as in Keras 3. In inference the layer runs on the kernel as it is.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .._op import op
from ._initializers import TruncatedNormal
from ._layer import Layer
from ._wrappers import _as_dict, _from_dict


@op(name="spectral_normalization")
def _normalized(kernel, vector_u, iterations):
    weights = kernel.reshape(-1, kernel.shape[-1])

    def unit(x):
        return x / jnp.maximum(jnp.linalg.norm(x), 1e-12)

    u = vector_u
    v = None
    for _ in range(iterations):
        v = unit(u @ weights.T)
        u = unit(v @ weights)
    u, v = jax.lax.stop_gradient(u), jax.lax.stop_gradient(v)
    sigma = (v @ weights) @ u.T
    return u, (weights / sigma).reshape(kernel.shape)


class SpectralNormalization(Layer):
    """Spectral normalization of ``layer``'s ``kernel`` (or ``embeddings``), as Keras 3.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> sn = nn.SpectralNormalization(nn.Dense(2))
        >>> sn(jt.ones((1, 3)), training=True).shape
        (1, 2)
    """

    _jt_config_keys = frozenset({"name", "trainable", "dtype", "layer", "power_iterations"})

    def __init__(self, layer, power_iterations: int = 1, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `SpectralNormalization` layer with a `keras.layers.Layer` "
                f"instance. Received: {layer!r}"
            )
        if power_iterations <= 0:
            raise ValueError(
                "`power_iterations` should be greater than zero. Received: "
                f"`power_iterations={power_iterations}`"
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.power_iterations = int(power_iterations)

    def build(self, input_shape) -> None:
        if not self.layer.built:
            self.layer._maybe_build(tuple(input_shape))
        if hasattr(self.layer, "kernel"):
            self.kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            self.kernel = self.layer.embeddings
        else:
            raise ValueError(
                f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'"
            )
        self.vector_u = self.add_weight(
            shape=(1, self.kernel.shape[-1]),
            initializer=TruncatedNormal(stddev=0.02),
            trainable=False,
            name="vector_u",
            dtype=self.kernel.dtype,
        )

    def call(self, inputs, training=False):
        if training:
            vector_u, kernel = _normalized(self.kernel, self.vector_u, self.power_iterations)
            self.vector_u.assign(vector_u)
            self.kernel.assign(kernel)
        return self.layer(inputs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "layer": _as_dict(self.layer),
            "power_iterations": self.power_iterations,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects=None) -> SpectralNormalization:
        config = dict(config)
        config["layer"] = _from_dict(config["layer"], custom_objects)
        return cls(**config)
