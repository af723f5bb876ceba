"""keras.preprocessing.text / .sequence (jtape.nn.utils) against Keras 3.15 recordings.

Fixtures: /work/tfvenv/bin/python tests/fixtures/record_keras_utils.py
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import random

import numpy as np
import pytest

import jtape.compat as tf
from jtape.nn import utils as U

FIX = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "keras_utils_tf.json").read_text()
)
TEXT, SEQ = FIX["text"], FIX["sequence"]
TEXTS = [
    "The cat sat on the mat.",
    "The dog ate my homework!",
    "A cat, a dog; and THE bird?",
    "dog eat dog world",
]
PROBE = ["the cat and the unicorn", "dog dog bird", ""]


def _pairs(d) -> list:
    return [list(kv) for kv in d]


def test_compat_namespaces():
    text = tf.keras.preprocessing.text
    assert text.Tokenizer is U.Tokenizer and text.tokenizer_from_json is U.tokenizer_from_json
    assert tf.keras.preprocessing.sequence.pad_sequences is tf.keras.utils.pad_sequences
    assert tf.keras.preprocessing.sequence.TimeseriesGenerator is U.TimeseriesGenerator
    from jtape.nn._image_data_generator import ImageDataGenerator

    assert tf.keras.preprocessing.image.ImageDataGenerator is ImageDataGenerator


def test_tokenizer_fit_counts_and_order():
    tok = tf.keras.preprocessing.text.Tokenizer()
    tok.fit_on_texts(TEXTS)
    # count ties keep first-seen order, as Keras' stable sort
    assert _pairs(tok.word_index.items()) == TEXT["word_index"]
    assert _pairs(tok.word_counts.items()) == TEXT["word_counts"]
    assert _pairs(sorted(tok.word_docs.items())) == TEXT["word_docs"]
    assert _pairs(sorted(tok.index_docs.items())) == TEXT["index_docs"]
    assert tok.document_count == TEXT["document_count"]
    assert tok.texts_to_sequences(PROBE) == TEXT["seqs"]
    for mode in ("binary", "count", "tfidf", "freq"):
        m = tok.texts_to_matrix(PROBE, mode=mode)
        assert m.dtype == np.float64
        np.testing.assert_allclose(m, TEXT[f"matrix_{mode}"], rtol=1e-12)
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        tok.texts_to_matrix(PROBE, mode="onehot")


def test_tokenizer_json_round_trip_is_keras_format():
    tok = U.Tokenizer()
    tok.fit_on_texts(TEXTS)
    ours, keras = json.loads(tok.to_json()), json.loads(TEXT["to_json"])
    assert ours["class_name"] == keras["class_name"] == "Tokenizer"
    for key, value in keras["config"].items():
        if key in ("word_docs", "index_docs"):  # filled from set() iteration: salted order
            assert json.loads(ours["config"][key]) == json.loads(value)
        else:
            assert ours["config"][key] == value, key
    back = U.tokenizer_from_json(TEXT["to_json"])  # Keras' own JSON
    assert back.texts_to_sequences(PROBE) == TEXT["from_json_seqs"]
    assert back.index_word[1] == "the"


def test_tokenizer_num_words_oov_and_options():
    tok = U.Tokenizer(num_words=5, oov_token="<OOV>", lower=False, filters="!.,;?")
    tok.fit_on_texts(TEXTS)
    assert _pairs(tok.word_index.items()) == TEXT["oov_word_index"]
    assert tok.texts_to_sequences([*PROBE, "The cat"]) == TEXT["oov_seqs"]
    assert tok.sequences_to_texts([[1, 2, 3, 4, 5, 6, 99]]) == TEXT["oov_texts"]
    np.testing.assert_array_equal(
        tok.texts_to_matrix(PROBE, mode="count"), TEXT["oov_matrix_count"]
    )
    chars = U.Tokenizer(char_level=True)
    chars.fit_on_texts(["abba", "cab"])
    assert _pairs(chars.word_index.items()) == TEXT["char_word_index"]
    assert chars.texts_to_sequences(["bad"]) == TEXT["char_seqs"]
    with pytest.raises(ValueError, match="Specify a dimension"):
        U.Tokenizer().texts_to_matrix(["a"])
    assert TEXT["empty_matrix_error"] == "ValueError"
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        U.Tokenizer(bogus=1)


def test_tokenizer_token_lists_sequences_and_analyzer():
    tok = U.Tokenizer(num_words=4, document_count=2)
    tok.fit_on_texts([["Alpha", "beta", "beta"], ["gamma", "alpha"]])  # pre-split texts
    tok.fit_on_sequences([[1, 2, 2], [3], [5, 1]])
    assert _pairs(tok.word_index.items()) == TEXT["seq_word_index"]
    assert tok.document_count == TEXT["seq_document_count"]
    got = tok.sequences_to_matrix([[1, 2, 2, 3, 7], [], [3, 3]], mode="tfidf")
    np.testing.assert_allclose(got, TEXT["seq_matrix_tfidf"], rtol=1e-12)
    assert tok.texts_to_sequences([["ALPHA", "gamma", "delta"]]) == TEXT["seq_lists"]
    tok = U.Tokenizer(analyzer=lambda s: s.split("-"))
    tok.fit_on_texts(["x-y-x", "y-z"])
    assert _pairs(tok.word_index.items()) == TEXT["analyzer_word_index"]


def test_word_splitting_and_hashing():
    assert U.text_to_word_sequence("Hello,world!  Foo-bar\tbaz", split=" ") == TEXT["split_words"]
    assert (
        U.text_to_word_sequence("a|b|C", filters="", lower=True, split="|") == TEXT["split_custom"]
    )
    assert U.hashing_trick("the cat sat on the mat", 11, hash_function="md5") == TEXT["hash_md5"]
    # hash_function=None and one_hot use Python's (per-process salted) hash, as Keras
    words = ["the", "cat"]
    expected = [hash(w) % 6 + 1 for w in words]
    assert U.hashing_trick("The CAT", 7) == expected
    assert U.one_hot("The CAT", 7) == expected
    md5 = int(hashlib.md5(b"cat").hexdigest(), 16) % 6 + 1
    assert U.hashing_trick("cat", 7, "md5") == [md5]
    assert U.hashing_trick("x y", 5, analyzer=lambda s: ["ab"], hash_function=len) == [3]


def test_skipgrams_match_keras_for_the_same_python_seed():
    random.seed(1234)
    assert list(U.skipgrams([1, 2, 0, 3, 4, 2], 6, window_size=2, seed=7)) == SEQ["skipgrams"]
    random.seed(99)
    got = U.skipgrams([1, 2, 3], 5, window_size=1, negative_samples=0.5, categorical=True, seed=3)
    assert list(got) == SEQ["skipgrams_cat"]
    got = U.skipgrams([1, 2, 3], 5, negative_samples=0, shuffle=False)
    assert [list(x) for x in got] == SEQ["skipgrams_noshuffle"]
    np.testing.assert_allclose(U.make_sampling_table(8), SEQ["sampling_table"], rtol=1e-12)


def _arr(rec):
    return np.asarray(rec["values"], dtype=rec["dtype"]).reshape(rec["shape"])


@pytest.mark.parametrize(
    "name, kw",
    [
        ("basic", dict(length=3, batch_size=2)),
        ("strided", dict(length=4, sampling_rate=2, stride=3, batch_size=2)),
        ("window", dict(length=2, start_index=1, end_index=7, reverse=True, batch_size=3)),
    ],
)
def test_timeseries_generator(name, kw):
    data, targets = np.arange(20).reshape(10, 2), np.arange(10) * 10
    gen = U.TimeseriesGenerator(data, targets, **kw)
    rec = SEQ[f"tsgen_{name}"]
    assert len(gen) == rec["len"]
    for i, (x, y) in enumerate(rec["batches"]):
        gx, gy = gen[i]
        np.testing.assert_array_equal(gx, _arr(x))
        np.testing.assert_array_equal(gy, _arr(y))
    assert [b[1].tolist() for b in gen] == [_arr(y).tolist() for _, y in rec["batches"]]


def test_timeseries_generator_shuffle_draws_numpy_global_stream():
    data, targets = np.arange(20).reshape(10, 2), np.arange(10) * 10
    np.random.seed(0)  # Keras draws the rows with np.random.randint too: same batches
    gen = U.TimeseriesGenerator(data, targets, length=2, shuffle=True, batch_size=4)
    for (x, y), (rx, ry) in zip((gen[0], gen[1]), SEQ["tsgen_shuffle"]):
        np.testing.assert_array_equal(x, _arr(rx))
        np.testing.assert_array_equal(y, _arr(ry))


def test_timeseries_generator_errors_and_training():
    assert SEQ["tsgen_error"] == "ValueError"
    with pytest.raises(ValueError, match="start_index\\+length=10 > end_index=9"):
        U.TimeseriesGenerator(np.zeros(10), np.zeros(10), length=10)
    with pytest.raises(ValueError, match="same length"):
        U.TimeseriesGenerator(np.zeros(10), np.zeros(9), length=2)
    gen = U.TimeseriesGenerator(
        np.arange(12, dtype="float32")[:, None],
        np.arange(12, dtype="float32"),
        length=3,
        batch_size=3,
    )
    model = tf.keras.Sequential(
        [tf.keras.Input((3, 1)), tf.keras.layers.Flatten(), tf.keras.layers.Dense(1)]
    )
    model.compile("sgd", "mse")
    hist = model.fit(gen, epochs=1, verbose=0)
    assert len(hist.history["loss"]) == 1
    assert model.predict(gen, verbose=0).shape == (9, 1)
