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

from .evidence import spelled_out
from . import prefilter
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
        r"improves?\s+(?:up)?on|improvements?\s+over|gains?\s+over|"
        r"improv(?:es|ed|ing)?\s+(?:[\w@-]+\s+){0,3}?by\s+(?:[^,;.]|\.(?=\d)){1,40}?\s+(?:over|relative\s+to|compared\s+(?:to|with)|against)|"
        r"(?:higher|better|superior|stronger)\s+(?:[\w@-]+\s+){0,3}?than)\b", re.I),
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
        r"integrat(?:e|es|ed|ing)|combin(?:e|es|ing)|"
        r"with\s+the\s+help\s+of|consists?\s+of|compris(?:e|es|ing)|includ(?:e|es)|"
        r"relies\s+on|rely\s+on|powered\s+by|via|through|by\s+means\s+of)\b", re.I),
     None, {"Method", "Model", "Dataset"}),
]
# Words every match of a trigger holds (after kg.extract.prefilter.fold): a sentence with
# none of them is not searched. (evaluated_on and uses have words too common to help.)
_TRIGGER_WORDS: dict[str, tuple[str, ...]] = {
    "outperforms": ("outperform", "surpass", "beat", "exceed", "better", "superior", "improv", "gain",
                    "higher", "stronger"),
    "compared_with": ("compar", "competitive", "par", "rival", "match"),
    "trained_on": ("train", "tun", "learn"),
    "based_on": ("based", "buil", "top", "initiali", "tuned", "derived", "extend", "adapt", "variant",
                 "version", "distilled", "starting", "upon"),
}
_ENDS_IN_ED = re.compile(r"ed$", re.I)
_SUBJECT_WE = re.compile(r"\b(?:we|our|ours|it|this\s+(?:paper|work|method|model|approach|framework)|"
                         r"the\s+(?:proposed|resulting|framework|approach|architecture|pipeline)|our\s+\w+)\b", re.I)
# the subject pronoun's clause ends before the trigger: "we find that existing methods, which use X"
_SUBJECT_CLAUSE_END = re.compile(r"[;:]|\b(?:which|that|who|whose|where|whereas|while|unlike|existing|prior|"
                                 r"previous|conventional|traditional)\b", re.I)
# "it" is a subject only at the start of a clause, not in "makes it hard to use X"
_OBJECT_IT = re.compile(r"\b(?:make|makes|made|making|render|renders|find|finds|keep|keeps|to|of|on|in|with|"
                        r"from|for|by|than|that)\s+it\b", re.I)
_MAX_GAP_WORDS = 7
_FRONTED = re.compile(r"^\s*(?:On|Across|In)\s+[^,;]{1,80},", re.I)
_CLAUSE_BREAK = re.compile(r"[;]|\b(?:while|whereas|but|although|however)\b", re.I)


def _sentences(doc: Doc):
    for s in sentences(doc):
        yield s.start_char, s.end_char


