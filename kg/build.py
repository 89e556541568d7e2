"""One run end to end: read -> extract -> resolve -> graph -> exports, streaming where it can.

Pass 1 reads the papers lazily, extracts each and writes the raw extractions to a
temporary JSON-lines file while the resolver learns the corpus's spellings and
abbreviations. Pass 2 streams that file back, resolves canonical ids, writes
``mentions.jsonl`` and gathers the per-entity aggregates (``kg.aggregate``); the exports
then read ``mentions.jsonl`` back with them (``write_exports``). Only the resolver's table
of surface forms and one record per distinct entity are held in memory (and the NetworkX
graph, when ``build(graph=True)`` asks for it).
"""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

import networkx as nx
from tqdm import tqdm

from . import graph as kgraph
from ._resources import package_file
from .aggregate import Aggregates, passes
from .atomic import atomic_files, atomic_path, atomic_write
from .cache import ExtractionCache
from .corpus_stats import CorpusStats
from .extract.parallel import ExtractorSpec, ForkPool, pipe_parallel
from .model import Paper, PaperExtraction
from .readers import InputError, ReadIssue, ReadReport, check_input, read_papers
from .readers import check_mapping
from .resolve import Resolver

if TYPE_CHECKING:  # (spaCy is imported with it: only where papers are extracted here)
    from .extract import Extractor

SAMPLE_NAME = "sample-papers.jsonl"


def sample_path() -> Path:
    """The bundled sample corpus: 84 arXiv titles and abstracts (public-domain metadata)."""
    return package_file("data", SAMPLE_NAME)


@dataclass
class BuildSummary:
    papers_read: int = 0
    papers_skipped: int = 0
    issues: list[ReadIssue] = field(default_factory=list)
    issue_count: int = 0
    entities_by_type: dict[str, int] = field(default_factory=dict)
    relations_by_type: dict[str, int] = field(default_factory=dict)
    mentions: int = 0
    cache_hits: int | None = None  # papers an extraction cache served (None: no cache)
    cache_misses: int = 0
    files: list[Path] = field(default_factory=list)
    entity_types: dict[str, str] = field(default_factory=dict, repr=False)  # id -> type

    def lines(self) -> list[str]:
        out = [f"papers read: {self.papers_read}, skipped: {self.papers_skipped}"]
        if self.cache_hits is not None:
            out.append(f"cache: {self.cache_hits} reused, {self.cache_misses} extracted")
        for issue in self.issues[:10]:
            out.append(f"  skipped {issue}")
        if self.issue_count > 10:
            out.append(f"  ... and {self.issue_count - 10} more problems")
        ents = sum(self.entities_by_type.values())
        out.append(f"entities: {ents} (" + ", ".join(
            f"{t} {n}" for t, n in sorted(self.entities_by_type.items())) + ")")
        rels = sum(self.relations_by_type.values())
        out.append(f"relations: {rels} (" + ", ".join(
            f"{r} {n}" for r, n in sorted(self.relations_by_type.items())) + ")")
        out.append("wrote: " + ", ".join(str(p) for p in self.files))
        return out


def check_inputs(inputs: Sequence[str | Path] | None, fmt: str | None = None,
                 mapping: dict[str, str] | None = None) -> None:
    """Raise ``InputError`` now, before any work, for an input that cannot be read (missing,
    unknown format, an empty directory, standard input given twice) or a bad ``mapping``."""
    check_mapping(mapping)
    if sum(str(p) == "-" for p in inputs or ()) > 1:
        raise InputError("-: standard input can be read only once")
    for path in inputs or ():
        check_input(path, fmt)


def iter_papers(inputs: Sequence[str | Path] | None, fmt: str | None, report: ReadReport,
                on_issue: Callable[[ReadIssue], None] | None = None, *,
                mapping: dict[str, str] | None = None) -> Iterator[Paper]:
    """Papers of every input in turn (the bundled sample when there is none)."""
    paths = list(inputs) if inputs else [sample_path()]
    seen: set[str] = set()
    for path in paths:
        for p in read_papers(path, format=fmt, report=report, on_issue=on_issue, mapping=mapping):
            if p.id in seen:  # the same paper in two inputs
                continue
            seen.add(p.id)
            yield p


