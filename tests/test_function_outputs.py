"""What a compiled function returns, against TF 2.21 (recorded by
``fixtures/record_programs.py`` from ``fixtures/function_output_programs.py``): dicts in
insertion order and Python numbers/strings as Tensors, as TF's tf.function returns them.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

import jtape.compat as tf

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
sys.path.insert(0, HERE)

import function_output_programs as programs  # noqa: E402
from program_runner import run_from_file  # noqa: E402

with open(os.path.join(HERE, "function_outputs.json")) as _f:
    RECORDED = json.load(_f)["cases"]


@pytest.mark.parametrize("name", list(programs.PROGRAMS))
def test_matches_tf(name):
    assert run_from_file(programs.PROGRAMS[name], tf) == RECORDED[name]


def test_a_concrete_function_refuses_an_incompatible_shape():
    # TF 2.21 runs its graph on a (3, 5) input for a (None, 4) spec (recorded: "no error");
    # jtape's concrete function compiles per shape and refuses it (docs/differences.md).
    c = tf.function(lambda x: tf.reduce_sum(x, axis=0)).get_concrete_function(
        tf.TensorSpec([None, 4])
    )
    assert c(tf.ones((3, 4))).shape == (4,)
    with pytest.raises(TypeError, match="does not match input_signature"):
        c(tf.ones((3, 5)))
