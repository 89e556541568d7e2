"""An on-disk cache of per-paper extractions, for incremental builds (``kg build --cache DIR``).

A paper's extraction depends only on its text and on the extractor: its rules, lexicon and
corpus statistics. So the cache keys each extraction by a hash of both: the paper's fields
that extraction reads (id, title, abstract, date, url, authors, citekey) and the
extractor's *version*, a hash of the source of ``kg/extract``, ``kg/normalize.py``,
``kg/corpus_stats.py`` and ``kg/model.py``, of every lexicon file it loaded and of its
corpus statistics. A change to any of them gives every paper a new key: nothing stale is
ever served. Resolution is not cached: it depends on the whole corpus and is rerun, so an
incremental build writes the same bytes as a build from scratch.

The store is one SQLite file (``DIR/extractions.sqlite``): safe against a build killed
mid-way (a transaction is committed per batch) and against two builds sharing a cache.
It does not grow without end: each build records which rows it used (:class:`CacheUse`),
and the first build of a day that ends well removes the rows that none of the last
``KEEP_BUILDS`` builds nor any build of the last ``KEEP_DAYS`` days used (those of an older
kg or lexicon, of papers since edited or no longer read, of RDF pieces whose entities have
changed). A build that prunes while another one runs on the same cache may take rows the
other is about to read: that one then extracts or writes those again (never wrong, slower).
Beside it, ``DIR/fragments.sqlite`` keeps each paper's share of the RDF and GraphML files
(:mod:`kg.fragments`), reused when its resolved line comes out the same, and
``DIR/stores/`` a checkpoint of the last store, which the next build's store starts from
(:mod:`kg.store_sync`).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from collections import deque
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from .model import Paper, PaperExtraction

_SCHEMA = "CREATE TABLE IF NOT EXISTS extraction (key TEXT PRIMARY KEY, record TEXT NOT NULL)"
# what the version covers: the package's extraction code, its model and keys
_SOURCES = ("extract", "normalize.py", "corpus_stats.py", "model.py")


#: a row stays while one of the last KEEP_BUILDS builds, or a build of the last KEEP_DAYS
#: days, used it (a user who builds two corpora in turn with one cache keeps both)
KEEP_BUILDS = 5
KEEP_DAYS = 7
#: the rows no recent build used are looked for at most this often (the first build of a day)
PRUNE_EVERY_S = 20 * 3600


def _key_bits(key: str) -> int:
    """The first 64 bits of a key (a hex digest), by which :class:`CacheUse` knows it; 0 for
    a key that is none (a row no kg wrote: no build uses it, and a prune drops it)."""
    try:
        return int(key[:16], 16) if isinstance(key, str) and len(key) >= 16 else 0
    except ValueError:
        return 0


class CacheUse:
    """Which rows of ``tables`` (keyed by a hex digest in their ``key`` column) the builds
    used, and the removal of those that no recent build used.

    :meth:`mark` collects in memory the keys a build reads or writes (their first 64 bits:
    8 bytes a key, and no write per batch, which cost a disk sync each); :meth:`finish`,
    once the build has ended well, keeps them as one row of ``cache_build`` and, when no
    build has pruned for ``PRUNE_EVERY_S``, deletes the rows that neither the last
    ``KEEP_BUILDS`` builds nor those of the last ``KEEP_DAYS`` days used. (Two keys that
    share 64 bits keep each other: a stale row stays a little longer. SQLite reuses the freed
    pages: the file stops growing; it does not shrink.)"""

    def __init__(self, db: sqlite3.Connection, tables: Sequence[str]) -> None:
        from array import array

        self.db, self.tables = db, tuple(tables)
        self.keys = array("Q")
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS cache_build (build INTEGER PRIMARY KEY, "
                       "at REAL NOT NULL, keys BLOB NOT NULL, pruned REAL)")

    def mark(self, keys: Iterable[str]) -> None:
        self.keys.extend(map(_key_bits, keys))

    def finish(self, now: float | None = None, prune: bool | None = None,
               also_kept: Callable[[], Iterable[str]] | None = None) -> int:
        """Record this build's use; prune (``prune``: always, never, None: when due), keeping
        besides the keys ``also_kept()`` gives. The number of rows deleted."""
        import time

        import numpy as np

        now = time.time() if now is None else now
        used = np.unique(np.frombuffer(self.keys, dtype=np.uint64))
        with self.db:
            build = self.db.execute("INSERT INTO cache_build (at, keys) VALUES (?, ?)",
                                    (now, used.tobytes())).lastrowid
        if prune is None:
            (last,) = self.db.execute("SELECT MAX(pruned) FROM cache_build").fetchone()
            prune = last is None or last < now - PRUNE_EVERY_S
        if not prune:
            return 0
        recent = [b for (b,) in self.db.execute(
            "SELECT build FROM cache_build ORDER BY build DESC LIMIT ?", (KEEP_BUILDS,))]
        kept_builds = set(recent) | {b for (b,) in self.db.execute(
            "SELECT build FROM cache_build WHERE at >= ?", (now - KEEP_DAYS * 86400,))}
        kept = np.unique(np.array([_key_bits(k) for k in (also_kept() if also_kept else ())], dtype=np.uint64))
        for b, blob in self.db.execute("SELECT build, keys FROM cache_build"):
            if b in kept_builds:  # (one build's keys at a time beside the union)
                kept = np.union1d(kept, np.frombuffer(blob, dtype=np.uint64))
        deleted = 0
        for table in self.tables:
            # the rows by rowid, read a chunk at a time: a million papers' keys are not held
            rows = self.db.execute(f"SELECT rowid, key FROM {table}")
            stale = []
            while chunk := rows.fetchmany(50_000):
                bits = np.fromiter((_key_bits(k) for _, k in chunk), dtype=np.uint64, count=len(chunk))
                ids = np.fromiter((r for r, _ in chunk), dtype=np.int64, count=len(chunk))
                stale.append(ids[~np.isin(bits, kept)])
            gone = np.concatenate(stale).tolist() if stale else []
            # a few thousand at a time: another process writing this build's other files
            # (kg.build's export child) waits for the lock only that long
            for start in range(0, len(gone), 5000):
                with self.db:
                    self.db.executemany(f"DELETE FROM {table} WHERE rowid = ?",
                                        [(r,) for r in gone[start:start + 5000]])
            deleted += len(gone)
        with self.db:
            self.db.execute(f"DELETE FROM cache_build WHERE build NOT IN ({','.join('?' * len(kept_builds))})",
                            sorted(kept_builds))
            self.db.execute("UPDATE cache_build SET pruned = ? WHERE build = ?", (now, build))
        return deleted


def select_in(db: sqlite3.Connection, query: str, values: Sequence[str]) -> Iterator[tuple]:
    """The rows of ``query``, whose ``{}`` is an ``IN (...)`` list of ``values``, asked a few
    hundred values at a time (SQLite's limit on bound parameters); each value once."""
    values = list(dict.fromkeys(values))
    for i in range(0, len(values), 500):
        part = values[i:i + 500]
        yield from db.execute(query.format(",".join("?" * len(part))), part)


def extractor_version(extractor) -> str:
    """A hash of everything an extraction depends on besides the paper."""
    h = hashlib.sha256()
    root = resources.files("kg")
    for name in _SOURCES:
        item = root / name
        files = sorted((f for f in item.iterdir() if f.name.endswith(".py")), key=lambda f: f.name) \
            if item.is_dir() else [item]
        for f in files:
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    lex = extractor.lexicon
    for eid in sorted(lex.entries):
        h.update(repr(lex.entries[eid]).encode())
    h.update(repr(sorted(lex.generic)).encode())
    h.update(extractor.stats.fingerprint().encode())
    return h.hexdigest()


def paper_key(version: str, paper: Paper) -> str:
    fields = [paper.id, paper.title, paper.abstract, paper.date, paper.url, list(paper.authors),
              getattr(paper, "citekey", None)]
    return hashlib.sha256((version + json.dumps(fields, ensure_ascii=False)).encode()).hexdigest()


class ExtractionCache:
    """Per-paper extractions stored under ``directory``, keyed by paper and extractor."""

    def __init__(self, directory: str | Path, extractor) -> None:
        self.path = Path(directory)
        self.path.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path / "extractions.sqlite")
        self.db.execute(_SCHEMA)
        self.use = CacheUse(self.db, ["extraction"])
        self.version = extractor_version(extractor)
        self.hits = self.misses = 0

    def finish(self) -> int:
        """Record this build's use and remove what no recent build used (:class:`CacheUse`):
        call it once a build has read all its papers."""
        return self.use.finish()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "ExtractionCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, paper: Paper) -> PaperExtraction | None:
        return self.get_many([paper])[0]

    def get_many(self, papers: list[Paper]) -> list[PaperExtraction | None]:
        """The cached extraction of each paper (None where there is none), in one query a
        few hundred papers."""
        keys = [paper_key(self.version, p) for p in papers]
        self.use.mark(keys)
        return [ex for ex, _ in self._get_records(papers, keys)]

    def _get_records(self, papers: list[Paper], keys: list[str], parse: bool = True
                     ) -> list[tuple[PaperExtraction | None, str | None]]:
        """Each paper's cached extraction with its stored line (the extraction's JSON: the
        paper's fields are in its key, so the line is that of the paper as read now); the
        extraction None without ``parse``, and both None where nothing is stored."""
        records = dict(select_in(self.db, "SELECT key, record FROM extraction WHERE key IN ({})", keys))
        out: list[tuple[PaperExtraction | None, str | None]] = []
        for p, key in zip(papers, keys):
            record = records.get(key)
            if record is None or not parse:
                out.append((None, record))
                continue
            ex = PaperExtraction.from_json(json.loads(record))
            # the paper as read now (its source line), the extraction as cached
            out.append((PaperExtraction(paper=p, entities=ex.entities, relations=ex.relations,
                                        results=ex.results), record))
        return out

    def put_many(self, pairs: Iterable[tuple[Paper, PaperExtraction]]) -> None:
        rows = [(paper_key(self.version, p), json.dumps(ex.to_json(), ensure_ascii=False)) for p, ex in pairs]
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO extraction (key, record) VALUES (?, ?)", rows)
        self.use.mark(k for k, _ in rows)

    def extract(self, papers: Iterable[Paper], run, batch: int = 512,
                ahead: int = 32) -> Iterator[PaperExtraction]:
        """Extractions of ``papers`` in input order: cached ones from the store, the others
        from ``run(list_of_papers)`` (an iterator of extractions in the same order), which
        are then stored. ``run`` is called for the papers up to ``ahead`` batches before
        they are yielded, so a ``run`` that starts work at once (:class:`ForkPool.submit
        <kg.extract.parallel.ForkPool>`) extracts them while the cached ones are served
        (serving one is some ten times faster than extracting it: the new papers of a day,
        at the end of the input, are started that many batches early). Only the papers
        wait in that window; the cached extractions are read when their batch is served."""
        return (ex for ex, _ in self.extract_records(papers, run, batch, ahead))

    def extract_records(self, papers: Iterable[Paper], run, batch: int = 512,
                        ahead: int = 32, parse: bool = True
                        ) -> Iterator[tuple[PaperExtraction | None, str | None]]:
        """:meth:`extract`, each extraction with its JSON line when it came from the store
        (None when it was extracted now): what a build writes of it, without writing it
        again. ``parse=False``: a stored one comes as its line alone, ``(None, line)``
        (a build's first pass reads it with ``Resolver.observe_record``: making its objects
        cost more than the rest of serving it)."""
        it = iter(papers)
        window: deque = deque()  # (batch, which of it are cached, run's iterator)

        def read_batch() -> bool:
            chunk = list(itertools.islice(it, batch))
            if not chunk:
                return False
            keys = [paper_key(self.version, p) for p in chunk]
            cached = self._present(keys)
            todo = [p for p, c in zip(chunk, cached) if not c]
            self.hits += len(chunk) - len(todo)
            self.misses += len(todo)
            window.append((chunk, keys, cached, run(todo) if todo else iter(())))
            return True

        while len(window) <= ahead and read_batch():
            pass
        while window:
            chunk, keys, cached, fresh = window.popleft()
            found = iter(self._get_records([p for p, c in zip(chunk, cached) if c],
                                           [k for k, c in zip(keys, cached) if c], parse))
            new = []
            for p, c in zip(chunk, cached):
                ex, record = next(found) if c else (None, None)
                if record is None:  # (or gone from the store since: extracted after all)
                    ex = next(fresh) if not c else next(iter(run([p])))
                    new.append((p, ex))
                yield ex, record
            if new:
                self.put_many(new)
            read_batch()

    def _present(self, keys: list[str]) -> list[bool]:
        self.use.mark(keys)  # (each key of a build is asked for here once)
        have = {k for (k,) in select_in(self.db, "SELECT key FROM extraction WHERE key IN ({})", keys)}
        return [k in have for k in keys]