def extract_resolved(papers: Iterable[Paper], extractor: "Extractor | ExtractorSpec | None" = None,
                     progress: bool = False, total: int | None = None,
                     workers: int = 1, cache=None) -> Iterator[PaperExtraction]:
    """Extract and resolve a stream of papers in two passes through a temporary file.

    ``cache``: a :class:`kg.cache.ExtractionCache`; papers it holds are not extracted again
    (resolution always runs on the whole corpus, so the output is the same either way)."""
    if extractor is None:
        from .extract import Extractor
        extractor = Extractor()
    if cache is None and isinstance(extractor, ExtractorSpec):
        extractor = extractor.make()
    resolver = Resolver(lexicon=extractor.lexicon, corpus_stats=extractor.stats)
    # a temporary file without a name (O_TMPFILE, or unlinked at once): however the run
    # ends, even killed, nothing is left in the temporary directory
    with contextlib.ExitStack() as stack:
        fh = stack.enter_context(tempfile.TemporaryFile(
            "w+", encoding="utf-8", prefix=f"kg-extract-{os.getpid()}-", suffix=".jsonl"))
        if cache is not None:  # the workers extract what it lacks while it serves the rest
            pool = stack.enter_context(ForkPool(extractor, workers))
            stream = cache.extract_records(papers, pool.submit, parse=False)
        else:
            pool = None
            stream = pipe_parallel(extractor, papers, workers) if workers > 1 else extractor.pipe(papers)
            stream = ((ex, None) for ex in stream)
        if progress:
            stream = tqdm(stream, total=total, unit=" papers", desc="extracting", mininterval=0.5)
        for ex, line in stream:
            if ex is not None:
                resolver.observe(ex)
            else:  # a cached one, as its stored line
                resolver.observe_record(json.loads(line))
            # (a cached extraction's line is the one it was stored as)
            fh.write((line or json.dumps(ex.to_json(), ensure_ascii=False)) + "\n")
        if pool is not None:
            pool.close()
        fh.flush()
        fh.seek(0)
        for line in fh:
            yield resolver.resolve(PaperExtraction.from_json(json.loads(line)))


def _write_extractions(out_path: Path, inputs, fmt, lexicons, progress, on_issue, workers,
                       summary: BuildSummary, mapping=None, cache_dir=None,
                       corpus_stats=(), dask=None) -> Iterator[PaperExtraction]:
    """Read, extract and resolve; write each paper's line to ``out_path`` (atomically) and
    pass it on; count what was read, skipped and found into ``summary``. ``dask``: extract
    and resolve on that cluster (``kg.distributed``); the papers are read here either way."""
    report = ReadReport()
    if dask is not None:
        from . import distributed
        # the lexicon and statistics alone: the workers build the extractors
        extractor = distributed.ExtractorSource(lexicons, corpus_stats)
    elif cache_dir is not None:  # the papers the cache lacks are extracted by the pool's
        # workers, which make the spaCy pipeline themselves (kg.extract.parallel)
        from .extract.lexicon import Lexicon
        extractor = ExtractorSpec(Lexicon.load(lexicons),
                                  load_corpus_stats(corpus_stats) or CorpusStats.default())
    else:
        from .extract import Extractor
        extractor = Extractor(extra_lexicons=lexicons, corpus_stats=load_corpus_stats(corpus_stats))
    papers = iter_papers(inputs, fmt, report, on_issue, mapping=mapping)
    cache = ExtractionCache(cache_dir, extractor) if cache_dir is not None else None
    if dask is not None:
        stream = distributed.extract_resolved(papers, dask, extractor, workers=workers, cache=cache,
                                              progress=progress)
    else:
        stream = extract_resolved(papers, extractor, progress, workers=workers, cache=cache)
    try:
        with atomic_write(out_path) as fh:
            for ex in stream:
                fh.write(json.dumps(ex.to_json(), ensure_ascii=False) + "\n")
                _count(summary, ex)
                yield ex
        if cache is not None:  # every paper read: what no recent build used goes
            cache.finish()
    finally:
        if cache is not None:
            summary.cache_hits, summary.cache_misses = cache.hits, cache.misses
            cache.close()
    _finish(summary, report)
    summary.files.append(Path(out_path))


