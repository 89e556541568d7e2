"""The per-entity aggregates of one pass (kg.aggregate): exactly the entity nodes of the graph."""
from __future__ import annotations

import json

import pytest

from kg import graph as kgraph
from kg.aggregate import Aggregates, EntityAggregate, passes, read_extractions
from kg.model import Entity, Evidence, Mention, Paper, PaperExtraction, Relation


def _check_against_graph(exs: list[PaperExtraction]) -> Aggregates:
    g = kgraph.build_graph(exs)
    agg = Aggregates.of(exs)
    ents = {n: d for n, d in g.nodes(data=True) if d["kind"] == "entity"}
    assert list(ents) == [kgraph.entity_node(e) for e in agg.entities]  # first-seen order
    for n, d in ents.items():
        assert agg.entities[n[len("entity:"):]].attrs() == d, n
    assert agg.papers == len(kgraph.papers(g))
    assert agg.mention_edges + agg.relation_edges == g.number_of_edges()
    rel_pairs = {(u[7:], d["rel"], v[7:]) for u, v, d in g.edges(data=True)
                 if d["rel"] not in ("mentions", "proposes")}
    assert {(h, r, t) for h, pairs in agg.relations.items() for r, t in pairs} == rel_pairs
    for n in ents:  # the distinct papers of an entity: its predecessors that are papers
        a = agg.entities[n[7:]]
        assert a.paper_count == sum(1 for p in g.predecessors(n) if p.startswith("paper:"))
        assert [kgraph.entity_node(a.id) for a in agg.entities.values()].index(n) == a.index
    assert agg.types() == kgraph.counts_by_type(g)
    return agg


def test_aggregates_are_the_entity_nodes_of_the_sample(sample_extractions):
    agg = _check_against_graph(sample_extractions)
    assert len(agg) > 100
    assert any(a.aliases for a in agg.entities.values())
    assert any(a.proposed_by for a in agg.entities.values())


def _ent(eid, name, type_, proposed=False, aliases=(), label=""):
    return Entity(eid, name, type_, aliases=list(aliases), proposed=proposed, label=label,
                  mentions=[Mention("abstract", 0, len(name), name, "lexicon")])


def _rel(h, r, t):
    return Relation(h, r, t, Evidence("abstract", 0, 5, "x y z"), "pattern", 0.7, h, t)


def tricky() -> list[PaperExtraction]:
    """Type votes that change the majority, aliases in first-seen order, an entity a paper
    lists twice, a relation to an entity only a later paper mentions (no edge) and one to
    an entity of an earlier paper that this paper does not list (an edge), a self-loop."""
    a = PaperExtraction(Paper("a", "A", "x y z"), [
        _ent("x", "X", "Method", proposed=True, aliases=["Ex"], label="X-canon"),
        _ent("y", "Y", "Model")], [_rel("x", "uses", "y"), _rel("x", "based_on", "z"),
                                   _rel("x", "uses", "x")])
    b = PaperExtraction(Paper("b", "B", "x y z", date="2024"), [
        _ent("x", "X", "Model", aliases=["Xx", "Ex"]), _ent("z", "Z", "Dataset"),
        _ent("z", "Zed", "Dataset")], [_rel("z", "trained_on", "y"), _rel("x", "uses", "y")])
    c = PaperExtraction(Paper("c", "C", "x y z"), [_ent("x", "X", "Model"), _ent("w", "W", "Benchmark")],
                        [_rel("w", "evaluated_on", "y"), _rel("w", "custom_rel", "x")])
    return [a, b, c]


def test_aggregates_on_the_awkward_cases():
    agg = _check_against_graph(tricky())
    x = agg.entities["x"]
    assert x.label == "X-canon" and x.aliases == ["X", "Ex", "Xx"]
    assert x.type == "Model" and x.type_papers == [("Model", 2), ("Method", 1)]
    assert (x.papers, x.proposed_by, x.first) == (3, 1, 0)
    z = agg.entities["z"]
    assert z.papers == 2 and z.paper_count == 1 and z.aliases == ["Zed"]
    # a -> z: z is not known by paper a; b's z -> y: y is known (paper a); no self-loops
    assert agg.relations["x"] == {("uses", "y")}
    assert agg.relations["z"] == {("trained_on", "y")}
    assert agg.relations["w"] == {("evaluated_on", "y"), ("custom_rel", "x")}
    assert not agg.known(_rel("x", "based_on", "z"), 0) and agg.known(_rel("x", "based_on", "z"), 1)


def test_growing_a_graph_one_extraction_at_a_time_is_the_same_graph():
    g = kgraph.build_graph(tricky())
    h = kgraph.build_graph([])
    for ex in tricky():
        kgraph.add_extraction(h, ex)
    assert list(h.nodes(data=True)) == list(g.nodes(data=True))
    assert list(h.edges(keys=True, data=True)) == list(g.edges(keys=True, data=True))


def test_entity_aggregate_round_trips_through_node_attributes():
    a = EntityAggregate.new(_ent("x", "X", "Method", aliases=["Ex"]))
    a.add(_ent("x", "X", "Method", aliases=["Ex"]))
    b = EntityAggregate.from_attrs("x", a.attrs())
    for e in (_ent("x", "Xs", "Model"), _ent("x", "X", "Model", proposed=True)):
        a.add(e)
        b.add(e)
    assert a.attrs() == b.attrs()


def test_read_extractions_and_passes(tmp_path, sample_extractions):
    path = tmp_path / "mentions.jsonl"
    path.write_text("".join(json.dumps(ex.to_json(), ensure_ascii=False) + "\n"
                            for ex in sample_extractions) + "\n", encoding="utf-8")
    back = list(read_extractions(path))
    assert [ex.to_json() for ex in back] == [ex.to_json() for ex in sample_extractions]
    for source in (path, str(path), sample_extractions, tuple(sample_extractions),
                   lambda: iter(sample_extractions)):
        read = passes(source)
        assert len(list(read())) == len(list(read())) == len(sample_extractions)
    with pytest.raises(TypeError, match="more than once"):
        passes(iter(sample_extractions))
    with pytest.raises(TypeError, match="more than once"):
        passes(ex for ex in sample_extractions)
