"""Engines and loading: graph files, the on-disk store, and running a query in this process.

* :func:`resolve_graph_path` / :func:`resolve_source` / :func:`load_graph` /
  :func:`open_graph`: a graph file (``.ttl``, ``.nt``, ``.jsonld``) or an export folder opened
  with **pyoxigraph** (default, fast) or **rdflib** (the reference engine), loaded graphs
  cached per file;
* :func:`write_store` / :func:`load_store` / :func:`find_store` / :func:`store_problem`: the
  on-disk pyoxigraph store of an export folder (``graph.oxigraph``), opened read-only instead
  of parsing the folder's graph file;
* :func:`run_query`: a query on a graph, checked (:mod:`kg.query.check`) and run here
  (:func:`_execute`), or, with a time or memory bound, in a worker process
  (:class:`kg.query.worker.QueryWorker`); :func:`compare_engines`.
"""
from __future__ import annotations

import itertools
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .check import _syntax_error, check_query, precheck
from .errors import QueryError
from .results import QueryResult, _ox_term, _rdflib_term, _take

ENGINES = ("oxigraph", "rdflib")
_GRAPH_FILES = ("graph.nt", "graph.ttl", "graph.jsonld")


# ---- loading graphs ---------------------------------------------------------------------

def resolve_graph_path(path: str | os.PathLike) -> Path:
    """A graph file, or the first of graph.nt / graph.ttl / graph.jsonld in a directory."""
    p = Path(path)
    if p.is_dir():
        for name in _GRAPH_FILES:
            if (p / name).is_file():
                return p / name
        raise QueryError(f"{p}: no graph.nt, graph.ttl or graph.jsonld in this directory",
                         kind="load")
    if not p.is_file():
        raise QueryError(f"{p}: no such graph file", kind="load")
    return p


# ---- the persistent store ---------------------------------------------------------------
#
# ``kg build`` (and ``kg load``) also write ``OUT/graph.oxigraph/``: an on-disk pyoxigraph
# (RocksDB) store bulk-loaded from the N-Triples file of the same build, part of the same
# generation of exports (kg/atomic.py switches it in with the files).  ``kg query OUT`` and
# ``kg serve OUT`` open it read-only instead of parsing the export into memory.  Beside the
# database files it holds ``kg-store.json``: the file it was loaded from, with its size and a
# hash of its first and last MiB, so that a store older than the export beside it (a graph.nt
# replaced by hand, a folder where files are renamed into place one by one) is not used.

STORE_NAME = "graph.oxigraph"
STAMP_NAME = "kg-store.json"
_STAMP_BYTES = 1 << 20
_OX_FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES", "json-ld": "JSON_LD", "xml": "RDF_XML"}


def _source_stamp(path: Path) -> dict[str, Any]:
    import hashlib
    size = path.stat().st_size
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read(_STAMP_BYTES))
        if size > 2 * _STAMP_BYTES:
            fh.seek(size - _STAMP_BYTES)
        h.update(fh.read())
    return {"source": path.name, "size": size, "sha256-head-tail": h.hexdigest()}


def _is_store(path: Path) -> bool:
    return path.is_dir() and (path / STAMP_NAME).is_file() and (path / "CURRENT").is_file()


