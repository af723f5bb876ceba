"""Write docs/compat.md from jtape.compat (run: python tools/gen_compat_doc.py)."""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jtape.compat._doc import render  # noqa: E402

if __name__ == "__main__":
    (ROOT / "docs" / "compat.md").write_text(render())
    print("wrote docs/compat.md")
