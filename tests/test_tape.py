"""GradientTape: watching, structures, None rules, persistence, higher order, jacobians,
threads, explain/strict mode and the compiled eager backward."""

import threading
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt

R = np.random.default_rng(1)
XV = R.standard_normal(3).astype(np.float32)


# -- watching ---------------------------------------------------------------------
def test_watch_tensor_gives_jax_grad():
    x = jt.constant(XV)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = jt.sum(jt.sin(x) * x)
    want = jax.grad(lambda x: jnp.sum(jnp.sin(x) * x))(XV)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), want, rtol=1e-6)


def test_unwatched_tensor_gives_none():
    x = jt.constant(2.0)
    with jt.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None


def test_watch_nested_structures():
    a, b, c = jt.constant(1.0), jt.constant(2.0), jt.constant(3.0)
    with jt.GradientTape() as tape:
        tape.watch({"a": a, "rest": [b, (c,)]})
        y = a * b * c
    ga, gb, gc = tape.gradient(y, [a, b, c])
    assert (float(ga), float(gb), float(gc)) == (6.0, 3.0, 2.0)


def test_watch_rejects_non_tensors():
    with jt.GradientTape() as tape:
        with pytest.raises(TypeError, match="watch"):  # also a ValueError, as TF
            tape.watch(3.0)


def test_trainable_variables_are_watched_automatically():
    v = jt.Variable(3.0)
    frozen = jt.Variable(2.0, trainable=False)
    with jt.GradientTape() as tape:
        y = v * v * frozen
    gv, gf = tape.gradient(y, [v, frozen])
    assert float(gv) == 12.0
    assert gf is None
    assert tape.watched_variables() == (v,)


def test_watch_accessed_variables_false_needs_explicit_watch():
    v, w = jt.Variable(3.0), jt.Variable(4.0)
    with jt.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(w)
        y = v * w
    gv, gw = tape.gradient(y, [v, w])
    assert gv is None and float(gw) == 3.0
    assert tape.watched_variables() == (w,)


def test_non_trainable_variable_watched_explicitly():
    v = jt.Variable(3.0, trainable=False)
    with jt.GradientTape() as tape:
        tape.watch(v)
        y = v**2
    assert float(tape.gradient(y, v)) == 6.0


def test_variable_read_several_times_sums_contributions():
    v = jt.Variable(2.0)
    with jt.GradientTape() as tape:
        a = v * 3.0
        b = v.read_value() ** 2
        y = a * b  # 3 v^3
    assert float(tape.gradient(y, v)) == pytest.approx(36.0)


def test_gradient_wrt_intermediate_tensor():
    x = jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        h = x * x
        y = h * 3.0
    gh, gx = tape.gradient(y, [h, x])
    assert float(gh) == 3.0 and float(gx) == 12.0


# -- structures, targets, output_gradients -------------------------------------------
def test_nested_targets_and_sources():
    x, v = jt.constant(XV), jt.Variable(2.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        target = {"a": x * v, "b": [jt.sum(x**2), (v * 5.0,)]}
    g = tape.gradient(target, {"x": x, "vs": (v,)})
    assert set(g) == {"x", "vs"} and isinstance(g["vs"], tuple)
    # d/dx sum(x*v + x^2-sum + 5v) = v + 2x;  d/dv = sum(x) + 5
    np.testing.assert_allclose(g["x"].numpy(), 2.0 + 2 * XV, rtol=1e-6)
    np.testing.assert_allclose(float(g["vs"][0]), XV.sum() + 5.0, rtol=1e-6)


def test_non_scalar_target_is_summed():
    x = jt.constant(XV)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = jt.reshape(x, [3, 1]) * jt.reshape(x, [1, 3])  # outer product
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 2 * XV.sum() * np.ones(3), rtol=1e-5)


