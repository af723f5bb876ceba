"""tf.io: local files and gfile, TensorProto bytes and PNG against TF 2.21's bytes."""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf

F = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "image_signal_tf.npz"))
SER = sorted(k[len("in/ser/") :] for k in F.files if k.startswith("in/ser/"))


@pytest.mark.parametrize("name", SER)
def test_serialize_tensor_writes_tfs_bytes(name):
    value = F[f"in/ser/{name}"]
    got = tf.io.serialize_tensor(jt.constant(value)).numpy()
    assert got == F[f"serialize_tensor/{name}"].tobytes()


@pytest.mark.parametrize("name", SER)
def test_parse_tensor_reads_tfs_bytes(name):
    value = F[f"in/ser/{name}"]
    out = tf.io.parse_tensor(F[f"serialize_tensor/{name}"].tobytes(), value.dtype)
    assert out.dtype == value.dtype and out.shape == value.shape
    np.testing.assert_array_equal(out.numpy(), value)


def test_string_tensors_and_typed_value_fields():
    s = tf.constant([b"ab", b"c"])
    assert tf.io.serialize_tensor(s).numpy() == F["serialize_tensor/str"].tobytes()
    back = tf.io.parse_tensor(tf.io.serialize_tensor(s), tf.string)
    assert back.numpy().tolist() == [b"ab", b"c"]
    # TF's make_tensor_proto writes float_val / a single int_val to fill the shape
    vals = tf.io.parse_tensor(F["tensorproto/float_val"].tobytes(), tf.float32)
    assert vals.numpy().tolist() == [1.0, 2.0, 3.0]
    fill = tf.io.parse_tensor(F["tensorproto/scalar_fill"].tobytes(), tf.int32)
    assert fill.numpy().tolist() == [[4, 4], [4, 4]]


def test_parse_tensor_checks_the_type():
    data = F["serialize_tensor/f32"].tobytes()
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"parsed tensor \(float\).*\(int32\)"):
        tf.io.parse_tensor(data, tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="TensorProto"):
        tf.io.parse_tensor(b"\x08", tf.float32)


@pytest.mark.parametrize("name, src", [("u8", "u8"), ("rgba", "rgba"), ("gray16", "u16")])
def test_png_round_trips_both_ways(name, src):
    image = F[f"in/{src}"]
    decoded = tf.io.decode_png(F[f"encode_png/{name}"].tobytes(), dtype=image.dtype)
    np.testing.assert_array_equal(decoded.numpy(), image)  # TF's bytes, our decoder
    ours = tf.io.encode_png(image).numpy()
    np.testing.assert_array_equal(tf.io.decode_png(ours, dtype=image.dtype).numpy(), image)


@pytest.mark.parametrize(
    "key, kwargs",
    [
        ("gray16/uint8", {"dtype": tf.uint8}),
        ("u8/c1", {"channels": 1}),
        ("rgba/c3", {"channels": 3}),
        ("rgba/c1", {"channels": 1}),
        ("u8/c4", {"channels": 4}),
        ("u8/uint16", {"dtype": tf.uint16}),
    ],
)
def test_decode_png_conversions_match_tf(key, kwargs):
    data = F["encode_png/" + key.split("/")[0]].tobytes()
    out = tf.io.decode_png(data, **kwargs).numpy()
    want = F["decode_png/" + key]
    assert out.dtype == want.dtype
    np.testing.assert_array_equal(out, want)


