"""The extractor: one paper in, its entities, proposals and relations out.

Stages, cheapest first:
1. tokenise title and abstract with the name-preserving tokenizer, split sentences;
2. candidates: lexicon phrase matches, abbreviation definitions, name-shaped tokens,
   the title's name before the colon, and names the sentence introduces;
3. filter generic phrases ("LLMs", "diffusion models");
4. merge candidates of one paper into entities (same lexicon entry, same normalised
   spelling, or joined by an abbreviation definition);
5. type each entity (lexicon, words around it, verbs, its own shape) and mark proposals;
6. relations between entities of one sentence (``kg.extract.relations``).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
from spacy.attrs import IS_TITLE
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from spacy.util import filter_spans

from ..corpus_stats import CorpusStats
from ..model import Entity, Mention, Paper, PaperExtraction
from ..normalize import is_short_form, key, slug, starts_a_word, variant_key, whole_word_starts
from . import context, evidence, prefilter, texmap
from .abbreviations import find_abbreviations, list_definitions
from .lexicon import Lexicon, LexiconEntry, spelling_variants
from .relations import SEPARATOR, find_relations, find_results
from .sentences import sentence, sentence_at, text_of, token_texts
from .shapes import extend_with_version, is_name_like, is_version, shape_spans
from .tokenizer import make_nlp

# title and abstract are joined by SEPARATOR (". "): cheap to tokenise, and a sentence break

# Rules and how far to trust them.
CONFIDENCE = {"lexicon": 0.95, "lexicon-variant": 0.9, "lexicon-extended": 0.85, "abbreviation": 0.85, "title": 0.85, "introduced": 0.8, "repeat": 0.8,
              "shape": 0.6, "alias": 0.9}
# Words that never start or end a multi-word name found by context.
_STOP_EDGE = {"a", "an", "the", "and", "or", "of", "for", "in", "on", "with", "to", "by",
              "we", "our", "this", "that", "which", "is", "are", "as", "from", "via"}
_CONNECTORS = {"of", "for", "in", "with", "and", "to", "from", "via", "on", "the", "a", "by"}
_TITLE_NAME = re.compile(r"^\s*([^:]{2,60}?)\s*:\s*\S")
# what kind of paper it is, where a title puts a name: "Position: AI Safety Requires ...",
# "SoK: ...", "Descriptor: ..." (91 of the 100k corpus's titles open with "Position:")
_PAPER_KINDS = frozenset({
    "position", "position paper", "sok", "survey", "review", "tutorial", "perspective",
    "perspectives", "viewpoint", "commentary", "editorial", "opinion", "overview", "primer",
    "poster", "demo", "descriptor", "case study", "technical report", "extended abstract",
    "brief announcement", "vision paper", "research proposal", "keynote", "erratum"})


def _with_text(doc: Doc, text: str) -> Doc:
    """``doc`` knowing its text (``kg.extract.sentences.text_of``): spaCy would rebuild the
    string from the tokens, and the tokenizer keeps every character."""
    doc.user_data["kg_text"] = text
    return doc


@dataclass
class Candidate:
    start: int  # char offsets into the joined doc text
    end: int
    text: str
    rule: str
    entry: LexiconEntry | None = None
    extras: dict = field(default_factory=dict)


class Extractor:
    """Extracts :class:`PaperExtraction` records from papers.

    >>> ex = Extractor()
    >>> [e.name for e in ex.extract(Paper("p", "T", "We fine-tune GPT-4 on MMLU.")).entities]
    ['GPT-4', 'MMLU']
    """

    def __init__(self, lexicon: Lexicon | None = None, extra_lexicons: Iterable[str | Path] = (),
                 corpus_stats: CorpusStats | None = None):
        """``corpus_stats``: how names are written across a corpus (``kg.corpus_stats``);
        the statistics of 100k arXiv cs abstracts shipped with kg by default."""
        self.lexicon = lexicon or Lexicon.load(extra_lexicons)
        self.stats = corpus_stats if corpus_stats is not None else CorpusStats.default()
        self.nlp = make_nlp()
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for entry in self.lexicon.entries.values():
            variants = set()
            for form in entry.forms:
                variants |= spelling_variants(form)
            self.matcher.add(entry.id, list(self.nlp.tokenizer.pipe(sorted(variants))))

    # ---- public interface ------------------------------------------------------------
    def extract(self, paper: Paper) -> PaperExtraction:
        clean = texmap.detex_paper(paper)
        text = self._text(clean.paper)
        return self._extract_doc(paper, _with_text(self.nlp(text), text), clean)

    def pipe(self, papers: Iterable[Paper], batch_size: int = 256) -> Iterator[PaperExtraction]:
        """Extract a stream of papers lazily, one result per paper, in input order."""
        papers_it = iter(papers)
        while True:
            batch = []
            for p in papers_it:
                batch.append(p)
                if len(batch) >= batch_size:
                    break
            if not batch:
                return
            cleaned = [texmap.detex_paper(p) for p in batch]
            texts = [self._text(c.paper) for c in cleaned]
            docs = self.nlp.pipe(texts, batch_size=batch_size)
            for paper, clean, doc, text in zip(batch, cleaned, docs, texts):
                yield self._extract_doc(paper, _with_text(doc, text), clean)

    # ---- stages ----------------------------------------------------------------------
    @staticmethod
    def _text(paper: Paper) -> str:
        return paper.title + SEPARATOR + paper.abstract

    def _extract_doc(self, paper: Paper, doc: Doc, clean: texmap.Detexed | None = None) -> PaperExtraction:
        """``doc`` is of ``clean.paper`` (TeX-free, see ``kg.extract.texmap``), or of
        ``paper`` itself without ``clean``; offsets come out in ``paper``'s own text."""
        original = paper
        if clean is not None:
            paper = clean.paper
        abstract_offset = len(paper.title) + len(SEPARATOR)
        cands = self._candidates(paper, doc)
        entities, cand_entity = self._merge(cands, doc, paper, abstract_offset)
        _propagate_list_types(text_of(doc), cands, cand_entity)
        self._type_by_family(entities)
        entities, cands = _drop_unevidenced(entities, cands, cand_entity)
        relations = find_relations(doc, cands, cand_entity, entities, abstract_offset)
        results = find_results(doc, cands, cand_entity, entities, abstract_offset)
        ex = PaperExtraction(paper=paper, entities=entities, relations=relations, results=results)
        return ex if clean is None else texmap.to_original(ex, original, clean)

    def _candidates(self, paper: Paper, doc: Doc) -> list[Candidate]:
        lex = self.lexicon
        title_end = len(paper.title)
        spans: list[tuple[Span, str, LexiconEntry | None]] = []
        labs = _labs_in_lists(token_texts(doc))
        # 1. the lexicon
        for match_id, s, e in self.matcher(doc):
            span = doc[s:e]
            entry = lex.entries[self.nlp.vocab.strings[match_id]]
            if lex.accepts(entry, span.text, text_of(doc),
                           is_word=lambda w: evidence.is_ordinary_word(self.stats, w),
                           is_name=lambda p: evidence.written_as_a_name(self.stats, p)) \
                    and not _word_in_another_name(doc, span, title_end) and not (e - s == 1 and s in labs):
                spans.append((span, "lexicon", entry))
        # "process, voltage, and temperature (PVT)": letters of a list, no PVT model
        lists = list_definitions(doc)
        listed = {short for short, words in lists.items() if not _means_entry(lex.lookup(short), words)}
        if listed:
            spans = [(s, r, en) for s, r, en in spans if s.text not in listed]
        lexicon_spans = filter_spans([s for s, _, _ in spans])
        spans = [(s, r, en) for s, r, en in spans if s in lexicon_spans]
        spans = _one_sense_per_paper(spans)
        # a known name with a size or version on it ("BLOOM 175B") is a variant of it
        variants = []
        for s, r, en in spans:
            ext = extend_with_version(doc, s)
            variants.append((ext, "lexicon-variant", en) if len(ext) > len(s) else (s, r, en))
        spans = variants
        taken = {i for s in lexicon_spans for i in range(s.start, s.end)}

        # 2. abbreviation definitions: both forms are candidates, joined later
        pairs = []
        # acronyms this paper defines as a generic phrase (a list in lower case among them; one
        # in capitals may be a name: "we introduce See, Plan, Rewind (SPR)")
        generic_shorts: set[str] = {short for short in listed if evidence.is_lowercase_phrase(lists[short])}
        for ab in find_abbreviations(doc):
            short, long = ab.short, ab.long
            trimmed = _trim(doc, long)
            if lex.is_generic(long.text) or (trimmed is not None and lex.is_generic(trimmed.text)):
                generic_shorts.add(short.text)  # "Multi-Objective RL (MORL)": MORL is generic here
                continue
            if lex.is_generic(short.text) and (trimmed is None or lex.lookup(trimmed.text) is None
                                               and not evidence.is_title_case_phrase(trimmed.text)):
                continue  # a generic acronym, not spelled out as a name of the paper's own
            long = trimmed
            if long is None or not _plausible_long_form(long):
                continue
            if long.text.startswith(short.text) and not long.text[len(short.text):][:1].islower():
                continue  # "Qwen3-Embedding-0.6B (Qwen)", "ResNet-50 (ResNet)": a nickname, not a definition
            pairs.append((long, short))

        # 3. the title's name before the colon ("Merlin: Empowering ...")
        title_span = None
        m = _TITLE_NAME.match(paper.title)
        title_type = None
        if m and len(m.group(1).split()) <= 6 and "," not in m.group(1) \
                and m.group(1).casefold() not in _PAPER_KINDS:
            ts = doc.char_span(m.start(1), m.end(1), alignment_mode="contract")
            # a long title phrase is a name only if the abstract uses it again
            # (and so is a slogan, "Personalization Meets Safety: A Survey")
            if ts is not None and len(ts) and _plausible_name(ts, lex) and (
                    len(ts) <= 3 and not _slogan(ts.text) and not _plain_phrase(ts.text, paper.title[m.end(1):])
                    or _written_again(ts.text, paper.abstract)):
                title_span = ts
                title_type = _subtitle_type(paper.title[m.end(1):])
        # "ORCA: Open-ended Response Correctness Assessment": the subtitle spells out the
        # title's acronym as something the lexicon's ORCA is not; this paper's name is its own
        homonym = None
        if title_span is not None:
            spelled = evidence.spelled_out(title_span.text, paper.title[m.end(1):].lstrip(" :"))
            known = lex.lookup(title_span.text)
            long_forms = known.long_forms if known else ()
            if spelled and long_forms and not any(evidence.same_meaning(spelled, f) for f in long_forms):
                homonym = variant_key(title_span.text)
        # the same in the abstract: "we propose REALM (Region-to-Entity Alignment for ...)" is
        # no REALM retriever, "This paper presents CLAP (Closed-Loop Agent Post-training)" no
        # Contrastive Language-Audio Pretraining (a name the paper proposes: "rely on TSN (Time
        # Sensitive Networking)" is a term of another field, not a name of this paper's)
        homonyms = {homonym} if homonym is not None else set()
        text = text_of(doc)
        for s, _, entry in spans:
            if not (_SPELLED_AFTER.match(text, s.end_char) and s.text.isupper()) or \
                    not context.PROPOSE_VERBS.search(text[max(sentence(s).start_char, s.start_char - 60):s.start_char]):
                continue
            spelled = evidence.spelled_out(s.text, text[s.end_char:].lstrip(" ("))
            # (what the entry is: its long forms, else its note, "General AI assistants
            # benchmark": "GAIA (General AI Assistants)" is that GAIA)
            meanings = entry.long_forms or \
                [entry.note] * bool(entry.note)
            if spelled and meanings and not any(evidence.same_meaning(spelled, f) for f in meanings):
                homonyms.add(variant_key(s.text))

        # 4. name-shaped tokens outside lexicon matches
        shape = [s for s in shape_spans(doc) if not any(i in taken for i in range(s.start, s.end))
                 and not (len(s) == 1 and s.start in labs)]

        # 5. multi-word names the sentence introduces ("we propose Chain of Hindsight, ...")
        introduced = _introduced_names(doc, lex)

        # a known name with capitalised words before it in the abstract is a longer name of its
        # own, based on the known one ("the Audio MultiChallenge benchmark", "Replay Augmented
        # Elastic Weight Consolidation"), unless a definition, the title or an introduction
        # already takes those words
        claimed = {i for long, _ in pairs for i in range(long.start, long.end)} | \
            {i for sp in introduced for i in range(sp.start, sp.end)} | \
            ({i for i in range(title_span.start, title_span.end)} if title_span is not None else set())
        extended = []
        for s, rule, entry in spans:
            ext = _with_name_words_before(doc, s, lex) if s.start_char >= title_end else s
            if len(ext) > len(s) and not any(i in claimed for i in range(ext.start, s.start)) \
                    and _named_as_a_whole(text, ext):
                extended.append((ext, "lexicon-extended", entry))
            else:
                extended.append((s, rule, entry))
        spans = extended

        cands: list[Candidate] = []

        def add(span: Span, rule: str, entry=None, **extras) -> Candidate | None:
            text = span.text
            if entry is None and (lex.is_generic(text) or not text.strip()):
                return None
            c = Candidate(span.start_char, span.end_char, text, rule, entry, extras=extras)
            cands.append(c)
            return c

        for s, rule, entry in spans:
            if homonyms and variant_key(s.text) in homonyms:
                add(s, "repeat")  # the paper's own name, not the lexicon entry it spells like
            elif rule in ("lexicon-variant", "lexicon-extended"):
                add(s, rule, lex.lookup(s.text), base=entry)
            else:
                add(s, rule, entry)
        for long, short in pairs:
            long_entry, short_entry = lex.lookup(long.text), lex.lookup(short.text)
            if long_entry is None and short_entry is None:
                long_entry = short_entry = lex.defined_as(long.text, short.text)
            lc = add(long, "abbreviation", long_entry)
            sc = add(short, "abbreviation", short_entry)
            if lc and sc:
                lc.extras["abbr_of"] = sc
        if title_span is not None:
            add(title_span, "title", None if variant_key(title_span.text) in homonyms
                else lex.lookup(title_span.text), in_title=True,
                title_type=title_type)
        for s in shape:
            text = s.text
            if text in generic_shorts:
                continue
            if len(s) == 1 and (evidence.is_word_with_number(text) or evidence.has_irregular_case(text)):
                continue  # "Stage-1", "MAsk": words, not names
            if len(s) == 1 and self._generic_compound(text):
                continue  # "KG-LLM", "CNN-Transformer", "Human-AI": kinds joined, no name
            if "--" in text:  # "ESM2--against": a dash TeX or a typist wrote; the name is before it
                text = text.split("--")[0]
                entry = lex.lookup(text)
                if len(text) >= 2 and (entry is not None or is_name_like(text)):
                    cands.append(Candidate(s.start_char, s.start_char + len(text), text,
                                           "lexicon" if entry is not None else "shape", entry))
                continue
            base = evidence.modifier_base(text) if len(s) == 1 else None
            if base is not None:
                # "CLIP-Driven", "Grad-CAM-Based": the name inside the modifier, if it is one
                entry = lex.lookup(base)
                if entry is not None or (is_name_like(base) and not lex.is_generic(base)):
                    cands.append(Candidate(s.start_char, s.start_char + len(base), base,
                                           "lexicon" if entry is not None else "shape", entry))
                continue
            span = extend_with_version(doc, s)
            entry = lex.lookup(span.text) or lex.lookup(text)
            sized = _SIZE_SUFFIX.sub("", text) if entry is None else text
            if sized == text and entry is None:
                sized = _SPLIT_SUFFIX.sub("", text)  # "ShapeNet-55/34", "ModelNet-40": a split of a known set
            base = lex.lookup(sized) if sized != text and len(sized) >= 2 else None
            if base is not None and base.type not in ("Dataset", "Benchmark") and not _SIZE_SUFFIX.search(text):
                base = None  # "Mip-NeRF360" is no checkpoint of Mip-NeRF; "ScanNet200" is a split of ScanNet
            if base is not None:
                # "Qwen3-4B", "Qwen2.5-7B-Instruct": a checkpoint of a known model
                add(span, "lexicon-variant", None, base=base)
            else:
                add(span, "shape", entry)
        for s in introduced:
            add(s, "introduced", lex.lookup(s.text))

        # prefer longer, better-founded candidates where they overlap
        cands = _resolve_overlaps(cands)
        # a name found once (in the title, a definition, an introduction) is a mention
        # wherever else the paper writes it
        cands = _resolve_overlaps(cands + _repeats(doc, cands))
        for c in cands:
            c.extras["field"] = "title" if c.start < title_end else "abstract"
            if title_span is not None:
                c.extras["title_name"] = title_span.text
        return cands

    def _merge(self, cands: list[Candidate], doc: Doc, paper: Paper, abstract_offset: int):
        """Candidates of one paper -> entities: union of same entry, same key, abbreviations."""
        parent = list(range(len(cands)))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        def union(a, b):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

        index = {id(c): i for i, c in enumerate(cands)}
        by_key: dict[str, int] = {}
        by_entry: dict[str, int] = {}
        for i, c in enumerate(cands):
            k = variant_key(c.text)  # plural, British and TeX variants of one name; not ViTs / VITS
            if k in by_key:
                union(i, by_key[k])
            else:
                by_key[k] = i
            if c.entry is not None:
                if c.entry.id in by_entry:
                    union(i, by_entry[c.entry.id])
                else:
                    by_entry[c.entry.id] = i
            other = c.extras.get("abbr_of")
            if other is not None and id(other) in index:
                union(i, index[id(other)])

        groups: dict[int, list[int]] = {}
        for i in range(len(cands)):
            groups.setdefault(find(i), []).append(i)

        entities: list[Entity] = []
        cand_entity: dict[int, Entity] = {}
        for root, members in sorted(groups.items(), key=lambda kv: cands[kv[1][0]].start):
            ent = self._entity(doc, paper, [cands[i] for i in members], abstract_offset)
            if ent is None:
                continue
            entities.append(ent)
            for i in members:
                cand_entity[id(cands[i])] = ent
        return entities, cand_entity

    def _entity(self, doc: Doc, paper: Paper, members: list[Candidate], abstract_offset: int) -> Entity | None:
        lex = self.lexicon
        # a paper's definition decides: "GQA: ... Grouped-Query Attention (GQA)" is the
        # attention of its long form, not the benchmark its bare acronym would be
        entry = next((c.entry for c in members if c.entry is not None and "abbr_of" in c.extras),
                     None) or next((c.entry for c in members if c.entry is not None), None)
        if entry is not None:
            # The paper's own definition beats the lexicon for an acronym with two meanings:
            # "Mixture-of-Denoisers (MoD)" is not the lexicon's MoD, Mixture-of-Depths.
            defined = [c for c in members if c.rule == "abbreviation" and "abbr_of" in c.extras]
            long_forms = entry.long_forms
            # (an entry known only by a word-like name, Falcon, is not what a paper spells out as
            # the acronym FALCON; one known only by its acronym, CLOOB, may well be, unless the
            # long form names another kind of thing: "GUI Action Critic's Data Flywheel System
            # (GAIA)" is no benchmark)
            # (nor is one known by a name with its own inner capitals, written so here: "Light
            # Gradient Boosting Machine (LightGBM)" is the lexicon's LightGBM)
            if defined and (not any(_same_words(c.text, f) for c in defined for f in long_forms) if long_forms
                            else not any(f.isupper() for f in entry.forms)
                            and not any(_written_as_inner_capitals(c.extras["abbr_of"].text, entry) for c in defined)
                            or _names_other_kind(entry, [c.text for c in defined])):
                entry = None
                for c in members:
                    c.entry = None
        if all(_numbered_label(text_of(doc), c.text) for c in members):
            return None  # "H3 (ephemeral container exit) ... H4": a hypothesis, not the H3 model
        if all(evidence.reads_as_measure(text_of(doc), c.end) for c in members) and not any(
                "abbr_of" in c.extras for c in members):
            return None  # "SD = 0.24%", "an MAE of 0.12": a statistic, not Stable Diffusion
        if entry is not None and not any("abbr_of" in c.extras for c in members) and self._ambiguous_acronym(
                entry, members) and not self._used_as_data(doc, entry, members):
            return None  # bare "MAE" where the field mostly means the mean absolute error
        rules = {c.rule for c in members}
        forms: list[str] = []
        for c in sorted(members, key=lambda c: c.start):
            if c.text not in forms:
                forms.append(c.text)
        name = max(forms, key=lambda f: (len(f), -forms.index(f)))
        if entry is None and any(lex.is_generic(f) for f in forms):
            return None
        mentions = []
        for c in sorted(members, key=lambda c: c.start):
            fld = c.extras["field"]
            off = 0 if fld == "title" else abstract_offset
            mentions.append(Mention(field=fld, start=c.start - off, end=c.end - off, text=c.text,
                                    rule=c.rule, confidence=CONFIDENCE.get(c.rule, 0.5)))
        # type
        shorts = {id(c.extras["abbr_of"]) for c in members if "abbr_of" in c.extras}
        spans, look_before = [], []
        for c in members:
            s = doc.char_span(c.start, c.end, alignment_mode="expand")
            if s is not None:
                spans.append(s)
                look_before.append(id(c) not in shorts)
        base = next((c.extras["base"] for c in members if c.extras.get("base")), None)
        title_type = next((c.extras["title_type"] for c in members if c.extras.get("title_type")), None)
        literal = context.type_from_literal_name(name)
        if literal is not None:
            typ, type_rule = literal
        elif entry is not None or base is not None:
            known = entry or base
            typ, type_rule = known.type, "lexicon" if entry else f"lexicon-base:{base.name}"
            if entry is None and _SIZE_SUFFIX.search(name):
                typ = "Model"  # "ShareGPT4Video-8B", "FILM-7B": a checkpoint, whatever its base is
            if typ in ("Dataset", "Benchmark"):
                # the abstract decides between data and test set: "evaluated on X" is a benchmark
                role, why = self._type(doc, spans, [], name, look_before)
                if why == "default":
                    # "the NAVSIM and nuScenes benchmarks": a plural after a known data set (or
                    # a list of them) says how the paper uses it
                    plural = next((m for m in (_DATA_PLURAL_AFTER.match(text_of(doc), c.end) for c in members) if m), None)
                    if plural is not None:
                        role = "Benchmark" if plural.group(1).lower().startswith(("bench", "test")) else "Dataset"
                        why = f"plural-after:'{plural.group(1)}'"
                if role in ("Dataset", "Benchmark") and role != typ and why != "default":
                    typ, type_rule = role, f"lexicon+{why}"
        elif title_type is not None:
            typ, type_rule = title_type
        else:
            typ, type_rule = self._type(doc, spans, forms, name, look_before)
            # "evaluated on GPT-5.5", "the GPT-5.4 agent": a new version of a known model
            # family is a model, whatever role the sentence gives it (not what a head noun
            # says; one typed by nothing is typed so after the list rule, _type_by_family)
            if typ != "Model" and (type_rule.startswith(("role:", "name-shape")) or
                                   type_rule.startswith("context:") and typ == "Method"):
                family = self._model_family(name)
                if family is not None:
                    typ, type_rule = "Model", f"family:{family}"
        if type_rule == "default":
            # "MiniF2F-Dafny", "LIBERO-Long": a variant of a known data set is data of that kind
            known = self._data_base(forms)
            if known is not None:
                typ, type_rule = known.type, f"variant-of:{known.name}"
        # proposed
        proposed_rule = None
        if any(c.extras.get("in_title") for c in members):
            proposed_rule = "proposed:title-name"
        else:
            for s in spans:
                r = context.proposed_by_context(doc, s, entry.forms if entry is not None else None)
                if r:
                    proposed_rule = r
                    break
        if proposed_rule is not None and proposed_rule not in _NAMING_RULES and entry is None and any(
                evidence.corpus_established(self.stats, f) for f in forms):
            proposed_rule = None  # "we propose a finite state machine ...": a term papers write in lower case
        title_name = members[0].extras.get("title_name")
        if proposed_rule is None and title_name and any(_extends_name(f, title_name) for f in forms):
            proposed_rule = "proposed:title-variant"  # "PROBE-Bench", "SenseNova-MARS-8B" of "PROBE: ..."
        if proposed_rule is None and entry is None and base is None and self._coined(members, forms):
            proposed_rule = "proposed:coined"
        if entry is not None and proposed_rule not in (
                "proposed:title-name", "proposed:named", "proposed:apposition"):
            # a well-known artifact is this paper's own only when the text says so plainly
            proposed_rule = None
        if base is not None and proposed_rule not in (
                "proposed:title-name", "proposed:named", "proposed:apposition", "proposed:title-variant") \
                and "lexicon-extended" not in rules \
                and not any(_ANNOUNCED.search(text_of(doc)[max(0, c.start - 40):c.start]) for c in members):
            # nor is a checkpoint of one ("we train Qwen3-8B", "we develop X from Qwen3-8B"),
            # unless the paper announces it ("We introduce MedGemma 1.5 4B")
            proposed_rule = None
        if entry is None and base is None and any(context.names_a_metric(doc, sp) for sp in spans):
            return None  # "a novel metric, Semantic Recall", "SWAY, a measure of ...": no artifacts
        if entry is None and base is None and any(evidence.idea_head(f) for f in forms):
            return None  # "we propose the Proxy Compression Hypothesis (PCH)": a claim, no artifact
        if entry is None and base is None and proposed_rule not in _OWN_PROPOSALS \
                and _opens_as_a_topic(text_of(doc), members, abstract_offset):
            return None  # "Document Question Answering (DQA) is ...": the field the paper is in
            # (not "Adaptive Financial Transformer (AFT) is proposed for ...")
        if entry is None and base is None and literal is None:
            verdict = self._artifact_evidence(members, typ, type_rule, proposed_rule)
            if verdict is None:
                return None
            typ, type_rule = verdict
        # ties broken by name: iterating a set of strings differs from process to process
        best_rule = min(rules, key=lambda r: (-CONFIDENCE.get(r, 0.5), r))
        confidence = max(CONFIDENCE.get(r, 0.5) for r in rules)
        if best_rule == "shape" and len(members) == 1 and not proposed_rule and type_rule == "default":
            confidence = 0.4
        ent_id = entry.id if entry is not None else slug(name)
        aliases = [f for f in forms if f != name]
        return Entity(id=ent_id, name=name, type=typ, aliases=aliases, proposed=proposed_rule is not None,
                      mentions=mentions, rule=best_rule if not proposed_rule else f"{best_rule}+{proposed_rule}",
                      confidence=confidence, type_rule=type_rule)

    def _data_base(self, forms: list[str]) -> LexiconEntry | None:
        for f in forms:
            head = re.split(r"[-\s]", f, maxsplit=1)[0]
            entry = self.lexicon.lookup(head) if head != f and len(head) >= 3 else None
            if entry is not None and entry.type in ("Dataset", "Benchmark"):
                return entry
        return None

    def _type_by_family(self, entities: list[Entity]) -> None:
        """"YOLOv11s", "DeepSeek-V4": a name typed by nothing (not even a list neighbour:
        "on CoMA and Florence4D datasets" is no Florence-2) that continues a model family
        with a version is a model."""
        for e in entities:
            if e.type_rule == "default":
                family = self._model_family(e.name)
                if family is not None:
                    e.type, e.type_rule = "Model", f"family:{family}"

    def _model_family(self, name: str) -> str | None:
        family = self.lexicon.model_family(name)
        # (not a family whose stem is a word: Runway's Gen-2 makes no model of "Gen4U")
        if family is None or evidence.is_ordinary_word(self.stats, family) or \
                evidence.is_ordinary_word(self.stats, family.capitalize()):
            return None
        return family

    def _generic_compound(self, text: str) -> bool:
        parts = [p for p in re.split(r"[-/]", text) if p]
        if len(parts) < 2 or self.lexicon.lookup(text) is not None or any(c.isdigit() for c in text):
            return False  # (not "mistral-7b-instruct": a size makes a checkpoint)
        return all(self.lexicon.is_generic(p) or p.lower() in _GENERIC_PREFIXES or p.islower()
                   or (p[0].isupper() and p[1:].islower() and evidence.is_ordinary_word(self.stats, p))
                   for p in parts)

    def _coined(self, members: list[Candidate], forms: list[str]) -> bool:
        """A name this paper coins: no abstract of the background corpus uses it, and the
        paper spells it out ("Bit-Aware Quantization (BAQ)") or uses it again, in its title
        or twice (a name cited from elsewhere is mostly known to the corpus)."""
        if not len(self.stats) or any(self.stats.get(f) is not None for f in forms):
            return False
        longs = [c.text for c in members if c.rule == "abbreviation" and "abbr_of" in c.extras]
        if longs:
            long = max(longs, key=len)
            # ... and its head says what it is: "Bit-Aware Quantization", not "Choroid Plexus"
            return evidence.is_title_case_phrase(long) and evidence.long_form_type(long)[0] is not None
        shaped = [c for c in members if c.rule in ("shape", "repeat", "title")]
        return bool(shaped) and len(members) >= 2 and any(c.extras.get("field") == "title" for c in members) \
            and any(is_name_like(f) for f in forms)

    def _ambiguous_acronym(self, entry: LexiconEntry, members: list[Candidate]) -> bool:
        """A known acronym used bare, when most papers of the corpus define it as something
        else (MAE: mean absolute error, not Masked Autoencoders; SD: standard deviation)."""
        shorts = {c.text for c in members}
        if not all(is_short_form(t) for t in shorts):
            return False
        long_forms = [f for f in entry.forms if f not in shorts and not is_short_form(f)]
        if not long_forms:
            # an entry known by its acronym alone: ambiguous when the corpus mostly defines
            # the acronym as another entry's long form (GQA, the benchmark: 13 of 16
            # definitions are grouped-query attention); not a case-sensitive one, whose
            # corpus counts fold case (VITS, the speech model, is not "ViTs")
            return not entry.case_sensitive and all(self._other_entry_share(entry, t) >= 0.5 for t in shorts)
        share = min((evidence.corpus_meaning_share(self.stats, t, long_forms) for t in shorts),
                    key=lambda x: 1.0 if x is None else x)
        return share is not None and share < AMBIGUOUS_MEANING

    def _used_as_data(self, doc: Doc, entry: LexiconEntry, members: list[Candidate]) -> bool:
        """A data set's ambiguous acronym in a role only data has: "on VQAv2, GQA and
        TextVQA", "the GQA benchmark" (not "dense GQA", "GQA heads")."""
        if entry.type not in ("Dataset", "Benchmark"):
            return False
        text = text_of(doc)
        for c in members:  # a list member beside a known data set
            for m in (_LIST_LEFT.search(text, max(0, c.start - 60), c.start), _LIST_RIGHT.match(text, c.end)):
                known = self.lexicon.lookup(m.group(1)) if m else None
                if known is not None and known.type in ("Dataset", "Benchmark"):
                    return True
        spans = [s for s in (doc.char_span(c.start, c.end, alignment_mode="expand") for c in members) if s is not None]
        role, why = self._type(doc, spans, [], entry.name, [True] * len(spans))
        return role in ("Dataset", "Benchmark") and why != "default"

    def _other_entry_share(self, entry: LexiconEntry, short: str) -> float:
        """Of the corpus's definitions of ``short``, the share that spell out another
        lexicon entry (0 without enough definitions)."""
        s = self.stats.get(short) if len(self.stats) else None
        total = sum(c for _, c in s.long_forms) if s is not None and s.long_forms else 0
        if total < evidence.MIN_OCCURRENCES:
            return 0.0
        other = 0
        for lf, c in s.long_forms:
            known = self.lexicon.lookup(lf)
            if known is not None and known.id != entry.id:
                other += c
        return other / total

    def _artifact_evidence(self, members: list[Candidate], typ: str, type_rule: str,
                           proposed_rule: str | None) -> tuple[str, str] | None:
        """(type, type rule) of a name the lexicon does not know, or None when its long form
        says it is a term, a task or a thing; a type rule still "default" is decided after
        the list rule (``_drop_unevidenced``)."""
        # only a plain statement ("called X", "X, a new ...", the title's name) makes a paper's
        # "Geographic Information System (GIS)" its own artifact
        proposed = proposed_rule in _STRONG_PROPOSALS
        longs = [c.text for c in members if c.rule == "abbreviation" and "abbr_of" in c.extras]
        shorts = [c.extras["abbr_of"].text for c in members if c.rule == "abbreviation" and "abbr_of" in c.extras]
        if longs and proposed_rule is not None and evidence.long_form_type(max(longs, key=len))[1].startswith("task:"):
            proposed = True  # "we propose Reward Difference Prediction (RDP)": a method named for its task
        if longs:
            long = max(longs, key=len)
            head_type, head_rule = evidence.long_form_type(long)
            if head_rule.lower().startswith("not-artifact:network") and any(_NET_NAME.search(sh) for sh in shorts):
                # "Text-Phase Synergy Network with Dual Priors (TPSNet)": a network its acronym
                # calls a Net is a neural one, not a "Wireless Sensor Network (WSN)"
                head_type, head_rule = "Model", head_rule.replace("not-artifact", "long-form-head")
            if head_rule.startswith("not-artifact") and (not proposed or evidence.measure_head(long)):
                # "Visual Place Recognition (VPR)", "Radio Access Network (RAN)"; and what the
                # paper proposes as a measure: "the Trajectory Deviation Index (TDI)"
                return None
            if evidence.is_lowercase_phrase(long) and not proposed and not any(
                    any(ch.islower() for ch in _singular(sh)) for sh in shorts):
                # "electric vehicle (EV)", "deep learning recommender models (DLRMs)", "pediatric
                # intensive care units (PICUs)": a term or a class, whatever its head;
                # "feature-wise ... (FiLM)" is coined
                return None
            if type_rule == "default" and head_type is not None:
                typ, type_rule = head_type, head_rule
        # what 100k abstracts say of the name: a term ("IoT", "Knowledge Distillation"), or a type
        # (an acronym the paper spells out means what the paper says, whatever the corpus
        # mostly defines it as: only the long form is looked up then)
        name = max((c.text for c in members), key=len)
        forms = [max(longs, key=len)] if longs else [name]
        local = type_rule.startswith(_LOCAL_TYPE_RULES) and not (
            longs and evidence.is_lowercase_phrase(max(longs, key=len)))  # "virtual machine (VM)"
        if not proposed and not local and any(evidence.corpus_term(self.stats, f) for f in forms):
            return None
        if type_rule == "default" and proposed_rule is None:
            # (not for a name the paper coins: other papers' SCOPE or PACE is another thing;
            # nor for a spelling the lexicon says is not its entry: the statistics fold case,
            # so those of "LoRa" are LoRA's)
            for f in forms:
                voted = evidence.corpus_type(self.stats, f) if not self.lexicon.is_not_form(f) else None
                if voted:
                    return voted
        return typ, type_rule  # still "default": a list neighbour may type it, else it goes

    def _type(self, doc: Doc, spans: list[Span], forms: list[str], name: str,
              look_before: list[bool]) -> tuple[str, str]:
        votes: dict[str, int] = {}
        why: dict[str, str] = {}
        for s, before in zip(spans, look_before):
            near = context.type_from_neighbours(doc, s)
            near_weight = 1 if near and near[1].startswith(("role:X achieves", "role:surpassing")) else 2
            local = context.type_from_context(doc, s, before)
            # (an apposition says what the paper calls it: "DanceTypesBenchmark, a new dataset of
            # ..." is data, whatever its name's shape says; not "a ... framework", which papers
            # write of benchmarks and models too: "an evaluation framework")
            local_weight = 5 if local and local[1].startswith("apposition:") and local[0] != "Method" else 3
            for r, weight in ((local, local_weight), (context.type_from_role(doc, s), 2),
                              (near, near_weight)):
                if r:
                    votes[r[0]] = votes.get(r[0], 0) + weight
                    why.setdefault(r[0], r[1])
        for f in forms:
            r = context.type_from_name(f)
            if r:
                votes[r[0]] = votes.get(r[0], 0) + 2
                why.setdefault(r[0], r[1])
        # a name that abbreviates words like "Optimization", "Learning" is a method
        if not votes:
            return "Method", "default"
        best = max(votes, key=lambda t: (votes[t], t))
        return best, why[best]


