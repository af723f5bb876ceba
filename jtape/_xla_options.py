"""The XLA compiler options every jtape program is compiled with.

``jit(fn, **kwargs)`` is ``jax.jit(fn, **kwargs)`` compiled with ``compiler_options()``
when called at top level (JAX refuses the options on a ``jit`` nested in a trace: there
the same function runs without them, inlined into the enclosing program). jtape's
programs (``function``, tape gradients, fused ops) go through it, so one place decides
how XLA compiles them.

One option today, on CPU only: XLA:CPU (jaxlib 0.10) hands 2-D convolutions to YNNPACK,
whose kernel-gradient convolution (a window as large as the image) is 2-4x slower than
XLA's own Eigen convolution on the shapes of a small CNN (``benchmarks/bench_conv.py``).
jtape compiles with YNNPACK's library fusions minus ``INDIVIDUAL_CONVOLUTION``: the list
below is XLA's default for this jaxlib (dot and reduce fusions unchanged; programs
without convolutions compile to the same HLO, ``tests/test_xla_options.py``). Set
``JTAPE_YNN_CONVOLUTIONS=1`` to keep XLA's default. A jaxlib whose XLA refuses the
option (a renamed enum) fails the first compilation: jtape then compiles that program
and every later one without options, as ``jax.jit`` would. The first top-level program
on CPU also has glibc keep freed host buffers for reuse (``_host_memory.py``).
"""

from __future__ import annotations

import functools
import os

import jax

from . import _host_memory

YNN_FUSION_TYPES = "LIBRARY_FUSION_TYPE_REDUCE,LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT"
_CPU_OPTIONS = {"xla_cpu_experimental_ynn_fusion_type": YNN_FUSION_TYPES}


_refused = False  # set when this jaxlib's XLA refused the option: defaults from then on


@functools.cache
def compiler_options() -> dict[str, str] | None:
    """The options for programs on the default backend (None: XLA's defaults)."""
    if _refused:
        return None
    if os.environ.get("JTAPE_YNN_CONVOLUTIONS", "0").strip().lower() in ("1", "true", "on"):
        return None
    if jax.default_backend() != "cpu":
        return None
    return dict(_CPU_OPTIONS)


def _refuse() -> None:
    global _refused
    _refused = True
    compiler_options.cache_clear()


class _TopLevelJit:
    """Two ``jax.jit`` wrappers of one function: with the options when called at top level
    (no trace active), without them inside a trace (JAX accepts ``compiler_options`` only
    on a top-level ``jit``, not inside ``jit``, ``grad`` or ``vjp``). The options are
    looked up on the first top-level call, not when wrapping: wrapping at import must not
    start JAX's backend (``jax.distributed.initialize`` comes after ``import jtape``).
    """

    __slots__ = ("fn", "kwargs", "top", "nested")

    def __init__(self, fn, kwargs: dict) -> None:
        self.fn = fn
        self.kwargs = kwargs
        self.nested = jax.jit(fn, **kwargs)
        self.top = None

    def __call__(self, *args, **kwargs):
        if not _trace_state_clean():
            return self.nested(*args, **kwargs)
        top = self.top or self._build_top()
        if top is self.nested:
            return top(*args, **kwargs)
        try:
            return top(*args, **kwargs)
        except Exception as error:  # a jaxlib that does not know the option: compile
            if "ynn_fusion_type" not in str(error):  # without it (nothing ran yet)
                raise
            _refuse()
            self.top = self.nested
            return self.nested(*args, **kwargs)

    def _build_top(self):
        if jax.default_backend() == "cpu":
            _host_memory.keep_freed_memory()  # once per process (see _host_memory.py)
        options = compiler_options()
        if options is None:
            self.top = self.nested
        else:
            self.top = jax.jit(self.fn, compiler_options=options, **self.kwargs)
        return self.top

    def __getattr__(self, name: str):
        if name in ("lower", "trace"):  # ahead-of-time compilation: with the options
            return getattr(self.top or self._build_top(), name)
        return getattr(self.nested, name)  # __name__, __doc__, eval_shape, ...


def top_level(jitted):
    """The ``jax.jit`` that ``jitted`` (made by :func:`jit`) runs when called at top level.

    For callers that keep it (``function``'s call plans) and check ``trace_state_clean()``
    themselves, saving the wrapper's dispatch per call.
    """
    if type(jitted) is not _TopLevelJit:
        return jitted
    return jitted.top or jitted._build_top()


try:
    from jax._src.core import trace_state_clean as _trace_state_clean
except ImportError:  # pragma: no cover - a JAX without it: no options at all
    _trace_state_clean = None

# True at top level (no JAX trace active), where the options apply: JAX's own function,
# so a caller's check adds no frame of ours.
trace_state_clean = _trace_state_clean or (lambda: True)


def jit(fn, **kwargs):
    """``jax.jit`` with jtape's compiler options (applied where JAX allows: top level).

    Example:
        >>> import jtape._xla_options as xo
        >>> float(xo.jit(lambda x: x * 2)(3.0))
        6.0
    """
    if _trace_state_clean is None:
        return jax.jit(fn, **kwargs)
    return _TopLevelJit(fn, kwargs)
