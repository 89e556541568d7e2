"""`kg serve` for browsers (issue 10, part 3): CORS for clients on another origin, an HTML
view of results, and no traceback when a client disconnects."""
from __future__ import annotations

import io
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import redirect_stderr

import pytest

from kg.rdf import write_rdf
from kg.serve import serve_in_thread
from http_client import fetch as http

LABELS = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
          "SELECT ?e ?label WHERE { ?e skos:prefLabel ?label } ORDER BY ?label LIMIT 5")


@pytest.fixture(scope="module")
def server(sample_graph, tmp_path_factory):
    out = tmp_path_factory.mktemp("serve-web")
    write_rdf(sample_graph, out, formats=("nt",))
    srv, thread = serve_in_thread(out / "graph.nt", port=0, timeout=5, max_rows=100, quiet=True)
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def test_cors_on_answers_and_preflight(server):
    q = urllib.parse.quote(LABELS)
    status, headers, _ = http(f"{server.url}?query={q}", headers={
        "Origin": "https://yasgui.triply.cc", "Accept": "application/sparql-results+json"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Result-Truncated" in headers["Access-Control-Expose-Headers"]
    status, headers, body = http(server.url, method="OPTIONS", headers={
        "Origin": "https://yasgui.triply.cc", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 204 and headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "content-type" in headers["Access-Control-Allow-Headers"].lower()
    status, headers, _ = http(server.url, data=b"ASK {}", headers={
        "Content-Type": "application/sparql-query", "Origin": "http://localhost:3000"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    # errors too, so that the browser client can show the message
    status, headers, _ = http(f"{server.url}?query=SELEC", headers={"Origin": "http://a.b"})
    assert status == 400 and headers["Access-Control-Allow-Origin"] == "*"


def test_form_submission_gives_an_html_table(server):
    form = urllib.parse.urlencode({"query": LABELS, "format": "html"}).encode()
    status, headers, body = http(server.url, data=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<table>" in body and "<th>label</th>" in body and body.count("<tr>") == 6
    assert "<form" in body and "prefLabel" in body  # the query, ready to edit
    # a browser opening a query url gets the page as well; a SPARQL client still gets JSON
    q = urllib.parse.quote(LABELS)
    status, headers, body = http(f"{server.url}?query={q}", headers={"Accept": "text/html,*/*;q=0.8"})
    assert headers["Content-Type"].startswith("text/html") and "<table>" in body
    status, headers, body = http(f"{server.url}?query={q}", headers={"Accept": "*/*"})
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    status, _, body = http(f"{server.url}?query={urllib.parse.quote('ASK { ?s ?p ?o }')}&format=html")
    assert status == 200 and "yes" in body
    status, _, body = http(f"{server.url}?format=html&query=" + urllib.parse.quote(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2"))
    assert status == 200 and "<pre>" in body


def test_form_page_offers_html_first(server):
    status, headers, body = http(server.url)
    assert status == 200 and "<option>html</option>" in body.split("<select")[1].split("</select>")[0][:40]


def test_client_disconnect_is_not_a_traceback(sample_graph, tmp_path):
    write_rdf(sample_graph, tmp_path, formats=("nt",))
    srv, thread = serve_in_thread(tmp_path / "graph.nt", port=0, timeout=5, max_rows=100_000, quiet=False)
    err = io.StringIO()
    try:
        with redirect_stderr(err):
            host, port = srv.server_address[:2]
            q = urllib.parse.quote("SELECT * WHERE { ?s ?p ?o }")
            for _ in range(3):
                s = socket.create_connection((host, port))
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                s.sendall(f"GET /sparql?query={q} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n".encode())
                s.recv(10)
                s.close()  # reset: the server is still writing
            time.sleep(1.5)
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)
    assert "Traceback" not in err.getvalue(), err.getvalue()
