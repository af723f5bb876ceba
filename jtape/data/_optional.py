"""``tf.experimental.Optional``: a value that may be missing (``get_next_as_optional``)."""

from __future__ import annotations

import numpy as np

from .._op_errors import InvalidArgumentError
from . import _structure


class Optional:
    """Either one element (a nested structure of tensors) or nothing.

    Example:
        >>> import jtape as jt
        >>> o = jt.data.experimental.Optional.from_value(jt.constant(3))
        >>> bool(o.has_value()), int(o.get_value())
        (True, 3)
        >>> bool(jt.data.experimental.Optional.empty(o.element_spec).has_value())
        False
    """

    def __init__(self, value, element_spec, has_value: bool) -> None:
        self._value = value
        self._spec = element_spec
        self._has_value = has_value

    @staticmethod
    def from_value(value) -> Optional:
        """An Optional holding ``value``."""
        host = _structure.map_structure(_structure.to_host, value)
        return Optional(_structure.to_tensors(host), _structure.spec_of(host), True)

    @staticmethod
    def empty(element_spec) -> Optional:
        """An Optional holding nothing, of the given element spec."""
        return Optional(None, element_spec, False)

    @property
    def element_spec(self):
        return self._spec

    def has_value(self, name: str | None = None):
        """A scalar bool tensor: whether a value is present."""
        return _structure.to_tensors(np.asarray(self._has_value))

    def get_value(self, name: str | None = None):
        """The value; ``InvalidArgumentError`` when empty (as TF)."""
        if not self._has_value:
            raise InvalidArgumentError("The given optional does not have a value.")
        return self._value
