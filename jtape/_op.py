"""The one op-wrapping path: a pure JAX function becomes a recorded jtape op.

Calling an op unwraps its Tensor/Variable arguments, runs the JAX function, wraps
the outputs in Tensors and, if an active recorder (GradientTape or
ForwardAccumulator) watches any input, appends one :class:`Node` to it. With no
recorder active the cost beyond the JAX call is one flatten and one list check.
"""

from __future__ import annotations

import functools
import operator
import types
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._dtypes import DType
from ._state import state
from ._tensor import Tensor, _ArrayImpl
from ._variable import Variable

_tree_flatten = jax.tree_util.tree_flatten
_tree_unflatten = jax.tree_util.tree_unflatten


def _is_leaf(x) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "_jt_read")


class NodeSpec:
    """The static part of a call: function, argument structure and static arguments.

    A spec is a pure function of the call's tensor values: ``spec(*values)`` returns the
    flat tuple of output arrays. Specs are interned, so two calls with the same static
    structure share one object (and one jitted VJP).
    """

    __slots__ = ("fn", "treedef", "template", "tensor_pos", "key", "_vjp", "_fwd", "__weakref__")

    def __init__(self, fn, treedef, template, tensor_pos, key) -> None:
        self.fn = fn
        self.treedef = treedef
        self.template = template
        self.tensor_pos = tensor_pos
        self.key = key
        self._vjp = None
        self._fwd = None  # the jitted forward; False once found not jittable

    def call_tree(self, values):
        """``fn`` on the call's tensor values, with its own output structure."""
        leaves = list(self.template)
        for p, v in zip(self.tensor_pos, values):
            leaves[p] = v
        args, kwargs = _tree_unflatten(self.treedef, leaves)
        return self.fn(*args, **kwargs)

    def __call__(self, *values):
        return tuple(_tree_flatten(self.call_tree(values))[0])

    def forward(self):
        """``call_tree`` under ``jax.jit`` for an interned spec (None for a one-off)."""
        fwd = self._fwd
        if fwd is None:
            if self.key is None:  # uncached spec: compiling it would never pay off
                return None
            fwd = self._fwd = jax.jit(lambda *values: self.call_tree(values))
        return fwd or None

    @property
    def vjp(self):
        """Jitted ``(values, output_cotangents) -> input cotangents`` for one node."""
        if self._vjp is None:
            self._vjp = jax.jit(functools.partial(_node_vjp, self))
        return self._vjp

    def __repr__(self) -> str:
        return f"NodeSpec({getattr(self.fn, '__name__', self.fn)!r})"


def _node_vjp(spec: NodeSpec, values, out_cts):
    diff = [i for i, v in enumerate(values) if jnp.issubdtype(jnp.result_type(v), jnp.inexact)]

    def f(*dvals):
        full = list(values)
        for i, d in zip(diff, dvals):
            full[i] = d
        return spec(*full)

    outs, pullback = jax.vjp(f, *[values[i] for i in diff])
    cts = tuple(_ct_or_zero(c, o) for c, o in zip(out_cts, outs))
    dcts = pullback(cts)
    res: list = [None] * len(values)
    for i, c in zip(diff, dcts):
        res[i] = c
    return tuple(res)


def _ct_or_zero(ct, out):
    if not jnp.issubdtype(out.dtype, jnp.inexact):
        return np.zeros(out.shape, dtype=jax.dtypes.float0)
    if ct is None:
        return jnp.zeros_like(out)  # zeros_like keeps shard_map's varying-axes type
    return match_varying(ct, out)


def match_varying(ct, like):
    """Inside ``shard_map``, mark ``ct`` as varying over the axes ``like`` varies over.

    JAX types per-replica values; a cotangent must have its primal's type.
    """
    want = getattr(jax.typeof(like), "manual_axis_type", None)
    have = getattr(jax.typeof(ct), "manual_axis_type", None)
    if want is None or have is None:
        return ct
    missing = tuple(sorted(want.varying - have.varying))
    return jax.lax.pcast(ct, missing, to="varying") if missing else ct


