"""A read-only SPARQL 1.1 Protocol endpoint over an exported graph (``kg serve``).

* ``GET /sparql?query=...``, ``POST`` ``application/x-www-form-urlencoded`` (``query=``) and
  ``POST application/sparql-query``; ``/`` answers the same, and shows a small form when
  there is no query.
* SELECT / ASK results as SPARQL JSON (default), XML, CSV or TSV; CONSTRUCT / DESCRIBE as
  Turtle (default), N-Triples, JSON-LD or RDF/XML -- chosen by the ``Accept`` header or a
  ``format`` (or ``output``) parameter: json, xml, csv, tsv, ttl, nt, jsonld.
* Read-only and local: ``update=`` requests, ``application/sparql-update`` bodies and any
  SPARQL Update are refused with 403, and so are SERVICE (by IRI or variable) and FROM /
  FROM NAMED: the server never contacts another host.  This is decided on a real parse of
  the query (:func:`kg.query.check_query`), after its Unicode escapes are decoded, never on
  its text; a query nested deeper than :data:`kg.query.MAX_DEPTH` is refused (400) before
  any parser sees it.
* Every query runs in a worker process (:class:`kg.query.QueryService`) with a time bound
  (the worker is killed past it: 503), a memory bound (``max_memory`` MB beyond the loaded
  graph: 503, and the worker is replaced) and a row bound (``X-Result-Truncated: true``).
  A malformed query gets 400 with the parser's message, line and column.
* Bounded: a connection that sends nothing for ``read_timeout`` seconds is closed, and at
  most ``max_connections`` are served at once (one thread each); past that, a new
  connection gets an immediate 503 and is closed, without a thread.
* CORS: every answer allows any origin (``Access-Control-Allow-Origin: *``) and preflight
  ``OPTIONS`` requests are answered, so a browser SPARQL client on another origin (YASGUI,
  a notebook page) can query it.  The endpoint is read-only and sends no cookies, so this
  opens nothing that ``curl`` could not already do.
* ``format=html`` (the form's default), or ``Accept: text/html`` ahead of every result
  type, gives the results as an HTML page: a table (SELECT), the answer (ASK) or Turtle
  (CONSTRUCT / DESCRIBE), with the form to edit the query.
* A client that disconnects mid-answer is logged as one line, not a traceback.
* Binds 127.0.0.1 by default.

* Over an export folder, each worker opens the folder's pyoxigraph store read-only
  (``graph.oxigraph``, written by ``kg build`` / ``kg load``) instead of parsing the export;
  with ``upstream=URL`` (``kg serve --upstream``) the checked queries go to an existing
  SPARQL server instead (a graph too large for one machine's memory, in Oxigraph's server
  or QLever), an unreachable or failing one answering 502.

Why a hand-written server rather than ``oxigraph serve`` or rdflib-endpoint: the endpoint
must be read-only, bound in time per query (a runaway query is killed in its worker
process) and in rows, and serve the same engines as ``kg query`` (pyoxigraph or rdflib);
Oxigraph's server is a separate Rust binary that is not on PyPI's dependency path and has
no per-query time limit, and rdflib-endpoint brings FastAPI and uvicorn and runs rdflib
only.  What they add over this file (CORS, an HTML view) is a few lines here.
"""
from __future__ import annotations

import html
import logging
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from .query import QueryError, QueryResult, QueryService, UpstreamService, list_queries, query_form

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # bytes of a POSTed query

# media types we produce, and the short names of the format parameter
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "html": "text/html",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "ttl": "text/turtle",
    "html": "text/html",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
_ALIASES = {
    "application/json": "json", "json": "json", "srj": "json",
    "application/sparql-results+json": "json",
    "xml": "xml", "srx": "xml", "application/sparql-results+xml": "xml",
    "application/xml": "xml", "text/xml": "xml",
    "csv": "csv", "text/csv": "csv",
    "tsv": "tsv", "text/tab-separated-values": "tsv",
    "ttl": "ttl", "turtle": "ttl", "text/turtle": "ttl", "application/x-turtle": "ttl",
    "n3": "ttl", "text/n3": "ttl",
    "nt": "nt", "ntriples": "nt", "n-triples": "nt", "application/n-triples": "nt",
    "text/plain": "nt",
    "jsonld": "jsonld", "json-ld": "jsonld", "application/ld+json": "jsonld",
    "rdfxml": "rdfxml", "rdf": "rdfxml", "rdf+xml": "rdfxml", "application/rdf+xml": "rdfxml",
    "html": "html", "text/html": "html", "application/xhtml+xml": "html",
}
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "X-Result-Truncated, Content-Type, Content-Length",
}
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
_STATUS = {"syntax": 400, "param": 400, "limit": 400, "update": 403, "forbidden": 403,
           "timeout": 503, "busy": 503, "memory": 503, "evaluation": 500, "load": 500,
           "upstream": 502}
