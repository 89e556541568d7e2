"""The curated lexicon of well-known entities and the generic-phrase stoplist.

Entries live in JSON-lines files (``kg/lexicon/core.jsonl``; users add their own with
``--lexicon``): ``{"name", "type", "aliases", "case_sensitive"?, "note"?}``.
The :class:`Lexicon` answers "is this a known entity, and which one?" by normalised
key, and builds the spaCy ``PhraseMatcher`` that finds known names in text.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable

from ..model import ENTITY_TYPES
from ..normalize import key, slug, variant_key, whole_word_starts

LEXICON_DIR = resources.files("kg") / "lexicon"

# a model family's tiers ("Gemini 2.5 Flash", "Claude 3 Opus"; also kg.extract.shapes')
MODEL_TIERS = ("Haiku", "Sonnet", "Opus", "Pro", "Flash", "Mini", "Turbo", "Ultra", "Nano", "Lite",
               "Max", "Plus")


# A model family's stem and what may follow it as a version: "GPT" + "-5.5", "Qwen" +
# "3.5-27B", "DeepSeek" + "-V4-Flash", "Llama" + "-3.1-8B-Instruct" (sizes in B or M, an
# active-parameter count, tiers; not "-665K" or "-4K", counts and resolutions of data).
_STEM = re.compile(r"[A-Za-z]+")
_FAMILY_TAGS = "|".join([*MODEL_TIERS, "Instruct", "Chat", "Base", "Large", "Small", "Medium", "Tiny",
                         "XL", "XXL", "Preview", "Thinking", "Coder", "VL", "Exp", "Omni", "Vision"])
_FAMILY_VERSION = re.compile(
    r"[-\s]?[vV]?\d+(?:\.\d+)*[a-jl-zA-JL-Z]?(?:[-\s](?:[vV]?\d+(?:\.\d+)*[a-jl-zA-JL-Z]?|\d+(?:\.\d+)?[BMbm]|"
    r"A\d+(?:\.\d+)?B|\d+x\d+[BMbm]|(?:%s)))*" % _FAMILY_TAGS, re.I)


def family_stem(name: str) -> str | None:
    """"GPT" of "GPT-5.5", "YOLO" of "YOLOv8n": the letters before a version, when all that
    follows them is a version, sizes and tiers (and the stem is three letters or more)."""
    m = _STEM.match(name)
    if m is None:
        return None
    stem, rest = m.group(), name[m.end():]
    if stem[-1] in "vV" and rest[:1].isdigit():  # "YOLOv8": the v is the version's
        stem, rest = stem[:-1], stem[-1] + rest
    if len(stem) < 3 or not rest or _FAMILY_VERSION.fullmatch(rest) is None:
        return None
    return stem


class LexiconError(ValueError):
    pass


@dataclass(frozen=True)
class LexiconEntry:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    case_sensitive: bool = False
    note: str = ""
    # spellings, as written, of another thing: "LoRa" (the radio) is not LoRA
    not_forms: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def long_forms(self) -> tuple[str, ...]:
        """The forms that spell the name out ("Low-Rank Adaptation", "chain-of-thought"), not
        its acronyms or one-word names."""
        return tuple(f for f in self.forms if " " in f.strip() or f.count("-") >= 2)


@dataclass
class Lexicon:
    entries: dict[str, LexiconEntry] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)  # surface key -> entry id
    generic: set[str] = field(default_factory=set)  # keys of phrases that are never entities

    @classmethod
    def load(cls, extra: Iterable[str | Path] = (), include_core: bool = True) -> "Lexicon":
        lex = cls()
        if include_core:
            core = LEXICON_DIR / "core.jsonl"
            if core.is_file():
                lex.add_file(core, name="kg/lexicon/core.jsonl")
            generic = LEXICON_DIR / "generic.txt"
            if generic.is_file():
                lex.add_generic(generic.read_text(encoding="utf-8").splitlines())
        for path in extra:
            lex.add_file(Path(path))
        return lex

    def add_file(self, path, name: str | None = None) -> None:
        label = name or str(path)
        text = path.read_text(encoding="utf-8")
        for n, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                rec = json.loads(line)
                self.add(rec)
            except (json.JSONDecodeError, KeyError, TypeError, LexiconError) as exc:
                raise LexiconError(f"{label}:{n}: bad lexicon entry: {exc}") from None

    def add(self, rec: dict) -> LexiconEntry:
        name = str(rec["name"]).strip()
        type_ = rec["type"]
        if type_ not in ENTITY_TYPES:
            raise LexiconError(f"type {type_!r} is not one of {', '.join(ENTITY_TYPES)}")
        aliases = tuple(a for a in (str(x).strip() for x in rec.get("aliases", [])) if a)
        entry = LexiconEntry(
            id=rec.get("id") or slug(name), name=name, type=type_, aliases=aliases,
            case_sensitive=bool(rec.get("case_sensitive")), note=rec.get("note", ""),
            not_forms=tuple(str(x).strip() for x in rec.get("not", []) if str(x).strip()),
        )
        # A later file overrides an earlier entry of the same name (user files win).
        old = self.entries.get(entry.id)
        if old is not None:
            for f in old.forms:
                if self.by_key.get(key(f)) == old.id:
                    del self.by_key[key(f)]
        self.entries[entry.id] = entry
        for f in entry.forms:
            self.by_key[key(f)] = entry.id
            self.generic.discard(key(f))
        self.__dict__.pop("_lookup_cache", None)
        self.__dict__.pop("_families", None)
        return entry

    def add_generic(self, lines: Iterable[str]) -> None:
        for line in lines:
            line = line.split("#", 1)[0].strip()
            if line and key(line) not in self.by_key:
                self.generic.add(key(line))

    def lookup(self, text: str) -> LexiconEntry | None:
        """The entry ``text`` names: by key, else by variant key (a plural, a British
        spelling or TeX debris of a known name: "ViTs", "Kolmogorov-Arnold Networks")."""
        # remembered per text (names repeat across papers); forgotten when an entry is added
        cache = self.__dict__.setdefault("_lookup_cache", {})
        if len(cache) > 200_000:
            cache.clear()
        if text not in cache:
            cache[text] = self._lookup(text)
        return cache[text]

    def _lookup(self, text: str) -> LexiconEntry | None:
        eid = self.by_key.get(key(text))
        if eid is not None and (self.entries[eid].case_sensitive or _acronym_case_differs(self.entries[eid], text)) \
                and not self.accepts(self.entries[eid], text):
            eid = None  # "ViTs" is not VITS, the speech model; "DARTs" is not DARTS
        if eid is None:
            eid = self._by_variant().get(variant_key(text))
            if eid is not None and self.entries[eid].case_sensitive:
                eid = None  # "ORCA" is not Orca: a case-sensitive name matches as written
        if eid is not None and _casing_of_its_own(self.entries[eid], text):
            eid = None  # "CoDEx" (a dataset) is not Codex
        entry = self.entries[eid] if eid else None
        return None if entry is not None and text in entry.not_forms else entry  # "LoRa" is not LoRA

    def is_not_form(self, text: str) -> bool:
        """The lexicon lists ``text`` as what the entry of its key is not ("LoRa", the radio,
        is not LoRA)."""
        eid = self.by_key.get(key(text))
        return eid is not None and text in self.entries[eid].not_forms

    def defined_as(self, long: str, short: str) -> LexiconEntry | None:
        """The case-sensitive entry a paper's definition spells out, both of its forms
        confirming it: "masked autoencoders (MAEs)" is Masked Autoencoders (MAE), although
        the entry's case check refuses the lower-case long form alone."""
        eid = self.by_key.get(key(long)) or self._by_variant().get(variant_key(long))
        entry = self.entries[eid] if eid else None
        if entry is None or not entry.case_sensitive:
            return None
        if any(short in (f, f + "s") for f in entry.forms if " " not in f and sum(c.isupper() for c in f) >= 2):
            return entry
        return None

    def _by_variant(self) -> dict[str, str]:
        table = self.__dict__.get("_variant_table")
        if table is None or table[0] != len(self.by_key):
            index: dict[str, str] = {}
            for k, eid in sorted(self.by_key.items()):
                for f in self.entries[eid].forms:
                    index.setdefault(variant_key(f), eid)
            table = self.__dict__["_variant_table"] = (len(self.by_key), index)
        return table[1]

    def model_family(self, name: str) -> str | None:
        """The model family a name not in the lexicon continues with a version: "GPT" of
        "GPT-5.5", "Qwen" of "Qwen3.5-27B", "DeepSeek" of "DeepSeek-V4-Flash", "YOLO" of
        "YOLOv11n". A family is a stem that Model entries write with a version (GPT-4o,
        Qwen2.5, DeepSeek-V3) and no other kind of entry writes at all (not "SAM": the
        Sharpness-Aware Minimization SAM is a method). None when the name is no such thing."""
        stem = family_stem(name)
        if stem is None:
            return None
        families = self.__dict__.get("_families")
        if families is None:
            models, others = set(), set()
            for e in self.entries.values():
                for f in e.forms:
                    s = family_stem(f)
                    if e.type == "Model":
                        if s is not None:
                            models.add(s.casefold())
                    else:
                        others |= {x.casefold() for x in (s, _STEM.match(f) and f) if x}
            families = self.__dict__["_families"] = models - others
        return stem if stem.casefold() in families else None

    def is_generic(self, text: str) -> bool:
        k = key(text)
        return k in self.generic or (k.endswith("s") and k[:-1] in self.generic)

    def accepts(self, entry: LexiconEntry, matched: str, doc_text: str = "", is_word=None,
                is_name=None) -> bool:
        """Case check for a case-insensitive phrase match.

        A name written with capitals, matched in lower case, is usually a common word or a
        generic phrase ("MATH" / "math", "MultiPL-E" / "multiple", "Knowledge Distillation"
        / "knowledge distillation"). It counts when it carries a digit ("mistral-7b"), is a
        hyphenated chain of three or more words ("chain-of-thought"), or when the paper also
        writes the name's acronym ("direct preference optimization ... DPO").
        Case-sensitive entries must match a listed form up to spaces and hyphens.
        ``is_word(text)``: whether ``text`` is an ordinary word (by corpus statistics); a
        name with inner capitals matched without them is refused when it is one.
        ``is_name(phrase)``: whether papers mostly write ``phrase`` with capitals (by corpus
        statistics); a phrase of such a name matched in lower case counts then.
        """
        if matched in entry.not_forms:
            return False
        def squash(x: str) -> str:
            return x.replace("-", "").replace(" ", "")

        if entry.case_sensitive:
            return any(squash(matched) == squash(f) for f in entry.forms)
        mk = key(matched)
        for f in entry.forms:
            if key(f) != mk:
                continue
            letters = [c for c in f if c.isalpha()]
            # An all-caps acronym must be matched in capitals ("ARC", not "Arc").
            if len(letters) <= 5 and letters and all(c.isupper() for c in letters):
                if sum(c.isupper() for c in matched) < len(letters):
                    continue
            # A name with its own casing inside a word ("QuALITY", "MultiPL-E", "GloVe", "PaLM",
            # "LoRA") is not the ordinary word written in title or lower case ("Quality",
            # "Multiple", "Glove", "Palm", "LoRa" the radio): its inner capitals must be there.
            # (``is_word`` tells an ordinary word from a misspelt name: "Timesformer" is no word)
            if _inner_capitals(f) and not any(c.isdigit() for c in f) and not (
                    _same_case_pattern(f, matched) or matched.isupper()) and (is_word is None or is_word(matched)):
                continue
            if _casing_of_its_own(entry, matched):
                continue
            if any(c.isupper() for c in f) and not any(c.isupper() for c in matched):
                if any(c.isdigit() for c in f) or matched.count("-") >= 2:
                    return True
                acronyms = [a for a in entry.forms if sum(c.isupper() for c in a) >= 2 and " " not in a]
                if not any(next(whole_word_starts(doc_text, a), None) is not None for a in acronyms) \
                        and not (is_name is not None and is_name(matched)):
                    continue
            return True
        return False


