"""Write docs/nn_reference.md from the code of jtape.nn and jtape.optimizers.

Run: ``.venv/bin/python tools/gen_nn_doc.py``. ``tests/nn/test_reference_doc.py``
fails when the committed page differs from what this renders, so the page cannot go
stale. ``--check-keras`` asks the TensorFlow venv whether every Keras name the page
states exists (run it after adding a name that Keras spells differently).

A module's public names follow the package convention: top-level ``def``/``class``/
assignments without a leading underscore, and explicit re-exports
``from ._x import Y as Y``. Helper imports (``from ._fused import fused_op``) are not
public.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUTPUT = ROOT / "docs" / "nn_reference.md"
TF_PYTHON = pathlib.Path("/work/tfvenv/bin/python")

# (title, module, Keras namespace a name has by default, intro line).
SECTIONS = [
    (
        "Layers and models",
        "jtape.nn",
        "keras.layers",
        "`jtape.nn.<name>`. A layer builds its weights on the first call; every layer and "
        "model is a `jt.Module` (see `docs/training.md`).",
    ),
    (
        "Losses",
        "jtape.nn.losses",
        "keras.losses",
        "`jtape.nn.losses.<name>`. Functions return one loss per sample; classes also "
        "weight (`sample_weight`) and reduce (`reduction=`) them.",
    ),
    (
        "Metrics",
        "jtape.nn.metrics",
        "keras.metrics",
        "`jtape.nn.metrics.<name>`. Classes keep their state in non-trainable Variables "
        "(`update_state`/`result`/`reset_state`); functions return per-sample values.",
    ),
    (
        "Initializers",
        "jtape.nn.initializers",
        "keras.initializers",
        "`jtape.nn.initializers.<name>`, called as `init(shape, dtype=None)`.",
    ),
    (
        "Activations",
        "jtape.nn.activations",
        "keras.activations",
        "`jtape.nn.activations.<name>`; each is one jtape op.",
    ),
    (
        "Regularizers",
        "jtape.nn.regularizers",
        "keras.regularizers",
        "`jtape.nn.regularizers.<name>`; `reg(weight)` is a scalar penalty added to "
        "`model.losses`.",
    ),
    (
        "Callbacks",
        "jtape.nn.callbacks",
        "keras.callbacks",
        "`jtape.nn.callbacks.<name>`, passed to `fit`/`evaluate`/`predict`.",
    ),
    (
        "Optimizers",
        "jtape.optimizers",
        "keras.optimizers",
        "`jtape.optimizers.<name>`: Keras 3's optimizer API on optax, with state in Variables.",
    ),
    (
        "Learning-rate schedules",
        "jtape.optimizers.schedules",
        "keras.optimizers.schedules",
        "`jtape.optimizers.schedules.<name>`; pass one as `learning_rate=`.",
    ),
]

# Names whose Keras/TF counterpart is not ``<Keras namespace>.<name>``; None: jtape only.
# ``--check-keras`` verifies these against the installed TensorFlow/Keras.
KERAS_NAMES: dict[str, str | None] = {
    "jtape.nn.Model": "keras.Model",
    "jtape.nn.Sequential": "keras.Sequential",
    "jtape.nn.KerasTensor": "keras.KerasTensor",
    "jtape.nn.Functional": "keras.src.models.Functional",
    "jtape.nn.clear_session": "keras.backend.clear_session",
    "jtape.nn.losses.EPSILON": "keras.config.epsilon",
    "jtape.nn.losses.KLD": "tf.keras.losses.KLD",
    "jtape.nn.losses.MAE": "tf.keras.losses.MAE",
    "jtape.nn.losses.MSE": "tf.keras.losses.MSE",
    "jtape.nn.losses.kld": "tf.keras.losses.kld",
    "jtape.nn.losses.mae": "tf.keras.losses.mae",
    "jtape.nn.losses.mse": "tf.keras.losses.mse",
    "jtape.nn.losses.kullback_leibler_divergence": "tf.keras.losses.kullback_leibler_divergence",
    "jtape.nn.losses.LossFunctionWrapper": "keras.src.losses.LossFunctionWrapper",
    "jtape.nn.losses.Reduction": "tf.compat.v1.keras.losses.Reduction",
    "jtape.nn.losses.reduce_weighted_values": "keras.src.losses.loss.reduce_weighted_values",
    "jtape.nn.losses.squeeze_or_expand_to_same_rank": (
        "keras.src.losses.loss.squeeze_or_expand_to_same_rank"
    ),
    "jtape.nn.metrics.accuracy": "keras.src.metrics.accuracy_metrics.accuracy",
    "jtape.nn.initializers.RandomInitializer": (
        "keras.src.initializers.random_initializers.RandomInitializer"
    ),
    "jtape.nn.initializers.compute_fans": "keras.src.initializers.random_initializers.compute_fans",
    "jtape.optimizers.OptaxOptimizer": None,
    "jtape.optimizers.from_optax": None,
    "jtape.optimizers.GradientDescent": "tf.compat.v1.train.GradientDescentOptimizer",
    "jtape.optimizers.ProximalGradientDescent": (
        "tf.compat.v1.train.ProximalGradientDescentOptimizer"
    ),
    "jtape.optimizers.ProximalAdagrad": "tf.compat.v1.train.ProximalAdagradOptimizer",
    "jtape.optimizers.AdagradDA": "tf.compat.v1.train.AdagradDAOptimizer",
}

# Sub-headings of the layer section, by defining module (a new module gets its name).
LAYER_GROUPS = {
    "jtape.nn._layer": "Base layer and utilities",
    "jtape.nn._model": "Models and the functional API",
    "jtape.nn._core_layers": "Core layers",
    "jtape.nn._conv": "Convolution layers",
    "jtape.nn._pooling": "Pooling, resizing and padding layers",
    "jtape.nn._recurrent": "Recurrent layers",
}

# Base classes whose methods and properties are listed too (those not already listed
# for a base class above them).
BASES = [
    "jtape.nn.Layer",
    "jtape.nn.Model",
    "jtape.nn.Sequential",
    "jtape.nn.losses.Loss",
    "jtape.nn.metrics.Metric",
    "jtape.nn.initializers.Initializer",
    "jtape.nn.regularizers.Regularizer",
    "jtape.nn.callbacks.Callback",
    "jtape.optimizers.Optimizer",
    "jtape.optimizers.schedules.LearningRateSchedule",
]

NO_DOC = "(no docstring)"


# -- names -------------------------------------------------------------------------------
def public_names(modname: str) -> list[str]:
    """The public names of a module, in source order (submodules excluded)."""
    module = importlib.import_module(modname)
    names: list[str] = []
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, ast.ImportFrom):
            names += [a.name for a in node.names if a.asname == a.name]
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names += [t.id for t in ast.walk(target) if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    out = []
    for name in names:
        if name.startswith("_") or name in out or inspect.ismodule(getattr(module, name)):
            continue
        out.append(name)
    return out


def all_public() -> dict[str, object]:
    """Every documented name (``"jtape.nn.losses.Huber"``) and its object."""
    out = {}
    for _, modname, _, _ in SECTIONS:
        module = importlib.import_module(modname)
        for name in public_names(modname):
            out[f"{modname}.{name}"] = getattr(module, name)
    return out


# -- text --------------------------------------------------------------------------------
_ROLE = re.compile(r":(?:class|func|meth|attr|mod):`~?([^`]+)`")


def own_doc(obj) -> str | None:
    """The object's own docstring (a class does not inherit its base's here)."""
    if isinstance(obj, type):
        doc = obj.__dict__.get("__doc__")
    elif inspect.isroutine(obj) or isinstance(obj, property):
        doc = obj.__doc__
    else:
        doc = None  # a constant: float.__doc__ is not its documentation
    return inspect.cleandoc(doc) if doc and doc.strip() else None


def summary(doc: str | None) -> str:
    """The first paragraph of a docstring as one Markdown line."""
    if not doc:
        return NO_DOC
    para = doc.split("\n\n", 1)[0]
    para = " ".join(line.strip() for line in para.splitlines())
    return _ROLE.sub(r"`\1`", para).replace("``", "`")


def _default(value) -> str:
    text = repr(value)
    # An object's default repr carries its address; print something stable instead.
    return re.sub(r"<([\w.]+) object at 0x[0-9a-f]+>", r"<\1>", text)


def signature(obj, drop_first: bool = False) -> str:
    """``(a, b=1, *args)`` without annotations, or ``""`` if there is none."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return ""
    params = list(sig.parameters.values())
    if drop_first and params:
        params = params[1:]
    parts = []
    star_done = False
    for p in params:
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
        if p.kind in (p.VAR_POSITIONAL, p.KEYWORD_ONLY):
            star_done = True
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        text = prefix + p.name
        if p.default is not p.empty:
            text += "=" + _default(p.default)
        parts.append(text)
        if p.kind is p.POSITIONAL_ONLY and (
            p is params[-1] or params[params.index(p) + 1].kind is not p.POSITIONAL_ONLY
        ):
            parts.append("/")
    return "(" + ", ".join(parts) + ")"


