"""Canonical entities across papers: one id per thing, whatever its spelling.

Two passes over a stream of extractions, so that nothing needs the whole corpus in memory
beyond a table of surface forms:

1. ``observe`` every paper: how each name is spelled, which long form each abbreviation
   stands for, and which papers propose a name as their own;
2. ``resolve`` every paper: give each entity its canonical id and label.

The rules, in order:

- spellings that differ in case, spaces, hyphens, dots, plural, British/American spelling,
  a ``.0`` version or TeX debris share a key (``kg.normalize.variant_key``): LLaMA-2 /
  Llama 2 / Llama2, ViT / ViTs, optimisation / optimization; GPT-4 and GPT-4o do not;
- a known (lexicon) entity keeps the lexicon's id and label, and so does a spelling of it;
- a paper's own long form decides what its acronym means: "Diffusion Policy (DP)" is never
  Differential Privacy, so an acronym alias never joins a node by itself;
- a bare acronym that no paper defines joins a node only when it has one dominant meaning,
  in this corpus (defined so by at least two papers) or in the background statistics of
  100k arXiv papers (``kg.corpus_stats``);
- a coined name that several papers propose as their own (SCOPE, ATLAS), or that other
  papers use for another kind of thing (a data set where it is a method), is one node per
  proposing paper: unrelated systems do not share a node by sharing a name;
- a label is the lexicon's name, else the most frequent spelling (ties by the string, so
  the input order never matters).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable

from .model import Entity, PaperExtraction, Relation
from .normalize import is_short_form, slug, variant_key

DOMINANT_SHARE = 0.7  # of an acronym's definitions that must agree for a bare use to join
MIN_DEFINITIONS = 2  # papers that must define it so (unless the background corpus does)


class _ObservedEntity:
    """What pass 1 reads of an entity, from its JSON (:meth:`Resolver.observe_record`)."""

    __slots__ = ("id", "name", "type", "aliases", "proposed", "rule", "type_rule")

    def __init__(self, d: dict) -> None:
        self.id, self.name, self.type = d["id"], d["name"], d["type"]
        self.aliases = d.get("aliases", ())
        self.proposed = bool(d.get("proposed"))
        self.rule, self.type_rule = d.get("rule", ""), d.get("type_rule", "")


@dataclass
class ResolverState:
    """What pass 1 learns of a corpus, and all that pass 2 reads: mergeable, so that parts of
    a corpus can be observed apart (on several machines, ``kg.distributed``) and their states
    combined. ``a.merge(b)`` is the state of observing ``a``'s papers, then ``b``'s: counts
    add, sets join and a key's lexicon id is the first one seen (``a``'s). The merge is
    associative, so any tree of merges over the parts, kept in input order, gives exactly
    the state of one sequential pass (the same counts, ids and even key order)."""
    spellings: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # variant key -> names as written
    short_to_long: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # short key -> long keys
    fixed_ids: dict[str, str] = field(default_factory=dict)  # variant key -> lexicon id, for known entities
    proposers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # key of a coined name -> papers
    cited_kinds: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # key -> kinds papers use it for, not coining it

    def merge(self, other: "ResolverState") -> "ResolverState":
        """A new state: this one's observations, then ``other``'s (neither is changed)."""
        out = ResolverState()
        for mine, theirs, into in ((self.spellings, other.spellings, out.spellings),
                                   (self.short_to_long, other.short_to_long, out.short_to_long)):
            for part in (mine, theirs):
                for k, counts in part.items():
                    into[k].update(counts)  # adds; a new name goes last, as in one pass
        out.fixed_ids = dict(self.fixed_ids)
        for k, eid in other.fixed_ids.items():
            out.fixed_ids.setdefault(k, eid)  # the first paper to name a key fixes its id
        for mine, theirs, into in ((self.proposers, other.proposers, out.proposers),
                                   (self.cited_kinds, other.cited_kinds, out.cited_kinds)):
            for part in (mine, theirs):
                for k, values in part.items():
                    into[k] |= values
        return out


class Resolver:
    def __init__(self, *, lexicon=None, corpus_stats=None, state: ResolverState | None = None) -> None:
        """``lexicon``: a :class:`kg.extract.lexicon.Lexicon` for canonical labels (loaded
        when needed); ``corpus_stats``: background :class:`kg.corpus_stats.CorpusStats` for
        the meaning of bare acronyms (the shipped file by default; pass ``False`` for none);
        ``state``: what pass 1 learnt elsewhere (:meth:`ResolverState.merge` of the states of
        a corpus's parts), to resolve with it and observe no more."""
        self.state = state if state is not None else ResolverState()
        self._lexicon = lexicon
        self._stats = corpus_stats

    # the tables of pass 1, held by ``self.state``
    spellings = property(lambda self: self.state.spellings)
    short_to_long = property(lambda self: self.state.short_to_long)
    fixed_ids = property(lambda self: self.state.fixed_ids)
    proposers = property(lambda self: self.state.proposers)
    cited_kinds = property(lambda self: self.state.cited_kinds)

    # ---- pass 1 ----------------------------------------------------------------------
    def observe(self, ex: PaperExtraction) -> None:
        self._observe(ex.paper.id, ex.entities)

    def observe_record(self, record: dict) -> None:
        """:meth:`observe` of an extraction's JSON (``PaperExtraction.to_json``), without
        making its objects: a cached paper's line is read only for this in pass 1."""
        self._observe(str(record["id"]), [_ObservedEntity(e) for e in record.get("entities", ())])

    def _observe(self, paper_id: str, entities) -> None:
        for e in entities:
            k = variant_key(e.name)
            self.spellings[k][e.name] += 1
            if self._is_lexicon(e):
                for f in (e.name, *e.aliases):
                    self.fixed_ids.setdefault(variant_key(f), e.id)
            elif e.proposed:
                # by its acronym too: "ACORN" coined by one paper, "Abstractive Compression
                # Robust against Noise (ACORN)" by another
                for f in (e.name, *(a for a in e.aliases if is_short_form(a))):
                    self.proposers[variant_key(f)].add(paper_id)
            else:
                self.cited_kinds[k].add(_kind(e.type))
            for a in e.aliases:
                ak = variant_key(a)
                if ak != k and is_short_form(a) and not is_short_form(e.name):
                    self.short_to_long[ak][k] += 1

    def observe_all(self, exs: Iterable[PaperExtraction]) -> None:
        for ex in exs:
            self.observe(ex)

    # ---- pass 2 ----------------------------------------------------------------------
    def canonical_id(self, e: Entity, paper_id: str = "") -> str:
        k = variant_key(e.name)
        if self._is_lexicon(e):
            return e.id
        if e.proposed and (len(self.proposers.get(k, ())) > 1 or self.cited_kinds.get(k, set()) - {_kind(e.type)}):
            # (and one whose name other papers use for another kind of thing: "the BABEL
            # benchmark" of two papers is not the Babel method a third one coins)
            return f"{self._id_for_key(k, own=True)}--{slug(paper_id)}"
        if e.proposed:
            # a name the paper coins is its own, even when it spells like a known one
            return self._id_for_key(k, own=True)
        if k in self.fixed_ids and self._spelled_as_known(e.name, self.fixed_ids[k]):
            return self.fixed_ids[k]
        short = is_short_form(e.name)
        for a in e.aliases:
            # an acronym alias says nothing of identity: the paper's long form does
            if (short or not is_short_form(a)) and variant_key(a) in self.fixed_ids:
                return self.fixed_ids[variant_key(a)]
        if not e.aliases and short:
            # (a name a paper coins is its own, whatever others spell the letters as)
            long_key = self._meaning(k)
            if long_key is not None and self._spelled_as_known(e.name, self._id_for_key(long_key)):
                return self._id_for_key(long_key)
        cid = self._id_for_key(k)
        return cid if self._spelled_as_known(e.name, cid) else self._id_for_key(k, own=True)

    def _meaning(self, short_key: str) -> str | None:
        """The long form a bare acronym stands for, when one meaning dominates."""
        longs = self.short_to_long.get(short_key)
        if longs:
            (best, n), = sorted(longs.items(), key=lambda kv: (-kv[1], kv[0]))[:1]
            if n / sum(longs.values()) < DOMINANT_SHARE:
                return None
            # one paper's definition is no meaning of the letters elsewhere: "VIF" bare is
            # the variance inflation factor, not the Vision Inference Former one paper
            # coins; it takes MIN_DEFINITIONS papers, or the background corpus agreeing
            return best if n >= MIN_DEFINITIONS or best == self._background_meaning(short_key) else None
        # join only a node this corpus has: a background meaning alone makes no node
        background = self._background_meaning(short_key)
        return background if background in self.spellings or background in self.fixed_ids else None

    def _background_meaning(self, short_key: str) -> str | None:
        """The variant key of the long form the background statistics mostly define it as."""
        stats = self._corpus_stats()
        long = stats.dominant_long_form(short_key, min_share=DOMINANT_SHARE) if stats else None
        return variant_key(long) if long is not None else None

    def _corpus_stats(self):
        if self._stats is None:
            try:
                from .corpus_stats import CorpusStats
                self._stats = CorpusStats.default()
            except ImportError:  # pragma: no cover - the module ships with kg
                self._stats = False
        return self._stats or None

    def _id_for_key(self, k: str, own: bool = False) -> str:
        if k in self.fixed_ids and not own:
            return self.fixed_ids[k]
        names = self.spellings.get(k)
        cid = slug(_most_frequent(names)) if names else slug(k)
        if own and cid in self._lexicon_names():
            cid += "--own"  # never the id of the lexicon entry it spells like
        return cid

    def label(self, cid: str, e: Entity) -> str:
        """The canonical label of the node ``cid``: the lexicon's name, else the most
        frequent spelling of its key."""
        if cid in self._lexicon_names():
            name = self._lexicon_names().get(cid)
            if name:
                return name
        names = self.spellings.get(variant_key(e.name))
        return _most_frequent(names) if names else e.name

    def _spelled_as_known(self, name: str, eid: str) -> bool:
        """A case-sensitive lexicon entry (STaR, GloVe) is joined only by its own spelling:
        "STAR" the RNA-seq aligner is not STaR."""
        entry = self._lexicon_entries().get(eid)
        if entry is not None and name in entry.not_forms:
            return False  # "LoRa", the radio, is not LoRA
        if entry is None or not entry.case_sensitive:
            return True
        return any(_same_spelling(name, f) for f in entry.forms)

    def _lexicon_entries(self) -> dict:
        entries = getattr(self, "_entries", None)
        if entries is None:
            self._lexicon_names()
            entries = self._entries
        return entries

    def _is_lexicon(self, e: Entity) -> bool:
        """Known to the lexicon: the extractor matched an entry (its id is the entry's, and
        a lexicon rule found or typed it; a paper's own definition or title that overrode
        the entry gave it an id of its own, which may still spell like one: ORCA / Orca)."""
        return e.id in self._lexicon_names() and (
            e.rule.startswith("lexicon") or e.type_rule.startswith(("lexicon", "name-says")))

    def _lexicon_names(self) -> dict[str, str]:
        names = getattr(self, "_names", None)
        if names is None:
            lex = self._lexicon
            if lex is None:
                from .extract.lexicon import Lexicon
                lex = Lexicon.load()
            names = self._names = {entry.id: entry.name for entry in lex.entries.values()}
            self._entries = dict(lex.entries)
        return names

    def resolve(self, ex: PaperExtraction) -> PaperExtraction:
        ids: dict[str, str] = {}
        entities: list[Entity] = []
        seen: dict[str, Entity] = {}
        for e in ex.entities:
            cid = self.canonical_id(e, ex.paper.id)
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
            ne = replace(e, id=cid, aliases=list(e.aliases), mentions=list(e.mentions),
                         label=self.label(cid, e))
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


def _kind(type_: str) -> str:
    """Data (a data set or a benchmark, which papers call the same thing by turns) or not."""
    return "data" if type_ in ("Dataset", "Benchmark") else "method"


def _same_spelling(name: str, form: str) -> bool:
    """``name`` is written as the case-sensitive known ``form``: letter for letter (spaces,
    hyphens, periods and a plural s aside: "Segment Anything Models", "FLUX-1" of FLUX.1), or
    in other capitals when the known name is a word ("MixUp" of Mixup, "Text8" of text8) and
    ``name`` is no acronym ("SPIDER" is not Spider, "CaMeL" is not CAMEL; "PI0.5" is pi0.5)."""
    def squash(x: str) -> str:
        return x.replace("-", "").replace(" ", "").replace(".", "")

    a, b = squash(name), squash(form)
    if a in (b, b + "s"):
        return True
    word_like = b[:1].isupper() and b[1:].islower() or b.islower()
    # (in capitals a word reads as an acronym, a name with a digit does not: "PI0.5" of pi0.5)
    return a.lower() == b.lower() and word_like and (not a.isupper() or any(c.isdigit() for c in b))


def _most_frequent(names: Counter) -> str:
    return min(names.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def resolve(extractions: Iterable[PaperExtraction], **kw) -> list[PaperExtraction]:
    """Resolve a (small) corpus held in memory; large runs use :class:`Resolver` in two passes."""
    exs = list(extractions)
    r = Resolver(**kw)
    r.observe_all(exs)
    return [r.resolve(ex) for ex in exs]