def find_relations(doc: Doc, cands: list["Candidate"], cand_entity: dict[int, Entity],
                   entities: list[Entity], abstract_offset: int) -> list[Relation]:
    text = text_of(doc)
    title_end = abstract_offset - len(SEPARATOR)
    proposed = [e for e in entities if e.proposed]
    title_main = next((e for e in proposed if "title-name" in e.rule), None)
    out: dict[tuple[str, str, str], Relation] = {}
    mains = [_main_for(proposed, title_main, head_types) for _, _, head_types, _ in TRIGGERS]
    for s0, s1 in _sentences(doc):
        ments = [(c, cand_entity[id(c)]) for c in cands
                 if s0 <= c.start and c.end <= s1 and id(c) in cand_entity]
        if not ments:
            continue
        types = {e.type for _, e in ments}
        folded = None
        # what 'it' may refer back to: the names before this sentence
        prev_ments = [(c, cand_entity[id(c)]) for c in cands if c.end <= s0 and id(c) in cand_entity]
        sentence = text[s0:s1]
        in_title = s0 < title_end
        contrast = _contrast_zone(text, s0, s1, ments)
        for (rel, pattern, head_types, tail_types), main in zip(TRIGGERS, mains):
            if tail_types and not types & tail_types:
                continue  # no name here could be the tail
            if main is None and len(ments) < 2:
                continue  # a head and a tail are two names here, or the paper's own and one
            words = _TRIGGER_WORDS.get(rel)
            if words is not None:
                folded = folded if folded is not None else prefilter.fold(sentence)
                if not prefilter.has_any(folded, words):
                    continue
            for m in pattern.finditer(sentence):
                t_start, t_end = s0 + m.start(), s0 + m.end()
                # "N-BEATS", "ResNet-based": a trigger word inside a name is no trigger
                w_end = t_start + len(m.group(0).split()[0])
                if any(c.start < w_end and t_start < c.end for c, _ in ments):
                    continue
                # "a widely adopted X", "X is employed to select": an adjective or a passive, whose
                # subject is the thing used, not its user
                if rel == "uses" and (_PASSIVE_BEFORE.search(text[max(s0, t_start - 30):t_start])
                                      and _ENDS_IN_ED.search(m.group(0))):
                    continue
                # a trigger inside "unlike X, which uses Y" describes a criticised baseline
                if contrast and contrast[0] <= t_start < contrast[1]:
                    continue
                # "without using X", "hindering the use of X", "instead of fine-tuning on X"
                if _NEGATED.search(text[max(s0, t_start - 40):t_start]):
                    continue
                # tails: mentions after the trigger, up to a clause break
                rest = text[t_end:s1]
                brk = _CLAUSE_BREAK.search(rest)
                limit = t_end + (brk.start() if brk else len(rest))
                tails = [(c, e) for c, e in ments if t_end <= c.start < limit]
                # the first tail follows the trigger closely ("trained on [the] X", "on three
                # benchmark datasets, i.e., X", "on long tasks (e.g., 26.9 F1 on X)"), not at the
                # far end of the sentence
                if not tails or not _close_tail(text[t_end:tails[0][0].start]):
                    continue
                gap0 = text[t_end:tails[0][0].start]
                if re.search(r"\b(?:without|not|no)\b", gap0, re.I):
                    continue
                # "trained on rankings that we create from X": X is in a relative clause
                if re.search(r"\b(?:that|which|who|whose|where)\b", gap0, re.I):
                    continue
                # "outperforms all pre-trained baselines on X": an adjective, not a training step
                if rel == "trained_on" and re.search(
                        r"\b(?:baselines?|models?|methods?|approaches|networks?|encoders?|weights|checkpoints?|"
                        r"LLMs?|versions?|representations?|features?|embeddings?)\b", m.group(0), re.I):
                    continue
                if rel == "uses" and re.match(r"appl", m.group(0), re.I) and re.search(r"\b(?:to|on)\b", gap0, re.I):
                    continue  # "we apply it to X": X is what the method is applied to
                # "uses X, and a Y classifier", "using historical scores, Y to ...": a comma or a
                # sentence end between the trigger and the name starts another item or clause
                if re.search(r"[.!?]\s+[A-Z]", gap0) or rel != "evaluated_on" and "," in gap0 and not re.search(
                        r"\b(?:e\.g\.|i\.e\.|including|such\s+as|namely|like|especially|particularly)|[(:]", gap0, re.I):
                    continue
                # "combines design choices from X", "integrates scores into X": X is a source or a
                # host, not a component
                if rel == "uses" and re.search(r"\b(?:from|into|in|for)\b", gap0, re.I):
                    continue
                # "achieves 78.7%, compared to 41.3% for X": the numbers, not the words, say who wins
                if rel == "compared_with" and re.match(r"\s*[-+~]?\d", gap0):
                    continue
                # "leverages fusion to overcome the limitations of X": a purpose clause or a
                # weakness, not a component
                if rel == "uses" and re.search(r"\bto\s+(?!the\b|a\b|an\b)[a-z]+\b", gap0) or re.search(
                        r"\b(?:limitations?|drawbacks?|shortcomings?|weakness(?:es)?)\s+of\b", gap0, re.I):
                    continue
                # "a Transformer pretrained on X": a training set, not a test set
                if rel == "evaluated_on" and _TRAINED_BEFORE.search(gap0):
                    continue
                # tails in a list: "on A, B and C" — stop at the first mention that is
                # separated by more than list punctuation
                tails = _list_run(text, tails)
                head, head_rule = _trigger_head(text, s0, s1, t_start, t_end, m, ments, main, rel, head_types,
                                                tails)
                if head is None:
                    continue
                if head_rule == "we" and not _we_ok(text, s0, t_start, m, rel, head, ments, prev_ments):
                    continue
                if in_title and head_rule != "object" and not _title_head_ok(text, s0, t_start, ments, head,
                                                                             title_main):
                    continue
                if head_types and head.type not in head_types:
                    continue
                if not _arg_ok(head):
                    continue
                for c, tail in tails:
                    if tail is head or (tail_types and tail.type not in tail_types) or not _arg_ok(tail):
                        continue
                    if _truncated(text, c, s0, in_title, ments):
                        continue
                    # "a method based on flow matching, termed X": X names the subject, it is
                    # not what the trigger takes
                    if _NAMED_BEFORE.search(text[max(s0, c.start - 30):c.start]):
                        continue
                    # "compared to prior MoEs": a plural after 'prior', 'existing' is a class
                    if c.text.endswith("s") and _QUANTIFIER_BEFORE.search(text[max(s0, c.start - 30):c.start]):
                        continue
                    if rel == "uses" and (tail.type == "Benchmark" or head.type in ("Benchmark", "Dataset")):
                        continue
                    if _same_thing(head, tail):
                        continue
                    r_out = rel
                    # "we compare it to X, demonstrating that it achieves a higher ARI": the
                    # paper's own entity is stated to be better
                    if rel == "compared_with" and head.proposed and not tail.proposed and _BETTER_CLAIM.search(
                            text[tails[-1][0].end:s1]):
                        r_out = "outperforms"
                    # "X achieves superior performance compared to Y": the comparison has a winner
                    if rel == "compared_with" and _WINS_BEFORE.search(text[max(s0, t_start - 60):t_start]):
                        r_out = "outperforms"
                    k = (head.id, r_out, tail.id)
                    if k in out:
                        continue
                    out[k] = Relation(
                        head=head.name, rel=r_out, tail=tail.name, head_id=head.id, tail_id=tail.id,
                        evidence=sentence_evidence(text, s0, s1, abstract_offset),
                        rule=f"{r_out}:{m.group(0).split()[0].lower()}+{head_rule}",
                        confidence=0.7 if head_rule in ("subject", "object") else 0.6)
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
                if k not in out and _arg_ok(tail):
                    out[k] = Relation(head=r.head, rel="evaluated_on", tail=tail.name, head_id=r.head_id,
                                      tail_id=tail.id, evidence=r.evidence, rule="evaluated_on:fronted-on",
                                      confidence=0.6)
    for r in _compared_fronted(doc, cands, cand_entity, proposed, title_main, abstract_offset):
        out.setdefault((r.head_id, r.rel, r.tail_id), r)
    for r in _benchmark_paper_relations(doc, cands, cand_entity, entities, abstract_offset):
        out.setdefault((r.head_id, r.rel, r.tail_id), r)
    for r in _component_relations(doc, cands, cand_entity, entities, abstract_offset):
        out.setdefault((r.head_id, r.rel, r.tail_id), r)
    return _prefer_specific(list(out.values()))


