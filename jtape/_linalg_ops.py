"""Linear algebra beyond ``matmul`` (``tf.linalg``), as jtape ops on ``jax.numpy.linalg``.

TensorFlow's conventions kept here: ``cholesky``, ``eigh`` and ``eigvalsh`` read only the
lower triangle (their gradients are TF's: symmetric for ``cholesky``, lower-triangular for
``eigh``); ``svd`` returns ``(s, u, v)``; ``inv`` and ``solve`` of a singular matrix raise
``InvalidArgumentError`` eagerly (a compiled function cannot check: there the result has
infs/NaNs); integer inputs are refused as TF's kernels do.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes, _tf_gradients
from ._math_ops import _axis
from ._op import op
from ._op_errors import FailedPreconditionError, InvalidArgumentError
from ._tensor import Tensor

# TF's float-only linalg kernels, with the dtype list of their messages.
_FLOATS = ("inexact", "double, float, half, complex64, complex128")
_DET_FLOATS = ("inexact", "half, float, double, complex64, complex128")
_TRI_FLOATS = ("inexact", "bfloat16, double, float, half, complex64, complex128")
_MATMUL_TYPES = (
    "number",
    "bfloat16, half, float, double, int32, int64, uint8, uint16, uint32, uint64, complex64, "
    "complex128",
)


def _shape(x) -> tuple:
    shape = getattr(x, "shape", None)
    return tuple(np.shape(x) if shape is None else shape)


def _square(x, kernel: str) -> None:
    shape = _shape(x)
    if len(shape) < 2:
        raise InvalidArgumentError(f"Input must have rank >= 2, got {len(shape)} [Op:{kernel}]")
    if shape[-1] != shape[-2]:
        raise InvalidArgumentError(f"Input matrix must be square. [Op:{kernel}]")


def _check(ok: Tensor, message: str, kernel: str) -> None:
    """Raise TF's error when an eager op's ``ok`` flag is false (compiled code cannot)."""
    value = ok._value
    if isinstance(value, jax.core.Tracer):
        return
    if not bool(np.all(np.asarray(value))):
        raise InvalidArgumentError(f"{message} [Op:{kernel}]")


def _invertible(lu):
    # TF's LU kernels: a matrix is singular when a pivot is 0 (or NaN).
    pivots = jnp.abs(jnp.diagonal(lu, axis1=-2, axis2=-1))
    return jnp.all(pivots > 0)


def _solved(out, matrix, rhs=None):
    """TF's singularity test without a second factorization: a zero (or NaN) pivot is
    what makes the LU solution non-finite, unless an infinite matrix entry (TF: no error)
    or a non-finite ``rhs`` explains it."""
    out, matrix = jax.lax.stop_gradient(out), jax.lax.stop_gradient(matrix)
    excused = jnp.any(jnp.isinf(matrix))
    if rhs is not None:
        excused |= jnp.any(~jnp.isfinite(jax.lax.stop_gradient(rhs)))
    return jnp.all(jnp.isfinite(out)) | excused


def _lower_hermitian(x):
    """The self-adjoint matrix whose lower triangle is ``x``'s (TF reads only that)."""
    return jnp.tril(x) + jnp.conj(jnp.swapaxes(jnp.tril(x, -1), -1, -2))


# -- inverse, determinants --------------------------------------------------------
@op(name="matrix_inverse", allowed=_FLOATS)
def _inv(x, adjoint):
    if adjoint:
        x = jnp.conj(jnp.swapaxes(x, -1, -2))
    out = jnp.linalg.inv(x)
    return out, _solved(out, x)


def inv(input, adjoint: bool = False) -> Tensor:  # noqa: A002 - TF's name
    """The inverse of each square matrix; a singular one raises ``InvalidArgumentError``.

    Example:
        >>> import jtape as jt
        >>> inv(jt.constant([[2.0, 0.0], [0.0, 4.0]])).numpy().tolist()
        [[0.5, 0.0], [0.0, 0.25]]
    """
    _square(input, "MatrixInverse")
    out, ok = _inv(input, bool(adjoint))
    _check(ok, "Input is not invertible.", "MatrixInverse")
    return out


_det = op(jnp.linalg.det, name="matrix_determinant", allowed=_DET_FLOATS)


def det(input) -> Tensor:  # noqa: A002 - TF's name
    """The determinant of each square matrix."""
    _square(input, "MatrixDeterminant")
    return _det(input)


@op(name="log_matrix_determinant", allowed=_FLOATS)
def _slogdet(x):
    sign, logabs = jnp.linalg.slogdet(x)
    return sign, logabs.astype(x.dtype)  # complex input: TF's log|det| is complex too


def slogdet(input) -> tuple[Tensor, Tensor]:  # noqa: A002 - TF's name
    """``(sign, log|det|)`` of each square matrix in ``input`` (both of its dtype).

    Example:
        >>> import jtape as jt
        >>> sign, logdet = slogdet(jt.constant([[2.0, 0.0], [0.0, -3.0]]))
        >>> float(sign), round(float(logdet), 4)
        (-1.0, 1.7918)
    """
    _square(input, "LogMatrixDeterminant")
    return _slogdet(input)


