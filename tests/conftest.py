"""Shared pytest fixtures (kept minimal; the gradient helper lives in gradcheck.py)."""

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded numpy generator, so every test sees the same random inputs."""
    return np.random.default_rng(0)
