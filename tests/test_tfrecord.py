"""TFRecord files, tf.train.Example bytes and Example parsing, against TF 2.21.

Expected values come from tests/fixtures/record_tfrecord.py (run with
/work/tfvenv/bin/python): TF-written files in tests/fixtures/tfrecord/ and
tests/fixtures/tfrecord_tf.json.
"""

import json
import os
import re
import shutil

import numpy as np
import pytest

import jtape.compat as tf
from jtape._tfrecord import crc32c, masked_crc

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
FILES = os.path.join(HERE, "tfrecord")
with open(os.path.join(HERE, "tfrecord_tf.json")) as _f:
    REC = json.load(_f)
RECORDS = [bytes.fromhex(r) for r in REC["records"]]
OPTIONS = {
    "plain.tfrecord": None,
    "gzip.tfrecord.gz": "GZIP",
    "zlib.tfrecord.z": tf.io.TFRecordOptions(compression_type="ZLIB"),
}
KIND = {"plain.tfrecord": None, "gzip.tfrecord.gz": "GZIP", "zlib.tfrecord.z": "ZLIB"}


def test_crc32c_known_values():
    assert crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert crc32c(b"") == 0
    assert crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720 B.4 test vector
    # masked CRC of the 8 length bytes of a 3-byte record, as TF wrote it
    assert masked_crc(b"\x03" + bytes(7)) == 0x0E4999B0


@pytest.mark.parametrize("n", [8191, 8192, 8193, 70001, 1 << 18])
def test_crc32c_lanes_equal_the_byte_loop(n):
    from jtape._tfrecord import _raw

    data = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8).tobytes()
    want = _raw(data, 0xFFFFFFFF) ^ 0xFFFFFFFF  # the plain table-driven register loop
    assert crc32c(data) == want
    assert crc32c(data[7:], crc32c(data[:7])) == want


@pytest.mark.parametrize("fname", sorted(OPTIONS))
def test_written_file_is_byte_identical_to_tf(tmp_path, fname):
    path = str(tmp_path / fname)
    with tf.io.TFRecordWriter(path, OPTIONS[fname]) as w:
        for i, r in enumerate(RECORDS):
            w.write(r)
            if i == 1:
                w.flush()
    with open(path, "rb") as a, open(os.path.join(FILES, fname), "rb") as b:
        assert a.read() == b.read()


@pytest.mark.parametrize("fname", sorted(OPTIONS))
def test_tf_files_read_back(fname):
    ds = tf.data.TFRecordDataset(os.path.join(FILES, fname), compression_type=KIND[fname])
    assert ds.element_spec == tf.TensorSpec((), tf.string)
    got = [r.numpy() for r in ds]
    assert got == [bytes.fromhex(h) for h in REC["files"][fname]] == RECORDS


def test_writer_accepts_str_and_tensor_and_rejects_after_close(tmp_path):
    path = str(tmp_path / "a.rec")
    w = tf.io.TFRecordWriter(path)
    w.write("abc")
    w.write(tf.constant(b""))
    w.close()
    with pytest.raises(RuntimeError):
        w.write(b"x")
    with open(path, "rb") as a, open(os.path.join(FILES, "plain.tfrecord"), "rb") as b:
        assert b.read().startswith(a.read())  # TF's first two records: b"abc", b""


def test_corrupted_and_truncated_records_raise_data_loss(tmp_path):
    data = bytearray(open(os.path.join(FILES, "plain.tfrecord"), "rb").read())
    bad = tmp_path / "bad.rec"
    data[13] ^= 1  # inside the first record's data
    bad.write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError):
        list(tf.data.TFRecordDataset(str(bad)))
    data[13] ^= 1
    data[9] ^= 1  # the length's checksum
    bad.write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError, match="corrupted record at 0"):
        list(tf.data.TFRecordDataset(str(bad)))
    data[9] ^= 1
    bad.write_bytes(bytes(data[:-3]))
    it = iter(tf.data.TFRecordDataset(str(bad)))
    assert [next(it).numpy() for _ in RECORDS[:-1]] == RECORDS[:-1]  # good ones first
    with pytest.raises(tf.errors.DataLossError, match="truncated"):
        next(it)


