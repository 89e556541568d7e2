"""A tokenizer that keeps ML names whole.

spaCy's English tokenizer splits on hyphens between letters, so ``MSR-VTT`` becomes three
tokens and ``Llama-2-7B`` four. Names in this field are full of hyphens, so we drop that
infix rule and instead split off a closed list of hyphenated *modifiers* ("CLIP-based",
"GPT-4-generated") that are never part of a name.
"""
from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.util import compile_infix_regex, compile_suffix_regex

# "X-based", "X-style" ...: the modifier is split off as its own token so X matches alone.
HYPHEN_MODIFIERS = (
    "based", "style", "like", "generated", "guided", "aligned", "tuned", "finetuned",
    "trained", "pretrained", "only", "free", "level", "specific", "powered", "driven",
    "centric", "aware", "conditioned", "initialized", "initialised", "sized", "scale",
    "scaled", "series", "family", "class", "type", "variant", "variants", "equivalent",
    "compatible", "inspired", "derived", "augmented", "enhanced", "assisted", "annotated",
    "labeled", "labelled", "distilled", "judged", "as-a-judge", "specific", "related",
    "oriented", "informed", "supervised", "synthesized", "produced", "written", "created",
    "curated", "filtered", "evaluated", "level", "wise", "grade", "quality", "sourced",
)
_MODIFIER_SUFFIX = r"(?<=[A-Za-z0-9)])-(?:%s|[a-z]{3,}ed)$" % "|".join(sorted(set(HYPHEN_MODIFIERS), key=len, reverse=True))

# A sentence-final period after a name ("... Quokkanet-13B.", "... SnB.") is punctuation;
# spaCy keeps it on tokens that end in a capital after a lowercase letter or digit.
_FINAL_PERIOD = r"(?<=[a-z0-9][A-Z0-9])\.$"


def make_nlp() -> Language:
    """A blank English pipeline with the name-preserving tokenizer. It has no sentencizer:
    ``kg.extract.sentences`` finds the sentencizer's sentences on the token arrays, at a
    fraction of the cost of its ``Token`` objects."""
    nlp = spacy.blank("en")
    infixes = [p for p in nlp.Defaults.infixes
               if "(?:-|–|—|--|---|——|~)" not in p and r"[+\-\*^](?=[0-9-])" not in p]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    # Unit suffixes ("130M", "6K", "10GB") are split off by default; in this field they are
    # the ends of names (HD-VG-130M, Feint6K, WebVid-10M), so they stay on.
    suffixes = [p for p in nlp.Defaults.suffixes if "km|km²" not in p] + [_MODIFIER_SUFFIX, _FINAL_PERIOD]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    return nlp

