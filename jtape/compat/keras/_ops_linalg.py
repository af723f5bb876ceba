"""``keras.ops.linalg`` (also at ``keras.ops``' top level): Keras 3.15's shape checks,
then jtape's ``tf.linalg`` ops, which Keras' TensorFlow backend calls (so dtypes and
kernel errors are TF's: no integer ``inv``, float16 refused where TF refuses it).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ... import _linalg_ops as _tfl
from ..._op import op
from ..._op_errors import InvalidArgumentError
from ..._tensor import Tensor
from ._ops_dtypes import tensor
from ._ops_math import norm as norm  # keras.ops.linalg.norm is keras.ops.norm

_no_nan = op(lambda x: jnp.all(~jnp.isnan(x)), name="check_numerics")


def _rank2(*arrays) -> None:
    for a in arrays:
        if a.ndim < 2:
            raise ValueError(
                f"Expected input to have rank >= 2. Received input with shape {a.shape}."
            )


def _square(*arrays) -> None:
    for a in arrays:
        m, n = a.shape[-2:]
        if m != n:
            raise ValueError(
                f"Expected a square matrix. Received non-square input with shape {a.shape}"
            )


def _matrix(x, square: bool = True) -> Tensor:
    x = tensor(x)
    _rank2(x)
    if square:
        _square(x)
    return x


def _a_b(a, b):
    a, b = _matrix(a), tensor(b)
    if b.ndim < 1:
        raise ValueError(f"Expected input to have rank >= 1. Received scalar input {b}.")
    if a.ndim == b.ndim and a.shape[-2] != b.shape[-2]:
        raise ValueError(
            "Incompatible shapes between `a` and `b`. Expected `a.shape[-2] == b.shape[-2]`. "
            f"Received: a.shape={a.shape}, b.shape={b.shape}"
        )
    if a.ndim == b.ndim - 1 and a.shape[-1] != b.shape[-1]:
        raise ValueError(
            "Incompatible shapes between `a` and `b`. Expected `a.shape[-1] == b.shape[-1]`. "
            f"Received: a.shape={a.shape}, b.shape={b.shape}"
        )
    return a, b


def cholesky(x, upper: bool = False) -> Tensor:
    """The Cholesky factor ``L`` (``L @ L^H == x``), or ``L^H`` when ``upper``.

    Example:
        >>> import jtape.compat.keras as keras
        >>> keras.ops.cholesky([[4.0, 2.0], [2.0, 2.0]]).numpy().tolist()
        [[2.0, 0.0], [1.0, 1.0]]
    """
    x = _matrix(x)
    try:
        out = _tfl.cholesky(x)
        # Keras checks the factor: a matrix that is not positive definite raises eagerly
        _tfl._check(_no_nan(out), "Cholesky : Tensor had NaN values", "CheckNumerics")
    except InvalidArgumentError as e:  # Keras reports every failure as a ValueError
        raise ValueError(f"Cholesky decomposition failed: {e}") from e
    return _tfl.adjoint(out) if upper else out


def _cholesky_inverse_fn(a, upper):
    eye = jnp.eye(a.shape[-1], dtype=a.dtype)
    inv = jax.scipy.linalg.solve_triangular(a, eye, lower=not upper)
    inv_t = jnp.swapaxes(inv, -1, -2)
    return inv @ inv_t if upper else inv_t @ inv


_cholesky_inverse = op(_cholesky_inverse_fn, name="cholesky_inverse")


def cholesky_inverse(x, upper: bool = False) -> Tensor:
    """The inverse of ``L @ L^H`` from its Cholesky factor ``x`` (``L^H`` when ``upper``)."""
    return _cholesky_inverse(_matrix(x), bool(upper))


def det(x) -> Tensor:
    """The determinant of each square matrix."""
    return _tfl.det(_matrix(x))


def eig(x):
    """Eigenvalues and eigenvectors of a general square matrix (complex)."""
    return _tfl.eig(_matrix(x))


def eigh(x):
    """Eigenvalues (ascending) and eigenvectors of a Hermitian matrix."""
    return _tfl.eigh(_matrix(x))


def inv(x) -> Tensor:
    """The inverse of each square matrix."""
    return _tfl.inv(_matrix(x))


_invert_permutation = op(lambda p: jnp.argsort(p).astype(p.dtype), name="invert_permutation")


def lu_factor(x):
    """``(lu, pivots)``: the packed LU factors and numpy-style row pivots."""
    x = _matrix(x, square=False)
    if x.ndim > 2:  # Keras' TF backend inverts the pivots with a 1-D-only kernel
        raise InvalidArgumentError("invert_permutation expects a 1D vector.")
    lu, p = _tfl.lu(x)
    return lu, _invert_permutation(p)


def solve(a, b) -> Tensor:
    """``x`` with ``a @ x == b`` (``b`` a vector or a matrix)."""
    a, b = _a_b(a, b)
    if b.ndim == a.ndim - 1:
        return _tfl.solve(a, b[..., None])[..., 0]
    return _tfl.solve(a, b)


def solve_triangular(a, b, lower: bool = False) -> Tensor:
    """``solve`` for a triangular ``a`` (upper unless ``lower``)."""
    a, b = _a_b(a, b)
    if b.ndim == a.ndim - 1:
        return _tfl.triangular_solve(a, b[..., None], lower=lower)[..., 0]
    return _tfl.triangular_solve(a, b, lower=lower)


def qr(x, mode: str = "reduced"):
    """``(q, r)``: ``mode`` ``"reduced"`` or ``"complete"``."""
    if mode not in {"reduced", "complete"}:
        raise ValueError(
            "`mode` argument value not supported. Expected one of {'reduced', 'complete'}. "
            f"Received: mode={mode}"
        )
    return _tfl.qr(tensor(x), full_matrices=mode == "complete")


def svd(x, full_matrices: bool = True, compute_uv: bool = True):
    """``(u, s, vh)`` with ``x == u @ diag(s) @ vh``, or ``s`` alone."""
    x = _matrix(x, square=False)
    if not compute_uv:
        return _tfl.svd(x, full_matrices=full_matrices, compute_uv=False)
    s, u, v = _tfl.svd(x, full_matrices=full_matrices, compute_uv=True)
    return u, s, _tfl.adjoint(v)


def slogdet(x):
    """``(sign, log|det|)`` of each square matrix."""
    return tuple(_tfl.slogdet(tensor(x)))


def logdet(x) -> Tensor:
    """``log(det(x))`` of Hermitian positive-definite matrices."""
    return _tfl.logdet(tensor(x))


def lstsq(a, b, rcond=None) -> Tensor:
    """The least-squares solution of ``a @ x = b`` (singular values below
    ``rcond * s_max`` dropped; ``rcond`` defaults to ``eps * max(m, n)``)."""
    a, b = tensor(a), tensor(b)
    if a.shape[0] != b.shape[0]:
        raise ValueError("Leading dimensions of input arrays must match")
    if a.ndim != 2:
        raise TypeError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
    if b.ndim not in (1, 2):
        raise TypeError(f"{b.ndim}-dimensional array given. Array must be one or two-dimensional")
    m, n = a.shape
    if rcond is None:
        rcond = float(np.finfo(np.dtype(a.dtype)).eps) * max(m, n)
    elif rcond < 0:
        rcond = float(np.finfo(np.dtype(a.dtype)).eps)
    return _lstsq(a, b, float(rcond))


def _lstsq_fn(a, b, rcond):
    vector = b.ndim == 1
    if vector:
        b = b[:, None]
    u, s, vt = jnp.linalg.svd(a, full_matrices=False)
    keep = s >= rcond * s[0]
    s_inv = jnp.where(keep, 1 / jnp.where(keep, s, 1), 0)[:, None]
    x = jnp.conj(vt).T @ (s_inv * (jnp.conj(u).T @ b))
    return x.reshape(-1) if vector else x


_lstsq = op(_lstsq_fn, name="lstsq")


def _matrix_rank_fn(x, tol):
    s = jnp.linalg.svd(x, compute_uv=False)
    if tol is None:
        tol = s.max(-1, keepdims=True) * max(x.shape[-2:]) * jnp.finfo(x.dtype).eps
    else:
        tol = jnp.asarray(tol, s.dtype)
        tol = tol[..., None] if tol.ndim else tol
    return jnp.sum(s > tol, axis=-1).astype(jnp.int32)


_matrix_rank = op(_matrix_rank_fn, name="matrix_rank")


def matrix_rank(x, tol=None) -> Tensor:
    """The number of singular values above ``tol`` (default: TF's ``eps * max(m, n) * s_max``)."""
    x = tensor(x)
    if np.dtype(x.dtype).kind not in "fcV":
        raise TypeError(f"Input `a` must have `float`-like `dtype` (saw {np.dtype(x.dtype).name}).")
    return _matrix_rank(x, tol)


def pinv(x, rcond=None) -> Tensor:
    """The Moore-Penrose pseudo-inverse (TF's ``rcond`` default)."""
    return _tfl.pinv(tensor(x), rcond=rcond)
