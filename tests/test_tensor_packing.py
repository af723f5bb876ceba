"""Lists holding Tensors convert as TensorFlow packs them (tests/fixtures/
record_tensor_packing.py): to the first Tensor's dtype, Python and numpy numbers
converted to it (they must fit), other Tensor dtypes refused; in ``convert_to_tensor``,
``stack``/``concat`` arguments and operator operands. Before, numpy's promotion made
``[tf.constant(3.0), 2.0]`` a float64 tensor."""

from __future__ import annotations

import pytest
import recorded_cases

import jtape as jt

RECORDED = recorded_cases.load("tensor_packing_tf.json")


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_packing_as_tf(case):
    recorded_cases.check(case, RECORDED[case], {})


def test_packing_inside_a_compiled_function():
    @jt.function
    def f(x):
        return jt.convert_to_tensor([x, 2.0]), jt.stack([x * 2, 1.0])

    a, b = f(jt.constant(3.0))
    assert a.dtype == jt.float32 and a.numpy().tolist() == [3.0, 2.0]
    assert b.dtype == jt.float32 and b.numpy().tolist() == [6.0, 1.0]
