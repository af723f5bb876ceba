"""Low-rank matrix approximation with tf.linalg.svd, in float32 and float64."""

import numpy as np

DESCRIPTION = (
    "TF Core guide 'Matrix approximation with Core APIs': tf.linalg.svd, rank-r "
    "reconstruction, relative error and storage counts"
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}


def run(tf):
    rng = np.random.RandomState(4)
    base = rng.normal(size=(12, 3)) @ rng.normal(size=(3, 9))
    matrix = base + 0.05 * rng.normal(size=(12, 9))

    def rank_r_approx(s, U, V, r):
        s_r, U_r, V_r = s[..., :r], U[..., :, :r], V[..., :, :r]
        A_r = tf.einsum("...s,...is,...js->...ij", s_r, U_r, V_r)
        return A_r

    figures = {}
    for label, dtype in (("f32", tf.float32), ("f64", tf.float64)):
        A = tf.constant(matrix, dtype=dtype)
        s, U, V = tf.linalg.svd(A)
        figures[f"{label}_s"] = s.numpy()
        figures[f"{label}_s_dtype"] = str(s.dtype.name)
        figures[f"{label}_shapes"] = f"{s.shape.as_list()} {U.shape.as_list()} {V.shape.as_list()}"
        # U diag(s) V^T recovers A; the singular vectors' signs are not compared.
        full = tf.matmul(U, tf.matmul(tf.linalg.diag(s), V, adjoint_b=True))
        figures[f"{label}_full_reconstruction"] = full.numpy()
        errors = []
        for r in range(1, 6):
            A_r = rank_r_approx(s, U, V, r)
            errors.append(tf.norm(A - A_r) / tf.norm(A))
        figures[f"{label}_rel_errors"] = tf.stack(errors).numpy()
        figures[f"{label}_rank3"] = rank_r_approx(s, U, V, 3).numpy()
        orth = tf.matmul(U, U, transpose_a=True)
        figures[f"{label}_orthogonality"] = orth.numpy()

    A = tf.constant(matrix, dtype=tf.float32)
    s_only = tf.linalg.svd(A, compute_uv=False)
    figures["s_only"] = s_only.numpy()
    s_full, U_full, V_full = tf.linalg.svd(A, full_matrices=True)
    figures["full_matrices_shapes"] = f"{U_full.shape.as_list()} {V_full.shape.as_list()}"

    # Batched SVD of a stack of matrices.
    batch = tf.constant(rng.normal(size=(2, 4, 3)), dtype=tf.float32)
    s_b, U_b, V_b = tf.linalg.svd(batch)
    figures["batch_s"] = s_b.numpy()
    figures["batch_reconstruction"] = rank_r_approx(s_b, U_b, V_b, 3).numpy()

    # Storage needed by the rank-r factors against the full matrix.
    m, n = A.shape
    figures["storage"] = np.array([r * (m + n + 1) for r in range(1, 6)] + [m * n])
    figures["storage_dtype"] = str(tf.constant(figures["storage"]).dtype.name)
    return figures
