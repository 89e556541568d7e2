"""The persistent pyoxigraph store of an export (graph.oxigraph): written by `kg build`,
remade by `kg load`, opened read-only by `kg query OUT` and `kg serve OUT` with the same
checks as the file route; and `kg serve --upstream` in front of another SPARQL server."""
from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner

from kg.atomic import STORE
from kg.cli import cli
from kg.query import (STORE_NAME, QueryError, find_store, load_query, resolve_source,
                      row_set, run_query)
from kg.serve import serve_in_thread
from http_client import fetch_body as http

QUERIES = [("papers-mentioning", {"entity": "CLIP"}), ("top-benchmarks", {}),
           ("entity-aliases", {"entity": "clip"}), ("relation-counts", {})]
SERVICE = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
SERVICE_VAR = "SELECT * WHERE { ?x ?y ?g . SERVICE ?g { ?s ?p ?o } }"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    """`kg build` of the bundled sample (no page: faster), with its store."""
    out = tmp_path_factory.mktemp("store-build") / "out"
    r = invoke("build", "-o", out, "--no-html")
    assert r.exit_code == 0, r.output
    return out


def test_build_writes_the_store_in_the_export_set(out):
    store = out / STORE_NAME
    assert store.is_symlink() and os.readlink(store) == f"{STORE}/current/{STORE_NAME}"
    assert store.is_dir() and (store / "CURRENT").is_file()
    stamp = json.loads((store / "kg-store.json").read_text())
    assert stamp["source"] == "graph.nt" and stamp["size"] == (out / "graph.nt").stat().st_size
    assert find_store(out) == store
    assert resolve_source(out) == store  # oxigraph: the store
    assert resolve_source(out, "rdflib") == out / "graph.nt"  # rdflib: the file, as before


@pytest.mark.parametrize("name,params", QUERIES)
def test_store_answers_the_same_rows_as_the_file_route_on_both_engines(out, name, params):
    sparql = load_query(name, **params)
    by_store = run_query(out, sparql)
    assert len(by_store) > 0, name
    assert row_set(by_store) == row_set(run_query(out / "graph.nt", sparql))
    assert row_set(by_store) == row_set(run_query(out / "graph.nt", sparql, engine="rdflib"))
    assert row_set(by_store) == row_set(run_query(out, sparql, engine="rdflib"))
    # in a worker process (a time bound) too
    assert row_set(run_query(out, sparql, timeout=30)) == row_set(by_store)


def test_kg_query_on_the_folder_prints_what_the_file_route_prints(out):
    args = ["--name", "papers-mentioning", "--param", "entity=CLIP", "--format", "csv"]
    a, b = invoke("query", out, *args), invoke("query", out / "graph.nt", *args)
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    assert a.output == b.output and "Prompt Switch" in a.output
    c = invoke("query", out, *args, "--engine", "rdflib")
    assert c.exit_code == 0 and c.output == a.output


@pytest.mark.parametrize("sparql", [SERVICE, SERVICE_VAR,
                                    "INSERT DATA { <http://a> <http://b> <http://c> }",
                                    "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
                                    "SELECT * WHERE " + "{" * 300 + "?s ?p ?o" + "}" * 300])
def test_the_store_route_refuses_what_the_file_route_refuses(out, sparql):
    kinds = []
    for graph in (out, out / "graph.nt"):
        with pytest.raises(QueryError) as e:
            run_query(graph, sparql)
        kinds.append(e.value.kind)
    assert kinds[0] == kinds[1] and kinds[0] in ("forbidden", "update", "limit")
    r = invoke("query", out, sparql)
    assert r.exit_code != 0 and ("not allowed" in r.output or "deep" in r.output)


def test_the_store_is_read_only(out):
    from kg.query import load_graph
    store = load_graph(out)
    with pytest.raises(Exception):
        store.update("INSERT DATA { <http://a> <http://b> <http://c> }")


