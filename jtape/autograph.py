"""AutoGraph: Python control flow on tensors inside ``jt.function`` (``jt.autograph``)."""

from types import SimpleNamespace as _Namespace

from ._autograph import convert as to_graph
from ._autograph import do_not_convert as _do_not_convert
from ._autograph import set_loop_options as _set_loop_options
from ._autograph import to_code as to_code

experimental = _Namespace(do_not_convert=_do_not_convert, set_loop_options=_set_loop_options)

__all__ = ["experimental", "to_code", "to_graph"]
