"""Every ```python block in README.md and docs/*.md runs (each page in one namespace).

Blocks written as an interactive session (``>>>``) run as doctests, so their shown
output is checked too.
"""

import doctest
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_doc_examples_run(page):
    text = page.read_text()
    namespace: dict = {"__name__": f"doc_{page.stem}"}
    for match in BLOCK.finditer(text):
        # Blank lines in front keep the page's line numbers, so tracebacks point at the
        # page and inspect.getsource (used by AutoGraph) finds the functions defined there.
        padding = "\n" * text.count("\n", 0, match.start(1))
        if match.group(1).lstrip().startswith(">>>"):
            test = doctest.DocTestParser().get_doctest(
                match.group(1), namespace, page.name, str(page), text.count("\n", 0, match.start(1))
            )
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
            runner.run(test, clear_globs=False)
            assert runner.failures == 0, f"doctest in {page.name} failed (see output above)"
            continue
        exec(compile(padding + match.group(1), str(page), "exec"), namespace)
