"""Every op of the core library: values vs jax.numpy, gradients via ``check_grads``."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt

R = np.random.default_rng(0)
X = R.standard_normal((2, 3)).astype(np.float32)
Y = R.standard_normal((2, 3)).astype(np.float32)
POS = (np.abs(X) + 0.5).astype(np.float32)  # positive inputs for log, sqrt, pow, ...
UNIT = np.clip(X * 0.4, -0.8, 0.8).astype(np.float32)  # inside (-1, 1) for asin, atanh
BIG = (POS + 1.0).astype(np.float32)  # > 1 for acosh
AWAY = np.where(np.abs(X) < 0.2, 0.5, X).astype(np.float32)  # away from kinks at 0


def _ids(v):
    return v if isinstance(v, str) else ""


# (name, jtape function, pure jax function, args)
UNARY = [
    ("negative", jt.negative, jnp.negative, [X]),
    ("abs", jt.abs, jnp.abs, [AWAY]),
    ("square", jt.square, jnp.square, [X]),
    ("sqrt", jt.sqrt, jnp.sqrt, [POS]),
    ("rsqrt", jt.rsqrt, jax.lax.rsqrt, [POS]),
    ("exp", jt.exp, jnp.exp, [X]),
    ("expm1", jt.expm1, jnp.expm1, [X]),
    ("log", jt.log, jnp.log, [POS]),
    ("log1p", jt.log1p, jnp.log1p, [POS]),
    ("sin", jt.sin, jnp.sin, [X]),
    ("cos", jt.cos, jnp.cos, [X]),
    ("tan", jt.tan, jnp.tan, [UNIT]),
    ("asin", jt.asin, jnp.arcsin, [UNIT]),
    ("acos", jt.acos, jnp.arccos, [UNIT]),
    ("atan", jt.atan, jnp.arctan, [X]),
    ("sinh", jt.sinh, jnp.sinh, [X]),
    ("cosh", jt.cosh, jnp.cosh, [X]),
    ("tanh", jt.tanh, jnp.tanh, [X]),
    ("asinh", jt.asinh, jnp.arcsinh, [X]),
    ("acosh", jt.acosh, jnp.arccosh, [BIG]),
    ("atanh", jt.atanh, jnp.arctanh, [UNIT]),
    ("sigmoid", jt.sigmoid, jax.nn.sigmoid, [X]),
    ("reciprocal", jt.reciprocal, jnp.reciprocal, [POS]),
    ("erf", jt.erf, jax.scipy.special.erf, [X]),
    ("lgamma", jt.lgamma, jax.scipy.special.gammaln, [POS]),
    ("digamma", jt.digamma, jax.scipy.special.digamma, [BIG]),
    ("identity", jt.identity, lambda x: x, [X]),
    ("relu", jt.relu, jax.nn.relu, [AWAY]),
    ("relu6", jt.relu6, jax.nn.relu6, [AWAY * 4]),
    ("elu", jt.elu, jax.nn.elu, [AWAY]),
    ("selu", jt.selu, jax.nn.selu, [AWAY]),
    ("softplus", jt.softplus, jax.nn.softplus, [X]),
    ("softsign", jt.softsign, jax.nn.soft_sign, [AWAY]),
    ("silu", jt.silu, jax.nn.silu, [X]),
    ("swish", jt.swish, jax.nn.silu, [X]),
    ("log_sigmoid", jt.log_sigmoid, jax.nn.log_sigmoid, [X]),
    ("leaky_relu", jt.leaky_relu, lambda x: jnp.where(x > 0, x, 0.2 * x), [AWAY]),
    (
        "leaky_relu_alpha",
        lambda x: jt.leaky_relu(x, alpha=0.1),
        lambda x: jnp.where(x > 0, x, 0.1 * x),
        [AWAY],
    ),
    ("gelu", jt.gelu, lambda x: jax.nn.gelu(x, approximate=False), [X]),
    (
        "gelu_tanh",
        lambda x: jt.gelu(x, approximate=True),
        lambda x: jax.nn.gelu(x, approximate=True),
        [X],
    ),
    ("l2_loss", jt.l2_loss, lambda x: jnp.sum(x * x) / 2, [X]),
]

BINARY = [
    ("add", jt.add, jnp.add, [X, Y]),
    ("subtract", jt.subtract, jnp.subtract, [X, Y]),
    ("multiply", jt.multiply, jnp.multiply, [X, Y]),
    ("divide", jt.divide, jnp.divide, [X, POS]),
    ("pow", jt.pow, jnp.power, [POS, Y]),
    ("maximum", jt.maximum, jnp.maximum, [X, Y]),
    ("minimum", jt.minimum, jnp.minimum, [X, Y]),
    ("atan2", jt.atan2, jnp.arctan2, [X, POS]),
    ("squared_difference", jt.squared_difference, lambda a, b: (a - b) ** 2, [X, Y]),
    ("divide_no_nan", jt.divide_no_nan, jnp.divide, [X, POS]),
    ("broadcast_add", jt.add, jnp.add, [X, Y[0]]),
    ("broadcast_mul_scalar", jt.multiply, jnp.multiply, [X, np.float32(1.5)]),
    ("mod_float", jt.mod, jnp.mod, [POS * 2.5, POS]),
]

REDUCTIONS = [
    ("sum", jt.sum, jnp.sum),
    ("mean", jt.mean, jnp.mean),
    ("max", jt.max, jnp.max),
    ("min", jt.min, jnp.min),
    ("prod", jt.prod, jnp.prod),
    ("logsumexp", jt.logsumexp, jax.scipy.special.logsumexp),
    ("std", jt.std, jnp.std),
    ("variance", jt.variance, jnp.var),
]


@pytest.mark.parametrize("name, f, pure, args", UNARY + BINARY, ids=_ids)
def test_elementwise_values_and_gradients(name, f, pure, args):
    check_grads(f, pure, args)


@pytest.mark.parametrize("name, f, pure", REDUCTIONS, ids=_ids)
@pytest.mark.parametrize(
    "axis, keepdims", [(None, False), (0, False), (1, True), ((0, 1), False), (-1, False)]
)
def test_reductions(name, f, pure, axis, keepdims):
    check_grads(
        lambda x: f(x, axis=axis, keepdims=keepdims),
        lambda x: pure(x, axis=axis, keepdims=keepdims),
        [X],
    )


def test_stop_gradient_blocks_only_its_branch():
    check_grads(
        lambda x: jt.stop_gradient(x) * x,
        lambda x: jax.lax.stop_gradient(x) * x,
        [X],
        order=2,
        fd=False,  # finite differences see the full derivative, by design
    )


def test_reduction_axis_may_be_a_list_or_tensor():
    np.testing.assert_allclose(jt.sum(X, axis=[0, 1]).numpy(), X.sum(), rtol=1e-6)
    np.testing.assert_allclose(jt.sum(X, axis=jt.constant(1)).numpy(), X.sum(1), rtol=1e-6)


def test_mean_of_integers_stays_integer_as_tf():
    got = jt.mean(jt.constant([1, 2]))
    assert got.dtype == jt.int32 and int(got) == 1


def test_norm():
    check_grads(jt.norm, lambda x: jnp.sqrt(jnp.sum(x * x)), [X])
    check_grads(lambda x: jt.norm(x, axis=1), lambda x: jnp.linalg.norm(x, axis=1), [X])
    check_grads(lambda x: jt.norm(x, ord=1, axis=0), lambda x: jnp.sum(jnp.abs(x), 0), [AWAY])


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("which", ["cumsum", "cumprod"])
def test_cumulative(which, exclusive, reverse):
    def pure(x):
        base = jnp.cumsum if which == "cumsum" else jnp.cumprod
        ident = 0.0 if which == "cumsum" else 1.0
        x = jnp.flip(x, 1) if reverse else x
        out = base(x, axis=1)
        if exclusive:
            out = jnp.concatenate([jnp.full((x.shape[0], 1), ident, x.dtype), out[:, :-1]], 1)
        return jnp.flip(out, 1) if reverse else out

    f = getattr(jt, which)
    check_grads(lambda x: f(x, axis=1, exclusive=exclusive, reverse=reverse), pure, [POS])


def test_add_n():
    check_grads(lambda a, b: jt.add_n([a, b, a]), lambda a, b: a + b + a, [X, Y])
    with pytest.raises(ValueError, match="inputs"):
        jt.add_n([])


# -- linear algebra --------------------------------------------------------------------
M = R.standard_normal((3, 4)).astype(np.float32)
N = R.standard_normal((4, 2)).astype(np.float32)
BM = R.standard_normal((5, 3, 4)).astype(np.float32)
BN = R.standard_normal((5, 4, 2)).astype(np.float32)


@pytest.mark.parametrize(
    "kw, a, b, pure",
    [
        ({}, M, N, lambda a, b: a @ b),
        ({"transpose_a": True}, M.T.copy(), N, lambda a, b: a.T @ b),
        ({"transpose_b": True}, M, N.T.copy(), lambda a, b: a @ b.T),
        ({"adjoint_a": True, "adjoint_b": True}, M.T.copy(), N.T.copy(), lambda a, b: a.T @ b.T),
        ({}, BM, BN, jnp.matmul),
    ],
)
def test_matmul(kw, a, b, pure):
    check_grads(lambda x, y: jt.matmul(x, y, **kw), pure, [a, b])


def test_einsum_and_tensordot():
    check_grads(
        lambda a, b: jt.einsum("bij,bjk->bik", a, b),
        lambda a, b: jnp.einsum("bij,bjk->bik", a, b),
        [BM, BN],
    )
    check_grads(lambda a: jt.einsum("ii->", a), jnp.trace, [M[:, :3]])
    check_grads(
        lambda a, b: jt.tensordot(a, b, axes=1), lambda a, b: jnp.tensordot(a, b, 1), [M, N]
    )


def test_trace_diag_diag_part():
    sq = M[:, :3]
    check_grads(jt.trace, jnp.trace, [sq])
    check_grads(jt.diag_part, jnp.diagonal, [sq])
    check_grads(jt.diag, jnp.diag, [X[0]])
    np.testing.assert_array_equal(
        jt.diag(jt.constant(X)).numpy(), np.stack([np.diag(r) for r in X])
    )


# -- shape ops -----------------------------------------------------------------------------
SHAPE_OPS = [
    ("reshape", lambda x: jt.reshape(x, [3, -1]), lambda x: x.reshape(3, -1), [X]),
    (
        "reshape_tensor_shape",
        lambda x: jt.reshape(x, jt.constant([6])),
        lambda x: x.reshape(6),
        [X],
    ),
    ("transpose", jt.transpose, jnp.transpose, [BM]),
    ("transpose_perm", lambda x: jt.transpose(x, [1, 0, 2]), lambda x: x.transpose(1, 0, 2), [BM]),
    ("expand_dims", lambda x: jt.expand_dims(x, 1), lambda x: x[:, None], [X]),
    ("squeeze", lambda x: jt.squeeze(x), jnp.squeeze, [X[:, None]]),
    ("squeeze_axis", lambda x: jt.squeeze(x, axis=1), lambda x: x[:, 0], [X[:, None]]),
    (
        "broadcast_to",
        lambda x: jt.broadcast_to(x, [4, 3]),
        lambda x: jnp.broadcast_to(x, (4, 3)),
        [X[:1]],
    ),
    ("tile", lambda x: jt.tile(x, [2, 3]), lambda x: jnp.tile(x, (2, 3)), [X]),
    ("reverse", lambda x: jt.reverse(x, [1]), lambda x: x[:, ::-1], [X]),
    (
        "concat",
        lambda a, b: jt.concat([a, b], axis=1),
        lambda a, b: jnp.concatenate([a, b], 1),
        [X, Y],
    ),
    (
        "concat_neg",
        lambda a, b: jt.concat([a, b], -2),
        lambda a, b: jnp.concatenate([a, b], 0),
        [X, Y],
    ),
    ("stack", lambda a, b: jt.stack([a, b], axis=1), lambda a, b: jnp.stack([a, b], 1), [X, Y]),
    ("pad", lambda x: jt.pad(x, [[1, 0], [2, 1]]), lambda x: jnp.pad(x, ((1, 0), (2, 1))), [X]),
    (
        "pad_value",
        lambda x: jt.pad(x, [[1, 1], [0, 0]], constant_values=3.0),
        lambda x: jnp.pad(x, ((1, 1), (0, 0)), constant_values=3.0),
        [X],
    ),
    (
        "pad_reflect",
        lambda x: jt.pad(x, [[1, 1], [2, 2]], mode="REFLECT"),
        lambda x: jnp.pad(x, ((1, 1), (2, 2)), mode="reflect"),
        [X],
    ),
    (
        "pad_symmetric",
        lambda x: jt.pad(x, [[1, 1], [1, 1]], mode="SYMMETRIC"),
        lambda x: jnp.pad(x, ((1, 1), (1, 1)), mode="symmetric"),
        [X],
    ),
    (
        "where",
        lambda a, b: jt.where(jt.constant(X > 0), a, b),
        lambda a, b: jnp.where(X > 0, a, b),
        [X, Y],
    ),
    (
        "gather",
        lambda x: jt.gather(x, jt.constant([2, 0, 2]), axis=1),
        lambda x: x[:, jnp.array([2, 0, 2])],
        [X],
    ),
    ("gather_axis0", lambda x: jt.gather(x, [1, 1, 0]), lambda x: x[jnp.array([1, 1, 0])], [X]),
    (
        "gather_batch_dims",
        lambda x: jt.gather(x, jt.constant([[2, 0], [1, 1]]), axis=1, batch_dims=1),
        lambda x: jnp.take_along_axis(x, jnp.array([[2, 0], [1, 1]]), 1),
        [X],
    ),
    (
        "gather_nd",
        lambda x: jt.gather_nd(x, jt.constant([[1, 2], [0, 0]])),
        lambda x: x[jnp.array([1, 0]), jnp.array([2, 0])],
        [X],
    ),
    (
        "gather_nd_batch",
        lambda x: jt.gather_nd(x, jt.constant([[2], [0]]), batch_dims=1),
        lambda x: x[jnp.arange(2), jnp.array([2, 0])],
        [X],
    ),
    ("boolean_mask", lambda x: jt.boolean_mask(x, jt.constant(X > 0)), lambda x: x[X > 0], [X]),
    (
        "boolean_mask_axis1",
        lambda x: jt.boolean_mask(x, [True, False, True], axis=1),
        lambda x: x[:, np.array([True, False, True])],
        [X],
    ),
    ("sort", jt.sort, jnp.sort, [X]),
    ("sort_desc", lambda x: jt.sort(x, direction="DESCENDING"), lambda x: -jnp.sort(-x), [X]),
    (
        "clip_by_value",
        lambda x: jt.clip_by_value(x, -0.6, 0.6),  # no value at a bound (see
        lambda x: jnp.clip(x, -0.6, 0.6),  # test_tf_gradient_rules.py for those)
        [AWAY],
    ),
    ("getitem", lambda x: x[1:, ::-1], lambda x: x[1:, ::-1], [X]),
    ("zeros_like_plus", lambda x: jt.zeros_like(x) + x * 2, lambda x: x * 2, [X]),
    ("ones_like_times", lambda x: jt.ones_like(x) * x, lambda x: x, [X]),
]


@pytest.mark.parametrize("name, f, pure, args", SHAPE_OPS, ids=_ids)
def test_shape_ops(name, f, pure, args):
    check_grads(f, pure, args)


def test_split_and_unstack():
    parts = jt.split(jt.constant(X), [1, -1], axis=1)
    np.testing.assert_array_equal(parts[1].numpy(), X[:, 1:])
    check_grads(lambda x: jt.split(x, 3, axis=1)[1] * 2, lambda x: x[:, 1:2] * 2, [X])
    check_grads(lambda x: jt.split(x, [2, 1], axis=1)[0], lambda x: x[:, :2], [X])
    check_grads(lambda x: jt.unstack(x, axis=1)[2], lambda x: x[:, 2], [X])
    assert len(jt.unstack(jt.constant(X))) == 2
    with pytest.raises(ValueError, match="evenly divide"):
        jt.split(jt.constant(X), 2, axis=1)
    with pytest.raises(ValueError, match="num"):
        jt.unstack(jt.constant(X), num=3)


def test_top_k():
    values, indices = jt.top_k(jt.constant(X), k=2)
    want_v, want_i = jax.lax.top_k(X, 2)
    np.testing.assert_array_equal(values.numpy(), want_v)
    np.testing.assert_array_equal(indices.numpy(), want_i)
    assert indices.dtype == jt.int32
    check_grads(lambda x: jt.top_k(x, 2)[0], lambda x: jax.lax.top_k(x, 2)[0], [X])


def test_softmax_family():
    check_grads(jt.softmax, jax.nn.softmax, [X])
    check_grads(lambda x: jt.softmax(x, axis=0), lambda x: jax.nn.softmax(x, axis=0), [X])
    check_grads(jt.log_softmax, jax.nn.log_softmax, [X])
    labels = jax.nn.softmax(jnp.asarray(Y))
    check_grads(
        lambda lo: jt.softmax_cross_entropy_with_logits(labels, lo),
        lambda lo: -jnp.sum(labels * jax.nn.log_softmax(lo), -1),
        [X],
    )
    ids = np.array([2, 0], np.int32)
    check_grads(
        lambda lo: jt.sparse_softmax_cross_entropy_with_logits(ids, lo),
        lambda lo: -jax.nn.log_softmax(lo)[jnp.arange(2), ids],
        [X],
    )
    z = (Y > 0).astype(np.float32)
    check_grads(
        lambda lo: jt.sigmoid_cross_entropy_with_logits(labels=z, logits=lo),
        lambda lo: -(z * jax.nn.log_sigmoid(lo) + (1 - z) * jax.nn.log_sigmoid(-lo)),
        [X],
    )


def test_moments_gradient_treats_mean_as_constant_in_variance():
    def pure(x):
        mean = jnp.mean(x, 0)
        var = jnp.mean((x - jax.lax.stop_gradient(mean)) ** 2, 0)
        return mean + 2 * var

    check_grads(lambda x: (lambda m, v: m + 2 * v)(*jt.moments(x, axes=[0])), pure, [X])
    m, v = jt.moments(jt.constant(X), axes=[0, 1], keepdims=True)
    assert m.shape == (1, 1)
    np.testing.assert_allclose(v.numpy(), X.var(keepdims=True), rtol=1e-5)


# -- non-differentiable ops: values only ----------------------------------------------------
NONDIFF = [
    ("sign", jt.sign, np.sign, [X]),
    ("floor", jt.floor, np.floor, [X * 3]),
    ("ceil", jt.ceil, np.ceil, [X * 3]),
    ("round", jt.round, np.round, [X * 3]),
    ("floordiv", jt.floordiv, np.floor_divide, [X * 5, POS]),
    ("equal", jt.equal, np.equal, [X, X * (X > 0)]),
    ("not_equal", jt.not_equal, np.not_equal, [X, X * (X > 0)]),
    ("less", jt.less, np.less, [X, Y]),
    ("less_equal", jt.less_equal, np.less_equal, [X, Y]),
    ("greater", jt.greater, np.greater, [X, Y]),
    ("greater_equal", jt.greater_equal, np.greater_equal, [X, Y]),
    ("logical_and", jt.logical_and, np.logical_and, [X > 0, Y > 0]),
    ("logical_or", jt.logical_or, np.logical_or, [X > 0, Y > 0]),
    ("logical_xor", jt.logical_xor, np.logical_xor, [X > 0, Y > 0]),
    ("logical_not", jt.logical_not, np.logical_not, [X > 0]),
    ("is_nan", jt.is_nan, np.isnan, [np.array([1.0, np.nan, np.inf], np.float32)]),
    ("is_inf", jt.is_inf, np.isinf, [np.array([1.0, np.nan, -np.inf], np.float32)]),
    ("is_finite", jt.is_finite, np.isfinite, [np.array([1.0, np.nan, np.inf], np.float32)]),
    ("any", lambda x: jt.any(x, axis=1), lambda x: np.any(x, 1), [X > 1]),
    ("all", lambda x: jt.all(x, axis=0), lambda x: np.all(x, 0), [X > -1]),
    ("argmax", jt.argmax, lambda x: np.argmax(x, 0), [X]),
    ("argmax_axis", lambda x: jt.argmax(x, axis=1), lambda x: np.argmax(x, 1), [X]),
    ("argmin", lambda x: jt.argmin(x, 1), lambda x: np.argmin(x, 1), [X]),
    ("argsort", jt.argsort, lambda x: np.argsort(x, -1, kind="stable"), [X]),
    (
        "argsort_desc",
        lambda x: jt.argsort(x, direction="DESCENDING"),
        lambda x: np.argsort(-x, -1, kind="stable"),
        [X],
    ),
    ("mod_int", jt.mod, np.mod, [np.array([7, -7, 5]), np.array([3, 3, -2])]),
    ("real", jt.real, np.real, [np.array([1 + 2j], np.complex64)]),
    ("imag", jt.imag, np.imag, [np.array([1 + 2j], np.complex64)]),
    ("conj", jt.conj, np.conj, [np.array([1 + 2j], np.complex64)]),
]


@pytest.mark.parametrize("name, f, ref, args", NONDIFF, ids=_ids)
def test_non_differentiable_values(name, f, ref, args):
    got = f(*[jt.constant(a) for a in args])
    want = ref(*args)
    np.testing.assert_array_equal(got.numpy(), want)


def test_cast_between_floats_passes_the_gradient():
    check_grads(
        lambda x: jt.cast(jt.cast(x, jt.float16), jt.float32) * x,
        lambda x: x.astype(jnp.float16).astype(jnp.float32) * x,
        [X],
        atol=1e-3,
        rtol=1e-3,
        fd=False,  # float16 rounding makes finite differences meaningless
    )


def test_argmax_output_type_and_cast():
    assert jt.argmax(jt.constant(X), 1, output_type=jt.int32).dtype == jt.int32
    c = jt.cast(jt.constant([1.7, -1.7]), jt.int32)
    assert c.dtype == jt.int32
    np.testing.assert_array_equal(c.numpy(), [1, -1])  # truncation, as TF


def test_piecewise_constant_ops_gradients_as_tf():
    # TF 2.21: Floor, Ceil and Round have no gradient (None); Sign's is zeros.
    x = jt.constant(X * 3)
    with jt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        outs = [jt.floor(x), jt.ceil(x), jt.round(x)]
        sign = jt.sign(x)
    for out in outs:
        assert tape.gradient(out, x) is None
        zeros = tape.gradient(out, x, unconnected_gradients="zero")
        np.testing.assert_array_equal(zeros.numpy(), np.zeros_like(X))
    np.testing.assert_array_equal(tape.gradient(sign, x).numpy(), np.zeros_like(X))


def test_float_to_int_cast_cuts_the_gradient():
    x = jt.constant(X)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = jt.cast(jt.cast(x, jt.int32), jt.float32) + 0.0
    g = tape.gradient(y, x, unconnected_gradients="zero")
    np.testing.assert_array_equal(g.numpy(), np.zeros_like(X))


# -- creation ------------------------------------------------------------------------------
def test_creation_ops():
    np.testing.assert_array_equal(jt.zeros([2, 3]).numpy(), np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(jt.ones(3, dtype=jt.int32).numpy(), np.ones(3, np.int32))
    np.testing.assert_array_equal(jt.fill([2], 7.0).numpy(), [7.0, 7.0])
    np.testing.assert_array_equal(jt.eye(2, 3).numpy(), np.eye(2, 3))
    np.testing.assert_array_equal(jt.range(5).numpy(), np.arange(5))
    assert jt.range(5).dtype == jt.int32
    np.testing.assert_allclose(jt.range(1.0, 2.0, 0.25).numpy(), np.arange(1.0, 2.0, 0.25))
    assert jt.range(1.0, 2.0, 0.25).dtype == jt.float32
    np.testing.assert_allclose(jt.linspace(0.0, 1.0, 5).numpy(), np.linspace(0, 1, 5), rtol=1e-6)
    oh = jt.one_hot(jt.constant([0, 2, -1]), 3)
    np.testing.assert_array_equal(oh.numpy(), [[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    assert oh.dtype == jt.float32
    oh2 = jt.one_hot([1], 2, on_value=5, off_value=-1, dtype=jt.int32)
    np.testing.assert_array_equal(oh2.numpy(), [[-1, 5]])
    np.testing.assert_array_equal(jt.zeros_like(jt.constant([1, 2])).numpy(), [0, 0])
    assert jt.ones_like(jt.constant([1.0]), dtype=jt.int32).dtype == jt.int32


def test_shape_rank_size():
    t = jt.constant(BM)
    np.testing.assert_array_equal(jt.shape(t).numpy(), [5, 3, 4])
    assert jt.shape(t).dtype == jt.int32
    assert int(jt.rank(t)) == 3
    assert int(jt.size(t)) == 60


def test_where_with_one_argument_gives_indices():
    got = jt.where(jt.constant([[True, False], [False, True]]))
    np.testing.assert_array_equal(got.numpy(), [[0, 0], [1, 1]])
    assert got.dtype == jt.int64 or got.dtype == jt.int32  # int64 where JAX has x64
    with pytest.raises(ValueError, match="both"):
        jt.where(jt.constant([True]), x=jt.constant([1.0]))


# -- user ops --------------------------------------------------------------------------------
def test_user_op_from_any_jax_function():
    @jt.op
    def poly(x, w, power):
        return jnp.sum(w * x**power, axis=-1)

    w = R.standard_normal(3).astype(np.float32)
    check_grads(lambda x: poly(x, w, 3), lambda x: jnp.sum(w * x**3, -1), [X], order=2)
    assert poly.__name__ == "poly"
    named = jt.op(jnp.tanh, name="my_tanh")
    assert named.__name__ == "my_tanh"
    check_grads(named, jnp.tanh, [X])


def test_user_op_with_multiple_outputs_and_kwargs():
    @jt.op
    def two(x, *, scale):
        return {"a": x * scale, "b": (jnp.sin(x),)}

    out = two(jt.constant(X), scale=2.0)
    assert set(out) == {"a", "b"}
    np.testing.assert_allclose(out["b"][0].numpy(), np.sin(X), rtol=1e-6)
    check_grads(
        lambda x: (lambda o: o["a"] + o["b"][0])(two(x, scale=2.0)),
        lambda x: 2 * x + jnp.sin(x),
        [X],
    )


def test_higher_order_through_library_ops():
    check_grads(
        lambda x: jt.sum(jt.tanh(x) * jt.exp(x)),
        lambda x: jnp.sum(jnp.tanh(x) * jnp.exp(x)),
        [X],
        order=3,
    )
    check_grads(lambda x, y: jt.softmax(x * y), lambda x, y: jax.nn.softmax(x * y), [X, Y], order=2)
