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


def _plain(x):
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, bytes):
        return x.decode("latin-1")
    return x.item() if isinstance(x, np.generic) else x


def describe(value):
    if isinstance(value, (list, tuple)):
        return [describe(v) for v in value]
    if isinstance(value, jt.RaggedTensor):
        return {"dtype": jt.as_dtype(value.dtype).name, "ragged": _plain(value.to_list())}
    if not hasattr(value, "numpy"):
        return {"python": _plain(np.asarray(value).tolist())}
    arr = np.asarray(value.numpy())
    dtype = jt.as_dtype(value.dtype).name
    if dtype == "string":
        return {"dtype": dtype, "shape": list(np.shape(arr)), "values": _plain(arr.tolist())}
    return {"dtype": dtype, "shape": list(arr.shape), "values": arr}


def assert_same(got, want, rtol: float = 1e-6, atol: float = 0.0) -> None:
    if isinstance(want, list):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w, rtol, atol)
        return
    if "ragged" in want or "python" in want or want.get("dtype") == "string":
        assert got == want  # strings, ragged rows and Python values: exactly
        return
    assert got["dtype"] == want["dtype"] and got["shape"] == want["shape"]
    np.testing.assert_allclose(
        np.asarray(got["values"], np.float64), want["values"], rtol=rtol, atol=atol
    )


def check(
    case: str, want: dict, namespace: dict, message: bool = True, rtol=1e-6, atol=0.0
) -> None:
    """Evaluate ``case`` in ``namespace`` (with ``tf`` = jtape.compat) against ``want``
    (an error's class, and its message unless ``message`` is False)."""
    scope = {"tf": tf, "np": np, **namespace}

    def run():
        if "\n" not in case:
            return eval(case, scope)  # noqa: S307 - the recorded expressions
        exec(case, scope)  # noqa: S102 - a recorded block of statements that sets `out`
        return scope["out"]

    if "error" in want:
        with pytest.raises(getattr(tf.errors, want["error"], None) or Exception) as info:
            run()
        assert type(info.value).__name__ == want["error"] or isinstance(
            info.value, getattr(tf.errors, want["error"], ())
        )
        # TF's message, less its node prefix and trailing name
        text = want["message"].split("}} ")[-1].split(" [Op:")[0].split(" name:")[0].strip()
        assert text in str(info.value) or not message
        return
    assert_same(describe(run()), want, rtol, atol)
