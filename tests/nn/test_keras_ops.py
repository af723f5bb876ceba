"""``keras.ops`` against Keras 3.15 on TensorFlow 2.21, plus gradients and control flow.

Values and dtypes come from ``fixtures/record_keras_ops.py`` (cases in
``fixtures/keras_ops_cases.py``; the dtype table is ``fixtures/keras_ops_dtypes.json``).
Gradients are checked against ``jax.vjp`` and finite differences (``tests/gradcheck.py``).
"""

from __future__ import annotations

import importlib.util
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
import jtape.compat as tf
import jtape.compat.keras as keras
from jtape.compat.keras import ops

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
FIXTURE = np.load(os.path.join(HERE, "keras_ops.npz"))
with open(os.path.join(HERE, "keras_ops_dtypes.json")) as _f:
    DTYPES = json.load(_f)
_spec = importlib.util.spec_from_file_location(
    "keras_ops_cases", os.path.join(HERE, "keras_ops_cases.py")
)
CASES_MODULE = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(CASES_MODULE)
CASES = {c[0]: c for c in CASES_MODULE.cases()}


def _op(ops, fn):
    for part in fn.split("."):
        ops = getattr(ops, part)
    return ops


def _resolve(arg, tensors):
    if isinstance(arg, str) and arg.startswith("@"):
        return tensors[arg[1:]]
    if isinstance(arg, list):
        return [_resolve(a, tensors) for a in arg]
    return arg


def _is_value_case(name: str) -> bool:
    return name[:2] in ("v_", "r_", "s_", "l_", "n_") or name.startswith(
        (
            "arange",
            "zeros",
            "ones",
            "full",
            "eye",
            "linspace",
            "tri",
            "convert",
            "cast",
            "one_hot",
            "multi_hot",
        )
    )


def _call(name, tensors):
    _, fn, args, kwargs = CASES[name]
    a = [_resolve(x, tensors) for x in args]
    k = {key: _resolve(v, tensors) for key, v in kwargs.items()}
    return _op(ops, fn)(*a, **k)


def _outs(res):
    return list(res) if isinstance(res, (tuple, list)) else [res]


@pytest.fixture(scope="module")
def tensors():
    names = [k[3:] for k in FIXTURE.files if k.startswith("in/")]
    return {n: ops.convert_to_tensor(FIXTURE["in/" + n]) for n in names}


@pytest.fixture(scope="module")
def rule_results():
    """The dtype-rule cases' output shapes and dtypes, by abstract evaluation.

    ``jax.eval_shape`` runs the same Python code (the dtype logic lives there) without
    compiling hundreds of one-op XLA programs; values are checked eagerly below for
    the value cases and a sample of the rule cases.
    """
    names = [n for n in CASES if not _is_value_case(n) and not isinstance(DTYPES[n], str)]
    raw = {k[3:]: FIXTURE[k] for k in FIXTURE.files if k.startswith("in/")}

    def run(vals):
        ts = {k: jt.Tensor(v) for k, v in vals.items()}
        return {n: [o.value for o in _outs(_call(n, ts))] for n in names}

    return jax.eval_shape(run, {k: jnp.asarray(v) for k, v in raw.items()})


def _compare(name, outs, values: bool = True):
    expected = DTYPES[name]
    assert [np.dtype(o.dtype).name for o in outs] == expected
    for i, o in enumerate(outs):
        want = FIXTURE[f"{name}/{i}"]
        assert tuple(o.shape) == want.shape
        if not values:
            continue
        got = np.asarray(o)
        if want.dtype.kind in "fc":
            tol = 2e-3 if want.dtype == np.float16 else 2e-5
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        else:
            np.testing.assert_array_equal(got, want)


# Rule cases whose values are also checked eagerly: the accumulating reductions and
# the promotions that change a value's type.
_RULE_VALUES = ("sum_", "mean_", "divide_", "add_uint8_")


def test_fixture_is_keras_3_15():
    assert str(FIXTURE["keras_version"]).startswith("3.15")
    assert set(DTYPES) == set(CASES)


@pytest.mark.parametrize("name", sorted(n for n in CASES if _is_value_case(n)))
def test_values_match_keras(name, tensors):
    """Each value case, eagerly: output dtypes and values as Keras recorded them."""
    _compare(name, _outs(_call(name, tensors)))


@pytest.mark.parametrize("name", sorted(n for n in CASES if not _is_value_case(n)))
def test_dtype_rules_match_keras(name, tensors, rule_results):
    """Keras 3's promotion table (tensor x tensor, tensor x Python number, reductions)."""
    if isinstance(DTYPES[name], str):  # Keras' TensorFlow backend has no such kernel
        with pytest.raises(tf.errors.InvalidArgumentError):
            _call(name, tensors)
        return
    _compare(name, rule_results[name], values=False)
    if name.startswith(_RULE_VALUES):
        _compare(name, _outs(_call(name, tensors)))


