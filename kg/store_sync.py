"""The store of an incremental build, made from its last build's store (``kg build --cache DIR``).

Loading the store is the longest part of writing a large build's exports (some 6 µs a
triple: 5 s for the 800k triples of 20,000 papers), and a build of yesterday's papers plus
today's would load again the 90% it loaded yesterday. So the cache keeps a checkpoint of
the last store it made (``DIR/stores/<generation>/``, hard links to RocksDB's immutable
files) with, in ``DIR/fragments.sqlite``, the fragment key (:mod:`kg.fragments`) of each
paper it holds. The next build starts its store as a checkpoint of that one and sends the
loader (:mod:`kg.query.loader`) only the differences: the lines of a paper whose fragment
changed (its old lines are in the fragment cache), the new papers, the papers gone, the
entities gone, and the block of each entity whose statements changed (by a hash of its
lines; an entity's statements change with each paper that mentions it): the loader
replaces what the store holds of that entity by it. A paper's statements
and an entity's never share a subject, so the changes commute and the result is the store
of the build's ``graph.nt``, as a full load would make it.

Whatever goes wrong on the way (a base store that cannot be opened, a missing fragment),
the store is loaded in full from ``graph.nt`` instead and the base forgotten: the next build
starts a new one.
"""
from __future__ import annotations

import hashlib
import logging
import shutil
import uuid
from pathlib import Path
from typing import Sequence

from .fragments import FragmentCache

log = logging.getLogger(__name__)

_SCHEMA = ("CREATE TABLE IF NOT EXISTS store_state (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
           "CREATE TABLE IF NOT EXISTS store_paper (paper TEXT PRIMARY KEY, key TEXT NOT NULL)",
           # each entity's block of statements in the last store, by a hash of its lines
           "CREATE TABLE IF NOT EXISTS store_entity (entity TEXT PRIMARY KEY, hash TEXT NOT NULL)")


#: a store directory no build recorded, older than this, is left over from a killed build
ORPHAN_AGE_S = 24 * 3600


def _clean_orphans(stores: Path, keep: str | None) -> None:
    """Remove checkpoints that no build recorded (a build killed after its loader made one):
    only old ones, as a build running beside this one may be about to record its own."""
    import time

    for d in stores.iterdir():
        if d.name != keep and d.is_dir() and time.time() - d.stat().st_mtime > ORPHAN_AGE_S:
            shutil.rmtree(d, ignore_errors=True)