def store_problem(store: str | os.PathLike) -> str | None:
    """Why the store at ``store`` should not be used (None: it is current).

    The store's stamp names the file it was loaded from; when that file is beside the store
    (``OUT/graph.nt`` for ``OUT/graph.oxigraph``) and differs from what was loaded, the store
    is stale.  A store whose source file is gone is used as it is."""
    store = Path(store)
    try:
        stamp = json.loads((store / STAMP_NAME).read_text(encoding="utf-8"))
        source = store.parent / str(stamp["source"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"{store}: not a kg store (no readable {STAMP_NAME}); run `kg load {store.parent}`"
    if Path(stamp["source"]).name != stamp["source"]:
        return f"{store}: a bad {STAMP_NAME}"
    if not source.is_file():
        return None
    try:
        now = _source_stamp(source)
    except OSError as e:
        return f"{source}: {e.strerror or e}"
    if any(now[k] != stamp.get(k) for k in ("size", "sha256-head-tail")):
        return (f"{store} was loaded from another {source.name} than the one beside it; "
                f"run `kg load {store.parent}` to make it again")
    return None


def find_store(path: str | os.PathLike, warn: Any = None) -> Path | None:
    """The current store of an export directory (or ``path`` itself when it is a store).

    None when there is none, or when it is stale (then ``warn`` is called with why)."""
    p = Path(path)
    if not p.is_dir():
        return None
    store = p if _is_store(p) else p / STORE_NAME
    if not _is_store(store):
        return None
    problem = store_problem(store)
    if problem:
        if warn:
            warn(problem)
        return None
    return store


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}; parsing the export instead\n")


def resolve_source(path: str | os.PathLike, engine: str = "oxigraph") -> Path:
    """What :func:`load_graph` opens for ``path``: an export directory's store (oxigraph, when
    the directory has a current one), else the graph file (:func:`resolve_graph_path`)."""
    p = Path(path)
    if p.is_dir() and _is_store(p):  # the store folder itself
        if engine != "oxigraph":
            raise QueryError(f"{p} is a pyoxigraph store: query it with the oxigraph engine, or "
                             f"give the export folder or a graph file for {engine}", kind="param")
        problem = store_problem(p)
        if problem:
            raise QueryError(problem, kind="load")
        return p
    if engine == "oxigraph":
        store = find_store(p, warn=_warn)
        if store is not None:
            return store
    return resolve_graph_path(p)


#: N-Triples lines per bulk load when a store is written (see write_store)
STORE_LOAD_LINES = 250_000


def write_store(source: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Bulk-load the RDF file ``source`` into a new on-disk pyoxigraph store at ``dest`` (a
    folder that must not exist yet), stamped with what it was loaded from."""
    import pyoxigraph as ox
    source, dest = Path(source), Path(dest)
    fmt = _FORMAT_BY_SUFFIX.get(source.suffix.lower())
    if fmt is None:
        raise QueryError(f"{source}: unknown RDF format (use .ttl, .nt or .jsonld)", kind="load")
    if dest.exists():
        raise QueryError(f"{dest}: already exists", kind="load")
    store = ox.Store(str(dest))
    try:
        rdf_format = getattr(ox.RdfFormat, _OX_FORMATS[fmt])
        if rdf_format == ox.RdfFormat.N_TRIPLES:
            with open(source, "rb") as fh:
                _load_ntriples(store, fh)
        else:
            store.bulk_load(path=str(source), format=rdf_format)
        store.flush()
    except OSError:
        raise
    except Exception as e:
        raise QueryError(f"{source}: cannot load graph: {e}", kind="load") from None
    finally:
        del store  # closes the database (and releases its lock) before anyone opens it
    _stamp(dest, source)
    return dest


def _stamp(dest: Path, source: Path) -> None:
    with open(dest / STAMP_NAME, "w", encoding="utf-8") as fh:
        json.dump(_source_stamp(source), fh, indent=1)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())


def _load_ntriples(store, fh) -> None:
    """Bulk-load N-Triples from the binary stream ``fh``, in slices of whole lines: one bulk
    load holds its batches in memory (1.6 GB for the 3.7M triples of 90k papers); slices keep
    it near 300 MB at any size (kg writes no blank nodes, whose labels would not carry across
    slices)."""
    import pyoxigraph as ox
    while chunk := b"".join(itertools.islice(fh, STORE_LOAD_LINES)):
        store.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES)


def load_store(export_dir: str | os.PathLike) -> Path:
    """``kg load``: (re)make the store of an export folder from its graph.nt (else graph.ttl,
    graph.jsonld), switched in with the rest of the export as one new generation
    (:func:`kg.atomic.atomic_files`): the other files are hard-linked into it unchanged."""
    import shutil
    from ..atomic import CURRENT, STORE, atomic_files
    from ..build import EXPORT_NAMES
    out = Path(export_dir)
    if not out.is_dir():
        raise QueryError(f"{out}: not an export folder", kind="load")
    source = resolve_graph_path(out)
    current = out / STORE / CURRENT
    names = set(EXPORT_NAMES)
    if current.is_dir():
        names |= {n for n in os.listdir(current) if (out / n).exists()}
    names.discard(STORE_NAME)
    with atomic_files(out, EXPORT_NAMES) as stage:
        for name in sorted(names):
            f = out / name
            if not f.is_file():
                continue
            real = f.resolve()
            try:
                os.link(real, stage / name)
            except OSError:
                shutil.copy2(real, stage / name)
        write_store(stage / source.name, stage / STORE_NAME)
    return out / STORE_NAME


_FORMAT_BY_SUFFIX = {".ttl": "turtle", ".turtle": "turtle", ".nt": "nt", ".ntriples": "nt",
                     ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".xml": "xml",
                     ".owl": "xml"}


def load_graph(path: str | os.PathLike, engine: str = "oxigraph"):
    """Open ``path`` as a pyoxigraph ``Store`` or an ``rdflib.Graph``: an export folder's
    store read-only (oxigraph, when it has a current one), else the graph file parsed."""
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}", kind="param")
    p = resolve_source(path, engine)
    if p.is_dir():
        import pyoxigraph as ox
        try:
            return ox.Store.read_only(str(p))
        except Exception as e:
            raise QueryError(f"{p}: cannot open the store: {e}", kind="load") from None
    fmt = _FORMAT_BY_SUFFIX.get(p.suffix.lower())
    if fmt is None:
        raise QueryError(f"{p}: unknown RDF format (use .ttl, .nt or .jsonld)", kind="load")
    try:
        if engine == "oxigraph":
            import pyoxigraph as ox
            store = ox.Store()
            store.bulk_load(path=str(p), format=getattr(ox.RdfFormat, _OX_FORMATS[fmt]))
            return store
        import rdflib
        return rdflib.Graph().parse(str(p), format=fmt)
    except QueryError:
        raise
    except Exception as e:  # parser errors of the graph file
        raise QueryError(f"{p}: cannot load graph: {e}", kind="load") from None


_CACHE: dict[tuple[str, str], tuple[tuple[int, int], Any]] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 4


def open_graph(graph: Any, engine: str = "oxigraph"):
    """A loaded store for ``graph`` (a path, or an already loaded Store / rdflib Graph).

    Loaded files are cached per (path, engine) and reloaded when the file changes; an export
    folder's store is cached per generation (its real path changes with each build).
    """
    if not isinstance(graph, (str, os.PathLike)):
        return graph
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}", kind="param")
    p = resolve_source(graph, engine).resolve()
    st = p.stat()
    key, stamp = (str(p), engine), (st.st_mtime_ns, st.st_size)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit and hit[0] == stamp:
            return hit[1]
    store = load_graph(p, engine)
    with _CACHE_LOCK:
        _CACHE[key] = (stamp, store)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
    return store


def engine_of(store: Any) -> str:
    mod = type(store).__module__
    if mod.startswith("pyoxigraph"):
        return "oxigraph"
    if mod.startswith("rdflib"):
        return "rdflib"
    raise QueryError(f"not a graph store: {type(store).__name__}", kind="param")


# ---- executing ----------------------------------------------------------------------------

def _execute(store: Any, sparql: str, max_rows: int | None = None) -> QueryResult:
    """Run ``sparql`` on a loaded store in this process."""
    engine = engine_of(store)
    checked = check_query(sparql)  # the engine runs what was checked: this text, or its algebra
    t0 = time.perf_counter()
    limit = None if max_rows is None else max(0, int(max_rows))
    if engine == "oxigraph":
        import pyoxigraph as ox
        try:
            res = store.query(checked.text)
        except SyntaxError as e:
            raise _syntax_error(e, engine) from None
        except MemoryError:
            raise
        except Exception as e:
            raise QueryError(f"query failed: {' '.join(str(e).split())}") from None
        try:
            if isinstance(res, ox.QueryBoolean):
                out = QueryResult("ask", boolean=bool(res))
            elif isinstance(res, ox.QuerySolutions):
                cols = [v.value for v in res.variables]
                rows, truncated = _take(res, limit, lambda sol: tuple(_ox_term(sol[i]) for i in range(len(cols))))
                out = QueryResult("select", cols, rows, truncated=truncated)
            else:
                triples, truncated = _take(res, limit, lambda tr: (
                    _ox_term(tr.subject), _ox_term(tr.predicate), _ox_term(tr.object)))
                out = QueryResult("graph", triples=triples, truncated=truncated)
        except (QueryError, MemoryError):
            raise
        except Exception as e:
            raise QueryError(f"query failed: {' '.join(str(e).split())}") from None
        finally:
            res = None  # pyoxigraph's iterators must be dropped on the thread that made them
    else:
        import rdflib.plugins.sparql as rsparql
        rsparql.SPARQL_LOAD_GRAPHS = False  # FROM <url> must not fetch anything (it is refused too)
        rsparql.SPARQL_DEFAULT_GRAPH_UNION = False
        try:
            res = store.query(checked.prepared)
            if res.type == "ASK":
                out = QueryResult("ask", boolean=bool(res.askAnswer))
            elif res.type == "SELECT":
                cols = [str(v) for v in res.vars]
                rows, truncated = _take(res, limit, lambda r: tuple(_rdflib_term(x) for x in r))
                out = QueryResult("select", cols, rows, truncated=truncated)
            else:
                triples, truncated = _take(res, limit, lambda tr: tuple(_rdflib_term(x) for x in tr))
                out = QueryResult("graph", triples=triples, truncated=truncated)
        except QueryError:
            raise
        except MemoryError:
            raise
        except Exception as e:
            raise QueryError(f"query failed: {type(e).__name__}: {' '.join(str(e).split())}") from None
    out.elapsed = time.perf_counter() - t0
    return out


def run_query(graph: Any, sparql: str, engine: str = "oxigraph", timeout: float | None = None,
              max_rows: int | None = None, max_memory: int | None = None) -> QueryResult:
    """Run a SPARQL query on a graph file / export directory / loaded store.

    ``engine``: ``oxigraph`` (default) or ``rdflib`` (the reference engine); ignored for an
    already loaded store.  With ``timeout`` (seconds) or ``max_memory`` (MB a query may use
    beyond the loaded graph) the query runs in a worker process, killed when the time is up
    (:class:`QueryTimeout`) or stopped at the memory bound (kind ``memory``).  ``max_rows``
    truncates the answer (``result.truncated``).  Raises :class:`QueryError` for syntax
    errors (with line and column), updates, SERVICE / FROM, over-deep nesting and failures
    (see :func:`check_query`).
    """
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}", kind="param")
    precheck(sparql)  # cheap, before any process is started; the full check runs with the query
    if (timeout is None or timeout <= 0) and not max_memory:
        return _execute(open_graph(graph, engine), sparql, max_rows)
    if not isinstance(graph, (str, os.PathLike)):
        raise QueryError("a timeout or memory bound needs a graph file (the worker process "
                         "loads it)", kind="param")
    if timeout is not None and timeout <= 0:
        timeout = None
    from .worker import QueryWorker  # here, not at the top: the worker runs _execute of this module
    worker = QueryWorker(graph, engine, max_memory=max_memory)
    try:
        worker.wait_ready()
        return worker.query(sparql, timeout=timeout, max_rows=max_rows)
    finally:
        worker.close()


def compare_engines(graph: str | os.PathLike, sparql: str) -> tuple[QueryResult, QueryResult]:
    """The same query on both engines (for tests and the benchmark)."""
    return run_query(graph, sparql, "oxigraph"), run_query(graph, sparql, "rdflib")

