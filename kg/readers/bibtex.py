"""BibTeX, read entry by entry: each entry is cut out of the stream here and parsed by
pybtex (a real BibTeX parser: ``@string`` macros joined with ``#``, the month macros,
nested braces, quoted values, ``@comment`` and ``@preamble``, names in all their forms).

Entries are collected from their ``@`` to their closing brace, so only one entry is ever
in memory; an entry whose braces never close is cut off where the next line starting with
``@type{`` begins, and reported.  Macro expansion is bounded: an entry or ``@string``
whose macros would expand to more than ``MAX_EXPANSION`` characters is skipped with an
issue (a few nested ``@string`` definitions can otherwise grow exponentially).

Paper fields: id = the arXiv id from ``eprint`` (version dropped), else the DOI, else the
entry key (see ``kg.readers``); the key is kept as ``Paper.citekey`` when it is not the id;
date = ``date``, else ``year`` (``-MM`` added from ``month``); url = ``url``, else
``https://doi.org/<doi>``, else the arXiv abstract page; authors with ``Last, First``
turned round and ``others`` dropped.  Text gets the light TeX clean-up, with ``~``
between words read as a space.
"""
from __future__ import annotations

import re
from typing import Iterator

from kg.model import Paper

from pybtex.database import BibliographyData
from pybtex.database.input.bibtex import DuplicateField, Parser as PybtexParser
from pybtex.exceptions import PybtexError

from ._base import Ctx, collapse, is_arxiv_id, iter_lines, strip_arxiv_version
from .tex import detex

_START = re.compile(r"@\s*([A-Za-z][\w-]*)\s*([{(])")
_LINE_START = re.compile(r"^\s*@\s*[A-Za-z][\w-]*\s*[{(]")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_MONTH_NUM = {**{m: i for i, m in enumerate(_MONTH_NAMES, 1)},
              **{m[:3]: i for i, m in enumerate(_MONTH_NAMES, 1)}}


class _Parser(PybtexParser):
    """pybtex's parser, raising every error but a duplicate field (the first value is kept,
    as BibTeX does)."""

    def handle_error(self, error) -> None:
        if isinstance(error, DuplicateField):
            return
        raise error


MAX_EXPANSION = 1 << 20  # characters an entry's macros may expand to
MAX_ENTRY = 16 * 1024 * 1024  # characters of one entry's text at most
_WORD = re.compile(r"[A-Za-z_][^\s=,{}()\"#%']*")
_LINE_IN_MSG = re.compile(r"^syntax error in line \d+:\s*")


def _entries(ctx: Ctx, fh) -> Iterator[tuple[int, str, tuple[int, str] | None]]:
    """(start line, entry text from '@' to its closing delimiter, problem) for each entry;
    problem is (line, message) for an entry that cannot be used."""
    buf: list[str] = []
    start = 0
    depth = 0
    closer = ""
    problem: tuple[int, str] | None = None
    size = 0  # characters in buf
    skipping = False  # inside an over-long entry, until a line starts a new one
    for n, text, bad in iter_lines(ctx, fh):
        pos = 0
        if skipping:
            if not _LINE_START.match(text):
                continue
            skipping = False
        if buf and depth > 0 and _LINE_START.match(text):
            # the open entry never closed; a new one starts here
            yield start, "".join(buf), (start, f"entry is not closed (unbalanced braces) before line {n}")
            buf, size = [], 0
        while pos < len(text):
            if not buf:
                m = _START.search(text, pos)
                if not m:
                    break
                start, depth, problem = n, 0, None
                closer = "}" if m.group(2) == "{" else ")"
                buf.append(text[m.start():m.end()])
                depth = 1
                pos = m.end()
            # scan for the end of the open entry
            i = pos
            while i < len(text):
                ch = text[i]
                if ch == "{":
                    depth += 1
                elif ch == "}" or (ch == ")" and closer == ")" and depth == 1):
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            if bad and problem is None:
                problem = (n, f"{bad} (in the entry starting at line {start})")
            if depth == 0:
                buf.append(text[pos:i + 1])
                yield start, "".join(buf), problem
                buf = []
                size = 0
                pos = i + 1
            else:
                buf.append(text[pos:])
                size += len(text) - pos
                if size > MAX_ENTRY:  # never closes: drop it, read on from the next entry
                    yield start, "", (start, f"entry longer than {MAX_ENTRY >> 20} MiB "
                                             "(unbalanced braces?)")
                    buf, size, skipping = [], 0, True
                break
    if buf:
        yield start, "".join(buf), (start, "entry is not closed (unbalanced braces) before the end of the file")


