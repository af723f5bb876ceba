"""jtape.data: values against TensorFlow's recorded outputs and hand-built expectations."""

import collections
import doctest
import json
import os

import numpy as np
import pytest

import jtape as jt
import jtape.data
from jtape.data import _dataset, _fn, _structure, experimental

Dataset = jtape.data.Dataset
TensorSpec = jtape.data.TensorSpec

_FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "data_tf.json")
with open(_FIXTURE) as _f:
    _CASES = json.load(_f)["cases"]

_NS = {"Dataset": Dataset, "TensorSpec": TensorSpec, "int32": jt.int32, "float32": jt.float32}


def _py(x):
    if isinstance(x, dict):
        return {k: _py(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return [_py(v) for v in x]
    return np.asarray(x).tolist()


def _spec_py(s):
    if isinstance(s, dict):
        return {k: _spec_py(v) for k, v in s.items()}
    if isinstance(s, tuple):
        return [_spec_py(v) for v in s]
    return [None if s.shape is None else list(s.shape), s.dtype.name]


def _canonical(spec_json: str) -> str:
    # TF's int64 is int32 on JAX without x64 (JAX's dtype rule, stated in the docs).
    return spec_json.replace("int64", _structure.jnp_dtype(np.int64).name)


@pytest.mark.parametrize("case", _CASES, ids=[c["pipeline"][:70] for c in _CASES])
def test_matches_tensorflow(case):
    ds = eval(case["pipeline"], _NS)
    card = int(ds.cardinality())
    assert card == case["cardinality"]
    source = ds.take(8) if card == jtape.data.INFINITE_CARDINALITY else ds
    assert [_py(e) for e in source.as_numpy_iterator()] == case["elements"]
    assert _canonical(json.dumps(_spec_py(ds.element_spec))) == _canonical(
        json.dumps(case["element_spec"])
    )


def test_iteration_yields_tensors_in_nested_structures():
    Point = collections.namedtuple("Point", ["x", "y"])
    ds = Dataset.from_tensor_slices(
        {"p": Point(np.arange(3.0), np.arange(3) * 2), "label": [[1, 0], [0, 1], [1, 1]]}
    )
    elements = list(ds)
    assert len(elements) == 3
    e = elements[2]
    assert set(e) == {"p", "label"}
    assert isinstance(e["p"], Point)
    assert isinstance(e["p"].x, jt.Tensor) and isinstance(e["label"], jt.Tensor)
    assert e["p"].x.dtype == np.float64  # numpy float64 stays float64, as in TF
    assert float(e["p"].x) == 2.0 and int(e["p"].y) == 4
    assert e["label"].numpy().tolist() == [1, 1]


def test_from_tensor_slices_accepts_tensors_and_variables():
    v = jt.Variable([[1.0, 2.0], [3.0, 4.0]])
    ds = Dataset.from_tensor_slices((jt.constant([5, 6]), v))
    assert [(int(a), b.numpy().tolist()) for a, b in ds] == [(5, [1.0, 2.0]), (6, [3.0, 4.0])]


def test_tensors_work_in_a_gradient_tape():
    w = jt.Variable(2.0)
    ds = Dataset.from_tensor_slices(([1.0, 2.0, 3.0], [2.0, 4.0, 6.0])).batch(3)
    for x, y in ds:
        with jt.GradientTape() as tape:
            loss = jt.reduce_sum((w * x - y) ** 2) if hasattr(jt, "reduce_sum") else None
            loss = jt.sum((w * x - y) ** 2) if loss is None else loss
        assert float(tape.gradient(loss, w)) == pytest.approx(0.0)


# -- shuffle -------------------------------------------------------------------------------
def _order(ds):
    return [int(x) for x in ds]


def test_shuffle_is_a_permutation_and_seed_determines_it():
    a = _order(Dataset.range(50).shuffle(50, seed=7))
    b = _order(Dataset.range(50).shuffle(50, seed=7))
    c = _order(Dataset.range(50).shuffle(50, seed=8))
    assert sorted(a) == list(range(50))
    assert a == b
    assert a != c
    assert a != list(range(50))


def test_shuffle_reshuffles_each_iteration_reproducibly():
    ds = Dataset.range(30).shuffle(30, seed=3)
    first, second = _order(ds), _order(ds)
    assert first != second and sorted(second) == list(range(30))
    again = Dataset.range(30).shuffle(30, seed=3)
    assert [_order(again), _order(again)] == [first, second]
    fixed = Dataset.range(30).shuffle(30, seed=3, reshuffle_each_iteration=False)
    assert _order(fixed) == _order(fixed)


def test_shuffle_then_repeat_gives_a_new_order_per_epoch():
    out = _order(Dataset.range(20).shuffle(20, seed=1).repeat(2))
    e1, e2 = out[:20], out[20:]
    assert sorted(e1) == sorted(e2) == list(range(20))
    assert e1 != e2
    no_reshuffle = _order(
        Dataset.range(20).shuffle(20, seed=1, reshuffle_each_iteration=False).repeat(2)
    )
    assert no_reshuffle[:20] == no_reshuffle[20:]


@pytest.mark.parametrize("buffer_size", [1, 2, 5, 17])
def test_shuffle_moves_elements_only_within_the_buffer_window(buffer_size):
    # TF's buffer algorithm: when output k is produced, only inputs 0..k+buffer_size-1
    # have been read, so output k comes from input index < k + buffer_size.
    n = 200
    for seed in range(5):
        out = _order(Dataset.range(n).shuffle(buffer_size, seed=seed))
        assert sorted(out) == list(range(n))
        for k, v in enumerate(out):
            assert v < k + buffer_size
    if buffer_size == 1:
        assert out == list(range(n))


def test_shuffle_matches_the_reference_buffer_algorithm():
    # Hand-built reference: the same draws, buffer refilled in the drawn slot.
    seed, size, n = 11, 4, 25
    rng = np.random.default_rng([seed, 0, 0])
    draws = rng.random(1024).tolist()
    buf, nxt, expected = list(range(size)), size, []
    while buf:
        i = int(draws.pop() * len(buf))
        expected.append(buf[i])
        if nxt < n:
            buf[i] = nxt
            nxt += 1
        else:
            buf[i] = buf[-1]
            buf.pop()
    assert _order(Dataset.range(n).shuffle(size, seed=seed)) == expected


def test_shuffle_is_roughly_uniform_with_a_full_buffer():
    counts = np.zeros((4, 4))
    ds = Dataset.range(4).shuffle(4, seed=0)
    for _ in range(800):
        for pos, v in enumerate(_order(ds)):
            counts[v, pos] += 1
    assert np.all(np.abs(counts / 800 - 0.25) < 0.07)


def test_shuffle_without_seed_follows_global_seed():
    jt.random.set_seed(5)
    a = _order(Dataset.range(40).shuffle(40))
    jt.random.set_seed(5)
    b = _order(Dataset.range(40).shuffle(40))
    assert a == b and sorted(a) == list(range(40))


def test_shuffle_full_buffer_with_unknown_cardinality_constant():
    out = _order(Dataset.range(10).shuffle(jtape.data.UNKNOWN_CARDINALITY, seed=2))
    assert sorted(out) == list(range(10))


# -- map / filter ------------------------------------------------------------------------
def test_map_unpacks_tuples_but_not_dicts():
    ds = Dataset.from_tensor_slices(([1, 2], [10, 20]))
    assert [_py(e) for e in ds.map(lambda a, b: a + b).as_numpy_iterator()] == [11, 22]
    ds = Dataset.from_tensor_slices({"a": [1, 2], "b": [10, 20]})
    assert [_py(e) for e in ds.map(lambda d: d["a"] * d["b"]).as_numpy_iterator()] == [10, 40]


def test_map_receives_tensors_and_traces_once():
    seen = []

    def fn(x):
        seen.append(type(x))
        return jt.exp(jt.cast(x, jt.float32) / 10.0)

    out = [float(v) for v in Dataset.range(150).map(fn)]
    np.testing.assert_allclose(out, np.exp(np.arange(150.0) / 10), rtol=1e-5)
    # Traced (TF semantics: side effects at trace time), not run once per element.
    assert all(t is jt.Tensor for t in seen)
    assert 1 <= len(seen) <= 3


@pytest.mark.parametrize("n", [1, 63, 64, 65, 200])
def test_vectorized_map_equals_per_element_map(n):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    ds = Dataset.from_tensor_slices((x, np.arange(n)))
    ds = ds.shuffle(10, seed=0, reshuffle_each_iteration=False)
    mapped = ds.map(lambda a, b: {"s": jt.sum(a * a), "b": b * 2, "a": a + 1.0}).batch(7)
    order = [int(v) for v in ds.map(lambda a, b: b)]
    got = list(mapped.as_numpy_iterator())
    assert sum(len(e["b"]) for e in got) == n
    flat_b = np.concatenate([e["b"] for e in got])
    np.testing.assert_array_equal(flat_b, 2 * np.asarray(order))
    np.testing.assert_allclose(np.concatenate([e["s"] for e in got]), (x[order] ** 2).sum(1))
    np.testing.assert_allclose(np.concatenate([e["a"] for e in got]), x[order] + 1.0)


def test_map_over_elements_of_different_shapes():
    ds = Dataset.from_generator(
        lambda: iter([[1.0], [1.0, 2.0], [3.0]]), output_signature=TensorSpec((None,), jt.float32)
    ).map(lambda v: jt.sum(v) * 2.0)
    assert [float(v) for v in ds] == [2.0, 6.0, 6.0]


def test_map_with_variables_runs_eagerly_with_current_values():
    scale = jt.Variable(2.0)
    ds = Dataset.from_tensor_slices([1.0, 2.0]).map(lambda x: x * scale)
    assert [float(v) for v in ds] == [2.0, 4.0]
    scale.assign(3.0)
    assert [float(v) for v in ds] == [3.0, 6.0]


def test_map_with_python_side_on_values_falls_back_to_eager():
    ds = Dataset.range(3).map(lambda x: x * 2 if int(x) > 0 else x - 100)
    assert [int(v) for v in ds] == [-100, 2, 4]


def test_map_random_ops_draw_fresh_values_per_element():
    jt.random.set_seed(0)
    ds = Dataset.range(4).map(lambda x: jt.random.uniform(()))
    vals = [float(v) for v in ds]
    assert len(set(vals)) == 4


def test_map_per_batch_and_list_outputs_become_tuples():
    ds = Dataset.range(6).batch(3).map(lambda x: [x, jt.sum(x)])
    out = list(ds)
    assert isinstance(out[0], tuple)
    assert [int(s) for _, s in out] == [3, 12]
    assert ds.element_spec[1] == TensorSpec((), _structure.jnp_dtype(np.int64))


def test_map_element_spec_tracks_unknown_dims():
    ds = Dataset.range(5).batch(2).map(lambda x: jt.stack([x, x]))
    assert ds.element_spec.shape == (2, None)
    ds = Dataset.range(5).batch(2, drop_remainder=True).map(lambda x: jt.stack([x, x]))
    assert ds.element_spec.shape == (2, 2)


def test_filter_predicate_must_be_scalar_bool():
    with pytest.raises(ValueError, match="scalar boolean"):
        list(Dataset.range(3).filter(lambda x: x + 1))
    with pytest.raises(ValueError, match="scalar boolean"):
        list(Dataset.range(6).batch(2).filter(lambda x: x > 1))


def test_reduce_and_enumerate():
    total = Dataset.range(1, 5).reduce(jt.constant(0, jt.int64), lambda s, x: s + x)
    assert int(total) == 10 and isinstance(total, jt.Tensor)
    pairs = Dataset.from_tensor_slices(([1, 2], [3, 4])).enumerate(5)
    assert [_py(e) for e in pairs.as_numpy_iterator()] == [[5, [1, 3]], [6, [2, 4]]]


# -- cache / prefetch / repeat -------------------------------------------------------------
def test_cache_replays_without_recomputing():
    calls = []

    def gen():
        calls.append(1)
        yield from range(3)

    ds = Dataset.from_generator(gen, output_signature=TensorSpec((), jt.int32)).cache()
    assert _order(ds) == _order(ds) == [0, 1, 2]
    assert len(calls) == 1


def test_cache_discards_a_partial_pass():
    calls = []

    def gen():
        calls.append(1)
        yield from range(3)

    ds = Dataset.from_generator(gen, output_signature=TensorSpec((), jt.int32)).cache()
    assert _order(ds.take(1)) == [0]
    assert _order(ds) == [0, 1, 2]
    assert _order(ds) == [0, 1, 2]
    assert len(calls) == 2


def test_shuffle_then_cache_freezes_the_first_order():
    ds = Dataset.range(20).shuffle(20, seed=4).cache()
    assert _order(ds) == _order(ds)


def test_prefetch_yields_device_tensors_and_propagates_errors():
    ds = Dataset.range(50).map(lambda x: x * 3).prefetch(4)
    assert [int(v) for v in ds] == [3 * i for i in range(50)]

    def bad():
        yield 1
        raise RuntimeError("boom in generator")

    ds = Dataset.from_generator(bad, output_signature=TensorSpec((), jt.int32)).prefetch(2)
    it = iter(ds)
    assert int(next(it)) == 1
    with pytest.raises(RuntimeError, match="boom"):
        next(it)


def test_prefetch_on_infinite_dataset_stops_with_take():
    ds = Dataset.range(3).repeat().prefetch(2).take(7)
    assert _order(ds) == [0, 1, 2, 0, 1, 2, 0]


def test_repeat_of_empty_dataset_terminates():
    assert _order(Dataset.range(0).repeat()) == []


def test_iterator_get_next_and_len():
    it = iter(Dataset.range(2))
    assert int(it.get_next()) == 0 and int(next(it)) == 1
    with pytest.raises(jt.errors.OutOfRangeError):  # as TF; next(it) raises StopIteration
        it.get_next()
    assert len(Dataset.range(7).batch(2)) == 4
    with pytest.raises(TypeError, match="infinite"):
        len(Dataset.range(2).repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(Dataset.range(2).filter(lambda x: x > 0))
    assert bool(Dataset.range(2).repeat())


def test_cardinality_constants_and_experimental():
    assert jtape.data.INFINITE_CARDINALITY == -1
    assert jtape.data.UNKNOWN_CARDINALITY == -2
    assert jtape.data.AUTOTUNE == experimental.AUTOTUNE == -1
    assert int(experimental.cardinality(Dataset.range(3).repeat())) == -1
    assert Dataset.range(3).cardinality().dtype == _structure.jnp_dtype(np.int64)


# -- errors ---------------------------------------------------------------------------------
def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="first dimension"):
        Dataset.from_tensor_slices(([1, 2, 3], [1, 2]))
    with pytest.raises(ValueError, match="scalar"):
        Dataset.from_tensor_slices(3)
    with pytest.raises(ValueError, match="batch_size must be greater than zero"):
        Dataset.range(3).batch(0)
    with pytest.raises(TypeError, match="batch: batch_size"):
        Dataset.range(3).batch(2.5)
    with pytest.raises(ValueError, match="buffer_size"):
        Dataset.range(3).shuffle(0)
    with pytest.raises(TypeError, match="map: expected a callable"):
        Dataset.range(3).map(5)
    with pytest.raises(TypeError, match="zip: expected Datasets"):
        Dataset.zip(Dataset.range(2), [1, 2])
    with pytest.raises(TypeError, match="different dtypes"):
        Dataset.range(2).concatenate(Dataset.from_tensor_slices([1.0]))
    with pytest.raises(ValueError, match="different shapes in component 0"):
        list(
            Dataset.from_generator(
                lambda: iter([[1], [1, 2]]), output_signature=TensorSpec((None,), jt.int32)
            ).batch(2)
        )
    with pytest.raises(jt.errors.InvalidArgumentError, match="not compatible with the expected"):
        list(
            Dataset.from_generator(
                lambda: iter([[1, 2]]), output_signature=TensorSpec((3,), jt.int32)
            )
        )
    with pytest.raises(AttributeError, match="rejection_resample is not provided by jtape"):
        Dataset.range(2).rejection_resample(lambda x: x, [0.5, 0.5])
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        Dataset.range(2).nonsense  # noqa: B018


def test_flat_map_padded_batch_shard_concatenate():
    ds = Dataset.range(1, 4).flat_map(lambda n: Dataset.from_tensors(n).repeat(n))
    assert _order(ds) == [1, 2, 2, 3, 3, 3]
    ds = Dataset.range(1, 4).map(lambda n: jt.fill([n], n))
    ds = ds.padded_batch(2, padding_values=np.int64(-1))  # TF: a Python int is int32
    assert [b.numpy().tolist() for b in ds] == [[[1, -1], [2, 2]], [[3, 3, 3]]]
    assert _order(Dataset.range(10).shard(4, 3)) == [3, 7]


def test_string_leaves_are_host_string_tensors():
    # TF: string components come out as tf.string tensors holding bytes.
    ds = Dataset.from_tensor_slices((np.array(["a", "bc"]), [1, 2]))
    (s, n), _ = list(ds)
    assert isinstance(s, jt.StringTensor) and s.numpy() == b"a" and s.dtype == jt.string
    assert isinstance(n, jt.Tensor)
    assert [(a, int(b)) for a, b in ds.as_numpy_iterator()] == [(b"a", 1), (b"bc", 2)]


def test_structured_function_eager_flag_is_per_function():
    fn = _fn.StructuredFunction(lambda x: x + 1, "map")
    assert _py(fn(np.asarray(1, np.int32))) == 2 and not fn.eager
    v = jt.Variable(1)
    fn2 = _fn.StructuredFunction(lambda x: x + v, "map")
    assert _py(fn2(np.asarray(1, np.int32))) == 2 and fn2.eager


@pytest.mark.parametrize("module", [jtape.data, _dataset, _structure, experimental])
def test_docstring_examples(module):
    result = doctest.testmod(module, extraglobs={"jt": jt}, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_element_spec_is_a_jt_tensor_spec():
    spec = Dataset.range(3).batch(2).element_spec
    assert isinstance(spec, jt.TensorSpec)
    assert spec == jt.TensorSpec((None,), _structure.jnp_dtype(np.int64))
    assert spec.is_compatible_with(jt.zeros((5,), jt.int64))
