"""Extraction on several cores: a fork pool over chunks of papers.

``nlp.pipe(n_process=...)`` pickles whole ``Doc`` objects back to the parent and was
slower than one process on short abstracts; here each worker returns plain
``PaperExtraction`` records, which are small. Workers inherit the parent's extractor
through ``fork``, so the lexicon is built once.
"""
from __future__ import annotations

import itertools
import multiprocessing as mp
from typing import Iterable, Iterator

from ..model import Paper, PaperExtraction
from .pipeline import Extractor

_WORKER_EXTRACTOR: Extractor | None = None


def _run_chunk(chunk: list[Paper]) -> list[PaperExtraction]:
    assert _WORKER_EXTRACTOR is not None
    return list(_WORKER_EXTRACTOR.pipe(chunk))


def _chunks(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    it = iter(papers)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def pipe_parallel(extractor: Extractor, papers: Iterable[Paper], workers: int = 2,
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
