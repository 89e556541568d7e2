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

A paper's node and edges are functions of its extraction alone (:func:`paper_attrs`,
:func:`mention_edges`, :func:`relation_edges`); an entity node is what
:class:`kg.aggregate.EntityAggregate` computes over the papers. The build writes GraphML and
GEXF from the stream with those (:class:`GraphExport`), without a graph of everything;
:func:`build_graph` holds the whole graph, for analytics, views and notebooks.
"""
from __future__ import annotations

import re
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator

import networkx as nx

from .aggregate import EntityAggregate
from .model import ENTITY_TYPES, Paper, PaperExtraction, Relation

if TYPE_CHECKING:
    from .aggregate import Aggregates
    from .fragments import FragmentCache, PaperLine

PAPER, ENTITY = "paper", "entity"


def paper_node(paper_id: str) -> str:
    return f"paper:{paper_id}"


def entity_node(entity_id: str) -> str:
    return f"entity:{entity_id}"


def build_graph(extractions: Iterable[PaperExtraction]) -> nx.MultiDiGraph:
    """One node per paper and per canonical entity; typed edges carrying their provenance.

    Entities must already carry canonical ids (``kg.resolve``): the same id in two papers
    becomes one node. The whole graph is held in memory (about 6 kB a paper); the build's
    exports read the stream instead (``kg.aggregate``), and this is for analytics, views and
    notebooks.
    """
    g = nx.MultiDiGraph()
    aggs: dict[str, EntityAggregate] = {}
    for ex in extractions:
        _add(g, ex, aggs)
    return g


def add_extraction(g: nx.MultiDiGraph, ex: PaperExtraction) -> None:
    """Add one paper's extraction to ``g`` (its entity nodes' counts, types and aliases
    updated as :class:`kg.aggregate.EntityAggregate` computes them)."""
    _add(g, ex, None)


def paper_attrs(p: Paper) -> dict[str, Any]:
    """The node attributes of ``paper:<id>``."""
    d: dict[str, Any] = {"kind": PAPER, "label": p.title, "title": p.title, "abstract": p.abstract,
                         "date": p.date or "", "url": p.url or "", "authors": list(p.authors)}
    if p.citekey:
        d["citekey"] = p.citekey
    return d


def mention_edges(ex: PaperExtraction) -> dict[tuple[str, str], dict[str, Any]]:
    """The paper's edges to its entities: (entity node, key) -> attributes, in the order the
    graph holds them. The key is the relation (``mentions`` / ``proposes``), so an entity the
    paper lists twice with one relation is one edge (the later listing's attributes)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    pid = ex.paper.id
    for e in ex.entities:
        first = e.mentions[0] if e.mentions else None
        rel = "proposes" if e.proposed else "mentions"
        out[(entity_node(e.id), rel)] = {
            "rel": rel, "paper": pid, "field": first.field if first else "",
            "start": first.start if first else -1, "end": first.end if first else -1,
            "text": first.text if first else e.name,
            "spans": [(m.field, m.start, m.end) for m in e.mentions],
            "rule": e.rule, "confidence": e.confidence}
    return out


def relation_edges(ex: PaperExtraction, known: Callable[[Relation], bool]
                   ) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The paper's relation edges: (head node, tail node, key) -> attributes, the key
    ``<rel>|<paper id>`` (one edge per relation, pair and paper: the last statement's
    evidence). ``known(relation)``: whether both its entities are nodes by then."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    pid = ex.paper.id
    for r in ex.relations:
        if not known(r):
            continue
        out[(entity_node(r.head_id), entity_node(r.tail_id), f"{r.rel}|{pid}")] = {
            "rel": r.rel, "paper": pid, "field": r.evidence.field, "start": r.evidence.start,
            "end": r.evidence.end, "sentence": r.evidence.text, "rule": r.rule,
            "confidence": r.confidence}
    return out


def _add(g: nx.MultiDiGraph, ex: PaperExtraction, aggs: dict[str, EntityAggregate] | None) -> None:
    pn = paper_node(ex.paper.id)
    g.add_node(pn, **paper_attrs(ex.paper))
    nodes = g.nodes
    for e in ex.entities:
        en = entity_node(e.id)
        if en not in g:
            a = EntityAggregate.new(e)
            a.add(e)
            g.add_node(en, **a.attrs())
        else:
            a = aggs.get(e.id) if aggs is not None else None
            if a is None:
                a = EntityAggregate.from_attrs(e.id, nodes[en])
            a.add(e)
            nodes[en].update(a.attrs())
        if aggs is not None:
            aggs[e.id] = a
    for (en, key), d in mention_edges(ex).items():
        g.add_edge(pn, en, key=key, **d)

    def known(r: Relation) -> bool:
        return (r.head_id != r.tail_id and entity_node(r.head_id) in g
                and entity_node(r.tail_id) in g)

    for (h, t, key), d in relation_edges(ex, known).items():
        g.add_edge(h, t, key=key, **d)


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


# ---- GraphML, written in a stream ------------------------------------------------------
# The build writes graph.graphml paper by paper from the resolved stream and the entity
# aggregates (kg.aggregate), not from a graph of everything: the keys are declared up front
# from this fixed schema (attribute, GraphML type), entity nodes come first, then each paper
# node with its edges. networkx.read_graphml (and kg.views.load_graphml) reads it back to
# the graph to_graphml_ready(build_graph(...)) gives, but for edge ids, which follow the
# stream ("e0", "e1", ... paper by paper). GraphExport / write_graph_file below.

GRAPHML_NODE_KEYS: tuple[tuple[str, str], ...] = (
    ("kind", "string"), ("label", "string"), ("title", "string"), ("abstract", "string"),
    ("date", "string"), ("url", "string"), ("authors", "string"), ("citekey", "string"),
    ("type", "string"), ("aliases", "string"), ("papers", "long"), ("proposed_by", "long"),
    ("type_papers", "string"))
GRAPHML_EDGE_KEYS: tuple[tuple[str, str], ...] = (
    ("rel", "string"), ("paper", "string"), ("field", "string"), ("start", "long"),
    ("end", "long"), ("text", "string"), ("spans", "string"), ("sentence", "string"),
    ("rule", "string"), ("confidence", "double"))

_XML_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_XML_ATTR = {**_XML_TEXT, '"': "&quot;", "\n": "&#10;", "\t": "&#09;"}
_XML_TEXT_RE = re.compile("[&<>\r]")
_XML_ATTR_RE = re.compile('[&<>\r"\n\t]')


def _xml_text(s: str) -> str:
    s = xml_safe(s)
    return _XML_TEXT_RE.sub(lambda m: _XML_TEXT[m.group(0)], s) if _XML_TEXT_RE.search(s) else s


def _xml_attr(s: str) -> str:
    s = xml_safe(s)
    return _XML_ATTR_RE.sub(lambda m: _XML_ATTR[m.group(0)], s) if _XML_ATTR_RE.search(s) else s


def _typed_values(keys: dict[str, tuple[str, str]], attrs: dict[str, Any],
                  escape: Callable[[str], str]) -> Iterator[tuple[str, str]]:
    """(key id, text) of each attribute with a value, as its declared type writes it."""
    for k, v in attrs.items():
        kid, t = keys[k]
        if v is None:
            continue
        if t == "long":
            yield kid, str(int(v))
        elif t == "double":
            yield kid, str(float(v))
        else:
            yield kid, escape(str(_scalar(v)))


class GraphMLStreamWriter:
    """GraphML written element by element to ``fh`` (text, UTF-8): ``node(id, attrs)``,
    ``edge(u, v, attrs)`` (ids ``e0``, ``e1``, ...), then ``close()``. Attributes are those
    of :data:`GRAPHML_NODE_KEYS` / :data:`GRAPHML_EDGE_KEYS` (others are an error); lists
    become '|'-joined strings and text loses what XML cannot hold, as in
    :func:`to_graphml_ready`."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.edges = 0
        self._node_keys = {name: (f"d{i}", t) for i, (name, t) in enumerate(GRAPHML_NODE_KEYS)}
        n = len(GRAPHML_NODE_KEYS)
        self._edge_keys = {name: (f"d{n + i}", t) for i, (name, t) in enumerate(GRAPHML_EDGE_KEYS)}
        fh.write("<?xml version='1.0' encoding='utf-8'?>\n"
                 '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                 'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
        for scope, keys in (("node", self._node_keys), ("edge", self._edge_keys)):
            for name, (kid, t) in keys.items():
                fh.write(f'  <key id="{kid}" for="{scope}" attr.name="{name}" attr.type="{t}" />\n')
        fh.write('  <graph edgedefault="directed">\n')

    def _data(self, keys: dict[str, tuple[str, str]], attrs: dict[str, Any]) -> str:
        return "".join(f'      <data key="{kid}">{text}</data>\n' if text else
                       f'      <data key="{kid}" />\n'
                       for kid, text in _typed_values(keys, attrs, _xml_text))

    def node(self, node: str, attrs: dict[str, Any]) -> None:
        self.fh.write(self.node_text(node, attrs))

    def node_text(self, node: str, attrs: dict[str, Any]) -> str:
        return f'    <node id="{_xml_attr(node)}">\n{self._data(self._node_keys, attrs)}    </node>\n'

    def edge(self, u: str, v: str, attrs: dict[str, Any]) -> None:
        self.write_piece(self.edge_text(u, v, attrs), 1)

    def edge_text(self, u: str, v: str, attrs: dict[str, Any]) -> str:
        """The edge's element, a NUL where its number goes (XML text holds no NUL)."""
        return (f'    <edge source="{_xml_attr(u)}" target="{_xml_attr(v)}" id="e\0">\n'
                f'{self._data(self._edge_keys, attrs)}    </edge>\n')

    def write_piece(self, text: str, edges: int) -> None:
        """Elements from :meth:`node_text` and :meth:`edge_text` (``edges`` of them edges),
        the edges numbered on from the last one written."""
        if edges:
            parts = text.split("\0")
            text = "".join(part + str(self.edges + k) for k, part in enumerate(parts[:-1])) + parts[-1]
            self.edges += edges
        self.fh.write(text)

    def close(self) -> None:
        self.fh.write("  </graph>\n</graphml>\n")


# ---- GEXF, written in a stream ---------------------------------------------------------
# As GraphML, with GEXF's layout: the attributes declared up front, <nodes> (entities from
# the aggregates, then each paper) and <edges>, which the stream gives paper by paper along
# with the nodes, so they wait in an unnamed temporary file until the nodes are written.
# networkx.read_gexf reads it back to the graph to_gexf_ready(build_graph(...)) gives, but
# for edge ids (here in stream order). No modification date: the same input, the same bytes.

GEXF_NODE_KEYS: tuple[tuple[str, str], ...] = tuple(
    (name, t) for name, t in GRAPHML_NODE_KEYS if name != "label")  # the label is the node's own
GEXF_EDGE_KEYS: tuple[tuple[str, str], ...] = tuple(
    ({"start": "span_start", "end": "span_end"}.get(name, name), t)
    for name, t in GRAPHML_EDGE_KEYS) + (("networkx_key", "string"),)


class GEXFStreamWriter:
    """GEXF 1.2 written element by element: ``node(id, attrs)`` (before any edge),
    ``edge(u, v, attrs)``, then ``close()``. ``spool``: a text file the edges wait in
    until the nodes are done (default: an unnamed temporary file)."""

    def __init__(self, fh: IO[str], spool: IO[str] | None = None) -> None:
        import tempfile
        self.fh = fh
        self.spool = spool if spool is not None else tempfile.TemporaryFile(
            "w+", encoding="utf-8", prefix="kg-gexf-")
        self.edges = 0
        self._node_keys = {name: (str(i), t) for i, (name, t) in enumerate(GEXF_NODE_KEYS)}
        n = len(GEXF_NODE_KEYS)
        self._edge_keys = {name: (str(n + i), t) for i, (name, t) in enumerate(GEXF_EDGE_KEYS)}
        fh.write("<?xml version='1.0' encoding='utf-8'?>\n"
                 '<gexf xmlns="http://www.gexf.net/1.2draft" '
                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 'xsi:schemaLocation="http://www.gexf.net/1.2draft '
                 'http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
                 '  <meta>\n    <creator>kg</creator>\n  </meta>\n'
                 '  <graph defaultedgetype="directed" mode="static" name="">\n')
        for cls, keys in (("edge", self._edge_keys), ("node", self._node_keys)):
            fh.write(f'    <attributes mode="static" class="{cls}">\n')
            for name, (kid, t) in keys.items():
                fh.write(f'      <attribute id="{kid}" title="{name}" type="{t}" />\n')
            fh.write("    </attributes>\n")
        fh.write("    <nodes>\n")

    def _values(self, keys: dict[str, tuple[str, str]], attrs: dict[str, Any]) -> str:
        out = "".join(f'          <attvalue for="{kid}" value="{text}" />\n'
                      for kid, text in _typed_values(keys, attrs, _xml_attr))
        return "        <attvalues>\n" + out + "        </attvalues>\n" if out else ""

    def node(self, node: str, attrs: dict[str, Any]) -> None:
        attrs = dict(attrs)
        label = attrs.pop("label", node)
        self.fh.write(f'      <node id="{_xml_attr(node)}" label="{_xml_attr(str(label))}">\n'
                      f'{self._values(self._node_keys, attrs)}      </node>\n')

    def edge(self, u: str, v: str, attrs: dict[str, Any]) -> None:
        d = {{"start": "span_start", "end": "span_end"}.get(k, k): x for k, x in attrs.items()}
        d["networkx_key"] = f"e{self.edges}"
        self.spool.write(f'      <edge source="{_xml_attr(u)}" target="{_xml_attr(v)}" '
                         f'id="{self.edges}">\n{self._values(self._edge_keys, d)}      </edge>\n')
        self.edges += 1

    def close(self) -> None:
        import shutil
        self.fh.write("    </nodes>\n    <edges>\n")
        self.spool.flush()
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, self.fh, 1 << 20)
        self.spool.close()
        self.fh.write("    </edges>\n  </graph>\n</gexf>\n")


