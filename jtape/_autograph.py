"""AutoGraph: Python ``if``/``while``/``for`` on tensors become jtape control-flow ops.

``jt.function(autograph=True)`` (the default, as in TF) runs a *converted* copy of the
user's function. The converter rewrites the function's AST in four passes:

1. **jumps**: ``break``/``continue``/``return`` inside control flow become flag
   assignments (``break_1 = True``), the code after them is guarded by
   ``if not break_1:``, loop conditions gain ``not break_1``, and ``for``/``while``
   ``else:`` clauses become ``if not break_1:`` after the loop.
2. **expressions**: ``a and b``, ``a or b``, ``not a``, ``x if c else y`` and every call
   ``f(...)`` go through the runtime below (``converted_call`` converts user functions
   the first time they are called, as TF does).
3. **functionalize**: each ``if``/``while``/``for`` becomes nested functions over the
   names the statement assigns (found by a small liveness analysis) and one call::

       def if_body_1(x):          # branch: state in, state out
           x = x * x
           return (x,)
       def else_body_1(x):
           return (x,)
       (x,) = ag__.if_stmt(x > 0, if_body_1, else_body_1, (x,), ('x',), (True,), 12)

4. **compile** with the user's file name and line numbers, and the original globals,
   defaults and closure cells, so tracebacks point at the user's lines.

At run time ``if_stmt``/``while_stmt``/``for_stmt`` look at the condition or iterable:
a jt.Tensor selects ``jt.cond``/``jt.while_loop`` (differentiable and recorded on
tapes), anything else runs the plain Python statement, exactly as before conversion.
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import inspect
import sys
import types
import warnings
import weakref
from collections.abc import Callable

import numpy as np

# ---------------------------------------------------------------------------------
# Analysis: which names a block assigns, reads, and which are live after it.
# ---------------------------------------------------------------------------------

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _walk_scope(node):
    """Like ``ast.walk`` but without entering nested functions, classes, comprehensions."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        for child in ast.iter_child_nodes(n):
            if isinstance(child, _SCOPES + _COMPREHENSIONS):
                yield child  # the node itself (its name is bound here), not its body
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    todo.extend(child.decorator_list)
                continue
            todo.append(child)


def _assigned(stmts) -> set[str]:
    """Names (re)bound by ``stmts`` in the enclosing function's scope."""
    names: set[str] = set()
    for stmt in stmts:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)  # its body is another scope
            continue
        for n in _walk_scope(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                names.add(n.id)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(n.name)
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in n.names)
            elif isinstance(n, ast.ExceptHandler) and n.name:
                names.add(n.name)
    return names


def _uses(node) -> set[str]:
    """Names read anywhere in ``node`` (nested scopes included: over-approximation)."""
    if node is None:
        return set()
    nodes = node if isinstance(node, list) else [node]
    out = set()
    for root in nodes:
        for n in ast.walk(root):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                out.add(n.id)
            elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                out.add(n.target.id)
    return out


def _live_in(stmts, live_out: set[str]) -> set[str]:
    """Backward liveness over a block (after jump lowering: no break/continue left)."""
    live = set(live_out)
    for stmt in reversed(stmts):
        live = _live_in_stmt(stmt, live)
    return live


def _live_in_stmt(stmt, out: set[str]) -> set[str]:
    if isinstance(stmt, ast.If):
        return _uses(stmt.test) | _live_in(stmt.body, out) | _live_in(stmt.orelse, out)
    if isinstance(stmt, (ast.While, ast.For)):
        return _loop_header(stmt, out) | (_uses(stmt.iter) if isinstance(stmt, ast.For) else set())
    if isinstance(stmt, ast.With):
        bound = _assigned(
            [
                ast.Assign(targets=[i.optional_vars], value=_const(None))
                for i in stmt.items
                if i.optional_vars is not None
            ]
        )
        return _uses(stmt.items) | (_live_in(stmt.body, out) - bound)
    if isinstance(stmt, ast.Try):
        return out | _uses(stmt)  # conservative: an exception may skip any assignment
    if isinstance(stmt, ast.Return):
        return _uses(stmt.value)
    if isinstance(stmt, (ast.Global, ast.Nonlocal)):
        return out
    return (out - _assigned([stmt])) | _uses(stmt)


def _loop_header(loop, out: set[str]) -> set[str]:
    """Names live at the top of each iteration (fixed point over the loop's back edge)."""
    fixed = set(out) | _uses(getattr(loop, "ag_extra_test", None))
    if isinstance(loop, ast.While):
        fixed |= _uses(loop.test)
    targets = (
        _assigned([ast.Assign(targets=[loop.target], value=ast.Constant(None))])
        if (isinstance(loop, ast.For))
        else set()
    )
    header = set(fixed)
    while True:
        new = fixed | (_live_in(loop.body, header) - targets)
        if new == header:
            return header
        header = new


# ---------------------------------------------------------------------------------
# Small AST builders.
# ---------------------------------------------------------------------------------


def _name(id_: str, store: bool = False) -> ast.Name:
    return ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())


def _ag(attr: str) -> ast.Attribute:
    return ast.Attribute(value=_name("ag__"), attr=attr, ctx=ast.Load())


def _call(func, *args) -> ast.Call:
    return ast.Call(func=func, args=list(args), keywords=[])


def _assign(target: str, value) -> ast.Assign:
    return ast.Assign(targets=[_name(target, store=True)], value=value)


def _tuple(elts, store: bool = False) -> ast.Tuple:
    return ast.Tuple(elts=list(elts), ctx=ast.Store() if store else ast.Load())


def _const(v) -> ast.Constant:
    return ast.Constant(value=v)


def _lambda(body) -> ast.Lambda:
    return ast.Lambda(args=_params([]), body=body)


def _params(names) -> ast.arguments:
    return ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=n) for n in names],
        vararg=None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=None,
        defaults=[],
    )


def _def(name: str, params, body) -> ast.FunctionDef:
    return ast.FunctionDef(
        name=name,
        args=_params(params),
        body=body or [ast.Pass()],
        decorator_list=[],
        returns=None,
        type_params=[],
    )


def _not(expr) -> ast.UnaryOp:
    return ast.UnaryOp(op=ast.Not(), operand=expr)


def _located(nodes, origin):
    """Give generated nodes the user's line, so tracebacks show the user's code."""
    for node in nodes:
        for n in ast.walk(node):
            if "lineno" in n._attributes and not hasattr(n, "lineno"):
                ast.copy_location(n, origin)
    return nodes


# ---------------------------------------------------------------------------------
# Pass 1: lower break / continue / return into flags and guards.
# ---------------------------------------------------------------------------------


