"""jtape's XLA compiler options (jtape/_xla_options.py): convolutions off YNNPACK on CPU.

The option list is XLA's default minus convolutions. If a jaxlib update changes XLA's
default, the HLO-equality test below fails: update ``YNN_FUSION_TYPES`` to the new
default minus ``LIBRARY_FUSION_TYPE_INDIVIDUAL_CONVOLUTION``.
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from jtape import _xla_options

pytestmark = pytest.mark.skipif(jax.default_backend() != "cpu", reason="CPU-only option")
DN = ("NHWC", "HWIO", "NHWC")


def _hlo(fn, args, options) -> str:
    text = jax.jit(fn, compiler_options=options).lower(*args).compile().as_text()
    text = re.sub(r"metadata=\{[^}]*\}", "", text)
    return text[text.index("ENTRY") :]


def _conv(x, w):
    return lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=DN)


def _mlp_grad(v, w):
    return jax.grad(lambda w: jnp.sum(jax.nn.log_softmax(jnp.tanh(v @ w) @ w.T)))(w)


def test_programs_without_convolutions_compile_as_with_xla_defaults():
    options = _xla_options.compiler_options()
    assert options is not None
    x = jnp.ones((256, 256))
    cases = [
        (lambda x: jnp.tanh(x @ x).sum(0) + 1, (x,)),
        (lambda x: jnp.cumsum(x, 0) * jnp.mean(x, 1, keepdims=True), (x,)),
        (lambda x: jax.nn.relu(x @ x) @ x, (x,)),
        (_mlp_grad, (jnp.ones((64, 512)), jnp.ones((512, 512)))),
    ]
    for fn, args in cases:
        assert _hlo(fn, args, options) == _hlo(fn, args, None)


def test_convolutions_leave_ynnpack_and_keep_their_values():
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((4, 12, 12, 32)), jnp.float32)
    w = jnp.asarray(rng.standard_normal((3, 3, 32, 24)), jnp.float32)
    g = jnp.asarray(rng.standard_normal((4, 12, 12, 24)), jnp.float32)

    def grads(x, w, g):
        return jax.vjp(_conv, x, w)[1](g)

    # XLA's default sends these convolutions to YNNPACK (a custom fusion); ours does not.
    with_default = jax.jit(grads).lower(x, w, g).compile().as_text()
    assert "__ynn_fusion" in with_default
    ours = _xla_options.jit(grads)
    assert "__ynn_fusion" not in ours.lower(x, w, g).compile().as_text()
    for got, want in zip(ours(x, w, g), jax.jit(grads)(x, w, g)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)


def test_environment_switch_keeps_xla_defaults(monkeypatch):
    monkeypatch.setenv("JTAPE_YNN_CONVOLUTIONS", "1")
    _xla_options.compiler_options.cache_clear()
    try:
        assert _xla_options.compiler_options() is None
    finally:
        monkeypatch.delenv("JTAPE_YNN_CONVOLUTIONS")
        _xla_options.compiler_options.cache_clear()
    assert _xla_options.compiler_options() is not None


def test_options_only_at_top_level_nested_calls_still_work():
    f = _xla_options.jit(jnp.sin)
    np.testing.assert_allclose(f(1.0), np.sin(1.0), rtol=1e-6)
    # Inside grad / vjp / jit the wrapper calls the plain jit (JAX would refuse options).
    np.testing.assert_allclose(jax.grad(f)(1.0), np.cos(1.0), rtol=1e-6)
    np.testing.assert_allclose(jax.vjp(f, 1.0)[1](2.0)[0], 2 * np.cos(1.0), rtol=1e-6)
    np.testing.assert_allclose(jax.jit(lambda x: f(x) * 2)(1.0), 2 * np.sin(1.0), rtol=1e-6)


def test_import_does_not_start_the_backend():
    # jax.distributed.initialize() must still be possible after `import jtape`.
    import subprocess
    import sys

    code = (
        "import jtape, jtape.compat as tf, jtape.nn\n"
        "from jax._src import xla_bridge\n"
        "assert not xla_bridge._backends, list(xla_bridge._backends)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_a_refused_option_falls_back_to_xla_defaults(monkeypatch):
    bad = {"xla_cpu_experimental_ynn_fusion_type": "LIBRARY_FUSION_TYPE_NOT_A_TYPE"}
    monkeypatch.setattr(_xla_options, "_CPU_OPTIONS", bad)
    _xla_options.compiler_options.cache_clear()
    try:
        f = _xla_options.jit(lambda x: x * 3)
        np.testing.assert_allclose(f(2.0), 6.0)  # compiled without the refused option
        assert _xla_options.compiler_options() is None
    finally:
        monkeypatch.undo()
        _xla_options._refused = False
        _xla_options.compiler_options.cache_clear()
    assert _xla_options.compiler_options() is not None
