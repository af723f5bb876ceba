"""TensorFlow guide "Introduction to gradients and automatic differentiation", run on jtape.

The code cells are those of tensorflow/docs ``site/en/guide/autodiff.ipynb``
(Copyright 2020 The TensorFlow Authors, Apache License 2.0), unchanged; only
``import tensorflow as tf`` became ``import jtape.compat as tf`` (see ``compat_cells.py``).
Expected values are the ones the guide documents (in its comments and published
outputs).
"""

from __future__ import annotations

import numpy as np
import pytest
from compat_cells import namespace, run


@pytest.fixture(scope="module")
def ns():
    return namespace()


def test_gradient_tapes(ns):
    run(
        ns,
        """
x = tf.Variable(3.0)

with tf.GradientTape() as tape:
  y = x**2
""",
    )
    _, value = run(
        ns,
        """
# dy = 2x * dx
dy_dx = tape.gradient(y, x)
dy_dx.numpy()
""",
    )
    assert value == 6.0


def test_any_tensor_and_nested_sources(ns):
    run(
        ns,
        """
w = tf.Variable(tf.random.normal((3, 2)), name='w')
b = tf.Variable(tf.zeros(2, dtype=tf.float32), name='b')
x = [[1., 2., 3.]]

with tf.GradientTape(persistent=True) as tape:
  y = x @ w + b
  loss = tf.reduce_mean(y**2)
""",
    )
    run(ns, "[dl_dw, dl_db] = tape.gradient(loss, [w, b])")
    out, _ = run(
        ns,
        """
print(w.shape)
print(dl_dw.shape)
""",
    )
    assert out.split() == ["(3,", "2)", "(3,", "2)"]
    _, grad_b = run(
        ns,
        """
my_vars = {
    'w': w,
    'b': b
}

grad = tape.gradient(loss, my_vars)
grad['b']
""",
    )
    # Closed form: loss = mean(y**2), y = x @ w + b  =>  dl/db = y, dl/dw = x^T y.
    xw = np.array([[1.0, 2.0, 3.0]]) @ ns["w"].numpy() + ns["b"].numpy()
    np.testing.assert_allclose(grad_b.numpy(), xw[0], rtol=1e-5)
    np.testing.assert_allclose(ns["dl_dw"].numpy(), np.array([[1.0], [2.0], [3.0]]) @ xw, rtol=1e-5)


def test_gradients_with_respect_to_a_model(ns):
    run(
        ns,
        """
layer = tf.keras.layers.Dense(2, activation='relu')
x = tf.constant([[1., 2., 3.]])

with tf.GradientTape() as tape:
  # Forward pass
  y = layer(x)
  loss = tf.reduce_mean(y**2)

# Calculate gradients with respect to every trainable variable
grad = tape.gradient(loss, layer.trainable_variables)
""",
    )
    out, _ = run(
        ns,
        """
for var, g in zip(layer.trainable_variables, grad):
  print(f'{var.name}, shape: {g.shape}')
""",
    )
    # TF 2 prints "dense/kernel:0, shape: (3, 2)" and "dense/bias:0, shape: (2,)".
    lines = out.strip().split("\n")
    assert lines[0].endswith("kernel:0, shape: (3, 2)") and "bias" in lines[1]
    assert lines[1].endswith("shape: (2,)")


