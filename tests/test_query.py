"""The SPARQL query library, both engines, errors, time bounds, result formats and the CLI.

Every library query is checked three ways: the two engines give the same answers; the
answer equals one computed independently from the NetworkX graph with plain Python (on the
bundled sample with the query's default parameters, and on a small hand-written graph with
parameters that make every query non-empty); and a few fixed facts of the sample hold.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.query import (QueryError, QueryTimeout, QueryWorker, Term, get_query, is_update, list_queries,
                      load_query, parse_header, row_set, run_query, sparql_literal, substitute)
from kg.rdf import REL_PROPERTY, entity_iri, paper_iri, write_rdf

_spec = importlib.util.spec_from_file_location("_kg_test_rdf", Path(__file__).with_name("test_rdf.py"))
_test_rdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_test_rdf)
synthetic_graph = _test_rdf.synthetic_graph

NAMES = [q.name for q in list_queries()]

# parameters that make every query non-empty on the hand-written graph
SYN_PARAMS = {
    "papers-mentioning": {"entity": "clip"},
    "based-on": {"entity": "FooNet"},
    "benchmarks-of": {"entity": "FooNet"},
    "co-mentioned": {"entity": "CLIP", "limit": 3},
    "new-datasets-benchmarks": {},
    "outperforms": {"entity": "Contrastive Language-Image Pre-training"},
    "top-benchmarks": {"limit": 1},
    "top-entities-by-type": {"type": "model", "limit": 3},
    "proposes-and-evaluates": {"benchmark": "msr-vtt"},
    "relation-evidence": {"entity": "CLIP"},
    "entity-aliases": {"entity": "clip"},
    "entity-timeline": {"entity": "CLIP"},
    "trained-on": {"entity": "ImageNet"},
    "proposed-by-paper": {"paper": "cs/0601001"},
    "papers-by-month": {},
    "relation-counts": {},
}


@pytest.fixture(scope="module")
def sample_dir(sample_graph, tmp_path_factory):
    out = tmp_path_factory.mktemp("query-sample")
    write_rdf(sample_graph, out)
    return out


@pytest.fixture(scope="module")
def syn():
    return synthetic_graph()


@pytest.fixture(scope="module")
def syn_dir(syn, tmp_path_factory):
    out = tmp_path_factory.mktemp("query-syn")
    write_rdf(syn, out)
    return out


@pytest.fixture(scope="module")
def sample_results(sample_dir):
    """Every library query with its defaults, on oxigraph (graph.nt) and rdflib (graph.ttl)."""
    return {name: (run_query(sample_dir / "graph.nt", load_query(name), "oxigraph"),
                   run_query(sample_dir / "graph.ttl", load_query(name), "rdflib"))
            for name in NAMES}


# ---- the library --------------------------------------------------------------------------

def test_the_library_has_at_least_twelve_documented_queries():
    qs = list_queries()
    assert len(qs) >= 12
    assert set(SYN_PARAMS) == {q.name for q in qs}
    for q in qs:
        assert q.title and q.description, q.name
        lines = q.text.splitlines()
        assert lines[0].startswith("# title: ") and lines[1].startswith("# description: "), q.name
        used = set(re.findall(r"\$([A-Za-z_]\w*)", q.text))
        assert used == set(q.params), q.name  # every parameter declared and used


def test_parameters_are_substituted_as_escaped_literals(sample_dir):
    evil = 'x")) } } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #\\\n'
    text = load_query("papers-mentioning", entity=evil)
    assert sparql_literal(evil.lower()) in text and "$entity" not in text
    assert run_query(sample_dir / "graph.nt", text).rows == []
    assert run_query(sample_dir / "graph.ttl", text, "rdflib").rows == []
    assert load_query("co-mentioned", limit="5").rstrip().endswith("LIMIT 5")
    with pytest.raises(QueryError, match="must be an integer"):
        load_query("co-mentioned", limit="5 } ")
    with pytest.raises(QueryError, match="unknown parameter"):
        load_query("papers-mentioning", entiy="CLIP")
    with pytest.raises(QueryError, match="no query named"):
        get_query("../etc/passwd")


def test_substitution_skips_strings_iris_and_comments():
    text = '# param: x = 1\nSELECT * WHERE { ?s <http://e/$x> "$x" . ?s ?p $x } # $x\n'
    out = substitute(text, {"x": 2}, parse_header(text)[2])
    assert out == '# param: x = 1\nSELECT * WHERE { ?s <http://e/$x> "$x" . ?s ?p 2 } # $x\n'


def test_lcase_of_a_parameter_is_folded_into_a_constant():
    text = 'SELECT * { ?e <k> LCASE($e) . ?e <l> $e FILTER(lcase( $e ) != "LCASE($e)") }'
    out = substitute(text, {"e": 'Ab"C\\'}, {"e": "x"})
    assert out == 'SELECT * { ?e <k> "ab\\"c\\\\" . ?e <l> "Ab\\"C\\\\" FILTER("ab\\"c\\\\" != "LCASE($e)") }'


# ---- both engines agree ----------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_engines_agree_on_the_sample(name, sample_results):
    ox_res, rl_res = sample_results[name]
    assert ox_res.columns == rl_res.columns
    assert row_set(ox_res) == row_set(rl_res)


@pytest.mark.parametrize("name", NAMES)
def test_engines_agree_on_the_synthetic_graph(name, syn_dir):
    text = load_query(name, **SYN_PARAMS[name])
    a = run_query(syn_dir / "graph.nt", text, "oxigraph")
    b = run_query(syn_dir / "graph.jsonld", text, "rdflib")
    assert len(a) > 0, f"{name} should answer something on the synthetic graph"
    assert row_set(a) == row_set(b)


# ---- known answers, computed from NetworkX ----------------------------------------------------

def _local(rel: str) -> str:
    return REL_PROPERTY[rel].rsplit("#", 1)[1]


def _iri(node: str) -> str:
    return paper_iri(node[6:]) if node.startswith("paper:") else entity_iri(node[7:])


def _matches(g, name: str) -> list[str]:
    key = str(name).lower()
    return [n for n, d in g.nodes(data=True) if d.get("kind") == "entity"
            and (d["label"].lower() == key or key in (a.lower() for a in d["aliases"]))]


def _papers_of(g, e) -> set[str]:
    return {u for u, _ in g.in_edges(e) if u.startswith("paper:")}


def _month(g, p):
    return (g.nodes[p].get("date") or "")[:7] or "undated"


def _rel_edges(g):
    return [(u, v, d) for u, v, d in g.edges(data=True) if d["rel"] in REL_PROPERTY
            and d["rel"] not in ("mentions", "proposes")]


def expected(name: str, g, params: dict) -> tuple[list[tuple], bool]:
    """(rows, ordered) as the query should return them, from the NetworkX graph."""
    info = get_query(name)
    p = {**info.params, **{k: str(v) for k, v in params.items()}}
    nd = g.nodes
    ents = _matches(g, p["entity"]) if "entity" in p else []
    typ = lambda n: nd[n]["type"]  # noqa: E731
    lab = lambda n: nd[n]["label"]  # noqa: E731

    def count_rows(pairs):  # {(key...): set(papers)} -> rows with counts
        return [(*k, len(v)) for k, v in pairs.items()]

    if name == "papers-mentioning":
        rows = set()
        for e in ents:
            for u in _papers_of(g, e):
                proposes = any(d["rel"] == "proposes" for d in g.get_edge_data(u, e).values())
                rows.add((_iri(u), nd[u]["title"], nd[u].get("date") or None,
                          "true" if proposes else "false"))
        return list(rows), False
    if name in ("based-on", "trained-on"):
        rel = "based_on" if name == "based-on" else "trained_on"
        out_dir, in_dir = ("based on", "basis for") if rel == "based_on" else ("trained on", "training data for")
        acc = defaultdict(set)
        for u, v, d in _rel_edges(g):
            if d["rel"] != rel:
                continue
            if u in ents:
                acc[(out_dir, _iri(v), lab(v))].add(d["paper"])
            if v in ents:
                acc[(in_dir, _iri(u), lab(u))].add(d["paper"])
        return count_rows(acc), False
    if name in ("benchmarks-of", "outperforms"):
        rel, mine, other = ("evaluated_on", 0, 1) if name == "benchmarks-of" else ("outperforms", 1, 0)
        acc = defaultdict(set)
        for u, v, d in _rel_edges(g):
            uv = (u, v)
            if d["rel"] == rel and uv[mine] in ents:
                o = uv[other]
                acc[(_iri(o), lab(o), typ(o))].add(d["paper"])
        return count_rows(acc), False
    if name == "co-mentioned":
        acc = defaultdict(set)
        for e in ents:
            for paper in _papers_of(g, e):
                for o in {v for _, v in g.out_edges(paper)} - {e}:
                    acc[(_iri(o), lab(o), typ(o))].add(paper)
        rows = sorted(count_rows(acc), key=lambda r: (-r[3], r[1], r[0]))
        return rows[: int(p["limit"])], True
    if name == "new-datasets-benchmarks":
        return [(_iri(v), lab(v), typ(v), _iri(u), nd[u]["title"], nd[u].get("date") or None)
                for u, v, d in g.edges(data=True)
                if d["rel"] == "proposes" and typ(v) in ("Dataset", "Benchmark")], False
    if name in ("top-benchmarks", "top-entities-by-type"):
        want = "Benchmark" if name == "top-benchmarks" else p["type"].capitalize()
        rows = []
        for e in (n for n, d in g.nodes(data=True) if d.get("kind") == "entity" and d["type"] == want):
            papers = nd[e]["papers"]  # kgv:mentionCount
            if name == "top-benchmarks":
                evals = len({u for u, _, d in g.in_edges(e, data=True) if d["rel"] == "evaluated_on"})
                rows.append((_iri(e), lab(e), papers, evals))
            else:
                rows.append((_iri(e), lab(e), papers))
        if name == "top-benchmarks":
            rows.sort(key=lambda r: (-r[2], -r[3], r[1], r[0]))
        else:
            rows.sort(key=lambda r: (-r[2], r[1], r[0]))
        return rows[: int(p["limit"])], True
    if name == "proposes-and-evaluates":
        bs = _matches(g, p["benchmark"])
        rows = set()
        for m, b, d in _rel_edges(g):
            if d["rel"] == "evaluated_on" and b in bs and typ(m) in ("Method", "Model"):
                paper = f"paper:{d['paper']}"
                if g.has_edge(paper, m, key="proposes"):
                    rows.add((_iri(paper), nd[paper]["title"], _iri(m), lab(m)))
        return list(rows), False
    if name == "relation-evidence":
        rows = set()
        for u, v, d in _rel_edges(g):
            if u in ents or v in ents:
                paper = f"paper:{d['paper']}"
                rows.add((lab(u), _local(d["rel"]), lab(v), _iri(paper), nd[paper]["title"], d["field"],
                          d["start"], d["end"], d["sentence"], d["rule"], round(d["confidence"], 3)))
        return list(rows), False
    if name == "entity-aliases":
        return [(_iri(e), lab(e), typ(e), nd[e]["papers"], a)
                for e in ents for a in (sorted(set(nd[e]["aliases"])) or [None])], False
    if name == "entity-timeline":
        acc = defaultdict(set)
        for e in ents:
            for paper in _papers_of(g, e):
                acc[(_month(g, paper),)].add(paper)
        return sorted(count_rows(acc)), True
    if name == "proposed-by-paper":
        paper = f"paper:{p['paper']}"
        rows = [(_iri(e), lab(e), typ(e), d["text"]) for _, e, d in g.out_edges(paper, data=True)
                if d["rel"] == "proposes"] if paper in g else []
        return rows, False
    if name == "papers-by-month":
        acc = defaultdict(lambda: (set(), set()))
        for n, d in g.nodes(data=True):
            if d.get("kind") == "paper":
                papers, proposed = acc[_month(g, n)]
                papers.add(n)
                proposed |= {e for _, e, ed in g.out_edges(n, data=True) if ed["rel"] == "proposes"}
        return sorted((m, len(a), len(b)) for m, (a, b) in acc.items()), True
    if name == "relation-counts":
        acc = defaultdict(lambda: (set(), 0, set()))
        for u, v, d in _rel_edges(g):
            pairs, claims, papers = acc[_local(d["rel"])]
            pairs.add((u, v))
            papers.add(d["paper"])
            acc[_local(d["rel"])] = (pairs, claims + 1, papers)
        rows = [(r, len(a), c, len(b)) for r, (a, c, b) in acc.items()]
        return sorted(rows, key=lambda r: (-r[2], r[0])), True
    raise AssertionError(f"no oracle for {name}")


def _compare(name, res, rows, ordered):
    got = [tuple(v for v in r) for r in res.values()]
    if name == "relation-evidence":
        got = [r[:-1] + (round(r[-1], 3),) for r in got]
    if ordered:
        assert got == rows
    else:
        key = lambda r: tuple((x is None, str(x)) for x in r)  # noqa: E731
        assert sorted(got, key=key) == sorted(rows, key=key)


@pytest.mark.parametrize("name", NAMES)
def test_known_answers_on_the_sample(name, sample_results, sample_graph):
    rows, ordered = expected(name, sample_graph, {})
    _compare(name, sample_results[name][0], rows, ordered)


@pytest.mark.parametrize("name", NAMES)
def test_known_answers_on_the_synthetic_graph(name, syn_dir, syn):
    params = SYN_PARAMS[name]
    res = run_query(syn_dir / "graph.nt", load_query(name, **params))
    rows, ordered = expected(name, syn, params)
    assert rows, name
    _compare(name, res, rows, ordered)


def test_fixed_facts_of_the_sample(sample_dir):
    """Values read off the bundled sample once; they rest on lexicon entities and clear
    sentences, so they stay put while the extractor improves."""
    nt = sample_dir / "graph.nt"
    titles = run_query(nt, load_query("papers-mentioning", entity="CLIP")).column("title")
    assert "Prompt Switch: Efficient CLIP Adaptation for Text-Video Retrieval" in titles
    assert "MSR-VTT" in run_query(nt, load_query("benchmarks-of", entity="Prompt Switch")).column("label")
    aliases = run_query(nt, load_query("entity-aliases", entity="dpo"))
    assert set(aliases.column("label")) == {"Direct Preference Optimization"}
    assert "DPO" in aliases.column("alias")
    new = run_query(nt, load_query("new-datasets-benchmarks"))
    assert ("TVBench", "TVBench: Redesigning Video-Language Evaluation") in {
        (r["label"], r["title"]) for r in new.dicts()}
    pe = run_query(nt, load_query("proposes-and-evaluates", benchmark="MSR-VTT")).column("label")
    assert "Prompt Switch" in set(pe)
    # labels are the lexicon's spelling (the paper writes "YFCC")
    assert "YFCC100M" in run_query(nt, load_query("trained-on", entity="CLOOB")).column("label")
    months = run_query(nt, load_query("papers-by-month")).dicts()
    assert sum(r["papers"] for r in months) == 84


# ---- running queries ---------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_syntax_errors_give_line_and_column(syn_dir, engine):
    with pytest.raises(QueryError) as exc:
        run_query(syn_dir / "graph.nt", "SELECT ?x WHERE {\n  ?x ?y \n}", engine)
    e = exc.value
    assert e.kind == "syntax" and e.line in (2, 3) and e.column is not None
    assert str(e).startswith(f"syntax error at line {e.line}, column {e.column}: ")


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_updates_are_refused(syn_dir, engine):
    for text in ("INSERT DATA { <http://a> <http://b> <http://c> }",
                 "PREFIX x: <http://x#>\n# a comment\ndelete where { ?s ?p ?o }", "DROP ALL"):
        assert is_update(text)
        with pytest.raises(QueryError, match="read-only") as exc:
            run_query(syn_dir / "graph.nt", text, engine)
        assert exc.value.kind == "update"
    assert not is_update('SELECT * WHERE { ?s ?p "INSERT" } # DELETE')


def test_a_query_past_its_time_bound_is_stopped(syn_dir):
    worker = QueryWorker(syn_dir / "graph.nt")
    try:
        res = worker.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=30)
        assert res.values()[0][0] == sum(1 for _ in open(syn_dir / "graph.nt", encoding="utf-8"))
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        with pytest.raises(QueryTimeout, match="time limit of 1 s"):
            worker.query(slow, timeout=1)
        assert not worker.alive()  # killed, not left running
    finally:
        worker.close()


def test_ask_construct_truncation_and_loading(syn_dir):
    nt = syn_dir / "graph.nt"
    assert run_query(nt, "ASK { ?s a <https://w3id.org/kg-ml/vocab#Benchmark> }").boolean is True
    c = run_query(syn_dir, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")  # a directory: graph.nt
    assert c.kind == "graph" and len(c) == sum(1 for _ in open(nt, encoding="utf-8"))
    r = run_query(nt, "SELECT ?s WHERE { ?s ?p ?o }", max_rows=5)
    assert len(r) == 5 and r.truncated
    for name in ("graph.ttl", "graph.jsonld"):
        for engine in ("oxigraph", "rdflib"):
            assert run_query(syn_dir / name, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                             engine).values() == [(len(c),)]
    with pytest.raises(QueryError, match="no such graph file"):
        run_query(syn_dir / "missing.nt", "ASK {}")
    with pytest.raises(QueryError, match="unknown engine"):
        run_query(nt, "ASK {}", engine="blazegraph")


def test_result_formats(syn_dir):
    res = run_query(syn_dir / "graph.nt", load_query("relation-evidence", entity="CLIP"))
    j = json.loads(res.to_json())
    assert j["head"]["vars"] == res.columns and len(j["results"]["bindings"]) == len(res)
    b = j["results"]["bindings"][0]
    assert b["paper"]["type"] == "uri" and b["start"]["datatype"].endswith("#integer")
    rows = list(csv.reader(io.StringIO(res.to_csv())))
    assert rows[0] == res.columns and len(rows) == len(res) + 1
    assert res.to_csv().endswith("\r\n")
    tsv = res.to_tsv().splitlines()
    assert tsv[0].split("\t") == [f"?{c}" for c in res.columns] and tsv[1].count("\t") == len(res.columns) - 1
    root = ET.fromstring(res.to_xml())
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    assert len(root.findall("s:results/s:result", ns)) == len(res)
    table = res.to_table()
    assert table.splitlines()[0].split()[:3] == ["subject", "relation", "object"]
    assert f"({len(res)} rows)" in table
    ask = run_query(syn_dir / "graph.nt", "ASK { ?s ?p ?o }")
    assert json.loads(ask.to_json()) == {"head": {}, "boolean": True}
    assert "<boolean>true</boolean>" in ask.to_xml()
    t = Term("literal", 'a "quoted"\nline', None, "en")
    assert t.n3() == '"a \\"quoted\\"\\nline"@en'


# ---- the command line ----------------------------------------------------------------------------

def test_cli_query(syn_dir):
    runner = CliRunner()
    r = runner.invoke(cli, ["query", "--list"])
    assert r.exit_code == 0 and all(n in r.output for n in NAMES)
    r = runner.invoke(cli, ["query", str(syn_dir), "--name", "papers-mentioning", "--param", "entity=CLIP",
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    assert {b["title"]["value"] for b in json.loads(r.output)["results"]["bindings"]} == {
        "FooNet: CLIP for video", "BarBench", "BazLM"}
    r = runner.invoke(cli, ["query", str(syn_dir / "graph.ttl"), "--engine", "rdflib", "--format", "csv",
                            "SELECT ?l WHERE { ?e <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } ORDER BY ?l"])
    assert r.exit_code == 0 and r.output.splitlines()[:2] == ["l", "BLIP"]
    q = syn_dir / "q.rq"
    q.write_text("# title: t\n# param: who = FooNet\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                 "SELECT ?e WHERE { ?e skos:prefLabel $who }\n", encoding="utf-8")
    r = runner.invoke(cli, ["query", str(syn_dir), "--file", str(q), "--param", "who=BazLM"])
    assert r.exit_code == 0 and "entity:bazlm" in r.output
    r = runner.invoke(cli, ["query", str(syn_dir), "SELECT ?x WHERE { ?x }"])
    assert r.exit_code != 0 and "syntax error at line 1, column" in r.output
    assert "Traceback" not in r.output
    r = runner.invoke(cli, ["query", str(syn_dir), "--name", "papers-mentioning", "--param", "nope=1"])
    assert r.exit_code != 0 and "unknown parameter" in r.output
    r = runner.invoke(cli, ["query", str(syn_dir), "INSERT DATA { <http://a> <http://b> <http://c> }"])
    assert r.exit_code != 0 and "read-only" in r.output
    r = runner.invoke(cli, ["query", str(syn_dir), "--timeout", "1",
                            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"])
    assert r.exit_code != 0 and "time limit" in r.output
    r = runner.invoke(cli, ["query", "--name", "co-mentioned", "--param", "limit=3", "--show"])
    assert r.exit_code == 0 and r.output.rstrip().endswith("LIMIT 3")


def test_the_documented_provenance_query(sample_dir):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    sparql = re.search(r"```sparql\n(.*?)```", doc, re.S).group(1)
    for engine, name in (("oxigraph", "graph.nt"), ("rdflib", "graph.ttl")):
        rows = run_query(sample_dir / name, sparql, engine).dicts()
        assert [(r["title"], r["field"], r["rule"]) for r in rows] == [
            ("Prompt Switch: Efficient CLIP Adaptation for Text-Video Retrieval", "abstract",
             "evaluated_on:obtain+we")]
        assert "MSR-VTT" in rows[0]["sentence"]
