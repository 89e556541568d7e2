"""The interactive graph page: ONE self-contained HTML file that opens offline.

``write_page(g, path)`` turns a knowledge graph (the ``kg.graph`` MultiDiGraph) into a
page drawn by vis-network.  The vis-network script is the copy that ships inside the
pyvis package, inlined; nothing is loaded from a CDN (no Bootstrap, no remote fonts).

Safety: every string that comes from a paper is untrusted.  The data reaches the page
only as JSON inside ``<script type="application/json">`` with ``< > &`` and U+2028/2029
escaped (so no text can close the script element), and the page script builds the side
panel with ``textContent``/``createElement`` only.  Node and edge tooltips are plain
strings, which vis-network 9 shows with ``innerText``.  Paper links are kept only when
they are http(s) URLs.

Views (``select_view``):
  ``view="full"``      papers and entities, with mentions/proposes and typed relations
  ``view="entities"``  entities only: co-occurrence edges (width = shared papers) plus the
                       typed relations
  ``entity="DPO", hops=2``   the neighbourhood of one entity (in either view)
  ``types=["Method", ...]``  keep entities of these types (papers stay in the full view
                       when they mention a kept entity; add "Paper" to keep them all)

Big graphs: the page embeds at most ``max_embedded`` nodes (the best connected) and shows
the top ``max_nodes`` at first; double-clicking a node (or "Show hidden neighbours" in
its panel) adds its embedded neighbours.  The page says when it shows or embeds less
than the whole graph.  The build makes the same page without the whole graph: it picks
those nodes from the entity aggregates and one read of the resolved stream
(:class:`PageSelector`), then reads the stream again for just the graph the page holds
(:func:`page_graph`); ``write_page(stream, path, aggregates=...)`` does both.

The page script exposes ``window.network`` (the vis Network), ``window.nodes`` and
``window.edges`` (the vis DataSets), ``window.KG`` (the data and the page's functions:
``search``, ``focus``, ``expand``, ``showPanel``, ``setType``, ``setRelation``) and
``window.kgTimes`` (``firstDraw``, ``stabilized``, ``ready`` in ``performance.now()`` ms) and
``window.kgReady`` (true once the graph is drawn in its final layout).

Layout: the nodes drawn at first carry positions computed here (``layout_positions``), and
vis-network starts with physics off, so the first drawing is the final one; nodes added
later (expand, search) are placed near a drawn neighbour and settle with a short physics
run while every other node is pinned.
"""
from __future__ import annotations

import difflib
import html
import json
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

import networkx as nx

from .atomic import atomic_write
from .graph import ENTITY, PAPER, cooccurrence, entity_node, find_entity, neighbourhood, paper_node

if TYPE_CHECKING:
    from .aggregate import Aggregates
    from .model import PaperExtraction

TEMPLATES = Path(__file__).parent / "templates"

VIEWS = ("full", "entities")
LAYOUTS = ("precomputed", "physics")
DEFAULT_MAX_NODES = 1500
CO_OCCURS = "co_occurs"
PAPER_TYPE = "Paper"

# Node style by type: vis-network shape and colour.  Unknown types get the fallback palette.
NODE_STYLES: dict[str, dict[str, str]] = {
    "Method": {"shape": "dot", "color": "#4e79a7"},
    "Model": {"shape": "diamond", "color": "#f28e2b"},
    "Dataset": {"shape": "triangle", "color": "#59a14f"},
    "Benchmark": {"shape": "star", "color": "#e15759"},
    "Task": {"shape": "triangleDown", "color": "#b07aa1"},
    "Metric": {"shape": "hexagon", "color": "#9c755f"},
    PAPER_TYPE: {"shape": "square", "color": "#8a939e"},
}
FALLBACK_COLORS = ("#76b7b2", "#edc948", "#ff9da7", "#bab0ac", "#86bcb6", "#d4a6c8")
TYPE_ORDER = ("Method", "Model", "Dataset", "Benchmark", "Task", "Metric")

# Edge style by relation: colour, dashes (False or a dash pattern), arrow, base width.
EDGE_STYLES: dict[str, dict[str, Any]] = {
    "proposes": {"color": "#3c4043", "dashes": False, "arrows": True, "width": 2},
    "mentions": {"color": "#c3c8cf", "dashes": False, "arrows": True, "width": 1},
    "based_on": {"color": "#8e44ad", "dashes": False, "arrows": True, "width": 2},
    "trained_on": {"color": "#2e8b57", "dashes": [8, 4], "arrows": True, "width": 2},
    "evaluated_on": {"color": "#e8731a", "dashes": [3, 4], "arrows": True, "width": 2},
    "outperforms": {"color": "#d62728", "dashes": False, "arrows": True, "width": 2.5},
    "compared_with": {"color": "#1f77b4", "dashes": [10, 4, 2, 4], "arrows": False, "width": 2},
    "uses": {"color": "#12a4b6", "dashes": [5, 3], "arrows": True, "width": 2},
    CO_OCCURS: {"color": "#cfd4da", "dashes": False, "arrows": False, "width": 1},
}
FALLBACK_EDGE = {"color": "#7f7f7f", "dashes": [2, 2], "arrows": True, "width": 1.5}
REL_ORDER = ("proposes", "mentions", "based_on", "trained_on", "evaluated_on", "outperforms",
             "compared_with", "uses", CO_OCCURS)
PAPER_RELS = ("mentions", "proposes")

MAX_EVIDENCE_PER_EDGE = 25  # statements listed per edge in the panel
MAX_PAPERS_PER_ENTITY = 60  # papers listed per entity in the panel
EMBED_FACTOR = 4  # default max_embedded = EMBED_FACTOR * max_nodes
EDGE_FACTOR = 4  # edges embedded at most: EDGE_FACTOR * nodes embedded
INITIAL_EDGE_FACTOR = 6  # edges drawn at first at most: INITIAL_EDGE_FACTOR * max_nodes
LIST_ATTRS = ("aliases", "authors")


# ---- loading ------------------------------------------------------------------------

def load_graphml(path: str | Path) -> nx.MultiDiGraph:
    """Read the build's ``graph.graphml`` (a file, or a directory holding it) back into the
    ``kg.graph`` schema: '|'-joined list attributes (aliases, authors) become lists again."""
    p = Path(path)
    if p.is_dir():
        p = p / "graph.graphml"
    if not p.is_file():
        raise FileNotFoundError(f"no graph file at {p}")
    g = nx.read_graphml(p, force_multigraph=True)
    if not g.is_directed():
        g = nx.MultiDiGraph(g)
    for _, d in g.nodes(data=True):
        for k in LIST_ATTRS:
            v = d.get(k)
            if isinstance(v, str):
                d[k] = [x for x in v.split("|") if x] if v else []
            elif v is None and d.get("kind") == ENTITY and k == "aliases":
                d[k] = []
        for k in ("papers", "proposed_by"):
            if k in d:
                try:
                    d[k] = int(d[k])
                except (TypeError, ValueError):
                    d[k] = 0
    for _, _, d in g.edges(data=True):
        d.pop("id", None)
    return g


