"""Every ```python block in README.md and docs/*.md runs (each page in one namespace)."""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_doc_examples_run(page):
    blocks = BLOCK.findall(page.read_text())
    namespace: dict = {"__name__": f"doc_{page.stem}"}
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)
