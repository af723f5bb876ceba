"""Host memory for XLA:CPU programs: let glibc keep freed buffers for the next step.

XLA:CPU allocates a program's buffers (its temporaries, outputs, Eigen's scratch) with
the C library's ``malloc``. glibc serves a block above its mmap threshold (128 KiB at
first, rising to at most 32 MiB) with fresh pages from the kernel and returns a freed
heap top above 128 KiB to it, so a training step whose buffers are larger than that
faults in new pages on every call. On the CNN of ``benchmarks/vs_tensorflow.py`` that is
~9000 page faults and ~20 ms of kernel time per 35 ms step; TensorFlow's own allocator
keeps its memory and pays none of it.

``keep_freed_memory()`` asks glibc (``mallopt``) to serve blocks up to 1 GiB from its heap,
to keep up to 1 GiB of freed memory at the heap's top and to grow heaps 64 MiB ahead:
after the first steps the same pages are reused. The cost is resident memory: freed
buffers stay with the process instead of going back to the system (the benchmark's CNN:
+65 MB). jtape calls it once,
when it first runs a program on the CPU backend. Off switch: ``JTAPE_KEEP_HOST_MEMORY=0``;
nothing is changed either where the user already tunes glibc's allocator
(``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_TOP_PAD_`` or
``glibc.malloc`` in ``GLIBC_TUNABLES``), or off glibc (macOS, Windows, musl).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
KEPT_BYTES = 1 << 30
TOP_PAD_BYTES = 64 << 20

_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")
_done = False


def keep_freed_memory() -> bool:
    """Once per process: glibc keeps freed blocks up to ``KEPT_BYTES`` for reuse.

    Returns whether glibc's settings were changed by this call.

    Example:
        >>> from jtape import _host_memory
        >>> _ = _host_memory.keep_freed_memory()  # a second call changes nothing
        >>> _host_memory.keep_freed_memory()
        False
    """
    global _done
    if _done:
        return False
    _done = True
    if not _wanted():
        return False
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    # mmap threshold first: a trim threshold alone would leave large blocks on mmap. The
    # top pad keeps worker threads' heaps from being unmapped whenever they empty.
    return all(
        mallopt(param, value)
        for param, value in (
            (_M_MMAP_THRESHOLD, KEPT_BYTES),
            (_M_TRIM_THRESHOLD, KEPT_BYTES),
            (_M_TOP_PAD, TOP_PAD_BYTES),
        )
    )


def _wanted() -> bool:
    if os.environ.get("JTAPE_KEEP_HOST_MEMORY", "1").strip().lower() in ("0", "false", "off"):
        return False
    if any(name in os.environ for name in _USER_SETTINGS):
        return False
    return "glibc.malloc" not in os.environ.get("GLIBC_TUNABLES", "")


def _glibc_mallopt():
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):
            return None
    except (AttributeError, ValueError, OSError):  # not a GNU system
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt
