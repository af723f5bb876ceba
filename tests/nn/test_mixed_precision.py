"""Mixed precision: dtype policies, autocasting layers, LossScaleOptimizer, bf16 training.

Values and dtypes come from Keras 3.15 / TF 2.21
(``tests/nn/fixtures/record_mixed_precision.py``); bfloat16 results are compared with
tolerances of a few bfloat16 ulps (8 mantissa bits: one ulp is 2**-8 relative).
"""

from __future__ import annotations

import doctest
import functools
import os

import jax
import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape import _function, nn
from jtape.compat._missing import NotProvidedError
from jtape.nn import _mixed_precision as _mp_impl
from jtape.nn import mixed_precision as mp
from jtape.optimizers import _loss_scale

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras_mixed_precision.npz"))


@pytest.fixture
def policy():
    """Set a global policy for one test; float32 again afterwards."""

    def set_policy(name):
        mp.set_global_policy(name)

    yield set_policy
    mp.set_global_policy("float32")


# -- policies ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, compute, variable",
    [
        ("mixed_bfloat16", "bfloat16", "float32"),
        ("mixed_float16", "float16", "float32"),
        ("float32", "float32", "float32"),
        ("bfloat16", "bfloat16", "bfloat16"),
        ("float64", "float64", "float64"),
    ],
)
def test_policy_dtypes(name, compute, variable):
    p = mp.Policy(name)
    assert (p.name, p.compute_dtype, p.variable_dtype) == (name, compute, variable)
    assert repr(p) == f'<DTypePolicy "{name}">'
    assert p == mp.DTypePolicy.from_config(p.get_config())
    assert mp.Policy is mp.DTypePolicy


def test_policy_errors_match_keras():
    with pytest.raises(ValueError, match="Cannot convert 'mixed_float32' to a mixed precision"):
        mp.Policy("mixed_float32")
    with pytest.raises(TypeError, match="'name' must be a string"):
        mp.Policy(3)
    with pytest.raises(ValueError, match="Invalid `policy` argument"):
        mp.set_global_policy(None)


def test_global_policy(policy):
    assert mp.global_policy() == mp.Policy("float32")
    policy("mixed_bfloat16")
    assert mp.global_policy().name == mp.dtype_policy().name == "mixed_bfloat16"
    assert mp.Policy().name == "mixed_bfloat16"  # no name: the global one
    layer = nn.Dense(2)
    assert layer.dtype_policy == mp.Policy("mixed_bfloat16")
    assert (layer.dtype, layer.variable_dtype, layer.compute_dtype) == (
        "float32",
        "float32",
        "bfloat16",
    )
    policy("float32")
    assert nn.Dense(2).compute_dtype == "float32"
    assert layer.compute_dtype == "bfloat16"  # taken when the layer was created


def test_layer_dtype_argument(policy):
    policy("mixed_bfloat16")
    x = np.ones((1, 2), np.float32)
    assert nn.Dense(3, dtype="float32")(x).dtype == "float32"
    assert nn.Dense(3, dtype=mp.Policy("mixed_float16"))(x).dtype == "float16"
    layer = nn.Dense(3, dtype=jt.float64)
    assert layer.dtype_policy.name == "float64" and layer(x).dtype == "float64"
    config = nn.Dense(3).get_config()
    assert config["dtype"] == {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": "mixed_bfloat16"},
        "registered_name": None,
    }
    policy("float32")
    assert nn.Dense.from_config(config).dtype_policy.name == "mixed_bfloat16"
    with pytest.raises(ValueError, match="Cannot interpret `dtype` argument"):
        nn.Dense(3, dtype=object())


def test_input_stays_float32(policy):
    policy("bfloat16")
    assert nn.Input((3,)).dtype == "float32"  # Keras: floatx, whatever the policy


