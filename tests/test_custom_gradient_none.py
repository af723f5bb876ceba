"""A ``custom_gradient`` grad_fn answering None for an input: TF's None gradient.

TF (2.21) gives None for such an input when nothing else connects it to the target,
the real gradient when another path does, and zeros with
``unconnected_gradients='zero'`` (conformance s13 records the first case from TF).
"""

import numpy as np
import pytest

import jtape as jt


@jt.custom_gradient
def scaled_product(a, b):
    def grad(dy):
        return dy * b, None

    return a * b, grad


def test_none_from_grad_fn_gives_none_eagerly_and_compiled():
    a, b = jt.Variable([1.0, 2.0]), jt.Variable([3.0, 4.0])
    for _ in range(3):  # the third run uses the compiled backward program
        with jt.GradientTape() as tape:
            z = jt.sum(scaled_product(a, b))
        ga, gb = tape.gradient(z, [a, b])
        np.testing.assert_allclose(ga.numpy(), [3.0, 4.0])
        assert gb is None

    @jt.function
    def step():
        with jt.GradientTape() as tape:
            z = jt.sum(scaled_product(a, b))
        return tape.gradient(z, [a, b])

    ga, gb = step()
    np.testing.assert_allclose(ga.numpy(), [3.0, 4.0])
    assert gb is None


def test_another_path_or_zero_mode_still_answers():
    a, b = jt.Variable([1.0, 2.0]), jt.Variable([3.0, 4.0])
    with jt.GradientTape() as tape:
        z = jt.sum(scaled_product(a, b)) + jt.sum(b * b)
    np.testing.assert_allclose(tape.gradient(z, b).numpy(), [6.0, 8.0])
    with jt.GradientTape() as tape:
        z = jt.sum(scaled_product(a, b))
    gb = tape.gradient(z, b, unconnected_gradients="zero")
    np.testing.assert_allclose(gb.numpy(), [0.0, 0.0])


def test_strict_tape_says_grad_fn_answered_none():
    a, b = jt.Variable([1.0, 2.0]), jt.Variable([3.0, 4.0])
    with jt.GradientTape(strict=True) as tape:
        z = jt.sum(scaled_product(a, b))
    with pytest.raises(jt.UnconnectedGradientError, match="grad_fn returned None"):
        tape.gradient(z, [a, b])
