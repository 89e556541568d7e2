"""One run end to end: read -> extract -> resolve -> graph -> exports, streaming where it can.

Pass 1 reads the papers lazily, extracts each and writes the raw extractions to a
temporary JSON-lines file while the resolver learns the corpus's spellings and
abbreviations. Pass 2 streams that file back, resolves canonical ids, writes
``mentions.jsonl`` and grows the NetworkX graph. Only the graph and the resolver's table
of surface forms are held in memory.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import networkx as nx
from tqdm import tqdm

from . import graph as kgraph
from .atomic import atomic_path, atomic_write
from .extract import Extractor
from .extract.parallel import pipe_parallel
from .model import Paper, PaperExtraction
from .readers import ReadIssue, ReadReport, read_papers
from .resolve import Resolver

SAMPLE_NAME = "sample-papers.jsonl"


def sample_path() -> Path:
    """The bundled sample corpus: 84 arXiv titles and abstracts (public-domain metadata)."""
    return Path(str(resources.files("kg") / "data" / SAMPLE_NAME))


@dataclass
class BuildSummary:
    papers_read: int = 0
    papers_skipped: int = 0
    issues: list[ReadIssue] = field(default_factory=list)
    issue_count: int = 0
    entities_by_type: dict[str, int] = field(default_factory=dict)
    relations_by_type: dict[str, int] = field(default_factory=dict)
    mentions: int = 0
    files: list[Path] = field(default_factory=list)
    entity_types: dict[str, str] = field(default_factory=dict, repr=False)  # id -> type

    def lines(self) -> list[str]:
        out = [f"papers read: {self.papers_read}, skipped: {self.papers_skipped}"]
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


def iter_papers(inputs: Sequence[str | Path] | None, fmt: str | None, report: ReadReport,
                on_issue: Callable[[ReadIssue], None] | None = None) -> Iterator[Paper]:
    """Papers of every input in turn (the bundled sample when there is none)."""
    paths = list(inputs) if inputs else [sample_path()]
    seen: set[str] = set()
    for path in paths:
        for p in read_papers(path, format=fmt, report=report, on_issue=on_issue):
            if p.id in seen:  # the same paper in two inputs
                continue
            seen.add(p.id)
            yield p


def extract_resolved(papers: Iterable[Paper], extractor: Extractor | None = None,
                     progress: bool = False, total: int | None = None,
                     workers: int = 1) -> Iterator[PaperExtraction]:
    """Extract and resolve a stream of papers in two passes through a temporary file."""
    extractor = extractor or Extractor()
    resolver = Resolver()
    fd, tmp = tempfile.mkstemp(prefix="kg-extract-", suffix=".jsonl")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            stream = pipe_parallel(extractor, papers, workers) if workers > 1 else extractor.pipe(papers)
            if progress:
                stream = tqdm(stream, total=total, unit=" papers", desc="extracting", mininterval=0.5)
            for ex in stream:
                resolver.observe(ex)
                fh.write(json.dumps(ex.to_json(), ensure_ascii=False) + "\n")
        with open(tmp, encoding="utf-8") as fh:
            for line in fh:
                yield resolver.resolve(PaperExtraction.from_json(json.loads(line)))
    finally:
        os.unlink(tmp)


def _write_extractions(out_path: Path, inputs, fmt, lexicons, progress, on_issue, workers,
                       summary: BuildSummary) -> Iterator[PaperExtraction]:
    """Read, extract and resolve; write each paper's line to ``out_path`` (atomically) and
    pass it on; count what was read, skipped and found into ``summary``."""
    report = ReadReport()
    extractor = Extractor(extra_lexicons=lexicons)
    papers = iter_papers(inputs, fmt, report, on_issue)
    with atomic_write(out_path) as fh:
        for ex in extract_resolved(papers, extractor, progress, workers=workers):
            fh.write(json.dumps(ex.to_json(), ensure_ascii=False) + "\n")
            _count(summary, ex)
            yield ex
    _finish(summary, report)
    summary.files.append(Path(out_path))


def extract_to_file(inputs, out_path, fmt=None, lexicons=(), progress=False,
                    on_issue=None, workers: int = 1) -> BuildSummary:
    """``kg extract``: one JSON line per paper, entities with canonical ids."""
    summary = BuildSummary()
    for _ in _write_extractions(Path(out_path), inputs, fmt, lexicons, progress, on_issue, workers, summary):
        pass
    return summary


def build(inputs: Sequence[str | Path] | None = None, out_dir: str | Path = "exports",
          fmt: str | None = None, lexicons: Sequence[str | Path] = (), progress: bool = False,
          rdf_formats: Sequence[str] = ("ttl", "nt", "jsonld"), html: bool = True,
          on_issue: Callable[[ReadIssue], None] | None = None,
          workers: int = 1) -> tuple[nx.MultiDiGraph, BuildSummary]:
    """``kg build``: the graph and every export written to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = BuildSummary()
    g = kgraph.build_graph(_write_extractions(out / "mentions.jsonl", inputs, fmt, lexicons, progress,
                                              on_issue, workers, summary))
    summary.files += write_exports(g, out, rdf_formats=rdf_formats, html=html)
    return g, summary


def write_exports(g: nx.MultiDiGraph, out: Path, rdf_formats=("ttl", "nt", "jsonld"), html=True) -> list[Path]:
    files = []
    graphml = out / "graph.graphml"
    with atomic_path(graphml) as tmp:
        nx.write_graphml(kgraph.to_graphml_ready(g), tmp)
    files.append(graphml)
    if rdf_formats:
        from .rdf import write_rdf
        files += write_rdf(g, out, formats=tuple(rdf_formats))
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
