"""JAX's persistent compilation cache, on by default for jtape programs.

A script run a second time finds the XLA executables it compiled before on disk instead of
compiling them again. This is JAX's own cache (``jax_compilation_cache_dir``); jtape only
turns it on, in ``$JTAPE_CACHE_DIR`` or ``$XDG_CACHE_HOME/jtape/xla`` (``~/.cache/jtape/xla``),
and caches every program, however quick its compile (eager ops are many small programs).

Off switch: ``JTAPE_COMPILATION_CACHE=0`` in the environment before ``import jtape``. A
cache directory set through JAX itself (``JAX_COMPILATION_CACHE_DIR`` or
``jax.config.update``) is left as it is.

Example:
    >>> import jax, jtape
    >>> jax.config.jax_compilation_cache_dir is not None or not jtape._compilation_cache.enabled()
    True
"""

from __future__ import annotations

import os

import jax


def default_dir() -> str:
    """Where jtape keeps compiled programs unless told otherwise."""
    explicit = os.environ.get("JTAPE_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "jtape", "xla")


def enabled() -> bool:
    """Whether the environment allows jtape to turn the cache on."""
    switch = os.environ.get("JTAPE_COMPILATION_CACHE", "1").strip().lower()
    return switch not in ("0", "false", "no", "off")


def enable() -> None:
    """Turn on JAX's persistent cache in :func:`default_dir` (no-op when switched off)."""
    if not enabled() or jax.config.jax_compilation_cache_dir:
        return
    path = default_dir()
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:  # read-only home: run without the cache rather than fail
        return
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


enable()  # at import, before jtape compiles anything
