"""A tokenizer that keeps ML names whole.

spaCy's English tokenizer splits on hyphens between letters, so ``MSR-VTT`` becomes three
tokens and ``Llama-2-7B`` four. Names in this field are full of hyphens, so we drop that
infix rule and instead split off a closed list of hyphenated *modifiers* ("CLIP-based",
"GPT-4-generated") that are never part of a name.
"""
from __future__ import annotations

import re

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy import attrs
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

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
_MODIFIER = re.compile(_MODIFIER_SUFFIX)

# A sentence-final period after a name ("... Quokkanet-13B.", "... SnB.", "... ImageNet-C.")
# is punctuation; spaCy keeps it on tokens that end in a capital after a lowercase letter, a
# digit or a hyphen.
_FINAL_PERIOD = r"(?<=[a-z0-9][A-Z0-9])\.$|(?<=[A-Za-z0-9]-[A-Z])\.$"


# The lexical attributes kg reads (``Token.lower_``, ``is_punct``, ``is_title``, ``is_upper``,
# and IS_ALPHA / IS_LOWER in kg.extract.shapes; the PhraseMatcher matches on LOWER). spaCy
# computes all ~25 for every new word the vocabulary meets; the others are left unset.
# (``like_num`` is asked of a few tokens only: kg.extract.context calls spaCy's function.)
_LEXICAL_ATTRS = frozenset({attrs.LOWER, attrs.IS_PUNCT, attrs.IS_TITLE, attrs.IS_UPPER,
                            attrs.IS_ALPHA, attrs.IS_LOWER})

_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_CURRENCY_PREFIXES = ("US$", "C$", "A$")


def _fast_suffix(search):
    """``search`` (the compiled suffix rules), answered without the regex where none can
    match. Python's ``re`` tries an end-anchored alternation at every position of the
    string (about 5 µs a word). Of the rules, only "'s" and the hyphenated modifiers end in
    an ASCII letter or digit, so a word that ends in one and has no "'s" has no suffix
    without a hyphen, and needs only the modifier rule, from its first hyphen on, with one;
    one that ends in punctuation after a letter or digit needs only its last five
    characters searched. (tests/test_tokenizer.py checks both against the regex.)"""
    def suffix_search(text: str):
        ends_plain = text[-1:] in _ASCII_ALNUM and not (text[-1] in "sS" and len(text) > 1 and text[-2] in "'’")
        if "-" in text:
            if ends_plain:
                # "fine-tuning", "GPT-4": of the rules only the modifiers can match, and they
                # end in a lower-case letter
                return _MODIFIER.search(text, text.index("-")) if "a" <= text[-1] <= "z" else None
        else:
            if ends_plain:
                return None
            if text[-2:-1] in _ASCII_ALNUM:
                # "data,", "GPT-4)": a rule that matches here is at most three characters
                # ("5US$") with at most two of look-behind, so the last five decide it.
                # spaCy reads only the match's length.
                return search(text[-5:])
        return search(text)
    return suffix_search


def _fast_prefix(search):
    """The same for the prefix rules: only the currency prefixes US$, C$ and A$ start with an
    ASCII letter or digit."""
    def prefix_search(text: str):
        if text[:1] in _ASCII_ALNUM and not text.startswith(_CURRENCY_PREFIXES):
            return None
        return search(text)
    return prefix_search


def _fast_infix(finditer):
    """The same for the infix rules: each one needs a character that is not an ASCII letter
    or digit."""
    def infix_finditer(text: str):
        if text.isascii() and text.isalnum():
            return ()
        return finditer(text)
    return infix_finditer


def _fast_url(match):
    """The same for spaCy's URL rule: both of its host forms (a name or an IP address) need a
    period."""
    def url_match(text: str):
        if "." not in text:
            return None
        return match(text)
    return url_match


# "Group Relative Policy Optimization(GRPO)": a parenthesis typed without its space, between a
# word in lower case and a capital (the corpus writes 18 of 20 such definitions so); not
# "f(x)", "GPT-4(V)"
_OPEN_PAREN_INFIX = r"(?<=[a-z]{2})\((?=[A-Z])"


def infix_rules(defaults) -> list[str]:
    """spaCy's English infixes without the hyphen rules that split ``MSR-VTT``, ``Llama-2``,
    and with an opening parenthesis typed without its space."""
    return [p for p in defaults.infixes if "(?:-|–|—|--|---|——|~)" not in p and r"[+\-\*^](?=[0-9-])" not in p] \
        + [_OPEN_PAREN_INFIX]


def suffix_rules(defaults) -> list[str]:
    """spaCy's English suffixes, less the unit suffixes, plus kg's modifier and final-period
    rules. Unit suffixes ("130M", "6K", "10GB") are split off by default; in this field they
    are the ends of names (HD-VG-130M, Feint6K, WebVid-10M), so they stay on."""
    return [p for p in defaults.suffixes if "km|km²" not in p] + [_MODIFIER_SUFFIX, _FINAL_PERIOD]


@spacy.registry.tokenizers("kg.name_preserving_tokenizer.v1")
def _name_preserving_tokenizer():
    """spaCy's English tokenizer factory (``spacy.language.create_tokenizer``) with kg's
    affix rules and their fast paths."""
    def factory(nlp: Language) -> Tokenizer:
        d = nlp.Defaults
        return Tokenizer(
            nlp.vocab, rules=d.tokenizer_exceptions,
            prefix_search=_fast_prefix(compile_prefix_regex(d.prefixes).search),
            suffix_search=_fast_suffix(compile_suffix_regex(suffix_rules(d)).search),
            infix_finditer=_fast_infix(compile_infix_regex(infix_rules(d)).finditer),
            token_match=d.token_match,
            url_match=_fast_url(d.url_match) if d.url_match is not None else None)
    return factory


def make_nlp() -> Language:
    """A blank English pipeline with the name-preserving tokenizer. It has no sentencizer:
    ``kg.extract.sentences`` finds the sentencizer's sentences on the token arrays, at a
    fraction of the cost of its ``Token`` objects."""
    # the tokenizer is built once, with every rule: each rule set on spaCy's default one
    # re-tokenizes its ~700 special cases, and building the default first doubled that
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": "kg.name_preserving_tokenizer.v1"}}})
    getters = nlp.vocab.lex_attr_getters
    nlp.vocab.lex_attr_getters = {k: v for k, v in getters.items() if k in _LEXICAL_ATTRS}
    return nlp
