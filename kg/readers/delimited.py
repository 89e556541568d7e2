"""CSV and TSV with a header row.

Column names are case-insensitive: ``title``; ``abstract`` (or ``summary``); optional
``id``, ``date``, ``url``, ``authors``, ``doi``, ``arxiv`` (or ``eprint``) and ``citekey``.
``mapping`` (``--map abstract="Abstract Note"``) names the column of a field when it is
called something else.  Zotero's CSV export is recognised as it is (``Abstract Note``,
``Publication Year``, ``DOI``, ``Url``, ``Author`` as ``Last, First; ...``, an arXiv id in
``Extra`` or in an arxiv.org ``Url``, ``Citation Key`` when Better BibTeX adds it); its
``Key`` column is Zotero's item key, not an id, and is not used.  Quoted fields may hold newlines.  The delimiter
is a tab for ``.tsv`` files (or a header line with tabs and no commas), else a comma.
A record that contains a line which is not UTF-8 is skipped with an issue naming that line.
"""
from __future__ import annotations

import csv
import re
from typing import Iterator

from kg.model import Paper

from ._base import Ctx, InputError, iter_lines

COLUMNS = {
    "title": ("title",),
    "abstract": ("abstract", "summary", "abstract note"),
    "id": ("id", "paper_id", "arxiv_id", "key"),
    "date": ("date", "published", "year", "publication year"),
    "url": ("url", "link"),
    "authors": ("authors", "author"),
    "doi": ("doi",),
    "arxiv": ("arxiv", "eprint"),
    "citekey": ("citekey", "citation key", "citation_key"),
}
FIELDS = tuple(COLUMNS)  # what --map may name
_ZOTERO = ("item type", "abstract note")  # header columns that make a file Zotero's export
_EXTRA_ARXIV = re.compile(r"arxiv:\s*([^\s;]+)", re.I)


def _zotero_authors(value: str) -> list[str]:
    """'Hu, Edward J.; Shen, Yelong' -> ['Edward J. Hu', 'Yelong Shen']."""
    out = []
    for name in value.split(";"):
        last, sep, first = name.strip().partition(",")
        out.append(f"{first.strip()} {last.strip()}" if sep and first.strip() else last.strip())
    return [n for n in out if n]


def read_csv(ctx: Ctx, fh, delimiter: str | None = None) -> Iterator[Paper]:
    bad: dict[int, str] = {}  # line -> problem, for lines that were not UTF-8
    first = True
    delim = delimiter

    def text_lines() -> Iterator[str]:
        nonlocal first, delim
        for n, text, problem in iter_lines(ctx, fh):
            if problem:
                bad[n] = problem
            if first and text.strip():
                first = False
                if delim is None:
                    delim = "\t" if "\t" in text and "," not in text else ","
            yield text

    lines = text_lines()
    # find the header: the first non-blank line
    pending: list[str] = []
    for text in lines:
        pending.append(text)
        if text.strip():
            break
    if not ctx.content:
        return  # empty file: read_papers raises InputError
    reader = csv.reader(_chain(pending, lines), delimiter=delim or ",", strict=True)
    try:
        header: list[str] = []
        while not any(h.strip() for h in header):  # skip blank lines before the header
            header = next(reader)
    except csv.Error as exc:
        raise InputError(f"{ctx.name}:{reader.line_num}: cannot parse the CSV header ({exc})") from None
    except StopIteration:
        raise InputError(f"{ctx.name}: CSV has no header row (need 'title' and 'abstract' columns)") from None
    header_line = reader.line_num
    names = [h.strip().lower() for h in header]
    zotero = all(z in names for z in _ZOTERO)
    col: dict[str, int] = {}
    for field, aliases in COLUMNS.items():
        if field in ctx.mapping:
            aliases = (ctx.mapping[field].strip().lower(),)
            if aliases[0] not in names:
                found = ", ".join(repr(h) for h in header) or "none"
                raise InputError(f"{ctx.name}:{reader.line_num}: --map {field}={ctx.mapping[field]!r}: "
                                 f"no such column (columns found: {found})")
        elif zotero and field == "id":
            continue  # Zotero's Key is an item key of the library, not the paper's id
        for alias in aliases:
            if alias in names:
                col[field] = names.index(alias)
                break
    extra = names.index("extra") if zotero and "extra" in names else None
    missing = [f for f in ("abstract",) if f not in col]  # a title column is optional
    if missing:
        found = ", ".join(repr(h) for h in header) or "none"
        raise InputError(
            f"{ctx.name}:{header_line}: CSV has no {' or '.join(missing)} column "
            f"(columns found: {found}; need 'abstract' (or 'summary') and usually 'title', "
            f"or name them with --map, e.g. --map abstract=\"Abstract Note\")")
    width = len(header)
    last = reader.line_num
    while True:
        start = last + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if reader.line_num == last:
                break  # no progress: give up rather than loop
            ctx.issue(start, f"malformed CSV record ({exc}); skipped")
            last = reader.line_num
            continue
        end = reader.line_num
        last = end
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        bad_lines = [n for n in range(start, end + 1) if n in bad] if bad else []
        if bad_lines:
            for n in bad_lines[1:]:
                del bad[n]
            ctx.issue(bad_lines[0], f"{bad.pop(bad_lines[0])}; record skipped")
            continue
        if len(row) > width and not any(v.strip() for v in row[width:]):
            row = row[:width]
        if len(row) != width:
            ctx.issue(start, f"record has {len(row)} fields but the header has {width}; skipped")
            continue
        rec = {f: row[i] for f, i in col.items()}
        if zotero:
            if rec.get("authors"):
                rec["authors"] = _zotero_authors(rec["authors"])
            m = _EXTRA_ARXIV.search(row[extra]) if extra is not None else None
            if m and not rec.get("arxiv"):
                rec["arxiv"] = m.group(1)
        p = ctx.paper(start, **rec)
        if p:
            yield p


def _chain(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest
