"""Validation of the curated lexicon in kg/lexicon/.

These tests read the files with plain ``json`` (no project code), so they
check the data itself: format, types, uniqueness, and that no surface form
is claimed by two entries or is also on the generic stoplist.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from kg.extract.lexicon import Lexicon

LEXICON_DIR = Path(__file__).resolve().parents[1] / "kg" / "lexicon"
CORE = LEXICON_DIR / "core.jsonl"
GENERIC = LEXICON_DIR / "generic.txt"

TYPES = {"Method", "Model", "Dataset", "Benchmark"}
ALLOWED_KEYS = {"name", "type", "aliases", "case_sensitive", "note", "not"}
MIN_ENTRIES = 900
MIN_PER_TYPE = 80

# Characters ignored when comparing surface forms: whitespace, hyphens and
# dashes, underscores, dots, slashes and apostrophes.
_IGNORED = re.compile(r"[\s\-\u2010-\u2015_./\\'\u2018\u2019`]+")


def norm(text: str) -> str:
    """NFKC, casefold, then drop spaces/hyphens/underscores/dots/slashes/apostrophes."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text).casefold())


def _load_lines() -> list[tuple[int, str]]:
    with CORE.open(encoding="utf-8") as fh:
        return [(i, line) for i, line in enumerate(fh, 1) if line.strip()]


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    return [json.loads(line) for _, line in _load_lines()]


@pytest.fixture(scope="module")
def generic() -> list[str]:
    out = []
    with GENERIC.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#"):
                out.append(line)
    return out


def surface_forms(entry: dict) -> list[str]:
    return [entry["name"], *entry.get("aliases", [])]


def test_every_line_parses_as_an_object():
    lines = _load_lines()
    assert lines, "core.jsonl is empty"
    bad = []
    for i, line in lines:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(f"line {i}: {exc}")
            continue
        if not isinstance(obj, dict):
            bad.append(f"line {i}: not a JSON object")
    assert not bad, "\n".join(bad)


def test_keys_and_value_types(entries):
    bad = []
    for e in entries:
        extra = set(e) - ALLOWED_KEYS
        if extra:
            bad.append(f"{e.get('name')!r}: unexpected keys {sorted(extra)}")
        if not isinstance(e.get("name"), str) or not e["name"].strip():
            bad.append(f"{e!r}: missing or empty name")
        if e.get("name", "") != e.get("name", "").strip():
            bad.append(f"{e['name']!r}: name has surrounding whitespace")
        aliases = e.get("aliases", [])
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and a.strip() and a == a.strip() for a in aliases
        ):
            bad.append(f"{e.get('name')!r}: aliases must be a list of non-empty strings")
        if "case_sensitive" in e and not isinstance(e["case_sensitive"], bool):
            bad.append(f"{e.get('name')!r}: case_sensitive must be a boolean")
        if "note" in e and (not isinstance(e["note"], str) or not e["note"].strip()):
            bad.append(f"{e.get('name')!r}: note must be a non-empty string")
        nots = e.get("not", [])
        if not isinstance(nots, list) or not all(isinstance(x, str) and x.strip() for x in nots):
            bad.append(f"{e.get('name')!r}: not must be a list of non-empty strings")
        elif set(nots) & {e.get("name"), *aliases}:
            bad.append(f"{e.get('name')!r}: a 'not' spelling is also one of its forms")
    assert not bad, "\n".join(bad)


def test_types_are_valid(entries):
    bad = [f"{e['name']!r}: {e.get('type')!r}" for e in entries if e.get("type") not in TYPES]
    assert not bad, "\n".join(bad)


def test_names_are_unique(entries):
    counts = Counter(e["name"] for e in entries)
    dupes = sorted(n for n, c in counts.items() if c > 1)
    assert not dupes, f"duplicate names: {dupes}"


def test_no_surface_form_shared_between_entries(entries):
    owners: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        for form in surface_forms(e):
            key = norm(form)
            assert key, f"{e['name']!r}: surface form {form!r} normalises to nothing"
            owners[key].add(e["name"])
    clashes = sorted(f"{k!r}: {sorted(v)}" for k, v in owners.items() if len(v) > 1)
    assert not clashes, "surface forms claimed by several entries:\n" + "\n".join(clashes)


def _generic_hit(form: str, stop: dict[str, str]) -> str | None:
    """The stoplist phrase a form collides with: equal keys, or the form is a plural
    ("-s") of a stoplist phrase (the extractor treats "GANs" like "GAN")."""
    k = norm(form)
    if k in stop:
        return stop[k]
    if k.endswith("s") and k[:-1] in stop:
        return stop[k[:-1]]
    return None


def test_no_surface_form_is_on_the_generic_stoplist(entries, generic):
    stop = {norm(g): g for g in generic}
    hits = sorted(
        f"{e['name']!r} form {form!r} ~ generic {_generic_hit(form, stop)!r}"
        for e in entries
        for form in surface_forms(e)
        if _generic_hit(form, stop)
    )
    assert not hits, "\n".join(hits)


def _slug(text: str) -> str:
    # Same rule as kg.normalize.slug: the entry id the loader derives from the name.
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9.+]+", "-", s).strip("-")


def test_names_give_distinct_ids(entries):
    """The loader keys entries by a slug of the name; two names with one slug would
    silently override each other ("QuIP" / "QuIP#", "PixArt-α" / "PixArt-Σ")."""
    ids: dict[str, list[str]] = defaultdict(list)
    for e in entries:
        ids[_slug(e["name"])].append(e["name"])
    bad = sorted(f"{k!r}: {v}" for k, v in ids.items() if len(v) > 1 or not k)
    assert not bad, "names that share an id:\n" + "\n".join(bad)


def test_generic_stoplist_has_no_duplicates(generic):
    counts = Counter(norm(g) for g in generic)
    dupes = sorted(k for k, c in counts.items() if c > 1)
    assert not dupes, f"duplicate generic phrases: {dupes}"


def test_enough_entries(entries):
    assert len(entries) >= MIN_ENTRIES, f"only {len(entries)} entries"


@pytest.mark.parametrize("etype", sorted(TYPES))
def test_every_type_is_well_covered(entries, etype):
    n = sum(1 for e in entries if e["type"] == etype)
    assert n >= MIN_PER_TYPE, f"only {n} {etype} entries"


@pytest.mark.parametrize("name,family", [
    ("GPT-5.5", "GPT"), ("Qwen3.5-27B", "Qwen"), ("DeepSeek-V4-Flash", "DeepSeek"),
    ("YOLOv11n", "YOLO"), ("Qwen3-30B-A3B", "Qwen"), ("Llama-3.1-8B-Instruct", "Llama"),
    ("LLaVA-665K", None),   # a count of data, not a size of a model
    ("GPT-4-Bench", None),  # more than a version follows
    ("COCO-2017", None),    # a data set's stem
    ("GPT", None),          # no version
])
def test_model_family_is_a_model_stem_with_a_version(name, family):
    assert Lexicon.load().model_family(name) == family


def test_a_stem_other_kinds_of_entry_write_is_no_family():
    lex = Lexicon.load()
    lex.add({"name": "Fooformer-2", "type": "Model"})
    assert lex.model_family("Fooformer-3") == "Fooformer"
    lex.add({"name": "Fooformer", "type": "Benchmark"})
    assert lex.model_family("Fooformer-3") is None
