"""The SPARQL endpoint, queried by a real client (SPARQLWrapper) over HTTP."""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pytest
from SPARQLWrapper import CSV, JSON, N3, POST, POSTDIRECTLY, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.query import load_query, run_query
from kg.rdf import write_rdf
from kg.serve import choose_format, serve_in_thread
from http_client import fetch as http

LABELS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?e ?label WHERE { ?e skos:prefLabel ?label } ORDER BY ?label ?e"""
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
MAX_ROWS = 50


@pytest.fixture(scope="module")
def graph_file(sample_graph, tmp_path_factory):
    out = tmp_path_factory.mktemp("serve")
    write_rdf(sample_graph, out, formats=("nt",))
    return out / "graph.nt"


@pytest.fixture(scope="module")
def server(graph_file):
    srv, thread = serve_in_thread(graph_file, port=0, timeout=1.5, max_rows=MAX_ROWS, quiet=True)
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def client(server, query, fmt=JSON, method=None):
    s = SPARQLWrapper(server.url)
    s.setQuery(query)
    s.setReturnFormat(fmt)
    if method:
        s.setMethod(POST)
        if method == POSTDIRECTLY:
            s.setRequestMethod(POSTDIRECTLY)
    return s


def test_listens_on_localhost_by_default(server):
    assert server.server_address[0] == "127.0.0.1"


@pytest.mark.parametrize("method", [None, "form", POSTDIRECTLY])
def test_select_json_by_get_and_both_posts(server, graph_file, method):
    res = client(server, load_query("papers-mentioning", entity="CLIP"), JSON, method).queryAndConvert()
    titles = {b["title"]["value"] for b in res["results"]["bindings"]}
    assert "Prompt Switch: Efficient CLIP Adaptation for Text-Video Retrieval" in titles
    local = run_query(graph_file, load_query("papers-mentioning", entity="CLIP"))
    assert titles == set(local.column("title"))
    assert res["head"]["vars"] == ["paper", "title", "date", "proposes"]


def test_select_xml_csv_tsv(server, graph_file):
    local = run_query(graph_file, LABELS, max_rows=MAX_ROWS)
    doc = client(server, LABELS, XML).queryAndConvert()  # an xml.dom Document
    labels = [b.firstChild.firstChild.data for b in doc.getElementsByTagName("binding")
              if b.getAttribute("name") == "label"]
    assert labels == local.column("label")
    raw = client(server, LABELS, CSV).queryAndConvert().decode("utf-8")
    lines = raw.split("\r\n")
    assert lines[0] == "e,label" and len([x for x in lines[1:] if x]) == MAX_ROWS
    tsv = client(server, LABELS, TSV).queryAndConvert().decode("utf-8").splitlines()
    assert tsv[0] == "?e\t?label" and tsv[1].startswith("<https://w3id.org/kg-ml/id/entity/")


def test_row_bound_is_reported(server):
    r = client(server, LABELS).query()
    assert r.response.headers["X-Result-Truncated"] == "true"
    assert len(r.convert()["results"]["bindings"]) == MAX_ROWS


def test_ask_and_construct(server):
    res = client(server, "ASK { ?s a <https://w3id.org/kg-ml/vocab#Benchmark> }").queryAndConvert()
    assert res == {"head": {}, "boolean": True}
    q = """PREFIX kgv: <https://w3id.org/kg-ml/vocab#>
    CONSTRUCT { ?m kgv:evaluatedOn ?b } WHERE { ?m kgv:evaluatedOn ?b }"""
    g = client(server, q, TURTLE).queryAndConvert()
    assert b"kgv:evaluatedOn" in g
    g = client(server, q, N3).queryAndConvert()
    assert b"evaluatedOn" in g
    status, headers, body = http(server.url + "?" + urllib.parse.urlencode({"query": q, "format": "nt"}))
    assert status == 200 and headers["Content-Type"].startswith("application/n-triples")
    assert all(line.endswith(" .") for line in body.splitlines())


def test_updates_are_refused(server):
    s = SPARQLWrapper(server.url, updateEndpoint=server.url)
    s.setMethod(POST)
    s.setQuery("INSERT DATA { <http://a> <http://b> <http://c> }")
    with pytest.raises(urllib.error.HTTPError) as exc:
        s.query()
    assert exc.value.code == 403
    status, _, body = http(server.url, urllib.parse.urlencode(
        {"query": "DELETE WHERE { ?s ?p ?o }"}).encode(), {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and "read-only" in body
    status, _, _ = http(server.url, b"CLEAR ALL", {"Content-Type": "application/sparql-update"})
    assert status == 403
    # still all there
    n = client(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").queryAndConvert()
    assert int(n["results"]["bindings"][0]["n"]["value"]) > 1000


def test_malformed_query_is_a_400_with_the_parser_message(server):
    with pytest.raises(QueryBadFormed) as exc:
        client(server, "SELECT ?x WHERE {\n  ?x ?y \n}").query()
    assert "syntax error at line" in str(exc.value)
    status, _, body = http(server.url + "?query=" + urllib.parse.quote("SELEKT * {}"))
    assert status == 400 and "column" in body


def test_a_slow_query_is_stopped_and_the_endpoint_recovers(server):
    status, _, body = http(server.url + "?" + urllib.parse.urlencode({"query": SLOW}))
    assert status == 503 and "time limit" in body
    res = client(server, "ASK { ?s ?p ?o }").queryAndConvert()
    assert res["boolean"] is True


def test_protocol_errors_and_the_form(server):
    status, headers, body = http(server.url)
    assert status == 200 and headers["Content-Type"].startswith("text/html") and "<form" in body
    assert http(server.url.replace("/sparql", "/nothing") + "?query=ASK{}")[0] == 404
    assert http(server.url, b"query=ASK{}", {"Content-Type": "text/plain"})[0] == 415
    status, _, body = http(server.url + "?" + urllib.parse.urlencode(
        {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}))
    assert status == 403 and "SERVICE" in body
    status, headers, body = http(server.url + "?" + urllib.parse.urlencode({"query": "ASK {}"}),
                                 headers={"Accept": "text/csv"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv") and "true" in body
    assert http(server.url + "?query=ASK{}", headers={"Accept": "image/png"})[0] == 406


def test_content_negotiation():
    assert choose_format("select", "application/sparql-results+xml;q=0.9, text/csv", None) == "csv"
    assert choose_format("select", "*/*", None) == "json"
    assert choose_format("select", None, "tsv") == "tsv"
    assert choose_format("graph", "application/n-triples", None) == "nt"
    assert choose_format("graph", None, "json") == "jsonld"
    assert choose_format("ask", "image/png", None) is None


def test_kg_serve_command(graph_file):
    import re
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "from kg.cli import main; main()", "serve",
                             str(graph_file), "--port", "0", "--workers", "1", "--timeout", "5"],
                            stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for line in proc.stderr:
            m = re.search(r"SPARQL endpoint: (http://127\.0\.0\.1:\d+/sparql)", line)
            if m:
                url = m.group(1)
                break
        assert url, "kg serve did not announce its URL"
        status, headers, body = http(url + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}))
        assert status == 200 and '"boolean": true' in body
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode is not None