def _names(persons, tex: bool = True) -> list[str]:
    """pybtex persons -> 'First von Last Jr.' names; 'others' dropped."""
    out = []
    for person in persons:
        parts = [*person.first_names, *person.middle_names, *person.prelast_names,
                 *person.last_names, *person.lineage_names]
        name = collapse(" ".join(parts))
        if not name or name.lower() == "others":
            continue
        out.append(collapse(detex(name, ties=True)) if tex else name)
    return out


def _expansion(text: str, macros) -> int:
    """An upper bound of what the macros used in ``text`` add to it."""
    return sum(len(macros.get(w, "")) for w in _WORD.findall(text))


def _date(fields: dict[str, str]) -> str | None:
    if fields.get("date", "").strip():
        return collapse(fields["date"])
    year = collapse(fields.get("year", "").strip("{} "))
    if not year:
        return None
    month = collapse(fields.get("month", "")).strip("{} ").lower()
    num = int(month) if month.isdecimal() and month.isascii() and len(month) <= 2 \
        else _MONTH_NUM.get(month.rstrip("."))
    if num and re.fullmatch(r"\d{4}", year) and 1 <= num <= 12:
        return f"{year}-{num:02d}"
    return year


def read_bibtex(ctx: Ctx, fh) -> Iterator[Paper]:
    parser = _Parser()
    longest_macro = max(len(v) for v in parser.macros.values())
    for line, text, problem in _entries(ctx, fh):
        if problem:
            ctx.issue(problem[0], f"{problem[1]}; entry skipped")
            continue
        m = _START.match(text)
        if m and m.group(1).lower() in ("comment", "preamble"):
            continue  # ignored whole (pybtex would read an entry inside a @comment)
        if longest_macro * len(text) > MAX_EXPANSION and _expansion(text, parser.macros) > MAX_EXPANSION:
            ctx.issue(line, f"entry starting at line {line}: its macros expand to more than "
                            f"{MAX_EXPANSION} characters; skipped")
            continue
        parser.data = BibliographyData()
        try:
            parser.parse_string(text)
        except PybtexError as exc:
            rel = getattr(exc, "lineno", None)
            at = line + rel - 1 if isinstance(rel, int) and rel >= 1 else line
            msg = _LINE_IN_MSG.sub("", str(exc))
            ctx.issue(at, f"malformed BibTeX entry starting at line {line} ({msg}); skipped")
            continue
        if parser.macros:
            longest_macro = max(longest_macro, max(len(v) for v in parser.macros.values()))
        for key, entry in parser.data.entries.items():
            fields = entry.fields
            eprint = collapse(fields.get("eprint", ""))
            arxiv = strip_arxiv_version(eprint.removeprefix("arXiv:")) if eprint else ""
            if arxiv and not is_arxiv_id(arxiv) and fields.get("archiveprefix", "").lower() != "arxiv":
                arxiv = ""
            doi = collapse(fields.get("doi", ""))
            url = fields.get("url") or (f"https://doi.org/{doi}" if doi else None)
            if not url and arxiv:
                url = f"https://arxiv.org/abs/{arxiv}"
            label = f"entry {key!r}" if key else "entry"
            title, abstract = fields.get("title", ""), fields.get("abstract", "")
            if ctx.tex:
                title, abstract = detex(title, ties=True), detex(abstract, ties=True)
            d = {k.lower(): v for k, v in fields.items() if k.lower() in ("date", "year", "month")}
            p = ctx.paper(line, id=key, arxiv=arxiv or None, doi=doi or None, citekey=key or None,
                          title=title, abstract=abstract, date=_date(d), url=url,
                          authors=_names(entry.persons.get("author", ()), ctx.tex), label=label,
                          tex=False)
            if p:
                yield p
