"""An existing SPARQL server behind the checks (``kg serve --upstream``).

:func:`check_upstream_url` accepts an http(s) URL with a host; :class:`UpstreamService` is a
:class:`~kg.query.worker.QueryService` whose workers only check each query
(:func:`kg.query.check.check_query`, under the workers' time and memory bounds) and which
then sends the checked text to that one URL, reading the answer within the time, size and
row bounds.
"""
from __future__ import annotations

import json
import time

from .errors import QueryError, QueryTimeout
from .results import QueryResult, _json_term, _ox_term, _take
from .worker import CHECK_ONLY, MAX_REPLY_BYTES, QueryService, QueryWorker


def check_upstream_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host; else :class:`QueryError` (kind ``param``)."""
    from urllib.parse import urlsplit
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as e:
        raise QueryError(f"{url!r} is not a URL: {e}", kind="param") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise QueryError(f"{url!r}: the upstream SPARQL server is an http:// or https:// URL "
                         "with a host", kind="param")
    return url


class UpstreamService(QueryService):
    """Queries passed on to an existing SPARQL 1.1 server (Oxigraph's, QLever, Fuseki ...),
    behind the same checks as the local engines.

    Each query is checked (:func:`check_query`: updates, SERVICE, FROM refused, nesting
    bounded) in a worker process under the time and memory bounds, and only the checked text
    is sent, by POST, to ``url`` (the one URL given; redirects are not followed).  The answer
    is bounded in time (``timeout``, for the check and the answer together), in size
    (:data:`MAX_REPLY_BYTES`) and in rows (``max_rows``)."""

    def __init__(self, url: str, workers: int = 2, timeout: float = 10.0,
                 max_rows: int | None = 10_000, max_memory: int | None = 1024):
        self.url = self.path = check_upstream_url(url)
        self._pool("upstream", workers, timeout, max_rows, max_memory)

    def _spawn(self) -> QueryWorker:
        w = QueryWorker("", CHECK_ONLY, max_memory=self.max_memory)
        with self._lock:
            self._all.append(w)
        return w

    def query(self, sparql: str, timeout: float | None = None,
              max_rows: int | None = None) -> QueryResult:
        t0 = time.monotonic()
        timeout = self.timeout if timeout is None else min(timeout, self.timeout)
        max_rows = self.max_rows if max_rows is None else (
            max_rows if self.max_rows is None else min(max_rows, self.max_rows))
        text, form = super().query(sparql, timeout=timeout)  # the check, in a worker
        left = timeout - (time.monotonic() - t0)
        if left <= 0:
            raise QueryTimeout(f"query stopped: it ran longer than the time limit of {timeout:g} s")
        return self._forward(text, form, left, max_rows, timeout)

    def _forward(self, text: str, form: str, left: float, max_rows: int | None,
                 timeout: float) -> QueryResult:
        import socket
        import urllib.error
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None  # a 3xx stays an error: only the given URL is contacted

        graph = form in ("CONSTRUCT", "DESCRIBE")
        accept = ("application/n-triples, text/turtle;q=0.5" if graph
                  else "application/sparql-results+json")
        req = urllib.request.Request(self.url, data=text.encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/sparql-query; charset=utf-8",
                                              "Accept": accept, "User-Agent": "kg-serve"})
        deadline = time.monotonic() + left
        t0 = time.perf_counter()
        too_slow = QueryTimeout(f"query stopped: the upstream server took longer than the time "
                                f"limit of {timeout:g} s")
        try:
            with urllib.request.build_opener(NoRedirect).open(req, timeout=left) as r:
                ctype = (r.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                chunks, size = [], 0
                while True:
                    if time.monotonic() > deadline:
                        raise too_slow
                    b = r.read1(1 << 16)
                    if not b:
                        break
                    size += len(b)
                    if size > MAX_REPLY_BYTES:
                        raise QueryError(f"the answer is larger than {MAX_REPLY_BYTES >> 20} MB: "
                                         "ask for fewer rows or shorter values", kind="memory")
                    chunks.append(b)
        except urllib.error.HTTPError as e:
            try:
                detail = " ".join(e.read(2000).decode("utf-8", "replace").split())[:300]
            except OSError:
                detail = ""
            kind = "syntax" if e.code == 400 else "upstream"
            raise QueryError(f"the upstream server answered {e.code} {e.reason}"
                             + (f": {detail}" if detail else ""), kind=kind) from None
        except (socket.timeout, TimeoutError):
            raise too_slow from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, (socket.timeout, TimeoutError)):
                raise too_slow from None
            raise QueryError(f"cannot reach the upstream server {self.url}: {e.reason}",
                             kind="upstream") from None
        except (QueryError, MemoryError):
            raise
        except OSError as e:
            raise QueryError(f"cannot reach the upstream server {self.url}: {e}",
                             kind="upstream") from None
        body = b"".join(chunks)
        limit = None if max_rows is None else max(0, int(max_rows))
        try:
            if graph:
                import pyoxigraph as ox
                fmt = ox.RdfFormat.TURTLE if ctype == "text/turtle" else ox.RdfFormat.N_TRIPLES
                triples, truncated = _take(ox.parse(body, format=fmt), limit, lambda tr: (
                    _ox_term(tr.subject), _ox_term(tr.predicate), _ox_term(tr.object)))
                out = QueryResult("graph", triples=triples, truncated=truncated)
            else:
                doc = json.loads(body)
                if "boolean" in doc:
                    out = QueryResult("ask", boolean=bool(doc["boolean"]))
                else:
                    cols = [str(v) for v in doc["head"]["vars"]]
                    rows, truncated = _take(doc["results"]["bindings"], limit, lambda b: tuple(
                        _json_term(b[c]) if c in b else None for c in cols))
                    out = QueryResult("select", cols, rows, truncated=truncated)
        except Exception as e:
            raise QueryError(f"the upstream server's answer cannot be read ({ctype or 'no type'}): "
                             f"{type(e).__name__}: {' '.join(str(e).split())[:300]}",
                             kind="upstream") from None
        out.elapsed = time.perf_counter() - t0
        return out
