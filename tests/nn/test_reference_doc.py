"""docs/nn_reference.md is what tools/gen_nn_doc.py renders from the code, and covers
every public name of jtape.nn and jtape.optimizers (regenerate: tools/gen_nn_doc.py)."""

import ast
import importlib
import importlib.util
import inspect
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "nn_reference.md"
_SENTINEL = object()  # a default whose repr carries an address

_spec = importlib.util.spec_from_file_location("gen_nn_doc", ROOT / "tools" / "gen_nn_doc.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

MODULES = [
    "jtape.nn",
    "jtape.nn.losses",
    "jtape.nn.metrics",
    "jtape.nn.initializers",
    "jtape.nn.activations",
    "jtape.nn.regularizers",
    "jtape.nn.callbacks",
    "jtape.optimizers",
    "jtape.optimizers.schedules",
]


def _public(modname: str) -> set[str]:
    """Names the module defines or re-exports explicitly (``from ._x import Y as Y``)."""
    module = importlib.import_module(modname)
    tree = ast.parse(inspect.getsource(module))
    bound = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            bound |= {a.name for a in node.names if a.asname == a.name}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                bound |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return {n for n in bound if not n.startswith("_") and not inspect.ismodule(getattr(module, n))}


def _sections(text: str) -> dict[str, str]:
    """Module name -> its section of the page (found by the section's intro line)."""
    out = {}
    for part in text.split("\n## ")[1:]:
        match = re.search(r"`(jtape[\w.]*)\.<name>`", part)
        out[match.group(1)] = part
    return out


def test_page_is_up_to_date():
    assert PAGE.read_text() == gen.render(), (
        "docs/nn_reference.md is stale: run .venv/bin/python tools/gen_nn_doc.py"
    )


def test_sections_are_the_documented_modules():
    assert [m for _, m, _, _ in gen.SECTIONS] == MODULES
    assert list(_sections(PAGE.read_text())) == MODULES


@pytest.mark.parametrize("modname", MODULES)
def test_every_public_name_is_on_the_page(modname):
    names = _public(modname)
    assert names, modname
    assert set(gen.public_names(modname)) == names
    section = _sections(PAGE.read_text())[modname]
    entries = set(re.findall(r"^- \*\*`(\w+)`\*\*", section, re.M))
    aliases = set()
    for also in re.findall(r"\(also ([^;)]*)", section):
        aliases |= set(re.findall(r"`(\w+)`", also))
    missing = names - entries - aliases
    assert not missing, f"{modname}: not on the page: {sorted(missing)}"
    assert entries | aliases <= names  # nothing documented that is not public


@pytest.mark.parametrize("modname", MODULES)
def test_every_public_callable_has_a_docstring(modname):
    module = importlib.import_module(modname)
    undocumented = [
        name
        for name in sorted(_public(modname))
        if callable(getattr(module, name)) and gen.own_doc(getattr(module, name)) is None
    ]
    assert not undocumented, f"{modname}: add a docstring to {undocumented}"


def test_keras_name_table_has_no_stale_entries():
    public = {f"{m}.{n}" for m in MODULES for n in _public(m)}
    assert set(gen.KERAS_NAMES) <= public
    assert set(gen.BASES) <= public
    layer_modules = {
        getattr(importlib.import_module("jtape.nn"), n).__module__ for n in _public("jtape.nn")
    }
    assert set(gen.LAYER_GROUPS) <= layer_modules


def test_summary_and_signature_rendering():
    def f(x, y=1, *args, key="a", **kwargs):
        """First ``line``
        continues, see :class:`Layer`.

        Second paragraph."""

    assert gen.signature(f) == "(x, y=1, *args, key='a', **kwargs)"
    assert gen.summary(gen.own_doc(f)) == "First `line` continues, see `Layer`."
    assert gen.summary(None) == gen.NO_DOC

    def g(a, /, b, *, c=_SENTINEL):
        pass

    assert gen.signature(g) == "(a, /, b, *, c=<object>)"
