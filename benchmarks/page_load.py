"""Time until the interactive graph page is drawn and still, against the old page with
physics on at load, for the bundled sample and for the first 5,000 papers of the corpus.

The page now opens drawn: positions are computed in Python when the page is written
(kg.views.layout_positions) and vis-network starts with physics off, so the first drawing
is the final one.  The baseline, measured in the same run and the same browser, is the same
page written with ``layout="physics"``: no positions, the physics simulation must stabilise
before the page is ready (the behaviour before issue 9).  A blank page (the empty graph:
the same template and vis-network, nothing to draw) is loaded too, as the floor of the
page machinery.

Pages:
  sample   the graph of the bundled 84-paper sample (kg.build.sample_graph)
  big      the graph of the first N papers (default 5,000) of
           shared/corpus/arxiv-cs-100k.jsonl.gz, built once with ``kg build ... --no-html``
           (the graph is cached under --cache, keyed by N and the corpus) and then written
           as a page with the default cap (1,500 nodes drawn, 6,000 embedded)

Each page is loaded --runs times in headless Chromium (Debian's /usr/bin/chromium via
Playwright, file:// URL), loads of all pages alternating.  From the page's own clock
(performance.now(), origin = navigation start):

  ready_ms        drawn and still: kgTimes.ready (window.kgReady), i.e. the first
                  `afterDrawing` for the new page, the end of the stabilisation and a
                  drawing for the baseline
  first_draw_ms   vis-network's first `afterDrawing`
  script_start_ms the page script starts (HTML parsed, vis-network compiled)

After ready, node positions are read twice 500 ms apart: ``still`` says no node moved.
The medians and the ratios (new / physics baseline, and new / blank page) go to
benchmarks/results/page_load.json with the load average (a busy shared machine inflates
every time; the ratios much less).

    python benchmarks/page_load.py                 # sample + first 5,000 papers, 3 runs each
    python benchmarks/page_load.py --papers 2000 --runs 2
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.atomic import atomic_write  # noqa: E402
from kg.views import DEFAULT_MAX_NODES, load_graphml, write_page  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv-cs-100k.jsonl.gz"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
KEYS = ("ready_ms", "first_draw_ms", "script_start_ms", "dom_content_loaded_ms", "wall_s")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def big_graph(args) -> tuple[nx.MultiDiGraph, dict]:
    """The graph of the first N papers, built once with `kg build --no-html` and cached."""
    out = args.cache / f"{args.corpus.name}-first-{args.papers}"
    graphml = out / "graph.graphml"
    info = {"papers_requested": args.papers, "corpus": args.corpus.name, "cache": str(graphml)}
    if not graphml.is_file() or args.rebuild:
        out.mkdir(parents=True, exist_ok=True)
        src = out / "papers.jsonl"
        with gzip.open(args.corpus, "rt", encoding="utf-8") as fh, open(src, "w", encoding="utf-8") as dst:
            dst.writelines(itertools.islice(fh, args.papers))
        t = time.perf_counter()
        cmd = [sys.executable, "-m", "kg", "build", str(src), "-o", str(out), "--no-html",
               "--rdf", "", "--no-progress"]
        log("building: " + " ".join(cmd))
        subprocess.run(cmd, check=True, cwd=ROOT)
        info["graph_build_s"] = round(time.perf_counter() - t, 1)
        info["graph_from_cache"] = False
    else:
        info["graph_from_cache"] = True
    return load_graphml(graphml), info


def graph_stats(g: nx.MultiDiGraph) -> dict:
    kinds = [d.get("kind") for _, d in g.nodes(data=True)]
    return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
            "papers": kinds.count("paper"), "entities": kinds.count("entity")}


def load_once(browser, path: Path, timeout_s: float) -> dict:
    ctx = browser.new_context(viewport={"width": 1400, "height": 850})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    t = time.perf_counter()
    page.goto(path.as_uri(), timeout=timeout_s * 1000)
    page.wait_for_function("window.kgReady === true", timeout=timeout_s * 1000, polling=20)
    wall = time.perf_counter() - t
    k = page.evaluate("""() => ({
        start: kgTimes.start, firstDraw: kgTimes.firstDraw, stabilized: kgTimes.stabilized,
        nodes: nodes.length, edges: edges.length, physics: network.physics.physicsEnabled,
        pos: network.getPositions(),
        domContentLoaded: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd
    })""")
    page.wait_for_timeout(500)
    later = page.evaluate("() => network.getPositions()")
    ctx.close()
    still = all(abs(later[n]["x"] - p["x"]) < 0.5 and abs(later[n]["y"] - p["y"]) < 0.5
                for n, p in k["pos"].items())
    return {
        "ready_ms": round(max(k["firstDraw"], k["stabilized"] or 0), 1),
        "first_draw_ms": round(k["firstDraw"], 1),
        "script_start_ms": round(k["start"], 1),
        "dom_content_loaded_ms": round(k["domContentLoaded"], 1),
        "wall_s": round(wall, 2), "nodes_drawn": k["nodes"], "edges_drawn": k["edges"],
        "physics_on_after_ready": k["physics"], "still": still, "errors": errors,
    }


def summarise(rs: list[dict], path: Path, write_s: float) -> dict:
    out: dict = {"write_page_s": write_s}
    for key in KEYS:
        out[key] = round(statistics.median(r[key] for r in rs), 1 if key != "wall_s" else 2)
    out.update(nodes_drawn=rs[0]["nodes_drawn"], edges_drawn=rs[0]["edges_drawn"],
               page_bytes=path.stat().st_size, still=all(r["still"] for r in rs),
               physics_on_after_ready=any(r["physics_on_after_ready"] for r in rs),
               runs=[{k: r[k] for k in ("ready_ms", "first_draw_ms", "script_start_ms", "wall_s")} for r in rs],
               errors=sorted({e for r in rs for e in r["errors"]}))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=5_000)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/kg-bench-cache"))
    ap.add_argument("--rebuild", action="store_true", help="Build the big graph again.")
    ap.add_argument("--max-nodes", type=int, default=DEFAULT_MAX_NODES)
    ap.add_argument("--runs", type=int, default=3, help="Loads per page (median reported).")
    ap.add_argument("--timeout", type=float, default=300.0, help="Seconds allowed per page load.")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/kg-bench-pages"))
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "page_load.json")
    args = ap.parse_args()

    from kg.build import sample_graph

    args.workdir.mkdir(parents=True, exist_ok=True)
    g_big, info = big_graph(args)
    g_small = sample_graph()

    pages: dict[str, tuple[Path, float]] = {}
    for name, g, layout in (("blank", nx.MultiDiGraph(), "precomputed"),
                            ("sample", g_small, "precomputed"), ("sample_physics", g_small, "physics"),
                            ("big", g_big, "precomputed"), ("big_physics", g_big, "physics")):
        t = time.perf_counter()
        path = write_page(g, args.workdir / f"{name}.html", title=f"kg page-load benchmark: {name}",
                          max_nodes=args.max_nodes, layout=layout)
        pages[name] = (path, round(time.perf_counter() - t, 2))
        log(f"{name}: wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {pages[name][1]} s")

    from playwright.sync_api import sync_playwright

    result: dict = {"benchmark": "page_load", "max_nodes": args.max_nodes,
                    "command": "python benchmarks/page_load.py " + " ".join(sys.argv[1:]),
                    "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                "platform": platform.platform()},
                    "big_graph": {**info, **graph_stats(g_big)}, "sample_graph": graph_stats(g_small)}
    result["loadavg_before"] = [round(x, 2) for x in os.getloadavg()]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        result["chromium"] = browser.version
        load_once(browser, pages["sample"][0], args.timeout)  # warm-up: the browser's first start
        runs: dict[str, list] = {name: [] for name in pages}
        for i in range(args.runs):  # alternate, so a change in machine load hits every page alike
            for name in pages:
                log(f"loading {name} ({i + 1}/{args.runs}) ...")
                runs[name].append(load_once(browser, pages[name][0], args.timeout))
        browser.close()
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    for name in pages:
        result[name] = summarise(runs[name], pages[name][0], pages[name][1])

    def ratio(a: str, b: str, key: str = "ready_ms") -> float | None:
        return round(result[a][key] / result[b][key], 3) if result[b][key] else None

    result["ratios"] = {
        "sample_ready_vs_physics_baseline": ratio("sample", "sample_physics"),
        "big_ready_vs_physics_baseline": ratio("big", "big_physics"),
        "sample_ready_vs_blank_page": ratio("sample", "blank"),
        "big_ready_vs_blank_page": ratio("big", "blank"),
        "sample_physics_ready_vs_blank_page": ratio("sample_physics", "blank"),
        "big_physics_ready_vs_blank_page": ratio("big_physics", "blank"),
        "big_ready_vs_sample_ready": ratio("big", "sample"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(args.out) as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")
    for name in pages:
        r = result[name]
        log(f"{name:15s} ready {r['ready_ms']:8.0f} ms  first draw {r['first_draw_ms']:8.0f} ms  "
            f"still {r['still']}  ({r['nodes_drawn']} nodes drawn, {r['page_bytes'] / 1e6:.1f} MB, "
            f"written in {r['write_page_s']} s)")
    for k, v in result["ratios"].items():
        log(f"{k:36s} {v}")
    log(f"-> {args.out}")


if __name__ == "__main__":
    main()
