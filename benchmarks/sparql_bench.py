"""SPARQL latency of the query library on a million-triple graph: pyoxigraph against rdflib.

    python benchmarks/sparql_bench.py                       # >= 1M triples, 5 runs per query
    python benchmarks/sparql_bench.py --min-triples 2000000 --repeat 9
    python benchmarks/sparql_bench.py --rdflib-queries papers-mentioning,entity-aliases \\
        --rdflib-timeout 60 --rdflib-repeat 1
    python benchmarks/sparql_bench.py --skip-rdflib         # oxigraph only
    python benchmarks/sparql_bench.py --rebuild             # re-extract (after extractor changes)

The graph is real: the first N papers of ``arxiv-cs-100k.jsonl.gz`` run through kg's own
pipeline (``kg.extract.Extractor`` -> ``kg.resolve.Resolver``, two passes -> ``kg.graph`` ->
``kg.rdf``), N grown in chunks until the export has at least ``--min-triples`` triples.
Raw (unresolved) extractions are cached in ``benchmarks/.cache/`` (git-ignored) and extended,
never recomputed, on later runs; the N-Triples file of the graph is cached beside them.
Extraction runs at roughly 15-30 papers/s, so the first run takes several minutes (about
66 triples per paper: ~15k papers for 1M triples); later runs start in seconds.

Each library query (``kg/queries/*.rq``) runs with parameters chosen from the big graph (the
most mentioned entity, the benchmark with the most "evaluated on" claims, the paper proposing
the most entities ...), in a worker process per engine (:class:`kg.query.QueryWorker`), so
every query has a hard time cap and the timing (measured inside the worker: execution plus
materialising the rows) excludes inter-process overhead.  oxigraph runs every query
``--repeat`` times; rdflib, which can take minutes per query at this size, runs the
``--rdflib-queries`` subset (default: all) ``--rdflib-repeat`` times with a cap of
``--rdflib-timeout`` seconds (a query over the cap is reported as such; the worker is then
restarted, which reloads the graph).  Row counts of both engines are compared.

Output: a table (median latency per query and engine, and rdflib/oxigraph ratio) on stdout
and everything as JSON in ``benchmarks/results/sparql.json``.
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv-cs-100k.jsonl.gz"
CACHE = ROOT / "benchmarks" / ".cache"
RESULTS = ROOT / "benchmarks" / "results" / "sparql.json"


# ---- the graph --------------------------------------------------------------------------

def _raw_path(corpus: Path) -> Path:
    return CACHE / f"{corpus.name.split('.')[0]}.raw-extractions.jsonl.gz"


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return sum(1 for _ in fh)


def extend_raw(corpus: Path, upto: int, progress: bool = True) -> int:
    """Make the cache hold the raw extractions of the first ``upto`` papers; returns how many."""
    from kg.build import iter_papers
    from kg.extract import Extractor
    from kg.readers import ReadReport

    raw = _raw_path(corpus)
    have = _count_lines(raw)
    if have >= upto:
        return have
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n", encoding="utf-8")
    papers = itertools.islice(iter_papers([corpus], None, ReadReport()), have, upto)
    extractor = Extractor()
    t0, n = time.perf_counter(), 0
    # append mode: an interrupted run keeps every complete line written so far
    with gzip.open(raw, "at", encoding="utf-8") as fh:
        for ex in extractor.pipe(papers):
            fh.write(json.dumps(ex.to_json(), ensure_ascii=False) + "\n")
            n += 1
            if progress and n % 500 == 0:
                rate = n / (time.perf_counter() - t0)
                print(f"  extracted {have + n} papers ({rate:.0f}/s)", file=sys.stderr, flush=True)
    return have + n


def build_from_raw(corpus: Path, papers: int):
    """Resolve (two passes, as kg.build does) and build the NetworkX graph."""
    from kg import graph as kgraph
    from kg.model import PaperExtraction
    from kg.resolve import Resolver

    def read():
        with gzip.open(_raw_path(corpus), "rt", encoding="utf-8") as fh:
            for line in itertools.islice(fh, papers):
                yield PaperExtraction.from_json(json.loads(line))

    resolver = Resolver()
    for ex in read():
        resolver.observe(ex)
    return kgraph.build_graph(resolver.resolve(ex) for ex in read())


def ensure_graph(corpus: Path, min_triples: int, start_papers: int, rebuild: bool) -> tuple[Path, dict]:
    """An N-Triples file of >= ``min_triples`` triples from the first N real papers."""
    from kg.rdf import iter_statements, write_rdf

    meta_path = CACHE / "graph.meta.json"
    nt_path = CACHE / "graph.nt"
    if rebuild:
        for p in (_raw_path(corpus), nt_path, meta_path):
            p.unlink(missing_ok=True)
    if meta_path.exists() and nt_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("corpus") == corpus.name and meta["triples"] >= min_triples:
            return nt_path, meta
    papers = max(start_papers, _count_lines(_raw_path(corpus)))
    while True:
        t = time.perf_counter()
        have = extend_raw(corpus, papers)
        g = build_from_raw(corpus, min(papers, have))
        triples = sum(1 for _ in iter_statements(g))
        print(f"{min(papers, have)} papers -> {triples} triples "
              f"({time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
        if triples >= min_triples or have < papers:  # enough, or the corpus ran out
            break
        papers = int(math.ceil(papers * min_triples / max(triples, 1) * 1.05))
    write_rdf(g, CACHE, formats=("nt",))
    meta = {"corpus": corpus.name, "papers": min(papers, have), "triples": triples,
            "nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
            "built": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return nt_path, meta


# ---- parameters from the big graph ----------------------------------------------------------

PICKS = {
    # the most mentioned entity
    "entity": """PREFIX kgv: <https://w3id.org/kg-ml/vocab#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?v WHERE { ?e kgv:mentionCount ?n ; skos:prefLabel ?v } ORDER BY DESC(?n) ?v LIMIT 1""",
    # the entity with the most "evaluated on" claims pointing at it
    "benchmark": """PREFIX kgv: <https://w3id.org/kg-ml/vocab#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?v WHERE { ?a rdf:predicate kgv:evaluatedOn ; rdf:object ?b . ?b skos:prefLabel ?v }
        GROUP BY ?b ?v ORDER BY DESC(COUNT(?a)) ?v LIMIT 1""",
    # the paper proposing the most entities
    "paper": """PREFIX kgv: <https://w3id.org/kg-ml/vocab#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?v WHERE { ?p kgv:proposes ?e ; dcterms:identifier ?v }
        GROUP BY ?p ?v ORDER BY DESC(COUNT(?e)) ?v LIMIT 1""",
}
# per query, a better-suited entity: what the question is about
ENTITY_PICKS = {
    "based-on": """PREFIX kgv: <https://w3id.org/kg-ml/vocab#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?v WHERE { ?x kgv:basedOn ?e . ?e skos:prefLabel ?v } GROUP BY ?e ?v ORDER BY DESC(COUNT(?x)) ?v LIMIT 1""",
    "trained-on": """PREFIX kgv: <https://w3id.org/kg-ml/vocab#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?v WHERE { ?x kgv:trainedOn ?e . ?e skos:prefLabel ?v } GROUP BY ?e ?v ORDER BY DESC(COUNT(?x)) ?v LIMIT 1""",
    "outperforms": """PREFIX kgv: <https://w3id.org/kg-ml/vocab#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?v WHERE { ?x kgv:outperforms ?e . ?e skos:prefLabel ?v } GROUP BY ?e ?v ORDER BY DESC(COUNT(?x)) ?v LIMIT 1""",
    "benchmarks-of": """PREFIX kgv: <https://w3id.org/kg-ml/vocab#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?v WHERE { ?e kgv:evaluatedOn ?x . ?e skos:prefLabel ?v } GROUP BY ?e ?v ORDER BY DESC(COUNT(?x)) ?v LIMIT 1""",
}


