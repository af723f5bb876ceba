"""TextLineDataset, CsvDataset, list_files, counter and get_single_element against TF 2.21
(recorded by ``fixtures/record_programs.py`` from ``fixtures/file_dataset_programs.py``).

int64 columns and counters hold int32 values unless JAX's x64 mode is on (jtape's int64
rule, docs/differences.md), so dtypes are compared by the recorded name with that rule.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

import jtape.compat as tf

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
sys.path.insert(0, HERE)

import file_dataset_programs as programs  # noqa: E402
from program_runner import run_from_file  # noqa: E402

with open(os.path.join(HERE, "file_datasets.json")) as _f:
    RECORDED = json.load(_f)["cases"]


@pytest.mark.parametrize("name", list(programs.PROGRAMS))
def test_matches_tf(name):
    assert run_from_file(programs.PROGRAMS[name], tf) == RECORDED[name]
