"""The knowledge graph as a NetworkX MultiDiGraph, and plain-function analytics over it.

Node keys:
  ``paper:<paper id>``   kind="paper", label, title, abstract, date, url, authors (and
                         citekey, the BibTeX key, when the input gives one)
  ``entity:<entity id>`` kind="entity", label, type (the one most of its papers give),
                         type_papers ((type, papers) pairs), aliases (list), papers (count),
                         proposed_by (count)
Edges (edge key = relation name, so a MultiDiGraph holds one edge per relation and paper):
  paper -> entity   rel="mentions" or "proposes"; paper, field, start, end, text (the first
                    mention), spans (every mention: (field, start, end)), rule, confidence
  entity -> entity  rel in RELATION_TYPES; paper, field, start, end, sentence, rule, confidence
"""
from __future__ import annotations

import re
from collections import Counter
from itertools import combinations
from typing import Iterable

import networkx as nx

from .model import ENTITY_TYPES, PaperExtraction

PAPER, ENTITY = "paper", "entity"


def paper_node(paper_id: str) -> str:
    return f"paper:{paper_id}"


def entity_node(entity_id: str) -> str:
    return f"entity:{entity_id}"


def build_graph(extractions: Iterable[PaperExtraction]) -> nx.MultiDiGraph:
    """One node per paper and per canonical entity; typed edges carrying their provenance.

    Entities must already carry canonical ids (``kg.resolve``): the same id in two papers
    becomes one node.
    """
    g = nx.MultiDiGraph()
    for ex in extractions:
        add_extraction(g, ex)
    return g


def add_extraction(g: nx.MultiDiGraph, ex: PaperExtraction) -> None:
    p = ex.paper
    pn = paper_node(p.id)
    g.add_node(pn, kind=PAPER, label=p.title, title=p.title, abstract=p.abstract,
               date=p.date or "", url=p.url or "", authors=list(p.authors))
    if p.citekey:
        g.nodes[pn]["citekey"] = p.citekey
    for e in ex.entities:
        en = entity_node(e.id)
        if en not in g:
            g.add_node(en, kind=ENTITY, label=e.label or e.name, type=e.type, aliases=[], papers=0,
                       proposed_by=0)
        data = g.nodes[en]
        data["papers"] += 1
        # the node's type is the one most of its papers give it (ties by name)
        votes = dict(data.get("type_papers", ()))
        votes[e.type] = votes.get(e.type, 0) + 1
        data["type_papers"] = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        data["type"] = data["type_papers"][0][0]
        if e.proposed:
            data["proposed_by"] += 1
        for form in [e.name, *e.aliases]:
            if form != data["label"] and form not in data["aliases"]:
                data["aliases"].append(form)
        first = e.mentions[0] if e.mentions else None
        rel = "proposes" if e.proposed else "mentions"
        g.add_edge(pn, en, key=rel, rel=rel, paper=p.id,
                   field=first.field if first else "", start=first.start if first else -1,
                   end=first.end if first else -1, text=first.text if first else e.name,
                   spans=[(m.field, m.start, m.end) for m in e.mentions],
                   rule=e.rule, confidence=e.confidence)
    for r in ex.relations:
        h, t = entity_node(r.head_id), entity_node(r.tail_id)
        if h not in g or t not in g or h == t:
            continue
        g.add_edge(h, t, key=f"{r.rel}|{p.id}", rel=r.rel, paper=p.id, field=r.evidence.field,
                   start=r.evidence.start, end=r.evidence.end, sentence=r.evidence.text,
                   rule=r.rule, confidence=r.confidence)


# ---- analytics: plain functions over the graph ------------------------------------

def _check_type(type_, n_hint: bool = False) -> None:
    if type_ is None or type_ in ENTITY_TYPES:
        return
    hint = f" (to get the top {type_}, pass n={type_})" if n_hint and isinstance(type_, int) else ""
    raise ValueError(f"type_ must be one of {', '.join(ENTITY_TYPES)} or None, not {type_!r}{hint}")


def entities(g: nx.MultiDiGraph, type_: str | None = None) -> list[str]:
    """Entity nodes, of one type (``Method``, ``Model``, ``Dataset``, ``Benchmark``) or all."""
    _check_type(type_)
    return [n for n, d in g.nodes(data=True)
            if d.get("kind") == ENTITY and (type_ is None or d.get("type") == type_)]


def papers(g: nx.MultiDiGraph) -> list[str]:
    return [n for n, d in g.nodes(data=True) if d.get("kind") == PAPER]