@op(name="cholesky", allowed=_FLOATS)  # TF's logdet runs Cholesky: its dtype message
def logdet(matrix):
    """``log(det(matrix))`` of Hermitian positive-definite matrices, via Cholesky."""
    chol = _cholesky_lower(matrix)
    return 2.0 * jnp.sum(jnp.log(jnp.real(jnp.diagonal(chol, axis1=-2, axis2=-1))), axis=-1)


# -- Cholesky -----------------------------------------------------------------------
@jax.custom_jvp
def _cholesky_lower(x):
    return jax.lax.linalg.cholesky(x, symmetrize_input=False)


@_cholesky_lower.defjvp
def _cholesky_jvp(primals, tangents):
    # TF's CholeskyGrad is symmetric: the derivative along the self-adjoint part of the
    # tangent, dL = L phi(L^-1 dA L^-H), phi = lower triangle with the diagonal halved.
    (x,), (t,) = primals, tangents
    chol = _cholesky_lower(x)
    sym = (t + jnp.conj(jnp.swapaxes(t, -1, -2))) / 2
    tmp = jax.lax.linalg.triangular_solve(chol, sym, left_side=True, lower=True)
    tmp = jax.lax.linalg.triangular_solve(
        chol, tmp, left_side=False, lower=True, transpose_a=True, conjugate_a=True
    )
    phi = jnp.tril(tmp, -1) + 0.5 * jnp.tril(jnp.triu(tmp))
    return chol, chol @ phi


_cholesky = op(_cholesky_lower, name="cholesky", allowed=_FLOATS)


def cholesky(input) -> Tensor:  # noqa: A002 - TF's name
    """The lower Cholesky factor; only the lower triangle of ``input`` is read.

    A matrix that is not positive definite gives NaNs (TF 2.21 on CPU gives NaNs and
    unspecified numbers there).

    Example:
        >>> import jtape as jt
        >>> cholesky(jt.constant([[4.0, 99.0], [2.0, 2.0]])).numpy().tolist()
        [[2.0, 0.0], [1.0, 1.0]]
    """
    _square(input, "Cholesky")
    return _cholesky(input)


def _rhs_matrix(rhs, kernel: str) -> None:
    if len(_shape(rhs)) < 2:
        raise InvalidArgumentError(f"In[1] ndims must be >= 2: {len(_shape(rhs))} [Op:{kernel}]")


@op(name="matrix_triangular_solve", same_dtype=2, allowed=_TRI_FLOATS)
def _cholesky_solve(chol, rhs):
    return jax.scipy.linalg.cho_solve((chol, True), rhs)


def cholesky_solve(chol, rhs) -> Tensor:
    """Solve ``A x = rhs`` given ``chol``, the lower Cholesky factor of ``A``."""
    _rhs_matrix(rhs, "MatrixTriangularSolve")
    return _cholesky_solve(chol, rhs)


# -- eigen decompositions -------------------------------------------------------------
def _no_nan(x):
    return ~jnp.any(jnp.isnan(jax.lax.stop_gradient(x)))


_EIGH_FAILED = "Self-adjoint eigen decomposition was not successful. The input might not be valid."


@op(name="self_adjoint_eig_v2", allowed=_FLOATS)
def _eigh(x):
    lower = _lower_hermitian(x)
    w, v = jnp.linalg.eigh(lower, symmetrize_input=False)
    return w.astype(x.dtype), v, _no_nan(jnp.tril(x))  # TF: complex input, complex values


def eigh(tensor) -> tuple[Tensor, Tensor]:
    """Eigenvalues (ascending) and eigenvectors (columns) of self-adjoint matrices.

    As TF only the lower triangle is read, so the gradient is lower-triangular; a NaN
    there raises ``InvalidArgumentError`` (eagerly).
    """
    _square(tensor, "SelfAdjointEigV2")
    w, v, ok = _eigh(tensor)
    _check(ok, _EIGH_FAILED, "SelfAdjointEigV2")
    return w, v


@op(name="self_adjoint_eig_v2", allowed=_FLOATS)
def _eigvalsh(x):
    w = jnp.linalg.eigvalsh(_lower_hermitian(x), symmetrize_input=False)
    return w.astype(x.dtype), _no_nan(jnp.tril(x))


def eigvalsh(tensor) -> Tensor:
    """The eigenvalues (ascending) of self-adjoint matrices (lower triangle read)."""
    _square(tensor, "SelfAdjointEigV2")
    w, ok = _eigvalsh(tensor)
    _check(ok, _EIGH_FAILED, "SelfAdjointEigV2")
    return w


@jax.custom_jvp
def _eigenvalues(x):
    return jnp.linalg.eigvals(x)


@_eigenvalues.defjvp
def _eigenvalues_jvp(primals, tangents):
    # first-order perturbation: dw_i = (V^-1 dA V)_ii
    (x,), (t,) = primals, tangents
    w, v = jnp.linalg.eig(x)
    dw = jnp.einsum("...ij,...jk,...ki->...i", jnp.linalg.inv(v), t.astype(w.dtype), v)
    return w, dw


