"""String tensors and tf.strings ops against TF 2.21 (tests/nn/fixtures/record_text_layers.py)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape._op_errors import InvalidArgumentError, UnimplementedError

FIXTURE = os.path.join(os.path.dirname(__file__), "nn", "fixtures", "text_layers_tf.json")
with open(FIXTURE, encoding="utf-8") as _f:
    TF = json.load(_f)["strings"]


def host(x):
    """A jtape result as the recorder stored TF's (bytes as latin-1 text)."""
    if isinstance(x, jt.RaggedTensor):
        x = x.to_list()
    elif isinstance(x, (jt.StringTensor, jt.Tensor)):
        x = x.numpy()
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, bytes):
        return x.decode("latin-1")
    if isinstance(x, (list, tuple)):
        return [host(v) for v in x]
    if isinstance(x, (np.generic,)):
        return x.item()
    return x


S = tf.constant(["  Hello World!  ", "héllo, Ünïcode\tTAB", "a1b22c333", ""])
WORDS = tf.constant(["a", "b", "c", "d"])

CASES = {
    "lower": lambda: tf.strings.lower(S),
    "lower_utf8": lambda: tf.strings.lower(S, encoding="utf-8"),
    "upper": lambda: tf.strings.upper(S),
    "upper_utf8": lambda: tf.strings.upper(S, encoding="utf-8"),
    "strip": lambda: tf.strings.strip(S),
    "regex_replace": lambda: tf.strings.regex_replace(S, r"\d+", "#"),
    "regex_replace_first": lambda: tf.strings.regex_replace(S, r"[a-z]", "_", replace_global=False),
    "regex_replace_group": lambda: tf.strings.regex_replace(S, r"(\w)(\d)", r"\2\1"),
    "regex_full_match": lambda: tf.strings.regex_full_match(S, r"[a-z0-9]+"),
    "length": lambda: tf.strings.length(S),
    "length_chars": lambda: tf.strings.length(S, unit="UTF8_CHAR"),
    "substr": lambda: tf.strings.substr(S[:3], 2, 4),
    "substr_neg": lambda: tf.strings.substr(S[:3], -3, 2),
    "substr_chars": lambda: tf.strings.substr(S[:3], 1, 3, unit="UTF8_CHAR"),
    "split": lambda: tf.strings.split(S),
    "split_sep": lambda: tf.strings.split(tf.constant(["a,b,,c", "d"]), ","),
    "split_max": lambda: tf.strings.split(tf.constant(["a b c d"]), " ", maxsplit=2),
    "split_scalar": lambda: tf.strings.split(tf.constant("x y  z")),
    "unicode_split": lambda: tf.strings.unicode_split(S, "UTF-8"),
    "unicode_split_scalar": lambda: tf.strings.unicode_split(tf.constant("héllo"), "UTF-8"),
    "unicode_decode": lambda: tf.strings.unicode_decode(S, "UTF-8"),
    "unicode_encode": lambda: tf.strings.unicode_encode(
        tf.RaggedTensor.from_row_lengths([104, 233, 8364, 33], [2, 2]), "UTF-8"
    ),
    "unicode_encode_1d": lambda: tf.strings.unicode_encode(tf.constant([72, 105]), "UTF-8"),
    "bytes_split": lambda: tf.strings.bytes_split(tf.constant(["ab", "é"])),
    "reduce_join": lambda: tf.strings.reduce_join(WORDS),
    "reduce_join_axis": lambda: tf.strings.reduce_join(
        tf.constant([["a", "b"], ["c", "d"]]),
        axis=1,
        separator="-",
    ),
    "reduce_join_axis0": lambda: tf.strings.reduce_join(
        tf.constant([["a", "b"], ["c", "d"]]), axis=0
    ),
    "reduce_join_keep": lambda: tf.strings.reduce_join(
        tf.constant([["a", "b"], ["c", "d"]]), axis=-1, keepdims=True
    ),
    "reduce_join_ragged": lambda: tf.strings.reduce_join(
        tf.strings.unicode_split(tf.constant(["ab", "cde"]), "UTF-8"), axis=-1
    ),
    "join": lambda: tf.strings.join([WORDS, "x", WORDS], separator="+"),
    "to_number": lambda: tf.strings.to_number(tf.constant(["1.5", "-2", "1e3", " 7 ", "inf"])),
    "to_number_int": lambda: tf.strings.to_number(tf.constant(["12", "-3"]), out_type=tf.int32),
    "as_string_float": lambda: tf.strings.as_string(tf.constant([1.5, -2.25, 1e-7])),
    "as_string_prec": lambda: tf.strings.as_string(tf.constant([1.5, 2.0]), precision=2),
    "as_string_sci": lambda: tf.strings.as_string(tf.constant([12345.678]), scientific=True),
    "as_string_short": lambda: tf.strings.as_string(tf.constant([0.5, 100.0]), shortest=True),
    "as_string_int": lambda: tf.strings.as_string(tf.constant([3, -12])),
    "as_string_width": lambda: tf.strings.as_string(tf.constant([3, 42]), width=4),
    "as_string_fill": lambda: tf.strings.as_string(tf.constant([3, 42]), width=4, fill="0"),
    "as_string_bool": lambda: tf.strings.as_string(tf.constant([True, False])),
    "ngrams": lambda: tf.strings.ngrams(WORDS, 2),
    "ngrams_multi": lambda: tf.strings.ngrams(WORDS, (1, 3), separator="_"),
    "ngrams_pad": lambda: tf.strings.ngrams(WORDS[:2], 3, pad_values=("<", ">")),
    "ngrams_pad_width": lambda: tf.strings.ngrams(WORDS[:3], 3, pad_values="#", padding_width=1),
    "ngrams_short": lambda: tf.strings.ngrams(
        tf.strings.split(tf.constant(["a", "b c"])), 3, preserve_short_sequences=True
    ),
    "ngrams_ragged": lambda: tf.strings.ngrams(tf.strings.split(tf.constant(["a b c", "d"])), 2),
    "format": lambda: tf.strings.format("x={} y={}", (1, 2.5)),
    "eq": lambda: tf.constant(["a", "b"]) == "a",
    "ne": lambda: tf.constant(["a", "b"]) != tf.constant(["a", "c"]),
    "add": lambda: tf.constant(["a", "b"]) + "x",
}


