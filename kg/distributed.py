"""Extraction past one machine: ``kg build --dask ADDRESS`` on a dask.distributed cluster.

The same two passes as a plain build (``kg.build.extract_resolved``), with the work on the
cluster and the same bytes out:

- the client reads the papers lazily, cuts them into partitions (``PARTITION_SIZE``
  papers), looks each paper up in the extraction cache when there is one, and scatters
  each partition to a worker, with a bounded number in flight: it reads ahead only while
  the workers keep up, so an input of any size is never in the client's memory;
- pass 1, on the workers: each extracts its partition (one extractor per worker thread,
  built there from the configuration, the paths of the extra lexicons and corpus
  statistics; never a pickled pipeline), keeps the partition's raw extractions as JSON
  lines (the bytes a plain build writes to its temporary file) and returns the
  partition's :class:`kg.resolve.ResolverState`;
- the reduction, on the workers: the states are merged pairwise as a binary tree in
  partition order (``ResolverState.merge`` is associative and left-biased, so the root is
  exactly the state of one sequential pass); nothing is gathered onto one process but the
  pairs being merged;
- pass 2, on the workers: the merged state is copied once to every worker and each
  partition is resolved where its raw extractions are; the client takes the resolved
  partitions back in input order, a bounded number ahead, to write ``mentions.jsonl`` and
  build the graph.

Every task checks that its worker runs the client's kg (extraction and resolution code,
lexicon, corpus statistics), so that a mixed cluster fails instead of writing a mixed graph.
dask is imported only here, and only when ``--dask`` is used.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from operator import getitem
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .extract.parallel import _chunks
from .model import Paper, PaperExtraction
from .resolve import Resolver, ResolverState

#: papers per partition (one task of each pass): about a second or two of extraction
PARTITION_SIZE = 256
#: partitions in flight per worker thread, in each pass
IN_FLIGHT_PER_THREAD = 2
INSTALL_HINT = "pip install 'kg-ml[dask]'"


class DaskError(Exception):
    """A problem with the cluster a user can act on (dask missing, no scheduler at the
    address, a worker with another kg): one line, no traceback."""


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise DaskError(f"--dask needs dask.distributed, which is not installed: {INSTALL_HINT}") from None
    return distributed


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


@contextmanager
def connect(dask, workers: int | None = None):
    """A ``distributed.Client`` for ``dask``: ``"local"`` starts a LocalCluster of
    ``workers`` processes (2 by default; one thread each, listening on 127.0.0.1 only, no
    dashboard) and closes it at the end; a scheduler address (``tcp://host:8786``) or the
    JSON file ``dask scheduler --scheduler-file`` writes connects to that scheduler; a
    ``Client`` is used as it is (and left open)."""
    if hasattr(dask, "submit") and hasattr(dask, "scatter"):
        yield dask
        return
    distributed = _import_distributed()
    import dask as dask_pkg
    from dask.utils import parse_timedelta
    timeout = parse_timedelta(dask_pkg.config.get("distributed.comm.timeouts.connect"), default="s")
    address = str(dask)
    if address.endswith(".json"):
        if not os.path.isfile(address):
            raise DaskError(f"{address}: no such scheduler file")
    elif address != "local":
        from distributed.comm.addressing import get_address_host_port
        try:  # checked first: a Client given a malformed address hangs on its way out
            get_address_host_port(address)
        except ValueError as exc:
            raise DaskError(f"--dask {address}: not a scheduler address (tcp://host:8786), a "
                            f"scheduler file (.json) or local: {exc}") from None
    cluster = None
    try:
        if address == "local":
            # no dashboard; the scheduler's HTTP server (health, metrics) on a free port
            # of 127.0.0.1, not 8787: two builds may run at once. Its logs silenced: what
            # fails reaches the client, which says it in one line
            cluster = distributed.LocalCluster(
                n_workers=workers or 2, threads_per_worker=1, processes=True, host="127.0.0.1",
                scheduler_port=0, dashboard_address=None, worker_dashboard_address=None,
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}, silence_logs=logging.CRITICAL)
            client = distributed.Client(cluster, set_as_default=False)
        elif address.endswith(".json"):
            client = distributed.Client(scheduler_file=address, timeout=timeout, set_as_default=False)
        else:
            client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except Exception as exc:  # refused, timed out, a malformed address: one line
        if cluster is not None:
            cluster.close()
        what = "cannot start a local Dask cluster" if address == "local" else \
            f"cannot reach the Dask scheduler at {address}"
        raise DaskError(f"{what}: {_one_line(exc)}") from None
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except Exception:
            start = f"--scheduler-file {address}" if address.endswith(".json") else address
            raise DaskError(f"the Dask scheduler at {address} has no workers after {timeout:g} s "
                            f"(start some: dask worker {start} --nthreads 1)") from None
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ---- what the client and every worker must agree on -------------------------------------

class ExtractorSource:
    """The lexicon and corpus statistics an extraction depends on, without the spaCy
    pipeline: what the client needs to key the cache and to check the workers (the
    duck type of :func:`kg.cache.extractor_version`)."""

    def __init__(self, lexicons: Sequence[str | Path] = (), corpus_stats: Sequence[str | Path] = ()):
        from .build import load_corpus_stats
        from .corpus_stats import CorpusStats
        from .extract.lexicon import Lexicon
        self.lexicon = Lexicon.load(lexicons)  # (messages name the files as given)
        self.stats = load_corpus_stats(corpus_stats) or CorpusStats.default()
        # absolute: a worker's working directory is not the client's
        self.lexicons = tuple(os.path.abspath(p) for p in lexicons)
        self.corpus_stats = tuple(os.path.abspath(p) for p in corpus_stats)


# the code a resolved extraction depends on
_SOURCES = ("extract", "normalize.py", "corpus_stats.py", "model.py", "resolve.py")


@lru_cache(maxsize=1)
def _code_hash() -> str:
    """A hash of the source of ``_SOURCES``, read once per process (at its first build): the
    code it runs, even if kg is reinstalled under a running worker."""
    h = hashlib.sha256()
    root = resources.files("kg")
    for name in _SOURCES:
        item = root / name
        files = [item] if not item.is_dir() else \
            sorted((f for f in item.iterdir() if f.name.endswith(".py")), key=lambda f: f.name)
        for f in files:
            h.update(f"{name}/{f.name}".encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def fingerprint(source) -> str:
    """A hash of everything a resolved extraction depends on besides the papers: the code
    of extraction and resolution, the lexicon and the corpus statistics of ``source`` (an
    :class:`kg.extract.Extractor` or an :class:`ExtractorSource`)."""
    h = hashlib.sha256(_code_hash().encode())
    h.update(repr(sorted(source.lexicon.entries.items())).encode())
    h.update(repr(sorted(source.lexicon.generic)).encode())
    h.update(source.stats.fingerprint().encode())
    return h.hexdigest()


@dataclass(frozen=True)
class Config:
    """What a task needs to build its extractor on the worker, and the client's fingerprint."""
    lexicons: tuple[str, ...]
    corpus_stats: tuple[str, ...]
    version: str


# ---- on the workers ------------------------------------------------------------------------

_local = threading.local()  # extractors per worker thread: spaCy's pipeline is not shared
_KEEP = 2  # extractors kept per thread (configurations of builds sharing a cluster)


def _worker_name() -> str:
    try:
        from distributed import get_worker
        return f"worker {get_worker().address}"
    except Exception:  # not in a worker (a test calling the task functions directly)
        return "worker"


def _extractor(config: Config):
    """This thread's extractor for ``config``, built once (again only if a file changed)."""
    paths = config.lexicons + config.corpus_stats
    try:
        stamp = tuple((os.stat(p).st_mtime_ns, os.stat(p).st_size) for p in paths)
    except OSError as exc:
        raise DaskError(f"{_worker_name()}: {exc.filename}: {exc.strerror} (every worker needs the "
                        f"--lexicon and --corpus-stats files at the same paths)") from None
    cache = _local.__dict__.setdefault("extractors", {})  # (config, stamp) -> extractor, by use
    extractor = cache.pop((config, stamp), None)
    if extractor is None:
        from .build import load_corpus_stats
        from .extract import Extractor
        extractor = Extractor(extra_lexicons=config.lexicons,
                              corpus_stats=load_corpus_stats(config.corpus_stats))
        if fingerprint(extractor) != config.version:
            raise DaskError(f"{_worker_name()} runs another kg than the client (its extraction or "
                            f"resolution code, lexicon or corpus statistics differ): install the "
                            f"same kg-ml and the same --lexicon / --corpus-stats files on every worker")
    cache[(config, stamp)] = extractor  # the most recent last
    while len(cache) > _KEEP:
        del cache[next(iter(cache))]
    return extractor


def extract_partition(config: Config, items: list,
                      keep: bool = False) -> tuple[list[str], ResolverState, list]:
    """Pass 1 of one partition. ``items``: papers to extract, or the extractions of cached
    ones. Returns the raw extractions as JSON lines, the partition's resolver state and,
    with ``keep``, the (paper, extraction) pairs extracted here (for the client's cache)."""
    extractor = _extractor(config)
    todo = [it for it in items if isinstance(it, Paper)]
    fresh = extractor.pipe(todo)
    resolver = Resolver(lexicon=extractor.lexicon, corpus_stats=extractor.stats)
    lines, new = [], []
    for it in items:
        if isinstance(it, Paper):
            ex = next(fresh)
            if keep:
                new.append((it, ex))
        else:
            ex = it
        resolver.observe(ex)
        lines.append(json.dumps(ex.to_json(), ensure_ascii=False))
    return lines, resolver.state, new


def merge_states(left: ResolverState, right: ResolverState) -> ResolverState:
    return left.merge(right)


def resolve_partition(config: Config, lines: list[str], state: ResolverState) -> list[PaperExtraction]:
    """Pass 2 of one partition: its raw extractions read back (as a plain build reads its
    temporary file) and resolved with the corpus's merged state."""
    extractor = _extractor(config)
    resolver = Resolver(lexicon=extractor.lexicon, corpus_stats=extractor.stats, state=state)
    return [resolver.resolve(PaperExtraction.from_json(json.loads(line))) for line in lines]


# ---- on the client -------------------------------------------------------------------------

def _result(future, fetch: bool = True):
    """A future's result (with ``fetch=False``, wait for it and fetch nothing), or what its
    task raised."""
    if not fetch and future.exception() is None and future.status == "finished":
        return None
    return future.result()


@contextmanager
def _cluster_failures():
    """The cluster's own failures (a worker or the scheduler lost, a task cancelled) as one
    line; what kg raised, on the client or in a task, as it is."""
    try:
        yield
    except DaskError:
        raise
    except Exception as exc:
        if type(exc).__module__.split(".")[0] in ("distributed", "dask", "tornado", "asyncio"):
            raise DaskError(f"the Dask cluster failed: {type(exc).__name__}: {_one_line(exc)}") from None
        raise


def extract_resolved(papers: Iterable[Paper], dask, source: ExtractorSource, *, workers: int = 1,
                     cache=None, progress: bool = False,
                     partition_size: int | None = None) -> Iterator[PaperExtraction]:
    """Like :func:`kg.build.extract_resolved`, on the cluster ``dask`` (see :func:`connect`;
    ``workers``: the processes of ``"local"``, 2 when it is 1): the same extractions, in
    input order. ``cache``: a :class:`kg.cache.ExtractionCache` keyed by ``source``; the
    client serves its hits and stores what the workers extracted."""
    config = Config(source.lexicons, source.corpus_stats, fingerprint(source))
    size = partition_size or PARTITION_SIZE
    with connect(dask, workers if workers > 1 else None) as client, _cluster_failures():
        threads = sum(client.nthreads().values()) or 1
        limit = max(2, IN_FLIGHT_PER_THREAD * threads)
        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(unit=" papers", desc="extracting", mininterval=0.5)
        try:
            lines, root = _pass1(client, config, papers, cache, size, limit, bar)
        finally:
            if bar is not None:
                bar.close()
        if root is None:  # no papers
            return
        _result(root, fetch=False)
        client.replicate([root])  # once to every worker, before pass 2 is placed
        pending: deque = deque()
        while lines:
            pending.append(client.submit(resolve_partition, config, lines.popleft(), root, pure=False))
            if len(pending) >= limit:
                yield from _result(pending.popleft())
        while pending:
            yield from _result(pending.popleft())


def _pass1(client, config, papers, cache, size, limit, bar):
    """Submit pass 1 and the tree of merges; return the futures of the partitions' raw
    lines (in order) and of the merged state (None for no papers)."""
    lines: deque = deque()
    stack: list = []  # (level, state future): a binary counter of merges, left to right
    pending: deque = deque()

    def settle(entry) -> None:
        data, done, n, fresh = entry
        _result(done, fetch=False)
        if fresh is not None:
            cache.put_many(_result(fresh))
        if bar is not None:
            bar.update(n)

    for chunk in _chunks(papers, size):
        items: list = chunk
        misses = len(chunk)
        if cache is not None:
            found = cache.get_many(chunk)
            items = [p if ex is None else ex for p, ex in zip(chunk, found)]
            misses = sum(ex is None for ex in found)
            cache.hits += len(chunk) - misses
            cache.misses += misses
        [data] = client.scatter([items], hash=False)
        done = client.submit(extract_partition, config, data, cache is not None, pure=False)
        lines.append(client.submit(getitem, done, 0, pure=False))
        state, level = client.submit(getitem, done, 1, pure=False), 0
        while stack and stack[-1][0] == level:
            state = client.submit(merge_states, stack.pop()[1], state, pure=False)
            level += 1
        stack.append((level, state))
        fresh = client.submit(getitem, done, 2, pure=False) if cache is not None and misses else None
        pending.append((data, done, len(chunk), fresh))
        while len(pending) >= limit:
            settle(pending.popleft())
    while pending:
        settle(pending.popleft())
    if not stack:
        return lines, None
    root = stack[0][1]
    for _, state in stack[1:]:
        root = client.submit(merge_states, root, state, pure=False)
    return lines, root
