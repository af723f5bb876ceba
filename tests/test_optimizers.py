"""Behaviour of jt.optimizers beyond the Keras parity trajectories (test_optimizers_parity.py).

Expected values here are closed forms, numpy re-computations of Keras' documented
equations (written next to each check), or raw optax run on the same numbers.
"""

from __future__ import annotations

import doctest
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jtape as jt
from jtape import optimizers as opt_lib
from jtape.optimizers import _base, _family, _registry, _schedules


def _state(opt, *vs):
    """Snapshot of variables and all optimizer variables."""
    return [np.array(v.numpy()) for v in list(vs) + opt.variables]


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


# -- bad input: clear errors, nothing changes ------------------------------------------


@pytest.fixture
def adam_one_step():
    w = jt.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
    b = jt.Variable([0.5, -0.5], name="b")
    opt = opt_lib.Adam(learning_rate=0.1, use_ema=True)
    opt.apply_gradients([(jt.ones((2, 2)), w), (jt.ones((2,)), b)])
    return opt, w, b


@pytest.mark.parametrize(
    "pairs_fn, exc, match",
    [
        (lambda w, b: [(jt.ones((3,)), w), (jt.ones((2,)), b)], ValueError, "shape"),
        (
            lambda w, b: [(jt.ones((2, 2)), w), (jt.ones((2,)), jt.constant([0.5, -0.5]))],
            TypeError,
            "jt.Variable",
        ),
        (lambda w, b: [], ValueError, "empty"),
        (lambda w, b: [(None, w), (None, b)], ValueError, "No gradients"),
        (lambda w, b: [(jt.ones((2, 2)), w), (jt.ones((2, 2)), w)], ValueError, "twice"),
        (lambda w, b: [jt.ones((2, 2))], TypeError, "pair"),
    ],
    ids=["shape", "non_variable", "empty", "all_none", "duplicate", "not_pair"],
)
def test_bad_input_raises_and_changes_nothing(adam_one_step, pairs_fn, exc, match):
    opt, w, b = adam_one_step
    before = _state(opt, w, b)
    n_vars = len(opt.variables)
    with pytest.raises(exc, match=match):
        opt.apply_gradients(pairs_fn(w, b))
    assert len(opt.variables) == n_vars
    _same(before, _state(opt, w, b))
    # The second gradient in the "shape" case is fine: nothing was applied before the check.
    assert int(opt.iterations) == 1


def test_bad_input_on_first_call_creates_no_slots():
    w = jt.Variable([1.0, 2.0])
    opt = opt_lib.Adam()
    with pytest.raises(ValueError, match="shape"):
        opt.apply_gradients([(jt.ones((3,)), w)])
    assert not opt.built and len(opt.variables) == 2  # iterations, learning_rate
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])


def test_apply_requires_matching_lengths_and_build():
    w = jt.Variable([1.0])
    opt = opt_lib.SGD()
    with pytest.raises(ValueError, match="built"):
        opt.apply([jt.ones((1,))])
    with pytest.raises(ValueError, match="match"):
        opt.apply([jt.ones((1,)), jt.ones((1,))], [w])


# -- None gradients, iterations, caching ------------------------------------------------


def test_none_gradient_skips_variable_and_its_slots_with_warning():
    w, b = jt.Variable([1.0, 2.0]), jt.Variable([3.0])
    opt = opt_lib.SGD(learning_rate=0.1, momentum=0.9)
    opt.apply_gradients([(jt.ones((2,)), w), (jt.ones((1,)), b)])
    b_before = [x.numpy().copy() for x in opt._slot_vars[1]] + [b.numpy()]
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients([(jt.ones((2,)), w), (None, b)])
    _same(b_before, [x.numpy() for x in opt._slot_vars[1]] + [b.numpy()])
    # w took its second momentum step: m = 0.9 * (-0.1) - 0.1 = -0.19.
    np.testing.assert_allclose(w.numpy(), [1.0 - 0.1 - 0.19, 2.0 - 0.1 - 0.19], rtol=1e-6)
    assert int(opt.iterations) == 2


