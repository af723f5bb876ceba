"""Exception classes (``jt.errors``): TF's ``OpError`` family and jtape's own."""

from ._errors import NotDifferentiableError as NotDifferentiableError
from ._errors import UnconnectedGradientError as UnconnectedGradientError
from ._op_errors import AbortedError as AbortedError
from ._op_errors import AlreadyExistsError as AlreadyExistsError
from ._op_errors import CancelledError as CancelledError
from ._op_errors import DataLossError as DataLossError
from ._op_errors import DeadlineExceededError as DeadlineExceededError
from ._op_errors import FailedPreconditionError as FailedPreconditionError
from ._op_errors import InternalError as InternalError
from ._op_errors import InvalidArgumentError as InvalidArgumentError
from ._op_errors import NotFoundError as NotFoundError
from ._op_errors import OpError as OpError
from ._op_errors import OutOfRangeError as OutOfRangeError
from ._op_errors import PermissionDeniedError as PermissionDeniedError
from ._op_errors import ResourceExhaustedError as ResourceExhaustedError
from ._op_errors import UnauthenticatedError as UnauthenticatedError
from ._op_errors import UnavailableError as UnavailableError
from ._op_errors import UnimplementedError as UnimplementedError
from ._op_errors import UnknownError as UnknownError
