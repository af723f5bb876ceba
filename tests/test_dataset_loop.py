"""Dataset loops inside jt.function: fed by the host, one compiled body per element shape."""

import numpy as np
import pytest

import jtape as jt

X = np.arange(40, dtype=np.float32).reshape(20, 2)


def _epoch(w, ds):
    """The loop under test; run eagerly as written, or converted inside jt.function."""
    total = 0.0
    n = 0
    for b in ds:
        w.assign_add(jt.sum(b, axis=0) * 0.01)
        total += jt.sum(b * w)
        n += 1
    return total, n


def test_loop_matches_eager_with_partial_batch_and_traces_once_per_shape():
    ds = jt.data.Dataset.from_tensor_slices(X).batch(6)  # 6, 6, 6 and a partial 2
    w_eager = jt.Variable(np.ones(2, np.float32))
    want_total, want_n = _epoch(w_eager, ds)
    w = jt.Variable(np.ones(2, np.float32))
    epoch = jt.function(_epoch)
    total, n = epoch(w, ds)
    np.testing.assert_allclose(float(total), float(want_total), rtol=1e-6)
    assert int(n) == want_n == 4
    np.testing.assert_allclose(w.numpy(), w_eager.numpy(), rtol=1e-6)
    # Second call: a fresh pass over the dataset, no new trace.
    traces = epoch.experimental_get_tracing_count()
    epoch(w, ds)
    _epoch(w_eager, ds)
    assert epoch.experimental_get_tracing_count() == traces
    np.testing.assert_allclose(w.numpy(), w_eager.numpy(), rtol=1e-6)


def _body_traces(n_batches: int) -> int:
    calls = []

    @jt.function
    def epoch(ds):
        total = 0.0
        for b in ds:
            calls.append(1)  # a Python side effect: runs once per trace of the body
            total += jt.sum(b)
        return total

    data = np.ones((4 * n_batches + 1, 3), np.float32)  # and a partial batch of 1
    out = epoch(jt.data.Dataset.from_tensor_slices(data).batch(4))
    assert float(out) == data.sum()
    return len(calls)


def test_body_traced_a_fixed_number_of_times_whatever_the_number_of_batches():
    assert _body_traces(3) == _body_traces(60)


def test_data_is_fed_when_the_program_runs():
    source = [np.ones((4, 2), np.float32)] * 3

    def gen():
        yield from source

    ds = jt.data.Dataset.from_generator(gen, output_signature=jt.TensorSpec((4, 2), jt.float32))

    @jt.function
    def total(ds):
        t = 0.0
        for b in ds:
            t += jt.sum(b)
        return t

    assert float(total(ds)) == 24.0
    source[:] = [np.full((4, 2), 2.0, np.float32)] * 5  # new values, more batches
    assert float(total(ds)) == 80.0
    assert total.experimental_get_tracing_count() <= 2  # the first call's trace(s) only


def test_break_and_iter_next_match_eager():
    ds = jt.data.Dataset.from_tensor_slices(X).batch(4)

    def until(ds):
        total = 0.0
        for b in ds:
            if jt.sum(b) > 60.0:
                break
            total += jt.sum(b)
        return total

    assert float(jt.function(until)(ds)) == float(until(ds)) == X[:4].sum()

    @jt.function
    def first_two(ds):
        it = iter(ds)
        a = next(it)
        b = next(it)
        return a, b

    a, b = first_two(ds)
    np.testing.assert_array_equal(a.numpy(), X[:4])
    np.testing.assert_array_equal(b.numpy(), X[4:8])
    a, b = first_two(ds)  # every call iterates afresh
    np.testing.assert_array_equal(a.numpy(), X[:4])


def test_next_on_an_outside_iterator_advances_it():
    ds = jt.data.Dataset.from_tensor_slices(X).batch(4)
    it = iter(ds)

    @jt.function
    def step(iterator):
        return jt.sum(next(iterator))

    assert float(step(it)) == X[:4].sum()
    assert float(step(it)) == X[4:8].sum()
    np.testing.assert_array_equal(next(it).numpy(), X[8:12])  # eager next continues
    assert float(step(it)) == X[12:16].sum()


def test_metric_and_model_in_loop_match_eager():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3)).astype(np.float32)
    y = rng.normal(size=(30, 1)).astype(np.float32)
    ds = jt.data.Dataset.from_tensor_slices((x, y)).batch(8)

    def make():
        w = jt.Variable(np.ones((3, 1), np.float32))
        return w, jt.optimizers.SGD(0.05), jt.nn.metrics.Mean()

    def epoch(w, opt, metric, ds):
        for xb, yb in ds:
            with jt.GradientTape() as tape:
                loss = jt.mean((xb @ w - yb) ** 2)
            opt.apply_gradients([(tape.gradient(loss, w), w)])
            metric.update_state(loss)
        return metric.result()

    ref = make()
    for _ in range(2):
        want = epoch(*ref, ds)
    got_state = make()
    compiled = jt.function(epoch)
    for _ in range(2):
        got = compiled(*got_state, ds)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-5)
    np.testing.assert_allclose(got_state[0].numpy(), ref[0].numpy(), rtol=1e-5)


def test_loop_variable_used_after_the_loop_must_be_defined_before():
    ds = jt.data.Dataset.from_tensor_slices(X).batch(4)

    @jt.function
    def last(ds):
        for b in ds:
            out = jt.sum(b)
        return out

    with pytest.raises(ValueError, match="'out' must be defined before the loop"):
        last(ds)


def test_enumerate_over_a_dataset_is_a_fed_loop_too():
    ds = jt.data.Dataset.from_tensor_slices(np.arange(100, dtype=np.float32)).batch(3)
    calls = []

    @jt.function
    def weighted(ds):
        t = 0.0
        for i, b in enumerate(ds):
            calls.append(1)
            t += jt.cast(i, jt.float32) * jt.sum(b)
        return t

    want = sum(i * b.numpy().sum() for i, b in enumerate(ds))
    assert float(weighted(ds)) == want
    assert len(calls) <= 8  # traced per element shape, not once per batch (34 batches)