# ---- helpers -------------------------------------------------------------------------

def _names_other_kind(entry: LexiconEntry, long_forms: list[str]) -> bool:
    """A long form whose head says data where the entry is a method or model, or the
    reverse ("Geometry-Adaptive Integral Autoencoder" for the benchmark GAIA), or names no
    artifact at all ("... Data Flywheel System", "Mean Absolute Error"). A task head says
    nothing: benchmarks are named for their task ("Massive Multitask Language Understanding")."""
    is_data = entry.type in ("Dataset", "Benchmark")
    for long in long_forms:
        typ, rule = evidence.long_form_type(long)
        if typ is not None and (typ in ("Dataset", "Benchmark")) != is_data or rule.startswith("not-artifact:"):
            return True
    return False


def _written_as_inner_capitals(short: str, entry: LexiconEntry) -> bool:
    """``short`` is one of ``entry``'s forms as written, a name with capitals inside it
    ("LightGBM", "CycleGAN"), not a word ("Falcon") or an acronym ("FALCON")."""
    return short in entry.forms and not short.isupper() and any(c.isupper() for c in short[1:])


# words that may follow a known name without making a longer one ("the Adam Optimizer")
_KIND_WORDS = frozenset(context.TYPE_NOUNS) | frozenset(context.CLASS_NOUNS) | {
    "optimizer", "optimizers", "block", "blocks", "layers", "head", "heads", "variant", "variants",
    "version", "versions", "series", "score", "scores", "api", "apis", "sdk"}
