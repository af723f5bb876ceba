"""``tf.summary.experimental``: the default step, and the summary name scope."""

from __future__ import annotations

import contextlib
import re

from .._module import current_name_scope, name_scope
from ._writer import get_step as get_step
from ._writer import set_step as set_step

_INVALID_SCOPE_CHARACTERS = re.compile(r"[^-_/.A-Za-z0-9]")


@contextlib.contextmanager
def summary_scope(name: str | None, default_name: str = "summary", values=None):
    """Yield ``(tag, scope)`` for a summary op named ``name`` (TF's helper for new ops).

    ``tag`` is ``name`` under the enclosing name scopes; ``scope`` is a name scope
    entered for the op (``name`` with characters TF forbids in scopes removed).

    Example:
        >>> import jtape as jt
        >>> with jt.name_scope("train"):
        ...     with jt.summary.experimental.summary_scope("loss") as (tag, scope):
        ...         print(tag, scope)
        train/loss train/loss/
    """
    name = name or default_name
    current = current_name_scope().rstrip("/")
    tag = f"{current}/{name}" if current else name
    name = _INVALID_SCOPE_CHARACTERS.sub("", name) or default_name or "summary"
    with name_scope(name) as scope:
        yield tag, scope
