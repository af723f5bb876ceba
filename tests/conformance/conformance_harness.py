"""Shared by ``record_tf.py`` (TensorFlow venv) and ``test_conformance.py`` (jtape venv).

Imports neither TensorFlow nor jtape: it finds the scenario modules, loads one, turns the
figures a scenario returns into JSON and back, and compares two sets of figures.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
FIXTURES = HERE / "fixtures"
DEFAULT_TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


def scenario_names() -> list[str]:
    """Module names ``sNN_short_name`` of every scenario, sorted."""
    return sorted(p.stem for p in SCENARIOS.glob("s[0-9][0-9]_*.py"))


def load(name: str) -> ModuleType:
    """Import ``scenarios/<name>.py`` under a private module name."""
    path = SCENARIOS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_conformance_scenarios.{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fixture_path(name: str) -> Path:
    return FIXTURES / f"{name}.json"


def encode(value: Any) -> dict:
    """One figure as JSON: arrays keep dtype and shape; floats are written with repr."""
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray | np.generic):
        value = value.numpy()  # a Tensor or Variable slipped through
    if isinstance(value, np.ndarray | np.generic):
        pass  # numpy scalars stay arrays (np.float64 is also a Python float)
    elif isinstance(value, bool):
        return {"kind": "bool", "value": value}
    elif isinstance(value, int):
        return {"kind": "int", "value": value}
    elif isinstance(value, float):
        return {"kind": "float", "value": value}
    elif isinstance(value, str):
        return {"kind": "str", "value": value}
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"figure of unsupported dtype {array.dtype}: {value!r}")
    if array.dtype.kind == "f":
        values = array.astype(np.float64).tolist()  # float32 -> float64 is exact
    else:
        values = array.tolist()
    return {
        "kind": "array",
        "dtype": str(array.dtype.name),
        "shape": list(array.shape),
        "values": values,
    }


def decode(entry: dict) -> Any:
    if entry["kind"] != "array":
        return entry["value"]
    values = np.asarray(entry["values"], dtype=np.float64 if entry["dtype"][0] == "f" else None)
    return values.astype(entry["dtype"]).reshape(entry["shape"])


def save(name: str, figures: dict, versions: dict) -> Path:
    """Write ``fixtures/<name>.json``: the versions, then one line per figure."""
    for key in figures:
        if not isinstance(key, str):
            raise TypeError(f"figure names must be str, got {key!r}")
    lines = ["{"]
    lines += [f"{json.dumps(k)}: {json.dumps(v)}," for k, v in versions.items()]
    lines.append('"figures": {')
    entries = [f" {json.dumps(k)}: {json.dumps(encode(v))}" for k, v in figures.items()]
    lines.append(",\n".join(entries))
    lines += ["}", "}"]
    text = "\n".join(lines) + "\n"
    json.loads(text)  # the file must be valid JSON (NaN/Infinity are Python's extension)
    path = fixture_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def read(name: str) -> dict:
    """The fixture: ``{"tensorflow": ..., "keras": ..., "figures": {name: entry}}``."""
    return json.loads(fixture_path(name).read_text())


def tolerance(module: ModuleType, figure: str) -> dict:
    tol = dict(DEFAULT_TOLERANCE)
    tol.update(getattr(module, "TOLERANCE", {}))
    tol.update(getattr(module, "TOLERANCES", {}).get(figure, {}))
    return tol


def compare(module: ModuleType, expected: dict, actual: dict) -> dict[str, str]:
    """Differences between recorded (JSON entries) and computed figures: figure -> message.

    A difference in the set of names is keyed ``"(figure names)"``.
    """
    problems = {}
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    if missing:
        problems["(figure names)"] = f"figures missing on jtape: {missing}"
    if extra:
        problems["(extra figure names)"] = f"figures not in the fixture (re-record?): {extra}"
    for key in sorted(set(expected) & set(actual)):
        want = expected[key]
        try:
            got = encode(actual[key])
        except TypeError as e:
            problems[key] = f"{key}: {e}"
            continue
        tol = tolerance(module, key)
        if want["kind"] != got["kind"]:
            shown = got.get("value", got.get("dtype"))
            problems[key] = f"{key}: kind {got['kind']} ({shown!r}), TF {want['kind']}"
        elif want["kind"] in ("str", "int", "bool"):
            if want["value"] != got["value"]:
                problems[key] = f"{key}: {got['value']!r}, TF {want['value']!r}"
        elif want["kind"] == "float":
            a, b = got["value"], want["value"]
            if not (
                math.isclose(a, b, rel_tol=tol["rtol"], abs_tol=tol["atol"])
                or a == b
                or (math.isnan(a) and math.isnan(b))
            ):
                problems[key] = f"{key}: {a!r}, TF {b!r} (tolerance {tol})"
        else:
            if want["dtype"] != got["dtype"]:
                problems[key] = f"{key}: dtype {got['dtype']}, TF {want['dtype']}"
                continue
            if want["shape"] != got["shape"]:
                problems[key] = f"{key}: shape {got['shape']}, TF {want['shape']}"
                continue
            a, b = decode(got), decode(want)
            if a.dtype.kind == "f":
                ok = np.allclose(a, b, rtol=tol["rtol"], atol=tol["atol"], equal_nan=True)
            else:
                ok = np.array_equal(a, b)
            if not ok:
                with np.errstate(all="ignore"):
                    err = np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))
                problems[key] = (
                    f"{key}: values differ (max abs err {err:.3g}, tolerance {tol})\n"
                    f"    jtape {np.array2string(a.ravel()[:8], precision=6)}\n"
                    f"    TF    {np.array2string(b.ravel()[:8], precision=6)}"
                )
    return problems
