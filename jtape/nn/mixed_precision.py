"""Mixed precision (``keras.mixed_precision``): dtype policies and loss scaling.

``set_global_policy("mixed_bfloat16")`` makes new layers keep float32 weights and
compute in bfloat16; ``"mixed_float16"`` does the same in float16, where
:class:`LossScaleOptimizer` (which ``Model.compile`` adds) keeps small gradients from
underflowing. See docs/training.md, "Mixed precision".
"""

from ..optimizers._loss_scale import LossScaleOptimizer as LossScaleOptimizer
from ._mixed_precision import DTypePolicy as DTypePolicy
from ._mixed_precision import Policy as Policy
from ._mixed_precision import dtype_policy as dtype_policy
from ._mixed_precision import global_policy as global_policy
from ._mixed_precision import set_dtype_policy as set_dtype_policy
from ._mixed_precision import set_global_policy as set_global_policy

__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "dtype_policy",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
]
