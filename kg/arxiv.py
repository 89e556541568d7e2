"""Fetch papers from the arXiv API (only when asked: nothing here runs by default).

    for paper in fetch_arxiv("cat:cs.CL AND abs:retrieval", max_results=300):
        ...

Pages through ``http://export.arxiv.org/api/query`` with ``start=``/``max_results=``,
waiting ``delay`` seconds between requests as arXiv asks (3 s), and parses each Atom
response with the Atom reader's entry parser, so papers look exactly as if read from a
saved ``.atom`` file.  ``save_atom`` writes papers back out as such a file, so a query can
be fetched once and rebuilt offline (``kg`` reads ``.atom`` files).
"""
from __future__ import annotations

import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Callable, Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from kg.atomic import atomic_write
from kg.model import Paper
from kg.readers import InputError, ReadIssue, ReadReport
from kg.readers._base import Ctx, is_arxiv_id
from kg.readers.atom import parse_atom

API_URL = "http://export.arxiv.org/api/query"
USER_AGENT = "kg/0.1 (knowledge-graph builder; urllib)"
_SORT_BY = ("relevance", "lastUpdatedDate", "submittedDate")


class ArxivError(InputError):
    """The arXiv API could not be reached or answered with an error; names the URL."""


def _get(url: str, timeout: float) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read()
    except urllib.error.HTTPError as exc:
        detail = ""
        try:
            body = exc.read()
            meta: dict = {}
            for _ in parse_atom(Ctx(url, ReadReport(), None, False), enumerate(body.splitlines(True), 1), meta):
                pass
            if meta.get("error"):
                detail = f": {meta['error']}"
        except Exception:  # the error body is a courtesy; the status is what matters
            pass
        raise ArxivError(f"{url}: HTTP {exc.code} {exc.reason}{detail}") from None
    except urllib.error.URLError as exc:
        raise ArxivError(f"{url}: cannot connect ({exc.reason})") from None
    except (TimeoutError, OSError) as exc:
        raise ArxivError(f"{url}: {exc or type(exc).__name__}") from None


def fetch_arxiv(query: str, max_results: int = 100, base_url: str = API_URL, timeout: float = 30,
                page_size: int = 100, delay: float = 3.0, *, id_list: Iterable[str] = (),
                sort_by: str | None = None, sort_order: str | None = None,
                report: ReadReport | None = None, on_issue: Callable[[ReadIssue], None] | None = None,
                retries: int = 2) -> Iterator[Paper]:
    """Papers matching ``query`` (arXiv search syntax, e.g. ``"cat:cs.LG AND ti:diffusion"``),
    at most ``max_results``, fetched ``page_size`` at a time, lazily.

    ``id_list`` fetches given arXiv ids (with or without ``query``).  ``sort_by`` is one of
    relevance, lastUpdatedDate, submittedDate; ``sort_order`` ascending or descending.
    An empty page before ``totalResults`` is reached (the API does that under load) is
    retried ``retries`` times.  Raises ``ArxivError`` naming the URL on an HTTP failure or an
    API error message.  Issues with single entries go to ``report`` / ``on_issue``.
    """
    if sort_by is not None and sort_by not in _SORT_BY:
        raise ValueError(f"sort_by must be one of {', '.join(_SORT_BY)}")
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    ids = ",".join(id_list)
    ctx = Ctx(base_url, report if report is not None else ReadReport(), on_issue, True)
    start = 0
    last_request = None
    tries = 0
    while start < max_results:
        params = {"search_query": query, "start": start, "max_results": min(page_size, max_results - start)}
        if ids:
            params["id_list"] = ids
        if sort_by:
            params["sortBy"] = sort_by
        if sort_order:
            params["sortOrder"] = sort_order
        url = f"{base_url}?{urllib.parse.urlencode(params)}"
        if last_request is not None and delay > 0:
            wait = delay - (time.monotonic() - last_request)
            if wait > 0:
                time.sleep(wait)
        last_request = time.monotonic()
        body = _get(url, timeout)
        ctx.name = url
        meta: dict = {}
        yield from parse_atom(ctx, enumerate(body.splitlines(True), 1), meta)
        if meta.get("error"):
            raise ArxivError(f"{url}: arXiv API error: {meta['error']}")
        if meta.get("broken"):
            raise ArxivError(f"{url}: the response is not well-formed Atom")
        got = meta["entries"]
        total = meta.get("total")
        if got == 0:
            if total is not None and start < total and tries < retries:
                tries += 1
                continue
            break
        tries = 0
        start += got
        if total is not None and start >= total:
            break


def _feed_id(paper: Paper) -> str:
    return f"http://arxiv.org/abs/{paper.id}" if is_arxiv_id(paper.id) else paper.id


def save_atom(papers: Iterable[Paper], path: str | os.PathLike, title: str = "kg papers") -> int:
    """Write ``papers`` as an Atom feed in the arXiv API's shape (readable by the atom
    reader; ids, titles, abstracts, dates, urls and authors survive the round trip; read it
    back with ``tex=False`` if the text holds braces or backslashes that must stay).
    Written atomically and streamed; returns the number of papers written."""
    n = 0
    with atomic_write(path) as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write('<feed xmlns="http://www.w3.org/2005/Atom" '
                 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
                 'xmlns:arxiv="http://arxiv.org/schemas/atom">\n')
        fh.write(f"  <title>{escape(title)}</title>\n")
        for p in papers:
            fh.write("  <entry>\n")
            fh.write(f"    <id>{escape(_feed_id(p))}</id>\n")
            if p.date:
                fh.write(f"    <published>{escape(p.date)}</published>\n")
            fh.write(f"    <title>{escape(p.title)}</title>\n")
            fh.write(f"    <summary>{escape(p.abstract)}</summary>\n")
            for a in p.authors:
                fh.write(f"    <author>\n      <name>{escape(a)}</name>\n    </author>\n")
            if p.url:
                fh.write(f'    <link href={quoteattr(p.url)} rel="alternate" type="text/html"/>\n')
            fh.write("  </entry>\n")
            n += 1
        fh.write("</feed>\n")
    return n