def test_output_gradients_weight_the_targets():
    x = jt.constant(XV)
    w = np.array([1.0, 0.0, 2.0], np.float32)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    np.testing.assert_allclose(
        tape.gradient(y, x, output_gradients=jt.constant(w)).numpy(), 2 * XV * w, rtol=1e-6
    )


def test_output_gradients_for_several_targets_with_none_meaning_ones():
    x = jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y1, y2 = x * 2.0, x**2
    g = tape.gradient([y1, y2], x, output_gradients=[jt.constant(10.0), None])
    assert float(g) == 10 * 2 + 4


def test_output_gradients_errors_name_the_argument():
    x = jt.constant(XV)
    with jt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * 2
    with pytest.raises(ValueError, match="output_gradients.*shape"):
        tape.gradient(y, x, output_gradients=jt.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="output_gradients.*1"):
        tape.gradient(y, x, output_gradients=[jt.constant(XV), jt.constant(XV)])


def test_target_and_source_type_errors():
    x = jt.constant(1.0)
    with jt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * 2
    with pytest.raises(TypeError, match="sources"):
        tape.gradient(y, [1.0])
    with pytest.raises(TypeError, match="target"):
        tape.gradient("y", x)


# -- None rules -----------------------------------------------------------------------
def test_unconnected_gradients_none_and_zero():
    x, z = jt.constant(XV), jt.constant([[1.0, 2.0]])
    with jt.GradientTape(persistent=True) as tape:
        tape.watch([x, z])
        y = jt.sum(x)
    assert tape.gradient(y, [x, z])[1] is None
    for mode in ("zero", jt.UnconnectedGradients.ZERO):
        gz = tape.gradient(y, [x, z], unconnected_gradients=mode)[1]
        assert gz.shape == (1, 2) and gz.dtype == jt.float32
        np.testing.assert_array_equal(gz.numpy(), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.gradient(y, x, unconnected_gradients="sometimes")


def test_integer_source_gives_none_with_warning():
    i = jt.constant([1, 2])
    with pytest.warns(UserWarning, match="floating"):
        with jt.GradientTape() as tape:
            tape.watch(i)
            y = i * 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # TF warns at watch() only; gradient() is silent
        assert tape.gradient(y, i) is None


def test_integer_variable_gives_none():
    v = jt.Variable(3)
    with jt.GradientTape() as tape:
        y = v * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tape.gradient(y, v) is None


def test_value_escaping_through_numpy_gives_none():
    x = jt.constant(XV)
    with jt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        c = jt.constant(np.asarray((x * 2).numpy()))  # left the tape through numpy
        y = c * x
        z = c * 1.0
    # y = c * x with c a constant to the tape: its gradient is c, not 4x.
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 2 * XV, rtol=1e-6)
    assert tape.gradient(z, x) is None


def test_value_escaping_through_float_gives_none():
    x = jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        z = jt.constant(float(x * 3.0)) * 2.0
    assert tape.gradient(z, x) is None


# -- persistence, stop_recording, reset -------------------------------------------------
def test_non_persistent_tape_allows_one_gradient_call():
    x = jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 4.0
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.jacobian(y, x)


def test_non_persistent_tape_releases_its_records():
    x = jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    assert tape._nodes == [] and not tape._watched


def test_persistent_tape_allows_many_calls():
    x = jt.constant(3.0)
    with jt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * x
    assert float(tape.gradient(y, x)) == 6.0
    assert float(tape.gradient(z, x)) == 27.0
    assert float(tape.jacobian(z, x)) == 27.0


def test_stop_recording():
    x = jt.constant(3.0)
    with jt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            z = y * 2.0
        w = y * 2.0
    assert tape.gradient(z, x) is None
    assert float(tape.gradient(w, x)) == 12.0
    with pytest.raises(ValueError, match="not recording"):
        with tape.stop_recording():
            pass


def test_stop_recording_leaves_other_tapes_recording():
    x = jt.constant(3.0)
    with jt.GradientTape() as outer:
        outer.watch(x)
        with jt.GradientTape() as inner:
            inner.watch(x)
            with inner.stop_recording():
                y = x * x
    assert inner.gradient(y, x) is None
    assert float(outer.gradient(y, x)) == 6.0


