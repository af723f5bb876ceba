"""TensorFlow guide "Advanced automatic differentiation", run on jtape.

The code cells are those of tensorflow/docs ``site/en/guide/advanced_autodiff.ipynb``
(Copyright 2020 The TensorFlow Authors, Apache License 2.0), unchanged; only
``import tensorflow as tf`` became ``import jtape.compat as tf`` (see
``compat_cells.py``). Expected values are the ones the guide documents.
"""

from __future__ import annotations

import numpy as np
import pytest
from compat_cells import namespace, run


@pytest.fixture(scope="module")
def ns():
    ns = namespace()
    run(ns, "mpl.rcParams['figure.figsize'] = (8, 6)")
    yield ns
    ns["plt"].close("all")


def _grads(out: str) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in out.strip().split("\n")]


def test_stop_recording(ns):
    out, _ = run(
        ns,
        """
x = tf.Variable(2.0)
y = tf.Variable(3.0)

with tf.GradientTape() as t:
  x_sq = x * x
  with t.stop_recording():
    y_sq = y * y
  z = x_sq + y_sq

grad = t.gradient(z, {'x': x, 'y': y})

print('dz/dx:', grad['x'])  # 2*x => 4
print('dz/dy:', grad['y'])
""",
    )
    gx, gy = _grads(out)
    assert "4.0" in gx and gy == "None"


def test_reset(ns):
    out, _ = run(
        ns,
        """
x = tf.Variable(2.0)
y = tf.Variable(3.0)
reset = True

with tf.GradientTape() as t:
  y_sq = y * y
  if reset:
    # Throw out all the tape recorded so far.
    t.reset()
  z = x * x + y_sq

grad = t.gradient(z, {'x': x, 'y': y})

print('dz/dx:', grad['x'])  # 2*x => 4
print('dz/dy:', grad['y'])
""",
    )
    gx, gy = _grads(out)
    assert "4.0" in gx and gy == "None"


def test_stop_gradient(ns):
    out, _ = run(
        ns,
        """
x = tf.Variable(2.0)
y = tf.Variable(3.0)

with tf.GradientTape() as t:
  y_sq = y**2
  z = x**2 + tf.stop_gradient(y_sq)

grad = t.gradient(z, {'x': x, 'y': y})

print('dz/dx:', grad['x'])  # 2*x => 4
print('dz/dy:', grad['y'])
""",
    )
    gx, gy = _grads(out)
    assert "4.0" in gx and gy == "None"


def test_custom_gradient(ns):
    out, _ = run(
        ns,
        """
# Establish an identity operation, but clip during the gradient pass.
@tf.custom_gradient
def clip_gradients(y):
  def backward(dy):
    return tf.clip_by_norm(dy, 0.5)
  return y, backward

v = tf.Variable(2.0)
with tf.GradientTape() as t:
  output = clip_gradients(v * v)
print(t.gradient(output, v))  # calls "backward", which clips 4 to 2
""",
    )
    assert "2.0" in out


def test_custom_gradient_in_saved_model_needs_tf_saved_model(ns):
    # tf.Module and tf.function(input_signature=...) work; tf.saved_model does not
    # exist in jtape, and the error says what to use instead.
    run(
        ns,
        """
class MyModule(tf.Module):

  @tf.function(input_signature=[tf.TensorSpec(None)])
  def call_custom_grad(self, x):
    return clip_gradients(x)

model = MyModule()
""",
    )
    with pytest.raises(AttributeError, match=r"`tf.saved_model` is not provided.*weights"):
        run(
            ns,
            """
tf.saved_model.save(
    model,
    'saved_model',
    options=tf.saved_model.SaveOptions(experimental_custom_gradients=True))
""",
        )


def test_custom_gradient_through_tf_function(ns):
    # What the saved-model cell checks after loading: the same clipped gradient.
    v = ns["tf"].Variable(2.0)
    with ns["tf"].GradientTape() as t:
        out = ns["model"].call_custom_grad(v * v)
    assert float(t.gradient(out, v)) == 2.0


def test_multiple_tapes(ns):
    run(
        ns,
        """
x0 = tf.constant(0.0)
x1 = tf.constant(0.0)

with tf.GradientTape() as tape0, tf.GradientTape() as tape1:
  tape0.watch(x0)
  tape1.watch(x1)

  y0 = tf.math.sin(x0)
  y1 = tf.nn.sigmoid(x1)

  y = y0 + y1

  ys = tf.reduce_sum(y)
""",
    )
    assert run(ns, "tape0.gradient(ys, x0).numpy()   # cos(x) => 1.0")[1] == 1.0
    assert (
        run(ns, "tape1.gradient(ys, x1).numpy()   # sigmoid(x1)*(1-sigmoid(x1)) => 0.25")[1] == 0.25
    )


