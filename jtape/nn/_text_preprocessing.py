"""Keras' legacy text helpers: ``Tokenizer``, ``one_hot``, ``hashing_trick``.

Plain Python on host strings, as ``keras.preprocessing.text`` (Keras 3.15) computes
them: the same word splitting, the same ``word_index`` (by count, ties in first-seen
order, index 0 reserved) and the same ``to_json`` layout, so a tokenizer saved by
Keras loads here and the other way round.

Example:
    >>> from jtape.nn.utils import Tokenizer
    >>> tok = Tokenizer(oov_token="<unk>")
    >>> tok.fit_on_texts(["the cat", "the dog"])
    >>> tok.word_index
    {'<unk>': 1, 'the': 2, 'cat': 3, 'dog': 4}
    >>> tok.texts_to_sequences(["the bird"])
    [[2, 1]]
"""

from __future__ import annotations

import collections
import hashlib
import json
from collections.abc import Callable, Iterable

import numpy as np

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'

__all__ = ["Tokenizer", "hashing_trick", "one_hot", "text_to_word_sequence", "tokenizer_from_json"]


def text_to_word_sequence(
    input_text: str, filters: str = FILTERS, lower: bool = True, split: str = " "
) -> list[str]:
    """The words of ``input_text``: each character of ``filters`` becomes ``split``,
    then the text is split on ``split`` and empty pieces dropped.

    >>> text_to_word_sequence("Hello, World!")
    ['hello', 'world']
    """
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in input_text.split(split) if w]


def hashing_trick(
    text: str,
    n: int,
    hash_function: Callable | str | None = None,
    filters: str = FILTERS,
    lower: bool = True,
    split: str = " ",
    analyzer: Callable | None = None,
) -> list[int]:
    """Each word of ``text`` hashed to an index in ``[1, n)``: ``hash(w) % (n - 1) + 1``.

    ``hash_function=None`` is Python's ``hash`` (salted per process for strings unless
    ``PYTHONHASHSEED`` is set, as in Keras); ``"md5"`` is stable across processes.

    >>> hashing_trick("a b a", 10, "md5")
    [2, 5, 2]
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":

        def hash_function(w: str) -> int:
            return int(hashlib.md5(w.encode()).hexdigest(), 16)

    words = (
        analyzer(text)
        if analyzer is not None
        else text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    )
    return [hash_function(w) % (n - 1) + 1 for w in words]


def one_hot(
    input_text: str,
    n: int,
    filters: str = FILTERS,
    lower: bool = True,
    split: str = " ",
    analyzer: Callable | None = None,
) -> list[int]:
    """``hashing_trick`` with Python's ``hash`` (Keras' name; not a one-hot encoding)."""
    return hashing_trick(
        input_text,
        n,
        hash_function=hash,
        filters=filters,
        lower=lower,
        split=split,
        analyzer=analyzer,
    )


class Tokenizer:
    """Maps words (or characters) to integer ids by frequency.

    ``num_words`` keeps only ids below it when converting (``word_index`` keeps every
    word); ``oov_token`` takes id 1 and stands in for unknown or dropped words.
    """

    def __init__(
        self,
        num_words: int | None = None,
        filters: str = FILTERS,
        lower: bool = True,
        split: str = " ",
        char_level: bool = False,
        oov_token: str | None = None,
        analyzer: Callable | None = None,
        **kwargs,
    ) -> None:
        if "nb_words" in kwargs:
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        self.word_counts: dict = collections.OrderedDict()
        self.word_docs: dict = collections.defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs: dict = collections.defaultdict(int)
        self.word_index: dict = {}
        self.index_word: dict = {}
        self.analyzer = analyzer

    def _tokens(self, text) -> list:
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower, split=self.split)

    def fit_on_texts(self, texts: Iterable) -> None:
        """Count the words of ``texts`` (strings, or lists of tokens) and rebuild
        ``word_index``: most frequent first, ties in the order first seen."""
        for text in texts:
            self.document_count += 1
            seq = self._tokens(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        ranked = sorted(self.word_counts.items(), key=lambda kv: kv[1], reverse=True)
        vocab = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in ranked]
        self.word_index = {w: i for i, w in enumerate(vocab, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences) -> None:
        """Count document frequencies of ids (for ``sequences_to_matrix(mode="tfidf")``)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def _keep(self, i: int) -> bool:
        return not (self.num_words and i >= self.num_words)

    def texts_to_sequences_generator(self, texts: Iterable):
        """``texts_to_sequences`` one text at a time."""
        oov = self.word_index.get(self.oov_token)
        for text in texts:
            ids = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None and self._keep(i):
                    ids.append(i)
                elif self.oov_token is not None and (i is None or oov is not None):
                    ids.append(oov)
            yield ids

    def texts_to_sequences(self, texts: Iterable) -> list[list[int]]:
        """Each text as a list of ids (unknown words dropped, or ``oov_token``'s id)."""
        return list(self.texts_to_sequences_generator(texts))

    def sequences_to_texts_generator(self, sequences: Iterable):
        """``sequences_to_texts`` one sequence at a time."""
        oov = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for num in seq:
                w = self.index_word.get(num)
                if w is not None and self._keep(num):
                    words.append(w)
                elif self.oov_token is not None and (w is None or oov is not None):
                    words.append(self.index_word[oov])
            yield " ".join(words)

    def sequences_to_texts(self, sequences: Iterable) -> list[str]:
        """Id sequences back to space-joined words."""
        return list(self.sequences_to_texts_generator(sequences))

    def texts_to_matrix(self, texts, mode: str = "binary") -> np.ndarray:
        """``(len(texts), num_words)`` float64 rows; ``mode`` is binary/count/tfidf/freq."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode: str = "binary") -> np.ndarray:
        """Id sequences as ``(len, num_words)`` float64 rows (binary/count/tfidf/freq);
        ids at or above ``num_words`` are left out."""
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError(
                "Specify a dimension (`num_words` argument), or fit on some text data first."
            )
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        out = np.zeros((len(sequences), num_words))
        for row, seq in enumerate(sequences):
            if not seq:
                continue
            counts = collections.Counter(j for j in seq if j < num_words)
            for j, c in counts.items():
                if mode == "count":
                    out[row, j] = c
                elif mode == "freq":
                    out[row, j] = c / len(seq)
                elif mode == "binary":
                    out[row, j] = 1
                elif mode == "tfidf":
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    out[row, j] = (1 + np.log(c)) * idf
                else:
                    raise ValueError("Unknown vectorization mode:", mode)
        return out

    def get_config(self) -> dict:
        """The settings and counts, the count tables as JSON strings (Keras' layout)."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs) -> str:
        """The tokenizer as Keras' JSON (``tokenizer_from_json`` reads it back)."""
        return json.dumps(
            {"class_name": type(self).__name__, "config": self.get_config()}, **kwargs
        )


def tokenizer_from_json(json_string: str) -> Tokenizer:
    """A ``Tokenizer`` from ``Tokenizer.to_json()`` output (Keras' or jtape's)."""
    config = dict(json.loads(json_string).get("config"))
    word_counts = json.loads(config.pop("word_counts"))
    word_docs = json.loads(config.pop("word_docs"))
    index_docs = {int(k): v for k, v in json.loads(config.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop("index_word")).items()}
    word_index = json.loads(config.pop("word_index"))
    tok = Tokenizer(**config)
    tok.word_counts = word_counts
    tok.word_docs = word_docs
    tok.index_docs = index_docs
    tok.word_index = word_index
    tok.index_word = index_word
    return tok