# ---- views -----------------------------------------------------------------------------

def entity_graph(g: nx.MultiDiGraph, min_papers: int = 1) -> nx.MultiDiGraph:
    """Entities only: the typed relation edges of ``g`` plus one ``co_occurs`` edge per
    pair of entities mentioned by a common paper (``weight`` = number of such papers)."""
    h = nx.MultiDiGraph()
    for n, d in g.nodes(data=True):
        if d.get("kind") == ENTITY:
            h.add_node(n, **d)
    for u, v, k, d in g.edges(keys=True, data=True):
        if u in h and v in h:
            h.add_edge(u, v, key=k, **d)
    co = cooccurrence(g, min_papers=min_papers)
    for a, b, w in co.edges(data="weight"):
        a, b = sorted((a, b))
        h.add_edge(a, b, key=CO_OCCURS, rel=CO_OCCURS, weight=int(w))
    return h


def select_view(g: nx.MultiDiGraph, view: str = "full", entity: str | None = None,
                hops: int = 2, types: Iterable[str] | None = None) -> nx.MultiDiGraph:
    """The subgraph a page shows.  See the module docstring for the views."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}: expected one of {', '.join(VIEWS)}")
    h = entity_graph(g) if view == "entities" else g
    centre = None
    if entity:
        centre = resolve_entity(g, entity)
        if centre not in h:
            raise ValueError(f"entity {entity!r} is not in the {view} view")
        h = neighbourhood(h, centre, hops=max(0, int(hops)))
    if types:
        keep_types = {t.strip() for t in types if t and t.strip()}
        keep_types_cf = {t.casefold() for t in keep_types}
        known = {d.get("type") for _, d in g.nodes(data=True) if d.get("kind") == ENTITY}
        known_cf = {str(t).casefold() for t in known} | {PAPER_TYPE.casefold()}
        unknown = sorted(t for t in keep_types if t.casefold() not in known_cf)
        if unknown and not (keep_types_cf & known_cf):
            raise ValueError(f"no entity has type {', '.join(unknown)}; types in the graph: "
                             f"{', '.join(sorted(str(t) for t in known)) or 'none'}")
        ents = {n for n, d in h.nodes(data=True)
                if d.get("kind") == ENTITY and (str(d.get("type", "")).casefold() in keep_types_cf
                                                or n == centre)}
        if PAPER_TYPE.casefold() in keep_types_cf:
            pap = {n for n, d in h.nodes(data=True) if d.get("kind") == PAPER}
        else:
            pap = {n for n, d in h.nodes(data=True)
                   if d.get("kind") == PAPER and any(v in ents for v in h.successors(n))}
        h = h.subgraph(ents | pap).copy()
    return h


def resolve_entity(g: nx.MultiDiGraph, name: str) -> str:
    """The entity node for ``name`` (label, alias or id), or a ValueError naming close matches."""
    node = find_entity(g, name)
    if node is not None:
        return node
    labels = sorted({form for _, d in g.nodes(data=True) if d.get("kind") == ENTITY
                     for form in [d["label"], *(d.get("aliases") or [])]})
    close = difflib.get_close_matches(name, labels, n=5, cutoff=0.6)
    if not close:
        key = name.casefold()
        close = [lab for lab in labels if key in lab.casefold()][:5]
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    raise ValueError(f"no entity named {name!r} in the graph{hint}")


# ---- layout -------------------------------------------------------------------------------
# The page opens drawn: positions are computed here, once, and vis-network starts with physics
# off.  A force-directed layout (Fruchterman-Reingold style, on numpy: every pair of nodes of
# a component repels with 1/d^2, which keeps leaves near their hub and the core even, and
# edges attract with d^2) of each connected component of the DRAWN subgraph only (at most
# ``max_nodes`` nodes, 1,500 by default: about 3 s on a busy 2-core machine; exact up to
# LAYOUT_EXACT nodes a component, beyond it each step samples the repulsion, so tens of
# thousands of drawn nodes stay within a minute); components are then packed largest first on a
# spiral.  Deterministic: a fixed seed, a fixed node order, coordinates rounded to pixels.
# networkx's own layouts were measured and left: spring_layout needs scipy beyond 500 nodes,
# forceatlas2_layout took 59 s on 1,500 nodes.

LAYOUT_SEED = 7
EDGE_PX = 80.0  # the layout's ideal edge length, in vis-network canvas units (pixels at scale 1)
LAYOUT_CHUNK = 64  # rows of the repulsion matrix computed at once (bounds the memory used)
LAYOUT_EXACT = 2500  # above this many nodes in a component, repulsion from a random sample


def _fr_component(n: int, src: Any, dst: Any, w: Any, rng: Any) -> Any:
    """Force-directed positions (ideal edge length about 1) of one connected component."""
    import numpy as np

    if n == 1:
        return np.zeros((1, 2))
    if n == 2:
        return np.array([[-0.5, 0.0], [0.5, 0.0]])
    side = np.sqrt(n)
    pos = rng.uniform(-side / 2, side / 2, size=(n, 2)).astype(np.float32)
    iterations = 120 if n <= 300 else 90 if n <= 1500 else 60 if n <= 4000 else 40
    t = side / 8  # the largest step, cooled linearly to (almost) nothing
    cool = t / (iterations + 1)
    bufs = [np.empty((min(n, LAYOUT_CHUNK), min(n, LAYOUT_EXACT)), dtype=np.float32) for _ in range(4)]
    for _ in range(iterations):
        x, y = pos[:, 0], pos[:, 1]
        # repulsion between every pair; in a very big component, from a fresh random sample
        # of LAYOUT_EXACT nodes each step, scaled up (so the cost grows linearly, not squared)
        if n > LAYOUT_EXACT:
            pick = np.sort(rng.choice(n, LAYOUT_EXACT, replace=False))
            sx, sy, scale = x[pick], y[pick], np.float32(n / LAYOUT_EXACT)
        else:
            sx, sy, scale = x, y, None
        disp = np.empty((n, 2), dtype=np.float32)
        for a in range(0, n, LAYOUT_CHUNK):
            b = min(n, a + LAYOUT_CHUNK)
            # (into buffers made once: allocating four chunk-sized arrays a step cost more
            # than the arithmetic)
            dx, dy, inv, tmp = (buf[: b - a, : len(sx)] for buf in bufs)
            np.subtract(x[a:b, None], sx[None, :], out=dx)
            np.subtract(y[a:b, None], sy[None, :], out=dy)
            np.multiply(dx, dx, out=inv)
            np.multiply(dy, dy, out=tmp)
            inv += tmp
            np.maximum(inv, 1e-4, out=inv)
            np.reciprocal(inv, out=inv)
            np.sqrt(inv, out=tmp)
            inv *= tmp
            dx *= inv
            dy *= inv
            disp[a:b, 0] = dx.sum(axis=1)  # repulsion delta / d^3, i.e. 1 / d^2
            disp[a:b, 1] = dy.sum(axis=1)
        if scale is not None:
            disp *= scale
        delta = pos[src] - pos[dst]  # attraction d^2 along the edges
        dist = np.sqrt(np.einsum("ij,ij->i", delta, delta))
        f = (delta * (dist * w)[:, None])
        np.subtract.at(disp, src, f)
        np.add.at(disp, dst, f)
        disp -= 0.02 * pos  # a little gravity keeps loose parts from drifting off
        length = np.sqrt(np.einsum("ij,ij->i", disp, disp))
        np.maximum(length, 1e-9, out=length)
        pos += disp * (np.minimum(length, t) / length)[:, None]
        t -= cool
    return pos - pos.mean(axis=0)


def _pack(blocks: list[tuple[Any, float]]) -> list[tuple[float, float]]:
    """Offsets placing circles (largest first, as given) on a spiral, without overlaps."""
    import math

    import numpy as np

    # the circles placed so far as arrays: each step of the spiral tests them all at once
    # (a Python loop over them made the page of a large graph quadratic in its components)
    px, py, pr = (np.zeros(len(blocks)) for _ in range(3))
    out = []
    ang = rad = 0.0
    for k, (_, r) in enumerate(blocks):
        if k == 0:
            pr[0] = r
            out.append((0.0, 0.0))
            continue
        if k == 1:
            ang, rad = 0.0, float(pr[0]) + r
        # (later circles, no larger than the last, go on along the spiral from where that
        # one was placed, instead of walking again past every circle placed before it)
        while True:
            x, y = rad * math.cos(ang), rad * math.sin(ang)
            if bool(np.all((x - px[:k]) ** 2 + (y - py[:k]) ** 2 >= (r + pr[:k]) ** 2)):
                break
            step = max(0.15, min(1.0, (r + 0.5) / rad))
            ang += step
            rad += 0.04 * (r + 0.5) * step
        px[k], py[k], pr[k] = x, y, r
        out.append((x, y))
    return out


def layout_positions(nodes: Sequence[str], edges: Iterable[tuple[str, str, float]],
                     seed: int = LAYOUT_SEED) -> dict[str, tuple[int, int]]:
    """Canvas positions (integers) of ``nodes`` from a force-directed layout over ``edges``
    (pairs of those nodes, with a weight): each connected component laid out on its own,
    then the components packed around the largest.  The same input gives the same output."""
    import numpy as np

    index = {n: i for i, n in enumerate(nodes)}
    weight: dict[tuple[int, int], float] = {}
    for u, v, wt in edges:
        if u in index and v in index and u != v:
            a, b = sorted((index[u], index[v]))
            weight[(a, b)] = weight.get((a, b), 0.0) + float(wt)
    comp = nx.Graph()
    comp.add_nodes_from(range(len(nodes)))
    comp.add_edges_from(weight)
    comps = sorted((sorted(c) for c in nx.connected_components(comp)), key=lambda c: (-len(c), c[0]))
    rng = np.random.default_rng(seed)
    blocks = []
    for members in comps:
        local = {g: i for i, g in enumerate(members)}
        pairs = [(local[a], local[b], w) for a in members for b in comp.neighbors(a)
                 if a < b for w in [weight[(a, b)]]]
        src = np.array([p[0] for p in pairs], dtype=np.intp)
        dst = np.array([p[1] for p in pairs], dtype=np.intp)
        # heavier edges (co-occurrence in many papers, repeated statements) pull a bit harder
        w = 1.0 + np.log(np.array([p[2] for p in pairs], dtype=float)) if pairs else np.zeros(0)
        pos = _fr_component(len(members), src, dst, np.maximum(w, 1.0).astype(np.float32), rng)
        # packed by the circle holding 95% of it: a stray leaf may reach past its neighbours'
        # circles, but no component sits outside an empty ring around the main one
        radius = float(np.quantile(np.sqrt((pos ** 2).sum(axis=1)), 0.95)) + 0.6
        blocks.append((pos, radius))
    out: dict[str, tuple[int, int]] = {}
    for (pos, _), (ox, oy), members in zip(blocks, _pack(blocks), comps):
        for (x, y), i in zip(pos.tolist(), members):
            out[nodes[i]] = (int(round((x + ox) * EDGE_PX)), int(round((y + oy) * EDGE_PX)))
    return out


# ---- page data ---------------------------------------------------------------------------

def type_style(type_: str, all_types: Sequence[str] = ()) -> dict[str, str]:
    if type_ in NODE_STYLES:
        return NODE_STYLES[type_]
    others = sorted(t for t in set(all_types) | {type_} if t not in NODE_STYLES)
    return {"shape": "dot", "color": FALLBACK_COLORS[others.index(type_) % len(FALLBACK_COLORS)]}


def rel_style(rel: str) -> dict[str, Any]:
    return EDGE_STYLES.get(rel, FALLBACK_EDGE)


def _lighten(hex_color: str, amount: float) -> str:
    h = hex_color.lstrip("#")
    r, g_, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    mix = lambda c: round(c + (255 - c) * amount)  # noqa: E731
    return "#{:02x}{:02x}{:02x}".format(mix(r), mix(g_), mix(b))


def _darken(hex_color: str, amount: float) -> str:
    h = hex_color.lstrip("#")
    r, g_, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return "#{:02x}{:02x}{:02x}".format(*(round(c * (1 - amount)) for c in (r, g_, b)))


def _safe_url(url: Any) -> str:
    u = str(url or "").strip()
    return u if re.match(r"^https?://[^\s]+$", u, re.I) else ""


def _short(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


def _parse_spans(value: Any) -> list[tuple[str, int, int]]:
    """Mention spans stored on a paper->entity edge: a list of (field, start, end) or of
    {"field","start","end"} dicts, or a GraphML string "field:start:end|field:start:end"."""
    out: list[tuple[str, int, int]] = []
    if value is None or value == "":
        return out
    if isinstance(value, str):
        items: list[Any] = [s.split(":") for s in value.split("|") if s]
    else:
        items = list(value)
    for it in items:
        try:
            if isinstance(it, dict):
                f, s, e = it["field"], it["start"], it["end"]
            else:
                f, s, e = it[0], it[1], it[2]
            out.append((str(f), int(s), int(e)))
        except (KeyError, IndexError, TypeError, ValueError):
            continue
    return out


def _paper_spans(g: nx.MultiDiGraph, pn: str, texts: dict[str, str],
                 ex_spans: dict[str, list[tuple[str, int, int, str]]] | None) -> list[list[Any]]:
    """Non-overlapping highlight spans [field, start, end, entity node, type] of one paper."""
    raw: list[tuple[str, int, int, str]] = []
    if ex_spans is not None and pn in ex_spans:
        raw = list(ex_spans[pn])
    else:
        for _, en, d in g.out_edges(pn, data=True):
            if d.get("rel") not in PAPER_RELS or en not in g:
                continue
            spans = _parse_spans(d.get("spans"))
            if not spans and d.get("field") in texts:
                spans = _parse_spans([(d.get("field"), d.get("start", -1), d.get("end", -1))])
            raw.extend((f, s, e, en) for f, s, e in spans)
    good = []
    for f, s, e, en in raw:
        text = texts.get(f)
        if text is None or not (0 <= s < e <= len(text)):
            continue
        good.append((f, s, e, en))
    # longest first wins where spans overlap; then keep document order
    good.sort(key=lambda t: (t[0], -(t[2] - t[1]), t[1], t[3]))
    taken: dict[str, list[tuple[int, int]]] = defaultdict(list)
    kept = []
    for f, s, e, en in good:
        if any(s < e2 and s2 < e for s2, e2 in taken[f]):
            continue
        taken[f].append((s, e))
        kept.append((f, s, e, en))
    kept.sort(key=lambda t: (t[0] != "title", t[1]))
    return [[f, s, e, en, str(g.nodes[en].get("type", "")) if en in g else ""]
            for f, s, e, en in kept]


def _extraction_spans(extractions: Iterable[Any]) -> dict[str, list[tuple[str, int, int, str]]]:
    out: dict[str, list[tuple[str, int, int, str]]] = {}
    for ex in extractions:
        spans = []
        for e in ex.entities:
            for m in e.mentions:
                spans.append((m.field, int(m.start), int(m.end), entity_node(e.id)))
        out[paper_node(ex.paper.id)] = spans
    return out


def page_data(g: nx.MultiDiGraph, *, title: str = "Knowledge graph", view: str = "full",
              entity: str | None = None, hops: int = 2, types: Iterable[str] | None = None,
              max_nodes: int = DEFAULT_MAX_NODES, max_embedded: int | None = None,
              extractions: Iterable[Any] | None = None, layout: str = "precomputed") -> dict[str, Any]:
    """Everything the page script needs, as one JSON-ready dict.

    ``layout="precomputed"`` (the default) gives every node drawn at first its ``x``/``y``
    (``layout_positions``) and the page opens drawn, physics off; ``layout="physics"`` is the
    page as it was before: no positions, the physics simulation stabilises it at load (kept
    as the page-load benchmark's baseline).

    ``nodes``/``edges`` are compact records (id, from/to, kind, type, rel, label, counts,
    evidence; ``i`` = drawn at first); the page script turns them into vis-network items
    styled from ``styles``.  ``papers`` maps paper nodes to title/date/url/abstract and
    highlight spans; ``members`` maps entities to the papers that mention/propose them.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}: expected one of {', '.join(LAYOUTS)}")
    max_nodes = max(1, int(max_nodes))
    max_embedded = max(max_nodes, int(max_embedded if max_embedded else max_nodes * EMBED_FACTOR))
    types = list(types) if types else []
    h = select_view(g, view=view, entity=entity, hops=hops, types=types)
    centre = resolve_entity(g, entity) if entity else None

    # rank: most connected first (distinct neighbours, then papers), ids break ties
    degree = {n: len(set(h.successors(n)).union(h.predecessors(n))) for n in h}

    def rank(n: str) -> tuple:
        d = h.nodes[n]
        return _rank(n, degree[n], int(d.get("papers", 0) or 0), d.get("kind") == ENTITY, centre)

    order = sorted(h.nodes, key=rank)
    all_types = sorted({str(d.get("type", "")) for _, d in g.nodes(data=True)
                        if d.get("kind") == ENTITY})
    totals = {"nodes_total": h.number_of_nodes(),
              "edges_total": len({(u, v, d.get("rel")) for u, v, d in h.edges(data=True)}),
              "papers_total": sum(1 for _, d in h.nodes(data=True) if d.get("kind") == PAPER),
              "entities_total": sum(1 for _, d in h.nodes(data=True) if d.get("kind") == ENTITY)}
    return _page_data(h, g, order[:max_embedded], set(order[:max_nodes]), centre, totals,
                      all_types, title=title, view=view, hops=hops, types=types,
                      max_nodes=max_nodes, max_embedded=max_embedded, extractions=extractions,
                      layout=layout)


