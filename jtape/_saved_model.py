"""SavedModel on StableHLO: ``jt.saved_model.save`` / ``load`` (``tf.saved_model``).

``save(module, dir)`` exports every ``jt.function`` attribute of ``module`` that has an
``input_signature`` (and each of ``signatures=``) with ``jax.export``: the function
becomes one serialized StableHLO program ``(variable values, *args) -> (new values of
the variables it assigns, outputs)``, with a symbolic dimension wherever the signature
has ``None``. The variables are written as a jtape checkpoint. ``load(dir)`` rebuilds
an object holding the variables and those functions; it needs jax only, never the
module's Python class.

It is not TensorFlow's protobuf SavedModel: TF cannot read it and jtape cannot read
TF's (``load`` says so when it finds ``saved_model.pb``).

Layout::

    dir/
      jtape_saved_model.json    format, variable paths, each function's files and structure
      functions/<name>.stablehlo  jax.export serialized programs
      variables/                a jtape checkpoint (orbax + checksummed index)
"""

from __future__ import annotations

import json
import os
import re

import jax
import numpy as np

from . import _checkpoint_io as _io
from ._checkpoint import _is_jtape_object, collect_variables
from ._function import Function, TensorSpec, _TraceFrame
from ._module import Module
from ._state import state
from ._tensor import Tensor
from ._variable import Variable

_FORMAT = "jtape-saved-model-1"
_MANIFEST = "jtape_saved_model.json"
_PLATFORMS = ("cpu", "cuda", "tpu")  # lowered for each where JAX can; else the current


class SavedModelError(ValueError):
    """A directory that jtape cannot load, or an object it cannot save."""


# -- saving ---------------------------------------------------------------------------------
def _functions(obj) -> dict[str, Function]:
    """``jt.function`` attributes of ``obj`` (class methods bound, then instance ones)."""
    found: dict[str, Function] = {}
    for name in sorted(dir(type(obj))):
        if isinstance(getattr(type(obj), name, None), Function):
            found[name] = getattr(obj, name)
    for name, value in sorted(vars(obj).items()):
        if isinstance(value, Function) and not name.startswith("_jt_"):
            found[name] = value
    return found


def _signatures(signatures, functions: dict[str, Function]) -> dict[str, Function]:
    if signatures is None:
        with_spec = [f for f in functions.values() if f.input_signature is not None]
        return {"serving_default": with_spec[0]} if len(with_spec) == 1 else {}
    if isinstance(signatures, Function):
        return {"serving_default": signatures}
    if isinstance(signatures, dict):
        return dict(signatures)
    raise ValueError(
        f"signatures: expected a jt.function or a dict of them, got {type(signatures).__name__}"
    )


def _keras_serving_function(obj) -> Function | None:
    """``obj(inputs, training=False)`` over its input shape, for a Keras model with one
    known input (TF exports that as the model's serving signature); else None."""
    from .nn import Layer

    if not isinstance(obj, Layer):
        return None
    try:
        shape = obj.input_shape
    except (AttributeError, ValueError):
        shape = None
    if not isinstance(shape, tuple) or not all(d is None or isinstance(d, int) for d in shape):
        raise SavedModelError(
            f"saved_model.save: the input shape of {obj.name!r} is unknown, so there is no "
            "function to export. Build it from an Input (jt.nn.Input(shape)) or give it a "
            "jt.function with an input_signature."
        )
    dtype = None
    inputs = getattr(obj, "inputs", None)
    if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
        inputs = inputs[0]
    dtype = getattr(inputs, "dtype", None)
    if dtype is None and getattr(obj, "_input_layer", None) is not None:
        dtype = getattr(obj._input_layer, "dtype", None)
    spec = TensorSpec(shape, dtype or "float32", name="inputs")

    def serve(inputs):
        return obj(inputs, training=False)

    from ._function import function

    return function(serve, input_signature=[spec], autograph=False)


def _check_spec(name: str, spec) -> list[TensorSpec]:
    specs = list(spec or [])
    for i, s in enumerate(specs):
        if not isinstance(s, TensorSpec):
            raise SavedModelError(
                f"{name}: input_signature[{i}] is {type(s).__name__}; jtape exports flat "
                "signatures of TensorSpecs only (no nested lists or dicts)"
            )
        if s.shape is None:
            raise SavedModelError(
                f"{name}: input_signature[{i}] has an unknown rank; give a shape (None for "
                "free dimensions)"
            )
    return specs


