"""What every reader shares: issues and reports, line decoding, text clean-up, ids."""
from __future__ import annotations

import gzip
import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

from kg.model import Paper

from .tex import detex


class InputError(Exception):
    """A fatal problem with an input: missing, empty, unreadable, unknown format.

    The message names the file (and the line where one applies)."""


@dataclass(frozen=True)
class ReadIssue:
    """One problem in one input: a record skipped, a line that did not decode, ..."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass
class ReadReport:
    """What reading did: papers read, records skipped, and the issues found.

    One report may be shared by several ``read_papers`` calls; counts add up.
    ``issues`` keeps the first ``max_issues`` issues (``issue_count`` counts all), so a
    million bad lines cannot fill memory; pass ``on_issue`` to see every one as it happens.
    """

    read: int = 0
    skipped: int = 0
    issues: list[ReadIssue] = field(default_factory=list)
    issue_count: int = 0
    max_issues: int = 1000

    def add(self, issue: ReadIssue, *, skipped: bool = True) -> ReadIssue:
        """Record ``issue``; ``skipped`` says whether a record (or line) was dropped for it."""
        self.issue_count += 1
        if skipped:
            self.skipped += 1
        if len(self.issues) < self.max_issues:
            self.issues.append(issue)
        return issue

    def summary(self) -> str:
        s = f"read {self.read} paper{'s' if self.read != 1 else ''}"
        if self.skipped:
            s += f", skipped {self.skipped}"
        if self.issue_count:
            s += f" ({self.issue_count} issue{'s' if self.issue_count != 1 else ''})"
        return s


# ---- per-input state ----------------------------------------------------------------------


class Ctx:
    """State of one reading run: where issues go, which ids were seen, what was read."""

    def __init__(self, name: str, report: ReadReport, on_issue: Callable[[ReadIssue], None] | None,
                 tex: bool, mapping: dict[str, str] | None = None,
                 seen: dict[str, int | None] | None = None) -> None:
        # a file name that is not UTF-8 (bytes kept as surrogates) is shown with U+FFFD
        self.name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        self.mapping = mapping or {}  # field -> the column / key that holds it (--map)
        self.report = report
        self.on_issue = on_issue
        self.tex = tex
        self.seen: dict[str, int | None] = {} if seen is None else seen  # id -> first line
        self.read = 0
        self.issues = 0
        self.content = False  # saw any non-blank input
        self.stopped = False  # reading ended early on a read error

    def issue(self, line: int | None, message: str, *, skipped: bool = True) -> None:
        iss = self.report.add(ReadIssue(self.name, line, message), skipped=skipped)
        self.issues += 1
        if self.on_issue is not None:
            self.on_issue(iss)

    def paper(self, line: int | None, *, title: Any = None, abstract: Any = None, id: Any = None,
              date: Any = None, url: Any = None, authors: Any = (), label: str = "record",
              tex: bool | None = None, strip_version: bool = False, doi: Any = None,
              arxiv: Any = None, citekey: Any = None) -> Paper | None:
        """Validate and normalise one record; None (with an issue) if it must be skipped.

        The id is the paper's arXiv id (from ``arxiv``, a DOI of arXiv's, ``id`` or the url)
        when there is one, else its DOI (lower-cased), else ``id``, else derived from the
        title (or from the abstract when there is no title): see :func:`paper_id`."""
        tex = self.tex if tex is None else tex
        try:
            title = clean_text(title, tex, "title")
            abstract = clean_text(abstract, tex, "abstract")
        except TypeError as exc:
            self.issue(line, f"{label}: {exc}; skipped")
            return None
        if not title and not abstract:
            self.issue(line, f"{label} has no title and no abstract; skipped")
            return None
        if not abstract:
            self.issue(line, f"{label} has a title but no abstract (title: {_short(title)}); skipped")
            return None
        bad = _not_text(title=title, abstract=abstract, id=id, date=date, url=url, doi=doi,
                        arxiv=arxiv, citekey=citekey, authors=authors)
        if bad:
            self.issue(line, f"{label}: {bad}; skipped")
            return None
        if len(title) > MAX_TITLE:
            self.issue(line, f"{label}: title of {len(title)} characters cut to {MAX_TITLE}", skipped=False)
            title = truncate(title, MAX_TITLE)
        if len(abstract) > MAX_ABSTRACT:
            self.issue(line, f"{label}: abstract of {len(abstract)} characters cut to {MAX_ABSTRACT}",
                       skipped=False)
            abstract = truncate(abstract, MAX_ABSTRACT)
        given = "" if id is None or isinstance(id, (dict, list, bool)) else collapse(str(id))
        if given and strip_version:
            given = strip_arxiv_version(given)
        pid = paper_id(given, arxiv=_opt_str(arxiv), doi=_opt_str(doi), url=_opt_str(url))
        if not pid:
            pid = derived_id(title) if title else derived_id(abstract, prefix="a-")
        if pid in self.seen:
            first = self.seen[pid]
            at = f" (first seen at line {first})" if first is not None else ""
            self.issue(line, f"duplicate id {pid!r}{at}; skipped")
            return None
        self.seen[pid] = line
        key = _opt_str(citekey)
        paper = Paper(
            id=pid, title=title, abstract=abstract,
            date=_opt_str(date), url=_opt_str(url),
            authors=tuple(clean_text(a, tex, "author") for a in split_authors(authors) if a),
            source=f"{self.name}:{line}" if line is not None else self.name,
            citekey=key if key and key != pid else None,
        )
        self.read += 1
        self.report.read += 1
        return paper


#: Text kept of a title and of an abstract.  spaCy refuses a text over 1,000,000 characters,
#: and extraction time grows faster than the length (100,000 characters of abstract take
#: 45 s), so kg cuts far below: the longest abstract of 100,000 arXiv cs papers has 3,241
#: characters and the longest title 233.  A longer field is cut with a warning.
MAX_TITLE = 2_000
MAX_ABSTRACT = 50_000
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def truncate(text: str, n: int) -> str:
    """``text`` cut to at most ``n`` characters, at a space when there is one near the end."""
    if len(text) <= n:
        return text
    cut = text.rfind(" ", n // 2, n + 1)
    return text[:cut if cut > 0 else n].rstrip()


def _not_text(**fields: Any) -> str | None:
    """What makes a record unwritable: a lone surrogate (JSON's ``"\\ud800"``), which no
    UTF-8 output can hold.  None when every text field is fine."""
    for name, v in fields.items():
        values = v if isinstance(v, (list, tuple)) else (v,)
        for x in values:
            if isinstance(x, dict):
                x = x.get("name")
            if isinstance(x, str) and _SURROGATE.search(x):
                ch = _SURROGATE.search(x).group(0)
                return f"{name} holds a lone surrogate (\\u{ord(ch):04x}), which is not text"
            if name in ("title", "abstract") and isinstance(x, str) and "\\u" in x:
                m = _SURROGATE_ESCAPE.search(x)
                if m:  # the extractor reads "\u2019" left in a text as the character it names
                    return (f"{name} holds a UTF-16 surrogate written as an escape ({m.group(0)}), "
                            "which is not text")
    return None


def _short(title: str, n: int = 60) -> str:
    return repr(title if len(title) <= n else title[: n - 3] + "...")


def _opt_str(v: Any) -> str | None:
    if v is None or isinstance(v, (dict, list, bool)):
        return None
    s = collapse(str(v))
    return s or None


# ---- text ---------------------------------------------------------------------------------

def collapse(text: str) -> str:
    """Runs of whitespace (newlines and other Unicode spaces included) -> one space; stripped."""
    return " ".join(text.split())


def clean_text(value: Any, tex: bool, what: str = "field") -> str:
    """A field value as Paper text: whitespace collapsed, light TeX clean-up if ``tex``."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise TypeError(f"{what} is not text (got {type(value).__name__})")
    if tex and ("\\" in value or "{" in value or "}" in value):
        value = detex(value)
    return collapse(value)


_AUTHOR_SPLIT = re.compile(r"\s*;\s*")
_AUTHOR_SPLIT_COMMA = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


def split_authors(value: Any) -> list[str]:
    """A list of names, or one string separated by ';' or by ',' and ' and '."""
    if value is None or value == ():
        return []
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return []
        parts = _AUTHOR_SPLIT.split(value) if ";" in value else _AUTHOR_SPLIT_COMMA.split(value)
        return [p for p in parts if p]
    if isinstance(value, (list, tuple)):
        out = []
        for a in value:
            if isinstance(a, dict):  # {"name": ...}
                a = a.get("name")
            if isinstance(a, str) and a.strip():
                out.append(a)
        return out
    return []


# ---- ids ----------------------------------------------------------------------------------

ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7})(v\d+)?$")
_ARXIV_IN_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(.+?)(?:\.pdf)?/?$", re.I)


