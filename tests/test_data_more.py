"""window, interleave, take_while, scan, unique, group_by_window, bucket_by_sequence_length,
sample_from_datasets and choose_from_datasets: against TensorFlow's recorded outputs
(tests/fixtures/record_data_more.py) and hand-derived training references.
"""

import builtins
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape import nn
from jtape._op_errors import InvalidArgumentError
from jtape.data import _experimental_transforms, _more_transforms, _structure

Dataset = jt.data.Dataset

_FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "data_more_tf.json")
with open(_FIXTURE) as _f:
    _RECORD = json.load(_f)

_NS = {
    "Dataset": tf.data.Dataset,
    "TensorSpec": tf.TensorSpec,
    "AUTOTUNE": tf.data.AUTOTUNE,
    "int32": tf.int32,
    "int64": tf.int64,
    "float32": tf.float32,
    "constant": tf.constant,
    "concat": tf.concat,
    "reshape": tf.reshape,
    "reduce_sum": tf.reduce_sum,
    "shape": tf.shape,
    "cast": tf.cast,
    "experimental": tf.data.experimental,
}


@pytest.fixture(autouse=True)
def _tf_cpu_count(monkeypatch):
    # interleave's AUTOTUNE cycle length depends on the CPUs; use the recording machine's.
    monkeypatch.setattr(_more_transforms, "_max_parallelism", lambda: _RECORD["cpus"])


