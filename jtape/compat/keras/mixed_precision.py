"""``tf.keras.mixed_precision``: Keras 3's dtype policies and ``LossScaleOptimizer``."""

from __future__ import annotations

from ...nn.mixed_precision import DTypePolicy as DTypePolicy
from ...nn.mixed_precision import LossScaleOptimizer as LossScaleOptimizer
from ...nn.mixed_precision import Policy as Policy
from ...nn.mixed_precision import dtype_policy as dtype_policy
from ...nn.mixed_precision import global_policy as global_policy
from ...nn.mixed_precision import set_dtype_policy as set_dtype_policy
from ...nn.mixed_precision import set_global_policy as set_global_policy
from .._missing import missing

__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "dtype_policy",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
]
__getattr__ = missing("tf.keras.mixed_precision")