# -- layers ------------------------------------------------------------------------------
def _jtape_layers():
    f = np.ones((2, 3), np.float32)
    seq = np.ones((2, 4, 3), np.float32)
    img = np.ones((1, 4, 4, 2), np.float32)
    return [
        ("Dense", lambda: nn.Dense(2), f),
        ("DenseSoftmax", lambda: nn.Dense(2, activation="softmax"), f),
        ("Softmax", nn.Softmax, f),
        ("ActivationSoftmax", lambda: nn.Activation("softmax"), f),
        ("ReLU", nn.ReLU, f),
        ("Dropout", lambda: nn.Dropout(0.5), f),
        ("BatchNormalization", nn.BatchNormalization, f),
        ("LayerNormalization", nn.LayerNormalization, f),
        ("Embedding", lambda: nn.Embedding(5, 3), np.array([[1, 2]])),
        ("Flatten", nn.Flatten, seq),
        ("Conv1D", lambda: nn.Conv1D(2, 2), seq),
        ("Conv2D", lambda: nn.Conv2D(2, 3), img),
        ("Conv2DTranspose", lambda: nn.Conv2DTranspose(2, 2), img),
        ("MaxPooling2D", nn.MaxPooling2D, img),
        ("AveragePooling2D", lambda: nn.AveragePooling2D(2), img),
        ("GlobalAveragePooling2D", nn.GlobalAveragePooling2D, img),
        ("LSTM", lambda: nn.LSTM(2), seq),
        ("GRU", lambda: nn.GRU(2), seq),
        ("SimpleRNN", lambda: nn.SimpleRNN(2), seq),
        ("Add", nn.Add, [f, f]),
        ("Concatenate", nn.Concatenate, [f, f]),
    ]


def _symbolic(x):
    """An ``Input`` like ``x`` (a list of them for a list)."""
    if isinstance(x, list):
        return [_symbolic(v) for v in x]
    return nn.Input(x.shape[1:], batch_size=x.shape[0], dtype=x.dtype.name)


@pytest.mark.parametrize("name, symbolic", [("mixed_bfloat16", False), ("mixed_float16", True)])
def test_output_dtypes_match_keras(policy, name, symbolic):
    """Eagerly for bfloat16; float16 on symbolic inputs (the same call, traced abstractly)."""
    policy(name)
    got = []
    for layer_name, make, x in _jtape_layers():
        layer = make()
        y = layer(_symbolic(x) if symbolic else x)
        got.append(f"{layer_name}:{y.dtype.name}")
        assert all(w.dtype == "float32" for w in layer.weights), layer_name
    assert got == list(FIXTURE[f"dtypes/{name}"])


def test_symbolic_outputs_have_the_compute_dtype(policy):
    policy("mixed_bfloat16")
    inputs = nn.Input((4,))
    hidden = nn.Dense(3)(inputs)
    outputs = nn.Dense(2, dtype="float32")(hidden)
    assert (inputs.dtype, hidden.dtype, outputs.dtype) == ("float32", "bfloat16", "float32")
    model = nn.Model(inputs, outputs)
    assert model.dtype_policy.name == "mixed_bfloat16"
    assert model(np.ones((1, 4), np.float32)).dtype == "float32"


