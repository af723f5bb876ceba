"""examples/digits.py --logdir: the demo's TensorBoard logs, read back with EventAccumulator."""

import importlib.util
import pathlib

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")
pytest.importorskip("tensorboard")

from tensorboard.backend.event_processing import plugin_event_accumulator as pea  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "digits.py"


def test_digits_tape_style_writes_tensorboard_logs(tmp_path):
    spec = importlib.util.spec_from_file_location("digits_example", EXAMPLE)
    digits = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(digits)
    x_train, x_val, y_train, y_val = digits.load_data(0)
    model = digits.build_model()
    history = digits.train_tape_style(
        model, x_train[:320], y_train[:320], x_val, y_val, 2, 32, logdir=str(tmp_path)
    )
    acc = pea.EventAccumulator(str(tmp_path), size_guidance={pea.TENSORS: 0})
    acc.Reload()
    tags = set(acc.Tags()["tensors"])
    assert {"batch_loss", "epoch_loss", "epoch_val_accuracy", "train_step"} <= tags
    assert sum(t.endswith(("/kernel", "/bias")) for t in tags) == 4  # weight histograms
    # 10 steps per epoch: the in-step summary is written at steps 10 and 20.
    assert [e.step for e in acc.Tensors("batch_loss")] == [10, 20]
    assert [e.step for e in acc.Tensors("epoch_loss")] == [0, 1]
    logged = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors("epoch_loss")]
    assert logged == pytest.approx(history["loss"], rel=1e-6)
