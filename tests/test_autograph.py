"""AutoGraph: Python control flow inside jt.function, converted where it depends on tensors.

Every compiled result is checked against the same Python function run eagerly
(``jt.run_functions_eagerly(True)``) and, where it has one, a closed form or a numpy loop.
"""

import contextlib
import warnings

import jax
import numpy as np
import pytest

import jtape as jt
from jtape import _autograph


@contextlib.contextmanager
def eagerly():
    jt.run_functions_eagerly(True)
    try:
        yield
    finally:
        jt.run_functions_eagerly(False)


def compiled_and_eager(fn, *args):
    """Results of ``fn`` under jt.function (fresh trace) and run as plain Python."""
    out_c = jt.function(fn)(*args)
    with eagerly():
        out_e = jt.function(fn)(*args)
    return out_c, out_e


def assert_same(fn, *args):
    out_c, out_e = compiled_and_eager(fn, *args)
    np.testing.assert_allclose(np.asarray(out_c), np.asarray(out_e), rtol=1e-6)
    return np.asarray(out_c)


# -- if -----------------------------------------------------------------------------


def square_if_positive(x):
    if x > 0:
        x = x * x
    return x


def sign_chain(x):
    if x > 1:
        y = 2.0 * x
    elif x > 0:
        y = x
    elif x > -1:
        y = jt.zeros_like(x)
    else:
        y = -x
    return y


def test_if_on_tensor_is_one_trace_for_both_branches():
    f = jt.function(square_if_positive)
    assert float(f(jt.constant(3.0))) == 9.0
    assert float(f(jt.constant(-3.0))) == -3.0
    assert f.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("x", [2.5, 0.5, -0.5, -4.0])
def test_elif_chain_matches_eager(x):
    expected = {2.5: 5.0, 0.5: 0.5, -0.5: 0.0, -4.0: 4.0}[x]
    assert assert_same(sign_chain, jt.constant(x)) == expected


def test_python_condition_stays_python():
    traced = []

    def f(x, mode):
        if mode == "double":  # Python value: only this branch is traced
            traced.append("double")
            return x * 2.0
        traced.append("other")
        return "not a tensor"  # another structure: impossible for a tensor `if`

    g = jt.function(f)
    assert float(g(jt.constant(2.0), "double")) == 4.0
    assert traced == ["double"]
    assert g(jt.constant(2.0), "other") == "not a tensor"
    assert traced == ["double", "other"]


def test_conditional_expression_and_logical_operators():
    def f(x):
        y = x * 2.0 if x > 0 and x < 10 else -x
        if not (x > 5) or x > 20:
            y = y + 100.0
        return y

    for x, expected in [(3.0, 106.0), (7.0, 14.0), (30.0, 70.0), (-1.0, 101.0)]:
        assert assert_same(f, jt.constant(x)) == expected


def test_early_return_in_tensor_if():
    def relu_ish(x):
        if jt.sum(x) > 0:
            return x
        return -2.0 * x

    f = jt.function(relu_ish)
    np.testing.assert_allclose(f(jt.constant([1.0, 2.0])).numpy(), [1.0, 2.0])
    np.testing.assert_allclose(f(jt.constant([1.0, -2.0])).numpy(), [-2.0, 4.0])
    assert f.experimental_get_tracing_count() == 1


def test_early_return_with_guarded_rest():
    def f(x):
        y = x + 1.0
        if y > 10:
            y = y * 0.5
            if y > 8:
                return y
        z = y * 3.0
        return z

    for x in [1.0, 12.0, 30.0]:
        y = x + 1
        expected = (y * 0.5 if y * 0.5 > 8 else y * 0.5 * 3) if y > 10 else y * 3
        assert assert_same(f, jt.constant(x)) == pytest.approx(expected)


# -- while / for --------------------------------------------------------------------