def test_controlling_what_the_tape_watches(ns):
    out, _ = run(
        ns,
        """
# A trainable variable
x0 = tf.Variable(3.0, name='x0')
# Not trainable
x1 = tf.Variable(3.0, name='x1', trainable=False)
# Not a Variable: A variable + tensor returns a tensor.
x2 = tf.Variable(2.0, name='x2') + 1.0
# Not a variable
x3 = tf.constant(3.0, name='x3')

with tf.GradientTape() as tape:
  y = (x0**2) + (x1**2) + (x2**2)

grad = tape.gradient(y, [x0, x1, x2, x3])

for g in grad:
  print(g)
""",
    )
    lines = out.strip().split("\n")
    assert "6.0" in lines[0] and lines[1:] == ["None", "None", "None"]
    _, names = run(ns, "[var.name for var in tape.watched_variables()]")
    assert names == ["x0:0"]
    out, _ = run(
        ns,
        """
x = tf.constant(3.0)
with tf.GradientTape() as tape:
  tape.watch(x)
  y = x**2

# dy = 2x * dx
dy_dx = tape.gradient(y, x)
print(dy_dx.numpy())
""",
    )
    assert out.strip() == "6.0"
    run(
        ns,
        """
x0 = tf.Variable(0.0)
x1 = tf.Variable(10.0)

with tf.GradientTape(watch_accessed_variables=False) as tape:
  tape.watch(x1)
  y0 = tf.math.sin(x0)
  y1 = tf.nn.softplus(x1)
  y = y0 + y1
  ys = tf.reduce_sum(y)
""",
    )
    out, _ = run(
        ns,
        """
# dys/dx1 = exp(x1) / (1 + exp(x1)) = sigmoid(x1)
grad = tape.gradient(ys, {'x0': x0, 'x1': x1})

print('dy/dx0:', grad['x0'])
print('dy/dx1:', grad['x1'].numpy())
""",
    )
    lines = out.strip().split("\n")
    assert lines[0] == "dy/dx0: None"
    assert float(lines[1].split(":")[1]) == pytest.approx(1 / (1 + np.exp(-10.0)), rel=1e-6)


def test_intermediate_results_and_persistent_tapes(ns):
    out, _ = run(
        ns,
        """
x = tf.constant(3.0)

with tf.GradientTape() as tape:
  tape.watch(x)
  y = x * x
  z = y * y

# Use the tape to compute the gradient of z with respect to the
# intermediate value y.
# dz_dy = 2 * y and y = x ** 2 = 9
print(tape.gradient(z, y).numpy())
""",
    )
    assert float(out) == 18.0
    out, _ = run(
        ns,
        """
x = tf.constant([1, 3.0])
with tf.GradientTape(persistent=True) as tape:
  tape.watch(x)
  y = x * x
  z = y * y

print(tape.gradient(z, x).numpy())  # [4.0, 108.0] (4 * x**3 at x = [1.0, 3.0])
print(tape.gradient(y, x).numpy())  # [2.0, 6.0] (2 * x at x = [1.0, 3.0])
""",
    )
    assert out.split("\n")[:2] == ["[  4. 108.]", "[2. 6.]"]
    run(ns, "del tape   # Drop the reference to the tape")
    assert "tape" not in ns


def test_gradients_of_non_scalar_targets(ns):
    out, _ = run(
        ns,
        """
x = tf.Variable(2.0)
with tf.GradientTape(persistent=True) as tape:
  y0 = x**2
  y1 = 1 / x

print(tape.gradient(y0, x).numpy())
print(tape.gradient(y1, x).numpy())
""",
    )
    assert [float(v) for v in out.split()] == [4.0, -0.25]
    out, _ = run(
        ns,
        """
x = tf.Variable(2.0)
with tf.GradientTape() as tape:
  y0 = x**2
  y1 = 1 / x

print(tape.gradient({'y0': y0, 'y1': y1}, x).numpy())
""",
    )
    assert float(out) == 3.75
    out, _ = run(
        ns,
        """
x = tf.Variable(2.)

with tf.GradientTape() as tape:
  y = x * [3., 4.]

print(tape.gradient(y, x).numpy())
""",
    )
    assert float(out) == 7.0
    run(
        ns,
        """
x = tf.linspace(-10.0, 10.0, 200+1)

with tf.GradientTape() as tape:
  tape.watch(x)
  y = tf.nn.sigmoid(x)

dy_dx = tape.gradient(y, x)
""",
    )
    run(
        ns,
        """
plt.plot(x, y, label='y')
plt.plot(x, dy_dx, label='dy/dx')
plt.legend()
_ = plt.xlabel('x')
""",
    )
    s = 1 / (1 + np.exp(-np.linspace(-10.0, 10.0, 201)))
    np.testing.assert_allclose(ns["dy_dx"].numpy(), s * (1 - s), atol=1e-6)
    ns["plt"].close("all")