def test_iterations_and_one_compilation_per_structure():
    w = jt.Variable(jnp.zeros((3,), jnp.float32))
    opt = opt_lib.Adam(learning_rate=0.01)
    ret = None
    for _ in range(5):
        ret = opt.apply_gradients([(jt.ones((3,)), w)])
    assert ret is opt.iterations and int(ret) == 5
    assert opt._trace_count == 1
    opt.learning_rate = 0.5  # a Variable: no recompilation
    opt.apply_gradients([(jt.ones((3,)), w)])
    assert opt._trace_count == 1
    assert float(opt.learning_rate) == 0.5
    expected_dtype = np.int64 if jax.config.jax_enable_x64 else np.int32
    assert opt.iterations.dtype == expected_dtype


def test_learning_rate_setter_takes_effect_and_schedule_is_not_settable():
    v = jt.Variable(1.0)
    opt = opt_lib.SGD(learning_rate=0.1)
    opt.apply_gradients([(jt.constant(1.0), v)])
    opt.learning_rate = 0.5
    opt.apply_gradients([(jt.constant(1.0), v)])
    assert float(v) == pytest.approx(1.0 - 0.1 - 0.5)
    sched = opt_lib.SGD(learning_rate=opt_lib.schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        sched.learning_rate = 0.1
    with pytest.raises(ValueError, match="learning_rate"):
        opt_lib.SGD(learning_rate="fast")


def test_callable_learning_rate_is_called_each_step():
    v = jt.Variable(0.0)
    rate = {"lr": 0.1}
    opt = opt_lib.SGD(learning_rate=lambda: rate["lr"])
    opt.apply_gradients([(jt.constant(1.0), v)])
    rate["lr"] = 1.0
    opt.apply_gradients([(jt.constant(1.0), v)])
    assert float(v) == pytest.approx(-1.1)


def test_schedule_is_evaluated_at_iterations_before_the_step():
    v = jt.Variable(0.0)
    sched = opt_lib.schedules.PiecewiseConstantDecay([1], [1.0, 0.1])
    opt = opt_lib.SGD(learning_rate=sched)
    for _ in range(3):  # steps 0, 1 use 1.0 (step <= boundary); step 2 uses 0.1
        opt.apply_gradients([(jt.constant(1.0), v)])
    assert float(v) == pytest.approx(-2.1)
    assert float(opt.learning_rate) == pytest.approx(0.1)


# -- minimize -------------------------------------------------------------------------


def test_minimize_with_callable_loss_and_with_tape():
    v = jt.Variable(3.0)
    opt = opt_lib.SGD(learning_rate=0.25)
    opt.minimize(lambda: v * v, [v])  # grad 6 -> 3 - 1.5
    assert float(v) == pytest.approx(1.5)
    with jt.GradientTape() as tape:
        loss = v * v
    opt.minimize(loss, [v], tape=tape)  # grad 3 -> 1.5 - 0.75
    assert float(v) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="tape"):
        opt.minimize(loss, [v])
    assert int(opt.iterations) == 2


def test_apply_gradients_under_an_active_tape_is_not_recorded():
    v = jt.Variable(2.0)
    opt = opt_lib.Adam(learning_rate=opt_lib.schedules.ExponentialDecay(0.1, 10, 0.5))
    with jt.GradientTape() as tape:
        y = v * v
        opt.apply_gradients([(jt.constant(1.0), v)])
    assert float(tape.gradient(y, v)) == pytest.approx(4.0)


# -- clipping, weight decay, EMA, accumulation -------------------------------------------


def test_clipnorm_is_per_tensor_and_safe_for_zero_tensors():
    a, b, z = jt.Variable([0.0, 0.0]), jt.Variable([0.0]), jt.Variable([0.0, 0.0])
    opt = opt_lib.SGD(learning_rate=1.0, clipnorm=1.0)
    opt.apply_gradients(
        [(jt.constant([3.0, 4.0]), a), (jt.constant([0.5]), b), (jt.constant([0.0, 0.0]), z)]
    )
    np.testing.assert_allclose(a.numpy(), [-0.6, -0.8], rtol=1e-6)  # norm 5 -> 1
    np.testing.assert_allclose(b.numpy(), [-0.5])  # below the norm: untouched
    np.testing.assert_array_equal(z.numpy(), [0.0, 0.0])  # no NaN


