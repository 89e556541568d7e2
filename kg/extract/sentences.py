"""Per-``Doc`` lookups computed once and kept in ``doc.user_data``: sentences, text, token texts.

``Token.sent`` and ``Span.sent`` walk the document's sentences on every call, which made
extraction quadratic in abstract length; ``doc.text`` rebuilds the string and ``doc[i].text``
makes a ``Token`` object on every access. Here each is computed once per ``Doc``.
"""
from __future__ import annotations

from bisect import bisect_right

from spacy.attrs import IDX, IS_PUNCT, ORTH
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc, Span, Token

_KEY = "kg_sentence_starts"


def _starts(doc: Doc) -> list[int]:
    starts = doc.user_data.get(_KEY)
    if starts is None:
        starts = _sentencizer_starts(token_texts(doc), doc.to_array(IS_PUNCT).tolist())
        doc.user_data[_KEY] = starts
    return starts


_PUNCT_CHARS = frozenset(Sentencizer.default_punct_chars)


def _sentencizer_starts(texts: list[str], is_punct: list[int]) -> list[int]:
    """Sentence starts by spaCy's Sentencizer rule (``Sentencizer.predict``): a sentence
    ends at a sentence-final character and the next starts at the first token after it that
    is no punctuation; computed on token arrays, without a ``Token`` object per token."""
    if not texts:
        return []
    starts = [0]
    n, after = len(texts), 0
    for i in [i for i, text in enumerate(texts) if text in _PUNCT_CHARS]:
        if i < after:
            continue  # within the punctuation that ended the last sentence
        k = i + 1
        while k < n and (is_punct[k] or texts[k] in _PUNCT_CHARS):
            k += 1
        if k < n:
            starts.append(k)
        after = k
    return starts


class Sentence:
    """A sentence's token range and character offsets: what the rules read of it, without a
    spaCy ``Span`` (making one per sentence was a visible share of extraction time)."""

    __slots__ = ("doc", "start", "end", "start_char", "end_char")

    def __init__(self, doc: Doc, start: int, end: int, start_char: int, end_char: int) -> None:
        self.doc, self.start, self.end = doc, start, end
        self.start_char, self.end_char = start_char, end_char

    @property
    def text(self) -> str:
        return text_of(self.doc)[self.start_char:self.end_char]


def sentence(obj: Token | Span) -> Sentence:
    """The sentence that holds a token or (the start of) a span."""
    return sentence_at(obj.doc, obj.i if isinstance(obj, Token) else obj.start)


def sentence_at(doc: Doc, i: int) -> Sentence:
    """The sentence that holds token ``i``."""
    return _sentence_list(doc)[bisect_right(_starts(doc), i) - 1]


def sentences(doc: Doc) -> list[Sentence]:
    return list(_sentence_list(doc))


def _sentence_list(doc: Doc) -> list[Sentence]:
    sents = doc.user_data.get("kg_sentences")
    if sents is None:
        starts = _starts(doc)
        texts = token_texts(doc)
        idx = doc.to_array(IDX).tolist()
        sents = [Sentence(doc, s, e, idx[s], idx[e - 1] + len(texts[e - 1]))
                 for s, e in zip(starts, starts[1:] + [len(doc)])]
        doc.user_data["kg_sentences"] = sents
    return sents


def text_of(doc: Doc) -> str:
    """``doc.text``, cached: spaCy rebuilds the string from the tokens on every access."""
    text = doc.user_data.get("kg_text")
    if text is None:
        text = doc.text
        doc.user_data["kg_text"] = text
    return text


def token_texts(doc: Doc) -> list[str]:
    """The text of each token, cached: reading ``doc[i].text`` makes a ``Token`` object per
    access, which was a large share of extraction time."""
    texts = doc.user_data.get("kg_token_texts")
    if texts is None:
        strings = doc.vocab.strings
        texts = [strings[o] for o in doc.to_array(ORTH).tolist()]
        doc.user_data["kg_token_texts"] = texts
    return texts