def test_while_on_tensor_condition():
    def halve_until_small(x):
        n = 0
        while jt.sum(x) > 1.0:
            x = x / 2.0
            n += 1
        return x, n

    f = jt.function(halve_until_small)
    for start, steps in [(0.4, 0), (6.0, 4), (100.0, 8)]:  # sum 2*start halves to <= 1
        x, n = f(jt.constant([start, start]))
        assert int(n) == steps
        np.testing.assert_allclose(x.numpy(), [start / 2**steps] * 2)
    assert f.experimental_get_tracing_count() == 1


def test_for_over_range_of_tensor_is_a_loop():
    def triangle(n):
        total = 0
        for i in range(n):
            total += i
        return total

    f = jt.function(triangle)
    for n in [0, 1, 5, 37]:
        assert int(f(jt.constant(n))) == n * (n - 1) // 2
    assert f.experimental_get_tracing_count() == 1  # not unrolled per n
    assert f(6) == 15  # a Python bound: a Python loop, a Python result


def test_for_over_jt_range_with_start_and_delta():
    def f(n):
        acc = jt.constant(0.0)
        for i in jt.range(2, n, 3):
            acc += jt.cast(i, jt.float32)
        return acc

    assert float(jt.function(f)(jt.constant(12))) == 2 + 5 + 8 + 11


def test_for_over_tensor_rows():
    def running_max(rows):
        best = rows[0]
        for row in rows:
            best = jt.maximum(best, row)
        return best

    data = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    out = assert_same(running_max, jt.constant(data))
    np.testing.assert_allclose(out, data.max(axis=0))


def sum_until(xs, limit):
    # positive entries, stopping once the total passes `limit` (numpy reference below)
    total = 0.0
    count = 0
    for x in xs:
        if x < 0:
            continue
        total += x
        count += 1
        if total > limit:
            break
    return total, count


def sum_until_reference(xs, limit):
    total, count = 0.0, 0
    for x in xs:
        if x < 0:
            continue
        total += x
        count += 1
        if total > limit:
            break
    return total, count


@pytest.mark.parametrize("limit", [0.5, 3.0, 100.0])
def test_break_and_continue_in_tensor_for(limit):
    xs = np.array([1.0, -2.0, 1.5, 2.0, -1.0, 4.0], np.float32)
    total, count = jt.function(sum_until)(jt.constant(xs), jt.constant(limit))
    ref_total, ref_count = sum_until_reference(xs.tolist(), limit)
    assert float(total) == pytest.approx(ref_total)
    assert int(count) == ref_count


def test_break_in_while_with_else_clause():
    def f(x):
        i = 0
        while i < 10:
            x = x * 2.0
            i += 1
            if x > 50.0:
                break
        else:
            x = -x  # only when the loop ran out without break
        return x, i

    for start in [1.0, 0.001]:
        (xc, ic), (xe, ie) = compiled_and_eager(f, jt.constant(start))
        assert float(xc) == pytest.approx(float(xe)) and int(ic) == int(ie)


def test_tensor_break_in_python_loop_unrolls_with_conds():
    def f(x):
        for _ in range(4):  # Python loop, tensor-dependent break
            if x > 10.0:
                break
            x = x * 3.0
        return x

    for start in [0.5, 2.0, 20.0]:
        assert assert_same(f, jt.constant(start)) == pytest.approx(
            next(start * 3.0**k for k in range(5) if k == 4 or start * 3.0**k > 10.0)
        )


def test_early_return_inside_python_loop():
    def first_big(xs):
        for i in range(4):
            if xs[i] > 2.0:
                return xs[i]
        return jt.constant(-1.0)

    f = jt.function(first_big)
    assert float(f(jt.constant([1.0, 3.0, 5.0, 0.0]))) == 3.0
    assert float(f(jt.constant([1.0, 0.0, 0.0, 0.0]))) == -1.0