# who makes it, written before a known name: "OpenAI Codex", "Google Gemini"
_MAKERS = frozenset({"OpenAI", "Google", "Meta", "Microsoft", "Anthropic", "NVIDIA", "Nvidia", "DeepMind",
                     "Alibaba", "Apple", "Amazon", "IBM", "Baidu", "Tencent", "ByteDance", "Mistral",
                     "Stability", "Salesforce", "Cohere", "xAI", "Zhipu", "Moonshot", "DeepSeek"})


_LIST_JOINS = frozenset({",", "and", "or", "&", "/", "("})
_LIST_JOINS_AFTER = _LIST_JOINS - {"("}
# a few more makers that name no model of the lexicon, seen in lists of labs
# (not DeepSeek or Mistral themselves: "CodeLlama, Mistral, DeepSeek and Qwen" are models)
_LABS = (_MAKERS | {"MiniMax", "StepFun"}) - {"DeepSeek", "Mistral"}


def _labs_in_lists(texts: list[str]) -> set[int]:
    """Tokens of makers listed beside a lab: "providers (OpenAI, Anthropic, DeepSeek, xAI)",
    "LLMs by OpenAI, Anthropic and DeepSeek". There DeepSeek or Mistral is the lab, not its
    model (beside models, "GPT-4o, Claude and DeepSeek", it stays a model)."""
    def lab_at(j: int) -> bool:
        return 0 <= j < len(texts) and texts[j] in _LABS

    out: set[int] = set()
    if _MAKERS.isdisjoint(texts):
        return out  # (most papers name no maker)
    for i, t in enumerate(texts):
        if t not in _MAKERS:
            continue
        before = i >= 2 and texts[i - 1] in _LIST_JOINS and (
            lab_at(i - 2) or texts[i - 2] == "," and lab_at(i - 3))  # "OpenAI, and DeepSeek"
        after = i + 2 < len(texts) and texts[i + 1] in _LIST_JOINS_AFTER and lab_at(i + 2)
        if before or after:
            out.add(i)
    return out


