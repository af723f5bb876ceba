"""``tf.linalg``: TensorFlow's linear-algebra names over jtape ops (naming only)."""

from __future__ import annotations

from .. import _array_ops as A
from .. import _clip_ops as C
from .. import _linalg_ops as L
from .. import _math_ops as M
from ._api import tf_api
from ._missing import missing


def _eye(num_rows, num_columns=None, batch_shape=None, dtype="float32"):
    out = A.eye(num_rows, num_columns, dtype)
    if batch_shape is not None:
        shape = tuple(int(d) for d in batch_shape) + tuple(out.shape)
        out = A.broadcast_to(out, shape)
    return out


# TF name -> (jtape callable, TF keyword -> jtape keyword, tensor params).
TABLE = {
    "adjoint": (L.adjoint, {}, ("matrix",)),
    "band_part": (L.band_part, {}, ("input",)),
    "cholesky": (L.cholesky, {}, ("input",)),
    "cholesky_solve": (L.cholesky_solve, {}, ("chol", "rhs")),
    "cross": (L.cross, {}, ("a", "b")),
    "det": (L.det, {}, ("input",)),
    "diag": (L.diag, {}, ("diagonal",)),
    "diag_part": (L.diag_part, {}, ("input",)),
    "eig": (L.eig, {}, ("tensor",)),
    "eigh": (L.eigh, {}, ("tensor",)),
    "eigvals": (L.eigvals, {}, ("tensor",)),
    "eigvalsh": (L.eigvalsh, {}, ("tensor",)),
    "einsum": (M.einsum, {}, ()),
    "expm": (L.expm, {}, ("input",)),
    "eye": (_eye, {}, ()),
    "global_norm": (C.global_norm, {}, ()),
    "inv": (L.inv, {}, ("input",)),
    "l2_normalize": (L.l2_normalize, {}, ("x",)),
    "logdet": (L.logdet, {}, ("matrix",)),
    "lstsq": (L.lstsq, {}, ("matrix", "rhs")),
    "lu": (L.lu, {}, ("input",)),
    "lu_matrix_inverse": (L.lu_matrix_inverse, {}, ("lower_upper", "perm")),
    "lu_reconstruct": (L.lu_reconstruct, {}, ("lower_upper", "perm")),
    "lu_solve": (L.lu_solve, {}, ("lower_upper", "perm", "rhs")),
    "matmul": (M.matmul, {}, ("a", "b")),
    "matrix_transpose": (L.matrix_transpose, {}, ("a",)),
    "matvec": (L.matvec, {}, ("a", "b")),
    "norm": (L.norm, {}, ("tensor",)),
    "normalize": (L.normalize, {}, ("tensor",)),
    "pinv": (L.pinv, {}, ("a",)),
    "qr": (L.qr, {}, ("input",)),
    "set_diag": (L.set_diag, {}, ("input", "diagonal")),
    "slogdet": (L.slogdet, {}, ("input",)),
    "solve": (L.solve, {}, ("matrix", "rhs")),
    "svd": (L.svd, {}, ("tensor",)),
    "tensordot": (M.tensordot, {}, ("a", "b")),
    "trace": (L.trace, {}, ("x",)),
    "triangular_solve": (L.triangular_solve, {}, ("matrix", "rhs")),
    "tridiagonal_matmul": (L.tridiagonal_matmul, {}, ()),
    "tridiagonal_solve": (L.tridiagonal_solve, {}, ()),
}

_API = {
    name: tf_api(fn, renames, tf_name=name, tensors=tensors)
    for name, (fn, renames, tensors) in TABLE.items()
}
globals().update(_API)
__all__ = sorted(_API)
__getattr__ = missing("tf.linalg")
