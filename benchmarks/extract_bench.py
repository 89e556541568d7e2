"""Extraction and build throughput on real arXiv abstracts, as ratios against spaCy's bare tokenizer.

    python benchmarks/extract_bench.py [--papers 1000] [--rounds 5] [--build-papers 5000]
                                       [--corpus ../shared/corpus/arxiv-cs-100k.jsonl.gz]

Every stage reads its own real papers of the 100k arXiv corpus (never copies of the sample,
and never text another stage has seen: spaCy's tokenizer cache would stay warm on repeated
text). In the same run it times

  baseline    spacy.blank("en") tokenizing "title. abstract"      (the floor any spaCy pipeline pays)
  tokenizer   kg's name-preserving tokenizer (sentences come from its token arrays)
  extract     kg.extract.Extractor.pipe (entities, proposals, relations), one process
  extract-j2  the same on two processes (kg.extract.parallel.pipe_parallel)
  build-j2    `kg build FILE -o DIR -j 2` of --build-papers papers, end to end: every export
              and the page, as a user runs it (a subprocess; its peak memory is reported)

Single-process stages are timed in CPU seconds (``time.process_time``) and interleaved in
``--rounds`` rounds, so that load from other processes on the machine falls on the baseline
and the stage alike; the parallel stages are timed on the wall clock next to a baseline run
on the wall clock just before them. Each stage's *ratio* is its papers/s over the
baseline's papers/s (issue 9's floors: extract 0.5, build-j2 0.6).

``--breakdown`` also says where extraction's time goes (tokenizer, candidates, typing and
merging, relations, TeX), by timing the extractor's stages on one more slice.

Results go to benchmarks/results/extract.json.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv-cs-100k.jsonl.gz"


def _texts(papers) -> list[str]:
    return [p.title + ". " + p.abstract for p in papers]


def _cpu(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def _wall(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _breakdown(extractor, papers) -> dict[str, float]:
    """CPU seconds per extraction stage on ``papers`` (the stages are timed by wrapping the
    extractor's own steps for this run only)."""
    from kg.extract import pipeline, texmap

    acc: Counter = Counter()

    def timed(owner, name, label):
        fn = getattr(owner, name)

        def wrapper(*a, **k):
            t = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                acc[label] += time.process_time() - t
        setattr(owner, name, wrapper)
        return lambda: setattr(owner, name, fn)

    undo = [timed(type(extractor), "_candidates", "candidates (lexicon, shapes, abbreviations, title)"),
            timed(type(extractor), "_merge", "merging and typing entities, proposals"),
            timed(pipeline, "find_relations", "relations"),
            timed(pipeline, "find_results", "results"),
            timed(texmap, "detex_paper", "TeX to text and back"),
            timed(pipeline.texmap, "to_original", "TeX to text and back")]
    try:
        total = _cpu(lambda: list(extractor.pipe(papers)))
    finally:
        for u in undo:
            u()
    acc["spaCy's tokenizer, and the pipe around the stages"] = total - sum(acc.values())
    return {"total": total, **dict(acc.most_common())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=1000, help="papers per single-process stage")
    ap.add_argument("--rounds", type=int, default=5, help="rounds the single-process stages alternate in")
    ap.add_argument("--build-papers", type=int, default=5000, help="papers of the end-to-end build (0: skip)")
    ap.add_argument("--breakdown", action="store_true", help="also time extraction's stages")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "extract.json")
    a = ap.parse_args()

    from kg.extract import Extractor
    from kg.extract.parallel import pipe_parallel
    from kg.extract.tokenizer import make_nlp
    from kg.readers import ReadReport, read_papers

    single = ("baseline", "tokenizer", "extract")
    n_single = a.papers * len(single)
    n_j2 = a.papers * 2  # extract-j2 and the baseline next to it
    n_breakdown = a.papers if a.breakdown else 0
    n_build = a.build_papers * 2  # the build and the baseline next to it
    need = n_single + n_j2 + n_breakdown + n_build
    allp = list(itertools.islice(read_papers(a.corpus, report=ReadReport()), need))
    if len(allp) < need:
        sys.exit(f"{a.corpus}: {len(allp)} papers, {need} needed")
    cursor = 0

    def take(k: int) -> list:
        nonlocal cursor
        cursor += k
        return allp[cursor - k:cursor]
    per_stage = {s: take(a.papers) for s in single}
    j2_papers, j2_base = take(a.papers), take(a.papers)
    breakdown_papers = take(n_breakdown)
    build_papers, build_base = take(a.build_papers), take(a.build_papers)
    print(f"{a.corpus.name}: a different slice of real papers for each stage")

    blank = spacy.blank("en")
    ours = make_nlp()
    extractor = Extractor()
    list(extractor.pipe(allp[-20:]))  # load the lexicon index and caches once, outside the timing
    run = {"baseline": lambda ps: list(blank.pipe(_texts(ps), batch_size=256)),
           "tokenizer": lambda ps: list(ours.pipe(_texts(ps), batch_size=256)),
           "extract": lambda ps: list(extractor.pipe(ps))}

    secs = Counter()
    size = -(-a.papers // a.rounds)
    for r in range(a.rounds):
        order = single[r % 3:] + single[:r % 3]  # a different stage first in each round
        for stage in order:
            chunk = per_stage[stage][r * size:(r + 1) * size]
            secs[stage] += _cpu(lambda: run[stage](chunk))
    rows = [{"stage": s, "papers": a.papers, "clock": "cpu", "seconds": round(secs[s], 3),
             "papers_per_s": round(a.papers / secs[s], 1),
             "ratio": round(secs["baseline"] / secs[s], 3)} for s in single]

    base_wall = _wall(lambda: list(blank.pipe(_texts(j2_base), batch_size=256)))
    j2 = _wall(lambda: list(pipe_parallel(extractor, j2_papers, workers=2)))
    rows.append({"stage": "extract-j2", "papers": a.papers, "clock": "wall", "seconds": round(j2, 3),
                 "papers_per_s": round(a.papers / j2, 1), "baseline_seconds": round(base_wall, 3),
                 "ratio": round(base_wall / j2, 3)})

    if a.build_papers:
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "papers.jsonl"
            with open(src, "w", encoding="utf-8") as fh:
                for p in build_papers:
                    fh.write(json.dumps({"id": p.id, "title": p.title, "abstract": p.abstract,
                                         "authors": list(p.authors), "date": p.date}) + "\n")
            before = _wall(lambda: list(blank.pipe(_texts(build_base), batch_size=256)))
            cmd = [sys.executable, "-m", "kg", "build", str(src), "-o", str(Path(d) / "out"), "-j", "2", "--no-progress"]
            build = _wall(lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL))
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            after = _wall(lambda: list(blank.pipe(_texts(build_base), batch_size=256)))
            base_b = (before + after) / 2
        rows.append({"stage": "build-j2", "papers": a.build_papers, "clock": "wall",
                     "seconds": round(build, 3), "papers_per_s": round(a.build_papers / build, 1),
                     "baseline_seconds": round(base_b, 3), "ratio": round(base_b / build, 3),
                     "peak_rss_mb": round(peak_mb)})

    print(f"{'stage':11s} {'papers':>6s} {'clock':>5s} {'seconds':>8s} {'papers/s':>9s} {'ratio':>6s}")
    for row in rows:
        print(f"{row['stage']:11s} {row['papers']:6d} {row['clock']:>5s} {row['seconds']:8.2f} "
              f"{row['papers_per_s']:9.0f} {row['ratio']:6.2f}"
              + (f"   peak {row['peak_rss_mb']} MB" if "peak_rss_mb" in row else ""))
    print("ratio: the stage's papers/s over the baseline's (spaCy's bare tokenizer) in this run")

    result = {"corpus": a.corpus.name, "rounds": a.rounds, "cpu_count": os.cpu_count(), "stages": rows}
    if a.breakdown:
        parts = _breakdown(extractor, breakdown_papers)
        total = parts.pop("total")
        print(f"\nwhere extraction's time goes ({len(breakdown_papers)} papers, {total:.2f} CPU s):")
        for k, v in parts.items():
            print(f"  {v / total:5.1%}  {k}")
        result["breakdown"] = {"papers": len(breakdown_papers), "cpu_seconds": round(total, 3),
                               "share": {k: round(v / total, 3) for k, v in parts.items()}}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