def _word_in_another_name(doc: Doc, span: Span, title_end: int) -> bool:
    """A known name that is a plain word (Kinetics, Falcon, Zephyr) inside a longer
    capitalised name: "the Falcon Neuro event camera", "the Zephyr RTOS". In the title, where
    every word is capitalised ("Interface Composition Kinetics in Thin Films"), such a word
    counts only when the abstract writes it too."""
    text = span.text
    if len(span) != 1 or not (text.isalpha() and text.istitle()):
        return False
    if span.start_char < title_end:
        # (at the start of a word: "Swin-Large" in the abstract keeps the title's "Swin-based")
        return not starts_a_word(text_of(doc)[title_end:], text)
    texts = token_texts(doc)
    sent = sentence(span)

    def capitalised(j: int) -> bool:
        # a capitalised word or an acronym, not a plural acronym ("Gemma FVs": function vectors)
        t = texts[j]
        return t.isalpha() and len(t) > 1 and (t.istitle() or t.isupper()) and t.lower() not in _KIND_WORDS \
            and not is_version(t)
    i = span.start
    before = i - 1 > sent.start and doc[i - 1].whitespace_ and capitalised(i - 1) and texts[i - 1] not in _MAKERS
    after = i + 1 < sent.end and doc[i].whitespace_ and capitalised(i + 1)
    return bool(before or after)