def test_global_clipnorm_and_clipvalue():
    a, b = jt.Variable([0.0, 0.0]), jt.Variable([0.0])
    opt = opt_lib.SGD(learning_rate=1.0, global_clipnorm=6.5)
    opt.apply_gradients([(jt.constant([3.0, 4.0]), a), (jt.constant([12.0]), b)])  # norm 13
    np.testing.assert_allclose(a.numpy(), [-1.5, -2.0], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [-6.0], rtol=1e-6)
    c = jt.Variable([0.0, 0.0])
    opt_lib.SGD(learning_rate=1.0, clipvalue=0.5).apply_gradients([(jt.constant([3.0, -0.1]), c)])
    np.testing.assert_allclose(c.numpy(), [-0.5, 0.1], rtol=1e-6)
    with pytest.raises(ValueError, match="Only one of"):
        opt_lib.SGD(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_and_exclusion():
    w = jt.Variable([2.0], name="kernel")
    bias = jt.Variable([2.0], name="bias")
    opt = opt_lib.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(jt.constant([1.0]), w), (jt.constant([1.0]), bias)])
    # Keras: p -= p * wd * lr first, then the SGD step.
    np.testing.assert_allclose(w.numpy(), [2.0 - 2.0 * 0.5 * 0.1 - 0.1], rtol=1e-6)
    np.testing.assert_allclose(bias.numpy(), [2.0 - 0.1], rtol=1e-6)
    # Keras 3's "only before build" check never fires: a later call takes effect.
    opt.exclude_from_weight_decay(var_list=[w])
    opt.apply_gradients([(jt.constant([1.0]), w), (jt.constant([1.0]), bias)])
    np.testing.assert_allclose(w.numpy(), [1.8 - 0.1], rtol=1e-6)
    np.testing.assert_allclose(bias.numpy(), [1.9 - 1.9 * 0.5 * 0.1 - 0.1], rtol=1e-6)


def test_ema_average_and_finalize():
    v = jt.Variable(0.0)
    opt = opt_lib.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    expected_avg, value = None, 0.0
    for step in range(3):
        opt.apply_gradients([(jt.constant(-1.0), v)])
        value += 1.0
        # Keras: first step copies the weights, later ones average with ema_momentum.
        expected_avg = value if step == 0 else 0.5 * expected_avg + 0.5 * value
    assert float(opt._averages[0]) == pytest.approx(expected_avg)
    opt.finalize_variable_values([v])
    assert float(v) == pytest.approx(expected_avg)
    with pytest.raises(ValueError, match="ema_momentum"):
        opt_lib.SGD(use_ema=True, ema_momentum=1.5)


def test_gradient_accumulation_applies_the_mean_every_k_calls():
    v = jt.Variable(0.0)
    opt = opt_lib.SGD(learning_rate=1.0, gradient_accumulation_steps=3)
    for g in (1.0, 2.0):
        opt.apply_gradients([(jt.constant(g), v)])
        assert float(v) == 0.0
    opt.apply_gradients([(jt.constant(6.0), v)])
    assert float(v) == pytest.approx(-3.0)  # mean of 1, 2, 6
    assert int(opt.iterations) == 1 and int(opt._iterations) == 3
    assert float(opt._accumulators[0]) == 0.0
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        opt_lib.SGD(gradient_accumulation_steps=1)


# -- build, variables, config --------------------------------------------------------


def test_build_creates_slots_ahead_and_new_variables_join_later():
    w, b = jt.Variable(jnp.ones((2, 3), jnp.float32)), jt.Variable(jnp.ones((3,), jnp.float32))
    opt = opt_lib.Adam()
    opt.build([w])
    slots = [v for v in opt.variables[2:]]
    # m and v, as Keras: the step count is the optimizer's one `iterations`.
    assert sorted(tuple(s.shape) for s in slots) == [(2, 3), (2, 3)]
    assert all(not s.trainable for s in opt.variables)
    opt.apply_gradients([(jt.ones((2, 3)), w), (jt.ones((3,)), b)])  # b joins
    assert len(opt.variables) == 2 + 2 * 2