@op(name="eig", allowed=_FLOATS)
def _eig_values(x):
    return _eigenvalues(x), _no_nan(x)


@op(name="eig", allowed=_FLOATS)
def _eig_vectors(x):
    return jnp.linalg.eig(x)[1]


def eigvals(tensor) -> Tensor:
    """The complex eigenvalues of general square matrices (CPU only, JAX's ``eig``)."""
    _square(tensor, "Eig")
    w, ok = _eig_values(tensor)
    _check(ok, "Eigen decomposition was not successful. The input might not be valid.", "Eig")
    return w


def eig(tensor) -> tuple[Tensor, Tensor]:
    """Complex eigenvalues and unit eigenvectors (columns) of general square matrices.

    Runs on CPU only (JAX's ``eig``); real input gives the matching complex dtype.
    Gradients flow through the eigenvalues; JAX refuses them through the eigenvectors.
    """
    return eigvals(tensor), _eig_vectors(tensor)


# -- solvers ---------------------------------------------------------------------------
@op(name="matrix_solve", same_dtype=2, allowed=_FLOATS)
def _solve(matrix, rhs, adjoint):
    if adjoint:
        matrix = jnp.conj(jnp.swapaxes(matrix, -1, -2))
    out = jnp.linalg.solve(matrix, rhs)
    return out, _solved(out, matrix, rhs)


def solve(matrix, rhs, adjoint: bool = False) -> Tensor:
    """Solve ``matrix @ x = rhs`` for ``x`` (``rhs`` is ``[..., M, K]``, as in TF).

    As TF, both have the same rank and batch shape (no broadcasting), and a singular
    ``matrix`` raises ``InvalidArgumentError`` eagerly.

    Example:
        >>> import jtape as jt
        >>> a, b = jt.constant([[2.0, 0.0], [0.0, 4.0]]), jt.constant([[2.0], [2.0]])
        >>> solve(a, b).numpy().tolist()
        [[1.0], [0.5]]
    """
    m, r = _shape(matrix), _shape(rhs)
    kernel = "MatrixSolve"
    if len(m) < 2 or m[-1] != m[-2]:
        raise InvalidArgumentError(f"First input (lhs) must be a square matrix. [Op:{kernel}]")
    if len(m) != len(r):
        raise InvalidArgumentError(f"All input tensors must have the same rank. [Op:{kernel}]")
    if m[:-2] != r[:-2]:
        raise InvalidArgumentError(
            f"All input tensors must have the same outer dimensions. [Op:{kernel}]"
        )
    if m[-1] != r[-2]:
        raise InvalidArgumentError(f"Input matrix and rhs are incompatible. [Op:{kernel}]")
    out, ok = _solve(matrix, rhs, bool(adjoint))
    _check(ok, "Input matrix is not invertible.", kernel)
    return out


@op(name="matrix_triangular_solve", same_dtype=2, allowed=_TRI_FLOATS)
def _triangular_solve(matrix, rhs, lower, adjoint):
    batch = jnp.broadcast_shapes(matrix.shape[:-2], rhs.shape[:-2])
    matrix = jnp.broadcast_to(matrix, batch + matrix.shape[-2:])
    rhs = jnp.broadcast_to(rhs, batch + rhs.shape[-2:])
    return jax.lax.linalg.triangular_solve(
        matrix, rhs, left_side=True, lower=lower, transpose_a=adjoint, conjugate_a=adjoint
    )


def triangular_solve(matrix, rhs, lower: bool = True, adjoint: bool = False) -> Tensor:
    """Solve a triangular system; only the ``lower`` (or upper) triangle is read."""
    kernel = "MatrixTriangularSolve"
    _rhs_matrix(rhs, kernel)
    m, r = _shape(matrix), _shape(rhs)
    if m[-1] != r[-2]:
        raise InvalidArgumentError(
            f"In[0] mismatch In[1] shape: {m[-1]} vs. {r[-2]}: [{','.join(map(str, m))}] "
            f"[{','.join(map(str, r))}] {int(bool(lower))} {int(bool(adjoint))} [Op:{kernel}]"
        )
    return _triangular_solve(matrix, rhs, bool(lower), bool(adjoint))


@op(name="matrix_solve_ls", same_dtype=2, allowed=_FLOATS)
def _lstsq(matrix, rhs, l2_regularizer, fast):
    if not fast:  # TF's complete orthogonal decomposition: the minimum-norm solution
        return jnp.linalg.pinv(matrix) @ rhs
    # TF's fast path: the (regularized) normal equations, solved by Cholesky
    a_h = jnp.conj(jnp.swapaxes(matrix, -1, -2))
    rows, cols = matrix.shape[-2], matrix.shape[-1]
    small = min(rows, cols)
    ridge = jnp.asarray(l2_regularizer, matrix.dtype) * jnp.eye(small, dtype=matrix.dtype)
    if rows >= cols:
        chol = _cholesky_lower(a_h @ matrix + ridge)
        return jax.scipy.linalg.cho_solve((chol, True), a_h @ rhs)
    chol = _cholesky_lower(matrix @ a_h + ridge)
    return a_h @ jax.scipy.linalg.cho_solve((chol, True), rhs)