def _first(x):
    while isinstance(x, list) and x:
        x = x[0]
    return x


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_matches_tf(name):
    got = host(CASES[name]())
    want = TF[name]
    if isinstance(want, list) and want and isinstance(_first(want), float):
        np.testing.assert_allclose(np.asarray(got, float), np.asarray(want, float), rtol=1e-6)
    else:
        assert got == want


@pytest.mark.parametrize("name", ["to_number_bad", "to_number_int_bad", "substr_error"])
def test_op_errors_match_tf(name):
    assert TF[name] == {"error": "InvalidArgumentError"}
    fn = {
        "to_number_bad": lambda: tf.strings.to_number(tf.constant(["abc"])),
        "to_number_int_bad": lambda: tf.strings.to_number(tf.constant(["1.5"]), tf.int64),
        "substr_error": lambda: tf.strings.substr(tf.constant(["abc"]), 5, 1),
    }[name]
    with pytest.raises(InvalidArgumentError):
        fn()


def test_string_tensor_surface():
    s = tf.constant(["a", "bc", "a"])
    assert s.dtype == tf.string and s.dtype.as_datatype_enum == 7 and s.shape == (3,)
    assert tf.as_dtype(7) is tf.string and tf.string.name == "string"
    assert tf.constant("a").numpy() == b"a" and tf.constant(b"x").numpy() == b"x"
    assert s.numpy().tolist() == [b"a", b"bc", b"a"] and s.numpy().dtype == object
    assert s[1].numpy() == b"bc" and s[1:].numpy().tolist() == [b"bc", b"a"]
    assert s[tf.constant(2)].numpy() == b"a"
    assert [t.numpy() for t in s] == [b"a", b"bc", b"a"] and len(s) == 3
    assert (s == "a").numpy().tolist() == [True, False, True] and (s == "a").dtype == tf.bool
    assert (s != s).numpy().tolist() == [False] * 3
    assert tf.convert_to_tensor(s) is s and tf.is_tensor(s)
    assert tf.convert_to_tensor(["x", "y"]).numpy().tolist() == [b"x", b"y"]
    assert tf.constant("ab", shape=[2]).numpy().tolist() == [b"ab", b"ab"]
    assert tf.constant([["a"], ["b"]]).shape == (2, 1)
    assert tf.strings.as_string(tf.constant(7)).numpy() == b"7"


def test_casts_and_numeric_ops_refuse_strings_as_tf():
    s = tf.constant(["1"])
    with pytest.raises(UnimplementedError, match="Cast string to float is not supported"):
        tf.cast(s, tf.float32)
    with pytest.raises(UnimplementedError, match="Cast int32 to string is not supported"):
        tf.cast(tf.constant(1), tf.string)
    assert tf.cast(s, tf.string) is s
    with pytest.raises(InvalidArgumentError, match="exp: an input is a string tensor"):
        tf.exp(s)
    with pytest.raises(InvalidArgumentError, match="StringLookup"):
        tf.constant([1.0]) + s
    with pytest.raises(InvalidArgumentError, match="expected to be a string tensor but is a int32"):
        s + 1
    with pytest.raises(TypeError, match="Cannot convert 1 to EagerTensor of dtype string"):
        s == 1  # noqa: B015
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.constant("a", dtype=tf.float32)


def test_ragged_to_tensor_and_numpy():
    r = tf.strings.split(tf.constant(["a b c", "d"]))
    assert r.shape.as_list() == [2, None] and r.dtype == tf.string
    assert r.to_tensor().numpy().tolist() == [[b"a", b"b", b"c"], [b"d", b"", b""]]
    assert r.to_tensor(default_value="?", shape=[None, 2]).numpy().tolist() == [
        [b"a", b"b"],
        [b"d", b"?"],
    ]
    rows = r.numpy()
    assert rows.dtype == object and rows[1].tolist() == [b"d"]
    assert r.row_lengths().numpy().tolist() == [3, 1]
    assert r[0].numpy().tolist() == [b"a", b"b", b"c"]
    ids = tf.strings.unicode_decode(tf.constant(["hé", "x"]), "UTF-8")
    assert ids.to_tensor().numpy().tolist() == [[104, 233], [120, 0]]
    assert ids.to_tensor().dtype == tf.int32