def _rank(n: str, degree: int, papers: int, is_entity: bool, centre: str | None = None) -> tuple:
    """The page's order of nodes: the centre, then most distinct neighbours, most papers,
    entities before papers, node ids."""
    return (n != centre, -degree, -papers, not is_entity, n)


def _page_data(h: nx.MultiDiGraph, g: nx.MultiDiGraph, embedded: list[str], initial: set[str],
               centre: str | None, totals: dict[str, int], all_types: list[str], *, title: str,
               view: str, hops: int, types: list[str], max_nodes: int, max_embedded: int,
               extractions: Iterable[Any] | None, layout: str,
               known_members: dict[str, list[tuple[str, str]]] | None = None,
               paper_records: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The page data of the view ``h`` of ``g``, given its node selection (``embedded`` in
    rank order, ``initial`` drawn at first) and its totals. With ``known_members`` (entity
    node -> its panel's (paper, relation) rows) and ``paper_records`` (paper node -> title,
    date, url, authors of the papers listed beyond the first ``max_embedded``), ``h`` and
    ``g`` need hold only the embedded nodes and the first papers with their edges
    (:func:`page_graph`)."""
    emb_set = set(embedded)

    # -- edges: one per (from, to, relation), the statements behind it aggregated on it
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for u, v, d in h.edges(data=True):
        if u not in emb_set or v not in emb_set:
            continue
        rel = str(d.get("rel", ""))
        key = (u, v, rel)
        grp = groups.get(key)
        if grp is None:
            grp = groups[key] = {"n": 0, "weight": 0, "ev": []}
        grp["n"] += 1
        grp["weight"] += int(d.get("weight", 1) or 1)
        if rel not in PAPER_RELS and rel != CO_OCCURS and len(grp["ev"]) < MAX_EVIDENCE_PER_EDGE:
            paper = str(d.get("paper", "") or "")
            conf = d.get("confidence", "")
            grp["ev"].append({
                "paper": paper_node(paper) if paper else "",
                "sentence": str(d.get("sentence", "") or ""),
                "rule": str(d.get("rule", "") or ""),
                "confidence": round(float(conf), 3) if isinstance(conf, (int, float)) else None,
            })

    def edge_rank(k: tuple[str, str, str]) -> tuple:
        # typed relations and proposals before the (many) mentions and co-occurrences
        return (k[2] in (CO_OCCURS, "mentions"), -groups[k]["weight"], k)

    keys = list(groups)
    max_edges = max(EDGE_FACTOR * max_embedded, 1000)
    if len(keys) > max_edges:
        keep = set(sorted(keys, key=edge_rank)[:max_edges])
        keys = [k for k in keys if k in keep]
    initial_keys = [k for k in keys if k[0] in initial and k[1] in initial]
    max_initial_edges = max(INITIAL_EDGE_FACTOR * max_nodes, 500)
    if len(initial_keys) > max_initial_edges:
        initial_keys = sorted(initial_keys, key=edge_rank)[:max_initial_edges]
    initial_edge_set = set(initial_keys)

    pair_count: dict[frozenset, int] = defaultdict(int)
    edges_out = []
    for i, key in enumerate(keys):
        u, v, rel = key
        grp = groups[key]
        e: dict[str, Any] = {"id": f"e{i}", "from": u, "to": v, "rel": rel,
                             "i": 1 if key in initial_edge_set else 0}
        if rel == CO_OCCURS:
            e["weight"] = grp["weight"]
        elif rel not in PAPER_RELS:
            e["n"] = grp["n"]
            e["ev"] = grp["ev"]
        pair = frozenset((u, v))
        if pair_count[pair]:  # parallel edges between one pair: curve them apart
            e["curve"] = round(0.2 * pair_count[pair], 2)
        pair_count[pair] += 1
        edges_out.append(e)

    # -- memberships: entity -> papers that mention/propose it (from the whole graph)
    members: dict[str, list[list[str]]] = {}
    paper_ids: list[str] = [n for n in embedded if h.nodes[n].get("kind") == PAPER]
    seen_papers = set(paper_ids)
    for n in embedded:
        if h.nodes[n].get("kind") != ENTITY or n not in g:
            continue
        if known_members is not None:
            ordered = known_members.get(n, [])
        else:
            rows: dict[str, str] = {}
            for pn, _, d in g.in_edges(n, data=True):
                rel = d.get("rel")
                if rel in PAPER_RELS and g.nodes[pn].get("kind") == PAPER and rows.get(pn) != "proposes":
                    rows[pn] = rel
            ordered = sorted(rows.items())
            ordered.sort(key=lambda r: str(g.nodes[r[0]].get("date", "") or ""), reverse=True)
            ordered.sort(key=lambda r: r[1] != "proposes")
            ordered = ordered[:MAX_PAPERS_PER_ENTITY]
        members[n] = [[pn, rel] for pn, rel in ordered]
        for pn, _ in ordered:
            if pn not in seen_papers:
                seen_papers.add(pn)
                paper_ids.append(pn)

    ex_spans = _extraction_spans(extractions) if extractions is not None else None
    papers_out: dict[str, dict[str, Any]] = {}
    for i, pn in enumerate(paper_ids):
        src = g if pn in g else h
        d = paper_records[pn] if paper_records and pn in paper_records else src.nodes[pn]
        rec: dict[str, Any] = {"title": str(d.get("title", "") or d.get("label", "")),
                               "date": str(d.get("date", "") or ""),
                               "url": _safe_url(d.get("url"))}
        authors = d.get("authors") or []
        if isinstance(authors, str):
            authors = [a for a in authors.split("|") if a]
        if authors:
            rec["authors"] = [str(a) for a in authors]
        if i < max_embedded:  # abstracts (the bulk of the page) for the first ones only
            rec["abstract"] = str(d.get("abstract", "") or "")
            texts = {"title": rec["title"], "abstract": rec["abstract"]}
            rec["spans"] = _paper_spans(src, pn, texts, ex_spans)
        papers_out[pn] = rec

    # -- positions of the nodes drawn at first, over the edges drawn at first
    drawn = [n for n in embedded if n in initial]
    positions = layout_positions(drawn, ((u, v, groups[(u, v, r)]["weight"])
                                         for u, v, r in initial_keys)) if layout == "precomputed" else {}

    # -- nodes
    nodes_out = []
    for n in embedded:
        d = h.nodes[n]
        if d.get("kind") == PAPER:
            node = {"id": n, "kind": PAPER, "type": PAPER_TYPE,
                    "label": _short(str(d.get("title", "") or d.get("label", n)), 32),
                    "k": sum(1 for _ in h.successors(n))}
        else:
            label = str(d.get("label", n))
            node = {"id": n, "kind": ENTITY, "type": str(d.get("type", "") or ""),
                    "label": _short(label, 40), "name": label,
                    "aliases": [str(a) for a in (d.get("aliases") or [])],
                    "papers": int(d.get("papers", 0) or 0),
                    "proposed_by": int(d.get("proposed_by", 0) or 0)}
        node["i"] = 1 if n in initial else 0
        if n in positions:
            node["x"], node["y"] = positions[n]
        nodes_out.append(node)

    type_counts = Counter(nd["type"] for nd in nodes_out)
    rel_counts = Counter(e["rel"] for e in edges_out)
    present_types = sorted(type_counts, key=lambda t: (
        t == PAPER_TYPE, TYPE_ORDER.index(t) if t in TYPE_ORDER else len(TYPE_ORDER), t))
    present_rels = sorted(rel_counts, key=lambda r: (
        REL_ORDER.index(r) if r in REL_ORDER else len(REL_ORDER), r))
    n_total_edges = totals["edges_total"]
    n_shown = len(initial)
    meta = {
        "title": title, "view": view,
        "entity": h.nodes[centre].get("label", centre) if centre else None,
        "centre": centre, "hops": hops if centre else None, "types": types,
        "nodes_total": totals["nodes_total"], "edges_total": n_total_edges,
        "papers_total": totals["papers_total"], "entities_total": totals["entities_total"],
        "nodes_embedded": len(nodes_out), "edges_embedded": len(edges_out),
        "nodes_initial": n_shown, "edges_initial": len(initial_keys),
        "capped": len(nodes_out) < totals["nodes_total"] or len(edges_out) < n_total_edges,
        "partial": n_shown < totals["nodes_total"],
        "max_nodes": max_nodes, "max_embedded": max_embedded,
        "stabilization_iterations": _stabilization_iterations(n_shown), "layout": layout,
    }
    styles = {"types": {}, "rels": {}, "type_order": present_types, "rel_order": present_rels}
    for t in present_types:
        st = type_style(t, all_types)
        styles["types"][t] = {"shape": st["shape"], "color": st["color"],
                              "border": _darken(st["color"], 0.3),
                              "light": _lighten(st["color"], 0.3), "count": type_counts[t]}
    for r in present_rels:
        st = rel_style(r)
        styles["rels"][r] = {"color": st["color"], "dark": _darken(st["color"], 0.25),
                             "dashes": st["dashes"], "arrows": bool(st["arrows"]),
                             "width": st["width"], "count": rel_counts[r]}
    return {"meta": meta, "styles": styles, "nodes": nodes_out, "edges": edges_out,
            "papers": papers_out, "members": members}


# ---- the page of a build, from the stream ----------------------------------------------
# The build's page is the full view capped at max_embedded nodes. Which nodes those are
# follows from the entity aggregates (kg.aggregate) and one read of the stream (each paper's
# distinct entities); a second read collects the graph of just what the page holds: the
# embedded nodes, the papers their panels list, those papers' edges and the relations among
# the embedded entities, in the order the whole graph would hold them. page_data of that
# small graph, with the totals of the whole, is page_data of the whole graph.

def _members_order(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """(paper node, relation, date) rows in the panel's order: proposals first, newest
    first, paper ids (as page_data sorts them)."""
    rows = sorted(rows)
    rows.sort(key=lambda r: r[2], reverse=True)
    rows.sort(key=lambda r: r[1] != "proposes")
    return rows


class PageSelector:
    """Which nodes the build's page (the full view) embeds, ranked as :func:`page_data` ranks
    them, from the ``aggregates`` and one read of their stream: ``add(ordinal, extraction)``
    for each paper, then :meth:`result`. Holds the best ``max_embedded`` entities and papers
    and up to ``MAX_PAPERS_PER_ENTITY`` panel rows for each of those entities."""

    def __init__(self, aggregates: "Aggregates", max_nodes: int = DEFAULT_MAX_NODES,
                 max_embedded: int | None = None) -> None:
        import heapq
        self.agg = aggregates
        self.max_nodes = max(1, int(max_nodes))
        self.max_embedded = max(self.max_nodes, int(max_embedded if max_embedded
                                                    else self.max_nodes * EMBED_FACTOR))
        # an entity's distinct neighbours: its papers and the entities it has a relation with
        nbrs: dict[str, set[str]] = defaultdict(set)
        for head, pairs in aggregates.relations.items():
            for _, tail in pairs:
                nbrs[head].add(tail)
                nbrs[tail].add(head)
        self.entity_rank = heapq.nsmallest(self.max_embedded, (
            _rank(entity_node(eid), a.paper_count + len(nbrs.get(eid, ())), a.papers, True)
            for eid, a in aggregates.entities.items()))
        del nbrs
        self.rows: dict[str, list[tuple[str, str, str]]] = {r[-1]: [] for r in self.entity_rank}
        self.paper_rank: list[tuple] = []  # a heap of the best papers, worst on top (negated)

    def add(self, ordinal: int, ex: PaperExtraction) -> None:
        self._add(ex.paper.id, [(e.id, e.proposed) for e in ex.entities], ex.paper.date)

    def add_record(self, ordinal: int, d: dict[str, Any]) -> None:
        """:meth:`add` of a line of ``mentions.jsonl`` as read (no objects made of it)."""
        self._add(str(d["id"]), [(str(e["id"]), bool(e.get("proposed"))) for e in d.get("entities") or ()],
                  d.get("date"))

    def _add(self, paper_id: str, entities: list[tuple[str, bool]], date: Any) -> None:
        import heapq
        pn = paper_node(paper_id)
        rels: dict[str, str] = {}
        for eid, proposed in entities:
            en = entity_node(eid)
            if rels.get(en) != "proposes":
                rels[en] = "proposes" if proposed else "mentions"
        date = str(date or "")
        cap = MAX_PAPERS_PER_ENTITY
        for en, rel in rels.items():
            rows = self.rows.get(en)
            if rows is not None:
                rows.append((pn, rel, date))
                if len(rows) > cap + 16:
                    rows[:] = _members_order(rows)[:cap]
        # _rank(pn, len(rels), 0, False) = (True, -degree, 0, True, pn); kept: the smallest
        key = (len(rels), _Desc(pn))  # larger is better: more entities, then smaller id
        if len(self.paper_rank) < self.max_embedded:
            heapq.heappush(self.paper_rank, key)
        elif key > self.paper_rank[0]:
            heapq.heapreplace(self.paper_rank, key)

    def result(self) -> dict[str, Any]:
        """``embedded`` (rank order), ``initial`` (drawn at first), ``members`` (entity node
        -> its panel's (paper node, relation) rows), the page's ``totals`` and caps."""
        import heapq
        agg = self.agg
        papers = [_rank(k[1].s, k[0], 0, False) for k in self.paper_rank]
        order = [r[-1] for r in heapq.nsmallest(self.max_embedded, self.entity_rank + papers)]
        cap = MAX_PAPERS_PER_ENTITY
        members = {n: [(pn, rel) for pn, rel, _ in _members_order(self.rows[n])[:cap]]
                   for n in order if n in self.rows}
        totals = {"nodes_total": agg.papers + len(agg.entities),
                  "edges_total": agg.mention_edges + sum(len(p) for p in agg.relations.values()),
                  "papers_total": agg.papers, "entities_total": len(agg.entities)}
        return {"embedded": order, "initial": set(order[:self.max_nodes]), "members": members,
                "totals": totals, "max_nodes": self.max_nodes, "max_embedded": self.max_embedded}


class _Desc:
    """A string that sorts backwards (for a heap that keeps the smallest ids)."""

    __slots__ = ("s",)

    def __init__(self, s: str) -> None:
        self.s = s

    def __lt__(self, other: "_Desc") -> bool:
        return self.s > other.s

    def __gt__(self, other: "_Desc") -> bool:
        return self.s < other.s

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.s == other.s


def page_selection(source, aggregates: "Aggregates", max_nodes: int = DEFAULT_MAX_NODES,
                   max_embedded: int | None = None) -> dict[str, Any]:
    """:class:`PageSelector` over one read of the stream ``source`` (``kg.aggregate.passes``)."""
    from .aggregate import passes
    sel = PageSelector(aggregates, max_nodes, max_embedded)
    for i, ex in enumerate(passes(source)()):
        sel.add(i, ex)
    return sel.result()


def _paper_order(selection: dict[str, Any]) -> list[str]:
    """The papers the page lists, in page_data's order: the embedded ones, then those of the
    entity panels."""
    out = [n for n in selection["embedded"] if n.startswith("paper:")]
    seen = set(out)
    for n in selection["embedded"]:
        for pn, _ in selection["members"].get(n, ()):
            if pn not in seen:
                seen.add(pn)
                out.append(pn)
    return out


def page_graph(source, aggregates: "Aggregates", selection: dict[str, Any]
               ) -> tuple[nx.MultiDiGraph, dict[str, dict[str, Any]]]:
    """What the page of ``selection`` (:func:`page_selection`) holds, from one more read of
    the stream: the graph of the embedded nodes and the first ``max_embedded`` papers listed
    (all their edges, and the entities these reach, for the highlights) with the relations
    among embedded entities, its nodes and edges in the order ``build_graph`` of the whole
    stream gives them; and the title, date, url and authors of the other papers listed."""
    from .graph import mention_edges, paper_attrs, relation_edges
    embedded = selection["embedded"]
    emb_entities = {n for n in embedded if n.startswith("entity:")}
    listed = _paper_order(selection)
    full = set(listed[:selection["max_embedded"]])
    light = set(listed[selection["max_embedded"]:])
    ents = aggregates.entities
    nodes: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}
    edges: list[tuple[str, str, str, dict[str, Any]]] = []
    records: dict[str, dict[str, Any]] = {}

    def entity(en: str) -> None:
        if en not in nodes:
            a = ents[en[len("entity:"):]]
            nodes[en] = ((a.first, a.index), a.attrs())

    for i, ex in enumerate(_needed(source, full, light)):
        if ex is None:  # a paper the page neither shows nor lists, with no relation
            continue
        pn = paper_node(ex.paper.id)
        if pn in full:
            nodes[pn] = ((i, -1), paper_attrs(ex.paper))
            for (en, key), d in mention_edges(ex).items():
                edges.append((pn, en, key, d))
                entity(en)
        elif pn in light:
            p = ex.paper
            records[pn] = {"title": p.title, "date": p.date or "", "url": p.url or "",
                           "authors": list(p.authors)}
        if ex.relations:
            for (h, t, key), d in relation_edges(ex, lambda r: aggregates.known(r, i)).items():
                if h in emb_entities and t in emb_entities:
                    edges.append((h, t, key, d))
    for en in emb_entities:
        entity(en)
    g = nx.MultiDiGraph()
    for n, (_, d) in sorted(nodes.items(), key=lambda kv: kv[1][0]):
        g.add_node(n, **d)
    for u, v, key, d in edges:
        g.add_edge(u, v, key=key, **d)
    return g, records


def _needed(source, full: set[str], light: set[str]) -> Iterator[PaperExtraction | None]:
    """The stream's extractions, None for those :func:`page_graph` does not read (most of
    a large corpus: from a ``mentions.jsonl``, their lines are not made into objects)."""
    import json
    import os

    from .aggregate import passes
    from .model import PaperExtraction
    if not isinstance(source, (str, os.PathLike)):
        yield from passes(source)()
        return
    with open(source, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(line)
            pn = paper_node(str(d["id"]))
            yield PaperExtraction.from_json(d) if pn in full or pn in light or d.get("relations") \
                else None


def page_data_stream(source, aggregates: "Aggregates", *, title: str = "Knowledge graph",
                     max_nodes: int = DEFAULT_MAX_NODES, max_embedded: int | None = None,
                     layout: str = "precomputed",
                     selection: dict[str, Any] | None = None) -> dict[str, Any]:
    """:func:`page_data` of the full view of the whole graph of ``source`` (a resolved
    stream, read twice, with its ``aggregates``), without that graph: only what the page
    holds is ever in memory (:func:`page_selection`, :func:`page_graph`). ``selection``:
    the result of a :class:`PageSelector` fed elsewhere (the build's export pass), which
    saves one read and sets the caps."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}: expected one of {', '.join(LAYOUTS)}")
    sel = selection or page_selection(source, aggregates, max_nodes, max_embedded)
    h, records = page_graph(source, aggregates, sel)
    all_types = sorted({str(a.type) for a in aggregates.entities.values()})
    return _page_data(h, h, sel["embedded"], sel["initial"], None, sel["totals"], all_types,
                      title=title, view="full", hops=2, types=[], max_nodes=sel["max_nodes"],
                      max_embedded=sel["max_embedded"], extractions=None, layout=layout,
                      known_members=sel["members"], paper_records=records)

def _stabilization_iterations(n: int) -> int:
    if n <= 150:
        return 400
    if n <= 600:
        return 250
    if n <= 2000:
        return 150
    return 80


# ---- rendering --------------------------------------------------------------------------

def json_for_script(data: Any) -> str:
    """JSON that is safe inside a <script> element: no '<', '>', '&', U+2028 or U+2029."""
    s = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _inline_script(js: str) -> str:
    # '</script' or '<!--' inside inlined code would end or confuse the element
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.I).replace("<!--", "<\\!--")


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """(vis-network JS, the CSS rules it needs) from the copy inside the pyvis package."""
    import importlib.util

    spec = importlib.util.find_spec("pyvis")  # located, not imported: pyvis imports IPython
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("vis-network is taken from the pyvis package: pip install pyvis")
    lib = Path(list(spec.submodule_search_locations)[0]) / "templates" / "lib"
    dirs = sorted((p for p in lib.glob("vis-*") if (p / "vis-network.min.js").is_file()),
                  key=lambda p: tuple(int(x) for x in re.findall(r"\d+", p.name)))
    if not dirs:
        raise FileNotFoundError(f"vis-network not found under {lib}: is pyvis installed?")
    d = dirs[-1]
    js = (d / "vis-network.min.js").read_text(encoding="utf-8")
    css_all = (d / "vis-network.css").read_text(encoding="utf-8") if (d / "vis-network.css").is_file() else ""
    rules = [f"{sel}{{{body}}}" for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css_all)
             if "vis-tooltip" in sel and "url(" not in body]
    return js, "\n".join(rules)


