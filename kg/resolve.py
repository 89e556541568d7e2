"""Canonical entities across papers: one id per thing, whatever its spelling.

Two passes over a stream of extractions, so that nothing needs the whole corpus in memory
beyond a table of surface forms:

1. ``observe`` every paper: which long form each abbreviation stands for, and how each
   spelling of a name is written;
2. ``resolve`` every paper: give each entity its canonical id (the lexicon's id for a
   known entity; otherwise one derived from the most common spelling of its long form),
   and let a bare abbreviation ("CLOOB" alone) take the id of the long form it is defined
   as elsewhere, when that is unambiguous.

Spellings that differ only in case, spaces, hyphens and dots share a key (``kg.normalize``):
LLaMA-2, Llama 2 and Llama2 are one entity; GPT-4 and GPT-4o are not.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from typing import Iterable

from .model import Entity, PaperExtraction, Relation
from .normalize import key, slug


def _is_short_form(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return " " not in text and len(text) <= 12 and sum(c.isupper() for c in letters) >= 2


class Resolver:
    def __init__(self) -> None:
        self.short_to_long: dict[str, Counter] = defaultdict(Counter)  # short key -> long keys
        self.spellings: dict[str, Counter] = defaultdict(Counter)  # long key -> surface names
        self.fixed_ids: dict[str, str] = {}  # key -> lexicon id, for known entities

    # ---- pass 1 ----------------------------------------------------------------------
    def observe(self, ex: PaperExtraction) -> None:
        for e in ex.entities:
            long_key = key(e.name)
            self.spellings[long_key][e.name] += 1
            if e.rule.startswith("lexicon") or e.type_rule == "lexicon":
                for f in (e.name, *e.aliases):
                    self.fixed_ids.setdefault(key(f), e.id)
            for a in e.aliases:
                ak = key(a)
                if ak != long_key and _is_short_form(a):
                    self.short_to_long[ak][long_key] += 1

    def observe_all(self, exs: Iterable[PaperExtraction]) -> None:
        for ex in exs:
            self.observe(ex)

    # ---- pass 2 ----------------------------------------------------------------------
    def canonical_id(self, e: Entity) -> str:
        k = key(e.name)
        if k in self.fixed_ids:
            return self.fixed_ids[k]
        for a in e.aliases:
            if key(a) in self.fixed_ids:
                return self.fixed_ids[key(a)]
        if not e.aliases and _is_short_form(e.name):
            longs = self.short_to_long.get(k)
            if longs and len(longs) == 1:
                (long_key,) = longs
                return self._id_for_key(long_key)
        return self._id_for_key(k)

    def _id_for_key(self, k: str) -> str:
        if k in self.fixed_ids:
            return self.fixed_ids[k]
        names = self.spellings.get(k)
        if not names:
            return slug(k)
        # the most common spelling; ties broken by the string, so input order never matters
        display = min(names.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        return slug(display)

    def resolve(self, ex: PaperExtraction) -> PaperExtraction:
        ids: dict[str, str] = {}
        entities: list[Entity] = []
        seen: dict[str, Entity] = {}
        for e in ex.entities:
            cid = self.canonical_id(e)
            ids[e.id] = cid
            if cid in seen:
                # two entities of one paper resolved to one thing: merge their forms
                keep = seen[cid]
                for f in (e.name, *e.aliases):
                    if f != keep.name and f not in keep.aliases:
                        keep.aliases.append(f)
                keep.mentions = sorted(keep.mentions + e.mentions, key=lambda m: (m.field != "title", m.start))
                keep.proposed = keep.proposed or e.proposed
                continue
            ne = replace(e, id=cid, aliases=list(e.aliases), mentions=list(e.mentions))
            seen[cid] = ne
            entities.append(ne)
        relations: list[Relation] = []
        keys = set()
        for r in ex.relations:
            h, t = ids.get(r.head_id, r.head_id), ids.get(r.tail_id, r.tail_id)
            if h == t or (h, r.rel, t) in keys:
                continue
            keys.add((h, r.rel, t))
            relations.append(replace(r, head_id=h, tail_id=t, head=seen[h].name if h in seen else r.head,
                                     tail=seen[t].name if t in seen else r.tail))
        return PaperExtraction(paper=ex.paper, entities=entities, relations=relations, results=ex.results)


def resolve(extractions: Iterable[PaperExtraction]) -> list[PaperExtraction]:
    """Resolve a (small) corpus held in memory; large runs use :class:`Resolver` in two passes."""
    exs = list(extractions)
    r = Resolver()
    r.observe_all(exs)
    return [r.resolve(ex) for ex in exs]