def _contains(stmt, kinds, into_loops: bool) -> bool:
    if isinstance(stmt, _SCOPES):
        return False  # jumps in a nested function are its own
    todo = [stmt]
    while todo:
        n = todo.pop()
        if isinstance(n, kinds):
            return True
        for child in ast.iter_child_nodes(n):
            if isinstance(child, _SCOPES):
                continue
            if isinstance(child, (ast.For, ast.While)) and not into_loops:
                continue
            todo.append(child)
    return False


def _always_jumps(block, kinds) -> bool:
    if not block:
        return False
    last = block[-1]
    if isinstance(last, kinds):
        return True
    return (
        isinstance(last, ast.If)
        and _always_jumps(last.body, kinds)
        and (_always_jumps(last.orelse, kinds))
    )


def _fall_through(block, kinds) -> list:
    """The blocks through which control leaves ``block`` without a jump.

    None when a jump sits inside a loop, ``with`` or ``try`` (not reachable by ifs alone).
    """
    if _always_jumps(block, kinds):
        return []
    last = block[-1] if block else None
    if isinstance(last, ast.If) and _contains(last, kinds, True):
        body, orelse = _fall_through(last.body, kinds), _fall_through(last.orelse, kinds)
        return None if body is None or orelse is None else body + orelse
    if any(_contains(s, kinds, True) for s in block):
        return None
    return [block]


class _Jumps:
    """Rewrites one kind of jump (``kinds``) in a block into ``flag = True`` + guards."""

    def __init__(self, kinds, flag: str, replace: Callable, into_loops: bool) -> None:
        self.kinds, self.flag, self.replace, self.into_loops = kinds, flag, replace, into_loops

    def block(self, stmts):
        out = []
        for i, stmt in enumerate(stmts):
            if isinstance(stmt, self.kinds):
                out.extend(_located(self.replace(stmt), stmt))
                return out  # the rest of the block is unreachable
            if not _contains(stmt, self.kinds, self.into_loops):
                out.append(stmt)
                continue
            rest = stmts[i + 1 :]
            paths = _fall_through([stmt], self.kinds) if isinstance(stmt, ast.If) else None
            if rest and paths is not None and (len(paths) == 1 or self.kinds is ast.Return):
                # `if c: ...; return` followed by more code: the rest belongs on the paths
                # that do not jump (copied when there are several). No flag to test, and
                # with a return each tensor `if` then returns on both of its branches.
                for path in paths:
                    path.extend(copy.deepcopy(rest) if len(paths) > 1 else rest)
                rest = []
            self.compound(stmt)
            out.append(stmt)
            if rest and not _always_jumps([stmt], self.kinds):
                guard = ast.If(test=_not(_name(self.flag)), body=self.block(rest), orelse=[])
                out.extend(_located([guard], rest[0]))
            return out
        return out

    def compound(self, stmt) -> None:
        for field in ("body", "orelse", "finalbody"):
            if getattr(stmt, field, None):
                setattr(stmt, field, self.block(getattr(stmt, field)))
        for handler in getattr(stmt, "handlers", []):
            handler.body = self.block(handler.body)
        if isinstance(stmt, (ast.While, ast.For)):  # a return leaves every enclosing loop
            _add_loop_test(stmt, _not(_name(self.flag)))


def _add_loop_test(loop, test) -> None:
    if isinstance(loop, ast.While):
        loop.test = ast.BoolOp(op=ast.And(), values=[test, loop.test])
    else:
        old = getattr(loop, "ag_extra_test", None)
        loop.ag_extra_test = test if old is None else ast.BoolOp(ast.And(), [test, old])


class _LowerLoopJumps(ast.NodeTransformer):
    """``break``/``continue`` and loop ``else:`` clauses, innermost loop first."""

    def __init__(self, counter) -> None:
        self.counter = counter

    def visit_FunctionDef(self, node):
        return self.generic_visit(node)

    def _visit_loop(self, node):
        self.generic_visit(node)  # inner loops first: their jumps are gone afterwards
        n = next(self.counter)
        out = [node]
        body_has = lambda kind: any(_contains(s, kind, False) for s in node.body)  # noqa: E731
        if body_has(ast.Continue):
            flag = f"continue_{n}"
            jumps = _Jumps(ast.Continue, flag, lambda s: [_assign(flag, _const(True))], False)
            node.body = _located([_assign(flag, _const(False))], node) + jumps.block(node.body)
        broke = None
        if body_has(ast.Break):
            broke = f"break_{n}"
            jumps = _Jumps(ast.Break, broke, lambda s: [_assign(broke, _const(True))], False)
            node.body = jumps.block(node.body)
            _add_loop_test(node, _not(_name(broke)))
            out.insert(0, _located([_assign(broke, _const(False))], node)[0])
        if node.orelse:
            orelse, node.orelse = node.orelse, []
            if broke is None:
                out.extend(orelse)
            else:
                out.extend(_located([ast.If(_not(_name(broke)), orelse, [])], orelse[0]))
        return out

    visit_While = visit_For = _visit_loop


def _lower_returns(fn: ast.FunctionDef) -> None:
    """``return`` inside control flow: set ``retval_``/``do_return``, guard the rest."""
    if not any(_contains(s, ast.Return, True) for s in fn.body if not isinstance(s, ast.Return)):
        return  # only top-level returns: nothing to do

    def replace(stmt):
        value = stmt.value if stmt.value is not None else _const(None)
        return [_assign("do_return", _const(True)), _assign("retval_", value)]

    may_fall_off = not _always_jumps(fn.body, ast.Return)
    body = _Jumps(ast.Return, "do_return", replace, into_loops=True).block(fn.body)
    head = [
        _assign("do_return", _const(False)),
        _assign("retval_", _call(_ag("UndefinedReturnValue"))),
    ]
    tail = [
        ast.Return(
            value=_call(
                _ag("return_value"),
                _name("retval_"),
                _name("do_return"),
                _const(may_fall_off),
                _const(fn.lineno),
            )
        )
    ]
    fn.body = _located(head, fn.body[0]) + body + _located(tail, fn.body[-1])


# ---------------------------------------------------------------------------------
# Pass 2: expressions (logical operators, conditional expressions, calls).
# ---------------------------------------------------------------------------------

_FRAME_SENSITIVE = {"locals", "globals", "vars", "eval", "exec", "super", "dir"}


class _Expressions(ast.NodeTransformer):
    def visit_BoolOp(self, node):
        self.generic_visit(node)
        if any(isinstance(n, ast.NamedExpr) for n in ast.walk(node)):
            return node  # a walrus inside a lambda would bind in the wrong scope
        attr = "and_" if isinstance(node.op, ast.And) else "or_"
        first, *rest = node.values
        return ast.Call(_ag(attr), [first, *[_lambda(v) for v in rest]], [])

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.Call(_ag("not_"), [node.operand], [])
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        if any(isinstance(n, ast.NamedExpr) for n in ast.walk(node)):
            return node
        return ast.Call(_ag("if_exp"), [node.test, _lambda(node.body), _lambda(node.orelse)], [])

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id in _FRAME_SENSITIVE:
            return node
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and (func.value.id == "ag__")
        ):
            return node
        return ast.Call(_ag("converted_call"), [func, *node.args], node.keywords)

    def visit_For(self, node):
        self.generic_visit(node)
        if getattr(node, "ag_extra_test", None) is not None:  # not an AST field
            node.ag_extra_test = self.visit(node.ag_extra_test)
        return node

    def visit_ClassDef(self, node):
        return node  # class bodies are not function scopes; left as written


