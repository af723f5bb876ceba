"""``tf.strings``: the string ops of ``jtape.strings`` under TensorFlow's names."""

from .._string_ops import as_string as as_string
from .._string_ops import bytes_split as bytes_split
from .._string_ops import format as format  # noqa: A004 - TF's name
from .._string_ops import join as join
from .._string_ops import length as length
from .._string_ops import lower as lower
from .._string_ops import ngrams as ngrams
from .._string_ops import reduce_join as reduce_join
from .._string_ops import regex_full_match as regex_full_match
from .._string_ops import regex_replace as regex_replace
from .._string_ops import split as split
from .._string_ops import strip as strip
from .._string_ops import substr as substr
from .._string_ops import to_hash_bucket_fast as to_hash_bucket_fast
from .._string_ops import to_hash_bucket_strong as to_hash_bucket_strong
from .._string_ops import to_number as to_number
from .._string_ops import unicode_decode as unicode_decode
from .._string_ops import unicode_encode as unicode_encode
from .._string_ops import unicode_split as unicode_split
from .._string_ops import unsorted_segment_join as unsorted_segment_join
from .._string_ops import upper as upper
from ._missing import missing

__all__ = [
    "as_string",
    "bytes_split",
    "format",
    "join",
    "length",
    "lower",
    "ngrams",
    "reduce_join",
    "regex_full_match",
    "regex_replace",
    "split",
    "strip",
    "substr",
    "to_hash_bucket_fast",
    "to_hash_bucket_strong",
    "to_number",
    "unicode_decode",
    "unicode_encode",
    "unicode_split",
    "unsorted_segment_join",
    "upper",
]

__getattr__ = missing("tf.strings")
