"""JSON lines (one object a line), a JSON array of objects, and the Kaggle arXiv snapshot.

Keys (case-insensitive): ``title``; ``abstract`` (or ``summary``); optional ``id``,
``date``, ``url``, ``authors`` (a list of names, of ``{"name": ...}`` or of CSL
``{"family": ..., "given": ...}``, or one string separated by ``;`` or by ``,``/``and``),
``doi``, ``arxiv`` / ``eprint`` and ``citekey``.  ``mapping`` (``--map field=key``) names
the key of a field when it is something else; a dotted name reaches into an object
(``--map arxiv=externalIds.ArXiv``).

Recognised as they are:

* the arXiv metadata snapshot (JSON lines with ``id, submitter, authors, title, comments,
  journal-ref, doi, report-no, categories, license, abstract, versions, update_date,
  authors_parsed``): the id loses any version suffix, the date is the first version's
  ``created`` date (else ``update_date``), authors come from ``authors_parsed``, and the url
  is ``https://arxiv.org/abs/<id>``;
* Semantic Scholar (``paperId``, ``externalIds`` with ``ArXiv`` / ``DOI``,
  ``publicationDate`` else ``year``, ``authors`` as ``{"authorId", "name"}``);
* OpenAlex works (``display_name``, ``abstract_inverted_index`` rebuilt into the text,
  ``publication_date``, ``authorships``, ``doi``, an arXiv landing page among
  ``locations``);
* CSL JSON as Zotero exports it (``DOI``, ``URL``, ``issued.date-parts``; its ``id`` is the
  citation key);
* a response of those APIs saved as one JSON document (``{"data": [...]}``,
  ``{"results": [...]}``), also pretty-printed over many lines.
"""
from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from typing import Any, Iterator

from kg.model import Paper

from ._base import Ctx, iter_lines, normalise_arxiv, strip_arxiv_version

SNAPSHOT_KEYS = ("update_date", "versions", "authors_parsed")
_ALIASES = {
    "title": ("title", "display_name"),
    "abstract": ("abstract", "summary", "abstract_note"),
    "id": ("id", "paper_id", "arxiv_id", "paperId"),
    "date": ("date", "published", "publicationDate", "publication_date", "update_date", "year",
             "publication_year"),
    "url": ("url", "link"),
    "authors": ("authors", "author", "authorships"),
    "doi": ("doi",),
    "arxiv": ("arxiv", "eprint"),
    "citekey": ("citekey", "citation_key", "citationKey"),
}
FIELDS = tuple(_ALIASES)  # what --map may name
_WRAPPERS = ("data", "results", "papers", "items", "works")  # API responses holding records
_MAX_ARRAY_ITEM = 16 * 1024 * 1024  # a JSON array item larger than this is malformed
_MAX_DOCUMENT = 512 * 1024 * 1024  # one pretty-printed JSON document read whole


_MAX_INT_DIGITS = 4300  # Python's limit on int() of a string (sys.get_int_max_str_digits)


def loads(ctx: Ctx, line: int, text: str) -> Any:
    """``json.loads``, made safe for any input: a number of more than 4,300 digits becomes
    None (with a warning) instead of stopping the read, and JSON nested too deeply for the
    decoder is a ``json.JSONDecodeError`` like any other malformed JSON."""
    huge = []

    def parse_int(digits: str) -> int | None:
        if len(digits.lstrip("-")) > _MAX_INT_DIGITS:
            huge.append(len(digits))
            return None
        return int(digits)

    try:
        obj = json.loads(text, parse_int=parse_int)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
    if huge:
        ctx.issue(line, f"a number of {huge[0]} digits, more than {_MAX_INT_DIGITS}, read as null",
                  skipped=False)
    return obj


