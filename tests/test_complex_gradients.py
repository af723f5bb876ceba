"""Gradients of complex values follow TF's convention (the conjugate of JAX's cotangent).

TF 2.21's results were recorded by ``fixtures/record_programs.py`` from
``fixtures/complex_gradient_programs.py``. By hand for the first program:
``L = |z|^2 = x^2 + y^2``, TF's gradient is ``dL/dx + i dL/dy = 2x + 2iy = 2z``.
"""

from __future__ import annotations

import json
import os
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape.compat as tf

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
sys.path.insert(0, HERE)

import complex_gradient_programs as programs  # noqa: E402
from program_runner import run_from_file  # noqa: E402

with open(os.path.join(HERE, "complex_gradients.json")) as _f:
    RECORDED = json.load(_f)["cases"]


@pytest.mark.parametrize("name", list(programs.PROGRAMS))
def test_matches_tf(name):
    got = run_from_file(programs.PROGRAMS[name], tf)
    want = RECORDED[name]
    assert set(got) == set(want), got
    if "out" in want:
        np.testing.assert_allclose(np.asarray(got["out"]), np.asarray(want["out"]), rtol=1e-5)


def test_by_hand_and_against_jax():
    z0 = np.complex64(1 + 2j)
    z = tf.Variable(z0)
    with tf.GradientTape() as tape:
        loss = tf.math.real(z * tf.math.conj(z))
    got = complex(tape.gradient(loss, z).numpy())
    assert got == pytest.approx(2 * z0)  # 2x + 2iy
    jax_cotangent = jax.grad(lambda w: jnp.real(w * jnp.conj(w)))(jnp.complex64(z0))
    assert got == pytest.approx(complex(jnp.conj(jax_cotangent)))
