"""RE2 patterns (TF's regex engine) as Python ``re`` patterns with RE2's meaning.

TF's regex ops run RE2 on UTF-8 text; jtape runs Python's ``re`` on the text decoded
with ``surrogateescape`` (a byte that is not UTF-8 becomes a lone surrogate). The two
engines share most syntax but differ where it matters silently:

- ``\\d \\w \\s \\b`` are ASCII in RE2 (``\\w`` does not match ``é``), Unicode in ``re``;
- ``$`` is the end of the text in RE2, before a final newline too in ``re``;
- ``.`` and ``[^...]`` never match a byte that is not UTF-8 in RE2;
- RE2 has POSIX classes (``[[:alpha:]]``), ``\\z``, ``\\Q...\\E`` and ``\\x{...}``;
- RE2 refuses lookarounds, backreferences, ``\\Z``, ``\\u`` and ``(?<name>``, which ``re``
  would run.

:func:`translate` rewrites the first four and raises TF's error for the last; Unicode
classes (``\\pL``) and ``\\C`` raise NotImplementedError.
"""

from __future__ import annotations

import re

from ._op_errors import InvalidArgumentError

_WORD = "0-9A-Za-z_"
_ESCAPES = {"d": "0-9", "w": _WORD, "s": "\\t\\n\\f\\r "}
# A byte that is not UTF-8, as surrogateescape decodes it: RE2 matches it only literally.
_BAD_BYTES = "\\udc80-\\udcff"
_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\x0b\\f\\r ",
    "upper": "A-Z",
    "word": _WORD,
    "xdigit": "0-9A-Fa-f",
}
_BOUNDARY = f"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))"
_NOT_BOUNDARY = f"(?:(?<=[{_WORD}])(?=[{_WORD}])|(?<![{_WORD}])(?![{_WORD}]))"


def _invalid(pattern: str, why: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"Invalid pattern: {pattern}, error: {why}")


def _unsupported(pattern: str, op: str) -> NotImplementedError:
    return NotImplementedError(
        f"tf.strings.{op}: pattern {pattern!r} uses RE2 syntax (Unicode classes \\p, \\C, "
        "a negated escape inside [...]) that jtape's Python `re` engine does not have; "
        "spell it with explicit character ranges"
    )


def _hex_escape(pattern: str, i: int) -> tuple[str, int]:
    """``\\x{HHHH}`` (RE2) at ``pattern[i]`` == 'x' as Python's ``\\UHHHHHHHH``."""
    end = pattern.find("}", i)
    if end < 0:
        raise _invalid(pattern, "invalid escape sequence: \\x{")
    code = int(pattern[i + 2 : end], 16)
    return f"\\U{code:08x}", end + 1


def translate(pattern: str, op: str) -> str:
    """RE2 ``pattern`` as a Python ``re`` pattern matching the same strings.

    Example:
        >>> translate(r"\\d+$", "regex_replace")
        '[0-9]+\\\\Z'
    """
    multiline = re.search(r"\(\?[a-zA-Z]*m", pattern) is not None
    dotall = re.search(r"\(\?[a-zA-Z]*s", pattern) is not None
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise _invalid(pattern, "trailing \\")
            e = pattern[i + 1]
            if e in "pPC":
                raise _unsupported(pattern, op)
            if e == "Q":
                end = pattern.find("\\E", i + 2)
                end = n if end < 0 else end
                out.append(re.escape(pattern[i + 2 : end]))
                i = end + 2
                continue
            if e == "x" and i + 2 < n and pattern[i + 2] == "{":
                text, i = _hex_escape(pattern, i + 1)
                out.append(text)
                continue
            if e.lower() in _ESCAPES:
                body = _ESCAPES[e.lower()]
                if in_class:
                    if e.isupper():
                        raise _unsupported(pattern, op)
                    out.append(body)
                else:
                    out.append(f"[^{body}]" if e.isupper() else f"[{body}]")
            elif e in "bB" and not in_class:
                out.append(_BOUNDARY if e == "b" else _NOT_BOUNDARY)
            elif e == "z":
                out.append("\\Z")
            elif e == "Z":
                raise _invalid(pattern, "invalid escape sequence: \\Z")
            elif e in "uUN" or (e in "123456789" and not in_class):
                raise _invalid(pattern, f"invalid escape sequence: \\{e}")
            else:
                out.append(c + e)
            i += 2
            continue
        if in_class:
            if pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                name = pattern[i + 2 : end] if end > 0 else ""
                if name not in _POSIX:
                    raise _invalid(pattern, f"invalid character class range: [:{name}:]")
                out.append(_POSIX[name])
                i = end + 2
                continue
            if c == "]":
                in_class = False
                out.append(c)
            elif c in "&~|" and pattern[i + 1 : i + 2] == c:
                out.append("\\" + c)  # literal in RE2; a future set operation in `re`
            elif c == "[":
                out.append("\\[")
            else:
                out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            j = i + 1
            negated = pattern[j : j + 1] == "^"
            j += negated
            out.append("[^" + _BAD_BYTES if negated else "[")
            if pattern[j : j + 1] == "]":  # a leading ']' is literal
                out.append("\\]")
                j += 1
            i = j
            continue
        if c == "(" and pattern.startswith("(?", i):
            rest = pattern[i + 2 : i + 4]
            if rest[:1] in "=!" or rest in ("<=", "<!") or pattern.startswith("(?P=", i):
                raise _invalid(pattern, "invalid perl operator: (?" + rest[:1])
            if rest[:1] == "<":  # TF's RE2 names groups (?P<name>...) only
                raise _invalid(pattern, "invalid perl operator: (?<")
        if c == ".":
            out.append("[^" + _BAD_BYTES + "]" if dotall else "[^\\n" + _BAD_BYTES + "]")
        elif c == "$" and not multiline:
            out.append("\\Z")
        else:
            out.append(c)
        i += 1
    return "".join(out)