# ---------------------------------------------------------------------------------
# Pass 3: control-flow statements become functions over their state + one call.
# ---------------------------------------------------------------------------------


class _Functionalize:
    def __init__(self, counter) -> None:
        self.counter = counter

    def function(self, fn) -> None:
        args = fn.args
        params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
        params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        fn.body = self.block(fn.body, set(), params)

    def block(self, stmts, live_out: set[str], defined: set[str]):
        lives, live = [], set(live_out)
        for stmt in reversed(stmts):
            lives.append(live)
            live = _live_in_stmt(stmt, live)
        defined = set(defined)
        out = []
        for stmt, after in zip(stmts, reversed(lives)):
            out.extend(self.stmt(stmt, after, defined))
            if not isinstance(stmt, ast.Try):
                defined |= _assigned([stmt])
        return out or [ast.Pass()]

    def stmt(self, stmt, live_after, defined):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not getattr(stmt, "ag_opaque", False) and isinstance(stmt, ast.FunctionDef):
                self.function(stmt)  # a new scope: its own state and liveness
            return [stmt]
        if isinstance(stmt, ast.If):
            return self.if_(stmt, live_after, defined)
        if isinstance(stmt, ast.While):
            return self.while_(stmt, live_after, defined)
        if isinstance(stmt, ast.For):
            return self.for_(stmt, live_after, defined)
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(stmt, field, None), list) and not isinstance(stmt, ast.ClassDef):
                setattr(stmt, field, self.block(getattr(stmt, field), live_after, defined))
        for handler in getattr(stmt, "handlers", []):
            handler.body = self.block(handler.body, live_after, defined)
        return [stmt]

    def _state(self, names, defined):
        """The state tuple at the call site; names maybe unbound are read via ``ld``."""
        elts = [
            _name(n) if n in defined else _call(_ag("ld"), _lambda(_name(n)), _const(n))
            for n in names
        ]
        return _tuple(elts)

    def _call_stmt(self, names, call):
        if not names:
            return ast.Expr(value=call)
        return ast.Assign(targets=[_tuple([_name(n, True) for n in names], store=True)], value=call)

    def _body_fn(self, name, body, names, live, defined):
        inner = self.block(body, live, defined | set(names))
        return _def(name, names, inner + [ast.Return(value=_tuple([_name(n) for n in names]))])

    def if_(self, node, live_after, defined):
        n = next(self.counter)
        names = sorted(_assigned(node.body + node.orelse))
        live = _tuple([_const(v in live_after) for v in names])
        body = self._body_fn(f"if_body_{n}", node.body, names, live_after, defined)
        orelse = self._body_fn(f"else_body_{n}", node.orelse, names, live_after, defined)
        call = _call(
            _ag("if_stmt"),
            node.test,
            _name(body.name),
            _name(orelse.name),
            self._state(names, defined),
            _tuple(map(_const, names)),
            live,
            _const(node.lineno),
        )
        return _located([body, orelse, self._call_stmt(names, call)], node)

    def while_(self, node, live_after, defined):
        n = next(self.counter)
        names = sorted(_assigned(node.body))
        header = _loop_header(node, live_after)
        carried = _tuple([_const(v in header) for v in names])
        options = _loop_options(node)
        test = _def(f"loop_test_{n}", names, [ast.Return(value=node.test)])
        body = self._body_fn(f"loop_body_{n}", node.body, names, header, defined)
        call = _call(
            _ag("while_stmt"),
            _name(test.name),
            _name(body.name),
            self._state(names, defined),
            _tuple(map(_const, names)),
            carried,
            _const(node.lineno),
        )
        call.keywords = options
        return _located([test, body, self._call_stmt(names, call)], node)

    def for_(self, node, live_after, defined):
        n = next(self.counter)
        target_names = _assigned([ast.Assign(targets=[node.target], value=_const(None))])
        options = _loop_options(node)
        names = sorted(_assigned(node.body) | target_names)
        header = _loop_header(node, live_after)
        carried = _tuple([_const(v in header) for v in names])
        item = f"itr_{n}"
        unpack = ast.Assign(targets=[node.target], value=_name(item))
        inner = self.block(node.body, header, defined | set(names))
        ret = ast.Return(value=_tuple([_name(v) for v in names]))
        body = _def(f"loop_body_{n}", [item, *names], [unpack, *inner, ret])
        stmts = [body]
        extra = getattr(node, "ag_extra_test", None)
        if extra is not None:
            stmts.insert(0, _def(f"extra_test_{n}", names, [ast.Return(value=extra)]))
        iterable = node.iter
        if isinstance(iterable, ast.Call) and _is_converted_call(iterable):
            # `range(n)` / `jt.range(n)` with a tensor bound must not be evaluated eagerly.
            iterable.func = _ag("for_iterable")
        call = _call(
            _ag("for_stmt"),
            iterable,
            _name(stmts[0].name) if extra is not None else _const(None),
            _name(body.name),
            self._state(names, defined),
            _tuple(map(_const, names)),
            carried,
            _const(node.lineno),
        )
        call.keywords = options
        return _located([*stmts, self._call_stmt(names, call)], node)


def _loop_options(loop) -> list[ast.keyword]:
    """``set_loop_options(maximum_iterations=...)`` at the top of a loop body (TF's
    directive): taken out of the body and passed to the loop."""
    for stmt in loop.body[:3]:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and _is_converted_call(call) and call.args:
            f = call.args[0]
            if getattr(f, "attr", getattr(f, "id", None)) == "set_loop_options":
                loop.body = [s for s in loop.body if s is not stmt] or [ast.Pass()]
                return [k for k in call.keywords if k.arg == "maximum_iterations"]
    return []


def _is_converted_call(call: ast.Call) -> bool:
    f = call.func
    return (
        isinstance(f, ast.Attribute)
        and f.attr == "converted_call"
        and isinstance(f.value, ast.Name)
        and f.value.id == "ag__"
    )


# ---------------------------------------------------------------------------------
# Pass 4: compile the converted tree with the user's file, lines, globals and cells.
# ---------------------------------------------------------------------------------


class ConversionError(Exception):
    """The function could not be converted (no source, unsupported syntax)."""


