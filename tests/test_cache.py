"""The extraction cache (kg.cache) and incremental builds (`kg build --cache DIR`)."""
from __future__ import annotations

import json

from click.testing import CliRunner

from kg.cache import ExtractionCache, extractor_version
from kg.cli import cli
from kg.extract import Extractor
from kg.extract.lexicon import Lexicon
from kg.model import Paper

PAPERS = [Paper("p1", "FooNet: A Model", "We propose FooNet, a network trained on ImageNet with LoRA."),
          Paper("p2", "Bar", "We fine-tune GPT-4o on MMLU and compare with DPO."),
          Paper("p3", "Baz", "Results on MSR-VTT show that CLIP helps.")]


def test_cached_extractions_equal_fresh_ones_and_are_reused(tmp_path, extractor):
    with ExtractionCache(tmp_path / "c", extractor) as cache:
        first = list(cache.extract(PAPERS, extractor.pipe, batch=2))
        assert (cache.hits, cache.misses) == (0, 3)
    with ExtractionCache(tmp_path / "c", extractor) as cache:
        again = list(cache.extract(PAPERS[::-1], extractor.pipe))
        assert (cache.hits, cache.misses) == (3, 0)
    assert [e.to_json() for e in again[::-1]] == [e.to_json() for e in first]
    assert [e.to_json() for e in first] == [e.to_json() for e in extractor.pipe(PAPERS)]


def test_a_changed_paper_or_lexicon_is_extracted_again(tmp_path, extractor):
    with ExtractionCache(tmp_path / "c", extractor) as cache:
        list(cache.extract(PAPERS, extractor.pipe))
    edited = [PAPERS[0], Paper("p2", "Bar", "We fine-tune GPT-4o on MMLU."), PAPERS[2]]
    with ExtractionCache(tmp_path / "c", extractor) as cache:
        list(cache.extract(edited, extractor.pipe))
        assert (cache.hits, cache.misses) == (2, 1)
    lex = Lexicon.load()
    lex.add({"name": "FooNet", "type": "Model"})
    other = Extractor(lexicon=lex)
    assert extractor_version(other) != extractor_version(extractor)
    with ExtractionCache(tmp_path / "c", other) as cache:
        list(cache.extract(PAPERS, other.pipe))
        assert cache.hits == 0