# ---- precision guards ------------------------------------------------------------------

_PASSIVE_BEFORE = re.compile(r"\b(?:is|are|was|were|be|been|being|widely|commonly|popularly|frequently|often|"
                             r"generally|typically|usually)\s+(?:\w+ly\s+)?$", re.I)
_TRAINED_BEFORE = re.compile(r"\b(?:(?:pre-?|post-?)?train\w*|fine-?tun\w*|finetun\w*|learn\w*)\s+"
                             r"(?:\w+\s+){0,2}?(?:on|with|using|from)\s+(?:the\s+)?$", re.I)
_WINS_BEFORE = re.compile(r"\b(?:achiev\w*|attain\w*|show\w*|yield\w*|deliver\w*|obtain\w*)\s+(?:\w+\s+){0,2}?"
                          r"(?:superior|better|higher|stronger|improved)\s+(?:[\w-]+\s+){0,3}?$", re.I)
_BETTER_CLAIM = re.compile(r"\b(?:it|its|our|ours|which)\b[^;]{0,60}?\b(?:higher|better|superior|outperform\w*|"
                           r"surpass\w*|beats?|exceed\w*)\b", re.I)
# what 'we' / 'our ...' stand for in a 'uses' clause: the paper's own method, named as such
_OWN_SUBJECT = re.compile(r"\b(?:our\s+(?:[\w-]+\s+){0,2}?(?:method|model|framework|approach|system|architecture|"
                          r"pipeline|network|algorithm|agent|solution|design)s?|the\s+(?:proposed\s+(?:[\w-]+\s+)?\w+|"
                          r"framework|approach|architecture|pipeline|model|method|system)|this\s+(?:method|model|"
                          r"approach|framework|system)|it)\s+(?:\w+ly\s+)?(?:also\s+|further\s+|then\s+|first\s+)?$",
                          re.I)


def _we_ok(text, s0, t_start, m, rel, head, ments, prev_ments) -> bool:
    """The paper's own entity stands for 'we' / 'our method' / 'it' only when the sentence is
    about it: for a 'uses' or 'based_on' clause, its subject names the method ("our framework
    uses X", "it leverages X", not "we use X to build a dataset"); 'it' is the method only when
    the last method or model named before it is that method; 'we adapt X' makes X the
    adapted thing, not a base of the paper's method."""
    left = text[s0:t_start]
    word = m.group(0).lower()
    subj = _subject_we(left)
    if subj is not None and subj.lower() == "it":
        last = [e for c, e in sorted((*prev_ments, *ments), key=lambda x: x[0].start)
                if c.end <= t_start and e.type in ("Method", "Model")]
        if last and last[-1] is not head:
            return False
        if not last:
            return False
    if rel == "uses":
        if not _OWN_SUBJECT.search(left):
            return False
    if rel == "based_on" and re.match(r"(?:adapt|extend|starting|upon|version|variant)", word):
        return False
    # the subject is close to the trigger: "we first reconstruct scenes from images using X"
    # is about the step, not the method
    if subj is not None and rel in ("uses", "based_on", "trained_on"):
        last = None
        for last in _SUBJECT_WE.finditer(left):
            pass
        if last is not None and (len(left[last.end():].split()) > 8 or "," in left[last.end():]):
            return False
    return True

# A negation or an obstacle right before the trigger: "without using X", "hindering the use
# of X", "instead of training on X", "no need to fine-tune on X", "fails to outperform X".
_NEGATED = re.compile(
    r"(?:\b(?:without|not|never|no|instead\s+of|rather\s+than|cannot|can't|don't|doesn't|fail(?:s|ed)?\s+to|"
    r"unable\s+to|avoid(?:s|ed|ing)?|eliminat\w*|hinder\w*|prevent\w*|prohibit\w*|preclud\w*|"
    r"lack(?:s|ed|ing)?|free\s+of|need\s+for|need\s+to|requir\w*\s+no|dispens\w*\s+with|"
    r"challenges?\s+(?:of|in)|difficult\w*\s+(?:of|in)|cost\s+of|barriers?\s+to|limits?|limited|"
    r"restricts?|bottleneck\w*)\s+(?:the\s+|any\s+|a\s+|an\s+)?(?:\w+\s+){0,1}|n't\s+)$", re.I)
