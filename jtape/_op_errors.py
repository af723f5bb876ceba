"""Runtime errors raised by ops on bad tensor values (TensorFlow's ``tf.errors`` family).

Each class also derives from the Python exception a jtape user would naturally catch
(``InvalidArgumentError`` is a ``ValueError``, ``OutOfRangeError`` an ``IndexError``
...), so code written either way works.
"""

from __future__ import annotations


class OpError(Exception):
    """Base class of the errors an op raises when it fails at run time.

    Example:
        >>> from jtape._op_errors import InvalidArgumentError, OpError
        >>> issubclass(InvalidArgumentError, OpError), issubclass(InvalidArgumentError, ValueError)
        (True, True)
    """

    def __init__(self, node_def=None, op=None, message: str = "", *args) -> None:
        # TF's signature is (node_def, op, message); jtape raises them with a message only.
        if op is None and not message and isinstance(node_def, str):
            node_def, message = None, node_def
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message

    def __str__(self) -> str:
        return self.message


class CancelledError(OpError):
    pass


class UnknownError(OpError):
    pass


class InvalidArgumentError(OpError, ValueError):
    pass


class DeadlineExceededError(OpError, TimeoutError):
    pass


class NotFoundError(OpError, LookupError):
    pass


class AlreadyExistsError(OpError):
    pass


class PermissionDeniedError(OpError, PermissionError):
    pass


class UnauthenticatedError(OpError):
    pass


class ResourceExhaustedError(OpError, MemoryError):
    pass


class FailedPreconditionError(OpError, RuntimeError):
    pass


class AbortedError(OpError):
    pass


class OutOfRangeError(OpError, IndexError):
    pass


class UnimplementedError(OpError, NotImplementedError):
    pass


class InternalError(OpError, RuntimeError):
    pass


class UnavailableError(OpError):
    pass


class DataLossError(OpError):
    pass


class OperatorNotAllowedInGraphError(TypeError):
    """A traced tensor used as a Python value (``bool``, ``if``, iteration) while
    ``jt.function`` traces: its value is not known yet. A ``TypeError``, as in TF."""


def shape_error(message: str) -> Exception:
    """The error TF raises for bad shapes or indices: ``InvalidArgumentError`` when an op
    runs eagerly, ``ValueError`` while a function is traced (TF's shape inference).
    """
    from ._state import tracing

    return ValueError(message) if tracing() else InvalidArgumentError(message)
