"""``compute_gradient``: theoretical vs numerical Jacobians, as ``tf.test.compute_gradient``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._tape import GradientTape
from ._tensor import Tensor, to_value


def compute_gradient(
    f: Callable, x: Sequence, delta: float | None = None
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Jacobians of ``f`` at ``x``: from the tape, and by central differences.

    Returns ``(theoretical, numerical)``, one 2-D array per input, of shape
    ``(f(x).size, x_i.size)`` as in TensorFlow 2.

    Example:
        >>> import jtape as jt
        >>> theo, num = jt.test.compute_gradient(lambda x: x * x, [jt.constant([1.0, 2.0])])
        >>> theo[0].tolist()
        [[2.0, 0.0], [0.0, 4.0]]
    """
    xs = [np.asarray(to_value(v)) for v in x]
    if delta is None:
        delta = 1e-3 if xs and xs[0].dtype == np.float32 else 1e-6
    theoretical = []
    numerical = []
    for i, xi in enumerate(xs):
        tensors = [Tensor(to_value(v)) for v in xs]
        with GradientTape(persistent=True) as tape:
            tape.watch(tensors[i])
            y = f(*tensors)
        y_size = int(np.prod(y.shape))
        jac = tape.jacobian(y, tensors[i])
        if jac is None:
            theoretical.append(np.zeros((y_size, xi.size), xi.dtype))
        else:
            theoretical.append(np.asarray(jac).reshape(y_size, xi.size))
        num = np.zeros((y_size, xi.size), dtype=xi.dtype)
        for j in range(xi.size):
            plus = [v.copy() for v in xs]
            minus = [v.copy() for v in xs]
            plus[i].reshape(-1)[j] += delta
            minus[i].reshape(-1)[j] -= delta
            yp = np.asarray(to_value(f(*[Tensor(to_value(v)) for v in plus])))
            ym = np.asarray(to_value(f(*[Tensor(to_value(v)) for v in minus])))
            num[:, j] = ((yp - ym) / (2 * delta)).reshape(-1)
        numerical.append(num)
    return tuple(theoretical), tuple(numerical)
