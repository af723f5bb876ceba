"""tf.strings against TF 2.21: results and errors recorded by
tests/fixtures/record_strings_vs_tf.py (regex classes, reduce_join's axis order, substr,
to_number, as_string, format's tensor summaries, hash buckets, segment joins, ngrams)."""

from __future__ import annotations

import pytest
from recorded_cases import check, load

CASES = load("strings_vs_tf.json")

# Errors whose class matches TF's but whose message is jtape's own wording.
OWN_MESSAGE = {
    'tf.strings.regex_replace(tf.constant(["abc"]), "(", "x")',
    'tf.strings.regex_full_match(tf.constant(["abc"]), "[")',
    "tf.strings.join([tf.constant([1])])",
    "tf.strings.to_number(tf.constant([1.0]))",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_tf(case):
    check(case, CASES[case], {}, message=case not in OWN_MESSAGE)


def test_docstring_examples():
    import doctest

    from jtape import _string_format, _string_regex
    from jtape.nn import _hashed_crossing

    for module in (_string_format, _string_regex, _hashed_crossing):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
