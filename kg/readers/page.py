"""The daily-papers listing page saved as text.

What the page looks like::

    new
    Get trending papers in your email inbox!
    Subscribe
    byAK and the research community
    Mar 17
    <title>
    <blank>
    <abstract paragraph>
    <blank lines>
    <title> ...

Lines that are page furniture (the header, dates, upvote counts, "Submitted by ...")
are dropped wherever they appear.  The rest is split into paragraphs (runs of non-blank
lines).  A paragraph is *title-like* when it is short (at most 300 characters and three
lines) and does not end with a period.  A title-like paragraph starts a record and the
next paragraph is its abstract; after the abstract, a paragraph that is not title-like
continues the abstract, and a title-like one starts the next record.  Two title-like
paragraphs in a row, the second followed by a long one, mean the first title has no
abstract (an issue); so does a title-like paragraph at the very end.

Non-UTF-8 bytes: a line that does not decode is kept, decoded with U+FFFD replacement
characters, and reported as an issue (the record is not skipped): dropping the line
would shift the title/abstract structure and lose a whole paper.
"""
from __future__ import annotations

import re
from typing import Iterator

from kg.model import Paper

from ._base import Ctx, collapse, iter_lines

TITLE_MAX = 300
MAX_PARAGRAPH = 1 << 20  # characters; an abstract is cut far shorter (``MAX_ABSTRACT``) anyway

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_NOISE = re.compile(
    r"""^(?:
        \d+(?:[.,]\d+)?\s*[kKmM]?                       # upvote / comment counts: 42, 1.2k
      | new | subscribe | upvotes? | upvoted | trending | daily\ papers | papers
      | load\ more | show\ more | show\ less | view\ all | see\ all | previous | next
      | collections | comments? | arxiv\ page | join\ the\ discussion
      | get\ trending\ papers\ in\ your\ email\ inbox!?
      | by\s?ak\ and\ the\ research\ community
      | submitted\ by\b.* | published\ on\b.*
      | \d+\s+(?:authors?|comments?|upvotes?)
      | [·•|\-–—]+
      | """ + _MONTH + r"""\s+\d{1,2}(?:,?\s+\d{4})?           # Mar 17, March 17, 2024
      | \d{1,2}\s+""" + _MONTH + r"""(?:,?\s+\d{4})?            # 17 Mar 2024
      | \d{4}-\d{2}-\d{2}
    )$""",
    re.I | re.X,
)


def is_noise(line: str) -> bool:
    """Page furniture: header lines, dates, counts, 'Submitted by ...'."""
    return bool(_NOISE.match(line))


def _paragraphs(ctx: Ctx, fh) -> Iterator[tuple[int, str, int]]:
    """(first line, collapsed text, number of lines) of each paragraph."""
    start = 0
    parts: list[str] = []
    size = 0  # characters in parts: a paragraph is cut at MAX_PARAGRAPH (memory stays flat)
    for n, text, problem in iter_lines(ctx, fh):
        if problem:
            ctx.issue(n, f"{problem}; kept with replacement characters", skipped=False)
        line = text.strip()
        if not line:
            if parts:
                yield start, collapse(" ".join(parts)), len(parts)
                parts, size = [], 0
            continue
        if is_noise(line):
            continue
        if not parts:
            start = n
        if size > MAX_PARAGRAPH:
            if size != MAX_PARAGRAPH + 1:
                ctx.issue(n, f"paragraph longer than {MAX_PARAGRAPH} characters; the rest of it "
                             "is dropped", skipped=False)
                size = MAX_PARAGRAPH + 1
            continue
        parts.append(line)
        size += len(line) + 1
    if parts:
        yield start, collapse(" ".join(parts)), len(parts)


def _title_like(text: str, nlines: int) -> bool:
    return len(text) <= TITLE_MAX and nlines <= 3 and not text.endswith(".")


def read_page(ctx: Ctx, fh) -> Iterator[Paper]:
    paras = _paragraphs(ctx, fh)
    title: tuple[int, str] | None = None  # (line, text)
    abstract: list[str] = []

    def finish() -> Paper | None:
        assert title is not None
        return ctx.paper(title[0], title=title[1], abstract=" ".join(abstract), label="paper")

    cur = next(paras, None)
    while cur is not None:
        nxt = next(paras, None)
        line, text, nlines = cur
        title_like = _title_like(text, nlines)
        if title is None:
            if title_like:
                title, abstract = (line, text), []
            else:
                ctx.issue(line, f"text before the first title, skipped: {text[:60]!r}")
        elif not abstract:
            if title_like and nxt is not None and not _title_like(nxt[1], nxt[2]):
                # two titles in a row, the second followed by its abstract
                p = finish()
                if p:
                    yield p
                title, abstract = (line, text), []
            else:
                abstract.append(text)
        elif title_like:
            p = finish()
            if p:
                yield p
            title, abstract = (line, text), []
        elif len(abstract) < 1000 and sum(map(len, abstract)) < MAX_PARAGRAPH:
            abstract.append(text)  # a further paragraph of the abstract
        cur = nxt
    if title is not None:
        p = finish()
        if p:
            yield p
