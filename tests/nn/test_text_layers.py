"""StringLookup / IntegerLookup / TextVectorization against Keras 3.15, and text pipelines.

Fixtures: tests/nn/fixtures/record_text_layers.py (run with /work/tfvenv/bin/python).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import jtape.compat as tf
from jtape._op_errors import InvalidArgumentError

keras = tf.keras
FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "text_layers_tf.json")
with open(FIXTURE, encoding="utf-8") as _f:
    TF = json.load(_f)
CORPUS, QUERY = TF["corpus"], TF["query"]


def host(x):
    if isinstance(x, tf.RaggedTensor):
        x = x.to_list()
    elif hasattr(x, "numpy"):
        x = x.numpy()
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, bytes):
        return x.decode("latin-1")
    if isinstance(x, list):
        return [host(v) for v in x]
    return x


def check(got, want):
    got = host(got)
    if isinstance(want, list) and np.asarray(want, dtype=object).size and _is_float(want):
        np.testing.assert_allclose(np.asarray(got, float), np.asarray(want, float), rtol=1e-5)
    else:
        assert got == want


def _is_float(x):
    while isinstance(x, list) and x:
        x = x[0]
    return isinstance(x, float)


@pytest.mark.parametrize(
    "case", sorted(k for k, v in TF["text_vectorization"].items() if "kwargs" in v)
)
def test_text_vectorization_matches_keras(case):
    rec = TF["text_vectorization"][case]
    layer = keras.layers.TextVectorization(**rec["kwargs"])
    layer.adapt(CORPUS)
    assert layer.get_vocabulary() == rec["vocab"]
    assert layer.vocabulary_size() == rec["size"]
    check(layer(tf.constant(QUERY)), rec["out"])
    if "value" in rec["out_scalar"]:
        check(layer(tf.constant(QUERY[0])), rec["out_scalar"]["value"])
    if "idf" in rec:
        check(layer._lookup_layer.idf_weights, rec["idf"])


def test_text_vectorization_dataset_adapt_given_and_set_vocabulary():
    rec = TF["text_vectorization"]
    layer = keras.layers.TextVectorization(output_sequence_length=6)
    layer.adapt(tf.data.Dataset.from_tensor_slices(CORPUS).batch(2))
    assert layer.get_vocabulary() == rec["from_dataset"]["vocab"]
    check(layer(QUERY), rec["from_dataset"]["out"])
    layer = keras.layers.TextVectorization(vocabulary=["cat", "dog", "the"])
    assert layer.get_vocabulary() == rec["given_vocab"]["vocab"]
    check(layer(np.array(QUERY)), rec["given_vocab"]["out"])
    layer = keras.layers.TextVectorization(output_mode="tf_idf")
    layer.set_vocabulary(["cat", "dog"], idf_weights=[0.5, 1.5])
    assert layer.get_vocabulary() == rec["set_vocab_tf_idf"]["vocab"]
    check(layer(tf.constant(QUERY)), rec["set_vocab_tf_idf"]["out"])
    check(layer._lookup_layer.idf_weights, rec["set_vocab_tf_idf"]["idf"])


def test_text_vectorization_callables():
    layer = keras.layers.TextVectorization(
        standardize=lambda s: tf.strings.regex_replace(s, "[aeiou]", ""),
        split=lambda s: tf.strings.split(s, sep="-"),
    )
    layer.adapt(["b-c-b", "dd-c"])
    assert layer.get_vocabulary() == ["", "[UNK]", "c", "b", "dd"]
    assert layer(["ab-x-dd"]).numpy().tolist() == [[3, 1, 4]]


LOOKUP_TOKENS = ["b", "a", "c", "a", "b", "d", "é", "é", "c", "[UNK]", ""]


@pytest.mark.parametrize("case", sorted(k for k, v in TF["string_lookup"].items() if "kwargs" in v))
def test_string_lookup_matches_keras(case):
    rec = TF["string_lookup"][case]
    layer = keras.layers.StringLookup(**rec["kwargs"])
    layer.adapt(LOOKUP_TOKENS)
    assert layer.get_vocabulary() == rec["vocab"]
    assert layer.get_vocabulary(include_special_tokens=False) == rec["vocab_plain"]
    assert layer.vocabulary_size() == rec["size"]
    for key, query in (("out", [["a", "z"], ["é", "b"]]), ("out_1d", ["a", "c", ""])):
        want = rec[key]
        if "error" in want:
            with pytest.raises(InvalidArgumentError, match="num_oov_indices=0"):
                layer(tf.constant(query))
        else:
            out = layer(tf.constant(query))
            # Keras 3.15: int64 for every mode but tf_idf (checked against Keras; see
            # tests/nn/test_text_layers_vs_keras.py for the recorded dtypes)
            expected_dtype = tf.float32 if layer.output_mode == "tf_idf" else tf.int64
            assert out.dtype == expected_dtype
            check(out, want["value"])


def test_string_lookup_invert_given_ragged_integer():
    rec = TF["string_lookup"]
    inv = keras.layers.StringLookup(vocabulary=["a", "b", "c"], invert=True)
    assert inv.get_vocabulary() == rec["invert"]["vocab"]
    check(inv(tf.constant([[0, 1], [3, 7]])), rec["invert"]["out"])
    inv = keras.layers.StringLookup(vocabulary=["a", "b", "c"], invert=True, mask_token="")
    assert inv.get_vocabulary() == rec["invert_mask"]["vocab"]
    check(inv(tf.constant([0, 1, 2, 4])), rec["invert_mask"]["out"])
    given = keras.layers.StringLookup(vocabulary=["[UNK]", "x", "y"])
    assert given.get_vocabulary() == rec["given_with_oov"]["vocab"]
    check(given(tf.constant(["y"])), rec["given_with_oov"]["out"])
    chars = tf.strings.unicode_split(tf.constant(["héllo", "hi"]), "UTF-8")
    ids_layer = keras.layers.StringLookup(vocabulary=list("ehilo"), mask_token=None)
    assert ids_layer.get_vocabulary() == rec["ragged"]["vocab"]
    check(ids_layer(chars), rec["ragged"]["ids"])
    with pytest.raises(ValueError, match="repeated"):
        keras.layers.StringLookup(vocabulary=["a", "a"])
    ints = keras.layers.IntegerLookup()
    ints.adapt([5, 5, 7, 9, 9, 9, 3, 3])
    assert ints.get_vocabulary() == rec["integer"]["vocab"]
    check(ints(tf.constant([5, 9, 1, 3])), rec["integer"]["out"])
    ints = keras.layers.IntegerLookup(vocabulary=[12, 36], num_oov_indices=2)
    assert ints.get_vocabulary() == rec["integer_oov2"]["vocab"]
    check(ints(tf.constant([12, 36, 7, 8])), rec["integer_oov2"]["out"])


def test_char_rnn_pipeline_trains():
    # TF's "Text generation with an RNN" tutorial, shrunk: unicode_split -> StringLookup
    # -> Dataset windows -> GRU training step.
    text = "the quick brown fox jumps over the lazy dog. " * 12
    vocab = sorted(set(text))
    ids_from_chars = keras.layers.StringLookup(vocabulary=list(vocab), mask_token=None)
    chars_from_ids = keras.layers.StringLookup(
        vocabulary=ids_from_chars.get_vocabulary(), invert=True, mask_token=None
    )
    all_ids = ids_from_chars(tf.strings.unicode_split(text, "UTF-8"))
    assert all_ids.dtype == tf.int64 and all_ids.shape == (len(text),)
    back = tf.strings.reduce_join(chars_from_ids(all_ids[:9]), axis=-1)
    assert back.numpy() == b"the quick"
    seq_length = 10

    def split_input_target(sequence):
        return sequence[:-1], sequence[1:]

    windows = tf.data.Dataset.from_tensor_slices(all_ids).batch(seq_length + 1, drop_remainder=True)
    dataset = windows.map(split_input_target).shuffle(64, seed=0).batch(8, drop_remainder=True)
    vocab_size = len(ids_from_chars.get_vocabulary())
    model = keras.Sequential(
        [
            keras.layers.Embedding(vocab_size, 8),
            keras.layers.GRU(16, return_sequences=True),
            keras.layers.Dense(vocab_size),
        ]
    )
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(0.03)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    losses = [float(train_step(x, y)) for _ in range(3) for x, y in dataset]
    assert losses[0] == pytest.approx(np.log(vocab_size), rel=0.1)  # uniform at the start
    assert np.mean(losses[-3:]) < 0.75 * losses[0]


def test_text_vectorization_classifier_fits():
    # Keras' "text classification from scratch", shrunk: adapt, vectorize in tf.data,
    # Embedding -> GlobalAveragePooling1D -> Dense, fit.
    good = ["a great movie!", "Great acting, great fun.", "loved it", "what a fun film"]
    bad = ["a terrible movie.", "Boring and awful!", "hated it", "what an awful film"]
    texts = good + bad
    labels = np.array([1.0] * 4 + [0.0] * 4, np.float32)
    vectorize = keras.layers.TextVectorization(max_tokens=40, output_sequence_length=6)
    vectorize.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(3))
    ds = tf.data.Dataset.from_tensor_slices((texts, labels)).shuffle(8, seed=1).batch(4)
    ds = ds.map(lambda x, y: (vectorize(x), y))
    x0, _ = next(iter(ds))
    assert x0.dtype == tf.int64 and x0.shape == (4, 6)
    tf.random.set_seed(0)
    model = keras.Sequential(
        [
            keras.layers.Embedding(vectorize.vocabulary_size(), 8),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(1),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.05),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(ds, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] == 1.0
    probe = vectorize(tf.constant(["great fun", "awful film"]))
    scores = model(probe).numpy().ravel()
    assert scores[0] > scores[1]


def test_host_layers_inside_function_and_clear_errors():
    vectorize = keras.layers.TextVectorization(output_sequence_length=3)
    vectorize.adapt(["a b", "b c"])
    embed = keras.layers.Embedding(10, 2)

    @tf.function
    def on_text(text):  # a string argument: vectorized at trace time
        return embed(vectorize(text))

    assert on_text(tf.constant(["a b"])).shape == (1, 3, 2)
    inverse = keras.layers.StringLookup(vocabulary=["a", "b"], invert=True)

    @tf.function
    def on_ids(ids):
        return inverse(ids + 1)

    with pytest.raises(TypeError, match="lookups run on the host"):
        on_ids(tf.constant([0]))
    with pytest.raises(NotImplementedError, match="tf.data pipeline"):
        keras.Input(shape=(1,), dtype="string")
    with pytest.raises(NotImplementedError, match="SipHash"):
        keras.layers.StringLookup(salt=1)
