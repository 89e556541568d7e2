"""The ``kg`` command line: a thin layer over the library.

Each subcommand parses its options, calls one library function and prints what it did.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

import click


DISTRIBUTION = "kg-ml"  # the distribution name: "kg" on the package index is an unrelated project


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    for name in (DISTRIBUTION, "kg"):  # "kg": an install made before the rename
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return "unknown"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=_version(), prog_name="kg")
def cli() -> None:
    """Build knowledge graphs of ML methods, models, datasets and benchmarks from abstracts."""


def main() -> None:
    from ._resources import PackageDataError, check_package_data
    try:
        check_package_data()  # the lexicon, vocabulary and queries are where kg looks
    except PackageDataError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    cli(prog_name="kg")


# ---- subcommands are added below, one block per feature -----------------------------

# ---- build / extract / explain ----
from pathlib import Path  # noqa: E402

FORMAT_CHOICES = ["page", "jsonl", "csv", "atom", "arxiv-snapshot", "bibtex"]


def _issue_printer(issue) -> None:
    click.echo(f"warning: {issue}", err=True)


def _input_errors():
    """Errors a user can fix (bad file, bad lexicon) print as one line, not a traceback."""
    from ._resources import PackageDataError
    from .distributed import DaskError
    from .extract import LexiconError
    from .readers import InputError
    return (InputError, LexiconError, PackageDataError, DaskError, FileNotFoundError,
            IsADirectoryError, PermissionError)


@contextmanager
def _dask_client(dask, workers, inputs, fmt, mapping):
    """--dask: the cluster, connected (or started) once the inputs are checked and before
    anything is read; None without --dask. -j sizes ``local`` only."""
    if dask is None:
        yield None
        return
    from click.core import ParameterSource
    explicit_j = click.get_current_context().get_parameter_source("workers") is not ParameterSource.DEFAULT
    if dask != "local" and explicit_j:
        raise click.UsageError("-j sets the worker processes of --dask local; a cluster has the "
                               "workers started on it (dask worker --nworkers N --nthreads 1)")
    from .build import check_inputs
    from .distributed import connect
    check_inputs(list(inputs) or None, fmt, mapping)
    with connect(dask, workers if explicit_j else None) as client:
        yield client


def _parse_map(ctx, param, pairs) -> dict[str, str]:
    """--map FIELD=COLUMN, checked before any work."""
    from .readers import MAP_FIELDS
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not sep or not name or not value:
            raise click.BadParameter(f"{pair!r} is not FIELD=COLUMN (e.g. abstract=\"Abstract Note\")")
        if name not in MAP_FIELDS:
            raise click.BadParameter(f"unknown field {name!r}; use one of {', '.join(MAP_FIELDS)}")
        out[name] = value
    return out


def input_options(fn):
    """The options of every command that reads and extracts papers."""
    for option in reversed([
        click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES),
                     help="Input format (default: by extension; for -, sniffed from the content)."),
        click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN", callback=_parse_map,
                     help="The column (CSV) or key (JSON) holding a field, e.g. "
                          "--map abstract=\"Abstract Note\" (repeatable; fields: title, abstract, "
                          "id, date, url, authors, doi, arxiv, citekey)."),
        click.option("--lexicon", "lexicons", multiple=True, type=click.Path(exists=True, dir_okay=False),
                     help="Extra lexicon file (JSON lines); may be repeated."),
        click.option("--progress/--no-progress", default=None,
                     help="Progress bar (default: when on a terminal)."),
        click.option("-j", "--workers", default=1, show_default=True, type=click.IntRange(1, 64),
                     help="Processes for extraction; with 2 or more, kg build also writes the "
                          "graph files and the page beside the RDF (with --dask local: the "
                          "cluster's worker processes, default 2)."),
        click.option("--corpus-stats", "corpus_stats", multiple=True,
                     type=click.Path(exists=True, dir_okay=False),
                     help="Statistics of your own corpus (written by `kg corpus-stats`) to add to the "
                          "shipped ones; may be repeated."),
        click.option("--cache", "cache", type=click.Path(file_okay=False),
                     help="Keep each paper's extraction in this folder and reuse it on the next "
                          "run (incremental builds: only new or changed papers are extracted)."),
        click.option("--dask", "dask", metavar="ADDRESS",
                     help="Extract and resolve on a Dask cluster: its scheduler (tcp://host:8786, "
                          "or the file of --scheduler-file), or `local` for a LocalCluster here "
                          "(-j processes, default 2). Same output as without; needs "
                          "pip install 'kg-ml[dask]'."),
    ]):
        fn = option(fn)
    return fn


def _parse_rdf(ctx, param, value: str) -> tuple[str, ...]:
    """--rdf ttl,nt: every name checked before any work starts."""
    from .build import RDF_FORMATS
    formats = tuple(f for f in (x.strip().lower() for x in value.split(",")) if f)
    bad = [f for f in formats if f not in RDF_FORMATS]
    if bad:
        raise click.BadParameter(f"unknown RDF format {', '.join(map(repr, bad))}; "
                                 f"choose from {', '.join(RDF_FORMATS)} (comma-separated)")
    return formats


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option("-o", "--out", "out_dir", default="exports", show_default=True,
              type=click.Path(file_okay=False), help="Directory for the graph and its exports.")
@input_options
@click.option("--no-html", is_flag=True, help="Skip the interactive page.")
@click.option("--rdf", default="ttl,nt,jsonld", show_default=True, callback=_parse_rdf,
              help="RDF serialisations to write (comma-separated: ttl, nt, jsonld; empty for none).")
@click.option("--gexf", is_flag=True, help="Also write graph.gexf (Gephi's own format).")
@click.option("--no-store", is_flag=True,
              help="Skip graph.oxigraph/, the pyoxigraph store that `kg query OUT` and `kg serve "
                   "OUT` open without parsing the export (`kg load OUT` makes it later).")
def build(inputs, out_dir, fmt, mapping, lexicons, no_html, rdf, gexf, progress, workers, corpus_stats,
          cache, dask, no_store):
    """Build the knowledge graph from INPUTS (default: the bundled sample corpus).

    An input is a file, a directory (every input file in it and below) or - (standard input).
    """
    from .build import build as run_build
    if progress is None:
        progress = sys.stderr.isatty()
    try:
        with _dask_client(dask, workers, inputs, fmt, mapping) as client:
            _, summary = run_build(inputs or None, out_dir, fmt=fmt, lexicons=lexicons,
                                   progress=progress, rdf_formats=rdf, html=not no_html,
                                   on_issue=_issue_printer, workers=workers, mapping=mapping,
                                   graph_formats=("graphml", "gexf") if gexf else ("graphml",),
                                   on_warning=lambda msg: click.echo(f"warning: {msg}", err=True),
                                   cache=cache, corpus_stats=corpus_stats, store=not no_store,
                                   dask=client, graph=False)
    except _input_errors() as exc:
        raise click.ClickException(str(exc))
    except OSError as exc:  # a full disk, a folder that cannot be written: one line
        from .atomic import disk_error
        raise click.ClickException(disk_error(exc))
    if not inputs:
        click.echo("input: the bundled sample corpus (84 arXiv papers)")
    for line in summary.lines():
        click.echo(line)


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option("-o", "--out", "out_path", default="mentions.jsonl", show_default=True,
              type=click.Path(dir_okay=False), help="Output file, one JSON object per paper.")
@input_options
def extract(inputs, out_path, fmt, mapping, lexicons, progress, workers, corpus_stats, cache, dask):
    """Extract entities and relations only: one JSON line per paper."""
    from .build import extract_to_file
    if progress is None:
        progress = sys.stderr.isatty()
    try:
        with _dask_client(dask, workers, inputs, fmt, mapping) as client:
            summary = extract_to_file(inputs or None, out_path, fmt=fmt, lexicons=lexicons,
                                      progress=progress, on_issue=_issue_printer, workers=workers,
                                      mapping=mapping, cache=cache, corpus_stats=corpus_stats,
                                      dask=client)
    except _input_errors() as exc:
        raise click.ClickException(str(exc))
    except OSError as exc:
        from .atomic import disk_error
        raise click.ClickException(disk_error(exc))
    for line in summary.lines():
        click.echo(line, err=True)


@cli.command()
@click.argument("paper_id")
@click.argument("source", required=False, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), help="Input format of SOURCE.")
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(exists=True, dir_okay=False))
def explain(paper_id, source, fmt, lexicons):
    """Show, for one paper (its id or BibTeX key), each entity and relation with the text and
    rule behind it.

    SOURCE is a papers file or directory (default: the bundled sample) or a mentions.jsonl written by
    `kg extract` / `kg build`.
    """
    from .explain import explain_paper
    try:
        text = explain_paper(paper_id, source, fmt=fmt, lexicons=lexicons)
    except _input_errors() as exc:
        raise click.ClickException(str(exc))
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0]))
    click.echo(text)


# ---- view ----
@cli.command()
@click.argument("graph", type=click.Path(exists=True))
@click.option("-o", "--out", "out_path", default="graph.html", show_default=True,
              type=click.Path(dir_okay=False), help="The HTML page to write.")
@click.option("--entity", help="Show the neighbourhood of this entity (name, alias or id).")
@click.option("--hops", default=2, show_default=True, type=click.IntRange(0, 10),
              help="Neighbourhood radius, with --entity.")
@click.option("--entities-only", is_flag=True,
              help="Entities only: co-occurrence edges plus typed relations (no paper nodes).")
@click.option("--types", help="Keep only entities of these types, comma-separated (e.g. Method,Dataset).")
@click.option("--max-nodes", default=1500, show_default=True, type=click.IntRange(1, None),
              help="Nodes shown at first; the rest are added by expanding a node.")
@click.option("--title", help="Page title.")
def view(graph, out_path, entity, hops, entities_only, types, max_nodes, title):
    """Write the interactive page for GRAPH (graph.graphml, or the build directory holding it)."""
    from .views import load_graphml, write_page
    try:
        g = load_graphml(graph)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc))
    except Exception as exc:  # a malformed GraphML file
        raise click.ClickException(f"cannot read {graph}: {exc}")
    type_list = [t.strip() for t in types.split(",") if t.strip()] if types else None
    if title is None:
        title = "Knowledge graph of ML papers"
        if entity:
            title += f": around {entity}"
    try:
        path = write_page(g, out_path, title=title, max_nodes=max_nodes,
                          view="entities" if entities_only else "full",
                          entity=entity, hops=hops, types=type_list)
    except ValueError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"wrote {path}")


# ---- query / serve ----
_QUERY_FORMATS = ("table", "csv", "tsv", "json", "xml", "ttl", "nt")


def _parse_params(pairs) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        out[name.strip()] = value
    return out


@cli.command("query")
@click.argument("graph", required=False, type=click.Path(exists=True))
@click.argument("sparql", required=False)
@click.option("-f", "--file", "query_file", type=click.Path(exists=True, dir_okay=False),
              help="Read the query from this .rq file.")
@click.option("-n", "--name", help="Run a named query of the library (see --list).")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter, e.g. --param entity=DPO (repeatable).")
@click.option("--list", "list_queries_", is_flag=True, help="List the named queries and exit.")
@click.option("--format", "fmt", type=click.Choice(_QUERY_FORMATS), default="table", show_default=True,
              help="Output: a text table, or SPARQL results as CSV / TSV / JSON / XML "
                   "(CONSTRUCT: ttl, nt; json gives JSON-LD).")
@click.option("--engine", type=click.Choice(("oxigraph", "rdflib")), default="oxigraph",
              show_default=True, help="pyoxigraph (fast) or rdflib (the reference engine).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop the query after this many seconds (it runs in a worker process).")
@click.option("--max-rows", type=click.IntRange(min=0), default=None, help="Return at most this many rows.")
@click.option("--max-memory", type=click.IntRange(min=1), default=None, metavar="MB",
              help="Stop the query past this much memory beyond the loaded graph (it runs in a "
                   "worker process).")
@click.option("--show", is_flag=True, help="Print the query (parameters substituted) instead of running it.")
def query_cmd(graph, sparql, query_file, name, params, list_queries_, fmt, engine, timeout, max_rows,
              max_memory, show):
    """Run a SPARQL query on GRAPH (graph.ttl / graph.nt / graph.jsonld, or an export directory).

    An export directory with a store (graph.oxigraph, written by `kg build` or `kg load`) is
    opened read-only with no parsing (engine oxigraph); a graph file is parsed first.

    \b
    kg query exports "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5"
    kg query exports --file q.rq
    kg query exports --name papers-mentioning --param entity=DPO
    kg query --list

    Only queries run: updates, SERVICE and FROM are refused, and nothing but GRAPH is read.
    """
    from .query import QueryError, get_query, list_queries, parse_header, run_query, substitute

    if list_queries_:
        for q in list_queries():
            ps = " ".join(f"{k}={v}" for k, v in q.params.items())
            click.echo(f"{q.name:26} {q.title}" + (f"  [{ps}]" if ps else ""))
        return
    sources = sum(x is not None and x is not False for x in (sparql, query_file, name))
    if sources != 1:
        raise click.UsageError("give exactly one query: SPARQL text, --file or --name")
    try:
        kv = _parse_params(params)
        if name:
            info = get_query(name)
            text = substitute(info.text, kv, info.params, what=f"query {name!r}")
        else:
            text = sparql if sparql is not None else Path(query_file).read_text(encoding="utf-8")
            declared = parse_header(text)[2]
            if kv or declared:
                text = substitute(text, kv, declared)
        if show:
            click.echo(text.rstrip("\n"))
            return
        if graph is None:
            raise click.UsageError("missing GRAPH (a graph file or an export directory)")
        result = run_query(graph, text, engine=engine, timeout=timeout, max_rows=max_rows,
                           max_memory=max_memory)
        if result.kind == "graph":
            out = result.format({"xml": "xml", "json": "json"}.get(fmt, fmt))
        elif fmt in ("ttl", "nt"):
            raise click.UsageError(f"--format {fmt} is for CONSTRUCT / DESCRIBE queries")
        else:
            out = result.format(fmt)
    except QueryError as exc:
        where = query_file or (f"query {name!r}" if name else "the query")
        if exc.line is not None:  # file:line:column: message, as compilers do
            raise click.ClickException(f"{where}:{exc.line}:{exc.column}: {exc.message}"
                                       if query_file else str(exc))
        raise click.ClickException(str(exc))
    click.echo(out, nl=False)
    if result.truncated and fmt == "table":
        click.echo(f"(stopped at --max-rows {max_rows})", err=True)


@cli.command("load")
@click.argument("export_dir", type=click.Path(exists=True, file_okay=False))
def load_cmd(export_dir):
    """(Re)make EXPORT_DIR/graph.oxigraph, the store `kg query` / `kg serve` open, from the
    export's graph.nt (else graph.ttl, graph.jsonld); switched in with the other files."""
    import time

    from .query import QueryError, load_store
    t0 = time.perf_counter()
    try:
        path = load_store(export_dir)
    except QueryError as exc:
        raise click.ClickException(str(exc))
    except OSError as exc:
        from .atomic import disk_error
        raise click.ClickException(disk_error(exc))
    click.echo(f"wrote {path} in {time.perf_counter() - t0:.1f} s")


