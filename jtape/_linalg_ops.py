"""Linear algebra beyond ``matmul`` (``tf.linalg``), as jtape ops on ``jnp.linalg``."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ._math_ops import _axis
from ._op import op
from ._tensor import Tensor

inv = op(jnp.linalg.inv, name="inv")
det = op(jnp.linalg.det, name="det")
cholesky = op(jnp.linalg.cholesky, name="cholesky")
pinv = op(jnp.linalg.pinv, name="pinv")
expm = op(jax.scipy.linalg.expm, name="expm")
eigvalsh = op(jnp.linalg.eigvalsh, name="eigvalsh")


@op
def _slogdet(x):
    sign, logabs = jnp.linalg.slogdet(x)
    return sign, logabs


def slogdet(input) -> tuple[Tensor, Tensor]:  # noqa: A002 - TF's name
    """``(sign, log|det|)`` of each square matrix in ``input``.

    Example:
        >>> import jtape as jt
        >>> sign, logdet = slogdet(jt.constant([[2.0, 0.0], [0.0, -3.0]]))
        >>> float(sign), round(float(logdet), 4)
        (-1.0, 1.7918)
    """
    return _slogdet(input)


@op
def logdet(matrix):
    """``log(det(matrix))`` of Hermitian positive-definite matrices, via Cholesky."""
    chol = jnp.linalg.cholesky(matrix)
    return 2.0 * jnp.sum(jnp.log(jnp.real(jnp.diagonal(chol, axis1=-2, axis2=-1))), axis=-1)


@op
def _eigh(x):
    w, v = jnp.linalg.eigh(x)
    return w, v


def eigh(tensor) -> tuple[Tensor, Tensor]:
    """Eigenvalues (ascending) and eigenvectors (columns) of self-adjoint matrices."""
    return _eigh(tensor)


@op
def _solve(matrix, rhs, adjoint):
    if adjoint:
        matrix = jnp.conj(jnp.swapaxes(matrix, -1, -2))
    return jnp.linalg.solve(matrix, rhs)


def solve(matrix, rhs, adjoint: bool = False) -> Tensor:
    """Solve ``matrix @ x = rhs`` for ``x`` (``rhs`` is ``[..., M, K]``, as in TF).

    Example:
        >>> import jtape as jt
        >>> a, b = jt.constant([[2.0, 0.0], [0.0, 4.0]]), jt.constant([[2.0], [2.0]])
        >>> solve(a, b).numpy().tolist()
        [[1.0], [0.5]]
    """
    return _solve(matrix, rhs, bool(adjoint))


@op
def _triangular_solve(matrix, rhs, lower, adjoint):
    return jax.scipy.linalg.solve_triangular(matrix, rhs, lower=lower, trans="C" if adjoint else 0)


def triangular_solve(matrix, rhs, lower: bool = True, adjoint: bool = False) -> Tensor:
    """Solve a triangular system; only the ``lower`` (or upper) triangle is read."""
    return _triangular_solve(matrix, rhs, bool(lower), bool(adjoint))


@op
def cholesky_solve(chol, rhs):
    """Solve ``A x = rhs`` given ``chol``, the lower Cholesky factor of ``A``."""
    return jax.scipy.linalg.cho_solve((chol, True), rhs)


@op
def _qr(x, full_matrices):
    q, r = jnp.linalg.qr(x, mode="complete" if full_matrices else "reduced")
    return q, r


def qr(input, full_matrices: bool = False) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``(q, r)`` with ``q`` orthonormal columns and ``r`` upper triangular."""
    return _qr(input, bool(full_matrices))


@op
def _svd(x, full_matrices, compute_uv):
    if not compute_uv:
        return jnp.linalg.svd(x, compute_uv=False)
    u, s, vh = jnp.linalg.svd(x, full_matrices=full_matrices)
    return s, u, jnp.conj(jnp.swapaxes(vh, -1, -2))


def svd(tensor, full_matrices: bool = False, compute_uv: bool = True):
    """Singular values, as TF: ``(s, u, v)`` with ``tensor = u @ diag(s) @ adjoint(v)``.

    Unlike ``numpy.linalg.svd`` the singular values come first and ``v`` is not
    transposed, matching ``tf.linalg.svd``.
    """
    return _svd(tensor, bool(full_matrices), bool(compute_uv))


@op
def _lstsq(matrix, rhs, l2_regularizer):
    if l2_regularizer:
        a_h = jnp.conj(jnp.swapaxes(matrix, -1, -2))
        gram = a_h @ matrix + l2_regularizer * jnp.eye(matrix.shape[-1], dtype=matrix.dtype)
        return jnp.linalg.solve(gram, a_h @ rhs)
    return jnp.linalg.pinv(matrix) @ rhs


def lstsq(matrix, rhs, l2_regularizer=0.0, fast: bool = True) -> Tensor:
    """Least-squares solution of ``matrix @ x = rhs`` (optionally ridge-regularized)."""
    return _lstsq(matrix, rhs, float(l2_regularizer))


@op
def _matrix_transpose(a, conjugate):
    out = jnp.swapaxes(a, -1, -2)
    return jnp.conj(out) if conjugate else out


def matrix_transpose(a, conjugate: bool = False) -> Tensor:
    """Swap the last two axes (and conjugate, if asked)."""
    return _matrix_transpose(a, bool(conjugate))


def adjoint(matrix) -> Tensor:
    """Conjugate transpose of the last two axes."""
    return _matrix_transpose(matrix, True)


@op
def _band_part(x, num_lower, num_upper):
    m, n = x.shape[-2], x.shape[-1]
    i = jnp.arange(m)[:, None]
    j = jnp.arange(n)[None, :]
    keep = jnp.ones((m, n), bool)
    if num_lower >= 0:
        keep &= (i - j) <= num_lower
    if num_upper >= 0:
        keep &= (j - i) <= num_upper
    return jnp.where(keep, x, jnp.zeros((), x.dtype))


def band_part(input, num_lower: int, num_upper: int) -> Tensor:  # noqa: A002
    """Keep a diagonal band; a negative bound keeps the whole triangle on that side."""
    return _band_part(input, int(num_lower), int(num_upper))


@op
def _matvec(a, b, transpose_a, adjoint_a):
    if transpose_a or adjoint_a:
        a = jnp.swapaxes(a, -1, -2)
        a = jnp.conj(a) if adjoint_a else a
    return jnp.einsum("...ij,...j->...i", a, b)


def matvec(a, b, transpose_a: bool = False, adjoint_a: bool = False) -> Tensor:
    """Matrix-vector product ``a @ b`` over the last axes."""
    return _matvec(a, b, bool(transpose_a), bool(adjoint_a))


cross = op(jnp.cross, name="cross")


@op
def _set_diag(x, diagonal):
    n = min(x.shape[-2], x.shape[-1])
    idx = jnp.arange(n)
    return x.at[..., idx, idx].set(diagonal)


def set_diag(input, diagonal) -> Tensor:  # noqa: A002
    """``input`` with its main diagonal replaced by ``diagonal``."""
    return _set_diag(input, diagonal)


@op
def _l2_normalize(x, axis, epsilon):
    square_sum = jnp.sum(jnp.square(jnp.abs(x)), axis=axis, keepdims=True)
    return x * jax.lax.rsqrt(jnp.maximum(square_sum, epsilon))


def l2_normalize(x, axis=None, epsilon: float = 1e-12) -> Tensor:
    """``x / sqrt(max(sum(x**2, axis), epsilon))``, as ``tf.math.l2_normalize``."""
    return _l2_normalize(x, _axis(axis), float(epsilon))