def test_parallel_reads_interleave_like_tf(tmp_path):
    paths = [os.path.join(FILES, f) for f in REC["parallel_files"]]
    ds = tf.data.TFRecordDataset(paths, num_parallel_reads=2)
    assert [r.numpy().decode() for r in ds] == REC["parallel_order"]
    names = tf.data.Dataset.from_tensor_slices(paths)
    flat = [r.numpy().decode() for r in tf.data.TFRecordDataset(names)]
    assert flat == sorted(REC["parallel_order"], key=lambda s: (s[0], s))


def _feature(kind, values):
    if kind == "int64":
        return tf.train.Feature(int64_list=tf.train.Int64List(value=values))
    if kind == "float":
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))
    if kind == "bytes":
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[v.encode() for v in values]))
    return tf.train.Feature()


def _example(desc):
    feats = {k: _feature(*v) for k, v in desc.items()}
    return tf.train.Example(features=tf.train.Features(feature=feats))


@pytest.mark.parametrize("name", sorted(REC["examples"]))
def test_example_bytes_equal_tf(name):
    desc = REC["examples"][name]
    data = _example(desc).SerializeToString()
    assert data.hex() == REC["example_bytes"][name]
    back = tf.train.Example.FromString(data)
    for key, (kind, values) in desc.items():
        f = back.features.feature[key]
        if kind == "none":
            assert f.WhichOneof("kind") is None
            continue
        got = getattr(f, f"{kind}_list").value
        want = [v.encode() for v in values] if kind == "bytes" else values
        if kind == "float":
            want = [float(np.float32(v)) for v in values]
        assert got == want
    parsed = tf.train.Example()
    assert parsed.ParseFromString(data) == len(data)
    assert parsed == back


@pytest.mark.parametrize("name", sorted(REC["text"]))
def test_example_text_form_as_tf(name):
    assert str(_example(REC["examples"][name])) == REC["text"][name]


def test_sequence_example_bytes_equal_tf():
    b = lambda *v: tf.train.Feature(bytes_list=tf.train.BytesList(value=list(v)))  # noqa: E731
    seq = tf.train.SequenceExample(
        context=tf.train.Features(
            feature={"id": tf.train.Feature(int64_list=tf.train.Int64List(value=[3]))}
        ),
        feature_lists=tf.train.FeatureLists(
            feature_list={"tok": tf.train.FeatureList(feature=[b(b"a"), b(b"b", b"c")])}
        ),
    )
    data = seq.SerializeToString()
    assert data.hex() == REC["sequence_example"]
    back = tf.train.SequenceExample.FromString(data)
    assert back.feature_lists.feature_list["tok"].feature[1].bytes_list.value == [b"b", b"c"]


@pytest.mark.parametrize("name", sorted(REC["mutations"]))
def test_message_mutations_as_tf(name):
    code, want = REC["mutations"][name]
    scope = {"tf": tf}
    exec(code, scope)  # the recorded case's code, as TF ran it
    assert scope["out"].SerializeToString().hex() == want


def test_value_list_type_errors_as_tf():
    with pytest.raises(TypeError, match="expected bytes, str found"):
        tf.train.BytesList(value=["a"])
    with pytest.raises(TypeError, match="Expected an int, got a boolean"):
        tf.train.Int64List(value=[True])
    with pytest.raises(TypeError):
        tf.train.Int64List(value=[1.5])
    with pytest.raises(TypeError):
        tf.train.FloatList(value=["a"])
    assert tf.train.FloatList(value=[0.1]).value == [float(np.float32(0.1))]


_DTYPES = {"int64": tf.int64, "float32": tf.float32, "string": tf.string}