def _casing_of_its_own(entry: LexiconEntry, text: str) -> bool:
    """``text`` has a word cased in a pattern of its own (two or more capitals after letters,
    and lower-case letters) where no form of the entry has capitals inside a word: "CoDEx"
    (a dataset) is not Codex, "ReFormeR" not Reformer. One inner capital is a spelling of
    the name ("LogHub" for Loghub), and a form's words are compared joined ("VideoMME" is
    Video-MME)."""
    def capitals_after_letters(w: str) -> int:
        return sum(a.isalpha() and b.isupper() for a, b in zip(w, w[1:]))
    return any(any(c.islower() for c in w) and capitals_after_letters(w) >= 2 for w in re.split(r"[\s\-]+", text)) \
        and not any(capitals_after_letters(f.replace("-", "").replace(" ", "")) for f in entry.forms)


def _acronym_case_differs(entry: LexiconEntry, text: str) -> bool:
    """A short all-caps form of the entry written with fewer capitals ("DARTs", "Arc")."""
    k = key(text)
    for f in entry.forms:
        letters = [c for c in f if c.isalpha()]
        if key(f) == k and len(letters) <= 5 and all(c.isupper() for c in letters):
            return sum(c.isupper() for c in text) < len(letters)
    return False


def _inner_capitals(form: str) -> bool:
    """A capital after a lower-case letter in one word: 'QuALITY', 'GloVe', 'LoRA', 'PaLM';
    not 'GPT', 'Llama 2', 'Stable Diffusion'."""
    return any(a.islower() and b.isupper() for w in re.split(r"[\s\-]+", form) for a, b in zip(w, w[1:]))


def _same_case_pattern(form: str, matched: str) -> bool:
    fl = [c.isupper() for c in form if c.isalpha()]
    ml = [c.isupper() for c in matched if c.isalpha()]
    return fl == ml


def spelling_variants(form: str) -> set[str]:
    """Token-level spellings one name is written in: 'Llama 2' / 'Llama-2' / 'Llama2',
    'Qwen2.5' / 'Qwen 2.5', 'Claude 3.5 Haiku' / 'Claude-3.5-Haiku'."""
    out = {form, form.replace("-", " "), form.replace(" ", "-"), form.replace("-", "").replace(" ", "")}
    parts = [p for p in re.split(r"[\s\-]+", form) if p]
    # split letters from a following version number: "Qwen2.5" -> "Qwen", "2.5"
    fine = []
    for p in parts:
        m = re.fullmatch(r"([A-Za-z\u00C0-\u024F]{2,})(\d+(?:\.\d+)*)", p)
        fine += [m.group(1), m.group(2)] if m else [p]
    if len(fine) > 1:
        out |= {" ".join(fine), "-".join(fine)}
    return {v for v in out if v.strip()}
