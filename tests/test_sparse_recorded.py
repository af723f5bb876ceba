"""SparseTensor, tf.sparse, VarLenFeature/SparseFeature parsing and SparseTensor elements
of tf.data against TensorFlow 2.21: values, dtypes, shapes, gradients and error classes
(and messages) recorded by tests/fixtures/record_sparse.py into sparse_tf.json.
"""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
import recorded_cases

import jtape.compat as tf

RECORDED = recorded_cases.load("sparse_tf.json")
# The recorded tf.function cases are exec'd text, whose source AutoGraph cannot read.
pytestmark = pytest.mark.filterwarnings("ignore:AutoGraph could not convert")

# The recorder's helpers (`parts`, `ex`), read from its source (it imports TensorFlow).
_SRC = (pathlib.Path(__file__).parent / "fixtures" / "record_sparse.py").read_text()
NS: dict = {"tf": tf, "np": np}
exec(_SRC[_SRC.index('HELPERS = """') + 13 : _SRC.index('"""\n\nCASES')], NS)  # noqa: S102
HELPERS = {"parts": NS["parts"], "ex": NS["ex"]}

# Errors whose class matches TF's but whose message cannot: TF's names its own types
# (tf.Tensor reprs) or a TF-internal cause.
_CLASS_ONLY = {
    "conv",
    "ctor_int32_idx",
    "mul_wrongdtype",
    "reshape_bad",
    "varlen_int32",
}
# TF's results that jtape does not reproduce (see docs in jtape/_sparse_ops.py).
_KNOWN = {
    # TF 2.21's registered gradient of SparseSparseMaximum fails with a TypeError;
    # jtape returns the gradient of the maximum.
    "max_grad",
    # A dense op given a SparseTensor: TF's ValueError; jtape's op path raises its
    # InvalidArgumentError, a ValueError subclass (test_dense_op_refuses_sparse).
    "add_dense_op",
    "unary_math.log1p",
}


_lines = _SRC.splitlines()


def _case_names() -> dict:
    """Case text -> the name in the comment above it in the recorder."""
    import ast

    tree = ast.parse(_SRC)
    cases = next(
        n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "CASES"
    )
    names = {}
    for elt in cases.elts:
        comment = _lines[elt.lineno - 2].strip()
        names[elt.value] = comment[2:] if comment.startswith("# ") else str(elt.lineno)
    return names


NAMES = _case_names()


@pytest.mark.parametrize("case", sorted(RECORDED), ids=lambda c: NAMES.get(c, c[:30]))
def test_recorded(case):
    name = NAMES.get(case, "")
    if name in _KNOWN:
        pytest.skip("documented difference from TF")
    recorded_cases.check(
        case,
        _shaped(RECORDED[case]),
        dict(HELPERS),
        message=name not in _CLASS_ONLY,
        rtol=1e-5,  # float32 rounding of exp/sums in another order than TF's kernels
        atol=1e-7,
    )


def _shaped(want):
    """Recorded values as arrays of their shape (JSON's [] loses an empty [0, 2] shape)."""
    if isinstance(want, list):
        return [_shaped(w) for w in want]
    if "values" in want and want.get("dtype") != "string":
        return {**want, "values": np.asarray(want["values"], np.float64).reshape(want["shape"])}
    return want


def test_dense_op_refuses_sparse():
    s = tf.SparseTensor([[0, 0], [2, 1]], [1.0, 2.0], [3, 2])
    with pytest.raises(ValueError, match="Attempt to convert a value"):
        tf.add(s, tf.ones([3, 2]))
    with pytest.raises(ValueError, match="Attempt to convert a value"):
        tf.math.log1p(s)  # not among the unary ops TF dispatches to the values