class StoreSync:
    """The store at ``dest`` for an export whose RDF pieces go through ``fragments``::

        sync = StoreSync(fragments, out / "graph.oxigraph")
        sync.papers([(paper_id, key, nt), ...])  # every paper, in stream order
        sync.entities(nt)                          # the entities' statements, in order
        sync.finish(out / "graph.nt")              # the store, stamped; the cache updated

    :attr:`tee` is what the N-Triples file should also be written to (a full load: the
    first build with this cache), or None (the changes are sent by :meth:`papers` and
    :meth:`entities`)."""

    def __init__(self, fragments: FragmentCache, dest: str | Path) -> None:
        from .query import StoreLoader

        self.fragments, self.dest = fragments, Path(dest)
        db = self.db = fragments.db
        with db:
            for statement in _SCHEMA:
                db.execute(statement)
        with db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS next_paper (paper TEXT PRIMARY KEY, "
                       "key TEXT NOT NULL)")
            db.execute("CREATE TEMP TABLE IF NOT EXISTS next_entity (entity TEXT PRIMARY KEY, "
                       "hash TEXT NOT NULL)")
            db.execute("DELETE FROM next_paper")
            db.execute("DELETE FROM next_entity")
        self.stores = fragments.path / "stores"
        self.stores.mkdir(exist_ok=True)
        state = dict(db.execute("SELECT name, value FROM store_state"))
        self.found = base = state.get("generation")  # (what the commit expects to replace)
        if base is not None and (state.get("exporter") != fragments.version
                                 or not (self.stores / base).is_dir()):
            base = None
        self.base = base
        _clean_orphans(self.stores, keep=self.found)
        self.generation = uuid.uuid4().hex
        self.loader = StoreLoader(self.dest, base=self.stores / base if base else None,
                                  keep=self.stores / self.generation)
        self.tee = self.loader.write if base is None else None
        self.failed = False

    @property
    def incremental(self) -> bool:
        return self.base is not None

    def papers(self, items: Sequence[tuple[str, str, str]]) -> None:
        """(paper id, fragment key, N-Triples) of the next papers of the stream."""
        with self.db:  # (committed at once: an open transaction would lock out the
            # process writing the graph files' fragments)
            self.db.executemany("INSERT OR REPLACE INTO next_paper VALUES (?, ?)",
                                [(pid, key) for pid, key, _ in items])
        if not self.incremental or self.failed:
            return
        ids = [pid for pid, _, _ in items]
        before = dict(self.fragments.select("store_paper", "key", ids, column="paper"))
        changed = [(pid, key, nt, before.get(pid)) for pid, key, nt in items if before.get(pid) != key]
        if not changed:
            return
        old = self.fragments.get_many([k for *_, k in changed if k is not None])
        out: list[str] = []
        for pid, key, nt, old_key in changed:
            if old_key is not None and old_key not in old:
                self._fail(f"the fragment of paper {pid} in the last store is missing")
                return
            was = set(old[old_key].nt.splitlines(keepends=True)) if old_key is not None else set()
            now = nt.splitlines(keepends=True)
            out += ["-" + line for line in was.difference(now)]
            out += ["+" + line for line in now if line not in was]
        self.loader.write("".join(out).encode("utf-8"))

    def entities(self, nt: str) -> None:
        """The next N-Triples of the entities' statements (each entity's together): the
        blocks that differ from the last store's are sent whole."""
        blocks: dict[str, list[str]] = {}
        for line in nt.splitlines(keepends=True):
            blocks.setdefault(line[:line.index(">") + 1], []).append(line)
        digests = {e: hashlib.sha1("".join(b).encode("utf-8")).hexdigest() for e, b in blocks.items()}
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO next_entity VALUES (?, ?)", digests.items())
        if not self.incremental or self.failed:
            return
        before = dict(self.fragments.select("store_entity", "hash", list(digests), column="entity"))
        out = ["=" + line for e, b in blocks.items() if before.get(e) != digests[e] for line in b]
        if out:
            self.loader.write("".join(out).encode("utf-8"))

    def _fail(self, why: str) -> None:
        log.warning("store: %s; loading it in full", why)
        self.failed = True

    def finish(self, source: str | Path) -> Path:
        """Wait for the store; stamp it with ``source`` (the N-Triples just written) and
        make it the cache's base for the next build."""
        from .query import QueryError, write_store

        if self.incremental and not self.failed:
            gone = [key for (key,) in self.db.execute(
                "SELECT key FROM store_paper WHERE paper NOT IN (SELECT paper FROM next_paper)")]
            frags = self.fragments.get_many(gone)
            if len(frags) < len(set(gone)):
                self._fail("the fragment of a paper gone from the last store is missing")
            else:
                for key in gone:
                    self.loader.write("".join("-" + line for line in frags[key].nt.splitlines(
                        keepends=True)).encode("utf-8"))
                self.loader.write("".join(f"!{e}\n" for (e,) in self.db.execute(
                    "SELECT entity FROM store_entity WHERE entity NOT IN "
                    "(SELECT entity FROM next_entity)")).encode("utf-8"))
        if self.failed:
            self.loader.abort()
            shutil.rmtree(self.dest, ignore_errors=True)
            shutil.rmtree(self.stores / self.generation, ignore_errors=True)
            self._forget()
            return write_store(source, self.dest)
        try:
            dest = self.loader.finish(source)
        except QueryError as e:
            if not self.incremental:
                raise
            self._fail(str(e))
            return self.finish(source)
        self._keep()
        return dest

    def abort(self) -> None:
        self.loader.abort()
        shutil.rmtree(self.stores / self.generation, ignore_errors=True)

    def _keep(self) -> None:
        """The new store becomes the base (unless another build changed the base meanwhile)."""
        with self.db:
            now = self.db.execute("SELECT value FROM store_state WHERE name = 'generation'").fetchone()
            if (now[0] if now else None) != self.found:
                stale = self.generation
            else:
                self.db.execute("DELETE FROM store_paper")
                self.db.execute("INSERT INTO store_paper SELECT paper, key FROM next_paper")
                self.db.execute("DELETE FROM store_entity")
                self.db.execute("INSERT INTO store_entity SELECT entity, hash FROM next_entity")
                self.db.executemany("INSERT OR REPLACE INTO store_state VALUES (?, ?)",
                                    [("generation", self.generation),
                                     ("exporter", self.fragments.version)])
                stale = self.found
        if stale:
            shutil.rmtree(self.stores / stale, ignore_errors=True)

    def _forget(self) -> None:
        with self.db:
            self.db.execute("DELETE FROM store_state")
            self.db.execute("DELETE FROM store_paper")
            self.db.execute("DELETE FROM store_entity")
        if self.found:
            shutil.rmtree(self.stores / self.found, ignore_errors=True)