def _swatch_svg(shape: str, color: str) -> str:
    border = _darken(color, 0.3)
    c, s = 9, 7
    if shape == "dot":
        body = f'<circle cx="{c}" cy="{c}" r="{s}"/>'
    elif shape == "square":
        body = f'<rect x="{c - 6}" y="{c - 6}" width="12" height="12"/>'
    elif shape == "diamond":
        body = f'<polygon points="{c},{c - s - 1} {c + s + 1},{c} {c},{c + s + 1} {c - s - 1},{c}"/>'
    elif shape == "triangle":
        body = f'<polygon points="{c},{c - s} {c + s},{c + s - 1} {c - s},{c + s - 1}"/>'
    elif shape == "triangleDown":
        body = f'<polygon points="{c - s},{c - s + 1} {c + s},{c - s + 1} {c},{c + s}"/>'
    elif shape == "star":
        body = ('<polygon points="9,1 11.2,6.4 17,6.8 12.5,10.5 14,16.2 9,13 4,16.2 5.5,10.5 '
                '1,6.8 6.8,6.4"/>')
    elif shape == "hexagon":
        body = '<polygon points="5,2 13,2 17,9 13,16 5,16 1,9"/>'
    else:
        body = f'<circle cx="{c}" cy="{c}" r="{s}"/>'
    return (f'<svg class="sw" width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">'
            f'<g fill="{color}" stroke="{border}" stroke-width="1.2">{body}</g></svg>')


