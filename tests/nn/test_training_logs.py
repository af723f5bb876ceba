"""Logs, metric names and dtype policy of Keras' training API against Keras 3.15 (TF 2.21).

The programs are in ``fixtures/training_logs_cases.py``; their Keras results were
recorded by ``fixtures/record_training_logs.py`` (run with TensorFlow 2.21's venv). Key
order is compared too: Keras sorts and flattens the logs that callbacks, ``History`` and
``evaluate(return_dict=True)`` see, and lists ``evaluate``'s values in metrics order.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

import numpy as np
import pytest

import jtape.compat as tf

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
sys.path.insert(0, HERE)

import training_logs_cases  # noqa: E402
from training_logs_cases import plain  # noqa: E402

with open(os.path.join(HERE, "training_logs.json")) as _f:
    RECORDED = json.load(_f)["cases"]


def _same(got, want, where="out"):
    if isinstance(want, dict):
        assert isinstance(got, dict), where
        assert list(got) == list(want), f"{where}: keys {list(got)} != Keras' {list(want)}"
        for k in want:
            _same(got[k], want[k], f"{where}[{k!r}]")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {got} != {want}"
        for i, (g, w) in enumerate(zip(got, want)):
            _same(g, w, f"{where}[{i}]")
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-5, abs=1e-6), f"{where}: {got} != {want}"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


@pytest.mark.parametrize("name", list(training_logs_cases.CASES))
def test_matches_keras(name):
    scope = {"tf": tf, "keras": tf.keras, "np": np, "plain": plain}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the deprecated Keras 2 shims warn
        try:
            exec(training_logs_cases.CASES[name], scope)  # noqa: S102 - fixed case texts
            result = {"out": scope["out"]}
        except Exception as e:  # noqa: BLE001 - compared with Keras' error class
            result = {"error": type(e).__name__}
    _same(result, RECORDED[name])


def test_keras2_shims_warn():
    m = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    y = np.ones((2, 1), np.float32)
    with pytest.warns(UserWarning, match="compiled_loss"):
        m.compiled_loss(y, y)
    with pytest.warns(UserWarning, match="compiled_metrics"):
        m.compiled_metrics.update_state(y, y)
