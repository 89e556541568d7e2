"""The dataclasses every stage speaks.

Data flows one way: readers yield ``Paper``; the extractor turns a paper into a
``PaperExtraction`` (entities with their ``Mention``s, ``Relation``s with their
``Evidence``); the resolver gives entities canonical ids across papers; the graph
and the exporters read those.  Nothing here does I/O, but for one check on import: every stage imports this
module, so it is where a missing or shadowed package data folder is reported
(``kg._resources.check_package_data``) before any work starts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._resources import check_package_data

check_package_data()

ENTITY_TYPES = ("Method", "Model", "Dataset", "Benchmark")
RELATION_TYPES = ("based_on", "trained_on", "evaluated_on", "outperforms", "compared_with", "uses")
FIELDS = ("title", "abstract")


@dataclass(frozen=True)
class Paper:
    """One paper as read from any input format."""

    id: str
    title: str
    abstract: str
    date: str | None = None
    url: str | None = None
    authors: tuple[str, ...] = ()
    source: str | None = None  # "file:line" the record came from, for messages
    citekey: str | None = None  # the BibTeX key (or Zotero citation key), when it is not the id

    def text(self, field_name: str) -> str:
        return self.title if field_name == "title" else self.abstract


@dataclass(frozen=True)
class Mention:
    """One occurrence of an entity: character offsets into the paper's title or abstract."""

    field: str
    start: int
    end: int
    text: str
    rule: str
    confidence: float = 1.0

    def to_json(self) -> dict[str, Any]:
        # (dataclasses.asdict deep-copies field by field: a visible share of writing a build)
        return {"field": self.field, "start": self.start, "end": self.end, "text": self.text,
                "rule": self.rule, "confidence": self.confidence}


@dataclass
class Entity:
    """A named artifact as one paper mentions it (all its surface forms merged)."""

    id: str  # canonical entity id, stable across papers (see kg.resolve)
    name: str  # the fullest form in the text
    type: str  # one of ENTITY_TYPES
    aliases: list[str] = field(default_factory=list)
    proposed: bool = False
    mentions: list[Mention] = field(default_factory=list)
    rule: str = ""  # the rule that found it first
    confidence: float = 1.0
    type_rule: str = ""  # why it has this type
    label: str = ""  # the canonical label across papers (set by kg.resolve), else name

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "aliases": list(self.aliases),
            "proposed": self.proposed,
            "rule": self.rule,
            "type_rule": self.type_rule,
            "confidence": round(self.confidence, 3),
            **({"label": self.label} if self.label else {}),
            "mentions": [m.to_json() for m in self.mentions],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Entity":
        return cls(
            id=d["id"], name=d["name"], type=d["type"], aliases=list(d.get("aliases", [])),
            proposed=bool(d.get("proposed")), rule=d.get("rule", ""),
            type_rule=d.get("type_rule", ""), confidence=float(d.get("confidence", 1.0)),
            label=d.get("label", ""),
            mentions=[Mention(**m) for m in d.get("mentions", [])],
        )


@dataclass(frozen=True)
class Evidence:
    """Where a statement comes from: a sentence span of a paper's title or abstract."""

    field: str
    start: int
    end: int
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "start": self.start, "end": self.end, "text": self.text}


@dataclass
class Relation:
    """A typed link between two entities of one paper, stated in one sentence."""

    head: str  # entity name as in the paper's entity list
    rel: str  # one of RELATION_TYPES
    tail: str
    evidence: Evidence
    rule: str
    confidence: float = 1.0
    head_id: str = ""
    tail_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "head": self.head, "rel": self.rel, "tail": self.tail,
            "head_id": self.head_id, "tail_id": self.tail_id,
            "evidence": self.evidence.to_json(), "rule": self.rule,
            "confidence": round(self.confidence, 3),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Relation":
        return cls(
            head=d["head"], rel=d["rel"], tail=d["tail"], evidence=Evidence(**d["evidence"]),
            rule=d.get("rule", ""), confidence=float(d.get("confidence", 1.0)),
            head_id=d.get("head_id", ""), tail_id=d.get("tail_id", ""),
        )


@dataclass
class Result:
    """A reported number: model scores value on a metric of a benchmark."""

    model: str
    benchmark: str
    metric: str
    value: str
    evidence: Evidence

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "benchmark": self.benchmark, "metric": self.metric,
                "value": self.value, "evidence": self.evidence.to_json()}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Result":
        return cls(model=d["model"], benchmark=d["benchmark"], metric=d["metric"],
                   value=d["value"], evidence=Evidence(**d["evidence"]))


@dataclass
class PaperExtraction:
    """Everything extracted from one paper: the line format of ``kg extract``."""

    paper: Paper
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        p = self.paper
        out: dict[str, Any] = {"id": p.id}
        if p.citekey:  # written only when set: outputs for other inputs stay as they were
            out["citekey"] = p.citekey
        out["title"] = p.title
        for key in ("date", "url"):
            if getattr(p, key):
                out[key] = getattr(p, key)
        if p.authors:
            out["authors"] = list(p.authors)
        out["abstract"] = p.abstract
        out["entities"] = [e.to_json() for e in self.entities]
        out["relations"] = [r.to_json() for r in self.relations]
        out["results"] = [r.to_json() for r in self.results]
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "PaperExtraction":
        paper = Paper(id=str(d["id"]), title=d.get("title", ""), abstract=d.get("abstract", ""),
                      date=d.get("date"), url=d.get("url"), authors=tuple(d.get("authors", ())),
                      citekey=d.get("citekey") or None)
        return cls(
            paper=paper,
            entities=[Entity.from_json(e) for e in d.get("entities", [])],
            relations=[Relation.from_json(r) for r in d.get("relations", [])],
            results=[Result.from_json(r) for r in d.get("results", [])],
        )