def test_nested_loops():
    def f(m):
        total = jt.constant(0.0)
        for row in m:
            j = 0
            while j < 3:
                if row[j] > 0:
                    total += row[j] * jt.cast(j, jt.float32)
                j += 1
        return total

    m = np.random.default_rng(1).normal(size=(4, 3)).astype(np.float32)
    expected = sum(m[r, j] * j for r in range(4) for j in range(3) if m[r, j] > 0)
    assert assert_same(f, jt.constant(m)) == pytest.approx(expected, rel=1e-5)


def test_loop_temporaries_need_no_initial_value():
    def f(x, n):
        i = 0
        while i < n:
            step = x * 0.5  # assigned before use in every iteration: not loop state
            x = x - step
            i += 1
        return x

    assert float(jt.function(f)(jt.constant(8.0), jt.constant(3))) == 1.0


# -- Variables, tapes and training --------------------------------------------------


def test_variable_assignment_inside_converted_blocks():
    v = jt.Variable(0.0)
    count = jt.Variable(0)

    @jt.function
    def f(x):
        if x > 0:
            v.assign_add(x)
        else:
            v.assign_sub(1.0)
        for _ in jt.range(3):
            count.assign_add(1)
        return v.value()

    assert float(f(jt.constant(2.0))) == 2.0
    assert float(f(jt.constant(-5.0))) == 1.0
    assert float(v.numpy()) == 1.0
    assert int(count.numpy()) == 6


def test_gradient_through_converted_if_matches_jax():
    @jt.function
    def grad_of_piecewise(x):
        with jt.GradientTape() as tape:
            tape.watch(x)
            if jt.sum(x) > 0:
                y = jt.sum(x * x)
            else:
                y = jt.sum(jt.sin(x))
        return tape.gradient(y, x)

    def pure(x):
        return jax.lax.cond(x.sum() > 0, lambda: (x * x).sum(), lambda: jax.numpy.sin(x).sum())

    for x in ([1.0, 2.0], [-1.0, -2.0]):
        x = np.array(x, np.float32)
        np.testing.assert_allclose(
            grad_of_piecewise(jt.constant(x)).numpy(), jax.grad(pure)(x), rtol=1e-6
        )


def test_training_step_with_loss_dependent_control_flow():
    w = jt.Variable(np.array([3.0, -2.0], np.float32))
    target = np.array([1.0, 1.0], np.float32)

    def step():
        with jt.GradientTape() as tape:
            loss = jt.sum(jt.square(w - target))
        grad = tape.gradient(loss, w)
        if loss > 1.0:  # big steps far from the optimum, small ones near it
            lr = 0.25
        else:
            lr = 0.05
        w.assign_sub(lr * grad)
        return loss

    compiled = jt.function(step)
    losses = [float(compiled()) for _ in range(6)]
    # numpy reference of the same rule
    wn = np.array([3.0, -2.0], np.float32)
    for got in losses:
        loss = float(np.sum((wn - target) ** 2))
        assert got == pytest.approx(loss, rel=1e-5)
        wn = wn - (0.25 if loss > 1.0 else 0.05) * 2 * (wn - target)
    np.testing.assert_allclose(w.numpy(), wn, rtol=1e-5)
    assert compiled.experimental_get_tracing_count() <= 2  # first call may trace twice


def test_train_until_converged_in_one_program():
    w = jt.Variable(5.0)

    @jt.function
    def fit(tol):
        steps = 0
        loss = jt.square(w.value() - 1.0)
        while loss > tol and steps < 100:
            with jt.GradientTape() as tape:
                loss = jt.square(w - 1.0)
            w.assign_sub(0.1 * tape.gradient(loss, w))
            steps += 1
        return steps

    steps = int(fit(jt.constant(1e-4)))
    # w_k - 1 = 4 * 0.8**k; the loss is measured before each update
    expected = next(k + 1 for k in range(100) if (4 * 0.8**k) ** 2 <= 1e-4)
    assert steps == expected
    assert float(w.numpy()) == pytest.approx(1 + 4 * 0.8**steps, rel=1e-4)