def top_entities(g: nx.MultiDiGraph, type_: str | None = None, *, n: int = 10) -> list[tuple[str, int]]:
    """(label, number of papers) of the ``n`` most mentioned entities (of ``type_`` if given),
    ties broken by label.  ``n`` is keyword-only: ``top_entities(g, 5)`` is an error, not
    an empty list."""
    _check_type(type_, n_hint=True)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative integer, not {n!r}")
    rows = [(g.nodes[e]["label"], g.nodes[e]["papers"]) for e in entities(g, type_)]
    return sorted(rows, key=lambda r: (-r[1], r[0].casefold()))[:n]


def counts_by_type(g: nx.MultiDiGraph) -> dict[str, int]:
    return dict(Counter(g.nodes[e]["type"] for e in entities(g)))


def relation_counts(g: nx.MultiDiGraph) -> dict[str, int]:
    return dict(Counter(d["rel"] for _, _, d in g.edges(data=True)))


def cooccurrence(g: nx.MultiDiGraph, min_papers: int = 1) -> nx.Graph:
    """Entity-only undirected graph: an edge weighted by the papers that mention both."""
    co = nx.Graph()
    for e in entities(g):
        co.add_node(e, **{k: v for k, v in g.nodes[e].items()})
    for pn in papers(g):
        ents = sorted({v for _, v in g.out_edges(pn)})
        for a, b in combinations(ents, 2):
            w = co[a][b]["weight"] + 1 if co.has_edge(a, b) else 1
            co.add_edge(a, b, weight=w)
    drop = [(a, b) for a, b, w in co.edges(data="weight") if w < min_papers]
    co.remove_edges_from(drop)
    return co


def communities(g: nx.MultiDiGraph, seed: int = 0) -> list[set[str]]:
    """Communities of entities in the co-occurrence graph (Louvain, seeded: repeatable)."""
    co = cooccurrence(g)
    co.remove_nodes_from([n for n in list(co) if co.degree(n) == 0])
    if co.number_of_edges() == 0:
        return []
    return sorted(nx.community.louvain_communities(co, weight="weight", seed=seed),
                  key=lambda c: (-len(c), sorted(c)))


def neighbourhood(g: nx.MultiDiGraph, node: str, hops: int = 1) -> nx.MultiDiGraph:
    """The subgraph within ``hops`` undirected steps of ``node``."""
    keep = nx.single_source_shortest_path_length(g.to_undirected(as_view=True), node, cutoff=hops)
    return g.subgraph(keep).copy()


def find_entity(g: nx.MultiDiGraph, name: str) -> str | None:
    """The entity node whose label or alias equals ``name`` (case-insensitive)."""
    key = name.casefold()
    for e in entities(g):
        d = g.nodes[e]
        if d["label"].casefold() == key or key in (a.casefold() for a in d["aliases"]):
            return e
    if entity_node(name) in g:
        return entity_node(name)
    return None


def _scalar(v):
    if isinstance(v, (list, tuple)):
        v = "|".join(":".join(map(str, x)) if isinstance(x, (list, tuple)) else str(x) for x in v)
    if isinstance(v, str):
        return xml_safe(v)
    return v


# characters XML 1.0 does not allow (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with each character XML cannot hold replaced by U+FFFD (offsets keep)."""
    return _NOT_XML.sub("\ufffd", text) if _NOT_XML.search(text) else text


def to_graphml_ready(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph as GraphML and GEXF can hold it: lists become '|'-joined strings (spans
    'field:start:end'), text loses the characters XML cannot hold (replaced by U+FFFD),
    and every edge gets a key unique in the whole file (``e0``, ``e1``, ... in edge order;
    the relation stays in the ``rel`` attribute), so that tools keying edges by id (Gephi)
    keep them all."""
    h = nx.MultiDiGraph()
    h.graph.update(g.graph)
    for node, d in g.nodes(data=True):
        h.add_node(xml_safe(node), **{k: _scalar(v) for k, v in d.items()})
    for i, (u, v, d) in enumerate(g.edges(data=True)):
        h.add_edge(xml_safe(u), xml_safe(v), key=f"e{i}", **{k: _scalar(x) for k, x in d.items()})
    return h


def to_gexf_ready(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """As :func:`to_graphml_ready`, with the evidence offsets ``start`` / ``end`` renamed
    ``span_start`` / ``span_end``: GEXF reads attributes of those names as time spans."""
    h = to_graphml_ready(g)
    for _, d in h.nodes(data=True):
        for k in ("start", "end"):
            if k in d:
                d[f"span_{k}"] = d.pop(k)
    for _, _, d in h.edges(data=True):
        for k in ("start", "end"):
            if k in d:
                d[f"span_{k}"] = d.pop(k)
    return h
