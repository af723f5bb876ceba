"""tf.py_function / tf.numpy_function: eager calls, jt.function callbacks, gradients, tf.data."""

from __future__ import annotations

import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf

X = np.array([0.5, 1.0, 2.0], np.float32)


def _dsin(x):
    return np.cos(x) * x + np.sin(x)


def test_eager_py_function_calls_with_tensors_and_is_differentiable():
    seen = []

    def f(t):
        seen.append(type(t))
        return jt.sin(t) * t

    x = jt.constant(X)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = tf.py_function(f, [x], tf.float32)
    assert seen == [jt.Tensor]
    np.testing.assert_allclose(y.numpy(), np.sin(X) * X, rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), _dsin(X), rtol=1e-5)


def test_tout_structure():
    x = jt.constant(X)
    pair = tf.py_function(lambda t: (t + 1.0, jt.cast(t, "int32")), [x], [tf.float32, tf.int32])
    assert isinstance(pair, list) and pair[1].dtype == jt.int32
    assert tf.py_function(lambda t: None, [x], None) is None
    assert tf.py_function(lambda t: None, [x], []) == []
    out = tf.py_function(lambda: np.float64(2.5), [], tf.float32)
    assert out.dtype == jt.float32 and float(out) == 2.5


def test_inside_function_runs_at_call_time():
    calls = []

    def f(t):
        calls.append(1)
        return t * 3.0

    g = jt.function(lambda x: tf.py_function(f, [x], tf.TensorSpec([3], tf.float32)))
    np.testing.assert_allclose(g(jt.constant(X)).numpy(), X * 3)
    np.testing.assert_allclose(g(jt.constant(X + 1)).numpy(), (X + 1) * 3)
    assert len(calls) == 2  # a TensorSpec gives the shape: no trace-time probe
    probed = jt.function(lambda x: tf.py_function(f, [x], tf.float32))
    probed(jt.constant(X))
    probed(jt.constant(X))
    assert len(calls) == 2 + 1 + 2  # one call on zeros while tracing, then one per call


def test_gradient_inside_function_and_through_it():
    f = jt.function(lambda x: tf.py_function(lambda t: jt.sin(t) * t, [x], tf.float32))

    @jt.function
    def grad_inside(x):
        with jt.GradientTape() as tape:
            tape.watch(x)
            y = tf.py_function(lambda t: jt.sin(t) * t, [x], tf.float32)
        return tape.gradient(y, x)

    np.testing.assert_allclose(grad_inside(jt.constant(X)).numpy(), _dsin(X), rtol=1e-5)
    x = jt.constant(X)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), _dsin(X), rtol=1e-5)


def test_numpy_function_gets_arrays_and_has_no_gradient():
    seen = []

    def f(a):
        seen.append(type(a))
        return np.sort(a)

    x = jt.constant([3.0, 1.0, 2.0])
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = tf.numpy_function(f, [x], tf.float32)
    assert seen == [np.ndarray]
    assert y.numpy().tolist() == [1.0, 2.0, 3.0]
    assert tape.gradient(y, x) is None
    g = jt.function(lambda v: tf.numpy_function(f, [v], tf.float32, stateful=False))
    assert g(jt.constant([5.0, 4.0])).numpy().tolist() == [4.0, 5.0]


def test_numpy_function_checks_the_dtype_as_tf():
    with pytest.raises(tf.errors.InvalidArgumentError, match="is double, but expects float"):
        tf.numpy_function(lambda a: a.astype(np.float64), [jt.constant(X)], tf.float32)


def test_shape_change_after_tracing_is_a_clear_error():
    g = jt.function(
        lambda x, n: tf.py_function(lambda t, k: jt.tile(t, [int(k) + 1]), [x, n], tf.float32)
    )
    with pytest.raises(Exception, match="TensorSpec"):  # traced on zeros: k = 0, shape [3]
        g(jt.constant(X), jt.constant(2))


def test_in_dataset_map():
    ds = jt.data.Dataset.range(4).map(lambda v: tf.py_function(lambda t: t * 10, [v], tf.int64))
    assert [int(e) for e in ds] == [0, 10, 20, 30]
    ds = jt.data.Dataset.range(3).map(
        lambda v: tf.numpy_function(lambda a: np.array([a, a * a]), [v], tf.int64)
    )
    assert [e.numpy().tolist() for e in ds] == [[0, 0], [1, 1], [2, 4]]


def test_unused_outputs_still_run_each_call():
    calls = []

    @jt.function
    def f(x):
        tf.py_function(lambda t: calls.append(1) or t, [x], tf.TensorSpec([], tf.float32))
        return x + 1.0

    f(jt.constant(1.0))
    f(jt.constant(2.0))
    assert len(calls) == 2  # stateful, as TF's py_function: never pruned


def test_docstring_examples():
    import doctest

    from jtape import _py_function

    result = doctest.testmod(_py_function)
    assert result.attempted > 0 and result.failed == 0
