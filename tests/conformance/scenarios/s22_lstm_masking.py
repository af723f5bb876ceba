"""LSTM sequence classifier on padded sequences with Embedding(mask_zero=True)."""

import numpy as np

DESCRIPTION = (
    "Follows the TensorFlow/Keras 'Understanding masking & padding' guide "
    "(tensorflow.org/guide/keras/understanding_masking_and_padding) and the 'Text "
    "classification with an RNN' tutorial: post-padded integer sequences, "
    "Embedding(mask_zero=True), LSTM, Dense, fit/evaluate. SGD with momentum, not Adam, so "
    "that the Embedding's sparse gradient is applied the same way as a dense one."
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}

VOCAB = 12
MAXLEN = 7


def run(tf) -> dict:
    keras = tf.keras
    rng = np.random.RandomState(22)
    lengths = rng.randint(2, MAXLEN + 1, size=12)
    raw = [list(rng.randint(1, VOCAB, size=n)) for n in lengths]
    padded = np.zeros((len(raw), MAXLEN), dtype=np.int32)
    for i, seq in enumerate(raw):
        padded[i, : len(seq)] = seq
    labels = np.array([float(sum(s) % 2) for s in raw], dtype=np.float32)

    embedding = keras.layers.Embedding(input_dim=VOCAB, output_dim=4, mask_zero=True)
    lstm = keras.layers.LSTM(6)
    head = keras.layers.Dense(1)
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"), embedding, lstm, head])
    for layer in (embedding, lstm, head):
        layer.set_weights(
            [rng.randn(*w.shape).astype(np.float32) * 0.4 for w in layer.get_weights()]
        )

    mask = embedding.compute_mask(padded)
    masked_embedded = embedding(padded)

    # a padded sequence gives the same output as the unpadded one
    short = np.array([raw[0]], dtype=np.int32)
    out_short = model(short)
    out_padded = model(padded[:1])

    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)],
    )
    history = model.fit(padded, labels, batch_size=4, epochs=2, shuffle=False, verbose=0)
    loss, acc = model.evaluate(padded, labels, batch_size=4, verbose=0)
    preds = model.predict(padded[:3], verbose=0)
    return {
        "mask": np.asarray(mask),
        "mask_dtype": str(mask.dtype.name),
        "embedded_keras_mask_present": getattr(masked_embedded, "_keras_mask", None) is not None,
        "out_short": np.asarray(out_short),
        "out_padded": np.asarray(out_padded),
        "history_loss": np.array(history.history["loss"]),
        "history_binary_accuracy": np.array(history.history["binary_accuracy"]),
        "eval_loss": float(loss),
        "eval_accuracy": float(acc),
        "predict": np.asarray(preds),
    }