def derived_id(title: str, *, prefix: str = "t-") -> str:
    """An id from the title: 't-' + 12 hex of sha1 of the NFC, case-folded,
    whitespace-collapsed title.  Rebuilding gives the same id.  (A record without a
    title gets ``derived_id(abstract, prefix="a-")``.)"""
    norm = collapse(unicodedata.normalize("NFC", title)).casefold()
    return prefix + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:12]


_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.I)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)
_ARXIV_PREFIX = re.compile(r"^arxiv:\s*", re.I)


def normalise_doi(value: str | None) -> str | None:
    """'https://doi.org/10.1145/ABC' or 'doi:10.1145/abc' -> '10.1145/abc' (None if not a DOI)."""
    if not value:
        return None
    d = _DOI_PREFIX.sub("", collapse(value))
    d = d.lower()
    return d if _DOI.match(d) else None


def normalise_arxiv(value: str | None) -> str | None:
    """'arXiv:2106.09685v2', 'https://arxiv.org/abs/2106.09685', '10.48550/arXiv.2106.09685'
    -> '2106.09685' (None if the value names no arXiv paper)."""
    if not value:
        return None
    v = collapse(value)
    if "arxiv.org/" in v.lower():
        return arxiv_id_from_url(v)
    m = _ARXIV_DOI.match(_DOI_PREFIX.sub("", v))
    if m:
        v = m.group(1)
    v = _ARXIV_PREFIX.sub("", v)
    return strip_arxiv_version(v) if ARXIV_ID.match(v) else None