def test_control_flow(ns):
    out, _ = run(
        ns,
        """
x = tf.constant(1.0)

v0 = tf.Variable(2.0)
v1 = tf.Variable(2.0)

with tf.GradientTape(persistent=True) as tape:
  tape.watch(x)
  if x > 0.0:
    result = v0
  else:
    result = v1**2

dv0, dv1 = tape.gradient(result, [v0, v1])

print(dv0)
print(dv1)
""",
    )
    lines = out.strip().split("\n")
    assert "1.0" in lines[0] and lines[1] == "None"
    out, _ = run(
        ns,
        """
dx = tape.gradient(result, x)

print(dx)
""",
    )
    assert out.strip() == "None"


def test_cases_where_gradient_returns_none(ns):
    out, _ = run(
        ns,
        """
x = tf.Variable(2.)
y = tf.Variable(3.)

with tf.GradientTape() as tape:
  z = y * y
print(tape.gradient(z, x))
""",
    )
    assert out.strip() == "None"
    out, _ = run(
        ns,
        """
x = tf.Variable(2.0)

for epoch in range(2):
  with tf.GradientTape() as tape:
    y = x+1

  print(type(x).__name__, ":", tape.gradient(y, x))
  x = x + 1   # This should be `x.assign_add(1)`
""",
    )
    # TF: "ResourceVariable : tf.Tensor(1.0, ...)" then "EagerTensor : None".
    first, second = out.strip().split("\n")
    assert first.startswith("Variable :") and "1.0" in first
    assert second == "Tensor : None"
    out, _ = run(
        ns,
        """
x = tf.Variable([[1.0, 2.0],
                 [3.0, 4.0]], dtype=tf.float32)

with tf.GradientTape() as tape:
  x2 = x**2

  # This step is calculated with NumPy
  y = np.mean(x2, axis=0)

  # Like most ops, reduce_mean will cast the NumPy array to a constant tensor
  # using `tf.convert_to_tensor`.
  y = tf.reduce_mean(y, axis=0)

print(tape.gradient(y, x))
""",
    )
    assert out.strip() == "None"
    with pytest.warns(UserWarning, match="must be floating"):
        out, _ = run(
            ns,
            """
x = tf.constant(10)

with tf.GradientTape() as g:
  g.watch(x)
  y = x * x

print(g.gradient(y, x))
""",
        )
    assert out.strip() == "None"
    out, _ = run(
        ns,
        """
x0 = tf.Variable(3.0)
x1 = tf.Variable(0.0)

with tf.GradientTape() as tape:
  # Update x1 = x1 + x0.
  x1.assign_add(x0)
  # The tape starts recording from x1.
  y = x1**2   # y = (x1 + x0)**2

# This doesn't work.
print(tape.gradient(y, x0))   #dy/dx0 = 2*(x1 + x0)
""",
    )
    assert out.strip() == "None"


def test_no_gradient_registered_cell_names_the_missing_api(ns):
    # The guide's example uses tf.image.adjust_contrast, whose TF gradient is missing
    # (LookupError). jtape has no tf.image: the cell stops at the name, with a pointer.
    cell = """
image = tf.Variable([[[0.5, 0.0, 0.0]]])
delta = tf.Variable(0.1)

with tf.GradientTape() as tape:
  new_image = tf.image.adjust_contrast(image, delta)

try:
  print(tape.gradient(new_image, [image, delta]))
  assert False   # This should not happen.
except LookupError as e:
  print(f'{type(e).__name__}: {e}')
"""
    with pytest.raises(AttributeError, match=r"`tf.image` is not provided.*jax.image"):
        run(ns, cell)


def test_zeros_instead_of_none(ns):
    out, _ = run(
        ns,
        """
x = tf.Variable([2., 2.])
y = tf.Variable(3.)

with tf.GradientTape() as tape:
  z = y**2
print(tape.gradient(z, x, unconnected_gradients=tf.UnconnectedGradients.ZERO))
""",
    )
    assert "[0. 0.]" in out
