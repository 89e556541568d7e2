"""A store loaded while its N-Triples are still being written (``kg build -j N``, N > 1).

:class:`StoreLoader` starts ``python -m kg.query.loader DEST``, which bulk-loads into a new
store at DEST what it reads on its standard input (as :func:`kg.query.write_store` loads a
finished file); the build hands it the N-Triples as it writes them, so on two cores the
load costs the build next to nothing. A fresh interpreter, not a fork: RocksDB's background
threads do not survive ``fork``, so a forked process of one that has opened a store hangs
on opening another.

``StoreLoader(DEST, base=BASE, keep=KEEP)`` makes DEST a copy of the store BASE (a RocksDB
checkpoint: hard links, a few milliseconds) and applies CHANGES instead: an incremental
build (:mod:`kg.store_sync`) sends only what differs from the store of its last build. The
lines it reads are tagged by their first byte: ``+`` an N-Triples line to add, ``-`` one to
remove, ``=`` a line of an entity's whole block (consecutive lines, one subject): the block
replaces whatever the store holds of that subject, ``!<iri>`` an entity to remove with all
its statements. ``keep``: once loaded, the store is also checkpointed to KEEP (the next base).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .engines import _load_ntriples, _stamp
from .errors import QueryError


class StoreLoader:
    """::

        loader = StoreLoader(out / STORE_NAME)
        ... loader.write(ntriples_bytes) ...
        loader.finish(out / "graph.nt")   # waits; raises QueryError if the load failed

    :meth:`finish` stamps the store with the file whose statements were written."""

    def __init__(self, dest: str | os.PathLike, *, base: str | os.PathLike | None = None,
                 keep: str | os.PathLike | None = None) -> None:
        self.dest = Path(dest)
        if self.dest.exists():
            raise QueryError(f"{self.dest}: already exists", kind="load")
        root = str(Path(__file__).resolve().parents[2])  # kg's own, installed or not
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [root, *filter(None, [os.environ.get("PYTHONPATH")])])}
        args = [str(self.dest)]
        if base is not None:
            args += ["--base", str(base)]
        if keep is not None:
            args += ["--keep", str(keep)]
        self._proc = subprocess.Popen([sys.executable, "-m", "kg.query.loader", *args],
                                      stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self._broken = False

    def write(self, data: bytes) -> None:
        if self._broken:
            return
        try:
            self._proc.stdin.write(data)
        except (BrokenPipeError, ValueError):  # the loader has failed: finish() says why
            self._broken = True

    def finish(self, source: str | os.PathLike) -> Path:
        try:
            self._proc.stdin.close()
        except BrokenPipeError:
            pass
        error = self._proc.stderr.read().decode("utf-8", "replace").strip()
        self._proc.stderr.close()
        if self._proc.wait() != 0:
            raise QueryError(f"{source}: cannot load graph: "
                             f"{error.splitlines()[-1] if error else 'the loader died'}", kind="load")
        _stamp(self.dest, Path(source))
        return self.dest

    def abort(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        for fh in (self._proc.stdin, self._proc.stderr):
            try:
                fh.close()
            except OSError:
                pass


def apply_changes(store, fh) -> None:
    """Apply the tagged lines of the binary stream ``fh`` (see the module's doc) to ``store``."""
    import pyoxigraph as ox
    nt = ox.RdfFormat.N_TRIPLES
    adds: list[bytes] = []
    block: list[bytes] = []
    subject = None  # the entity whose block is being read

    def add() -> None:
        if adds:
            store.bulk_load(b"".join(adds), format=nt)
            adds.clear()

    def replace() -> None:  # the store's triples of `subject` become those of `block`
        new = set(ox.parse(b"".join(block), format=nt))
        node = next(iter(new)).subject
        old = set(store.quads_for_pattern(node, None, None, ox.DefaultGraph()))
        for q in old - new:
            store.remove(q)
        store.extend(new - old)
        block.clear()

    for line in fh:
        tag, rest = line[:1], line[1:]
        if tag == b"=":
            s = rest[:rest.index(b">") + 1]
            if s != subject and block:
                replace()
            subject = s
            block.append(rest)
        elif tag == b"+":
            adds.append(rest)
            if len(adds) >= 100_000:
                add()
        elif tag == b"-":
            for q in ox.parse(rest, format=nt):
                store.remove(q)
        elif tag == b"!":
            iri = rest.strip()
            if not (iri.startswith(b"<") and iri.endswith(b">")):
                raise ValueError(f"not an IRI: {iri[:60]!r}")
            node = ox.NamedNode(iri[1:-1].decode("utf-8"))
            for q in list(store.quads_for_pattern(node, None, None, ox.DefaultGraph())):
                store.remove(q)
        elif line.strip():
            raise ValueError(f"unknown change line {line[:40]!r}")
    if block:
        replace()
    add()


def main(argv: list[str]) -> int:
    import argparse

    import pyoxigraph as ox
    ap = argparse.ArgumentParser(prog="python -m kg.query.loader")
    ap.add_argument("dest")
    ap.add_argument("--base")
    ap.add_argument("--keep")
    a = ap.parse_args(argv)
    try:
        if a.base is not None:
            ox.Store.read_only(a.base).backup(a.dest)
        store = ox.Store(a.dest)
    except Exception as e:
        print(str(e) or type(e).__name__, file=sys.stderr)
        return 1
    try:
        if a.base is not None:
            apply_changes(store, sys.stdin.buffer)
        else:
            _load_ntriples(store, sys.stdin.buffer)
        store.flush()
        if a.keep is not None:
            store.backup(a.keep)
    except Exception as e:
        print(str(e) or type(e).__name__, file=sys.stderr)
        return 1
    finally:
        del store
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