def _symbolic_args(specs: list[TensorSpec], shared_batch: bool) -> list:
    """Shapes with a symbol per ``None`` (or one shared symbol for leading ``None``s)."""
    scope = jax.export.SymbolicScope()
    out, k = [], 0
    for s in specs:
        dims = []
        for j, d in enumerate(s.shape.as_list()):
            if d is not None:
                dims.append(str(d))
            elif j == 0 and shared_batch:
                dims.append("batch")
            else:
                dims.append(f"d{k}")
                k += 1
        shape = jax.export.symbolic_shape(", ".join(dims), scope=scope) if dims else ()
        out.append(jax.ShapeDtypeStruct(shape, np.dtype(s.dtype)))
    return out


def _encode(tree, leaves: list):
    """The output structure as JSON; Tensors become indices into ``leaves``."""
    if isinstance(tree, Variable):
        tree = tree.value()
    if isinstance(tree, Tensor):
        leaves.append(tree._value)
        return {"tensor": len(leaves) - 1}
    if isinstance(tree, (jax.Array, np.ndarray)):
        leaves.append(tree)
        return {"tensor": len(leaves) - 1}
    if isinstance(tree, dict):
        return {"dict": [[str(k), _encode(v, leaves)] for k, v in tree.items()]}
    if isinstance(tree, (list, tuple)):
        kind = "list" if isinstance(tree, list) else "tuple"
        return {kind: [_encode(v, leaves) for v in tree]}
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return {"const": tree}
    raise SavedModelError(f"cannot export an output of type {type(tree).__name__}")


def _trace_pure(fn: Function, variables: list[Variable], meta: dict):
    """``(var values, *args) -> (written values, outputs)`` running ``fn`` on a frame."""
    python_function = fn.python_function
    if fn._autograph:
        from ._autograph import converted

        python_function = converted(python_function)

    def pure(var_values, *args):
        frame = _TraceFrame(fn, variables, list(var_values), allow_create=False)
        saved = state.recorders
        state.recorders = []
        state.frames.append(frame)
        try:
            result = python_function(*[Tensor(a) for a in args])
        finally:
            state.frames.pop()
            state.recorders = saved
        if frame.discovered:
            meta["discovered"] = list(frame.discovered.values())
        leaves: list = []
        meta["outputs"] = _encode(result, leaves)
        index = {id(v): i for i, v in enumerate(variables)}
        meta["written"] = [index[vid] for vid in frame.written if vid in index]
        return [frame.values[id(variables[i])] for i in meta["written"]], leaves

    return pure


