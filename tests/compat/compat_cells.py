"""Run code cells copied from TensorFlow documents with ``tf`` = ``jtape.compat``.

Each cell is kept verbatim as a string and executed in one namespace per document,
so the test shows that the document's code runs unchanged but for the import.
"""

from __future__ import annotations

import contextlib
import io
import textwrap

import matplotlib

matplotlib.use("Agg")  # the guides plot; nothing is shown


def namespace() -> dict:
    import matplotlib.pyplot as plt
    import numpy as np

    import jtape.compat as tf

    return {"tf": tf, "np": np, "plt": plt, "mpl": matplotlib}


def run(ns: dict, cell: str):
    """Execute ``cell`` in ``ns``; return (stdout, value of a final bare expression)."""
    code = textwrap.dedent(cell).strip("\n")
    lines = code.split("\n")
    last = lines[-1]
    value = None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        if last and not last[0].isspace() and _is_expression(last):
            exec("\n".join(lines[:-1]), ns)  # noqa: S102 - the point of the test
            value = eval(last, ns)  # noqa: S307
        else:
            exec(code, ns)  # noqa: S102
    return out.getvalue(), value


def _is_expression(line: str) -> bool:
    try:
        compile(line, "<cell>", "eval")
    except SyntaxError:
        return False
    return True