def _spec(kind, shape, dtype, default):
    if kind == "ragged":  # shape holds the value_key
        return tf.io.RaggedFeature(_DTYPES[dtype], value_key=shape)
    if kind == "fixed":
        return tf.io.FixedLenFeature(shape, _DTYPES[dtype], default_value=default)
    return tf.io.FixedLenSequenceFeature(
        shape, _DTYPES[dtype], allow_missing=True, default_value=default
    )


def _core(message):
    """TF's message without the op-wrapper prefix and the ``[Op:...]`` suffix."""
    message = message.split("}} ")[-1]
    return re.sub(r" \[Op:\w+\]$", "", message)


@pytest.mark.parametrize("case", REC["parse_cases"], ids=[c[0] for c in REC["parse_cases"]])
def test_parse_matches_tf(case):
    name, names, specs, batched = case
    want = REC["parse"][name]
    sers = [_example(REC["examples"][n]).SerializeToString() for n in names]
    features = {k: _spec(*s) for k, s in specs.items()}

    def run():
        if batched:
            return tf.io.parse_example(tf.constant(sers), features)
        return tf.io.parse_single_example(sers[0], features)

    if "error" in want:
        with pytest.raises(getattr(tf.errors, want["error"])) as e:
            run()
        assert str(e.value) == _core(want["message"])
        return
    out = run()
    assert sorted(out) == sorted(want["values"])
    for key, (values, shape, dtype) in want["values"].items():
        got = out[key]
        if shape == "ragged":
            assert isinstance(got, tf.RaggedTensor) and got.dtype == _DTYPES[dtype]
            rows = got.to_list()
            if dtype == "string":
                rows = [[v.hex() for v in r] for r in rows]
            assert rows == values
            continue
        assert list(got.shape) == shape
        if dtype == "string":
            assert got.dtype == tf.string
            assert [v.hex() for v in np.asarray(got.numpy()).reshape(-1)] == values
        else:
            assert got.dtype == _DTYPES[dtype]
            np.testing.assert_array_equal(got.numpy().reshape(-1), np.asarray(values, dtype))


def _sequence_example(desc):
    feats = {k: _feature(*v) for k, v in desc["context"].items()}
    lists = {
        k: tf.train.FeatureList(feature=[_feature(*f) for f in steps])
        for k, steps in desc["lists"].items()
    }
    return tf.train.SequenceExample(
        context=tf.train.Features(feature=feats),
        feature_lists=tf.train.FeatureLists(feature_list=lists),
    )


def _spec_any(kind, shape, dtype, default):
    if kind == "seqreq":
        return tf.io.FixedLenSequenceFeature(shape, _DTYPES[dtype], default_value=default)
    return _spec(kind, shape, dtype, default)


def _check_values(out, want):
    assert sorted(out) == sorted(want)
    for key, (values, shape, dtype) in want.items():
        got = out[key]
        if shape == "ragged":
            assert isinstance(got, tf.RaggedTensor) and got.dtype == _DTYPES[dtype]
            rows = got.to_list()
            if dtype == "string":
                rows = [[v.hex() for v in r] for r in rows]
            assert rows == values
            continue
        assert list(got.shape) == shape
        if dtype == "string":
            assert got.dtype == tf.string
            assert [v.hex() for v in np.asarray(got.numpy()).reshape(-1)] == values
        else:
            assert got.dtype == _DTYPES[dtype]
            np.testing.assert_array_equal(got.numpy().reshape(-1), np.asarray(values, dtype))


@pytest.mark.parametrize("case", REC["seq_parse_cases"], ids=[c[0] for c in REC["seq_parse_cases"]])
def test_parse_single_sequence_example_matches_tf(case):
    name, context, sequence = case
    want = REC["seq_parse"][name]
    data = _sequence_example(REC["sequence"]).SerializeToString()
    assert data.hex() == REC["sequence_bytes"]

    def run():
        return tf.io.parse_single_sequence_example(
            data,
            context_features={k: _spec_any(*v) for k, v in context.items()} or None,
            sequence_features={k: _spec_any(*v) for k, v in sequence.items()} or None,
        )

    if "error" in want:
        with pytest.raises(getattr(tf.errors, want["error"])) as e:
            run()
        assert str(e.value) == _core(want["message"])
        return
    c, s = run()
    _check_values(c, want["context"])
    _check_values(s, want["sequence"])