_SKIP_MODULES = {
    "jtape",
    "jax",
    "jaxlib",
    "numpy",
    "optax",
    "scipy",
    "sklearn",
    "pandas",
    "matplotlib",
    "flax",
    "chex",
    "tensorflow",
    "keras",
    "torch",
    "IPython",
    "pytest",
    "_pytest",
    "hypothesis",
    "tqdm",
}
_CODE_CACHE: dict = {}  # code object -> converted code object, or the ConversionError
_FN_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CONVERTED: weakref.WeakSet = weakref.WeakSet()
_WARNED: set = set()


def _parse(fn) -> tuple[ast.FunctionDef, int]:
    code = fn.__code__
    try:
        source = inspect.getsource(fn)
    except Exception as e:  # OSError, TypeError; SyntaxError when the file is not Python
        raise ConversionError(f"its source code is not available ({e})") from None
    if fn.__name__ == "<lambda>":
        return _parse_lambda(code, source)
    shift = 0
    if source[:1] in " \t":  # a method or nested function: parse it inside a block
        source, shift = "if 1:\n" + source, 1
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        raise ConversionError(f"its source could not be parsed ({e.msg})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == code.co_name:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            # inspect may find the wrong block (e.g. code exec'd from a string).
            if first - 1 - shift == 0:
                return node, code.co_firstlineno - first
        if isinstance(node, (ast.Lambda, ast.AsyncFunctionDef)):
            break
    raise ConversionError("its source does not define it with a plain `def` statement")


def _parse_lambda(code, source: str) -> tuple[ast.FunctionDef, int]:
    """A lambda as ``def <lambda>(args): return body``, found in the line(s) holding it."""
    text = source.strip()
    tree = None
    start = text.find("lambda")
    for candidate in [text] + [text[start:end] for end in range(len(text), start, -1)]:
        try:
            tree = ast.parse(candidate)
            break
        except SyntaxError:
            continue
    if tree is None:
        raise ConversionError("the source of this lambda could not be parsed")
    argnames = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    found = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Lambda)
        and tuple(a.arg for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs) == argnames
    ]
    if len(found) != 1:
        raise ConversionError("its line holds several lambdas that look alike")
    lam = found[0]
    fn = ast.FunctionDef(
        name="<lambda>",
        args=lam.args,
        body=[ast.Return(value=lam.body)],
        decorator_list=[],
        returns=None,
        type_params=[],
    )
    ast.copy_location(fn, lam)
    return fn, code.co_firstlineno - lam.lineno


def _hoist_declarations(fn: ast.FunctionDef) -> None:
    """``global``/``nonlocal`` apply to the whole function: move them to its top."""
    found = []
    for n in _walk_scope(fn):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(n, field, None)
            if n is not fn and isinstance(n, _SCOPES):
                continue
            if isinstance(block, list):
                kept = [s for s in block if not isinstance(s, (ast.Global, ast.Nonlocal))]
                found += [s for s in block if isinstance(s, (ast.Global, ast.Nonlocal))]
                setattr(n, field, kept or ([ast.Pass()] if field == "body" else []))
    fn.body = found + fn.body


class _ZeroArgSuper(ast.NodeTransformer):
    """``super()`` relies on the compiler's ``__class__`` cell: spell it out."""

    def __init__(self, first_param: str) -> None:
        self.first = first_param

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "super" and not node.args:
            node.args = [_name("__class__"), _name(self.first)]
        return node


def _scopes(fn):
    """``fn`` and the functions defined inside it (not inside classes)."""
    out, todo = [], [fn]
    while todo:
        f = todo.pop()
        out.append(f)
        for n in _walk_scope(f):
            if n is not f and isinstance(n, ast.FunctionDef):
                todo.append(n)
    return out


_UNSUPPORTED = (ast.Match, ast.AsyncFor, ast.AsyncWith, ast.TryStar)


def _transform(node: ast.FunctionDef, freevars) -> ast.Module:
    counter = iter(range(1, 1 << 30))
    node.decorator_list, node.returns = [], None
    for a in ast.walk(node.args):
        if isinstance(a, ast.arg):
            a.annotation = None
    params = node.args.posonlyargs + node.args.args
    if "__class__" in freevars and params:
        _ZeroArgSuper(params[0].arg).visit(node)
    for scope in _scopes(node):
        if any(isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await)) for n in _walk_scope(scope)):
            if scope is node:
                raise ConversionError("generators and coroutines are not converted")
            scope.ag_opaque = True
        for n in _walk_scope(scope):
            if isinstance(n, _UNSUPPORTED) or (
                isinstance(n, ast.Delete) and any(isinstance(t, ast.Name) for t in n.targets)
            ):
                raise ConversionError(f"it uses `{type(n).__name__}`, which is not converted")
    for scope in _scopes(node):
        if not getattr(scope, "ag_opaque", False):
            _hoist_declarations(scope)
            _lower_returns(scope)
    _LowerLoopJumps(counter).visit(node)
    _Expressions().visit(node)
    _Functionalize(counter).function(node)
    factory = _def("__ag_factory", ["ag__", *freevars], [node, ast.Return(_name(node.name))])
    return ast.fix_missing_locations(ast.Module(body=[factory], type_ignores=[]))


def _converted_code(fn):
    code = fn.__code__
    cached = _CODE_CACHE.get(code)
    if cached is None:
        try:
            node, offset = _parse(fn)
            ast.increment_lineno(node, offset)
            module = _transform(node, code.co_freevars)
            compiled = compile(module, code.co_filename, "exec", dont_inherit=True)
            factory = next(c for c in compiled.co_consts if isinstance(c, types.CodeType))
            cached = next(
                c
                for c in factory.co_consts
                if isinstance(c, types.CodeType) and c.co_name == code.co_name
            )
        except ConversionError as e:
            cached = e
        _CODE_CACHE[code] = cached
    if isinstance(cached, ConversionError):
        raise cached
    return cached


def convert(fn: Callable) -> Callable:
    """The AutoGraph-converted version of the Python function ``fn`` (cached).

    Tensor-valued ``if``/``while``/``for`` become ``jt.cond``/``jt.while_loop``; the rest
    of the function runs as written. Raises :class:`ConversionError` when ``fn`` cannot be
    converted (no source code, a lambda, a generator).

    Example:
        >>> import jtape as jt
        >>> from jtape._autograph import convert
        >>> def relu(x):
        ...     if x > 0:
        ...         return x
        ...     return 0.0 * x
        >>> f = jt.function(convert(relu), autograph=False)
        >>> float(f(jt.constant(-2.0))), float(f(jt.constant(3.0)))
        (-0.0, 3.0)
    """
    if isinstance(fn, types.MethodType):
        return types.MethodType(convert(fn.__func__), fn.__self__)
    if isinstance(fn, functools.partial):
        return functools.partial(convert(fn.func), *fn.args, **fn.keywords)
    if not isinstance(fn, types.FunctionType):
        raise ConversionError(f"{fn!r} is not a Python function")
    if fn in _CONVERTED:
        return fn
    done = _FN_CACHE.get(fn)
    if done is not None:
        return done
    code = _converted_code(fn)
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    cells["ag__"] = types.CellType(sys.modules[__name__])
    closure = tuple(cells[name] for name in code.co_freevars)
    new = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, closure)
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__dict__.update(fn.__dict__)
    new.__qualname__, new.__module__, new.__doc__ = fn.__qualname__, fn.__module__, fn.__doc__
    new.__wrapped__ = fn
    _CONVERTED.add(new)
    _FN_CACHE[fn] = new
    return new