def load_corpus_stats(paths: Sequence[str | Path] = ()) -> CorpusStats | None:
    """The shipped background statistics with those of ``paths`` (files written by
    ``kg corpus-stats``) added: a large input of one's own teaches kg its field's spellings."""
    if not paths:
        return None
    stats = CorpusStats.default()
    for path in paths:
        stats = stats.merge(CorpusStats.load(path))
    return stats


def _inputs(inputs) -> list | None:
    if isinstance(inputs, (str, Path)):  # one input, not a list of its characters
        return [inputs]
    return list(inputs) if inputs else None


def extract_to_file(inputs, out_path, *, fmt=None, lexicons=(), progress=False,
                    on_issue=None, workers: int = 1, mapping: dict[str, str] | None = None,
                    cache: str | Path | None = None, corpus_stats: Sequence[str | Path] = (),
                    dask=None) -> BuildSummary:
    """``kg extract``: one JSON line per paper, entities with canonical ids. ``dask``: as
    for :func:`build`."""
    inputs = _inputs(inputs)
    check_inputs(inputs, fmt, mapping)
    summary = BuildSummary()
    for _ in _write_extractions(Path(out_path), inputs, fmt, lexicons, progress, on_issue, workers,
                                summary, mapping, cache, corpus_stats, dask):
        pass
    return summary


RDF_FORMATS = ("ttl", "nt", "jsonld")
GRAPH_FORMATS = ("graphml", "gexf")


def check_formats(rdf_formats: Sequence[str] = (), graph_formats: Sequence[str] = ()) -> None:
    """Raise ``ValueError`` for an export format that does not exist (before any work)."""
    if isinstance(rdf_formats, str) or isinstance(graph_formats, str):
        raise TypeError("rdf_formats / graph_formats are sequences of names, e.g. ('ttl', 'nt')")
    bad = [f for f in rdf_formats if f not in RDF_FORMATS]
    if bad:
        raise ValueError(f"unknown RDF format(s): {', '.join(bad)}; choose from {', '.join(RDF_FORMATS)}")
    bad = [f for f in graph_formats if f not in GRAPH_FORMATS]
    if bad:
        raise ValueError(f"unknown graph format(s): {', '.join(bad)}; choose from {', '.join(GRAPH_FORMATS)}")