def _line_svg(color: str, dashes: Any, arrows: bool) -> str:
    dash = f' stroke-dasharray="{",".join(str(x) for x in dashes)}"' if dashes else ""
    head = (f'<polygon points="24,5 31,9 24,13" fill="{color}"/>' if arrows else "")
    end = 24 if arrows else 31
    return (f'<svg class="sw line" width="32" height="18" viewBox="0 0 32 18" aria-hidden="true">'
            f'<line x1="1" y1="9" x2="{end}" y2="9" stroke="{color}" stroke-width="2.5"{dash}/>'
            f'{head}</svg>')


def _legend_html(data: dict[str, Any]) -> str:
    esc = html.escape
    st = data["styles"]
    rows = ['<fieldset class="legend-group" id="kg-legend-types"><legend>Node types</legend>']
    for t in st["type_order"]:
        s = st["types"][t]
        rows.append(
            f'<label class="legend-row"><input type="checkbox" class="kg-type-filter" '
            f'data-type="{esc(t)}" checked>{_swatch_svg(s["shape"], s["color"])}'
            f'<span class="legend-name">{esc(t)}</span><span class="legend-count">{s["count"]}</span></label>')
    rows.append("</fieldset>")
    rows.append('<fieldset class="legend-group" id="kg-legend-rels"><legend>Relations</legend>')
    for r in st["rel_order"]:
        s = st["rels"][r]
        rows.append(
            f'<label class="legend-row"><input type="checkbox" class="kg-rel-filter" '
            f'data-rel="{esc(r)}" checked>{_line_svg(s["color"], s["dashes"], s["arrows"])}'
            f'<span class="legend-name">{esc(r.replace("_", " "))}</span>'
            f'<span class="legend-count">{s["count"]}</span></label>')
    rows.append("</fieldset>")
    if any(nd["kind"] == ENTITY for nd in data["nodes"]):
        rows.append('<p class="legend-note">Node size: number of papers that mention the entity.')
        if "co_occurs" in st["rels"]:
            rows.append(" Co-occurrence width: papers in common.")
        rows.append("</p>")
    return "\n".join(rows)


