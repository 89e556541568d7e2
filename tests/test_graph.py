"""The NetworkX graph and its analytics, on the real sample corpus."""
from __future__ import annotations

import networkx as nx
import pytest

from kg import graph as kgraph
from kg.model import Entity, Evidence, Mention, Paper, PaperExtraction, Relation


def _tiny():
    return kgraph.build_graph(_tiny_extractions())


def _tiny_extractions():
    ev = Evidence("abstract", 0, 20, "X beats Y on Z.")
    m = [Mention("abstract", 0, 1, "X", "shape")]
    a = PaperExtraction(Paper("a", "Paper A", "X beats Y on Z."), [
        Entity("x", "X", "Method", proposed=True, mentions=m, rule="title"),
        Entity("y", "Y", "Model", aliases=["Why"], mentions=m),
        Entity("z", "Z", "Benchmark", mentions=m)],
        [Relation("X", "outperforms", "Y", ev, "r", head_id="x", tail_id="y"),
         Relation("X", "evaluated_on", "Z", ev, "r", head_id="x", tail_id="z")])
    b = PaperExtraction(Paper("b", "Paper B", "Y on Z."), [
        Entity("y", "Y", "Model", mentions=m), Entity("z", "Z", "Benchmark", mentions=m)])
    return [a, b]


def test_one_node_per_entity_and_typed_edges():
    g = _tiny()
    assert set(kgraph.entities(g)) == {"entity:x", "entity:y", "entity:z"}
    assert g.nodes["entity:y"]["papers"] == 2
    assert g.nodes["entity:y"]["aliases"] == ["Why"]
    assert g.has_edge("paper:a", "entity:x", key="proposes")
    assert g.has_edge("paper:b", "entity:z", key="mentions")
    (d,) = [d for _, _, d in g.edges("entity:x", data=True) if d["rel"] == "outperforms"]
    assert d["paper"] == "a" and d["sentence"] == "X beats Y on Z." and d["rule"] == "r"


def test_analytics():
    g = _tiny()
    assert kgraph.top_entities(g, n=2) == [("Y", 2), ("Z", 2)]
    co = kgraph.cooccurrence(g)
    assert co["entity:y"]["entity:z"]["weight"] == 2
    assert kgraph.find_entity(g, "why") == "entity:y"
    assert set(kgraph.neighbourhood(g, "entity:x", hops=1)) == {"entity:x", "entity:y", "entity:z", "paper:a"}
    assert kgraph.relation_counts(g)["outperforms"] == 1


def test_graphml_round_trip(tmp_path):
    g = _tiny()
    path = tmp_path / "g.graphml"
    nx.write_graphml(kgraph.to_graphml_ready(g), path)
    h = nx.read_graphml(path, force_multigraph=True)
    assert h.number_of_nodes() == g.number_of_nodes()
    assert h.number_of_edges() == g.number_of_edges()
    assert h.nodes["entity:y"]["aliases"] == "Why"


def test_sample_graph_has_shared_entities(sample_graph):
    g = sample_graph
    assert len(kgraph.papers(g)) == 84
    # the same entity in two papers is one node: CLIP is mentioned by several sample papers
    clip = kgraph.find_entity(g, "CLIP")
    assert clip is not None and g.nodes[clip]["papers"] >= 3
    rlhf = kgraph.find_entity(g, "RLHF")
    assert rlhf is not None and g.nodes[rlhf]["papers"] >= 8
    assert kgraph.communities(g)


def _unsafe():
    """Text XML cannot hold (C0 controls), CR/LF/tab, markup and quotes, in ids and text."""
    text = 'A <b>"x"</b> & \x01 y\r\nz\tw'
    ev = Evidence("abstract", 0, 5, text[:5])
    m = [Mention("abstract", 0, 1, "A", "shape")]
    a = PaperExtraction(Paper('p<1>&"', 'T\x0b "q" <t>', text, date="2024", url="https://x.org/?a=1&b=2",
                              authors=("Ann & Bob", "C|D")), [
        Entity('x&<y>', 'X "&" Y', "Method", aliases=["X\r\nY", "x\x02y"], mentions=m, rule="r&r"),
        Entity("z", "Z", "Model", mentions=[])],
        [Relation("X", "uses", "Z", ev, "r", head_id='x&<y>', tail_id="z", confidence=0.8333)])
    return [a, *_tiny_extractions()]


def test_streamed_graphml_reads_back_to_the_graph(tmp_path):
    """graph.graphml is written from the stream (no graph of everything): read back, it is
    to_graphml_ready(build_graph(...)), XML-unsafe text and all, every edge with its own id."""
    from kg.aggregate import Aggregates
    exs = _unsafe()
    path = kgraph.write_graph_file(exs, Aggregates.of(exs), tmp_path / "g.graphml")
    h = nx.read_graphml(path, force_multigraph=True)
    g = kgraph.to_graphml_ready(kgraph.build_graph(exs))
    assert dict(h.nodes(data=True)) == dict(g.nodes(data=True))
    assert sorted(map(repr, (({"u": u, "v": v}, sorted(d.items())) for u, v, d in h.edges(data=True)))) == \
        sorted(map(repr, (({"u": u, "v": v}, sorted(d.items())) for u, v, d in g.edges(data=True))))
    assert sorted(k for _, _, k in h.edges(keys=True)) == sorted(f"e{i}" for i in range(g.number_of_edges()))
    x = h.nodes["entity:x&<y>"]
    assert x["aliases"] == "X\r\nY|x\ufffdy" and h.nodes['paper:p<1>&"']["title"] == 'T\ufffd "q" <t>'
    (d,) = [d for u, _, d in h.edges(data=True) if d["rel"] == "uses"]
    assert d["confidence"] == 0.8333 and d["start"] == 0 and isinstance(d["end"], int)
    from kg.views import load_graphml
    back = load_graphml(path)
    assert back.nodes['paper:p<1>&"']["authors"] == ["Ann & Bob", "C", "D"]  # '|' splits, as before


def test_streamed_gexf_reads_back(tmp_path):
    exs = _unsafe()
    path = kgraph.write_graph_file(exs, None, tmp_path / "g.gexf", "gexf")
    ref = tmp_path / "nx.gexf"
    nx.write_gexf(kgraph.to_gexf_ready(kgraph.build_graph(exs)), ref)
    a, b = nx.read_gexf(path), nx.read_gexf(ref)
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    strip = lambda h: sorted(repr(sorted((k, v) for k, v in d.items() if k not in ("id", "networkx_key")))  # noqa: E731
                             for _, _, d in h.edges(data=True))
    assert strip(a) == strip(b) and a.number_of_edges() == b.number_of_edges()
    assert "lastmodifieddate" not in path.read_text(encoding="utf-8")  # same input, same bytes
    with pytest.raises(ValueError, match="graph format"):
        kgraph.write_graph_file(exs, None, tmp_path / "g.x", "dot")
