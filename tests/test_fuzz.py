"""Property-based fuzzing (hypothesis) of every reader and of ``build``.

Real records of each format are mutated (bytes inserted, deleted, replaced, hostile
snippets spliced in: lone surrogates, deep nesting, huge numbers, encodings, control
characters, stray braces and quotes) and generated with arbitrary text fields.  Properties:

* a reader raises nothing but ``InputError`` (a whole input unusable), and what it yields
  is writable text within the length limits;
* a good record beside a broken one is still read (the broken one is placed where the
  format allows recovery: a JSON line or BibTeX entry anywhere, a CSV row / Atom entry /
  page paragraph last, since an open quote or malformed XML legitimately runs to the end);
* ``build`` raises nothing, keeps the good records, and every export parses: GraphML as
  XML and by NetworkX, Turtle / N-Triples / JSON-LD by pyoxigraph, mentions.jsonl line by line.

The default run is short and deterministic (``derandomize``, no example database).  The long
run: ``KG_FUZZ_EXAMPLES=20000 KG_FUZZ_BUILDS=1000 python -m pytest -q tests/test_fuzz.py``
(``KG_FUZZ_EXAMPLES`` is per reader test; ``KG_FUZZ_BUILDS`` for the build test).
"""
from __future__ import annotations

import functools
import gzip
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.readers import InputError, ReadReport, read_papers
from kg.readers._base import MAX_ABSTRACT, MAX_TITLE

READER_EXAMPLES = int(os.environ.get("KG_FUZZ_EXAMPLES", "40"))
BUILD_EXAMPLES = int(os.environ.get("KG_FUZZ_BUILDS", "6"))
_COMMON = dict(derandomize=True, database=None, deadline=None,
               suppress_health_check=list(HealthCheck))
reader_settings = settings(max_examples=READER_EXAMPLES, **_COMMON)
build_settings = settings(max_examples=BUILD_EXAMPLES, **_COMMON)

# ---- seeds and mutations --------------------------------------------------------------

SEED_RECORDS = {
    "jsonl": [
        b'{"id": "2106.09685", "title": "LoRA: Low-Rank Adaptation", "abstract": "We propose LoRA, '
        b'which freezes the weights of GPT-3.", "authors": ["Edward J. Hu"], "date": "2021-06-17"}',
        b'{"paperId": "abc", "title": "T", "abstract": "We use CLIP.", "externalIds": {"DOI": '
        b'"10.1/x", "ArXiv": "2106.09685"}, "year": 2021, "authors": [{"name": "A"}]}',
        b'{"id": "https://openalex.org/W1", "display_name": "X", "abstract_inverted_index": '
        b'{"We": [0], "use": [1], "DPO": [2]}, "authorships": [{"author": {"display_name": "B"}}]}',
        b'{"id": "k", "type": "article", "title": "C", "abstract": "We train on MMLU.", '
        b'"issued": {"date-parts": [[2020, 5, 1]]}, "author": [{"family": "F", "given": "G"}]}',
    ],
    "arxiv-snapshot": [
        b'{"id": "2106.09685", "submitter": "E", "authors": "E. Hu", "title": "LoRA", "abstract": '
        b'"We propose LoRA.", "update_date": "2021-10-18", "versions": [{"version": "v1", '
        b'"created": "Thu, 17 Jun 2021 17:37:18 GMT"}], "authors_parsed": [["Hu", "Edward J.", ""]]}',
    ],
    "bibtex": [
        b'@article{hu2022lora, title = {{LoRA}: Low-Rank \\emph{Adaptation}}, author = {Hu, Edward '
        b'and others}, abstract = {We propose LoRA on GPT-3.}, year = 2022, month = jun, '
        b'eprint = {2106.09685}}',
        b'@string{v = "Low-Rank"}\n@misc{k2, title = v # " x", abstract = "We use " # v, doi = {10.1/Y}}',
    ],
    "csv": [
        b'2106.09685,"LoRA: Low-Rank Adaptation","We propose LoRA, which freezes GPT-3.",2021-06-17',
        b'x1,"A, B","We use ""CLIP"" on MSR-VTT.",2020',
    ],
    "atom": [
        b'<entry><id>http://arxiv.org/abs/2106.09685v2</id><published>2021-06-17T00:00:00Z'
        b'</published><title>LoRA</title><summary>We propose LoRA.</summary><author><name>E. Hu'
        b'</name></author><link href="http://arxiv.org/abs/2106.09685v2" rel="alternate"/></entry>',
    ],
    "page": [
        b"LoRA: Low-Rank Adaptation of Large Language Models\n\nWe propose LoRA, which freezes the "
        b"pretrained model weights of GPT-3 and injects trainable rank decomposition matrices.",
    ],
}
CSV_HEADER = b"id,title,abstract,date\n"
ATOM_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n')
ATOM_TAIL = b"\n</feed>\n"
SUFFIX = {"jsonl": ".jsonl", "arxiv-snapshot": ".json", "bibtex": ".bib", "csv": ".csv",
          "atom": ".atom", "page": ".txt"}