# gerunds that open titles as verbs with an object, not as a name's first word (unlike
# "Reasoning Graphs", "Planning Task Shielding")
_TITLE_VERBS = frozenset({
    "taming", "answering", "scaling", "mapping", "making", "demystifying", "unifying", "breaking",
    "rethinking", "revisiting", "understanding", "improving", "enhancing", "boosting", "bridging",
    "unlocking", "unleashing", "exploring", "evaluating", "benchmarking", "measuring", "teaching",
    "steering", "harnessing", "leveraging", "empowering", "advancing", "probing", "diagnosing",
    "quantifying", "characterizing", "characterising", "mitigating", "tackling", "addressing",
    "overcoming", "closing", "navigating", "democratizing", "accelerating", "simplifying",
    "reconsidering", "reframing", "elevating", "fixing", "solving", "escaping", "reviving",
    "unveiling", "uncovering", "exposing", "auditing", "assessing", "investigating", "analyzing",
    "analysing", "comparing", "optimizing", "optimising", "towards", "toward"})
# words that make a title's phrase a sentence or a call, not a name
_SLOGAN_WORDS = frozenset({
    "meets", "matters", "is", "are", "be", "your", "you", "my", "our", "we", "us", "it", "the", "to",
    "before", "without", "beyond", "inside", "beneath", "through", "ahead", "needed", "requires", "not",
    "no", "how", "why", "what", "when", "where", "who", "can", "do", "does", "than", "versus", "all",
    "only", "need", "needs", "more", "less", "better", "while"})


