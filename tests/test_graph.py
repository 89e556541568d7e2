"""The NetworkX graph and its analytics, on the real sample corpus."""
from __future__ import annotations

import networkx as nx

from kg import graph as kgraph
from kg.model import Entity, Evidence, Mention, Paper, PaperExtraction, Relation


def _tiny():
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
    return kgraph.build_graph([a, b])


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
