"""Run code cells of the seed article (``/work/shared/seed``) with ``tf`` = ``jtape.compat``.

The seed article is the project's own source. Its cells are kept as strings and
executed in one namespace per test, so the test shows that the article's code runs
unchanged but for the import. (Nothing from TensorFlow's documentation is run this way.)
"""

from __future__ import annotations

import contextlib
import io
import textwrap


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