# -- members of base classes -------------------------------------------------------------
def _members(cls: type, listed: list[type]) -> list[tuple[str, object, str]]:
    """Public methods/properties of ``cls`` not already listed for a base class."""
    out = []
    for name in sorted(dir(cls)):
        if name.startswith("_") or any(name in dir(base) for base in listed):
            continue
        owner = next(k for k in cls.__mro__ if name in k.__dict__)
        raw = owner.__dict__[name]
        if isinstance(raw, property):
            out.append((name, raw, "property"))
        elif isinstance(raw, (classmethod, staticmethod)):
            out.append((name, raw.__func__, "classmethod" if isinstance(raw, classmethod) else ""))
        elif inspect.isfunction(raw):
            out.append((name, raw, "method"))
    return out


def _member_lines(cls: type, listed: list[type]) -> list[str]:
    lines = []
    for name, obj, kind in _members(cls, listed):
        doc = summary(inspect.getdoc(getattr(cls, name)) if kind != "property" else own_doc(obj))
        if kind == "property":
            lines.append(f"  - `{name}` (property): {doc}")
        else:
            sig = signature(obj, drop_first=kind in ("method", "classmethod"))
            lines.append(f"  - `{name}{sig}`: {doc}")
    return lines


# -- page --------------------------------------------------------------------------------
def _entry(full: str, obj, aliases: list[str], keras_default: str, bases: list[type]) -> list[str]:
    name = full.rsplit(".", 1)[1]
    if callable(obj):
        head = f"- **`{name}`**`{signature(obj)}`"
    else:
        head = f"- **`{name}`** `= {obj!r}`"
    notes = []
    if aliases:
        notes.append("also " + ", ".join(f"`{a}`" for a in aliases))
    keras = KERAS_NAMES.get(full, f"{keras_default}.{name}")
    if full in KERAS_NAMES:
        notes.append(f"TF/Keras: `{keras}`" if keras else "jtape only")
    if notes:
        head += " (" + "; ".join(notes) + ")"
    lines = [head]
    if callable(obj):  # a constant has no docstring of its own
        lines.append(f"  {summary(own_doc(obj))}")
    if isinstance(obj, type) and obj in bases:
        listed = [b for b in bases if b is not obj and issubclass(obj, b)]
        lines += _member_lines(obj, listed)
    return lines