_SPECS: dict = {}
_MAX_SPECS = 8192
# Key in an op's own spec dict: the op needs its Python floats as static arguments.
_STATIC_FLOATS = "static floats"
# Argument types the fast path of ``call_op`` keeps static, keyed by type and value (all
# are pytree leaves, so the general path would make them static leaves too). Floats
# are values eagerly; tuples of ints (axes, shapes) are checked element by element.
_STATIC_TYPES = frozenset(
    {
        int,
        bool,
        float,
        type(None),
        str,
        DType,
        types.FunctionType,
        types.BuiltinFunctionType,
        jax.custom_jvp,
        jax.custom_vjp,
    }
)
_PY_NUMBERS = frozenset({int, bool, float})


class _NeedsStaticNumbers(Exception):
    """An op's program cannot take its Python numbers as dynamic arguments."""


def _intern_spec(fn, treedef, leaves, tensor_pos) -> NodeSpec:
    is_tensor = set(tensor_pos)
    statics = tuple(None if i in is_tensor else leaves[i] for i in range(len(leaves)))
    # The type is part of the key: 1, 1.0 and True hash alike but give different dtypes.
    key = (fn, treedef, tuple(map(type, statics)), statics, tensor_pos)
    try:
        spec = _SPECS.get(key)
    except TypeError:  # an unhashable static argument: the spec is used once, uncached
        return NodeSpec(fn, treedef, statics, tensor_pos, None)
    if spec is None:
        if len(_SPECS) >= _MAX_SPECS:
            _SPECS.clear()
            _TENSOR_ONLY.clear()
        spec = _SPECS[key] = NodeSpec(fn, treedef, statics, tensor_pos, key)
    return spec


class Node(tuple):
    """One recorded call: its spec, input tensors and output tensors.

    A tuple ``(spec, inputs, outputs)`` (made in C on the eager hot path, see
    ``_new_node``) with named fields. Nodes are compared by identity only: tuple
    equality would compare Tensors elementwise.
    """

    __slots__ = ()

    def __new__(cls, spec: NodeSpec, inputs: tuple, outputs: tuple) -> Node:
        return tuple.__new__(cls, (spec, inputs, outputs))

    spec = property(operator.itemgetter(0), doc="The call's NodeSpec.")
    inputs = property(operator.itemgetter(1), doc="The input Tensors (a tuple).")
    outputs = property(operator.itemgetter(2), doc="The output Tensors (a tuple).")

    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__


# ``Node`` from one tuple ``(spec, inputs, outputs)``, without a Python ``__new__`` call.
_new_node = functools.partial(tuple.__new__, Node)
_value_of = operator.attrgetter("_value")


def _as_input(leaf):
    if type(leaf) is Tensor:
        return leaf
    if isinstance(leaf, Tensor):
        return leaf
    if hasattr(leaf, "_jt_read"):
        return leaf._jt_read()
    return Tensor(jnp.asarray(leaf))


