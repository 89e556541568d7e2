"""An incremental build (`kg build --cache DIR`) against a build from scratch, in one run.

    python benchmarks/incremental_bench.py [--papers 5000] [--new 0.1] [-j 2]

Takes the first N real papers of ../shared/corpus/arxiv-cs-100k.jsonl.gz, fills a cache
with the first (1 - new) share of them (yesterday's build), then times, in the same run:

  scratch      kg build of all N papers, no cache
  incremental  kg build of all N papers with the cache (only the new share is extracted)

and checks that both wrote the same bytes. Results go to benchmarks/results/incremental.json.
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv-cs-100k.jsonl.gz"


def kg_build(*args) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kg", "build", *map(str, args), "--no-progress"],
                   check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=5000)
    ap.add_argument("--new", type=float, default=0.1, help="share of papers that are new")
    ap.add_argument("-j", "--workers", type=int, default=2)
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
        scratch = kg_build(d / "all.jsonl", "-o", d / "scratch", *j)
        incremental = kg_build(d / "all.jsonl", "-o", d / "incr", "--cache", d / "cache", *j)
        same = all((d / "scratch" / f).read_bytes() == (d / "incr" / f).read_bytes()
                   for f in ("mentions.jsonl", "graph.nt", "graph.ttl", "graph.graphml"))
    res = {"papers": len(lines), "new": len(lines) - old_n, "workers": a.workers,
           "seconds": {"cache fill (old papers)": round(fill, 2), "scratch": round(scratch, 2),
                       "incremental": round(incremental, 2)},
           "ratio_incremental_to_scratch": round(incremental / scratch, 3), "same_bytes": same}
    print(json.dumps(res, indent=2))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