def _fields(keys: tuple, cache: dict[tuple, dict[str, str]],
            mapping: dict[str, str] | None = None) -> dict[str, str]:
    """field name -> the record's key for it (exact key first, then case-insensitive).
    Records of one file mostly share their keys, so the answer is cached per key tuple."""
    found = cache.get(keys)
    if found is None:
        low: dict[str, str] = {}
        for k in keys:
            if isinstance(k, str):
                low.setdefault(k.lower(), k)
        found = {}
        for name, aliases in _ALIASES.items():
            if mapping and name in mapping:
                aliases = (mapping[name],)
            for alias in aliases:
                if alias in keys:
                    found[name] = alias
                    break
            else:
                for alias in aliases:
                    if alias.lower() in low:
                        found[name] = low[alias.lower()]
                        break
                else:
                    if mapping and name in mapping and "." in mapping[name]:
                        found[name] = mapping[name]  # a dotted path, looked up per record
        if len(cache) > 1000:
            cache.clear()
        cache[keys] = found
    return found


def _get(obj: dict[str, Any], key: str) -> Any:
    if key in obj:
        return obj[key]
    cur: Any = obj
    for part in key.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def inverted_index_text(index: Any) -> str | None:
    """OpenAlex's ``abstract_inverted_index`` ({word: [positions]}) back into the text."""
    if not isinstance(index, dict) or not index:
        return None
    at: dict[int, str] = {}
    for word, positions in index.items():
        if isinstance(positions, list):
            for i in positions:
                if isinstance(i, int) and 0 <= i < 1_000_000:
                    at[i] = word
    return " ".join(at[i] for i in sorted(at)) or None


def _author_names(value: Any) -> Any:
    """CSL ``{"family", "given"}`` and OpenAlex ``{"author": {"display_name"}}`` -> names."""
    if not isinstance(value, list) or not value or not isinstance(value[0], dict):
        return value
    out = []
    for a in value:
        if not isinstance(a, dict):
            continue
        if isinstance(a.get("author"), dict):
            a = a["author"]
        name = a.get("name") or a.get("display_name") or a.get("literal")
        if not name and (a.get("family") or a.get("given")):
            name = " ".join(str(x) for x in (a.get("given"), a.get("family")) if x)
        if isinstance(name, str):
            out.append(name)
    return out


def _csl_date(value: Any) -> str | None:
    parts = value.get("date-parts") if isinstance(value, dict) else None
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        nums = [x for x in parts[0] if isinstance(x, (int, str)) and not isinstance(x, bool)
                and str(x).isdecimal() and str(x).isascii() and len(str(x)) <= 4]
        if nums:
            y, *rest = [int(x) for x in nums[:3]]
            return "-".join([f"{y:04d}", *(f"{x:02d}" for x in rest)])
    return None


def _openalex_arxiv(obj: dict[str, Any]) -> str | None:
    locs = obj.get("locations")
    for loc in (locs if isinstance(locs, list) else []):
        if isinstance(loc, dict):
            for k in ("landing_page_url", "pdf_url"):
                v = loc.get(k)
                if isinstance(v, str) and "arxiv.org/" in v:
                    a = normalise_arxiv(v)
                    if a:
                        return a
    return None


def _snapshot_date(obj: dict[str, Any]) -> str | None:
    versions = obj.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        created = versions[0].get("created")
        if isinstance(created, str):
            try:
                return parsedate_to_datetime(created).date().isoformat()
            except (TypeError, ValueError, IndexError, OverflowError):  # "17 Jun 99999999999"
                pass
    upd = obj.get("update_date")
    return upd if isinstance(upd, str) and upd.strip() else None