def _written_again(name: str, abstract: str) -> bool:
    """The abstract writes the title's name again: as written, for one of plain words (the
    abstract's "library drift", "knowing when to ask" is a phrase, not the name "Library
    Drift"), else up to case, spaces and hyphens."""
    if _plain_words(name.split()):
        return name in abstract
    return key(name) in key(abstract)


def _plain_words(words: list[str]) -> bool:
    """Two or more words, each alphabetic in title or lower case ("Prompt Switch")."""
    return len(words) >= 2 and all(w.isalpha() and (w.istitle() or w.islower()) for w in words)


def _plain_phrase(text: str, subtitle: str) -> bool:
    """A title name of plain words that neither its head ("Spectral Path Regression") nor the
    subtitle ("Night Eyes: A Reproducible Framework for ...", "Prompt Switch: Efficient CLIP
    Adaptation for ...") says is an artifact: a topic
    ("Cultural Authenticity: Comparing ...", "Readable Minds: Emergent ... Behavior"), unless
    the abstract writes it again."""
    if not _plain_words(text.split()):
        return False
    # the subtitle's head phrase, before its first preposition ("Efficient CLIP Adaptation")
    head = _SUBTITLE_PREPOSITION.split(subtitle.lstrip(" :-\u2013\u2014"), maxsplit=1)[0]
    return evidence.long_form_type(text)[0] is None and _subtitle_type(subtitle) is None \
        and evidence.long_form_type(head)[0] is None


_SUBTITLE_PREPOSITION = re.compile(r"\s+(?:for|via|from|in|on|of|with|without|against|to|through|by)\s+")


def _slogan(text: str) -> bool:
    """Plain words that read as a sentence or a call, not a name: "Personalization Meets
    Safety", "Know Your Step", "Taming the Exponential", "Thinking While Listening" (a verb,
    a pronoun, an article or a gerund first), where "Prompt Switch" or "Frozen in Time" is a
    name; and a title verb's gerund with any object ("Demystifying OPD", "Making MLLMs
    Blind"). Otherwise no acronym, digit or inner-capital name is among the words."""
    words = text.split()
    if len(words) >= 2 and words[0].lower() in _TITLE_VERBS:
        return True
    if not _plain_words(words):
        return False
    lower = [w.lower() for w in words]
    return lower[0].endswith("ing") or any(w in _SLOGAN_WORDS for w in lower) or (
        len(words) == 3 and lower[1].endswith("s") and not lower[1].endswith(("ss", "ous", "is", "us")))


def _extends_name(form: str, name: str) -> bool:
    r"""``form`` is ``name`` with a hyphenated or spaced part after it ("PROBE-Bench" of
    "PROBE"): ``re.match(re.escape(name) + r"[-\s]\S", form)`` without a pattern per name."""
    n = len(name)
    return (form.startswith(name) and len(form) > n + 1 and (form[n] == "-" or form[n].isspace())
            and not form[n + 1].isspace())


