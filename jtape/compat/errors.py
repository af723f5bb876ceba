"""``tf.errors``: the OpError family (each also a natural Python exception type)."""

from __future__ import annotations

from .._op_errors import AbortedError as AbortedError
from .._op_errors import AlreadyExistsError as AlreadyExistsError
from .._op_errors import CancelledError as CancelledError
from .._op_errors import DataLossError as DataLossError
from .._op_errors import DeadlineExceededError as DeadlineExceededError
from .._op_errors import FailedPreconditionError as FailedPreconditionError
from .._op_errors import InternalError as InternalError
from .._op_errors import InvalidArgumentError as InvalidArgumentError
from .._op_errors import NotFoundError as NotFoundError
from .._op_errors import OpError as OpError
from .._op_errors import OutOfRangeError as OutOfRangeError
from .._op_errors import PermissionDeniedError as PermissionDeniedError
from .._op_errors import ResourceExhaustedError as ResourceExhaustedError
from .._op_errors import UnauthenticatedError as UnauthenticatedError
from .._op_errors import UnavailableError as UnavailableError
from .._op_errors import UnimplementedError as UnimplementedError
from .._op_errors import UnknownError as UnknownError
from ._missing import missing

__all__ = [
    "AbortedError",
    "AlreadyExistsError",
    "CancelledError",
    "DataLossError",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "InternalError",
    "InvalidArgumentError",
    "NotFoundError",
    "OpError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "UnknownError",
]

__getattr__ = missing("tf.errors")
