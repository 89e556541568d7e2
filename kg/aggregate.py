"""What the exports need to know about each entity across the corpus, collected in one pass.

An export reads the resolved stream paper by paper (``mentions.jsonl``): a paper's node, its
edges and its statements are all in its own line. What one line cannot tell is the entity
node of the whole graph: its label, the type most of its papers give it, its aliases, the
papers that mention or propose it. :class:`Aggregates` gathers exactly those (the entity
node attributes of :mod:`kg.graph`, which computes them with the same code) in one pass, so
the exports hold one small record per distinct entity, never a record per paper::

    agg = Aggregates.of(read_extractions("out/mentions.jsonl"))
    agg.entities["clip"].attrs()  # {'kind': 'entity', 'label': 'CLIP', 'type': 'Model', ...}

The stream must be read again in the same order by whatever uses the aggregates with it
(paper ids unique, as the build makes them): a relation is an edge only when both its
entities were known by its paper (:meth:`Aggregates.known`), as when the graph is grown.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Union

from .model import Entity, PaperExtraction, Relation

__all__ = ["Aggregates", "EntityAggregate", "ExtractionSource", "read_extractions", "passes"]


@dataclass(slots=True, eq=False)
class EntityAggregate:
    """One canonical entity over the papers read so far (``kg.graph``'s entity node)."""

    id: str
    label: str
    index: int  # rank in first-seen order (0 for the first entity of the stream)
    first: int  # ordinal of the paper that introduced it
    type_papers: list[tuple[str, int]] = field(default_factory=list)  # (type, papers), most first
    aliases: list[str] = field(default_factory=list)  # other spellings, in first-seen order
    papers: int = 0  # mentions by papers (one per paper, as each paper lists it once)
    proposed_by: int = 0
    last: int = -1  # ordinal of the last paper that mentioned it
    paper_count: int = 0  # distinct papers (== papers unless a paper lists it twice)

    @classmethod
    def new(cls, e: Entity, index: int = 0, first: int = 0) -> "EntityAggregate":
        return cls(id=e.id, label=e.label or e.name, index=index, first=first)

    @property
    def type(self) -> str:
        """The type most of its papers give it (ties by name)."""
        return self.type_papers[0][0] if self.type_papers else ""

    def add(self, e: Entity, ordinal: int | None = None) -> None:
        """Count one more paper's mention of this entity (``ordinal``: that paper's place in
        the stream, for :attr:`paper_count`)."""
        self.papers += 1
        votes = dict(self.type_papers)
        votes[e.type] = votes.get(e.type, 0) + 1
        self.type_papers = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        if e.proposed:
            self.proposed_by += 1
        for form in [e.name, *e.aliases]:
            if form != self.label and form not in self.aliases:
                self.aliases.append(form)
        if ordinal is None or ordinal != self.last:
            self.paper_count += 1
            if ordinal is not None:
                self.last = ordinal

    def attrs(self) -> dict[str, Any]:
        """The node attributes of ``entity:<id>`` in :func:`kg.graph.build_graph`'s graph."""
        return {"kind": "entity", "label": self.label, "type": self.type,
                "aliases": list(self.aliases), "papers": self.papers,
                "proposed_by": self.proposed_by, "type_papers": list(self.type_papers)}

    @classmethod
    def from_attrs(cls, entity_id: str, d: dict[str, Any]) -> "EntityAggregate":
        """Back from node attributes (to grow a graph one extraction at a time)."""
        tp = d.get("type_papers") or ()
        return cls(id=entity_id, label=d.get("label", entity_id), index=0, first=0,
                   type_papers=[tuple(x) for x in tp], aliases=list(d.get("aliases") or ()),
                   papers=int(d.get("papers", 0) or 0),
                   proposed_by=int(d.get("proposed_by", 0) or 0))


class Aggregates:
    """Per-entity aggregates of one pass over a resolved stream.

    ``entities``: entity id -> :class:`EntityAggregate`, in first-seen order.
    ``relations``: head entity id -> the distinct ``(rel, tail id)`` pairs of the relations
    that are graph edges (both ends known by the paper stating it, head and tail differ).
    ``papers``: how many extractions were read; ``mention_edges``: distinct
    (paper, entity, mentions|proposes) edges; ``relation_edges``: relation edges, one per
    (head, tail, relation, paper), as the graph keys them.
    """

    __slots__ = ("entities", "relations", "papers", "mention_edges", "relation_edges")

    def __init__(self) -> None:
        self.entities: dict[str, EntityAggregate] = {}
        self.relations: dict[str, set[tuple[str, str]]] = {}
        self.papers = 0
        self.mention_edges = 0
        self.relation_edges = 0

    @classmethod
    def of(cls, extractions: Iterable[PaperExtraction]) -> "Aggregates":
        agg = cls()
        for ex in extractions:
            agg.add(ex)
        return agg

    def add(self, ex: PaperExtraction) -> None:
        """Read the next extraction of the stream."""
        i = self.papers
        ents = self.entities
        edges = set()
        for e in ex.entities:
            a = ents.get(e.id)
            if a is None:
                a = ents[e.id] = EntityAggregate.new(e, index=len(ents), first=i)
            a.add(e, i)
            edges.add((e.id, "proposes" if e.proposed else "mentions"))
        self.mention_edges += len(edges)
        keys = set()
        for r in ex.relations:
            if self.known(r, i):
                head = ents[r.head_id].id  # the key's own string: one copy of each id
                self.relations.setdefault(head, set()).add((_REL.get(r.rel) or r.rel,
                                                            ents[r.tail_id].id))
                keys.add((r.head_id, r.tail_id, r.rel))
        self.relation_edges += len(keys)
        self.papers += 1

    def known(self, r: Relation, ordinal: int) -> bool:
        """Whether relation ``r`` of the paper at ``ordinal`` is a graph edge: head and tail are
        entities some paper up to that one mentions, and not the same one."""
        return self.is_edge(r.head_id, r.tail_id, ordinal)

    def is_edge(self, head_id: str, tail_id: str, ordinal: int) -> bool:
        """:meth:`known` of a relation given by its entities' ids."""
        if head_id == tail_id:
            return False
        h, t = self.entities.get(head_id), self.entities.get(tail_id)
        return h is not None and t is not None and h.first <= ordinal and t.first <= ordinal

    def entity(self, entity_id: str) -> EntityAggregate:
        return self.entities[entity_id]

    def types(self) -> dict[str, int]:
        """Entities by (majority) type."""
        out: dict[str, int] = {}
        for a in self.entities.values():
            out[a.type] = out.get(a.type, 0) + 1
        return out

    def __len__(self) -> int:
        return len(self.entities)


# relation names as one string object each (memory: the pairs of a big corpus share them)
_REL = {r: r for r in ("based_on", "trained_on", "evaluated_on", "outperforms", "compared_with",
                       "uses")}


# ---- the stream ---------------------------------------------------------------------------

def read_extractions(path: str | os.PathLike) -> Iterator[PaperExtraction]:
    """The resolved extractions of a ``mentions.jsonl`` (``kg extract`` / ``kg build``), lazily."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield PaperExtraction.from_json(json.loads(line))


#: a resolved stream that can be read more than once: a ``mentions.jsonl`` path, a sequence
#: of extractions, or a function returning a fresh iterable of them
ExtractionSource = Union[str, os.PathLike, "list[PaperExtraction]", "tuple[PaperExtraction, ...]",
                         Callable[[], Iterable[PaperExtraction]]]


def passes(source: ExtractionSource) -> Callable[[], Iterator[PaperExtraction]]:
    """A function that reads ``source`` from its start each time it is called. A one-shot
    iterator (a generator) cannot be read twice and is refused."""
    if isinstance(source, (str, os.PathLike)):
        return lambda: read_extractions(source)
    if callable(source):
        return lambda: iter(source())
    if isinstance(source, (list, tuple)):
        return lambda: iter(source)
    if iter(source) is source:
        raise TypeError("the exports read the extractions more than once: pass the path of "
                        "mentions.jsonl, a list, or a function returning a fresh iterator")
    return lambda: iter(source)
