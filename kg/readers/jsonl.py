"""JSON lines (one object a line), a JSON array of objects, and the Kaggle arXiv snapshot.

Keys (case-insensitive): ``title``; ``abstract`` (or ``summary``); optional ``id``,
``date``, ``url``, ``authors`` (a list of names or of ``{"name": ...}``, or one string
separated by ``;`` or by ``,``/``and``).

The arXiv metadata snapshot is JSON lines with ``id, submitter, authors, title, comments,
journal-ref, doi, report-no, categories, license, abstract, versions, update_date,
authors_parsed``: the id loses any version suffix, the date is the first version's
``created`` date (else ``update_date``), authors come from ``authors_parsed``, and the url
is ``https://arxiv.org/abs/<id>``.
"""
from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from typing import Any, Iterator

from kg.model import Paper

from ._base import Ctx, iter_lines, strip_arxiv_version

SNAPSHOT_KEYS = ("update_date", "versions", "authors_parsed")
_ALIASES = {
    "title": ("title",),
    "abstract": ("abstract", "summary"),
    "id": ("id", "paper_id", "arxiv_id"),
    "date": ("date", "published", "update_date"),
    "url": ("url", "link"),
    "authors": ("authors", "author"),
}
_MAX_ARRAY_ITEM = 16 * 1024 * 1024  # a JSON array item larger than this is malformed


def _fields(keys: tuple, cache: dict[tuple, dict[str, str]]) -> dict[str, str]:
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
            for alias in aliases:
                if alias in keys:
                    found[name] = alias
                    break
            else:
                for alias in aliases:
                    if alias in low:
                        found[name] = low[alias]
                        break
        if len(cache) > 1000:
            cache.clear()
        cache[keys] = found
    return found


def _snapshot_date(obj: dict[str, Any]) -> str | None:
    versions = obj.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        created = versions[0].get("created")
        if isinstance(created, str):
            try:
                return parsedate_to_datetime(created).date().isoformat()
            except (TypeError, ValueError, IndexError):
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
    f = _fields(tuple(obj), cache)
    get = obj.get
    pid = get(f["id"]) if "id" in f else None
    date = get(f["date"]) if "date" in f else None
    authors = get(f["authors"]) if "authors" in f else None
    url = get(f["url"]) if "url" in f else None
    if snapshot or "versions" in obj or "authors_parsed" in obj:
        date = _snapshot_date(obj) or date
        parsed = _parsed_authors(obj.get("authors_parsed"))
        if parsed:
            authors = parsed
    if snapshot and url is None and isinstance(pid, str) and pid.strip():
        url = f"https://arxiv.org/abs/{strip_arxiv_version(pid.strip())}"
    return ctx.paper(line, id=pid, title=get(f["title"]) if "title" in f else None,
                     abstract=get(f["abstract"]) if "abstract" in f else None,
                     date=date, url=url, authors=authors, strip_version=snapshot)


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
            obj = json.loads(s)
        except json.JSONDecodeError as exc:
            if s[0] == "[" and ctx.read == 0 and ctx.issues == 0:
                # a JSON array over many lines: decode it item by item
                yield from _read_array(ctx, n, text, lines, snapshot, cache)
                return
            ctx.issue(n, f"not valid JSON ({exc.msg} at column {exc.colno}); line skipped")
            continue
        if isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
            for item in obj:  # a JSON array of records on one line
                p = record_to_paper(ctx, n, item, snapshot, cache)
                if p:
                    yield p
            continue
        if not isinstance(obj, dict):
            ctx.issue(n, f"expected a JSON object, got {_kind(obj)}; line skipped")
            continue
        p = record_to_paper(ctx, n, obj, snapshot, cache)
        if p:
            yield p


def _kind(v: Any) -> str:
    return {list: "an array", str: "a string", int: "a number", float: "a number",
            bool: "true/false", type(None): "null"}.get(type(v), type(v).__name__)


def _read_array(ctx: Ctx, first_line: int, first_text: str, lines, snapshot: bool,
                cache: dict[tuple, dict[str, str]]) -> Iterator[Paper]:
    """A file holding one JSON array of objects, decoded item by item (never all at once)."""
    dec = json.JSONDecoder()
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
                obj, end = dec.raw_decode(buf)
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
        if isinstance(obj, dict):
            p = record_to_paper(ctx, line, obj, snapshot, cache)
            if p:
                yield p
        else:
            ctx.issue(line, f"expected a JSON object in the array, got {_kind(obj)}; skipped")
        buf_line += buf.count("\n", 0, end)
        buf = buf[end:]
