"""``tf.keras.optimizers.legacy``: Keras 2's optimizers, which Keras 3 refuses.

Each name exists (so imports work) and raises Keras 3's ``ImportError`` when
instantiated.

Example:
    >>> import jtape as jt
    >>> try:
    ...     jt.optimizers.legacy.Adam()
    ... except ImportError as e:
    ...     print(str(e)[:45])
    `keras.optimizers.legacy` is not supported in
"""

from __future__ import annotations

_MESSAGE = (
    "`keras.optimizers.legacy` is not supported in Keras 3. When using `tf.keras`, to "
    "continue using a `tf.keras.optimizers.legacy` optimizer, you can install the "
    "`tf_keras` package (Keras 2) and set the environment variable "
    "`TF_USE_LEGACY_KERAS=True` to configure TensorFlow to use `tf_keras` when accessing "
    "`tf.keras`."
)


class _Legacy:
    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(_MESSAGE)


class Optimizer(_Legacy):
    """Keras 2's base optimizer: raises ``ImportError`` (Keras 3)."""


class Adagrad(_Legacy):
    """Keras 2's Adagrad: raises ``ImportError`` (Keras 3)."""


class Adam(_Legacy):
    """Keras 2's Adam: raises ``ImportError`` (Keras 3)."""


class Ftrl(_Legacy):
    """Keras 2's Ftrl: raises ``ImportError`` (Keras 3)."""


class RMSprop(_Legacy):
    """Keras 2's RMSprop: raises ``ImportError`` (Keras 3)."""


class SGD(_Legacy):
    """Keras 2's SGD: raises ``ImportError`` (Keras 3)."""