def lstsq(matrix, rhs, l2_regularizer=0.0, fast: bool = True) -> Tensor:
    """Least-squares solution of ``matrix @ x = rhs``, by TF's algorithms.

    ``fast=True``: the normal equations (with ``l2_regularizer``) by Cholesky, so a
    rank-deficient ``matrix`` gives unreliable numbers, as in TF. ``fast=False``: the
    minimum-norm solution; as TF, ``l2_regularizer`` is then ignored.
    """
    m, r = _shape(matrix), _shape(rhs)
    if len(r) < 2:
        raise InvalidArgumentError("In[1] ndims must be >= 2 [Op:MatMul]")
    if m[-2] != r[-2]:
        raise InvalidArgumentError(
            f"Matrix size-incompatible: In[0]: [{','.join(map(str, m[::-1][:2][::-1]))}], "
            f"In[1]: [{','.join(map(str, r[-2:]))}] [Op:MatMul]"
        )
    return _lstsq(matrix, rhs, float(l2_regularizer), bool(fast))


@op(name="qr", allowed=_FLOATS)
def _qr(x, full_matrices):
    q, r = jnp.linalg.qr(x, mode="complete" if full_matrices else "reduced")
    return q, r


def qr(input, full_matrices: bool = False) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``(q, r)`` with ``q`` orthonormal columns and ``r`` upper triangular."""
    return _qr(input, bool(full_matrices))


@op(name="svd", allowed=_FLOATS)
def _svd(x, full_matrices, compute_uv):
    if not compute_uv:
        return jnp.linalg.svd(x, compute_uv=False)
    u, s, vh = jnp.linalg.svd(x, full_matrices=full_matrices)
    return s, u, jnp.conj(jnp.swapaxes(vh, -1, -2))


@op(name="svd", allowed=_FLOATS)
def _full_vectors(x):
    u, _, vh = jnp.linalg.svd(x, full_matrices=True)
    return u, jnp.conj(jnp.swapaxes(vh, -1, -2))


def svd(tensor, full_matrices: bool = False, compute_uv: bool = True):
    """Singular values, as TF: ``(s, u, v)`` with ``tensor = u @ diag(s) @ adjoint(v)``.

    Unlike ``numpy.linalg.svd`` the singular values come first and ``v`` is not
    transposed, matching ``tf.linalg.svd``.
    """
    if full_matrices and compute_uv:
        # two ops, so that gradients through ``s`` work (JAX has none for full vectors)
        return _svd(tensor, False, False), *_full_vectors(tensor)
    return _svd(tensor, bool(full_matrices), bool(compute_uv))


@op(name="pinv")
def _pinv(a, rcond):
    return jnp.linalg.pinv(a, rtol=rcond)


def pinv(a, rcond=None) -> Tensor:
    """Moore-Penrose pseudo-inverse; singular values below ``rcond * max(s)`` count as 0.

    ``rcond`` defaults to TF's ``10 * max(rows, cols) * eps``.
    """
    from ._array_ops import convert_to_tensor

    a = a if hasattr(a, "dtype") else convert_to_tensor(a)
    dtype = np.dtype(_dtypes.as_dtype(a.dtype))
    if dtype.kind != "f":
        raise TypeError(f"Input `a` must have `float`-like `dtype` (saw {np.dtype(dtype).name}).")
    if rcond is None:
        rows, cols = _shape(a)[-2:]
        rcond = 10.0 * max(rows, cols) * float(np.finfo(dtype).eps)
    return _pinv(a, float(rcond))


_expm = op(jax.scipy.linalg.expm, name="expm")


def expm(input) -> Tensor:  # noqa: A002 - TF's name
    """The matrix exponential of each square matrix."""
    dtype = _dtypes.as_dtype(input.dtype) if hasattr(input, "dtype") else None
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        raise ValueError(
            f"tf.linalg.expm does not support matrices of type <dtype: '{np.dtype(dtype).name}'>"
        )
    return _expm(input)


# -- LU --------------------------------------------------------------------------------
@op(name="lu", allowed=_FLOATS)
def _lu(x, index_dtype):
    lu, _, perm = jax.lax.linalg.lu(x)
    return lu, perm.astype(index_dtype), _invertible(jax.lax.stop_gradient(lu))


def lu(input, output_idx_type=_dtypes.int32) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``(lower_upper, perm)``: ``L`` (unit diagonal, below) and ``U`` packed in one
    matrix, and the row permutation, so ``input[perm] == L @ U``."""
    _square(input, "Lu")
    lower_upper, perm, ok = _lu(input, np.dtype(_dtypes.as_dtype(output_idx_type)))
    _check(ok, "Input is not invertible.", "Lu")
    return lower_upper, perm