def call_op(fn: Callable, args: tuple, kwargs: dict, *, jit: bool = False, specs=None):
    """Run ``fn`` on the values of ``args``/``kwargs`` and record it where watched.

    With ``jit=True`` (the path of :func:`op`) the forward runs as the spec's jitted
    function: one cached XLA call per op, cheaper than JAX's op-by-op dispatch of the
    primitives inside ``fn``. Other callers (whole programs, backward passes) keep
    their own compilation policy. ``specs`` is the op's own arity -> spec cache.
    """
    if not kwargs:
        # Fast path for the common case, positional Tensors, Variables, Python scalars
        # and other static values (``a + b``, ``v * 2.0``, ``jt.exp(x)``, a dtype, an
        # activation function): no pytree flattening, and the spec comes from the op's
        # own dict, keyed by which arguments are static.
        statics = None
        floats = None
        for i, a in enumerate(args):
            ta = type(a)
            if ta is Tensor:
                continue
            if ta is float:
                # Eagerly, a Python float is a value: a weakly typed dynamic argument of
                # the op's one compiled program (as jax.numpy's own jitted functions
                # take it), so a number that changes every step compiles nothing new.
                # Ints stay static (axes, sizes).
                if i and jit and specs is not None and _STATIC_FLOATS not in specs:
                    floats = (*floats, i) if floats else (i,)
                    continue
            elif ta is Variable:
                continue
            elif ta not in _STATIC_TYPES and not (
                ta is tuple and all(type(e) is int for e in a)  # e.g. an axis
            ):
                break
            # The type is part of the key: 1, 1.0 and True hash alike.
            statics = (*statics, (i, ta, a)) if statics else ((i, ta, a),)
        else:
            if statics is not None and statics[0][0] == 0 and statics[0][1] in _PY_NUMBERS:
                if len(statics) + len(floats or ()) == len(args):
                    # Only Python values: the first is the data (``jt.exp(1.0)``) and gets
                    # TF's dtype (float32), not JAX's 64-bit default for Python floats.
                    args = (_python_data(args[0]), *args[1:])
                    statics = statics[1:] or None
            if floats is not None and state.frames:
                # Inside a trace a Python float is a constant of the trace (static).
                statics = tuple(sorted((*(statics or ()), *((i, float, args[i]) for i in floats))))
                floats = None
            if floats is None:
                return _call_fast(fn, args, statics, jit, specs)
            dyn_args = tuple(Tensor(a) if i in floats else a for i, a in enumerate(args))
            try:
                return _call_fast(fn, dyn_args, statics, jit, specs)
            except Exception:  # also an error from the cached program, not only a trace
                return _with_static_numbers(fn, args, kwargs, jit, specs)
    dyn_floats = jit and specs is not None and not state.frames and _STATIC_FLOATS not in specs
    if args and _is_python_data(args[0]):
        args = (_python_data(args[0]), *args[1:])
    leaves, treedef = _tree_flatten((args, kwargs), is_leaf=_is_leaf)
    inputs = []
    tensor_pos = []
    values = []
    for i, leaf in enumerate(leaves):
        if isinstance(leaf, (Tensor, np.ndarray, jax.Array)) or hasattr(leaf, "_jt_read"):
            t = _as_input(leaf)
            inputs.append(t)
            tensor_pos.append(i)
            values.append(t._value)
        elif dyn_floats and type(leaf) is float:
            inputs.append(Tensor(leaf))
            tensor_pos.append(i)
            values.append(leaf)
    tensor_pos = tuple(tensor_pos)
    recorders = state.recorders
    if jit or recorders:
        spec = _intern_spec(fn, treedef, leaves, tensor_pos)
        try:
            outputs, out_tree = _forward(spec, values, jit)
        except _NeedsStaticNumbers:
            return _with_static_numbers(fn, args, kwargs, jit, specs)
        if recorders and inputs:
            _record_spec(recorders, spec, tuple(inputs), outputs)
        return _tree_unflatten(out_tree, outputs)
    full = list(leaves)
    for p, v in zip(tensor_pos, values):
        full[p] = v
    a, k = _tree_unflatten(treedef, full)
    out_leaves, out_tree = _tree_flatten(fn(*a, **k))
    return _tree_unflatten(out_tree, [Tensor(v) for v in out_leaves])


def _with_static_numbers(fn, args, kwargs, jit, specs):
    """Call again with Python floats static, and keep this op on static floats.

    For a ``fn`` that needs the number itself (Python control flow on it, a ``lax`` op
    that wants one dtype). If the static call fails too, its error is the one raised
    and the op keeps dynamic numbers.
    """
    out = call_op(fn, args, kwargs, jit=jit, specs={_STATIC_FLOATS: True})
    specs.clear()  # the specs made with dynamic numbers are not used again
    specs[_STATIC_FLOATS] = True
    return out


