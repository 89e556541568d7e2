"""Each paper's share of the RDF and GraphML files, kept between builds (``kg build --cache DIR``).

The RDF files of a build are the papers' statements in stream order, then the entities'
(:func:`kg.rdf.iter_stream_statements`). A paper's statements depend on its line of
``mentions.jsonl`` alone, and on which of its relations are graph edges
(:meth:`kg.aggregate.Aggregates.known`); so its N-Triples lines, its Turtle block and its
JSON-LD objects can be kept under a hash of both. When most of a corpus is yesterday's, most
lines are the same after resolution, and an incremental build copies their pieces instead of
generating, escaping and serialising their statements again (the entities' statements, which
depend on the whole corpus, are always generated). The pieces concatenate to the very bytes
of a build without them: Turtle is cut into blocks by subject (each paper's block starts with
its own subject), and JSON-LD holds one object per subject.

GraphML is kept in the same way, each paper's elements with their edges unnumbered
(``graph.graphml`` numbers its edges through the file).

The key also covers the exporter's version (the source of the modules that write the
statements, and pyoxigraph's version, whose serializer writes the Turtle), so a change to
either never serves a stale piece. The pieces are one SQLite file, ``DIR/fragments.sqlite``,
beside the extraction cache (:mod:`kg.cache`).
"""
from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from .cache import CacheUse

if TYPE_CHECKING:
    from .aggregate import Aggregates

__all__ = ["PaperFragment", "FragmentCache", "exporter_version", "fragment_key", "make_fragment"]

_SCHEMA = ("CREATE TABLE IF NOT EXISTS fragment (key TEXT PRIMARY KEY, nt TEXT NOT NULL, "
           "ttl TEXT NOT NULL, jsonld TEXT NOT NULL, warnings TEXT NOT NULL)",
           "CREATE TABLE IF NOT EXISTS graphml_fragment (key TEXT PRIMARY KEY, "
           "text TEXT NOT NULL, edges INTEGER NOT NULL)")
# the modules whose code decides a paper's statements and how they are written
_SOURCES = ("rdf.py", "graph.py", "model.py", "aggregate.py", "fragments.py", "store_sync.py")


@dataclass(frozen=True, slots=True)
class PaperFragment:
    """One paper's statements as written in each RDF file."""

    nt: str  # its N-Triples lines
    ttl: str  # its Turtle block (the file's prefixes excluded)
    jsonld: tuple[str, ...]  # one JSON object per subject, as in the "@graph" list
    warnings: tuple[str, ...] = ()  # what was left out of the RDF (told again on a reuse)


def exporter_version() -> str:
    import pyoxigraph

    h = hashlib.sha256(pyoxigraph.__version__.encode() + b"\0")
    root = resources.files("kg")
    for name in _SOURCES:
        h.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    return h.hexdigest()


def fragment_key(version: str, line: str, edges: Sequence[bool]) -> str:
    """The key of a paper's fragment: its ``mentions.jsonl`` line and, for each of its
    relations, whether it is a graph edge."""
    bits = "".join("1" if e else "0" for e in edges)
    return hashlib.sha256(f"{version}\0{bits}\0{line}".encode()).hexdigest()


def _turtle_prefix_length(ttl: bytes) -> int:
    """Where the ``@prefix`` lines pyoxigraph writes before the first statement end."""
    i = 0
    while ttl.startswith(b"@prefix", i):
        i = ttl.index(b"\n", i) + 1
    return i


def make_fragment(statements: Iterable, warnings: Sequence[str] = ()) -> PaperFragment:
    """The pieces of the RDF files that ``statements`` (one paper's, in order) make."""
    from .rdf import _jsonld_node, nt_line, write_turtle_statements

    stmts = list(statements)
    nt = "".join(nt_line(s, p, o) for s, p, o in stmts)
    nodes: list[str] = []
    subject, pos = None, []
    for s, p, o in stmts:  # a subject's statements come together (as JSONLDWriter needs)
        if s != subject:
            if subject is not None:
                nodes.append(json.dumps(_jsonld_node(subject, pos), ensure_ascii=False))
            subject, pos = s, []
        pos.append((p, o))
    if subject is not None:
        nodes.append(json.dumps(_jsonld_node(subject, pos), ensure_ascii=False))
    buf = io.BytesIO()
    write_turtle_statements(stmts, buf)
    ttl = buf.getvalue()
    return PaperFragment(nt=nt, ttl=ttl[_turtle_prefix_length(ttl):].decode("utf-8"),
                         jsonld=tuple(nodes), warnings=tuple(warnings))