def _unpack_lu(lower_upper):
    n = lower_upper.shape[-1]
    lower = jnp.tril(lower_upper, -1) + jnp.eye(n, dtype=lower_upper.dtype)
    return lower, jnp.triu(lower_upper)


def _inverse_perm(perm):
    return jnp.argsort(perm, axis=-1)


@op(name="lu_reconstruct")
def lu_reconstruct(lower_upper, perm):
    """The matrix whose :func:`lu` is ``(lower_upper, perm)``."""
    lower, upper = _unpack_lu(lower_upper)
    product = lower @ upper
    return jnp.take_along_axis(product, _inverse_perm(perm)[..., None], axis=-2)


@op(name="lu_solve")
def lu_solve(lower_upper, perm, rhs):
    """Solve ``A x = rhs`` given ``lu(A)``."""
    lower, upper = _unpack_lu(lower_upper)
    permuted = jnp.take_along_axis(rhs, jnp.broadcast_to(perm[..., None], rhs.shape), axis=-2)
    y = jax.lax.linalg.triangular_solve(lower, permuted, left_side=True, lower=True)
    return jax.lax.linalg.triangular_solve(upper, y, left_side=True, lower=False)


def lu_matrix_inverse(lower_upper, perm) -> Tensor:
    """The inverse of ``A`` given ``lu(A)``."""
    from ._array_ops import eye

    n = _shape(lower_upper)[-1]
    batch = _shape(lower_upper)[:-2]
    identity = eye(n, dtype=lower_upper.dtype)
    if batch:
        from ._array_ops import broadcast_to

        identity = broadcast_to(identity, batch + (n, n))
    return lu_solve(lower_upper, perm, identity)


# -- shapes, bands, diagonals -----------------------------------------------------------
@op
def _matrix_transpose(a, conjugate):
    out = jnp.swapaxes(a, -1, -2)
    return jnp.conj(out) if conjugate else out


def matrix_transpose(a, conjugate: bool = False) -> Tensor:
    """Swap the last two axes (and conjugate, if asked)."""
    if len(_shape(a)) < 2:
        raise ValueError(
            "Argument `a` should be a (batch) matrix with rank >= 2.  Received `a` = "
            f"{np.asarray(getattr(a, 'numpy', lambda: a)())} with shape: {_shape(a)}"
        )
    return _matrix_transpose(a, bool(conjugate))


def adjoint(matrix) -> Tensor:
    """Conjugate transpose of the last two axes."""
    return matrix_transpose(matrix, True)


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


def _diag_range(k) -> tuple[int, int]:
    v = np.asarray(getattr(k, "_value", k)).reshape(-1)
    lo, hi = (int(v[0]), int(v[0])) if v.size == 1 else (int(v[0]), int(v[1]))
    if lo > hi:
        raise InvalidArgumentError(
            f"lower_diag_index must not be larger than upper_diag_index: {lo} > {hi}"
        )
    return lo, hi


def _diag_len(d: int, rows: int, cols: int) -> int:
    return min(rows + min(0, d), cols - max(0, d))


def _diag_layout(rows: int, cols: int, lo: int, hi: int, align: str):
    """For each element of an ``[rows, cols]`` matrix: its place ``diag * width + pos``
    in TF's packed ``[hi - lo + 1, width]`` diagonals, or -1 outside the band."""
    width = max(_diag_len(d, rows, cols) for d in range(lo, hi + 1))
    sup, sub = align.split("_")
    i = np.arange(rows)[:, None]
    j = np.arange(cols)[None, :]
    d = j - i
    length = np.minimum(rows + np.minimum(0, d), cols - np.maximum(0, d))
    right = np.where(d >= 0, sup == "RIGHT", sub == "RIGHT")
    pos = np.where(d >= 0, i, j) + np.where(right, width - length, 0)
    place = (hi - d) * width + pos
    return np.where((d >= lo) & (d <= hi), place, -1), width


@op(name="matrix_diag_part_v3")
def _diag_part(x, lo, hi, padding_value, align):
    rows, cols = x.shape[-2], x.shape[-1]
    place, width = _diag_layout(rows, cols, lo, hi, align)
    n = hi - lo + 1
    src = np.full(n * width, rows * cols, np.int64)  # past the end: padding
    inside = place >= 0
    src[place[inside]] = (np.arange(rows * cols).reshape(rows, cols))[inside]
    batch = x.shape[:-2]
    pad = jnp.full(batch + (1,), padding_value, x.dtype)
    flat = jnp.concatenate([x.reshape(batch + (rows * cols,)), pad], axis=-1)
    out = jnp.take(flat, src, axis=-1).reshape(x.shape[:-2] + (n, width))
    return out[..., 0, :] if n == 1 else out


def diag_part(input, k=0, padding_value=0, align: str = "RIGHT_LEFT") -> Tensor:  # noqa: A002
    """Diagonal ``k`` (or the band ``k = (lo, hi)``, top diagonal first, aligned by
    ``align`` and padded with ``padding_value``) of each matrix, as TF's
    ``matrix_diag_part``."""
    lo, hi = _diag_range(k)
    return _diag_part(input, lo, hi, padding_value, str(align))


