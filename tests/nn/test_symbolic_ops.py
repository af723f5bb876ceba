"""Operators on KerasTensors build graph nodes (values vs Keras in test_training_logs)."""

from __future__ import annotations

import numpy as np
import pytest

from jtape import nn


def test_operator_nodes_run_train_and_refuse_saving(tmp_path):
    x = nn.Input((3,))
    y = nn.Dense(2, kernel_initializer="ones")(x[:, 1:] * 2.0) + 1.0
    model = nn.Model(x, y)
    assert [layer.name for layer in model.layers][-1].startswith("add")
    data = np.array([[1.0, 2.0, 3.0]], np.float32)
    # dense of [4, 6] with ones: 10 per unit, plus 1 (by hand)
    np.testing.assert_array_equal(model(data).numpy(), [[11.0, 11.0]])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(data, np.zeros((1, 2), np.float32), verbose=0)
    with pytest.raises(NotImplementedError, match="'get_item' applied to symbolic tensors"):
        model.save(tmp_path / "m.keras")


def test_reflected_and_unary_operators():
    x = nn.Input((2,))
    model = nn.Model(x, [1.0 - x, 2.0 / x, -x, abs(x), x**2, x > 1.0])
    outs = model(np.array([[1.0, -2.0]], np.float32))
    want = [[0.0, 3.0], [2.0, -1.0], [-1.0, 2.0], [1.0, 2.0], [1.0, 4.0], [False, False]]
    for got, expected in zip(outs, want):
        np.testing.assert_array_equal(got.numpy(), [expected])
