"""Bounded execution: worker processes that hold the graph loaded and run queries under a
time and a memory bound.

* :class:`QueryWorker`: one child process with the graph loaded once and reused for every
  query; a query past its time kills the process (:class:`~kg.query.errors.QueryTimeout`), a
  query past the memory bound stops it (kind ``memory``);
* :class:`QueryService`: a pool of such workers, shared between the threads of ``kg serve``,
  that replaces a worker killed or stopped;
* :func:`_worker_loop`: what runs in the child.

The child is a fresh interpreter started by :mod:`subprocess` (``python -c``); parent and child
talk through a :func:`multiprocessing.Pipe`, whose :class:`~multiprocessing.connection.Connection`
does the framing (``send_bytes`` / ``recv_bytes``, with a bound on the length read) and the
bounded wait (``poll``).  Why not a :mod:`multiprocessing` ``Process`` or a process pool:

* ``fork`` would copy the parent's address space (the graphs it has loaded and cached, a
  server's threads and their locks, its listening socket) into every worker, so the memory
  bound, taken from what the worker uses once it has loaded the graph, would count all that;
* ``spawn`` and ``forkserver`` import the parent's ``__main__`` script again in each worker:
  a caller's script without an ``if __name__ == "__main__":`` guard (a notebook exported to a
  script, a build followed by ``run_query(..., timeout=...)``) would run its body again, or
  fail, in every worker.  ``python -c`` runs no ``__main__`` of the parent's;
* a :class:`concurrent.futures.ProcessPoolExecutor` cannot kill the one worker whose query ran
  past its time (a cancelled future keeps running), and one worker's crash breaks the pool.

Only the child's end of the pipe is passed on (``pass_fds``; every other descriptor of the
parent is closed in the child), so a worker never holds a server's socket or another worker's
pipe, and its death is seen at once as the end of its pipe.
"""
from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .check import check_query, precheck
from .engines import ENGINES, _execute, load_graph, resolve_source
from .errors import QueryError, QueryTimeout
from .results import QueryResult, Term


# ---- the messages ---------------------------------------------------------------------------

def _to_wire(obj: Any) -> Any:
    """Results and errors as builtins only (the child and parent may differ in ``__main__``)."""
    if isinstance(obj, QueryError):
        return ("error", (type(obj) is QueryTimeout, obj.message, obj.kind, obj.line, obj.column))
    t = lambda x: None if x is None else (x.kind, x.value, x.datatype, x.lang)  # noqa: E731
    return ("ok", (obj.kind, obj.columns, [tuple(t(x) for x in r) for r in obj.rows], obj.boolean,
                   [tuple(t(x) for x in tr) for tr in obj.triples], obj.truncated, obj.elapsed))


def _from_wire(msg: tuple) -> QueryResult:
    kind, payload = msg
    if kind == "error":
        is_timeout, message, ekind, line, column = payload
        raise (QueryTimeout if is_timeout else QueryError)(message, ekind, line, column)
    if kind in ("ready", "checked"):
        return payload  # type: ignore[return-value]
    rkind, cols, rows, boolean, triples, truncated, elapsed = payload
    t = lambda x: None if x is None else Term(*x)  # noqa: E731
    return QueryResult(rkind, list(cols), [tuple(t(x) for x in r) for r in rows], boolean,
                       [tuple(t(x) for x in tr) for tr in triples], truncated, elapsed)


MAX_REPLY_BYTES = 64 << 20  # an answer larger than this (pickled) is refused, not sent


def _reply(conn: Connection, obj: Any) -> None:
    conn.send_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


# ---- the worker process ---------------------------------------------------------------------

def _vm_size() -> int | None:
    """This process's virtual memory size in bytes (Linux), or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _limit_memory(extra_mb: int) -> None:  # pragma: no cover - runs in a child
    """Bound this process's address space to what it uses now plus ``extra_mb`` MB."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    base = _vm_size()
    if base is None:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = base + (int(extra_mb) << 20)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ValueError, OSError):
        pass


