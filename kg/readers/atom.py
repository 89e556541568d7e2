"""Atom feeds, as the arXiv API returns them.

Parsed incrementally with ElementTree's pull parser (the machinery under ``iterparse``),
fed one line at a time so each entry knows the line it starts on; every entry is
removed from the tree once read, so memory stays flat on any size of feed.

Per entry: ``id`` (``http://arxiv.org/abs/2401.01234v2`` -> ``2401.01234``; a non-arXiv
id is kept as written), ``title``, ``summary`` (or ``content``), ``published`` (or
``updated``) -> ``YYYY-MM-DD``, ``author/name``, ``link rel="alternate"``.  Text gets the
light TeX clean-up.  XML that is not well-formed (a truncated download, a bad byte) ends
the file with an issue giving the parser's line; the entries before it are kept.
An arXiv API error entry (id ``http://arxiv.org/api/errors#...``) becomes an issue.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, Iterable, Iterator

from kg.model import Paper

from ._base import Ctx, arxiv_id_from_url, collapse, iter_raw

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
ARXIV = "{http://arxiv.org/schemas/atom}"
API_ERROR_PREFIX = "http://arxiv.org/api/errors"
MAX_ELEMENT = 64 * 1024 * 1024  # bytes of one entry (or other element under the feed) at most
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?(?!\d)")


def _text(el: ET.Element | None) -> str:
    return "".join(el.itertext()) if el is not None else ""


def entry_to_paper(ctx: Ctx, line: int | None, entry: ET.Element, meta: dict[str, Any]) -> Paper | None:
    """One ``<entry>`` element -> Paper (or None, with an issue)."""
    raw_id = collapse(_text(entry.find(ATOM + "id")))
    summary = entry.find(ATOM + "summary")
    if summary is None:
        summary = entry.find(ATOM + "content")
    if raw_id.startswith(API_ERROR_PREFIX):
        msg = collapse(_text(summary)) or "unknown error"
        meta["error"] = msg
        ctx.issue(line, f"arXiv API error: {msg}")
        return None
    pid = arxiv_id_from_url(raw_id) or raw_id
    date = None
    for tag in ("published", "updated"):
        m = _DATE.match(collapse(_text(entry.find(ATOM + tag))))
        if m:
            date = m.group(0)
            break
    url = None
    for link in entry.findall(ATOM + "link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            url = link.get("href")
            break
    if url is None and raw_id.startswith(("http://", "https://")):
        url = raw_id
    authors = [_text(a.find(ATOM + "name")) for a in entry.findall(ATOM + "author")]
    return ctx.paper(line, id=pid, title=_text(entry.find(ATOM + "title")), abstract=_text(summary),
                     date=date, url=url, authors=authors, label="entry")


def parse_atom(ctx: Ctx, lines: Iterable[tuple[int, bytes]], meta: dict[str, Any] | None = None) -> Iterator[Paper]:
    """Papers from an Atom document given as (line number, bytes) pairs.

    ``meta`` (if given) receives ``total`` (opensearch:totalResults), ``start``,
    ``entries`` (how many entries were seen, good or bad) and ``error`` (an arXiv API
    error message)."""
    meta = {} if meta is None else meta
    meta.setdefault("entries", 0)
    parser = ET.XMLPullParser(events=("start", "end"))
    root: ET.Element | None = None
    depth = 0
    entry_line: int | None = None
    n = 0

    def events() -> Iterator[Paper]:
        nonlocal root, depth, entry_line
        for event, el in parser.read_events():
            if event == "start":
                depth += 1
                if root is None:
                    root = el
                elif depth == 2 and el.tag == ATOM + "entry":
                    entry_line = n
                continue
            depth -= 1
            if depth != 1 or root is None:
                continue
            if el.tag == ATOM + "entry":
                meta["entries"] += 1
                p = entry_to_paper(ctx, entry_line, el, meta)
                entry_line = None
                root.remove(el)
                if p:
                    yield p
            elif el.tag == OPENSEARCH + "totalResults":
                meta["total"] = _int(el.text)
            elif el.tag == OPENSEARCH + "startIndex":
                meta["start"] = _int(el.text)
            if el.tag != ATOM + "entry" and len(root) > 64:
                del root[:-64]  # the feed's own elements are read as they end: keep memory flat

    def stop(line: int, msg: str) -> None:
        got = f"{ctx.read} paper{'s' if ctx.read != 1 else ''} read before it"
        if entry_line is not None:
            got += f"; the entry starting at line {entry_line} is incomplete"
        ctx.issue(line, f"{msg}; stopped reading this file ({got})")
        meta["broken"] = True

    size = 0  # bytes fed since the last element under the root ended
    closed = 0
    for n, raw in lines:
        if not ctx.content and raw.strip():
            ctx.content = True
        size += len(raw)
        try:
            parser.feed(raw)
            for p in events():
                yield p
        except ET.ParseError as exc:
            stop(exc.position[0] if getattr(exc, "position", None) else n,
                 f"malformed XML ({str(exc).split(':')[0]})")
            return
        except (LookupError, ValueError) as exc:  # encoding="UTF-9", a multi-byte encoding
            stop(n, f"cannot read this XML ({exc})")
            return
        if meta["entries"] != closed or depth <= 1:
            closed, size = meta["entries"], 0
        elif size > MAX_ELEMENT:
            stop(n, f"an element larger than {MAX_ELEMENT >> 20} MiB")
            return
    if not ctx.content or ctx.stopped:
        return  # empty input (the caller decides) or already reported
    try:
        parser.close()
        yield from events()
    except ET.ParseError as exc:
        stop(exc.position[0] if getattr(exc, "position", None) else n,
             f"malformed XML ({str(exc).split(':')[0]})")
    except (LookupError, ValueError) as exc:
        stop(n, f"cannot read this XML ({exc})")


def _int(text: str | None) -> int | None:
    try:
        return int((text or "").strip()[:20])
    except ValueError:
        return None


def read_atom(ctx: Ctx, fh) -> Iterator[Paper]:
    yield from parse_atom(ctx, iter_raw(ctx, fh, pieces=True))
