"""Python numbers in eager ops are values, not program constants (one compile per op).

A number that changes every step (a decaying learning rate, a step counter) must not
compile a new XLA program per value; inside ``jt.function`` it stays a constant of the
trace, as in TensorFlow.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf


@pytest.fixture
def compiles():
    """A counter of XLA backend compilations while the test runs."""
    count = {"n": 0, "on": True}

    def listener(event, duration, **kwargs):
        if count["on"] and "backend_compile" in event:
            count["n"] += 1

    jax.monitoring.register_event_duration_secs_listener(listener)
    yield count
    count["on"] = False  # listeners cannot be unregistered one by one


def _hand_adam_like(x, steps: int, start: int = 1):
    for step in range(start, start + steps):
        with tf.GradientTape() as tape:
            y = x**4
        g = tape.gradient(y, x)
        x.assign_sub(1e-3 / (1 - 0.9**step) * g)


def test_varying_scalar_compiles_nothing_after_warmup(compiles):
    x = tf.Variable(2.0)
    _hand_adam_like(x, 3)  # warm-up: every op of the loop compiled once
    before = compiles["n"]
    _hand_adam_like(x, 50, start=4)
    assert compiles["n"] == before


def test_varying_scalar_values_are_the_numbers_given():
    # The same loop in float32 numpy (TF converts each Python number to float32).
    x = tf.Variable(2.0)
    _hand_adam_like(x, 20)
    ref = np.float32(2.0)
    for step in range(1, 21):
        g = np.float32(4) * ref ** np.float32(3)
        ref = ref - np.float32(1e-3 / (1 - 0.9**step)) * g
    np.testing.assert_allclose(x.numpy(), ref, rtol=1e-6)
    assert x.dtype == tf.float32


@pytest.mark.parametrize(
    "make",
    [
        lambda s: jt.constant([1.0, 2.0]) * s,
        lambda s: s - jt.constant([1.0, 2.0]),
        lambda s: jt.constant([1, 2]) + int(s * 10),
        lambda s: jt.maximum(jt.constant([0.25, 0.75]), s),
        lambda s: jt.constant([2.0, 3.0]) ** s,
        # numbers that are not data operands: a slope, a fill value, a rate
        lambda s: tf.nn.leaky_relu(jt.constant([-1.0, 2.0]), alpha=s),
        lambda s: tf.where(jt.constant([True, False]), jt.constant([1.0, 2.0]), s),
        lambda s: tf.clip_by_value(jt.constant([0.1, 0.9]), s, 0.8),
    ],
)
def test_each_value_compiles_once(make, compiles):
    make(0.5)  # compile
    before = compiles["n"]
    outs = [make(s) for s in (0.125, 0.375, 0.625)]
    assert compiles["n"] == before
    # and each result used its own number
    assert len({tuple(np.asarray(o).tolist()) for o in outs}) == 3


def test_scalar_dtype_rules_still_apply():
    # A number that does not fit the tensor's dtype is still refused, as TF.
    with pytest.raises(TypeError):
        jt.constant([1, 2]) * 0.5
    assert (jt.constant([1, 2], dtype=jt.int64) * 3).dtype == jt.int64
    assert (jt.constant([1.0], dtype=jt.float64) * 3).dtype == jt.float64


def test_scalar_gradient_flows_to_tensor_only():
    x = jt.constant([1.0, 2.0])
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * 3.0 + 1.5)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [3.0, 3.0])


def test_inside_function_a_number_is_a_constant_of_the_trace():
    f = jt.function(lambda x, s: x * s)
    x = jt.constant([1.0, 2.0])
    f(x, 0.5)
    f(x, 0.25)
    assert f.experimental_get_tracing_count() == 2  # a Python argument retraces, as TF
    jaxpr = jax.make_jaxpr(lambda v: (jt.Tensor(v) * 0.5)._value)(np.ones(2, np.float32))
    assert "0.5" in str(jaxpr)  # traced: the number is a literal of the program


def test_an_op_that_needs_its_number_static_still_works(compiles):
    """Python control flow on the number: the op falls back to static numbers."""
    seen = []

    def scale_if_large(x, s):
        seen.append(s)
        return x * 2 if s > 0.5 else x

    op = jt.op(scale_if_large)
    x = jt.constant([1.0, -1.0])
    np.testing.assert_allclose(op(x, 0.75).numpy(), [2.0, -2.0])
    np.testing.assert_allclose(op(x, 0.25).numpy(), [1.0, -1.0])
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(op(x, 0.75))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 2.0])


def test_gradient_with_a_dynamic_number_matches_jax():
    x = jt.constant([-1.0, 0.5, 2.0])
    for alpha in (0.1, 0.3):
        with jt.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.nn.leaky_relu(x, alpha=alpha) * 1.5)
        want = jax.grad(lambda v, a=alpha: (jax.nn.leaky_relu(v, a) * 1.5).sum())(x.numpy())
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), want, rtol=1e-6)
