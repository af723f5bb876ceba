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