def test_gradients_through_converted_loops():
    def body_pure(x):  # x -> x * sin(x) three times, as plain JAX
        for _ in range(3):
            x = x * jax.numpy.sin(x)
        return x

    @jt.function
    def grad_for(x, steps):
        with jt.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in jt.range(3):  # a loop of known length: reverse-differentiable
                y = y * jt.sin(y)
        return tape.gradient(y, x)

    @jt.function
    def grad_while(x, n):
        with jt.GradientTape() as tape:
            tape.watch(x)
            y, i = x, 0
            while i < n:
                _autograph.set_loop_options(maximum_iterations=10)  # TF's loop directive
                y = y * jt.sin(y)
                i += 1
        return tape.gradient(y, x)

    x = np.float32(1.3)
    expected = jax.grad(body_pure)(x)
    assert float(grad_for(jt.constant(x), 3)) == pytest.approx(float(expected), rel=1e-5)
    assert float(grad_while(jt.constant(x), jt.constant(3))) == pytest.approx(
        float(expected), rel=1e-5
    )


def test_gradient_through_unbounded_converted_while_names_the_fix():
    @jt.function
    def f(x, n):
        with jt.GradientTape() as tape:
            tape.watch(x)
            y, i = x, 0
            while i < n:
                y = y * 2.0
                i += 1
        return tape.gradient(y, x)

    with pytest.raises(jt.NotDifferentiableError, match="maximum_iterations"):
        f(jt.constant(1.0), jt.constant(3))


def test_lambdas_are_converted():
    f = jt.function(lambda x: helper_clip(x) * 2.0 if jt.sum(x) > 0 else -x)
    np.testing.assert_allclose(f(jt.constant([3.0, 1.0])).numpy(), [1.5, 0.5])
    np.testing.assert_allclose(f(jt.constant([-3.0, 1.0])).numpy(), [3.0, -1.0])


# -- recursive conversion -----------------------------------------------------------


def helper_clip(x):
    if jt.sum(x) > 1.0:
        return x / jt.sum(x)
    return x


class Scaler:
    def __init__(self) -> None:
        self.factor = 2.0

    def grow(self, x):
        while jt.sum(x) < 10.0:
            x = x * self.factor
        return x

    @jt.function
    def __call__(self, x):
        return self.grow(helper_clip(x))


def test_called_functions_and_methods_are_converted():
    s = Scaler()
    # clipped to sum 1, then doubled 4 times to pass 10
    np.testing.assert_allclose(s(jt.constant([3.0, 1.0])).numpy(), [12.0, 4.0])
    np.testing.assert_allclose(s(jt.constant([0.25, 0.5])).numpy(), [4.0, 8.0])


def test_nested_function_and_closure():
    scale = 3.0

    def f(x):
        def inner(y):
            if y > 0:
                return y * scale
            return y

        total = 0.0
        for v in x:
            total += inner(v)
        return total

    assert assert_same(f, jt.constant([1.0, -2.0, 2.0])) == 7.0


def test_do_not_convert_and_library_code_run_as_written():
    @_autograph.do_not_convert
    def python_only(x):
        if x > 0:  # a tensor condition here fails: not converted
            return x
        return -x

    with pytest.raises(TypeError, match="used as a Python value"):
        jt.function(lambda x: python_only(x))(jt.constant(1.0))  # the lambda is converted
    assert not _autograph._should_convert(jt.nn.activations.relu if hasattr(jt, "nn") else np.sum)
    assert not _autograph._should_convert(np.sum)


def test_super_globals_and_nonlocal_survive_conversion():
    class Base:
        def f(self, x):
            return x + 1.0

    class Child(Base):
        def f(self, x):
            if x > 0:
                x = super().f(x)
            return x

    c = Child()
    assert float(jt.function(c.f)(jt.constant(1.0))) == 2.0
    assert float(jt.function(c.f)(jt.constant(-1.0))) == -1.0

    calls = 0

    def counting(x):
        nonlocal calls
        for _ in range(2):
            calls += 1
        return x

    jt.function(counting)(jt.constant(0.0))
    assert calls == 2