def test_higher_order_gradients(ns):
    out, _ = run(
        ns,
        """
x = tf.Variable(1.0)  # Create a Tensorflow variable initialized to 1.0

with tf.GradientTape() as t2:
  with tf.GradientTape() as t1:
    y = x * x * x

  # Compute the gradient inside the outer `t2` context manager
  # which means the gradient computation is differentiable as well.
  dy_dx = t1.gradient(y, x)
d2y_dx2 = t2.gradient(dy_dx, x)

print('dy_dx:', dy_dx.numpy())  # 3 * x**2 => 3.0
print('d2y_dx2:', d2y_dx2.numpy())  # 6 * x => 6.0
""",
    )
    assert out.split("\n")[:2] == ["dy_dx: 3.0", "d2y_dx2: 6.0"]


def test_input_gradient_regularization(ns):
    run(
        ns,
        """
x = tf.random.normal([7, 5])

layer = tf.keras.layers.Dense(10, activation=tf.nn.relu)
""",
    )
    run(
        ns,
        """
with tf.GradientTape() as t2:
  # The inner tape only takes the gradient with respect to the input,
  # not the variables.
  with tf.GradientTape(watch_accessed_variables=False) as t1:
    t1.watch(x)
    y = layer(x)
    out = tf.reduce_sum(layer(x)**2)
  # 1. Calculate the input gradient.
  g1 = t1.gradient(out, x)
  # 2. Calculate the magnitude of the input gradient.
  g1_mag = tf.norm(g1)

# 3. Calculate the gradient of the magnitude with respect to the model.
dg1_mag = t2.gradient(g1_mag, layer.trainable_variables)
""",
    )
    _, shapes = run(ns, "[var.shape for var in dg1_mag]")
    assert [tuple(s) for s in shapes] == [(5, 10), (10,)]
    # Check the value: the same computation as a pure JAX function of (kernel, bias).
    import jax
    import jax.numpy as jnp

    x = jnp.asarray(ns["x"].numpy())

    def g1_mag(kernel, bias):
        out = lambda xx: jnp.sum(jax.nn.relu(xx @ kernel + bias) ** 2)  # noqa: E731
        return jnp.linalg.norm(jax.grad(out)(x))

    k, b = (jnp.asarray(v.numpy()) for v in ns["layer"].trainable_variables)
    want = jax.grad(g1_mag, argnums=(0, 1))(k, b)
    for got, w in zip(ns["dg1_mag"], want):
        np.testing.assert_allclose(got.numpy(), w, rtol=2e-4, atol=1e-5)


def test_jacobian_scalar_source(ns):
    run(
        ns,
        """
x = tf.linspace(-10.0, 10.0, 200+1)
delta = tf.Variable(0.0)

with tf.GradientTape() as tape:
  y = tf.nn.sigmoid(x+delta)

dy_dx = tape.jacobian(y, delta)
""",
    )
    out, _ = run(
        ns,
        """
print(y.shape)
print(dy_dx.shape)
""",
    )
    assert out.split("\n")[:2] == ["(201,)", "(201,)"]
    run(
        ns,
        """
plt.plot(x.numpy(), y, label='y')
plt.plot(x.numpy(), dy_dx, label='dy/dx')
plt.legend()
_ = plt.xlabel('x')
""",
    )
    s = 1 / (1 + np.exp(-np.linspace(-10.0, 10.0, 201)))
    np.testing.assert_allclose(ns["dy_dx"].numpy(), s * (1 - s), atol=1e-6)


def test_jacobian_tensor_source(ns):
    _, shape = run(
        ns,
        """
x = tf.random.normal([7, 5])
layer = tf.keras.layers.Dense(10, activation=tf.nn.relu)

with tf.GradientTape(persistent=True) as tape:
  y = layer(x)

y.shape
""",
    )
    assert tuple(shape) == (7, 10)
    assert tuple(run(ns, "layer.kernel.shape")[1]) == (5, 10)
    _, jshape = run(
        ns,
        """
j = tape.jacobian(y, layer.kernel)
j.shape
""",
    )
    assert tuple(jshape) == (7, 10, 5, 10)
    out, _ = run(
        ns,
        """
g = tape.gradient(y, layer.kernel)
print('g.shape:', g.shape)

j_sum = tf.reduce_sum(j, axis=[0, 1])
delta = tf.reduce_max(abs(g - j_sum)).numpy()
assert delta < 1e-3
print('delta:', delta)
""",
    )
    assert out.startswith("g.shape: (5, 10)")


