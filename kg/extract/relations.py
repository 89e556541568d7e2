"""Typed relations stated in one sentence, each with its evidence and the rule that fired.

A relation needs a trigger between or before two entity mentions of one sentence:
"X outperforms Y", "we evaluate X on Y", "X is trained on Y", "X builds on Y",
"X uses Y", "compared with Y". The head is the entity that is the subject of the
trigger: a mention before it in the sentence, or, when the subject is "we", "our
method" or "it", the entity the paper proposes.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spacy.tokens import Doc

from .sentences import sentence, sentences, text_of

from ..model import Entity, Evidence, Relation, Result

SEPARATOR = ". "  # how the pipeline joins title and abstract (kg.extract.pipeline.SEPARATOR)

if TYPE_CHECKING:
    from .pipeline import Candidate

# (relation, trigger regex, allowed head types, allowed tail types)
TRIGGERS: list[tuple[str, re.Pattern, set[str] | None, set[str] | None]] = [
    ("outperforms", re.compile(
        r"\b(?:outperform(?:s|ed|ing)?|surpass(?:es|ed|ing)?|beat(?:s|ing)?|exceed(?:s|ed|ing)?|"
        r"(?:is|are|performs?|works?)\s+(?:\w+\s+)?(?:better|superior)\s+(?:than|to)|"
        r"improves?\s+(?:up)?on|improvements?\s+over|gains?\s+over)\b", re.I),
     {"Method", "Model"}, {"Method", "Model"}),
    ("compared_with", re.compile(
        r"\b(?:compar(?:e|es|ed|ing)\s+(?:[\w-]+\s+){0,4}?(?:with|to|against)|in\s+comparison\s+(?:with|to)|comparisons?\s+(?:with|to|against)|"
        r"competitive\s+with|on\s+par\s+with|comparable\s+(?:to|with)|rivals?|matches|matching)\b", re.I),
     {"Method", "Model"}, {"Method", "Model"}),
    ("trained_on", re.compile(
        r"\b(?:(?:pre-?|post-?)?train(?:ed|ing|s)?|fine-?tun(?:ed|ing|es)|finetun(?:ed|ing|es)|learn(?:ed|s|ing)?)"
        r"\s+(?:\w+\s+){0,3}?(?:on|with|using|from)\b", re.I),
     None, {"Dataset", "Benchmark"}),
    ("evaluated_on", re.compile(
        r"\b(?:evaluat(?:e|es|ed|ing|ion)|experiments?|results?|tests?|tested|benchmark(?:s|ed|ing)?|"
        r"achiev(?:e|es|ed|ing)|attain(?:s|ed)?|obtain(?:s|ed)?|scor(?:e|es|ed|ing)|accuracy|"
        r"performance|state-of-the-art|sota|perform(?:s|ed)?|validat(?:e|ed|es|ion)|demonstrat(?:e|es|ed)|"
        r"(?<!room for )improv(?:e|es|ed|ing|ements?)|gains?|outperform(?:s|ed|ing)?|surpass(?:es|ed|ing)?)\b"
        r"(?:[^.;]|\.(?=\d)|e\.g\.|i\.e\.)*?\b(?:on|across|in|using)\b", re.I),
     None, {"Benchmark", "Dataset"}),
    ("based_on", re.compile(
        r"\b(?:based\s+on|built\s+(?:up)?on|builds?\s+(?:up)?on|building\s+(?:up)?on|on\s+top\s+of|"
        r"initiali[sz]ed\s+(?:from|with)|fine-?tuned\s+from|finetuned\s+from|derived\s+from|extends?|"
        r"extending|adapts?|adapting|variant\s+of|version\s+of|distilled\s+from|starting\s+from|"
        r"upon)\b", re.I),
     None, {"Method", "Model"}),
    ("uses", re.compile(
        r"\b(?:us(?:e|es|ed|ing)|employ(?:s|ed|ing)?|leverag(?:e|es|ed|ing)|utili[sz](?:e|es|ed|ing)|"
        r"adopt(?:s|ed|ing)?|incorporat(?:e|es|ed|ing)|appl(?:y|ies|ied|ying)|"
        r"with\s+the\s+help\s+of|consists?\s+of|compris(?:e|es|ing)|includ(?:e|es|ing)|"
        r"relies\s+on|rely\s+on|powered\s+by|via|through|by\s+means\s+of)\b", re.I),
     None, {"Method", "Model", "Dataset"}),
]
_SUBJECT_WE = re.compile(r"\b(?:we|our|ours|it|this\s+(?:paper|work|method|model|approach|framework)|"
                         r"the\s+(?:proposed|resulting)|our\s+\w+)\b", re.I)
_MAX_GAP_WORDS = 7
_FRONTED = re.compile(r"^\s*(?:On|Across|In)\s+[^,;]{1,80},", re.I)
_CLAUSE_BREAK = re.compile(r"[;]|\b(?:while|whereas|but|although|however)\b", re.I)


def _sentences(doc: Doc):
    for s in sentences(doc):
        yield s.start_char, s.end_char


def find_relations(doc: Doc, cands: list["Candidate"], cand_entity: dict[int, Entity],
                   entities: list[Entity], abstract_offset: int) -> list[Relation]:
    text = text_of(doc)
    proposed = [e for e in entities if e.proposed]
    main = proposed[0] if proposed else None
    out: dict[tuple[str, str, str], Relation] = {}
    for s0, s1 in _sentences(doc):
        ments = [(c, cand_entity[id(c)]) for c in cands
                 if s0 <= c.start and c.end <= s1 and id(c) in cand_entity]
        if not ments:
            continue
        sentence = text[s0:s1]
        for rel, pattern, head_types, tail_types in TRIGGERS:
            for m in pattern.finditer(sentence):
                t_start, t_end = s0 + m.start(), s0 + m.end()
                # tails: mentions after the trigger, up to a clause break
                rest = text[t_end:s1]
                brk = _CLAUSE_BREAK.search(rest)
                limit = t_end + (brk.start() if brk else len(rest))
                tails = [(c, e) for c, e in ments if t_end <= c.start < limit]
                # the first tail follows the trigger closely ("trained on [the] X", "on three
                # benchmark datasets, i.e., X"), not at the far end of the sentence
                if not tails or len(text[t_end:tails[0][0].start].split()) > _MAX_GAP_WORDS:
                    continue
                # tails in a list: "on A, B and C" — stop at the first mention that is
                # separated by more than list punctuation
                tails = _list_run(text, tails)
                inner = [(c, e) for c, e in ments if t_start <= c.start and c.end <= t_end
                         and len(text[t_start:c.start].split()) <= 2] \
                    if re.match(r"(?:compar|evaluat|test|benchmark)", m.group(0), re.I) else []
                if inner:  # "we compare X with Y", "we evaluate X on Y": X is the head
                    head, head_rule = inner[0][1], "object"
                else:
                    head, head_rule = _head(text, s0, t_start, ments, main)
                if head is None:
                    continue
                if head_types and head.type not in head_types:
                    continue
                for c, tail in tails:
                    if tail is head or (tail_types and tail.type not in tail_types):
                        continue
                    if rel == "uses" and (tail.type == "Benchmark" or head.type in ("Benchmark", "Dataset")):
                        continue
                    k = (head.id, rel, tail.id)
                    if k in out:
                        continue
                    out[k] = Relation(
                        head=head.name, rel=rel, tail=tail.name, head_id=head.id, tail_id=tail.id,
                        evidence=sentence_evidence(text, s0, s1, abstract_offset),
                        rule=f"{rel}:{m.group(0).split()[0].lower()}+{head_rule}",
                        confidence=0.7 if head_rule == "subject" else 0.6)
    # "On 0-shot MMLU, UL2 outperforms T0": a fronted benchmark is where the subject is evaluated
    for s0, s1 in _sentences(doc):
        m = _FRONTED.match(text[s0:s1])
        if not m:
            continue
        fronted = [(c, e) for c, e in ((c, cand_entity.get(id(c))) for c in cands)
                   if e is not None and s0 <= c.start < s0 + m.end() and e.type in ("Benchmark", "Dataset")]
        heads = {r.head_id: r for r in out.values()
                 if s0 <= r.evidence.start + (0 if r.evidence.field == "title" else abstract_offset) < s1
                 and r.rel in ("outperforms", "compared_with")}
        for r in heads.values():
            for c, tail in fronted:
                k = (r.head_id, "evaluated_on", tail.id)
                if k not in out:
                    out[k] = Relation(head=r.head, rel="evaluated_on", tail=tail.name, head_id=r.head_id,
                                      tail_id=tail.id, evidence=r.evidence, rule="evaluated_on:fronted-on",
                                      confidence=0.6)
    for r in _benchmark_paper_relations(doc, cands, cand_entity, entities, abstract_offset):
        out.setdefault((r.head_id, r.rel, r.tail_id), r)
    for r in _variant_relations(doc, cands, cand_entity, entities, abstract_offset):
        out.setdefault((r.head_id, r.rel, r.tail_id), r)
    for r in _component_relations(doc, cands, cand_entity, entities, abstract_offset):
        out.setdefault((r.head_id, r.rel, r.tail_id), r)
    return _prefer_specific(list(out.values()))


def _evidence_for(doc: Doc, c: "Candidate", abstract_offset: int) -> Evidence:
    sent = sentence(doc.char_span(c.start, c.end, alignment_mode="expand"))
    return sentence_evidence(text_of(doc), sent.start_char, sent.end_char, abstract_offset)


def sentence_evidence(text: str, s0: int, s1: int, abstract_offset: int) -> Evidence:
    """Evidence for the sentence text[s0:s1] of the joined document, as offsets into its
    own field (the title ends where the separator before the abstract begins)."""
    title_end = abstract_offset - len(SEPARATOR)
    if s0 < title_end:
        fld, off, s1 = "title", 0, min(s1, title_end)
    else:
        fld, off = "abstract", abstract_offset
        s0 = max(s0, abstract_offset)
    raw = text[s0:s1]
    lead = len(raw) - len(raw.lstrip())
    body = raw.strip()
    return Evidence(field=fld, start=s0 - off + lead, end=s0 - off + lead + len(body), text=body)


_EVAL_SENTENCE = re.compile(r"\b(?:evaluat\w*|benchmark\w*|test(?:s|ed|ing)?|assess\w*|generat\w*|"
                            r"struggl\w*|fail\w*|find|found|show\w*|perform\w*|results?)\b", re.I)


def _benchmark_paper_relations(doc, cands, cand_entity, entities, abstract_offset) -> list[Relation]:
    """In a paper that introduces a benchmark, the models it puts to the test are evaluated on it.

    "We introduce VideoPhy ... We evaluate/generate videos from models including X and Y"
    -> X evaluated_on VideoPhy, Y evaluated_on VideoPhy.
    """
    bench = next((e for e in entities if e.proposed and e.type == "Benchmark"), None)
    if bench is None:
        return []
    out, seen = [], set()
    for c in cands:
        e = cand_entity.get(id(c))
        if e is None or e.type != "Model" or e.proposed or e.id in seen:
            continue
        span = doc.char_span(c.start, c.end, alignment_mode="expand")
        if span is None or not _EVAL_SENTENCE.search(sentence(span).text):
            continue
        seen.add(e.id)
        out.append(Relation(head=e.name, rel="evaluated_on", tail=bench.name, head_id=e.id, tail_id=bench.id,
                            evidence=_evidence_for(doc, c, abstract_offset),
                            rule="evaluated_on:benchmark-paper", confidence=0.5))
    return out


def _name_parts(name: str) -> list[str]:
    return [p for p in re.split(r"[\s\-]+", name) if p]


def _variant_relations(doc, cands, cand_entity, entities, abstract_offset) -> list[Relation]:
    """A new name built on another name of the paper derives from it: Diffusion-DPO based_on
    DPO, CodeFuse-CodeLlama-34B based_on CodeLlama. Only for what the paper proposes: a
    size of a known model ("CogVideoX-5B") is a checkpoint, not a new artifact."""
    out = []
    first = {}
    for c in cands:
        e = cand_entity.get(id(c))
        if e is not None:
            first.setdefault(e.id, c)
    for e in entities:
        if not e.proposed:
            continue
        parts = [p.lower() for p in _name_parts(e.name)]
        for base in entities:
            if base is e or base.proposed or base.type not in ("Method", "Model") or e.type not in ("Method", "Model"):
                continue
            for form in (base.name, *base.aliases):
                bp = [p.lower() for p in _name_parts(form)]
                n = len(bp)
                if not bp or n >= len(parts):
                    continue
                # the base's words appear whole, at the start or the end of the variant's name
                if parts[:n] == bp or parts[-n:] == bp:
                    c = first.get(e.id)
                    if c is None:
                        break
                    out.append(Relation(head=e.name, rel="based_on", tail=base.name, head_id=e.id,
                                        tail_id=base.id, evidence=_evidence_for(doc, c, abstract_offset),
                                        rule="based_on:name-variant", confidence=0.6))
                    break
    return out


def _component_relations(doc, cands, cand_entity, entities, abstract_offset) -> list[Relation]:
    """What a paper proposes besides its named contribution is a part of it.

    "Merlin: ...  We propose two methods, Foresight Pre-Training (FPT) and Foresight
    Instruction-Tuning (FIT)" -> Merlin uses FPT, Merlin uses FIT. Only for the entity
    named in the title, and only for proposed methods found in the abstract.
    """
    main = next((e for e in entities if e.proposed and "title-name" in e.rule), None)
    if main is None or main.type not in ("Method", "Model"):
        return []
    out = []
    for c in cands:
        e = cand_entity.get(id(c))
        if e is None or e is main or not e.proposed or e.type != "Method" or c.extras.get("field") != "abstract":
            continue
        if any(r.tail_id == e.id for r in out):
            continue
        out.append(Relation(head=main.name, rel="uses", tail=e.name, head_id=main.id, tail_id=e.id,
                            evidence=_evidence_for(doc, c, abstract_offset),
                            rule="uses:component-of-proposal", confidence=0.5))
    return out


def _list_run(text: str, tails):
    """The mentions that follow the trigger as one list: 'A, B, and C'."""
    run = [tails[0]]
    for prev, cur in zip(tails, tails[1:]):
        gap = text[prev[0].end:cur[0].start]
        if re.fullmatch(r"[\s,]*(?:and|or|as well as)?[\s,]*(?:\([^)]*\)[\s,]*)?(?:and|or)?\s*(?:the\s+)?"
                        r"(?:even\s+)?(?:(?:[\w-]+\s+){0,3}(?:such\s+as|including|like|e\.g\.,?)\s+)?", gap, re.I) or \
                re.fullmatch(r"\s*\([^)]*\)\s*[\s,]*(?:and|or)?\s*", gap):
            run.append(cur)
        else:
            break
    return run


_OBJECT_BEFORE = re.compile(r"(?:\b(?:on|of|to|with|than|from|by|versus|vs\.?|and|or|against|over|like|as|"
                            r"compare|compares|compared|including|such as|e\.g\.)|[(])\s*(?:the\s+)?$", re.I)


def _head(text: str, s0: int, t_start: int, ments, main: Entity | None):
    """The subject of the trigger.

    The last mention before the trigger, when little stands between them and it is not
    itself an object ("compare X to [Y] after training on", "builds on [Y], surpassing");
    else a mention that opens the sentence; else, when the subject is "we", "our model"
    or "it", the entity the paper proposes.
    """
    before = [(c, e) for c, e in ments if c.end <= t_start]
    left = text[s0:t_start]
    if before:
        c, e = before[-1]
        gap = text[c.end:t_start]
        is_object = bool(_OBJECT_BEFORE.search(text[s0:c.start]))
        if len(gap.split()) <= 6 and not is_object and not re.search(
                r"\b(?:on|than|to|with|against|over|from)\s*$", gap.strip() + " ", re.I):
            return e, "subject"
        c0, e0 = before[0]
        opener = text[s0:c0.start].strip()
        if (not opener or re.fullmatch(r"(?:our\s+)?[\w-]*\s*(?:model|method|approach)?,?", opener, re.I)) \
                and not _OBJECT_BEFORE.search(text[s0:c0.start]):
            return e0, "sentence-subject"
    if main is not None and _SUBJECT_WE.search(left):
        return main, "we"
    return None, ""


def _prefer_specific(rels: list[Relation]) -> list[Relation]:
    """One relation per entity pair: the most specific label wins (outperforms > compared_with,
    trained_on/evaluated_on > uses)."""
    rank = {"outperforms": 0, "trained_on": 1, "evaluated_on": 2, "based_on": 3, "compared_with": 4, "uses": 5}
    best: dict[tuple[str, str], Relation] = {}
    for r in rels:
        k = (r.head_id, r.tail_id)
        if k not in best or rank[r.rel] < rank[best[k].rel]:
            best[k] = r
    return sorted(best.values(), key=lambda r: (r.evidence.field != "title", r.evidence.start, r.head, r.rel, r.tail))


_RESULT = re.compile(
    r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>%|points?|pp)?\s*(?:\(?(?:absolute|relative)\)?\s*)?"
    r"(?P<metric>(?:pass@\d+|top-?\d+\s+accuracy|accuracy|acc|F1|exact match|EM|BLEU|ROUGE(?:-[12L])?|"
    r"win[- ]rate|length-controlled win rate|LC win rate|FID|FVD|CLIPScore|mAP|AP|R@\d+|recall@\d+|"
    r"success rate|score|mIoU|PSNR|SSIM|WER|Elo))?\s*(?:on|in)\s+(?:the\s+)?$", re.I)


def find_results(doc: Doc, cands: list["Candidate"], cand_entity: dict[int, Entity],
                 entities: list[Entity], abstract_offset: int) -> list[Result]:
    """'achieves 74.4% pass@1 on HumanEval' -> Result(model, HumanEval, pass@1, 74.4%)."""
    text = text_of(doc)
    proposed = [e for e in entities if e.proposed]
    out = []
    for c in cands:
        ent = cand_entity.get(id(c))
        if ent is None or ent.type not in ("Benchmark", "Dataset"):
            continue
        left = text[max(0, c.start - 80): c.start]
        m = _RESULT.search(left)
        if not m or not m.group("metric") and not m.group("unit"):
            continue
        start = c.start - len(left) + m.start()
        sent = doc.char_span(c.start, c.end, alignment_mode="expand")
        if sent is None:
            continue
        s = sentence(sent)
        heads = [cand_entity[id(x)] for x in cands
                 if s.start_char <= x.start < start and id(x) in cand_entity
                 and cand_entity[id(x)].type in ("Model", "Method")]
        model = heads[-1] if heads else (proposed[0] if proposed else None)
        if model is None:
            continue
        value = m.group("value") + (m.group("unit") or "")
        out.append(Result(model=model.name, benchmark=ent.name, metric=(m.group("metric") or "").strip(),
                          value=value.replace(" ", ""),
                          evidence=sentence_evidence(text, s.start_char, s.end_char, abstract_offset)))
    return out