def _parsed_authors(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    out = []
    for parts in value:
        if isinstance(parts, list) and parts:
            last = parts[0] if isinstance(parts[0], str) else ""
            first = parts[1] if len(parts) > 1 and isinstance(parts[1], str) else ""
            suffix = parts[2] if len(parts) > 2 and isinstance(parts[2], str) else ""
            name = " ".join(p for p in (first.strip(), last.strip(), suffix.strip()) if p)
            if name:
                out.append(name)
    return out


def record_to_paper(ctx: Ctx, line: int, obj: dict[str, Any], snapshot: bool,
                    cache: dict[tuple, dict[str, str]]) -> Paper | None:
    mapping = ctx.mapping
    f = _fields(tuple(obj), cache, mapping)

    def get(name: str) -> Any:
        return _get(obj, f[name]) if name in f else None

    pid, date, authors, url = get("id"), get("date"), get("authors"), get("url")
    if date is None and "date" in f and "date" not in mapping:  # "publicationDate": null
        date = next((obj[k] for k in ("year", "publication_year") if obj.get(k) is not None), None)
    title, abstract = get("title"), get("abstract")
    doi, arxiv, citekey = get("doi"), get("arxiv"), get("citekey")
    if snapshot or "versions" in obj or "authors_parsed" in obj:
        date = _snapshot_date(obj) or date
        parsed = _parsed_authors(obj.get("authors_parsed"))
        if parsed:
            authors = parsed
    if snapshot and url is None and isinstance(pid, str) and pid.strip():
        url = f"https://arxiv.org/abs/{strip_arxiv_version(pid.strip())}"
    ext = obj.get("externalIds")  # Semantic Scholar
    if isinstance(ext, dict):
        doi = doi or ext.get("DOI")
        arxiv = arxiv or ext.get("ArXiv")
    if abstract is None and "abstract_inverted_index" in obj:  # OpenAlex
        abstract = inverted_index_text(obj["abstract_inverted_index"])
    if isinstance(pid, str) and pid.startswith("https://openalex.org/"):
        pid = pid.rsplit("/", 1)[-1]
        arxiv = arxiv or _openalex_arxiv(obj)
        if url is None:
            loc = obj.get("primary_location")
            url = (loc.get("landing_page_url") if isinstance(loc, dict) else None) or doi
    if isinstance(date, dict):  # CSL "issued"
        date = _csl_date(date)
    elif date is None and isinstance(obj.get("issued"), dict):
        date = _csl_date(obj["issued"])
    if isinstance(obj.get("type"), str) and "issued" in obj and citekey is None and "citekey" not in f:
        citekey = pid  # CSL JSON: the id is the citation key
    return ctx.paper(line, id=pid, title=title, abstract=abstract, date=date, url=url,
                     authors=_author_names(authors), strip_version=snapshot, doi=doi,
                     arxiv=arxiv, citekey=citekey)


def _records(ctx: Ctx, line: int, obj: dict[str, Any], snapshot: bool,
             cache: dict[tuple, dict[str, str]]) -> Iterator[Paper]:
    """One record, or the records of an API response (``{"data": [...]}``)."""
    f = _fields(tuple(obj), cache, ctx.mapping)
    if "title" not in f and "abstract" not in f and "abstract_inverted_index" not in obj:
        for k in _WRAPPERS:
            items = obj.get(k)
            if isinstance(items, list) and all(isinstance(x, dict) for x in items):
                for item in items:
                    p = record_to_paper(ctx, line, item, snapshot, cache)
                    if p:
                        yield p
                return
    p = record_to_paper(ctx, line, obj, snapshot, cache)
    if p:
        yield p


def read_jsonl(ctx: Ctx, fh, snapshot: bool = False) -> Iterator[Paper]:
    cache: dict[tuple, dict[str, str]] = {}
    lines = iter_lines(ctx, fh)
    for n, text, problem in lines:
        s = text.strip()
        if not s:
            continue
        if problem:
            ctx.issue(n, f"{problem}; line skipped")
            continue
        try:
            obj = loads(ctx, n, s)
        except json.JSONDecodeError as exc:
            # a line that is the start of JSON going on over more lines (not one that is
            # broken in its middle: that one record is skipped, the next lines read)
            more = exc.msg != "nested too deeply" and (exc.pos >= len(s) - 1 or "Unterminated" in exc.msg)
            if s[0] == "[" and more and ctx.read == 0 and ctx.issues == 0:
                # a JSON array over many lines: decode it item by item
                yield from _read_array(ctx, n, text, lines, snapshot, cache)
                return
            if s[0] == "{" and more and ctx.read == 0 and ctx.issues == 0:
                # one JSON document over many lines (a saved API response)
                yield from _read_document(ctx, n, text, lines, snapshot, cache)
                return
            ctx.issue(n, f"not valid JSON ({exc.msg} at column {exc.colno}); line skipped")
            continue
        if isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
            for item in obj:  # a JSON array of records on one line
                yield from _records(ctx, n, item, snapshot, cache)
            continue
        if not isinstance(obj, dict):
            ctx.issue(n, f"expected a JSON object, got {_kind(obj)}; line skipped")
            continue
        yield from _records(ctx, n, obj, snapshot, cache)


def _read_document(ctx: Ctx, first_line: int, first_text: str, lines, snapshot: bool,
                   cache: dict[tuple, dict[str, str]]) -> Iterator[Paper]:
    """A file holding one JSON object over many lines: read whole (up to _MAX_DOCUMENT)."""
    parts, size = [first_text], len(first_text)
    for n, text, problem in lines:
        if problem:
            ctx.issue(n, f"{problem}; stopped reading this JSON document")
            return
        parts.append(text)
        size += len(text)
        if size > _MAX_DOCUMENT:
            ctx.issue(first_line, f"JSON document larger than {_MAX_DOCUMENT >> 20} MiB that is not "
                                  "JSON lines; not read")
            return
    try:
        obj = loads(ctx, first_line, "".join(parts))
    except json.JSONDecodeError as exc:
        ctx.issue(first_line + exc.lineno - 1, f"not valid JSON ({exc.msg} at column {exc.colno}); "
                                                 "stopped reading this file")
        return
    if isinstance(obj, dict):
        yield from _records(ctx, first_line, obj, snapshot, cache)
    else:
        ctx.issue(first_line, f"expected a JSON object, got {_kind(obj)}")


def _kind(v: Any) -> str:
    return {list: "an array", str: "a string", int: "a number", float: "a number",
            bool: "true/false", type(None): "null"}.get(type(v), type(v).__name__)


def _read_array(ctx: Ctx, first_line: int, first_text: str, lines, snapshot: bool,
                cache: dict[tuple, dict[str, str]]) -> Iterator[Paper]:
    """A file holding one JSON array of objects, decoded item by item (never all at once)."""
    huge: list[int] = []

    def parse_int(digits: str) -> int | None:
        if len(digits.lstrip("-")) > _MAX_INT_DIGITS:
            huge.append(len(digits))
            return None
        return int(digits)

    dec = json.JSONDecoder(parse_int=parse_int)
    buf = first_text[first_text.index("[") + 1:]
    buf_line = first_line  # line number of buf[0]
    broken = False  # stopped on a line that is not UTF-8 (already reported)

    def more() -> bool:
        nonlocal buf, broken
        for n, text, problem in lines:
            if problem:
                ctx.issue(n, f"{problem}; stopped reading this JSON array")
                broken = True
                return False
            buf += text
            return True
        return False

    while True:
        # skip whitespace and the comma between items
        i = 0
        while True:
            while i < len(buf) and buf[i] in " \t\r\n,":
                i += 1
            if i < len(buf) or not more():
                break
        buf_line += buf.count("\n", 0, i)
        buf = buf[i:]
        if not buf:
            if not broken and not ctx.stopped:
                ctx.issue(buf_line, "JSON array is not closed (missing ']')", skipped=False)
            return
        if buf[0] == "]":
            rest = buf[1:]
            while not rest.strip() and more():
                rest = buf[1:]
            if rest.strip():
                line = buf_line + buf.count("\n", 0, len(buf) - len(rest.lstrip()))
                ctx.issue(line, "text after the end of the JSON array; ignored", skipped=False)
            return
        while True:
            try:
                try:
                    obj, end = dec.raw_decode(buf)
                except RecursionError:
                    raise json.JSONDecodeError("nested too deeply", buf, 0) from None
                break
            except json.JSONDecodeError as exc:
                at_end = exc.pos >= len(buf.rstrip()) - 1 or "Unterminated" in exc.msg
                if at_end and len(buf) < _MAX_ARRAY_ITEM and more():
                    continue
                if broken or ctx.stopped:
                    return
                line = buf_line + buf.count("\n", 0, exc.pos)
                ctx.issue(line, f"not valid JSON ({exc.msg}); stopped reading this JSON array")
                return
        line = buf_line
        if huge:
            ctx.issue(line, f"a number of {huge[0]} digits, more than {_MAX_INT_DIGITS}, read as null",
                      skipped=False)
            huge.clear()
        if isinstance(obj, dict):
            yield from _records(ctx, line, obj, snapshot, cache)
        else:
            ctx.issue(line, f"expected a JSON object in the array, got {_kind(obj)}; skipped")
        buf_line += buf.count("\n", 0, end)
        buf = buf[end:]