class GraphExport:
    """``graph.graphml`` or ``graph.gexf`` from the resolved stream: ``add(ordinal,
    extraction)`` for each paper in stream order, then ``close()``. The entity nodes (from
    ``aggregates``, which must be those of the same stream) are written first."""

    def __init__(self, fh: IO[str], aggregates: "Aggregates", fmt: str = "graphml") -> None:
        self.w = GraphMLStreamWriter(fh) if fmt == "graphml" else GEXFStreamWriter(fh)
        self.agg = aggregates
        for a in aggregates.entities.values():
            self.w.node(entity_node(a.id), a.attrs())

    def add(self, ordinal: int, ex: PaperExtraction) -> None:
        w = self.w
        if isinstance(w, GraphMLStreamWriter):
            w.write_piece(*self.piece(ordinal, ex))
            return
        pn = paper_node(ex.paper.id)
        w.node(pn, paper_attrs(ex.paper))
        for (en, _), d in mention_edges(ex).items():
            w.edge(pn, en, d)
        if ex.relations:
            for (h, t, _), d in relation_edges(ex, lambda r: self.agg.known(r, ordinal)).items():
                w.edge(h, t, d)

    def piece(self, ordinal: int, ex: PaperExtraction) -> tuple[str, int]:
        """GraphML only: the paper's elements, its edges unnumbered
        (:meth:`GraphMLStreamWriter.write_piece`), and how many edges they hold: what an
        incremental build keeps of the paper (``kg.fragments``)."""
        w = self.w
        pn = paper_node(ex.paper.id)
        parts = [w.node_text(pn, paper_attrs(ex.paper))]
        for (en, _), d in mention_edges(ex).items():
            parts.append(w.edge_text(pn, en, d))
        if ex.relations:
            for (h, t, _), d in relation_edges(ex, lambda r: self.agg.known(r, ordinal)).items():
                parts.append(w.edge_text(h, t, d))
        return "".join(parts), len(parts) - 1

    def add_pieces(self, batch: "list[tuple[int, PaperLine, str]]", fragments: "FragmentCache") -> None:
        """Papers of the stream as (ordinal, line, fragment key): each one's
        elements from ``fragments`` when an earlier build kept them, else written and kept."""
        if not isinstance(self.w, GraphMLStreamWriter):
            for i, line, _ in batch:
                self.add(i, PaperExtraction.from_json(line.record))
            return
        found = fragments.get_graphml([key for _, _, key in batch])
        new: dict[str, tuple[str, int]] = {}
        for i, line, key in batch:
            piece = found.get(key) or new.get(key)
            if piece is None:
                piece = new[key] = self.piece(i, PaperExtraction.from_json(line.record))
            self.w.write_piece(*piece)
        fragments.put_graphml(new.items())

    def close(self) -> None:
        self.w.close()


def write_graph_file(source, aggregates: "Aggregates | None", path, fmt: str = "graphml") -> Path:
    """Write ``graph.graphml`` (``fmt="gexf"``: ``graph.gexf``) of a resolved stream (a
    ``mentions.jsonl`` path, a list, ...: :func:`kg.aggregate.passes`) to ``path``,
    atomically, in a stream. ``aggregates``: those of the same stream (None: computed here,
    one more pass)."""
    from .aggregate import Aggregates, passes
    from .atomic import atomic_write
    if fmt not in ("graphml", "gexf"):
        raise ValueError(f"unknown graph format {fmt!r}: graphml or gexf")
    read = passes(source)
    agg = aggregates if aggregates is not None else Aggregates.of(read())
    path = Path(path)
    with atomic_write(path) as fh:
        out = GraphExport(fh, agg, fmt)
        for i, ex in enumerate(read()):
            out.add(i, ex)
        out.close()
    return path