HOSTILE = [
    b"\\ud800", b"\\udfff", b"\\ud83d\\ude00", b"[" * 1000, b"{\"a\":" * 600, b"9" * 5000,
    b"-" + b"1" * 4400, b"1e999", b"NaN", b"\x00", b"\x01\x1f\x7f", b"\xff", b"\xed\xa0\x80",
    b"\xc3", b"\r", b"\r\n", b"\n", b"\n\n", b"{", b"}", b"{{{", b"}}}", b'"', b",", b"#", b"@",
    b"@string{a = \"xx\" # a # a}", b"@comment{", b"@article{", b"\\", b"\\emph{", b"$",
    b"<", b">", b"&", b"&amp;", b"&#0;", b"&#x1;", b"]]>", b"<!--", b"<![CDATA[",
    b'<?xml version="1.0" encoding="UTF-9"?>', b'<!DOCTYPE x [<!ENTITY a "aaaa">]>', b"&a;",
    b"Thu, 17 Jun 99999999999999999999 17:37:18 GMT", b"99999-99-99", b"\xe2\x80\xae",
    b"\xef\xbb\xbf", b"\xf0\x9f\x98\x80", b"\t", b"\xc2\x85", b"\xe2\x80\xa8", b" ", b"<entry>",
    b"</entry>", b"http://a b/<x>", b"javascript:alert(1)", b'"id": "good-1"', b"null", b"true",
    b"[]", b"{}", b'"authors": {"x": 1}', b'"title": 5', b'"date-parts": [["\xc2\xb2"]]',
    b"month = {\xc2\xb2}", b"year = 99999999999999999999999", b"x" * 3000, b"We propose " * 200,
]


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "splice", "truncate", "repeat"]))
        at = draw(st.integers(0, len(data)))
        if op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        elif op == "replace":
            data[at:at + 1] = draw(st.binary(min_size=1, max_size=2))
        elif op == "splice":
            data[at:at] = draw(st.sampled_from(HOSTILE))
        elif op == "truncate":
            del data[at:]
        else:
            piece = bytes(data[at:at + draw(st.integers(1, 40))])
            data[at:at] = piece * draw(st.integers(1, 4))
    return bytes(data)


def _text_field():
    return st.text(st.characters(codec=None, exclude_categories=()), max_size=60)


@st.composite
def generated_record(draw) -> bytes:
    """A JSON record with arbitrary values: any code point (lone surrogates included, which
    json.dumps writes as \\udXXX escapes), any type."""
    value = st.one_of(_text_field(), st.integers(), st.none(), st.booleans(),
                      st.lists(_text_field(), max_size=3), st.dictionaries(_text_field(), _text_field(), max_size=2))
    rec = {"title": draw(st.one_of(_text_field(), value)), "abstract": draw(st.one_of(_text_field(), value))}
    for k in draw(st.lists(st.sampled_from(["id", "date", "url", "authors", "doi", "arxiv", "citekey",
                                           "year", "issued", "versions"]), max_size=4, unique=True)):
        rec[k] = draw(value)
    return json.dumps(rec).encode()


GOOD = [(f"good-{i}", f"Good paper {i}", f"We fine-tune Llama 2 with LoRA on MMLU {i}.") for i in range(2)]


def good_bytes(fmt: str, i: int) -> bytes:
    pid, title, abstract = GOOD[i]
    if fmt in ("jsonl", "arxiv-snapshot"):
        rec = {"id": pid, "title": title, "abstract": abstract}
        if fmt == "arxiv-snapshot":
            rec.update(update_date="2021-01-01", versions=[], authors_parsed=[])
        return json.dumps(rec).encode()
    if fmt == "bibtex":
        return f"@article{{{pid}, title = {{{title}}}, abstract = {{{abstract}}}}}".encode()
    if fmt == "csv":
        return f'{pid},"{title}","{abstract}",2021'.encode()
    if fmt == "atom":
        return (f"<entry><id>{pid}</id><title>{title}</title><summary>{abstract}</summary></entry>").encode()
    return f"{title}\n\n{abstract}".encode()


def assemble(fmt: str, bad: bytes) -> bytes:
    """Good records with the broken one where the format can recover from it."""
    goods = [good_bytes(fmt, i) for i in range(len(GOOD))]
    if fmt in ("jsonl", "arxiv-snapshot"):
        bad = bad.replace(b"\n", b" ").replace(b"\r", b" ")  # one line, between good ones
        return b"\n".join([goods[0], bad, goods[1]]) + b"\n"
    if fmt == "bibtex":
        return b"\n".join([goods[0], b"", bad, b"", goods[1]]) + b"\n"
    if fmt == "csv":
        return CSV_HEADER + b"\n".join([*goods, bad]) + b"\n"
    if fmt == "atom":
        return ATOM_HEAD + b"\n".join([*goods, bad]) + ATOM_TAIL
    return b"\n\n\n".join([*goods, bad]) + b"\n"