@cli.command("serve")
@click.argument("graph", required=False, type=click.Path(exists=True))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (the default keeps it local).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds a query may run before it is stopped (HTTP 503).")
@click.option("--max-rows", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Rows (or triples) returned at most; more sets X-Result-Truncated.")
@click.option("--engine", type=click.Choice(("oxigraph", "rdflib")), default="oxigraph", show_default=True)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (concurrent queries); each holds the graph in memory.")
@click.option("--max-memory", default=1024, show_default=True, type=click.IntRange(min=1), metavar="MB",
              help="Memory a query may use beyond the loaded graph, per worker (HTTP 503 past it).")
@click.option("--max-connections", default=32, show_default=True, type=click.IntRange(1, 4096),
              help="Connections served at once (a thread each); more get HTTP 503 at once.")
@click.option("--read-timeout", default=10.0, show_default=True,
              type=click.FloatRange(min=0, min_open=True),
              help="Seconds a connection may stay silent before it is closed.")
@click.option("--upstream", metavar="URL",
              help="Instead of GRAPH, pass the checked queries to this SPARQL server (http or "
                   "https; e.g. `oxigraph serve` or QLever holding a graph too large to load).")
def serve_cmd(graph, host, port, timeout, max_rows, engine, workers, max_memory, max_connections,
              read_timeout, upstream):
    """Serve GRAPH as a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql.

    GRAPH is a graph file or an export directory (its store, graph.oxigraph, is opened
    read-only by each worker when it has one). Updates, SERVICE and FROM are refused (the
    server never contacts another host but the --upstream one), and each query is bounded in
    time, memory and rows.
    """
    from .query import QueryError
    from .serve import serve

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: the endpoint is reachable from other machines",
                   err=True)

    if (graph is None) == (upstream is None):
        raise click.UsageError("give GRAPH or --upstream URL (one of them)")
    if upstream is not None:
        from .query import check_upstream_url
        try:
            check_upstream_url(upstream)
        except QueryError as exc:
            raise click.BadParameter(str(exc), param_hint="--upstream")
        engine = f"upstream {upstream}"

    def ready(server) -> None:
        click.echo(f"SPARQL endpoint: {server.url} (engine {engine}, timeout {timeout:g} s, "
                   f"max {max_rows} rows, {max_memory} MB per query, {max_connections} "
                   f"connections; Ctrl-C stops)", err=True)

    try:
        serve(graph, host=host, port=port, timeout=timeout, max_rows=max_rows,
              engine="oxigraph" if upstream else engine, workers=workers, on_ready=ready,
              max_memory=max_memory, max_connections=max_connections, read_timeout=read_timeout,
              upstream=upstream)
    except QueryError as exc:
        raise click.ClickException(str(exc))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}")