def test_hessian_and_newton_step(ns):
    run(
        ns,
        """
x = tf.random.normal([7, 5])
layer1 = tf.keras.layers.Dense(8, activation=tf.nn.relu)
layer2 = tf.keras.layers.Dense(6, activation=tf.nn.relu)

with tf.GradientTape() as t2:
  with tf.GradientTape() as t1:
    x = layer1(x)
    x = layer2(x)
    loss = tf.reduce_mean(x**2)

  g = t1.gradient(loss, layer1.kernel)

h = t2.jacobian(g, layer1.kernel)
""",
    )
    out, _ = run(
        ns,
        """
print(f'layer.kernel.shape: {layer1.kernel.shape}')
print(f'h.shape: {h.shape}')
""",
    )
    assert out.split("\n")[:2] == ["layer.kernel.shape: (5, 8)", "h.shape: (5, 8, 5, 8)"]
    run(
        ns,
        """
n_params = tf.reduce_prod(layer1.kernel.shape)

g_vec = tf.reshape(g, [n_params, 1])
h_mat = tf.reshape(h, [n_params, n_params])
""",
    )
    h_mat = ns["h_mat"].numpy()
    np.testing.assert_allclose(h_mat, h_mat.T, atol=1e-5)  # "should be symmetric"
    run(
        ns,
        """
def imshow_zero_center(image, **kwargs):
  lim = tf.reduce_max(abs(image))
  plt.imshow(image, vmin=-lim, vmax=lim, cmap='seismic', **kwargs)
  plt.colorbar()
""",
    )
    run(ns, "imshow_zero_center(h_mat)")
    run(
        ns,
        """
eps = 1e-3
eye_eps = tf.eye(h_mat.shape[0])*eps
""",
    )
    kernel_before = ns["layer1"].kernel.numpy()
    run(
        ns,
        """
# X(k+1) = X(k) - (∇²f(X(k)))^-1 @ ∇f(X(k))
# h_mat = ∇²f(X(k))
# g_vec = ∇f(X(k))
update = tf.linalg.solve(h_mat + eye_eps, g_vec)

# Reshape the update and apply it to the variable.
_ = layer1.kernel.assign_sub(tf.reshape(update, layer1.kernel.shape))
""",
    )
    want = np.linalg.solve(h_mat + np.eye(40) * 1e-3, ns["g_vec"].numpy())
    np.testing.assert_allclose(
        kernel_before - ns["layer1"].kernel.numpy(), want.reshape(5, 8), rtol=1e-3, atol=1e-4
    )


def test_batch_jacobian(ns):
    _, shape = run(
        ns,
        """
x = tf.random.normal([7, 5])

layer1 = tf.keras.layers.Dense(8, activation=tf.nn.elu)
layer2 = tf.keras.layers.Dense(6, activation=tf.nn.elu)

with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
  tape.watch(x)
  y = layer1(x)
  y = layer2(y)

y.shape
""",
    )
    assert tuple(shape) == (7, 6)
    _, jshape = run(
        ns,
        """
j = tape.jacobian(y, x)
j.shape
""",
    )
    assert tuple(jshape) == (7, 6, 7, 5)
    run(
        ns,
        """
imshow_zero_center(j[:, 0, :, 0])
_ = plt.title('A (batch, batch) slice')
""",
    )
    run(
        ns,
        """
def plot_as_patches(j):
  # Reorder axes so the diagonals will each form a contiguous patch.
  j = tf.transpose(j, [1, 0, 3, 2])
  # Pad in between each patch.
  lim = tf.reduce_max(abs(j))
  j = tf.pad(j, [[0, 0], [1, 1], [0, 0], [1, 1]],
             constant_values=-lim)
  # Reshape to form a single image.
  s = j.shape
  j = tf.reshape(j, [s[0]*s[1], s[2]*s[3]])
  imshow_zero_center(j, extent=[-0.5, s[2]-0.5, s[0]-0.5, -0.5])

plot_as_patches(j)
_ = plt.title('All (batch, batch) slices are diagonal')
""",
    )
    out, _ = run(
        ns,
        """
j_sum = tf.reduce_sum(j, axis=2)
print(j_sum.shape)
j_select = tf.einsum('bxby->bxy', j)
print(j_select.shape)
""",
    )
    assert out.split("\n")[:2] == ["(7, 6, 5)", "(7, 6, 5)"]
    _, jbshape = run(
        ns,
        """
jb = tape.batch_jacobian(y, x)
jb.shape
""",
    )
    assert tuple(jbshape) == (7, 6, 5)
    out, _ = run(
        ns,
        """
error = tf.reduce_max(abs(jb - j_sum))
assert error < 1e-3
print(error.numpy())
""",
    )
    assert float(out) < 1e-3


def test_batch_jacobian_with_batch_norm(ns):
    out, _ = run(
        ns,
        """
x = tf.random.normal([7, 5])

layer1 = tf.keras.layers.Dense(8, activation=tf.nn.elu)
bn = tf.keras.layers.BatchNormalization()
layer2 = tf.keras.layers.Dense(6, activation=tf.nn.elu)

with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
  tape.watch(x)
  y = layer1(x)
  y = bn(y, training=True)
  y = layer2(y)

j = tape.jacobian(y, x)
print(f'j.shape: {j.shape}')
""",
    )
    assert out.strip() == "j.shape: (7, 6, 7, 5)"
    run(
        ns,
        """
plot_as_patches(j)

_ = plt.title('These slices are not diagonal')
_ = plt.xlabel("Don't use `batch_jacobian`")
""",
    )
    # "These slices are not diagonal": batch norm couples the examples.
    j = ns["j"].numpy()
    off_diag = j[:, 0, :, 0] * (1 - np.eye(7))
    assert np.abs(off_diag).max() > 1e-4
    out, _ = run(
        ns,
        """
jb = tape.batch_jacobian(y, x)
print(f'jb.shape: {jb.shape}')
""",
    )
    assert out.strip() == "jb.shape: (7, 6, 5)"