def paper_id(given: str | None, *, arxiv: str | None = None, doi: str | None = None,
             url: str | None = None) -> str:
    """One id for a paper, whatever format it was read from: the normalised arXiv id (from
    ``arxiv``, an arXiv DOI or an arXiv id given as the id), else the normalised DOI (from
    ``doi`` or the given id), else ``given`` as it is; with no id given at all, the arXiv id
    or DOI of an arxiv.org / doi.org ``url``; else '' (the caller derives one)."""
    a = normalise_arxiv(arxiv) or normalise_arxiv(doi) or normalise_arxiv(given)
    if a:
        return a
    d = normalise_doi(doi) or normalise_doi(given)
    if d:
        return d
    if given:
        return given
    if url:
        low = url.lower()
        if "arxiv.org/" in low:
            return normalise_arxiv(url) or ""
        if "doi.org/" in low:
            return normalise_doi(url) or ""
    return ""


def strip_arxiv_version(pid: str) -> str:
    """'2401.01234v2' -> '2401.01234', 'hep-th/9901001v1' -> 'hep-th/9901001'; other ids unchanged."""
    m = ARXIV_ID.match(pid)
    if m and m.group(1):
        return pid[: m.start(1)]
    return pid


def arxiv_id_from_url(url: str) -> str | None:
    """'http://arxiv.org/abs/2401.01234v2' -> '2401.01234' (None if not an arXiv abs/pdf url)."""
    m = _ARXIV_IN_URL.search(url.strip())
    if not m:
        return None
    pid = m.group(1)
    return strip_arxiv_version(pid) if ARXIV_ID.match(pid) else None


