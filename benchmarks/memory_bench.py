"""Peak memory of `kg build` against corpus size: the slope in MB per 1000 papers.

    python benchmarks/memory_bench.py [--sizes 10000,30000] [-j 2] [--no-store] [--graph]

Takes the first N papers of ../shared/corpus/arxiv-cs-100k.jsonl.gz for each size and runs,
each in a subprocess of its own,

  cli    kg build FILE -o OUT -j J --no-progress   (the exports read the stream, no graph)
  graph  (with --graph) kg.build.build(FILE, OUT, workers=J, graph=True): the same build
         that also grows and returns the whole NetworkX graph (the API's default)

and records the peak resident memory: of the largest single process (what
`/usr/bin/time -v` reports as "Maximum resident set size") and of the whole process tree
(main process and extraction workers, sampled every 0.1 s). The report gives MB per size,
the slope between consecutive sizes and overall (MB per 1000 papers), and with --graph the
ratio of the graph path to the CLI's. --no-store leaves out graph.oxigraph/, whose bulk
load (pyoxigraph) is the largest single user of memory of a build with a store. Results go
to benchmarks/results/memory.json.
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

# run in a subprocess: runs the command, samples its process tree, reports the peaks as JSON
_MEASURE = r"""
import json, os, resource, subprocess, sys, threading, time

def tree_rss(root):
    # resident memory (bytes) of root and its descendants, from /proc
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    total, todo = 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            pass
        todo.extend(kids.get(pid, ()))
    return total

t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
peak = [0]
def sample():
    while p.poll() is None:
        peak[0] = max(peak[0], tree_rss(p.pid))
        time.sleep(0.1)
threading.Thread(target=sample, daemon=True).start()
err = p.communicate()[1]
seconds = time.perf_counter() - t0
single = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # kB on Linux
print(json.dumps({"rc": p.returncode, "seconds": round(seconds, 1),
                  "peak_process_mb": round(single / 2**20), "peak_tree_mb": round(peak[0] / 2**20),
                  "stderr": err.decode("utf-8", "replace")[-2000:] if p.returncode else ""}))
"""

_GRAPH_BUILD = ("import sys; from kg.build import build; "
                "g, _ = build([sys.argv[1]], sys.argv[2], workers=int(sys.argv[3]), "
                "store=sys.argv[4] == '1', graph=True); print(g.number_of_nodes())")


def measure(cmd: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], check=True,
                         capture_output=True, text=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if res["rc"]:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{res['stderr']}")
    res.pop("stderr")
    return res


def slopes(sizes: list[int], mb: list[float]) -> dict:
    """MB per 1000 papers between consecutive sizes, and the least-squares slope of all."""
    steps = {f"{a}-{b}": round((y - x) / (b - a) * 1000, 1)
             for (a, x), (b, y) in zip(zip(sizes, mb), zip(sizes[1:], mb[1:]))}
    n = len(sizes)
    if n < 2:
        return {"steps": steps, "overall": None}
    mx, my = sum(sizes) / n, sum(mb) / n
    cov = sum((s - mx) * (m - my) for s, m in zip(sizes, mb))
    var = sum((s - mx) ** 2 for s in sizes)
    return {"steps": steps, "overall": round(cov / var * 1000, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,30000", help="comma-separated numbers of papers")
    ap.add_argument("-j", "--workers", type=int, default=2)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--no-store", action="store_true", help="build without graph.oxigraph/")
    ap.add_argument("--graph", action="store_true",
                    help="also measure the build that holds the whole NetworkX graph")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "memory.json")
    a = ap.parse_args()
    sizes = sorted(int(x) for x in a.sizes.split(",") if x.strip())
    rows: dict[str, list[dict]] = {"cli": [], "graph": []}
    with tempfile.TemporaryDirectory(prefix="kg-memory-") as d:
        d = Path(d)
        with gzip.open(a.corpus, "rt", encoding="utf-8") as fh:
            lines = list(itertools.islice(fh, max(sizes)))
        for n in sizes:
            src = d / f"p{n}.jsonl"
            src.write_text("".join(lines[:n]), encoding="utf-8")
            cli = [sys.executable, "-m", "kg", "build", str(src), "-o", str(d / f"cli-{n}"),
                   "-j", str(a.workers), "--no-progress", *(["--no-store"] if a.no_store else [])]
            r = measure(cli)
            rows["cli"].append({"papers": n, **r})
            print(f"cli   {n:>7} papers: {r}", flush=True)
            if a.graph:
                g = [sys.executable, "-c", _GRAPH_BUILD, str(src), str(d / f"graph-{n}"), str(a.workers),
                     "0" if a.no_store else "1"]
                r = measure(g)
                rows["graph"].append({"papers": n, **r})
                print(f"graph {n:>7} papers: {r}", flush=True)
            src.unlink()
    res: dict = {"corpus": a.corpus.name, "workers": a.workers, "store": not a.no_store,
                 "when": time.strftime("%Y-%m-%d"), "runs": rows["cli"],
                 "slope_mb_per_1000_papers": {
                     k: slopes(sizes, [r[k] for r in rows["cli"]])
                     for k in ("peak_process_mb", "peak_tree_mb")}}
    if a.graph:
        res["graph_runs"] = rows["graph"]
        res["graph_slope_mb_per_1000_papers"] = {
            k: slopes(sizes, [r[k] for r in rows["graph"]]) for k in ("peak_process_mb", "peak_tree_mb")}
        res["ratio_graph_to_cli"] = [round(g["peak_process_mb"] / c["peak_process_mb"], 2)
                                     for g, c in zip(rows["graph"], rows["cli"])]
    print(json.dumps(res, indent=2))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