def test_kg_load_remakes_the_store_and_no_store_builds_drop_it(tmp_path):
    out = tmp_path / "out"
    r = invoke("build", "-o", out, "--no-html", "--no-store")
    assert r.exit_code == 0, r.output
    assert not (out / STORE_NAME).exists() and find_store(out) is None
    sparql = load_query("top-benchmarks")
    parsed = run_query(out, sparql)  # no store: the file is parsed, as before
    before = {n: (out / n).read_bytes() for n in ("graph.nt", "graph.ttl", "mentions.jsonl")}
    r = invoke("load", out)
    assert r.exit_code == 0, r.output
    assert find_store(out) == out / STORE_NAME and (out / STORE_NAME).is_symlink()
    assert {n: (out / n).read_bytes() for n in before} == before  # the rest of the set unchanged
    assert row_set(run_query(out, sparql)) == row_set(parsed)
    assert sorted(os.listdir(out / STORE)) == ["current", os.readlink(out / STORE / "current")]
    gen = os.readlink(out / STORE / "current")
    r = invoke("load", out)  # again: a new generation, the old one removed
    assert r.exit_code == 0, r.output
    assert os.readlink(out / STORE / "current") != gen
    assert sorted(os.listdir(out / STORE)) == ["current", os.readlink(out / STORE / "current")]
    r = invoke("build", "-o", out, "--no-html", "--no-store")  # a set without it: link removed
    assert r.exit_code == 0 and not os.path.lexists(out / STORE_NAME)


def test_kg_load_on_a_folder_of_plain_files(tmp_path, out):
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copyfile(out / "graph.nt", plain / "graph.nt")
    (plain / "notes.txt").write_text("mine\n")
    r = invoke("load", plain)
    assert r.exit_code == 0, r.output
    assert find_store(plain) is not None and (plain / "notes.txt").read_text() == "mine\n"
    sparql = load_query("papers-mentioning", entity="CLIP")
    assert row_set(run_query(plain, sparql)) == row_set(run_query(out / "graph.nt", sparql))
    r = invoke("load", tmp_path / "plain" / "notes.txt")
    assert r.exit_code != 0


def test_a_stale_store_is_not_used(tmp_path, out, capsys):
    d = tmp_path / "stale"
    d.mkdir()
    shutil.copyfile(out / "graph.nt", d / "graph.nt")
    assert invoke("load", d).exit_code == 0
    real = (d / "graph.nt").resolve()
    real.unlink()  # graph.nt replaced by another graph: five triples less
    lines = (out / "graph.nt").read_text(encoding="utf-8").splitlines(keepends=True)
    real.write_text("".join(lines[:-5]), encoding="utf-8")
    assert find_store(d) is None
    assert resolve_source(d) == d / "graph.nt"
    sparql = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    n = run_query(d, sparql).rows[0][0].python()
    assert n == sum(1 for l in real.read_text(encoding="utf-8").splitlines() if l.strip())
    assert "kg load" in capsys.readouterr().err
    with pytest.raises(QueryError):  # the store folder itself, given directly: refused
        run_query(d / STORE_NAME, sparql)