def converted(fn: Callable) -> Callable:
    """``convert(fn)``, or ``fn`` itself (with a warning) when it cannot be converted."""
    try:
        return convert(fn)
    except ConversionError as e:
        key = getattr(getattr(fn, "__func__", fn), "__code__", id(fn))
        if key not in _WARNED:
            _WARNED.add(key)
            warnings.warn(
                f"AutoGraph could not convert {getattr(fn, '__qualname__', fn)!r}: {e}. It runs "
                "as written: Python `if`/`while`/`for` on a traced tensor inside it will fail. "
                "Use jt.cond / jt.while_loop there, or define it in a file.",
                stacklevel=3,
            )
        return fn


def to_code(fn: Callable) -> str:
    """The source of the converted function (``tf.autograph.to_code``), for reading."""
    fn = inspect.unwrap(getattr(fn, "python_function", fn))
    node, _ = _parse(fn)
    module = _transform(node, fn.__code__.co_freevars)
    return ast.unparse(module.body[0].body[0])


def do_not_convert(func: Callable | None = None):
    """Decorator: AutoGraph calls ``func`` as written (``tf.autograph.experimental``)."""
    if func is None:
        return do_not_convert
    func.__ag_do_not_convert__ = True
    return func


def _should_convert(fn) -> bool:
    if not isinstance(fn, types.FunctionType) or fn in _CONVERTED:
        return False
    if "ag__" in fn.__code__.co_freevars:  # defined inside converted code: converted too
        return False
    if getattr(fn, "__ag_do_not_convert__", False):
        return False
    if fn.__code__.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE):
        return False
    return _is_user_module(fn.__module__)


def converted_call(f, /, *args, **kwargs):
    """Call ``f``, converting it first when it is user code (TF's ``converted_call``)."""
    return _call_target(f)(*args, **kwargs)


def _call_target(f):
    from ._function import Function
    from ._state import state

    if isinstance(f, Function):
        if not f._autograph or not state.frames:
            return f  # compiled as usual outside a trace; as written without autograph
        f = f.python_function  # inside a trace it is inlined: inline it converted
    if isinstance(f, types.FunctionType):
        return converted(f) if _should_convert(f) else f
    if isinstance(f, types.MethodType):
        if _should_convert(f.__func__):
            return types.MethodType(converted(f.__func__), f.__self__)
        return f
    if isinstance(f, functools.partial):
        return functools.partial(_call_target(f.func), *f.args, **f.keywords)
    if not isinstance(f, type) and _is_user_module(type(f).__module__):
        call = getattr(f, "__call__", None)  # noqa: B004 - a user object: its __call__
        if isinstance(call, (types.MethodType, Function)):
            return _call_target(call)
    return f


def _is_user_module(module) -> bool:
    top = (module or "").split(".")[0]
    return top not in _SKIP_MODULES and top not in sys.stdlib_module_names


# ---------------------------------------------------------------------------------
# Runtime: the ``ag__.*`` calls made by converted code.
# ---------------------------------------------------------------------------------


class Undefined:
    """The value of a name that is not assigned on the path taken (TF's ``Undefined``)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<undefined '{self.name}'>"

    def _fail(self, *args, **kwargs):
        raise UnboundLocalError(
            f"'{self.name}' is used but was not assigned on every path through the "
            "control flow before this line"
        )

    __bool__ = __call__ = __iter__ = __len__ = __getitem__ = __float__ = __int__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __matmul__ = __rmatmul__ = __neg__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = _fail

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._fail()


class UndefinedReturnValue:
    """``retval_`` before any ``return`` ran."""

    __slots__ = ()


def ld(read: Callable, name: str):
    """The value of a name that may be unbound at this point."""
    try:
        return read()
    except NameError:
        return Undefined(name)


def return_value(value, did_return, may_fall_off: bool, lineno: int):
    """The function's result; ``did_return`` is a tensor when a tensor `if` decided it."""
    if may_fall_off and _is_tensor(did_return) and _has_tensors(value):
        raise ValueError(
            f"the function returns a value on some paths and reaches its end (returning "
            f"None) on others, chosen by a tensor condition (function at line {lineno}): "
            "with a tensor `if`, both branches must return or neither may"
        )
    return None if isinstance(value, UndefinedReturnValue) or did_return is False else value


def _has_tensors(value) -> bool:
    import jax

    return any(_is_tensor(x) for x in jax.tree_util.tree_leaves(value, is_leaf=_is_tensor))


def _is_tensor(x) -> bool:
    from ._tensor import Tensor

    return isinstance(x, Tensor) or hasattr(x, "_jt_read")


def _as_bool_tensor(x):
    from ._array_ops import convert_to_tensor
    from ._math_ops import not_equal

    t = convert_to_tensor(x)
    return t if t.dtype == bool else not_equal(t, 0)


def not_(a):
    if _is_tensor(a):
        from ._math_ops import logical_not

        return logical_not(_as_bool_tensor(a))
    return not a


def and_(a, *rest):
    """``a and b and ...`` (lazy for Python values; logical_and once a tensor appears)."""
    from ._math_ops import logical_and

    for more in rest:
        if _is_tensor(a):
            a = logical_and(_as_bool_tensor(a), _as_bool_tensor(more()))
        elif not a:
            return a
        else:
            a = more()
    return a


def or_(a, *rest):
    from ._math_ops import logical_or

    for more in rest:
        if _is_tensor(a):
            a = logical_or(_as_bool_tensor(a), _as_bool_tensor(more()))
        elif a:
            return a
        else:
            a = more()
    return a


def if_exp(cond, true_fn, false_fn):
    """``x if cond else y``."""
    if not _is_traced(cond):
        return true_fn() if cond else false_fn()
    (value,) = if_stmt(
        cond,
        lambda _: (true_fn(),),
        lambda _: (false_fn(),),
        (None,),
        ("<if-expression>",),
        (True,),
        None,
    )
    return value


def if_stmt(cond, body, orelse, state, names, live, lineno):
    """``if cond: body else: orelse`` over ``state``; returns the new state tuple."""
    if not _is_traced(cond):  # Python values and concrete tensors: a Python `if`
        return body(*state) if cond else orelse(*state)
    # TensorArrays written in a branch get their buffer first.
    state = _arrays().allocate_for_cond(state, [lambda st: body(*st), lambda st: orelse(*st)])
    return _TensorIf(body, names, live, lineno).run(cond, orelse, state)


