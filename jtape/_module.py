"""``Module``: TensorFlow's ``tf.Module``, the container that finds its own Variables.

A Module does not register anything when attributes are set. ``variables``,
``trainable_variables`` and ``submodules`` walk the object's attributes when asked,
looking inside lists, tuples and dicts, so state added in any way is found. The walk
visits attributes in sorted name order (as TF does), yields a module's own variables
before those of its sub-modules, and visits every object once.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from . import _checkpoint
from ._variable import Variable


class _ScopeStack(threading.local):
    def __init__(self) -> None:
        self.names: list[str] = []


_scopes = _ScopeStack()


def current_name_scope() -> str:
    """The active name scope as a prefix (``"outer/inner/"``), or ``""`` at top level."""
    return _scopes.names[-1] if _scopes.names else ""


class name_scope:  # noqa: N801 - TF's name
    """A context manager that prefixes names (``tf.name_scope``).

    Entering it makes ``current_name_scope()`` return ``<enclosing>/<name>/``; names
    that end in ``/`` are absolute. Unlike TensorFlow, plain ``jt.Variable`` names are
    not prefixed; layers use the scope to name their weights.

    Example:
        >>> import jtape as jt
        >>> from jtape._module import current_name_scope
        >>> with name_scope("outer"):
        ...     with name_scope("inner") as scope:
        ...         scope
        'outer/inner/'
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"name_scope: name must be a str, got {type(name).__name__}")
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        if self._name.endswith("/") or not self._name:
            full = self._name
        else:
            full = f"{current_name_scope()}{self._name}/"
        _scopes.names.append(full)
        return full

    def __exit__(self, *exc) -> None:
        _scopes.names.pop()


def _camel_to_snake(value: str) -> str:
    # TF's rule (tf.Module): "MyModule" -> "my_module", "Conv2D" -> "conv2_d".
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", value).lower()


def _random_state(obj) -> Variable | None:
    # jt.random.Generator keeps its key in a Variable; a module holding a generator owns
    # that state, so jt.function and checkpoints see it.
    from ._random import Generator

    if isinstance(obj, Generator):
        return obj.state
    return None


def _children(value, sort: bool) -> Iterator[Any]:
    """Leaves of ``value`` inside lists, tuples and dicts (Variables, Modules, others)."""
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _children(item, sort)
    elif isinstance(value, dict):
        keys = list(value)
        if sort:
            try:
                keys = sorted(keys)
            except TypeError:
                pass  # mixed key types: keep insertion order, still deterministic
        for k in keys:
            yield from _children(value[k], sort)
    else:
        yield value


class Module:
    """A named container of Variables and other Modules (``tf.Module``).

    Example:
        >>> import jtape as jt
        >>> class Affine(jt.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.w = jt.Variable([[1.0, 2.0]])
        ...         self.b = jt.Variable([0.0], trainable=False)
        ...     def __call__(self, x):
        ...         return jt.matmul(x, self.w) + self.b
        >>> m = Affine()
        >>> m.name, [v.name for v in m.trainable_variables]
        ('affine', ['Variable:0'])
        >>> len(m.variables)
        2
    """

    # Attribute walk order: sorted by name, as tf.Module. Keras layers use assignment order.
    _SORTED_WALK = True
    # Attributes that the walk never enters (caches and back references).
    _WALK_IGNORED: frozenset[str] = frozenset()

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not isinstance(name, str) or not name.isidentifier():
            raise ValueError(
                f"{name!r} is not a valid module name. Module names must be valid Python 3 "
                "identifiers."
            )
        self._name = name
        self._scope_name = f"{current_name_scope()}{name}/"

    @property
    def name(self) -> str:
        """The module's name, given at construction (default: the class name in snake case)."""
        return self._name

    @property
    def name_scope(self) -> name_scope:
        """A ``name_scope`` for this module, fixed where the module was created."""
        return name_scope(self._scope_name)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if _checkpoint._PENDING:  # a restore waits for variables: maybe these
            _checkpoint.on_assign(self, value)

    # -- the walk ------------------------------------------------------------
    def _walk_items(self) -> Iterator[tuple[str, Any]]:
        items = vars(self).items()
        if self._SORTED_WALK:
            items = sorted(items, key=lambda kv: kv[0])
        for key, value in items:
            if key not in self._WALK_IGNORED:
                yield key, value

    def _flatten(self, predicate: Callable[[Any], bool], recursive: bool = True) -> list:
        """Objects reachable from this module's attributes that satisfy ``predicate``.

        Own leaves come first, then each sub-module's, depth first; each object once.
        """
        out: list = []
        seen: set[int] = {id(self)}
        self._flatten_into(predicate, recursive, out, seen)
        return out

    def _flatten_into(self, predicate, recursive: bool, out: list, seen: set[int]) -> None:
        subs = []
        for _key, value in self._walk_items():
            for leaf in _children(value, self._SORTED_WALK):
                if id(leaf) in seen:
                    continue
                state_var = _random_state(leaf)
                if state_var is not None:
                    leaf = state_var
                    if id(leaf) in seen:
                        continue
                if isinstance(leaf, (Variable, Module)):
                    seen.add(id(leaf))
                    if predicate(leaf):
                        out.append(leaf)
                    if isinstance(leaf, Module):
                        subs.append(leaf)
        if recursive:
            for sub in subs:
                sub._flatten_into(predicate, recursive, out, seen)

    @property
    def variables(self) -> tuple[Variable, ...]:
        """Every Variable of this module and its sub-modules, each once."""
        return tuple(self._flatten(lambda x: isinstance(x, Variable)))

    @property
    def trainable_variables(self) -> tuple[Variable, ...]:
        """The variables whose ``trainable`` flag is set."""
        return tuple(self._flatten(lambda x: isinstance(x, Variable) and x.trainable))

    @property
    def non_trainable_variables(self) -> tuple[Variable, ...]:
        return tuple(self._flatten(lambda x: isinstance(x, Variable) and not x.trainable))

    @property
    def submodules(self) -> tuple[Module, ...]:
        """Every Module reachable from this one (not including itself)."""
        return tuple(self._flatten(lambda x: isinstance(x, Module)))

    @classmethod
    def with_name_scope(cls, method: Callable) -> Callable:
        """Decorate a method to run inside the module's ``name_scope``.

        Example:
            >>> import jtape as jt
            >>> from jtape._module import current_name_scope
            >>> class M(jt.Module):
            ...     @jt.Module.with_name_scope
            ...     def scope(self):
            ...         return current_name_scope()
            >>> M(name="m").scope()
            'm/'
        """

        @functools.wraps(method)
        def method_with_name_scope(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)

        return method_with_name_scope

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} name={self._name!r}>"