def _group(modname: str, obj) -> tuple[int, str]:
    """(order, heading) of a name's sub-section inside its section."""
    if modname == "jtape.nn":
        origin = getattr(obj, "__module__", "")
        keys = list(LAYER_GROUPS)
        if origin in LAYER_GROUPS:
            return keys.index(origin), LAYER_GROUPS[origin]
        return len(keys), f"Layers from `{origin}`"
    if inspect.isclass(obj):
        return 0, "Classes"
    if callable(obj):
        return 1, "Functions"
    return 2, "Constants"


def render() -> str:
    """The whole page."""
    bases = [_resolve(b) for b in BASES]
    lines = [
        "# Layers, losses, metrics and optimizers: reference",
        "",
        "Generated by `tools/gen_nn_doc.py` from the code of `jtape.nn` and",
        "`jtape.optimizers`; do not edit by hand. Each entry gives the call signature with",
        "its defaults (Keras' defaults unless the docstring says otherwise) and the first",
        "paragraph of the docstring. A name is Keras 3's name in the namespace that its",
        "section names, unless a TF/Keras name is given. For the training loop itself see",
        "`docs/training.md`; for optimizer behaviour, `docs/optimizers.md`.",
        "",
    ]
    lines += [f"- [{title}](#{_anchor(title)})" for title, *_ in SECTIONS]
    for title, modname, keras_ns, intro in SECTIONS:
        module = importlib.import_module(modname)
        lines += ["", f"## {title}", "", f"{intro} Keras: `{keras_ns}`."]
        names = public_names(modname)
        # Aliases: a second name bound to an object is listed under the object's own name.
        canonical: dict[int, str] = {}
        for name in names:
            obj = getattr(module, name)
            if callable(obj) and (
                getattr(obj, "__name__", None) == name or id(obj) not in canonical
            ):
                canonical[id(obj)] = name
        groups: dict[tuple[int, str], list[str]] = {}
        for name in names:
            obj = getattr(module, name)
            if callable(obj) and canonical[id(obj)] != name:
                continue
            groups.setdefault(_group(modname, obj), []).append(name)
        for key in sorted(groups):
            lines += ["", f"### {key[1]}", ""]
            # Classes first (the base class before its helpers), then alphabetical.
            ordered = sorted(
                groups[key],
                key=lambda n: (not inspect.isclass(getattr(module, n)), n.lower(), n),
            )
            for name in ordered:
                obj = getattr(module, name)
                aliases = [
                    n for n in names if n != name and callable(obj) and getattr(module, n) is obj
                ]
                lines += _entry(f"{modname}.{name}", obj, sorted(aliases), keras_ns, bases)
    return "\n".join(lines) + "\n"