def _summary_text(data: dict[str, Any]) -> str:
    m = data["meta"]
    parts = []
    if m["view"] == "entities":
        parts.append(f"{m['entities_total']:,} entities (co-occurrence view)")
    else:
        parts.append(f"{m['papers_total']:,} papers \u00b7 {m['entities_total']:,} entities")
    parts.append(f"{m['edges_total']:,} links")
    if m["entity"]:
        parts.append(f"neighbourhood of {m['entity']} ({m['hops']} hop{'s' if m['hops'] != 1 else ''})")
    if m["types"]:
        parts.append("types: " + ", ".join(m["types"]))
    return " \u00b7 ".join(parts)


def _notice_text(data: dict[str, Any]) -> str:
    m = data["meta"]
    if not m["partial"] and not m["capped"]:
        return ""
    txt = (f"Showing the {m['nodes_initial']:,} best-connected of {m['nodes_total']:,} nodes. "
           "Double-click a node (or use \u201cShow hidden neighbours\u201d in its panel) to add its "
           "neighbours; search finds every embedded entity.")
    if m["capped"]:
        txt += (f" This page embeds {m['nodes_embedded']:,} nodes and {m['edges_embedded']:,} links "
                f"of {m['nodes_total']:,} and {m['edges_total']:,}: the rest is left out to keep "
                "the page fast; use kg view --entity NAME for a neighbourhood page.")
    return txt