def test_kg_serve_on_the_folder_answers_from_the_store(out):
    srv, thread = serve_in_thread(out, port=0, timeout=10, quiet=True, workers=1)
    try:
        assert srv.server_address[0] == "127.0.0.1" and srv.service.path.endswith(STORE_NAME)
        q = load_query("papers-mentioning", entity="CLIP")
        status, body = http(srv.url + "?" + urllib.parse.urlencode({"query": q}))
        assert status == 200, body
        titles = {b["title"]["value"] for b in json.loads(body)["results"]["bindings"]}
        assert titles == set(run_query(out / "graph.nt", q).column("title"))
        status, body = http(srv.url + "?" + urllib.parse.urlencode({"query": SERVICE}))
        assert status == 403 and "SERVICE" in body
        status, body = http(srv.url)
        assert status == 200 and STORE_NAME in body
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def test_kg_serve_upstream_passes_checked_queries_to_another_server(out):
    back, back_thread = serve_in_thread(out / "graph.nt", port=0, timeout=10, quiet=True, workers=1)
    front, front_thread = serve_in_thread(None, upstream=back.url, port=0, timeout=10, quiet=True,
                                          workers=1, max_rows=5)
    try:
        q = load_query("papers-mentioning", entity="CLIP")
        status, body = http(front.url + "?" + urllib.parse.urlencode({"query": q}))
        assert status == 200, body
        rows = json.loads(body)["results"]["bindings"]
        local = run_query(out / "graph.nt", q)
        assert {b["title"]["value"] for b in rows} == set(local.column("title"))
        status, body = http(front.url + "?" + urllib.parse.urlencode(
            {"query": "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                      "SELECT ?l WHERE { ?e skos:prefLabel ?l }"}))
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5
        ask = "ASK { ?s ?p ?o }"
        status, body = http(front.url + "?" + urllib.parse.urlencode({"query": ask}))
        assert status == 200 and json.loads(body)["boolean"] is True
        construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
        status, body = http(front.url + "?" + urllib.parse.urlencode({"query": construct,
                                                                        "format": "nt"}))
        assert status == 200 and len([l for l in body.splitlines() if l.strip()]) == 3
        for bad, code in ((SERVICE, 403), (SERVICE_VAR, 403),
                          ("INSERT DATA { <http://a> <http://b> <http://c> }", 403),
                          ("SELECT ?s WHERE { ?s ?p }", 400)):
            status, body = http(front.url + "?" + urllib.parse.urlencode({"query": bad}))
            assert status == code, (bad, status, body)
    finally:
        for srv, th in ((front, front_thread), (back, back_thread)):
            srv.shutdown()
            srv.server_close()
            th.join(5)


def test_an_unreachable_upstream_is_a_502_and_bad_urls_are_refused(tmp_path):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    front, th = serve_in_thread(None, upstream=f"http://127.0.0.1:{port}/sparql", port=0,
                                timeout=5, quiet=True, workers=1)
    try:
        status, body = http(front.url + "?" + urllib.parse.urlencode({"query": "ASK {}"}))
        assert status == 502 and "upstream" in body
    finally:
        front.shutdown()
        front.server_close()
        th.join(5)
    for url in ("file:///etc/passwd", "ftp://example.org/", "http://", "gopher://x"):
        r = invoke("serve", "--upstream", url, "--port", "0")
        assert r.exit_code != 0 and "upstream" in r.output.lower()
    r = invoke("serve")
    assert r.exit_code != 0 and "GRAPH or --upstream" in r.output


def test_the_store_loaded_in_slices_of_lines_holds_every_triple(out, tmp_path, monkeypatch):
    # N-Triples are bulk-loaded a slice of lines at a time, so that memory stays bounded
    import pyoxigraph as ox
    from kg.query import engines
    monkeypatch.setattr(engines, "STORE_LOAD_LINES", 97)  # many slices, one cut mid-paper
    sliced = engines.write_store(out / "graph.nt", tmp_path / "sliced")
    whole = ox.Store()
    whole.bulk_load(path=str(out / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    store = ox.Store.read_only(str(sliced))
    assert sum(1 for _ in open(out / "graph.nt", "rb")) > 10 * 97
    assert set(store) == set(whole)


def test_a_build_on_two_processes_loads_the_store_while_it_writes(tmp_path, out):
    """-j 2: the store is loaded by another process from the N-Triples as they are written
    (kg.query.StoreLoader); it holds what write_store loads from the finished file."""
    import pyoxigraph as ox
    two = tmp_path / "two"
    r = invoke("build", "-o", two, "--no-html", "-j", 2)
    assert r.exit_code == 0, r.output
    assert (two / "graph.nt").read_bytes() == (out / "graph.nt").read_bytes()
    assert json.loads((two / STORE_NAME / "kg-store.json").read_text()) == \
        json.loads((out / STORE_NAME / "kg-store.json").read_text())
    assert find_store(two) == two / STORE_NAME
    assert set(ox.Store.read_only(str(two / STORE_NAME))) == \
        set(ox.Store.read_only(str(out / STORE_NAME)))


def test_a_failed_concurrent_load_names_the_file(tmp_path):
    from kg.query import StoreLoader
    loader = StoreLoader(tmp_path / "store")
    loader.write(b'<http://a/x> <http://a/p> "fine" .\n')
    loader.write(b"this is no N-Triples line\n")
    with pytest.raises(QueryError, match=r"graph\.nt: cannot load graph: .+"):
        loader.finish(tmp_path / "graph.nt")
    with pytest.raises(QueryError, match="already exists"):
        StoreLoader(tmp_path / "store")