def check_read(path: Path, fmt: str, *, expect_good: bool = True) -> list:
    report = ReadReport()
    try:
        papers = list(read_papers(path, format=fmt, report=report))
    except InputError:
        assert not expect_good, "an input with good records was refused whole"
        return []
    for p in papers:
        for v in (p.id, p.title, p.abstract, p.date or "", p.url or "", p.citekey or "", *p.authors):
            v.encode("utf-8")  # writable: no lone surrogates
        assert len(p.title) <= MAX_TITLE and len(p.abstract) <= MAX_ABSTRACT
    for issue in report.issues:
        str(issue).encode("utf-8")
        assert str(issue).startswith(str(path))  # file:line: message
    if expect_good:
        ids = {p.id for p in papers}
        assert {g[0] for g in GOOD} <= ids, ([str(i) for i in report.issues], ids)
    return papers


def _records(fmt: str):
    seeds = st.sampled_from(SEED_RECORDS[fmt]).flatmap(mutated)
    if fmt == "jsonl":
        return st.one_of(seeds, generated_record(), generated_record().flatmap(mutated))
    return seeds


@pytest.mark.parametrize("fmt", list(SEED_RECORDS))
@given(data=st.data())
@reader_settings
def test_reader_survives_any_record_and_keeps_good_ones(tmp_path_factory, fmt, data):
    bad = data.draw(_records(fmt))
    path = tmp_path_factory.mktemp("fuzz") / f"in{SUFFIX[fmt]}"
    path.write_bytes(assemble(fmt, bad))
    check_read(path, fmt, expect_good=fmt != "page")  # a page has no record boundaries to trust
    if data.draw(st.booleans()):  # also gzipped, also truncated anywhere
        raw = gzip.compress(path.read_bytes())
        gz = path.with_name(path.name + ".gz")
        gz.write_bytes(raw[:data.draw(st.integers(0, len(raw)))])
        check_read(gz, fmt, expect_good=False)


@pytest.mark.parametrize("fmt", list(SEED_RECORDS))
@given(data=st.data())
@reader_settings
def test_reader_survives_any_whole_file(tmp_path_factory, fmt, data):
    """A whole file mutated: no record is promised, only no traceback."""
    whole = assemble(fmt, data.draw(st.sampled_from(SEED_RECORDS[fmt])))
    path = tmp_path_factory.mktemp("fuzz") / f"in{SUFFIX[fmt]}"
    path.write_bytes(data.draw(mutated(whole)))
    check_read(path, fmt, expect_good=False)


# ---- whole builds ---------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _extractor(lexicons: tuple = ()):
    from kg.extract.pipeline import Extractor
    return Extractor(extra_lexicons=lexicons)


@pytest.fixture
def shared_extractor(monkeypatch):
    """One extractor for every build of the run (building the lexicon takes seconds)."""
    import kg.extract  # (where kg.build takes it from, when it extracts)
    monkeypatch.setattr(kg.extract, "Extractor",
                        lambda extra_lexicons=(), corpus_stats=None: _extractor(tuple(extra_lexicons)))


def check_exports(out: Path, good_ids: set[str]) -> None:
    import pyoxigraph as ox
    ids = [json.loads(line)["id"] for line in (out / "mentions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert good_ids <= set(ids)
    ET.parse(out / "graph.graphml")  # well-formed XML
    nx.read_graphml(out / "graph.graphml")
    for name, fmt in (("graph.nt", ox.RdfFormat.N_TRIPLES), ("graph.ttl", ox.RdfFormat.TURTLE),
                      ("graph.jsonld", ox.RdfFormat.JSON_LD)):
        with open(out / name, "rb") as fh:
            for _ in ox.parse(fh, format=fmt):
                pass
    text = (out / "graph.html").read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html")


@given(data=st.data())
@build_settings
def test_build_survives_any_input_and_writes_readable_exports(tmp_path_factory, shared_extractor, data):
    from kg.build import build
    fmt = data.draw(st.sampled_from(["jsonl", "jsonl", "bibtex", "csv", "atom", "arxiv-snapshot"]))
    d = tmp_path_factory.mktemp("fuzzbuild")
    src = d / "in"
    src.mkdir()
    (src / f"papers{SUFFIX[fmt]}").write_bytes(assemble(fmt, data.draw(_records(fmt))))
    if data.draw(st.booleans()):  # a second input of arbitrary records
        lines = data.draw(st.lists(generated_record(), min_size=1, max_size=3))
        (src / "more.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    out = d / "out"
    issues = []
    build([src], out, on_issue=issues.append, on_warning=issues.append)
    check_exports(out, {g[0] for g in GOOD})