def test_string_dataset_map_batch_shuffle_padded_batch():
    ds = tf.data.Dataset.from_tensor_slices(["Hello there", "b c", "d"])
    assert ds.element_spec == tf.TensorSpec((), tf.string)
    assert list(ds.as_numpy_iterator()) == [b"Hello there", b"b c", b"d"]
    lowered = ds.map(tf.strings.lower).batch(2)
    assert [b.numpy().tolist() for b in lowered] == [[b"hello there", b"b c"], [b"d"]]
    shuffled = sorted(e.numpy() for e in ds.shuffle(3, seed=1))
    assert shuffled == [b"Hello there", b"b c", b"d"]
    lengths = ds.map(lambda s: (s, tf.strings.length(s)))
    assert [int(n) for _, n in lengths] == [11, 3, 1]
    words = ds.map(tf.strings.split).padded_batch(3)
    assert words.element_spec.shape.as_list() == [None, None]
    (batch,) = list(words)
    assert batch.numpy().tolist() == [[b"Hello", b"there"], [b"b", b"c"], [b"d", b""]]
    numbers = tf.data.Dataset.range(3).map(tf.strings.as_string)
    assert [e.numpy() for e in numbers] == [b"0", b"1", b"2"]


def test_string_arguments_to_function_retrace_per_value():
    traces = []

    @tf.function
    def f(word, x):
        traces.append(word.numpy())  # a trace-time value: readable while tracing
        n = tf.strings.length(word)  # string ops run at trace time
        return x * tf.cast(n, tf.float32)

    assert float(f(tf.constant("abc"), tf.constant(2.0))) == 6.0
    assert float(f(tf.constant("abc"), tf.constant(3.0))) == 9.0
    assert float(f(tf.constant("hello"), tf.constant(1.0))) == 5.0
    assert traces == [b"abc", b"hello"]  # one trace per distinct string value


def test_string_op_on_traced_number_names_the_op():
    @tf.function
    def g(x):
        return tf.strings.as_string(x * 2)

    with pytest.raises(TypeError, match="tf.strings.as_string needs the value"):
        g(tf.constant(1))


def test_docstring_examples():
    import doctest

    from jtape import _fingerprint, _string_ops, _strings
    from jtape.nn import _text_layers

    for module in (_strings, _string_ops, _fingerprint, _text_layers):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_shape_ops_take_string_tensors():
    s = tf.constant(["a b", "c"])
    assert tf.shape(s).numpy().tolist() == [2] and int(tf.size(s)) == 2 and int(tf.rank(s)) == 1
    column = tf.expand_dims(s, -1)  # TF's text-classification tutorial does this
    assert column.dtype == tf.string and column.shape == (2, 1)
    assert tf.reshape(s, [1, 2]).shape == (1, 2) and tf.squeeze(column, -1).shape == (2,)
    assert tf.concat([s, ["d"]], 0).numpy().tolist() == [b"a b", b"c", b"d"]
    assert tf.stack([s, s], axis=1).shape == (2, 2)
    assert tf.transpose(tf.stack([s, s])).shape == (2, 2)
    assert tf.gather(s, [1, 0, 1]).numpy().tolist() == [b"c", b"a b", b"c"]
    assert tf.identity(s) is s and tf.tile(s, [2]).shape == (4,)
    with pytest.raises(InvalidArgumentError, match="not in"):
        tf.gather(s, [5])
    assert tf.expand_dims(tf.constant([1.0]), 0).shape == (1, 1)  # numbers unchanged


def test_string_input_signature_still_traces_per_value():
    # TF traces once for a tf.string TensorSpec (its graph holds strings); jtape cannot
    # hold strings in a program, so it traces once per value, as without a signature.
    traces = []

    @tf.function(input_signature=[tf.TensorSpec([], tf.string)])
    def length(s):
        traces.append(s.numpy())
        return tf.strings.length(s)

    assert int(length(tf.constant("abc"))) == 3 and int(length("hello")) == 5
    assert int(length(tf.constant("abc"))) == 3
    assert traces == [b"abc", b"hello"]
    with pytest.raises(TypeError, match="expected a string tensor"):
        length(tf.constant(1))


def test_math_add_concatenates_strings_as_tf():
    # TF 2.21: tf.math.add(["a", "b"], ["c", "d"]) -> [b"ac", b"bd"]; a number with a
    # string is TF's InvalidArgumentError.
    import jtape.compat as tfc

    assert tfc.math.add(["a", "b"], ["c", "d"]).numpy().tolist() == [b"ac", b"bd"]
    assert tfc.add(tfc.constant("a"), "b").numpy() == b"ab"
    with pytest.raises(tfc.errors.InvalidArgumentError):
        tfc.add(tfc.constant("a"), 1)
