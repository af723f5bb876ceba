"""tf.nest as TF 2.21: rebuilt dicts keep the structure's key order (jtape rebuilt them
sorted, so ``list(d.values())`` differed), and ``expand_composites`` splits SparseTensors
and RaggedTensors into their component tensors (jtape kept them whole). Recorded by
``fixtures/record_nest.py``.
"""

from __future__ import annotations

import pytest
import recorded_cases

RECORDED = recorded_cases.load("nest_tf.json")


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_results_as_tf(case):
    recorded_cases.check(case, RECORDED[case], {})
