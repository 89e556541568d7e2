"""Extraction on several cores: a fork pool over chunks of papers.

``nlp.pipe(n_process=...)`` pickles whole ``Doc`` objects back to the parent and was
slower than one process on short abstracts; here each worker returns plain
``PaperExtraction`` records, which are small. Workers inherit the parent's extractor
through ``fork``, so the lexicon is built once. :class:`ForkPool` takes jobs ahead of their
use (an incremental build hands it the papers its cache lacks, batches ahead of the ones it
is yielding, so the workers extract while this process serves the cached ones).
"""
from __future__ import annotations

import itertools
import multiprocessing as mp
from typing import TYPE_CHECKING, Iterable, Iterator

from ..model import Paper, PaperExtraction

if TYPE_CHECKING:
    from .pipeline import Extractor

_WORKER_EXTRACTOR = None  # an Extractor, or an ExtractorSpec a worker makes one of


class ExtractorSpec:
    """What an :class:`Extractor` is made of (its lexicon and corpus statistics) without the
    spaCy pipeline: an incremental build keys its cache with it, and its workers make the
    extractor themselves (:class:`ForkPool`), so that a build whose papers are all cached
    never loads spaCy, and one with new papers loads it beside its own work, not before."""

    def __init__(self, lexicon, stats) -> None:
        self.lexicon, self.stats = lexicon, stats

    def make(self) -> "Extractor":
        from .pipeline import Extractor
        return Extractor(lexicon=self.lexicon, corpus_stats=self.stats)


def _extractor(x) -> "Extractor":
    return x.make() if isinstance(x, ExtractorSpec) else x


def _run_chunk(chunk: list[Paper]) -> list[PaperExtraction]:
    global _WORKER_EXTRACTOR
    assert _WORKER_EXTRACTOR is not None
    _WORKER_EXTRACTOR = _extractor(_WORKER_EXTRACTOR)  # made once per worker
    return list(_WORKER_EXTRACTOR.pipe(chunk))


def _chunks(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    it = iter(papers)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def pipe_parallel(extractor: "Extractor", papers: Iterable[Paper], workers: int = 2,
                  chunk_size: int = 128) -> Iterator[PaperExtraction]:
    """Like ``extractor.pipe(papers)``, in input order, on ``workers`` processes."""
    if workers <= 1 or "fork" not in mp.get_all_start_methods():
        yield from extractor.pipe(papers)
        return
    global _WORKER_EXTRACTOR
    _WORKER_EXTRACTOR = extractor
    ctx = mp.get_context("fork")
    with ctx.Pool(workers) as pool:
        # imap keeps input order and reads the input lazily, a few chunks ahead
        for result in pool.imap(_run_chunk, _chunks(papers, chunk_size)):
            yield from result


class ForkPool:
    """Extraction jobs on ``workers`` forked processes, started when submitted::

        with ForkPool(extractor, 2) as pool:
            later = pool.submit(papers)  # the workers start on them now
            ...
            for ex in later: ...          # in input order, as they are done

    The processes are forked at the first submit (none when nothing is submitted). Given an
    :class:`ExtractorSpec`, each worker makes its extractor at its first job."""

    def __init__(self, extractor: "Extractor | ExtractorSpec", workers: int = 2,
                 chunk_size: int = 128) -> None:
        self.extractor, self.workers, self.chunk_size = extractor, workers, chunk_size
        self._pool = None

    def submit(self, papers: list[Paper]) -> Iterator[PaperExtraction]:
        if self.workers <= 1 or "fork" not in mp.get_all_start_methods():
            self.extractor = _extractor(self.extractor)
            return self.extractor.pipe(papers)  # lazy: extracted when iterated
        if self._pool is None:
            global _WORKER_EXTRACTOR
            _WORKER_EXTRACTOR = self.extractor
            self._pool = mp.get_context("fork").Pool(self.workers)
        jobs = [self._pool.apply_async(_run_chunk, (chunk,))
                for chunk in _chunks(papers, self.chunk_size)]
        return (ex for job in jobs for ex in job.get())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> "ForkPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
