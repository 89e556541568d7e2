"""Endpoint security: nothing outside the local graph is ever contacted, and the server is bounded.

Every query that could reach another host (SERVICE however spelled, FROM / FROM NAMED, LOAD,
updates) is run through ``kg query`` (both engines) and ``kg serve`` (GET and both POSTs)
while a listener on 127.0.0.1 records every connection: each must be refused with a clear
message, and the listener must receive nothing.  Then: the nesting limit (a 5,000-deep query
is a clean error, not a segfault), the memory bound per query, the read timeout and the cap on
connections.  Only 127.0.0.1 traffic; every wait is bounded.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.query import MAX_DEPTH, QueryError, QueryService, check_query, nesting_depth, run_query
from kg.serve import serve_in_thread
from http_client import fetch_body as http

ENGINES = ("oxigraph", "rdflib")


class Listener:
    """A TCP listener on 127.0.0.1 that records (and closes) every connection it gets."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits: list[bytes] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(0.5)
            try:
                self.hits.append(conn.recv(200) or b"(connected)")
            except OSError:
                self.hits.append(b"(connected)")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("security") / "graph.nt"
    path.write_text("<http://a> <http://b> <http://c> .\n<http://a> <http://b> \"x\" .\n",
                    encoding="utf-8")
    return path


def bypasses(url: str) -> dict[str, str]:
    """Queries that would make an engine contact ``url``; each must be refused."""
    return {
        # the reported bypasses of the old text check
        "escaped-local-name": f"PREFIX p: <http://x/> SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ ?s p:a\\# ?z }} "
                              f"SERVICE <{url}/a> {{ ?s ?p ?o }} }}",
        "u-escaped-keyword": f"SELECT * WHERE {{ \\u0053ERVICE <{url}/b> {{ ?s ?p ?o }} }}",
        # and others
        "U-escaped-keyword": f"SELECT * WHERE {{ \\U00000053\\u0045RVICE <{url}/c> {{ ?s ?p ?o }} }}",
        "escape-of-escape": f"SELECT * WHERE {{ \\u005Cu0053ERVICE <{url}/d> {{ ?s ?p ?o }} }}",
        "lower-case": f"select * where {{ ?s ?p ?o service <{url}/e> {{ ?s ?p ?o }} }}",
        "silent": f"SELECT * WHERE {{ ?s ?p ?o SERVICE SILENT <{url}/f> {{ ?s ?p ?o }} }}",
        "service-variable": f"SELECT * WHERE {{ BIND(<{url}/g> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
        "service-values": f"SELECT * WHERE {{ VALUES ?u {{ <{url}/h> }} SERVICE ?u {{ ?s ?p ?o }} }}",
        "service-prefixed": f"PREFIX r: <{url}/> SELECT * WHERE {{ ?s ?p ?o SERVICE r:i {{ ?s ?p ?o }} }}",
        "service-in-exists": f"ASK {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}/j> {{ ?s ?p ?o }} }} }}",
        "service-in-subquery": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ SELECT * WHERE {{ ?s ?p ?o "
                               f"SERVICE <{url}/k> {{ ?s ?p ?o }} }} }} }}",
        # rdflib ends a comment at LF only, oxigraph at CR too: one of them would see SERVICE
        "comment-ended-by-cr": f"SELECT * WHERE {{ ?s ?p ?o # x\r SERVICE <{url}/l> {{ ?s ?p ?o }}\n }}",
        "escaped-cr": f"SELECT * WHERE {{ ?s ?p ?o # x\\u000D SERVICE <{url}/m> {{ ?s ?p ?o }}\n }}",
        "from": f"SELECT * FROM <{url}/n> WHERE {{ ?s ?p ?o }}",
        "from-named": f"SELECT * FROM NAMED <{url}/o> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "load": f"LOAD <{url}/p>",
        "load-escaped": f"\\u004cOAD <{url}/q> INTO GRAPH <http://g>",
        "insert-data": "INSERT DATA { <http://a> <http://b> <http://c> }",
        "insert-where-service": f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}/r> {{ ?s ?p ?o }} }}",
    }


NAMES = list(bypasses("http://127.0.0.1:1"))
MESSAGES = ("SERVICE", "FROM", "read-only", "ambiguous", "syntax error")


def _assert_refusal_message(text: str) -> None:
    assert any(m in text for m in MESSAGES), text


def test_the_listener_sees_an_unchecked_service_call():
    """The control: the engine itself does call out, so the listener's silence above means something."""
    import pyoxigraph as ox
    lst = Listener()
    try:
        store = ox.Store()
        store.add(ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.NamedNode("http://c")))
        with pytest.raises(Exception):
            list(store.query(f"SELECT * WHERE {{ SERVICE <{lst.url}/control> {{ ?s ?p ?o }} }}"))
        deadline = time.monotonic() + 5
        while not lst.hits and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lst.hits and b"/control" in lst.hits[0]
    finally:
        lst.close()


