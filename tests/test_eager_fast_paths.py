"""The eager hot paths (issue 16) keep the semantics of the general ones.

Each test runs a call twice or more, so the second call takes the cached fast path
(spec cache, cached scalar operands, the tape's shortcut when every watched value is a
source), and checks values, gradients and errors against independent references.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape import _lowering
from jtape._module import _children
from jtape._op_errors import InvalidArgumentError


def _chain(h):
    for i in range(6):
        h = jnp.sin(h) * 0.5 if i % 2 else jnp.tanh(h) + 0.1
    return h


def test_repeated_float_operands_give_jax_values_and_gradients():
    x0 = np.linspace(-1.0, 1.0, 5).astype(np.float32)
    x = tf.Variable(x0)
    want_y = np.asarray(jnp.sum(_chain(jnp.asarray(x0))))
    want_g = np.asarray(jax.grad(lambda v: jnp.sum(_chain(v)))(jnp.asarray(x0)))
    for _ in range(4):  # later rounds use the cached scalar Tensors and programs
        with tf.GradientTape() as tape:
            h = x
            for i in range(6):
                h = tf.sin(h) * 0.5 if i % 2 else tf.tanh(h) + 0.1
            y = tf.reduce_sum(h)
        g = tape.gradient(y, x)
        np.testing.assert_allclose(float(y), want_y, rtol=1e-6)
        np.testing.assert_allclose(g.numpy(), want_g, rtol=1e-6)


def test_float_operand_keeps_the_tensor_dtype_and_refuses_misfits():
    for _ in range(3):
        h = jt.constant([1.0, 2.0], jt.float64)
        out = h * 0.1
        assert out.dtype == jt.float64
        np.testing.assert_array_equal(out.numpy(), np.array([1.0, 2.0]) * np.float64(0.1))
        assert (0.1 + jt.constant([1.0], jt.float16)).dtype == jt.float16
        with pytest.raises(TypeError):
            jt.constant([1, 2]) * 0.5  # TF: an int tensor times a float is refused
        with pytest.raises(InvalidArgumentError):
            tf.add(jt.constant([1, 2]), 0.5)


def test_signed_zero_and_nan_operands_are_not_confused():
    h = jt.constant([1.0, -1.0])
    for _ in range(3):
        np.testing.assert_array_equal(np.signbit((h * 0.0).numpy()), [False, True])
        np.testing.assert_array_equal(np.signbit((h * -0.0).numpy()), [True, False])
        assert np.isnan((h + float("nan")).numpy()).all()


def test_cached_program_still_raises_shape_errors_at_the_call():
    a = jt.constant([1.0, 2.0])
    jt.add(a, a)  # the op's program and spec now exist
    with pytest.raises(InvalidArgumentError, match="inputs"):
        jt.add(a, jt.constant([1.0, 2.0, 3.0]))
    with pytest.raises(InvalidArgumentError):
        tf.add(a, jt.constant([1, 2]))  # dtype rule: int against float


def _plan_parts(plan):
    return (plan.key, plan.nodes, plan.input_slots, plan.target_slots, plan.source_groups)


def test_plan_shortcut_equals_the_full_search():
    v = tf.Variable([0.5, -0.25])
    w = jt.constant([2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(w)
        a = tf.tanh(v) * w  # two reads of v, one watched tensor
        b = a + v
        c = tf.reduce_sum(b * 0.5)
    groups = [tape._source_group(v), tape._source_group(w)]
    assert tape._roots_in(groups)
    full = _lowering.build_plan(tape._nodes, [c], groups)
    short = _lowering.build_plan(tape._nodes, [c], groups, all_reached=True)
    assert _plan_parts(full) == _plan_parts(short)
    # With w not a source its watched value is a root outside the sources.
    assert not tape._roots_in([tape._source_group(v)])
    gv, gw = tape.gradient(c, [v, w])
    t = np.tanh([0.5, -0.25])
    np.testing.assert_allclose(gv.numpy(), 0.5 * ((1 - t**2) * [2.0, 3.0] + 1), rtol=1e-6)
    np.testing.assert_allclose(gw.numpy(), 0.5 * t, rtol=1e-6)


def test_gradient_for_a_subset_of_watched_values():
    x = tf.Variable(1.5)
    y = tf.Variable(-2.0)
    for _ in range(3):
        with tf.GradientTape() as tape:
            z = x * x + tf.sin(y)
        (gx,) = tape.gradient(z, [x])  # y's read is a root outside the sources
        assert float(gx) == pytest.approx(3.0)


class _Nested(tf.keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.blocks = [tf.keras.layers.Dense(2), (tf.keras.layers.Dense(3), "name", 4)]
        self.table = {"b": tf.Variable(1.0), "a": [tf.Variable(2.0), None]}
        self.scale = tf.Variable(3.0)
        self.flag = True


def _reference_order(layer):
    """Variables in the order of a walk over ``_children`` (the walk before issue 16)."""
    out, seen = list(layer._own_weights), {id(v) for v in layer._own_weights}
    subs = []
    for key, value in vars(layer).items():
        if key in layer._WALK_IGNORED:
            continue
        for leaf in _children(value, False):
            if id(leaf) in seen:
                continue
            if isinstance(leaf, tf.Variable):
                out.append(leaf)
            elif isinstance(leaf, jt.Module):
                subs.append(leaf)
            else:
                continue
            seen.add(id(leaf))
    for sub in subs:
        out.extend(v for v in _reference_order(sub) if id(v) not in {id(o) for o in out})
    return out


def test_layer_weight_walk_order_with_nested_containers():
    layer = _Nested()
    layer.blocks[0](jt.ones((1, 2)))
    layer.blocks[1][0](jt.ones((1, 2)))
    names = [v.name for v in layer.weights]
    assert names == [v.name for v in _reference_order(layer)]
    assert len(layer.trainable_variables) == 7
