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

``path`` may also be ``-`` (standard input: the format is ``format``, else sniffed from
the first bytes; gzip is recognised by its magic number) or a directory (every file in it
and below whose name gives a format, in sorted order; hidden files are left out).
``mapping`` names the column (CSV) or key (JSON) of a field that is called something else:
``{"abstract": "Abstract Note"}``; the fields are ``MAP_FIELDS``.  Zotero CSV, Semantic
Scholar and OpenAlex JSON, CSL JSON and the arXiv snapshot are recognised as they are.

Everything streams: a file is read line by line (a BibTeX entry or an Atom entry at a
time), so a million abstracts take no more memory than one.  A bad record is skipped
with a ``ReadIssue`` ("path:line: message") passed to ``on_issue`` and kept in the
``ReadReport``; the rest of the input is still read.  ``InputError`` is for what makes a
whole input unusable: a missing file or unknown format (raised by the call itself), an
empty file or a CSV without title/abstract columns (raised when iteration reaches it).

Every paper gets one id whatever the format: its arXiv id without the version suffix
(from the id, an ``eprint``/``arxiv`` field, an arXiv DOI or an arxiv.org url) when it has
one, else its DOI (lower-cased, without ``https://doi.org/``), else the id the input gives
(the BibTeX key), else ``derived_id(title)`` (``derived_id(abstract, prefix="a-")`` for a
record with an abstract and no title, which is read with an empty title).  A BibTeX key
(or CSL / Better BibTeX citation key) that is not the id is kept as ``Paper.citekey``.  A repeated id within one input is skipped with an issue.
Text is whitespace-collapsed; ``tex`` (default: on for bibtex, atom and arxiv-snapshot,
off for the rest) removes TeX-only markup outside math (``\\emph{x}`` -> ``x``, braces,
accents); nothing else in the text changes.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import sys
from pathlib import Path
from typing import IO, Callable, Iterator

from kg.model import Paper

from ._base import (READ_ERRORS, Ctx, InputError, ReadIssue, ReadReport, derived_id,
                    open_binary, strip_arxiv_version)
from .atom import read_atom
from .bibtex import read_bibtex
from .delimited import FIELDS as _CSV_FIELDS, read_csv
from .jsonl import FIELDS as _JSON_FIELDS, SNAPSHOT_KEYS, read_jsonl
from .page import read_page

__all__ = ["FORMATS", "MAP_FIELDS", "InputError", "ReadIssue", "ReadReport", "check_input",
           "detect_format", "derived_id", "read_papers", "strip_arxiv_version"]

#: the fields a ``mapping`` (``--map FIELD=COLUMN``) may name
MAP_FIELDS = tuple(dict.fromkeys((*_CSV_FIELDS, *_JSON_FIELDS)))
STDIN = "-"

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
    except (ValueError, RecursionError, *READ_ERRORS):  # any JSON: the snapshot's is plain
        return False
    return False


def check_mapping(mapping: dict[str, str] | None) -> dict[str, str]:
    """``mapping`` checked: known fields, non-empty names.  Raises ``InputError``."""
    mapping = dict(mapping or {})
    for k, v in mapping.items():
        if k not in MAP_FIELDS:
            raise InputError(f"--map {k}=...: unknown field {k!r}; use one of {', '.join(MAP_FIELDS)}")
        if not isinstance(v, str) or not v.strip():
            raise InputError(f"--map {k}=...: give the column or key name after '='")
    return mapping


def check_input(path: str | os.PathLike, format: str | None = None) -> None:
    """Raise ``InputError`` now for what ``read_papers`` would refuse: a missing file, an
    unknown format, a directory without input files.  Reads nothing (but a JSON file's
    first line, to tell the snapshot)."""
    if format is not None and format not in FORMATS:
        raise InputError(f"{path}: unknown format {format!r}; use one of {', '.join(FORMATS)}")
    if str(path) == STDIN:
        return
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file or directory")
    if p.is_dir():
        if not _dir_files(p):
            raise InputError(f"{path}: no input files in this directory (names: "
                             f"{', '.join(sorted(_BY_SUFFIX))}, each optionally .gz)")
    elif format is None:
        detect_format(p)


def _dir_files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            f = Path(dirpath) / name
            if not name.startswith(".") and _suffix(f) in _BY_SUFFIX:
                out.append(f)
    return out


def read_papers(path: str | os.PathLike, format: str | None = None, report: ReadReport | None = None,
                on_issue: Callable[[ReadIssue], None] | None = None, *,
                tex: bool | None = None, mapping: dict[str, str] | None = None) -> Iterator[Paper]:
    """Papers from one input file, a directory of them, or standard input (``-``), lazily.

    ``format``: one of ``FORMATS`` (default: ``detect_format(path)``).  ``report`` collects
    counts and issues (give one to see them); ``on_issue`` is called with each issue as it
    happens.  ``tex``: light TeX clean-up (default by format, see the module doc).
    ``mapping``: field -> column or key name (``{"abstract": "Abstract Note"}``).
    Raises ``InputError`` at once for a missing file or an unknown format, and during
    iteration for an empty file or a CSV without an abstract column.
    """
    mapping = check_mapping(mapping)
    report = report if report is not None else ReadReport()
    check_input(path, format)
    if str(path) == STDIN:
        return _read_stdin(format, report, on_issue, tex, mapping)
    p = Path(path)
    if p.is_dir():
        return _read_dir(p, format, report, on_issue, tex, mapping)
    if format is None:
        format = detect_format(p)
    ctx = Ctx(str(path), report, on_issue, tex if tex is not None else format in TEX_BY_DEFAULT, mapping)
    return _read(p, format, ctx)


def _read_dir(root: Path, fmt, report, on_issue, tex, mapping) -> Iterator[Paper]:
    seen: dict[str, int | None] = {}  # ids are unique across the directory's files
    for f in _dir_files(root):
        ff = fmt or detect_format(f)
        ctx = Ctx(str(f), report, on_issue, tex if tex is not None else ff in TEX_BY_DEFAULT,
                  mapping, seen)
        try:
            yield from _read(f, ff, ctx)
        except InputError as exc:  # one empty or unusable file does not stop the directory
            ctx.issue(None, f"{exc}".removeprefix(f"{f}: ") + "; file skipped", skipped=False)


_SNIFF = 64 * 1024


class _Prefixed(io.RawIOBase):
    """A stream that gives ``head`` first, then the rest of ``fh`` (stdin after a peek)."""

    def __init__(self, head: bytes, fh: IO[bytes]) -> None:
        self.head, self.fh = head, fh

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self.head:
            n = min(len(b), len(self.head))
            b[:n], self.head = self.head[:n], self.head[n:]
            return n
        data = self.fh.read(len(b))
        n = len(data)
        b[:n] = data
        return n


def sniff_format(head: bytes) -> str:
    """The format of a stream from its first bytes (for standard input)."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith((b"{", b"[")):
        first = text.split(b"\n", 1)[0]
        try:
            obj = json.loads(first)
            if isinstance(obj, dict) and any(k in obj for k in SNAPSHOT_KEYS):
                return "arxiv-snapshot"
        except (ValueError, RecursionError):
            pass
        return "jsonl"
    if text.startswith(b"<"):
        return "atom"
    if text.startswith((b"@", b"%")):
        return "bibtex"
    first = text.split(b"\n", 1)[0].lower()
    if b"abstract" in first and (b"," in first or b"\t" in first):
        return "csv"
    return "page"


def _read_stdin(fmt, report, on_issue, tex, mapping) -> Iterator[Paper]:
    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:  # a text stream without bytes underneath
        raw = io.BytesIO(sys.stdin.read().encode("utf-8"))
    head = raw.read(_SNIFF) or b""
    stream: IO[bytes] = io.BufferedReader(_Prefixed(head, raw))
    if head[:2] == b"\x1f\x8b":
        stream = gzip.GzipFile(fileobj=stream)  # type: ignore[assignment]
        head = stream.peek(_SNIFF)[:_SNIFF] if hasattr(stream, "peek") else b""
    fmt = fmt or sniff_format(head)
    ctx = Ctx("<stdin>", report, on_issue, tex if tex is not None else fmt in TEX_BY_DEFAULT, mapping)
    return _read_stream(stream, fmt, ctx, tsv=False)


def _read(path: Path, fmt: str, ctx: Ctx) -> Iterator[Paper]:
    try:
        fh = open_binary(path)
    except OSError as exc:
        raise InputError(f"{ctx.name}: cannot open ({exc.strerror or exc})") from None
    yield from _read_stream(fh, fmt, ctx, tsv=_suffix(path) == ".tsv")


def _read_stream(fh: IO[bytes], fmt: str, ctx: Ctx, tsv: bool) -> Iterator[Paper]:
    with fh:
        if fmt == "page":
            papers = read_page(ctx, fh)
        elif fmt in ("jsonl", "arxiv-snapshot"):
            papers = read_jsonl(ctx, fh, snapshot=fmt == "arxiv-snapshot")
        elif fmt == "csv":
            papers = read_csv(ctx, fh, "\t" if tsv else None)
        elif fmt == "atom":
            papers = read_atom(ctx, fh)
        else:
            papers = read_bibtex(ctx, fh)
        yield from papers
    if not ctx.content and not ctx.stopped:
        raise InputError(f"{ctx.name}: empty file, no papers found")
    if ctx.read == 0 and ctx.issues == 0:
        ctx.issue(None, f"no papers found (read as {fmt})", skipped=False)