def test_namespaces():
    assert tf.keras.ops is ops is keras.ops
    assert tf.keras.random is keras.random
    assert ops.shape(ops.zeros((2, 3))) == (2, 3)
    assert ops.ndim(ops.zeros((2, 3))) == 2
    assert ops.dtype(ops.arange(3)) == "int32"
    assert isinstance(ops.convert_to_numpy(ops.ones(2)), np.ndarray)
    assert ops.is_tensor(ops.ones(2)) and not ops.is_tensor(np.ones(2))


def test_variables_are_read():
    v = tf.Variable([1.0, 2.0, 3.0])
    assert float(ops.sum(v)) == 6.0
    assert ops.add(v, 1).dtype == np.float32


# -- gradients ------------------------------------------------------------------------
def test_grad_softmax_logsumexp_norm():
    check_grads(
        lambda x: ops.sum(ops.softmax(x) * ops.arange(3.0)) + ops.logsumexp(x) + ops.norm(x),
        lambda x: (
            jnp.sum(jax.nn.softmax(x) * jnp.arange(3.0, dtype=jnp.float32))
            + jax.scipy.special.logsumexp(x)
            + jnp.linalg.norm(x)
        ),
        [np.array([[0.1, -0.4, 0.8], [1.2, 0.3, -0.5]], np.float32)],
    )


def test_grad_take_einsum_where():
    idx = np.array([2, 0, -1], np.int32)
    m = np.arange(9.0, dtype=np.float32).reshape(3, 3) / 10

    def pure(x, w):
        t = jnp.take(x, jnp.where(idx < 0, idx + 3, idx), axis=1)
        return jnp.where(t > 0, jnp.einsum("ij,jk->ik", t, w), t * t)

    check_grads(
        lambda x, w: ops.where(
            ops.take(x, idx, axis=1) > 0,
            ops.einsum("ij,jk->ik", ops.take(x, idx, axis=1), w),
            ops.square(ops.take(x, idx, axis=1)),
        ),
        pure,
        [np.array([[0.5, -1.0, 2.0], [-0.3, 0.7, 1.1]], np.float32), m],
    )


def test_grad_mixed_dtype_promotion():
    # int32 * float32 promotes (Keras) and the float operand still gets its gradient.
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = ops.sum(ops.multiply(ops.arange(2), x) + ops.mean(ops.arange(4)))
    np.testing.assert_allclose(tape.gradient(y, x), [0.0, 1.0])


def test_grad_conv_pool_normalize():
    img = np.random.RandomState(0).normal(size=(1, 3, 3, 2)).astype(np.float32)
    k = np.random.RandomState(1).normal(size=(2, 2, 2, 3)).astype(np.float32)

    def pure(x, w):
        y = jax.lax.conv_general_dilated(
            x, w, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        y = y / jnp.sqrt(jnp.sum(y * y, axis=-1, keepdims=True))
        return jax.lax.reduce_window(y, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 1, 1, 1), "VALID")

    check_grads(
        lambda x, w: ops.max_pool(ops.normalize(ops.conv(x, w)), 2, strides=1), pure, [img, k]
    )


def test_ops_inside_function_and_dtype_stays():
    @jt.function
    def f(x):
        return ops.mean(x), ops.argmax(x), ops.cumsum(x)

    m, a, c = f(jt.constant([1, 5, 2]))
    assert (m.dtype, a.dtype, c.dtype) == (np.float32, np.int32, np.int32)
    assert float(m) == pytest.approx(8 / 3) and int(a) == 1 and c.numpy().tolist() == [1, 6, 8]


# -- control flow -----------------------------------------------------------------------
def test_cond_while_fori():
    assert float(ops.cond(ops.convert_to_tensor(True), lambda: 1.0, lambda: 2.0)) == 1.0
    assert int(ops.while_loop(lambda i: i < 10, lambda i: i + 3, 0)) == 12
    i, s = ops.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i), (0, 0))
    assert (int(i), int(s)) == (4, 6)
    lst = ops.while_loop(lambda a, b: a < 3, lambda a, b: [a + 1, b * 2], [0, 1])
    assert isinstance(lst, list) and [int(v) for v in lst] == [3, 8]
    assert float(ops.fori_loop(0, 5, lambda i, v: v + ops.cast(i, "float32"), 0.0)) == 10.0
    assert int(ops.while_loop(lambda i: i < 100, lambda i: i + 1, 0, maximum_iterations=7)) == 7