def _is_python_data(x) -> bool:
    """A Python number, or a non-empty nested list of them (TF converts it to a tensor)."""
    if type(x) in (float, int, bool, complex):
        return True
    if isinstance(x, list) and x:
        stack = list(x)
        while stack:
            v = stack.pop()
            if isinstance(v, list):
                stack.extend(v)
            elif type(v) not in (float, int, bool, complex):
                return False
        return True
    return False


def _python_data(x) -> Tensor:
    from ._tensor import to_value

    if x is None or not _is_python_data(x):
        return x
    return Tensor(to_value(x))


def _call_fast(fn, args: tuple, statics, jit: bool, specs):
    key = (len(args), statics)
    spec = specs.get(key) if specs is not None else None
    if spec is None:
        spec = _positional_spec(fn, len(args), statics)
        if specs is not None:
            if len(specs) > 256:  # e.g. ``x * step`` with a changing Python number
                specs.clear()
            specs[key] = spec
    if statics is None:
        inputs = args
    else:  # the spec's tensor positions are those not static
        inputs = tuple(map(args.__getitem__, spec.tensor_pos))
    values = []
    for a in inputs:
        if type(a) is not Tensor:  # a Variable: read it (tapes see the read)
            inputs = tuple([a if type(a) is Tensor else a._jt_read() for a in inputs])
            values = list(map(_value_of, inputs))
            break
        values.append(a._value)
    st = state
    # Inside a trace every call inlines anyway; a nested jitted forward only adds a
    # level (and ops without tensor inputs would be staged as closed-over constants).
    fwd = spec._fwd if jit and inputs and not st.frames else None
    if fwd:
        try:
            out = fwd(*values)
        except (TypeError, ValueError) as e:
            raise op_error(e, spec, values) from e
        if type(out) is _ArrayImpl:  # one output: skip the pytree round trip
            t = Tensor(out)
            if st.recorders:
                _record_spec(st.recorders, spec, inputs, (t,))
            return t
        out_leaves, out_tree = _tree_flatten(out)
        outputs = [Tensor(v) for v in out_leaves]
    else:
        outputs, out_tree = _forward(spec, values, jit)
    recorders = st.recorders
    if recorders and inputs:
        _record_spec(recorders, spec, inputs, outputs)
    return _tree_unflatten(out_tree, outputs)


def _forward(spec: NodeSpec, values: list, jit: bool):
    """``spec``'s outputs as Tensors, and their tree structure."""
    fwd = spec.forward() if jit and values and not state.frames else None
    try:
        if fwd is None:
            out = spec.call_tree(values)
        else:
            try:
                out = fwd(*values)
            except Exception:
                if any(type(v) is float for v in values):
                    raise _NeedsStaticNumbers() from None  # call_op retries: static
                # Not jittable (value-dependent Python code in a user op)? Run it
                # eagerly; if that works, this spec stays eager. Otherwise the eager
                # error is the clearer one to show.
                out = spec.call_tree(values)
                spec._fwd = False
    except (TypeError, ValueError) as e:
        if not jit or isinstance(e, _dtype_errors()):
            raise
        raise op_error(e, spec, values) from e
    out_leaves, out_tree = _tree_flatten(out)
    return [Tensor(v) for v in out_leaves], out_tree


_OP_ERROR_TYPES: dict = {}


def _dtype_errors() -> tuple:
    from ._op_errors import OpError

    return (OpError,)


def op_error(error: Exception, spec: NodeSpec, values) -> Exception:
    """JAX's shape/dtype error in an op as TF's ``InvalidArgumentError``.

    The new exception is also an instance of the original class (``TypeError`` or
    ``ValueError``), so code catching either keeps working; the message names the op
    and its input shapes and dtypes.
    """
    from ._op_errors import InvalidArgumentError, OpError

    if isinstance(error, OpError):
        return error
    from ._strings import host_only_error  # a string tensor reached a JAX op

    if (found := host_only_error(spec)) is not None:
        return found
    if state.frames:  # while tracing TF's shape inference raises ValueError
        return ValueError(f"{getattr(spec.fn, '__name__', 'op')}: {error}")
    base = type(error)
    cls = _OP_ERROR_TYPES.get(base)
    if cls is None:
        cls = _OP_ERROR_TYPES[base] = type(
            "InvalidArgumentError", (InvalidArgumentError, base), {"__module__": __name__}
        )
    fn = spec.fn
    name = getattr(fn, "__name__", "op")
    shapes = ", ".join(
        f"{getattr(v, 'dtype', type(v).__name__)}{list(getattr(v, 'shape', ()))}" for v in values
    )
    return cls(f"{name}: {error} (inputs: {shapes})")