def test_incremental_build_writes_the_bytes_of_a_build_from_scratch(tmp_path, sample_papers):
    lines = sample_papers.read_text(encoding="utf-8").splitlines(keepends=True)
    old, new = tmp_path / "old.jsonl", tmp_path / "all.jsonl"
    old.write_text("".join(lines[:70]), encoding="utf-8")
    new.write_text("".join(lines), encoding="utf-8")
    cache = tmp_path / "cache"
    run = lambda *a: CliRunner().invoke(cli, [str(x) for x in a], catch_exceptions=False)
    assert run("build", old, "-o", tmp_path / "a", "--cache", cache, "--no-html").exit_code == 0
    r = run("build", new, "-o", tmp_path / "b", "--cache", cache, "--no-html")
    assert r.exit_code == 0, r.output
    assert "cache: 70 reused, 14 extracted" in r.output
    assert run("build", new, "-o", tmp_path / "c", "--no-html").exit_code == 0
    # once more on two processes: the papers' RDF pieces kept by the last build are reused
    assert run("build", new, "-o", tmp_path / "d", "--cache", cache, "-j", 2).exit_code == 0
    assert run("build", new, "-o", tmp_path / "e", "-j", 2).exit_code == 0
    for name in ("mentions.jsonl", "graph.nt", "graph.ttl", "graph.jsonld", "graph.graphml"):
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "c" / name).read_bytes(), name
        assert (tmp_path / "d" / name).read_bytes() == (tmp_path / "c" / name).read_bytes(), name
    assert (tmp_path / "d" / "graph.html").read_bytes() == (tmp_path / "e" / "graph.html").read_bytes()
    first = json.loads((tmp_path / "b" / "mentions.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["id"] == "dev-000"


def test_the_cache_hands_over_missing_papers_batches_before_it_yields_them(tmp_path, extractor):
    """An incremental build's workers extract what the cache lacks while the cached papers
    are served: ``run`` is called for up to ``ahead`` batches past the one being yielded."""
    calls = []

    def run(papers):
        calls.append([p.id for p in papers])
        return extractor.pipe(papers)

    with ExtractionCache(tmp_path / "c", extractor) as cache:
        list(cache.extract(PAPERS[:1], extractor.pipe))  # p1 is cached, p2 and p3 are not
        stream = cache.extract(PAPERS, run, batch=1, ahead=2)
        first = next(stream)
        assert first.paper.id == "p1" and calls == [["p2"], ["p3"]]
        rest = list(stream)
    assert [e.to_json() for e in [first, *rest]] == [e.to_json() for e in extractor.pipe(PAPERS)]


def test_fork_pool_extracts_submitted_papers_in_order(extractor):
    from kg.extract.parallel import ForkPool
    with ForkPool(extractor, 2, chunk_size=1) as pool:
        a, b = pool.submit(PAPERS[:2]), pool.submit(PAPERS[2:])
        got = [*a, *b]
    assert [e.to_json() for e in got] == [e.to_json() for e in extractor.pipe(PAPERS)]


def test_a_build_whose_papers_are_all_cached_never_loads_spacy(tmp_path, sample_papers):
    """The workers make the spaCy pipeline when they have papers to extract; the main
    process of an incremental build needs only the lexicon and the statistics."""
    import subprocess
    import sys
    code = ("import sys; from kg.build import build; "
            f"build([{str(sample_papers)!r}], {str(tmp_path / 'out')!r}, cache={str(tmp_path / 'c')!r}, "
            "workers=2, html=False, graph=False); print('spacy' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert first.stdout.split()[-1] == "False"  # (the forked workers loaded it)
    assert again.stdout.split()[-1] == "False"


def _rows(db_path, table) -> int:
    import sqlite3
    with sqlite3.connect(db_path) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_cache_use_keeps_rows_of_recent_builds_and_prunes_the_rest(tmp_path):
    import hashlib
    import sqlite3
    import time

    from kg.cache import KEEP_BUILDS, KEEP_DAYS, PRUNE_EVERY_S, CacheUse
    key = {c: hashlib.sha256(c.encode()).hexdigest() for c in "abcd"}
    db = sqlite3.connect(tmp_path / "c.sqlite")
    db.execute("CREATE TABLE t (key TEXT PRIMARY KEY, v TEXT)")
    db.executemany("INSERT INTO t VALUES (?, ?)", [(k, c) for c, k in key.items()])
    db.commit()

    def build(names, **kw):
        use = CacheUse(db, ["t"])
        use.mark(key[c] for c in names)
        return use.finish(**kw)

    def left():
        return sorted(v for (v,) in db.execute("SELECT v FROM t"))

    t0 = time.time()
    assert build("ab", now=t0) == 2 and left() == ["a", "b"]  # c, d: no build used them
    for n in range(KEEP_BUILDS):  # builds of the same day that use b only: none prunes
        assert build("b", now=t0 + 60 * (n + 1)) == 0
    assert left() == ["a", "b"]
    later = t0 + PRUNE_EVERY_S + 1
    assert build("b", now=later) == 0  # a was used by a build of the last KEEP_DAYS days
    week = t0 + (KEEP_DAYS + 1) * 86400
    assert build("b", now=week) == 1 and left() == ["b"]  # neither recent nor among the last builds
    assert db.execute("SELECT COUNT(*) FROM cache_build").fetchone()[0] <= KEEP_BUILDS
    assert build("", now=week + 1, prune=True) == 0  # b: used by the last builds


def test_an_incremental_build_removes_what_no_recent_build_used(tmp_path, sample_papers, monkeypatch):
    """A cache used day after day does not grow without end: the extractions and RDF pieces
    of papers no longer read (or of an older kg) go once no recent build used them, and what
    the last build used stays."""
    import kg.cache
    lines = sample_papers.read_text(encoding="utf-8").splitlines(keepends=True)
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    old.write_text("".join(lines[:70]), encoding="utf-8")
    new.write_text("".join(lines[14:]), encoding="utf-8")  # 14 papers gone, 14 new
    cache = tmp_path / "cache"
    run = lambda *a: CliRunner().invoke(cli, [str(x) for x in a], catch_exceptions=False)
    assert run("build", old, "-o", tmp_path / "a", "--cache", cache, "--no-html").exit_code == 0
    assert run("build", new, "-o", tmp_path / "b", "--cache", cache, "--no-html").exit_code == 0
    assert _rows(cache / "extractions.sqlite", "extraction") == 84  # yesterday's build is recent
    monkeypatch.setattr(kg.cache, "KEEP_BUILDS", 1)
    monkeypatch.setattr(kg.cache, "KEEP_DAYS", 0)
    monkeypatch.setattr(kg.cache, "PRUNE_EVERY_S", 0)
    r = run("build", new, "-o", tmp_path / "c", "--cache", cache, "--no-html", "-j", 2)
    assert r.exit_code == 0 and "cache: 70 reused, 0 extracted" in r.output, r.output
    assert _rows(cache / "extractions.sqlite", "extraction") == 70
    frags = cache / "fragments.sqlite"
    kept = _rows(frags, "fragment")
    assert _rows(frags, "graphml_fragment") == 70  # one per paper of the last build
    r = run("build", new, "-o", tmp_path / "d", "--cache", cache, "--no-html", "-j", 2)
    assert "cache: 70 reused, 0 extracted" in r.output
    assert (_rows(frags, "fragment"), _rows(frags, "graphml_fragment")) == (kept, 70)
    assert run("build", new, "-o", tmp_path / "e", "--no-html").exit_code == 0
    for name in ("mentions.jsonl", "graph.nt", "graph.ttl", "graph.jsonld", "graph.graphml"):
        assert (tmp_path / "d" / name).read_bytes() == (tmp_path / "e" / name).read_bytes(), name


def test_pruning_keeps_the_pieces_of_the_last_store(tmp_path, sample_papers, monkeypatch):
    """The next build's store is made from the last store's (kg.store_sync), whose papers'
    pieces stay, even when builds without a store came in between."""
    import sqlite3

    import kg.cache
    lines = sample_papers.read_text(encoding="utf-8").splitlines(keepends=True)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(lines[:40]), encoding="utf-8")
    b.write_text("".join(lines[40:]), encoding="utf-8")
    cache = tmp_path / "cache"
    run = lambda *x: CliRunner().invoke(cli, [str(y) for y in x], catch_exceptions=False)
    assert run("build", a, "-o", tmp_path / "o1", "--cache", cache, "--no-html", "-j", 2).exit_code == 0
    monkeypatch.setattr(kg.cache, "KEEP_BUILDS", 1)
    monkeypatch.setattr(kg.cache, "KEEP_DAYS", 0)
    monkeypatch.setattr(kg.cache, "PRUNE_EVERY_S", 0)
    assert run("build", b, "-o", tmp_path / "o2", "--cache", cache, "--no-html", "--no-store").exit_code == 0
    with sqlite3.connect(cache / "fragments.sqlite") as db:
        in_store = db.execute("SELECT COUNT(*) FROM store_paper").fetchone()[0]
        missing = db.execute("SELECT COUNT(*) FROM store_paper WHERE key NOT IN "
                             "(SELECT key FROM fragment)").fetchone()[0]
    assert (in_store, missing) == (40, 0)
    assert _rows(cache / "extractions.sqlite", "extraction") == 44  # the last build's papers


def test_cache_use_prunes_a_large_table_in_parts(tmp_path):
    """Thousands of stale rows (an older kg's) go in several transactions; the used stay."""
    import hashlib
    import sqlite3

    from kg.cache import CacheUse
    db = sqlite3.connect(tmp_path / "c.sqlite")
    db.execute("CREATE TABLE t (key TEXT PRIMARY KEY, v TEXT)")
    keys = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(12_000)]
    db.executemany("INSERT INTO t VALUES (?, ?)", [(k, "x") for k in keys])
    db.commit()
    db.executemany("INSERT INTO t VALUES (?, ?)", [("not a digest", "x"), ("", "x"), ("zz" * 32, "x")])
    db.commit()
    use = CacheUse(db, ["t"])
    use.mark(keys[:7])
    assert use.finish(prune=True) == 12_000 - 7 + 3  # (rows no kg wrote go too, without an error)
    assert sorted(k for (k,) in db.execute("SELECT key FROM t")) == sorted(keys[:7])
