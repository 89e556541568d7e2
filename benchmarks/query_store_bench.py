"""First answer of `kg query` / `kg serve` from the export's pyoxigraph store against parsing
the export, in one run.

    python benchmarks/query_store_bench.py                  # 20,000 papers, 3 runs per route
    python benchmarks/query_store_bench.py --papers 5000 --repeat 5
    python benchmarks/query_store_bench.py --rebuild        # build the export again

The export is real: the first N papers of ../shared/corpus/arxiv-cs-100k.jsonl.gz built with
`kg build -j 2 --no-html` into benchmarks/.cache/query-store/export (git-ignored; reused on
later runs, and given its store with `kg load` when it has none).  Each library query then
runs as a whole command, interpreter start included, the two routes alternating:

  store  kg query EXPORT_DIR --name Q ...           (opens graph.oxigraph read-only)
  parse  kg query EXPORT_DIR/graph.nt --name Q ...  (parses the N-Triples file into memory)

and the answers of both are compared (CSV, byte for byte).  `kg serve` is timed the same way:
from its start to the first answered HTTP query, over the folder (store) and over graph.nt
(parse), one worker each.  Reported: the median seconds and peak memory (RSS of the process,
the serve worker not included) per route, and parse / store as the ratio.  Results go to
benchmarks/results/query_store.json.
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv-cs-100k.jsonl.gz"
WORK = ROOT / "benchmarks" / ".cache" / "query-store"
RESULTS = ROOT / "benchmarks" / "results" / "query_store.json"
KG = [sys.executable, "-m", "kg"]
QUERIES = {  # name -> parameters (entities that the 20k graph has)
    "papers-mentioning": {"entity": "CLIP"},
    "top-benchmarks": {"limit": "10"},
    "entity-aliases": {"entity": "LoRA"},
}


def run_rss(cmd: list[str]) -> tuple[float, int, bytes]:
    """As :func:`run`, with this child's own peak RSS (reaped with wait4)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{err.decode()}")
    return wall, usage.ru_maxrss // 1024, out


def ensure_export(corpus: Path, papers: int, rebuild: bool) -> tuple[Path, dict]:
    WORK.mkdir(parents=True, exist_ok=True)
    export = WORK / "export"
    src = WORK / f"{corpus.name.split('.')[0]}-{papers}.jsonl"
    info: dict = {}
    if not src.exists():
        with gzip.open(corpus, "rt", encoding="utf-8") as fh, open(src, "w", encoding="utf-8") as out:
            out.writelines(itertools.islice(fh, papers))
    stamp = WORK / "export.source"
    if rebuild or not (export / "graph.nt").is_file() or not stamp.exists() or stamp.read_text() != src.name:
        wall, rss, _ = run_rss(KG + ["build", str(src), "-o", str(export), "-j", "2", "--no-html",
                                     "--no-progress"])
        stamp.write_text(src.name)
        info["build_seconds"] = round(wall, 2)
    if not (export / "graph.oxigraph").is_dir():
        wall, rss, _ = run_rss(KG + ["load", str(export)])
        info["load_seconds"] = round(wall, 2)
        info["load_peak_rss_mb"] = rss
    return export, info


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_first_answer(graph: Path, query: str, limit: float = 600.0) -> tuple[float, bytes]:
    """Seconds from starting `kg serve GRAPH` (one worker) to its first answered query."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": query, "format": "csv"})
    t0 = time.perf_counter()
    p = subprocess.Popen(KG + ["serve", str(graph), "--port", str(port), "--workers", "1"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        while time.perf_counter() - t0 < limit:
            if p.poll() is not None:
                raise SystemExit(f"kg serve {graph} exited with {p.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=60) as r:
                    body = r.read()
                return time.perf_counter() - t0, body
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.05)
        raise SystemExit(f"kg serve {graph}: no answer in {limit:g} s")
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--papers", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--skip-serve", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    export, info = ensure_export(args.corpus, args.papers, args.rebuild)
    nt = export / "graph.nt"
    triples = sum(1 for _ in open(nt, "rb"))
    print(f"export: {export} ({args.papers} papers, {triples} triples)", flush=True)

    per_query = {}
    for name, params in QUERIES.items():
        ps = list(itertools.chain.from_iterable(("--param", f"{k}={v}") for k, v in params.items()))
        cmds = {"store": KG + ["query", str(export), "--name", name, "--format", "csv", *ps],
                "parse": KG + ["query", str(nt), "--name", name, "--format", "csv", *ps]}
        times = {"store": [], "parse": []}
        rss = {"store": [], "parse": []}
        answers = {}
        for _ in range(args.repeat):
            for route in ("store", "parse"):
                wall, mb, out = run_rss(cmds[route])
                times[route].append(wall)
                rss[route].append(mb)
                answers.setdefault(route, out)
        same = answers["store"] == answers["parse"]
        med = {r: statistics.median(times[r]) for r in times}
        per_query[name] = {
            "params": params, "rows": answers["store"].count(b"\r\n") - 1, "same_answer": same,
            "seconds": {r: [round(t, 3) for t in times[r]] for r in times},
            "median_seconds": {r: round(v, 3) for r, v in med.items()},
            "peak_rss_mb": {r: max(v) for r, v in rss.items()},
            "ratio_parse_over_store": round(med["parse"] / med["store"], 2),
        }
        print(f"{name:20} store {med['store']:6.2f} s  parse {med['parse']:6.2f} s  "
              f"x{med['parse'] / med['store']:.1f}  rss {max(rss['store'])} / {max(rss['parse'])} MB  "
              f"same answer: {same}", flush=True)

    result = {
        "what": "first answer of `kg query` (a whole command) from the export's store against "
                "parsing graph.nt, and of `kg serve` from its start",
        "command": " ".join(["python benchmarks/query_store_bench.py", *sys.argv[1:]]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "papers": args.papers, "triples": triples, "repeat": args.repeat,
        "store_mb": round(sum(f.stat().st_size for f in (export / "graph.oxigraph").iterdir()) / 2**20, 1),
        "graph_nt_mb": round(nt.stat().st_size / 2**20, 1),
        **info,
        "queries": per_query,
        "ratio_parse_over_store_median": round(statistics.median(
            q["ratio_parse_over_store"] for q in per_query.values()), 2),
    }
    if not args.skip_serve:
        from kg.query import load_query
        q = load_query("papers-mentioning", entity="CLIP")
        s_store, body_store = serve_first_answer(export, q)
        s_parse, body_parse = serve_first_answer(nt, q)
        result["serve_first_answer_seconds"] = {"store": round(s_store, 2), "parse": round(s_parse, 2)}
        result["serve_ratio_parse_over_store"] = round(s_parse / s_store, 2)
        result["serve_same_answer"] = body_store == body_parse
        print(f"kg serve, start to first answer: store {s_store:.2f} s  parse {s_parse:.2f} s  "
              f"x{s_parse / s_store:.1f}  same answer: {body_store == body_parse}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"ratio parse/store (median over queries): x{result['ratio_parse_over_store_median']}; "
          f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
