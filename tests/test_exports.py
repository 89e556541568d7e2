"""Exports that open everywhere (issue 10, part 3): GraphML / GEXF every tool reads with
every edge, and RDF whose IRIs every parser accepts.  Through `kg build` / `kg query`."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter

import networkx as nx
import pyoxigraph
import pytest
import rdflib
from click.testing import CliRunner

from kg.cli import cli

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