READ_TIMEOUT = 10.0  # seconds a connection may stay silent
MAX_CONNECTIONS = 32  # connections (threads) served at once
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
         b"Retry-After: 1\r\nConnection: close\r\nAccess-Control-Allow-Origin: *\r\n"
         b"Content-Length: 52\r\n\r\ntoo many connections at once; try again in a moment\n")
assert len(b"too many connections at once; try again in a moment\n") == 52


def _parse_accept(header: str) -> list[tuple[str, float]]:
    out = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        out.append((fields[0].lower(), q, -i))
    out.sort(key=lambda x: (-x[1], -x[2]))
    return [(m, q) for m, q, _ in out if q > 0]


def choose_format(kind: str, accept: str | None, fmt: str | None) -> str | None:
    """The short format name for a result ``kind`` (select/ask/graph); None: not acceptable."""
    table = GRAPH_TYPES if kind == "graph" else RESULT_TYPES
    default = "ttl" if kind == "graph" else "json"
    if fmt:
        name = _ALIASES.get(fmt.strip().lower())
        if name in table:
            return name
        # a format of the other family (json for a CONSTRUCT ...): fall back to the default
        if kind == "graph" and name == "json":
            return "jsonld"
        if kind == "graph" and name == "xml":
            return "rdfxml"
        return default if name else None
    if not accept:
        return default
    for media, _ in _parse_accept(accept):
        if media in ("*/*", "application/*", "text/*"):
            return default
        name = _ALIASES.get(media)
        if name in table:
            return name
        if kind == "graph" and name == "xml" and media in ("application/xml", "text/xml"):
            return "rdfxml"
    return None


def render(result: QueryResult, name: str, query: str = "", page=None) -> tuple[bytes, str]:
    if name == "html":
        return (page or results_page)(result, query).encode("utf-8"), "text/html; charset=utf-8"
    body = {
        "json": result.to_json, "xml": result.to_xml, "csv": result.to_csv, "tsv": result.to_tsv,
        "ttl": result.to_turtle, "nt": result.to_ntriples, "jsonld": result.to_jsonld,
        "rdfxml": result.to_rdfxml,
    }[name]()
    media = {**RESULT_TYPES, **GRAPH_TYPES}[name]
    return body.encode("utf-8"), f"{media}; charset=utf-8"


def _cell(term) -> str:
    if term is None:
        return ""
    text = html.escape(term.value)
    if term.kind == "uri":
        return f'<a href="{html.escape(term.value, quote=True)}">{text}</a>'
    if term.kind == "bnode":
        return f"_:{text}"
    return text


def results_page(result: QueryResult, query: str = "", form: str = "") -> str:
    """The result of ``query`` as an HTML page (SELECT table, ASK answer, or Turtle)."""
    if result.kind == "ask":
        body = f"<p>Answer: <b>{'yes' if result.boolean else 'no'}</b></p>"
    elif result.kind == "graph":
        body = f"<pre>{html.escape(result.to_turtle())}</pre>"
    else:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in result.columns)
        rows = "".join("<tr>" + "".join(f"<td>{_cell(t)}</td>" for t in r) + "</tr>\n"
                       for r in result.rows)
        body = f"<table><thead><tr>{head}</tr></thead><tbody>\n{rows}</tbody></table>"
    n = len(result)
    what = "triple" if result.kind == "graph" else "row"
    count = "" if result.kind == "ask" else (
        f"<p>{n} {what}{'s' if n != 1 else ''}" + (" (truncated at the row limit)" if result.truncated else "")
        + f" in {result.elapsed:.3f} s</p>")
    return f"""<!doctype html><meta charset="utf-8"><title>kg SPARQL results</title>
<style>body{{font-family:sans-serif;margin:1.5em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}}
th{{background:#f3f3f3}} pre{{white-space:pre-wrap}}</style>
<h1>Results</h1>
{count}{body}
{form}
"""


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server: one thread per connection, at most ``max_connections`` of them."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, _DISCONNECTS):  # the client went away: not our error
            if not self.quiet:
                sys.stderr.write(f"{client_address[0]} - client disconnected ({type(exc).__name__})\n")
            return
        super().handle_error(request, client_address)

    def __init__(self, address, service: QueryService, quiet: bool = False,
                 read_timeout: float = READ_TIMEOUT, max_connections: int = MAX_CONNECTIONS):
        self.service = service
        self.quiet = quiet
        self.read_timeout = float(read_timeout)
        self.max_connections = max(1, int(max_connections))
        self._slots = threading.BoundedSemaphore(self.max_connections)
        self.refused = 0  # connections answered 503 for want of a slot
        super().__init__(address, SparqlHandler)

    def process_request(self, request, client_address) -> None:
        """A thread for the connection if a slot is free; else a 503 from here, and close."""
        if not self._slots.acquire(blocking=False):
            self.refused += 1
            try:
                request.settimeout(1.0)
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/sparql"

    def server_close(self) -> None:
        super().server_close()
        self.service.close()