def _py(x):
    if isinstance(x, Dataset):
        return {"dataset": [_py(e) for e in x.as_numpy_iterator()], "cardinality": len(x)}
    if isinstance(x, dict):
        return {k: _py(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return [_py(v) for v in x]
    value = np.asarray(x).tolist()
    return value.decode() if isinstance(value, bytes) else value


def _spec_py(s):
    if isinstance(s, dict):
        return {k: _spec_py(v) for k, v in s.items()}
    if isinstance(s, tuple):
        return [_spec_py(v) for v in s]
    if isinstance(s, jt.data.DatasetSpec):
        return ["DatasetSpec", _spec_py(s.element_spec)]
    return [None if s.shape is None else list(s.shape), _dtype_name(s.dtype)]


def _dtype_name(dtype) -> str:
    return "string" if np.dtype(dtype).kind == "O" else dtype.name


def _canonical(spec) -> str:
    # TF's int64 is int32 on JAX without x64 (JAX's dtype rule, stated in the docs).
    return json.dumps(spec, sort_keys=True).replace("int64", _structure.jnp_dtype(np.int64).name)


def _ids(cases):
    return [c["pipeline"][:80] for c in cases]


@pytest.mark.parametrize("case", _RECORD["cases"], ids=_ids(_RECORD["cases"]))
def test_matches_tensorflow(case):
    ds = eval(case["pipeline"], _NS)
    card = int(ds.cardinality())
    assert card == case["cardinality"]
    source = ds.take(8) if card == jt.data.INFINITE_CARDINALITY else ds
    assert [_py(e) for e in source.as_numpy_iterator()] == case["elements"]
    assert _canonical(_spec_py(ds.element_spec)) == _canonical(case["element_spec"])


@pytest.mark.parametrize("case", _RECORD["cardinality_only"], ids=_ids(_RECORD["cardinality_only"]))
def test_cardinality_and_spec_match_tensorflow(case):
    ds = eval(case["pipeline"], _NS)
    assert int(ds.cardinality()) == case["cardinality"]
    assert _canonical(_spec_py(ds.element_spec)) == _canonical(case["element_spec"])


_ERRORS = {
    "InvalidArgumentError": InvalidArgumentError,
    # TF wraps the failed assertion of pad_to_bucket_boundary in an InternalError.
    "InternalError": InvalidArgumentError,
}


@pytest.mark.parametrize("case", _RECORD["errors"], ids=_ids(_RECORD["errors"]))
def test_errors_match_tensorflow(case):
    expected = _ERRORS.get(case["error"]) or getattr(builtins, case["error"])
    with pytest.raises(expected):
        list(eval(case["pipeline"], _NS))


# -- behaviour beyond the fixture -------------------------------------------------------------
def test_compat_error_class_is_the_one_raised():
    assert tf.errors.InvalidArgumentError is InvalidArgumentError
    with pytest.raises(tf.errors.InvalidArgumentError, match="cycle_length"):
        Dataset.range(3).interleave(Dataset.range, cycle_length=2, num_parallel_calls=3)


@pytest.mark.parametrize(
    ("cpus", "npc", "cycle"),
    [(2, None, 2), (7, None, 7), (2, -1, 1), (7, -1, 3), (9, -1, 3), (7, 4, 4), (3, 5, None)],
)
def test_interleave_autotune_cycle_length_follows_tensorflow(monkeypatch, cpus, npc, cycle):
    monkeypatch.setattr(_more_transforms, "_max_parallelism", lambda: cpus)
    if cycle is None:  # num_parallel_calls above the resolved cycle length
        with pytest.raises(InvalidArgumentError):
            _more_transforms._cycle_length(None, npc)
        return
    assert _more_transforms._cycle_length(None, npc) == cycle
    f = lambda x: Dataset.from_tensors(x).repeat(x)  # noqa: E731
    got = [int(v) for v in Dataset.range(1, 9).interleave(f, num_parallel_calls=npc)]
    want = [int(v) for v in Dataset.range(1, 9).interleave(f, cycle_length=cycle)]
    assert got == want


def test_windows_can_be_iterated_again_and_are_datasets():
    windows = list(Dataset.range(5).window(2))
    assert [len(w) for w in windows] == [2, 2, 1]
    w = windows[1]
    assert isinstance(w, Dataset)
    assert [int(x) for x in w] == [int(x) for x in w] == [2, 3]
    ds = Dataset.range(7).window(3, 2)
    assert [[int(x) for x in w] for w in ds] == [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6]]


def test_scan_state_shape_is_relaxed_and_the_state_runs_through():
    ds = Dataset.range(4).scan(jt.constant([1.0]), lambda s, x: (jt.concat([s, s], 0), s))
    assert ds.element_spec == jt.data.TensorSpec((None,), jt.float32)
    assert [len(x.numpy()) for x in ds] == [1, 2, 4, 8]
    with pytest.raises(TypeError, match="pair"):
        Dataset.range(3).scan(jt.constant(0, jt.int64), lambda s, x: s + x)


def test_sample_from_datasets_proportions_seed_and_passes():
    a = Dataset.from_tensors(0).repeat()
    b = Dataset.from_tensors(1).repeat()
    ds = Dataset.sample_from_datasets([a, b], weights=[0.8, 0.2], seed=5).take(4000)
    draws = np.array([int(x) for x in ds])
    assert abs(draws.mean() - 0.2) < 0.03  # binomial sd 0.0063
    again = Dataset.sample_from_datasets([a, b], weights=[0.8, 0.2], seed=5).take(4000)
    assert [int(x) for x in again] == draws.tolist()  # first pass reproducible
    inputs = [Dataset.range(5), Dataset.range(10, 13)]
    finite = Dataset.sample_from_datasets(inputs, seed=2)
    first, second = [int(x) for x in finite], [int(x) for x in finite]
    assert sorted(first) == [0, 1, 2, 3, 4, 10, 11, 12]
    assert [x for x in first if x < 10] == [0, 1, 2, 3, 4]  # each input keeps its order
    assert first == second  # TF: every pass repeats the draws by default
    again = Dataset.sample_from_datasets(inputs, seed=2, rerandomize_each_iteration=True)
    passes = [[int(x) for x in again] for _ in range(4)]
    assert all(sorted(o) == sorted(first) for o in passes)
    assert len({tuple(o) for o in passes}) > 1  # new draws on each pass
    with pytest.raises(ValueError, match="one entry per dataset"):
        Dataset.sample_from_datasets([a, b], weights=[1.0])


# -- training ---------------------------------------------------------------------------------
_LENGTHS = [3, 1, 4, 2, 5, 6, 2, 3, 7, 1]


def _sequences():
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(n).astype(np.float32) for n in _LENGTHS]
    ys = [np.float32(2.0 * x.sum() - 1.0) for x in xs]
    return xs, ys