# ---- kg query -----------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_run_query_refuses_every_bypass(listener, graph_file, engine, name):
    sparql = bypasses(listener.url)[name]
    with pytest.raises(QueryError) as exc:
        run_query(graph_file, sparql, engine)
    assert exc.value.kind in ("forbidden", "update", "syntax"), exc.value
    _assert_refusal_message(str(exc.value))
    time.sleep(0.05)
    assert listener.hits == []


@pytest.mark.parametrize("engine", ENGINES)
def test_kg_query_refuses_every_bypass(listener, graph_file, engine):
    runner = CliRunner()
    for name, sparql in bypasses(listener.url).items():
        r = runner.invoke(cli, ["query", str(graph_file), "--engine", engine, sparql])
        assert r.exit_code == 1, (name, r.output)
        assert "Traceback" not in r.output and r.output.startswith("Error: "), (name, r.output)
        _assert_refusal_message(r.output)
    # in a worker process too (--timeout, --max-memory)
    for name in ("u-escaped-keyword", "from", "service-variable"):
        r = runner.invoke(cli, ["query", str(graph_file), "--engine", engine, "--timeout", "20",
                                "--max-memory", "256", bypasses(listener.url)[name]])
        assert r.exit_code == 1 and ("SERVICE" in r.output or "FROM" in r.output), r.output
    time.sleep(0.05)
    assert listener.hits == []


def test_the_check_reads_the_parse_not_the_text(graph_file):
    # what only looks like SERVICE or a comment runs; what is SERVICE, however written, does not
    for engine in ENGINES:
        for sparql in ("SELECT ?service WHERE { ?service <http://b> ?o }",
                       'SELECT * WHERE { ?s ?p "SERVICE <http://x> { }" }',
                       "PREFIX ex: <http://x/> SELECT * WHERE { ?s ex:service ?o }",
                       'SELECT ?o WHERE { ?s ?p ?o FILTER(?o = "\\u0078") }'):
            run_query(graph_file, sparql, engine)
        assert run_query(graph_file, 'SELECT ?o WHERE { ?s ?p ?o FILTER(?o = "\\u0078") }',
                         engine).values() == [("x",)]
    assert check_query("select * { ?s ?p ?o }").form == "SELECT"
    assert check_query("\\u0041SK {}").form == "ASK"


def test_describe_and_construct_still_work(graph_file):
    for engine in ENGINES:
        assert len(run_query(graph_file, "DESCRIBE <http://a>", engine)) == 2
        assert len(run_query(graph_file, "CONSTRUCT WHERE { ?s ?p ?o }", engine)) == 2


# ---- nesting ------------------------------------------------------------------------------------

def deep(n: int, kind: str = "brace") -> str:
    if kind == "brace":
        return "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n
    if kind == "paren":
        return "SELECT * WHERE { FILTER(" + "(" * n + "1" + ")" * n + ") }"
    # brackets hidden from a naive lexer inside what may be an IRI or a comparison
    return "SELECT * WHERE { ?a ?b ?c FILTER(?a<" + "(" * n + "?b>?c" + ")" * n + ") }"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_5000_deep_query_is_a_clean_error_not_a_crash(graph_file, tmp_path, engine):
    q = tmp_path / "deep.rq"
    q.write_text(deep(5000), encoding="utf-8")
    for args in ([deep(5000)], ["--file", str(q)], [deep(5000, "paren")], [deep(5000, "iri")]):
        r = subprocess.run([sys.executable, "-m", "kg", "query", str(graph_file), "--engine", engine,
                            *args], capture_output=True, text=True, timeout=60)
        assert r.returncode in (1, 2), (r.returncode, r.stderr[-500:])
        assert f"more than {MAX_DEPTH} deep" in r.stderr and "Traceback" not in r.stderr
        if "--file" in args:  # file:line:column: message
            assert f"{q}:1:" in r.stderr, r.stderr
        else:
            assert "line 1, column" in r.stderr, r.stderr


def test_nesting_within_the_limit_runs_on_both_engines(graph_file):
    # rdflib's parser needs ~40 frames per level: past Python's default limit at ~25 levels
    for engine in ENGINES:
        assert len(run_query(graph_file, deep(60), engine)) == 2
        assert run_query(graph_file, "ASK { FILTER(" + "(" * 60 + "true" + ")" * 60 + ") }",
                         engine).boolean is True
    assert nesting_depth(deep(60)) == 60
    assert nesting_depth('SELECT * { ?s ?p "))))" . FILTER(((1))) } # (((((') == 4
    with pytest.raises(QueryError, match="more than 200 deep"):
        check_query(deep(201))