def choose_params(worker) -> dict[str, dict[str, str]]:
    from kg.query import list_queries

    def pick(sparql: str) -> str | None:
        rows = worker.query(sparql, timeout=120).rows
        return rows[0][0].value if rows else None

    common = {k: pick(q) for k, q in PICKS.items()}
    out = {}
    for info in list_queries():
        p = {}
        for name in info.params:
            if name == "entity" and info.name in ENTITY_PICKS:
                p[name] = pick(ENTITY_PICKS[info.name]) or common["entity"]
            elif common.get(name):
                p[name] = common[name]
        out[info.name] = p
    return out


# ---- timing ----------------------------------------------------------------------------------

def time_queries(nt: Path, engine: str, names: list[str], texts: dict[str, str], repeat: int,
                 timeout: float) -> tuple[float, dict[str, dict]]:
    from kg.query import QueryError, QueryTimeout, QueryWorker

    t = time.perf_counter()
    worker = QueryWorker(nt, engine)
    worker.wait_ready()
    load = time.perf_counter() - t
    print(f"{engine}: graph loaded in {load:.1f} s", file=sys.stderr, flush=True)
    out: dict[str, dict] = {}
    try:
        for name in names:
            runs, rows, status = [], None, "ok"
            for _ in range(repeat):
                try:
                    res = worker.query(texts[name], timeout=timeout)
                except QueryTimeout:
                    status = f"timeout (> {timeout:g} s)"
                    worker.close()
                    worker = QueryWorker(nt, engine)
                    worker.wait_ready()
                    break
                except QueryError as e:
                    status = f"error: {e}"
                    break
                runs.append(res.elapsed)
                rows = len(res)
            ok = bool(runs) and status == "ok"
            out[name] = {"status": status, "rows": rows, "runs_s": runs,
                         "median_s": statistics.median(runs) if ok else None,
                         "min_s": min(runs) if ok else None}
            med = out[name]["median_s"]
            print(f"  {engine:8} {name:26} {status if med is None else f'{med * 1000:10.1f} ms'}"
                  f"  rows={rows}", file=sys.stderr, flush=True)
    finally:
        worker.close()
    return load, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--min-triples", type=int, default=1_000_000)
    ap.add_argument("--start-papers", type=int, default=16_000,
                    help="papers to extract first (grown until --min-triples)")
    ap.add_argument("--rebuild", action="store_true", help="discard the cache and extract again")
    ap.add_argument("--repeat", type=int, default=5, help="runs per query on oxigraph")
    ap.add_argument("--timeout", type=float, default=300, help="cap per oxigraph query, seconds")
    ap.add_argument("--skip-rdflib", action="store_true")
    ap.add_argument("--rdflib-queries", default="all", help="comma-separated query names, or 'all'")
    ap.add_argument("--rdflib-repeat", type=int, default=3)
    ap.add_argument("--rdflib-timeout", type=float, default=120, help="cap per rdflib query, seconds")
    ap.add_argument("--out", type=Path, default=RESULTS)
    a = ap.parse_args()

    import pyoxigraph
    import rdflib

    from kg.atomic import atomic_write
    from kg.query import QueryWorker, list_queries, load_query

    nt, meta = ensure_graph(a.corpus, a.min_triples, a.start_papers, a.rebuild)
    print(f"graph: {meta['triples']} triples from {meta['papers']} papers of {meta['corpus']}",
          file=sys.stderr)

    names = [q.name for q in list_queries()]
    w = QueryWorker(nt, "oxigraph")
    try:
        w.wait_ready()
        params = choose_params(w)
    finally:
        w.close()
    texts = {n: load_query(n, **params[n]) for n in names}

    ox_load, ox = time_queries(nt, "oxigraph", names, texts, a.repeat, a.timeout)
    rl_names = [] if a.skip_rdflib else (names if a.rdflib_queries == "all" else
                                         [n.strip() for n in a.rdflib_queries.split(",") if n.strip()])
    unknown = set(rl_names) - set(names)
    if unknown:
        ap.error(f"unknown queries: {', '.join(sorted(unknown))}")
    rl_load, rl = (None, {}) if not rl_names else time_queries(nt, "rdflib", rl_names, texts,
                                                                a.rdflib_repeat, a.rdflib_timeout)

    rows = []
    for n in names:
        o, r = ox[n], rl.get(n)
        ratio = (r["median_s"] / o["median_s"]) if r and r["median_s"] and o["median_s"] else None
        ratio_min = (r["min_s"] / o["min_s"]) if r and r["min_s"] and o["min_s"] else None
        rows.append({"query": n, "params": params[n], "rows": o["rows"],
                     "oxigraph": o, "rdflib": r, "ratio_rdflib_over_oxigraph": ratio,
                     "ratio_of_fastest_runs": ratio_min,
                     "same_row_count": None if not r or r["rows"] is None else r["rows"] == o["rows"]})

    def ms(d, key="median_s"):
        if d is None:
            return "-"
        return f"{d[key] * 1000:.1f}" if d[key] is not None else d["status"].split(" ")[0]

    print("median latency per query (fastest run in brackets), milliseconds")
    head = (f"{'query':26} {'rows':>7} {'oxigraph':>10} {'(min)':>9} {'rdflib':>10} {'(min)':>9} "
            f"{'ratio':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = f"{r['ratio_rdflib_over_oxigraph']:.0f}x" if r["ratio_rdflib_over_oxigraph"] else "-"
        print(f"{r['query']:26} {str(r['rows']):>7} {ms(r['oxigraph']):>10} {ms(r['oxigraph'], 'min_s'):>9} "
              f"{ms(r['rdflib']):>10} {ms(r['rdflib'], 'min_s'):>9} {ratio:>7}")
    ratios = [r["ratio_rdflib_over_oxigraph"] for r in rows if r["ratio_rdflib_over_oxigraph"]]
    summary = {"geometric_mean_ratio": math.exp(statistics.fmean(math.log(x) for x in ratios)) if ratios else None,
               "load_s": {"oxigraph": ox_load, "rdflib": rl_load}}
    if ratios:
        print(f"\ngeometric mean rdflib/oxigraph: {summary['geometric_mean_ratio']:.0f}x over {len(ratios)} queries; "
              f"load: oxigraph {ox_load:.1f} s, rdflib {rl_load:.1f} s")
    result = {
        "graph": meta,
        "settings": {"repeat": a.repeat, "timeout_s": a.timeout, "rdflib_repeat": a.rdflib_repeat,
                     "rdflib_timeout_s": a.rdflib_timeout},
        "environment": {"python": platform.python_version(), "platform": platform.platform(),
                        "cpus": __import__("os").cpu_count(), "pyoxigraph": pyoxigraph.__version__,
                        "rdflib": rdflib.__version__},
        "run": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "summary": summary,
        "queries": rows,
    }
    with atomic_write(a.out) as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