def set_loop_options(
    parallel_iterations=None, swap_memory=None, maximum_iterations=None, shape_invariants=None
) -> None:
    """Loop directive (``tf.autograph.experimental.set_loop_options``).

    Put it first in a loop body: ``maximum_iterations`` bounds a converted loop, which
    makes reverse-mode gradients through it possible. The other options are accepted
    and ignored. A call AutoGraph did not convert does nothing.
    """


def while_stmt(test, body, state, names, carried, lineno, maximum_iterations=None):
    """``while test: body``; a tensor test turns the rest of the loop into a while_loop."""
    state = tuple(state)
    while True:
        more = test(*state)
        if _is_traced(more):
            loop = _TensorLoop(body, names, carried, lineno, maximum_iterations)
            return loop.run_while(test, state)
        if not more:
            return state
        state = body(*state)


def for_stmt(iterable, extra_test, body, state, names, carried, lineno, maximum_iterations=None):
    """``for target in iterable: body`` (``extra_test``: the break/return flags)."""
    if isinstance(iterable, _TensorRange) or _is_tensor(iterable):
        loop = _TensorLoop(body, names, carried, lineno, maximum_iterations)
        return loop.run_for(iterable, extra_test, state)
    feed = _traced_feed(iterable)
    if feed is not None:  # a dataset in a trace: a loop fed by the host, not unrolled
        loop = _TensorLoop(body, names, carried, lineno, maximum_iterations)
        return loop.run_feed(feed, extra_test, state)
    state = tuple(state)
    for item in iterable:
        if extra_test is not None:
            more = extra_test(*state)
            if _is_traced(more):
                # A tensor `break` in a Python loop: the remaining iterations run under
                # a cond each (the loop is unrolled, as any Python loop in a trace).
                state = if_stmt(
                    more,
                    functools.partial(body, item),
                    lambda *s: s,
                    state,
                    names,
                    carried,
                    lineno,
                )
                continue
            if not more:
                break
        state = body(item, *state)
    return state


def _is_fed(iterable) -> bool:
    """A dataset (or its iterator) iterated inside a trace: the host feeds the loop."""
    if getattr(type(iterable), "_jt_traced_feed", None) is None:
        return False
    from ._state import state, tracing

    return bool(state.frames) and tracing()


def _traced_feed(iterable):
    """The host feed of a dataset (or its iterator) iterated inside a trace, else None."""
    return iterable._jt_traced_feed() if _is_fed(iterable) else None


class _TensorRange:
    """``range(...)``/``jt.range(...)`` with a traced bound: iterated by a while_loop."""

    def __init__(self, start, limit, delta) -> None:
        self.start, self.limit, self.delta = start, limit, delta


def for_iterable(func, *args, **kwargs):
    """The iterable of a ``for``; ranges with tensor bounds stay symbolic."""
    from ._array_ops import range as jt_range

    is_range = (
        func is builtins.range
        or func is jt_range
        or (  # or a compat alias of it
            getattr(func, "__name__", "") == "range"
            and (getattr(func, "__module__", "") or "").startswith("jtape")
        )
    )
    if func is builtins.enumerate and args and _is_fed(args[0]):
        # `enumerate(dataset)` in a trace: `dataset.enumerate()`, a host-fed loop too.
        enumerate_ds = getattr(args[0], "enumerate", None)
        if enumerate_ds is not None:
            return enumerate_ds(*args[1:], **kwargs)
    if is_range and not kwargs.keys() - {"dtype"}:
        if any(_is_traced(a) for a in args):
            start, limit, delta = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
            return _TensorRange(start, limit, delta)
        if func is not builtins.range and not kwargs and args and all(map(_is_int, args)):
            # `jt.range(3)` in a trace: a counting loop of known length whose counter's
            # values are visible while tracing (TensorArray sizing relies on it).
            start, limit, delta = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
            return _TensorRange(start, limit, delta)
    return converted_call(func, *args, **kwargs)


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_traced(x) -> bool:
    """A tensor whose value is only known when the compiled program runs."""
    import jax

    from ._tensor import to_value

    return _is_tensor(x) and isinstance(to_value(x), jax.core.Tracer)


# -- the tensor paths: state <-> flat tensor lists, with errors that name the variable ---


def _control_flow():
    from . import _control_flow  # imported lazily: _control_flow imports jt.function

    return _control_flow


class _Slot:
    """One name of the state: tree structure, static leaves, tensor leaves."""

    __slots__ = ("value", "tree", "statics", "tensors", "python")

    def __init__(self, value) -> None:
        import jax

        from ._array_ops import convert_to_tensor
        from ._tensor import Tensor

        self.value = value
        self.tensors = []
        self.statics = []
        self.python = []  # per tensor: converted from a Python number
        self.tree = None
        if isinstance(value, (Undefined, UndefinedReturnValue)):
            return
        leaves, self.tree = jax.tree_util.tree_flatten(value, is_leaf=_is_tensor)
        for leaf in leaves:
            if isinstance(leaf, Tensor) or hasattr(leaf, "_jt_read"):
                self.tensors.append(convert_to_tensor(leaf))
                self.statics.append(None)
                self.python.append(False)
            elif isinstance(leaf, (bool, int, float, complex, np.ndarray, np.generic, jax.Array)):
                self.tensors.append(convert_to_tensor(leaf))  # TF: Python numbers -> tensors
                self.statics.append(None)
                self.python.append(isinstance(leaf, (bool, int, float, complex)))
            else:
                self.statics.append(leaf)

    @property
    def undefined(self) -> bool:
        return self.tree is None

    def describe(self) -> str:
        if self.undefined:
            return "no value"
        if self.tensors and self.tree.num_leaves == 1:
            t = self.tensors[0]
            return f"a tensor of shape {t.shape} and dtype {t.dtype.name}"
        return f"the structure {self.tree} with leaves {self.specs()}"

    def specs(self):
        return [(t.shape, t.dtype.name) if s is None else s for t, s in self._pairs()]

    def _pairs(self):
        it = iter(self.tensors)
        return [(next(it) if s is None else None, s) for s in self.statics]

    def same_kind(self, other: _Slot) -> bool:
        return (
            self.tree == other.tree
            and len(self.tensors) == len(other.tensors)
            and all(a is b or _static_eq(a, b) for a, b in zip(self.statics, other.statics))
        )

    def rebuild(self, tensors):
        import jax

        it = iter(tensors)
        leaves = [next(it) if s is None else s for s in self.statics]
        return jax.tree_util.tree_unflatten(self.tree, leaves)


def _no_return(value) -> bool:
    return isinstance(value, UndefinedReturnValue)


def _placeholder(slot: _Slot):
    """Zeros shaped like ``slot``: the return value on paths that have not returned yet."""
    from ._array_ops import zeros

    return slot.rebuild([zeros(t.shape, t.dtype) for t in slot.tensors])