# ---- eval ----
@cli.command("eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False))
@click.argument("pred", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (strict and lenient).")
@click.option("--show-errors", default=0, show_default=True, type=click.IntRange(min=0), metavar="N",
              help="List the first N errors (TYPE, MISS, SPURIOUS, REL-MISS).")
def eval_cmd(gold, pred, as_json, show_errors):
    """Score PRED (a `kg extract` output) against GOLD (hand-annotated papers).

    Document-level precision, recall and F1 of entities (untyped and typed), of the
    proposed flag and of relations, strict and lenient; the definitions are in kg/evaluate.py.
    """
    import json

    from .evaluate import GoldError, evaluate, format_report

    try:
        scores = evaluate(gold, pred)
    except GoldError as exc:
        raise click.ClickException(str(exc))
    if as_json:
        click.echo(json.dumps({mode: s.to_json() for mode, s in scores.items()}))
    else:
        click.echo(format_report(scores, show_errors))


# ---- audit ----
@cli.command("audit")
@click.argument("export_dir", type=click.Path(exists=True))
@click.option("--top", default=500, show_default=True, type=click.IntRange(1, None),
              help="Audit the N entities with the most papers.")
@click.option("--examples", default=3, show_default=True, type=click.IntRange(0, None),
              help="Example paper ids per finding.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (all findings).")
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra lexicon file the build used; may be repeated.")
def audit_cmd(export_dir, top, examples, as_json, lexicons):
    """Report suspected duplicates, wrong merges, common-word lexicon hits and names proposed
    by several papers in EXPORT_DIR (a `kg build` directory or its mentions.jsonl)."""
    import json as _json

    from .audit import audit, format_report, load_lexicon_forms
    try:
        report = audit(export_dir, top=top, examples=examples, lexicon=load_lexicon_forms(lexicons))
    except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc))
    click.echo(_json.dumps(report, ensure_ascii=False, indent=1) if as_json else format_report(report),
               nl=as_json)


