"""Cheap, exact pre-tests that let a costly case-insensitive regex be skipped.

A pattern such as ``(?i)\\b(?:outperform|surpass|...)`` is tried by ``re`` at every
character of every sentence; most sentences hold none of its words. Looking the words up
with ``str.find`` in the folded text first is many times cheaper, and exact as long as the
folding is at least as loose as ``re.IGNORECASE``: besides the ASCII letters, it matches
U+0130 and U+0131 to i, U+017F to s and U+212A to k, which ``str.lower`` alone keeps apart.
"""
from __future__ import annotations

import re

_TO_ASCII = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_FOLDS = re.compile("[\u0130\u0131\u017f\u212a]")


def fold(text: str) -> str:
    """``text`` in lower case, of the same length, with the letters that ``re.IGNORECASE``
    matches to ASCII ones made those: a match of a case-insensitive ASCII word in ``text``
    is a plain substring of ``fold(text)`` at the same offset."""
    if _FOLDS.search(text):
        text = _FOLDS.sub(lambda m: _TO_ASCII[m.group()], text)
    low = text.lower()
    if len(low) != len(text):  # a letter whose lower case is longer: keep it as written
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low


def has_any(folded: str, words: tuple[str, ...]) -> bool:
    """Some word of ``words`` (lower-case ASCII) occurs in ``folded`` (see :func:`fold`)."""
    return any(w in folded for w in words)


def starts_of(folded: str, words: tuple[str, ...]) -> list[int]:
    """Every offset in ``folded`` where a word of ``words`` starts, in order."""
    out = []
    for w in words:
        at = folded.find(w)
        while at >= 0:
            out.append(at)
            at = folded.find(w, at + 1)
    return sorted(out)
