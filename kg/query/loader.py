"""A store loaded while its N-Triples are still being written (``kg build -j N``, N > 1).

:class:`StoreLoader` starts ``python -m kg.query.loader DEST``, which bulk-loads into a new
store at DEST what it reads on its standard input (as :func:`kg.query.write_store` loads a
finished file); the build hands it the N-Triples as it writes them, so on two cores the
load costs the build next to nothing. A fresh interpreter, not a fork: RocksDB's background
threads do not survive ``fork``, so a forked process of one that has opened a store hangs
on opening another.
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

    def __init__(self, dest: str | os.PathLike) -> None:
        self.dest = Path(dest)
        if self.dest.exists():
            raise QueryError(f"{self.dest}: already exists", kind="load")
        root = str(Path(__file__).resolve().parents[2])  # kg's own, installed or not
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [root, *filter(None, [os.environ.get("PYTHONPATH")])])}
        self._proc = subprocess.Popen([sys.executable, "-m", "kg.query.loader", str(self.dest)],
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


def main(argv: list[str]) -> int:
    import pyoxigraph as ox
    store = ox.Store(argv[0])
    try:
        _load_ntriples(store, sys.stdin.buffer)
        store.flush()
    except Exception as e:
        print(str(e) or type(e).__name__, file=sys.stderr)
        return 1
    finally:
        del store
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
