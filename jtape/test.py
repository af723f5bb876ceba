"""Testing helpers (TensorFlow's ``tf.test``)."""

from ._gradient_checker import compute_gradient as compute_gradient