# "Unlike X, which uses Y, our Z ...", "In contrast to X, ...": the baseline's own clause
_CONTRAST = re.compile(r"\b(?:unlike|in\s+contrast\s+to|as\s+opposed\s+to|contrary\s+to|different\s+from)\b", re.I)
_MAIN_CLAUSE = re.compile(r",\s*(?:we|our|this|the\s+proposed|here|it|they)\b", re.I)
# Names that are tasks, not artifacts: "Fine-Grained Visual Classification", "human-object interaction"
_TASK_NAME = re.compile(
    r"\b(?:classification|detection|segmentation|recognition|answering|retrieval|translation|summari[sz]ation|"
    r"forecasting|tracking|captioning|localization|estimation|interaction|streaming|understanding|grounding|mapping|"
    r"parsing|tagging|editing|completion)s?(?:\s+(?:in|for|of|from|on)\s+[\w\s-]+)?$", re.I)


# not a name: "Key Segments--that", "multi-user", "LiDAR-Inertial", "LLM-Curated", "kHz"
_FRAGMENT = re.compile(r"--\w*$|[-/]$|^[a-z][a-z]*(?:-[a-z]+)+$|^[A-Za-z]+-[A-Za-z]*(?i:ed|aware|based|guided|driven|free|"
                       r"like|agnostic|centric|specific|inertial)$|^(?:[kMG]?Hz|dB|mAP|mIoU|AUC|F1|FLOPs|GFLOPs|FPS|PSNR|"
                       r"SSIM)$")
_NAMED_BEFORE = re.compile(r"\b(?:termed|called|named|dubbed|coined|denoted(?:\s+as)?)\s*,?\s*(?:the\s+|as\s+)?$", re.I)


# a plural class, not one artifact: "Geospatial foundation models", "Video-Language Models"
_CLASS_NAME = re.compile(r"\b(?:models|networks|methods|approaches|agents|transformers|llms|vlms|mllms|systems)$", re.I)


def _arg_ok(e: Entity) -> bool:
    """An entity that may take part in a relation: a name, not a class or a task.

    Found by shape or context only (not the lexicon) and not proposed by the paper, an entity
    needs a form with a capital or a digit ("consistency models", "potential of mean force"
    are descriptions) and a name that is not a task ("Fine-Grained Visual Classification")."""
    if e.rule.startswith("lexicon"):
        return True
    if _FRAGMENT.search(e.name) or e.type in ("Benchmark", "Dataset") and _TASK_NAME.search(e.name):
        return False
    if e.proposed:
        return True
    forms = [e.name, *e.aliases]
    if not any(re.search(r"[A-Z0-9]", f) for f in forms):
        return False
    if _TASK_NAME.search(e.name) or _CLASS_NAME.search(e.name):
        return False
    return True


def _same_thing(a: Entity, b: Entity) -> bool:
    """Two entities of one paper that are one thing written two ways ("Contrastive Prefence
    Learning" / "Contrastive Preference Learning", "Facial Spatiotemporal Graphs" / "Spatiotemporal
    Graph"): a relation between them says nothing."""
    if _acronym_pair(a, b):
        return True
    wa = {w.rstrip("s") for w in re.split(r"[\s\-]+", a.name.lower()) if len(w) > 2}
    wb = {w.rstrip("s") for w in re.split(r"[\s\-]+", b.name.lower()) if len(w) > 2}
    if len(wa) < 2 or len(wb) < 2:
        return False
    # one misspelt word in a name of the same length, or a plural of the other
    return wa == wb or len(wa) == len(wb) and len(wa & wb) / len(wa | wb) >= 0.5


def _truncated(text: str, c, s0: int, in_title: bool, ments) -> bool:
    """A mention that is a piece of a longer name: "Geometry-Aligned [Contextual Video Masking]",
    "[LiDAR-to-RGBI] Knowledge Distillation" in an abstract sentence, where a capitalised
    word does not begin a name by chance."""
    after = re.match(r"[ ]([A-Z][\w-]*)", text[c.end:c.end + 40])
    before = re.search(r"(?:^|\s)([A-Z][\w]*-[A-Z][\w-]*|[A-Z][a-z]\w*)[ ]$", text[max(s0, c.start - 40):c.start])
    if any(m.start == c.end + 1 or m.end == c.start - 1 for m, _ in ments):
        return False  # the neighbour is a name of its own
    if in_title:
        return bool(before and "-" in before.group(1))
    if before and c.start - len(before.group(0)) <= s0:
        before = None  # the sentence's first word
    return bool(after and after.group(1).lower() not in ("and", "or", "with", "in", "on", "for", "to", "the", "as", "is")
                or before and before.group(1).lower() not in ("and", "or", "with", "in", "on", "for", "to", "the", "as",
                                                              "via", "using", "than", "over", "of", "from"))


def _acronym_pair(a: Entity, b: Entity) -> bool:
    """One entity is the other's acronym: "BAgger" / "Backwards Aggregation"."""
    for short, long in ((a, b), (b, a)):
        words = [w for w in re.split(r"[\s\-]+", long.name) if w]
        if len(words) < 2 or " " in short.name.strip():
            continue
        initials = "".join(w[0] for w in words).lower()
        caps = "".join(ch for ch in short.name if ch.isupper()).lower()
        if caps == initials or short.name.lower() == initials:
            return True
    return False


def _contrast_zone(text: str, s0: int, s1: int, ments) -> tuple[int, int] | None:
    """The span of a sentence that describes what the paper argues against: from 'unlike' /
    'in contrast to' to the main clause (', we ...', ', our ...', the paper's own entity) or,
    when no main clause follows, to the end of the sentence."""
    m = _CONTRAST.search(text, s0, s1)
    if not m:
        return None
    end = s1
    mc = _MAIN_CLAUSE.search(text, m.end(), s1)
    if mc:
        end = mc.start()
    own = [c for c, e in ments if c.start > m.end() and e.proposed and text[:c.start].rstrip().endswith(",")]
    if own:
        end = min(end, own[0].start)
    return m.start(), end


