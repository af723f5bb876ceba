"""The README's demo (examples/digits.py) reaches 95% validation accuracy and saves a plot."""

import importlib.util
import pathlib

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "digits.py"


def test_digits_demo_reaches_95_percent(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("digits_example", EXAMPLE)
    digits = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(digits)
    out = tmp_path / "curves.png"
    history = digits.main(["--epochs", "15", "--out", str(out)])
    assert len(history["loss"]) == 15
    assert history["loss"][-1] < 0.25 * history["loss"][0]
    assert history["val_accuracy"][-1] >= 0.95
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "epoch  15/15" in printed and "val_accuracy" in printed
