"""Sentence lookup in O(log n).

``Token.sent`` and ``Span.sent`` walk the document's sentences on every call, which made
extraction quadratic in abstract length. The boundaries are computed once per ``Doc`` and
kept in ``doc.user_data``.
"""
from __future__ import annotations

from bisect import bisect_right

from spacy.tokens import Doc, Span, Token

_KEY = "kg_sentence_starts"


def _starts(doc: Doc) -> list[int]:
    starts = doc.user_data.get(_KEY)
    if starts is None:
        starts = [s.start for s in doc.sents]
        doc.user_data[_KEY] = starts
    return starts


def sentence(obj: Token | Span) -> Span:
    """The sentence that holds a token or (the start of) a span."""
    doc = obj.doc
    i = obj.i if isinstance(obj, Token) else obj.start
    starts = _starts(doc)
    k = bisect_right(starts, i) - 1
    end = starts[k + 1] if k + 1 < len(starts) else len(doc)
    return doc[starts[k]:end]


def sentences(doc: Doc) -> list[Span]:
    starts = _starts(doc)
    ends = starts[1:] + [len(doc)]
    return [doc[s:e] for s, e in zip(starts, ends)]


def text_of(doc: Doc) -> str:
    """``doc.text``, cached: spaCy rebuilds the string from the tokens on every access."""
    text = doc.user_data.get("kg_text")
    if text is None:
        text = doc.text
        doc.user_data["kg_text"] = text
    return text
