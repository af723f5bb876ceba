"""tf.debugging value checks inside compiled functions raise from the call, as TF 2.21.

The programs are ``fixtures/compiled_checks_programs.py``; TF's results were recorded by
``fixtures/record_programs.py`` (TensorFlow 2.21 venv). They run here from a
temporary module as well, so AutoGraph sees their source.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

import jtape.compat as tf

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
sys.path.insert(0, HERE)

import compiled_checks_programs as programs  # noqa: E402
from program_runner import run_from_file  # noqa: E402

with open(os.path.join(HERE, "compiled_checks.json")) as _f:
    RECORDED = json.load(_f)["cases"]


# A failing check in a loop body stops TF's loop there; jtape's compiled loop runs to its
# end and the call raises after it (docs/differences.md).
_LOOP_STATE = "a_check_in_a_loop_body_after_writes"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason="loop runs on"))
        if name == _LOOP_STATE
        else name
        for name in programs.PROGRAMS
    ],
)
def test_matches_tf(name):
    assert run_from_file(programs.PROGRAMS[name], tf) == RECORDED[name]


def test_the_failure_names_the_check_and_the_values():
    @tf.function
    def f(x):
        tf.debugging.assert_less(x, 10.0, message="too big")
        return x

    with pytest.raises(tf.errors.InvalidArgumentError, match=r"too big\n.*x < y.*x = 20.0"):
        f(tf.constant(20.0))

    @tf.function
    def g(x):
        tf.Assert(x > 0, ["x must be positive, got", x])
        return x

    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[x must be positive, got\]"):
        g(tf.constant(-2.0))


def test_a_passing_check_costs_no_error_and_returns_values():
    @tf.function
    def f(x):
        tf.debugging.assert_all_finite(x, "bad")
        return x * 2.0

    for _ in range(3):  # later calls take the planned fast path; the check still runs
        np.testing.assert_array_equal(f(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tensor had NaN"):
        f(tf.constant([1.0, np.nan]))


def test_checks_in_a_compiled_training_step():
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])

    class Checked(tf.keras.layers.Layer):
        def call(self, x):
            tf.debugging.assert_all_finite(x, "non-finite activations")
            return x

    model.add(Checked())
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32)
    model.fit(x, y, verbose=0)
    x[1, 0] = np.inf
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-finite activations"):
        model.fit(x, y, verbose=0)