def _resolve(full: str):
    modname, name = full.rsplit(".", 1)
    return getattr(importlib.import_module(modname), name)


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


# -- Keras check -------------------------------------------------------------------------
_CHECK = """
import json, sys
import keras, tensorflow as tf
bad = []
for path, expect in json.load(sys.stdin):
    obj = {"keras": keras, "tf": tf}[path.split(".")[0]]
    try:
        for part in path.split(".")[1:]:
            obj = getattr(obj, part)
        found = True
    except AttributeError:
        found = False
    if found != expect:
        bad.append(("missing: " if expect else "exists, drop the KERAS_NAMES entry: ") + path)
print("\\n".join(bad) or "all Keras names check out")
"""


def check_keras() -> None:
    """Ask the TF venv whether each stated Keras name exists (and defaults do not)."""
    queries = []
    for full in all_public():
        modname, name = full.rsplit(".", 1)
        default = next(ns for _, m, ns, _ in SECTIONS if m == modname) + "." + name
        if full in KERAS_NAMES:
            if KERAS_NAMES[full] is not None:
                queries.append((KERAS_NAMES[full], True))
            queries.append((default, False))
        else:
            queries.append((default, True))
    result = subprocess.run(
        [str(TF_PYTHON), "-c", _CHECK],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        check=True,
    )
    print(result.stdout.strip())


if __name__ == "__main__":
    if "--check-keras" in sys.argv:
        check_keras()
    else:
        OUTPUT.write_text(render())
        print(f"wrote {OUTPUT.relative_to(ROOT)}")