def _static_eq(a, b) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return False


def _where(fn, lineno) -> str:
    fn = getattr(fn, "func", fn)  # a functools.partial
    if lineno is None:
        return ""
    return f' (File "{fn.__code__.co_filename}", line {lineno})'


class _TensorIf:
    def __init__(self, body, names, live, lineno) -> None:
        self.body, self.names, self.live, self.lineno = body, names, live, lineno

    def run(self, cond, orelse, state):
        hints: dict = {}  # retval_ placeholders, found by a first attempt
        while True:
            slots: dict = {}
            try:
                flat = _control_flow().cond(
                    _as_bool_tensor(cond),
                    self._branch(self.body, state, slots, "main", hints),
                    self._branch(orelse, state, slots, "else", hints),
                )
            except Exception:
                if len(slots) == 2:
                    if self._needs_placeholders(slots, hints):
                        continue
                    self.check(slots["main"], slots["else"])
                raise
            if not self._needs_placeholders(slots, hints):
                break
        self.check(slots["main"], slots["else"])
        flat, out, pos = list(flat or []), [], 0
        for value, slot in zip(state, slots["main"]):
            if slot is None or slot.undefined:
                out.append(value if slot is None else slot.value)
                continue
            n = len(slot.tensors)
            out.append(slot.rebuild(flat[pos : pos + n]))
            pos += n
        return tuple(out)

    def _branch(self, fn, state, slots, key, hints):
        def traced():
            out = fn(*state)
            slots[key] = [
                None if not live else _Slot(hints[i] if _no_return(v) and i in hints else v)
                for i, (v, live) in enumerate(zip(out, self.live))
            ]
            return [t for s in slots[key] if s is not None for t in s.tensors]

        return traced

    @staticmethod
    def _needs_placeholders(slots, hints) -> bool:
        """A ``return`` on one branch only: retry with zeros as the other's ``retval_``."""
        found = False
        for i, (a, b) in enumerate(zip(slots["main"], slots["else"])):
            if a is not None and i not in hints and a.undefined != b.undefined:
                defined = b if a.undefined else a
                if _no_return((a if a.undefined else b).value):
                    hints[i] = _placeholder(defined)
                    found = True
        return found

    def check(self, main, other) -> None:
        where = _where(self.body, self.lineno)
        for name, a, b in zip(self.names, main, other):
            if a is None or (a.undefined and b.undefined):
                continue
            for slot, branch in ((a, "else"), (b, "main")):
                peer = b if slot is a else a
                if peer.undefined and not slot.undefined:
                    raise ValueError(
                        f"'{name}' must also be initialized in the {branch} branch{where}: "
                        "with a tensor condition a variable used after the `if` needs a "
                        "value on both paths"
                    )
            if not a.same_kind(b):
                raise TypeError(
                    f"'{name}' has {a.describe()} in the main branch but {b.describe()} in "
                    f"the else branch{where}; both branches of a tensor `if` must give it "
                    "the same structure"
                )
            for ta, tb in zip(a.tensors, b.tensors):
                if ta.dtype != tb.dtype:
                    raise TypeError(
                        f"'{name}' has dtype {ta.dtype.name} in the main branch but "
                        f"{tb.dtype.name} in the else branch{where}"
                    )
                if ta.shape != tb.shape:
                    raise ValueError(
                        f"'{name}' has shape {ta.shape} in the main branch but {tb.shape} in "
                        f"the else branch{where}; XLA needs one shape for both branches "
                        "(pad or reshape one of them)"
                    )


def _arrays():
    """TensorArrays in a loop's state get their buffer before the loop (_tensor_array)."""
    from . import _tensor_array  # imported lazily, as _control_flow

    return _tensor_array


def _known_scalar(t):
    """A range bound's Python value while sizing TensorArrays (must be known)."""
    if _is_traced(t):
        _arrays().known_bool(t)  # raises: the trip count is known only at run time
    return t.numpy().item()


def _py_range(start, limit, delta):
    if delta == 0:
        raise ValueError("range: delta must not be zero")
    out, v = [], start
    while (v < limit) if delta > 0 else (v > limit):
        out.append(v)
        v += delta
    return out


def _first_item(iterable):
    """The first value a loop over ``iterable`` binds (for the abstract first body run)."""
    from ._array_ops import convert_to_tensor

    if isinstance(iterable, _TensorRange):
        start = iterable.start
        return start if _is_tensor(start) else convert_to_tensor(start)
    seq = convert_to_tensor(iterable)
    if seq.ndim and seq.shape[0] == 0:  # an empty loop: any value of the element's shape
        from ._array_ops import zeros

        return zeros(seq.shape[1:], seq.dtype)
    return seq[0]


class _Retry(Exception):
    """Internal: trace the loop again, now with a placeholder for its return value."""