def _close_tail(gap: str) -> bool:
    if len(gap.split()) <= _MAX_GAP_WORDS:
        return True
    # "improves performance on long-context tasks (e.g., 23.5 -> 26.9 F1 on X"
    m = re.fullmatch(r"([^()]*)\((?:e\.g\.|i\.e\.|including)?,?\s*[^()]*\b(?:on|in|for)\s+(?:the\s+)?", gap, re.I)
    return bool(m) and len(m.group(1).split()) <= _MAX_GAP_WORDS


def _main_for(proposed: list[Entity], title_main: Entity | None, head_types) -> Entity | None:
    """The paper's own entity that 'we', 'our model', 'it' stand for, for a trigger whose
    head must have one of head_types: the title's name when it fits, else the first
    proposed method or model, else the first proposed entity that fits."""
    # a title phrase the abstract never names ("Unmasking Hallucinations: ...") is not what 'we' stand for
    fits = [e for e in proposed if (not head_types or e.type in head_types) and e.type in ("Method", "Model")
            and (any(m.field == "abstract" for m in e.mentions) or not _SLOGAN.search(e.name))]
    if not fits:
        return None
    if title_main is not None and title_main in fits:
        return title_main
    # without a name in the title, 'we' is the paper's method only when it proposes exactly one
    fits = [e for e in fits if _arg_ok(e)]
    return fits[0] if len(fits) == 1 else None


# a title phrase that reads as a claim, not a name: "Unmasking Hallucinations", "Align Your
# Structures", "Frozen in Time", "Scaling Multi-agent Systems"
_SLOGAN = re.compile(r"^[A-Z][a-z]+ing\b|\b(?:your|our|my|we|you|in|of|the|to|for|is|are|with|from|on)\b|^(?:Align|"
                     r"Make|Let|Learn|Stop|Rethink|Towards?|Beyond|When|What|How|Why)\b")


def _subject_we(left: str) -> str | None:
    """The 'we' / 'our model' / 'it' that is the subject of the clause ending at the trigger."""
    last = None
    for last in _SUBJECT_WE.finditer(left):
        pass
    if last is None:
        return None
    if last.group(0).lower() == "it" and _OBJECT_IT.search(left[max(0, last.start() - 12):last.end()]):
        return None
    if re.match(r"our\s+(?:[\w-]+\s+)?(?:data|dataset|datasets|benchmark|corpus|code|analysis|analyses|findings|"
                r"experiments|results|theory|study|observations?)\b", left[last.start():], re.I):
        return None
    if _SUBJECT_CLAUSE_END.search(left[last.end():]):
        return None
    return last.group(0)


_EVAL_NOUN = re.compile(r"^(?:experiments?|evaluations?|results?|tests?|validation|benchmarking)\b", re.I)
_SHOW_THAT = re.compile(r"\b(?:show|shows|showed|demonstrate|demonstrates|demonstrated|indicate|indicates|reveal|"
                        r"reveals|confirm|confirms|verify|verifies|suggest|suggests)\s+(?:that\s+)?(?:the\s+|our\s+)?$",
                        re.I)
_OBJECT_MARK = re.compile(r"\b(?:than|over|against|versus|vs\.?|with|to|like|as|such\s+as|including|e\.g\.,?|of|"
                          r"from|and|or)\s*(?:the\s+)?$", re.I)


def _trigger_head(text, s0, s1, t_start, t_end, m, ments, main, rel, head_types, tails):
    """The head of one trigger match, and the rule that chose it."""
    word = m.group(0)
    left = text[s0:t_start]
    # "we evaluate X on Y", "we compare X with Y", "results show that X achieves SOTA on Y":
    # a method or model inside the trigger span, not itself an object, is the head
    direct = re.match(r"(?:compar|evaluat|test|benchmark)", word, re.I)
    if direct or rel == "evaluated_on":
        for c, e in ments:
            if not (t_start <= c.start and c.end <= t_end) or e.type not in ("Method", "Model"):
                continue
            if head_types and e.type not in head_types:
                continue
            before = text[t_start:c.start]
            if direct and len(before.split()) <= 2 or _SHOW_THAT.search(before):
                return e, "object"
    # "Experiments on A, B and C show that X ...": the sentence is about the paper's own method
    if rel == "evaluated_on" and _EVAL_NOUN.match(word) and re.fullmatch(
            r"\s*(?:(?:extensive|comprehensive|further|additional|empirical|numerical|our|the|experimental|"
            r"quantitative|qualitative|thorough|systematic)\s+)*", left, re.I):
        after = tails[-1][0].end if tails else t_end
        for c, e in ments:
            if c.start >= after and e.type in ("Method", "Model") and _SHOW_THAT.search(text[after:c.start]) \
                    and len(text[after:c.start].split()) <= 6:
                return e, "show-that"
        if main is not None and main.type in ("Method", "Model"):
            return main, "we"
        return None, ""
    # "X achieves 41.6 on A, surpassing B": a participle continues the clause of the main subject
    if re.match(r"\w+ing\b", word, re.I) and re.search(r",\s*(?:\w+ly\s+)?$", left):
        for c, e in ments:
            if c.end > t_start:
                break
            if e.type in ("Method", "Model") and not _OBJECT_BEFORE.search(text[s0:c.start]) \
                    and (not head_types or e.type in head_types):
                return e, "clause-subject"
        if main is not None and _subject_we(left):
            return main, "we"
    return _head(text, s0, t_start, ments, main)