def test_fori_loop_in_function_has_gradient():
    w = tf.Variable(1.5)

    @jt.function
    def f():
        with tf.GradientTape() as tape:
            y = ops.fori_loop(0, 3, lambda i, v: v * w, ops.convert_to_tensor(1.0))
        return y, tape.gradient(y, w)

    y, g = f()
    assert float(y) == pytest.approx(1.5**3)
    assert float(g) == pytest.approx(3 * 1.5**2)


def test_scan_is_jax_protocol():
    xs = ops.arange(1.0, 5.0)
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, xs)
    assert float(carry) == 10.0
    assert ys.numpy().tolist() == [0.0, 2.0, 9.0, 24.0]  # carry before each step, times x
    c2, ys2 = ops.scan(lambda c, x: (c + x, c), 0.0, xs, reverse=True)
    assert float(c2) == 10.0 and ys2.numpy().tolist() == [9.0, 7.0, 4.0, 0.0]
    c3, ys3 = ops.scan(lambda c, _: (c * 2, {"c": c}), ops.ones(()), length=3)
    assert float(c3) == 8.0 and ys3["c"].numpy().tolist() == [1.0, 2.0, 4.0]


def test_scan_gradient():
    def pure(init, xs):
        return jax.lax.scan(lambda c, x: (c * x + 1.0, jnp.sin(c)), init, xs)[1]

    check_grads(
        lambda init, xs: ops.scan(lambda c, x: (c * x + 1.0, ops.sin(c)), init, xs)[1],
        pure,
        [
            np.array([0.3, -0.2], np.float32),
            np.array([[0.5, 1.5], [-1.0, 0.8], [0.2, 0.4]], np.float32),
        ],
    )


def test_vectorized_map_and_stop_gradient():
    x = ops.convert_to_tensor([[1.0, 2.0], [3.0, 4.0]])
    out = ops.vectorized_map(lambda r: r * ops.sum(r), x)
    assert out.numpy().tolist() == [[3.0, 6.0], [21.0, 28.0]]
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = ops.sum(v * ops.stop_gradient(v))
    np.testing.assert_allclose(tape.gradient(y, v), [1.0, 2.0])


def test_errors():
    with pytest.raises(ValueError, match="both"):
        ops.where(ops.ones(2) > 0, 1.0)
    with pytest.raises(ValueError, match="order"):
        ops.normalize(ops.ones(2), order=0)
    with pytest.raises(ValueError, match="equal sections"):
        ops.split(ops.ones(5), 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="erf"):
        ops.erf(ops.arange(3))


def test_arange_from_static_shape_in_functional_model():
    # keras-io's TokenAndPositionEmbedding: positions from ops.shape inside call().
    class Positions(keras.layers.Layer):
        def call(self, x):
            return ops.cast(ops.arange(0, ops.shape(x)[-1], 1), "float32") + ops.zeros_like(x)

    inp = keras.Input((4,))
    model = keras.Model(inp, Positions()(inp))
    assert model(np.ones((2, 4), np.float32)).numpy().tolist() == [[0.0, 1.0, 2.0, 3.0]] * 2

    @jt.function
    def f(n):
        return ops.arange(n)

    with pytest.raises(ValueError, match="bounds must be known"):
        f(jt.constant(3))


def test_custom_gradient_and_attention_gradient():
    @ops.custom_gradient
    def double_grad(x):
        return ops.square(x), lambda dy: dy * 4.0 * x

    v = tf.Variable([1.0, -2.0])
    with tf.GradientTape() as tape:
        y = ops.sum(double_grad(v))
    np.testing.assert_allclose(tape.gradient(y, v), [4.0, -8.0])

    rng = np.random.RandomState(0)
    q, k = rng.normal(size=(1, 3, 2, 4)), rng.normal(size=(1, 3, 2, 4))

    def pure(q, k):
        logits = jnp.einsum("BTNH,BSNH->BNTS", q, k) / 2.0
        logits = jnp.where(jnp.tril(jnp.ones((3, 3), bool)), logits, -1e30)
        return jnp.einsum("BNTS,BSNH->BTNH", jax.nn.softmax(logits, -1), k)

    check_grads(lambda q, k: ops.dot_product_attention(q, k, k, is_causal=True), pure, [q, k])


def test_ops_on_keras_inputs_build_a_functional_model():
    inputs = keras.Input((4, 3))
    mean = ops.mean(inputs, axis=-1)
    both = ops.concatenate([mean, ops.square(mean)], axis=-1)
    assert tuple(both.shape) == (None, 8)
    model = keras.Model(inputs, ops.expand_dims(both, 1))
    x = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    m = x.mean(-1)
    np.testing.assert_allclose(model(x).numpy(), np.concatenate([m, m**2], -1)[:, None])
