"""``tf.debugging``: value checks and assertions (eager, and staged into compiled functions)."""

from __future__ import annotations

from .._debug_ops import Assert as Assert
from .._debug_ops import assert_all_finite as assert_all_finite
from .._debug_ops import assert_equal as assert_equal
from .._debug_ops import assert_greater as assert_greater
from .._debug_ops import assert_greater_equal as assert_greater_equal
from .._debug_ops import assert_less as assert_less
from .._debug_ops import assert_less_equal as assert_less_equal
from .._debug_ops import assert_near as assert_near
from .._debug_ops import assert_negative as assert_negative
from .._debug_ops import assert_non_negative as assert_non_negative
from .._debug_ops import assert_non_positive as assert_non_positive
from .._debug_ops import assert_none_equal as assert_none_equal
from .._debug_ops import assert_positive as assert_positive
from .._debug_ops import assert_rank as assert_rank
from .._debug_ops import assert_rank_at_least as assert_rank_at_least
from .._debug_ops import assert_rank_in as assert_rank_in
from .._debug_ops import assert_scalar as assert_scalar
from .._debug_ops import assert_shapes as assert_shapes
from .._debug_ops import assert_type as assert_type
from .._debug_ops import check_numerics as check_numerics
from ._missing import missing


def is_numeric_tensor(tensor) -> bool:
    """True for a Tensor/Variable of a numeric (non-bool) dtype."""
    dtype = getattr(tensor, "dtype", None)
    return dtype is not None and hasattr(tensor, "shape") and dtype.kind in "iufc"


def set_log_device_placement(enabled: bool) -> None:
    """Accepted for compatibility; see ``jax.config.update('jax_log_compiles', True)``."""


def enable_check_numerics(stack_height_limit=30, path_length_limit=50) -> None:
    """Make NaN/Inf raise as they appear (JAX's ``jax_debug_nans``/``jax_debug_infs``)."""
    import jax

    jax.config.update("jax_debug_nans", True)
    jax.config.update("jax_debug_infs", True)


def disable_check_numerics() -> None:
    import jax

    jax.config.update("jax_debug_nans", False)
    jax.config.update("jax_debug_infs", False)


__all__ = [
    "Assert",
    "assert_all_finite",
    "assert_equal",
    "assert_greater",
    "assert_greater_equal",
    "assert_less",
    "assert_less_equal",
    "assert_near",
    "assert_negative",
    "assert_non_negative",
    "assert_non_positive",
    "assert_none_equal",
    "assert_positive",
    "assert_rank",
    "assert_rank_at_least",
    "assert_rank_in",
    "assert_scalar",
    "assert_shapes",
    "assert_type",
    "check_numerics",
    "disable_check_numerics",
    "enable_check_numerics",
    "is_numeric_tensor",
    "set_log_device_placement",
]

__getattr__ = missing("tf.debugging")
