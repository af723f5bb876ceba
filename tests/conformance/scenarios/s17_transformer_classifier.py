"""Small transformer text classifier: token + position embedding, attention, fit."""

import numpy as np

DESCRIPTION = (
    "Follows keras.io 'Text classification with Transformer' "
    "(keras.io/examples/nlp/text_classification_with_transformer): token and position "
    "embeddings, a transformer block, GlobalAveragePooling1D, fit. jtape has no "
    "MultiHeadAttention, so the block uses a hand-written single-head attention with tf ops."
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}

VOCAB = 20
MAXLEN = 6
EMBED = 8
FF = 12
N = 16


def run(tf) -> dict:
    keras = tf.keras
    rng = np.random.RandomState(17)

    class SingleHeadAttention(keras.layers.Layer):
        def __init__(self, dim, **kwargs):
            super().__init__(**kwargs)
            self.dim = dim
            self.query = keras.layers.Dense(dim)
            self.key = keras.layers.Dense(dim)
            self.value = keras.layers.Dense(dim)
            self.out = keras.layers.Dense(dim)

        def call(self, x):
            q, k, v = self.query(x), self.key(x), self.value(x)
            scores = tf.matmul(q, k, transpose_b=True) / tf.math.sqrt(float(self.dim))
            weights = tf.nn.softmax(scores, axis=-1)
            return self.out(tf.matmul(weights, v))

    class TransformerBlock(keras.layers.Layer):
        def __init__(self, embed_dim, ff_dim, **kwargs):
            super().__init__(**kwargs)
            self.att = SingleHeadAttention(embed_dim)
            self.ffn = keras.Sequential(
                [keras.layers.Dense(ff_dim, activation="relu"), keras.layers.Dense(embed_dim)]
            )
            self.layernorm1 = keras.layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = keras.layers.LayerNormalization(epsilon=1e-6)

        def call(self, inputs):
            out1 = self.layernorm1(inputs + self.att(inputs))
            return self.layernorm2(out1 + self.ffn(out1))

    class TokenAndPositionEmbedding(keras.layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.token_emb = keras.layers.Embedding(vocab_size, embed_dim)
            self.pos_emb = keras.layers.Embedding(maxlen, embed_dim)

        def call(self, x):
            maxlen = tf.shape(x)[-1]
            positions = self.pos_emb(tf.range(start=0, limit=maxlen, delta=1))
            return self.token_emb(x) + positions

    embedding = TokenAndPositionEmbedding(MAXLEN, VOCAB, EMBED)
    block = TransformerBlock(EMBED, FF)
    head = keras.layers.Dense(2)
    inputs = keras.Input(shape=(MAXLEN,), dtype="int32")
    x = embedding(inputs)
    x = block(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = head(x)
    model = keras.Model(inputs=inputs, outputs=outputs)

    leaves = [
        embedding.token_emb,
        embedding.pos_emb,
        block.att.query,
        block.att.key,
        block.att.value,
        block.att.out,
        block.ffn.layers[0],
        block.ffn.layers[1],
        head,
    ]
    for layer in leaves:
        layer.set_weights(
            [rng.randn(*w.shape).astype(np.float32) * 0.3 for w in layer.get_weights()]
        )

    x_train = rng.randint(1, VOCAB, size=(N, MAXLEN)).astype(np.int32)
    y_train = (x_train[:, 0] > VOCAB // 2).astype(np.int32)

    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    before = model.predict(x_train[:4], verbose=0)
    history = model.fit(x_train, y_train, batch_size=8, epochs=2, shuffle=False, verbose=0)
    loss, acc = model.evaluate(x_train, y_train, batch_size=8, verbose=0)
    after = model.predict(x_train[:4], verbose=0)
    return {
        "logits_before": np.asarray(before),
        "history_loss": np.array(history.history["loss"]),
        "history_accuracy": np.array(history.history["accuracy"]),
        "eval_loss": float(loss),
        "eval_accuracy": float(acc),
        "logits_after": np.asarray(after),
        "predict_dtype": str(after.dtype),
        "n_trainable": len(model.trainable_weights),
        "ln_gamma_after": np.asarray(block.layernorm2.gamma),
    }