def _record_spec(recorders, spec, inputs, outputs) -> None:
    node = None
    for rec in recorders:
        cls = type(rec)
        plain = _PLAIN_RECORDERS.get(cls)
        if plain is None:
            plain = _PLAIN_RECORDERS[cls] = _is_plain_recorder(cls)
        if plain:  # Recorder's own _wants and _record, inlined (a GradientTape)
            watched = rec._watched
            for t in inputs:
                if id(t) in watched:
                    break
            else:
                continue
            if node is None:
                node = _new_node((spec, inputs, tuple(outputs)))
            rec._nodes.append(node)
            watched.update(map(id, node[2]))
        elif rec._wants(inputs):
            if node is None:
                node = _new_node((spec, inputs, tuple(outputs)))
            rec._record(node)


_PLAIN_RECORDERS: dict = {}  # recorder class -> whether it keeps Recorder's hooks


def _is_plain_recorder(cls) -> bool:
    from ._tape import Recorder

    return (
        issubclass(cls, Recorder)
        and cls._wants is Recorder._wants
        and cls._record is Recorder._record
    )


_TREEDEFS: dict = {}


_TENSOR_ONLY: dict = {}  # (fn, n) -> the interned spec of fn(*n tensors)


def _positional_spec(fn, n: int, statics=None) -> NodeSpec:
    """The spec of ``fn(*args)`` with ``n`` positional leaves, some static."""
    if statics is None:
        # e.g. a tape's backward program called with all its inputs: skip building
        # (and hashing) a key of n-element tuples on every call.
        try:
            spec = _TENSOR_ONLY.get((fn, n))
        except TypeError:  # an unhashable callable
            spec = None
        if spec is None:
            spec = _positional_spec(fn, n, ())
            if spec.key is not None:
                _TENSOR_ONLY[(fn, n)] = spec
        return spec
    treedef = _TREEDEFS.get(n)
    if treedef is None:
        treedef = _TREEDEFS[n] = _tree_flatten(((0,) * n, {}))[1]
    leaves: list = [None] * n
    for i, _type, value in statics or ():
        leaves[i] = value
    static_pos = {s[0] for s in statics or ()}
    return _intern_spec(fn, treedef, leaves, tuple(i for i in range(n) if i not in static_pos))


def record_node(spec: NodeSpec, inputs: tuple, outputs: tuple) -> None:
    """Record an already computed call (used by custom_gradient and gradients)."""
    for rec in state.recorders:
        if rec._wants(inputs):
            rec._record(Node(spec, inputs, outputs))


