"""An incremental build's store, made from the last build's (kg.store_sync, kg.query.loader)."""
from __future__ import annotations

import json
import logging

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.query.loader import apply_changes

NT = ox.RdfFormat.N_TRIPLES


def _quads(store_dir):
    store = ox.Store.read_only(str(store_dir))
    try:
        return set(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    finally:
        del store


def _nt_quads(path):
    return set(ox.parse(path=str(path), format=NT))


def _build(papers, out, cache):
    build([papers], out, cache=cache, workers=2, graph=False, store=True)
    return _quads(out / "graph.oxigraph")


@pytest.fixture()
def corpora(tmp_path, sample_papers):
    lines = sample_papers.read_text(encoding="utf-8").splitlines(keepends=True)
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    old.write_text("".join(lines[:70]), encoding="utf-8")
    # today: one paper of yesterday edited, one gone, fourteen new
    edited = json.loads(lines[5])
    edited["title"] = "An edited title for the store"
    new.write_text("".join([lines[0], *lines[2:5], json.dumps(edited) + "\n", *lines[6:]]),
                   encoding="utf-8")
    return old, new


def test_a_store_made_from_the_last_one_holds_the_triples_of_the_new_export(tmp_path, corpora, caplog):
    old, new = corpora
    cache = tmp_path / "cache"
    assert _build(old, tmp_path / "a", cache) == _nt_quads(tmp_path / "a" / "graph.nt")
    [first] = (cache / "stores").iterdir()  # the base the next build starts from
    with caplog.at_level(logging.WARNING, logger="kg.store_sync"):
        got = _build(new, tmp_path / "b", cache)
    assert not caplog.records  # (no fall back to a full load)
    want = _nt_quads(tmp_path / "b" / "graph.nt")
    assert got == want
    assert any("An edited title for the store" in str(q.object) for q in got)
    [second] = (cache / "stores").iterdir()
    assert second != first  # the new store is the next base, the old one is gone
    # the same input again: nothing changes, and the store is whole
    assert _build(new, tmp_path / "c", cache) == want


def test_a_base_store_that_cannot_be_opened_gives_a_full_load(tmp_path, corpora, caplog):
    old, new = corpora
    cache = tmp_path / "cache"
    _build(old, tmp_path / "a", cache)
    [base] = (cache / "stores").iterdir()
    for f in base.iterdir():
        if f.name.startswith("CURRENT"):
            f.unlink()  # not a store any more
    with caplog.at_level(logging.WARNING, logger="kg.store_sync"):
        got = _build(new, tmp_path / "b", cache)
    assert got == _nt_quads(tmp_path / "b" / "graph.nt")
    assert any("loading it in full" in r.getMessage() for r in caplog.records)
    # the next build starts a new base from its own full load
    assert _build(new, tmp_path / "c", cache) == got
    assert len(list((cache / "stores").iterdir())) == 1


def test_changes_add_remove_and_replace_entity_blocks():
    e = "https://w3id.org/kg-ml/id/entity/"
    kgv = "https://w3id.org/kg-ml/vocab#"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    store = ox.Store()
    store.bulk_load(
        f'<{e}a> <{rdf_type}> <{kgv}Entity> .\n<{e}a> <{kgv}mentionCount> "1" .\n'
        f'<{e}b> <{rdf_type}> <{kgv}Entity> .\n<http://p/1> <{kgv}mentions> <{e}a> .\n'
        f'<http://p/2> <{kgv}mentions> <{e}b> .\n'.encode(), format=NT)
    changes = (f'-<http://p/2> <{kgv}mentions> <{e}b> .\n'
               f'+<http://p/3> <{kgv}mentions> <{e}a> .\n'
               f'=<{e}a> <{rdf_type}> <{kgv}Entity> .\n=<{e}a> <{kgv}mentionCount> "2" .\n'
               f'!<{e}b>\n')
    import io
    apply_changes(store, io.BytesIO(changes.encode()))
    want = set(ox.parse(
        f'<{e}a> <{rdf_type}> <{kgv}Entity> .\n<{e}a> <{kgv}mentionCount> "2" .\n'
        f'<http://p/1> <{kgv}mentions> <{e}a> .\n<http://p/3> <{kgv}mentions> <{e}a> .\n'.encode(),
        format=NT))
    assert set(store.quads_for_pattern(None, None, None, ox.DefaultGraph())) == want  # b is gone
    with pytest.raises(ValueError):
        apply_changes(store, io.BytesIO(b"?what\n"))


def test_a_base_of_another_exporter_version_is_replaced_by_a_full_load(tmp_path, corpora, monkeypatch):
    import sqlite3

    import kg.store_sync
    old, new = corpora
    cache = tmp_path / "cache"
    _build(old, tmp_path / "a", cache)
    with sqlite3.connect(cache / "fragments.sqlite") as db:
        db.execute("UPDATE store_state SET value = 'another' WHERE name = 'exporter'")
    [stale] = (cache / "stores").iterdir()
    assert _build(new, tmp_path / "b", cache) == _nt_quads(tmp_path / "b" / "graph.nt")
    [base] = (cache / "stores").iterdir()  # the full load is the next base
    assert base != stale
    made = []
    monkeypatch.setattr(kg.store_sync.StoreSync, "finish",
                        lambda self, source, f=kg.store_sync.StoreSync.finish:
                        made.append(self.incremental) or f(self, source))
    assert _build(new, tmp_path / "c", cache) == _nt_quads(tmp_path / "c" / "graph.nt")
    assert made == [True]  # made from that base


def test_checkpoints_left_by_killed_builds_are_removed_once_old(tmp_path, corpora):
    import os
    import time
    old, _ = corpora
    cache = tmp_path / "cache"
    _build(old, tmp_path / "a", cache)
    [base] = (cache / "stores").iterdir()
    orphan, fresh = cache / "stores" / "orphan", cache / "stores" / "fresh"
    orphan.mkdir()
    fresh.mkdir()
    a_day_ago = time.time() - 2 * 24 * 3600
    os.utime(orphan, (a_day_ago, a_day_ago))
    os.utime(base, (a_day_ago, a_day_ago))  # (old, but recorded: kept until replaced)
    _build(old, tmp_path / "b", cache)
    names = {d.name for d in (cache / "stores").iterdir()}
    assert "orphan" not in names and "fresh" in names and base.name not in names and len(names) == 2