@pytest.mark.parametrize("name", sorted(_registry._BY_NAME))
def test_config_round_trip(name):
    cls = _registry._BY_NAME[name]
    opt = cls(learning_rate=0.05, clipnorm=2.0)
    config = opt.get_config()
    again = cls.from_config(config)
    assert again.get_config() == config
    if name in _registry._KERAS_NAMES:
        assert type(opt_lib.get(name)) is cls
    else:  # Keras' get() knows neither Lamb nor TF 1.x's names
        with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
            opt_lib.get(name)
    assert type(opt_lib.deserialize(opt_lib.serialize(opt))) is cls


def test_config_with_schedule():
    sched = opt_lib.schedules.CosineDecay(0.1, 100, warmup_target=0.5, warmup_steps=10)
    opt = opt_lib.Adam(learning_rate=sched)
    again = opt_lib.Adam.from_config(opt.get_config())
    assert isinstance(again._learning_rate, _schedules.CosineDecay)
    assert again._learning_rate.get_config() == sched.get_config()
    assert opt_lib.AdamW().get_config()["weight_decay"] == 0.004


def test_unknown_arguments_are_rejected_like_keras():
    with pytest.raises(ValueError, match="not recognized"):
        opt_lib.Adam(beta1=0.9)
    with pytest.raises(ValueError, match="momentum"):
        opt_lib.SGD(momentum=2.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        opt_lib.Ftrl(learning_rate_power=0.5)


# -- from_optax -------------------------------------------------------------------------


def test_from_optax_matches_raw_optax():
    tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(0.1))
    p0 = [jnp.arange(6.0).reshape(2, 3), jnp.array([1.0, -1.0])]
    vs = [jt.Variable(p) for p in p0]
    opt = opt_lib.from_optax(tx)
    params, st = list(p0), tx.init(list(p0))

    @jax.jit
    def raw_step(params, st, k):
        upd, st = tx.update([jnp.sin(p + k) for p in params], st, params)
        return optax.apply_updates(params, upd), st

    for k in range(5):
        params, st = raw_step(params, st, float(k))
        opt.apply_gradients(zip([jt.constant(np.asarray(jnp.sin(v.numpy() + k))) for v in vs], vs))
    for v, p in zip(vs, params):
        np.testing.assert_allclose(v.numpy(), p, rtol=1e-6)
    assert opt._trace_count == 1


def test_from_optax_none_gradient_keeps_variable_and_unknown_variable_errors():
    a, b = jt.Variable([1.0]), jt.Variable([2.0])
    opt = opt_lib.from_optax(optax.sgd(0.5))
    opt.apply_gradients([(jt.constant([1.0]), a), (jt.constant([1.0]), b)])
    with pytest.warns(UserWarning):
        opt.apply_gradients([(jt.constant([1.0]), a), (None, b)])
    assert float(a.numpy()[0]) == 0.0 and float(b.numpy()[0]) == 1.5
    with pytest.raises(ValueError, match="unknown variable"):
        opt.apply_gradients([(jt.constant([1.0]), jt.Variable([0.0]))])
    with pytest.raises(ValueError, match="learning_rate"):
        opt_lib.from_optax(optax.sgd(0.1), weight_decay=0.1)
    with pytest.raises(TypeError, match="GradientTransformation"):
        opt_lib.from_optax(0.1)


# -- transforms compose with optax --------------------------------------------------------


def test_keras_transforms_compose_with_optax_chain():
    from jtape.optimizers import _transforms as T

    tx = optax.chain(T.scale_by_keras_adam(), optax.scale(-0.1))
    p = jnp.array([1.0, 2.0])
    u, _ = tx.update(jnp.array([2.0, -3.0]), tx.init(p), p)
    # First Keras Adam step: m = 0.1 g, v = 0.001 g^2, alpha = sqrt(0.001) / 0.1.
    g = np.array([2.0, -3.0])
    expected = -0.1 * (0.1 * g) * (np.sqrt(0.001) / 0.1) / (np.sqrt(0.001 * g * g) + 1e-7)
    np.testing.assert_allclose(u, expected, rtol=1e-5)


# -- inside jt.function --------------------------------------------------------------