def op(
    fn: Callable | None = None,
    *,
    name: str | None = None,
    same_dtype: int = 0,
    allowed: str | None = None,
) -> Callable:
    """Turn a pure JAX function into a jtape op that tapes can differentiate.

    The function receives JAX arrays wherever the caller passed Tensors, Variables or
    arrays; every other argument (Python numbers, tuples, strings) is static. Its
    gradient is JAX's own (``jax.vjp``), so any function JAX can differentiate works.

    TensorFlow's dtype contract, declared once: ``same_dtype=n`` makes the first ``n``
    arguments share the first tensor's dtype (numpy arrays are cast to it, Python
    numbers must fit it, a tensor of another dtype raises ``InvalidArgumentError``);
    ``allowed="float"`` refuses integer inputs as TF's float-only kernels do.

    Example:
        >>> import jax.numpy as jnp, jtape as jt
        >>> softplus = jt.op(lambda x: jnp.logaddexp(x, 0.0))
        >>> x = jt.constant(0.0)
        >>> with jt.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = softplus(x)
        >>> float(tape.gradient(y, x))
        0.5
    """
    if fn is None:
        return functools.partial(op, name=name, same_dtype=same_dtype, allowed=allowed)

    specs: dict = {}  # arity -> spec of all-Tensor positional calls
    rule = None
    if same_dtype or allowed:
        from ._dtype_rules import DtypeRule

        rule = DtypeRule(_tf_op_name(name or fn.__name__), same_dtype, allowed)

    # The rule's two common eager cases, inlined below: a float-only op on a Tensor of a
    # dtype already allowed, and a Tensor with a Python float the rule already made a
    # device scalar of (``h * 0.5`` in a loop).
    unary_ok = rule._ok if rule is not None and rule.n == 0 else None
    binary = rule is not None and rule.n == 2 and rule.allowed is None
    scalars = _scalar_cache() if binary else None

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any):
        # The eager call on positional Tensors whose program exists (an op in a loop)
        # runs here, the steps of ``call_op``'s fast path without its argument
        # analysis (and without a further Python call); every other call goes to
        # ``call_op``.
        if rule is not None:
            if unary_ok is not None:
                if not (args and type(args[0]) is Tensor and args[0]._value.dtype in unary_ok):
                    args = rule(args)
            elif binary and len(args) == 2 and type(args[1]) is float and type(args[0]) is Tensor:
                a = args[0]._value
                cached = scalars.get((a.dtype, args[1]))
                if cached is not None and type(a) is _ArrayImpl and not state.frames:
                    args = (args[0], cached)
                else:
                    args = rule(args)
            else:
                args = rule(args)
        if not kwargs and args:
            spec = specs.get((len(args), None))
            if spec is not None:
                fwd = spec._fwd
                if fwd:
                    values = []
                    for a in args:
                        if type(a) is not Tensor:
                            break
                        values.append(a._value)
                    else:
                        st = state
                        if not st.frames:
                            try:
                                out = fwd(*values)
                            except (TypeError, ValueError) as e:
                                raise op_error(e, spec, values) from e
                            if type(out) is _ArrayImpl:  # one output
                                t = Tensor(out)
                                recs = st.recorders
                                if recs:
                                    if len(recs) == 1 and _PLAIN_RECORDERS.get(type(recs[0])):
                                        # one GradientTape: Recorder's _wants/_record inlined
                                        rec = recs[0]
                                        watched = rec._watched
                                        for a in args:
                                            if id(a) in watched:
                                                rec._nodes.append(_new_node((spec, args, (t,))))
                                                watched.add(id(t))
                                                break
                                    else:
                                        _record_spec(recs, spec, args, (t,))
                                return t
                            out_leaves, out_tree = _tree_flatten(out)
                            outputs = [Tensor(v) for v in out_leaves]
                            if st.recorders:
                                _record_spec(st.recorders, spec, args, outputs)
                            return _tree_unflatten(out_tree, outputs)
        return call_op(fn, args, kwargs, jit=True, specs=specs)

    if rule is not None:
        wrapped.__jtape_rule__ = rule
    wrapped.__jtape_op__ = fn
    if name is not None:
        wrapped.__name__ = name
    return wrapped


def _scalar_cache() -> dict:
    """The dtype rule's cache of eager Python-float operands (``(dtype, x) -> Tensor``)."""
    from ._dtype_rules import _SCALARS

    return _SCALARS


def _tf_op_name(name: str) -> str:
    """TF's kernel name for messages (``squared_difference`` -> ``SquaredDifference``)."""
    kernel = _TF_KERNELS.get(name)
    if kernel is not None:
        return kernel
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


# Kernels whose TF names are not the op's name in CamelCase (as TF 2.21's messages show).
_TF_KERNELS = {
    "add": "AddV2",
    "concat": "ConcatV2",
    "multiply": "Mul",
    "stack": "Pack",
    "where": "SelectV2",
}