def render_html(data: dict[str, Any]) -> str:
    """The page as one string: template + inlined vis-network + CSS + page script + data."""
    js, vis_css = vis_assets()
    template = (TEMPLATES / "page.html").read_text(encoding="utf-8")
    parts = {
        "TITLE": html.escape(str(data["meta"]["title"])),
        "SUMMARY": html.escape(_summary_text(data)),
        "NOTICE": html.escape(_notice_text(data)),
        "NOTICE_HIDDEN": "" if _notice_text(data) else " hidden",
        "LEGEND": _legend_html(data),
        "VIS_CSS": vis_css.replace("</", "<\\/"),
        "PAGE_CSS": (TEMPLATES / "page.css").read_text(encoding="utf-8").replace("</", "<\\/"),
        "VIS_JS": _inline_script(js),
        "PAGE_JS": _inline_script((TEMPLATES / "page.js").read_text(encoding="utf-8")),
        "DATA": json_for_script(data),
    }
    return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: parts[m.group(1)], template)


def write_page(g, path: str | Path, title: str = "Knowledge graph of ML papers",
               max_nodes: int = DEFAULT_MAX_NODES, view: str = "full", *,
               entity: str | None = None, hops: int = 2, types: Iterable[str] | None = None,
               max_embedded: int | None = None, extractions: Iterable[Any] | None = None,
               layout: str = "precomputed", aggregates: "Aggregates | None" = None,
               selection: dict[str, Any] | None = None) -> Path:
    """Write the interactive page for ``g`` to ``path`` (atomically) and return the path.

    ``g``: the graph (``kg.graph``), or the resolved stream itself (a ``mentions.jsonl``
    path, a list of extractions: ``kg.aggregate.passes``) with its ``aggregates`` (computed
    here when not given), for the full view: the same page, made without the whole graph
    (:func:`page_data_stream`, with its ``selection``; how the build writes its page)."""
    if aggregates is not None or not (hasattr(g, "nodes") and hasattr(g, "out_edges")):
        if view != "full" or entity or types or extractions is not None:
            raise ValueError("a page of a stream is the full view; for a view, an entity's "
                             "neighbourhood or types, pass the graph (kg.graph.build_graph)")
        from .aggregate import Aggregates, passes
        agg = aggregates if aggregates is not None else Aggregates.of(passes(g)())
        data = page_data_stream(g, agg, title=title, max_nodes=max_nodes,
                                max_embedded=max_embedded, layout=layout, selection=selection)
    else:
        data = page_data(g, title=title, view=view, entity=entity, hops=hops, types=types,
                         max_nodes=max_nodes, max_embedded=max_embedded,
                         extractions=extractions, layout=layout)
    page = render_html(data)
    path = Path(path)
    with atomic_write(path) as fh:
        fh.write(page)
    return path