def _worker_loop(fd: str, path: str, engine: str, max_memory: str = "") -> None:  # pragma: no cover - runs in a child
    """The worker process: load the graph, then answer (sparql, max_rows) requests on the
    connection at file descriptor ``fd``, until the parent sends None or closes its end.

    With ``max_memory`` (MB), the address space is bounded, once the graph is loaded, to what
    the process then uses plus that much: a query past it fails (Python's MemoryError, sent
    back before the worker exits) or aborts the worker (an allocation in the Rust engine); the
    parent reports either as kind ``memory`` and starts a new worker.
    """
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business; EOF ends us
    os.dup2(2, 1)  # stray prints go to stderr, not into the output of the parent (kg query's)
    conn = Connection(int(fd))
    try:
        store = None if engine == CHECK_ONLY else load_graph(path, engine)
    except QueryError as e:
        _reply(conn, _to_wire(e))
        return
    except Exception as e:
        _reply(conn, _to_wire(QueryError(f"cannot load graph: {e}", kind="load")))
        return
    if max_memory:
        _limit_memory(int(max_memory))
    _reply(conn, ("ready", None))
    memory_error = QueryError(f"the query stopped: it needed more memory than the limit of "
                              f"{max_memory or '?'} MB", kind="memory")
    while True:
        try:
            msg = conn.recv()
        except (EOFError, ConnectionError):
            return
        if msg is None:
            return
        sparql, max_rows = msg
        data, oom = None, False
        # the answer is pickled here, not by conn.send: its size is known before it is sent,
        # and a MemoryError while pickling it is this query's failure, answered below
        try:
            if store is None:  # a check-only worker: the checked text, or the refusal
                checked = check_query(sparql)
                data = pickle.dumps(("checked", (checked.text, checked.form)),
                                    protocol=pickle.HIGHEST_PROTOCOL)
            else:
                data = pickle.dumps(_to_wire(_execute(store, sparql, max_rows)),
                                    protocol=pickle.HIGHEST_PROTOCOL)
            if len(data) > MAX_REPLY_BYTES:
                data = None
                raise QueryError(f"the answer is larger than {MAX_REPLY_BYTES >> 20} MB: ask for "
                                 "fewer rows or shorter values", kind="memory")
        except QueryError as e:
            reply = _to_wire(e)
        except MemoryError:
            data, oom = None, True  # answered below, once the failed query's frames are freed
        except RecursionError:
            reply = _to_wire(QueryError("query failed: nested too deeply to evaluate", kind="limit"))
        except Exception as e:
            reply = _to_wire(QueryError(f"query failed: {type(e).__name__}: {e}"))
        if oom:
            try:
                _reply(conn, _to_wire(memory_error))
            except Exception:
                pass
            return  # the parent starts a fresh worker in place of this one
        if data is None:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        conn.send_bytes(data)
        data = None


CHECK_ONLY = "check"  # the engine of a worker that only runs check_query (kg serve --upstream)

_WORKER_CODE = "import sys; from kg.query.worker import _worker_loop; _worker_loop(*sys.argv[1:5])"