class _TensorLoop:
    """A loop whose condition or iterable is a tensor: one while_loop over the state."""

    def __init__(self, body, names, carried, lineno, maximum_iterations=None) -> None:
        self.body, self.names, self.carried, self.lineno = body, names, carried, lineno
        self.maximum_iterations = maximum_iterations
        self.where = _where(body, lineno)
        self.hints: dict = {}  # index -> placeholder for a retval_ set inside the loop
        self.probe: dict = {}

    def _retrying(self, run):
        try:
            return run()
        except _Retry:  # a `return` inside the loop: now its value's shape is known
            return run()

    def _entry(self, state):
        slots = []
        for i, (name, value, carried) in enumerate(zip(self.names, state, self.carried)):
            if carried and _no_return(value):
                if i not in self.hints:
                    self.probe[i] = None  # first attempt: learn the returned structure
                    slots.append(None)
                    continue
                value = self.hints[i]
            slot = _Slot(value) if carried else None
            if slot is not None and slot.undefined:
                raise ValueError(
                    f"'{name}' must be defined before the loop{self.where}: a loop over a "
                    "tensor carries it from one iteration to the next, so it needs a value "
                    "of its final shape and dtype on entry"
                )
            slots.append(slot)
        return slots

    def _state(self, slots, flat, entry):
        out, pos = [], 0
        for value, slot in zip(entry, slots):
            if slot is None:
                out.append(value)
                continue
            n = len(slot.tensors)
            out.append(slot.rebuild(flat[pos : pos + n]))
            pos += n
        return tuple(out)

    def _flat(self, slots, new_state):
        from ._math_ops import cast

        flat = []
        for i, (name, slot, value) in enumerate(zip(self.names, slots, new_state)):
            if i in self.probe and not _no_return(value):
                self.hints[i] = _placeholder(_Slot(value))
                raise _Retry()
            if slot is None:
                continue
            new = _Slot(value)
            if new.undefined or not slot.same_kind(new):
                raise TypeError(
                    f"'{name}' has {slot.describe()} before the loop but {new.describe()} "
                    f"after one iteration{self.where}; a loop over a tensor keeps the "
                    "structure of every variable it changes"
                )
            for t0, t1, py in zip(slot.tensors, new.tensors, new.python):
                if t0.dtype != t1.dtype:
                    if not py:
                        raise TypeError(
                            f"'{name}' has dtype {t0.dtype.name} before the loop but dtype "
                            f"{t1.dtype.name} after one iteration{self.where}"
                        )
                    t1 = cast(t1, t0.dtype)  # a Python number takes the variable's dtype
                if t0.shape != t1.shape:
                    raise ValueError(
                        f"'{name}' has shape {t0.shape} before the loop but shape {t1.shape} "
                        f"after one iteration{self.where}. XLA loops keep the shape of every "
                        "loop variable fixed (shape_invariants cannot relax it on JAX): give "
                        "it its final shape before the loop, e.g. by padding"
                    )
                flat.append(t1)
        return flat

    def _loop(self, cond_fn, body_fn, init, maximum_iterations=None):
        from ._array_ops import constant

        # Loops with no tensor state (only Variable updates) still need a loop variable.
        init = list(init) or [constant(0)]
        if self.maximum_iterations is not None:
            m = self.maximum_iterations
            maximum_iterations = m if maximum_iterations is None else min(m, maximum_iterations)
        out = _control_flow().while_loop(
            cond_fn, body_fn, init, maximum_iterations=maximum_iterations
        )
        return list(out) if isinstance(out, (list, tuple)) else [out]

    def run_while(self, test, state):
        return self._retrying(lambda: self._run_while(test, state))

    def run_for(self, iterable, extra_test, state):
        return self._retrying(lambda: self._run_for(iterable, extra_test, state))

    def run_feed(self, feed, extra_test, state):
        return self._retrying(lambda: self._run_feed(feed, extra_test, state))

    def _run_feed(self, feed, extra_test, state):
        """One while_loop per run of equally shaped elements (full batches, then the
        partial last one), each iteration pulling its element from the host."""
        from ._math_ops import logical_and

        self.probe = {}
        slots = self._entry(state)
        flat = [t for s in slots if s is not None for t in s.tensors]
        n_flat = len(flat)
        feed.begin()
        for example in feed.plan():

            def cond_fn(has, *rest):
                if extra_test is None:
                    return has
                more = extra_test(*self._state(slots, rest[:n_flat], state))
                return logical_and(has, _as_bool_tensor(more))

            def body_fn(has, *rest, example=example):
                item = feed.take(example)
                new = self.body(item, *self._state(slots, rest[:n_flat], state))
                return [feed.peek(example), *self._flat(slots, new), *rest[n_flat:]]

            out = self._loop(cond_fn, body_fn, [feed.peek(example), *flat])
            flat = out[1 : 1 + n_flat]
        final = self._state(slots, flat, state)
        feed.finish(True if extra_test is None else extra_test(*final))
        return final

    def _run_while(self, test, state):
        self.probe = {}
        state, sized = _arrays().allocate_for_loop(
            state,
            lambda st: self.body(*st),
            lambda st: _arrays().python_loop(
                st, lambda s: test(*s), lambda s: self.body(*s), self.maximum_iterations
            ),
        )
        slots = self._entry(state)
        init = [t for s in slots if s is not None for t in s.tensors]
        n_flat = len(init)

        def cond_fn(*flat):
            return _as_bool_tensor(test(*self._state(slots, flat[:n_flat], state)))

        def body_fn(*flat):
            new = self.body(*self._state(slots, flat[:n_flat], state))
            return self._flat(slots, new) + list(flat[n_flat:])

        out = self._loop(cond_fn, body_fn, init)
        return _arrays().finish_loop(self._state(slots, out[:n_flat], state), sized)

    def _run_for(self, iterable, extra_test, state):
        from ._array_ops import constant, convert_to_tensor, where
        from ._math_ops import add, greater, less, logical_and

        self.probe = {}
        state, sized = _arrays().allocate_for_loop(
            state,
            lambda st: self.body(_first_item(iterable), *st),
            lambda st: self._python_for(iterable, extra_test, st),
        )
        slots = self._entry(state)
        init = [t for s in slots if s is not None for t in s.tensors]
        if isinstance(iterable, _TensorRange):
            bounds = [iterable.start, iterable.limit, iterable.delta]
            is_float = any(convert_to_tensor(b).dtype.kind == "f" for b in bounds)
            start, limit, delta = (
                convert_to_tensor(b, dtype="float32" if is_float else "int32")
                if not _is_tensor(b)
                else convert_to_tensor(b)
                for b in bounds
            )
            first, length = start, None
            if all(map(_is_int, bounds)):  # jt.range(3) in a trace: a known length
                length = len(builtins.range(*bounds))
            item = lambda i: i  # noqa: E731

            def in_range(i):
                d = iterable.delta
                if not _is_tensor(d):
                    return less(i, limit) if d > 0 else greater(i, limit)
                return where(greater(delta, 0), less(i, limit), greater(i, limit))

            step = lambda i: add(i, delta)  # noqa: E731
        else:
            seq = convert_to_tensor(iterable)
            if seq.ndim == 0:
                raise TypeError(f"iteration over a scalar (0-d) tensor{self.where}")
            first, length = constant(0), seq.shape[0]
            item = lambda i: seq[i]  # noqa: E731
            in_range = lambda i: less(i, length)  # noqa: E731
            step = lambda i: add(i, 1)  # noqa: E731

        def cond_fn(i, *flat):
            ok = in_range(i)
            if extra_test is not None:
                ok = logical_and(ok, _as_bool_tensor(extra_test(*self._state(slots, flat, state))))
            return ok

        def body_fn(i, *flat):
            new = self.body(item(i), *self._state(slots, flat, state))
            return [step(i), *self._flat(slots, new)]

        out = self._loop(cond_fn, body_fn, [first, *init], maximum_iterations=length)
        return _arrays().finish_loop(self._state(slots, out[1:], state), sized)

    def _python_for(self, iterable, extra_test, state):
        """The loop run in Python on values known when tracing (sizes TensorArrays)."""
        from ._array_ops import convert_to_tensor

        if isinstance(iterable, _TensorRange):
            bounds = [iterable.start, iterable.limit, iterable.delta]
            ts = [convert_to_tensor(b) for b in bounds]
            values = [b if _is_int(b) else _known_scalar(t) for b, t in zip(bounds, ts)]
            dtype = "float32" if any(t.dtype.kind == "f" for t in ts) else "int32"
            items = [convert_to_tensor(v, dtype=dtype) for v in _py_range(*values)]
        else:
            seq = convert_to_tensor(iterable)
            items = [seq[k] for k in range(seq.shape[0])]
        if self.maximum_iterations is not None:
            items = items[: self.maximum_iterations]
        for item in items:
            if extra_test is not None and not _arrays().known_bool(extra_test(*state)):
                break
            state = self.body(item, *state)
        return state
