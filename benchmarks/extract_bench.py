"""Extraction throughput on real arXiv abstracts, as ratios against spaCy's bare tokenizer.

    python benchmarks/extract_bench.py [--papers 1000] [--corpus ../shared/corpus/arxiv-cs-100k.jsonl.gz]

Reads 5 x N real papers of the 100k arXiv corpus and gives each stage its own N (never
copies of the sample, and never text another stage has seen: spaCy's tokenizer cache
would stay warm on repeated text), then times, in the same run:

  baseline   spacy.blank("en") tokenizing "title. abstract"           (the floor any spaCy pipeline pays)
  tokenizer  kg's name-preserving tokenizer + sentencizer
  extract    kg.extract.Extractor.pipe (entities, proposals, relations)
  extract-j2 the same on two processes (kg.extract.parallel.pipe_parallel)
  build      extract + resolve (two passes) + graph + N-Triples export

and prints papers/second and each stage's time as a multiple of the baseline. Results go
to benchmarks/results/extract.json.
"""
from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv-cs-100k.jsonl.gz"


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=1000, help="papers per stage")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "extract.json")
    a = ap.parse_args()

    from kg import graph as kgraph
    from kg.build import extract_resolved
    from kg.extract import Extractor
    from kg.extract.parallel import pipe_parallel
    from kg.extract.tokenizer import make_nlp
    from kg.rdf import write_rdf
    from kg.readers import ReadReport, read_papers

    # Each stage gets its own slice of the corpus, so that no stage profits from a
    # tokenizer cache another stage warmed on the same text.
    stages = 5
    allp = list(itertools.islice(read_papers(a.corpus, report=ReadReport()), a.papers * stages))
    n = len(allp) // stages
    slices = [allp[i * n:(i + 1) * n] for i in range(stages)]
    print(f"{n} real papers per stage from {a.corpus.name} (a different slice for each stage)")

    def texts(papers):
        return [p.title + ". " + p.abstract for p in papers]

    blank = spacy.blank("en")
    ours = make_nlp()
    extractor = Extractor()
    results: dict[str, float] = {}
    results["baseline"] = timed(lambda: list(blank.pipe(texts(slices[0]), batch_size=256)))
    results["tokenizer"] = timed(lambda: list(ours.pipe(texts(slices[1]), batch_size=256)))
    results["extract"] = timed(lambda: list(extractor.pipe(slices[2])))
    results["extract-j2"] = timed(lambda: list(pipe_parallel(extractor, slices[3], workers=2)))

    def build() -> None:
        g = kgraph.build_graph(extract_resolved(slices[4], extractor))
        with tempfile.TemporaryDirectory() as d:
            write_rdf(g, d, formats=("nt",))
    results["build"] = timed(build)

    base = results["baseline"]
    rows = []
    print(f"{'stage':10s} {'seconds':>8s} {'papers/s':>9s} {'x baseline':>10s}")
    for stage, secs in results.items():
        rows.append({"stage": stage, "seconds": round(secs, 3), "papers_per_s": round(n / secs, 1),
                     "ratio_to_baseline": round(secs / base, 2)})
        print(f"{stage:10s} {secs:8.2f} {n / secs:9.0f} {secs / base:10.2f}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"papers": n, "corpus": a.corpus.name, "stages": rows}, indent=2) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