@op(name="matrix_set_diag_v3")
def _set_diag(x, diagonal, lo, hi, align):
    rows, cols = x.shape[-2], x.shape[-1]
    place, width = _diag_layout(rows, cols, lo, hi, align)
    flat = diagonal.reshape(diagonal.shape[: x.ndim - 2] + (-1,))
    values = jnp.take(flat, np.maximum(place, 0).reshape(-1), axis=-1).reshape(x.shape)
    return jnp.where(place >= 0, values, x)


def _check_diagonal(x_shape, d_shape, lo, hi) -> None:
    rows, cols = x_shape[-2:]
    width = max(_diag_len(d, rows, cols) for d in range(lo, hi + 1))
    want = tuple(x_shape[:-2]) + ((width,) if lo == hi else (hi - lo + 1, width))
    if tuple(d_shape) != want:
        raise InvalidArgumentError(
            "Either first dimensions of diagonal don't match input.shape[:-2], or "
            "diagonal.shape[:-1] is not equal to the longests diagonal in range "
            "[lower_diag_index:upper_diag_index].Input shape: "
            f"[{','.join(map(str, x_shape))}]Diagonal shape: [{','.join(map(str, d_shape))}]"
            f"Expected diagonal shape: [{','.join(map(str, want))}] [Op:MatrixSetDiagV3]"
        )


def set_diag(input, diagonal, k=0, align: str = "RIGHT_LEFT") -> Tensor:  # noqa: A002
    """``input`` with its diagonal ``k`` (or band ``(lo, hi)``) replaced by ``diagonal``."""
    lo, hi = _diag_range(k)
    _check_diagonal(_shape(input), _shape(diagonal), lo, hi)
    return _set_diag(input, diagonal, lo, hi, str(align))


@op(name="matrix_diag_v3")
def _diag(diagonal, lo, hi, rows, cols, padding_value, align):
    n = hi - lo + 1
    batch = diagonal.shape[:-1] if n == 1 else diagonal.shape[:-2]
    width = diagonal.shape[-1]
    if rows < 0 or cols < 0:
        min_rows = width - min(hi, 0)
        min_cols = width + max(lo, 0)
        if rows < 0 and cols < 0:
            rows = cols = max(min_rows, min_cols)
        elif rows < 0:
            rows = min_rows
        else:
            cols = min_cols
    place, _ = _diag_layout(rows, cols, lo, hi, align)
    flat = jnp.concatenate(
        [diagonal.reshape(batch + (-1,)), jnp.full(batch + (1,), padding_value, diagonal.dtype)],
        axis=-1,
    )
    src = np.where(place >= 0, place, n * width).reshape(-1)
    return jnp.take(flat, src, axis=-1).reshape(batch + (rows, cols))


def diag(
    diagonal, k=0, num_rows=-1, num_cols=-1, padding_value=0, align: str = "RIGHT_LEFT"
) -> Tensor:
    """Matrices with ``diagonal`` on diagonal ``k`` (or the band ``k = (lo, hi)``), as
    TF's ``matrix_diag``; the rest is ``padding_value``.

    Example:
        >>> import jtape as jt
        >>> diag(jt.constant([1, 2]), k=1).numpy().tolist()
        [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    """
    lo, hi = _diag_range(k)
    return _diag(diagonal, lo, hi, int(num_rows), int(num_cols), padding_value, str(align))


@op(name="trace")
def trace(x):
    """The sum of each matrix's main diagonal, in ``x``'s dtype."""
    return jnp.sum(jnp.diagonal(x, axis1=-2, axis2=-1), axis=-1, dtype=x.dtype)


@op(name="mat_mul", allowed=_MATMUL_TYPES)
def _matvec(a, b, transpose_a, adjoint_a):
    if transpose_a or adjoint_a:
        a = jnp.swapaxes(a, -1, -2)
        a = jnp.conj(a) if adjoint_a else a
    return jnp.einsum("...ij,...j->...i", a, b)


def matvec(a, b, transpose_a: bool = False, adjoint_a: bool = False) -> Tensor:
    """Matrix-vector product ``a @ b`` over the last axes."""
    return _matvec(a, b, bool(transpose_a), bool(adjoint_a))


_cross = op(jnp.cross, name="cross", same_dtype=2)


def cross(a, b) -> Tensor:
    """The cross product of 3-element vectors (``a`` and ``b`` of one shape, as TF)."""
    sa, sb = _shape(a), _shape(b)
    if sa != sb:
        raise InvalidArgumentError(
            f"Both inputs must be of same shape: [{','.join(map(str, sa))}] vs. "
            f"[{','.join(map(str, sb))}] [Op:Cross]"
        )
    if not sa or sa[-1] != 3:
        raise FailedPreconditionError(
            "Cross-products are only defined for 3-element vectors. [Op:Cross]"
        )
    return _cross(a, b)