def build(inputs: Sequence[str | Path] | None = None, out_dir: str | Path = "exports", *,
          fmt: str | None = None, lexicons: Sequence[str | Path] = (), progress: bool = False,
          rdf_formats: Sequence[str] = RDF_FORMATS, html: bool = True,
          on_issue: Callable[[ReadIssue], None] | None = None,
          workers: int = 1, mapping: dict[str, str] | None = None,
          graph_formats: Sequence[str] = ("graphml",),
          on_warning: Callable[[str], None] | None = None,
          cache: str | Path | None = None,
          corpus_stats: Sequence[str | Path] = (),
          store: bool = False, dask=None,
          graph: bool = True) -> tuple[nx.MultiDiGraph | None, BuildSummary]:
    """``kg build``: every export written to ``out_dir``, and the NetworkX graph.

    ``inputs``: paths (files, directories, ``-`` for standard input; default: the bundled
    sample).  Every option is checked before anything is read or written: an unknown
    format or a missing input raises at once (``ValueError`` / ``InputError``).
    ``on_issue`` is told of each input problem, ``on_warning`` of data left out of an export
    (a url that is not a valid IRI).  ``store``: also write ``graph.oxigraph/``, the on-disk
    pyoxigraph store that ``kg query OUT`` opens without parsing (``kg build`` writes it
    unless ``--no-store``).

    The exports never need the graph: they are written from ``mentions.jsonl`` (the resolved
    stream) and the per-entity aggregates of one pass (``kg.aggregate``), so memory follows
    the number of distinct entities, not of papers. ``graph=True`` (the default) also grows
    the whole NetworkX graph (about 6 kB a paper) and returns it, for analytics and
    notebooks; ``graph=False`` (what ``kg build`` does) returns ``(None, summary)``, and the
    graph can be built later from the export: ``kg.graph.build_graph(
    kg.aggregate.read_extractions(OUT / "mentions.jsonl"))``."""
    inputs = _inputs(inputs)
    check_formats(rdf_formats, graph_formats)
    check_inputs(inputs, fmt, mapping)
    out = Path(out_dir)
    summary = BuildSummary()
    # every file is written into a staging folder and the set switched in at the end, at
    # once: a build that fails or is killed leaves the previous set whole (kg/atomic.py)
    with atomic_files(out, EXPORT_NAMES) as stage:
        mentions = stage / "mentions.jsonl"
        agg = Aggregates()
        stream = _aggregated(_write_extractions(mentions, inputs, fmt, lexicons, progress,
                                                on_issue, workers, summary, mapping, cache,
                                                corpus_stats, dask), agg)
        if graph:
            g = kgraph.build_graph(stream)
        else:
            g = None
            for _ in stream:
                pass
        summary.files += write_exports(mentions, stage, rdf_formats=rdf_formats, html=html,
                                       graph_formats=graph_formats, on_warning=on_warning,
                                       store=store, aggregates=agg, processes=workers,
                                       cache=cache)
    summary.files = [out / f.name for f in summary.files]
    return g, summary


def _aggregated(stream: Iterable[PaperExtraction], agg: Aggregates) -> Iterator[PaperExtraction]:
    for ex in stream:
        agg.add(ex)
        yield ex


#: every file ``build`` may write into its folder
EXPORT_NAMES = ("mentions.jsonl", "graph.graphml", "graph.gexf", "graph.ttl", "graph.nt",
                "graph.jsonld", "graph.html", "graph.oxigraph")


def write_exports(source, out: Path, rdf_formats=RDF_FORMATS, html=True,
                  graph_formats: Sequence[str] = ("graphml",), on_warning=None,
                  store: bool = False, *, aggregates: Aggregates | None = None,
                  processes: int = 1, cache: str | Path | None = None) -> list[Path]:
    """Write the exports of a resolved stream into ``out``; with ``store`` (and some RDF
    format), also the pyoxigraph store ``graph.oxigraph/``, bulk-loaded from the N-Triples
    file just written (else the Turtle or JSON-LD one).

    ``source``: the stream (the path of its ``mentions.jsonl``, a list of extractions:
    ``kg.aggregate.passes``) with its ``aggregates`` (None: computed here, one more read);
    or a NetworkX graph (``kg.graph``), written by the graph-based writers. From the stream,
    GraphML / GEXF, RDF and the page's choice of nodes are written in ONE read of it, the
    page in a second read (of what it shows only): no graph of everything is built.
    ``processes`` > 1: the graph files and the page are written by a forked process, beside
    the RDF files and the store (the same bytes, in about half the time). ``cache``: a
    directory where each paper's share of the RDF and GraphML files is kept
    (``kg.fragments``), when ``source`` is a path: a paper an earlier export wrote in the
    same way is copied."""
    check_formats(rdf_formats, graph_formats)
    out = Path(out)
    if hasattr(source, "out_edges"):
        return _write_graph_exports(source, out, rdf_formats, html, graph_formats, on_warning,
                                    store)
    read = passes(source)
    agg = aggregates if aggregates is not None else Aggregates.of(read())
    child = _ExportProcess.start(read, out, agg, html, graph_formats, source, cache) \
        if processes > 1 and (html or graph_formats) and rdf_formats else None
    try:
        if child is None:
            return _write_stream_exports(read, out, agg, rdf_formats, html, graph_formats,
                                         on_warning, store, source,
                                         concurrent_store=processes > 1, cache=cache)
        # the child writes the graph files and the page, this process the RDF and the store
        rdf_files = _write_stream_exports(read, out, agg, rdf_formats, False, (), on_warning,
                                          store, source, concurrent_store=True, cache=cache)
        child_files = child.result()
        page = [f for f in child_files if f.name == "graph.html"]
        return [f for f in child_files if f not in page] + rdf_files + page
    finally:
        if child is not None:
            child.close()


