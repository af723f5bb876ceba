"""The seed article's first snippet, written against jtape."""

import jtape as jt


def test_seed_snippet_square_gradient_is_six():
    x = jt.constant(3.0)
    with jt.GradientTape() as g:
        g.watch(x)
        y = x**2
    dy_dx = g.gradient(y, x)
    assert isinstance(dy_dx, jt.Tensor)
    assert dy_dx.dtype == jt.float32
    assert float(dy_dx) == 6.0
