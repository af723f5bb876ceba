"""tf.data pipelines: from_tensor_slices of int64/float64 arrays, map/batch/take/skip/repeat."""

import numpy as np

DESCRIPTION = (
    "Follows the TensorFlow 'tf.data: Build TensorFlow input pipelines' guide "
    "(tensorflow.org/guide/data): from_tensor_slices, element_spec, map, batch with "
    "drop_remainder, take/skip/repeat, filter, zip, range, reduce, no shuffling."
)


def _spec(spec):
    return f"{spec.dtype.name}:{spec.shape.as_list()}"


def run(tf) -> dict:
    rng = np.random.RandomState(20)
    ints = np.arange(10, dtype=np.int64)
    floats = rng.randn(10, 3)  # float64
    out = {}

    ds = tf.data.Dataset.from_tensor_slices((ints, floats))
    out["slices_spec_0"] = _spec(ds.element_spec[0])
    out["slices_spec_1"] = _spec(ds.element_spec[1])
    out["cardinality"] = int(ds.cardinality())

    first_i, first_f = next(iter(ds))
    out["first_int"] = int(first_i)
    out["first_int_dtype"] = str(first_i.dtype.name)
    out["first_float"] = np.asarray(first_f)
    out["first_float_dtype"] = str(first_f.dtype.name)

    mapped = ds.map(lambda i, f: (i * 2, tf.cast(tf.reduce_sum(f), tf.float32)))
    out["mapped_spec_0"] = _spec(mapped.element_spec[0])
    out["mapped_spec_1"] = _spec(mapped.element_spec[1])
    batched = mapped.batch(4)
    out["batched_spec_0"] = _spec(batched.element_spec[0])
    sizes, firsts = [], []
    for bi, bf in batched:
        sizes.append(int(bi.shape[0]))
        firsts.append(int(bi[0]))
        last_bf = bf
    out["batch_sizes"] = np.array(sizes)
    out["batch_firsts"] = np.array(firsts)
    out["last_batch_floats"] = np.asarray(last_bf)
    out["last_batch_floats_dtype"] = str(last_bf.dtype.name)

    dropped = mapped.batch(4, drop_remainder=True)
    out["dropped_spec_0"] = _spec(dropped.element_spec[0])
    out["dropped_n_batches"] = len(list(dropped))

    window = ds.skip(3).take(4)
    out["skip_take_ints"] = np.array([int(i) for i, _ in window])
    rep = tf.data.Dataset.from_tensor_slices(ints[:3]).repeat(3)
    out["repeat_values"] = np.array([int(v) for v in rep])
    out["repeat_batch_values"] = np.stack(
        [b.numpy() for b in tf.data.Dataset.from_tensor_slices(ints[:3]).repeat(2).batch(4)][:1]
    )

    r = tf.data.Dataset.range(7)
    out["range_spec"] = _spec(r.element_spec)
    evens = r.filter(lambda v: v % 2 == 0)
    out["filter_values"] = np.array([int(v) for v in evens])
    total = r.reduce(np.int64(0), lambda acc, v: acc + v)
    out["reduce_sum"] = int(total)
    out["reduce_dtype"] = str(total.dtype.name)

    zipped = tf.data.Dataset.zip(
        (tf.data.Dataset.range(3), tf.data.Dataset.from_tensor_slices(floats[:3, 0]))
    )
    out["zip_spec_1"] = _spec(zipped.element_spec[1])
    out["zip_values"] = np.array([float(a) + float(b) for a, b in zipped])

    features = {"a": floats[:, 0].astype(np.float32), "b": ints}
    dict_ds = tf.data.Dataset.from_tensor_slices((features, ints % 2)).batch(5)
    feats, labels = next(iter(dict_ds))
    out["dict_keys"] = ",".join(sorted(feats.keys()))
    out["dict_a_dtype"] = str(feats["a"].dtype.name)
    out["dict_b"] = feats["b"].numpy()
    out["dict_labels"] = labels.numpy()
    out["list_py_float_dtype"] = str(
        tf.data.Dataset.from_tensor_slices([0.5, 1.5]).element_spec.dtype.name
    )
    out["list_py_int_dtype"] = str(
        tf.data.Dataset.from_tensor_slices([1, 2]).element_spec.dtype.name
    )
    return out