def _title_head_ok(text, s0, t_start, ments, head, title_main) -> bool:
    """In a title, only its name ("X: ... via Y") or a name that opens it and is followed by
    the trigger ("X via Y") is a subject; "Prediction for the Internet of Things via Y" says
    nothing about the Internet of Things."""
    if title_main is not None and head is title_main:
        return True
    first = next((c for c, e in ments if e is head), None)
    if first is None:
        return False
    return not text[s0:first.start].strip() and len(text[first.end:t_start].split()) <= 1


_COMPARED_FRONT = re.compile(r"^\s*(?:when\s+)?(?:compared|in\s+comparison|relative)\s+(?:with|to|against)\s+[^,;]{1,120}?,",
                             re.I)
_BETTER = re.compile(r"\b(?:higher|better|superior|stronger|lower\s+(?:error|loss|latency|cost)|outperform\w*|surpass\w*|"
                     r"improv\w*|gains?|fewer\s+errors|more\s+accurate|faster)\b", re.I)


def _compared_fronted(doc, cands, cand_entity, proposed, title_main, abstract_offset) -> list[Relation]:
    """'Compared with A and B, our model achieves higher accuracy': the subject outperforms the
    fronted names when the clause says better, else it is compared with them."""
    text = text_of(doc)
    out = []
    main = _main_for(proposed, title_main, {"Method", "Model"})
    for s0, s1 in _sentences(doc):
        m = _COMPARED_FRONT.match(text[s0:s1])
        if not m:
            continue
        front_end = s0 + m.end()
        ments = [(c, cand_entity[id(c)]) for c in cands if s0 <= c.start and c.end <= s1 and id(c) in cand_entity]
        tails = [(c, e) for c, e in ments if c.end <= front_end and e.type in ("Method", "Model") and _arg_ok(e)]
        if not tails:
            continue
        head, rule = None, ""
        after = [(c, e) for c, e in ments if c.start >= front_end]
        if after and len(text[front_end:after[0][0].start].split()) <= 2 \
                and after[0][1].type in ("Method", "Model"):
            head, rule = after[0][1], "subject"
        elif main is not None and re.match(r"\s*(?:we|our|ours|it|the\s+proposed|this)\b", text[front_end:s1], re.I):
            head, rule = main, "we"
        if head is None or not _arg_ok(head):
            continue
        rel = "outperforms" if _BETTER.search(text[front_end:s1]) else "compared_with"
        for c, tail in tails:
            if tail is head or _same_thing(head, tail):
                continue
            out.append(Relation(head=head.name, rel=rel, tail=tail.name, head_id=head.id, tail_id=tail.id,
                                evidence=sentence_evidence(text, s0, s1, abstract_offset),
                                rule=f"{rel}:compared-fronted+{rule}", confidence=0.6))
    return out


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
    # a paper that proposes its own model and also a test set reports its model on it, and
    # the models it beats are named for the comparison, not put to the test
    own = [e for e in entities if e.proposed and e.type in ("Method", "Model")]
    if own and "title-name" not in bench.rule:
        return []
    bench_words = {w.lower() for f in (bench.name, *bench.aliases) for w in _name_parts(f)}
    out, seen = [], set()
    # "Models like X still struggle with ... We introduce B": the motivation before the benchmark
    # is named does not put X to the test on it
    bench_at = min((c.start for c in cands if cand_entity.get(id(c)) is bench and c.extras.get("field") != "title"),
                   default=None)
    bench_sent = 0 if bench_at is None else \
        sentence(doc.char_span(bench_at, bench_at + 1, alignment_mode="expand")).start_char
    for c in cands:
        if c.start < bench_sent or c.extras.get("field") == "title":
            continue
        e = cand_entity.get(id(c))
        if e is None or e.type != "Model" or e.proposed or e.id in seen or not _arg_ok(e):
            continue
        if {w.lower() for w in _name_parts(e.name)} <= bench_words:
            continue  # "Palm" in "GBU-Palm" is a part of the name, not a model
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


