"""Character-level RNN text generator: Embedding + GRU + Dense, custom train step."""

import numpy as np

DESCRIPTION = (
    "Follows the TensorFlow 'Text generation with an RNN' tutorial "
    "(tensorflow.org/text/tutorials/text_generation): character ids, GRU(return_sequences), "
    "SparseCategoricalCrossentropy(from_logits=True), a custom train step, greedy sampling."
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}

TEXT = "the cat sat on the mat. the dog sat on the log. a cat and a dog met."
SEQ = 8
EMBED = 6
UNITS = 10


def run(tf) -> dict:
    keras = tf.keras
    rng = np.random.RandomState(16)
    vocab = sorted(set(TEXT))
    char2idx = {c: i for i, c in enumerate(vocab)}
    ids = np.array([char2idx[c] for c in TEXT], dtype=np.int64)

    n_seq = (len(ids) - 1) // (SEQ + 1)
    chunks = ids[: n_seq * (SEQ + 1)].reshape(n_seq, SEQ + 1)
    inputs, targets = chunks[:, :-1], chunks[:, 1:]

    class CharModel(keras.Model):
        def __init__(self, vocab_size, embedding_dim, rnn_units):
            super().__init__()
            self.embedding = keras.layers.Embedding(vocab_size, embedding_dim)
            self.gru = keras.layers.GRU(rnn_units, return_sequences=True, return_state=True)
            self.dense = keras.layers.Dense(vocab_size)

        def call(self, inputs, states=None, return_state=False, training=False):
            x = self.embedding(inputs, training=training)
            if states is None:
                x, states = self.gru(x, training=training)
            else:
                x, states = self.gru(x, initial_state=states, training=training)
            x = self.dense(x, training=training)
            if return_state:
                return x, states
            return x

    model = CharModel(len(vocab), EMBED, UNITS)
    model(inputs[:1])
    for layer in (model.embedding, model.gru, model.dense):
        layer.set_weights(
            [rng.randn(*w.shape).astype(np.float32) * 0.3 for w in layer.get_weights()]
        )

    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(1e-2)

    @tf.function
    def train_step(inp, target):
        with tf.GradientTape() as tape:
            predictions = model(inp, training=True)
            loss = loss_fn(target, predictions)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss, predictions

    losses = []
    for _ in range(5):
        loss, preds = train_step(inputs, targets)
        losses.append(float(loss))

    # greedy generation, one character at a time, carrying the GRU state
    next_ids = tf.constant([[char2idx["t"]]])
    states = None
    generated = []
    for _ in range(6):
        logits, states = model(next_ids, states=states, return_state=True)
        logits = logits[:, -1, :]
        next_ids = tf.argmax(logits, axis=-1)[:, tf.newaxis]
        generated.append(int(next_ids[0, 0]))

    return {
        "vocab_size": len(vocab),
        "loss": np.array(losses),
        "predictions_shape": np.array(preds.shape.as_list()),
        "predictions_dtype": str(preds.dtype.name),
        "last_logits": np.asarray(logits),
        "state_after_generation": np.asarray(states),
        "generated_ids": np.array(generated, dtype=np.int64),
        "argmax_dtype": str(next_ids.dtype.name),
        "n_trainable": len(model.trainable_variables),
    }