def test_bucketed_batches_train_in_a_jt_function_loop():
    xs, ys = _sequences()

    def gen():
        yield from zip(xs, ys)

    sig = (jt.data.TensorSpec((None,), jt.float32), jt.data.TensorSpec((), jt.float32))
    ds = Dataset.from_generator(gen, output_signature=sig).bucket_by_sequence_length(
        lambda x, y: jt.shape(x)[0], [3, 5], [2, 2, 3]
    )
    w = jt.Variable(0.5)
    b = jt.Variable(0.0)

    @jt.function
    def epoch(ds):
        for x, y in ds:
            with jt.GradientTape() as tape:
                loss = jt.mean((jt.sum(x, axis=1) * w + b - y) ** 2)
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(0.05 * gw)
            b.assign_sub(0.05 * gb)

    epoch(ds)
    epoch(ds)

    # The same steps by hand: buckets [<3], [3, 5), [5, inf) with batches of 2, 2, 3;
    # a bucket is emitted when full, the leftovers at the end by bucket id.
    def batches():
        buckets = {0: [], 1: [], 2: []}
        size = {0: 2, 1: 2, 2: 3}
        out = []
        for x, y in zip(xs, ys):
            k = 0 if len(x) < 3 else 1 if len(x) < 5 else 2
            buckets[k].append((x, y))
            if len(buckets[k]) == size[k]:
                out.append(buckets[k])
                buckets[k] = []
        return out + [buckets[k] for k in sorted(buckets) if buckets[k]]

    def loss(p, sums, yb):
        return jnp.mean((sums * p[0] + p[1] - yb) ** 2)

    p = (jnp.float32(0.5), jnp.float32(0.0))
    for _ in range(2):
        for group in batches():
            sums = jnp.asarray([x.sum() for x, _ in group])  # zero padding adds nothing
            g = jax.grad(loss)(p, sums, jnp.asarray([y for _, y in group]))
            p = (p[0] - 0.05 * g[0], p[1] - 0.05 * g[1])
    np.testing.assert_allclose(w.numpy(), p[0], rtol=1e-5)
    np.testing.assert_allclose(b.numpy(), p[1], rtol=1e-5, atol=1e-6)


def test_window_and_interleave_pipeline_feeds_model_fit():
    series = np.arange(12, dtype=np.float32) / 10.0
    # Sliding windows of 4: the first 3 values predict the 4th. Two series interleaved.
    ds = (
        Dataset.from_tensor_slices([series, series[::-1].copy()])
        .interleave(
            lambda s: (
                Dataset.from_tensor_slices(s)
                .window(4, 1, drop_remainder=True)
                .flat_map(lambda w: w.batch(4))
            ),
            cycle_length=2,
        )
        .map(lambda w: (w[:3], w[3:]))
        .batch(4)
    )
    model = nn.Sequential([nn.Dense(1, input_shape=(3,), kernel_initializer="zeros")])
    model.compile(optimizer=jt.optimizers.SGD(0.1), loss="mse")
    model.fit(ds, epochs=2, verbose=0)

    rows = []
    for k in range(9):  # interleave order: window k of each series in turn
        rows.append(series[k : k + 4])
        rows.append(series[::-1][k : k + 4])
    rows = np.stack(rows)

    def loss(p, xb, yb):
        return jnp.mean((xb @ p[0] + p[1] - yb) ** 2)

    p = (jnp.zeros((3, 1)), jnp.zeros((1,)))
    for _ in range(2):
        for s in range(0, len(rows), 4):
            g = jax.grad(loss)(p, rows[s : s + 4, :3], rows[s : s + 4, 3:])
            p = (p[0] - 0.1 * g[0], p[1] - 0.1 * g[1])
    k, bias = model.get_weights()
    np.testing.assert_allclose(k, p[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bias, p[1], rtol=1e-5, atol=1e-6)


def test_docstring_examples_run():
    import doctest

    for module in (_more_transforms, _experimental_transforms):
        result = doctest.testmod(module, extraglobs={"jt": jt}, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0


def test_pipelines_with_functions_feed_a_jt_function_loop():
    # The feed plans a loop by pulling host elements while tracing: map/filter/scan/
    # take_while functions must still run on concrete values there.
    @jt.function
    def total(ds):
        t = jt.constant(0, jt.int64)
        for b in ds:
            t += jt.sum(b)
        return t

    ds = Dataset.range(8).map(lambda x: x * 2).filter(lambda x: x % 3 != 0).batch(2)
    assert int(total(ds)) == sum(2 * x for x in range(8) if 2 * x % 3 != 0)
    running = Dataset.range(10).scan(jt.constant(0, jt.int64), lambda s, x: (s + x, s + x))
    ds = running.take_while(lambda c: c < 20).window(2).flat_map(lambda w: w.batch(2))
    assert int(total(ds)) == 0 + 1 + 3 + 6 + 10 + 15