# ---- kg serve -----------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=ENGINES)
def server(request, graph_file):
    srv, thread = serve_in_thread(graph_file, port=0, timeout=10, max_rows=100, quiet=True,
                                  engine=request.param, workers=1, max_memory=256)
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def test_serve_refuses_every_bypass_by_get_and_post(server, listener):
    for name, sparql in bypasses(listener.url).items():
        answers = [
            http(server.url + "?" + urllib.parse.urlencode({"query": sparql})),
            http(server.url, urllib.parse.urlencode({"query": sparql}).encode(),
                 {"Content-Type": "application/x-www-form-urlencoded"}),
            http(server.url, sparql.encode("utf-8"), {"Content-Type": "application/sparql-query"}),
        ]
        for status, body in answers:
            assert status in (400, 403), (name, status, body)
            _assert_refusal_message(body)
    time.sleep(0.05)
    assert listener.hits == []
    status, body = http(server.url + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}))
    assert status == 200 and "true" in body


def test_serve_refuses_deep_nesting(server):
    status, body = http(server.url, deep(5000).encode(), {"Content-Type": "application/sparql-query"})
    assert status == 400 and f"more than {MAX_DEPTH} deep" in body
    status, body = http(server.url + "?" + urllib.parse.urlencode({"query": deep(3000, "iri")}))
    assert status == 400 and "deep" in body
    assert http(server.url + "?query=ASK%7B%7D")[0] == 200


# ---- the memory bound ---------------------------------------------------------------------------

HOG = ("SELECT (STRLEN(?x) AS ?n) WHERE { { SELECT (GROUP_CONCAT(CONCAT(?a, ?b)) AS ?x) "
       "WHERE { ?s ?p ?a . ?t ?q ?b } } }")


@pytest.fixture(scope="module")
def big_graph(tmp_path_factory):
    path = tmp_path_factory.mktemp("security-big") / "big.nt"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(3000):  # a cross join of these is 9 M pairs of 500-byte strings
            fh.write(f'<http://e/{i}> <http://p/v> "{"x" * 500}{i}" .\n')
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_a_query_past_the_memory_bound_is_stopped_and_the_service_recovers(big_graph, engine):
    with QueryService(big_graph, engine=engine, workers=1, timeout=30, max_memory=64) as svc:
        svc.start()
        t0 = time.monotonic()
        with pytest.raises(QueryError) as exc:
            svc.query(HOG)
        assert exc.value.kind == "memory" and "64 MB" in str(exc.value)
        assert time.monotonic() - t0 < 25
        assert svc.query("ASK { ?s ?p ?o }").boolean is True  # a new worker took over


def test_serve_answers_503_past_the_memory_bound(big_graph):
    srv, thread = serve_in_thread(big_graph, port=0, timeout=30, quiet=True, workers=1,
                                  max_memory=64)
    try:
        status, body = http(srv.url + "?" + urllib.parse.urlencode({"query": HOG}))
        assert status == 503 and "memory" in body
        status, body = http(srv.url + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}))
        assert status == 200 and "true" in body
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


# ---- read timeout and the connection cap --------------------------------------------------------

def test_idle_connections_are_capped_and_timed_out(graph_file):
    cap = 4
    srv, thread = serve_in_thread(graph_file, port=0, timeout=5, quiet=True, workers=1,
                                  read_timeout=1.0, max_connections=cap)
    idle: list[socket.socket] = []
    try:
        host, port = srv.server_address[:2]
        base = threading.active_count()
        for _ in range(50):  # idle sockets: connect and say nothing
            idle.append(socket.create_connection((host, port), timeout=5))
        time.sleep(0.3)
        assert threading.active_count() <= base + cap  # one thread per served connection, no more
        # a real request meanwhile: answered at once with 503 (or 200 if a slot came free)
        t0 = time.monotonic()
        status, body = http(srv.url + "?query=ASK%7B%7D", timeout=5)
        assert time.monotonic() - t0 < 2.0 and status in (200, 503), (status, body)
        assert srv.refused > 0
        # the read timeout: a served idle connection is closed by the server after ~1 s
        closed_at = []
        for s in idle[:cap]:
            s.settimeout(5)
            t0 = time.monotonic()
            try:
                data = s.recv(100)
            except OSError:
                data = b""
            closed_at.append(time.monotonic() - t0)
            assert data in (b"",) or data.startswith(b"HTTP/1.1 503") or data.startswith(b"HTTP/1.1 408")
        assert max(closed_at) < 4.0
        for s in idle:
            s.close()
        idle.clear()
        time.sleep(0.3)
        status, body = http(srv.url + "?query=ASK%7B%7D", timeout=5)
        assert status == 200 and "true" in body
        assert threading.active_count() <= base + cap
    finally:
        for s in idle:
            s.close()
        srv.shutdown()
        srv.server_close()
        thread.join(5)