def _export(name: str, fn: Function, variables: list[Variable]):
    specs = _check_spec(name, fn.input_signature)
    var_specs = [jax.ShapeDtypeStruct(v.shape, np.dtype(v.dtype)) for v in variables]
    errors = []
    for shared in (False, True):
        meta: dict = {}
        try:
            args = _symbolic_args(specs, shared)
            pure = jax.jit(_trace_pure(fn, variables, meta))
            try:
                exported = jax.export.export(pure, platforms=_PLATFORMS)(var_specs, *args)
            except Exception:  # an op without a lowering for some platform
                meta.clear()
                exported = jax.export.export(pure)(var_specs, *args)
        except Exception as e:  # e.g. shapes that only agree when the batch is shared
            if meta.get("discovered"):
                return None, meta
            errors.append(e)
            continue
        if meta.get("discovered"):
            return None, meta
        return exported, meta
    raise SavedModelError(
        f"cannot export {name} with symbolic dimensions for the None entries of its "
        f"input_signature: {errors[-1]}"
    ) from errors[-1]


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def save(obj, export_dir: str, signatures=None, options=None) -> None:
    """Export ``obj``'s ``jt.function``s with an ``input_signature``, and its variables.

    ``signatures``: a ``jt.function`` (saved as ``"serving_default"``) or a dict of
    them; by default the one function with an input_signature, if there is exactly one.

    Example:
        >>> import tempfile, jtape as jt
        >>> class Scale(jt.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.w = jt.Variable(2.0)
        ...     @jt.function(input_signature=[jt.TensorSpec([None], jt.float32)])
        ...     def __call__(self, x):
        ...         return x * self.w
        >>> d = tempfile.mkdtemp()
        >>> jt.saved_model.save(Scale(), d)
        >>> jt.saved_model.load(d)(jt.constant([1.0, 3.0])).numpy().tolist()
        [2.0, 6.0]
    """
    if not _is_jtape_object(obj):
        raise TypeError(
            f"saved_model.save: expected a jt.Module (or other jtape object), got "
            f"{type(obj).__name__}"
        )
    extra: dict = {}  # a Keras model without functions: its call, as TF exports it
    if signatures is None and not any(f.input_signature for f in _functions(obj).values()):
        serve = _keras_serving_function(obj)
        if serve is not None:
            signatures = {"serving_default": serve}
            extra[("function", "__call__")] = serve
    found = collect_variables({"root": obj})
    paths = [p.split("/", 1)[1] for p in found]
    variables = list(found.values())
    functions = {n: f for n, f in _functions(obj).items() if f.input_signature is not None}
    entries = {("function", n): f for n, f in functions.items()}
    entries.update(extra)
    for n, f in _signatures(signatures, _functions(obj)).items():
        if not isinstance(f, Function) or f.input_signature is None:
            raise SavedModelError(
                f"signatures[{n!r}]: jtape exports jt.functions with an input_signature; got {f!r}"
            )
        entries[("signature", n)] = f
    exported_all = {}
    for (kind, n), f in entries.items():
        while True:
            exported, meta = _export(n, f, variables)
            if exported is not None:
                break
            for i, v in enumerate(meta["discovered"]):  # read, not reachable from obj
                variables.append(v)
                paths.append(f"_captured/{len(paths)}_{i}")
        exported_all[(kind, n)] = (exported, meta, f)
    os.makedirs(os.path.join(export_dir, "functions"), exist_ok=True)
    manifest = {
        "format": _FORMAT,
        "variables": paths,
        "trainable": [bool(v.trainable) for v in variables],
        "functions": {},
        "signatures": {},
    }
    for (kind, n), (exported, meta, f) in exported_all.items():
        file = f"{kind}_{_file_name(n)}.stablehlo"
        with open(os.path.join(export_dir, "functions", file), "wb") as fh:
            fh.write(exported.serialize(vjp_order=1))  # loaded functions are differentiable
        names = _input_names(f)
        manifest["functions" if kind == "function" else "signatures"][n] = {
            "file": file,
            "inputs": [
                {"name": nm, "shape": s.shape.as_list(), "dtype": s.dtype.name}
                for nm, s in zip(names, f.input_signature)
            ],
            "outputs": meta["outputs"],
            "written": meta["written"],
            "platforms": list(exported.platforms),
        }
    _io.write_checkpoint(
        os.path.abspath(os.path.join(export_dir, "variables")),
        {p: v._value for p, v in zip(paths, variables)},
    )
    tmp = os.path.join(export_dir, f".{_MANIFEST}.tmp")
    with open(tmp, "w") as fh:
        json.dump(manifest, fh, indent=1)
    os.replace(tmp, os.path.join(export_dir, _MANIFEST))  # the manifest marks it complete


