"""Rarely used namespaces load on first use, and every spelling of them still works."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
import jtape.compat as tf
tf.keras.layers.Dense  # a Keras training script's imports
lazy = ["jtape.summary", "jtape.saved_model", "jtape.signal", "jtape.strings",
        "jtape.profiler", "jtape.nn.callbacks", "jtape.compat.strings", "jax.extend"]
print("loaded:", [m for m in lazy if m in sys.modules])
import jtape as jt
assert "summary" in dir(jt) and "callbacks" in dir(jt.nn)
assert jt.summary.scalar is tf.summary.scalar
assert tf.keras.callbacks.TensorBoard is jt.nn.callbacks.TensorBoard
assert tf.strings.join(["a", "b"], separator="-").numpy() == b"a-b"
assert float(jt.signal.hann_window(3)[1]) == 1.0
assert callable(jt.saved_model.save) and callable(jt.profiler.start)
from jtape import summary  # from-import and import of a submodule
import jtape.strings
print("ok")
"""


def test_lazy_namespaces_load_on_first_use():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines()[-2:] == ["loaded: []", "ok"]


def test_unknown_attribute_is_an_attribute_error():
    import pytest

    import jtape as jt

    for module in (jt, jt.nn):
        with pytest.raises(AttributeError, match="no_such_name"):
            _ = module.no_such_name
        assert not hasattr(module, "no_such_name")
