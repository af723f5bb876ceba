"""Conformance: each scenario's figures on jtape equal those real TensorFlow recorded.

A scenario (``scenarios/sNN_*.py``) is TF-style code with ``run(tf) -> dict``; its
fixture ``fixtures/sNN_*.json`` holds what ``run(tensorflow)`` returned (recorded by
``record_tf.py`` in the TensorFlow venv). Here the same ``run`` gets ``jtape.compat``.

``XFAIL = "reason"`` makes the whole scenario a strict xfail. ``XFAIL_FIGURES =
{"figure": "reason"}`` names single figures that are known to differ for a design reason:
the test xfails when only those differ, and fails once one of them matches (remove it).
"""

from __future__ import annotations

import pytest
from conformance_harness import compare, fixture_path, load, read, scenario_names

import jtape.compat as tf


def _params():
    params = []
    for name in scenario_names():
        reason = getattr(load(name), "XFAIL", None)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


@pytest.mark.parametrize("name", _params())
def test_scenario(name):
    module = load(name)
    if not fixture_path(name).exists():
        pytest.fail(
            f"no fixture for {name}: record it with "
            f"`/work/tfvenv/bin/python tests/conformance/record_tf.py {name}`"
        )
    expected = read(name)["figures"]
    actual = module.run(tf)
    assert isinstance(actual, dict), f"{name}.run returned {type(actual).__name__}, not dict"
    problems = compare(module, expected, actual)
    known = getattr(module, "XFAIL_FIGURES", {})
    unexpected = [message for figure, message in problems.items() if figure not in known]
    assert not unexpected, f"{name} differs from TensorFlow:\n" + "\n".join(unexpected)
    now_matching = sorted(set(known) - set(problems))
    assert not now_matching, f"{name}: XFAIL_FIGURES {now_matching} now match TensorFlow"
    if known:
        pytest.xfail("; ".join(f"{figure}: {reason}" for figure, reason in known.items()))
