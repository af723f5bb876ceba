"""examples/tf_style_script.py (TF code with only the import changed) trains."""

from __future__ import annotations

import importlib.util
import pathlib

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "examples" / "tf_style_script.py"


def test_tf_style_script_learns():
    spec = importlib.util.spec_from_file_location("tf_style_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    history = module.main(epochs=4, verbose=False)
    losses = [h[0] for h in history]
    assert losses[-1] < losses[0] and history[-1][1] > 0.85