def _component_relations(doc, cands, cand_entity, entities, abstract_offset) -> list[Relation]:
    """What a paper proposes besides its named contribution is a part of it.

    "Merlin: ...  We propose two methods, Foresight Pre-Training (FPT) and Foresight
    Instruction-Tuning (FIT)" -> Merlin uses FPT, Merlin uses FIT. Only for the entity
    named in the title, and only for proposed methods found in the abstract.
    """
    main = next((e for e in entities if e.proposed and "title-name" in e.rule), None)
    if main is None or main.type not in ("Method", "Model"):
        return []
    # a title phrase the abstract never names again ("Breaking Failure Cascades: ...") is a
    # slogan, not the system the components belong to
    if not any(mm.field == "abstract" for mm in main.mentions):
        return []
    text = text_of(doc)
    out = []
    for c in cands:
        e = cand_entity.get(id(c))
        if e is None or e is main or not e.proposed or e.type != "Method" or c.extras.get("field") != "abstract":
            continue
        if any(r.tail_id == e.id for r in out) or _same_thing(main, e) or not _arg_ok(e):
            continue
        span = doc.char_span(c.start, c.end, alignment_mode="expand")
        if span is None:
            continue
        sent = sentence(span)
        # "We introduce MeshPhys, a lightweight ... network": a second artifact of its own
        if _STANDALONE.match(text[c.end:sent.end_char]):
            continue
        # "Very recent work proposes an APCA approach": someone else's; "as a by-product, we
        # also develop X": a second contribution, not a part
        if re.search(r"\b(?:metrics?|measures?|scores?|index|dataset|data\s+set|benchmark|corpus|training\s+set)\W*$",
                     text[sent.start_char:c.start], re.I):
            continue  # "we define a novel metric, VoX"
        if _PRIOR_WORK.search(text[sent.start_char:c.start]) or re.search(
                r"\b(?:by-?product|side\s+contribution|separately|in\s+addition)\b", text[sent.start_char:c.start], re.I):
            continue
        # "WindowedManifoldKV" of "ManifoldKV" is a variant of the main entity, not a part of it;
        # "a concept-aligned MIL framework, HistoMet": MIL says what kind of thing the main is
        if any(key_form.lower() in e.name.lower() for key_form in (main.name, *main.aliases) if len(key_form) >= 3):
            continue
        # "Yolov5-CBi" of "YolovN-CBi": names that share a part are siblings or versions
        if set(_distinct_parts(main.name)) & set(_distinct_parts(e.name)):
            continue
        # "ISS Policy" and "Implicit Scene Supervision": the tail spells out part of the head's name
        if any(spelled_out(part, e.name) for part in re.split(r"[-\s]", main.name) if len(part) >= 2):
            continue
        if re.search(r"^\s*(?:[\w-]+\s+){0,2}[,:]?\s*$", text[c.end:c.end + 40].split(main.name)[0]) \
                and main.name in text[c.end:c.end + 40]:
            continue
        # "a PHY-aware characterization": a modifier, not a part
        if re.match(r"-[a-z]", text[c.end:c.end + 2]):
            continue
        before = text[sent.start_char:c.start]
        main_here = [mm for mm in cands if cand_entity.get(id(mm)) is main
                     and sent.start_char <= mm.start < sent.end_char]
        if main_here:
            # "CLNet decomposes ... into three modules: A; B; and C": the main entity is the
            # subject and a word for parts stands between; "we propose two algorithms: A and
            # Main", "we propose Main, a framework that integrates A": siblings or a description
            if not (main_here[0].end <= c.start and _PART_WORD.search(text[main_here[0].end:c.start])):
                continue
        elif not (_PROPOSE_PART.search(before) or _PART_WORD.search(before)):
            # "STARS improves Hit@5 over our existing X": no proposal, no part
            continue
        if _acronym_pair(main, e):
            continue
        out.append(Relation(head=main.name, rel="uses", tail=e.name, head_id=main.id, tail_id=e.id,
                            evidence=_evidence_for(doc, c, abstract_offset),
                            rule="uses:component-of-proposal", confidence=0.5))
    return out


_PART_WORD = re.compile(r"\b(?:modules?|components?|consists?\s+of|compris\w*|composed\s+of|includ\w*|contain\w*|"
                        r"equipped\s+with|features?|stages?|blocks?|mechanisms?|parts?|combin\w*|integrat\w*|"
                        r"incorporat\w*|adopt\w*|employ\w*|introduc\w*)\b", re.I)
# the component is what a proposal verb introduces, in the same clause: "we introduce X",
# "3) designing a X", "we further propose a novel X loss"
_PROPOSE_PART = re.compile(r"\b(?:propos\w*|introduc\w*|design\w*|develop\w*|present\w*|devis\w*|"
                           r"construct\w*|build\w*|employ\w*|adopt\w*|innovations?|contributions?)\b[^.;]{0,120}$", re.I)
_STANDALONE = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?,\s*(?:a|an)\s+(?:[\w.-]+\s+){0,4}?(?:framework|model|network|system|simulator|"
    r"benchmark|dataset|agent|pipeline|architecture|recipe|platform|toolkit|library|suite|representation|"
    r"environment|set|data|corpus|metric)\b", re.I)
_PRIOR_WORK = re.compile(r"\b(?:recent|prior|previous|existing|earlier|related)\s+(?:\w+\s+)?(?:works?|studies|"
                         r"methods|approaches|research|literature)\b", re.I)


def _distinct_parts(name: str) -> list[str]:
    """The parts of a name that tell it from others ("CBi" of "YolovN-CBi"), not short ones."""
    return [p.lower() for p in re.split(r"[-\s]", name) if len(p) >= 3 and not p.isdigit()]


def _list_run(text: str, tails):
    """The mentions that follow the trigger as one list: 'A, B, and C'."""
    run = [tails[0]]
    prev, in_parens = tails[0], False
    for cur in tails[1:]:
        gap = text[prev[0].end:cur[0].start]
        if cur[1] is prev[1] and re.fullmatch(r"\s*\(\s*", gap):
            prev, in_parens = cur, True  # "supervised finetuning (SFT), DPO": one item, its acronym
            continue
        if in_parens:
            gap = re.sub(r"^\s*\)", "", gap)
            in_parens = False
        if re.fullmatch(r"[\s,]*(?:and|or|as well as)?[\s,]*(?:\([^)]*\)[\s,]*)?(?:and|or)?\s*(?:the\s+)?"
                        r"(?:even\s+)?(?:(?:[\w-]+\s+){0,3}(?:such\s+as|including|like|e\.g\.,?)\s+)?", gap, re.I) or \
                re.fullmatch(r"\s*\([^)]*\)\s*[\s,]*(?:and|or)?\s*", gap) or \
                re.fullmatch(r"[\s,]*(?:and\s+)?[-+]?\d[\d.,]*\s*(?:%|\\%|points?|pp)?\s*(?:[\w@-]+\s+){0,2}?"
                             r"(?:on|in)\s+(?:the\s+)?", gap, re.I):
            run.append(cur)
            prev = cur
        else:
            break
    return run


