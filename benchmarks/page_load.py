"""Load time of the interactive graph page: a 20,000-paper graph against the 84-paper sample.

Builds the page (kg.views.write_page) for the graph of the first N papers of the corpus
(default 20,000 of shared/corpus/arxiv-cs-100k.jsonl.gz, run through the real pipeline:
kg.build.extract_resolved + kg.graph.build_graph) and for the bundled sample, loads each
in headless Chromium (Debian's /usr/bin/chromium via Playwright, file:// URL) a few
times and reports, from the page's own clock (performance.now(), origin = navigation
start):

  first_draw_ms   vis-network's first `afterDrawing`
  stabilized_ms   the end of the bounded physics stabilisation (physics is then off)
  ready_ms        both done: the graph is drawn in its final layout
  script_start_ms when the page script starts (HTML parsed, vis-network compiled)

Loads of the two pages alternate; the medians of the big page, of the sample page and
their ratio go to benchmarks/results/page_load.json, with the machine's load average
(times on a busy shared machine are inflated, the ratio much less).

Extracting 20,000 papers takes a while (about 10 papers/s on a busy 2-core machine), so
the big graph is cached as GraphML under --cache (keyed by corpus, N and the kg version);
later runs reuse it.  Fallback: ``--source synthetic`` keeps the corpus's real titles and
abstracts but draws each paper's entities from a heavy-tailed (Zipf-like) distribution
instead of running the extractor; it is minutes faster and gives a graph of the same
order of size.  The JSON records which source was used.

    python benchmarks/page_load.py                    # 20,000 papers through the pipeline
    python benchmarks/page_load.py --source synthetic
    python benchmarks/page_load.py --papers 2000 --runs 2
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.atomic import atomic_path, atomic_write  # noqa: E402
from kg.graph import build_graph, to_graphml_ready  # noqa: E402
from kg.views import DEFAULT_MAX_NODES, load_graphml, write_page  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv-cs-100k.jsonl.gz"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pipeline_graph(corpus: Path, n: int) -> nx.MultiDiGraph:
    from kg.build import extract_resolved
    from kg.readers import ReadReport, read_papers

    report = ReadReport()
    papers = itertools.islice(read_papers(corpus, report=report), n)
    t = time.perf_counter()
    g = build_graph(extract_resolved(papers, progress=sys.stderr.isatty(), total=n))
    log(f"extracted {n} papers in {time.perf_counter() - t:.0f} s")
    return g


def synthetic_graph(corpus: Path, n: int, seed: int = 0) -> nx.MultiDiGraph:
    """Real titles/abstracts, synthetic entities (heavy-tailed popularity), some relations."""
    from kg.model import Entity, Evidence, Paper, PaperExtraction, Relation

    rnd = random.Random(seed)
    n_ent = max(50, n // 2)
    weights = [1.0 / (i + 1) ** 1.05 for i in range(n_ent)]
    types = ("Method", "Model", "Dataset", "Benchmark")
    rels = ("based_on", "trained_on", "evaluated_on", "outperforms", "compared_with", "uses")
    exs = []
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in itertools.islice(fh, n):
            d = json.loads(line)
            title, abstract = d.get("title", ""), d.get("abstract", "")
            picks = sorted(set(rnd.choices(range(n_ent), weights=weights, k=rnd.randint(2, 8))))
            ents = []
            for k, i in enumerate(picks):
                ents.append(Entity(id=f"syn-{i}", name=f"Entity {i}", type=types[i % 4],
                                   proposed=(k == 0 and rnd.random() < 0.3), rule="synthetic"))
            relations = []
            if len(picks) > 1 and rnd.random() < 0.5:
                sent = abstract.split(". ")[0]
                relations.append(Relation(head="", rel=rnd.choice(rels), tail="",
                                          evidence=Evidence("abstract", 0, len(sent), sent),
                                          rule="synthetic", head_id=f"syn-{picks[0]}",
                                          tail_id=f"syn-{picks[1]}"))
            exs.append(PaperExtraction(Paper(id=str(d["id"]), title=title, abstract=abstract,
                                             date=d.get("date"), url=d.get("url")), ents, relations))
    return build_graph(exs)


def big_graph(args) -> tuple[nx.MultiDiGraph, dict]:
    import kg

    version = getattr(kg, "__version__", "0")
    key = f"{args.corpus.name}-{args.papers}-{args.source}-{version}"
    cache = args.cache / f"{key}.graphml"
    info = {"source": args.source, "papers_requested": args.papers, "corpus": args.corpus.name,
            "cache": str(cache)}
    if cache.is_file() and not args.rebuild:
        t = time.perf_counter()
        g = load_graphml(cache)
        info["graph_from_cache"] = True
        log(f"loaded cached graph {cache} in {time.perf_counter() - t:.1f} s")
    else:
        t = time.perf_counter()
        g = pipeline_graph(args.corpus, args.papers) if args.source == "pipeline" \
            else synthetic_graph(args.corpus, args.papers)
        info["graph_from_cache"] = False
        info["graph_build_s"] = round(time.perf_counter() - t, 1)
        args.cache.mkdir(parents=True, exist_ok=True)
        with atomic_path(cache) as tmp:
            nx.write_graphml(to_graphml_ready(g), tmp)
    return g, info


def graph_stats(g: nx.MultiDiGraph) -> dict:
    kinds = [d.get("kind") for _, d in g.nodes(data=True)]
    return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
            "papers": kinds.count("paper"), "entities": kinds.count("entity")}


def measure(browser, path: Path, runs: int, timeout_s: float) -> dict:
    samples = []
    for _ in range(runs):
        ctx = browser.new_context(viewport={"width": 1400, "height": 850})
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        t = time.perf_counter()
        page.goto(path.as_uri(), timeout=timeout_s * 1000)
        page.wait_for_function("window.kgTimes && window.kgTimes.ready === true",
                               timeout=timeout_s * 1000, polling=50)
        wall = time.perf_counter() - t
        k = page.evaluate("""() => ({
            start: kgTimes.start, firstDraw: kgTimes.firstDraw, stabilized: kgTimes.stabilized,
            nodes: nodes.length, edges: edges.length,
            domContentLoaded: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd
        })""")
        ctx.close()
        samples.append({
            "script_start_ms": round(k["start"], 1),
            "first_draw_ms": round(k["firstDraw"], 1),
            "stabilized_ms": round(k["stabilized"], 1),
            "ready_ms": round(max(k["firstDraw"], k["stabilized"]), 1),
            "dom_content_loaded_ms": round(k["domContentLoaded"], 1),
            "wall_s": round(wall, 2), "nodes_drawn": k["nodes"], "edges_drawn": k["edges"],
            "errors": errors,
        })
    med = {key: round(statistics.median(s[key] for s in samples), 1)
           for key in ("script_start_ms", "first_draw_ms", "stabilized_ms", "ready_ms",
                       "dom_content_loaded_ms", "wall_s")}
    med.update(nodes_drawn=samples[0]["nodes_drawn"], edges_drawn=samples[0]["edges_drawn"],
               page_bytes=path.stat().st_size, runs=samples,
               errors=sorted({e for s in samples for e in s["errors"]}))
    return med


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=20_000)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--source", choices=("pipeline", "synthetic"), default="pipeline")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/kg-bench-cache"))
    ap.add_argument("--rebuild", action="store_true", help="Ignore the cached big graph.")
    ap.add_argument("--max-nodes", type=int, default=DEFAULT_MAX_NODES)
    ap.add_argument("--runs", type=int, default=3, help="Page loads per page (median reported).")
    ap.add_argument("--timeout", type=float, default=300.0, help="Seconds allowed per page load.")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/kg-bench-pages"))
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "page_load.json")
    args = ap.parse_args()

    from kg.build import sample_graph

    args.workdir.mkdir(parents=True, exist_ok=True)
    g_big, info = big_graph(args)
    g_small = sample_graph()

    pages = {}
    for name, g in (("sample", g_small), ("big", g_big)):
        t = time.perf_counter()
        path = write_page(g, args.workdir / f"{name}.html", title=f"kg page-load benchmark: {name}",
                          max_nodes=args.max_nodes)
        pages[name] = (path, round(time.perf_counter() - t, 2))
        log(f"{name}: wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {pages[name][1]} s")

    from playwright.sync_api import sync_playwright

    result = {"benchmark": "page_load", "max_nodes": args.max_nodes,
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()},
              "big_graph": {**info, **graph_stats(g_big)}, "sample_graph": graph_stats(g_small)}
    # a shared or busy machine inflates every time: the load average is recorded with them
    result["loadavg_before"] = [round(x, 2) for x in os.getloadavg()]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        result["chromium"] = browser.version
        # a warm-up load, so neither page pays for the browser's first start
        measure(browser, pages["sample"][0], 1, args.timeout)
        # sample and big loads alternate, so a change in machine load hits both alike
        runs: dict[str, list] = {"sample": [], "big": []}
        for i in range(args.runs):
            for name in ("sample", "big"):
                log(f"loading {name} page ({i + 1}/{args.runs}) ...")
                runs[name].append(measure(browser, pages[name][0], 1, args.timeout))
        for name in ("sample", "big"):
            rs = runs[name]
            result[name] = {"write_page_s": pages[name][1]}
            for key in ("script_start_ms", "first_draw_ms", "stabilized_ms", "ready_ms",
                        "dom_content_loaded_ms", "wall_s"):
                result[name][key] = round(statistics.median(r[key] for r in rs), 1)
            result[name].update(nodes_drawn=rs[0]["nodes_drawn"], edges_drawn=rs[0]["edges_drawn"],
                                page_bytes=rs[0]["page_bytes"],
                                runs=[r["runs"][0] for r in rs],
                                errors=sorted({e for r in rs for e in r["errors"]}))
        browser.close()
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    s, b = result["sample"], result["big"]
    result["ratio_big_to_sample"] = {
        k: round(b[k] / s[k], 2) if s[k] else None
        for k in ("first_draw_ms", "stabilized_ms", "ready_ms", "script_start_ms", "page_bytes")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(args.out) as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")
    for name in ("sample", "big"):
        r = result[name]
        log(f"{name:6s} first draw {r['first_draw_ms']:8.0f} ms  stabilised {r['stabilized_ms']:8.0f} ms  "
            f"ready {r['ready_ms']:8.0f} ms  ({r['nodes_drawn']} nodes drawn, {r['page_bytes'] / 1e6:.1f} MB)")
    log(f"ratio big/sample (ready): {result['ratio_big_to_sample']['ready_ms']}  -> {args.out}")


if __name__ == "__main__":
    main()
