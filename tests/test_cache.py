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
    import sqlite3
    import time

    from kg.cache import KEEP_BUILDS, KEEP_DAYS, CacheUse
    db = sqlite3.connect(tmp_path / "c.sqlite")
    db.execute("CREATE TABLE t (key TEXT PRIMARY KEY, v TEXT)")
    db.executemany("INSERT INTO t VALUES (?, ?)", [(k, k) for k in "abcd"])
    db.commit()
    first = CacheUse(db, ["t"])
    first.mark(["a", "b"])  # c and d: rows no build has used (an older kg's)
    assert first.prune() == 2
    for _ in range(KEEP_BUILDS):  # builds of today that use b only
        CacheUse(db, ["t"]).mark(["b"])
    last = CacheUse(db, ["t"])
    last.mark(["b"])
    assert last.prune() == 0  # a was used by a build of the last KEEP_DAYS days
    db.execute("UPDATE cache_build SET at = at - ?", ((KEEP_DAYS + 1) * 86400,))  # a week later
    db.commit()
    assert CacheUse(db, ["t"]).prune(now=time.time()) == 1  # neither recent enough nor among the last builds
    assert [k for (k,) in db.execute("SELECT key FROM t")] == ["b"]
    assert db.execute("SELECT COUNT(*) FROM cache_build").fetchone()[0] <= KEEP_BUILDS + 1


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
