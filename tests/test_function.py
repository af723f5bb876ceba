"""jt.function: functionalized Variables, tracing rules, tapes inside and outside."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape as jt
from jtape import _op


def _mlp_vars(seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(6, 5), (5,), (5, 3), (3,)]
    return [jt.Variable(rng.normal(size=s).astype(np.float32) * 0.3) for s in shapes]


def _sgd_step(vs, x, y):
    with jt.GradientTape() as tape:
        h = jt.relu(x @ vs[0] + vs[1])
        logits = h @ vs[2] + vs[3]
        loss = jt.mean(jt.sparse_softmax_cross_entropy_with_logits(y, logits))
    grads = tape.gradient(loss, vs)
    for v, g in zip(vs, grads):
        v.assign_sub(0.1 * g)
    return loss


def _data(seed=1, n=8):
    rng = np.random.default_rng(seed)
    return (
        jt.constant(rng.normal(size=(n, 6)).astype(np.float32)),
        jt.constant(rng.integers(0, 3, n).astype(np.int32)),
    )


def test_compiled_training_equals_eager_and_pure_jax():
    x, y = _data()
    eager_vs, compiled_vs = _mlp_vars(), _mlp_vars()
    step = jt.function(lambda x, y: _sgd_step(compiled_vs, x, y))
    for _ in range(5):
        le = _sgd_step(eager_vs, x, y)
        lc = step(x, y)
        np.testing.assert_allclose(float(lc), float(le), rtol=1e-5)
    for a, b in zip(eager_vs, compiled_vs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)

    # The same five steps as a pure JAX function.
    def loss_fn(p, x, y):
        h = jax.nn.relu(x @ p[0] + p[1])
        logits = h @ p[2] + p[3]
        logp = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], 1))

    p = [v.numpy() for v in _mlp_vars()]
    for _ in range(5):
        g = jax.grad(loss_fn)(p, x.numpy(), y.numpy())
        p = [a - 0.1 * b for a, b in zip(p, g)]
    for a, b in zip(p, compiled_vs):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-6)


def test_steady_state_runs_no_python_ops():
    # After tracing, a call is one compiled program: the Python body (and so every
    # jtape op) does not run again.
    x, y = _data()
    vs = _mlp_vars()
    step = jt.function(lambda x, y: _sgd_step(vs, x, y))
    step(x, y)
    step(x, y)
    calls = []
    original = _op.call_op

    def counting(*a, **k):
        calls.append(1)
        return original(*a, **k)

    _op.call_op = counting
    try:
        for _ in range(3):
            step(x, y)
    finally:
        _op.call_op = original
    assert calls == []
    assert step.experimental_get_tracing_count() == 2  # discovery trace + final trace


def test_retracing_rules():
    traces = []

    @jt.function
    def f(x, n):
        traces.append(1)
        return x * n

    f(jt.constant(1.0), 2)
    f(jt.constant(5.0), 2)  # same signature: no trace
    assert f.tracing_count == 1
    f(jt.constant([1.0, 2.0]), 2)  # new shape
    assert f.tracing_count == 2
    f(jt.constant(1.0), 3)  # new Python value
    assert f.tracing_count == 3
    f(jt.constant(1), 3)  # new dtype
    assert f.tracing_count == 4
    assert len(traces) == 4  # Python side effects run at trace time only
    assert float(f(jt.constant(2.0), 3)) == 6.0


def test_input_signature_converts_and_checks():
    @jt.function(input_signature=[jt.TensorSpec(shape=(None,), dtype=jt.float32)])
    def f(x):
        return x * 2

    np.testing.assert_allclose(f([1.0, 2.0]).numpy(), [2.0, 4.0])
    with pytest.raises(TypeError, match="input_signature"):
        f(jt.constant([[1.0]]))
    with pytest.raises(TypeError, match="input_signature"):
        f(jt.constant([1, 2]))


def test_lazy_variable_creation_on_first_call():
    class Counter:
        def __init__(self):
            self.count = None

        @jt.function
        def __call__(self):
            if self.count is None:
                self.count = jt.Variable(0)
            return self.count.assign_add(1)

    c = Counter()
    assert [int(c()) for _ in range(3)] == [1, 2, 3]
    assert int(c.count.numpy()) == 3


def test_creating_variables_on_every_call_raises_tf_error():
    @jt.function
    def f(x):
        v = jt.Variable(1.0)
        return v * x

    with pytest.raises(ValueError, match="only supports singleton Variables created on the first"):
        f(jt.constant(1.0))


def test_variable_initialised_from_traced_value():
    class Model:
        def __init__(self):
            self.v = None

        @jt.function
        def __call__(self, x):
            if self.v is None:
                self.v = jt.Variable(jt.ones_like(x) * 2.0)
            self.v.assign_add(x)
            return jt.sum(self.v)

    m = Model()
    assert float(m(jt.constant([1.0, 1.0]))) == 6.0
    assert float(m(jt.constant([1.0, 1.0]))) == 8.0
    np.testing.assert_allclose(m.v.numpy(), [4.0, 4.0])


def test_methods_have_separate_state_per_instance():
    class Acc:
        def __init__(self, start):
            self.v = jt.Variable(start)

        @jt.function
        def add(self, x):
            return self.v.assign_add(x)

    a, b = Acc(1.0), Acc(10.0)
    a.add(jt.constant(1.0))
    b.add(jt.constant(1.0))
    a.add(jt.constant(1.0))
    assert float(a.v) == 3.0 and float(b.v) == 11.0


def test_nested_functions_inline_and_seed_pattern():
    vs = _mlp_vars()
    x, y = _data()

    @jt.function
    def forward_pass(x, y):
        with jt.GradientTape():  # the seed opens a tape here too
            h = jt.relu(x @ vs[0] + vs[1])
            logits = h @ vs[2] + vs[3]
            loss = jt.mean(jt.sparse_softmax_cross_entropy_with_logits(y, logits))
        return logits, loss

    @jt.function
    def train_step(x, y):
        with jt.GradientTape() as tape:
            logits, loss = forward_pass(x, y)
        grads = tape.gradient(loss, vs)
        for v, g in zip(vs, grads):
            v.assign_sub(0.1 * g)
        return logits, loss

    ref = _mlp_vars()
    for _ in range(3):
        _, loss = train_step(x, y)
        ref_loss = _sgd_step(ref, x, y)
        np.testing.assert_allclose(float(loss), float(ref_loss), rtol=1e-5)
    assert forward_pass.tracing_count == 0  # inlined into train_step's program
    for a, b in zip(ref, vs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_gradient_through_function_under_eager_tape():
    w = jt.Variable(3.0)

    @jt.function
    def g(x):
        return w * x * x

    x = jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = g(x) + x
    dx, dw = tape.gradient(y, [x, w])
    assert float(dx) == pytest.approx(2 * 3.0 * 2.0 + 1)
    assert float(dw) == pytest.approx(4.0)


def test_second_order_through_function():
    @jt.function
    def cube(x):
        return x**3

    x = jt.constant(2.0)
    with jt.GradientTape() as outer:
        outer.watch(x)
        with jt.GradientTape() as inner:
            inner.watch(x)
            y = cube(x)
        dy = inner.gradient(y, x)
    assert float(dy) == pytest.approx(12.0)
    assert float(outer.gradient(dy, x)) == pytest.approx(12.0)


def test_exception_leaves_variables_unchanged():
    v = jt.Variable(1.0)

    @jt.function
    def h(x, fail):
        v.assign(x)
        if fail:
            raise RuntimeError("boom")
        return v.value()

    with pytest.raises(RuntimeError, match="boom"):
        h(jt.constant(5.0), True)
    assert float(v) == 1.0
    h(jt.constant(5.0), False)
    assert float(v) == 5.0


def test_tensor_condition_error_names_the_line():
    @jt.function(autograph=False)
    def f(x):
        if x > 0:  # data-dependent Python control flow
            return x
        return -x

    with pytest.raises(TypeError, match=r"test_function\.py:\d+.*if x > 0"):
        f(jt.constant(1.0))


def test_variables_as_arguments_and_donation():
    a, b = jt.Variable([1.0, 2.0]), jt.Variable([10.0, 20.0])

    @jt.function(donate_variables=True)
    def bump(v, by):
        v.assign_add(by)
        return jt.sum(v)

    assert float(bump(a, jt.constant([1.0, 1.0]))) == 5.0
    assert float(bump(b, jt.constant([1.0, 1.0]))) == 32.0
    assert float(bump(a, jt.constant([1.0, 1.0]))) == 7.0
    np.testing.assert_allclose(a.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(b.numpy(), [11.0, 21.0])


def test_donation_reuses_buffers_only_when_no_one_else_holds_them():
    w = jt.Variable(np.arange(1024, dtype=np.float32))

    @jt.function(donate_variables=True)
    def step(x):
        w.assign_add(x)
        return jt.sum(w)

    one = jt.ones([1024])
    step(one)  # discovery trace, then the donating program
    assert step.tracing_count == 2
    before = w._value.unsafe_buffer_pointer()
    step(one)
    # Donated: XLA wrote the new value into the old buffer.
    assert w._value.unsafe_buffer_pointer() == before

    held = w.value()  # a Tensor sharing the Variable's array
    expected = held.numpy().copy()
    step(one)
    # Not donated this time (the Tensor would have been invalidated): it still reads.
    np.testing.assert_array_equal(held.numpy(), expected)
    np.testing.assert_array_equal(w.numpy(), expected + 1.0)
    del held
    step(one)
    np.testing.assert_array_equal(w.numpy(), expected + 2.0)
    assert step.tracing_count == 2  # both programs come from the same trace


def test_donation_with_traces_that_write_different_variables():
    a, b = jt.Variable([1.0]), jt.Variable([2.0])

    @jt.function(donate_variables=True)
    def f(which):
        (a if which else b).assign_add([1.0])
        a.assign_add([0.5])

    for which in (True, False, True, False):
        f(which)
    # b is written only by one signature: never donated, never left with a dead buffer.
    np.testing.assert_allclose(a.numpy(), [1.0 + 2 * 1.5 + 2 * 0.5])
    np.testing.assert_allclose(b.numpy(), [4.0])


def test_run_functions_eagerly():
    seen = []

    @jt.function
    def f(x):
        seen.append(type(x._value))
        return x + 1

    jt.run_functions_eagerly(True)
    try:
        f(jt.constant(1.0))
        f(jt.constant(1.0))
    finally:
        jt.run_functions_eagerly(False)
    assert len(seen) == 2 and not issubclass(seen[0], jax.core.Tracer)
    assert f.tracing_count == 0