_OBJECT_BEFORE = re.compile(r"(?:\b(?:on|of|to|with|than|from|by|versus|vs\.?|and|or|against|over|like|as|for|"
                            r"compare|compares|compared|including|such as|e\.g\.)|[(])\s*(?:the\s+)?$", re.I)


_CLASS_AFTER = re.compile(r"^[\s-]*(?:[\w-]+\s+){0,3}?(?:methods|approaches|models|baselines|variants|techniques|"
                          r"systems|frameworks|architectures|algorithms|works|pipelines)\b", re.I)


_QUANTIFIER_BEFORE = re.compile(r"\b(?:existing|prior|previous|conventional|traditional|many|most|other|some|several|"
                                r"current|standard|typical|popular)\s+$", re.I)


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
        # "we propose X, a VLP-based RF-IL framework that balances ... via Y": the subject is
        # the name the appositive describes, not a name inside it
        app = _appositive_head(text, s0, t_start, before)
        if app is not None:
            return app, "subject"
        # "X backbone that addresses ... through Y", "X subnetworks, and then combine Y",
        # "fine-tune the X backbone using Y": X is not the subject of the trigger's clause
        # ("X, which uses Y" is about X)
        own_rel = re.match(r"\s*(?:\([^()]*\)\s*)?,?\s*(?:which|that|who)\b", gap, re.I)
        blocked = bool(_REL_CLAUSE.search(gap[own_rel.end():] if own_rel else gap)
                       or _VERB_OBJECT.search(text[max(s0, c.start - 60):c.start]))
        if not e.proposed and _CLASS_AFTER.match(gap) and (
                re.match(r"-?(?:based|style|like|type|driven|guided|inspired)\b", gap.strip(), re.I)
                or _QUANTIFIER_BEFORE.search(text[max(s0, c.start - 30):c.start])):
            return None, ""  # "Existing LoRA fusion methods perform poorly", "CLIP-based methods use"
        is_object = bool(_OBJECT_BEFORE.search(text[s0:c.start]))
        if not blocked and len(gap.split()) <= 6 and not is_object and not re.search(
                r"\b(?:on|than|to|with|against|over|from)\s*$", gap.strip() + " ", re.I):
            return e, "subject"
        c0, e0 = before[0]
        opener = text[s0:c0.start].strip()
        # "X ...", "Our model X ...", or after a fronted phrase: "Beyond these tasks, X ..."
        if (not opener or re.fullmatch(r"(?:our\s+)?[\w-]*\s*(?:model|method|approach)?,?", opener, re.I)
                or re.fullmatch(r"(?:[A-Z][^,;()]{0,60},\s*){1,2}", opener)
                and not _CONTRAST.search(opener) and not re.match(r"(?:while|although|though|when|if|as|since|"
                                                                  r"because|whereas)\b", opener, re.I)) \
                and not _OBJECT_BEFORE.search(text[s0:c0.start]):
            return e0, "sentence-subject"
    if main is not None and _subject_we(left):
        return main, "we"
    return None, ""


_REL_CLAUSE = re.compile(r"\b(?:which|that|who|whose|where|while|whereas|when|and\s+then|then)\b|,\s*and\b|[;:]", re.I)
# a name that a verb takes as its object: "outperforms X, matches Y", "fine-tune the X backbone"
_VERB_OBJECT = re.compile(
    r"\b(?:outperform\w*|surpass\w*|beat(?:s|ing)?|exceed\w*|fine-?tun\w*|finetun\w*|train(?:s|ed|ing)?|"
    r"pre-?train(?:s|ed|ing)?|adapt(?:s|ed|ing)?|extend(?:s|ed|ing)?|evaluat\w*|compar\w*|us(?:e|es|ed|ing)|"
    r"employ\w*|leverag\w*|adopt\w*|integrat\w*|incorporat\w*|replac\w*|modif\w*|distill\w*|prompt(?:s|ed|ing)?|"
    r"quantiz\w*|augment\w*|equip\w*|enhanc\w*|improv\w*|appl(?:y|ies|ied|ying)|includ\w*|"
    r"match(?:es|ed|ing)?|rival\w*|in|into|within|at|among|between|under|about)\s+"
    r"(?:(?:the|a|an|our|its|their|existing|original|pre-?trained|frozen|base|standard|vanilla|popular|"
    r"strong|recent|open-source|state-of-the-art)\s+){0,3}$", re.I)
_APPOSITIVE = re.compile(r"^\s*(?:\([^()]*\)\s*)?,\s*(?:a|an)\s+[^,;:()]*$", re.I)


def _appositive_head(text, s0, t_start, before):
    """The name before ', a/an ...' when the trigger is inside the appositive: 'X, a Y-based
    framework that uses Z' -> X."""
    for c, e in reversed(before):
        gap = text[c.end:t_start]
        if _APPOSITIVE.match(gap) and not re.search(r"\b(?:we|our|it|they|is|are|was|were)\b", gap, re.I):
            return e if e.type in ("Method", "Model") else None
    return None


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
