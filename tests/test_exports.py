"""Exports that open everywhere (issue 10, part 3): GraphML / GEXF every tool reads with
every edge, and RDF whose IRIs every parser accepts.  Through `kg build` / `kg query`.
And (issue 9, part 7) the exports the build writes from the stream are those of the graph."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter

import networkx as nx
import pyoxigraph
import pytest
import rdflib
from click.testing import CliRunner
from test_aggregate import tricky  # tests/ is on sys.path

from kg import graph as kgraph
from kg.aggregate import Aggregates
from kg.cli import cli
from kg.model import PaperExtraction
from kg.rdf import write_rdf
from kg.views import load_graphml, write_page

PAPERS = [
    {"id": "p1", "title": "Tuning \x01 Llama 2 with LoRA", "url": "https://example.org/a[1]",
     "abstract": "We fine-tune Llama 2 with LoRA on MMLU and GSM8K. Our model outperforms GPT-3.5 on MMLU."},
    {"id": "p2", "title": "CLIP \x0b probes", "url": "http://x/%zz",
     "abstract": "We evaluate CLIP and LoRA on ImageNet and MSR-VTT.\x02 CLIP outperforms ALIGN on ImageNet."},
    {"id": "p3", "title": "A plain one", "url": "https://arxiv.org/abs/2106.09685v2",
     "abstract": "We train Llama 2 on GSM8K with DPO and compare it with LoRA."},
    {"id": "p4", "title": "Odd urls", "url": "javascript:alert(1)",
     "abstract": "We use DPO and CLIP on MMLU."},
]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("exports")
    src = d / "papers.jsonl"
    src.write_text("".join(json.dumps(p) + "\n" for p in PAPERS), encoding="utf-8")
    out = d / "out"
    r = invoke("build", src, "-o", out, "--no-html", "--gexf")
    assert r.exit_code == 0, r.output
    return out, r


def test_graphml_edge_ids_are_unique_and_networkx_reads_every_edge(built):
    out, _ = built
    root = ET.parse(out / "graph.graphml").getroot()  # valid XML despite U+0001 in a title
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    ids = [e.get("id") for e in root.iter(ns + "edge")]
    assert len(ids) > 10
    assert not [i for i, n in Counter(ids).items() if n > 1]  # Gephi keeps one edge per id
    g = nx.read_graphml(out / "graph.graphml")
    assert g.number_of_edges() == len(ids)
    rels = Counter(d["rel"] for _, _, d in g.edges(data=True))
    assert rels["mentions"] + rels.get("proposes", 0) > 5 and len(rels) > 2
    titles = {d.get("title") for _, d in g.nodes(data=True)}
    assert "Tuning \ufffd Llama 2 with LoRA" in titles  # control character replaced one for one


def test_gexf_opens_with_every_edge(built):
    out, _ = built
    g = nx.read_graphml(out / "graph.graphml")
    gx = nx.read_gexf(out / "graph.gexf")
    assert gx.number_of_edges() == g.number_of_edges() and gx.number_of_nodes() == g.number_of_nodes()
    assert 'mode="static"' in (out / "graph.gexf").read_text(encoding="utf-8")  # offsets are not time
    assert all("span_start" in d for _, _, d in gx.edges(data=True))


def test_view_reads_the_new_graphml(built, tmp_path):
    out, _ = built
    r = invoke("view", out / "graph.graphml", "-o", tmp_path / "v.html")
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("name,fmt", [("graph.nt", "nt"), ("graph.ttl", "turtle"), ("graph.jsonld", "json-ld")])
def test_every_rdf_export_parses_in_rdflib_and_pyoxigraph(built, name, fmt):
    out, _ = built
    path = out / name
    rg = rdflib.Graph().parse(path, format=fmt)
    ox_fmt = {"nt": pyoxigraph.RdfFormat.N_TRIPLES, "turtle": pyoxigraph.RdfFormat.TURTLE,
              "json-ld": getattr(pyoxigraph.RdfFormat, "JSON_LD", None)}[fmt]
    if ox_fmt is None:
        pytest.skip("this pyoxigraph has no JSON-LD parser")
    store = pyoxigraph.Store()
    store.load(path=str(path), format=ox_fmt)
    assert len(store) == len(rg) > 50
    urls = {str(o) for o in rg.objects(None, rdflib.URIRef("https://schema.org/url"))}
    assert urls == {"https://example.org/a%5B1%5D", "https://arxiv.org/abs/2106.09685v2"}


def test_invalid_urls_are_dropped_with_a_warning(built):
    _, r = built
    assert "http://x/%zz" in r.output and "not a valid IRI" in r.output
    assert "javascript:alert(1)" in r.output
    assert r.output.count("'http://x/%zz' is not a valid IRI") == 1  # once, not once per format


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_query_works_on_the_export(built, engine):
    out, _ = built
    for name in ("graph.ttl", "graph.nt"):
        r = invoke("query", out / name, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--engine", engine,
                   "--format", "csv")
        assert r.exit_code == 0 and int(r.output.split()[-1]) > 50, r.output


def test_unknown_rdf_format_fails_before_any_work(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "mentions.jsonl").write_text("previous\n")
    (out / "graph.graphml").write_text("previous\n")
    r = invoke("build", "-o", out, "--rdf", "ttl,xml")
    assert r.exit_code == 2 and "xml" in r.output and "Traceback" not in r.output
    assert (out / "mentions.jsonl").read_text() == "previous\n"
    assert (out / "graph.graphml").read_text() == "previous\n"
    from kg.build import build
    with pytest.raises(ValueError, match="xml"):
        build(None, out, rdf_formats=("ttl", "xml"))
    assert (out / "mentions.jsonl").read_text() == "previous\n"


# ---- the exports of the stream are those of the graph (issue 9, part 7) ------------------------
# The build writes every export from the resolved stream and the entity aggregates; the graph-
# based writers stay for graphs held in memory. Same papers, same content: the same triples,
# GraphML / GEXF that read back to the same graph, the same page, byte for byte.

@pytest.fixture(scope="module")
def broad_extractions(eval_dir):
    from kg.build import extract_resolved, iter_papers
    from kg.readers import ReadReport
    return list(extract_resolved(iter_papers([eval_dir / "dev-broad-papers.jsonl"], None, ReadReport())))


def _mentions_file(exs, path):
    path.write_text("".join(json.dumps(ex.to_json(), ensure_ascii=False) + "\n" for ex in exs),
                    encoding="utf-8")
    return path


def _graph_file(path, fmt):
    g = nx.read_graphml(path, force_multigraph=True) if fmt == "graphml" else nx.read_gexf(path)
    nodes = {n: d for n, d in g.nodes(data=True)}
    edges = Counter(json.dumps([u, v, {k: x for k, x in d.items() if k not in ("id", "networkx_key")}],
                               sort_keys=True) for u, v, d in g.edges(data=True))
    return nodes, edges


def _ready(h):
    """The nodes and edges (as a multiset, without ids) of a graph in memory."""
    return ({n: d for n, d in h.nodes(data=True)},
            Counter(json.dumps([u, v, d], sort_keys=True) for u, v, d in h.edges(data=True)))


def check_stream_exports(exs, tmp_path, **page_caps):
    """Every export of the stream ``exs`` against the graph-based one of build_graph(exs)."""
    mentions = _mentions_file(exs, tmp_path / "mentions.jsonl")
    g = kgraph.build_graph(exs)
    agg = Aggregates.of(exs)
    # RDF: one set of triples in all three formats, no duplicate line in the N-Triples
    a, b = tmp_path / "stream", tmp_path / "graph"
    write_rdf(mentions, a, aggregates=agg)
    write_rdf(g, b)
    ref = set(rdflib.Graph().parse(b / "graph.nt", format="nt"))
    for name, fmt in (("graph.nt", "nt"), ("graph.ttl", "turtle"), ("graph.jsonld", "json-ld")):
        assert set(rdflib.Graph().parse(a / name, format=fmt)) == ref, name
    lines = (a / "graph.nt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(set(lines)) == len(ref)
    # GraphML / GEXF: read back, the graph to_graphml_ready / the networkx writer give
    for fmt in ("graphml", "gexf"):
        kgraph.write_graph_file(mentions, agg, a / f"graph.{fmt}", fmt)
    assert _graph_file(a / "graph.graphml", "graphml") == _ready(kgraph.to_graphml_ready(g))
    nx.write_gexf(kgraph.to_gexf_ready(g), b / "graph.gexf")
    assert _graph_file(a / "graph.gexf", "gexf") == _graph_file(b / "graph.gexf", "gexf")
    back = load_graphml(a / "graph.graphml")
    for n, d in g.nodes(data=True):
        if d["kind"] == "entity":
            assert back.nodes[n]["aliases"] == d["aliases"] and back.nodes[n]["papers"] == d["papers"]
    # the page: the same bytes, with the default caps and with small ones
    for caps in ({}, page_caps):
        pa = write_page(mentions, tmp_path / "a.html", aggregates=agg, **caps).read_bytes()
        pb = write_page(g, tmp_path / "b.html", **caps).read_bytes()
        assert pa == pb, caps
    return a


def test_stream_exports_are_the_graph_exports_on_the_sample(sample_extractions, tmp_path):
    check_stream_exports(sample_extractions, tmp_path, max_nodes=20, max_embedded=45)


def test_stream_exports_are_the_graph_exports_on_dev_broad(broad_extractions, tmp_path):
    check_stream_exports(broad_extractions, tmp_path, max_nodes=3, max_embedded=7)


def test_stream_exports_are_the_graph_exports_on_awkward_cases(tmp_path):
    out = check_stream_exports(tricky(), tmp_path, max_nodes=1, max_embedded=2)
    nt = (out / "graph.nt").read_text(encoding="utf-8")
    assert "custom_rel" not in nt  # a relation the vocabulary has no property for


def test_stream_exports_are_deterministic(sample_extractions, tmp_path):
    mentions = _mentions_file(sample_extractions, tmp_path / "mentions.jsonl")
    code = ("import sys; from kg.rdf import write_rdf; from kg.graph import write_graph_file; "
            "from kg.views import write_page; m, o = sys.argv[1:]; write_rdf(m, o); "
            "write_graph_file(m, None, o + '/graph.graphml'); write_page(m, o + '/graph.html')")
    for d, seed in (("a", "1"), ("b", "4242")):
        subprocess.run([sys.executable, "-c", code, str(mentions), str(tmp_path / d)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
    names = ("graph.nt", "graph.ttl", "graph.jsonld", "graph.graphml", "graph.html")
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert not [p for p in (tmp_path / "a").iterdir() if p.name.startswith(".")]  # no temp files


def test_turtle_alone_and_bad_urls_from_the_stream(tmp_path):
    exs = [PaperExtraction.from_json({"id": p["id"], "title": p["title"], "abstract": p["abstract"],
                                      "url": p["url"]}) for p in PAPERS]
    warnings: list[str] = []
    paths = write_rdf(exs, tmp_path, formats=("ttl",), on_warning=warnings.append)
    assert [p.name for p in paths] == ["graph.ttl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]  # its N-Triples were temporary
    assert len(warnings) == 2 and any("http://x/%zz" in w for w in warnings)
    rg = rdflib.Graph().parse(tmp_path / "graph.ttl", format="turtle")
    urls = {str(o) for o in rg.objects(None, rdflib.URIRef("https://schema.org/url"))}
    assert urls == {"https://example.org/a%5B1%5D", "https://arxiv.org/abs/2106.09685v2"}
    with pytest.raises(TypeError, match="more than once"):
        write_rdf(iter(exs), tmp_path / "x")


def test_build_without_the_graph_writes_the_same_files(tmp_path, sample_papers):
    from kg.build import build
    g, s1 = build([sample_papers], tmp_path / "a", graph=True, store=False)
    none, s2 = build([sample_papers], tmp_path / "b", graph=False, store=False, graph_formats=("graphml", "gexf"))
    assert none is None and g.number_of_nodes() > 200
    assert s1.lines()[:-1] == s2.lines()[:-1]
    for name in ("mentions.jsonl", "graph.graphml", "graph.nt", "graph.ttl", "graph.jsonld", "graph.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert nx.read_gexf(tmp_path / "b" / "graph.gexf").number_of_nodes() == g.number_of_nodes()