def _input_names(f: Function) -> list[str]:
    import inspect

    try:
        params = [
            p.name
            for p in inspect.signature(f.python_function).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    names = []
    for i, s in enumerate(f.input_signature):
        names.append(s.name or (params[i] if i < len(params) else f"input_{i}"))
    return names


# -- loading --------------------------------------------------------------------------------
def _decode(tree, leaves: list):
    if "tensor" in tree:
        return leaves[tree["tensor"]]
    if "dict" in tree:
        return {k: _decode(v, leaves) for k, v in tree["dict"]}
    if "list" in tree:
        return [_decode(v, leaves) for v in tree["list"]]
    if "tuple" in tree:
        return tuple(_decode(v, leaves) for v in tree["tuple"])
    return tree["const"]


class LoadedFunction:
    """A function restored by :func:`load`: runs its StableHLO program on the loaded
    variables, and assigns the variables the original function assigned."""

    def __init__(self, name: str, entry: dict, exported, variables: list[Variable]) -> None:
        from ._op import op

        self.__name__ = name
        self._entry = entry
        self._exported = exported
        self._variables = variables
        self.input_signature = [
            TensorSpec(i["shape"], i["dtype"], name=i["name"]) for i in entry["inputs"]
        ]
        self._op = op(lambda values, *args: exported.call(values, *args), name=name)

    def _args(self, args, kwargs) -> list:
        names = [s.name for s in self.input_signature]
        if len(args) > len(names):
            raise TypeError(f"{self.__name__} takes {len(names)} arguments, got {len(args)}")
        bound = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names or k in bound:
                raise TypeError(f"{self.__name__}: unexpected or repeated argument {k!r}")
            bound[k] = v
        missing = [n for n in names if n not in bound]
        if missing:
            raise TypeError(f"{self.__name__}: missing arguments {missing}")
        out = []
        for spec in self.input_signature:
            value = bound[spec.name]
            t = value.value() if isinstance(value, Variable) else value
            if not isinstance(t, Tensor):
                t = Tensor(jax.numpy.asarray(t, dtype=spec.dtype))
            if not spec.is_compatible_with(t):
                raise TypeError(
                    f"{self.__name__}: argument {spec.name!r} has shape {t.shape} and dtype "
                    f"{t.dtype.name}, which does not match the saved signature {spec}"
                )
            out.append(t)
        return out

    def _run(self, args, kwargs):
        written, outs = self._op([v.value() for v in self._variables], *self._args(args, kwargs))
        for i, value in zip(self._entry["written"], written):
            self._variables[i].assign(value, read_value=False)
        return _decode(self._entry["outputs"], list(outs))

    def __call__(self, *args, **kwargs):
        return self._run(args, kwargs)


class LoadedSignature(LoadedFunction):
    """A serving signature: keyword arguments in, a dict of outputs out (as TF)."""

    def __call__(self, *args, **kwargs):
        result = self._run(args, kwargs)
        if isinstance(result, dict):
            return result
        if isinstance(result, (list, tuple)):
            return {f"output_{i}": r for i, r in enumerate(result)}
        return {"output_0": result}


class LoadedModel(Module):
    """What :func:`load` returns: the variables (as attributes, by their saved paths)
    and the saved functions; ``signatures`` maps names to serving functions."""

    def __init__(self) -> None:
        super().__init__(name="loaded_model")

    def __call__(self, *args, **kwargs):
        fn = self.__dict__.get("__call__")
        if fn is None:
            raise TypeError("this loaded model has no saved __call__ function")
        return fn(*args, **kwargs)


def _attach(root: Module, paths: list[str], variables: list[Variable]) -> None:
    tree: dict = {}
    for path, var in zip(paths, variables):
        node = tree
        parts = path.split("/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = var

    def build(node):
        if isinstance(node, Variable):
            return node
        if (
            node
            and all(k.isdigit() for k in node)
            and sorted(map(int, node)) == list(range(len(node)))
        ):
            return [build(node[str(i)]) for i in range(len(node))]
        obj = Module(name="restored")
        for k, v in node.items():
            object.__setattr__(obj, k, build(v))
        return obj

    for k, v in tree.items():
        object.__setattr__(root, k, build(v))


def load(export_dir: str, tags=None, options=None) -> LoadedModel:
    """Load what :func:`save` wrote; the functions run without the original class.

    Example: see :func:`save`.
    """
    export_dir = os.fspath(export_dir)
    manifest_path = os.path.join(export_dir, _MANIFEST)
    if not os.path.exists(manifest_path):
        if os.path.exists(os.path.join(export_dir, "saved_model.pb")) or os.path.exists(
            os.path.join(export_dir, "saved_model.pbtxt")
        ):
            raise SavedModelError(
                f"{export_dir} is a TensorFlow SavedModel (saved_model.pb): jtape cannot load "
                "TF's protobuf graphs. Load its weights into a jtape model instead (e.g. "
                "Keras .weights.h5 / .keras files), or re-export from jtape with "
                "jt.saved_model.save."
            )
        raise _io.CheckpointNotFoundError(
            f"SavedModel file does not exist at: {export_dir} (expected {_MANIFEST}, "
            "written by jt.saved_model.save)"
        )
    with open(manifest_path) as fh:
        manifest = json.load(fh)
    if manifest.get("format") != _FORMAT:
        raise SavedModelError(f"{export_dir}: unknown format {manifest.get('format')!r}")
    var_dir = os.path.abspath(os.path.join(export_dir, "variables"))
    meta = _io.read_meta(var_dir)
    arrays = _io.read_arrays(var_dir, meta)
    paths = manifest["variables"]
    trainable = manifest.get("trainable", [False] * len(paths))
    variables = [
        Variable(arrays[p], trainable=t, name=p.rsplit("/", 1)[-1])
        for p, t in zip(paths, trainable)
    ]
    root = LoadedModel()
    _attach(root, paths, variables)

    def read(entry):
        with open(os.path.join(export_dir, "functions", entry["file"]), "rb") as fh:
            return jax.export.deserialize(bytearray(fh.read()))

    for name, entry in manifest["functions"].items():
        object.__setattr__(root, name, LoadedFunction(name, entry, read(entry), variables))
    root.signatures = {
        name: LoadedSignature(name, entry, read(entry), variables)
        for name, entry in manifest["signatures"].items()
    }
    return root
