"""Compare jtape with results TensorFlow recorded for Python expressions.

A recorder under tests/fixtures (run with the TensorFlow venv) evaluates expressions
valid for both ``tensorflow`` and ``jtape.compat`` and stores, per expression, the
result's dtype, shape and values, or the error's class and first message line.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def load(name: str) -> dict:
    """The recorded cases of ``tests/fixtures/<name>``: expression -> result."""
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)["cases"]


def describe(value):
    if isinstance(value, (list, tuple)):
        return [describe(v) for v in value]
    arr = value.numpy()
    return {"dtype": jt.as_dtype(value.dtype).name, "shape": list(arr.shape), "values": arr}


def assert_same(got, want) -> None:
    if isinstance(want, list):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w)
        return
    assert got["dtype"] == want["dtype"] and got["shape"] == want["shape"]
    np.testing.assert_allclose(np.asarray(got["values"], np.float64), want["values"], rtol=1e-6)


def check(case: str, want: dict, namespace: dict) -> None:
    """Evaluate ``case`` in ``namespace`` (with ``tf`` = jtape.compat) against ``want``."""
    scope = {"tf": tf, "np": np, **namespace}
    if "error" in want:
        with pytest.raises(getattr(tf.errors, want["error"], None) or Exception) as info:
            eval(case, scope)  # noqa: S307 - the recorded expressions
        assert type(info.value).__name__ == want["error"] or isinstance(
            info.value, getattr(tf.errors, want["error"], ())
        )
        # TF's message, less its node prefix and trailing name
        text = want["message"].split("}} ")[-1].split(" [Op:")[0].split(" name:")[0].strip()
        assert text in str(info.value)
        return
    assert_same(describe(eval(case, scope)), want)  # noqa: S307