class _Probe(nn.Layer):
    """Records the dtypes its weights and arguments have inside ``call``."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        self.w32 = self.add_weight(shape=(input_shape[-1],), initializer="ones", autocast=False)
        self.plain = jt.Variable(np.ones(input_shape[-1], np.float32))

    def call(self, x, other=None, scale=None):
        self.seen = {
            "x": x.dtype.name,
            "other": other.dtype.name,
            "scale": scale.dtype.name,
            "w": self.w.value().dtype.name,
            "x*w": (x * self.w).dtype.name,
            "w32": self.w32.value().dtype.name,
            "plain": self.plain.value().dtype.name,
        }
        return x * self.w


def test_autocast_inside_call(policy):
    """As Keras: inputs (all tensor arguments) and add_weight weights in the compute dtype."""
    policy("mixed_bfloat16")
    probe = _Probe()
    ones = jt.ones((1, 2))
    with jt.GradientTape() as tape:
        y = probe(ones, jt.ones((2,)), scale=jt.constant([1.0, 2.0], dtype=jt.float64))
        loss = jt.sum(jt.cast(y, jt.float32))
    assert probe.seen == {
        "x": "bfloat16",
        "other": "bfloat16",
        "scale": "bfloat16",
        "w": "bfloat16",
        "x*w": "bfloat16",
        "w32": "float32",  # add_weight(autocast=False)
        "plain": "float32",  # a plain Variable is never autocast (as tf.Variable)
    }
    (grad,) = tape.gradient(loss, [probe.w])
    assert grad.dtype == "float32" and grad.numpy().tolist() == [1.0, 1.0]
    assert probe.w.value().dtype == "float32"  # outside the call: the variable's dtype


def test_float32_layer_inside_a_mixed_model(policy):
    """A layer with dtype="float32" in a bfloat16 model casts its input back to float32."""
    policy("mixed_bfloat16")

    class Outer(nn.Layer):
        def __init__(self):
            super().__init__()
            self.inner = nn.Dense(2, kernel_initializer="ones", dtype="float32")

        def call(self, x):
            return self.inner(x)

    x = jt.constant([[1.0 + 2**-10, 1.0]])  # rounds to 1.0 in bfloat16
    y = Outer()(x)
    assert y.dtype == "float32"
    np.testing.assert_array_equal(y.numpy(), [[2.0, 2.0]])


def test_stateful_rnn_keeps_float32_states(policy):
    policy("mixed_bfloat16")
    model = nn.Sequential([nn.Input((5, 3), batch_size=2), nn.LSTM(4, stateful=True)])
    x = np.ones((2, 5, 3), np.float32)
    first = model(x)
    states = model.layers[0].states
    kept = states[0].numpy().copy()
    second = model(x)  # starts from the states the first call left
    got = [first.dtype.name] + [v.dtype.name for v in states]
    assert got == list(FIXTURE["stateful/dtypes"])  # ["bfloat16", "float32", "float32"]
    assert second.dtype == "bfloat16" and np.any(kept != 0)
    assert not np.array_equal(
        jt.cast(first, jt.float32).numpy(), jt.cast(second, jt.float32).numpy()
    )


# -- values against Keras ---------------------------------------------------------------
def _dense_model():
    return nn.Sequential([nn.Dense(16, activation="relu"), nn.Dense(4, activation="softmax")])


def _conv_model():
    return nn.Sequential(
        [
            nn.Conv2D(4, 3, activation="relu"),
            nn.MaxPooling2D(),
            nn.Flatten(),
            nn.Dense(3, activation="softmax"),
        ]
    )


def _lstm_model():
    return nn.Sequential([nn.LSTM(6), nn.Dense(3, activation="softmax")])


def _close(got, want, rel):
    """Within ``rel`` of the largest magnitude (bfloat16 rounding is relative to scale)."""
    scale = max(float(np.max(np.abs(want))), 1e-3)
    np.testing.assert_allclose(got, want, rtol=rel, atol=rel * scale)


@pytest.mark.parametrize(
    "name, make", [("dense", _dense_model), ("conv", _conv_model), ("lstm", _lstm_model)]
)
def test_bfloat16_model_matches_keras(policy, name, make):
    policy("mixed_bfloat16")
    f = {k.split("/", 1)[1]: FIXTURE[k] for k in FIXTURE.files if k.startswith(name + "/")}
    model = make()
    x, y = f["x"], f["y"]
    model.build(x.shape)
    model.set_weights([f[f"w{i}"] for i in range(len(model.weights))])
    with jt.GradientTape() as tape:
        pred = model(x, training=True)
        loss = nn.losses.SparseCategoricalCrossentropy()(y, pred)
    grads = tape.gradient(loss, model.trainable_weights)
    assert pred.dtype.name == str(f["out_dtype"]) == "bfloat16"
    assert loss.dtype.name == str(f["loss_dtype"]) == "float32"
    _close(jt.cast(pred, jt.float32).numpy(), f["out"], 2e-2)
    _close(loss.numpy(), f["loss"], 2e-2)
    for i, g in enumerate(grads):
        assert g.dtype.name == str(f[f"grad{i}_dtype"]) == "float32"
        _close(g.numpy(), f[f"grad{i}"], 5e-2)


def test_batch_normalization_matches_keras(policy):
    policy("mixed_bfloat16")
    layer = nn.BatchNormalization(momentum=0.5)
    x = FIXTURE["bn/x"]
    layer.build(x.shape)
    layer.set_weights(
        [FIXTURE["bn/gamma"], FIXTURE["bn/beta"], np.zeros(3, np.float32), np.ones(3, np.float32)]
    )
    train = layer(x, training=True)
    infer = layer(x, training=False)
    assert train.dtype == infer.dtype == str(FIXTURE["bn/out_dtype"])
    assert layer.moving_mean.dtype == "float32"
    _close(jt.cast(train, jt.float32).numpy(), FIXTURE["bn/train"], 1e-2)
    _close(jt.cast(infer, jt.float32).numpy(), FIXTURE["bn/infer"], 1e-2)
    _close(layer.moving_mean.numpy(), FIXTURE["bn/moving_mean"], 1e-2)
    _close(layer.moving_variance.numpy(), FIXTURE["bn/moving_variance"], 1e-2)


# -- LossScaleOptimizer ------------------------------------------------------------------
def _lso_steps(inner, compiled: bool):
    opt = mp.LossScaleOptimizer(inner, initial_scale=8.0, dynamic_growth_steps=2)
    w = jt.Variable([1.0, 2.0])

    def step(g):
        opt.apply_gradients([(g, w)])

    if compiled:
        step = jt.function(step)
    rows = []
    for g in FIXTURE["lso/grads"]:
        step(jt.constant(g))
        rows.append(
            [*w.numpy(), float(opt.dynamic_scale), int(opt.step_counter), int(opt.iterations)]
        )
    return np.array(rows)


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "function"])
@pytest.mark.parametrize(
    "name, inner",
    [("lso", lambda: jt.optimizers.SGD(0.1)), ("lso_adam", lambda: jt.optimizers.Adam(0.1))],
)
def test_loss_scale_optimizer_matches_keras(name, inner, compiled):
    """Skips inf/NaN steps (weights and Adam's moments untouched), halves, then doubles."""
    np.testing.assert_allclose(_lso_steps(inner(), compiled), FIXTURE[f"{name}/steps"], rtol=1e-6)


def test_loss_scale_optimizer_arguments():
    opt = mp.LossScaleOptimizer(jt.optimizers.SGD(0.1))
    assert (opt.initial_scale, opt.dynamic_growth_steps) == (2.0**15, 2000)
    assert opt.name.startswith("loss_scale_optimizer")  # "_1", "_2"... as Keras' names
    assert float(opt.scale_loss(jt.constant(2.0))) == 65536.0
    assert float(opt.learning_rate) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="no longer supports `dynamic=False`"):
        mp.LossScaleOptimizer(jt.optimizers.SGD(0.1), dynamic=False)
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        mp.LossScaleOptimizer(jt.optimizers.SGD(0.1), clipnorm=1.0)
    with pytest.raises(ValueError, match="does not support arguments: `foo`"):
        mp.LossScaleOptimizer(jt.optimizers.SGD(0.1), foo=1.0)
    clone = jt.optimizers.deserialize(jt.optimizers.serialize(opt))
    assert isinstance(clone, mp.LossScaleOptimizer)
    assert isinstance(clone.inner_optimizer, jt.optimizers.SGD)
    assert clone.get_config()["initial_scale"] == 2.0**15