def test_function_without_source_falls_back_with_warning():
    namespace: dict = {"jt": jt}
    exec("def f(x, flag):\n    if flag:\n        return x * 2.0\n    return x\n", namespace)
    f = jt.function(namespace["f"])
    with pytest.warns(UserWarning, match="could not convert"):
        assert float(f(jt.constant(2.0), True)) == 4.0  # Python control flow still works
    g = jt.function(namespace["f"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once per function
        with pytest.raises(TypeError, match="used as a Python value"):
            g(jt.constant(2.0), jt.constant(True))


def test_autograph_false_leaves_code_alone():
    f = jt.function(square_if_positive, autograph=False)
    with pytest.raises(TypeError, match="used as a Python value"):
        f(jt.constant(1.0))


def test_to_code_shows_the_conversion():
    code = _autograph.to_code(square_if_positive)
    assert "ag__.if_stmt(x > 0" in code and "def if_body_" in code


# -- errors point at the user's line ------------------------------------------------


def _line_of(fn, text):
    import inspect

    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


def only_one_branch(x):
    if x > 0:
        y = x
    return y


def different_dtypes(x):
    if x > 0:
        y = jt.constant(1)
    else:
        y = jt.constant(1.0)
    return y


def different_structures(x):
    if x > 0:
        y = (x, x)
    else:
        y = x
    return y


def growing_loop_var(x):
    y = jt.zeros([1])
    while jt.sum(y) < jt.cast(x, jt.float32):
        y = jt.concat([y, y + 1.0], 0)
    return y


def defined_in_loop_only(n):
    i = 0
    while i < n:
        last = i * 2
        i += 1
    return last


@pytest.mark.parametrize(
    "fn, error, pattern, line_text",
    [
        (only_one_branch, ValueError, "'y' must also be initialized in the else", "if x > 0"),
        (
            different_dtypes,
            TypeError,
            "'y' has dtype int32 in the main branch but float32",
            "if x > 0",
        ),
        (different_structures, TypeError, "'y' has the structure", "if x > 0"),
        (
            growing_loop_var,
            ValueError,
            r"'y' has shape \(1,\) before the loop but shape \(2,\)",
            "while jt.sum",
        ),
        (defined_in_loop_only, ValueError, "'last' must be defined before the loop", "while i"),
    ],
)
def test_errors_name_the_variable_and_line(fn, error, pattern, line_text):
    with pytest.raises(error, match=pattern) as info:
        jt.function(fn)(jt.constant(3))
    assert f"line {_line_of(fn, line_text)})" in str(info.value)
    assert __file__ in str(info.value)


def test_return_in_only_one_tensor_branch_is_an_error():
    def f(x):
        if x > 0:
            return x

    with pytest.raises(ValueError, match="returns a value on some paths and reaches its end"):
        jt.function(f)(jt.constant(1.0))


# -- AutoGraph behaviours the tf.function guide documents, written for jtape ------------
# A `while` or `for` over tensors becomes one compiled loop whose `if` chains are
# conditionals; Python `print` runs only while tracing, `jt.print` every time it runs.


def collatz_steps(n):
    steps = jt.constant(0)
    while n != 1:
        print("tracing the collatz body")
        jt.print("at", n)
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def collatz_orbit(n):
    """Values visited before reaching 1, in plain Python."""
    orbit = []
    while n != 1:
        orbit.append(n)
        n = n // 2 if n % 2 == 0 else 3 * n + 1
    return orbit


def test_tensor_while_prints_every_iteration_at_run_time(capsys):
    f = jt.function(collatz_steps)
    assert int(f(jt.constant(6))) == len(collatz_orbit(6)) == 8
    jax.effects_barrier()
    first = capsys.readouterr()
    assert int(f(jt.constant(27))) == len(collatz_orbit(27)) == 111
    jax.effects_barrier()
    second = capsys.readouterr()
    # One loop program serves both starting values.
    assert f.experimental_get_tracing_count() == 1
    # The Python print ran while tracing (a body may be traced more than once), and
    # never at run time; jt.print ran once per iteration of each call.
    assert set(first.out.splitlines()) == {"tracing the collatz body"}
    assert second.out == ""
    assert first.err.splitlines() == [
        "at 6",
        "at 3",
        "at 10",
        "at 5",
        "at 16",
        "at 8",
        "at 4",
        "at 2",
    ]
    assert second.err.splitlines() == [f"at {k}" for k in collatz_orbit(27)]


def year_labels(first, last):
    labels = []
    for year in range(first, last + 1):
        if year % 400 == 0:
            labels.append("leap century")
        elif year % 100 == 0:
            labels.append("plain century")
        elif year % 4 == 0:
            labels.append("leap")
        else:
            labels.append(str(year))
    return labels


def label_years_with_prints(capsys):
    """Runs the year labeller over two spans; the function and per-call captures."""

    @jt.function
    def label_years(first, last):
        leap_years = jt.constant(0)
        for year in jt.range(first, last + 1):
            print("tracing the year loop")
            if year % 400 == 0:
                print("tracing leap century")
                jt.print("leap century")
                leap_years += 1
            elif year % 100 == 0:
                print("tracing plain century")
                jt.print("plain century")
            elif year % 4 == 0:
                print("tracing leap")
                jt.print("leap")
                leap_years += 1
            else:
                print("tracing other year")
                jt.print(year)
        return leap_years

    counts, captures = [], []
    for span in [(1896, 1905), (1995, 2005)]:
        counts.append(int(label_years(jt.constant(span[0]), jt.constant(span[1]))))
        jax.effects_barrier()
        captures.append(capsys.readouterr())
    return label_years, counts, captures


def test_tensor_for_traces_each_branch_on_first_call_only(capsys):
    f, counts, (first, second) = label_years_with_prints(capsys)
    assert f.experimental_get_tracing_count() == 1
    assert counts == [2, 3]  # 1896, 1904; 1996, 2000, 2004
    # Every branch is traced although each call only takes some of them at run time.
    assert set(first.out.splitlines()) == {
        "tracing the year loop",
        "tracing leap century",
        "tracing plain century",
        "tracing leap",
        "tracing other year",
    }
    assert second.out == ""
    # Only the `else` branch prints a number: the loop variable's value at run time.
    numbers = [w for w in year_labels(1896, 1905) + year_labels(1995, 2005) if w.isdigit()]
    assert [w for w in (first.err + second.err).splitlines() if w.isdigit()] == numbers


def test_tensor_for_prints_labels_at_run_time(capsys):
    _, _, (first, second) = label_years_with_prints(capsys)
    assert first.err.splitlines() == year_labels(1896, 1905)
    assert second.err.splitlines() == year_labels(1995, 2005)
    assert "plain century" in first.err and "leap century" in second.err


def test_callable_objects_are_converted():
    class Clip:
        def __call__(self, x):
            if jt.sum(x) > 1.0:
                return x / jt.sum(x)
            return x

    class Model:
        def __init__(self) -> None:
            self.clip = Clip()

        @jt.function
        def __call__(self, x):
            return self.clip(x) * 2.0

    m = Model()
    np.testing.assert_allclose(m(jt.constant([3.0, 1.0])).numpy(), [1.5, 0.5])
    np.testing.assert_allclose(m(jt.constant([0.25, 0.5])).numpy(), [0.5, 1.0])


def test_layer_call_is_converted_inside_function():
    # Keras converts a layer's `call` in graph mode; so does jtape's Layer.__call__.
    class SignFlip(jt.nn.Layer):
        def call(self, x):
            if jt.sum(x) > 0:
                y = x * 2.0
            else:
                y = -x
            return y

    layer = SignFlip()
    f = jt.function(lambda x: layer(x))
    np.testing.assert_allclose(f(jt.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(f(jt.constant([-1.0, -2.0])).numpy(), [1.0, 2.0])
    assert f.experimental_get_tracing_count() == 1
