"""Abbreviation definitions: "Direct Preference Optimization (DPO)" joins long and short form.

First the long form whose word initials spell the short form; else the Schwartz & Hearst
(2003) algorithm, as in scispaCy's abbreviation detector: for a
parenthesised short form, walk the characters of the short form backwards through the
words before the parenthesis; the long form starts at the word where the first character
of the short form is matched at a word start.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from .sentences import sentence_at, token_texts
from .shapes import is_name_like


@dataclass(frozen=True)
class Abbreviation:
    long: Span
    short: Span


def _is_short_form(text: str) -> bool:
    if not (2 <= len(text) <= 12) or " " in text.strip():
        return False
    if not text[0].isalnum():
        return False
    letters = [c for c in text if c.isalpha()]
    # at least one capital: "DPO", "CLOOB", "DeAL", "LbT", "IN2"; not "e.g." or "ours"
    return len(letters) >= 2 and any(c.isupper() for c in letters)


# words a long form may hold that give no letter to its acronym ("Internet of Things (IoT)")
_CONNECTORS = {"of", "for", "and", "in", "on", "with", "to", "the", "a", "an"}


def initials_long_form(short: str, window: str) -> int | None:
    """Start of the long form whose word initials spell ``short`` ("Proximal Policy
    Optimization (PPO)", "Low-Rank Adaptation (LoRA)", "Internet of Things (IoT)"), where
    Schwartz-Hearst would match letters inside words ("Policy Optimization")."""
    letters = [c.lower() for c in short if c.isalpha()]
    if not letters or any(c.isdigit() for c in short):
        return None
    words = list(re.finditer(r"[^\s\-\u2010\u2011/]+", window))
    li = len(letters) - 1
    for w in reversed(words):
        t = w.group().lower().lstrip("\"'(\u201c")
        if not t:
            return None
        if li >= 0 and t[0] == letters[li]:
            li -= 1
            if li < 0:
                return w.start() + (len(w.group()) - len(w.group().lstrip("\"'(\u201c")))
        elif t in _CONNECTORS:
            continue
        else:
            return None
    return None



def _find_long_form(short: str, candidate: str) -> int | None:
    """Start index in ``candidate`` of the long form that ``short`` abbreviates, or None."""
    s = [c.lower() for c in short if c.isalnum()]
    if not s:
        return None
    si, li = len(s) - 1, len(candidate) - 1
    lc = candidate.lower()
    while si >= 0:
        c = s[si]
        # the first character of the short form must start a word of the long form
        while li >= 0 and (lc[li] != c or (si == 0 and li > 0 and candidate[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        li -= 1
        si -= 1
    start = li + 1
    # back up to the start of the word that holds the match
    while start > 0 and candidate[start - 1].isalnum():
        start -= 1
    return start


def _positions(items: list[str], item: str) -> list[int]:
    """Indexes of ``item`` in ``items`` (list.index runs in C: most tokens are not it)."""
    out, i = [], -1
    try:
        while True:
            i = items.index(item, i + 1)
            out.append(i)
    except ValueError:
        return out


def find_abbreviations(doc: Doc) -> list[Abbreviation]:
    out: list[Abbreviation] = []
    texts = token_texts(doc)
    n = len(texts)
    for i in _positions(texts, "("):
        if i + 2 >= n:
            continue
        # "(DPO)" or "(IN2)"; allow "(DPO;" and "(DPO,"? keep it strict: one token then ")"
        close = i + 2
        if texts[close] not in (")", ";", ","):
            continue
        if texts[close] == "," and close + 1 < n and is_name_like(texts[close + 1]):
            continue  # "datasets and architectures (DiT, U-ViT, HDiT)": a list of names, no definition
        short = doc[i + 1: close]
        if not _is_short_form(short.text):
            continue
        sent_start = sentence_at(doc, i).start
        n_short = len([c for c in short.text if c.isalnum()])
        max_words = min(n_short + 5, n_short * 2)
        start_tok = max(sent_start, i - max_words)
        # do not cross punctuation that ends a phrase
        for j in range(i - 1, start_tok - 1, -1):
            if texts[j] in {",", ";", ":", "(", ")", "."} or texts[j].lower() in {"we", "our"}:
                start_tok = j + 1
                break
        if start_tok >= i:
            continue
        window = doc[start_tok: i]
        # word initials first ("Proximal Policy Optimization (PPO)"), else letters inside
        # words too ("Low-Rank Adaptation (LoRA)"), as Schwartz-Hearst
        offset = initials_long_form(short.text, window.text)
        if offset is None:
            offset = _find_long_form(short.text, window.text)
        if offset is None:
            continue
        char_start = window.start_char + offset
        long = doc.char_span(char_start, window.end_char, alignment_mode="expand")
        if long is None or len(long) == 0 or long.text.lower() == short.text.lower():
            continue
        # a long form of one word that already looks like the short form is not a definition
        if len(long) == 1 and len(long.text) <= len(short.text) + 2:
            continue
        out.append(Abbreviation(long=long, short=short))
    return out


_LIST_JOINS = {",", "and", "or", "&"}


def list_definitions(doc: Doc) -> dict[str, str]:
    """Acronyms a sentence spells out as a list of words, one word a letter: "process,
    voltage, and temperature (PVT)", "position, velocity, and timing (PVT)" (short form ->
    the list). Such an acronym names no artifact (its letters stand for several things), and
    is no known name that spells the same ("PVT", the Pyramid Vision Transformer)."""
    out: dict[str, str] = {}
    texts = token_texts(doc)
    n = len(texts)
    for i in _positions(texts, "("):
        if i + 2 >= n or texts[i + 2] != ")":
            continue
        short = texts[i + 1]
        if not (2 <= len(short) <= 6 and short.isalpha() and short.isupper()):
            continue
        letters = short.lower()
        li, j, commas = len(letters) - 1, i - 1, 0
        start = sentence_at(doc, i).start
        while li >= 0 and j >= start:
            t = texts[j]
            if not (t.isalpha() and t[0].lower() == letters[li]):
                break
            li -= 1
            j -= 1
            if li < 0:
                break
            joined = False  # the word before must be a join: ",", "and", ", and", "or"
            while j >= start and texts[j].lower() in _LIST_JOINS:
                commas += texts[j] == ","
                joined = True
                j -= 1
            if not joined:
                break
        if li < 0 and commas:
            out[short] = doc[j + 1:i].text
    return out