def test_custom_loop_scale_loss_and_legacy_unscaling():
    """Keras 3's loop (scale_loss; apply unscales) and Keras 2's get_*: the same update."""
    results = []
    for legacy in (False, True):
        opt = mp.LossScaleOptimizer(jt.optimizers.SGD(0.5), initial_scale=1024.0)
        w = jt.Variable([3.0])
        with jt.GradientTape() as tape:
            loss = jt.sum(w * w)
            scaled = opt.get_scaled_loss(loss) if legacy else opt.scale_loss(loss)
        grads = tape.gradient(scaled, [w])
        assert grads[0].numpy().tolist() == [6.0 * 1024]
        if legacy:
            grads = opt.get_unscaled_gradients(grads)
            assert grads[0].numpy().tolist() == [6.0]
        opt.apply_gradients(zip(grads, [w]))
        results.append(float(w.numpy()[0]))
    assert results == [0.0, 0.0]  # 3 - 0.5 * 6, not divided twice


def test_minimize_scales_the_loss():
    opt = mp.LossScaleOptimizer(jt.optimizers.SGD(0.5), initial_scale=1024.0)
    w = jt.Variable([3.0])
    opt.minimize(lambda: jt.sum(w * w), [w])
    assert float(w.numpy()[0]) == 0.0
    with pytest.raises(ValueError, match="zero-argument callable"):
        opt.minimize(jt.sum(w * w), [w], tape=jt.GradientTape())