class SparqlHandler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = "kg-sparql/0.1"
    protocol_version = "HTTP/1.1"

    # -- plumbing --
    def setup(self) -> None:
        self.timeout = self.server.read_timeout  # every read and write on the socket
        super().setup()

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept")
        for k, v in {**CORS_HEADERS, **(headers or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except _DISCONNECTS:
                self.close_connection = True
                if not self.server.quiet:
                    sys.stderr.write(f"{self.address_string()} - client disconnected before the answer\n")

    def _error(self, status: int, message: str) -> None:
        self._send(status, (message.rstrip() + "\n").encode("utf-8"), "text/plain; charset=utf-8")

    # -- methods --
    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        if url.path not in ("/", "/sparql"):
            return self._error(404, f"not found: {url.path} (the endpoint is /sparql)")
        params = parse_qs(url.query, keep_blank_values=True)
        if "update" in params:
            return self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
        if "query" not in params:
            return self._send(200, self._form().encode("utf-8"), "text/html; charset=utf-8")
        self._run(params)

    do_HEAD = do_GET

    def do_OPTIONS(self) -> None:  # noqa: N802 - a CORS preflight
        url = urlsplit(self.path)
        if url.path not in ("/", "/sparql"):
            return self._error(404, f"not found: {url.path} (the endpoint is /sparql)")
        asked = self.headers.get("Access-Control-Request-Headers") or "Content-Type, Accept"
        self.send_response(204)
        for k, v in {**CORS_HEADERS, "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                     "Access-Control-Allow-Headers": asked, "Access-Control-Max-Age": "86400",
                     "Content-Length": "0"}.items():
            self.send_header(k, v)
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        if url.path not in ("/", "/sparql"):
            return self._error(404, f"not found: {url.path} (the endpoint is /sparql)")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return self._error(400, "bad Content-Length")
        if length > MAX_BODY:
            self.close_connection = True
            return self._error(413, f"request body too large (more than {MAX_BODY} bytes)")
        body = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = parse_qs(url.query, keep_blank_values=True)
        if ctype == "application/sparql-update":
            return self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
        if ctype == "application/x-www-form-urlencoded":
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            except UnicodeDecodeError:
                return self._error(400, "the form is not UTF-8")
            if "update" in form or "update" in params:
                return self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
        elif ctype == "application/sparql-query":
            if "query" in params:
                return self._error(400, "give the query either in the body or as query=, not both")
            try:
                params["query"] = [body.decode("utf-8")]
            except UnicodeDecodeError:
                return self._error(400, "the query is not UTF-8")
        else:
            return self._error(415, "POST application/sparql-query or "
                                    "application/x-www-form-urlencoded (query=...)")
        if "query" not in params:
            return self._error(400, "missing query parameter")
        self._run(params)

    # -- the query --
    def _run(self, params: dict[str, list[str]]) -> None:
        queries = params.get("query", [])
        if len(queries) != 1:
            return self._error(400, "exactly one query parameter, please")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            return self._error(400, "default-graph-uri / named-graph-uri are not supported: "
                                    "the endpoint serves one graph")
        sparql = queries[0]
        fmt = (params.get("format") or params.get("output") or [None])[0]
        form = query_form(sparql)
        kind = "ask" if form == "ASK" else "graph" if form in ("CONSTRUCT", "DESCRIBE") else "select"
        name = choose_format(kind, self.headers.get("Accept"), fmt)
        if name is None:
            offered = ", ".join((GRAPH_TYPES if kind == "graph" else RESULT_TYPES).values())
            return self._error(406, f"cannot produce {self.headers.get('Accept')}; offered: {offered}")
        try:
            result = self.server.service.query(sparql)
        except QueryError as e:
            return self._error(_STATUS.get(e.kind, 500), str(e))
        if result.kind != kind:  # the keyword sniffing was wrong: negotiate again
            kind = result.kind
            name = choose_format(kind, self.headers.get("Accept"), fmt) or (
                "ttl" if kind == "graph" else "json")
        try:
            body, ctype = render(result, name, sparql,
                                 page=lambda r, q: results_page(r, q, self._form(q, heading=False)))
        except Exception as e:  # pragma: no cover - a serializer failure
            log.exception("rendering failed")
            return self._error(500, f"cannot render the result as {name}: {e}")
        headers = {"X-Result-Truncated": "true"} if result.truncated else {}
        self._send(200, body, ctype, headers)

    _EXAMPLE = """PREFIX kgv: <https://w3id.org/kg-ml/vocab#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?label ?n WHERE { ?e skos:prefLabel ?label ; kgv:mentionCount ?n } ORDER BY DESC(?n) LIMIT 20"""

    def _graph_name(self) -> str:
        svc = self.server.service
        if isinstance(svc, UpstreamService):
            return svc.url
        p = Path(svc.path)
        return f"{p.parent.name}/{p.name}" if p.name == "graph.oxigraph" else p.name

    def _form(self, query: str | None = None, heading: bool = True) -> str:
        svc = self.server.service
        options = "".join(f"<option>{f}</option>" for f in ("html", "json", "xml", "csv", "tsv"))
        form = f"""<form method="post" action="/sparql">
<textarea name="query" rows="12" cols="100">{html.escape(query or self._EXAMPLE)}</textarea><br>
<select name="format">{options}</select>
<button>Run</button></form>"""
        if not heading:
            return form
        examples = "".join(
            f"<li><b>{html.escape(q.name)}</b>: {html.escape(q.title)}</li>" for q in list_queries())
        return f"""<!doctype html><meta charset="utf-8"><title>kg SPARQL endpoint</title>
<h1>kg SPARQL endpoint</h1>
<p>Graph: <code>{html.escape(self._graph_name())}</code> &middot; engine {svc.engine} &middot;
time limit {svc.timeout:g} s &middot; at most {svc.max_rows} rows &middot; read-only.
Results come as an HTML table here, or SPARQL JSON / XML / CSV / TSV.</p>
{form}
<p>Named queries (<code>kg query --list</code>):</p><ul>{examples}</ul>
"""


def make_server(graph: str | Path | None, host: str = "127.0.0.1", port: int = 8000,
                timeout: float = 10.0, max_rows: int | None = 10_000, engine: str = "oxigraph",
                workers: int = 2, quiet: bool = False, *, max_memory: int | None = 1024,
                read_timeout: float = READ_TIMEOUT,
                max_connections: int = MAX_CONNECTIONS, upstream: str | None = None) -> SparqlServer:
    """A ready server (graph loaded in its workers); call ``serve_forever()`` on it.

    ``graph``: a graph file, or an export folder (its store is opened read-only by each
    worker when it has one).  ``upstream``: instead of a graph, the http(s) URL of an existing
    SPARQL server that the checked queries are passed to (:class:`kg.query.UpstreamService`).

    ``port=0`` picks a free port (see ``server.server_address``).  ``timeout``: seconds per
    query; ``max_memory``: MB a query may use beyond the loaded graph, per worker (None: no
    bound); ``read_timeout``: seconds a connection may stay silent; ``max_connections``:
    connections served at once (others get 503).
    """
    if (graph is None) == (upstream is None):
        raise QueryError("give either a graph or an upstream server URL", kind="param")
    if upstream is not None:
        service = UpstreamService(upstream, workers=workers, timeout=timeout, max_rows=max_rows,
                                  max_memory=max_memory)
    else:
        service = QueryService(graph, engine=engine, workers=workers, timeout=timeout,
                               max_rows=max_rows, max_memory=max_memory)
    try:
        service.start()
        return SparqlServer((host, port), service, quiet=quiet, read_timeout=read_timeout,
                            max_connections=max_connections)
    except BaseException:
        service.close()
        raise


def serve(graph: str | Path, host: str = "127.0.0.1", port: int = 8000, timeout: float = 10.0,
          max_rows: int | None = 10_000, engine: str = "oxigraph", workers: int = 2,
          on_ready: Callable[[SparqlServer], None] | None = None, **limits) -> None:
    """Run the endpoint until interrupted (``limits``: the keyword options of :func:`make_server`)."""
    server = make_server(graph, host, port, timeout, max_rows, engine, workers, **limits)
    try:
        if on_ready:
            on_ready(server)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def serve_in_thread(graph: str | Path, **kwargs) -> tuple[SparqlServer, threading.Thread]:
    """Start the endpoint in a daemon thread (tests, notebooks); stop with ``server.shutdown()``."""
    server = make_server(graph, **kwargs)
    thread = threading.Thread(target=server.serve_forever, name="kg-sparql", daemon=True)
    thread.start()
    return server, thread