def _write_stream_exports(read, out: Path, agg: Aggregates, rdf_formats, html, graph_formats,
                          on_warning, store, source, concurrent_store: bool = False,
                          cache: str | Path | None = None, owns_cache: bool = True) -> list[Path]:
    """``concurrent_store``: the store is loaded by another process from the N-Triples as
    they are written (:class:`kg.query.StoreLoader`), not from the file once it is.
    ``cache``: see :func:`write_exports`; ``owns_cache``: this call's use of it is the build's
    (it marks what it reads and prunes the rest: not so in the process beside the one that
    writes the RDF files, whose pieces have the same keys)."""
    from .rdf import RDFExport
    from .views import PageSelector, write_page
    files: list[Path] = []
    loader = sync = fragments = None
    if cache is not None and isinstance(source, (str, os.PathLike)) \
            and (rdf_formats or "graphml" in graph_formats):
        from .fragments import FragmentCache
        fragments = FragmentCache(cache, track_use=owns_cache)
    try:
        if store and concurrent_store and ("nt" in rdf_formats or "ttl" in rdf_formats):
            from .query import STORE_NAME, StoreLoader
            if fragments is not None:  # made from the last build's store, if there is one
                from .store_sync import StoreSync
                loader = sync = StoreSync(fragments, out / STORE_NAME)
            else:
                loader = StoreLoader(out / STORE_NAME)
        with contextlib.ExitStack() as stack:
            graph_out = []
            for name in GRAPH_FORMATS:
                if name in graph_formats:
                    fh = stack.enter_context(atomic_write(out / f"graph.{name}"))
                    graph_out.append(kgraph.GraphExport(fh, agg, name))
                    files.append(out / f"graph.{name}")
            rdf = None
            if rdf_formats:
                tee = sync.tee if sync is not None else loader.write if loader else None
                rdf = stack.enter_context(RDFExport(out, tuple(rdf_formats), on_warning,
                                                    aggregates=agg, nt_tee=tee,
                                                    fragments=fragments, store_sync=sync))
            selector = PageSelector(agg) if html else None
            if fragments is not None:  # papers an earlier build wrote are copied
                with open(source, encoding="utf-8") as fh:
                    lines = enumerate(ln for ln in fh if ln.strip())
                    while batch := fragments.keys(list(itertools.islice(lines, 256)), agg):
                        if rdf is not None:
                            rdf.add_pieces(batch)
                        for w in graph_out:
                            w.add_pieces(batch, fragments)
                        if selector is not None:
                            for i, line, _ in batch:
                                selector.add_record(i, line.record)
            else:
                consumers = [*graph_out, *([rdf] if rdf is not None else []),
                             *([selector] if selector is not None else [])]
                for i, ex in enumerate(read()):
                    for c in consumers:
                        c.add(i, ex)
            for w in graph_out:
                w.close()
        if loader is not None:  # the RDF files are in place: the store is stamped with one
            first = next(f"graph.{f}" for f in ("nt", "ttl") if f in rdf_formats)
            loader.finish(out / first)
        if fragments is not None:  # every piece of this build asked for: the others go
            fragments.finish()
    except BaseException:
        if loader is not None:
            loader.abort()
        raise
    finally:
        if fragments is not None:
            fragments.close()
    if rdf is not None:  # its files are in place once the block is left
        files += rdf.paths
        if loader is not None:
            files.append(loader.dest)
        elif store:
            from .query import STORE_NAME, write_store
            first = next(f"graph.{f}" for f in ("nt", "ttl", "jsonld") if f in rdf_formats)
            files.append(write_store(out / first, out / STORE_NAME))
    if selector is not None:
        files.append(write_page(source, out / "graph.html", aggregates=agg,
                                selection=selector.result()))
    return files


