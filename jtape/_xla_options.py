"""The XLA compiler options every jtape program is compiled with.

``jit(fn, **kwargs)`` is ``jax.jit(fn, compiler_options=compiler_options(), **kwargs)``;
jtape's compiled programs (``function``, eager ops and their gradients, fused ops) go
through it, so one place decides how XLA compiles them.

One option today, on CPU only: XLA:CPU (jaxlib 0.10) hands 2-D convolutions to YNNPACK,
whose kernel-gradient convolution (a window as large as the image) is 2-4x slower than
XLA's own Eigen convolution on the shapes of a small CNN (``benchmarks/bench_conv.py``).
jtape compiles with YNNPACK's library fusions minus ``INDIVIDUAL_CONVOLUTION``: the list
below is XLA's default for this jaxlib (dot and reduce fusions unchanged; programs
without convolutions compile to the same HLO, ``tests/test_xla_options.py``). Set
``JTAPE_YNN_CONVOLUTIONS=1`` to keep XLA's default. A jaxlib that rejects the option
(renamed enum) gets no options: the program compiles as ``jax.jit`` would.
"""

from __future__ import annotations

import functools
import os

import jax

YNN_FUSION_TYPES = "LIBRARY_FUSION_TYPE_REDUCE,LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT"
_CPU_OPTIONS = {"xla_cpu_experimental_ynn_fusion_type": YNN_FUSION_TYPES}


@functools.cache
def compiler_options() -> dict[str, str] | None:
    """The options for programs on the default backend (None: XLA's defaults)."""
    if os.environ.get("JTAPE_YNN_CONVOLUTIONS", "0").strip().lower() in ("1", "true", "on"):
        return None
    if jax.default_backend() != "cpu":
        return None
    try:  # one tiny compilation per process: is the option known to this jaxlib?
        jax.jit(lambda x: x + 1, compiler_options=_CPU_OPTIONS).lower(1.0).compile()
    except Exception:  # noqa: BLE001 - any refusal means: compile with the defaults
        return None
    return dict(_CPU_OPTIONS)


def jit(fn, **kwargs):
    """``jax.jit`` with jtape's compiler options.

    Example:
        >>> import jtape._xla_options as xo
        >>> float(xo.jit(lambda x: x * 2)(3.0))
        6.0
    """
    options = compiler_options()
    if options is not None:
        kwargs.setdefault("compiler_options", options)
    return jax.jit(fn, **kwargs)