class PaperLine:
    """A line of ``mentions.jsonl``, made into its record only when asked: most papers of an
    incremental build are copied from their fragments, and their lines need not be read."""

    __slots__ = ("text", "_record")

    def __init__(self, text: str) -> None:
        self.text, self._record = text, None

    @property
    def record(self) -> dict:
        if self._record is None:
            self._record = json.loads(self.text)
        return self._record

    @property
    def has_relations(self) -> bool:
        # (kg writes the line with json.dumps' separators; a quote inside a string is
        # escaped, so the empty list can only be the paper's own)
        return '"relations": []' not in self.text

    @property
    def id(self) -> str:
        if self._record is None and self.text.startswith('{"id": "'):
            return json.decoder.scanstring(self.text, 8)[0]  # (the line's first field)
        return str(self.record["id"])


def _write_ahead_log(db: sqlite3.Connection) -> None:
    """Put ``db`` in write-ahead-log mode, where the process writing the RDF files and the
    one writing the graph files read and write it at once. Switching needs the database
    alone for a moment (the busy timeout does not cover it): when the other process has it
    open, try again."""
    import time

    for _ in range(600):
        try:
            if db.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() == "wal":
                return
        except sqlite3.OperationalError:  # "database is locked"
            pass
        time.sleep(0.05)
    raise sqlite3.OperationalError("cannot switch the fragment cache to write-ahead logging")


class FragmentCache:
    """Paper fragments stored under ``directory`` (``fragments.sqlite``)."""

    def __init__(self, directory: str | Path, track_use: bool = True) -> None:
        """``track_use``: count this connection's reads and writes as a build's use (a second
        process writing a build's other files, whose keys the first one marks, passes False)."""
        self.path = Path(directory)
        self.path.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path / "fragments.sqlite", timeout=60)
        _write_ahead_log(self.db)
        with self.db:
            for statement in _SCHEMA:
                self.db.execute(statement)
        # (a paper's fragment and its GraphML piece share its key)
        self.use = CacheUse(self.db, ["fragment", "graphml_fragment"]) if track_use else None
        self.version = exporter_version()

    def finish(self) -> int:
        """Record this build's use and remove the pieces no recent build used
        (:class:`kg.cache.CacheUse`): call it once a build has written all its exports."""
        if self.use is None:
            return 0
        return self.use.finish(also_kept=self._in_last_store)

    def _in_last_store(self) -> list[str]:
        """The keys of the papers in the last store, which the next build's store is made
        from (:mod:`kg.store_sync`), even if builds without a store came between."""
        if self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_paper'"
                           ).fetchone() is None:
            return []
        return [k for (k,) in self.db.execute("SELECT key FROM store_paper")]

    def _mark(self, keys: Sequence[str]) -> None:
        if self.use is not None:
            self.use.mark(keys)

    def key(self, line: str, edges: Sequence[bool]) -> str:
        return fragment_key(self.version, line, edges)

    def keys(self, lines: Sequence[tuple[int, str]], aggregates: "Aggregates"
             ) -> list[tuple[int, "PaperLine", str]]:
        """(ordinal, line, key) of each (ordinal, ``mentions.jsonl`` line) of the stream the
        ``aggregates`` are of."""
        out = []
        for i, text in lines:
            line = PaperLine(text)
            edges = [aggregates.is_edge(r["head_id"], r["tail_id"], i)
                     for r in line.record.get("relations") or ()] if line.has_relations else []
            out.append((i, line, self.key(text, edges)))
        return out

    def select(self, table: str, columns: str, keys: Sequence[str], column: str = "key") -> list[tuple]:
        """(``column``, ``columns``...) of the rows of ``table`` whose ``column`` is in ``keys``."""
        from .cache import select_in
        return list(select_in(self.db, f"SELECT {column}, {columns} FROM {table} WHERE {column} IN ({{}})",
                              keys))

    def get_many(self, keys: Sequence[str]) -> dict[str, PaperFragment]:
        self._mark(keys)
        return {key: PaperFragment(nt, ttl, tuple(json.loads(jl)), tuple(json.loads(warn)))
                for key, nt, ttl, jl, warn in self.select("fragment", "nt, ttl, jsonld, warnings", keys)}

    def get_graphml(self, keys: Sequence[str]) -> dict[str, tuple[str, int]]:
        """Papers' GraphML elements (:meth:`kg.graph.GraphExport.piece`) by key."""
        self._mark(keys)
        return {key: (text, edges) for key, text, edges in self.select("graphml_fragment", "text, edges", keys)}

    def put_graphml(self, items: Iterable[tuple[str, tuple[str, int]]]) -> None:
        rows = [(k, text, edges) for k, (text, edges) in items]
        if rows:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO graphml_fragment VALUES (?, ?, ?)", rows)

    def put_many(self, items: Iterable[tuple[str, PaperFragment]]) -> None:
        rows = [(k, f.nt, f.ttl, json.dumps(f.jsonld, ensure_ascii=False),
                 json.dumps(f.warnings, ensure_ascii=False)) for k, f in items]
        if rows:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO fragment VALUES (?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "FragmentCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