def _same_words(a: str, b: str) -> bool:
    """'Reinforcement Learning with Human Feedback' ~ '... from Human Feedback', and
    'PhysicsInformed Neural Networks' ~ 'Physics-Informed Neural Network' (one spelling); not
    'Mixture-of-Denoisers' ~ 'Mixture-of-Depths'."""
    if variant_key(a) == variant_key(b):
        return True
    wa, wb = evidence.content_words(a), evidence.content_words(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.6

_SUBTITLE_NOUN = re.compile(
    r"^\s*:\s*(?:(?:a|an|the)\s+)?(?:(?P<gerund>evaluating|benchmarking|measuring|assessing|probing|testing)\b|(?:[\w-]+\s+){0,5}?(?P<noun>[A-Za-z]+)\b\s*(?:(?:for|of|on|to|with|in|towards?|that|from)\b|$))",
    re.I)


def _subtitle_type(rest: str) -> tuple[str, str] | None:
    """'GUIDE: A Guideline-Guided Dataset for ...': the subtitle's head noun types the name."""
    m = _SUBTITLE_NOUN.match(rest)
    if not m:
        return None
    if m.group("gerund"):  # "VideoPhy: Evaluating Physical Commonsense ..." names a benchmark
        return "Benchmark", f"title-verb:{m.group('gerund')}"
    noun = m.group("noun").lower()
    typ = context.TYPE_NOUNS.get(noun)
    if typ is None or m.group("noun").lower() in {"learning", "training", "tuning", "data", "attention",
                                                 "alignment", "optimization", "evaluation", "test"}:
        return None
    return typ, f"title-noun:{m.group('noun')}"


def _trim(doc: Doc, span: Span) -> Span | None:
    s, e = span.start, span.end
    while s < e and (doc[s].lower_ in _STOP_EDGE or doc[s].is_punct):
        s += 1
    while e > s and (doc[e - 1].lower_ in _STOP_EDGE or doc[e - 1].is_punct):
        e -= 1
    return doc[s:e] if e > s else None


# what an abstract's first sentence says of the field it opens with: "X (ACR) is / aims to /
# has emerged ..."
_TOPIC_VERB = re.compile(
    r"\s*\([^()]{1,15}\)\s*(?:,\s*)?(?:is|are|has|have|aims|refers|remains|plays|serves|represents|involves|"
    r"enables|provides|seeks|focuses|concerns|denotes|describes|studies|offers|allows|supports|can)\b")


def _opens_as_a_topic(text: str, members: list[Candidate], abstract_offset: int) -> bool:
    """The abstract opens by defining the name as its topic: "Document Question Answering
    (DQA) is a ...", "Diffusion Large Language Models (DLLMs) have achieved ...",
    "Multimodal sarcasm detection (MSD) aims to ...": a task, a field or a class (in 6,000
    corpus papers, about 50 of 54 such openings; "Deep image prior (DIP) is an unsupervised
    ... framework" is a loss)."""
    for c in members:
        if c.rule == "abbreviation" and text[abstract_offset:c.start].strip() in ("", "The") \
                and _TOPIC_VERB.match(text, c.end):
            return True
    return False


# a known data set, or a list of them, before a plural kind of data: "the NAVSIM and nuScenes
# benchmarks", "on CIFAR-10, CIFAR-100 and SVHN datasets"
_DATA_PLURAL_AFTER = re.compile(r"(?:\s*(?:,|and|or|&)\s*(?:and\s+)?[A-Z][\w.+-]*)*\s+(benchmarks|datasets|test sets)\b")


# capitalised words that do not start a longer name: sentence openers, determiners, makers
_NOT_NAME_WORDS = frozenset({"The", "A", "An", "Our", "This", "These", "That", "Those", "We", "In",
                             "On", "For", "With", "And", "Or", "By", "From", "To", "Of", "As", "At",
                             "Both", "Each", "Such", "Its", "Their", "Standard", "Vanilla", "Original"})


def _with_name_words_before(doc: Doc, span: Span, lex: Lexicon) -> Span:
    """``span`` with the capitalised words right before it that make a longer name with it:
    "Audio MultiChallenge", "Replay Augmented Elastic Weight Consolidation" (not where the
    sentence starts, where every word is capitalised, nor a maker's name: "OpenAI Codex", nor
    a known name of its own: "LoRA GRPO" are two)."""
    texts = token_texts(doc)
    first = sentence_at(doc, span.start).start
    j = span.start
    while j - 1 > first and j > span.start - 3 and _name_word(texts[j - 1]) and doc[j - 1].whitespace_ \
            and texts[j - 1] not in _MAKERS and texts[j - 1] not in _NOT_NAME_WORDS \
            and lex.lookup(texts[j - 1]) is None:
        j -= 1
    return span if j == span.start else doc[j:span.end]


# what shows that the longer phrase is one name: its definition or a kind noun after it, a
# proposal before it ("we propose X", "two methods: X and Y")
_NAME_CUE_AFTER = re.compile(r"\s*(?:\((?=[A-Za-z][\w-]*\))|(?:benchmark|dataset|corpus|model|method|framework|algorithm|approach|"
                             r"architecture|network|suite|variant)s?\b)", re.I)


def _named_as_a_whole(text: str, span: Span) -> bool:
    """The sentence presents the capitalised phrase as one name: "the Audio MultiChallenge
    benchmark", "Multi-Policy Proximal Policy Optimization (MP-PPO)", "we propose two hybrid
    methods: Replay Augmented Elastic Weight Consolidation and ..." (not "Normal RAG", "the
    Euclidean CLIP embeddings")."""
    if _NAME_CUE_AFTER.match(text, span.end_char):
        return True
    left = text[max(sentence(span).start_char, span.start_char - 160):span.start_char]
    folded = prefilter.fold(left)
    if context.names_or_proposes_right_before(left, folded):
        return True
    between = context.after_propose_verb(left, folded)
    if between is None:
        return False
    # the verb right before it, or a list the verb announces
    return len(between.split()) <= 4 and not _NOT_PROPOSED_BETWEEN.search(between) \
        or context.ANNOUNCE_PLURAL.search(between) is not None or _KINDS_LISTED.search(between) is not None


_NOT_PROPOSED_BETWEEN = re.compile(r"\b(?:than|over|against|versus|vs|with|using|from|on|to|and|or|of)\b", re.I)
# "we propose two hybrid continual learning methods: X and Y"
_KINDS_LISTED = re.compile(r"\b(?:methods|models|approaches|techniques|frameworks|variants|algorithms|"
                           r"strategies|modules|components)\s*:[^.;:]*$", re.I)


def _name_word(text: str) -> bool:
    """A word capitalised as in a name: "Audio", "Replay-Augmented" (no acronym, no number)."""
    parts = text.split("-")
    return all(p[:1].isupper() and p[1:].islower() and p.isalpha() for p in parts)


def _singular(short: str) -> str:
    """An acronym without its plural s: "PICUs" is PICU, whose letters are all capitals."""
    return short[:-1] if len(short) > 2 and short.endswith("s") and short[-2].isupper() else short


def _means_entry(entry: LexiconEntry | None, words: str) -> bool:
    """``words`` spell out what ``entry`` is (one of its long forms)."""
    return entry is not None and any(evidence.same_meaning(words, f) for f in entry.long_forms)


def _plausible_long_form(span: Span) -> bool:
    """Long forms name things: not a clause ("we use a method that ...")."""
    if len(span) > 8:
        return False
    words = [t for t in span if not t.is_punct]
    if any(t.lower_ in {"is", "are", "was", "were", "be", "that", "which", "we", "it", "a", "an", "the"}
           for t in words):
        return False
    return True


def _plausible_name(span: Span, lex: Lexicon) -> bool:
    text = span.text
    if lex.is_generic(text) or not text[0].isupper() and not any(c.isupper() for c in text[1:]):
        return False
    words = text.split()
    # a title that opens with a sentence ("Do LLMs dream: ...") is not a name
    if words[0].lower() in {"on", "towards", "toward", "when", "why", "how", "what", "do", "does",
                            "can", "is", "are", "beyond", "rethinking", "revisiting", "learning",
                            "a", "an", "the", "from", "understanding", "improving", "exploring"}:
        return False
    lowers = [w for w in words if w[0].islower() and w.lower() not in _CONNECTORS]
    return not lowers


_INTRO_TRIGGER = re.compile(
    r"(?:(?:\b(?:propose|proposes|introduce|introduces|present|presents|(?-i:called|named|dubbed|termed|coined))"
    r"|^(?-i:Called|Dubbed|Termed))"  # (not "Named Entity Recognition": see context.NAMING)
    r"\s+(?:(?:a|an|the)\s+(?:\w+[\s-]+){0,4}?(?:method|model|framework|approach|benchmark|dataset|"
    r"technique|algorithm|paradigm|system|strategy|pipeline)\s*,?\s*)?)$", re.I)


# the verbs of _INTRO_TRIGGER alone: a cheap test that one is near before the full one
_INTRO_VERBS = ("propose", "introduce", "present", "called", "named", "dubbed", "termed", "coined")
def _introduced_names(doc: Doc, lex: Lexicon) -> list[Span]:
    """Capitalised multi-word names right after 'we propose', 'called' and the like."""
    out = []
    text = text_of(doc)
    # (str.find on the folded text: a case-insensitive regex tried at every character cost
    # more than the rest of the rule)
    verbs = prefilter.starts_of(prefilter.fold(text), _INTRO_VERBS)
    if not verbs:
        return out
    titled = np.flatnonzero(doc.to_array(IS_TITLE)).tolist()  # (str.istitle, on the lexemes)
    for i in titled:
        if i == 0:
            continue
        tok = doc[i]
        # the trigger must lie in the 120 characters before the name
        k = bisect_left(verbs, tok.idx - 120)
        if k == len(verbs) or verbs[k] >= tok.idx:
            continue
        left = text[max(sentence(tok).start_char, tok.idx - 120): tok.idx]
        if not _INTRO_TRIGGER.search(left):
            continue
        end = tok.i + 1
        last_cap = tok.i
        while end < len(doc) and end - tok.i < 7:
            t = doc[end]
            if t.is_title or t.is_upper and len(t) > 1 or ("-" in t.text and t.text[0].isupper()):
                last_cap = end
            elif t.lower_ in {"of", "for"}:  # "Chain of Hindsight", "Learning for X"
                pass
            else:
                break
            end += 1
        span = doc[tok.i: last_cap + 1]
        if len(span) >= 2 and not lex.is_generic(span.text):
            out.append(span)
    return out


# the names beside one in a list: "VQAv2, [GQA]", "[GQA] and TextVQA"
_LIST_LEFT = re.compile(r"([\w.+-]+)(?:,|,?\s+and|,?\s+or)\s*$")
_LIST_RIGHT = re.compile(r"(?:,|,?\s+and|,?\s+or)\s+([\w.+-]+)")
# "MSVD and LSMDC", "ImageNette (87.2%), ImageWoof": a list, with the results in between
_LIST_GAP = re.compile(r"^\s*(?:\([^()]{0,24}\)\s*)?(?:,|and|or|,\s*and|,\s*or|/)\s*$")


# "we introduce X", "this report presents X": the paper announces X, a release of its own
_ANNOUNCED = re.compile(r"\b(?:we|this (?:paper|work|report))\s+(?:introduce|present|release|unveil)s?\s+$", re.I)

# A bare known acronym whose corpus definitions are mostly something else is not taken.
AMBIGUOUS_MEANING = 0.3

# Type rules that read the paper's own words about the name (not its role in a sentence).
_LOCAL_TYPE_RULES = ("context:", "apposition:", "name-says", "name-shape", "title-noun", "title-verb",
                     "long-form-head")
# A parameter count (and tags) after a model's name: "-4B", "-7B-Instruct", "-70b-chat".
_SIZE_SUFFIX = re.compile(r"[-_]\d+(?:\.\d+)?[BbMm](?:[-_][A-Za-z]+\d*)*$")
_SPLIT_SUFFIX = re.compile(r"-?\d+(?:/\d+|x\d+)*$")
_GENERIC_PREFIXES = {"multi", "cross", "inter", "intra", "non", "pre", "post", "semi", "self", "co", "sub", "meta"}
_NAMING_RULES = {"proposed:named", "proposed:title-name", "proposed:apposition"}
_NET_NAME = re.compile(r"\wNet(?:s|-?\d+)?$")  # "TPSNet", "CTCNet", "DVINet-2"
_STRONG_PROPOSALS = {"proposed:named", "proposed:title-name", "proposed:apposition", "proposed:we-propose-direct"}
_OWN_PROPOSALS = _STRONG_PROPOSALS | {"proposed:passive"}  # ... and "X is proposed for ..."


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.split(r"[\s-]+", name) if w).upper()


