"""``tf.keras.preprocessing.text``: ``Tokenizer`` and the hashing helpers."""

from __future__ import annotations

from ....nn.utils import Tokenizer as Tokenizer
from ....nn.utils import hashing_trick as hashing_trick
from ....nn.utils import one_hot as one_hot
from ....nn.utils import text_to_word_sequence as text_to_word_sequence
from ....nn.utils import tokenizer_from_json as tokenizer_from_json
from ..._missing import missing as _missing

__all__ = ["Tokenizer", "hashing_trick", "one_hot", "text_to_word_sequence", "tokenizer_from_json"]
__getattr__ = _missing("tf.keras.preprocessing.text")
