"""An incremental build (`kg build --cache DIR`) against a build from scratch, in one run.

    python benchmarks/incremental_bench.py [--papers 5000] [--new 0.1] [-j 2] [--rounds 2]

Takes the first N real papers of ../shared/corpus/arxiv-cs-100k.jsonl.gz, fills a cache
with the first (1 - new) share of them (yesterday's build), then times, in the same run and
in turn for each round (the fastest of each kind is kept: other load on the machine falls
on both):

  scratch      kg build of all N papers, no cache
  incremental  kg build of all N papers with a copy of yesterday's cache (only the new
               share is extracted; the other papers' export pieces are reused)

and checks that both wrote the same bytes; it also gives the cache's size before and after
(an incremental build adds the new papers' rows and prunes what no recent build used). Results go to benchmarks/results/incremental.json.
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv-cs-100k.jsonl.gz"


def kg_build(*args) -> float:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "kg", "build", *map(str, args), "--no-progress"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"kg build {' '.join(map(str, args))} failed:\n{r.stderr}")
    return time.perf_counter() - t


def _size_mb(directory: Path) -> float:
    return round(sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()) / 2**20, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=5000)
    ap.add_argument("--new", type=float, default=0.1, help="share of papers that are new")
    ap.add_argument("-j", "--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "incremental.json")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        with gzip.open(a.corpus, "rt", encoding="utf-8") as fh:
            lines = list(itertools.islice(fh, a.papers))
        old_n = int(len(lines) * (1 - a.new))
        (d / "old.jsonl").write_text("".join(lines[:old_n]), encoding="utf-8")
        (d / "all.jsonl").write_text("".join(lines), encoding="utf-8")
        j = ["-j", a.workers]
        fill = kg_build(d / "old.jsonl", "-o", d / "old", "--cache", d / "cache", *j)
        scratch, incremental = [], []
        for r in range(a.rounds):
            os.sync()  # (what the last build wrote goes to disk before this one is timed)
            scratch.append(kg_build(d / "all.jsonl", "-o", d / f"scratch{r}", *j))
            # each round from yesterday's cache as it was (a build adds to it)
            shutil.rmtree(d / "today", ignore_errors=True)
            shutil.copytree(d / "cache", d / "today")
            os.sync()  # (the copy's gigabytes at 100k papers would be written during the build)
            incremental.append(kg_build(d / "all.jsonl", "-o", d / f"incr{r}", "--cache",
                                        d / "today", *j))
        cache_mb = {"yesterday": _size_mb(d / "cache"), "after the incremental build": _size_mb(d / "today")}
        same = all((d / "scratch0" / f).read_bytes() == (d / f"incr{r}" / f).read_bytes()
                   for f in ("mentions.jsonl", "graph.nt", "graph.ttl", "graph.jsonld",
                             "graph.graphml", "graph.html") for r in range(a.rounds))
    res = {"papers": len(lines), "new": len(lines) - old_n, "workers": a.workers,
           "rounds": a.rounds,
           "seconds": {"cache fill (old papers)": round(fill, 2),
                       "scratch": [round(x, 2) for x in scratch],
                       "incremental": [round(x, 2) for x in incremental]},
           "ratio_incremental_to_scratch": round(min(incremental) / min(scratch), 3),
           "cache_mb": cache_mb,
           "same_bytes": same}
    print(json.dumps(res, indent=2))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