# -- training --------------------------------------------------------------------------
def _regression_data():
    rng = np.random.RandomState(0)
    x = rng.randn(64, 8).astype(np.float32)
    y = (x @ rng.randn(8, 1)).astype(np.float32)
    return x, y


def test_fit_mixed_float16_wraps_the_optimizer(policy):
    policy("mixed_float16")
    x, y = _regression_data()
    model = nn.Sequential([nn.Input((8,)), nn.Dense(16, activation="relu"), nn.Dense(1)])
    model.compile(jt.optimizers.SGD(0.05), "mse")
    assert isinstance(model.optimizer, mp.LossScaleOptimizer)
    assert model.optimizer.name.startswith("loss_scale_optimizer")
    losses = model.fit(x, y, epochs=4, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < 0.5 * losses[0], losses
    scale = float(model.optimizer.dynamic_scale)
    assert scale <= 2.0**15 and np.log2(scale) == int(np.log2(scale))
    model.compile(jt.optimizers.SGD(0.05), "mse", auto_scale_loss=False)
    assert isinstance(model.optimizer, jt.optimizers.SGD)


def _program_jaxpr(fn, *args):
    """The jaxpr of the one XLA program ``fn`` (a jt.function) runs for ``args``."""
    fn(*args)  # traces (twice when the first call finds variables) and runs once
    static_key, dyn = _function._signature(args, {})
    donated, kept = fn._partition
    return jax.make_jaxpr(functools.partial(fn._get_jitted(), static_key))(
        [v._value for v in donated], [v._value for v in kept], dyn
    )


def _matmul_input_dtypes(closed) -> list[tuple[str, str, tuple]]:
    """(primitive, operand dtypes) of every dot/convolution, sub-programs included."""
    found = []
    stack = [closed.jaxpr]
    while stack:
        jaxpr = stack.pop()
        for eqn in jaxpr.eqns:
            if eqn.primitive.name in ("dot_general", "conv_general_dilated"):
                found.append((eqn.primitive.name, tuple(str(v.aval.dtype) for v in eqn.invars)))
            for p in eqn.params.values():
                for sub in p if isinstance(p, (list, tuple)) else [p]:
                    if hasattr(sub, "jaxpr") and hasattr(sub, "consts"):
                        stack.append(sub.jaxpr)
                    elif hasattr(sub, "eqns"):
                        stack.append(sub)
    return found


def test_bfloat16_fit_trains_and_its_step_has_no_float32_matmul(policy):
    policy("mixed_bfloat16")
    tf.random.set_seed(0)  # initial weights and shuffling: the same run every time
    rng = np.random.RandomState(1)
    x = rng.randn(64, 6, 6, 1).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0).astype(np.int32)
    model = nn.Sequential(
        [
            nn.Input((6, 6, 1)),
            nn.Conv2D(4, 3, activation="relu"),
            nn.Flatten(),
            nn.Dense(8, activation="relu"),
            nn.Dense(2, activation="softmax"),
        ]
    )
    model.compile(jt.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    losses = model.fit(x, y, epochs=6, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < 0.7 * losses[0], losses
    assert all(w.dtype == "float32" for w in model.weights)

    step = model.make_train_function()
    matmuls = _matmul_input_dtypes(_program_jaxpr(step, (tf.constant(x[:16]), tf.constant(y[:16]))))
    # forward and backward: 2 dots + 1 conv forward, their input/weight gradients
    assert len(matmuls) >= 7, matmuls
    assert all(dtypes == ("bfloat16", "bfloat16") for _, dtypes in matmuls), matmuls


@pytest.mark.parametrize("module", [_mp_impl, _loss_scale], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    try:
        assert doctest.testmod(module).failed == 0
    finally:
        mp.set_global_policy("float32")


# -- namespaces --------------------------------------------------------------------------
def test_compat_namespace():
    ns = tf.keras.mixed_precision
    assert ns.Policy is mp.Policy and ns.LossScaleOptimizer is jt.optimizers.LossScaleOptimizer
    assert ns.set_global_policy is mp.set_global_policy and ns.global_policy is mp.global_policy
    with pytest.raises(NotProvidedError):
        ns.experimental  # noqa: B018 (tf.keras 2's namespace, gone in Keras 3)
