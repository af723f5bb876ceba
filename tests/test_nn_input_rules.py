"""tf.nn activations and losses on integer inputs and mismatched shapes, and
embedding_lookup's max_norm, as TF 2.21.

jtape computed leaky_relu on integers in integers (TF casts to float32: -2 -> -0.4, not 0),
relu6 in float64 (TF keeps the integer dtype), elu/selu/softmax/softsign/gelu on integers
(TF refuses), broadcast mismatched sigmoid cross-entropy shapes (TF refuses) and had no
max_norm. TF's results were recorded by ``fixtures/record_nn_input_rules.py``.
"""

from __future__ import annotations

import pytest
import recorded_cases

RECORDED = recorded_cases.load("nn_input_rules_tf.json")


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_results_and_errors_as_tf(case):
    recorded_cases.check(case, RECORDED[case], {})