# -- norms -------------------------------------------------------------------------------
_MATRIX_ORDS = ("euclidean", "fro", 1, 2, np.inf)


@op(name="sqrt", allowed="float")
def _euclidean(x, axis, keepdims):
    return jnp.sqrt(jnp.sum(x * jnp.conj(x), axis=axis, keepdims=keepdims))


@op(name="norm")
def _vector_norm(x, ord, axis, keepdims):  # noqa: A002 - TF's name
    a = _tf_gradients.abs(x)  # TF's derivative at 0: 0
    if ord == 1:
        return jnp.sum(a, axis=axis, keepdims=keepdims, dtype=a.dtype)
    if ord == np.inf:  # an empty vector's is TF's max identity
        return jnp.max(a, axis=axis, keepdims=keepdims, initial=-jnp.inf)
    return jnp.sum(a**ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


@op(name="norm")
def _matrix_norm(x, ord, axis, keepdims):  # noqa: A002 - TF's name
    rows, cols = axis
    if ord == 2:
        moved = jnp.moveaxis(x, (rows, cols), (-2, -1))
        out = jnp.max(jnp.linalg.svd(moved, compute_uv=False), axis=-1)
        if keepdims:
            out = jnp.expand_dims(out, sorted(a % x.ndim for a in axis))
        return out
    a = _tf_gradients.abs(x)
    summed, maxed = (rows, cols) if ord == 1 else (cols, rows)
    out = jnp.max(jnp.sum(a, axis=summed, keepdims=True), axis=maxed, keepdims=True)
    return out if keepdims else jnp.squeeze(out, axis)


def norm(tensor, ord="euclidean", axis=None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """Vector or matrix norm, as ``tf.norm``.

    ``axis`` None (all elements as one vector) or an int: a vector norm (``ord`` one of
    ``'euclidean'``, ``inf`` or a positive number); ``axis`` a pair: a matrix norm
    (``'euclidean'``/``'fro'``, ``1``, ``2``, ``inf``). The Euclidean norm of a complex
    tensor stays complex, as in TF.

    Example:
        >>> import jtape as jt
        >>> float(norm(jt.constant([[3.0, -4.0], [1.0, 2.0]]), ord=1))
        10.0
    """
    if hasattr(axis, "_value"):
        axis = np.asarray(axis._value).tolist()
    matrix = isinstance(axis, (list, tuple)) and len(axis) == 2
    if matrix:
        if axis[0] == axis[1]:
            raise ValueError(
                "'axis' must be None, an integer, or a tuple of 2 unique integers, got "
                f"{tuple(axis) if isinstance(axis, list) else axis}"
            )
        if ord not in _MATRIX_ORDS:
            raise ValueError(
                "'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, 2, inf], "
                f"got {ord}"
            )
    else:
        if not (axis is None or isinstance(axis, (int, np.integer))):
            raise ValueError(
                f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}"
            )
        if ord != "euclidean" and (isinstance(ord, str) or not np.isreal(ord) or ord <= 0):
            raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    keepdims = bool(keepdims)
    if ord in ("euclidean", "fro") or (ord == 2 and not matrix):
        return _euclidean(tensor, _axis(axis), keepdims)
    if matrix:
        return _matrix_norm(tensor, ord, tuple(int(a) for a in axis), keepdims)
    return _vector_norm(tensor, float(ord) if ord != np.inf else np.inf, _axis(axis), keepdims)


def normalize(tensor, ord="euclidean", axis=None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``(tensor / norm, norm)`` with the norm kept in ``tensor``'s rank, as TF."""
    from ._math_ops import cast, divide

    n = norm(tensor, ord, axis, keepdims=True)
    n = cast(n, tensor.dtype) if n.dtype != tensor.dtype else n
    return divide(tensor, n), n


@op
def _l2_normalize(x, axis, epsilon):
    square_sum = jnp.sum(jnp.square(jnp.abs(x)), axis=axis, keepdims=True)
    return x * jax.lax.rsqrt(jnp.maximum(square_sum, epsilon))


def l2_normalize(x, axis=None, epsilon: float = 1e-12) -> Tensor:
    """``x / sqrt(max(sum(x**2, axis), epsilon))``, as ``tf.math.l2_normalize``."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None and np.dtype(_dtypes.as_dtype(dtype)).kind not in "fc":
        raise TypeError(
            f"Cannot convert {float(epsilon)!r} to EagerTensor of dtype "
            f"{_dtypes.as_dtype(dtype).name}"
        )
    return _l2_normalize(x, _axis(axis), float(epsilon))


# -- tridiagonal systems -------------------------------------------------------------------
def _tridiagonal_parts(diagonals, diagonals_format: str, kernel: str):
    """``(superdiagonal, main, subdiagonal)``, each ``[..., M]`` (TF's compact layout: the
    superdiagonal's last and the subdiagonal's first entries are unused)."""
    from ._array_ops import convert_to_tensor, pad, stack

    if diagonals_format == "compact":
        d = diagonals if hasattr(diagonals, "shape") else convert_to_tensor(diagonals)
        if len(_shape(d)) < 2 or _shape(d)[-2] != 3:
            raise ValueError(
                f"Expected last two dimensions of diagonals to be (3, M), got {_shape(d)}"
            )
        return d
    if diagonals_format == "matrix":
        return _matrix_to_compact(diagonals)
    if diagonals_format == "sequence":
        sup, main, sub = (v if hasattr(v, "shape") else convert_to_tensor(v) for v in diagonals)
        m = _shape(main)[-1]
        if _shape(sup)[-1] == m - 1 and kernel == "TridiagonalSolve":
            rank = len(_shape(sup))
            sup = pad(sup, [[0, 0]] * (rank - 1) + [[0, 1]])
            sub = pad(sub, [[0, 0]] * (rank - 1) + [[1, 0]])
        if _shape(sup)[-1] != m:
            raise InvalidArgumentError(f"Invalid superdiagonal shape. [Op:{kernel}]")
        if _shape(sub)[-1] != m:
            raise InvalidArgumentError(f"Invalid subdiagonal shape. [Op:{kernel}]")
        return stack([sup, main, sub], axis=-2)
    raise ValueError(f"Unrecognized diagonals_format: {diagonals_format}")


@op(name="tridiagonal_solve")
def _matrix_to_compact(matrix):
    sup = jnp.pad(jnp.diagonal(matrix, 1, -2, -1), [(0, 0)] * (matrix.ndim - 2) + [(0, 1)])
    sub = jnp.pad(jnp.diagonal(matrix, -1, -2, -1), [(0, 0)] * (matrix.ndim - 2) + [(1, 0)])
    return jnp.stack([sup, jnp.diagonal(matrix, 0, -2, -1), sub], axis=-2)


def _tridiagonal_dense(d):
    m = d.shape[-1]
    sup, main, sub = d[..., 0, :], d[..., 1, :], d[..., 2, :]
    eye = jnp.eye(m, dtype=d.dtype)
    return (
        main[..., :, None] * eye
        + sup[..., :, None] * jnp.eye(m, k=1, dtype=d.dtype)
        + sub[..., :, None] * jnp.eye(m, k=-1, dtype=d.dtype)
    )


@op(
    name="tridiagonal_solve",
    same_dtype=2,
    allowed=("inexact", "double, float, complex64, complex128"),
)
def _tridiagonal_solve(d, rhs, vector):
    # Gaussian elimination with partial pivoting on the dense matrix (TF's default)
    if vector:
        rhs = rhs[..., None]
    out = jnp.linalg.solve(_tridiagonal_dense(d), rhs)
    return out[..., 0] if vector else out


def tridiagonal_solve(
    diagonals,
    rhs,
    diagonals_format: str = "compact",
    transpose_rhs: bool = False,
    conjugate_rhs: bool = False,
    partial_pivoting: bool = True,
    perturb_singular: bool = False,
) -> Tensor:
    """Solve tridiagonal systems, as ``tf.linalg.tridiagonal_solve``.

    ``diagonals``: ``[..., 3, M]`` (``"compact"``: super-, main and subdiagonal), the
    ``[..., M, M]`` matrix, or a ``(super, main, sub)`` sequence. Solved by pivoted LU
    on the dense matrix (``O(M^3)``), also with ``partial_pivoting=False``, where TF
    gives NaNs at a zero pivot.

    Example:
        >>> import jtape as jt
        >>> d = jt.constant([[0.0, 1.0, 1.0], [2.0, 2.0, 2.0], [1.0, 1.0, 0.0]])
        >>> tridiagonal_solve(d, jt.constant([[1.0], [2.0], [3.0]])).numpy().ravel().tolist()
        [0.5, 0.0, 1.5]
    """
    from ._array_ops import convert_to_tensor
    from ._math_ops import conj

    if perturb_singular:
        raise NotImplementedError("tridiagonal_solve: perturb_singular=True is not supported")
    d = _tridiagonal_parts(diagonals, diagonals_format, "TridiagonalSolve")
    rhs = rhs if hasattr(rhs, "shape") else convert_to_tensor(rhs)
    if transpose_rhs:
        rhs = matrix_transpose(rhs)
    if conjugate_rhs:
        rhs = conj(rhs)
    vector = len(_shape(rhs)) == len(_shape(d)) - 1
    return _tridiagonal_solve(d, rhs, vector)


@op(
    name="tridiagonal_mat_mul",
    same_dtype=2,
    allowed=("inexact", "double, float, complex64, complex128"),
)
def _tridiagonal_matmul(d, rhs):
    return _tridiagonal_dense(d) @ rhs


def tridiagonal_matmul(diagonals, rhs, diagonals_format: str = "compact") -> Tensor:
    """The product of tridiagonal matrices (formats as :func:`tridiagonal_solve`) and
    ``rhs`` ``[..., M, N]``."""
    return _tridiagonal_matmul(
        _tridiagonal_parts(diagonals, diagonals_format, "TridiagonalMatMul"), rhs
    )
