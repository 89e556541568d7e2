"""Surface-form keys: two spellings of one name get the same key.

``key("LLaMA-2") == key("Llama 2") == key("llama2")``. The rule (NFKC, case-folded,
spaces, hyphens, underscores, dots, slashes and apostrophes removed) is the one the
evaluation uses to compare names, so the resolver and the scorer agree on what "the
same spelling" means.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
import re
import unicodedata
from typing import Iterator

_STRIP = re.compile(r"[\s\-\u2010-\u2015_./'\u2019]+")


@lru_cache(maxsize=1 << 17)  # called for every candidate of every paper; names repeat
def key(text: str) -> str:
    return _STRIP.sub("", unicodedata.normalize("NFKC", text).casefold())


_DASHES = re.compile(r"[\u2010-\u2015]")


def slug(text: str) -> str:
    """A readable, URL-safe entity id: 'Direct Preference Optimization' -> 'direct-preference-optimization'."""
    # Greek letters by name, not dropped: "π0.5" is pi0.5, not 0.5; "PanGu-α" is pangu-alpha
    s = "".join(_GREEK.get(c.lower(), c) if "\u0370" <= c <= "\u03ff" else c for c in text)
    s = _DASHES.sub("-", s)  # "Qwen 2.5–7B" (TeX's "2.5--7B") is qwen-2.5-7b, not qwen-2.57b
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9.+]+", "-", s).strip("-")
    if not s:
        s = "x" + hashlib.sha1(text.encode()).hexdigest()[:10]
    return s



def is_short_form(text: str) -> bool:
    """An acronym-like name: one token of at most 12 characters with two or more capitals
    (DPO, ViT, LoRA), as kg.resolve and kg.audit treat aliases."""
    letters = [c for c in text if c.isalpha()]
    return " " not in text and len(text) <= 12 and sum(c.isupper() for c in letters) >= 2


# ---- variant_key: a looser key that also merges the variants of one name --------------
#
# ``key`` is what the evaluation compares, so it stays as it is.  ``variant_key`` goes further
# and merges spellings of ONE thing that ``key`` keeps apart:
#
# - TeX debris: ``\emph{Chain of Thought``, ``\textbf{X}``, ``$\pi_0$`` (commands, braces,
#   math dollars, ``^``/``_``/``~`` dropped; Greek commands spelled out);
# - Greek letters spelled out (``π0`` = ``pi0``, ``α-CLIP`` = ``Alpha-CLIP``), accents dropped,
#   Unicode dashes, quotes, ``×`` (= x), trademark signs;
# - plurals: an acronym plural anywhere (``ViTs``, ``LLMs``, ``CNNs``, ``LoRAs``: a lowercase
#   ``s`` after an uppercase letter, two or more capitals; all-caps ``SAMS``/``GPS`` untouched),
#   and a regular English plural of the LAST word (``Networks``, ``thoughts``, ``policies``,
#   ``classes``, ``approaches``), with the usual non-plurals kept (``Analysis``, ``Focus``,
#   ``Process``, ``Bayes``, ``Atlas``, ``Kinetics``, ``Chronos``, ...);
# - British spellings: -ise/-isation/-yse, colour/behaviour/..., modelling/labelled, centre,
#   catalogue, defence, ...;
# - versions: a trailing ``.0`` on a version number (``Gemini 3.0 Pro`` = ``Gemini 3 Pro``),
#   ``version 2`` = ``v2``; a possessive ``'s``; the articles in ``LLM-as-a-judge`` and a
#   leading ``The``.
#
# It never touches digits or letters that make a different thing: GPT-4 / GPT-4o, Llama 2 /
# Llama 3, Qwen2 / Qwen2.5, SAM / SAM 2, ResNet-50 / ResNet-101 keep different keys.
# Unlike ``key`` it reads case (``SAMs`` -> ``sam`` but ``SAMS`` -> ``sams``), so two
# spellings with one ``key`` may (rarely) get two variant keys.

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ϑ": "theta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ϖ": "pi",
    "ρ": "rho", "ϱ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon",
    "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}
_TEX_GREEK = {name: name for name in set(_GREEK.values())}
_TEX_GREEK.update({"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varpi": "pi",
                   "varrho": "rho", "varsigma": "sigma"})

_TEX_CMD = re.compile(r"\\([A-Za-z]+)\s*")
_TEX_SYMBOL = re.compile(r"\\([^A-Za-z])")
_SIGNS = re.compile(r"[\u2122\u00ae\u00a9\u2020\u2021*]")  # ™ ® © † ‡ *
_DROP = re.compile("[${}^\"`\u00b4\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a()\\[\\]<>|,;:!?]")
_POSSESSIVE = re.compile(r"['\u2018\u2019]s\b")
_ZERO_VERSION = re.compile(r"(?<![\d.])(\d+)\.0(?![\d.])")
_SPLIT = re.compile(r"[\s\-\u2010-\u2015\u2212\u00ad\u00b7\u2022\u2027_./'\u2018\u2019~]+")

# last-word plurals: irregular forms and words ending in s that are not plurals
_IRREGULAR = {
    "analyses": "analysis", "hypotheses": "hypothesis", "syntheses": "synthesis", "theses": "thesis",
    "parentheses": "parenthesis", "diagnoses": "diagnosis", "prognoses": "prognosis",
    "crises": "crisis", "axes": "axis", "emphases": "emphasis", "oases": "oasis",
    "indices": "index", "matrices": "matrix", "vertices": "vertex", "appendices": "appendix",
    "criteria": "criterion", "phenomena": "phenomenon", "children": "child", "mice": "mouse",
    "biases": "bias", "aliases": "alias", "atlases": "atlas", "canvases": "canvas", "gases": "gas",
    "lenses": "lens", "focuses": "focus", "foci": "focus", "corpora": "corpus", "corpuses": "corpus",
    "viruses": "virus", "bonuses": "bonus", "statuses": "status", "campuses": "campus",
    "consensuses": "consensus", "censuses": "census", "buses": "bus", "radii": "radius",
    "stimuli": "stimulus", "nuclei": "nucleus", "cacti": "cactus", "syllabi": "syllabus",
    "leaves": "leaf", "halves": "half", "wolves": "wolf", "knives": "knife", "lives": "life",
    "shelves": "shelf", "selves": "self", "thieves": "thief", "calves": "calf",
    "heroes": "hero", "potatoes": "potato", "tomatoes": "tomato", "echoes": "echo",
    "vetoes": "veto", "tornadoes": "tornado", "volcanoes": "volcano", "dominoes": "domino",
    "torpedoes": "torpedo", "mosquitoes": "mosquito", "quizzes": "quiz",
}
_NOT_PLURAL = frozenset("""
    atlas bias alias canvas gas texas vegas midas pancreas christmas kansas arkansas whereas
    pandas keras thomas lucas nicholas douglas dallas pallas andreas jonas matthias tobias elias
    bayes series species hermes ares hades mercedes andes socrates achilles archimedes diogenes
    euphrates kubernetes yes does goes james jones charles hughes reyes holmes gates moses
    xerxes herpes diabetes rabies scabies caries
    news lens means always perhaps towards afterwards whereas sometimes
    """.split())
_PLURAL_OS = frozenset("""videos photos scenarios ratios demos repos portfolios studios radios memos
    zeros casinos cameos embryos trios duos combos typos autos mottos tempos audios""".split())
_PLURAL_IS = frozenset("emojis kiwis wikis taxis skis alibis yetis".split())
_PLURAL_US = frozenset("menus gurus haikus sudokus emus tutus cpus gpus tpus npus".split())
_OPS = frozenset("dev ml llm ai data devsec sec git fin agent model cloud".split())  # DevOps, MLOps
_CHE = frozenset("""cache niche avalanche headache moustache psyche cliche apache quiche creche
    porsche attache panache gouache""".split())
_NOT_IES = frozenset("""series species movies cookies zombies calories pies ties lies dies rabies
    scabies caries selfies hippies genies rookies goalies brownies smoothies sorties prairies""".split())


def _singular_word(w: str) -> str:
    """The singular of one lowercase English word (a regular plural only)."""
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) < 4 or not w.endswith("s") or w in _NOT_PLURAL or not w.isalpha():
        return w
    if w.endswith(("ss", "ics", "ous")) or (w.endswith("ops") and w[:-3] in _OPS):
        return w
    if w.endswith("us"):
        return w[:-1] if w in _PLURAL_US else w
    if w.endswith("is"):
        return w[:-1] if w in _PLURAL_IS else w
    if w.endswith("os"):
        return w[:-1] if w in _PLURAL_OS else w
    if w.endswith("ies"):
        return w if w in _NOT_IES or len(w) < 5 else w[:-3] + "y"
    if w.endswith("sses"):
        return w[:-2]
    if w.endswith(("shes", "xes", "zzes")):
        return w[:-2]
    if w.endswith("ches"):
        return w[:-1] if w[:-1] in _CHE or w.endswith("caches") else w[:-2]
    return w[:-1]


def _acronym_singular(tok: str) -> str:
    """``ViTs`` -> ``ViT``, ``LLMs`` -> ``LLM``; ``SAMS``, ``GPS``, ``iOS`` stay."""
    if (len(tok) >= 3 and tok[-1] == "s" and tok[-2].isupper()
            and sum(c.isupper() for c in tok) >= 2):
        return tok[:-1]
    return tok


_BRITISH = [(re.compile(p), r) for p, r in [
    (r"is(e|ed|es|er|ers|ing|ation|ations|ational|able)$", r"iz\1"),
    (r"ys(e|ed|es|er|ers|ing)$", r"yz\1"),
    (r"(colo|behavio|neighbo|favo|flavo|labo|hono|humo|rumo|harbo|vapo|armo|odo|tumo|endeavo|"
     r"savo|vigo|parlo|rigo|valo)ur", r"\1r"),
    (r"^(model|label|travel|cancel|signal|tunnel|channel|fuel|level|total|marshal|dial|funnel|"
     r"pixel|voxel|barrel|quarrel|panel|bevel|spiral|counsel|jewel|shovel)l(ed|ing|er|ers|ings)$",
     r"\1\2"),
    (r"(cent|fib|theat|lit|met|calib|spect|somb|lust|meag)re(s|d)?$", r"\1er\2"),
    (r"manoeuvr", "maneuver"),
    (r"ogue(s|d)?$", r"og\1"),
    (r"(defen|offen|licen|preten)ce", r"\1se"),
    (r"^programme(s|d)?$", r"program\1"),
    (r"^grey", "gray"),
    (r"^ageing$", "aging"),
    (r"judgement", "judgment"),
    (r"acknowledgement", "acknowledgment"),
    (r"artefact", "artifact"),
    (r"aluminium", "aluminum"),
    (r"enrolment", "enrollment"),
    (r"sceptic", "skeptic"),
    (r"(haem|paed|leukaem)", lambda m: m.group(1).replace("ae", "e")),
    (r"aemia", "emia"),
    (r"oesophag", "esophag"),
    (r"oestr", "estr"),
]]


# words spelled -ise in American English too (kept, so that keys stay readable)
_ISE_WORDS = re.compile(
    r"(wise|noise|precise|concise|excise|incise|exercise|circumcise|promise|premise|demise|surmise|"
    r"vise|guise|raise|poise|cruise|bruise|ertise|exorcise|enterprise|surprise|comprise|apprise|"
    r"reprise|franchise|chandise|paradise|anise|treatise|chastise|despise|valise|^rise|^arise|"
    r"sunrise|^prise|^mise)(d|s|r|rs)?$|(wis|nois|vis|rais|prais|cruis|promis)ing$")


# a cheap test: only tokens with one of these can change
_BRITISH_HINT = re.compile(r"is|ys|our|ll|re|ogue|nce|grey|age|ement|artef|alumin|scep|ae|oe")


@lru_cache(maxsize=1 << 16)
def _american(w: str) -> str:
    if not _BRITISH_HINT.search(w) or _ISE_WORDS.search(w):
        return w
    for pat, rep in _BRITISH:
        w = pat.sub(rep, w)
    return w


def _clean(text: str) -> str:
    """TeX debris, signs, accents, Greek letters and Unicode punctuation out of a name."""
    t = _SIGNS.sub("", text)
    t = _TEX_CMD.sub(lambda m: _TEX_GREEK.get(m.group(1), ""), t)
    t = _TEX_SYMBOL.sub(lambda m: m.group(1) if m.group(1) in "&%#_" else "", t)
    if not t.isascii():  # (ASCII has no accents, Greek or Unicode signs to fold)
        t = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", t))
        t = "".join(c for c in t if not unicodedata.combining(c))
        t = "".join(_GREEK.get(c.lower(), c) if "\u0370" <= c <= "\u03ff" else c for c in t)
        t = t.replace("\u00d7", "x").replace("\u2212", "-")
    t = _DROP.sub(" ", t)
    t = _POSSESSIVE.sub("", t)
    return _ZERO_VERSION.sub(r"\1", t)


@lru_cache(maxsize=1 << 16)
def variant_key(text: str) -> str:
    """A looser key than :func:`key`: the same for plural/singular, British/American, TeX,
    Greek and ``.0``-version variants of one name (see the notes above); different for
    different things (GPT-4 / GPT-4o, Llama 2 / Llama 3, SAM / SAM 2)."""
    toks = [t for t in _SPLIT.split(_clean(text)) if t]
    # articles: 'LLM-as-a-judge' = 'LLM-as-judge'; 'The Pile' = 'Pile'
    toks = [t for i, t in enumerate(toks) if not (t in ("a", "an", "the") and 0 < i < len(toks) - 1)]
    if len(toks) > 1 and toks[0].casefold() == "the":
        toks = toks[1:]
    toks = [_acronym_singular(t) for t in toks]
    if toks and not any(c.isdigit() for c in toks[-1]) and toks[-1] == _acronym_singular(toks[-1]):
        last = toks[-1]
        # a plural ends in a lowercase s; all caps (SAMS, GPS, NEWS) or LoRAS: not one we can tell
        if last.endswith("s") and not last.isupper():
            toks[-1] = _singular_word(last.casefold())
    toks = _version_before_tier(_without_maker(toks))
    out = []
    for i, t in enumerate(toks):
        t = t.casefold()
        if t in ("version", "ver") and i + 1 < len(toks) and toks[i + 1][:1].isdigit():
            t = "v"
        out.append(_american(t))
    return key("".join(out))


# makers written before their models' names: "OpenAI o3" is o3, "Meta-Llama-3-8B" Llama-3-8B
# (Meta only before Llama: "Meta-World", "Meta-Learning" are names of their own; and only
# makers whose name starts no model's name: not DeepSeek, Mistral or Stability)
_MAKER_PREFIXES = frozenset({"openai", "anthropic", "google", "microsoft", "nvidia"})


def _without_maker(toks: list[str]) -> list[str]:
    if len(toks) > 1 and (toks[0].casefold() in _MAKER_PREFIXES or
                          toks[0].casefold() == "meta" and toks[1].casefold().startswith("llama")):
        return toks[1:]
    return toks


# the tiers of a model family, written before or after the version: "Claude Opus 4.6" and
# "Claude 4.6 Opus", "Gemini Flash 2.5" and "Gemini 2.5 Flash" are one model each
_TIERS = frozenset({"opus", "sonnet", "haiku", "pro", "flash", "ultra", "nano", "mini", "lite"})


def _version_before_tier(toks: list[str]) -> list[str]:
    """A tier word right before the version's numbers goes after them (not a first word)."""
    for i in range(1, len(toks) - 1):
        if toks[i].casefold() in _TIERS and toks[i + 1].isdigit():
            j = i + 1
            while j < len(toks) and toks[j].isdigit():
                j += 1
            return toks[:i] + toks[i + 1:j] + [toks[i]] + toks[j:]
    return toks


def starts_a_word(text: str, form: str) -> bool:
    r"""``form`` occurs in ``text`` at the start of a word: ``re.search(r"(?<!\w)" +
    re.escape(form), text)`` without a pattern per name."""
    at = text.find(form)
    while at >= 0:
        if at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_"):
            return True
        at = text.find(form, at + 1)
    return False


def _word_char(c: str) -> bool:  # what ``re``'s \w matches, and the hyphen
    return c.isalnum() or c in "_-"


def whole_word_starts(text: str, form: str) -> Iterator[int]:
    r"""Where ``form`` occurs in ``text`` as a whole word, not inside a longer word or
    hyphenated name: the matches of ``(?<![\w-])form(?![\w-])``, without compiling a
    pattern per name (a corpus has too many names for ``re``'s cache)."""
    if not form:
        return
    n = len(form)
    at = text.find(form)
    while at >= 0:
        if (at == 0 or not _word_char(text[at - 1])) and (
                at + n == len(text) or not _word_char(text[at + n])):
            yield at
            at = text.find(form, at + n)
        else:
            at = text.find(form, at + 1)