# ---- corpus-stats ----
@cli.command("corpus-stats")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="The statistics file to write (gzipped TSV, e.g. kg/lexicon/corpus-stats.tsv.gz).")
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), help="Input format (default: by extension).")
@click.option("--min-df", default=3, show_default=True, type=click.IntRange(1, None),
              help="Keep forms found in at least this many papers.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when on a terminal).")
def corpus_stats_cmd(corpus, out_path, fmt, min_df, progress):
    """Count how CORPUS writes each candidate name (casing, contexts, long forms).

    \b
    kg corpus-stats ../shared/corpus/arxiv-cs-100k.jsonl.gz -o kg/lexicon/corpus-stats.tsv.gz
    """
    from tqdm import tqdm

    from .corpus_stats import CorpusStats
    from .readers import InputError, ReadReport, read_papers
    if progress is None:
        progress = sys.stderr.isatty()
    report = ReadReport()

    def papers():
        seen: set[str] = set()
        for path in corpus:
            for p in read_papers(path, format=fmt, report=report, on_issue=_issue_printer):
                if p.id not in seen:
                    seen.add(p.id)
                    yield p

    def bar(it, desc, total):
        return tqdm(it, desc=desc, total=total, unit=" papers", mininterval=0.5) if progress else it

    try:
        stats = CorpusStats.build(papers(), min_df=min_df, progress=bar)
    except (InputError, OSError) as exc:
        raise click.ClickException(str(exc))
    path = stats.save(out_path)
    click.echo(f"papers read: {stats.papers}; forms kept: {len(stats)} (df >= {min_df}); wrote {path}")


if __name__ == "__main__":
    main()