def _png(width, height, depth, color, rows, plte=b""):
    import struct

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    head = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    body = chunk(b"IHDR", head) + (chunk(b"PLTE", plte) if plte else b"")
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_decode_png_filters_palettes_and_low_bit_depths():
    # 2x2 RGB with Sub, Up, Average and Paeth rows (hand-filtered), decoded by hand
    rows = bytes([1, 10, 20, 30, 5, 5, 5]) + bytes([2, 1, 1, 1, 1, 1, 1])
    out = tf.io.decode_png(_png(2, 2, 8, 2, rows)).numpy()
    assert out.tolist() == [[[10, 20, 30], [15, 25, 35]], [[11, 21, 31], [16, 26, 36]]]
    rows = bytes([0, 8, 8, 8, 8, 8, 8]) + bytes([3, 1, 1, 1, 2, 2, 2])
    out = tf.io.decode_png(_png(2, 2, 8, 2, rows)).numpy()
    # Average: first pixel (0 + up 8) // 2 + 1 = 5; second (left 5 + up 8) // 2 + 2 = 8
    assert out[1].tolist() == [[5, 5, 5], [8, 8, 8]]
    rows = bytes([0, 10, 20, 30]) + bytes([4, 1, 1, 1])  # 1 px wide: Paeth picks up
    assert tf.io.decode_png(_png(1, 2, 8, 2, rows)).numpy()[1, 0].tolist() == [11, 21, 31]
    # 1-bit grey scales to 0/255; a 2-colour palette
    gray = tf.io.decode_png(_png(3, 1, 1, 0, bytes([0, 0b10100000]))).numpy()
    assert gray[..., 0].tolist() == [[255, 0, 255]]
    pal = tf.io.decode_png(_png(2, 1, 8, 3, bytes([0, 1, 0]), plte=bytes([1, 2, 3, 4, 5, 6])))
    assert pal.numpy().tolist() == [[[4, 5, 6], [1, 2, 3]]]


def test_decode_image():
    data = F["encode_png/u8"].tobytes()
    f = tf.io.decode_image(data, dtype=tf.float32).numpy()
    np.testing.assert_allclose(f, F["in/u8"] / 255.0, rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match="JPEG"):
        tf.io.decode_image(b"\xff\xd8\xff\xe0junk")


def test_read_write_file_and_gfile(tmp_path):
    path = str(tmp_path / "sub" / "a.bin")
    tf.io.write_file(path, b"\x00\x01abc")
    assert tf.io.read_file(path).numpy() == b"\x00\x01abc"
    assert tf.io.read_file(tf.constant(path)).dtype == tf.string
    g = tf.io.gfile
    assert g.exists(path) and g.isdir(str(tmp_path / "sub")) and not g.isdir(path)
    g.makedirs(str(tmp_path / "x" / "y"))
    with g.GFile(str(tmp_path / "x" / "y" / "t.txt"), "w") as fh:
        fh.write("one\ntwo\n")
    with g.GFile(str(tmp_path / "x" / "y" / "t.txt")) as fh:
        assert fh.readlines() == ["one\n", "two\n"]
        assert fh.size() == 8
    assert sorted(g.listdir(str(tmp_path))) == ["sub", "x"]
    assert g.glob(str(tmp_path / "*" / "*.bin")) == [path]
    g.remove(path)
    assert not g.exists(path)
    with pytest.raises(tf.errors.NotFoundError):
        tf.io.read_file(path)
    with pytest.raises(tf.errors.NotFoundError):
        g.listdir(str(tmp_path / "missing"))
    with pytest.raises(tf.NotProvidedError, match="JPEG"):
        tf.io.decode_jpeg  # noqa: B018


def test_docstring_examples():
    import doctest

    from jtape import _io

    result = doctest.testmod(_io)
    assert result.attempted > 0 and result.failed == 0


def test_png_files_through_dataset_map(tmp_path):
    paths = []
    for i in range(3):
        paths.append(str(tmp_path / f"{i}.png"))
        tf.io.write_file(paths[-1], tf.image.encode_png(np.full((4, 5, 1), 40 * i, np.uint8)))
    ds = tf.data.Dataset.from_tensor_slices(paths).map(
        lambda p: tf.image.convert_image_dtype(
            tf.image.decode_png(tf.io.read_file(p), channels=3), tf.float32
        )
    )
    batch = next(iter(ds.batch(3))).numpy()
    assert batch.shape == (3, 4, 5, 3)
    np.testing.assert_allclose(batch[:, 0, 0, 0], [0.0, 40 / 255, 80 / 255], rtol=1e-6)