def is_arxiv_id(pid: str) -> bool:
    return bool(ARXIV_ID.match(pid))


# ---- files and lines ----------------------------------------------------------------------

READ_ERRORS = (OSError, EOFError, zlib.error)


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes; through gzip if the name ends in .gz."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


#: the longest line read whole; a longer one (a stream without newlines) is skipped with an
#: issue, read through in pieces, so memory stays bounded whatever the input
MAX_LINE = 64 * 1024 * 1024
_PIECE = 1024 * 1024


def iter_raw(ctx: Ctx, fh: IO[bytes] | Iterable[bytes], *,
             pieces: bool = False) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) for each line.  A read error (a truncated or corrupt gzip
    stream) ends the lines with an issue, or with ``InputError`` if nothing could be read.

    A line is read whole up to ``MAX_LINE`` bytes; a longer one is skipped with an issue
    (read through in pieces, never held whole).  ``pieces=True`` (for a parser fed bytes,
    which needs no lines) gives it instead, in pieces of ``_PIECE`` bytes sharing its number."""
    n = 0
    readline = getattr(fh, "readline", None)
    if readline is None:  # a plain iterable of lines (tests, a body split by the caller)
        def readline(limit: int, _it=iter(fh)) -> bytes:
            return next(_it, b"")
    while True:
        try:
            raw = readline(_PIECE if pieces else MAX_LINE + 1)
            if not raw:
                return
            n += 1
            if pieces:
                yield n, raw
                while not raw.endswith(b"\n"):
                    raw = readline(_PIECE)
                    if not raw:
                        return
                    yield n, raw
                continue
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                if not ctx.content and raw.strip():
                    ctx.content = True
                size = len(raw)
                while raw and not raw.endswith(b"\n"):  # read through the rest of the line
                    raw = readline(_PIECE)
                    size += len(raw)
                ctx.issue(n, f"line longer than {MAX_LINE >> 20} MiB ({size} bytes, no line break); "
                             "line skipped")
                continue
        except READ_ERRORS as exc:
            if n == 0:
                raise InputError(f"{ctx.name}: cannot read ({exc})") from None
            ctx.issue(n + 1, f"cannot read past this point ({exc}); stopped reading this file")
            ctx.stopped = True
            return
        yield n, raw


_LONE_CR = re.compile(r"(?<=\r)(?!\n)")


def iter_lines(ctx: Ctx, fh: Iterable[bytes]) -> Iterator[tuple[int, str, str | None]]:
    """(line number, text with its line ending, problem) for each line.

    Any line ending is a line ending: LF, CRLF, and a CR alone (old Mac files, some
    Windows exports), which counts as a line of its own.  ``problem`` is None for a clean
    line.  A line that is not UTF-8 comes back decoded with U+FFFD replacement characters
    and ``problem`` saying which byte failed; the caller decides whether to skip the line
    or keep it.  A leading byte-order mark is dropped.
    """
    n = 0
    for raw_n, raw in iter_raw(ctx, fh):
        problem = None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = raw.decode("utf-8", "replace")
            problem = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1} of the line)"
        if raw_n == 1 and text.startswith("\ufeff"):
            text = text[1:]
        if not ctx.content and text.strip():
            ctx.content = True
        cr = text.find("\r")
        if cr != -1 and cr != len(text) - 2 or text.endswith("\r") and "\r" in text[:-1]:
            parts = [x for x in _LONE_CR.split(text) if x]
        else:
            parts = (text,)
        for part in parts:
            n += 1
            yield n, part, problem