def _train(opt_factory, compiled: bool, steps: int = 6):
    w = jt.Variable(jnp.linspace(-1.0, 1.0, 6, dtype=jnp.float32).reshape(2, 3))
    b = jt.Variable(jnp.zeros((3,), jnp.float32))
    opt = opt_factory()
    x = jt.constant(np.linspace(0.0, 1.0, 8).reshape(4, 2).astype(np.float32))

    def step():
        with jt.GradientTape() as tape:
            loss = jt.mean(jt.square(jt.matmul(x, w) + b - 1.0))
        grads = tape.gradient(loss, [w, b])
        opt.apply_gradients(zip(grads, [w, b]))
        return loss

    fn = jt.function(step) if compiled else step
    for _ in range(steps):
        fn()
    return w.numpy(), b.numpy(), opt, fn


@pytest.mark.parametrize(
    "factory",
    [
        lambda: opt_lib.Adam(0.05),
        lambda: opt_lib.SGD(0.1, momentum=0.9, nesterov=True, global_clipnorm=0.5),
        lambda: opt_lib.Nadam(0.05, use_ema=True, ema_overwrite_frequency=2),
        lambda: opt_lib.Ftrl(0.1, l1_regularization_strength=0.01),
        lambda: opt_lib.RMSprop(0.01, momentum=0.5, gradient_accumulation_steps=2),
        lambda: opt_lib.Adam(opt_lib.schedules.CosineDecay(0.05, 10)),
        lambda: opt_lib.from_optax(optax.adamw(0.05)),
    ],
    ids=[
        "adam",
        "sgd_nesterov_clip",
        "nadam_ema",
        "ftrl",
        "rmsprop_accum",
        "schedule",
        "from_optax",
    ],
)
def test_inside_jt_function_matches_eager(factory):
    w_e, b_e, opt_e, _ = _train(factory, compiled=False)
    w_c, b_c, opt_c, fn = _train(factory, compiled=True)
    np.testing.assert_allclose(w_c, w_e, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b_c, b_e, rtol=1e-5, atol=1e-6)
    assert int(opt_c._iterations) == int(opt_e._iterations) == 6
    for a, b in zip(opt_c.variables, opt_e.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    # Traced into the step: the optimizer never compiled a program of its own.
    assert opt_c._jitted._cache_size() == 0 and opt_e._jitted._cache_size() >= 1


def test_learning_rate_change_does_not_retrace_jt_function():
    v = jt.Variable(1.0)
    opt = opt_lib.SGD(0.1)

    @jt.function
    def step():
        opt.apply_gradients([(jt.constant(1.0), v)])

    step()
    step()
    n = step.experimental_get_tracing_count()
    opt.learning_rate = 0.5
    step()
    assert step.experimental_get_tracing_count() == n
    assert float(v) == pytest.approx(1.0 - 0.1 - 0.1 - 0.5)


# -- docstring examples -------------------------------------------------------------


@pytest.mark.parametrize(
    "module", [_base, _family, _registry, _schedules], ids=lambda m: m.__name__
)
def test_docstring_examples(module):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_docs_page_examples():
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "docs", "optimizers.md")
    result = doctest.testfile(path, module_relative=False)
    assert result.failed == 0 and result.attempted > 0


def test_a_gradient_of_another_dtype_is_cast_to_the_variables_as_keras():
    import jtape.compat as tf

    # Keras 3 casts (checked under TF 2.21: float64 and int32 gradients step a float32
    # Variable); 1 - 0.1 * 1 = 0.9 and 2 - 0.1 * 1 = 1.9, then 0.8 and 1.8.
    v = tf.Variable([1.0, 2.0])
    opt = tf.keras.optimizers.SGD(0.1)
    opt.apply_gradients([(tf.constant([1.0, 1.0], tf.float64), v)])
    np.testing.assert_allclose(v.numpy(), [0.9, 1.9], rtol=1e-6)
    opt.apply_gradients([(tf.constant([1, 1]), v)])
    np.testing.assert_allclose(v.numpy(), [0.8, 1.8], rtol=1e-6)
    assert v.dtype == tf.float32
    table = tf.Variable([[1.0], [2.0]])
    rows = tf.IndexedSlices(tf.constant([[1.0]], tf.float64), tf.constant([1]))
    tf.keras.optimizers.SGD(0.5).apply_gradients([(rows, table)])
    np.testing.assert_allclose(table.numpy(), [[1.0], [1.5]])
