"""Each paper's share of the RDF and GraphML files, kept between builds (kg.fragments)."""
from __future__ import annotations

import dataclasses
import json

import pytest

from kg.build import write_exports
from kg.fragments import FragmentCache, fragment_key, make_fragment

FILES = ("graph.nt", "graph.ttl", "graph.jsonld", "graph.graphml")


@pytest.fixture()
def mentions(tmp_path, sample_extractions):
    """The sample's resolved stream, one paper given a url that is not an IRI."""
    path = tmp_path / "mentions.jsonl"
    exs = list(sample_extractions)
    exs[3] = dataclasses.replace(exs[3], paper=dataclasses.replace(exs[3].paper, url="not a url"))
    path.write_text("".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in exs),
                    encoding="utf-8")
    return path


def _export(mentions, out, cache=None, processes=1):
    warnings: list[str] = []
    write_exports(mentions, out, html=False, graph_formats=("graphml",),
                  on_warning=warnings.append, cache=cache, processes=processes)
    return {name: (out / name).read_bytes() for name in FILES}, warnings


def test_files_from_kept_fragments_are_the_bytes_of_a_fresh_export(tmp_path, mentions):
    fresh, warned = _export(mentions, tmp_path / "fresh")
    cache = tmp_path / "cache"
    first, warned_first = _export(mentions, tmp_path / "first", cache)
    with FragmentCache(cache) as fc:
        stored = [fc.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("fragment", "graphml_fragment")]
    entities = {e["id"] for line in mentions.read_text(encoding="utf-8").splitlines()
                for e in json.loads(line)["entities"]}
    assert stored == [84 + len(entities), 84]  # each paper's and each entity's pieces
    again, warned_again = _export(mentions, tmp_path / "again", cache)
    assert first == fresh and again == fresh
    # what was left out of the RDF is told again when a paper's fragment is reused
    assert len(warned) == 1 and "not a url" in warned[0]
    assert warned_first == warned and warned_again == warned


def test_a_changed_line_writes_its_paper_again_and_keeps_the_others(tmp_path, mentions):
    cache = tmp_path / "cache"
    _export(mentions, tmp_path / "first", cache)
    lines = mentions.read_text(encoding="utf-8").splitlines(keepends=True)
    d = json.loads(lines[0])
    d["title"] = "An edited title"
    lines[0] = json.dumps(d, ensure_ascii=False) + "\n"
    mentions.write_text("".join(lines), encoding="utf-8")
    fresh, _ = _export(mentions, tmp_path / "fresh")
    again, _ = _export(mentions, tmp_path / "again", cache, processes=2)
    assert again == fresh
    assert b"An edited title" in again["graph.ttl"] and b"An edited title" in again["graph.graphml"]


def test_the_key_covers_the_line_the_edges_and_the_version():
    line = '{"id": "p1"}'
    keys = {fragment_key("v1", line, [True]), fragment_key("v1", line, [False]),
            fragment_key("v2", line, [True]), fragment_key("v1", line + " ", [True])}
    assert len(keys) == 4


def test_a_fragment_is_one_paper_of_each_file():
    from kg.rdf import KGV, Lit
    stmts = [(KGV + "a", KGV + "p", Lit("x")), (KGV + "a", KGV + "q", KGV + "b"),
             (KGV + "b", KGV + "p", Lit("y"))]
    frag = make_fragment(stmts)
    assert frag.nt.count("\n") == 3
    assert [json.loads(o)["@id"] for o in frag.jsonld] == [KGV + "a", KGV + "b"]
    assert not frag.ttl.startswith("@prefix") and frag.ttl.count(" .\n") == 2


def test_an_empty_stream_gives_the_files_of_a_fresh_export(tmp_path):
    empty = tmp_path / "mentions.jsonl"
    empty.write_text("", encoding="utf-8")
    assert _export(empty, tmp_path / "a", tmp_path / "cache") == _export(empty, tmp_path / "b")
