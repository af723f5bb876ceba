"""Shared pytest fixtures (kept minimal; the gradient helper lives in gradcheck.py)."""

import os

# Four CPU devices for the distribution tests; must be set before JAX is imported.
# Un-sharded computations still run on device 0, so other tests are unaffected.
if "jax" not in __import__("sys").modules:
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count=4".strip()

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded numpy generator, so every test sees the same random inputs."""
    return np.random.default_rng(0)