def _one_sense_per_paper(spans: list[tuple[Span, str, LexiconEntry]]) -> list[tuple[Span, str, LexiconEntry]]:
    """An acronym the lexicon gives to one thing is another entry in a paper that writes that
    entry's name out with those initials: "SAM-based Optimizer" in a paper on Sharpness-Aware
    Minimization is no Segment Anything Model."""
    written = {}
    for s, _, en in spans:
        if " " in s.text.strip() or "-" in s.text:
            written.setdefault(_initials(s.text), en)
    if not written:
        return spans
    out = []
    for s, r, en in spans:
        other = written.get(s.text) if s.text.isupper() and 2 <= len(s.text) <= 6 else None
        out.append((s, r, other) if other is not None and other.id != en.id else (s, r, en))
    return out


# a name followed by a parenthesis that spells it out with capitals: "GAIA (Global ..."
_SPELLED_AFTER = re.compile(r"\s*\(\s*[A-Z]")
_LABEL = re.compile(r"[A-Z]\d{1,2}")


def _numbered_label(text: str, name: str) -> bool:
    """"H1 ... H2 ... H3", "T1-T4": a capital with a number, one of a series of three or more
    of that capital in the text, labels hypotheses, tasks or stages. (Two are not a series:
    "T0 and T5", "S4 and S5" are models.)"""
    if _LABEL.fullmatch(name) is None:
        return False
    numbers = set(re.findall(rf"(?<![\w-]){name[0]}(\d{{1,2}})(?![\w-])", text))
    return len(numbers) >= 3 and name[1:] in numbers


def _drop_unevidenced(entities: list[Entity], cands: list[Candidate], cand_entity: dict[int, Entity]):
    """A name nothing typed (no lexicon entry, no context, no list neighbour) and that the
    paper does not propose is not taken for an artifact: "Method" is no default."""
    dropped = {id(e) for e in entities if e.type_rule == "default" and not e.proposed}
    if not dropped:
        return entities, cands
    for c in cands:
        if id(cand_entity.get(id(c))) in dropped:
            del cand_entity[id(c)]
    return [e for e in entities if id(e) not in dropped], [c for c in cands if id(c) in cand_entity]


def _propagate_list_types(text: str, cands: list[Candidate], cand_entity: dict[int, Entity]) -> None:
    """Names in one list share a type: 'on MSR-VTT, MSVD and LSMDC' are all benchmarks.

    Only an entity typed by default takes the type of a list neighbour typed by evidence.
    """
    for _ in range(2):  # a second pass carries a type along longer lists
        for a, b in zip(cands, cands[1:]):
            ea, eb = cand_entity.get(id(a)), cand_entity.get(id(b))
            if ea is None or eb is None or ea is eb or not _LIST_GAP.match(text[a.end:b.start]):
                continue
            for x, y in ((ea, eb), (eb, ea)):
                if x.type_rule == "default" and y.type_rule != "default":
                    x.type, x.type_rule = y.type, f"list-with:{y.name}"
                elif x.type == "Dataset" and y.type == "Benchmark" and x.type_rule == "lexicon" and (
                        "role:evaluated on X" in y.type_rule or y.type_rule.startswith("lexicon+list-with:")):
                    # "experiments on CIFAR-10, Tiny ImageNet, and Pascal VOC": the whole list is
                    # evaluated on, as the first member is
                    x.type, x.type_rule = "Benchmark", f"lexicon+list-with:{y.name}"


def _repeats(doc: Doc, cands: list[Candidate]) -> list[Candidate]:
    covered = [(c.start, c.end) for c in cands]
    out = []
    for form, c in {c.text: c for c in cands if c.rule != "lexicon"}.items():
        for start in whole_word_starts(text_of(doc), form):
            end = start + len(form)
            if any(s < end and start < e for s, e in covered):
                continue
            if doc.char_span(start, end) is None:
                continue
            out.append(Candidate(start, end, form, "repeat", c.entry))
            covered.append((start, end))
    return out


_RULE_RANK = {"lexicon": 0, "lexicon-variant": 0, "lexicon-extended": 1, "abbreviation": 1, "title": 2, "introduced": 3, "shape": 4, "repeat": 5}


def _resolve_overlaps(cands: list[Candidate]) -> list[Candidate]:
    """Keep non-overlapping candidates, preferring lexicon, then longer spans."""
    def rank(c: Candidate) -> int:
        # a defined long form ("Online Iterative Reinforcement Learning from Human Feedback
        # (OI-RLHF)") may contain a known name; the longer definition wins
        if c.rule == "abbreviation" and "abbr_of" in c.extras:
            return 0
        return _RULE_RANK.get(c.rule, 9)

    order = sorted(cands, key=lambda c: (rank(c), -(c.end - c.start), c.start))
    kept: list[Candidate] = []
    for c in order:
        clash = None
        for k in kept:
            if c.start < k.end and k.start < c.end:
                clash = k
                break
        if clash is None:
            kept.append(c)
        elif clash.start == c.start and clash.end == c.end:
            # the same span found twice: keep the first, but remember the abbreviation link
            if "abbr_of" in c.extras and "abbr_of" not in clash.extras:
                clash.extras["abbr_of"] = c.extras["abbr_of"]
            if c.extras.get("in_title"):
                clash.extras["in_title"] = True
            if clash.entry is None and c.entry is not None:
                clash.entry = c.entry
    # abbreviation links must point at kept candidates
    kept_ids = {id(k) for k in kept}
    by_span = {(k.start, k.end): k for k in kept}
    for k in kept:
        other = k.extras.get("abbr_of")
        if other is not None and id(other) not in kept_ids:
            repl = by_span.get((other.start, other.end))
            if repl is not None:
                k.extras["abbr_of"] = repl
            else:
                del k.extras["abbr_of"]
    return sorted(kept, key=lambda c: c.start)