def test_reset_forgets_the_recording():
    x = jt.constant(3.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        z = x * 5.0
    g_y, g_z = tape.gradient([y, z], [x, x])
    assert g_y is not None and float(g_y) == 5.0  # only z is on the tape now
    assert float(g_z) == 5.0


def test_reset_on_persistent_tape():
    v = jt.Variable(2.0)
    with jt.GradientTape(persistent=True) as tape:
        y = v * v
        tape.reset()
        z = v * 7.0
    assert tape.gradient(y, v) is None
    assert float(tape.gradient(z, v)) == 7.0


def test_watched_variables_in_order_and_kept_after_release():
    a, b, c = jt.Variable(1.0, name="a"), jt.Variable(2.0, name="b"), jt.Variable(3.0)
    with jt.GradientTape() as tape:
        y = b * a
        tape.watch(c)
    assert [v.name for v in tape.watched_variables()] == ["b:0", "a:0", c.name]
    tape.gradient(y, [a, b])
    assert tape.watched_variables() == (b, a, c)


def test_gradient_inside_the_tape_context_is_recorded_too():
    x = jt.constant(2.0)
    with jt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x**3
        g = tape.gradient(y, x)
    assert float(g) == 12.0
    assert float(tape.gradient(g, x)) == 12.0


# -- higher order -------------------------------------------------------------------------
def test_nested_tapes_third_order_closed_form():
    # f = x^4 sin(x)
    x0 = 0.7
    f1 = 4 * x0**3 * np.sin(x0) + x0**4 * np.cos(x0)
    f2 = 12 * x0**2 * np.sin(x0) + 8 * x0**3 * np.cos(x0) - x0**4 * np.sin(x0)
    f3 = (
        24 * x0 * np.sin(x0)
        + 36 * x0**2 * np.cos(x0)
        - 12 * x0**3 * np.sin(x0)
        - x0**4 * np.cos(x0)
    )
    x = jt.constant(x0)
    with jt.GradientTape() as t3:
        t3.watch(x)
        with jt.GradientTape() as t2:
            t2.watch(x)
            with jt.GradientTape() as t1:
                t1.watch(x)
                y = x**4 * jt.sin(x)
            g1 = t1.gradient(y, x)
        g2 = t2.gradient(g1, x)
    g3 = t3.gradient(g2, x)
    np.testing.assert_allclose([float(g1), float(g2), float(g3)], [f1, f2, f3], rtol=1e-5)


def test_third_order_with_variables_closed_form():
    v = jt.Variable(1.5)
    with jt.GradientTape() as t3:
        with jt.GradientTape() as t2:
            with jt.GradientTape() as t1:
                y = jt.exp(2.0 * v)
            g1 = t1.gradient(y, v)
        g2 = t2.gradient(g1, v)
    g3 = t3.gradient(g2, v)
    e = np.exp(3.0)
    np.testing.assert_allclose([float(g1), float(g2), float(g3)], [2 * e, 4 * e, 8 * e], rtol=1e-5)


def test_hessian_through_nested_tape_jacobian():
    w = np.array([[2.0, 1.0], [1.0, 3.0]], np.float32)
    x = jt.constant([0.5, -1.0])
    with jt.GradientTape() as outer:
        outer.watch(x)
        with jt.GradientTape() as inner:
            inner.watch(x)
            y = jt.sum(x * jt.matmul(jt.constant(w), jt.reshape(x, [2, 1]))[:, 0]) + jt.sum(x**3)
        g = inner.gradient(y, x)
    h = outer.jacobian(g, x)
    want = jax.hessian(lambda x: x @ w @ x + jnp.sum(x**3))(jnp.array([0.5, -1.0]))
    np.testing.assert_allclose(h.numpy(), want, rtol=1e-5)


def test_second_order_check_grads_mixed_ops():
    check_grads(
        lambda a, b: jt.tanh(jt.matmul(a, b)) * jt.sigmoid(a[:, :1]),
        lambda a, b: jnp.tanh(a @ b) * jax.nn.sigmoid(a[:, :1]),
        [R.standard_normal((2, 3)), R.standard_normal((3, 2))],
        order=2,
    )


# -- jacobians -----------------------------------------------------------------------------
def test_jacobian_matches_jacrev():
    w = R.standard_normal((4, 3)).astype(np.float32)
    x = jt.constant(XV)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = jt.tanh(jt.matmul(jt.constant(w), jt.reshape(x, [3, 1])))
    want = jax.jacrev(lambda x: jnp.tanh(w @ x.reshape(3, 1)))(XV)
    j = tape.jacobian(y, x)
    assert j.shape == (4, 1, 3)
    np.testing.assert_allclose(j.numpy(), want, rtol=1e-5, atol=1e-6)


def test_jacobian_wide_uses_forward_mode_and_still_matches():
    # 2 inputs, 50 outputs: jacfwd is chosen; the values must not depend on the choice.
    x = jt.constant([0.3, -0.2])
    grid = np.linspace(-1, 1, 50).astype(np.float32)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = jt.sin(x[0] * jt.constant(grid)) + x[1] ** 2
    want = jax.jacrev(lambda x: jnp.sin(x[0] * grid) + x[1] ** 2)(jnp.array([0.3, -0.2]))
    np.testing.assert_allclose(tape.jacobian(y, x).numpy(), want, rtol=1e-5, atol=1e-6)


def test_jacobian_nested_sources_variables_and_unconnected():
    a, b, c = jt.constant([1.0, 2.0]), jt.Variable(3.0), jt.constant(5.0)
    with jt.GradientTape(persistent=True) as tape:
        tape.watch([a, c])
        y = a * b
    j = tape.jacobian(y, {"a": a, "b": b, "c": c})
    np.testing.assert_array_equal(j["a"].numpy(), 3 * np.eye(2))
    np.testing.assert_array_equal(j["b"].numpy(), [1.0, 2.0])
    assert j["c"] is None
    jz = tape.jacobian(y, c, unconnected_gradients="zero")
    assert jz.shape == (2,)
    np.testing.assert_array_equal(jz.numpy(), [0.0, 0.0])


def test_jacobian_target_type_error():
    x = jt.constant(1.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
    with pytest.raises(TypeError, match="target"):
        tape.jacobian([x], x)


def test_batch_jacobian_matches_vmapped_jacrev():
    xb = R.standard_normal((5, 3)).astype(np.float32)
    x = jt.constant(xb)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = jt.concat([x**2, jt.sin(x[:, :2]) * x[:, 2:]], axis=1)
    want = jax.vmap(jax.jacrev(lambda r: jnp.concatenate([r**2, jnp.sin(r[:2]) * r[2:]])))(xb)
    j = tape.batch_jacobian(y, x)
    assert j.shape == (5, 5, 3)
    np.testing.assert_allclose(j.numpy(), want, rtol=1e-5, atol=1e-6)


def test_batch_jacobian_forward_mode_shapes_and_errors():
    xb = R.standard_normal((4, 2)).astype(np.float32)
    x = jt.constant(xb)
    with jt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = jt.tile(x, [1, 6]) * 2.0  # 12 outputs per 2 inputs: jacfwd
        other = jt.constant(np.ones((3, 2), np.float32))
        tape.watch(other)
    want = jax.vmap(jax.jacrev(lambda r: jnp.tile(r, 6) * 2.0))(xb)
    np.testing.assert_allclose(tape.batch_jacobian(y, x).numpy(), want, rtol=1e-6)
    z = tape.batch_jacobian(y, jt.constant(xb), unconnected_gradients="zero")
    assert z.shape == (4, 12, 2)
    with pytest.raises(ValueError, match="batch size"):
        tape.batch_jacobian(y, other)
    with pytest.raises(ValueError, match="batch axis"):
        tape.batch_jacobian(jt.constant(1.0), x)


# -- threads ---------------------------------------------------------------------------------
def test_tapes_in_two_threads_stay_separate():
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def work(k):
        try:
            a = jt.constant(float(k))
            v = jt.Variable(float(k))
            for step in range(20):
                with jt.GradientTape() as tape:
                    tape.watch(a)
                    if step == 0:
                        barrier.wait()  # both tapes are open at the same time
                    y = a**3 + v * 2.0
                ga, gv = tape.gradient(y, [a, v])
                assert float(ga) == 3 * k * k and float(gv) == 2.0
                assert tape.watched_variables() == (v,)
            results[k] = float(ga)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in (2, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert results == {2: 12.0, 5: 75.0}


def test_tape_in_one_thread_does_not_see_ops_of_another():
    x = jt.constant(2.0)
    done = threading.Event()
    with jt.GradientTape() as tape:
        tape.watch(x)

        def other():
            _ = x * 100.0  # runs while `tape` is open, but in another thread
            done.set()

        t = threading.Thread(target=other)
        t.start()
        t.join()
        y = x * 3.0
    assert done.is_set()
    assert len(tape._nodes) == 1
    assert float(tape.gradient(y, x)) == 3.0


# -- explain and strict mode --------------------------------------------------------------------
def _reason(tape, target, source):
    r = tape.explain(target, source)
    assert isinstance(r, str), r
    return r


def test_explain_none_for_connected_source():
    x = jt.constant(1.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = x * 2
    assert tape.explain(y, [x]) == [None]


def test_explain_unwatched_tensor():
    x = jt.constant(1.0)
    with jt.GradientTape() as tape:
        y = x * 2
    assert "not watched" in _reason(tape, y, x)


def test_explain_non_trainable_variable():
    v = jt.Variable(1.0, trainable=False)
    with jt.GradientTape() as tape:
        y = v * 2
    assert "not trainable" in _reason(tape, y, v)


def test_explain_watch_accessed_variables_false():
    v = jt.Variable(1.0)
    with jt.GradientTape(watch_accessed_variables=False) as tape:
        y = v * 2
    assert "watch_accessed_variables=False" in _reason(tape, y, v)


def test_explain_variable_replaced_by_tensor():
    v = jt.Variable(1.0)
    v = v + 1.0  # now a Tensor: the classic `v = v + 1` mistake, before the tape
    with jt.GradientTape() as tape:
        y = v * 2
    r = _reason(tape, y, v)
    assert "not watched" in r and "assign_add" in r


def test_explain_variable_read_before_the_tape():
    v = jt.Variable(1.0)
    r0 = v.value()
    with jt.GradientTape() as tape:
        y = r0 * 2
    assert "never read while the tape was recording" in _reason(tape, y, v)


def test_explain_integer_source():
    i = jt.constant(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with jt.GradientTape() as tape:
            tape.watch(i)
            y = i * 2
    assert "integer" in _reason(tape, y, i)
    iv = jt.Variable(3)
    with jt.GradientTape() as tape2:
        y2 = iv * 2
    assert "integer" in _reason(tape2, y2, iv)


def test_explain_escape_through_numpy_names_the_line():
    x = jt.constant(1.0)
    with jt.GradientTape() as tape:
        tape.watch(x)
        y = jt.constant((x * 2).numpy()) * 3.0  # escape-line
    r = _reason(tape, y, x)
    assert "numpy()/float()" in r and "escape-line" in r


def test_explain_read_after_assign():
    u, q = jt.Variable(1.0, name="u"), jt.Variable(2.0, name="q")
    with jt.GradientTape() as tape:
        q.assign(u * 3.0)
        y = q * 2.0
    r = _reason(tape, y, u)
    assert "assign" in r and "'q:0'" in r


def test_explain_disconnected_target():
    a, b = jt.constant(1.0), jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch([a, b])
        y = a * 2.0
        _ = b * 2.0
    assert "does not depend on" in _reason(tape, y, b)


def test_explain_keeps_structure():
    a, b = jt.constant(1.0), jt.constant(2.0)
    with jt.GradientTape() as tape:
        tape.watch(a)
        y = a * b
    r = tape.explain(y, {"a": a, "b": b})
    assert r["a"] is None and "not watched" in r["b"]


def test_strict_mode_raises_with_the_reason():
    v = jt.Variable(1.0, trainable=False)
    with jt.GradientTape(strict=True) as tape:
        y = v * 2
    with pytest.raises(jt.UnconnectedGradientError, match="not trainable"):
        tape.gradient(y, v)


def test_strict_mode_allows_zero_and_connected():
    x, z = jt.constant(1.0), jt.constant(2.0)
    with jt.GradientTape(strict=True, persistent=True) as tape:
        tape.watch(x)
        y = x * 3.0
    assert float(tape.gradient(y, x)) == 3.0
    assert float(tape.gradient(y, z, unconnected_gradients="zero")) == 0.0


# -- compiled eager backward -------------------------------------------------------------------
def _mlp_step(params, x, y):
    w1, b1, w2, b2 = params
    with jt.GradientTape() as tape:
        h = jt.relu(jt.matmul(x, w1) + b1)
        loss = jt.mean(jt.square(jt.matmul(h, w2) + b2 - y))
    return loss, tape.gradient(loss, params)


def test_repeated_eager_step_compiles_once_and_matches_jax_grad():
    r = np.random.default_rng(7)
    params = [
        jt.Variable(r.standard_normal((4, 5)).astype(np.float32) * 0.3),
        jt.Variable(np.zeros(5, np.float32)),
        jt.Variable(r.standard_normal((5, 2)).astype(np.float32) * 0.3),
        jt.Variable(np.zeros(2, np.float32)),
    ]
    x = jt.constant(r.standard_normal((6, 4)).astype(np.float32))
    y = jt.constant(r.standard_normal((6, 2)).astype(np.float32))

    def pure(p):
        h = jax.nn.relu(x.value @ p[0] + p[1])
        return jnp.mean((h @ p[2] + p[3] - y.value) ** 2)

    counts = []
    for _ in range(4):
        loss, grads = _mlp_step(params, x, y)
        want = jax.grad(pure)([p.value().value for p in params])
        for g, w in zip(grads, want):
            np.testing.assert_allclose(g.numpy(), w, rtol=1e-5, atol=1e-6)
        for p, g in zip(params, grads):
            p.assign_sub(0.1 * g)
        counts.append(jt.lowering_stats().get("compiled_traces", 0))
    # Step 1 runs node by node, step 2 compiles the structure once, steps 3-4 reuse it.
    assert counts[1] == counts[0] + 1
    assert counts[3] == counts[2] == counts[1]


def test_one_off_graphs_are_not_compiled():
    before = jt.lowering_stats().get("compiled_traces", 0)
    x = jt.constant(1.0)
    for n in range(1, 5):  # a different structure each time (loop length changes)
        with jt.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in range(n + 40):
                y = jt.sin(y)
        tape.gradient(y, x)
    assert jt.lowering_stats().get("compiled_traces", 0) == before


def test_new_input_shape_is_a_new_structure():
    before = jt.lowering_stats().get("compiled_traces", 0)
    for shape in [(3,), (3,), (3,), (4,), (4,), (4,)]:
        x = jt.constant(np.ones(shape, np.float32) * 0.37)
        with jt.GradientTape() as tape:
            tape.watch(x)
            y = jt.sum(jt.cosh(x) * 1.75)
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), 1.75 * np.sinh(0.37), rtol=1e-6)
    assert jt.lowering_stats()["compiled_traces"] == before + 2