def test_parse_spec_errors():
    data = _example(REC["examples"]["multi"]).SerializeToString()
    with pytest.raises(tf.errors.InvalidArgumentError, match="'sparse_types' of int32"):
        tf.io.parse_single_example(data, {"b": tf.io.VarLenFeature(tf.int32)})
    partitioned = tf.io.RaggedFeature(tf.int64, partitions=[tf.io.RaggedFeature.RowLengths("n")])
    with pytest.raises(NotImplementedError, match="partitions"):
        tf.io.parse_single_example(data, {"b": partitioned})
    with pytest.raises(ValueError, match="allow_missing"):
        tf.io.parse_single_example(data, {"b": tf.io.FixedLenSequenceFeature([], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="'Tdense' of int32"):
        tf.io.parse_single_example(data, {"b": tf.io.FixedLenFeature([], tf.int32)})
    with pytest.raises(ValueError, match="features cannot be empty"):
        tf.io.parse_single_example(data, {})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Could not parse example"):
        tf.io.parse_single_example(b"\x0a\x05\x01", {"b": tf.io.FixedLenFeature([], tf.int64)})
    with pytest.raises(TypeError, match="string tensor"):
        tf.io.parse_single_example(tf.constant(1.0), {"b": tf.io.FixedLenFeature([], tf.int64)})


def test_tf_written_examples_through_pipeline():
    spec = {
        "x": tf.io.FixedLenFeature([2], tf.float32),
        "y": tf.io.FixedLenFeature([], tf.int64),
    }
    ds = tf.data.TFRecordDataset(os.path.join(FILES, "examples.tfrecord"))
    ds = ds.map(lambda r: tf.io.parse_single_example(r, spec)).batch(4)
    batches = list(ds)
    assert [b["x"].shape for b in batches] == [(4, 2), (2, 2)]
    x = np.concatenate([b["x"].numpy() for b in batches])
    y = np.concatenate([b["y"].numpy() for b in batches])
    np.testing.assert_array_equal(x, [[i, 2.0 * i] for i in range(6)])
    np.testing.assert_array_equal(y, [i % 2 for i in range(6)])
    assert batches[0]["y"].dtype == tf.int64
    # parse_example over batches of serialized records gives the same
    batched = tf.data.TFRecordDataset(os.path.join(FILES, "examples.tfrecord")).batch(6)
    out = tf.io.parse_example(next(iter(batched)), spec)
    np.testing.assert_array_equal(out["x"].numpy(), x)


def test_write_read_parse_fit_pipeline(tmp_path):
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(32, 3)).astype(np.float32)
    ys = (xs @ np.array([1.0, -2.0, 0.5], np.float32) > 0).astype(np.int64)
    path = str(tmp_path / "train.tfrecord.gz")
    with tf.io.TFRecordWriter(path, "GZIP") as w:
        for x, y in zip(xs, ys):
            f = {
                "x": tf.train.Feature(float_list=tf.train.FloatList(value=x)),
                "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[y])),
            }
            w.write(tf.train.Example(features=tf.train.Features(feature=f)).SerializeToString())
    spec = {"x": tf.io.FixedLenFeature([3], tf.float32), "y": tf.io.FixedLenFeature([1], tf.int64)}

    def parse(record):
        ex = tf.io.parse_single_example(record, spec)
        return ex["x"], ex["y"]

    ds = tf.data.TFRecordDataset(path, compression_type="GZIP").map(parse).batch(8)
    got = list(ds)
    np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in got]), xs)
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in got])[:, 0], ys)
    keras = tf.keras
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    hist = model.fit(ds.map(lambda x, y: (x, tf.cast(y, tf.float32))), epochs=3, verbose=0)
    losses = hist.history["loss"]
    assert len(losses) == 3 and np.all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_serialize_tensor_records_round_trip(tmp_path):
    t = tf.constant([[1.5, 2.0]], tf.float32)
    assert tf.io.serialize_tensor(t).numpy().hex() == REC["serialized_tensor"]
    path = str(tmp_path / "t.rec")
    with tf.io.TFRecordWriter(path) as w:
        for i in range(3):
            w.write(tf.io.serialize_tensor(t * i))
    ds = tf.data.TFRecordDataset(path).map(lambda r: tf.io.parse_tensor(r, tf.float32))
    np.testing.assert_array_equal(
        np.stack([v.numpy() for v in ds]), [[[0, 0]], [[1.5, 2]], [[3, 4]]]
    )