class _ExportProcess:
    """The graph files and the page of a stream, written by a forked process while this one
    writes the RDF files and the store: the two halves take about the same time. The child
    inherits the aggregates through ``fork`` (nothing is pickled but the paths it returns);
    its error is raised by :meth:`result`."""

    @classmethod
    def start(cls, *job) -> "_ExportProcess | None":
        import multiprocessing as mp
        return cls(*job) if "fork" in mp.get_all_start_methods() else None

    def __init__(self, read, out: Path, agg: Aggregates, html: bool, graph_formats, source,
                 cache) -> None:
        import multiprocessing as mp
        global _EXPORT_JOB
        _EXPORT_JOB = (read, out, agg, html, graph_formats, source, cache)
        try:
            self.pool = mp.get_context("fork").Pool(1)  # forks here, with the job in place
            self.job = self.pool.apply_async(_run_export_job)
        finally:
            _EXPORT_JOB = None

    def result(self) -> list[Path]:
        return self.job.get()

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


_EXPORT_JOB = None


def _run_export_job() -> list[Path]:
    read, out, agg, html, graph_formats, source, cache = _EXPORT_JOB
    return _write_stream_exports(read, out, agg, (), html, graph_formats, None, False, source,
                                 cache=cache, owns_cache=False)


def _write_graph_exports(g: nx.MultiDiGraph, out: Path, rdf_formats, html, graph_formats,
                         on_warning, store) -> list[Path]:
    """The exports of a graph held in memory (``write_exports(g, ...)``)."""
    files = []
    if "graphml" in graph_formats:
        graphml = out / "graph.graphml"
        with atomic_path(graphml) as tmp:
            nx.write_graphml(kgraph.to_graphml_ready(g), tmp)
        files.append(graphml)
    if "gexf" in graph_formats:
        gexf = out / "graph.gexf"
        with atomic_path(gexf) as tmp:
            nx.write_gexf(kgraph.to_gexf_ready(g), tmp)
        files.append(gexf)
    if rdf_formats:
        from .rdf import write_rdf
        files += write_rdf(g, out, formats=tuple(rdf_formats), on_warning=on_warning)
        if store:
            from .query import STORE_NAME, write_store
            source = next(out / f"graph.{f}" for f in ("nt", "ttl", "jsonld") if f in rdf_formats)
            files.append(write_store(source, out / STORE_NAME))
    if html:
        from .views import write_page
        files.append(write_page(g, out / "graph.html"))
    return files


def _count(summary: BuildSummary, ex: PaperExtraction) -> None:
    summary.mentions += sum(len(e.mentions) for e in ex.entities)
    for e in ex.entities:
        summary.entity_types.setdefault(e.id, e.type)
    c = Counter(r.rel for r in ex.relations)
    for k, v in c.items():
        summary.relations_by_type[k] = summary.relations_by_type.get(k, 0) + v


def _finish(summary: BuildSummary, report: ReadReport) -> None:
    summary.papers_read = report.read
    summary.papers_skipped = report.skipped
    summary.issues = list(report.issues)
    summary.issue_count = report.issue_count
    summary.entities_by_type = dict(Counter(summary.entity_types.values()))


@lru_cache(maxsize=1)
def _sample_extractions() -> tuple[PaperExtraction, ...]:
    report = ReadReport()
    return tuple(extract_resolved(iter_papers(None, None, report)))


def sample_extractions() -> list[PaperExtraction]:
    """The bundled sample corpus, extracted and resolved (cached for the process)."""
    return list(_sample_extractions())


def sample_graph() -> nx.MultiDiGraph:
    return kgraph.build_graph(sample_extractions())
