"""Input readers: every input format -> a lazy iterator of ``Paper``.

    report = ReadReport()
    for paper in read_papers("papers.jsonl.gz", report=report, on_issue=print):
        ...
    print(report.summary())

Formats (``FORMATS``), detected from the file name (``detect_format``), each also as ``.gz``:

==================  ============================  ===========================================
format              names                         what
==================  ============================  ===========================================
``page``            ``.txt``                      a daily-papers listing page saved as text
``jsonl``           ``.jsonl .ndjson .json``      one JSON object a line (or one JSON array)
``arxiv-snapshot``  (sniffed from ``.json[l]``)   the Kaggle arXiv metadata snapshot
``csv``             ``.csv .tsv``                 a header row with title and abstract columns
``atom``            ``.atom .xml``                an Atom feed as the arXiv API returns it
``bibtex``          ``.bib``                      BibTeX entries with an abstract field
==================  ============================  ===========================================

Everything streams: a file is read line by line (a BibTeX entry or an Atom entry at a
time), so a million abstracts take no more memory than one.  A bad record is skipped
with a ``ReadIssue`` ("path:line: message") passed to ``on_issue`` and kept in the
``ReadReport``; the rest of the input is still read.  ``InputError`` is for what makes a
whole input unusable: a missing file or unknown format (raised by the call itself), an
empty file or a CSV without title/abstract columns (raised when iteration reaches it).

Every paper gets a stable id: the one the input gives (arXiv ids without their version
suffix for Atom and the snapshot; the arXiv eprint or else the key for BibTeX), else
``derived_id(title)``.  A repeated id within one input is skipped with an issue.
Text is whitespace-collapsed; ``tex`` (default: on for bibtex, atom and arxiv-snapshot,
off for the rest) removes TeX-only markup outside math (``\\emph{x}`` -> ``x``, braces,
accents); nothing else in the text changes.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable, Iterator

from kg.model import Paper

from ._base import (READ_ERRORS, Ctx, InputError, ReadIssue, ReadReport, derived_id,
                    open_binary, strip_arxiv_version)
from .atom import read_atom
from .bibtex import read_bibtex
from .delimited import read_csv
from .jsonl import SNAPSHOT_KEYS, read_jsonl
from .page import read_page

__all__ = ["FORMATS", "InputError", "ReadIssue", "ReadReport", "detect_format", "derived_id",
           "read_papers", "strip_arxiv_version"]

FORMATS = ("page", "jsonl", "csv", "atom", "arxiv-snapshot", "bibtex")
TEX_BY_DEFAULT = frozenset({"bibtex", "atom", "arxiv-snapshot"})

_BY_SUFFIX = {
    ".txt": "page", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".csv": "csv", ".tsv": "csv", ".atom": "atom", ".xml": "atom", ".bib": "bibtex",
}


def _suffix(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return os.path.splitext(name)[1]


def detect_format(path: str | os.PathLike) -> str:
    """The format of ``path`` from its name (a trailing .gz is looked through).

    For JSON lines, the first record is looked at: arXiv snapshot keys
    (``update_date``, ``versions``, ``authors_parsed``) make it ``arxiv-snapshot``."""
    p = Path(path)
    fmt = _BY_SUFFIX.get(_suffix(p))
    if fmt is None:
        raise InputError(
            f"{path}: cannot tell the input format from the file name; use --format with one "
            f"of {', '.join(FORMATS)} (names: .txt, .jsonl, .ndjson, .json, .csv, .tsv, .atom, "
            f".xml, .bib, each optionally .gz)")
    if fmt == "jsonl" and _looks_like_snapshot(p):
        fmt = "arxiv-snapshot"
    return fmt


def _looks_like_snapshot(path: Path) -> bool:
    try:
        with open_binary(path) as fh:
            for _ in range(100):
                raw = fh.readline(1 << 20)
                if not raw:
                    return False
                if raw.strip():
                    obj = json.loads(raw)
                    return isinstance(obj, dict) and any(k in obj for k in SNAPSHOT_KEYS)
    except (ValueError, *READ_ERRORS):
        return False
    return False


def read_papers(path: str | os.PathLike, format: str | None = None, report: ReadReport | None = None,
                on_issue: Callable[[ReadIssue], None] | None = None, *,
                tex: bool | None = None) -> Iterator[Paper]:
    """Papers from one input file, lazily.

    ``format``: one of ``FORMATS`` (default: ``detect_format(path)``).  ``report`` collects
    counts and issues (give one to see them); ``on_issue`` is called with each issue as it
    happens.  ``tex``: light TeX clean-up (default by format, see the module doc).
    Raises ``InputError`` at once for a missing file or an unknown format, and during
    iteration for an empty file or a CSV without a title or abstract column.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a directory, not an input file")
    if format is None:
        format = detect_format(p)
    elif format not in FORMATS:
        raise InputError(f"{path}: unknown format {format!r}; use one of {', '.join(FORMATS)}")
    ctx = Ctx(str(path), report if report is not None else ReadReport(), on_issue,
              tex if tex is not None else format in TEX_BY_DEFAULT)
    return _read(p, format, ctx)


def _read(path: Path, fmt: str, ctx: Ctx) -> Iterator[Paper]:
    try:
        fh = open_binary(path)
    except OSError as exc:
        raise InputError(f"{ctx.name}: cannot open ({exc.strerror or exc})") from None
    with fh:
        if fmt == "page":
            papers = read_page(ctx, fh)
        elif fmt in ("jsonl", "arxiv-snapshot"):
            papers = read_jsonl(ctx, fh, snapshot=fmt == "arxiv-snapshot")
        elif fmt == "csv":
            delim = "\t" if _suffix(path) == ".tsv" else None
            papers = read_csv(ctx, fh, delim)
        elif fmt == "atom":
            papers = read_atom(ctx, fh)
        else:
            papers = read_bibtex(ctx, fh)
        yield from papers
    if not ctx.content and not ctx.stopped:
        raise InputError(f"{ctx.name}: empty file, no papers found")
    if ctx.read == 0 and ctx.issues == 0:
        ctx.issue(None, f"no papers found (read as {fmt})", skipped=False)