def test_files_from_a_copied_dir_and_options_strings(tmp_path):
    shutil.copy(os.path.join(FILES, "gzip.tfrecord.gz"), tmp_path / "g")
    for ctype in ("GZIP", b"GZIP", tf.io.TFRecordOptions.get_compression_type_string("GZIP")):
        assert len(list(tf.data.TFRecordDataset(str(tmp_path / "g"), ctype))) == len(RECORDS)
    with pytest.raises(ValueError, match="compression_type"):
        tf.data.TFRecordDataset(str(tmp_path / "g"), "BZ2")


def test_map_parse_element_spec_and_missing_files(tmp_path):
    spec = {
        "x": tf.io.FixedLenFeature([2], tf.float32),
        "s": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True),
        "r": tf.io.RaggedFeature(tf.string),
    }
    ds = tf.data.TFRecordDataset(os.path.join(FILES, "examples.tfrecord"))
    mapped = ds.map(lambda r: tf.io.parse_single_example(r, spec))
    want = {
        "x": tf.TensorSpec((2,), tf.float32),
        "s": tf.TensorSpec((None,), tf.int64),
        "r": tf.TensorSpec((None,), tf.string),
    }
    assert mapped.element_spec == want  # as TF; found without parsing placeholder strings
    batched = ds.batch(3).map(lambda b: tf.io.parse_example(b, {"x": spec["x"]}))
    assert batched.element_spec == {"x": tf.TensorSpec((None, 2), tf.float32)}
    first = next(iter(mapped))
    assert first["s"].shape == (0,) and first["r"].shape == (0,)
    with pytest.raises(tf.errors.NotFoundError):
        list(tf.data.TFRecordDataset(str(tmp_path / "missing.rec")))
    with pytest.raises(tf.errors.NotFoundError):
        tf.io.TFRecordWriter(str(tmp_path / "no" / "dir.rec"))
    with pytest.raises(tf.errors.InvalidArgumentError, match="required"):
        tf.io.parse_single_example(b"", {"x": spec["x"]})  # an empty Example is real data


def test_tutorial_pattern_scalar_tensors_and_py_function_bytes():
    # TF's TFRecord tutorial: features from eager scalars, Examples serialized in
    # py_function inside map (a serialized Example may end with a zero byte).
    def serialize(v):
        feats = {"f": tf.train.Feature(int64_list=tf.train.Int64List(value=[v]))}
        return tf.train.Example(features=tf.train.Features(feature=feats)).SerializeToString()

    def tf_serialize(v):
        return tf.reshape(tf.py_function(serialize, (v,), tf.string), ())

    ds = tf.data.Dataset.from_tensor_slices(np.array([1, 0], np.int64)).map(tf_serialize)
    got = [x.numpy().hex() for x in ds]
    # hand-derived: Example{features{feature{key:"f" value{int64_list{value:v}}}}}
    assert got == ["0a0c0a0a0a016612051a030a0101", "0a0c0a0a0a016612051a030a0100"]
    f = tf.train.FloatList(value=[tf.constant(2.5), np.float64(0.1)])
    assert f.value == [2.5, float(np.float32(0.1))]
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        tf.train.Int64List(value=[tf.constant(2.0)])
    assert tf.train.BytesList(value=[tf.constant(b"x\x00")]).value == [b"x\x00"]