class QueryWorker:
    """A child process holding the graph loaded; a query past its time kills the process.

    The child is a fresh interpreter (``python -c``, for the reasons in this module's
    docstring) that answers over a :func:`multiprocessing.Pipe` with pickles of builtins, so
    it works whatever the parent's ``__main__`` is; ``Connection.poll`` bounds each wait, and
    the process is killed cleanly.
    """

    def __init__(self, graph: str | os.PathLike, engine: str = "oxigraph",
                 max_memory: int | None = None):
        self.path = str(resolve_source(graph, engine)) if engine != CHECK_ONLY else ""
        self.engine = engine
        self.max_memory = int(max_memory) if max_memory else None
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent.parent)  # the folder holding kg/
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self._conn, theirs = Pipe()  # a socket pair: both ends read and write
        try:
            fd = theirs.fileno()
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _WORKER_CODE, str(fd), self.path, engine,
                 str(self.max_memory or "")],
                stdin=subprocess.DEVNULL, env=env, close_fds=True, pass_fds=(fd,))
        except BaseException:
            self._conn.close()
            raise
        finally:
            theirs.close()  # the child has its own copy; closed here, its death is our EOF
        self.ready = False

    def _wait(self, timeout: float | None) -> bool:
        if timeout is None:
            return True
        return self._conn.poll(max(0.0, timeout))

    def _receive(self, max_bytes: int | None = None) -> Any:
        """The child's next message, unpickled; EOFError when it is gone."""
        if self._conn.closed:  # killed already
            raise EOFError
        try:
            data = self._conn.recv_bytes(max_bytes)
        except OSError as e:
            if e.errno is None and max_bytes is not None:  # recv_bytes refused it, unread
                raise QueryError(f"the answer is larger than {max_bytes >> 20} MB: ask for fewer "
                                 "rows or shorter values", kind="memory") from None
            raise EOFError from None  # the pipe broke (a reset): the worker is gone
        return pickle.loads(data)

    def wait_ready(self, timeout: float | None = None) -> None:
        if self.ready:
            return
        if not self._wait(timeout):
            self.kill()
            raise QueryError(f"{self.path}: loading the graph took more than {timeout:g} s",
                             kind="load")
        try:
            _from_wire(self._receive())
        except EOFError:
            self.kill()
            raise QueryError(f"{self.path}: the query worker died while loading the graph",
                             kind="load") from None
        self.ready = True

    def alive(self) -> bool:
        return self.proc.poll() is None

    def query(self, sparql: str, timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        self.wait_ready()
        try:
            self._conn.send((sparql, max_rows))
        except (OSError, ValueError):  # a broken pipe, or a closed connection
            self.kill()
            raise EOFError from None
        if not self._wait(timeout):
            self.kill()
            raise QueryTimeout(f"query stopped: it ran longer than the time limit of {timeout:g} s")
        try:
            msg = self._receive(MAX_REPLY_BYTES + (1 << 20))
        except QueryError:
            self.kill()
            raise
        except EOFError:
            self.kill()
            raise self._death() from None
        return _from_wire(msg)

    def _death(self) -> QueryError:
        """Why the worker died mid-query, as an error (kind ``memory``)."""
        code = self.proc.returncode
        how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
        if self.max_memory:
            return QueryError(f"the query stopped: it needed more memory than the limit of "
                              f"{self.max_memory} MB, or crashed the worker ({how})", kind="memory")
        return QueryError(f"the query worker died while running the query ({how})", kind="memory")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._conn.close()
        self.ready = False

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self._conn.send(None)
                self.proc.wait(2)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._conn.close()


class QueryService:
    """A pool of :class:`QueryWorker` processes over one graph, safe to share between threads.

    Every query has a time bound (the worker running it is killed and replaced when it is
    exceeded), a memory bound (``max_memory`` MB beyond the loaded graph, per worker; a worker
    past it is replaced) and a row bound; updates, SERVICE and FROM are refused
    (:func:`check_query`: the cheap part here, the parse in the worker, under its bounds).
    """

    def __init__(self, graph: str | os.PathLike, engine: str = "oxigraph", workers: int = 2,
                 timeout: float = 10.0, max_rows: int | None = 10_000,
                 max_memory: int | None = 1024):
        if engine not in ENGINES:
            raise QueryError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}", kind="param")
        self.path = str(resolve_source(graph, engine))
        self._pool(engine, workers, timeout, max_rows, max_memory)

    def _pool(self, engine: str, workers: int, timeout: float, max_rows: int | None,
              max_memory: int | None) -> None:
        self.engine, self.timeout, self.max_rows = engine, timeout, max_rows
        self.max_memory = max_memory
        self.size = max(1, int(workers))
        self._idle: queue.Queue[QueryWorker] = queue.Queue()
        self._all: list[QueryWorker] = []
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(self.size):
            self._idle.put(self._spawn())

    def _spawn(self) -> QueryWorker:
        w = QueryWorker(self.path, self.engine, max_memory=self.max_memory)
        with self._lock:
            self._all.append(w)
        return w

    def start(self) -> "QueryService":
        """Wait until every worker has loaded the graph (raises the load error, if any)."""
        workers = [self._idle.get() for _ in range(self.size)]
        try:
            for w in workers:
                w.wait_ready()
        finally:
            for w in workers:
                self._idle.put(w)
        return self

    def query(self, sparql: str, timeout: float | None = None,
              max_rows: int | None = None) -> QueryResult:
        if self._closed:
            raise QueryError("the query service is closed", kind="busy")
        precheck(sparql)
        timeout = self.timeout if timeout is None else min(timeout, self.timeout)
        max_rows = self.max_rows if max_rows is None else (
            max_rows if self.max_rows is None else min(max_rows, self.max_rows))
        try:
            w = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryError("all query workers are busy; try again later", kind="busy") from None
        try:
            if not w.alive():
                raise EOFError
            return w.query(sparql, timeout=timeout, max_rows=max_rows)
        except EOFError:
            w = self._replace(w)
            return w.query(sparql, timeout=timeout, max_rows=max_rows)
        except QueryTimeout:
            w = self._replace(w)
            raise
        except QueryError as e:
            if e.kind == "memory" or not w.alive():
                w = self._replace(w)
            raise
        finally:
            self._idle.put(w)

    def _replace(self, w: QueryWorker) -> QueryWorker:
        w.kill()
        with self._lock:
            if w in self._all:
                self._all.remove(w)
        return self._spawn()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.close()

    def __enter__(self) -> "QueryService":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
